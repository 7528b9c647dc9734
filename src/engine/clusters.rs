//! Clusters as the front ends show them (views, details, identifier
//! tables), their triage and the analysts' link decisions.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Result;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::cluster::{ClusterId, Event, IdentKey, IdentState};
use crate::ident::Kind;
use crate::store::{ClusterRecord, Store};

use super::Engine;
use super::error::{EngineError, EngineResult, Thing};
use super::state::{ClusterSummary, State};
use crate::cluster::normalise_endpoint;

/// A cluster's triage fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Triage {
    /// Status.
    pub status: String,
    /// Assigned team.
    pub assigned_team: Option<String>,
    /// Notes.
    pub notes: String,
}

/// A cluster with its current triage fields, as exported and served.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ClusterView<'a> {
    /// The derived summary.
    #[serde(flatten)]
    pub summary: &'a ClusterSummary,
    /// Triage status (additive field): new, triaged, assigned,
    /// in_investigation, handed_over, closed.
    #[schema(schema_with = status_schema)]
    pub status: String,
    /// Assigned team (additive field).
    #[schema(required = true)]
    pub assigned_team: Option<String>,
}

/// One cluster with everything the command line shows of it: its summary,
/// a row per report, every identifier its reports name (linking or not)
/// and which report names which. Built from the state in memory
/// ([`State::detail`]) or read back from the saved state (`saved`).
#[derive(Debug, Clone)]
pub struct ClusterDetail {
    /// The summary.
    pub summary: ClusterSummary,
    /// Per report of `summary.report_ids`, in that order.
    pub rows: Vec<Option<DetailRow>>,
    /// Every identifier its reports name, most reports first, with its
    /// state and the number of reports naming it in the whole store.
    pub identifiers: Vec<(ClusterIdent, IdentState, usize)>,
    /// Which report names which identifier: positions in
    /// `summary.report_ids` and in `identifiers`, report by report.
    pub links: Vec<(u32, u32)>,
    /// The places of the open suggestions touching it in the list of
    /// all open suggestions (strongest first).
    pub suggestions: Vec<u32>,
}

/// A report's descriptive fields in a [`ClusterDetail`].
#[derive(Debug, Clone, PartialEq)]
pub struct DetailRow {
    /// Filing time, Unix seconds.
    pub filed_at: i64,
    /// Damage.
    pub amount_eur: Option<f64>,
    /// The unit.
    pub unit: Arc<str>,
    /// The team.
    pub team: Arc<str>,
    /// The fraud category as filed.
    pub fraud_type: Option<Arc<str>>,
}

/// The triage statuses a cluster moves through.
pub const STATUSES: [&str; 6] = [
    "new",
    "triaged",
    "assigned",
    "in_investigation",
    "handed_over",
    "closed",
];

/// The schema of a triage status on the wire: one of [`STATUSES`].
pub fn status_schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(STATUSES))
        .build()
}

/// An identifier within a cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ClusterIdent {
    /// Kind.
    #[serde(rename = "type")]
    pub kind: Kind,
    /// Canonical value.
    #[schema(value_type = String)]
    pub value: Arc<str>,
    /// Reports of the cluster naming it.
    pub reports: usize,
}

/// An identifier the hub guard suppressed.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SuppressedIdent {
    /// Kind.
    #[serde(rename = "type")]
    pub kind: Kind,
    /// Value.
    #[schema(value_type = String)]
    pub value: Arc<str>,
    /// Reports naming it.
    pub reports: usize,
    /// Why.
    pub reason: String,
}

/// Which clusters a list keeps, as the CLI, the API and the UI filter
/// them. Text fields match without regard to case; a field left `None`
/// keeps every cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterFilter {
    /// At least this many reports.
    pub min_size: usize,
    /// Reaching this unit.
    pub unit: Option<String>,
    /// Reaching this team.
    pub team: Option<String>,
    /// With reports of this fraud type.
    pub fraud_type: Option<String>,
    /// With this triage status.
    pub status: Option<String>,
    /// With at least this many reports in the last 14 days.
    pub growth_14d: Option<usize>,
}

impl ClusterFilter {
    /// Whether it keeps `c`, whose triage status is `status`.
    pub fn keeps(&self, c: &ClusterSummary, status: &str) -> bool {
        fn any<T: AsRef<str>>(list: &[T], want: &Option<String>) -> bool {
            want.as_deref()
                .is_none_or(|w| list.iter().any(|x| x.as_ref().eq_ignore_ascii_case(w)))
        }
        c.size >= self.min_size
            && any(&c.units, &self.unit)
            && any(&c.teams, &self.team)
            && any(&c.fraud_types, &self.fraud_type)
            && self
                .status
                .as_deref()
                .is_none_or(|s| status.eq_ignore_ascii_case(s))
            && self
                .growth_14d
                .is_none_or(|g| c.score_parts.figures.growth_14d >= g)
    }
}

/// An analyst's decision on a link between two endpoints, as the CLI,
/// the API and the UI take it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Link them (the clusters merge).
    Confirm,
    /// Never link them (a confirmed link is removed and the cluster
    /// splits; the suggestion does not come back).
    Reject,
    /// Take back the decision in force on the link: the clusters form
    /// again as if it was never decided (a confirmed link no longer joins,
    /// a rejected suggestion is suggested again).
    Undo,
}

impl Decision {
    /// Reads `confirm`, `reject` or `undo` (the field `decision`).
    pub fn parse(decision: &str) -> EngineResult<Decision> {
        match decision.trim() {
            "confirm" => Ok(Decision::Confirm),
            "reject" => Ok(Decision::Reject),
            "undo" => Ok(Decision::Undo),
            _ => Err(EngineError::invalid(
                "decision",
                decision,
                format!("{decision:?}: use confirm, reject or undo"),
            )),
        }
    }
}

/// What a [`Decision`] did.
#[derive(Debug)]
pub struct Decided {
    /// For an undo: the decision taken back (`confirmed` or `rejected`).
    pub undone: Option<String>,
    /// The cluster events of the re-clustering that followed.
    pub events: Vec<Event>,
}

/// The ends of link decisions that are reports (the others are
/// identifiers, written `kind:value`): what a decision list shows of
/// report data beyond the identifiers.
pub fn decision_reports<'a>(ends: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut reports: Vec<&str> = ends
        .filter(|end| crate::cluster::ident_endpoint(end).is_none())
        .collect();
    reports.sort_unstable();
    reports.dedup();
    reports
}

/// The two ends a re-cluster's cause names when a link decision caused
/// it (`link A ~ B confirmed by X`, see [`Engine::decide`]): identifiers
/// (`kind:value`) or reports. Pages that show a cluster's history show
/// them, and name the reports among them in the access log.
pub fn link_cause_ends(cause: &str) -> Option<(&str, &str)> {
    let rest = cause.strip_prefix("link ")?;
    let (a, rest) = rest.split_once(" ~ ")?;
    let b = [" confirmed by ", " rejected by ", " undone by "]
        .iter()
        .find_map(|word| rest.split_once(word).map(|(b, _)| b))?;
    Some((a, b))
}

/// The two endpoints of a link (fields `a` and `b`: report ids, or
/// identifiers written `kind:value`) in their canonical forms, in order.
pub fn link_endpoints(
    a: &str,
    b: &str,
    region: phonenumber::country::Id,
) -> EngineResult<(String, String)> {
    let endpoint = |field: &'static str, raw: &str| {
        normalise_endpoint(raw, region)
            .map_err(|e| EngineError::invalid(field, raw, format!("{raw:?}: {e:#}")))
    };
    let (a, b) = (endpoint("a", a)?, endpoint("b", b)?);
    Ok(if a <= b { (a, b) } else { (b, a) })
}

/// Records a decision on the link between two canonical endpoints
/// ([`link_endpoints`]) in the store, the engine's or a command's beside
/// it; for an undo, returns the decision taken back (not found when none
/// is in force).
pub fn record_decision(
    store: &mut Store,
    (a, b): (&str, &str),
    decision: Decision,
    actor: &str,
    reason: &str,
) -> EngineResult<Option<String>> {
    let verdict = match decision {
        Decision::Confirm => "confirmed",
        Decision::Reject => "rejected",
        Decision::Undo => {
            return match store.undo_link(a, b, reason, actor)? {
                Some(was) => Ok(Some(was)),
                None => Err(EngineError::not_found(
                    Thing::LinkDecision,
                    format!("{a} ~ {b}"),
                )),
            };
        }
    };
    store.decide_link(a, b, verdict, reason, actor)?;
    Ok(None)
}

/// A change of a cluster's triage, as the CLI, the API and the UI ask
/// for it. [`Engine::set_triage`] checks it as a whole: something to
/// change, a known status, a known team (written as the list spells it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TriageChange {
    /// A new status, one of [`STATUSES`].
    pub status: Option<String>,
    /// A team to assign; `Some(None)` unassigns.
    pub assigned_team: Option<Option<String>>,
    /// A note to append.
    pub note: Option<String>,
}

impl TriageChange {
    /// True when it changes nothing.
    pub fn is_empty(&self) -> bool {
        self.status.is_none() && self.assigned_team.is_none() && self.note.is_none()
    }

    /// Checks what needs neither the store nor the teams: something to
    /// change and a known status.
    fn validate(&self) -> EngineResult<()> {
        if self.is_empty() {
            return Err(EngineError::invalid(
                "body",
                "",
                "nothing to change: give status, assigned_team or note",
            ));
        }
        if let Some(st) = &self.status
            && !STATUSES.contains(&st.as_str())
        {
            return Err(EngineError::invalid(
                "status",
                st.as_str(),
                format!("unknown status {st:?}; one of {}", STATUSES.join(", ")),
            ));
        }
        Ok(())
    }

    /// The change with its team in the one spelling `canonical` gives
    /// (the list's, see [`Engine::team`]); an unknown or empty team is
    /// the caller's mistake in the field `assigned_team`.
    pub fn with_canonical_team(
        mut self,
        canonical: impl FnOnce(&str) -> Result<String>,
    ) -> EngineResult<TriageChange> {
        if let Some(Some(given)) = &self.assigned_team {
            let team = canonical(given).map_err(|e| {
                match e.downcast_ref::<crate::teams::TeamError>() {
                    Some(t) => EngineError::invalid("assigned_team", given.as_str(), t.to_string()),
                    None => EngineError::Internal(e),
                }
            })?;
            self.assigned_team = Some(Some(team));
        }
        Ok(self)
    }
}

impl Engine {
    /// Records an analyst's decision on a link between two endpoints
    /// (report ids, or identifiers written `kind:value`) and re-clusters.
    /// Confirming links them; rejecting removes a confirmed link (the
    /// cluster splits, its id staying with the larger part) and keeps the
    /// suggestion from coming back; undoing takes back the decision in
    /// force (not found when there is none).
    pub fn decide(
        &self,
        a: &str,
        b: &str,
        decision: Decision,
        actor: &str,
        reason: &str,
    ) -> EngineResult<Decided> {
        let region = self.inner.settings.region()?;
        let (a, b) = link_endpoints(a, b, region)?;
        let undone = record_decision(&mut self.store(), (&a, &b), decision, actor, reason)?;
        let verdict = match decision {
            Decision::Confirm => "confirmed",
            Decision::Reject => "rejected",
            Decision::Undo => "undone",
        };
        let events = self.rebuild(&format!("link {a} ~ {b} {verdict} by {actor}"))?;
        Ok(Decided { undone, events })
    }

    /// A cluster's triage fields (`new` and unassigned by default).
    pub fn triage(&self, id: &ClusterId) -> Triage {
        let map = self.inner.triage.read().unwrap_or_else(|p| p.into_inner());
        triage_of(&map, id)
    }

    /// Clusters of two or more reports by triage status. Only triaged
    /// clusters are looked up; the rest are `new`.
    pub fn status_counts(&self, state: &State) -> std::collections::BTreeMap<String, usize> {
        let linked = state.clusters.iter().filter(|c| c.size >= 2).count();
        let mut counts: std::collections::BTreeMap<String, usize> =
            std::collections::BTreeMap::new();
        let map = self.inner.triage.read().unwrap_or_else(|p| p.into_inner());
        for (id, r) in map.iter().filter(|(_, r)| r.status != "new") {
            if state.cluster(id).is_some_and(|c| c.size >= 2) {
                *counts.entry(r.status.clone()).or_default() += 1;
            }
        }
        let triaged: usize = counts.values().sum();
        counts.insert("new".to_owned(), linked.saturating_sub(triaged));
        counts
    }

    /// A summary with its triage fields, for output.
    pub fn view<'a>(&self, c: &'a ClusterSummary) -> ClusterView<'a> {
        let t = self.triage(&c.cluster_id);
        ClusterView {
            summary: c,
            status: t.status,
            assigned_team: t.assigned_team,
        }
    }

    /// Applies a [`TriageChange`] to a cluster (an id, or the id of a
    /// cluster merged into it); each change is an event with who made it.
    /// Returns the live cluster's id.
    pub fn set_triage(
        &self,
        id: &str,
        change: TriageChange,
        actor: &str,
    ) -> EngineResult<ClusterId> {
        change.validate()?;
        let change = change.with_canonical_team(|t| self.team(t))?;
        let mut store = self.store();
        let cid = set_triage(&mut store, id, &change, actor)?;
        let records = store.triaged_clusters()?;
        drop(store);
        *self.inner.triage.write().unwrap_or_else(|p| p.into_inner()) = records;
        Ok(cid)
    }

    /// Resolves an id or alias to the live cluster.
    pub fn resolve_cluster(&self, id: &str) -> Result<Option<ClusterId>> {
        self.read(|s| s.resolve_cluster(id))
    }

    /// The events of a cluster.
    pub fn cluster_events(
        &self,
        id: &ClusterId,
    ) -> Result<Vec<(i64, String, String, serde_json::Value)>> {
        self.read(|s| s.cluster_events(id))
    }

    /// Every triage event of every cluster (for the flow figures).
    pub fn triage_events(&self) -> Result<Vec<(String, i64, serde_json::Value)>> {
        self.read(|s| s.triage_events())
    }
}

/// A cluster's triage fields from the records of the triaged clusters
/// (see [`Store::triaged_clusters`]): `new` and unassigned when it has none.
pub fn triage_of(records: &HashMap<ClusterId, ClusterRecord>, id: &ClusterId) -> Triage {
    triage_in(records.get(id))
}

/// A cluster's triage fields from its record, if it has one (see
/// [`Store::triaged_cluster`]): `new` and unassigned when it has none.
pub fn triage_in(record: Option<&ClusterRecord>) -> Triage {
    match record {
        Some(r) => Triage {
            status: r.status.clone(),
            assigned_team: r.assigned_team.clone(),
            notes: r.notes.clone(),
        },
        None => Triage {
            status: "new".to_owned(),
            assigned_team: None,
            notes: String::new(),
        },
    }
}

/// Applies a triage change in `store` (see [`Engine::set_triage`]); its
/// team must already be in its canonical spelling
/// ([`TriageChange::with_canonical_team`]).
pub fn set_triage(
    store: &mut Store,
    id: &str,
    change: &TriageChange,
    actor: &str,
) -> EngineResult<ClusterId> {
    change.validate()?;
    let Some(cid) = store.resolve_cluster(id)? else {
        return Err(EngineError::not_found(Thing::Cluster, id));
    };
    store.set_triage(
        &cid,
        change.status.as_deref(),
        change.assigned_team.as_ref().map(|t| t.as_deref()),
        change.note.as_deref(),
        actor,
    )?;
    Ok(cid)
}

impl State {
    /// Every team that reports were filed by, with its number of reports.
    pub fn team_names(&self) -> Vec<(&str, usize)> {
        let mut counts: HashMap<u32, usize> = HashMap::new();
        for r in &self.rows {
            *counts.entry(r.team).or_default() += 1;
        }
        counts
            .into_iter()
            .filter_map(|(i, n)| Some((&**self.names.get(i as usize)?, n)))
            .collect()
    }

    /// The identifiers of a cluster with their state and cluster-local
    /// counts: active, benign and suppressed.
    pub fn cluster_identifiers(
        &self,
        c: &ClusterSummary,
    ) -> Vec<(ClusterIdent, IdentState, usize)> {
        let mut counts: HashMap<&IdentKey, usize> = HashMap::new();
        for r in &c.report_ids {
            for k in self.graph.idents_of(r) {
                *counts.entry(k).or_default() += 1;
            }
        }
        let mut out: Vec<(ClusterIdent, IdentState, usize)> = counts
            .into_iter()
            .map(|(k, n)| {
                let state = self
                    .graph
                    .ident_state(&self.partition, k)
                    .cloned()
                    .unwrap_or(IdentState::Active);
                let total = self.graph.report_count(k);
                (
                    ClusterIdent {
                        kind: k.kind,
                        value: k.value.clone(),
                        reports: n,
                    },
                    state,
                    total,
                )
            })
            .collect();
        out.sort_by(|a, b| {
            b.0.reports
                .cmp(&a.0.reports)
                .then(a.0.value.cmp(&b.0.value))
                .then(a.0.kind.cmp(&b.0.kind))
        });
        out
    }

    /// A cluster in full, as the command line shows it (see
    /// [`ClusterDetail`]).
    pub fn detail(&self, c: &ClusterSummary) -> ClusterDetail {
        let place = self.place(&c.cluster_id).unwrap_or(usize::MAX);
        self.detail_at(place, c)
    }

    /// [`State::detail`] of the cluster at `place` in [`State::clusters`].
    pub(super) fn detail_at(&self, place: usize, c: &ClusterSummary) -> ClusterDetail {
        // One pass over the reports: each identifier gets a number in the
        // order first seen, renumbered once they are sorted. Reports and
        // identifiers are looked up by number: by id and by key, each
        // look-up hashes a string in a map of millions (a third of saving
        // the clusters at ten million reports).
        let mut first_seen: FxHashMap<u32, u32> = FxHashMap::default();
        let mut keys: Vec<(u32, usize)> = Vec::new();
        let mut links: Vec<(u32, u32)> = Vec::new();
        let mut rows = Vec::with_capacity(c.report_ids.len());
        for (i, r) in c.report_ids.iter().enumerate() {
            let Some(number) = self.graph.report_number(r) else {
                rows.push(None);
                continue;
            };
            rows.push(self.detail_row_at(number));
            for k in self.graph.ident_numbers_of(number) {
                let n = *first_seen.entry(k).or_insert_with(|| {
                    keys.push((k, 0));
                    (keys.len() - 1) as u32
                });
                keys[n as usize].1 += 1;
                links.push((i as u32, n));
            }
        }
        let mut order: Vec<u32> = (0..keys.len() as u32).collect();
        order.sort_by(|&a, &b| {
            let (ka, na) = keys[a as usize];
            let (kb, nb) = keys[b as usize];
            let (ka, kb) = (self.graph.ident_key(ka), self.graph.ident_key(kb));
            nb.cmp(&na)
                .then(ka.value.cmp(&kb.value))
                .then(ka.kind.cmp(&kb.kind))
        });
        let mut renumber = vec![0u32; keys.len()];
        for (new, &old) in order.iter().enumerate() {
            renumber[old as usize] = new as u32;
        }
        for l in &mut links {
            l.1 = renumber[l.1 as usize];
        }
        let identifiers = order
            .iter()
            .map(|&n| {
                let (i, count) = keys[n as usize];
                let k = self.graph.ident_key(i);
                (
                    ClusterIdent {
                        kind: k.kind,
                        value: k.value.clone(),
                        reports: count,
                    },
                    self.partition.state(i).clone(),
                    self.graph.report_count_at(i),
                )
            })
            .collect();
        let suggestions = match u32::try_from(place) {
            Ok(p) => {
                let open = self.open_suggestions();
                let start = open.by_cluster.partition_point(|&(c, _)| c < p);
                open.by_cluster[start..]
                    .iter()
                    .take_while(|&&(c, _)| c == p)
                    .map(|&(_, i)| i)
                    .collect()
            }
            Err(_) => Vec::new(),
        };
        ClusterDetail {
            summary: c.clone(),
            rows,
            identifiers,
            links,
            suggestions,
        }
    }

    /// The row of report number `n` with the names the state holds
    /// (shared, not copied).
    fn detail_row_at(&self, n: usize) -> Option<DetailRow> {
        let node = self.graph.report_at(n)?;
        let meta = self.rows.get(n)?;
        let name = |i: u32| -> Arc<str> {
            self.names
                .get(i as usize)
                .cloned()
                .unwrap_or_else(|| Arc::from(""))
        };
        Some(DetailRow {
            filed_at: node.filed_at,
            amount_eur: meta.amount_eur,
            unit: name(meta.unit),
            team: name(meta.team),
            fraud_type: meta.fraud_type.map(name),
        })
    }
}
