//! The words the generator writes with: regional units, basisteams and
//! municipalities, names, products, brands, and the Dutch sentence
//! templates of victims' statements.
//!
//! Templates hold placeholders in braces (`{IBAN}`, `{AMOUNT}`) that the
//! generator fills in; every other character is written as it stands,
//! including the misspellings, which are there on purpose.

/// A regional unit (eenheid): its name, the code used in report ids, its
/// share of reports (roughly by population) and its basisteams.
pub struct Unit {
    /// The unit's name as the report systems write it.
    pub name: &'static str,
    /// The short code in report ids (`2026-AMS-00000123`).
    pub code: &'static str,
    /// Relative share of reports.
    pub weight: u32,
    /// Basisteams with the municipalities they serve.
    pub teams: &'static [(&'static str, &'static [&'static str])],
}

/// The ten regional units with their basisteams.
pub const UNITS: [Unit; 10] = [
    Unit {
        name: "Noord-Nederland",
        code: "NN",
        weight: 145,
        teams: &[
            ("Groningen-Stad", &["Groningen"]),
            ("Hoogeland", &["Het Hogeland", "Eemsdelta"]),
            ("Oldambt", &["Oldambt", "Pekela", "Veendam"]),
            ("Westerkwartier", &["Westerkwartier", "Midden-Groningen"]),
            ("Leeuwarden", &["Leeuwarden", "Waadhoeke"]),
            ("Súdwest-Fryslân", &["Súdwest-Fryslân", "De Fryske Marren"]),
            ("Heerenveen", &["Heerenveen", "Weststellingwerf"]),
            (
                "Drachten",
                &["Smallingerland", "Opsterland", "Achtkarspelen"],
            ),
            ("Assen", &["Assen", "Tynaarlo", "Aa en Hunze"]),
            ("Emmen", &["Emmen", "Coevorden", "Borger-Odoorn"]),
            ("Hoogeveen", &["Hoogeveen", "Meppel", "De Wolden"]),
        ],
    },
    Unit {
        name: "Oost-Nederland",
        code: "ON",
        weight: 293,
        teams: &[
            ("Arnhem-Noord", &["Arnhem"]),
            ("Arnhem-Zuid", &["Arnhem", "Rheden"]),
            ("Nijmegen-Noord", &["Nijmegen", "Berg en Dal"]),
            ("Nijmegen-Zuid", &["Nijmegen", "Heumen", "Wijchen"]),
            ("Apeldoorn", &["Apeldoorn", "Epe"]),
            ("Ede", &["Ede", "Wageningen", "Renkum"]),
            ("Zutphen", &["Zutphen", "Lochem", "Brummen"]),
            ("Deventer", &["Deventer", "Olst-Wijhe"]),
            ("Zwolle", &["Zwolle", "Kampen", "Dalfsen"]),
            ("Enschede", &["Enschede", "Haaksbergen"]),
            ("Hengelo", &["Hengelo", "Borne", "Hof van Twente"]),
            ("Almelo", &["Almelo", "Twenterand", "Wierden"]),
            (
                "Doetinchem",
                &["Doetinchem", "Oude IJsselstreek", "Montferland"],
            ),
            ("Tiel", &["Tiel", "West Betuwe", "Buren"]),
            ("Harderwijk", &["Harderwijk", "Ermelo", "Nunspeet"]),
        ],
    },
    Unit {
        name: "Midden-Nederland",
        code: "MN",
        weight: 227,
        teams: &[
            ("Utrecht-Centrum", &["Utrecht"]),
            ("Utrecht-Overvecht", &["Utrecht"]),
            ("Utrecht-West", &["Utrecht", "Stichtse Vecht"]),
            ("Amersfoort", &["Amersfoort", "Leusden"]),
            ("Nieuwegein", &["Nieuwegein", "IJsselstein", "Houten"]),
            ("Veenendaal", &["Veenendaal", "Rhenen", "Renswoude"]),
            ("Zeist", &["Zeist", "De Bilt", "Bunnik"]),
            ("Woerden", &["Woerden", "Montfoort", "Oudewater"]),
            ("Lelystad", &["Lelystad", "Dronten"]),
            ("Almere-Stad", &["Almere"]),
            ("Almere-Haven", &["Almere", "Zeewolde"]),
            ("Noordoostpolder", &["Noordoostpolder", "Urk"]),
        ],
    },
    Unit {
        name: "Noord-Holland",
        code: "NH",
        weight: 191,
        teams: &[
            ("Haarlem", &["Haarlem", "Bloemendaal"]),
            (
                "Kennemerland-Zuid",
                &["Heemstede", "Zandvoort", "Haarlemmermeer"],
            ),
            ("Zaanstad", &["Zaanstad", "Wormerland", "Oostzaan"]),
            ("Beverwijk", &["Beverwijk", "Heemskerk", "Velsen"]),
            ("Alkmaar", &["Alkmaar", "Bergen", "Heiloo"]),
            ("Den Helder", &["Den Helder", "Schagen", "Texel"]),
            ("Hoorn", &["Hoorn", "Koggenland", "Medemblik"]),
            ("Purmerend", &["Purmerend", "Edam-Volendam", "Waterland"]),
            ("Hilversum", &["Hilversum", "Wijdemeren"]),
            (
                "Gooi en Vechtstreek",
                &["Gooise Meren", "Huizen", "Blaricum"],
            ),
        ],
    },
    Unit {
        name: "Amsterdam",
        code: "AMS",
        weight: 210,
        teams: &[
            ("Amsterdam-Centrum", &["Amsterdam"]),
            ("Amsterdam-Oost", &["Amsterdam"]),
            ("Amsterdam-West", &["Amsterdam"]),
            ("Amsterdam-Zuid", &["Amsterdam"]),
            ("Amsterdam-Noord", &["Amsterdam"]),
            ("Amsterdam-Nieuw-West", &["Amsterdam"]),
            ("Amsterdam-Zuidoost", &["Amsterdam", "Diemen"]),
            (
                "Amstelland",
                &["Amstelveen", "Aalsmeer", "Ouder-Amstel", "Uithoorn"],
            ),
        ],
    },
    Unit {
        name: "Den Haag",
        code: "DH",
        weight: 234,
        teams: &[
            ("Den Haag-Centrum", &["Den Haag"]),
            ("Den Haag-Zuidwest", &["Den Haag"]),
            ("Den Haag-Oost", &["Den Haag", "Leidschendam-Voorburg"]),
            ("Scheveningen", &["Den Haag"]),
            ("Rijswijk", &["Rijswijk", "Den Haag"]),
            ("Delft", &["Delft", "Midden-Delfland"]),
            ("Westland", &["Westland"]),
            ("Zoetermeer", &["Zoetermeer", "Lansingerland"]),
            ("Leiden-Noord", &["Leiden", "Leiderdorp", "Oegstgeest"]),
            ("Leiden-Zuid", &["Leiden", "Zoeterwoude", "Voorschoten"]),
            (
                "Alphen aan den Rijn",
                &["Alphen aan den Rijn", "Kaag en Braassem"],
            ),
            (
                "Bollenstreek",
                &["Katwijk", "Noordwijk", "Lisse", "Hillegom"],
            ),
        ],
    },
    Unit {
        name: "Rotterdam",
        code: "RTM",
        weight: 227,
        teams: &[
            ("Rotterdam-Centrum", &["Rotterdam"]),
            ("Rotterdam-Noord", &["Rotterdam"]),
            ("Rotterdam-Zuid", &["Rotterdam"]),
            ("Rotterdam-West", &["Rotterdam"]),
            ("Rotterdam-Oost", &["Rotterdam"]),
            ("Schiedam", &["Schiedam", "Vlaardingen", "Maassluis"]),
            (
                "Capelle aan den IJssel",
                &["Capelle aan den IJssel", "Krimpen aan den IJssel"],
            ),
            (
                "Barendrecht",
                &["Barendrecht", "Ridderkerk", "Albrandswaard"],
            ),
            ("Voorne-Putten", &["Voorne aan Zee", "Nissewaard"]),
            ("Dordrecht", &["Dordrecht", "Zwijndrecht", "Papendrecht"]),
            ("Gorinchem", &["Gorinchem", "Molenlanden"]),
            ("Goeree-Overflakkee", &["Goeree-Overflakkee"]),
        ],
    },
    Unit {
        name: "Zeeland-West-Brabant",
        code: "ZWB",
        weight: 182,
        teams: &[
            ("Breda", &["Breda"]),
            ("Tilburg-Noord", &["Tilburg"]),
            ("Tilburg-Zuid", &["Tilburg", "Goirle", "Hilvarenbeek"]),
            ("Roosendaal", &["Roosendaal", "Halderberge", "Rucphen"]),
            (
                "Bergen op Zoom",
                &["Bergen op Zoom", "Woensdrecht", "Steenbergen"],
            ),
            ("Etten-Leur", &["Etten-Leur", "Zundert", "Moerdijk"]),
            (
                "Oosterhout",
                &["Oosterhout", "Geertruidenberg", "Drimmelen"],
            ),
            ("Waalwijk", &["Waalwijk", "Loon op Zand", "Heusden"]),
            ("Walcheren", &["Middelburg", "Vlissingen", "Veere"]),
            ("De Bevelanden", &["Goes", "Reimerswaal", "Borsele"]),
            ("Zeeuws-Vlaanderen", &["Terneuzen", "Hulst", "Sluis"]),
        ],
    },
    Unit {
        name: "Oost-Brabant",
        code: "OB",
        weight: 176,
        teams: &[
            ("Eindhoven", &["Eindhoven"]),
            ("Eindhoven-Zuid", &["Eindhoven", "Waalre"]),
            ("De Kempen", &["Veldhoven", "Bergeijk", "Eersel", "Bladel"]),
            ("Helmond", &["Helmond", "Deurne", "Laarbeek"]),
            ("'s-Hertogenbosch", &["'s-Hertogenbosch", "Vught"]),
            ("Oss", &["Oss", "Bernheze"]),
            ("Uden", &["Maashorst", "Meierijstad"]),
            ("Boxtel", &["Boxtel", "Sint-Michielsgestel", "Best"]),
            ("Land van Cuijk", &["Land van Cuijk", "Boxmeer"]),
        ],
    },
    Unit {
        name: "Limburg",
        code: "LIM",
        weight: 115,
        teams: &[
            ("Heerlen", &["Heerlen", "Voerendaal"]),
            ("Kerkrade", &["Kerkrade", "Landgraaf"]),
            ("Brunssum", &["Brunssum", "Beekdaelen"]),
            (
                "Maastricht",
                &["Maastricht", "Meerssen", "Eijsden-Margraten"],
            ),
            ("Sittard-Geleen", &["Sittard-Geleen", "Stein", "Beek"]),
            ("Roermond", &["Roermond", "Roerdalen", "Leudal"]),
            ("Venlo", &["Venlo", "Beesel", "Peel en Maas"]),
            ("Venray", &["Venray", "Horst aan de Maas"]),
            ("Weert", &["Weert", "Nederweert"]),
        ],
    },
];

/// First names, for offenders' aliases, account holders and handles.
pub const FIRST_NAMES: &[&str] = &[
    "Jan", "Piet", "Kees", "Mark", "Sanne", "Lisa", "Emma", "Daan", "Sem", "Noah", "Mohammed",
    "Fatima", "Yusuf", "Naomi", "Anouk", "Bram", "Lars", "Eva", "Sophie", "Thomas", "Kevin",
    "Priya", "Dewi", "Ricardo", "Jayden", "Milan", "Ilse", "Romy", "Tim", "Ahmed", "Samira",
    "Bilal", "Joyce", "Patrick", "Ruben", "Stefan", "Monique", "Wendy", "Andrius", "Tomas",
    "Jonas", "Marius", "Ionut", "Andrei", "Lukas", "Leon", "Sarah", "Michael", "David", "Daniel",
    "Robin", "Nina", "Linda", "Glenn", "Anil", "Mehmet", "Emre", "Kübra", "Zoë", "Chantal",
];

/// Surnames, Dutch and otherwise.
pub const SURNAMES: &[&str] = &[
    "de Vries",
    "Jansen",
    "de Jong",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Dijk",
    "van den Berg",
    "El Amrani",
    "Yilmaz",
    "Kaya",
    "Öztürk",
    "Nowak",
    "Kowalski",
    "Popescu",
    "Janssens",
    "Peeters",
    "Müller",
    "Schmidt",
    "Petrauskas",
    "Kazlauskas",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "Wijnands",
    "Koster",
    "Verhoeven",
    "Bouzid",
    "Haddou",
    "Pinas",
    "Sedney",
    "Kromowidjojo",
    "Nguyen",
    "Claes",
    "Wagner",
    "Becker",
    "Jankauskas",
    "Ionescu",
    "Johnson",
    "Williams",
    "Baptiste",
];

/// Names so common that many unrelated account holders share them: they
/// appear in reports of different groups and must never link them.
pub const COMMON_HOLDERS: &[&str] = &[
    "J. de Vries",
    "M. Jansen",
    "A. de Jong",
    "S. Bakker",
    "P. Visser",
    "K. Smit",
    "R. Meijer",
    "E. de Boer",
    "N. Mulder",
    "L. de Groot",
    "T. Bos",
    "H. Vos",
    "D. Peters",
    "W. Hendriks",
    "M. van Dijk",
    "S. van den Berg",
    "J. Jansen",
    "M. de Vries",
    "J. Bakker",
    "A. Visser",
];

/// Words for relatives in "friend in need" messages.
pub const RELATIVES: &[(&str, &str)] = &[
    ("dochter", "haar"),
    ("zoon", "zijn"),
    ("nichtje", "haar"),
    ("neef", "zijn"),
    ("kleinzoon", "zijn"),
    ("kleindochter", "haar"),
    ("schoonzoon", "zijn"),
    ("broer", "zijn"),
    ("zus", "haar"),
];

/// Things sold on marketplaces and by fake web shops.
pub const ITEMS: &[&str] = &[
    "een PlayStation 5",
    "een iPhone 15",
    "twee kaartjes voor Lowlands",
    "concertkaarten voor Taylor Swift",
    "een kinderwagen",
    "een e-bike",
    "een airfryer",
    "Lego Star Wars sets",
    "een gouden ketting",
    "een bankstel",
    "een Nintendo Switch",
    "sneakers van Nike",
    "een Dyson stofzuiger",
    "een puppy",
    "een laptop",
    "een gebruikte scooter",
    "winterbanden",
    "een designertas",
    "een wasmachine",
    "festivaltickets",
    "een trampoline",
    "een iPad",
    "een camper-luifel",
    "pokemonkaarten",
];

/// Marketplaces as victims name them.
pub const MARKETPLACES: &[&str] = &[
    "Marktplaats",
    "Marktplaats",
    "Marktplaats",
    "Vinted",
    "Facebook Marketplace",
    "2dehands",
    "Ticketswap",
    "marktplaats",
];

/// Banks that fraudsters impersonate, with their bank codes in NL IBANs.
pub const NL_BANKS: &[(&str, &str)] = &[
    ("ING", "INGB"),
    ("Rabobank", "RABO"),
    ("ABN AMRO", "ABNA"),
    ("SNS", "SNSB"),
    ("ASN Bank", "ASNB"),
    ("Triodos", "TRIO"),
    ("Knab", "KNAB"),
    ("bunq", "BUNQ"),
    ("RegioBank", "RBRB"),
];

/// Brands impersonated in phishing and what the message was about.
pub const PHISH_BRANDS: &[(&str, &str)] = &[
    ("PostNL", "een pakketje dat niet bezorgd kon worden"),
    ("DHL", "verzendkosten die nog betaald moesten worden"),
    ("GLS", "verzendkosten die nog betaald moesten worden"),
    ("de Belastingdienst", "een teruggave die klaarstond"),
    ("DigiD", "mijn DigiD die zou verlopen"),
    ("het CJIB", "een openstaande boete"),
    ("KPN", "een onbetaalde factuur"),
    ("Ziggo", "een storing en een terugbetaling"),
    ("de ING", "een nieuwe betaalpas"),
    ("de Rabobank", "een verlopen Rabo Scanner"),
    ("ABN AMRO", "het vernieuwen van mijn pas"),
    ("bol.com", "een bestelling die niet klopte"),
    ("Mijn Overheid", "een bericht in mijn berichtenbox"),
    ("Toeslagen", "een terugbetaling van mijn toeslag"),
];

/// Brand and topic words for fraud domains.
pub const DOMAIN_BRANDS: &[&str] = &[
    "rabo",
    "ing",
    "abnamro",
    "sns",
    "asn",
    "bunq",
    "knab",
    "postnl",
    "dhl",
    "belasting",
    "digid",
    "mijnoverheid",
    "toeslagen",
    "cjib",
    "ziggo",
    "kpn",
    "bol",
    "coolblue",
    "triodos",
    "pakket",
    "track",
    "bitcoin",
    "crypto",
    "invest",
    "trade",
    "belegging",
];

/// Words that fraud domains are made of.
pub const DOMAIN_WORDS: &[&str] = &[
    "veilig",
    "verificatie",
    "beveiliging",
    "klantenservice",
    "support",
    "online",
    "mijn",
    "login",
    "pas",
    "betaalpas",
    "update",
    "check",
    "portaal",
    "direct",
    "service",
    "hulp",
    "bevestigen",
    "nl",
    "secure",
    "id",
    "account",
    "herstel",
    "retour",
    "bezorging",
    "zending",
    "profit",
    "capital",
    "markets",
    "ai",
    "pro",
    "group",
    "fx",
    "winst",
    "rendement",
];

/// Words for fake web shops' domains.
pub const SHOP_WORDS: &[&str] = &[
    "sneakers",
    "outlet",
    "deals",
    "korting",
    "airfryer",
    "lego",
    "fiets",
    "ebike",
    "tassen",
    "horloges",
    "parfum",
    "babyshop",
    "speelgoed",
    "gadgets",
    "kleding",
    "meubels",
    "tuin",
    "sale",
    "goedkope",
    "expert",
    "discount",
    "mode",
    "wonen",
    "store",
    "shop",
    "winkel",
];

/// Top-level domains fraud sites use.
pub const TLDS: &[&str] = &[
    "nl", "nl", "nl", "com", "com", "info", "online", "site", "xyz", "top", "shop", "net", "eu",
    "be", "org", "live", "app", "icu", "click", "store", "co", "io", "de",
];

/// Labels with diacritics for the occasional internationalised domain.
pub const IDN_LABELS: &[&str] = &[
    "bänk-veilig",
    "rabobánk",
    "pakket-bezörging",
    "belgië-pakket",
    "düsseldorf-outlet",
    "mijn-gegevens-bevestigén",
];

/// Coins victims name.
pub const COINS: &[&str] = &["bitcoin", "USDT", "ethereum", "crypto", "BTC", "Tether"];

/// Unknown or legacy fraud_type values some source systems send.
pub const ODD_FRAUD_TYPES: &[&str] = &[
    "other",
    "other",
    "helpdeskfraude",
    "WhatsApp-fraude",
    "vriend in nood",
    "sextortion",
    "spoofing",
    "ceo_fraud",
    "Marktplaatsfraude",
    "identity_theft",
    "cyber",
    "Phishing ",
];

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
