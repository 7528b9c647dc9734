//! Accountable triage (issue 22): a cluster's history with who and when,
//! undoing a link decision, the suggestion queue ordered by what a
//! confirmation would join, and the access log a page at a time.

use anyhow::Result;

use crate::cluster::{ClusterId, IdentKey};
use crate::engine::{Engine, OpenSuggestion, State};
use crate::report::ReportId;
use crate::store::{AccessRecord, AuditPage, HistoryEvent, LinkDecision};

use super::state::NO_CLUSTER;

/// A suggestion of the queue with what confirming it would join.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QueueEntry {
    /// Its place in the state's list of open suggestions.
    pub index: u32,
    /// The clusters a confirmation would make one.
    pub clusters: usize,
    /// Their reports together.
    pub reports: usize,
    /// The units they reach together.
    pub units: usize,
}

impl Engine {
    /// The events of a cluster, oldest first, with who made each triage
    /// change.
    pub fn cluster_history(&self, id: &ClusterId) -> Result<Vec<HistoryEvent>> {
        self.read(|s| s.cluster_history(id))
    }

    /// The link decisions in force, newest first.
    pub fn link_decision_list(&self) -> Result<Vec<LinkDecision>> {
        self.read(|s| s.link_decision_list())
    }

    /// The link decisions in force that touch a cluster: an endpoint is
    /// one of its reports, or an identifier some of its reports name.
    pub fn decisions_touching(&self, state: &State, id: &ClusterId) -> Result<Vec<LinkDecision>> {
        let Some(place) = state.place(id) else {
            return Ok(Vec::new());
        };
        let place = place as u32;
        Ok(self
            .link_decision_list()?
            .into_iter()
            .filter(|d| {
                [&d.a, &d.b]
                    .iter()
                    .any(|e| state.endpoint_places(e).contains(&place))
            })
            .collect())
    }

    /// A page of the access log, newest first, and whether more follow.
    pub fn audit_page(&self, page: &AuditPage) -> Result<(Vec<AccessRecord>, bool)> {
        self.move_access_queue_or_warn();
        self.audit_store().audit_page(page)
    }
}

impl State {
    /// The places of the clusters a link endpoint lies in: a report id's
    /// cluster, or the clusters of the reports naming an identifier.
    fn endpoint_places(&self, endpoint: &str) -> Vec<u32> {
        if let Some((kind, value)) = crate::cluster::ident_endpoint(endpoint) {
            let key = IdentKey {
                kind,
                value: value.into(),
            };
            return self.side_places(&key);
        }
        ReportId::parse(endpoint)
            .ok()
            .and_then(|r| self.graph.report_number(&r))
            .and_then(|n| self.report_cluster.get(n).copied())
            .filter(|&p| p != NO_CLUSTER)
            .into_iter()
            .collect()
    }

    /// The open suggestions ordered by what confirming each would join:
    /// most reports first, then most units, then the strongest (the
    /// state's own order). Costs a look-up per suggestion (seconds at a
    /// million reports): worked out once per state, on first use or,
    /// in a serving engine, before the state is published.
    pub fn suggestion_queue(&self) -> &[QueueEntry] {
        self.queue.get_or_init(|| self.order_suggestions())
    }

    /// Whether [`State::suggestion_queue`] is worked out already.
    pub fn suggestion_queue_ready(&self) -> bool {
        self.queue.get().is_some()
    }

    pub(super) fn order_suggestions(&self) -> Vec<QueueEntry> {
        let open = self.open_suggestions();
        let mut out: Vec<QueueEntry> = open
            .list
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let mut places = self.side_places(&s.a);
                places.extend(self.side_places(&s.b));
                places.sort_unstable();
                places.dedup();
                let mut units: Vec<&str> = places
                    .iter()
                    .flat_map(|&p| self.clusters[p as usize].units.iter().map(|u| &**u))
                    .collect();
                units.sort_unstable();
                units.dedup();
                QueueEntry {
                    index: i as u32,
                    clusters: places.len(),
                    reports: places.iter().map(|&p| self.clusters[p as usize].size).sum(),
                    units: units.len(),
                }
            })
            .collect();
        out.sort_by(|x, y| {
            y.reports
                .cmp(&x.reports)
                .then(y.units.cmp(&x.units))
                .then(x.index.cmp(&y.index))
        });
        out
    }

    /// The open suggestion at a place of the state's list (see
    /// [`QueueEntry::index`]), with its reports and clusters.
    pub fn suggestion_at(&self, index: u32) -> Option<OpenSuggestion> {
        let open = self.open_suggestions();
        open.list.get(index as usize).map(|s| self.open(s))
    }
}
