//! Synthetic report data: offender groups, their victims' reports, the
//! true grouping, and check requests, for testing and scoring the linker.
//!
//! Real reports cannot leave the police, so the linker is measured on
//! generated ones that carry the same difficulties (the desk's domain notes, `../shared/docs/domain.md`, outside the repository): identifiers
//! written in every form people type, victims' own accounts, spoofed bank
//! numbers, platforms and free mail everywhere, money mules shared between
//! groups, second filings, typos, and digits that only look like
//! identifiers. The output follows docs/formats.md section 1; `truth.ndjson`
//! gives each report's true group (`../shared/eval/`'s scorer reads it; outside the repository).
//!
//! Everything is a pure function of the seed. Randomness comes from
//! ChaCha8 streams: one for planning, one per group, victim and report, so
//! that a report's content does not depend on the order it is written in
//! and a group's identifiers can be rebuilt whenever they are needed
//! instead of being held in memory for the whole run.
//!
//! This module only generates: it writes to the writers it is given and
//! opens no files.

mod links;
mod text;

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::{self, Write};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use sha3::{Digest, Keccak256};
use time::{Date, Month, OffsetDateTime};

use crate::allowlist;
use text::UNITS;

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
/// How many typo IBANs `meta.json` lists (the count covers all of them).
const TYPO_LIST_MAX: usize = 200;

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
    let mut g = Generator::new(config)?;
    g.plan();
    g.write_reports(out.reports, out.truth)?;
    if let Some(check) = out.check {
        g.write_check(check)?;
    }
    Ok(g.meta())
}

/// Counts describing what was generated, written as `meta.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Meta {
    generator: &'static str,
    version: &'static str,
    seed: u64,
    parameters: Parameters,
    counts: Counts,
    traps: Traps,
    linkability: Linkability,
    ceiling: Ceiling,
}

impl Meta {
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
struct Parameters {
    reports: usize,
    check: usize,
    filed_from: String,
    filed_to: String,
    size_classes: &'static str,
    duplicate_rate: f64,
    unlinkable_rate: f64,
    repeat_victim_rate: f64,
}

#[derive(Debug, Clone, Default, Serialize)]
struct Counts {
    reports: usize,
    groups: usize,
    singleton_groups: usize,
    singleton_report_fraction: f64,
    group_size_histogram: BTreeMap<&'static str, usize>,
    largest_group: usize,
    national_groups_ge10_ge3units: usize,
    fraud_type: BTreeMap<&'static str, usize>,
    units: BTreeMap<&'static str, usize>,
    check_lines: usize,
    check_expected_nonnull: usize,
    check_expected_null: usize,
    check_kinds: BTreeMap<&'static str, usize>,
}

/// How far the data allows linking at all: reports of one group are
/// linkable when they name the same offender identifier intact (a typo
/// IBAN does not count) or are filings by the same victim.
#[derive(Debug, Clone, Default, Serialize)]
struct Linkability {
    definition: &'static str,
    intended_unlinkable: usize,
    isolated_reports_in_multi_report_groups: usize,
    reports_outside_largest_component_of_group: usize,
}

/// The best scores a linker can reach on this data: clusters that are the
/// linkable components of each true group (the dev-set scorer in `../shared/eval/` prints them
/// in its `ceiling` column).
#[derive(Debug, Clone, Default, Serialize)]
struct Ceiling {
    bcubed_precision: f64,
    bcubed_recall: f64,
    bcubed_f1: f64,
    pairwise_precision: f64,
    pairwise_recall: f64,
    pairwise_f1: f64,
    national_groups: usize,
    national_recall: f64,
}

#[derive(Debug, Clone, Default, Serialize)]
struct Traps {
    spoofed_official_numbers: SpoofCounts,
    platform_refs: PlatformCounts,
    victim_own_identifiers: VictimCounts,
    shared_mules: SharedMules,
    duplicate_filings: usize,
    common_holder_names: CommonHolders,
    typo_ibans: TypoIbans,
    digit_noise_sentences: usize,
    unknown_fraud_type_values: usize,
    unlinkable_reports: usize,
    idn_domain_mentions: usize,
    phone_as_wa_me_link: usize,
    /// Numbers written as chat messages write them: in emphasis, in
    /// brackets, glued to a word, or with a country code but no `+`.
    phone_message_forms: usize,
    written_forms: WrittenForms,
}

/// How often the forms of issue 20 were written (`links.rs`).
#[derive(Debug, Clone, Default, Serialize)]
struct WrittenForms {
    structured_notes: usize,
    app_links: usize,
    dressed_links: usize,
    lookalike_sentences: usize,
}

#[derive(Debug, Clone, Default, Serialize)]
struct SpoofCounts {
    reports: usize,
    by_number: BTreeMap<String, usize>,
    callback_mentions: usize,
}

#[derive(Debug, Clone, Default, Serialize)]
struct PlatformCounts {
    reports: usize,
    by_domain: BTreeMap<String, usize>,
}

#[derive(Debug, Clone, Default, Serialize)]
struct VictimCounts {
    victim_iban_in_narrative: usize,
    victim_iban_structured_role_victim: usize,
    victim_iban_structured_role_absent: usize,
    victim_phone: usize,
    family_member_real_phone: usize,
    repeat_victims_across_groups: usize,
}

#[derive(Debug, Clone, Default, Serialize)]
struct SharedMules {
    count: usize,
    list: Vec<SharedMule>,
}

#[derive(Debug, Clone, Serialize)]
struct SharedMule {
    iban: String,
    groups: [String; 2],
}

#[derive(Debug, Clone, Default, Serialize)]
struct CommonHolders {
    reports: usize,
    groups: usize,
}

#[derive(Debug, Clone, Default, Serialize)]
struct TypoIbans {
    count: usize,
    list: Vec<TypoIban>,
}

#[derive(Debug, Clone, Serialize)]
struct TypoIban {
    raw: String,
    intended: String,
    #[serde(rename = "where")]
    place: &'static str,
    report_id: String,
}

/// The modus operandi of a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FraudKind {
    Marketplace,
    BankHelpdesk,
    Phishing,
    FriendInNeed,
    Investment,
    Romance,
    Webshop,
    Invoice,
}

impl FraudKind {
    const ALL: [FraudKind; 8] = [
        FraudKind::Marketplace,
        FraudKind::BankHelpdesk,
        FraudKind::Phishing,
        FraudKind::FriendInNeed,
        FraudKind::Investment,
        FraudKind::Romance,
        FraudKind::Webshop,
        FraudKind::Invoice,
    ];
    /// Share of groups per kind, per mille, in the order of `ALL`.
    const WEIGHTS: [u32; 8] = [300, 140, 160, 130, 60, 45, 125, 40];

    fn name(self) -> &'static str {
        match self {
            FraudKind::Marketplace => "marketplace",
            FraudKind::BankHelpdesk => "bank_helpdesk",
            FraudKind::Phishing => "phishing",
            FraudKind::FriendInNeed => "friend_in_need",
            FraudKind::Investment => "investment",
            FraudKind::Romance => "romance",
            FraudKind::Webshop => "webshop",
            FraudKind::Invoice => "invoice",
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    /// Per report: how likely each kind of offender identifier is named,
    /// as (iban, phone, url, email, handle, crypto).
    fn usage(self) -> [f64; 6] {
        match self {
            FraudKind::Marketplace => [0.85, 0.35, 0.04, 0.05, 0.15, 0.0],
            FraudKind::BankHelpdesk => [0.80, 0.35, 0.08, 0.0, 0.0, 0.03],
            FraudKind::Phishing => [0.30, 0.20, 0.85, 0.10, 0.0, 0.0],
            FraudKind::FriendInNeed => [0.70, 0.90, 0.0, 0.0, 0.0, 0.0],
            FraudKind::Investment => [0.35, 0.30, 0.60, 0.20, 0.30, 0.55],
            FraudKind::Romance => [0.40, 0.25, 0.0, 0.25, 0.60, 0.30],
            FraudKind::Webshop => [0.60, 0.10, 0.90, 0.30, 0.05, 0.0],
            FraudKind::Invoice => [0.85, 0.20, 0.40, 0.70, 0.0, 0.0],
        }
    }

    /// Median damage in euros and the spread of its logarithm.
    fn damage(self) -> (f64, f64) {
        match self {
            FraudKind::Marketplace => (150.0, 0.9),
            FraudKind::BankHelpdesk => (4000.0, 1.0),
            FraudKind::Phishing => (900.0, 1.1),
            FraudKind::FriendInNeed => (1200.0, 0.7),
            FraudKind::Investment => (8000.0, 1.2),
            FraudKind::Romance => (6000.0, 1.2),
            FraudKind::Webshop => (120.0, 0.8),
            FraudKind::Invoice => (2500.0, 1.0),
        }
    }

    /// Platforms this kind of group keeps accounts on.
    fn handle_platforms(self) -> &'static [&'static str] {
        match self {
            FraudKind::Marketplace => &["marktplaats", "vinted", "facebook", "instagram"],
            FraudKind::Investment => &["telegram", "instagram", "signal", "telegram"],
            FraudKind::Romance => &["instagram", "snapchat", "facebook", "tinder", "telegram"],
            _ => &["instagram", "tiktok", "telegram"],
        }
    }

    /// Allowlist categories (or exact domains) victims of this kind mention.
    fn platform_mentions(self) -> &'static [&'static str] {
        match self {
            FraudKind::Marketplace => &[
                "=marktplaats.nl",
                "=marktplaats.nl",
                "=tikkie.me",
                "=vinted.nl",
                "=facebook.com",
                "payment",
                "platform",
            ],
            FraudKind::BankHelpdesk => &["=anydesk.com", "remote_access", "bank", "=google.com"],
            FraudKind::Phishing => &["shortener", "shortener", "government", "bank", "company"],
            FraudKind::FriendInNeed => &["=whatsapp.com", "=tikkie.me", "payment"],
            FraudKind::Investment => &[
                "=youtube.com",
                "=facebook.com",
                "=bitvavo.com",
                "=instagram.com",
                "remote_access",
                "payment",
            ],
            FraudKind::Romance => &["=instagram.com", "platform", "payment"],
            FraudKind::Webshop => &["=instagram.com", "=facebook.com", "platform", "=paypal.com"],
            FraudKind::Invoice => &["company", "freemail", "government"],
        }
    }
}

/// One offender group as planned before any text is written.
#[derive(Debug, Clone)]
struct GroupPlan {
    kind: FraudKind,
    size: u32,
    home_unit: u8,
    /// Chance that a victim lives in the home unit; national groups reach
    /// victims everywhere.
    local: f32,
    start: i64,
    end: i64,
    /// Another group whose first money mule this group uses too.
    shared_mule: Option<u32>,
}

/// One report as planned: who, when, where.
#[derive(Debug, Clone, Copy)]
struct Slot {
    /// Creation index: names the report's random streams.
    idx: u32,
    /// The creation index whose identifiers and damage this report
    /// repeats (itself, unless it is a second filing).
    origin: u32,
    group: u32,
    victim: u32,
    team: u16,
    filed: i64,
    incident: i64,
    /// For a second filing: when the first was filed.
    prior: i64,
}

/// A money-mule account.
#[derive(Debug, Clone)]
struct Account {
    iban: String,
    holder: String,
    common_holder: bool,
}

/// A telephone number: country calling code and national significant
/// number (no trunk prefix).
#[derive(Debug, Clone)]
struct PhoneNo {
    cc: &'static str,
    nsn: String,
}

impl PhoneNo {
    #[cfg(test)]
    fn e164(&self) -> String {
        format!("+{}{}", self.cc, self.nsn)
    }
}

/// A fraud website: registrable domain, host and paths.
#[derive(Debug, Clone)]
struct Site {
    domain: String,
    host: String,
    paths: Vec<String>,
    shortener: bool,
    idn: bool,
}

/// A group's modus operandi and identifiers.
#[derive(Debug, Clone)]
struct Group {
    kind: FraudKind,
    ibans: Vec<Account>,
    phones: Vec<PhoneNo>,
    sites: Vec<Site>,
    emails: Vec<String>,
    handles: Vec<(&'static str, String)>,
    crypto: Vec<String>,
    /// Index into the benign bank numbers the callers spoof.
    spoof: Option<usize>,
    bank: &'static str,
    brand: usize,
    alias: String,
    market: &'static str,
}

/// A victim: the same person when filing twice or falling for two groups.
#[derive(Debug, Clone)]
struct Victim {
    vref: Option<String>,
    iban: String,
    phone: PhoneNo,
    relative: usize,
    family_phone: PhoneNo,
}

/// A number the allowlist marks benign.
#[derive(Debug, Clone)]
struct Official {
    e164: String,
    written: Option<String>,
    owner: String,
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
struct Benign {
    bank_phones: Vec<Official>,
    other_phones: Vec<Official>,
    domains: BTreeMap<String, Vec<String>>,
    /// Category per domain.
    all_domains: HashMap<String, String>,
}

impl Benign {
    fn load() -> Result<Benign, GenError> {
        let file: AllowFile =
            toml::from_str(allowlist::EMBEDDED).map_err(|e| GenError::Allowlist(e.to_string()))?;
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
    fn domain<'a>(&'a self, r: &mut ChaCha8Rng, spec: &'a str) -> Option<(String, &'a str)> {
        if let Some(d) = spec.strip_prefix('=') {
            let category = self.all_domains.get(d).map_or("platform", String::as_str);
            return Some((d.to_owned(), category));
        }
        let list = self.domains.get(spec)?;
        pick_opt(r, list).map(|d| (d.clone(), spec))
    }
}

/// A flat list of basisteams with their unit.
struct Team {
    unit: usize,
    name: &'static str,
    municipalities: &'static [&'static str],
}

/// Random-stream spaces: each report, group, victim and check request has
/// its own stream, so that content does not depend on generation order.
const STREAM_PLAN: u64 = 0;
const STREAM_GROUP: u64 = 1;
const STREAM_CORE: u64 = 2;
const STREAM_VICTIM: u64 = 3;
const STREAM_TEXT: u64 = 4;
const STREAM_CHECK: u64 = 5;
const STREAM_CHECK_CORE: u64 = 6;

struct Generator<'c> {
    config: &'c Config,
    base: ChaCha8Rng,
    benign: Benign,
    teams: Vec<Team>,
    unit_teams: Vec<Vec<u16>>,
    from_ts: i64,
    to_ts: i64,
    plans: Vec<GroupPlan>,
    slots: Vec<Slot>,
    /// Next report number per (year, unit).
    counters: BTreeMap<(i32, usize), u32>,
    common_groups: Vec<bool>,
    /// The offender identifiers the last rendered report names intact, one
    /// bit per (kind, index in the group): what an ideal linker could use.
    last_keys: u64,
    /// `last_keys` of every report, in slot order.
    keys: Vec<u64>,
    meta: Meta,
}

/// The offender identifiers a report names, and its damage: the part a
/// second filing repeats.
#[derive(Debug, Clone)]
struct Core {
    amount: Option<f64>,
    picks: Vec<Pick>,
    unlinkable: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pick {
    Iban(usize),
    Phone(usize),
    Url(usize),
    Email(usize),
    Handle(usize),
    Crypto(usize),
}

/// A rendered report.
#[derive(Debug, Serialize)]
struct OutReport {
    id: String,
    filed_at: String,
    unit: &'static str,
    team: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    incident_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    municipality: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fraud_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    amount_eur: Option<f64>,
    narrative: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    identifiers: Option<Vec<OutIdent>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    victim_ref: Option<String>,
}

#[derive(Debug, Serialize)]
struct OutIdent {
    #[serde(rename = "type")]
    kind: &'static str,
    value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    platform: Option<String>,
}

#[derive(Serialize)]
struct TruthLine<'a> {
    report_id: &'a str,
    group_id: &'a str,
    unit: &'a str,
}

#[derive(Serialize)]
struct CheckLine<'a> {
    report: &'a OutReport,
    expected_group: Option<&'a str>,
}

/// How a report is to be rendered beyond its core.
#[derive(Debug, Clone, Copy, Default)]
struct Extra {
    follow_up: bool,
}

impl<'c> Generator<'c> {
    fn new(config: &'c Config) -> Result<Generator<'c>, GenError> {
        let benign = Benign::load()?;
        let mut teams = Vec::new();
        let mut unit_teams = vec![Vec::new(); UNITS.len()];
        for (u, unit) in UNITS.iter().enumerate() {
            for (name, municipalities) in unit.teams {
                unit_teams[u].push(teams.len() as u16);
                teams.push(Team {
                    unit: u,
                    name,
                    municipalities,
                });
            }
        }
        let from_ts = config.filed_from.midnight().assume_utc().unix_timestamp();
        let to_ts = config.filed_to.midnight().assume_utc().unix_timestamp() + 86_399;
        let meta = Meta {
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
        };
        Ok(Generator {
            config,
            base: ChaCha8Rng::seed_from_u64(config.seed),
            benign,
            teams,
            unit_teams,
            from_ts,
            to_ts,
            plans: Vec::new(),
            slots: Vec::new(),
            counters: BTreeMap::new(),
            common_groups: Vec::new(),
            last_keys: 0,
            keys: Vec::new(),
            meta,
        })
    }

    fn stream(&self, space: u64, n: u64) -> ChaCha8Rng {
        let mut r = self.base.clone();
        r.set_stream((space << 40) | n);
        r
    }

    /// Plans groups and report slots, then sorts the slots by filing time.
    fn plan(&mut self) {
        let n = self.config.reports;
        let mut r = self.stream(STREAM_PLAN, 0);
        let dups = if n >= 20 {
            (n as f64 * DUPLICATE_RATE).round() as usize
        } else {
            0
        };
        let base = n - dups;
        // Without a cap, one national group would swallow a small data set.
        let cap = (base / 10).max(2) as u32;
        let mut total = 0usize;
        while total < base {
            let size = sample_group_size(&mut r)
                .min(cap)
                .min((base - total) as u32);
            let plan = self.plan_group(&mut r, size);
            self.plans.push(plan);
            total += size as usize;
        }
        for g in 0..self.plans.len() {
            let plan = self.plans[g].clone();
            for _ in 0..plan.size {
                let idx = self.slots.len() as u32;
                let (incident, filed) = self.times(&mut r, &plan);
                let team = self.team_for(&mut r, &plan);
                self.slots.push(Slot {
                    idx,
                    origin: idx,
                    group: g as u32,
                    victim: idx,
                    team,
                    filed,
                    incident,
                    prior: 0,
                });
            }
        }
        // Victims who fall for a second group: same person, same team.
        let repeats = (base as f64 * REPEAT_VICTIM_RATE).round() as usize;
        for _ in 0..repeats {
            if base < 2 {
                break;
            }
            let a = r.random_range(0..base);
            let b = r.random_range(0..base);
            if self.slots[a].group != self.slots[b].group {
                self.slots[b].victim = self.slots[a].victim;
                self.slots[b].team = self.slots[a].team;
                self.meta
                    .traps
                    .victim_own_identifiers
                    .repeat_victims_across_groups += 1;
            }
        }
        // Second filings: the same victim reports the same fraud again.
        for _ in 0..dups {
            let o = self.slots[r.random_range(0..base)];
            let idx = self.slots.len() as u32;
            let later = r.random_range(3_600..30 * 86_400);
            let team = if r.random_bool(0.8) {
                o.team
            } else {
                let unit = self.teams[usize::from(o.team)].unit;
                *pick(&mut r, &self.unit_teams[unit])
            };
            self.slots.push(Slot {
                idx,
                origin: o.origin,
                group: o.group,
                victim: o.victim,
                team,
                filed: (o.filed + later).min(self.to_ts).max(o.filed),
                incident: o.incident,
                prior: o.filed,
            });
        }
        self.meta.traps.duplicate_filings = dups;
        // Money mules that serve two groups.
        let multi: Vec<u32> = (0..self.plans.len() as u32)
            .filter(|&g| self.plans[g as usize].size >= 2)
            .collect();
        let shared = (n as f64 * SHARED_MULE_RATE).round() as usize;
        if multi.len() >= 4 {
            for _ in 0..shared {
                let a = *pick(&mut r, &multi);
                let b = *pick(&mut r, &multi);
                if a != b
                    && self.plans[a as usize].shared_mule.is_none()
                    && self.plans[b as usize].shared_mule.is_none()
                {
                    self.plans[a as usize].shared_mule = Some(b);
                }
            }
        }
        self.slots.sort_by_key(|s| (s.filed, s.idx));
        self.common_groups = vec![false; self.plans.len()];
    }

    fn plan_group(&self, r: &mut ChaCha8Rng, size: u32) -> GroupPlan {
        let kind = FraudKind::ALL[weighted(r, &FraudKind::WEIGHTS)];
        let home_unit = weighted(r, &unit_weights()) as u8;
        let local = match size {
            0..=5 => 0.7,
            6..=19 => 0.35,
            _ => 0.1,
        };
        let range = (self.to_ts - self.from_ts).max(86_400);
        let days: i64 = match size {
            0..=1 => 1,
            2..=5 => r.random_range(5..90),
            6..=19 => r.random_range(30..240),
            _ => r.random_range(90..600),
        };
        let span = (days * 86_400).min(range);
        let start = self.from_ts + r.random_range(0..=(range - span));
        GroupPlan {
            kind,
            size,
            home_unit,
            local,
            start,
            end: start + span,
            shared_mule: None,
        }
    }

    /// When the fraud happened and when it was reported.
    fn times(&self, r: &mut ChaCha8Rng, plan: &GroupPlan) -> (i64, i64) {
        let incident = r.random_range(plan.start..=plan.end);
        let u: f64 = r.random();
        let days = if u < 0.45 {
            r.random_range(0..=1)
        } else if u < 0.8 {
            r.random_range(1..=7)
        } else {
            r.random_range(7..=45)
        };
        // Reports are taken during the day, local time.
        let day = (incident / 86_400 + days) * 86_400;
        let mut filed = day + r.random_range(6 * 3600..20 * 3600);
        if filed <= incident {
            filed = incident + r.random_range(1800..9000);
        }
        (incident, filed.min(self.to_ts).max(incident))
    }

    fn team_for(&self, r: &mut ChaCha8Rng, plan: &GroupPlan) -> u16 {
        let unit = if r.random::<f32>() < plan.local {
            usize::from(plan.home_unit)
        } else {
            weighted(r, &unit_weights())
        };
        *pick(r, &self.unit_teams[unit])
    }

    /// Builds a group's identifiers from its own stream.
    fn group(&self, g: u32) -> Group {
        let mut group = self.group_without_shared(g);
        if let Some(other) = self.plans.get(g as usize).and_then(|p| p.shared_mule) {
            let o = self.group_without_shared(other);
            if let Some(first) = o.ibans.first() {
                let mut r = self.stream(STREAM_GROUP, u64::from(g) | (1 << 39));
                let at = r.random_range(0..=group.ibans.len());
                group.ibans.insert(at, first.clone());
            }
        }
        group
    }

    fn group_without_shared(&self, g: u32) -> Group {
        let mut r = self.stream(STREAM_GROUP, u64::from(g));
        let (kind, size) = match self.plans.get(g as usize) {
            Some(p) => (p.kind, p.size),
            // Groups past the data set exist only in check requests.
            None => (FraudKind::ALL[weighted(&mut r, &FraudKind::WEIGHTS)], 1),
        };
        let usage = kind.usage();
        // More victims, more mules and numbers, but slowly: a group of two
        // mostly uses one of each, a national group of hundreds up to six.
        let spread = ((f64::from(size.max(1)).log2() * 0.6) as usize).min(5);
        let count = |r: &mut ChaCha8Rng, p: f64, max: usize| -> usize {
            if p <= 0.0 {
                0
            } else {
                1 + r.random_range(0..=spread.min(max - 1))
            }
        };
        let n_iban = count(&mut r, usage[0], 6);
        let n_phone = count(&mut r, usage[1], 3);
        let n_site = count(&mut r, usage[2], 3);
        let n_email = count(&mut r, usage[3], 2);
        let n_handle = count(&mut r, usage[4], 3);
        let n_crypto = count(&mut r, usage[5], 2);
        let ibans = (0..n_iban).map(|_| account(&mut r)).collect();
        let phones = (0..n_phone).map(|_| offender_phone(&mut r)).collect();
        let sites: Vec<Site> = (0..n_site).map(|_| self.site(&mut r, kind)).collect();
        let emails = (0..n_email).map(|_| email(&mut r, &sites)).collect();
        let handles = (0..n_handle)
            .map(|_| (*pick(&mut r, kind.handle_platforms()), handle_name(&mut r)))
            .collect();
        let crypto = (0..n_crypto).map(|_| crypto_address(&mut r)).collect();
        let spoof = r.random_range(0..self.benign.bank_phones.len());
        let bank = if kind == FraudKind::BankHelpdesk {
            // The bank the caller claims to be is the one whose number he
            // spoofs.
            short_owner(&self.benign.bank_phones[spoof].owner)
        } else {
            pick(&mut r, text::NL_BANKS).0
        };
        Group {
            kind,
            ibans,
            phones,
            sites,
            emails,
            handles,
            crypto,
            spoof: Some(spoof),
            bank,
            brand: r.random_range(0..text::PHISH_BRANDS.len()),
            alias: pick(&mut r, text::FIRST_NAMES).to_string(),
            market: pick_str(&mut r, text::MARKETPLACES),
        }
    }

    fn site(&self, r: &mut ChaCha8Rng, kind: FraudKind) -> Site {
        // A few groups send shortener links of their own; the link itself
        // identifies them, the shortener's domain does not.
        if kind == FraudKind::Phishing && r.random_bool(0.2) {
            let host = pick(r, &["bit.ly", "tinyurl.com", "is.gd", "cutt.ly"]).to_string();
            return Site {
                domain: host.clone(),
                host,
                paths: vec![random_code(r, 7)],
                shortener: true,
                idn: false,
            };
        }
        for _ in 0..8 {
            let (domain, idn) = fraud_domain(r, kind);
            if !self.benign.all_domains.contains_key(&domain) {
                let host = match r.random_range(0..10) {
                    0 => format!("login.{domain}"),
                    1 => format!("mijn.{domain}"),
                    2 | 3 => format!("www.{domain}"),
                    _ => domain.clone(),
                };
                let paths = (0..r.random_range(1..=3))
                    .map(|_| url_path(r, kind))
                    .collect();
                return Site {
                    domain,
                    host,
                    paths,
                    shortener: false,
                    idn,
                };
            }
        }
        let domain = format!("veilig-{}.nl", random_code(r, 8).to_ascii_lowercase());
        Site {
            host: domain.clone(),
            domain,
            paths: vec![String::new()],
            shortener: false,
            idn: false,
        }
    }

    fn victim(&self, v: u32) -> Victim {
        let mut r = self.stream(STREAM_VICTIM, u64::from(v));
        let vref = if r.random_bool(0.9) {
            Some(format!("V-{:012x}", r.random::<u64>() & 0xffff_ffff_ffff))
        } else {
            None
        };
        Victim {
            vref,
            iban: nl_iban(&mut r),
            phone: nl_mobile(&mut r),
            relative: r.random_range(0..text::RELATIVES.len()),
            family_phone: nl_mobile(&mut r),
        }
    }

    fn core(
        &self,
        r: &mut ChaCha8Rng,
        group: &Group,
        plan_window: (i64, i64),
        incident: i64,
        unlinkable: bool,
    ) -> Core {
        let kind = group.kind;
        let (median, spread) = kind.damage();
        let amount = if r.random_bool(0.94) {
            let mut a = median * (spread * normal(r)).exp();
            a = a.clamp(5.0, 250_000.0);
            a = match kind {
                FraudKind::Marketplace | FraudKind::Webshop if r.random_bool(0.6) => a.round(),
                FraudKind::FriendInNeed if r.random_bool(0.5) => (a / 50.0).round().max(1.0) * 50.0,
                _ => (a * 100.0).round() / 100.0,
            };
            Some(a)
        } else {
            None
        };
        let mut picks = Vec::new();
        if !unlinkable {
            let usage = kind.usage();
            let (start, end) = plan_window;
            let t = if end > start {
                (incident - start) as f64 / (end - start) as f64
            } else {
                0.0
            };
            let lists = [
                group.ibans.len(),
                group.phones.len(),
                group.sites.len(),
                group.emails.len(),
                group.handles.len(),
                group.crypto.len(),
            ];
            for (k, &p) in usage.iter().enumerate() {
                if lists[k] > 0 && r.random_bool(p) {
                    picks.push(make_pick(r, k, lists[k], t));
                }
            }
            if picks.is_empty() {
                // Every linkable report names something: its group's most
                // used kind of identifier.
                let best = (0..6)
                    .filter(|&k| lists[k] > 0)
                    .max_by(|&a, &b| usage[a].total_cmp(&usage[b]));
                if let Some(best) = best {
                    picks.push(make_pick(r, best, lists[best], t));
                }
            }
        }
        Core {
            amount,
            picks,
            unlinkable,
        }
    }

    fn next_id(&mut self, filed: i64, unit: usize) -> String {
        let year = OffsetDateTime::from_unix_timestamp(filed)
            .map(|t| t.year())
            .unwrap_or(2025);
        let n = self.counters.entry((year, unit)).or_insert(0);
        *n += 1;
        format!("{year}-{}-{:08}", UNITS[unit].code, n)
    }

    fn write_reports(
        &mut self,
        reports: &mut dyn Write,
        truth: &mut dyn Write,
    ) -> Result<(), GenError> {
        let mut remaining: Vec<u32> = vec![0; self.plans.len()];
        for s in &self.slots {
            remaining[s.group as usize] += 1;
        }
        let mut cache: Vec<Option<Box<Group>>> = vec![None; self.plans.len()];
        let mut line = Vec::with_capacity(4096);
        let mut gid = String::with_capacity(16);
        let slots = std::mem::take(&mut self.slots);
        for s in &slots {
            let gi = s.group as usize;
            let group: Box<Group> = match cache[gi].take() {
                Some(g) => g,
                None => Box::new(self.group(s.group)),
            };
            let plan = &self.plans[gi];
            let window = (plan.start, plan.end);
            let mut core_rng = self.stream(STREAM_CORE, u64::from(s.origin));
            let unlinkable = core_rng.random_bool(UNLINKABLE_RATE);
            let core = self.core(&mut core_rng, &group, window, s.incident, unlinkable);
            let victim = self.victim(s.victim);
            let mut r = self.stream(STREAM_TEXT, u64::from(s.idx));
            let extra = Extra {
                follow_up: s.origin != s.idx,
            };
            let report = self.render(&mut r, s, &group, &core, &victim, extra);
            line.clear();
            serde_json::to_writer(&mut line, &report).map_err(io::Error::from)?;
            line.push(b'\n');
            reports.write_all(&line)?;
            gid.clear();
            let _ = write!(gid, "G{:07}", s.group + 1);
            line.clear();
            serde_json::to_writer(
                &mut line,
                &TruthLine {
                    report_id: &report.id,
                    group_id: &gid,
                    unit: report.unit,
                },
            )
            .map_err(io::Error::from)?;
            line.push(b'\n');
            truth.write_all(&line)?;
            self.count_report(&report, &group);
            self.keys.push(self.last_keys);
            remaining[gi] -= 1;
            if remaining[gi] > 0 {
                cache[gi] = Some(group);
            }
        }
        self.slots = slots;
        self.finish_counts();
        Ok(())
    }

    fn count_report(&mut self, report: &OutReport, group: &Group) {
        let c = &mut self.meta.counts;
        c.reports += 1;
        *c.fraud_type.entry(group.kind.name()).or_insert(0) += 1;
        *c.units.entry(report.unit).or_insert(0) += 1;
    }

    fn finish_counts(&mut self) {
        let mut sizes = vec![0usize; self.plans.len()];
        let mut units: Vec<u16> = vec![0; self.plans.len()];
        for s in &self.slots {
            sizes[s.group as usize] += 1;
            units[s.group as usize] |= 1 << self.teams[usize::from(s.team)].unit;
        }
        let c = &mut self.meta.counts;
        c.groups = sizes.iter().filter(|&&n| n > 0).count();
        c.singleton_groups = sizes.iter().filter(|&&n| n == 1).count();
        c.singleton_report_fraction = if c.reports > 0 {
            round4(c.singleton_groups as f64 / c.reports as f64)
        } else {
            0.0
        };
        for &n in &sizes {
            let class = match n {
                0 => continue,
                1 => "1",
                2..=5 => "2-5",
                6..=19 => "6-19",
                20..=99 => "20-99",
                _ => "100-500",
            };
            *c.group_size_histogram.entry(class).or_insert(0) += 1;
        }
        c.largest_group = sizes.iter().copied().max().unwrap_or(0);
        c.national_groups_ge10_ge3units = sizes
            .iter()
            .zip(&units)
            .filter(|(n, u)| **n >= 10 && u.count_ones() >= 3)
            .count();
        self.linkability(&sizes, &units);
        self.meta.traps.common_holder_names.groups =
            self.common_groups.iter().filter(|&&b| b).count();
        let mut list = Vec::new();
        for (a, p) in self.plans.iter().enumerate() {
            if let Some(b) = p.shared_mule
                && let Some(acc) = self.group_without_shared(b).ibans.first()
            {
                list.push(SharedMule {
                    iban: acc.iban.clone(),
                    groups: [format!("G{:07}", a + 1), format!("G{:07}", b + 1)],
                });
            }
        }
        self.meta.traps.shared_mules = SharedMules {
            count: list.len(),
            list,
        };
    }

    /// Computes the linkable components of each true group: reports join
    /// when they share an intact identifier or a victim.
    fn linkability(&mut self, sizes: &[usize], units: &[u16]) {
        let n = self.slots.len();
        let mut parent: Vec<u32> = (0..n as u32).collect();
        fn find(parent: &mut [u32], mut x: u32) -> u32 {
            while parent[x as usize] != x {
                let up = parent[parent[x as usize] as usize];
                parent[x as usize] = up;
                x = up;
            }
            x
        }
        let mut first_key: HashMap<(u32, u32), u32> = HashMap::new();
        let mut first_victim: HashMap<(u32, u32), u32> = HashMap::new();
        for (i, s) in self.slots.iter().enumerate() {
            let i = i as u32;
            let mut joins: Vec<u32> = Vec::new();
            let mut keys = self.keys.get(i as usize).copied().unwrap_or(0);
            while keys != 0 {
                let bit = keys.trailing_zeros();
                keys &= keys - 1;
                joins.push(*first_key.entry((s.group, bit)).or_insert(i));
            }
            joins.push(*first_victim.entry((s.group, s.victim)).or_insert(i));
            for j in joins {
                let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                if a != b {
                    parent[a as usize] = b;
                }
            }
        }
        let mut comp: HashMap<u32, usize> = HashMap::new();
        let roots: Vec<u32> = (0..n as u32).map(|i| find(&mut parent, i)).collect();
        for &root in &roots {
            *comp.entry(root).or_insert(0) += 1;
        }
        let mut largest: Vec<usize> = vec![0; sizes.len()];
        for (i, s) in self.slots.iter().enumerate() {
            let c = comp.get(&roots[i]).copied().unwrap_or(1);
            let g = s.group as usize;
            largest[g] = largest[g].max(c);
        }
        let (mut recall_sum, mut isolated, mut outside) = (0.0, 0, 0);
        for (i, s) in self.slots.iter().enumerate() {
            let c = comp.get(&roots[i]).copied().unwrap_or(1);
            let g = sizes[s.group as usize].max(1);
            recall_sum += c as f64 / g as f64;
            if g > 1 && c == 1 {
                isolated += 1;
            }
            if c < largest[s.group as usize] {
                outside += 1;
            }
        }
        let pairs = |k: usize| (k * k.saturating_sub(1) / 2) as f64;
        let true_pairs: f64 = sizes.iter().map(|&k| pairs(k)).sum();
        let found_pairs: f64 = comp.values().map(|&k| pairs(k)).sum();
        let national: Vec<usize> = (0..sizes.len())
            .filter(|&g| sizes[g] >= 10 && units[g].count_ones() >= 3)
            .collect();
        let recovered = national
            .iter()
            .filter(|&&g| largest[g] as f64 >= 0.9 * sizes[g] as f64)
            .count();
        let f1 = |p: f64, r: f64| {
            if p + r > 0.0 {
                2.0 * p * r / (p + r)
            } else {
                0.0
            }
        };
        let bcubed_recall = if n > 0 { recall_sum / n as f64 } else { 1.0 };
        let pairwise_recall = if true_pairs > 0.0 {
            found_pairs / true_pairs
        } else {
            1.0
        };
        self.meta.ceiling = Ceiling {
            bcubed_precision: 1.0,
            bcubed_recall: round4(bcubed_recall),
            bcubed_f1: round4(f1(1.0, bcubed_recall)),
            pairwise_precision: 1.0,
            pairwise_recall: round4(pairwise_recall),
            pairwise_f1: round4(f1(1.0, pairwise_recall)),
            national_groups: national.len(),
            national_recall: if national.is_empty() {
                1.0
            } else {
                round4(recovered as f64 / national.len() as f64)
            },
        };
        self.meta.linkability = Linkability {
            definition: "reports of one group are linkable when they share an offender identifier the generator wrote intact (iban, phone, url/domain, email, handle, crypto) or are filings by the same victim; names, victim-side and benign identifiers never link",
            intended_unlinkable: self.meta.traps.unlinkable_reports,
            isolated_reports_in_multi_report_groups: isolated,
            reports_outside_largest_component_of_group: outside,
        };
    }

    fn write_check(&mut self, out: &mut dyn Write) -> Result<(), GenError> {
        let mut line = Vec::with_capacity(4096);
        let multi: Vec<usize> = (0..self.slots.len())
            .filter(|&i| self.plans[self.slots[i].group as usize].size >= 2)
            .collect();
        for c in 0..self.config.check {
            let mut r = self.stream(STREAM_CHECK, c as u64);
            let roll: f64 = r.random();
            let kind = if self.slots.is_empty() || roll < 0.42 || (multi.is_empty() && roll < 0.965)
            {
                "new_group"
            } else if roll < 0.93 {
                "existing"
            } else if roll < 0.965 {
                "refiling"
            } else {
                "unlinkable"
            };
            // Check victims are new people, numbered past every report.
            let victim_no = (self.slots.len() + self.config.check + c) as u32;
            let (slot, group_no, group, core, extra) = match kind {
                "new_group" => {
                    let g = (self.plans.len() + c) as u32;
                    let group = self.group(g);
                    let plan = self.plan_group(&mut r, 1);
                    let (incident, filed) = self.times(&mut r, &plan);
                    let team = self.team_for(&mut r, &plan);
                    let mut cr = self.stream(STREAM_CHECK_CORE, c as u64);
                    let core = self.core(&mut cr, &group, (plan.start, plan.end), incident, false);
                    let slot = check_slot(c, g, victim_no, team, filed, incident);
                    (slot, None, group, core, Extra::default())
                }
                "refiling" => {
                    let o = self.slots[r.random_range(0..self.slots.len())];
                    let group = self.group(o.group);
                    let plan = &self.plans[o.group as usize];
                    let mut cr = self.stream(STREAM_CORE, u64::from(o.origin));
                    let unlinkable = cr.random_bool(UNLINKABLE_RATE);
                    let core = self.core(
                        &mut cr,
                        &group,
                        (plan.start, plan.end),
                        o.incident,
                        unlinkable,
                    );
                    let mut slot = o;
                    slot.prior = o.filed;
                    slot.filed = (o.filed + r.random_range(86_400..20 * 86_400)).min(self.to_ts);
                    (slot, Some(o.group), group, core, Extra { follow_up: true })
                }
                _ => {
                    let o = self.slots[*pick(&mut r, &multi)];
                    let group = self.group(o.group);
                    let plan = self.plans[o.group as usize].clone();
                    let (incident, filed) = self.times(&mut r, &plan);
                    let team = self.team_for(&mut r, &plan);
                    let mut cr = self.stream(STREAM_CHECK_CORE, c as u64);
                    let core = self.core(
                        &mut cr,
                        &group,
                        (plan.start, plan.end),
                        incident,
                        kind == "unlinkable",
                    );
                    let slot = check_slot(c, o.group, victim_no, team, filed, incident);
                    (slot, Some(o.group), group, core, Extra::default())
                }
            };
            let victim = self.victim(slot.victim);
            let report = self.render(&mut r, &slot, &group, &core, &victim, extra);
            let gid = group_no.map(|g| format!("G{:07}", g + 1));
            line.clear();
            serde_json::to_writer(
                &mut line,
                &CheckLine {
                    report: &report,
                    expected_group: gid.as_deref(),
                },
            )
            .map_err(io::Error::from)?;
            line.push(b'\n');
            out.write_all(&line)?;
            let counts = &mut self.meta.counts;
            counts.check_lines += 1;
            if gid.is_some() {
                counts.check_expected_nonnull += 1;
            } else {
                counts.check_expected_null += 1;
            }
            *counts.check_kinds.entry(kind).or_insert(0) += 1;
        }
        Ok(())
    }

    fn meta(&self) -> Meta {
        self.meta.clone()
    }

    /// Writes one report: fields, narrative and structured identifiers.
    fn render(
        &mut self,
        r: &mut ChaCha8Rng,
        slot: &Slot,
        group: &Group,
        core: &Core,
        victim: &Victim,
        extra: Extra,
    ) -> OutReport {
        let unit = self.teams[usize::from(slot.team)].unit;
        let id = self.next_id(slot.filed, unit);
        let team = &self.teams[usize::from(slot.team)];
        let kind = group.kind;
        let mut sentences: Vec<String> = Vec::with_capacity(12);
        let mut idents: Vec<OutIdent> = Vec::new();
        let structured = r.random_range(0..100) < 62;
        let amount_text = core.amount.map(|a| amount_written(r, a));
        let date_text = date_written(r, slot.incident);
        let relative = text::RELATIVES[victim.relative];
        let subject = if relative.1 == "zijn" { "hij" } else { "ze" };
        let spoof = group.spoof.map(|i| &self.benign.bank_phones[i]);
        let owner = spoof.map_or(group.bank, |o| short_owner(&o.owner));
        let brand = text::PHISH_BRANDS[group.brand];
        let item = *pick(r, text::ITEMS);
        let coin = *pick(r, text::COINS);
        let t = &mut self.meta.traps;

        let fill = |key: &str, out: &mut String| match key {
            "MARKET" => out.push_str(group.market),
            "ITEM" => out.push_str(item),
            "BANK" => out.push_str(group.bank),
            "BRAND" => out.push_str(brand.0),
            "TOPIC" => out.push_str(brand.1),
            "REL" => out.push_str(relative.0),
            "POSS" => out.push_str(relative.1),
            "SUBJ" => out.push_str(subject),
            "ALIAS" => out.push_str(&group.alias),
            "COIN" => out.push_str(coin),
            "OWNER" => out.push_str(owner),
            "AMOUNT" => out.push_str(amount_text.as_deref().unwrap_or("het bedrag")),
            "DATE" => out.push_str(&date_text),
            _ => {}
        };

        // The story: a few sentences of the group's kind, in order.
        // One opening, then one to three other sentences in order.
        let story = text::STORIES[kind.index()];
        let intros = text::INTROS[kind.index()].clamp(1, story.len());
        let mut chosen: Vec<usize> = vec![r.random_range(0..intros)];
        let n_body = r.random_range(1..=3).min(story.len() - intros);
        while chosen.len() < 1 + n_body {
            let i = r.random_range(intros..story.len());
            if !chosen.contains(&i) {
                chosen.push(i);
            }
        }
        chosen[1..].sort_unstable();
        for &i in &chosen {
            sentences.push(expand(story[i], |k, o| fill(k, o)));
        }

        // Offender identifiers: in the statement, in the structured
        // fields, or both.
        let mut typo_done = !r.random_bool(TYPO_IBAN_RATE);
        let mut keys = 0u64;
        let mut common_holder = false;
        for &p in &core.picks {
            let (kind_no, index) = match p {
                Pick::Iban(i) => (0, i),
                Pick::Phone(i) => (1, i),
                Pick::Url(i) => (2, i),
                Pick::Email(i) => (3, i),
                Pick::Handle(i) => (4, i),
                Pick::Crypto(i) => (5, i),
            };
            let key = 1u64 << (kind_no * 8 + index.min(7));
            keys |= key;
            let place = if !structured {
                0
            } else {
                match r.random_range(0..100) {
                    0..45 => 0,
                    45..70 => 1,
                    _ => 2,
                }
            };
            let in_text = place != 1;
            let in_fields = place != 0;
            let role = |r: &mut ChaCha8Rng| {
                if r.random_bool(0.5) {
                    Some("offender")
                } else {
                    None
                }
            };
            match p {
                Pick::Iban(i) => {
                    let acc = &group.ibans[i];
                    common_holder |= acc.common_holder;
                    let mut canon = acc.iban.clone();
                    let mut typo_place = None;
                    if !typo_done {
                        typo_done = true;
                        canon = mistype_iban(r, &acc.iban);
                        // A mistyped IBAN links nothing, unless the report
                        // names the same account intact elsewhere (it never
                        // does here).
                        keys &= !key;
                        typo_place = Some(if in_text { "narrative" } else { "structured" });
                    }
                    if in_text {
                        let written = iban_written(r, &canon);
                        let s = expand(pick_str(r, text::IBAN_SENTENCES), |k, o| match k {
                            "IBAN" => o.push_str(&written),
                            "HOLDER" => o.push_str(&acc.holder),
                            k => fill(k, o),
                        });
                        sentences.push(s);
                        if let Some(place) = typo_place {
                            record_typo(t, &written, &acc.iban, place, &id);
                        }
                    }
                    if in_fields {
                        let mut written = iban_structured(r, &canon);
                        if typo_place == Some("structured") {
                            record_typo(t, &written, &acc.iban, "structured", &id);
                        }
                        if r.random_bool(0.06) {
                            t.written_forms.structured_notes += 1;
                            written = links::iban_field_with_note(r, written.trim());
                        }
                        idents.push(ident("iban", written, role(r)));
                        if r.random_bool(0.3) {
                            idents.push(ident("name", acc.holder.clone(), Some("offender")));
                        }
                    }
                }
                Pick::Phone(i) => {
                    let ph = &group.phones[i];
                    if in_text {
                        if kind == FraudKind::FriendInNeed && r.random_bool(0.07) {
                            t.phone_as_wa_me_link += 1;
                            let link = wa_me(r, ph);
                            sentences.push(format!(
                                "{} {link}",
                                pick(
                                    r,
                                    &[
                                        "Het nummer stuurde deze link:",
                                        "Link:",
                                        "Ik kreeg een link"
                                    ]
                                )
                            ));
                        } else if r.random_bool(MESSAGE_PHONE_RATE) {
                            t.phone_message_forms += 1;
                            sentences.push(phone_in_message(r, ph));
                        } else if r.random_bool(0.04) {
                            t.written_forms.app_links += 1;
                            let link = links::phone_app_link(r, ph.cc, &ph.nsn);
                            sentences.push(format!(
                                "{} {link}",
                                pick_str(r, &["Hij stuurde deze link:", "Contact via", "Link:"])
                            ));
                        } else {
                            let written = phone_written(r, ph);
                            sentences.push(expand(
                                pick_str(r, text::PHONE_SENTENCES),
                                |k, o| match k {
                                    "PHONE" => o.push_str(&written),
                                    k => fill(k, o),
                                },
                            ));
                        }
                    }
                    if in_fields {
                        let mut written = phone_written(r, ph);
                        if r.random_bool(0.08) {
                            t.written_forms.structured_notes += 1;
                            written = links::phone_field_with_note(r, &written);
                        }
                        idents.push(ident("phone", written, role(r)));
                    }
                }
                Pick::Url(i) => {
                    let site = &group.sites[i];
                    if site.idn {
                        t.idn_domain_mentions += 1;
                    }
                    if in_text {
                        let mut written = url_written(r, site);
                        if r.random_bool(0.12) {
                            t.written_forms.dressed_links += 1;
                            written = links::dress_link(r, &written);
                        }
                        sentences.push(expand(pick_str(r, text::URL_SENTENCES), |k, o| match k {
                            "URL" => o.push_str(&written),
                            k => fill(k, o),
                        }));
                    }
                    if in_fields {
                        let mut written = url_written(r, site);
                        if r.random_bool(0.06) {
                            t.written_forms.structured_notes += 1;
                            written = links::url_field_with_note(r, &written);
                        }
                        idents.push(ident("url", written, role(r)));
                    }
                }
                Pick::Email(i) => {
                    let e = &group.emails[i];
                    if in_text {
                        let written = email_written(r, e);
                        sentences.push(expand(
                            pick_str(r, text::EMAIL_SENTENCES),
                            |k, o| match k {
                                "EMAIL" => o.push_str(&written),
                                k => fill(k, o),
                            },
                        ));
                    }
                    if in_fields {
                        let written = email_written(r, e);
                        idents.push(ident("email", written, role(r)));
                    }
                }
                Pick::Handle(i) => {
                    let (platform, name) = &group.handles[i];
                    if in_text {
                        let link = if r.random_bool(0.1) {
                            links::handle_app_link(r, platform, name)
                        } else {
                            None
                        };
                        if link.is_some() {
                            t.written_forms.app_links += 1;
                        }
                        let written = match link {
                            Some(l) => l,
                            None => handle_written(r, platform, name),
                        };
                        sentences.push(expand(
                            pick_str(r, text::HANDLE_SENTENCES),
                            |k, o| match k {
                                "HANDLE" => o.push_str(&written),
                                k => fill(k, o),
                            },
                        ));
                    }
                    if in_fields {
                        // The app's short name typed beside the name, the
                        // platform field left empty.
                        let with_app = if r.random_bool(0.08) {
                            links::handle_field_with_app(r, platform, name)
                        } else {
                            None
                        };
                        if let Some(value) = with_app {
                            t.written_forms.structured_notes += 1;
                            idents.push(ident("handle", value, role(r)));
                        } else {
                            let value = if r.random_bool(0.5) {
                                format!("@{name}")
                            } else {
                                name.clone()
                            };
                            let mut h = ident("handle", value, role(r));
                            h.platform = Some(platform_field(r, platform));
                            idents.push(h);
                        }
                    }
                }
                Pick::Crypto(i) => {
                    let a = &group.crypto[i];
                    if in_text {
                        sentences.push(expand(
                            pick_str(r, text::CRYPTO_SENTENCES),
                            |k, o| match k {
                                "CRYPTO" => o.push_str(a),
                                k => fill(k, o),
                            },
                        ));
                    }
                    if in_fields {
                        idents.push(ident("crypto", a.clone(), role(r)));
                    }
                }
            }
        }
        self.last_keys = keys;
        if common_holder {
            t.common_holder_names.reports += 1;
            if let Some(b) = self.common_groups.get_mut(slot.group as usize) {
                *b = true;
            }
        }
        if core.unlinkable {
            t.unlinkable_reports += 1;
        }

        // The victim's own account and number: never the offender's.
        let p_viban = match kind {
            FraudKind::BankHelpdesk => 0.5,
            FraudKind::Phishing => 0.4,
            _ => 0.2,
        };
        let viban_text = r.random_bool(p_viban);
        let viban_field = structured && r.random_bool(0.13);
        let viban_no_role = viban_field && r.random_bool(0.15);
        if viban_text || viban_no_role {
            t.victim_own_identifiers.victim_iban_in_narrative += 1;
            let written = iban_written(r, &victim.iban);
            sentences.push(expand(pick_str(r, text::VICTIM_IBAN_SENTENCES), |k, o| {
                if k == "VIBAN" {
                    o.push_str(&written)
                }
            }));
        }
        if viban_field {
            let written = iban_structured(r, &victim.iban);
            if viban_no_role {
                // The officer left the role empty; only the statement
                // shows whose account it is.
                t.victim_own_identifiers.victim_iban_structured_role_absent += 1;
                idents.push(ident("iban", written, None));
            } else {
                t.victim_own_identifiers.victim_iban_structured_role_victim += 1;
                idents.push(ident("iban", written, Some("victim")));
            }
        }
        if r.random_bool(0.05) {
            t.victim_own_identifiers.victim_phone += 1;
            let written = phone_written(r, &victim.phone);
            if structured && r.random_bool(0.3) {
                idents.push(ident("phone", written, Some("victim")));
            } else {
                sentences.push(expand(pick_str(r, text::VICTIM_PHONE_SENTENCES), |k, o| {
                    if k == "VPHONE" {
                        o.push_str(&written)
                    }
                }));
            }
        }
        if kind == FraudKind::FriendInNeed && r.random_bool(0.11) {
            t.victim_own_identifiers.family_member_real_phone += 1;
            let written = phone_written(r, &victim.family_phone);
            sentences.push(expand(
                pick_str(r, text::FAMILY_PHONE_SENTENCES),
                |k, o| match k {
                    "FPHONE" => o.push_str(&written),
                    k => fill(k, o),
                },
            ));
        }

        // The bank's real number: shown as caller id, or called back.
        let p_spoof = match kind {
            FraudKind::BankHelpdesk => 0.75,
            FraudKind::Phishing => 0.08,
            FraudKind::Investment => 0.03,
            _ => 0.01,
        };
        let mut spoofed = false;
        if let Some(o) = spoof
            && r.random_bool(p_spoof)
        {
            spoofed = true;
            let written = official_written(r, o);
            *t.spoofed_official_numbers
                .by_number
                .entry(o.e164.clone())
                .or_insert(0) += 1;
            if r.random_bool(0.8) {
                sentences.push(expand(
                    pick_str(r, text::SPOOF_SENTENCES),
                    |k, out| match k {
                        "SPOOF" => out.push_str(&written),
                        k => fill(k, out),
                    },
                ));
            }
            if structured && r.random_bool(0.3) {
                // The officer typed the caller id into the phone field.
                idents.push(ident("phone", official_written(r, o), role_any(r)));
            }
            if r.random_bool(0.35) {
                t.spoofed_official_numbers.callback_mentions += 1;
                let written = official_written(r, o);
                sentences.push(expand(
                    pick_str(r, text::CALLBACK_SENTENCES),
                    |k, out| match k {
                        "SPOOF" => out.push_str(&written),
                        k => fill(k, out),
                    },
                ));
            }
        }
        if !spoofed && r.random_bool(0.025) {
            // Any victim may call an official number afterwards.
            let o = if r.random_bool(0.5) {
                pick(r, &self.benign.bank_phones)
            } else {
                pick(r, &self.benign.other_phones)
            };
            spoofed = true;
            *t.spoofed_official_numbers
                .by_number
                .entry(o.e164.clone())
                .or_insert(0) += 1;
            t.spoofed_official_numbers.callback_mentions += 1;
            let written = official_written(r, o);
            let who = short_owner(&o.owner);
            sentences.push(expand(
                pick_str(r, text::CALLBACK_SENTENCES),
                |k, out| match k {
                    "SPOOF" => out.push_str(&written),
                    "OWNER" => out.push_str(who),
                    k => fill(k, out),
                },
            ));
        }
        if spoofed {
            t.spoofed_official_numbers.reports += 1;
        }

        // Platforms, shorteners and free mail: everywhere, and benign.
        if r.random_bool(0.27) {
            let spec = *pick(r, kind.platform_mentions());
            if let Some((domain, category)) = self.benign.domain(r, spec) {
                let written = if category == "freemail" {
                    domain.clone()
                } else {
                    platform_written(&domain, r)
                };
                t.platform_refs.reports += 1;
                *t.platform_refs.by_domain.entry(domain).or_insert(0) += 1;
                let list = text::platform_sentences(category);
                sentences.push(expand(pick_str(r, list), |k, o| {
                    if k == "PLAT" {
                        o.push_str(&written)
                    }
                }));
            }
        }

        // Numbers that are not identifiers.
        if r.random_bool(0.12) {
            t.digit_noise_sentences += 1;
            sentences.push(noise_sentence(r, slot.incident));
        }
        // Prices, abbreviations and glued words that only look like
        // identifiers.
        if r.random_bool(0.06) {
            t.written_forms.lookalike_sentences += 1;
            sentences.push(links::lookalike_sentence(r));
        }
        if amount_text.is_some() && r.random_bool(0.6) {
            sentences.push(expand(pick_str(r, text::DAMAGE), |k, o| fill(k, o)));
        }
        if r.random_bool(0.5) {
            sentences.push(pick(r, text::CLOSINGS).to_string());
        }

        // Light shuffling: after the opening, victims tell things in any
        // order.
        if sentences.len() > 2 {
            for _ in 0..r.random_range(0..3) {
                let a = r.random_range(1..sentences.len());
                let b = r.random_range(1..sentences.len());
                sentences.swap(a, b);
            }
        }
        if extra.follow_up {
            let prior = date_written(r, slot.prior.max(slot.incident));
            let s = expand(pick_str(r, text::FOLLOW_UPS), |k, o| {
                if k == "DATE" {
                    o.push_str(&prior)
                }
            });
            sentences.insert(0, s);
        }
        let narrative = join_sentences(r, &sentences);

        let fraud_type = if r.random_bool(0.04) {
            None
        } else if r.random_bool(0.015) {
            t.unknown_fraud_type_values += 1;
            Some(*pick(r, text::ODD_FRAUD_TYPES))
        } else {
            Some(kind.name())
        };
        let identifiers = if structured {
            Some(idents)
        } else if r.random_bool(0.25) {
            Some(Vec::new())
        } else {
            None
        };
        let incident_at = match r.random_range(0..20) {
            0..9 => Some(day_string(slot.incident)),
            9..17 => Some(rfc3339(slot.incident, false)),
            _ => None,
        };
        OutReport {
            id,
            filed_at: rfc3339(slot.filed, local_time(unit)),
            unit: UNITS[unit].name,
            team: team.name,
            incident_at,
            municipality: if r.random_bool(0.9) {
                Some(*pick(r, team.municipalities))
            } else {
                None
            },
            fraud_type,
            amount_eur: core.amount,
            narrative,
            identifiers,
            victim_ref: victim.vref.clone(),
        }
    }
}

fn check_slot(c: usize, group: u32, victim: u32, team: u16, filed: i64, incident: i64) -> Slot {
    Slot {
        idx: c as u32,
        origin: c as u32,
        group,
        victim,
        team,
        filed,
        incident,
        prior: 0,
    }
}

fn record_typo(t: &mut Traps, raw: &str, intended: &str, place: &'static str, id: &str) {
    t.typo_ibans.count += 1;
    if t.typo_ibans.list.len() < TYPO_LIST_MAX {
        t.typo_ibans.list.push(TypoIban {
            raw: raw.to_owned(),
            intended: intended.to_owned(),
            place,
            report_id: id.to_owned(),
        });
    }
}

fn ident(kind: &'static str, value: String, role: Option<&'static str>) -> OutIdent {
    OutIdent {
        kind,
        value,
        role,
        platform: None,
    }
}

fn role_any(r: &mut ChaCha8Rng) -> Option<&'static str> {
    if r.random_bool(0.5) {
        Some("offender")
    } else {
        None
    }
}

fn make_pick(r: &mut ChaCha8Rng, kind: usize, len: usize, t: f64) -> Pick {
    let i = if kind == 0 {
        // Mules are used one after another as banks block them.
        let mut i = ((t * len as f64) as usize).min(len - 1);
        if r.random_bool(0.2) {
            i = if r.random_bool(0.5) {
                i.saturating_sub(1)
            } else {
                (i + 1).min(len - 1)
            };
        }
        i
    } else if r.random_bool(0.75) {
        // The main number, site or account; the others are used now and
        // then.
        0
    } else {
        r.random_range(0..len)
    };
    match kind {
        0 => Pick::Iban(i),
        1 => Pick::Phone(i),
        2 => Pick::Url(i),
        3 => Pick::Email(i),
        4 => Pick::Handle(i),
        _ => Pick::Crypto(i),
    }
}

/// Each unit's share of reports.
fn unit_weights() -> [u32; 10] {
    std::array::from_fn(|i| UNITS[i].weight)
}

/// Filing times of units whose report system exports local time carry
/// the Dutch offset; the others export UTC.
fn local_time(unit: usize) -> bool {
    !matches!(unit, 3 | 4 | 6 | 9)
}

// ---------------------------------------------------------------------
// Random helpers

/// A uniformly chosen element of a slice.
///
/// Callers pass the constant tables of `text` or lists checked to be
/// non-empty when they were built (`Benign::load`, the unit's teams), so
/// the index is always in bounds.
fn pick<'a, T>(r: &mut ChaCha8Rng, s: &'a [T]) -> &'a T {
    let i = if s.len() > 1 {
        r.random_range(0..s.len())
    } else {
        0
    };
    &s[i]
}

/// [`pick`] for the string tables, so that the result is a `&str`.
fn pick_str(r: &mut ChaCha8Rng, s: &[&'static str]) -> &'static str {
    let i = if s.len() > 1 {
        r.random_range(0..s.len())
    } else {
        0
    };
    s.get(i).copied().unwrap_or_default()
}

fn pick_opt<'a, T>(r: &mut ChaCha8Rng, s: &'a [T]) -> Option<&'a T> {
    if s.is_empty() { None } else { Some(pick(r, s)) }
}

/// An index drawn with the given weights.
fn weighted(r: &mut ChaCha8Rng, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    if total == 0 {
        return 0;
    }
    let mut x = r.random_range(0..total);
    for (i, &w) in weights.iter().enumerate() {
        if x < w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

/// A standard normal draw (Box-Muller).
fn normal(r: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = 1.0 - r.random::<f64>();
    let u2: f64 = r.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Group sizes: ~80% of groups are lone offenders (about 40% of reports),
/// then 2-5, 6-19, and a heavy tail of national groups of 20 to 500.
fn sample_group_size(r: &mut ChaCha8Rng) -> u32 {
    let u: f64 = r.random();
    if u < 0.80 {
        1
    } else if u < 0.965 {
        [2, 3, 4, 5][weighted(r, &[45, 27, 17, 11])]
    } else if u < 0.992 {
        // P(k) ~ k^-1.6 over 6..=19.
        let w: Vec<u32> = (6..=19u32)
            .map(|k| (10_000.0 * f64::from(k).powf(-1.6)) as u32)
            .collect();
        6 + weighted(r, &w) as u32
    } else {
        // A Pareto tail (alpha 1.38) truncated to 20..=500: about one in
        // nine of these groups has 100 reports or more.
        let alpha = 1.38;
        let lo: f64 = 20.0;
        let hi: f64 = 500.0;
        let tail = 1.0 - (lo / hi).powf(alpha);
        let u: f64 = r.random();
        let k = lo * (1.0 - u * tail).powf(-1.0 / alpha);
        (k.floor() as u32).clamp(20, 500)
    }
}

fn random_digits(r: &mut ChaCha8Rng, out: &mut String, n: usize) {
    for _ in 0..n {
        out.push(char::from(b'0' + r.random_range(0..10u8)));
    }
}

fn random_code(r: &mut ChaCha8Rng, n: usize) -> String {
    const ALNUM: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    (0..n)
        .map(|_| char::from(ALNUM[r.random_range(0..ALNUM.len())]))
        .collect()
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

// ---------------------------------------------------------------------
// IBANs

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
fn nl_iban(r: &mut ChaCha8Rng) -> String {
    let (_, code) = text::NL_BANKS[weighted(r, &[30, 25, 20, 6, 4, 2, 5, 7, 3])];
    let mut acct = String::with_capacity(10);
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

fn be_iban(r: &mut ChaCha8Rng) -> String {
    let bank = *pick(
        r,
        &[
            "001", "063", "068", "363", "735", "736", "750", "905", "967",
        ],
    );
    let mut acct = String::from(bank);
    random_digits(r, &mut acct, 7);
    // The Belgian national check: the ten digits modulo 97 (97 for 0).
    let n: u64 = acct.parse().unwrap_or(0);
    let check = match n % 97 {
        0 => 97,
        c => c,
    };
    iban_with_check("BE", &format!("{acct}{check:02}"))
}

fn de_iban(r: &mut ChaCha8Rng) -> String {
    let blz = *pick(
        r,
        &[
            "10010010", "10070000", "12030000", "10011001", "50010517", "20041133", "70022200",
            "43060967", "10050000", "37040044",
        ],
    );
    let mut bban = String::from(blz);
    random_digits(r, &mut bban, 10);
    iban_with_check("DE", &bban)
}

fn lt_iban(r: &mut ChaCha8Rng) -> String {
    let bank = *pick(r, &["32500", "32500", "35000", "73000", "70440"]);
    let mut bban = String::from(bank);
    random_digits(r, &mut bban, 11);
    iban_with_check("LT", &bban)
}

/// A money-mule account and its holder.
fn account(r: &mut ChaCha8Rng) -> Account {
    let iban = match weighted(r, &[70, 13, 9, 8]) {
        0 => nl_iban(r),
        1 => lt_iban(r),
        2 => be_iban(r),
        _ => de_iban(r),
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
fn mistype_iban(r: &mut ChaCha8Rng, iban: &str) -> String {
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
fn iban_written(r: &mut ChaCha8Rng, iban: &str) -> String {
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
fn iban_structured(r: &mut ChaCha8Rng, iban: &str) -> String {
    match r.random_range(0..10) {
        0..5 => iban.to_owned(),
        5 => format!(" {iban} "),
        _ => iban_written(r, iban),
    }
}

// ---------------------------------------------------------------------
// Phone numbers

fn nl_mobile(r: &mut ChaCha8Rng) -> PhoneNo {
    let mut nsn = String::from("6");
    nsn.push(char::from(b'1' + r.random_range(0..5u8)));
    random_digits(r, &mut nsn, 7);
    PhoneNo { cc: "31", nsn }
}

fn offender_phone(r: &mut ChaCha8Rng) -> PhoneNo {
    match weighted(r, &[78, 6, 6, 7, 3]) {
        0 => nl_mobile(r),
        1 => {
            let mut nsn = String::from("4");
            nsn.push(char::from(b'6' + r.random_range(0..4u8)));
            random_digits(r, &mut nsn, 7);
            PhoneNo { cc: "32", nsn }
        }
        2 => {
            let prefix = *pick(
                r,
                &[
                    "151", "152", "157", "159", "160", "162", "163", "170", "171", "172", "173",
                    "174", "175", "176", "177", "178", "179",
                ],
            );
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
        _ => nanp_number(r),
    }
}

// ---------------------------------------------------------------------
// Phone numbers as chat messages and scam texts write them (issue 20)

/// How often a statement writes an offender's number in one of the forms
/// of chat messages rather than a plain one.
const MESSAGE_PHONE_RATE: f64 = 0.15;

/// North American area codes in use (NANPA), for romance and investment
/// fraud run from or through the US and Canada.
const NANP_AREAS: &[&str] = &[
    "212", "213", "305", "312", "347", "404", "415", "416", "469", "512", "604", "646", "702",
    "713", "786", "818", "917",
];

/// A North American number: an area code in use, an exchange that does not
/// start with 0 or 1 and is not N11 or 555, and four digits.
fn nanp_number(r: &mut ChaCha8Rng) -> PhoneNo {
    let mut nsn = String::from(*pick(r, NANP_AREAS));
    loop {
        let exchange = r.random_range(200..1000u16);
        if exchange % 100 != 11 && exchange != 555 {
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
fn phone_in_message(r: &mut ChaCha8Rng, p: &PhoneNo) -> String {
    let written = phone_message_form(r, p);
    expand(pick_str(r, text::MESSAGE_PHONE_SENTENCES), |k, o| {
        if k == "PHONE" {
            o.push_str(&written);
        }
    })
}

/// Splits `s` into groups of the given sizes (the rest as one group).
fn split_groups(s: &str, sizes: &[usize], sep: &str) -> String {
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
fn phone_written(r: &mut ChaCha8Rng, p: &PhoneNo) -> String {
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
fn wa_me(r: &mut ChaCha8Rng, p: &PhoneNo) -> String {
    match r.random_range(0..4) {
        0 => format!("wa.me/{}{}", p.cc, p.nsn),
        1 => format!("https://wa.me/{}{}", p.cc, p.nsn),
        2 => format!("https://api.whatsapp.com/send?phone={}{}", p.cc, p.nsn),
        _ => format!("https://wa.me/{}{}?text=hoi", p.cc, p.nsn),
    }
}

/// An official number as printed by its owner, or in another common form.
fn official_written(r: &mut ChaCha8Rng, o: &Official) -> String {
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
fn short_owner(owner: &str) -> &'static str {
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

// ---------------------------------------------------------------------
// Domains, URLs, e-mail, handles

/// A fraud domain: brand and words joined, and a TLD; now and then with
/// a label in Unicode (an internationalised domain).
fn fraud_domain(r: &mut ChaCha8Rng, kind: FraudKind) -> (String, bool) {
    let tld = *pick(r, text::TLDS);
    if r.random_bool(0.005) {
        let label = pick(r, text::IDN_LABELS);
        return (format!("{label}{}.{tld}", r.random_range(1..99)), true);
    }
    let sep = if r.random_bool(0.6) { "-" } else { "" };
    let mut label = String::with_capacity(32);
    match kind {
        FraudKind::Webshop => {
            label.push_str(pick_str(r, text::SHOP_WORDS));
            label.push_str(sep);
            label.push_str(pick_str(r, text::SHOP_WORDS));
            if r.random_bool(0.4) {
                let _ = write!(label, "{}", r.random_range(1..100));
            }
        }
        FraudKind::Investment => {
            label.push_str(pick_str(
                r,
                &[
                    "quantum", "bitcoin", "crypto", "nova", "apex", "prime", "global", "euro",
                    "dutch",
                ],
            ));
            label.push_str(sep);
            label.push_str(pick_str(r, text::DOMAIN_WORDS));
            label.push_str(sep);
            label.push_str(pick_str(
                r,
                &["invest", "trade", "capital", "markets", "fx", "ai"],
            ));
        }
        FraudKind::Marketplace => {
            label.push_str(pick_str(
                r,
                &["marktplaats", "vinted", "tikkie", "2dehands", "veilig"],
            ));
            label.push('-');
            label.push_str(pick_str(
                r,
                &[
                    "betaling",
                    "veilig",
                    "betalen",
                    "ontvangen",
                    "verkoop",
                    "levering",
                ],
            ));
            // Registrable names are first come, first served: two groups
            // rarely hold the same one, so the space must be large.
            let _ = write!(label, "{sep}{}", pick_str(r, text::DOMAIN_WORDS));
            if r.random_bool(0.5) {
                let _ = write!(label, "{}", r.random_range(1..100));
            }
        }
        _ => {
            label.push_str(pick_str(r, text::DOMAIN_BRANDS));
            label.push_str(sep);
            label.push_str(pick_str(r, text::DOMAIN_WORDS));
            if r.random_bool(0.3) {
                label.push_str(sep);
                label.push_str(pick_str(r, text::DOMAIN_WORDS));
            }
            if r.random_bool(0.2) {
                let _ = write!(label, "{}", r.random_range(1..100));
            }
        }
    }
    (format!("{label}.{tld}"), false)
}

fn url_path(r: &mut ChaCha8Rng, kind: FraudKind) -> String {
    match kind {
        FraudKind::Webshop => format!("product/{}", random_code(r, 8).to_lowercase()),
        FraudKind::Marketplace => format!("pay/{}", random_code(r, 10)),
        _ => pick(
            r,
            &[
                "login",
                "verificatie",
                "mijn-gegevens",
                "betaalpas/aanvragen",
                "identificatie",
                "",
                "nl/inloggen",
                "account/verify",
                "dashboard",
            ],
        )
        .to_string(),
    }
}

/// A URL as typed or pasted: scheme or none, `www.`, defanged dots,
/// tracking parameters, odd case.
fn url_written(r: &mut ChaCha8Rng, site: &Site) -> String {
    let path = pick(r, &site.paths).as_str();
    if site.shortener {
        return match r.random_range(0..3) {
            0 => format!("https://{}/{path}", site.host),
            1 => format!("{}/{path}", site.host),
            _ => format!("http://{}/{path}", site.host),
        };
    }
    let host = site.host.as_str();
    let slash_path = if path.is_empty() {
        String::new()
    } else {
        format!("/{path}")
    };
    let tracking = match r.random_range(0..8) {
        0 => "?utm_source=sms&utm_medium=text",
        1 => "?utm_campaign=verificatie",
        2 => "?fbclid=IwAR0x7Zq3vP",
        3 => "?gclid=EAIaIQobChMI",
        _ => "",
    };
    match r.random_range(0..14) {
        0..3 => format!("https://{host}{slash_path}{tracking}"),
        3 => format!("http://{host}{slash_path}"),
        4..6 => site.domain.clone(),
        6 => format!("www.{}", site.domain),
        7 => format!("www.{}{slash_path}", site.domain),
        8 => format!("hxxps://{}{slash_path}", host.replace('.', "[.]")),
        9 => match host.rfind('.') {
            Some(i) => format!("hxxp://{}[.]{}{slash_path}", &host[..i], &host[i + 1..]),
            None => host.to_owned(),
        },
        10 => site.domain.replace('.', "(.)"),
        11 => format!("https://{}{slash_path}", capitalise_words(host)),
        12 => format!("https://{host}{slash_path}#/start"),
        _ => format!("{host}{slash_path}"),
    }
}

fn capitalise_words(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut up = true;
    for c in s.chars() {
        if up {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        up = c == '.' || c == '-';
    }
    out
}

/// An offender's e-mail: at the group's own domain or at a free-mail
/// provider.
fn email(r: &mut ChaCha8Rng, sites: &[Site]) -> String {
    if let Some(site) = sites.iter().find(|s| !s.shortener && !s.idn)
        && r.random_bool(0.4)
    {
        let local = pick(
            r,
            &[
                "info",
                "support",
                "klantenservice",
                "noreply",
                "factuur",
                "service",
            ],
        );
        return format!("{local}@{}", site.domain);
    }
    let first = ascii_fold(pick_str(r, text::FIRST_NAMES));
    let last = ascii_fold(pick_str(r, text::SURNAMES));
    let domain = *pick(
        r,
        &[
            "gmail.com",
            "gmail.com",
            "gmail.com",
            "hotmail.com",
            "outlook.com",
            "live.nl",
            "yahoo.com",
            "icloud.com",
            "proton.me",
            "hotmail.nl",
            "gmx.de",
            "outlook.de",
        ],
    );
    match r.random_range(0..4) {
        0 => format!("{first}.{last}{}@{domain}", r.random_range(1..99)),
        1 => format!("{first}{last}@{domain}"),
        2 => format!("{first}{}@{domain}", r.random_range(1..9999)),
        _ => format!("{last}.{first}@{domain}"),
    }
}

fn email_written(r: &mut ChaCha8Rng, e: &str) -> String {
    match r.random_range(0..10) {
        0 => capitalise_words(e),
        1 => e.to_uppercase(),
        2 => format!("<{e}>"),
        3 => format!("mailto:{e}"),
        _ => e.to_owned(),
    }
}

/// Lower-case ASCII letters of a name, for handles and e-mail addresses.
fn ascii_fold(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'ö' | 'ó' => Some('o'),
            'ü' | 'ú' => Some('u'),
            'ë' | 'é' | 'è' => Some('e'),
            'á' | 'ä' => Some('a'),
            'ï' => Some('i'),
            c if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

fn handle_name(r: &mut ChaCha8Rng) -> String {
    let first = ascii_fold(pick_str(r, text::FIRST_NAMES));
    let last = ascii_fold(pick_str(r, text::SURNAMES));
    match r.random_range(0..6) {
        0 => format!("{first}{last}{}", r.random_range(1..999)),
        1 => format!("{first}.{last}{}", r.random_range(10..999)),
        2 => format!(
            "{first}_{}",
            pick(r, &["official", "trading", "invest", "nl", "shop"])
        ),
        // A bare first name would collide between unrelated groups far
        // more often than real account names do.
        3 => format!("crypto_coach_{first}{}", r.random_range(10..99)),
        4 => format!("{first}verkoop{}", r.random_range(1..99)),
        _ => format!("{first}{}", r.random_range(1000..9999)),
    }
}

/// A handle as written in a statement.
fn handle_written(r: &mut ChaCha8Rng, platform: &str, name: &str) -> String {
    let shown = capitalise_words(platform);
    let cased = if r.random_bool(0.2) {
        capitalise_words(name)
    } else {
        name.to_owned()
    };
    match (platform, r.random_range(0..6)) {
        ("telegram", 0) => format!("t.me/{cased}"),
        ("instagram", 0) => format!("instagram.com/{cased}"),
        (_, 0 | 1) => format!("@{cased} ({shown})"),
        (_, 2) => format!("@{cased} op {shown}"),
        (_, 3) => format!("{shown} @{cased}"),
        (_, 4) => format!("{shown}-account @{cased}"),
        _ => format!("@{cased} via {}", platform.to_lowercase()),
    }
}

fn platform_field(r: &mut ChaCha8Rng, platform: &str) -> String {
    match (platform, r.random_range(0..4)) {
        ("instagram", 0) => "insta".to_owned(),
        (p, 1) => capitalise_words(p),
        (p, _) => p.to_owned(),
    }
}

/// A benign domain as mentioned: bare, with `www.`, or as a link with a
/// path of its own (a Tikkie or short link per victim).
fn platform_written(domain: &str, r: &mut ChaCha8Rng) -> String {
    match domain {
        "tikkie.me" => format!("https://tikkie.me/pay/{}", random_code(r, 12)),
        "wa.me" => "https://wa.me/".to_owned(),
        _ => {
            if text_is_shortener(domain) || r.random_bool(0.15) {
                format!("https://{domain}/{}", random_code(r, 6))
            } else if r.random_bool(0.3) {
                format!("www.{domain}")
            } else {
                domain.to_owned()
            }
        }
    }
}

fn text_is_shortener(domain: &str) -> bool {
    matches!(
        domain,
        "bit.ly" | "tinyurl.com" | "is.gd" | "cutt.ly" | "t.ly" | "shorturl.at"
    )
}

// ---------------------------------------------------------------------
// Crypto addresses

/// A checksum-valid address: bech32 segwit, Tron, Ethereum (EIP-55) or
/// legacy base58check Bitcoin.
fn crypto_address(r: &mut ChaCha8Rng) -> String {
    let mut payload = [0u8; 21];
    r.fill(&mut payload[1..]);
    match weighted(r, &[40, 30, 20, 10]) {
        0 => {
            let program: [u8; 20] = payload[1..].try_into().unwrap_or([0; 20]);
            bech32::segwit::encode(bech32::hrp::BC, bech32::segwit::VERSION_0, &program)
                .unwrap_or_else(|_| format!("1{}", random_code(r, 32)))
        }
        1 => {
            payload[0] = 0x41;
            bs58::encode(payload).with_check().into_string()
        }
        2 => eip55(&payload[1..]),
        _ => {
            payload[0] = if r.random_bool(0.7) { 0x00 } else { 0x05 };
            bs58::encode(payload).with_check().into_string()
        }
    }
}

/// An Ethereum address with the EIP-55 mixed-case checksum.
fn eip55(addr: &[u8]) -> String {
    let mut hex = String::with_capacity(40);
    for b in addr {
        let _ = write!(hex, "{b:02x}");
    }
    let hash = Keccak256::digest(hex.as_bytes());
    let mut out = String::with_capacity(42);
    out.push_str("0x");
    for (i, c) in hex.chars().enumerate() {
        let nibble = (hash[i / 2] >> (if i % 2 == 0 { 4 } else { 0 })) & 0x0f;
        if c.is_ascii_alphabetic() && nibble >= 8 {
            out.push(c.to_ascii_uppercase());
        } else {
            out.push(c);
        }
    }
    out
}

// ---------------------------------------------------------------------
// Text

/// Fills a template: `{KEY}` is replaced by what `fill` writes for it.
fn expand(tpl: &str, mut fill: impl FnMut(&str, &mut String)) -> String {
    let mut out = String::with_capacity(tpl.len() + 40);
    let mut rest = tpl;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        match rest[open..].find('}') {
            Some(close) => {
                fill(&rest[open + 1..open + close], &mut out);
                rest = &rest[open + close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Joins sentences the way statements are typed: spaces or newlines,
/// sometimes a lower-case start, a missing full stop or a misspelling.
fn join_sentences(r: &mut ChaCha8Rng, sentences: &[String]) -> String {
    let newline = r.random_bool(0.2);
    let mut out = String::with_capacity(sentences.iter().map(|s| s.len() + 2).sum());
    for (i, s) in sentences.iter().enumerate() {
        if i > 0 {
            if newline && r.random_bool(0.7) {
                out.push('\n');
            } else if r.random_bool(0.05) {
                out.push_str("  ");
            } else {
                out.push(' ');
            }
        }
        out.push_str(s);
    }
    if r.random_bool(0.1) {
        let mut chars = out.chars();
        if let Some(c) = chars.next() {
            out = c.to_lowercase().chain(chars).collect();
        }
    }
    if r.random_bool(0.1) && out.ends_with('.') {
        out.pop();
    }
    if r.random_bool(0.15) {
        let (right, wrong) = *pick(r, text::TYPOS);
        if let Some(at) = out.find(right) {
            out.replace_range(at..at + right.len(), wrong);
        }
    }
    out
}

/// An amount as victims write it: `€ 1.234,56`, `1234 euro`, `EUR 1234.56`.
fn amount_written(r: &mut ChaCha8Rng, a: f64) -> String {
    let cents_total = (a * 100.0).round() as u64;
    let euros = cents_total / 100;
    let cents = cents_total % 100;
    let dotted = {
        let s = euros.to_string();
        let mut out = String::with_capacity(s.len() + 4);
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i) % 3 == 0 {
                out.push('.');
            }
            out.push(c);
        }
        out
    };
    match r.random_range(0..6) {
        0 | 1 => format!("€ {dotted},{cents:02}"),
        2 => format!("€{euros},{cents:02}"),
        3 if cents == 0 => format!("{dotted} euro"),
        3 => format!("{euros},{cents:02} euro"),
        4 => format!("EUR {euros}.{cents:02}"),
        _ if cents == 0 => format!("€ {dotted},-"),
        _ => format!("€ {dotted},{cents:02}"),
    }
}

fn date_of(ts: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(ts).ok()
}

/// A date as written in a statement.
fn date_written(r: &mut ChaCha8Rng, ts: i64) -> String {
    let Some(t) = date_of(ts) else {
        return "die dag".to_owned();
    };
    let (y, m, d) = (t.year(), u8::from(t.month()), t.day());
    let month = text::MONTHS[usize::from(m - 1)];
    let weekday = text::WEEKDAYS[usize::from(t.weekday().number_days_from_monday())];
    match r.random_range(0..6) {
        0 | 1 => format!("{d} {month}"),
        2 => format!("{weekday} {d} {month}"),
        3 => format!("{d:02}-{m:02}-{y}"),
        4 => format!("{d}/{m}"),
        _ => format!("{d} {month} {y}"),
    }
}

/// Digits that are not identifiers: postcodes, references, order and
/// report numbers, dates and times.
fn noise_sentence(r: &mut ChaCha8Rng, ts: i64) -> String {
    let tpl = *pick(r, text::NOISE_SENTENCES);
    let mut buf = String::new();
    let mut fill = |key: &str, out: &mut String| {
        buf.clear();
        match key {
            "POSTCODE" => {
                let _ = write!(
                    out,
                    "{} {}{}",
                    r.random_range(1000..9999),
                    char::from(b'A' + r.random_range(0..26u8)),
                    char::from(b'A' + r.random_range(0..26u8))
                );
            }
            "KENMERK" => {
                random_digits(r, &mut buf, 16);
                out.push_str(&split_groups(&buf, &[4, 4, 4, 4], " "));
            }
            "ORDER" => {
                let n = r.random_range(8..11);
                random_digits(r, out, n);
            }
            "NUMDATE" => match date_of(ts) {
                Some(t) => {
                    let _ = write!(
                        out,
                        "{:02}-{:02}-{}",
                        t.day(),
                        u8::from(t.month()),
                        t.year()
                    );
                }
                None => out.push_str("die dag"),
            },
            "TIME" => {
                let _ = write!(
                    out,
                    "{:02}:{:02}",
                    r.random_range(7..23),
                    r.random_range(0..60)
                );
            }
            "TT" => {
                out.push_str(&random_code(r, 4).to_uppercase());
                random_digits(r, out, 7);
            }
            "REPORTNO" => {
                let _ = write!(out, "{}", r.random_range(2024..2027));
                random_digits(r, out, 6);
            }
            "HOUSE" => {
                let _ = write!(out, "{}", r.random_range(1..300));
            }
            _ => {}
        }
    };
    expand(tpl, |k, o| fill(k, o))
}

/// `2026-03-14`.
fn day_string(ts: i64) -> String {
    match date_of(ts) {
        Some(t) => format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day()),
        None => "1970-01-01".to_owned(),
    }
}

/// The last Sunday of a month at 01:00 UTC, when Dutch clocks change.
fn last_sunday_utc(year: i32, month: Month) -> Option<i64> {
    let last = Date::from_calendar_date(year, month, 31).ok()?;
    let back = i64::from(last.weekday().number_days_from_sunday());
    let day = last.checked_sub(time::Duration::days(back))?;
    Some(day.midnight().assume_utc().unix_timestamp() + 3600)
}

/// RFC 3339 in UTC (`Z`) or Dutch local time (`+01:00`/`+02:00`).
fn rfc3339(ts: i64, local: bool) -> String {
    let Some(utc) = date_of(ts) else {
        return "1970-01-01T00:00:00Z".to_owned();
    };
    let offset_h = if !local {
        0
    } else {
        let y = utc.year();
        match (
            last_sunday_utc(y, Month::March),
            last_sunday_utc(y, Month::October),
        ) {
            (Some(a), Some(b)) if ts >= a && ts < b => 2,
            _ => 1,
        }
    };
    let Some(t) = date_of(ts + offset_h * 3600) else {
        return "1970-01-01T00:00:00Z".to_owned();
    };
    let zone = match offset_h {
        0 => "Z",
        1 => "+01:00",
        _ => "+02:00",
    };
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{zone}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use phonenumber::country::Id;

    use super::*;
    use crate::ident::{Crypto, Domain, Iban, Phone};
    use crate::report::Report;

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

    fn rng(n: u64) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(n)
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
    fn every_generated_line_parses_as_a_report_without_warnings() {
        let g = generate(3000, 1, 300);
        assert_eq!(g.reports.lines().count(), 3000);
        for line in g.reports.lines() {
            let r = Report::from_json(line).unwrap_or_else(|e| panic!("{e}: {line}"));
            assert!(r.warnings.is_empty(), "{:?}: {line}", r.warnings);
            assert!(UNITS.iter().any(|u| u.name == r.unit));
        }
        assert_eq!(g.check.lines().count(), 300);
        for line in g.check.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            Report::from_value(v["report"].clone()).unwrap();
            assert!(v["expected_group"].is_null() || v["expected_group"].is_string());
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
    fn generated_ibans_are_valid_and_mistyped_ones_are_not() {
        let mut r = rng(11);
        for _ in 0..2000 {
            let a = account(&mut r);
            let iban = Iban::parse(&a.iban).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(iban.as_str(), a.iban);
            for _ in 0..3 {
                let written = iban_written(&mut r, &a.iban);
                assert_eq!(
                    Iban::parse(&written).map(|i| i.as_str().to_owned()),
                    Ok(a.iban.clone()),
                    "{written}"
                );
            }
            let typo = mistype_iban(&mut r, &a.iban);
            assert_ne!(typo, a.iban);
            assert!(
                Iban::parse(&typo).is_err(),
                "{typo} should fail its checksum"
            );
        }
        for _ in 0..500 {
            let v = nl_iban(&mut r);
            assert!(Iban::parse(&v).is_ok(), "{v}");
        }
    }

    #[test]
    fn generated_phones_are_valid_in_every_written_form() {
        let mut r = rng(12);
        for _ in 0..1500 {
            let p = offender_phone(&mut r);
            let e164 = p.e164();
            let canon = Phone::parse(&e164, Id::NL).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(canon.as_str(), e164);
            for _ in 0..3 {
                let written = phone_written(&mut r, &p);
                let got = Phone::parse(&written, Id::NL).map(|p| p.as_str().to_owned());
                assert_eq!(got, Ok(e164.clone()), "{written}");
            }
        }
    }

    // See: issue 20
    #[test]
    fn numbers_in_message_forms_are_found_as_the_number_written() {
        let extractor =
            crate::extract::Extractor::new(Id::NL, crate::allowlist::Allowlist::embedded());
        let mut r = rng(15);
        for _ in 0..1500 {
            let p = offender_phone(&mut r);
            let e164 = p.e164();
            assert_eq!(
                Phone::parse(&e164, Id::NL).map(|p| p.as_str().to_owned()),
                Ok(e164.clone())
            );
            let sentence = phone_in_message(&mut r, &p);
            let found: Vec<String> = extractor
                .text(&sentence)
                .into_iter()
                .filter(|id| id.kind == crate::ident::Kind::Phone && id.valid)
                .map(|id| id.value)
                .collect();
            assert_eq!(found, vec![e164.clone()], "{sentence}");
        }
    }

    #[test]
    fn spoofed_numbers_are_the_allowlisted_ones_however_written() {
        let benign = Benign::load().unwrap();
        let mut r = rng(13);
        for o in benign.bank_phones.iter().chain(&benign.other_phones) {
            for _ in 0..8 {
                let written = official_written(&mut r, o);
                let got = Phone::parse(&written, Id::NL).map(|p| p.as_str().to_owned());
                assert_eq!(got, Ok(o.e164.clone()), "{written}");
            }
        }
    }

    #[test]
    fn crypto_addresses_pass_their_checksums() {
        let mut r = rng(14);
        for _ in 0..500 {
            let a = crypto_address(&mut r);
            assert!(Crypto::parse(&a).is_ok(), "{a}");
        }
    }

    #[test]
    fn fraud_domains_are_registrable_and_not_allowlisted() {
        let config = Config::new(10, 1, 0);
        let g = Generator::new(&config).unwrap();
        let mut r = rng(15);
        for kind in FraudKind::ALL {
            for _ in 0..100 {
                let site = g.site(&mut r, kind);
                if site.shortener {
                    continue;
                }
                let d = Domain::parse(&site.domain).unwrap_or_else(|e| panic!("{e}"));
                if !site.idn {
                    assert_eq!(d.as_str(), site.domain);
                }
                assert!(!g.benign.all_domains.contains_key(d.as_str()));
            }
        }
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

    #[test]
    fn filing_times_carry_the_dutch_offset_of_the_season() {
        // 2025-07-01 12:00 UTC is summer time, 2025-01-15 12:00 UTC winter.
        assert_eq!(rfc3339(1_751_371_200, true), "2025-07-01T14:00:00+02:00");
        assert_eq!(rfc3339(1_736_942_400, true), "2025-01-15T13:00:00+01:00");
        assert_eq!(rfc3339(1_736_942_400, false), "2025-01-15T12:00:00Z");
    }
}
