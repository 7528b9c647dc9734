//! Reports acknowledged but not yet linked: what a push stored since the
//! served clusters were built. A re-cluster at a million reports takes
//! seconds, and under load a minute; meanwhile a check must still find a
//! number that a report pushed a moment ago names (docs/formats.md
//! section 4, `pending`). The linking identifiers of each pushed report
//! are kept here from the moment the push is stored until a state built
//! from a store that holds it is published.

use rustc_hash::FxHashMap;

use crate::cluster::ClusterId;
use crate::extract::Identifier;
use crate::ident::Kind;

use super::state::State;

/// A linking identifier: its kind and canonical value.
type Key = (Kind, Box<str>);

/// The pushed reports the served state does not hold yet.
#[derive(Default)]
pub(super) struct Pending {
    /// Per report, the store generation that holds it and its linking
    /// identifiers.
    reports: Vec<(i64, Vec<Key>)>,
    /// Per linking identifier, the reports (places in `reports`) naming it.
    by_ident: FxHashMap<Key, Vec<u32>>,
}

impl Pending {
    /// At most this many reports are kept (some 75 MB): should re-clusters
    /// stop succeeding under a stream of pushes, the reports beyond it
    /// wait for the next re-cluster instead of growing the memory.
    const MOST: usize = 500_000;

    /// Keeps a report stored at `generation` until a state holds it.
    pub(super) fn add(&mut self, generation: i64, idents: &[Identifier]) {
        if self.reports.len() >= Self::MOST {
            return;
        }
        let mut links: Vec<Key> = idents
            .iter()
            .filter(|i| i.links())
            .map(|i| (i.kind, i.value.as_str().into()))
            .collect();
        links.sort_unstable();
        links.dedup();
        if links.is_empty() {
            return;
        }
        let place = self.reports.len() as u32;
        for key in &links {
            self.by_ident.entry(key.clone()).or_default().push(place);
        }
        self.reports.push((generation, links));
    }

    /// Forgets the reports a state built at `generation` holds.
    pub(super) fn published(&mut self, generation: i64) {
        if self.reports.is_empty() {
            return;
        }
        self.reports.retain(|(g, _)| *g > generation);
        self.by_ident.clear();
        for (place, (_, links)) in self.reports.iter().enumerate() {
            for key in links {
                self.by_ident
                    .entry(key.clone())
                    .or_default()
                    .push(place as u32);
            }
        }
    }

    /// How many pending reports name an identifier, and the clusters of
    /// `state` they join through their other linking identifiers.
    pub(super) fn naming(&self, kind: Kind, value: &str, state: &State) -> Option<PendingHit> {
        let places = self.by_ident.get(&(kind, Box::from(value)))?;
        let mut joins: Vec<ClusterId> = Vec::new();
        // The clusters of the first thousand are looked up: a number
        // pushed more often than that in a minute must not make each check
        // naming it look up every one (their count stays exact).
        for &p in places.iter().take(1_000) {
            for (k, v) in &self.reports[p as usize].1 {
                if let Some(c) = state.cluster_named_by(*k, v)
                    && !joins.contains(c)
                {
                    joins.push(c.clone());
                }
            }
        }
        joins.sort();
        Some(PendingHit {
            reports: places.len(),
            joins,
        })
    }

    /// True when no report waits for a re-cluster.
    pub(super) fn is_empty(&self) -> bool {
        self.reports.is_empty()
    }
}

/// What [`Pending::naming`] finds.
pub(super) struct PendingHit {
    pub(super) reports: usize,
    pub(super) joins: Vec<ClusterId>,
}

#[cfg(test)]
mod tests {
    use crate::engine::{CheckRequest, Engine, PendingMatch};
    use crate::ident::Kind;

    fn check(engine: &Engine, kind: &str, value: &str) -> crate::engine::CheckAnswer {
        let req: CheckRequest = serde_json::from_value(serde_json::json!({
            "identifiers": [{"type": kind, "value": value}]
        }))
        .unwrap();
        engine.check(&req).unwrap()
    }

    fn push(engine: &Engine, id: &str, idents: serde_json::Value) {
        let line = serde_json::json!({
            "id": id,
            "filed_at": "2026-11-30T10:00:00+01:00",
            "unit": "Midden-Nederland",
            "team": "Utrecht-Centrum",
            "fraud_type": "marketplace",
            "narrative": "Ik betaalde voor een fiets en kreeg niets.",
            "identifiers": idents,
        });
        let (summary, rejected) = engine.ingest_lines("test", &[line.to_string()]).unwrap();
        assert_eq!((summary.accepted, rejected.len()), (1, 0));
    }

    #[test]
    fn a_pushed_report_is_found_by_a_check_before_it_is_linked_and_after() {
        let dir = tempfile::tempdir().unwrap();
        let engine = crate::engine::testing::fixture_engine(dir.path());
        // An IBAN that links a cluster of the fixtures.
        let state = engine.state();
        let (cluster, iban) = state
            .clusters
            .iter()
            .filter(|c| c.size >= 2)
            .find_map(|c| {
                let i = c
                    .identifiers
                    .iter()
                    .find(|i| i.kind == Kind::Iban && i.reports >= 2)?;
                Some((c.cluster_id.clone(), i.value.to_string()))
            })
            .expect("the fixtures have a cluster linked by an IBAN");
        drop(state);
        let phone = "+31687650123";
        assert!(check(&engine, "phone", phone).pending.is_empty());

        // Pushed, not yet re-clustered: a check of its new number finds
        // it, and the cluster its IBAN joins.
        push(
            &engine,
            "2026-UTR-990101",
            serde_json::json!([{"type": "iban", "value": iban}, {"type": "phone", "value": "06 8765 0123"}]),
        );
        let answer = check(&engine, "phone", phone);
        assert!(answer.matches.is_empty(), "not linked yet");
        assert_eq!(
            answer.pending,
            vec![PendingMatch {
                kind: Kind::Phone,
                value: phone.into(),
                reports: 1,
                joins: vec![cluster.clone()],
            }]
        );
        assert_eq!(answer.clusters_shown(), vec![&cluster]);
        // A second report with that number and nothing else known.
        push(
            &engine,
            "2026-UTR-990102",
            serde_json::json!([{"type": "phone", "value": "0687650123"}]),
        );
        let answer = check(&engine, "phone", phone);
        assert_eq!(answer.pending[0].reports, 2);
        assert_eq!(answer.pending[0].joins, vec![cluster.clone()]);
        let lone = "+31687650999";
        push(
            &engine,
            "2026-UTR-990103",
            serde_json::json!([{"type": "phone", "value": lone}]),
        );
        assert_eq!(check(&engine, "phone", lone).pending[0].joins, vec![]);

        // Linked: the cluster is a match, nothing is pending any more.
        engine.rebuild("test").unwrap();
        let answer = check(&engine, "phone", phone);
        assert!(answer.pending.is_empty());
        assert_eq!(answer.matches.len(), 1);
        assert_eq!(answer.matches[0].cluster_id, cluster);
        assert_eq!(answer.matches[0].matched_on[0].reports, 2);
        assert!(check(&engine, "phone", lone).pending.is_empty());
    }
}
