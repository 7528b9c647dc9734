//! Names, products, banks, brands and the words of fraud domains.

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
