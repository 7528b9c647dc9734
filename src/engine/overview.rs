//! What the pages that look at a whole state read of it (issue 22): the
//! units, fraud types and newest filing of the reports (the dashboard's
//! and the search page's choices), and the flow's inputs (each linked
//! cluster with when it was found, the reports filed per week). Each walks
//! every report, seconds at a million: a serving engine works them out,
//! with the suggestions and their queue, before it publishes a state
//! ([`Engine::serving`]), so that no page view waits for them.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use anyhow::Result;
use time::OffsetDateTime;
use tracing::warn;

use crate::engine::flow::{Week, week_index, weeks_to};
use crate::engine::{Engine, State};

/// The weeks the flow's inputs cover (the flow page's longest choice).
pub const FLOW_WEEKS: usize = 52;

/// The units and fraud types of the reports and the newest filing.
#[derive(Debug, Default)]
pub struct Inflow {
    /// The newest filing, Unix seconds ("the data's own now").
    pub as_of: i64,
    /// The units reports were filed by.
    pub units: BTreeSet<String>,
    /// The fraud types of the reports.
    pub types: BTreeSet<String>,
}

impl Inflow {
    fn compute(state: &State) -> Inflow {
        let mut out = Inflow::default();
        for c in state.clusters() {
            for t in &c.fraud_types {
                if !out.types.contains(&**t) {
                    out.types.insert(t.to_string());
                }
            }
            for r in &c.report_ids {
                let Some(row) = state.row(r) else { continue };
                out.as_of = out.as_of.max(row.filed_at);
                if !out.units.contains(row.unit) {
                    out.units.insert(row.unit.to_string());
                }
            }
        }
        out
    }
}

/// What one state gives the flow: the linked clusters with when they were
/// found, and the reports filed per week (all, per unit, per team), for
/// the [`FLOW_WEEKS`] weeks up to the one it was worked out in.
#[derive(Debug)]
pub struct FlowBase {
    /// The weeks, oldest first; the last is the week it was worked out in.
    pub weeks: Vec<Week>,
    /// Per cluster of two or more reports: its place in the state's list
    /// and when it was found.
    pub cases: Vec<(u32, i64)>,
    /// Reports filed per week of `weeks`.
    pub reports: Vec<usize>,
    /// The same per unit (lower case).
    pub by_unit: HashMap<String, Vec<usize>>,
    /// The same per team ([`crate::teams::key`]).
    pub by_team: HashMap<String, Vec<usize>>,
}

impl FlowBase {
    /// The start of the week it was worked out in (Unix seconds), to tell
    /// whether it still holds.
    pub fn week_start(&self) -> i64 {
        self.weeks.last().map_or(0, |w| w.start)
    }
}

/// The start of the week `now` falls in, as [`FlowBase::week_start`] has it.
pub fn week_start(now: i64) -> i64 {
    weeks_to(now, 1).first().map_or(0, |w| w.start)
}

impl State {
    /// The units, fraud types and newest filing of the reports (worked
    /// out on first use, unless a serving engine did before publishing).
    pub fn inflow(&self) -> &Inflow {
        self.inflow.get_or_init(|| Inflow::compute(self))
    }

    /// The flow's inputs a serving engine worked out for this state, if
    /// they are of the week `now` falls in.
    pub fn flow_base(&self, now: i64) -> Option<Arc<FlowBase>> {
        self.flow_base
            .get()
            .filter(|b| b.week_start() == week_start(now))
            .cloned()
    }
}

impl Engine {
    /// Works out the flow's inputs for `state` as of `now`: reads when the
    /// store found each of its clusters, and walks its reports.
    pub fn compute_flow_base(&self, state: &State, now: i64) -> Result<FlowBase> {
        let weeks = weeks_to(now, FLOW_WEEKS);
        let found = self.found_times()?;
        let mut cases = Vec::new();
        for (i, c) in state.clusters().iter().enumerate() {
            if c.size < 2 {
                continue;
            }
            match found.binary_search_by(|(id, _)| id.cmp(&c.cluster_id)) {
                Ok(at) => cases.push((i as u32, found[at].1)),
                // Every cluster of a state has its row (written with its
                // id); a reader whose state is newer than its view of the
                // store catches up at the next state.
                Err(_) => tracing::debug!(cluster = %c.cluster_id.as_str(), "no found time"),
            }
        }
        let n = weeks.len();
        let mut reports = vec![0; n];
        let mut by_unit: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_team: HashMap<String, Vec<usize>> = HashMap::new();
        // Keys per distinct name, not per report.
        let mut unit_key: HashMap<&str, String> = HashMap::new();
        let mut team_key: HashMap<&str, String> = HashMap::new();
        for c in state.clusters() {
            for r in &c.report_ids {
                let Some(row) = state.row(r) else { continue };
                let Some(w) = week_index(&weeks, row.filed_at) else {
                    continue;
                };
                reports[w] += 1;
                let u = unit_key
                    .entry(row.unit)
                    .or_insert_with(|| row.unit.to_lowercase());
                by_unit.entry(u.clone()).or_insert_with(|| vec![0; n])[w] += 1;
                let t = team_key
                    .entry(row.team)
                    .or_insert_with(|| crate::teams::key(row.team));
                by_team.entry(t.clone()).or_insert_with(|| vec![0; n])[w] += 1;
            }
        }
        Ok(FlowBase {
            weeks,
            cases,
            reports,
            by_unit,
            by_team,
        })
    }

    /// Works out what requests read of a whole state, so that a serving
    /// engine publishes it ready: the open suggestions and their queue,
    /// the inflow and the flow's inputs (for the week it is now).
    pub(super) fn prepare(&self, state: &State) {
        let _ = state.suggestion_count();
        let _ = state.suggestion_queue();
        let _ = state.inflow();
        if state.flow_base.get().is_none() {
            let now = OffsetDateTime::now_utc().unix_timestamp();
            match self.compute_flow_base(state, now) {
                Ok(b) => {
                    let _ = state.flow_base.set(Arc::new(b));
                }
                // The flow page then works them out on its first view.
                Err(e) => warn!(
                    error = format!("{e:#}"),
                    "working out the flow's inputs failed"
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::testing::fixture_engine;

    fn worked_out(state: &State) -> bool {
        state.suggestions.get().is_some()
            && state.queue.get().is_some()
            && state.inflow.get().is_some()
            && state.flow_base.get().is_some()
    }

    // See: issue 22
    #[test]
    fn issue_22_a_serving_engine_publishes_states_with_what_the_pages_read_worked_out() {
        let dir = tempfile::tempdir().unwrap();
        let engine = fixture_engine(dir.path());
        // A command works out nothing it may not need.
        assert!(!worked_out(&engine.state()));
        assert!(engine.ready(), "nothing started yet");
        engine.serving().unwrap().join().unwrap();
        assert!(engine.ready(), "the start's job ended with its thread");
        let first = engine.state();
        assert!(worked_out(&first), "the current state, at the start");
        let now = OffsetDateTime::now_utc().unix_timestamp();
        assert!(first.flow_base(now).is_some(), "of this week");
        assert!(
            !first.suggestion_queue().is_empty(),
            "the fixtures have suggestions"
        );
        assert_eq!(first.suggestion_queue(), &first.order_suggestions()[..]);
        // A state rebuilt after a change is published with them.
        // Filed yesterday: in the flow's weeks whenever the test runs.
        let yesterday = (OffsetDateTime::now_utc() - time::Duration::days(1))
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap();
        let line = serde_json::json!({
            "id": "2026-UTR-990001",
            "filed_at": yesterday,
            "unit": "Midden-Nederland",
            "team": "Utrecht-Centrum",
            "fraud_type": "marketplace",
            "narrative": "Betaald aan NL91ABNA0417164300 voor een fiets.",
        });
        engine.ingest_lines("test", &[line.to_string()]).unwrap();
        engine.rebuild("test").unwrap();
        let second = engine.state();
        assert!(!Arc::ptr_eq(&first, &second), "a new state");
        assert!(worked_out(&second));
        assert!(second.inflow().units.contains("Midden-Nederland"));
        let counted: usize = second.flow_base(now).unwrap().reports.iter().sum();
        let before: usize = first.flow_base(now).unwrap().reports.iter().sum();
        assert_eq!(counted, before + 1, "the new report is counted in its week");
    }
}
