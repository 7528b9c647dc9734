//! Reports acknowledged but not yet linked: what a push stored since the
//! served clusters were built. A re-cluster at a million reports takes
//! seconds, and under load a minute; meanwhile a check must still find a
//! number that a report pushed a moment ago names (docs/formats.md
//! section 4, `pending`). The linking identifiers of each pushed report
//! are kept here from the moment the push is stored until a state built
//! from a store that holds it is published.

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::cluster::ClusterId;
use crate::extract::Identifier;
use crate::ident::Kind;
use crate::report::ReportId;

use super::Engine;
use super::state::{ClusterSummary, State};

/// A linking identifier: its kind and canonical value.
type Key = (Kind, Box<str>);

/// The pushed reports the served state does not hold yet.
#[derive(Default)]
pub(super) struct Pending {
    /// Per report, in the order pushed.
    reports: Vec<Waiting>,
    /// Per linking identifier, the reports (places in `reports`) naming it.
    by_ident: FxHashMap<Key, Vec<u32>>,
    /// Per report, the place of its latest version (a report pushed again
    /// with changes is kept twice).
    latest: FxHashMap<ReportId, u32>,
}

impl Pending {
    /// At most this many reports are kept (some 100 MB): should re-clusters
    /// stop succeeding under a stream of pushes, the reports beyond it
    /// wait for the next re-cluster instead of growing the memory.
    const MOST: usize = 500_000;

    /// Keeps report `id`, stored at `generation`, until a state holds it.
    pub(super) fn add(&mut self, generation: i64, id: &ReportId, idents: &[Identifier]) {
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
        // Kept even without linking identifiers: it is the latest version,
        // and an earlier one that named some no longer counts.
        let place = self.reports.len() as u32;
        self.latest.insert(id.clone(), place);
        for key in &links {
            self.by_ident.entry(key.clone()).or_default().push(place);
        }
        self.reports.push(Waiting {
            generation,
            id: id.clone(),
            links,
        });
    }

    /// Forgets the reports a state built at `generation` holds.
    pub(super) fn published(&mut self, generation: i64) {
        if self.reports.is_empty() {
            return;
        }
        self.reports.retain(|w| w.generation > generation);
        self.by_ident.clear();
        self.latest.clear();
        for (place, w) in self.reports.iter().enumerate() {
            self.latest.insert(w.id.clone(), place as u32);
            for key in &w.links {
                self.by_ident
                    .entry(key.clone())
                    .or_default()
                    .push(place as u32);
            }
        }
    }

    /// How many pending reports name an identifier, and the clusters they
    /// join through their other linking identifiers (`named_by`: the
    /// cluster an identifier links to, see `State::cluster_named_by`).
    pub(super) fn naming(
        &self,
        kind: Kind,
        value: &str,
        named_by: &dyn Fn(Kind, &str) -> Option<ClusterId>,
    ) -> Option<PendingHit> {
        let (reports, keys) = self.naming_keys(kind, value)?;
        Some(PendingHit {
            reports,
            joins: joins_of(&keys, named_by),
        })
    }

    /// How many pending reports name an identifier, and the linking
    /// identifiers they name (of the first thousand: a number pushed more
    /// often than that in a minute must not make each check naming it
    /// look up every one; their count stays exact). For a caller that
    /// looks their clusters up after letting go of the lock this is read
    /// under (see [`joins_of`]).
    pub(super) fn naming_keys(&self, kind: Kind, value: &str) -> Option<(usize, Vec<Key>)> {
        let places = self.by_ident.get(&(kind, Box::from(value)))?;
        let mut seen: rustc_hash::FxHashSet<&Key> = rustc_hash::FxHashSet::default();
        let mut keys: Vec<Key> = Vec::new();
        for &p in places.iter().take(1_000) {
            for key in &self.reports[p as usize].links {
                if seen.insert(key) {
                    keys.push(key.clone());
                }
            }
        }
        Some((places.len(), keys))
    }

    /// The reports stored after `generation` whose latest version names
    /// one of `keys`, but those `skip` says, each once with the places in
    /// `keys` of those it names (ascending), in the order pushed: the
    /// first `limit`, and how many there are.
    ///
    /// Checks and pushes wait for the lock this is read under, so it does
    /// only the look-ups: the keys are made by the caller beforehand.
    pub(super) fn naming_any(
        &self,
        keys: &[Key],
        generation: i64,
        skip: impl Fn(&ReportId) -> bool,
        limit: usize,
    ) -> (Vec<(ReportId, Vec<u32>)>, usize) {
        // Per report (its place), the keys (places in `keys`) it names.
        let mut via: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
        for (k, key) in keys.iter().enumerate() {
            let Some(places) = self.by_ident.get(key) else {
                continue;
            };
            for &p in places {
                let w = &self.reports[p as usize];
                if w.generation > generation && self.latest.get(&w.id) == Some(&p) && !skip(&w.id) {
                    via.entry(p).or_default().push(k as u32);
                }
            }
        }
        let total = via.len();
        let mut found: Vec<(u32, Vec<u32>)> = via.into_iter().collect();
        found.sort_unstable_by_key(|f| f.0);
        found.truncate(limit);
        let found = found
            .into_iter()
            .map(|(p, named)| (self.reports[p as usize].id.clone(), named))
            .collect();
        (found, total)
    }

    /// True when no report waits for a re-cluster.
    pub(super) fn is_empty(&self) -> bool {
        self.reports.is_empty()
    }
}

/// At most this many pending reports are listed on a cluster's page (a
/// number pushed thousands of times a minute must not make the page
/// large); the total is given beside them.
pub const PENDING_SHOWN: usize = 200;

/// A report acknowledged since the served clusters were built that names
/// one of a cluster's linking identifiers: the next re-cluster puts it in
/// that cluster (or joins the cluster to another it also names, or holds
/// the identifier back when it has become a hub).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PendingMember {
    /// The report.
    pub report_id: ReportId,
    /// The cluster's identifiers it names.
    pub via: Vec<PendingVia>,
}

/// An identifier a pending report shares with a cluster.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PendingVia {
    /// Kind.
    #[serde(rename = "type")]
    pub kind: Kind,
    /// Canonical value.
    pub value: String,
}

impl Engine {
    /// The reports acknowledged after `state` was built that name one of
    /// cluster `c`'s linking identifiers and are not in it yet: the first
    /// `limit` in the order pushed, and how many there are. A pushed
    /// report is shown on its cluster's page at once, before the
    /// re-cluster that links it (seconds to a minute at a million reports).
    pub fn pending_members(
        &self,
        state: &State,
        c: &ClusterSummary,
        limit: usize,
    ) -> (Vec<PendingMember>, usize) {
        if self
            .inner
            .pending
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .is_empty()
        {
            return (Vec::new(), 0);
        }
        // Its linking identifiers (the summary holds only those, and each
        // links all its reports into this cluster), sorted.
        let mut keys: Vec<Key> = c
            .identifiers
            .iter()
            .map(|i| (i.kind, Box::from(&*i.value)))
            .collect();
        keys.sort_unstable();
        let member = |id: &ReportId| c.report_ids.binary_search(id).is_ok();
        let (found, total) = self
            .inner
            .pending
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .naming_any(&keys, state.generation, member, limit);
        let found = found
            .into_iter()
            .map(|(report_id, named)| PendingMember {
                report_id,
                via: named
                    .into_iter()
                    .map(|k| {
                        let (kind, value) = &keys[k as usize];
                        PendingVia {
                            kind: *kind,
                            value: value.to_string(),
                        }
                    })
                    .collect(),
            })
            .collect();
        (found, total)
    }
}

/// The reports written after the clusters were built that name one of
/// cluster `c`'s linking identifiers and are not in it, gathered from
/// their linking identifiers one at a time (as `Store::linking_since`
/// reads them): the first `limit`, and how many there are. What `cluster
/// show` lists when the clusters saved for the commands are behind the
/// store, as a serving engine's [`Engine::pending_members`] does from
/// memory; only the reports that match are kept.
pub struct PendingIn<'a> {
    c: &'a ClusterSummary,
    /// Its linking identifiers, to their places in `c.identifiers`.
    ours: FxHashMap<(Kind, &'a str), usize>,
    limit: usize,
    found: Vec<PendingMember>,
    total: usize,
    /// The report being read, and the places of its identifiers named.
    current: Option<(String, Vec<usize>)>,
}

impl<'a> PendingIn<'a> {
    /// Gathers for cluster `c`, keeping the first `limit` reports.
    pub fn new(c: &'a ClusterSummary, limit: usize) -> PendingIn<'a> {
        PendingIn {
            c,
            ours: c
                .identifiers
                .iter()
                .enumerate()
                .map(|(k, i)| ((i.kind, &*i.value), k))
                .collect(),
            limit,
            found: Vec::new(),
            total: 0,
            current: None,
        }
    }

    /// One linking identifier of report `report_id`; a report's
    /// identifiers come one after the other.
    pub fn add(&mut self, report_id: &str, ident: &Identifier) {
        if self.current.as_ref().is_none_or(|(r, _)| r != report_id) {
            self.close();
            self.current = Some((report_id.to_owned(), Vec::new()));
        }
        if let (Some(&k), Some((_, named))) = (
            self.ours.get(&(ident.kind, ident.value.as_str())),
            self.current.as_mut(),
        ) {
            named.push(k);
        }
    }

    /// The reports found (the first `limit`, in write order) and how many.
    pub fn finish(mut self) -> (Vec<PendingMember>, usize) {
        self.close();
        (self.found, self.total)
    }

    fn close(&mut self) {
        let Some((id, mut named)) = self.current.take() else {
            return;
        };
        if named.is_empty() {
            return;
        }
        let Ok(report_id) = ReportId::parse(&id) else {
            return;
        };
        if self.c.report_ids.binary_search(&report_id).is_ok() {
            return;
        }
        self.total += 1;
        if self.found.len() >= self.limit {
            return;
        }
        // In the order the serving engine names them: by kind and value.
        let idents = &self.c.identifiers;
        named.sort_unstable_by(|&a, &b| {
            (idents[a].kind, &idents[a].value).cmp(&(idents[b].kind, &idents[b].value))
        });
        named.dedup();
        self.found.push(PendingMember {
            report_id,
            via: named
                .into_iter()
                .map(|k| PendingVia {
                    kind: idents[k].kind,
                    value: idents[k].value.to_string(),
                })
                .collect(),
        });
    }
}

/// A pushed report the served state does not hold yet.
struct Waiting {
    /// The store generation that holds it.
    generation: i64,
    id: ReportId,
    /// Its linking identifiers, sorted.
    links: Vec<Key>,
}

/// What [`Pending::naming`] finds.
pub(super) struct PendingHit {
    pub(super) reports: usize,
    pub(super) joins: Vec<ClusterId>,
}

/// The clusters the identifiers `keys` link to (`named_by`), sorted, each
/// once.
pub(super) fn joins_of(
    keys: &[Key],
    named_by: &dyn Fn(Kind, &str) -> Option<ClusterId>,
) -> Vec<ClusterId> {
    let mut joins: Vec<ClusterId> = Vec::new();
    for (k, v) in keys {
        if let Some(c) = named_by(*k, v)
            && !joins.contains(&c)
        {
            joins.push(c);
        }
    }
    joins.sort();
    joins
}

#[cfg(test)]
mod tests {
    use crate::engine::{CheckRequest, Engine, PendingMatch, PendingMember, PendingVia};
    use crate::ident::Kind;
    use crate::report::ReportId;

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
        assert_eq!(
            (summary.accepted + summary.updated, rejected.len()),
            (1, 0),
            "stored as new or as a new version"
        );
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
        let with_iban = || serde_json::json!([{"type": "iban", "value": iban}, {"type": "phone", "value": "06 8765 0123"}]);
        // And its cluster's page lists it, with the IBAN they share.
        let listed = |engine: &Engine| {
            let state = engine.state();
            let c = state.cluster(&cluster).unwrap();
            let (members, total) = engine.pending_members(&state, c, 200);
            assert_eq!(members.len(), total);
            members
        };
        assert_eq!(
            listed(&engine),
            vec![PendingMember {
                report_id: ReportId::parse("2026-UTR-990101").unwrap(),
                via: vec![PendingVia {
                    kind: Kind::Iban,
                    value: iban.clone(),
                }],
            }]
        );
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
        // Neither names the cluster's identifiers.
        assert_eq!(listed(&engine).len(), 1);
        // Pushed again without the IBAN: no longer on the cluster's page.
        push(
            &engine,
            "2026-UTR-990101",
            serde_json::json!([{"type": "phone", "value": "06 8765 0123"}]),
        );
        assert_eq!(listed(&engine), vec![]);
        push(&engine, "2026-UTR-990101", with_iban());
        assert_eq!(listed(&engine).len(), 1);
        // Again without any identifier, and back.
        push(&engine, "2026-UTR-990101", serde_json::json!([]));
        assert_eq!(listed(&engine), vec![]);
        push(&engine, "2026-UTR-990101", with_iban());
        assert_eq!(listed(&engine).len(), 1);

        // Linked: the cluster is a match, nothing is pending any more.
        engine.rebuild("test").unwrap();
        let answer = check(&engine, "phone", phone);
        assert!(answer.pending.is_empty());
        assert_eq!(answer.matches.len(), 1);
        assert_eq!(answer.matches[0].cluster_id, cluster);
        assert_eq!(answer.matches[0].matched_on[0].reports, 2);
        assert!(check(&engine, "phone", lone).pending.is_empty());
        // A member now, not pending.
        assert_eq!(listed(&engine), vec![]);
        let state = engine.state();
        let c = state.cluster(&cluster).unwrap();
        assert!(c.report_ids.iter().any(|r| r.as_str() == "2026-UTR-990101"));
    }
}
