//! Known-benign identifiers: official numbers that fraudsters spoof, and
//! platform, shortener and free-mail domains.
//!
//! They are extracted and shown on a report with the entry that matched,
//! and never link reports. The list lives in `config/allowlist.toml`, each
//! entry with its public source; the binary embeds that file so that it
//! works from any directory, and `allowlist = "PATH"` in the settings
//! replaces it.

use std::collections::HashMap;

use serde::Deserialize;

use crate::ident::{Domain, Phone};

/// The allowlist shipped with the source, embedded at build time.
pub const EMBEDDED: &str = include_str!("../config/allowlist.toml");

/// One entry of the allowlist.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Entry {
    /// The canonical value (E.164 or a registrable domain).
    pub value: String,
    /// What kind of party it belongs to (`bank`, `platform`, `freemail`...).
    pub category: String,
    /// The organisation, where the list names one.
    #[serde(default)]
    pub owner: Option<String>,
    /// The number as the organisation writes it.
    #[serde(default)]
    pub written: Option<String>,
    /// A free-text note.
    #[serde(default)]
    pub note: Option<String>,
    /// Where the fact comes from.
    pub source: String,
}

impl Entry {
    /// A short reason shown on the identifier: `bank number (ING)`.
    pub fn reason(&self) -> String {
        match &self.owner {
            Some(owner) => format!("allowlist: {} ({owner})", self.category),
            None => format!("allowlist: {}", self.category),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct File {
    #[serde(default)]
    phone: Vec<Entry>,
    #[serde(default)]
    domain: Vec<Entry>,
}

/// Why an allowlist file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum AllowlistError {
    /// The TOML does not parse or lacks a field.
    #[error("allowlist is not valid: {0}")]
    Toml(#[from] toml::de::Error),
    /// An entry's value is not canonical for its section.
    #[error("allowlist entry {value:?} in [[{section}]] is not a canonical {section}")]
    NotCanonical {
        /// `phone` or `domain`.
        section: &'static str,
        /// The value as written in the file.
        value: String,
    },
}

/// The loaded allowlist, indexed by canonical value.
#[derive(Debug, Clone, Default)]
pub struct Allowlist {
    phones: HashMap<String, Entry>,
    domains: HashMap<String, Entry>,
}

impl Allowlist {
    /// Parses an allowlist file. Every value must already be canonical, so
    /// that a typo in the list is caught at start-up instead of silently
    /// never matching. Phone values are E.164 and read as such, never
    /// through the default region: the list means the same numbers in a
    /// deployment that reads national numbers as British or American.
    pub fn from_toml(text: &str) -> Result<Allowlist, AllowlistError> {
        let file: File = toml::from_str(text)?;
        let mut phones = HashMap::new();
        for e in file.phone {
            match Phone::parse_international(&e.value) {
                Ok(p) if p.as_str() == e.value => {
                    phones.insert(e.value.clone(), e);
                }
                _ => {
                    return Err(AllowlistError::NotCanonical {
                        section: "phone",
                        value: e.value,
                    });
                }
            }
        }
        let mut domains = HashMap::new();
        for e in file.domain {
            match Domain::parse(&e.value) {
                Ok(d) if d.as_str() == e.value => {
                    domains.insert(e.value.clone(), e);
                }
                _ => {
                    return Err(AllowlistError::NotCanonical {
                        section: "domain",
                        value: e.value,
                    });
                }
            }
        }
        Ok(Allowlist { phones, domains })
    }

    /// The list shipped with the binary.
    pub fn embedded() -> Allowlist {
        // The embedded file is checked by a unit test, so failing here
        // would be a build that never passed its tests.
        Allowlist::from_toml(EMBEDDED).expect("embedded allowlist is valid")
    }

    /// The entry for a canonical phone number.
    pub fn phone(&self, e164: &str) -> Option<&Entry> {
        self.phones.get(e164)
    }

    /// The entry for a canonical registrable domain.
    pub fn domain(&self, domain: &str) -> Option<&Entry> {
        self.domains.get(domain)
    }

    /// True when addresses at this domain are free mail: the address is
    /// personal and may link, the domain may not.
    pub fn is_freemail(&self, domain: &str) -> bool {
        self.domain(domain)
            .is_some_and(|e| e.category == "freemail")
    }

    /// The number of phone and domain entries.
    pub fn len(&self) -> (usize, usize) {
        (self.phones.len(), self.domains.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_allowlist_loads_and_every_entry_has_a_source() {
        let a = Allowlist::embedded();
        let (phones, domains) = a.len();
        assert!(phones > 20, "{phones} phone entries");
        assert!(domains > 100, "{domains} domain entries");
        for e in a.phones.values().chain(a.domains.values()) {
            assert!(!e.source.trim().is_empty(), "{} has no source", e.value);
        }
    }

    #[test]
    fn platforms_and_free_mail_are_benign() {
        let a = Allowlist::embedded();
        assert!(a.domain("marktplaats.nl").is_some());
        assert!(a.domain("bit.ly").is_some());
        assert!(a.is_freemail("gmail.com"));
        assert!(!a.is_freemail("marktplaats.nl"));
        assert!(a.domain("rabo-veilig.nl").is_none());
    }

    #[test]
    fn a_non_canonical_entry_is_refused() {
        let text =
            "[[domain]]\nvalue = \"www.Example.NL\"\ncategory = \"platform\"\nsource = \"x\"\n";
        let err = Allowlist::from_toml(text).unwrap_err();
        assert!(err.to_string().contains("www.Example.NL"), "{err}");
    }
}
