//! Synthetic report data: offender groups, their victims' reports, the
//! true grouping, and check requests, for testing and scoring fraudlink's
//! linker (`fraudlink gen`).
//!
//! Real reports cannot leave the police, so the linker is measured on
//! generated ones that carry the same difficulties (the desk's domain
//! notes, `../shared/docs/domain.md`, outside the repository): identifiers
//! written in every form people type, victims' own accounts, spoofed bank
//! numbers, platforms and free mail everywhere, money mules shared between
//! groups, second filings, typos, and digits that only look like
//! identifiers. The output follows fraudlink's docs/formats.md section 1;
//! `truth.ndjson` gives each report's true group (`../shared/eval/`'s
//! scorer reads it; outside the repository).
//!
//! This crate is an independent oracle: it does not depend on fraudlink.
//! It writes reports the way offenders and victims write them and knows
//! the truth because it made it, never by asking fraudlink's parsers;
//! fraudlink's tests check those parsers against it ([`samples`]).
//!
//! Everything is a pure function of the seed. Randomness comes from
//! ChaCha8 streams: one for planning, one per group, victim and report, so
//! that a report's content does not depend on the order it is written in
//! and a group's identifiers can be rebuilt whenever they are needed
//! instead of being held in memory for the whole run.
//!
//! The crate only generates: it writes to the writers it is given and
//! opens no files.
//!
//! Modules in reading order: `generator` (the streams and the outputs),
//! `plan` (groups and report slots), `group` (a group's identifiers and
//! its victims), `picks` (what one report names), `render` (one report's
//! text and fields), `counts` (`meta.json`'s counts and ceiling), then the
//! identifiers as written (`ibans`, `phones`, `web`, `crypto`, `links`),
//! `unique` (what keeps two groups' identifiers apart in a large data
//! set: past the first 50,000 groups, some 100,000 reports, each is made
//! from its group's number instead of drawn) and the prose (`prose`,
//! `clock`, `text`).

mod benign;
mod clock;
mod counts;
mod crypto;
mod generator;
mod group;
mod ibans;
mod kind;
mod links;
mod meta;
mod phones;
mod picks;
mod plan;
mod prose;
mod random;
mod render;
pub mod samples;
mod text;
mod unique;
mod web;

use std::io::{self, Write};

use time::Date;

pub use meta::Meta;

/// What to generate.
#[derive(Debug, Clone)]
pub struct Config {
    /// Number of reports in `reports.ndjson`.
    pub reports: usize,
    /// The seed; the same seed gives byte-identical output.
    pub seed: u64,
    /// Number of check requests (0 for none).
    pub check: usize,
    /// First day reports are filed (UTC).
    pub filed_from: Date,
    /// Last day reports are filed (UTC).
    pub filed_to: Date,
}

impl Config {
    /// A configuration over the default period, 2025-01-01 to 2026-10-31.
    pub fn new(reports: usize, seed: u64, check: usize) -> Config {
        Config {
            reports,
            seed,
            check,
            filed_from: time::macros::date!(2025 - 01 - 01),
            filed_to: time::macros::date!(2026 - 10 - 31),
        }
    }
}

/// The writers the generator fills.
pub struct Outputs<'a> {
    /// Reports, NDJSON (docs/formats.md section 1).
    pub reports: &'a mut dyn Write,
    /// `{"report_id", "group_id", "unit"}` per report.
    pub truth: &'a mut dyn Write,
    /// `{"report": {...}, "expected_group": gid|null}` per check request.
    pub check: Option<&'a mut dyn Write>,
}

/// Why generation stopped.
#[derive(Debug, thiserror::Error)]
pub enum GenError {
    /// Writing to an output failed.
    #[error("writing generated data: {0}")]
    Io(#[from] io::Error),
    /// The embedded allowlist, the source of benign numbers and domains,
    /// could not be read.
    #[error("the embedded allowlist cannot be read: {0}")]
    Allowlist(String),
    /// The configuration cannot be generated.
    #[error("{0}")]
    Config(String),
}

/// Share of reports that are a second filing by the same victim.
const DUPLICATE_RATE: f64 = 0.02;
/// Share of reports that name no identifier at all.
const UNLINKABLE_RATE: f64 = 0.04;
/// Share of reports whose victim was also a victim of another group.
const REPEAT_VICTIM_RATE: f64 = 0.012;
/// Money mules shared by two groups, per report.
const SHARED_MULE_RATE: f64 = 0.00065;
/// Share of reports with an IBAN that has one character mistyped.
const TYPO_IBAN_RATE: f64 = 0.013;

/// Generates `config.reports` reports and their truth, and the check
/// requests when a check writer is given, and returns the counts for
/// `meta.json`.
pub fn write(config: &Config, out: Outputs<'_>) -> Result<Meta, GenError> {
    if config.filed_to < config.filed_from {
        return Err(GenError::Config(format!(
            "filed_to {} is before filed_from {}",
            config.filed_to, config.filed_from
        )));
    }
    let mut g = generator::Generator::new(config)?;
    g.plan();
    g.write_reports(out.reports, out.truth)?;
    if let Some(check) = out.check {
        g.write_check(check)?;
    }
    Ok(g.meta())
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use super::*;
    use crate::text::UNITS;

    struct Generated {
        reports: String,
        truth: String,
        check: String,
        meta: Meta,
    }

    fn generate(reports: usize, seed: u64, check: usize) -> Generated {
        let (mut rep, mut tru, mut chk) = (Vec::new(), Vec::new(), Vec::new());
        let meta = write(
            &Config::new(reports, seed, check),
            Outputs {
                reports: &mut rep,
                truth: &mut tru,
                check: Some(&mut chk),
            },
        )
        .unwrap();
        Generated {
            reports: String::from_utf8(rep).unwrap(),
            truth: String::from_utf8(tru).unwrap(),
            check: String::from_utf8(chk).unwrap(),
            meta,
        }
    }

    #[test]
    fn the_same_seed_gives_byte_identical_output_and_another_seed_does_not() {
        let a = generate(600, 7, 40);
        let b = generate(600, 7, 40);
        assert_eq!(a.reports, b.reports);
        assert_eq!(a.truth, b.truth);
        assert_eq!(a.check, b.check);
        assert_eq!(
            serde_json::to_string(&a.meta).unwrap(),
            serde_json::to_string(&b.meta).unwrap()
        );
        let c = generate(600, 8, 40);
        assert_ne!(a.reports, c.reports);
    }

    #[test]
    fn every_report_is_filed_in_one_of_the_ten_units_and_every_check_line_has_its_expected_group() {
        let g = generate(3000, 1, 300);
        assert_eq!(g.reports.lines().count(), 3000);
        for line in g.reports.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let unit = v["unit"].as_str().unwrap();
            assert!(UNITS.iter().any(|u| u.name == unit), "{line}");
        }
        assert_eq!(g.check.lines().count(), 300);
        for line in g.check.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            assert!(v["report"].is_object(), "{line}");
            assert!(v["expected_group"].is_null() || v["expected_group"].is_string());
        }
        assert_eq!(g.meta.check_lines(), 300);
    }

    // See: issue 21 (found while moving the generator: a check request of
    // an existing group was drawn from an empty list, and panicked)
    #[test]
    fn issue_21_check_requests_of_a_data_set_with_no_group_of_two_are_all_of_new_groups() {
        // One report is one lone offender: no group has a second victim a
        // check request could be of.
        let g = generate(1, 5, 200);
        assert_eq!(g.check.lines().count(), 200);
        for line in g.check.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            assert!(v["expected_group"].is_null(), "{line}");
        }
    }

    #[test]
    fn truth_covers_every_report_exactly_once() {
        let g = generate(5000, 3, 0);
        let ids: Vec<String> = g
            .reports
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        let mut truth: HashMap<String, String> = HashMap::new();
        for line in g.truth.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let id = v["report_id"].as_str().unwrap().to_owned();
            assert!(v["group_id"].as_str().unwrap().starts_with('G'));
            assert!(v["unit"].is_string());
            assert!(
                truth.insert(id, v["group_id"].to_string()).is_none(),
                "twice: {line}"
            );
        }
        assert_eq!(truth.len(), ids.len());
        let unique: HashSet<&String> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len(), "report ids are unique");
        for id in &ids {
            assert!(truth.contains_key(id), "{id} has no truth");
        }
        assert_eq!(g.meta.reports(), 5000);
    }

    #[test]
    fn group_sizes_follow_the_heavy_tailed_distribution() {
        let g = generate(20_000, 1, 0);
        let mut sizes: HashMap<String, usize> = HashMap::new();
        for line in g.truth.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            *sizes
                .entry(v["group_id"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
        let lone: usize = sizes.values().filter(|&&n| n == 1).count();
        let lone_share = lone as f64 / 20_000.0;
        assert!(
            (0.33..=0.47).contains(&lone_share),
            "lone share {lone_share}"
        );
        let class = |lo: usize, hi: usize| sizes.values().filter(|&&n| n >= lo && n <= hi).count();
        assert!(
            class(2, 5) > class(6, 19),
            "more small groups than middle ones"
        );
        assert!(
            class(6, 19) > class(20, 500),
            "more middle groups than national ones"
        );
        assert!(
            class(20, 500) >= 20,
            "national groups exist: {}",
            class(20, 500)
        );
        assert!(
            sizes.values().all(|&n| n <= 520),
            "largest {:?}",
            sizes.values().max()
        );
        assert_eq!(g.meta.groups(), sizes.len());
        assert!(g.meta.counts.national_groups_ge10_ge3units > 50);
    }

    #[test]
    fn traps_are_present_in_realistic_numbers() {
        let g = generate(20_000, 2, 0);
        let t = &g.meta.traps;
        let share = |n: usize| n as f64 / 20_000.0;
        assert!(share(t.spoofed_official_numbers.reports) > 0.05);
        assert!(share(t.platform_refs.reports) > 0.15);
        assert!(share(t.victim_own_identifiers.victim_iban_in_narrative) > 0.15);
        assert!(t.shared_mules.count >= 5);
        assert_eq!(t.duplicate_filings, 400);
        assert!(t.typo_ibans.count > 100);
        assert!(share(t.unlinkable_reports) > 0.02);
        assert!(t.common_holder_names.groups > 50);
    }
}
