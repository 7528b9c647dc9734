//! The generator: its random streams, the basisteams, and the writing of
//! reports with their truth, and of check requests.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use time::OffsetDateTime;

use crate::benign::Benign;
use crate::group::Group;
use crate::meta::Meta;
use crate::picks::Core;
use crate::plan::{GroupPlan, Slot};
use crate::random::pick;
use crate::render::{Extra, OutReport};
use crate::text::UNITS;
use crate::{Config, GenError, UNLINKABLE_RATE};

/// Random-stream spaces: each report, group, victim and check request has
/// its own stream, so that content does not depend on generation order.
pub(crate) const STREAM_PLAN: u64 = 0;
pub(crate) const STREAM_GROUP: u64 = 1;
const STREAM_CORE: u64 = 2;
pub(crate) const STREAM_VICTIM: u64 = 3;
const STREAM_TEXT: u64 = 4;
const STREAM_CHECK: u64 = 5;
const STREAM_CHECK_CORE: u64 = 6;

/// A flat list of basisteams with their unit.
pub(crate) struct Team {
    pub(crate) unit: usize,
    pub(crate) name: &'static str,
    pub(crate) municipalities: &'static [&'static str],
}

pub(crate) struct Generator<'c> {
    pub(crate) config: &'c Config,
    base: ChaCha8Rng,
    pub(crate) benign: Benign,
    pub(crate) teams: Vec<Team>,
    pub(crate) unit_teams: Vec<Vec<u16>>,
    pub(crate) from_ts: i64,
    pub(crate) to_ts: i64,
    pub(crate) plans: Vec<GroupPlan>,
    pub(crate) slots: Vec<Slot>,
    /// Next report number per (year, unit).
    counters: BTreeMap<(i32, usize), u32>,
    pub(crate) common_groups: Vec<bool>,
    /// The offender identifiers the last rendered report names intact, one
    /// bit per (kind, index in the group): what an ideal linker could use.
    pub(crate) last_keys: u64,
    /// `last_keys` of every report, in slot order.
    pub(crate) keys: Vec<u64>,
    pub(crate) meta: Meta,
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

/// What a check request tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CheckKind {
    /// A report of a group no report belongs to: no expected group.
    NewGroup,
    /// A new victim of a group with two or more reports.
    Existing,
    /// A second filing of a report already in the data.
    Refiling,
    /// A new victim of a known group, naming none of its identifiers.
    Unlinkable,
}

impl CheckKind {
    /// The kind for a uniform draw. Without reports, or without a group of
    /// two or more, every request is of a new group.
    fn draw(roll: f64, no_reports: bool, no_multi_report_group: bool) -> CheckKind {
        if no_reports || roll < 0.42 || no_multi_report_group {
            CheckKind::NewGroup
        } else if roll < 0.93 {
            CheckKind::Existing
        } else if roll < 0.965 {
            CheckKind::Refiling
        } else {
            CheckKind::Unlinkable
        }
    }

    fn name(self) -> &'static str {
        match self {
            CheckKind::NewGroup => "new_group",
            CheckKind::Existing => "existing",
            CheckKind::Refiling => "refiling",
            CheckKind::Unlinkable => "unlinkable",
        }
    }
}

/// One check request before it is written.
struct CheckCase {
    slot: Slot,
    /// The group a linker should find, if any.
    expected: Option<u32>,
    group: Group,
    core: Core,
    extra: Extra,
}

impl<'c> Generator<'c> {
    pub(crate) fn new(config: &'c Config) -> Result<Generator<'c>, GenError> {
        let benign = Benign::load()?;
        let (teams, unit_teams) = teams();
        let from_ts = config.filed_from.midnight().assume_utc().unix_timestamp();
        let to_ts = config.filed_to.midnight().assume_utc().unix_timestamp() + 86_399;
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
            meta: Meta::new(config),
        })
    }

    pub(crate) fn stream(&self, space: u64, n: u64) -> ChaCha8Rng {
        let mut r = self.base.clone();
        r.set_stream((space << 40) | n);
        r
    }

    pub(crate) fn next_id(&mut self, filed: i64, unit: usize) -> String {
        let year = OffsetDateTime::from_unix_timestamp(filed)
            .map(|t| t.year())
            .unwrap_or(2025);
        let n = self.counters.entry((year, unit)).or_insert(0);
        *n += 1;
        format!("{year}-{}-{:08}", UNITS[unit].code, n)
    }

    /// The identifiers and damage of the report a slot repeats (its own,
    /// unless it is a second filing).
    fn filed_core(&self, slot: &Slot, group: &Group) -> Core {
        let plan = &self.plans[slot.group as usize];
        let mut r = self.stream(STREAM_CORE, u64::from(slot.origin));
        let unlinkable = r.random_bool(UNLINKABLE_RATE);
        self.core(
            &mut r,
            group,
            (plan.start, plan.end),
            slot.incident,
            unlinkable,
        )
    }

    pub(crate) fn write_reports(
        &mut self,
        reports: &mut dyn Write,
        truth: &mut dyn Write,
    ) -> Result<(), GenError> {
        // A group's identifiers are built once and kept until its last
        // report is written.
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
            let core = self.filed_core(s, &group);
            let victim = self.victim(s.victim);
            let mut r = self.stream(STREAM_TEXT, u64::from(s.idx));
            let extra = Extra {
                follow_up: s.origin != s.idx,
            };
            let report = self.render(&mut r, s, &group, &core, &victim, extra);
            write_line(&mut line, reports, &report)?;
            gid.clear();
            let _ = write!(gid, "G{:07}", s.group + 1);
            let truth_line = TruthLine {
                report_id: &report.id,
                group_id: &gid,
                unit: report.unit,
            };
            write_line(&mut line, truth, &truth_line)?;
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

    pub(crate) fn write_check(&mut self, out: &mut dyn Write) -> Result<(), GenError> {
        let mut line = Vec::with_capacity(4096);
        let multi: Vec<usize> = (0..self.slots.len())
            .filter(|&i| self.plans[self.slots[i].group as usize].size >= 2)
            .collect();
        for c in 0..self.config.check {
            let mut r = self.stream(STREAM_CHECK, c as u64);
            let kind = CheckKind::draw(r.random(), self.slots.is_empty(), multi.is_empty());
            let case = match kind {
                CheckKind::NewGroup => self.new_group_case(&mut r, c),
                CheckKind::Refiling => self.refiling_case(&mut r),
                CheckKind::Existing | CheckKind::Unlinkable => {
                    let o = self.slots[*pick(&mut r, &multi)];
                    self.same_group_case(&mut r, c, o, kind == CheckKind::Unlinkable)
                }
            };
            let victim = self.victim(case.slot.victim);
            let report = self.render(
                &mut r,
                &case.slot,
                &case.group,
                &case.core,
                &victim,
                case.extra,
            );
            let gid = case.expected.map(|g| format!("G{:07}", g + 1));
            let check_line = CheckLine {
                report: &report,
                expected_group: gid.as_deref(),
            };
            write_line(&mut line, out, &check_line)?;
            let counts = &mut self.meta.counts;
            counts.check_lines += 1;
            if gid.is_some() {
                counts.check_expected_nonnull += 1;
            } else {
                counts.check_expected_null += 1;
            }
            *counts.check_kinds.entry(kind.name()).or_insert(0) += 1;
        }
        Ok(())
    }

    /// A report of a group past the data set, by a new victim.
    fn new_group_case(&self, r: &mut ChaCha8Rng, c: usize) -> CheckCase {
        let g = (self.plans.len() + c) as u32;
        let group = self.group(g);
        let plan = self.plan_group(r, 1);
        let (incident, filed) = self.times(r, &plan);
        let team = self.team_for(r, &plan);
        let mut cr = self.stream(STREAM_CHECK_CORE, c as u64);
        let core = self.core(&mut cr, &group, (plan.start, plan.end), incident, false);
        CheckCase {
            slot: self.check_slot(c, g, team, filed, incident),
            expected: None,
            group,
            core,
            extra: Extra::default(),
        }
    }

    /// A report filed again by its victim, later.
    fn refiling_case(&self, r: &mut ChaCha8Rng) -> CheckCase {
        let o = self.slots[r.random_range(0..self.slots.len())];
        let group = self.group(o.group);
        let core = self.filed_core(&o, &group);
        let mut slot = o;
        slot.prior = o.filed;
        slot.filed = (o.filed + r.random_range(86_400..20 * 86_400)).min(self.to_ts);
        CheckCase {
            slot,
            expected: Some(o.group),
            group,
            core,
            extra: Extra { follow_up: true },
        }
    }

    /// A new victim of the group of report `o`, naming its identifiers or
    /// (`unlinkable`) none.
    fn same_group_case(
        &self,
        r: &mut ChaCha8Rng,
        c: usize,
        o: Slot,
        unlinkable: bool,
    ) -> CheckCase {
        let group = self.group(o.group);
        let plan = self.plans[o.group as usize].clone();
        let (incident, filed) = self.times(r, &plan);
        let team = self.team_for(r, &plan);
        let mut cr = self.stream(STREAM_CHECK_CORE, c as u64);
        let core = self.core(
            &mut cr,
            &group,
            (plan.start, plan.end),
            incident,
            unlinkable,
        );
        CheckCase {
            slot: self.check_slot(c, o.group, team, filed, incident),
            expected: Some(o.group),
            group,
            core,
            extra: Extra::default(),
        }
    }

    /// The slot of check request `c`. Its victim is a new person, numbered
    /// past every report.
    fn check_slot(&self, c: usize, group: u32, team: u16, filed: i64, incident: i64) -> Slot {
        let victim = (self.slots.len() + self.config.check + c) as u32;
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

    pub(crate) fn meta(&self) -> Meta {
        self.meta.clone()
    }
}

/// The basisteams of every unit, and each unit's teams by index.
fn teams() -> (Vec<Team>, Vec<Vec<u16>>) {
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
    (teams, unit_teams)
}

/// Writes `value` as one line of JSON.
fn write_line(
    line: &mut Vec<u8>,
    out: &mut dyn Write,
    value: &impl Serialize,
) -> Result<(), GenError> {
    line.clear();
    serde_json::to_writer(&mut *line, value).map_err(io::Error::from)?;
    line.push(b'\n');
    out.write_all(line)?;
    Ok(())
}
