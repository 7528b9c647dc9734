//! The plan of a run, made before any text is written: the offender
//! groups with their kind, size, home unit and active period, and one
//! slot per report (who, when, where), with the victims who fall for two
//! groups, the second filings and the money mules two groups share.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::generator::{Generator, STREAM_PLAN};
use crate::kind::FraudKind;
use crate::random::{pick, sample_group_size, weighted};
use crate::text::UNITS;
use crate::{DUPLICATE_RATE, REPEAT_VICTIM_RATE, SHARED_MULE_RATE};

/// One offender group as planned before any text is written.
#[derive(Debug, Clone)]
pub(crate) struct GroupPlan {
    pub(crate) kind: FraudKind,
    pub(crate) size: u32,
    home_unit: u8,
    /// Chance that a victim lives in the home unit; national groups reach
    /// victims everywhere.
    local: f32,
    pub(crate) start: i64,
    pub(crate) end: i64,
    /// Another group whose first money mule this group uses too.
    pub(crate) shared_mule: Option<u32>,
}

/// One report as planned: who, when, where.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slot {
    /// Creation index: names the report's random streams.
    pub(crate) idx: u32,
    /// The creation index whose identifiers and damage this report
    /// repeats (itself, unless it is a second filing).
    pub(crate) origin: u32,
    pub(crate) group: u32,
    pub(crate) victim: u32,
    pub(crate) team: u16,
    pub(crate) filed: i64,
    pub(crate) incident: i64,
    /// For a second filing: when the first was filed.
    pub(crate) prior: i64,
}

impl Generator<'_> {
    /// Plans groups and report slots, then sorts the slots by filing time.
    pub(crate) fn plan(&mut self) {
        let n = self.config.reports;
        let mut r = self.stream(STREAM_PLAN, 0);
        let dups = if n >= 20 {
            (n as f64 * DUPLICATE_RATE).round() as usize
        } else {
            0
        };
        let base = n - dups;
        self.plan_groups(&mut r, base);
        self.plan_slots(&mut r);
        self.repeat_victims(&mut r, base);
        self.second_filings(&mut r, base, dups);
        self.share_mules(&mut r, n);
        self.slots.sort_by_key(|s| (s.filed, s.idx));
        self.common_groups = vec![false; self.plans.len()];
    }

    /// Groups until their sizes add up to `base` reports.
    fn plan_groups(&mut self, r: &mut ChaCha8Rng, base: usize) {
        // Without a cap, one national group would swallow a small data set.
        let cap = (base / 10).max(2) as u32;
        let mut total = 0usize;
        while total < base {
            let size = sample_group_size(r).min(cap).min((base - total) as u32);
            let plan = self.plan_group(r, size);
            self.plans.push(plan);
            total += size as usize;
        }
    }

    /// One slot per report of each group, each with a victim of its own.
    fn plan_slots(&mut self, r: &mut ChaCha8Rng) {
        for g in 0..self.plans.len() {
            let plan = self.plans[g].clone();
            for _ in 0..plan.size {
                let idx = self.slots.len() as u32;
                let (incident, filed) = self.times(r, &plan);
                let team = self.team_for(r, &plan);
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
    }

    /// Victims who fall for a second group: same person, same team.
    fn repeat_victims(&mut self, r: &mut ChaCha8Rng, base: usize) {
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
    }

    /// Second filings: the same victim reports the same fraud again.
    fn second_filings(&mut self, r: &mut ChaCha8Rng, base: usize, dups: usize) {
        for _ in 0..dups {
            let o = self.slots[r.random_range(0..base)];
            let idx = self.slots.len() as u32;
            let later = r.random_range(3_600..30 * 86_400);
            let team = if r.random_bool(0.8) {
                o.team
            } else {
                let unit = self.teams[usize::from(o.team)].unit;
                *pick(r, &self.unit_teams[unit])
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
    }

    /// Money mules that serve two groups.
    fn share_mules(&mut self, r: &mut ChaCha8Rng, n: usize) {
        let multi: Vec<u32> = (0..self.plans.len() as u32)
            .filter(|&g| self.plans[g as usize].size >= 2)
            .collect();
        let shared = (n as f64 * SHARED_MULE_RATE).round() as usize;
        if multi.len() < 4 {
            return;
        }
        for _ in 0..shared {
            let a = *pick(r, &multi);
            let b = *pick(r, &multi);
            if a != b
                && self.plans[a as usize].shared_mule.is_none()
                && self.plans[b as usize].shared_mule.is_none()
            {
                self.plans[a as usize].shared_mule = Some(b);
            }
        }
    }

    pub(crate) fn plan_group(&self, r: &mut ChaCha8Rng, size: u32) -> GroupPlan {
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
    pub(crate) fn times(&self, r: &mut ChaCha8Rng, plan: &GroupPlan) -> (i64, i64) {
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

    pub(crate) fn team_for(&self, r: &mut ChaCha8Rng, plan: &GroupPlan) -> u16 {
        let unit = if r.random::<f32>() < plan.local {
            usize::from(plan.home_unit)
        } else {
            weighted(r, &unit_weights())
        };
        *pick(r, &self.unit_teams[unit])
    }
}

/// Each unit's share of reports.
fn unit_weights() -> [u32; 10] {
    std::array::from_fn(|i| UNITS[i].weight)
}
