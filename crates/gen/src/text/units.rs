//! The regional units (eenheden) with their basisteams and the
//! municipalities they serve.

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
