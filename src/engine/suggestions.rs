//! Weak-link suggestions an analyst confirms or rejects, as they stand
//! in a derived state.

use std::collections::HashMap;

use serde::Serialize;

use crate::cluster::{ClusterId, IdentKey, IdentState};
use crate::report::ReportId;

use super::state::State;

/// A weak link still waiting for an analyst's decision, with the reports
/// and clusters on each side (assembled when asked for).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OpenSuggestion {
    /// The suggestion.
    #[serde(flatten)]
    pub suggestion: crate::suggest::Suggestion,
    /// Reports naming the first identifier.
    pub a_reports: Vec<ReportId>,
    /// Reports naming the second identifier.
    pub b_reports: Vec<ReportId>,
    /// Their clusters.
    pub a_clusters: Vec<ClusterId>,
    /// Their clusters.
    pub b_clusters: Vec<ClusterId>,
}

impl OpenSuggestion {
    /// The reports it shows: those naming either identifier.
    pub fn reports(&self) -> impl Iterator<Item = &ReportId> + Clone {
        self.a_reports.iter().chain(&self.b_reports)
    }
}

/// The reports a list of suggestions shows, each once, in order.
pub fn suggestion_reports(list: &[OpenSuggestion]) -> Vec<&str> {
    let mut seen = std::collections::HashSet::new();
    list.iter()
        .flat_map(OpenSuggestion::reports)
        .map(ReportId::as_str)
        .filter(|r| seen.insert(*r))
        .collect()
}

/// What the weak-link search needs besides the graph.
pub(super) struct WeakInput {
    pub(super) invalid_ibans: HashMap<String, Vec<ReportId>>,
    pub(super) decisions: Vec<(String, String, String, String)>,
    pub(super) cfg: crate::config::WeakConfig,
}

/// The open suggestions of a state, strongest first, with an index from
/// cluster to the suggestions touching it. At a million reports there are
/// hundreds of thousands: only the pairs are kept, and their reports and
/// clusters are looked up when a suggestion is shown.
#[derive(Default)]
pub(super) struct OpenSuggestions {
    pub(super) list: Vec<crate::suggest::Suggestion>,
    /// (cluster position in `State::clusters`, index in `list`), sorted.
    pub(super) by_cluster: Vec<(u32, u32)>,
}

/// Computes the open suggestions: weak links between identifiers whose
/// reports lie in different clusters, minus those an analyst decided.
pub(super) fn weak_links(state: &State, input: &WeakInput) -> OpenSuggestions {
    let WeakInput {
        invalid_ibans,
        decisions,
        cfg,
    } = input;
    // An undone decision (see `Store::undo_link`) decides nothing.
    let decided: std::collections::HashSet<(&str, &str)> = decisions
        .iter()
        .filter(|(_, _, d, _)| d != "undone")
        .map(|(a, b, _, _)| (a.as_str(), b.as_str()))
        .collect();
    let linking: Vec<&IdentKey> = state
        .graph
        .idents(&state.partition)
        .filter(|(_, s, _)| matches!(s, IdentState::Active))
        .map(|(k, _, _)| k)
        .collect();
    let found = crate::suggest::suggest(
        invalid_ibans.keys().map(String::as_str),
        linking.iter().copied(),
        cfg,
    );
    let mut out = OpenSuggestions::default();
    for s in found {
        let (ka, kb) = s.decision_key();
        if decided.contains(&(ka.as_str(), kb.as_str())) {
            continue;
        }
        let (ca, cb) = (state.side_places(&s.a), state.side_places(&s.b));
        // Already together: nothing to suggest.
        if ca.iter().all(|c| cb.contains(c)) && cb.iter().all(|c| ca.contains(c)) {
            continue;
        }
        let i = out.list.len() as u32;
        let mut at: Vec<u32> = ca.iter().chain(&cb).copied().collect();
        at.sort_unstable();
        at.dedup();
        out.by_cluster.extend(at.into_iter().map(|p| (p, i)));
        out.list.push(s);
    }
    out.by_cluster.sort_unstable();
    out.list.shrink_to_fit();
    out.by_cluster.shrink_to_fit();
    out
}

impl State {
    pub(super) fn open_suggestions(&self) -> &OpenSuggestions {
        self.suggestions.get_or_init(|| match &self.weak {
            Some(w) => weak_links(self, w),
            None => OpenSuggestions::default(),
        })
    }

    /// The number of open suggestions.
    pub fn suggestion_count(&self) -> usize {
        self.open_suggestions().list.len()
    }

    /// Open suggestions, strongest first, at most `limit`.
    pub fn suggestions(&self, limit: usize) -> Vec<OpenSuggestion> {
        self.open_suggestions()
            .list
            .iter()
            .take(limit)
            .map(|s| self.open(s))
            .collect()
    }

    /// Open suggestions touching a cluster, strongest first.
    pub fn suggestions_for(&self, id: &ClusterId) -> Vec<OpenSuggestion> {
        let Some(p) = self.place(id) else {
            return Vec::new();
        };
        let open = self.open_suggestions();
        let p = p as u32;
        let start = open.by_cluster.partition_point(|&(c, _)| c < p);
        open.by_cluster[start..]
            .iter()
            .take_while(|&&(c, _)| c == p)
            .map(|&(_, i)| self.open(&open.list[i as usize]))
            .collect()
    }

    /// A suggestion with the reports and clusters on each side.
    pub(super) fn open(&self, s: &crate::suggest::Suggestion) -> OpenSuggestion {
        let reports = |k: &IdentKey| {
            let mut r: Vec<ReportId> = self.side(k).cloned().collect();
            r.sort();
            r.dedup();
            r
        };
        let clusters = |k: &IdentKey| {
            let mut c: Vec<ClusterId> = self
                .side_places(k)
                .into_iter()
                .map(|p| self.clusters[p as usize].cluster_id.clone())
                .collect();
            c.sort();
            c
        };
        OpenSuggestion {
            suggestion: s.clone(),
            a_reports: reports(&s.a),
            b_reports: reports(&s.b),
            a_clusters: clusters(&s.a),
            b_clusters: clusters(&s.b),
        }
    }
}
