//! The Dutch sentence templates of victims' statements, and the month
//! and weekday names of the dates in them.

/// Intros and story sentences per fraud type, in the order of
/// the generator's `FraudKind`.
pub const STORIES: [&[&str]; 8] = [
    // marketplace
    &[
        "Ik heb via {MARKET} {ITEM} gekocht maar nooit ontvangen.",
        "Op {MARKET} stond {ITEM} te koop voor een mooie prijs.",
        "Ik wilde {ITEM} kopen via {MARKET}.",
        "De verkoper op {MARKET} wilde alleen vooraf betaald krijgen.",
        "Hij zei dat het pakket via PostNL verstuurd zou worden maar de track en trace werkte niet.",
        "Daarna vroeg hij nog extra geld voor verzekering en verzendkosten.",
        "Na betaling reageerde de verkoper niet meer en was de advertentie weg.",
        "Ik moest via een link een cent overmaken om mijn rekening te verifieren, daarna was er geld weg.",
        "We hebben verder gepraat via Whats app.",
        "Hij stuurde een foto van zijn ID-kaart, die later nep bleek.",
        "ik had iets te koop gezet en een koper wilde via een 'veilig betalen' link betalen.",
        "De verkoper heette volgens hem {ALIAS}.",
        "Het account is inmiddels verwijderd.",
    ],
    // bank_helpdesk
    &[
        "Ik ben gebeld door een medewerker van de {BANK} die zei dat mijn rekening gehackt was.",
        "Een man die zei van de fraudeafdeling van {BANK} te zijn belde mij op.",
        "Ik werd gebelt door iemand van de {BANK}, hij wist mijn naam en adres.",
        "Hij zei dat er verdachte transacties waren en dat mijn geld naar een veilige rekening moest.",
        "Ik moest mijn pas doorknippen en in een envelop doen.",
        "Er zou een koerier langskomen om mijn oude bankpas op te halen.",
        "Ik moest AnyDesk installeren zodat hij kon meekijken.",
        "Hij bleef aan de lijn terwijl ik in de app alles moest goedkeuren.",
        "Ze zeiden dat de politie ook betrokken was en dat ik niemand mocht vertellen.",
        "Later bleek dat er meerdere overboekingen waren gedaan.",
        "Het klonk allemaal heel professioneel, op de achtergrond hoorde ik een callcenter.",
        "Ik moest een nieuwe pas aanvragen en mijn pincode intoetsen.",
    ],
    // phishing
    &[
        "Ik kreeg een sms van {BRAND} over {TOPIC}.",
        "er kwam een mail binnen, zogenaamd van {BRAND}, over {TOPIC}.",
        "Ik kreeg een berichtje dat het van {BRAND} leek te komen.",
        "Ik klikte op de link en vulde mijn gegevens in.",
        "Op de site moest ik inloggen en mijn bankgegevens invullen.",
        "Kort daarna werd ik gebeld door iemand die zei dat hij van de bank was.",
        "Er werd een betaling van 1 cent gevraagd, daarna werd mijn rekening leeggehaald.",
        "Ik heb mijn wachtwoord direct veranderd maar het was al te laat.",
        "De site zag er precies uit als de echte.",
        "Daarna zijn er vanaf mijn rekening meerdere betalingen gedaan die ik niet herken.",
    ],
    // friend_in_need
    &[
        "Ik kreeg een WhatsApp bericht: hoi mam, dit is mijn nieuwe nummer.",
        "Ik kreeg een appje van iemand die zei dat hij mijn {REL} was met een nieuw nummer.",
        "Hoi pap, mijn telefoon is kapot, dit is mijn nieuwe nummer. Zo begon het.",
        "Mijn '{REL}' vroeg of ik een rekening wilde betalen omdat {POSS} bankapp nog niet werkte.",
        "Het moest snel want de rekening moest vandaag nog betaald worden.",
        "Ik heb niet gebeld want {POSS} microfoon zou kapot zijn.",
        "Later vroeg {POSS} nieuwe nummer nog een tweede betaling.",
        "Pas toen ik mijn {REL} zelf sprak begreep ik dat het oplichting was.",
        "De berichten waren in het Nederlands met veel emoji's.",
        "Ik kreeg een betaalverzoek doorgestuurd.",
    ],
    // investment
    &[
        "Ik zag een advertentie over beleggen in bitcoin met een bekende Nederlander erin.",
        "Via Facebook kwam ik op een site voor beleggen in crypto.",
        "Ik heb mijn gegevens achtergelaten en werd gebeld door een 'accountmanager'.",
        "In het dashboard zag ik mijn winst steeds groter worden.",
        "Er werd steeds meer geld gevraagd voor 'verificatie' van mijn opname.",
        "Ik moest AnyDesk installeren zodat de adviseur kon helpen.",
        "Toen ik mijn geld wilde opnemen moest ik eerst belasting betalen.",
        "De adviseur noemde zich {ALIAS} en had een Engels accent.",
        "Ik moest een account bij Bitvavo openen en daar {COIN} kopen.",
        "Na een paar weken was de site offline.",
    ],
    // romance
    &[
        "Via Instagram kreeg ik een bericht van een vriendelijke vrouw.",
        "Ik leerde {ALIAS} kennen via een datingsite.",
        "We hadden maanden contact, hij zei dat hij militair arts was in het buitenland.",
        "Hij had geld nodig voor een ziekenhuisrekening.",
        "Later vroeg hij mij om in crypto te investeren.",
        "Ze kon niet terugkomen naar Nederland zonder geld voor het ticket.",
        "ik hep het aan niemand verteld omdat hij dat vroeg.",
        "We hebben nooit videogebeld, er was altijd een reden.",
        "Er moest douanegeld betaald worden voor een pakket met goud.",
    ],
    // webshop
    &[
        "Ik heb bij een webshop {ITEM} besteld.",
        "Via een advertentie op Instagram kwam ik bij een webshop met grote kortingen.",
        "De bestelling is nooit geleverd.",
        "De klantenservice reageert niet meer op mijn mails.",
        "De site is inmiddels uit de lucht.",
        "De track en trace code die ik kreeg bestaat niet.",
        "Op Trustpilot stonden later veel slechte reviews.",
        "Ik betaalde via iDEAL en kreeg een bevestiging per mail.",
    ],
    // invoice
    &[
        "Wij ontvingen een factuur van een vaste leverancier met een gewijzigd rekeningnummer.",
        "Er kwam een mail dat ons abonnement verlengd moest worden.",
        "De factuur zag er echt uit, met ons klantnummer erop.",
        "Later bleek dat de mailbox van de leverancier gehackt was.",
        "Ik kreeg een aanmaning voor een vermelding in een bedrijvengids die ik nooit had besteld.",
        "Onze boekhouder heeft de factuur betaald.",
        "De echte leverancier wist van niets.",
    ],
];

/// Closing remarks any victim may add.
pub const CLOSINGS: &[&str] = &[
    "Mijn bank gaf aan dat ik aangifte moest doen.",
    "Ik heb de screenshots als bijlage toegevoegd.",
    "Hopelijk worden deze mensen gepakt.",
    "Ik schaam me enorm dat ik hierin ben getrapt.",
    "De bank heeft de rekening laten blokkeren.",
    "ik wil graag dat hier iets mee gedaan word",
    "Ik heb ook melding gemaakt bij de Fraudehelpdesk.",
    "Mijn bank onderzoekt of ik het geld terugkrijg.",
    "Ik heb alle berichten bewaard.",
];

/// Sentences naming the damage; `{AMOUNT}` is the amount as written.
pub const DAMAGE: &[&str] = &[
    "Mijn schade is {AMOUNT}.",
    "Totale schade: {AMOUNT}.",
    "Ik heb in totaal {AMOUNT} betaald.",
    "Ik heb op {DATE} {AMOUNT} overgemaakt via mijn bankapp.",
    "Het ging om {AMOUNT}.",
    "schade {AMOUNT}",
    "Ik ben {AMOUNT} kwijt.",
];

/// Sentences with an offender's IBAN; `{HOLDER}` names the account holder.
pub const IBAN_SENTENCES: &[&str] = &[
    "Het geld is naar rekening {IBAN} gegaan.",
    "Ik heb {AMOUNT} overgemaakt naar {IBAN}.",
    "IBAN: {IBAN}",
    "rekeningnummer {IBAN}",
    "Ik moest het geld overmaken naar een 'veilige rekening' {IBAN}.",
    "Betaald aan {IBAN} t.n.v. {HOLDER}.",
    "Het rekeningnummer was {IBAN} ten name van {HOLDER}.",
    "overgemaakt naar {IBAN} (tnv {HOLDER})",
    "Het betaalverzoek ging naar rekening {IBAN}.",
    "Rekening ontvanger: {IBAN}",
];

/// Sentences with an offender's phone number.
pub const PHONE_SENTENCES: &[&str] = &[
    "Ik werd gebeld door {PHONE}.",
    "Het nummer was {PHONE}.",
    "tel. {PHONE}",
    "Hij appte vanaf {PHONE}.",
    "Het nieuwe nummer was {PHONE}.",
    "Contact verliep via WhatsApp op nummer {PHONE}.",
    "De sms kwam van {PHONE}.",
    "Telefoonnummer verdachte: {PHONE}",
    "Ik moest terugbellen naar {PHONE}.",
];

/// Sentences naming an offender's number as a chat message or scam text
/// writes it (issue 20); a phone word comes just before the number.
pub const MESSAGE_PHONE_SENTENCES: &[&str] = &[
    "Hij appte vanaf {PHONE}.",
    "Ik kreeg een bericht op WhatsApp van {PHONE}: nieuw nummer, sla het op.",
    "Ik werd gebeld door {PHONE}.",
    "In de sms stond: bel {PHONE} om uw pakket te laten bezorgen.",
    "Ik moest een WhatsApp sturen naar {PHONE}.",
    "Zijn nummer was {PHONE}.",
];

/// Sentences with a fraud URL.
pub const URL_SENTENCES: &[&str] = &[
    "Ik kreeg een sms met de link {URL}",
    "De site is {URL}.",
    "via {URL} moest ik inloggen",
    "De link in het bericht was {URL}",
    "Ik heb besteld via {URL}.",
    "Website: {URL}",
    "Het platform heette {URL}.",
];

/// Sentences with an offender's e-mail address.
pub const EMAIL_SENTENCES: &[&str] = &[
    "Ik mailde met {EMAIL}.",
    "De mail kwam van {EMAIL}",
    "Het e-mailadres was {EMAIL}.",
    "Contact via {EMAIL}",
    "De factuur werd verstuurd vanaf {EMAIL}.",
];

/// Sentences with a platform handle.
pub const HANDLE_SENTENCES: &[&str] = &[
    "Ik had contact met {HANDLE}.",
    "Het account was {HANDLE}.",
    "Hij stuurde berichten vanaf {HANDLE}.",
    "Profiel: {HANDLE}",
];

/// Sentences with a crypto address.
pub const CRYPTO_SENTENCES: &[&str] = &[
    "Ik heb {COIN} gestuurd naar {CRYPTO}.",
    "wallet adres: {CRYPTO}",
    "Het adres waar ik naartoe moest sturen: {CRYPTO}",
    "Ik moest de {COIN} naar dit adres sturen {CRYPTO}",
];

/// The victim's own account: it describes the victim and must never link.
pub const VICTIM_IBAN_SENTENCES: &[&str] = &[
    "Het geld is afgeschreven van mijn rekening {VIBAN}.",
    "Het geld is afgeschreven van mijn reking {VIBAN}.",
    "vanaf mijn rekening {VIBAN} is betaald.",
    "Mijn eigen rekeningnummer is {VIBAN}.",
    "Ik heb betaald vanaf mijn betaalrekening {VIBAN}.",
    "Van mijn spaarrekening {VIBAN} is ook geld overgeboekt.",
];

/// The victim's own phone number.
pub const VICTIM_PHONE_SENTENCES: &[&str] = &[
    "Ik ben bereikbaar op {VPHONE}.",
    "Mijn telefoonnummer: {VPHONE}",
    "U kunt mij bellen op {VPHONE}.",
    "Mijn eigen nummer is {VPHONE}.",
];

/// The relative's real number in friend-in-need fraud.
pub const FAMILY_PHONE_SENTENCES: &[&str] = &[
    "Mijn {REL} heeft gewoon nog {POSS} oude nummer {FPHONE}.",
    "Toen ik mijn {REL} belde op {POSS} echte nummer {FPHONE} wist {SUBJ} van niets.",
    "Het echte nummer van mijn {REL} is {FPHONE}.",
];

/// The bank's real number shown as caller id, or called back by the
/// victim: benign, and the commonest false link.
pub const SPOOF_SENTENCES: &[&str] = &[
    "In beeld stond {SPOOF}, het echte nummer van de {OWNER}.",
    "Nummer beller: {SPOOF} ({OWNER})",
    "Ik werd gebeld door {SPOOF}, dat is het nummer van {OWNER}.",
    "Op mijn scherm stond {OWNER} met nummer {SPOOF}.",
    "Ik heb het nummer {SPOOF} gegoogeld en dat was echt van {OWNER}.",
];

/// The victim calling the real number back.
pub const CALLBACK_SENTENCES: &[&str] = &[
    "Ik heb daarna zelf de {OWNER} gebeld op {SPOOF}.",
    "Toen ik {OWNER} belde op {SPOOF} zeiden ze dat zij nooit bellen.",
    "Na het gesprek heb ik {SPOOF} gebeld om mijn pas te blokkeren.",
];

/// Benign mentions of platforms, payment services, shorteners and the
/// like, by allowlist category; `{PLAT}` is the domain or a link.
pub fn platform_sentences(category: &str) -> &'static [&'static str] {
    match category {
        "platform" => &[
            "Ik vond het via {PLAT}.",
            "Het contact begon op {PLAT}.",
            "Ik zag de advertentie op {PLAT}.",
        ],
        "payment" => &[
            "Ik kreeg een betaalverzoek: {PLAT}",
            "Ik betaalde via {PLAT}.",
            "Ik moest betalen via {PLAT}",
        ],
        "shortener" => &[
            "De link was {PLAT}",
            "In de sms stond {PLAT}",
            "Ik klikte op {PLAT}",
        ],
        "remote_access" => &[
            "Ik moest een programma downloaden van {PLAT}.",
            "Hij liet mij een programma van {PLAT} installeren.",
        ],
        "freemail" => &[
            "Het mailadres was van {PLAT}, dat vond ik al raar.",
            "De mail kwam van een {PLAT} adres.",
        ],
        _ => &[
            "Ik dacht echt dat het van {PLAT} kwam.",
            "Later zag ik op {PLAT} een waarschuwing.",
            "Ik heb het gemeld via {PLAT}.",
        ],
    }
}

/// How many of each kind's [`STORIES`] open a statement; the rest follow.
pub const INTROS: [usize; 8] = [3, 3, 3, 3, 2, 2, 2, 2];

/// Digit noise: numbers that are not identifiers but look like some.
pub const NOISE_SENTENCES: &[&str] = &[
    "Mijn postcode is {POSTCODE}.",
    "Betalingskenmerk: {KENMERK}",
    "Bestelnummer {ORDER}.",
    "Mijn klantnummer bij de bank is {ORDER}.",
    "Dit gebeurde op {NUMDATE} om {TIME}.",
    "Track en trace: 3S{TT}",
    "Eerder heb ik aangifte gedaan onder nummer {REPORTNO}.",
    "Transactie-ID {KENMERK}",
    "Ik woon op {POSTCODE} nummer {HOUSE}.",
];

/// Openings of a second filing by the same victim.
pub const FOLLOW_UPS: &[&str] = &[
    "Aanvulling op mijn eerdere aangifte van {DATE}.",
    "Aanvulling op mijn eerdere aangifte.",
    "Ik heb al eerder aangifte gedaan, dit is een aanvulling.",
    "Aanvullende verklaring bij aangifte van {DATE}.",
];

/// Common misspellings: (correct, as typed).
pub const TYPOS: &[(&str, &str)] = &[
    ("gebeld", "gebelt"),
    ("rekening", "reking"),
    ("heb", "heeb"),
    ("WhatsApp", "watsapp"),
    ("overgemaakt", "overgemaakd"),
    ("betaald", "betaalt"),
    ("eigenlijk", "eigelijk"),
    ("geld", "gelt"),
    ("niet", "nit"),
    ("toen", "tonen"),
];

/// Dutch month names for dates in statements.
pub const MONTHS: [&str; 12] = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
];

/// Dutch weekday names, Monday first.
pub const WEEKDAYS: [&str; 7] = [
    "maandag",
    "dinsdag",
    "woensdag",
    "donderdag",
    "vrijdag",
    "zaterdag",
    "zondag",
];
