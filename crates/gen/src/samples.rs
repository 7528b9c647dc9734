//! Identifiers as the generator writes them into reports, each with the
//! canonical value every written form stands for: what a reader of
//! reports must recover from them. fraudlink's tests check its parsers
//! and its extractor against these (`tests/it/generated.rs`); nothing here asks
//! fraudlink how they are read.
//!
//! Each function draws from its own stream of `seed`, so the same seed
//! gives the same samples.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::GenError;
use crate::benign::Benign;
use crate::crypto::crypto_address;
use crate::ibans::{account, iban_written, mistype_iban, nl_iban};
use crate::kind::FraudKind;
use crate::phones::{offender_phone, official_written, phone_in_message, phone_written};
use crate::unique::{DRAWN_GROUPS, Serial};
use crate::web::site;

/// An identifier and forms of it as people write it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// The canonical value: an IBAN without spaces in upper case, a
    /// telephone number in E.164.
    pub value: String,
    /// The value as written in statements, structured fields or messages;
    /// each names `value` and nothing else.
    pub forms: Vec<String>,
}

/// An IBAN with one character typed wrong: its check digits no longer
/// hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mistyped {
    /// The account meant, canonical.
    pub intended: String,
    /// The account as typed, canonical in form.
    pub typed: String,
}

/// The registrable domain of a fraud site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FraudDomain {
    /// The domain as the generator writes it (labels in Unicode when
    /// `idn`).
    pub domain: String,
    /// Whether a label is in Unicode (an internationalised domain).
    pub idn: bool,
}

/// Every other sample is made from a serial, as the identifiers of all
/// but the first groups of a large data set are (see `unique`).
fn half_made(i: usize) -> Option<Serial> {
    (i % 2 == 1).then(|| Serial::of(DRAWN_GROUPS + i as u32, 0, 1))?
}

fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// `n` money-mule accounts (Dutch, Belgian, German, Lithuanian), each in
/// `forms` forms people write IBANs in.
pub fn mule_ibans(seed: u64, n: usize, forms: usize) -> Vec<Written> {
    let mut r = rng(seed);
    (0..n)
        .map(|i| {
            let value = account(&mut r, half_made(i)).iban;
            let forms = (0..forms).map(|_| iban_written(&mut r, &value)).collect();
            Written { value, forms }
        })
        .collect()
}

/// `n` money-mule accounts with one character typed wrong.
pub fn mistyped_ibans(seed: u64, n: usize) -> Vec<Mistyped> {
    let mut r = rng(seed);
    (0..n)
        .map(|i| {
            let intended = account(&mut r, half_made(i)).iban;
            let typed = mistype_iban(&mut r, &intended);
            Mistyped { intended, typed }
        })
        .collect()
}

/// `n` victims' own Dutch accounts (classic eleven-test numbers, ING's
/// former Postbank numbers, bunq's).
pub fn victim_ibans(seed: u64, n: usize) -> Vec<String> {
    let mut r = rng(seed);
    (0..n).map(|_| nl_iban(&mut r)).collect()
}

/// `n` offenders' numbers (Dutch, Belgian, German, British and North
/// American mobiles), each in `forms` forms people write numbers in.
pub fn offender_phones(seed: u64, n: usize, forms: usize) -> Vec<Written> {
    let mut r = rng(seed);
    (0..n)
        .map(|i| {
            let p = offender_phone(&mut r, half_made(i));
            let forms = (0..forms).map(|_| phone_written(&mut r, &p)).collect();
            Written {
                value: p.e164(),
                forms,
            }
        })
        .collect()
}

/// `n` offenders' numbers, each in one sentence that writes it as chat
/// messages do (issue 20): in emphasis or brackets, glued to a phone word,
/// with a country code but no `+`. The sentence names no other number.
pub fn phones_in_messages(seed: u64, n: usize) -> Vec<Written> {
    let mut r = rng(seed);
    (0..n)
        .map(|i| {
            let p = offender_phone(&mut r, half_made(i));
            let sentence = phone_in_message(&mut r, &p);
            Written {
                value: p.e164(),
                forms: vec![sentence],
            }
        })
        .collect()
}

/// Every Dutch official number of the allowlist the generator uses (the
/// banks' numbers fraudsters spoof, the others victims call back), each
/// in `forms` forms: as its owner prints it, national, E.164, grouped.
pub fn official_numbers(seed: u64, forms: usize) -> Result<Vec<Written>, GenError> {
    let benign = Benign::load()?;
    let mut r = rng(seed);
    Ok(benign
        .bank_phones
        .iter()
        .chain(&benign.other_phones)
        .map(|o| Written {
            value: o.e164.clone(),
            forms: (0..forms).map(|_| official_written(&mut r, o)).collect(),
        })
        .collect())
}

/// `n` crypto addresses: bech32 segwit, Tron, Ethereum (EIP-55) or legacy
/// Bitcoin, each with a valid checksum.
pub fn crypto_addresses(seed: u64, n: usize) -> Vec<String> {
    let mut r = rng(seed);
    (0..n).map(|_| crypto_address(&mut r)).collect()
}

/// The domains of `per_kind` fraud sites of every kind of fraud, without
/// the URL shorteners some groups use.
pub fn fraud_domains(seed: u64, per_kind: usize) -> Result<Vec<FraudDomain>, GenError> {
    let benign = Benign::load()?;
    let mut r = rng(seed);
    let mut out = Vec::new();
    for kind in FraudKind::ALL {
        for i in 0..per_kind {
            let s = site(&mut r, kind, &benign, half_made(i));
            if !s.shortener {
                out.push(FraudDomain {
                    domain: s.domain,
                    idn: s.idn,
                });
            }
        }
    }
    Ok(out)
}
