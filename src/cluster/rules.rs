//! The linking rules that are not the graph's own: which e-mail domains
//! are mail providers (so do not link), and how an analyst's confirmed
//! link decisions join reports. Pure functions of what the store holds;
//! the engine reads it and calls them while it builds the graph.

use std::collections::{HashMap, HashSet};

use anyhow::Result;

use crate::ident::Kind;
use crate::report::ReportId;

use super::{DirectLink, Graph, IdentKey};

/// Counts the distinct mailboxes seen at each e-mail domain. Many distinct
/// personal addresses at one domain make it a mail provider (an
/// `outlook.de` the allowlist does not know), whose domain must not link;
/// an offender's own domain has a handful (`info@`, `noreply@`).
#[derive(Debug, Default)]
pub struct MailProviders {
    locals: HashMap<String, HashSet<String>>,
}

impl MailProviders {
    /// Counts one canonical e-mail address.
    pub fn add(&mut self, email: &str) {
        if let Some((local, domain)) = email.rsplit_once('@') {
            let domain = crate::ident::Domain::parse(domain)
                .map(|d| d.as_str().to_owned())
                .unwrap_or_else(|_| domain.to_owned());
            self.locals
                .entry(domain)
                .or_default()
                .insert(local.to_owned());
        }
    }

    /// The domains with at least `min_addresses` (and never fewer than
    /// two) distinct mailboxes, each with why it is benign.
    pub fn providers(&self, min_addresses: usize) -> HashMap<String, String> {
        self.locals
            .iter()
            .filter(|(_, l)| l.len() >= min_addresses.max(2))
            .map(|(d, l)| {
                (
                    d.clone(),
                    format!(
                        "mail provider: {} distinct addresses at this domain",
                        l.len()
                    ),
                )
            })
            .collect()
    }
}

/// The identifier a link endpoint names when it is written `kind:value`
/// (its kind and value as written); `None` for a report id.
pub fn ident_endpoint(raw: &str) -> Option<(Kind, &str)> {
    let (kind, value) = raw.split_once(':')?;
    Some((Kind::from_name(kind)?, value))
}

/// Canonicalises a link endpoint: `kind:value` identifiers are normalised
/// (an invalid IBAN to its compact form), anything else must be a report id.
pub fn normalise_endpoint(raw: &str, region: phonenumber::country::Id) -> Result<String> {
    if let Some((kind, value)) = ident_endpoint(raw) {
        let value = match crate::ident::normalize(kind, value, region) {
            Ok(v) => v,
            Err(_) if kind == Kind::Iban => crate::ident::iban::compact(value),
            Err(e) => return Err(e.into()),
        };
        return Ok(format!("{kind}:{value}"));
    }
    Ok(ReportId::parse(raw)?.as_str().to_owned())
}

/// The reports a link endpoint stands for: a report id, or an identifier
/// written `kind:value` (an invalid IBAN included, from `invalid_ibans`,
/// which the graph does not hold).
pub fn endpoint_reports(
    graph: &Graph,
    invalid_ibans: &HashMap<String, Vec<ReportId>>,
    endpoint: &str,
) -> Vec<ReportId> {
    if let Some((kind, value)) = ident_endpoint(endpoint) {
        let key = IdentKey {
            kind,
            value: value.into(),
        };
        let mut reports: Vec<ReportId> = graph.reports_with(&key).into_iter().cloned().collect();
        if kind == Kind::Iban {
            reports.extend(invalid_ibans.get(value).into_iter().flatten().cloned());
        }
        return reports;
    }
    ReportId::parse(endpoint)
        .ok()
        .filter(|r| graph.report(r).is_some())
        .into_iter()
        .collect()
}

impl Graph {
    /// Joins what each confirmed decision links: every report one endpoint
    /// stands for to one report of the other. Decisions are
    /// `(a, b, decision)` with canonical endpoints; rejected ones link
    /// nothing here (the suggestions leave them out).
    pub fn add_confirmed<'a>(
        &mut self,
        decisions: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>,
        invalid_ibans: &HashMap<String, Vec<ReportId>>,
    ) {
        for (a, b, decision) in decisions {
            if decision != "confirmed" {
                continue;
            }
            let (ra, rb) = (
                endpoint_reports(self, invalid_ibans, a),
                endpoint_reports(self, invalid_ibans, b),
            );
            if let Some(anchor) = rb.first() {
                for r in &ra {
                    self.add_direct(r, anchor, DirectLink::Confirmed);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_domain_with_many_mailboxes_is_a_provider_and_an_offenders_own_is_not() {
        let mut m = MailProviders::default();
        for local in ["jan", "piet", "klaas", "anna"] {
            m.add(&format!("{local}@post.example"));
        }
        m.add("info@rabo-veilig.nl");
        m.add("noreply@rabo-veilig.nl");
        m.add("info@rabo-veilig.nl");
        let p = m.providers(4);
        assert!(p["post.example"].contains("4 distinct addresses"));
        assert!(!p.contains_key("rabo-veilig.nl"));
        // Never fewer than two, whatever the setting.
        assert!(!MailProviders::default().providers(0).contains_key("x.nl"));
        let mut one = MailProviders::default();
        one.add("a@solo.example");
        assert!(one.providers(0).is_empty());
    }

    #[test]
    fn endpoints_are_canonical_and_a_bad_one_is_refused() {
        let nl = phonenumber::country::Id::NL;
        assert_eq!(
            normalise_endpoint("iban:nl91 abna 0417 1643 00", nl).unwrap(),
            "iban:NL91ABNA0417164300"
        );
        // An IBAN failing its check still names the reports that wrote it.
        assert_eq!(
            normalise_endpoint("iban:NL91 ABNA 0417 1643 01", nl).unwrap(),
            "iban:NL91ABNA0417164301"
        );
        assert!(normalise_endpoint("phone:abc", nl).is_err());
        assert_eq!(
            normalise_endpoint("2026-AMS-000101", nl).unwrap(),
            "2026-AMS-000101"
        );
    }
}
