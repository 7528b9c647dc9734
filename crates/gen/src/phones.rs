//! Telephone numbers: offenders' mobile numbers (Dutch, Belgian, German,
//! British, North American), victims' own, the official numbers of the
//! allowlist, and the forms people and chat messages write them in.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::benign::Official;
use crate::prose::expand;
use crate::random::{pick, pick_str, random_digits, weighted};
use crate::text;
use crate::unique::Serial;

/// A telephone number: country calling code and national significant
/// number (no trunk prefix).
#[derive(Debug, Clone)]
pub(crate) struct PhoneNo {
    pub(crate) cc: &'static str,
    pub(crate) nsn: String,
}

impl PhoneNo {
    /// The number in E.164 (`+31612345678`).
    pub(crate) fn e164(&self) -> String {
        format!("+{}{}", self.cc, self.nsn)
    }
}

pub(crate) fn nl_mobile(r: &mut ChaCha8Rng) -> PhoneNo {
    let mut nsn = String::from("6");
    nsn.push(char::from(b'1' + r.random_range(0..5u8)));
    random_digits(r, &mut nsn, 7);
    PhoneNo { cc: "31", nsn }
}

/// An offender's number; with a serial, one no other serial gets (see
/// `unique`): its digits after the country's mobile prefix are the
/// serial's, in a space of tens of millions per country.
pub(crate) fn offender_phone(r: &mut ChaCha8Rng, serial: Option<Serial>) -> PhoneNo {
    let Some(serial) = serial else {
        return drawn_phone(r);
    };
    // The prefix (of `prefixes`) and the digits after it: the serial's
    // number in the space of all of them.
    let tail = |prefixes: usize, digits: u32| -> (usize, String) {
        let n = serial.number(prefixes as u64 * 10u64.pow(digits));
        let (prefix, rest) = (n / 10u64.pow(digits), n % 10u64.pow(digits));
        (
            prefix as usize,
            format!("{rest:0width$}", width = digits as usize),
        )
    };
    match weighted(r, &[78, 6, 6, 7, 3]) {
        0 => {
            let (prefix, rest) = tail(5, 7);
            PhoneNo {
                cc: "31",
                nsn: format!("6{}{rest}", 1 + prefix),
            }
        }
        1 => {
            let (prefix, rest) = tail(4, 7);
            PhoneNo {
                cc: "32",
                nsn: format!("4{}{rest}", 6 + prefix),
            }
        }
        2 => {
            let (prefix, rest) = tail(DE_MOBILE.len(), 8);
            PhoneNo {
                cc: "49",
                nsn: format!("{}{rest}", DE_MOBILE[prefix]),
            }
        }
        3 => {
            let (prefix, rest) = tail(3, 8);
            PhoneNo {
                cc: "44",
                nsn: format!("7{}{rest}", 1 + prefix),
            }
        }
        _ => nanp_number(r, Some(serial)),
    }
}

/// German mobile prefixes.
const DE_MOBILE: [&str; 17] = [
    "151", "152", "157", "159", "160", "162", "163", "170", "171", "172", "173", "174", "175",
    "176", "177", "178", "179",
];

/// An offender's number drawn at random.
fn drawn_phone(r: &mut ChaCha8Rng) -> PhoneNo {
    match weighted(r, &[78, 6, 6, 7, 3]) {
        0 => nl_mobile(r),
        1 => {
            let mut nsn = String::from("4");
            nsn.push(char::from(b'6' + r.random_range(0..4u8)));
            random_digits(r, &mut nsn, 7);
            PhoneNo { cc: "32", nsn }
        }
        2 => {
            let prefix = *pick(r, &DE_MOBILE);
            let mut nsn = String::from(prefix);
            random_digits(r, &mut nsn, 8);
            PhoneNo { cc: "49", nsn }
        }
        3 => {
            let mut nsn = String::from("7");
            nsn.push(char::from(b'1' + r.random_range(0..3u8)));
            random_digits(r, &mut nsn, 8);
            PhoneNo { cc: "44", nsn }
        }
        _ => nanp_number(r, None),
    }
}

// Phone numbers as chat messages and scam texts write them (issue 20).

/// How often a statement writes an offender's number in one of the forms
/// of chat messages rather than a plain one.
pub(crate) const MESSAGE_PHONE_RATE: f64 = 0.15;

/// North American area codes in use (NANPA), for romance and investment
/// fraud run from or through the US and Canada.
const NANP_AREAS: &[&str] = &[
    "212", "213", "305", "312", "347", "404", "415", "416", "469", "512", "604", "646", "702",
    "713", "786", "818", "917",
];

/// A North American number: an area code in use, an exchange that does not
/// start with 0 or 1 and is not N11 or 555, and four digits.
/// With a serial, one no other serial gets: the area, an exchange of the
/// 791 allowed and the four digits are its number (134 million).
fn nanp_number(r: &mut ChaCha8Rng, serial: Option<Serial>) -> PhoneNo {
    let allowed = |exchange: u16| exchange % 100 != 11 && exchange != 555;
    if let Some(serial) = serial {
        let exchanges: Vec<u16> = (200..1000u16).filter(|&e| allowed(e)).collect();
        let per_area = exchanges.len() as u64 * 10_000;
        let n = serial.number(NANP_AREAS.len() as u64 * per_area);
        let (area, rest) = (n / per_area, n % per_area);
        let nsn = format!(
            "{}{}{:04}",
            NANP_AREAS[area as usize],
            exchanges[(rest / 10_000) as usize],
            rest % 10_000
        );
        return PhoneNo { cc: "1", nsn };
    }
    let mut nsn = String::from(*pick(r, NANP_AREAS));
    loop {
        let exchange = r.random_range(200..1000u16);
        if allowed(exchange) {
            nsn.push_str(&exchange.to_string());
            break;
        }
    }
    random_digits(r, &mut nsn, 4);
    PhoneNo { cc: "1", nsn }
}

/// A number as people write it in a message, beyond [`phone_written`]: a
/// North American number in its own grouping after `+1`, or any number
/// in Markdown or WhatsApp emphasis (`*06-12345678*`), in brackets, glued
/// to a phone word (`whatsapp+31612345678`, `sms-0612345678`), or with
/// its country code but without `+` or `00` (`31612345678`).
fn phone_message_form(r: &mut ChaCha8Rng, p: &PhoneNo) -> String {
    let plain = if p.cc == "1" && r.random_bool(0.5) {
        let (area, rest) = p.nsn.split_at(3);
        let (exchange, line) = rest.split_at(3);
        match r.random_range(0..3) {
            0 => format!("+1 ({area}) {exchange}-{line}"),
            1 => format!("+1 {area}-{exchange}-{line}"),
            _ => format!("+1-{area}-{exchange}-{line}"),
        }
    } else {
        phone_written(r, p)
    };
    match r.random_range(0..8) {
        0 => format!("*{plain}*"),
        1 => format!("**{plain}**"),
        2 => format!("_{plain}_"),
        3 => format!("({plain})"),
        4 => format!("[{plain}]"),
        5 if p.cc == "31" => format!("{}-0{}", pick(r, &["sms", "tel", "WhatsApp", "bel"]), p.nsn),
        5 => format!(
            "{}+{}{}",
            pick(r, &["whatsapp", "WhatsApp", "tel"]),
            p.cc,
            p.nsn
        ),
        6 => format!("{}{}", p.cc, p.nsn),
        _ => plain,
    }
}

/// A sentence naming an offender's number as a chat message would
/// ([`phone_message_form`]). Each names the number with a phone word just
/// before it, as messages do, which also makes a country code without `+`
/// plausible as one.
pub(crate) fn phone_in_message(r: &mut ChaCha8Rng, p: &PhoneNo) -> String {
    let written = phone_message_form(r, p);
    expand(pick_str(r, text::MESSAGE_PHONE_SENTENCES), |k, o| {
        if k == "PHONE" {
            o.push_str(&written);
        }
    })
}

/// Splits `s` into groups of the given sizes (the rest as one group).
pub(crate) fn split_groups(s: &str, sizes: &[usize], sep: &str) -> String {
    let mut out = String::with_capacity(s.len() + sizes.len() * sep.len());
    let mut at = 0;
    for &n in sizes {
        if at >= s.len() {
            break;
        }
        let end = (at + n).min(s.len());
        if at > 0 {
            out.push_str(sep);
        }
        out.push_str(&s[at..end]);
        at = end;
    }
    if at < s.len() {
        if at > 0 {
            out.push_str(sep);
        }
        out.push_str(&s[at..]);
    }
    out
}

/// A phone number as people write it.
pub(crate) fn phone_written(r: &mut ChaCha8Rng, p: &PhoneNo) -> String {
    let nsn = p.nsn.as_str();
    match p.cc {
        "31" => {
            let rest = nsn.get(1..).unwrap_or("");
            match r.random_range(0..16) {
                0..3 => format!("06-{rest}"),
                3..5 => format!("06{rest}"),
                5 => format!("06 {rest}"),
                6 => format!("06 {}", split_groups(rest, &[4, 4], " ")),
                7 => format!("06-{}", split_groups(rest, &[4, 4], " ")),
                8 => format!("+31{nsn}"),
                9 => format!("+31 6 {rest}"),
                10 => format!("+31 (0)6 {}", split_groups(rest, &[4, 4], " ")),
                11 => format!("+31 6 {}", split_groups(rest, &[4, 4], " ")),
                12 => format!("0031{nsn}"),
                13 => format!("0031 6 {rest}"),
                14 => format!("06.{}", split_groups(rest, &[2, 2, 2, 2], ".")),
                _ => format!("06 {}", split_groups(rest, &[2, 2, 2, 2], " ")),
            }
        }
        "32" => match r.random_range(0..5) {
            0 | 1 => format!("+32 {}", split_groups(nsn, &[3, 2, 2, 2], " ")),
            2 => format!("0032{nsn}"),
            3 => format!("+32{nsn}"),
            _ => format!("0032 {}", split_groups(nsn, &[3, 6], " ")),
        },
        "49" => match r.random_range(0..5) {
            0 | 1 => format!("+49 {}", split_groups(nsn, &[3], " ")),
            2 => format!("0049{nsn}"),
            3 => format!("+49 (0){}", split_groups(nsn, &[3], " ")),
            _ => format!("+49{nsn}"),
        },
        "1" => match r.random_range(0..4) {
            0 => format!("+1 {}", split_groups(nsn, &[3, 3], " ")),
            1 => format!("+1{nsn}"),
            2 => format!("001 {}", split_groups(nsn, &[3, 3], " ")),
            _ => format!("+1 ({}) {}", &nsn[..3], split_groups(&nsn[3..], &[3], "-")),
        },
        _ => match r.random_range(0..5) {
            0 | 1 => format!("+{} {}", p.cc, split_groups(nsn, &[4], " ")),
            2 => format!("00{} {}", p.cc, split_groups(nsn, &[4], " ")),
            3 => format!("+{} (0){}", p.cc, split_groups(nsn, &[4], " ")),
            _ => format!("+{}{nsn}", p.cc),
        },
    }
}

/// A WhatsApp click-to-chat link for a number.
pub(crate) fn wa_me(r: &mut ChaCha8Rng, p: &PhoneNo) -> String {
    match r.random_range(0..4) {
        0 => format!("wa.me/{}{}", p.cc, p.nsn),
        1 => format!("https://wa.me/{}{}", p.cc, p.nsn),
        2 => format!("https://api.whatsapp.com/send?phone={}{}", p.cc, p.nsn),
        _ => format!("https://wa.me/{}{}?text=hoi", p.cc, p.nsn),
    }
}

/// An official number as printed by its owner, or in another common form.
pub(crate) fn official_written(r: &mut ChaCha8Rng, o: &Official) -> String {
    let national = o
        .e164
        .strip_prefix("+31")
        .map(|rest| format!("0{rest}"))
        .unwrap_or_else(|| o.e164.clone());
    match r.random_range(0..10) {
        0..5 => o.written.clone().unwrap_or_else(|| national.clone()),
        5..7 => national,
        7 => o.e164.clone(),
        8 => {
            let rest = o.e164.strip_prefix("+31").unwrap_or(&o.e164);
            format!("+31 {}", split_groups(rest, &[2, 3, 2], " "))
        }
        _ => split_groups(&national, &[4, 3], "-"),
    }
}

/// "ABN AMRO" for "ABN AMRO", "Rabobank" for "Rabobank"; owners with a
/// long description keep their first words.
pub(crate) fn short_owner(owner: &str) -> &'static str {
    for (name, _) in text::NL_BANKS {
        if owner.starts_with(name) {
            return name;
        }
    }
    if owner.starts_with("Triodos") {
        return "Triodos";
    }
    if owner.starts_with("Belastingdienst") {
        return "Belastingdienst";
    }
    if owner.starts_with("Politie") {
        return "politie";
    }
    if owner.starts_with("CJIB") {
        return "het CJIB";
    }
    if owner.starts_with("Coolblue") {
        return "Coolblue";
    }
    "de klantenservice"
}
