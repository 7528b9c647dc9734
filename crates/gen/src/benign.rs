//! Benign identifiers, read from fraudlink's allowlist
//! (`config/allowlist.toml`): the official numbers fraudsters spoof and
//! victims call back, and the platform, shortener and free-mail domains
//! victims mention. The generator reads the file itself, with its own
//! few fields, and none of fraudlink's code.

use std::collections::{BTreeMap, HashMap};

use rand_chacha::ChaCha8Rng;
use serde::Deserialize;

use crate::GenError;
use crate::random::pick_opt;

/// The allowlist shipped with fraudlink's source, embedded at build time.
const ALLOWLIST: &str = include_str!("../../../config/allowlist.toml");

/// A number the allowlist marks benign.
#[derive(Debug, Clone)]
pub(crate) struct Official {
    /// The number in E.164.
    pub(crate) e164: String,
    /// The number as its owner prints it, where the list has it.
    pub(crate) written: Option<String>,
    /// Who the number belongs to.
    pub(crate) owner: String,
}

#[derive(Debug, Deserialize)]
struct AllowFile {
    #[serde(default)]
    phone: Vec<AllowEntry>,
    #[serde(default)]
    domain: Vec<AllowEntry>,
}

#[derive(Debug, Deserialize)]
struct AllowEntry {
    value: String,
    category: String,
    #[serde(default)]
    owner: Option<String>,
    #[serde(default)]
    written: Option<String>,
}

/// Benign identifiers from `config/allowlist.toml`.
#[derive(Debug)]
pub(crate) struct Benign {
    /// Dutch banks' numbers: the ones bank-helpdesk callers spoof.
    pub(crate) bank_phones: Vec<Official>,
    /// Other Dutch official numbers, which victims call back.
    pub(crate) other_phones: Vec<Official>,
    /// Domains per category.
    domains: BTreeMap<String, Vec<String>>,
    /// Category per domain.
    pub(crate) all_domains: HashMap<String, String>,
}

impl Benign {
    /// Reads the embedded allowlist.
    pub(crate) fn load() -> Result<Benign, GenError> {
        let file: AllowFile =
            toml::from_str(ALLOWLIST).map_err(|e| GenError::Allowlist(e.to_string()))?;
        let mut bank_phones = Vec::new();
        let mut other_phones = Vec::new();
        for e in file.phone {
            let o = Official {
                e164: e.value,
                written: e.written,
                owner: e.owner.unwrap_or_else(|| "de bank".to_owned()),
            };
            // Only Dutch bank numbers are spoofed in bank-helpdesk calls
            // here; the rest show up as numbers victims call back.
            if e.category == "bank" && o.e164.starts_with("+31") {
                bank_phones.push(o);
            } else if o.e164.starts_with("+31") {
                other_phones.push(o);
            }
        }
        let mut domains: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut all_domains = HashMap::new();
        for e in file.domain {
            all_domains.insert(e.value.clone(), e.category.clone());
            domains.entry(e.category).or_default().push(e.value);
        }
        if bank_phones.is_empty() || other_phones.is_empty() || domains.is_empty() {
            return Err(GenError::Allowlist(
                "no bank numbers, other numbers or domains".to_owned(),
            ));
        }
        Ok(Benign {
            bank_phones,
            other_phones,
            domains,
            all_domains,
        })
    }

    /// A benign domain for a mention, with its category: `=domain` names
    /// one, anything else is a category.
    pub(crate) fn domain<'a>(
        &'a self,
        r: &mut ChaCha8Rng,
        spec: &'a str,
    ) -> Option<(String, &'a str)> {
        if let Some(d) = spec.strip_prefix('=') {
            let category = self.all_domains.get(d).map_or("platform", String::as_str);
            return Some((d.to_owned(), category));
        }
        let list = self.domains.get(spec)?;
        pick_opt(r, list).map(|d| (d.clone(), spec))
    }
}
