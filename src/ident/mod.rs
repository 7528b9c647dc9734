//! Canonical identifiers: the values that link reports.
//!
//! Each kind of identifier has a newtype whose only constructor normalises
//! (`Iban::parse`, `Phone::parse`, ...), so a value of that type is canonical
//! by construction (docs/formats.md section 2). Each module also knows how to find
//! its kind in free text (`find_in_text`), returning [`Match`]es with byte
//! spans; `crate::extract` combines those finders, resolves overlaps and
//! decides roles.
//!
//! Nothing in this module does I/O, and nothing panics on any input.

use std::fmt;
use std::ops::Range;

use serde::{Deserialize, Serialize};

pub mod crypto;
pub mod email;
pub mod handle;
pub mod iban;
pub mod name;
pub mod phone;
pub mod prose;
mod recent;
pub mod refang;
pub mod url;

pub use crypto::Crypto;
pub use email::Email;
pub use handle::Handle;
pub use iban::Iban;
pub use name::Name;
pub use phone::Phone;
pub use url::{Domain, Url};

/// The kind of an identifier, as named in docs/formats.md (`type`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// An International Bank Account Number.
    Iban,
    /// A telephone number in E.164.
    Phone,
    /// A web address.
    Url,
    /// A registrable domain (public suffix plus one label).
    Domain,
    /// An e-mail address.
    Email,
    /// An account name on a platform, as `platform:name`.
    Handle,
    /// A cryptocurrency address.
    Crypto,
    /// An account-holder or offender name. Never links on its own.
    Name,
}

impl Kind {
    /// Every kind, in the order used for display.
    pub const ALL: [Kind; 8] = [
        Kind::Iban,
        Kind::Phone,
        Kind::Url,
        Kind::Domain,
        Kind::Email,
        Kind::Handle,
        Kind::Crypto,
        Kind::Name,
    ];

    /// The lower-case name used in JSON and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Iban => "iban",
            Kind::Phone => "phone",
            Kind::Url => "url",
            Kind::Domain => "domain",
            Kind::Email => "email",
            Kind::Handle => "handle",
            Kind::Crypto => "crypto",
            Kind::Name => "name",
        }
    }

    /// Parses the lower-case name; `None` for anything else.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(name.trim()))
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whose identifier this is. Only offender identifiers link reports.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Used by the offender (the default for structured identifiers).
    #[default]
    Offender,
    /// The victim's own account, number or address: describes the victim.
    Victim,
}

/// Where in a report an identifier was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// Typed by the officer into a structured field.
    Structured,
    /// Found in the victim's statement.
    Narrative,
}

/// Why a raw value is not a valid identifier of its kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid {kind}: {reason} (input {input:?})")]
pub struct ParseError {
    kind: Kind,
    reason: &'static str,
    input: String,
}

impl ParseError {
    /// Builds an error; `input` is truncated to keep messages readable.
    pub fn new(kind: Kind, reason: &'static str, input: &str) -> ParseError {
        let input: String = input.chars().take(80).collect();
        ParseError {
            kind,
            reason,
            input,
        }
    }

    /// The kind that was being parsed.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// A short, stable reason (`"checksum"`, `"length"`, ...).
    pub fn reason(&self) -> &'static str {
        self.reason
    }

    /// The (possibly truncated) input.
    pub fn input(&self) -> &str {
        &self.input
    }
}

/// An identifier found in free text by one of the per-kind finders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// The kind found.
    pub kind: Kind,
    /// Byte range of the raw text in the searched string.
    pub span: Range<usize>,
    /// The canonical value; for an invalid value, its compact written form.
    pub value: String,
    /// False when the text has the shape of the kind but fails its check
    /// (an IBAN with a bad mod-97 checksum). Invalid values never link.
    pub valid: bool,
}

/// Normalises one value of a kind to its canonical form (the CLI's
/// `normalize`). An IBAN that fails its checksum is an error here; the
/// extractor keeps such values as invalid identifiers instead.
pub fn normalize(
    kind: Kind,
    raw: &str,
    region: phonenumber::country::Id,
) -> Result<String, ParseError> {
    Ok(match kind {
        Kind::Iban => Iban::parse(raw)?.as_str().to_owned(),
        Kind::Phone => Phone::parse_possible(raw, region)?.as_str().to_owned(),
        Kind::Url => Url::parse(raw)?.as_str().to_owned(),
        Kind::Domain => Domain::parse(raw)?.as_str().to_owned(),
        Kind::Email => Email::parse(raw)?.as_str().to_owned(),
        Kind::Handle => Handle::parse(raw)?.as_str().to_owned(),
        Kind::Crypto => Crypto::parse(raw)?.as_str().to_owned(),
        Kind::Name => Name::parse(raw)?.as_str().to_owned(),
    })
}

/// Whether a canonical identifier allows action by the Dutch police: a
/// Dutch IBAN (a bank data request), a Dutch number (a telecom request),
/// or a `.nl` domain, link or e-mail address (a takedown or a registrar
/// request). The priority score counts the first three kinds; the pages
/// mark every one.
pub fn actionable(kind: Kind, value: &str) -> bool {
    match kind {
        Kind::Iban => value.starts_with("NL"),
        Kind::Phone => value.starts_with("+31"),
        Kind::Domain => value.trim_end_matches('.').ends_with(".nl"),
        Kind::Url | Kind::Email => value
            .split(['/', '@'])
            .find(|p| p.contains('.'))
            .is_some_and(|host| host.trim_end_matches('.').ends_with(".nl")),
        Kind::Handle | Kind::Crypto | Kind::Name => false,
    }
}

#[cfg(test)]
mod actionable_tests {
    use super::*;

    #[test]
    fn actionable_identifiers_are_dutch() {
        assert!(actionable(Kind::Iban, "NL42INGB0006123456"));
        assert!(!actionable(Kind::Iban, "DE89370400440532013000"));
        assert!(actionable(Kind::Phone, "+31642819937"));
        assert!(!actionable(Kind::Phone, "+447700900123"));
        assert!(actionable(Kind::Domain, "rabo-veilig.nl"));
        assert!(!actionable(Kind::Domain, "rabo-veilig.com"));
        assert!(actionable(Kind::Url, "https://rabo-veilig.nl/login"));
        assert!(!actionable(Kind::Url, "https://x.com/nl"));
        assert!(actionable(Kind::Email, "info@rabo-veilig.nl"));
        assert!(!actionable(Kind::Handle, "telegram:nl"));
    }
}
