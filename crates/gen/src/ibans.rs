//! IBANs: money-mule accounts of Dutch, Belgian, German and Lithuanian
//! banks with valid check digits, the victims' own Dutch accounts, one
//! character typed wrong, and the forms people write them in.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::random::{pick, random_digits, weighted};
use crate::text;
use crate::unique::Serial;

/// A money-mule account.
#[derive(Debug, Clone)]
pub(crate) struct Account {
    /// The IBAN, canonical (no spaces, upper case).
    pub(crate) iban: String,
    /// The name the account is held in.
    pub(crate) holder: String,
    /// Whether that name is one many people share (`J. de Vries`).
    pub(crate) common_holder: bool,
}

/// Computes the two check digits of an IBAN (ISO 13616, mod 97).
fn iban_with_check(country: &str, bban: &str) -> String {
    let mut rem: u32 = 0;
    let mut feed = |c: char| {
        if let Some(d) = c.to_digit(10) {
            rem = (rem * 10 + d) % 97;
        } else if c.is_ascii_alphabetic() {
            let v = u32::from(c.to_ascii_uppercase() as u8 - b'A') + 10;
            rem = (rem * 100 + v) % 97;
        }
    };
    bban.chars()
        .chain(country.chars())
        .chain("00".chars())
        .for_each(&mut feed);
    format!("{country}{:02}{bban}", 98 - rem)
}

/// A Dutch account: 4-letter bank code and 10 digits. Classic accounts
/// pass the Dutch eleven test; ING's former Postbank numbers are short
/// and zero-padded; bunq's start with 20.
pub(crate) fn nl_iban(r: &mut ChaCha8Rng) -> String {
    nl_account(r, None)
}

/// [`nl_iban`], or with `serial` the account made from it: eight digits
/// of it in every bank's form (ING's written with two leading zeros,
/// bunq's after 20, the others' after a first digit chosen so that the
/// eleven test holds), so a hundred million serials give as many accounts.
fn nl_account(r: &mut ChaCha8Rng, serial: Option<Serial>) -> String {
    let (_, code) = text::NL_BANKS[weighted(r, &[30, 25, 20, 6, 4, 2, 5, 7, 3])];
    let mut acct = String::with_capacity(10);
    if let Some(serial) = serial {
        let digits = serial.digits(8);
        match code {
            "INGB" => acct.push_str("00"),
            "BUNQ" => acct.push_str("20"),
            _ => {
                // A first digit whose weight (10) makes the eleven test
                // hold: of the ten, at most one leaves remainder 10.
                let rest: u32 = digits
                    .bytes()
                    .enumerate()
                    .map(|(i, b)| u32::from(b - b'0') * (9 - i as u32))
                    .sum();
                let first = loop {
                    let first = r.random_range(0..10u32);
                    if (11 - (first * 10 + rest) % 11) % 11 < 10 {
                        break first;
                    }
                };
                let check = (11 - (first * 10 + rest) % 11) % 11;
                acct.push(char::from(b'0' + first as u8));
                acct.push_str(&digits);
                acct.push(char::from(b'0' + check as u8));
                return iban_with_check("NL", &format!("{code}{acct}"));
            }
        }
        acct.push_str(&digits);
        return iban_with_check("NL", &format!("{code}{acct}"));
    }
    match code {
        "INGB" => {
            acct.push_str("000");
            acct.push(char::from(b'1' + r.random_range(0..9u8)));
            random_digits(r, &mut acct, 6);
        }
        "BUNQ" => {
            acct.push_str("20");
            random_digits(r, &mut acct, 8);
        }
        _ => loop {
            acct.clear();
            random_digits(r, &mut acct, 9);
            let sum: u32 = acct
                .bytes()
                .enumerate()
                .map(|(i, b)| u32::from(b - b'0') * (10 - i as u32))
                .sum();
            let last = (11 - sum % 11) % 11;
            if last < 10 {
                acct.push(char::from(b'0' + last as u8));
                break;
            }
        },
    }
    iban_with_check("NL", &format!("{code}{acct}"))
}

fn be_iban(r: &mut ChaCha8Rng, serial: Option<Serial>) -> String {
    const BANKS: [&str; 9] = [
        "001", "063", "068", "363", "735", "736", "750", "905", "967",
    ];
    let acct = match serial {
        // Nine banks of ten million accounts each.
        Some(serial) => {
            let n = serial.number(9 * 10u64.pow(7));
            format!(
                "{}{:07}",
                BANKS[(n / 10u64.pow(7)) as usize],
                n % 10u64.pow(7)
            )
        }
        None => {
            let mut acct = String::from(*pick(r, &BANKS));
            random_digits(r, &mut acct, 7);
            acct
        }
    };
    // The Belgian national check: the ten digits modulo 97 (97 for 0).
    let n: u64 = acct.parse().unwrap_or(0);
    let check = match n % 97 {
        0 => 97,
        c => c,
    };
    iban_with_check("BE", &format!("{acct}{check:02}"))
}

fn de_iban(r: &mut ChaCha8Rng, serial: Option<Serial>) -> String {
    let blz = *pick(
        r,
        &[
            "10010010", "10070000", "12030000", "10011001", "50010517", "20041133", "70022200",
            "43060967", "10050000", "37040044",
        ],
    );
    let mut bban = String::from(blz);
    match serial {
        Some(serial) => bban.push_str(&serial.digits(10)),
        None => random_digits(r, &mut bban, 10),
    }
    iban_with_check("DE", &bban)
}

fn lt_iban(r: &mut ChaCha8Rng, serial: Option<Serial>) -> String {
    let bank = *pick(r, &["32500", "32500", "35000", "73000", "70440"]);
    let mut bban = String::from(bank);
    match serial {
        Some(serial) => bban.push_str(&serial.digits(11)),
        None => random_digits(r, &mut bban, 11),
    }
    iban_with_check("LT", &bban)
}

/// A money-mule account and its holder; with a serial, an account no
/// other serial gets (see `unique`).
pub(crate) fn account(r: &mut ChaCha8Rng, serial: Option<Serial>) -> Account {
    let iban = match weighted(r, &[70, 13, 9, 8]) {
        0 => nl_account(r, serial),
        1 => lt_iban(r, serial),
        2 => be_iban(r, serial),
        _ => de_iban(r, serial),
    };
    let common_holder = r.random_bool(0.15);
    let holder = if common_holder {
        pick(r, text::COMMON_HOLDERS).to_string()
    } else if r.random_bool(0.5) {
        let first = pick(r, text::FIRST_NAMES);
        format!(
            "{}. {}",
            first.chars().next().unwrap_or('J'),
            pick(r, text::SURNAMES)
        )
    } else {
        format!("{} {}", pick(r, text::FIRST_NAMES), pick(r, text::SURNAMES))
    };
    Account {
        iban,
        holder,
        common_holder,
    }
}

/// One character of an IBAN typed wrong: the checksum no longer holds
/// (mod 97 catches every single substitution).
pub(crate) fn mistype_iban(r: &mut ChaCha8Rng, iban: &str) -> String {
    let mut bytes: Vec<u8> = iban.bytes().collect();
    if bytes.len() < 5 {
        return iban.to_owned();
    }
    let i = r.random_range(2..bytes.len());
    let old = bytes[i];
    bytes[i] = if old.is_ascii_digit() {
        b'0' + (old - b'0' + r.random_range(1..10u8)) % 10
    } else {
        b'A' + (old - b'A' + r.random_range(1..26u8)) % 26
    };
    String::from_utf8(bytes).unwrap_or_else(|_| iban.to_owned())
}

/// An IBAN as typed into a statement.
pub(crate) fn iban_written(r: &mut ChaCha8Rng, iban: &str) -> String {
    let grouped = |s: &str, sep: char| {
        let mut out = String::with_capacity(s.len() + 8);
        for (i, c) in s.chars().enumerate() {
            if i > 0 && i % 4 == 0 {
                out.push(sep);
            }
            out.push(c);
        }
        out
    };
    match r.random_range(0..20) {
        0..6 => grouped(iban, ' '),
        6..10 => iban.to_owned(),
        10..12 => grouped(iban, ' ').to_lowercase(),
        12 => iban.to_lowercase(),
        13 => {
            // Irregular grouping: country and check digits apart, then the
            // rest in one block.
            let (a, b) = iban.split_at(4.min(iban.len()));
            let (b1, b2) = b.split_at(4.min(b.len()));
            format!("{a} {b1}{b2}")
        }
        14 => {
            let (a, b) = iban.split_at(2.min(iban.len()));
            format!("{a} {}", grouped(b, ' '))
        }
        15 => grouped(iban, '-'),
        16 => format!("IBAN {}", grouped(iban, ' ')),
        17 => {
            let (a, b) = iban.split_at(2.min(iban.len()));
            format!("{}{b}", a.to_lowercase())
        }
        18 => grouped(iban, '.'),
        _ => {
            let (a, b) = iban.split_at(8.min(iban.len()));
            format!("{a} {b}")
        }
    }
}

/// An IBAN as typed into a structured field: mostly tidier.
pub(crate) fn iban_structured(r: &mut ChaCha8Rng, iban: &str) -> String {
    match r.random_range(0..10) {
        0..5 => iban.to_owned(),
        5 => format!(" {iban} "),
        _ => iban_written(r, iban),
    }
}
