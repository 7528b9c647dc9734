//! Team names: what an intake token belongs to and what a cluster is
//! assigned to, checked and written in one spelling.
//!
//! A name is taken when it is a team of the list in the settings
//! (`config/teams.toml`, or the file the `teams` setting names) or a team
//! that reports in the store were filed by (the regional systems'
//! spelling, which an intake token's team must match to read its own
//! reports). Names are compared by [`key`]: trimmed, case, accents'
//! composition, runs of spaces, hyphens and dashes and the typographic
//! apostrophe do not matter. The name kept is the list's spelling, else
//! the reports' (the most used when they differ). Anything else is
//! refused with the nearest known name, so `--team ""` or `--team Bredaa`
//! never makes a token that reads nothing.
//!
//! Reports' own `team` field is not checked or rewritten: a report is
//! evidence as the intake system filed it (its re-import must find it
//! unchanged, the export gives back what was sent, and a team missing
//! from an old list must not lose its reports). It is trimmed at ingest,
//! and compared with a token's team by [`same`].

use anyhow::{Context, Result};
use serde::Deserialize;
use unicode_normalization::UnicodeNormalization;

/// The list shipped with the source, embedded at build time.
pub const EMBEDDED_TOML: &str = include_str!("../config/teams.toml");

/// The teams of the list.
#[derive(Debug, Clone)]
pub struct Teams {
    /// `(key, name)`, sorted by key.
    listed: Vec<(String, String)>,
}

/// Why a team name is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TeamError {
    /// Nothing but spaces.
    #[error(
        "the team is empty: name a team of the list (config/teams.toml) or one that reports were filed by"
    )]
    Empty,
    /// Not a team the list or the reports know.
    #[error("unknown team {given:?}: not in the list of teams (config/teams.toml) nor a team that reports were filed by{}", .nearest.as_ref().map(|n| format!("; did you mean {n:?}?")).unwrap_or_default())]
    Unknown {
        /// The name as given.
        given: String,
        /// The known name nearest to it, if one is near.
        nearest: Option<String>,
    },
}

/// The file's shape: `[[team]]` entries.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    team: Vec<Entry>,
}

/// One team of the list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    /// The team's name as the police write it.
    name: String,
    /// Its regional unit (eenheid).
    #[allow(dead_code)] // Read for the file's readers; not used to match.
    unit: String,
    /// Where the name is published.
    #[allow(dead_code)] // Kept in the file for its maintainers.
    source: String,
}

/// The form in which two names of one team are equal: NFC, lower case,
/// trimmed, runs of white space, hyphens and dashes as one `-`, the
/// typographic apostrophe as `'`.
pub fn key(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut gap = false;
    for c in name.trim().nfc().flat_map(char::to_lowercase) {
        if c.is_whitespace() || matches!(c, '-' | '\u{2010}'..='\u{2015}' | '_') {
            gap = true;
            continue;
        }
        if gap && !out.is_empty() {
            out.push('-');
        }
        gap = false;
        out.push(if c == '\u{2019}' { '\'' } else { c });
    }
    out
}

/// Whether two names are one team's.
pub fn same(a: &str, b: &str) -> bool {
    key(a) == key(b)
}

impl Teams {
    /// The list embedded in the binary.
    pub fn embedded() -> Teams {
        // The embedded list is checked by a unit test.
        Teams::from_toml(EMBEDDED_TOML).expect("config/teams.toml is valid")
    }

    /// A list from TOML text (`[[team]]` with `name`, `unit`, `source`).
    pub fn from_toml(text: &str) -> Result<Teams> {
        let file: File = toml::from_str(text).context("not a list of [[team]] entries")?;
        let mut listed = Vec::with_capacity(file.team.len());
        for (i, e) in file.team.into_iter().enumerate() {
            let k = key(&e.name);
            if k.is_empty() {
                anyhow::bail!("team[{i}]: the name is empty");
            }
            listed.push((k, e.name.trim().to_owned()));
        }
        listed.sort();
        if let Some(w) = listed.windows(2).find(|w| w[0].0 == w[1].0) {
            anyhow::bail!("{:?} and {:?} are listed twice", w[0].1, w[1].1);
        }
        Ok(Teams { listed })
    }

    /// The listed names, in the list's spelling.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.listed.iter().map(|(_, name)| name.as_str())
    }

    /// How many teams the list holds.
    pub fn len(&self) -> usize {
        self.listed.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.listed.is_empty()
    }

    /// The name to keep for `given`: the list's spelling, else the
    /// spelling of the reports' team (`filed`: each team name in the
    /// store with its number of reports; the most used wins), else an
    /// error that names the nearest known team.
    pub fn canonical<'a>(
        &self,
        given: &str,
        filed: impl IntoIterator<Item = (&'a str, usize)>,
    ) -> Result<String, TeamError> {
        let k = key(given);
        if k.is_empty() {
            return Err(TeamError::Empty);
        }
        if let Ok(i) = self.listed.binary_search_by(|(lk, _)| lk.as_str().cmp(&k)) {
            return Ok(self.listed[i].1.clone());
        }
        let mut best: Option<(&str, usize)> = None;
        let mut nearest: Option<(f64, String)> = None;
        for (name, n) in filed {
            let fk = key(name);
            if fk == k {
                if best.is_none_or(|(_, m)| n > m) {
                    best = Some((name, n));
                }
            } else {
                consider(&mut nearest, &k, &fk, name);
            }
        }
        if let Some((name, _)) = best {
            return Ok(name.trim().to_owned());
        }
        for (lk, name) in &self.listed {
            consider(&mut nearest, &k, lk, name);
        }
        Err(TeamError::Unknown {
            given: given.to_owned(),
            nearest: nearest.map(|(_, n)| n),
        })
    }
}

/// Keeps `name` as the nearest so far when its key is similar enough to
/// `k` (Jaro-Winkler of at least 0.85: a typo or a missing word).
fn consider(nearest: &mut Option<(f64, String)>, k: &str, other: &str, name: &str) {
    let score = strsim::jaro_winkler(k, other);
    if score >= 0.85 && nearest.as_ref().is_none_or(|(s, _)| score > *s) {
        *nearest = Some((score, name.trim().to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = r#"
[[team]]
name = "Heerlen"
unit = "Limburg"
source = "test"

[[team]]
name = "'s-Hertogenbosch"
unit = "Oost-Brabant"
source = "test"

[[team]]
name = "Den Haag-Centrum"
unit = "Den Haag"
source = "test"
"#;

    #[track_caller]
    fn check(given: &str, expected: Result<&str, TeamError>) {
        let teams = Teams::from_toml(LIST).unwrap();
        let filed = [("Breda", 40), ("breda", 2), ("Amsterdam-Centrum", 9)];
        assert_eq!(
            teams.canonical(given, filed),
            expected.map(str::to_owned),
            "{given:?}"
        );
    }

    #[test]
    fn the_embedded_list_is_valid() {
        let teams = Teams::embedded();
        assert!(!teams.is_empty());
    }

    #[test]
    fn keys_ignore_case_spacing_dashes_and_apostrophes() {
        assert_eq!(key("  Den  Haag - Centrum "), "den-haag-centrum");
        assert_eq!(key("den haag centrum"), "den-haag-centrum");
        assert_eq!(key("\u{2019}s-Hertogenbosch"), "'s-hertogenbosch");
        assert_eq!(key("Su\u{301}dwest-Fryslân"), key("Súdwest-Fryslân"));
        assert!(same("Heerlen", " heerlen "));
        assert!(!same("Heerlen", "Heerle"));
    }

    // See: issue 19
    #[test]
    fn issue_19_teams_are_normalised_to_one_spelling_or_refused() {
        check(" heerlen ", Ok("Heerlen"));
        check("DEN HAAG CENTRUM", Ok("Den Haag-Centrum"));
        check("\u{2019}s-hertogenbosch", Ok("'s-Hertogenbosch"));
        // Teams that reports were filed by, in their most used spelling.
        check("BREDA", Ok("Breda"));
        check("amsterdam centrum", Ok("Amsterdam-Centrum"));
        check("", Err(TeamError::Empty));
        check("   ", Err(TeamError::Empty));
        check(
            "Bredaa",
            Err(TeamError::Unknown {
                given: "Bredaa".into(),
                nearest: Some("Breda".into()),
            }),
        );
        check(
            "Heerle",
            Err(TeamError::Unknown {
                given: "Heerle".into(),
                nearest: Some("Heerlen".into()),
            }),
        );
        check(
            "Backup",
            Err(TeamError::Unknown {
                given: "Backup".into(),
                nearest: None,
            }),
        );
    }

    // See: issue 19
    #[test]
    fn issue_19_the_embedded_list_gives_each_team_an_eenheid_and_a_source_in_order() {
        const UNITS: [&str; 10] = [
            "Amsterdam",
            "Den Haag",
            "Limburg",
            "Midden-Nederland",
            "Noord-Holland",
            "Noord-Nederland",
            "Oost-Brabant",
            "Oost-Nederland",
            "Rotterdam",
            "Zeeland-West-Brabant",
        ];
        let file: File = toml::from_str(EMBEDDED_TOML).unwrap();
        let mut previous: Option<(usize, String)> = None;
        let mut units = [0; UNITS.len()];
        for e in &file.team {
            let unit = UNITS
                .iter()
                .position(|u| *u == e.unit)
                .unwrap_or_else(|| panic!("{:?}: {:?} is not an eenheid", e.name, e.unit));
            units[unit] += 1;
            assert!(
                e.source.starts_with("https://") || e.source.starts_with("http://"),
                "{:?}: the source {:?} is not a public address",
                e.name,
                e.source
            );
            let here = (unit, key(&e.name));
            if let Some(before) = &previous {
                assert!(
                    *before < here,
                    "{:?} is out of order (unit, then name)",
                    e.name
                );
            }
            previous = Some(here);
        }
        for (unit, n) in UNITS.iter().zip(units) {
            assert!(n > 0, "no team of the eenheid {unit}");
        }
    }

    #[test]
    fn a_list_with_a_team_twice_is_refused() {
        let twice =
            format!("{LIST}\n[[team]]\nname = \"heerlen\"\nunit = \"Limburg\"\nsource = \"x\"\n");
        assert!(Teams::from_toml(&twice).is_err());
    }
}
