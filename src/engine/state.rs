//! The derived state: the graph, its partition into clusters and the
//! cluster summaries, built from the store and replaced as a whole.

use std::collections::BTreeSet;
use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::cluster::{self, ClusterId, Graph, IdentKey, IdentState, Partition};
use crate::config::Settings;
use crate::ident::Kind;
use crate::report::ReportId;
use crate::store::{LinkRow, Revisions};

use super::clusters::{ClusterIdent, SuppressedIdent};
use super::ingest::victim_hash;
use super::overview::{FlowBase, Inflow};
use super::rfc3339::rfc3339_seconds;
use super::score::{ScoreFigures, ScoreParts, score_parts};
use super::suggestions::{OpenSuggestions, WeakInput};
use super::triage::QueueEntry;

/// Ends a chain of report numbers.
pub(super) const NO_REPORT: u32 = u32::MAX;

/// A report outside every cluster (only while a state is being built).
pub(super) const NO_CLUSTER: u32 = u32::MAX;

/// The derived state: graph, partition and cluster summaries. Replaced as
/// a whole after every change, so readers never see half an update.
pub struct State {
    pub(super) graph: Graph,
    pub(super) partition: Partition,
    pub(super) clusters: Vec<ClusterSummary>,
    /// The places in `clusters`, in cluster-id order (found by binary
    /// search: a hash map of 480k ids held 25 MB at a million reports).
    pub(super) by_id: Vec<u32>,
    /// Per report number (see `Graph::report_number`), its cluster's
    /// place in `clusters` ([`NO_CLUSTER`] for none).
    pub(super) report_cluster: Vec<u32>,
    /// Per report number, the fields the graph does not hold (its id,
    /// time, victim and supplement flag are in the graph's report node).
    pub(super) rows: Vec<RowMeta>,
    /// The unit, team and fraud-type names that `rows` number.
    pub(super) names: Vec<Arc<str>>,
    /// Per victim reference, its hash and the number of the first report
    /// naming it, in hash order (found by binary search: half the memory
    /// of a map); `victim_next` chains the others in order (most victims
    /// file once: a chain instead of 871k small vectors at a million
    /// reports).
    pub(super) victim_first: Vec<(u64, u32)>,
    /// Per report number, the next report of the same victim
    /// ([`NO_REPORT`] ends a chain).
    pub(super) victim_next: Vec<u32>,
    pub(super) suppressed: Vec<SuppressedIdent>,
    /// Computed on first use: the weak-link search costs as much as the
    /// rest of a rebuild and most commands never look at it.
    pub(super) suggestions: std::sync::OnceLock<OpenSuggestions>,
    pub(super) weak: Option<Box<WeakInput>>,
    /// The suggestion queue's order (see `State::suggestion_queue`),
    /// like the suggestions worked out on first use or before a serving
    /// engine publishes the state.
    pub(super) queue: std::sync::OnceLock<Vec<QueueEntry>>,
    /// See `State::inflow`.
    pub(super) inflow: std::sync::OnceLock<Inflow>,
    /// See `State::flow_base`: set by a serving engine.
    pub(super) flow_base: std::sync::OnceLock<Arc<FlowBase>>,
    /// The store generation this state was built from.
    pub(super) generation: i64,
    /// The store's change counters it was built from.
    pub(super) revisions: Revisions,
}

/// A report's fields beyond its graph node: 32 bytes, where a row that
/// repeated the node and held three names took 112 (about 70 MB of
/// serving memory at a million reports).
#[derive(Debug, Clone, Copy)]
pub(super) struct RowMeta {
    pub(super) amount_eur: Option<f64>,
    /// Numbers in [`State`]'s `names`, as [`LinkRow`] has them.
    pub(super) unit: u32,
    pub(super) team: u32,
    pub(super) fraud_type: Option<u32>,
}

/// A report's descriptive fields, as pages and exports show them.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    /// Filing time, Unix seconds.
    pub filed_at: i64,
    /// Damage.
    pub amount_eur: Option<f64>,
    /// The unit.
    pub unit: &'a str,
    /// The team.
    pub team: &'a str,
    /// The fraud category as filed.
    pub fraud_type: Option<&'a str>,
}

/// One cluster as exported (docs/formats.md section 3) plus additive fields.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ClusterSummary {
    /// Stable id.
    pub cluster_id: ClusterId,
    /// The reports, sorted. (The lists are boxed slices, 8 bytes less
    /// each than a vector: they never grow once made.)
    pub report_ids: Box<[ReportId]>,
    /// Number of reports.
    pub size: usize,
    /// Units reached, sorted (shared with the report rows).
    #[schema(value_type = Vec<String>)]
    pub units: Box<[Arc<str>]>,
    /// Teams reached, sorted.
    #[schema(value_type = Vec<String>)]
    pub teams: Box<[Arc<str>]>,
    /// Linking identifiers with the number of the cluster's reports naming them.
    pub identifiers: Box<[ClusterIdent]>,
    /// Total damage.
    pub amount_eur_total: f64,
    /// First filing, Unix seconds (written as RFC 3339).
    #[serde(with = "rfc3339_seconds")]
    #[schema(value_type = String)]
    pub first_filed_at: i64,
    /// Last filing, Unix seconds (written as RFC 3339).
    #[serde(with = "rfc3339_seconds")]
    #[schema(value_type = String)]
    pub last_filed_at: i64,
    /// Priority, 0..1.
    pub score: f64,
    /// The score's parts (additive field).
    pub score_parts: ScoreParts,
    /// Fraud types of its reports, sorted (additive field); the names of
    /// the categories, not copies of them.
    pub fraud_types: Box<[std::borrow::Cow<'static, str>]>,
}

impl ClusterSummary {
    /// The summary with a page of its reports and of its identifiers,
    /// each given as (skipped, most listed); the other fields, `size`
    /// included, describe the whole cluster.
    pub fn page(
        &self,
        (reports_from, reports): (usize, usize),
        (idents_from, idents): (usize, usize),
    ) -> ClusterSummary {
        /// Up to `most` items from `from` on (none past the end).
        fn part<T: Clone>(all: &[T], from: usize, most: usize) -> Box<[T]> {
            all.iter().skip(from).take(most).cloned().collect()
        }
        ClusterSummary {
            cluster_id: self.cluster_id.clone(),
            report_ids: part(&self.report_ids, reports_from, reports),
            size: self.size,
            units: self.units.clone(),
            teams: self.teams.clone(),
            identifiers: part(&self.identifiers, idents_from, idents),
            amount_eur_total: self.amount_eur_total,
            first_filed_at: self.first_filed_at,
            last_filed_at: self.last_filed_at,
            score: self.score,
            score_parts: self.score_parts.clone(),
            fraud_types: self.fraud_types.clone(),
        }
    }
}

impl State {
    pub(super) fn empty() -> State {
        State {
            graph: Graph::new(),
            partition: Graph::new().partition(&Settings::defaults().linking),
            clusters: Vec::new(),
            by_id: Vec::new(),
            report_cluster: Vec::new(),
            rows: Vec::new(),
            names: Vec::new(),
            victim_first: Vec::new(),
            victim_next: Vec::new(),
            suppressed: Vec::new(),
            suggestions: std::sync::OnceLock::new(),
            weak: None,
            queue: std::sync::OnceLock::new(),
            inflow: std::sync::OnceLock::new(),
            flow_base: std::sync::OnceLock::new(),
            generation: -1,
            revisions: Revisions::default(),
        }
    }

    pub(super) fn build(
        graph: Graph,
        partition: Partition,
        assignment: &cluster::Assignment,
        rows: Vec<LinkRow>,
        names: Vec<Arc<str>>,
        settings: &Settings,
    ) -> State {
        // Rows in the graph's numbering, so that a report's number finds
        // both. Sized exactly: at a million rows a doubling vector would
        // hold megabytes it never uses.
        let mut numbered: Vec<Option<RowMeta>> = vec![None; graph.len()];
        for row in &rows {
            if let Some(n) = graph.report_number(&row.id) {
                numbered[n] = Some(RowMeta {
                    amount_eur: row.amount_eur,
                    unit: row.unit,
                    team: row.team,
                    fraud_type: row.fraud_type,
                });
            }
        }
        drop(rows);
        let mut rows: Vec<RowMeta> = Vec::with_capacity(graph.len());
        rows.extend(numbered.into_iter().flatten());
        debug_assert_eq!(rows.len(), graph.len());
        let as_of = graph.reports().map(|r| r.filed_at).max().unwrap_or(0);
        // Chains built from the last report back, so each runs in order.
        let mut first_of: FxHashMap<&str, u32> = FxHashMap::default();
        let mut victim_next = vec![NO_REPORT; rows.len()];
        for n in (0..rows.len() as u32).rev() {
            if let Some(v) = graph.victim_at(n as usize)
                && let Some(before) = first_of.insert(v, n)
            {
                victim_next[n as usize] = before;
            }
        }
        let mut victim_first: Vec<(u64, u32)> = Vec::with_capacity(first_of.len());
        victim_first.extend(first_of.into_iter().map(|(v, n)| (victim_hash(v), n)));
        victim_first.sort_unstable();
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); partition.len()];
        for (n, &c) in partition.components().iter().enumerate() {
            members[c as usize].push(n);
        }
        // Summaries are independent: two threads halve the second-largest
        // step of a rebuild.
        let summarise_range = |range: std::ops::Range<usize>| -> Vec<ClusterSummary> {
            range
                .map(|c| {
                    let cid = &assignment.component_ids[c];
                    let ids = assignment.clusters.get(cid).map_or(&[][..], Vec::as_slice);
                    summarise(
                        cid,
                        ids,
                        &members[c],
                        &graph,
                        &partition,
                        &rows,
                        &names,
                        settings,
                        as_of,
                    )
                })
                .collect()
        };
        let count = assignment.component_ids.len().min(members.len());
        let clusters: Vec<ClusterSummary> = if count < 10_000 {
            summarise_range(0..count)
        } else {
            let half = count / 2;
            let (mut first, second) = std::thread::scope(|s| {
                let second = s.spawn(|| summarise_range(half..count));
                let first = summarise_range(0..half);
                (first, second.join())
            });
            match second {
                Ok(second) => {
                    first.extend(second);
                    first
                }
                Err(panic) => std::panic::resume_unwind(panic),
            }
        };
        // Ranked through a list of keys: moving the summaries themselves
        // about costs more than summarising them. The id's first eight
        // bytes settle most ties between equal scores without a pointer
        // chase.
        let prefix = |id: &ClusterId| {
            let mut b = [0u8; 8];
            let s = id.as_str().as_bytes();
            let n = s.len().min(8);
            b[..n].copy_from_slice(&s[..n]);
            u64::from_be_bytes(b)
        };
        let mut order: Vec<(f64, usize, u64, u32)> = clusters
            .iter()
            .enumerate()
            .map(|(i, c)| (c.score, c.size, prefix(&c.cluster_id), i as u32))
            .collect();
        order.sort_unstable_by(|a, b| {
            b.0.total_cmp(&a.0)
                .then(b.1.cmp(&a.1))
                .then(a.2.cmp(&b.2))
                .then_with(|| {
                    clusters[a.3 as usize]
                        .cluster_id
                        .cmp(&clusters[b.3 as usize].cluster_id)
                })
        });
        // Summaries were made in component order, so a summary's place
        // before ranking is its component.
        let mut report_cluster = vec![NO_CLUSTER; rows.len()];
        for (place, &(_, _, _, c)) in order.iter().enumerate() {
            for &n in members.get(c as usize).map_or(&[][..], Vec::as_slice) {
                report_cluster[n] = place as u32;
            }
        }
        drop(members);
        let mut slots: Vec<Option<ClusterSummary>> = clusters.into_iter().map(Some).collect();
        let mut clusters: Vec<ClusterSummary> = Vec::with_capacity(order.len());
        clusters.extend(
            order
                .into_iter()
                .filter_map(|(_, _, _, i)| slots[i as usize].take()),
        );
        drop(slots);
        // Sorted on the ids' first eight bytes, which settle nearly all
        // comparisons without following a pointer.
        let mut keyed: Vec<(u64, u32)> = clusters
            .iter()
            .enumerate()
            .map(|(p, c)| (prefix(&c.cluster_id), p as u32))
            .collect();
        keyed.sort_unstable_by(|a, b| {
            a.0.cmp(&b.0).then_with(|| {
                clusters[a.1 as usize]
                    .cluster_id
                    .cmp(&clusters[b.1 as usize].cluster_id)
            })
        });
        let mut by_id: Vec<u32> = Vec::with_capacity(keyed.len());
        by_id.extend(keyed.into_iter().map(|(_, p)| p));
        let mut suppressed: Vec<SuppressedIdent> = graph
            .idents(&partition)
            .filter_map(|(k, s, n)| match s {
                IdentState::Suppressed(reason) => Some(SuppressedIdent {
                    kind: k.kind,
                    value: k.value.clone(),
                    reports: n,
                    reason: reason.clone(),
                }),
                _ => None,
            })
            .collect();
        suppressed.sort_by(|a, b| b.reports.cmp(&a.reports).then(a.value.cmp(&b.value)));
        State {
            graph,
            partition,
            clusters,
            by_id,
            report_cluster,
            rows,
            names,
            victim_first,
            victim_next,
            suppressed,
            suggestions: std::sync::OnceLock::new(),
            weak: None,
            queue: std::sync::OnceLock::new(),
            inflow: std::sync::OnceLock::new(),
            flow_base: std::sync::OnceLock::new(),
            generation: 0,
            revisions: Revisions::default(),
        }
    }

    /// The store generation this state was built from.
    pub fn generation(&self) -> i64 {
        self.generation
    }

    /// Clusters ranked by priority.
    pub fn clusters(&self) -> &[ClusterSummary] {
        &self.clusters
    }

    /// One live cluster.
    pub fn cluster(&self, id: &ClusterId) -> Option<&ClusterSummary> {
        self.place(id).map(|p| &self.clusters[p])
    }

    /// The place of a live cluster in [`State::clusters`].
    pub(super) fn place(&self, id: &ClusterId) -> Option<usize> {
        let found = self
            .by_id
            .binary_search_by(|&p| self.clusters[p as usize].cluster_id.cmp(id));
        found.ok().map(|i| self.by_id[i] as usize)
    }

    /// The cluster of a report.
    pub fn cluster_of(&self, id: &ReportId) -> Option<&ClusterId> {
        self.graph
            .report_number(id)
            .and_then(|n| self.cluster_at(n))
    }

    /// The cluster of report number `n`.
    pub(super) fn cluster_at(&self, n: usize) -> Option<&ClusterId> {
        let place = *self.report_cluster.get(n)?;
        self.clusters.get(place as usize).map(|c| &c.cluster_id)
    }

    /// The cluster an identifier links to: the one its reports are in,
    /// when it links (not benign, suppressed or unknown).
    pub(super) fn cluster_named_by(&self, kind: Kind, value: &str) -> Option<&ClusterId> {
        let key = IdentKey {
            kind,
            value: value.into(),
        };
        if !matches!(
            self.graph.ident_state(&self.partition, &key),
            Some(IdentState::Active)
        ) {
            return None;
        }
        let (_, one) = self.graph.naming(&key)?;
        self.cluster_at(one)
    }

    /// The identifiers the hub guard suppressed, most reports first.
    pub fn suppressed(&self) -> &[SuppressedIdent] {
        &self.suppressed
    }

    /// The reports naming one side of a suggestion: those in the graph,
    /// and for an IBAN those naming it in an invalid form, which are kept
    /// apart.
    pub(super) fn side<'s>(&'s self, k: &IdentKey) -> impl Iterator<Item = &'s ReportId> {
        let invalid = match (&self.weak, k.kind) {
            (Some(w), Kind::Iban) => w.invalid_ibans.get(&*k.value).map(Vec::as_slice),
            _ => None,
        };
        self.graph
            .reports_with(k)
            .into_iter()
            .chain(invalid.unwrap_or(&[]))
    }

    /// The places of the distinct clusters on one side of a suggestion,
    /// sorted.
    pub(super) fn side_places(&self, k: &IdentKey) -> Vec<u32> {
        let mut c: Vec<u32> = self
            .side(k)
            .filter_map(|r| self.graph.report_number(r))
            .filter_map(|n| self.report_cluster.get(n).copied())
            .filter(|&p| p != NO_CLUSTER)
            .collect();
        c.sort_unstable();
        c.dedup();
        c
    }

    /// The numbers of the reports of one victim, in the order stored.
    pub(super) fn reports_of_victim(&self, victim: &str) -> impl Iterator<Item = usize> + '_ {
        let h = victim_hash(victim);
        let start = self.victim_first.partition_point(|&(k, _)| k < h);
        let mut next = self.victim_first[start..]
            .iter()
            .take_while(|&&(k, _)| k == h)
            .find(|&&(_, n)| self.graph.victim_at(n as usize) == Some(victim))
            .map_or(NO_REPORT, |&(_, n)| n);
        std::iter::from_fn(move || {
            let n = (next != NO_REPORT).then_some(next as usize)?;
            next = self.victim_next.get(n).copied().unwrap_or(NO_REPORT);
            Some(n)
        })
    }

    /// The number of reports.
    pub fn report_count(&self) -> usize {
        self.rows.len()
    }

    /// The store's change counters this state was built from.
    pub fn revisions(&self) -> Revisions {
        self.revisions
    }

    /// The descriptive fields of a report.
    pub fn row(&self, id: &ReportId) -> Option<Row<'_>> {
        let n = self.graph.report_number(id)?;
        let node = self.graph.report_at(n)?;
        let meta = self.rows.get(n)?;
        let name = |i: u32| self.names.get(i as usize).map_or("", |s| &**s);
        Some(Row {
            filed_at: node.filed_at,
            amount_eur: meta.amount_eur,
            unit: name(meta.unit),
            team: name(meta.team),
            fraud_type: meta.fraud_type.map(name),
        })
    }
}

/// Whether any of a cluster's identifiers of `kind` allows action by the
/// Dutch police ([`crate::ident::actionable`]).
fn actionable_kind(identifiers: &[ClusterIdent], kind: Kind) -> bool {
    identifiers
        .iter()
        .any(|i| i.kind == kind && crate::ident::actionable(kind, &i.value))
}

#[allow(clippy::too_many_arguments)] // Private helper of `State::build`.
pub(super) fn summarise(
    cid: &ClusterId,
    ids: &[ReportId],
    numbers: &[usize],
    graph: &Graph,
    partition: &Partition,
    rows: &[RowMeta],
    names: &[Arc<str>],
    settings: &Settings,
    as_of: i64,
) -> ClusterSummary {
    let mut units = BTreeSet::new();
    let mut teams = BTreeSet::new();
    let mut fraud_types = BTreeSet::new();
    let mut amount = 0.0;
    let (mut first, mut last) = (i64::MAX, i64::MIN);
    let mut victims = BTreeSet::new();
    let mut anonymous = 0;
    let (mut g14, mut g30) = (0, 0);
    let mut idents: FxHashMap<u32, usize> = FxHashMap::default();
    for &n in numbers {
        let (Some(row), Some(node)) = (rows.get(n), graph.report_at(n)) else {
            continue;
        };
        units.extend(names.get(row.unit as usize));
        teams.extend(names.get(row.team as usize));
        if let Some(t) = row.fraud_type.and_then(|t| names.get(t as usize)) {
            fraud_types.insert(crate::report::FraudType::parse(t).category());
        }
        amount += row.amount_eur.unwrap_or(0.0);
        first = first.min(node.filed_at);
        last = last.max(node.filed_at);
        match &node.victim_ref {
            Some(v) => {
                victims.insert(&**v);
            }
            None => anonymous += 1,
        }
        let age = as_of - node.filed_at;
        if age <= 14 * 86_400 {
            g14 += 1;
        }
        if age <= 30 * 86_400 {
            g30 += 1;
        }
        for i in graph.ident_numbers_of(n) {
            if matches!(partition.state(i), IdentState::Active) {
                *idents.entry(i).or_default() += 1;
            }
        }
    }
    let idents = idents.into_iter().map(|(i, n)| (graph.ident_key(i), n));
    let mut identifiers: Vec<ClusterIdent> = idents
        .into_iter()
        .map(|(k, n)| ClusterIdent {
            kind: k.kind,
            value: k.value.clone(),
            reports: n,
        })
        .collect();
    identifiers.sort_by(|a, b| {
        b.reports
            .cmp(&a.reports)
            .then(a.kind.cmp(&b.kind))
            .then(a.value.cmp(&b.value))
    });
    let figures = ScoreFigures {
        victims: victims.len() + anonymous,
        growth_14d: g14,
        growth_30d: g30,
        dutch_iban: actionable_kind(&identifiers, Kind::Iban),
        dutch_phone: actionable_kind(&identifiers, Kind::Phone),
        nl_domain: actionable_kind(&identifiers, Kind::Domain),
    };
    let parts = score_parts(
        ids.len(),
        units.len(),
        teams.len(),
        amount,
        as_of.saturating_sub(last),
        figures,
        settings,
    );
    let score = parts.score();
    let mut report_ids = ids.to_vec();
    if !report_ids.is_sorted() {
        report_ids.sort();
    }
    ClusterSummary {
        cluster_id: cid.clone(),
        size: ids.len(),
        report_ids: report_ids.into(),
        units: units.into_iter().cloned().collect(),
        teams: teams.into_iter().cloned().collect(),
        identifiers: identifiers.into(),
        amount_eur_total: (amount * 100.0).round() / 100.0,
        first_filed_at: first,
        last_filed_at: last,
        score: (score * 10_000.0).round() / 10_000.0,
        score_parts: parts,
        fraud_types: fraud_types
            .into_iter()
            .map(std::borrow::Cow::Borrowed)
            .collect(),
    }
}

impl State {
    /// The identifiers a report names in the graph (for exports).
    pub fn graph_idents_of(&self, id: &ReportId) -> Vec<&IdentKey> {
        self.graph.idents_of(id)
    }
}
