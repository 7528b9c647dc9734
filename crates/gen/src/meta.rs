//! What was generated, written as `meta.json`: the parameters, the
//! counts, how often each trap was set, and how far the data allows
//! linking at all (the ceiling a perfect linker would reach).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::{Config, DUPLICATE_RATE, REPEAT_VICTIM_RATE, UNLINKABLE_RATE};

/// How many typo IBANs `meta.json` lists (the count covers all of them).
const TYPO_LIST_MAX: usize = 200;

/// Counts describing what was generated, written as `meta.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Meta {
    pub(crate) generator: &'static str,
    pub(crate) version: &'static str,
    pub(crate) seed: u64,
    pub(crate) parameters: Parameters,
    pub(crate) counts: Counts,
    pub(crate) traps: Traps,
    pub(crate) linkability: Linkability,
    pub(crate) ceiling: Ceiling,
}

impl Meta {
    /// The meta of a run before anything is counted.
    pub(crate) fn new(config: &Config) -> Meta {
        Meta {
            generator: "fraudlink gen",
            version: env!("CARGO_PKG_VERSION"),
            seed: config.seed,
            parameters: Parameters {
                reports: config.reports,
                check: config.check,
                filed_from: config.filed_from.to_string(),
                filed_to: config.filed_to.to_string(),
                size_classes: "~40% lone offenders, 2-5, 6-19, 20-500 (national)",
                duplicate_rate: DUPLICATE_RATE,
                unlinkable_rate: UNLINKABLE_RATE,
                repeat_victim_rate: REPEAT_VICTIM_RATE,
            },
            counts: Counts::default(),
            traps: Traps::default(),
            linkability: Linkability::default(),
            ceiling: Ceiling::default(),
        }
    }

    /// Number of reports written.
    pub fn reports(&self) -> usize {
        self.counts.reports
    }

    /// Number of true groups (lone offenders included).
    pub fn groups(&self) -> usize {
        self.counts.groups
    }

    /// Number of check requests written.
    pub fn check_lines(&self) -> usize {
        self.counts.check_lines
    }
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Parameters {
    pub(crate) reports: usize,
    pub(crate) check: usize,
    pub(crate) filed_from: String,
    pub(crate) filed_to: String,
    pub(crate) size_classes: &'static str,
    pub(crate) duplicate_rate: f64,
    pub(crate) unlinkable_rate: f64,
    pub(crate) repeat_victim_rate: f64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct Counts {
    pub(crate) reports: usize,
    pub(crate) groups: usize,
    pub(crate) singleton_groups: usize,
    pub(crate) singleton_report_fraction: f64,
    pub(crate) group_size_histogram: BTreeMap<&'static str, usize>,
    pub(crate) largest_group: usize,
    pub(crate) national_groups_ge10_ge3units: usize,
    pub(crate) fraud_type: BTreeMap<&'static str, usize>,
    pub(crate) units: BTreeMap<&'static str, usize>,
    pub(crate) check_lines: usize,
    pub(crate) check_expected_nonnull: usize,
    pub(crate) check_expected_null: usize,
    pub(crate) check_kinds: BTreeMap<&'static str, usize>,
}

/// How far the data allows linking at all: reports of one group are
/// linkable when they name the same offender identifier intact (a typo
/// IBAN does not count) or are filings by the same victim.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct Linkability {
    pub(crate) definition: &'static str,
    pub(crate) intended_unlinkable: usize,
    pub(crate) isolated_reports_in_multi_report_groups: usize,
    pub(crate) reports_outside_largest_component_of_group: usize,
}

/// The best scores a linker can reach on this data: clusters that are the
/// linkable components of each true group (the dev-set scorer in `../shared/eval/` prints them
/// in its `ceiling` column).
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct Ceiling {
    pub(crate) bcubed_precision: f64,
    pub(crate) bcubed_recall: f64,
    pub(crate) bcubed_f1: f64,
    pub(crate) pairwise_precision: f64,
    pub(crate) pairwise_recall: f64,
    pub(crate) pairwise_f1: f64,
    pub(crate) national_groups: usize,
    pub(crate) national_recall: f64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct Traps {
    pub(crate) spoofed_official_numbers: SpoofCounts,
    pub(crate) platform_refs: PlatformCounts,
    pub(crate) victim_own_identifiers: VictimCounts,
    pub(crate) shared_mules: SharedMules,
    pub(crate) duplicate_filings: usize,
    pub(crate) common_holder_names: CommonHolders,
    pub(crate) typo_ibans: TypoIbans,
    pub(crate) digit_noise_sentences: usize,
    pub(crate) unknown_fraud_type_values: usize,
    pub(crate) unlinkable_reports: usize,
    pub(crate) idn_domain_mentions: usize,
    pub(crate) phone_as_wa_me_link: usize,
    /// Numbers written as chat messages write them: in emphasis, in
    /// brackets, glued to a word, or with a country code but no `+`.
    pub(crate) phone_message_forms: usize,
    pub(crate) written_forms: WrittenForms,
}

/// How often the forms of issue 20 were written (`links.rs`).
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct WrittenForms {
    pub(crate) structured_notes: usize,
    pub(crate) app_links: usize,
    pub(crate) dressed_links: usize,
    pub(crate) lookalike_sentences: usize,
}

#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct SpoofCounts {
    pub(crate) reports: usize,
    pub(crate) by_number: BTreeMap<String, usize>,
    pub(crate) callback_mentions: usize,
}

#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct PlatformCounts {
    pub(crate) reports: usize,
    pub(crate) by_domain: BTreeMap<String, usize>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct VictimCounts {
    pub(crate) victim_iban_in_narrative: usize,
    pub(crate) victim_iban_structured_role_victim: usize,
    pub(crate) victim_iban_structured_role_absent: usize,
    pub(crate) victim_phone: usize,
    pub(crate) family_member_real_phone: usize,
    pub(crate) repeat_victims_across_groups: usize,
}

#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct SharedMules {
    pub(crate) count: usize,
    pub(crate) list: Vec<SharedMule>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct SharedMule {
    pub(crate) iban: String,
    pub(crate) groups: [String; 2],
}

#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct CommonHolders {
    pub(crate) reports: usize,
    pub(crate) groups: usize,
}

#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct TypoIbans {
    pub(crate) count: usize,
    pub(crate) list: Vec<TypoIban>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct TypoIban {
    pub(crate) raw: String,
    pub(crate) intended: String,
    #[serde(rename = "where")]
    pub(crate) place: &'static str,
    pub(crate) report_id: String,
}

impl Traps {
    /// Counts a mistyped IBAN, and lists the first [`TYPO_LIST_MAX`].
    pub(crate) fn record_typo(&mut self, raw: &str, intended: &str, place: &'static str, id: &str) {
        self.typo_ibans.count += 1;
        if self.typo_ibans.list.len() < TYPO_LIST_MAX {
            self.typo_ibans.list.push(TypoIban {
                raw: raw.to_owned(),
                intended: intended.to_owned(),
                place,
                report_id: id.to_owned(),
            });
        }
    }
}
