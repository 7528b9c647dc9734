//! Linking: reports and their identifiers as a petgraph graph, clusters as
//! its connected components, and cluster ids that stay stable as reports
//! arrive, merge and split; `rules`: mail providers and analysts'
//! confirmed links, the rules applied while the graph is built.
//!
//! The API speaks in [`ReportId`] and [`ClusterId`]; petgraph's indices
//! never leave this module. Nothing here does I/O or panics on input.

use std::collections::VecDeque;

use rustc_hash::{FxHashMap, FxHashSet};
use std::fmt;
use std::sync::Arc;

use petgraph::graph::{NodeIndex, UnGraph};
use petgraph::unionfind::UnionFind;
use serde::{Deserialize, Serialize};

use crate::config::LinkingConfig;
use crate::ident::Kind;
use crate::report::ReportId;

mod relink;
mod rules;
mod shared;

pub use rules::{MailProviders, endpoint_reports, ident_endpoint, normalise_endpoint};
pub use shared::shared_reason;

use relink::{Linking, Region};

/// A cluster's id: `C-` and six (rarely more) hex digits, stable for life.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(transparent)]
#[schema(value_type = String)]
pub struct ClusterId(Arc<str>);

impl ClusterId {
    /// Wraps an id read back from the store or typed by a user.
    pub fn new(id: impl Into<String>) -> ClusterId {
        ClusterId(Arc::from(id.into()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A fresh id derived from a seed report id, distinct from every id in
    /// `taken`. Derived, not random, so that the same history gives the
    /// same ids.
    fn derive(seed: &str, taken: impl Fn(&ClusterId) -> bool) -> ClusterId {
        for salt in 0u32.. {
            let h = fnv1a(seed.as_bytes(), salt);
            // Six hex digits while they are free; longer ones after many
            // collisions keep the loop short at any scale.
            let digits = if salt < 32 { 6 } else { 10 };
            let id = ClusterId::new(format!(
                "C-{:0width$x}",
                h & ((1u64 << (4 * digits)) - 1),
                width = digits
            ));
            if !taken(&id) {
                return id;
            }
        }
        unreachable!("an unbounded loop over salts always finds a free id")
    }
}

impl fmt::Display for ClusterId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn fnv1a(bytes: &[u8], salt: u32) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in salt.to_le_bytes().iter().chain(bytes) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Moves a vector into an allocation of its length. `shrink_to_fit`
/// is not enough: an allocator may keep a block that is at least half
/// used where it is (mimalloc does), and doubling leaves up to half unused.
fn compact<T>(v: &mut Vec<T>) {
    if v.capacity() > v.len() {
        let mut exact = Vec::with_capacity(v.len());
        exact.append(v);
        *v = exact;
    }
}

/// What the linker needs to know about a report.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportNode {
    /// The report's id.
    pub id: ReportId,
    /// Filing time, Unix seconds.
    pub filed_at: i64,
    /// The damage in cents, if given.
    pub amount_cents: Option<i64>,
    /// The pseudonymous victim reference.
    pub victim_ref: Option<Arc<str>>,
    /// The statement calls itself a supplement to an earlier report.
    pub supplement: bool,
    /// The report's fraud type as its number in
    /// [`FraudType::NAMED`](crate::report::FraudType::NAMED), when it is a
    /// known one ([`FraudType::known_number`](crate::report::FraudType::known_number)).
    pub fraud_category: Option<u8>,
}

/// The state of an identifier node: whether it links.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "state", content = "reason", rename_all = "lowercase")]
pub enum IdentState {
    /// Links the reports that name it.
    Active,
    /// Known benign (the allowlist or the words around it).
    Benign(String),
    /// Suppressed by the hub guard.
    Suppressed(String),
}

/// An identifier as a graph node.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
pub struct IdentKey {
    /// Its kind.
    #[serde(rename = "type")]
    pub kind: Kind,
    /// Its canonical value, shared with the graph's index.
    #[schema(value_type = String)]
    pub value: Arc<str>,
}

#[derive(Debug, Clone)]
enum Node {
    Report(u32),
    Ident(u32),
}

/// Why two reports are linked directly, other than by an identifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DirectLink {
    /// Two filings of one victim about one case.
    Refiling,
    /// A suggestion an analyst confirmed.
    Confirmed,
}

/// The graph of reports and identifiers.
#[derive(Debug, Default, Clone)]
pub struct Graph {
    graph: UnGraph<Node, Option<DirectLink>>,
    reports: Vec<ReportNode>,
    report_nodes: Vec<NodeIndex>,
    report_index: FxHashMap<ReportId, u32>,
    idents: Vec<IdentKey>,
    ident_nodes: Vec<NodeIndex>,
    /// Why an identifier is benign, for the few that are.
    ident_benign: FxHashMap<u32, String>,
    /// Per kind (in `Kind::ALL` order), value to identifier number.
    ident_index: [FxHashMap<Arc<str>, u32>; Kind::ALL.len()],
    /// Per identifier, how many reports name it (who they are is in the
    /// graph's edges, not repeated here).
    ident_degree: Vec<u32>,
    direct: Vec<(u32, u32, DirectLink)>,
}

/// One identifier of a report as given to the graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkIdent<'a> {
    /// Its kind.
    pub kind: Kind,
    /// Its canonical value.
    pub value: &'a str,
    /// Why it is benign, if it is.
    pub benign: Option<&'a str>,
}

impl Graph {
    /// An empty graph.
    pub fn new() -> Graph {
        Graph::default()
    }

    /// Makes room for `reports` more reports naming `links` identifiers
    /// between them, so that a rebuild's large vectors are allocated once
    /// at their size instead of doubling (and keeping up to half unused).
    pub fn reserve(&mut self, reports: usize, links: usize) {
        self.reports.reserve_exact(reports);
        self.report_nodes.reserve_exact(reports);
        self.report_index.reserve(reports);
        self.graph.reserve_nodes(reports);
        self.graph.reserve_exact_edges(links);
    }

    /// Gives back the room that growing left unused: the identifiers
    /// are counted only as they are added, so their vectors grow by
    /// doubling, and the room would be kept for the life of the state.
    /// This crate's vectors move into exact allocations; petgraph's node
    /// and edge vectors can only be asked to shrink, which mimalloc
    /// ignores for a block at least half used (the edges are reserved
    /// exactly instead; the identifier nodes, some 25 MB of room at a
    /// million reports, are not).
    pub fn shrink_to_fit(&mut self) {
        self.graph.shrink_to_fit();
        compact(&mut self.reports);
        compact(&mut self.report_nodes);
        compact(&mut self.idents);
        compact(&mut self.ident_nodes);
        compact(&mut self.ident_degree);
        compact(&mut self.direct);
    }

    /// The number of reports.
    pub fn len(&self) -> usize {
        self.reports.len()
    }

    /// True when there are no reports.
    pub fn is_empty(&self) -> bool {
        self.reports.is_empty()
    }

    /// Adds a report with its offender identifiers (valid, offender role;
    /// benign ones included so that `explain` can name them). A report id
    /// seen before is ignored: the caller rebuilds the graph on updates.
    pub fn add_report(&mut self, node: ReportNode, idents: &[LinkIdent<'_>]) {
        if self.report_index.contains_key(&node.id) {
            return;
        }
        let r = self.reports.len() as u32;
        let rn = self.graph.add_node(Node::Report(r));
        self.report_index.insert(node.id.clone(), r);
        self.reports.push(node);
        self.report_nodes.push(rn);
        // A report names a handful of identifiers: a list beats a set.
        let mut seen: Vec<u32> = Vec::with_capacity(idents.len());
        for li in idents {
            let index = &mut self.ident_index[li.kind as usize];
            let i = match index.get(li.value) {
                Some(&i) => i,
                None => {
                    let i = self.idents.len() as u32;
                    let value: Arc<str> = Arc::from(li.value);
                    let n = self.graph.add_node(Node::Ident(i));
                    index.insert(value.clone(), i);
                    self.idents.push(IdentKey {
                        kind: li.kind,
                        value,
                    });
                    self.ident_nodes.push(n);
                    self.ident_degree.push(0);
                    i
                }
            };
            if let Some(b) = li.benign
                && !self.ident_benign.contains_key(&i)
            {
                self.ident_benign.insert(i, b.to_owned());
            }
            if !seen.contains(&i) {
                seen.push(i);
                self.graph.add_edge(rn, self.ident_nodes[i as usize], None);
                self.ident_degree[i as usize] += 1;
            }
        }
    }

    /// The number of an identifier the graph holds (its place in
    /// [`Graph::idents`]).
    pub fn ident_number(&self, key: &IdentKey) -> Option<u32> {
        self.ident_index[key.kind as usize]
            .get(&*key.value)
            .copied()
    }

    /// Links two reports directly (a confirmed suggestion). Unknown ids
    /// are ignored.
    pub fn add_direct(&mut self, a: &ReportId, b: &ReportId, why: DirectLink) {
        if let (Some(&x), Some(&y)) = (self.report_index.get(a), self.report_index.get(b))
            && x != y
        {
            self.graph.add_edge(
                self.report_nodes[x as usize],
                self.report_nodes[y as usize],
                Some(why.clone()),
            );
            self.direct.push((x, y, why));
        }
    }

    /// Adds refiling links: two reports of one victim filed within the
    /// window that name the same damage or call themselves a supplement.
    pub fn add_refilings(&mut self, window_days: i64) {
        let pairs = self.refiling_pairs(0, window_days);
        // Exactly: the edges were reserved for the identifier links, and
        // doubling them for a few refilings would leave half unused.
        self.graph.reserve_exact_edges(pairs.len());
        self.direct.reserve_exact(pairs.len());
        self.add_refiling_pairs(&pairs);
    }

    /// The refilings (report numbers, the earlier first) of which the
    /// later report is numbered `first` or later.
    fn refiling_pairs(&self, first: usize, window_days: i64) -> Vec<(u32, u32)> {
        // Only the victims of those reports, unless that is all of them.
        let new_victims: Option<FxHashSet<&str>> = (first > 0).then(|| {
            self.reports[first.min(self.reports.len())..]
                .iter()
                .filter_map(|r| r.victim_ref.as_deref())
                .collect()
        });
        if new_victims.as_ref().is_some_and(FxHashSet::is_empty) {
            return Vec::new();
        }
        let mut by_victim: FxHashMap<&str, Vec<u32>> = FxHashMap::default();
        for (i, r) in self.reports.iter().enumerate() {
            if let Some(v) = r.victim_ref.as_deref()
                && new_victims.as_ref().is_none_or(|new| new.contains(v))
            {
                by_victim.entry(v).or_default().push(i as u32);
            }
        }
        let window = window_days.saturating_mul(86_400);
        let mut pairs = Vec::new();
        for list in by_victim.values() {
            for (n, &a) in list.iter().enumerate() {
                for &b in &list[n + 1..] {
                    if b as usize >= first
                        && is_refiling(&self.reports[a as usize], &self.reports[b as usize], window)
                    {
                        pairs.push((a, b));
                    }
                }
            }
        }
        pairs
    }

    fn add_refiling_pairs(&mut self, pairs: &[(u32, u32)]) {
        for &(a, b) in pairs {
            let (ia, ib) = (
                self.reports[a as usize].id.clone(),
                self.reports[b as usize].id.clone(),
            );
            self.add_direct(&ia, &ib, DirectLink::Refiling);
        }
    }

    /// The report's node data.
    pub fn report(&self, id: &ReportId) -> Option<&ReportNode> {
        self.report_index
            .get(id)
            .map(|&i| &self.reports[i as usize])
    }

    /// The report with a number (see [`Graph::report_number`]).
    pub fn report_at(&self, number: usize) -> Option<&ReportNode> {
        self.reports.get(number)
    }

    /// The victim reference of the report with a number, if it has one.
    pub fn victim_at(&self, number: usize) -> Option<&str> {
        self.reports.get(number)?.victim_ref.as_deref()
    }

    /// All reports, in insertion order.
    pub fn reports(&self) -> impl Iterator<Item = &ReportNode> {
        self.reports.iter()
    }

    /// A report's number: its position in insertion order.
    pub fn report_number(&self, id: &ReportId) -> Option<usize> {
        self.report_index.get(id).map(|&i| i as usize)
    }

    /// The numbers of the identifiers report number `r` names.
    pub fn ident_numbers_of(&self, r: usize) -> impl Iterator<Item = u32> + '_ {
        self.report_nodes
            .get(r)
            .into_iter()
            .flat_map(|&n| self.graph.neighbors(n))
            .filter_map(|n| match self.graph[n] {
                Node::Ident(i) => Some(i),
                Node::Report(_) => None,
            })
    }

    /// The identifier with number `i`.
    pub fn ident_key(&self, i: u32) -> &IdentKey {
        &self.idents[i as usize]
    }

    /// The reports that name an identifier.
    pub fn reports_with(&self, key: &IdentKey) -> Vec<&ReportId> {
        self.ident_number(key).map_or_else(Vec::new, |i| {
            let mut numbers: Vec<u32> = self.ident_report_numbers(i).collect();
            // Edges are listed newest first; callers get insertion order.
            numbers.reverse();
            numbers
                .into_iter()
                .map(|r| &self.reports[r as usize].id)
                .collect()
        })
    }

    /// How many reports name an identifier (0 for one the graph does not
    /// hold), without visiting them: platform domains and banks' numbers
    /// are named by a large share of all reports.
    pub fn report_count(&self, key: &IdentKey) -> usize {
        self.ident_number(key)
            .map_or(0, |i| self.ident_degree[i as usize] as usize)
    }

    /// [`Graph::report_count`] of identifier number `i` (0 for a number
    /// the graph does not hold).
    pub fn report_count_at(&self, i: u32) -> usize {
        self.ident_degree.get(i as usize).map_or(0, |&d| d as usize)
    }

    /// How many reports name an identifier, and the number (see
    /// [`Graph::report_number`]) of one of them; without collecting them,
    /// for the check, which asks this of identifiers named by thousands.
    pub fn naming(&self, key: &IdentKey) -> Option<(usize, usize)> {
        self.naming_at(self.ident_number(key)?)
    }

    /// [`Graph::naming`] of identifier number `i` (see [`Graph::idents`]).
    pub fn naming_at(&self, i: u32) -> Option<(usize, usize)> {
        let one = self.ident_report_numbers(i).next()?;
        Some((*self.ident_degree.get(i as usize)? as usize, one as usize))
    }

    /// The numbers of the reports naming identifier `i`, in no set order.
    fn ident_report_numbers(&self, i: u32) -> impl Iterator<Item = u32> + '_ {
        self.graph
            .neighbors(self.ident_nodes[i as usize])
            .filter_map(|n| match self.graph[n] {
                Node::Report(r) => Some(r),
                Node::Ident(_) => None,
            })
    }

    /// Computes the partition into clusters, with the hub guard.
    pub fn partition(&self, cfg: &LinkingConfig) -> Partition {
        let (component, states, sides) = self.link(&Region::All, cfg);
        let count = component.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
        Partition {
            component,
            count,
            states,
            sides,
        }
    }

    /// Links the reports of `region` (all, or a set closed under linking:
    /// see `relink`): per report of the region in its order, its component
    /// (numbered in the order of each component's first report), and the
    /// states and sides of the region's identifiers that do not link.
    fn link(&self, region: &Region, cfg: &LinkingConfig) -> Linking {
        let mut states: FxHashMap<u32, IdentState> = match region {
            Region::All => self
                .ident_benign
                .iter()
                .map(|(&i, why)| (i, IdentState::Benign(why.clone())))
                .collect(),
            Region::Part { idents, .. } => idents
                .iter()
                .filter_map(|i| Some((*i, IdentState::Benign(self.ident_benign.get(i)?.clone()))))
                .collect(),
        };
        let mut sides = FxHashMap::default();
        let mut component = self.components(region, &mut states, &sides, cfg);
        let shared = shared::find(self, region, &component, &states, cfg.shared_min_reports);
        if !shared.is_empty() {
            // Linked again with them linking only within their sides; the
            // hubs found stay set aside (they join no fewer groups now).
            for (i, found) in shared {
                states.insert(i, IdentState::Suppressed(found.reason));
                sides.insert(i, found.sides);
            }
            component = self.components(region, &mut states, &sides, cfg);
        }
        (component, states, sides)
    }

    /// Per report of `region`, its component (numbered in the order of
    /// each component's first report) when every identifier not in
    /// `states` links, after the hub guard, which adds the hubs it sets
    /// aside to `states`.
    fn components(
        &self,
        region: &Region,
        states: &mut FxHashMap<u32, IdentState>,
        sides: &FxHashMap<u32, Vec<(u32, u8)>>,
        cfg: &LinkingConfig,
    ) -> Vec<u32> {
        let n = region.len(self);
        let local = |r: u32| region.local(r);
        // Hub candidates are examined from the most specific (fewest
        // reports) up, each against the links kept so far, so that a big
        // group's own identifiers hold it together before its largest hub
        // is judged.
        let mut hubs: Vec<u32> = region
            .idents(self)
            .filter(|&i| {
                !states.contains_key(&i)
                    && self.ident_degree[i as usize] as usize >= cfg.hub_min_reports.max(2)
            })
            .collect();
        hubs.sort_by_key(|&i| (self.ident_degree[i as usize], i));
        let hub_set: FxHashSet<u32> = hubs.iter().copied().collect();
        let mut uf = UnionFind::<u32>::new(n);
        let mut sizes = vec![1u32; n];
        let union = |uf: &mut UnionFind<u32>, sizes: &mut Vec<u32>, a: u32, b: u32| {
            let (ra, rb) = (uf.find(a), uf.find(b));
            if ra != rb {
                let total = sizes[ra as usize] + sizes[rb as usize];
                uf.union(ra, rb);
                let r = uf.find(ra);
                sizes[r as usize] = total;
            }
        };
        for (a, b) in region.direct(self) {
            union(&mut uf, &mut sizes, local(a), local(b));
        }
        // A shared identifier links the reports on each of its sides.
        for side in sides.values() {
            let mut first: FxHashMap<u8, u32> = FxHashMap::default();
            for &(r, s) in side {
                let f = *first.entry(s).or_insert(r);
                union(&mut uf, &mut sizes, local(f), local(r));
            }
        }
        for i in region.idents(self) {
            if self.ident_degree[i as usize] < 2 || states.contains_key(&i) || hub_set.contains(&i)
            {
                continue;
            }
            let mut reports = self.ident_report_numbers(i);
            if let Some(first) = reports.next() {
                for r in reports {
                    union(&mut uf, &mut sizes, local(first), local(r));
                }
            }
        }
        for h in hubs {
            let reports: Vec<u32> = self.ident_report_numbers(h).map(local).collect();
            let mut groups: FxHashMap<u32, usize> = FxHashMap::default();
            for &r in &reports {
                let root = uf.find(r);
                if sizes[root as usize] >= 2 {
                    *groups.entry(root).or_default() += 1;
                }
            }
            let linked: usize = groups.values().sum();
            let largest = groups.values().copied().max().unwrap_or(0);
            let share = if linked == 0 {
                1.0
            } else {
                largest as f64 / linked as f64
            };
            if groups.len() >= cfg.hub_min_groups && share < cfg.hub_max_largest_share {
                states.insert(
                    h,
                    IdentState::Suppressed(hub_reason(reports.len(), groups.len(), share)),
                );
            } else if let Some((&first, rest)) = reports.split_first() {
                for &r in rest {
                    union(&mut uf, &mut sizes, first, r);
                }
            }
        }
        let mut comp_of_root: FxHashMap<u32, u32> = FxHashMap::default();
        let mut component = Vec::with_capacity(n);
        for r in 0..n as u32 {
            let root = uf.find(r);
            let next = comp_of_root.len() as u32;
            component.push(*comp_of_root.entry(root).or_insert(next));
        }
        component
    }

    /// The state of an identifier under a partition.
    pub fn ident_state<'p>(&self, p: &'p Partition, key: &IdentKey) -> Option<&'p IdentState> {
        self.ident_number(key).map(|i| p.state(i))
    }

    /// For an identifier shared between groups, per side the number of
    /// reports of that side naming it and one of them (a report number):
    /// a check naming it is shown every side's cluster. Empty for others.
    pub fn shared_sides(&self, p: &Partition, key: &IdentKey) -> Vec<(usize, usize)> {
        self.ident_number(key)
            .map_or_else(Vec::new, |i| Graph::shared_sides_at(p, i))
    }

    /// [`Graph::shared_sides`] of identifier number `i` (see
    /// [`Graph::idents`]).
    pub fn shared_sides_at(p: &Partition, i: u32) -> Vec<(usize, usize)> {
        let Some(sides) = p.sides.get(&i) else {
            return Vec::new();
        };
        let mut out: Vec<(u8, usize, usize)> = Vec::new();
        for &(r, side) in sides {
            match out.iter_mut().find(|s| s.0 == side) {
                Some(s) => s.1 += 1,
                None => out.push((side, 1, r as usize)),
            }
        }
        out.into_iter().map(|(_, n, r)| (n, r)).collect()
    }

    /// Every identifier with its state and report count, in the order of
    /// their numbers.
    pub fn idents<'a>(
        &'a self,
        p: &'a Partition,
    ) -> impl Iterator<Item = (&'a IdentKey, &'a IdentState, usize)> {
        self.idents
            .iter()
            .enumerate()
            .map(|(i, k)| (k, p.state(i as u32), self.ident_degree[i] as usize))
    }

    /// The identifiers a report names in the graph.
    pub fn idents_of(&self, id: &ReportId) -> Vec<&IdentKey> {
        let Some(&r) = self.report_index.get(id) else {
            return Vec::new();
        };
        self.graph
            .neighbors(self.report_nodes[r as usize])
            .filter_map(|n| match self.graph[n] {
                Node::Ident(i) => Some(&self.idents[i as usize]),
                Node::Report(_) => None,
            })
            .collect()
    }

    /// The shortest chain between two reports over active links; when
    /// there is none, the shortest over any identifier, naming those that
    /// do not link.
    pub fn explain(&self, p: &Partition, a: &ReportId, b: &ReportId) -> Explanation {
        let (Some(&x), Some(&y)) = (self.report_index.get(a), self.report_index.get(b)) else {
            return Explanation::Unknown;
        };
        explain_between(&Live { g: self, p }, x, y)
    }

    /// The graph and its identifiers' states in a form kept on disk
    /// (see [`FrozenGraph`]).
    pub fn freeze(&self, p: &Partition) -> FrozenGraph {
        let reports = self.reports.len();
        let nodes = reports + self.idents.len();
        let number = |n: NodeIndex| match self.graph[n] {
            Node::Report(r) => r,
            Node::Ident(i) => reports as u32 + i,
        };
        let mut offsets = Vec::with_capacity(nodes + 1);
        let mut adjacent = Vec::with_capacity(2 * self.graph.edge_count());
        let mut why = Vec::with_capacity(2 * self.graph.edge_count());
        offsets.push(0);
        for n in self.report_nodes.iter().chain(&self.ident_nodes) {
            for e in self.graph.edges(*n) {
                let m = if e.source() == *n {
                    e.target()
                } else {
                    e.source()
                };
                adjacent.push(number(m));
                let side = match (&self.graph[*n], &self.graph[m]) {
                    (Node::Report(r), Node::Ident(i)) | (Node::Ident(i), Node::Report(r)) => {
                        p.side(*r, *i)
                    }
                    _ => None,
                };
                why.push(match e.weight() {
                    None => side.map_or(0, |s| 3 + s),
                    Some(DirectLink::Refiling) => 1,
                    Some(DirectLink::Confirmed) => 2,
                });
            }
            offsets.push(adjacent.len() as u32);
        }
        let mut report_order: Vec<u32> = (0..reports as u32).collect();
        report_order.sort_unstable_by(|&a, &b| {
            self.reports[a as usize]
                .id
                .cmp(&self.reports[b as usize].id)
        });
        let mut states: Vec<(u32, u8, String)> = p
            .states
            .iter()
            .map(|(&i, s)| match s {
                IdentState::Active => (i, 0, String::new()),
                IdentState::Benign(w) => (i, 1, w.clone()),
                IdentState::Suppressed(w) => (i, 2, w.clone()),
            })
            .collect();
        states.sort_unstable_by_key(|s| s.0);
        FrozenGraph {
            reports: reports as u32,
            offsets,
            adjacent,
            why,
            report_ids: Strings::of(self.reports.iter().map(|r| r.id.as_str())),
            report_order,
            ident_kinds: self.idents.iter().map(|k| k.kind as u8).collect(),
            ident_values: Strings::of(self.idents.iter().map(|k| &*k.value)),
            ident_degree: self.ident_degree.clone(),
            states,
        }
    }
}

/// A node as `explain` walks a graph: a report or an identifier, by number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum At {
    Report(u32),
    Ident(u32),
}

/// What `explain` needs of a graph: each node's neighbours in a fixed
/// order (the in-memory graph's, which the frozen one keeps, so that both
/// find the same chain) and the names of the steps.
trait Walk {
    fn neighbours(&self, at: At, out: &mut Vec<(At, Option<DirectLink>)>);
    fn links(&self, ident: u32) -> bool;
    fn report_id(&self, r: u32) -> ReportId;
    fn ident_key(&self, i: u32) -> IdentKey;
    fn ident_reports(&self, i: u32) -> usize;
    fn ident_state(&self, i: u32) -> IdentState;
    /// The side of report `r` of identifier `i` when `i` is shared
    /// between groups: it links the reports of one side only.
    fn side(&self, r: u32, i: u32) -> Option<u8>;
}

/// The graph in memory, with the states of its identifiers.
struct Live<'a> {
    g: &'a Graph,
    p: &'a Partition,
}

impl Walk for Live<'_> {
    fn neighbours(&self, at: At, out: &mut Vec<(At, Option<DirectLink>)>) {
        let n = match at {
            At::Report(r) => self.g.report_nodes[r as usize],
            At::Ident(i) => self.g.ident_nodes[i as usize],
        };
        for e in self.g.graph.edges(n) {
            let m = if e.source() == n {
                e.target()
            } else {
                e.source()
            };
            let to = match self.g.graph[m] {
                Node::Report(r) => At::Report(r),
                Node::Ident(i) => At::Ident(i),
            };
            out.push((to, e.weight().clone()));
        }
    }

    fn links(&self, ident: u32) -> bool {
        *self.p.state(ident) == IdentState::Active
    }

    fn report_id(&self, r: u32) -> ReportId {
        self.g.reports[r as usize].id.clone()
    }

    fn ident_key(&self, i: u32) -> IdentKey {
        self.g.idents[i as usize].clone()
    }

    fn ident_reports(&self, i: u32) -> usize {
        self.g.ident_degree[i as usize] as usize
    }

    fn ident_state(&self, i: u32) -> IdentState {
        self.p.state(i).clone()
    }

    fn side(&self, r: u32, i: u32) -> Option<u8> {
        self.p.side(r, i)
    }
}

/// See [`Graph::explain`].
fn explain_between(g: &impl Walk, x: u32, y: u32) -> Explanation {
    if let Some(path) = shortest(g, x, y, true) {
        return Explanation::Linked { path };
    }
    match shortest(g, x, y, false) {
        Some(path) => {
            let blocked = path
                .iter()
                .filter(|s| {
                    !matches!(
                        s,
                        Step::Ident {
                            state: IdentState::Active,
                            ..
                        }
                    )
                })
                .filter(|s| matches!(s, Step::Ident { .. }))
                .cloned()
                .collect();
            Explanation::Blocked { path, blocked }
        }
        None => Explanation::NotLinked,
    }
}

/// The shortest chain from report `x` to report `y` (breadth first), over
/// linking identifiers only when `active_only`.
fn shortest(g: &impl Walk, x: u32, y: u32, active_only: bool) -> Option<Vec<Step>> {
    let (start, goal) = (At::Report(x), At::Report(y));
    // Each node reached, with the node before it and the direct link
    // between them, if that is one.
    let mut prev: FxHashMap<At, (At, Option<DirectLink>)> = FxHashMap::default();
    let mut queue = VecDeque::from([start]);
    prev.insert(start, (start, None));
    let mut next = Vec::new();
    // A shared identifier entered from a report of one side leads on only
    // to the reports of that side.
    let mut entered: FxHashMap<u32, u8> = FxHashMap::default();
    while let Some(n) = queue.pop_front() {
        if n == goal {
            break;
        }
        next.clear();
        g.neighbours(n, &mut next);
        for (m, why) in next.drain(..) {
            if prev.contains_key(&m) {
                continue;
            }
            if active_only {
                match (n, m) {
                    (At::Report(r), At::Ident(i)) if !g.links(i) => match g.side(r, i) {
                        Some(side) => {
                            entered.insert(i, side);
                        }
                        None => continue,
                    },
                    (At::Ident(i), At::Report(r))
                        if !g.links(i)
                            && (g.side(r, i).is_none()
                                || g.side(r, i) != entered.get(&i).copied()) =>
                    {
                        continue;
                    }
                    _ => {}
                }
            }
            prev.insert(m, (n, why));
            queue.push_back(m);
        }
    }
    if !prev.contains_key(&goal) {
        return None;
    }
    let mut nodes = vec![goal];
    let mut cur = goal;
    while cur != start {
        cur = prev[&cur].0;
        nodes.push(cur);
    }
    nodes.reverse();
    let mut steps = Vec::new();
    for (k, &node) in nodes.iter().enumerate() {
        match node {
            At::Report(r) => {
                if k > 0
                    && let At::Report(_) = nodes[k - 1]
                {
                    steps.push(Step::Direct {
                        why: prev[&node].1.clone().unwrap_or(DirectLink::Confirmed),
                    });
                }
                steps.push(Step::Report { id: g.report_id(r) });
            }
            At::Ident(i) => steps.push(Step::Ident {
                key: g.ident_key(i),
                reports: g.ident_reports(i),
                state: g.ident_state(i),
            }),
        }
    }
    Some(steps)
}

/// Strings one after the other, with where each ends.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Strings {
    bytes: Vec<u8>,
    ends: Vec<u32>,
}

impl Strings {
    fn of<'a>(list: impl Iterator<Item = &'a str>) -> Strings {
        let mut s = Strings::default();
        for x in list {
            s.bytes.extend_from_slice(x.as_bytes());
            s.ends.push(s.bytes.len() as u32);
        }
        s
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        // Checked when read back (see `FrozenGraph::from_bytes`).
        std::str::from_utf8(&self.bytes[start..self.ends[i] as usize]).unwrap_or("")
    }
}

/// The graph, its identifiers' states and its report and identifier names
/// as flat arrays: what `fraudlink explain` walks beside a running
/// service without building the graph (`saved` keeps it on disk). It finds
/// the same chains as [`Graph::explain`]: each node keeps its neighbours in
/// the order the graph in memory lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrozenGraph {
    /// Nodes below this number are reports; the others identifiers.
    reports: u32,
    /// Per node, where its neighbours end in `adjacent`.
    offsets: Vec<u32>,
    adjacent: Vec<u32>,
    /// Per entry of `adjacent`: 0 an identifier, 1 a refiling, 2 a
    /// confirmed link, 3 + s an identifier shared between groups, on side
    /// s.
    why: Vec<u8>,
    report_ids: Strings,
    /// Report numbers in id order.
    report_order: Vec<u32>,
    ident_kinds: Vec<u8>,
    ident_values: Strings,
    ident_degree: Vec<u32>,
    /// The identifiers that do not link: number, 1 benign or 2
    /// suppressed, why; by number.
    states: Vec<(u32, u8, String)>,
}

impl FrozenGraph {
    /// The number of reports.
    pub fn report_count(&self) -> usize {
        self.reports as usize
    }

    fn report_number(&self, id: &ReportId) -> Option<u32> {
        self.report_order
            .binary_search_by(|&r| self.report_ids.get(r as usize).cmp(id.as_str()))
            .ok()
            .map(|i| self.report_order[i])
    }

    /// See [`Graph::explain`].
    pub fn explain(&self, a: &ReportId, b: &ReportId) -> Explanation {
        match (self.report_number(a), self.report_number(b)) {
            (Some(x), Some(y)) => explain_between(self, x, y),
            _ => Explanation::Unknown,
        }
    }

    fn state(&self, i: u32) -> Option<&(u32, u8, String)> {
        self.states
            .binary_search_by_key(&i, |s| s.0)
            .ok()
            .map(|at| &self.states[at])
    }

    /// The frozen graph as bytes (little-endian arrays, each after its
    /// length), handed to `out` a piece at a time, so that a large graph
    /// is not copied whole.
    pub fn to_bytes(
        &self,
        out: &mut dyn FnMut(&[u8]) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let put_len = |out: &mut dyn FnMut(&[u8]) -> std::io::Result<()>, n: usize| {
            out(&(n as u64).to_le_bytes())
        };
        let put_u32s = |out: &mut dyn FnMut(&[u8]) -> std::io::Result<()>,
                        list: &[u32]|
         -> std::io::Result<()> {
            put_len(out, list.len())?;
            let mut buf = Vec::with_capacity(64 * 1024);
            for chunk in list.chunks(16 * 1024) {
                buf.clear();
                for x in chunk {
                    buf.extend_from_slice(&x.to_le_bytes());
                }
                out(&buf)?;
            }
            Ok(())
        };
        let put_bytes = |out: &mut dyn FnMut(&[u8]) -> std::io::Result<()>, list: &[u8]| {
            put_len(out, list.len())?;
            out(list)
        };
        out(&self.reports.to_le_bytes())?;
        put_u32s(out, &self.offsets)?;
        put_u32s(out, &self.adjacent)?;
        put_bytes(out, &self.why)?;
        put_bytes(out, &self.report_ids.bytes)?;
        put_u32s(out, &self.report_ids.ends)?;
        put_u32s(out, &self.report_order)?;
        put_bytes(out, &self.ident_kinds)?;
        put_bytes(out, &self.ident_values.bytes)?;
        put_u32s(out, &self.ident_values.ends)?;
        put_u32s(out, &self.ident_degree)?;
        put_len(out, self.states.len())?;
        for (i, code, why) in &self.states {
            out(&i.to_le_bytes())?;
            out(&[*code])?;
            put_bytes(out, why.as_bytes())?;
        }
        Ok(())
    }

    /// Reads what [`FrozenGraph::to_bytes`] wrote, checking that every number
    /// points where it may (a damaged file is an error, never a panic).
    pub fn from_bytes(bytes: &[u8]) -> Result<FrozenGraph, String> {
        let mut r = Bytes { at: bytes };
        let reports = r.u32()?;
        let offsets = r.u32s()?;
        let adjacent = r.u32s()?;
        let why = r.bytes()?.to_vec();
        let report_ids = Strings {
            bytes: r.bytes()?.to_vec(),
            ends: r.u32s()?,
        };
        let report_order = r.u32s()?;
        let ident_kinds = r.bytes()?.to_vec();
        let ident_values = Strings {
            bytes: r.bytes()?.to_vec(),
            ends: r.u32s()?,
        };
        let ident_degree = r.u32s()?;
        let count = r.len()?;
        let mut states = Vec::new();
        for _ in 0..count {
            let i = r.u32()?;
            let code = *r.take(1)?.first().ok_or("a state is cut off")?;
            let why = std::str::from_utf8(r.bytes()?)
                .map_err(|_| "a state's reason is not UTF-8")?
                .to_owned();
            states.push((i, code, why));
        }
        let g = FrozenGraph {
            reports,
            offsets,
            adjacent,
            why,
            report_ids,
            report_order,
            ident_kinds,
            ident_values,
            ident_degree,
            states,
        };
        g.check()?;
        Ok(g)
    }

    fn check(&self) -> Result<(), String> {
        let idents = self.ident_kinds.len();
        let nodes = self.reports as usize + idents;
        let strings_ok = |s: &Strings| {
            s.ends.windows(2).all(|w| w[0] <= w[1])
                && s.ends.last().is_none_or(|&e| e as usize == s.bytes.len())
                && std::str::from_utf8(&s.bytes).is_ok_and(|text| {
                    s.ends
                        .iter()
                        .all(|&end| text.is_char_boundary(end as usize))
                })
        };
        let fine = self.offsets.len() == nodes + 1
            && self.offsets.first() == Some(&0)
            && self.offsets.windows(2).all(|w| w[0] <= w[1])
            && self
                .offsets
                .last()
                .is_some_and(|&e| e as usize == self.adjacent.len())
            && self.why.len() == self.adjacent.len()
            && self.adjacent.iter().all(|&n| (n as usize) < nodes)
            && self.report_ids.len() == self.reports as usize
            && strings_ok(&self.report_ids)
            && self.report_order.len() == self.reports as usize
            && self.report_order.iter().all(|&r| r < self.reports)
            && self
                .ident_kinds
                .iter()
                .all(|&k| (k as usize) < Kind::ALL.len())
            && self.ident_values.len() == idents
            && strings_ok(&self.ident_values)
            && self.ident_degree.len() == idents
            && self.states.windows(2).all(|w| w[0].0 < w[1].0)
            && self.states.iter().all(|s| (s.0 as usize) < idents);
        if fine {
            Ok(())
        } else {
            Err("the saved graph does not hang together".to_owned())
        }
    }
}

impl Walk for FrozenGraph {
    fn neighbours(&self, at: At, out: &mut Vec<(At, Option<DirectLink>)>) {
        let n = match at {
            At::Report(r) => r as usize,
            At::Ident(i) => self.reports as usize + i as usize,
        };
        let (start, end) = (self.offsets[n] as usize, self.offsets[n + 1] as usize);
        for (&m, &why) in self.adjacent[start..end].iter().zip(&self.why[start..end]) {
            let to = if m < self.reports {
                At::Report(m)
            } else {
                At::Ident(m - self.reports)
            };
            let why = match why {
                1 => Some(DirectLink::Refiling),
                2 => Some(DirectLink::Confirmed),
                _ => None,
            };
            out.push((to, why));
        }
    }

    fn links(&self, ident: u32) -> bool {
        self.state(ident).is_none_or(|s| s.1 == 0)
    }

    fn report_id(&self, r: u32) -> ReportId {
        ReportId::parse(self.report_ids.get(r as usize))
            .unwrap_or_else(|_| ReportId::parse("unknown").expect("a literal id is valid"))
    }

    fn ident_key(&self, i: u32) -> IdentKey {
        IdentKey {
            kind: Kind::ALL[self.ident_kinds[i as usize] as usize],
            value: Arc::from(self.ident_values.get(i as usize)),
        }
    }

    fn ident_reports(&self, i: u32) -> usize {
        self.ident_degree[i as usize] as usize
    }

    fn ident_state(&self, i: u32) -> IdentState {
        match self.state(i) {
            Some((_, 1, why)) => IdentState::Benign(why.clone()),
            Some((_, 2, why)) => IdentState::Suppressed(why.clone()),
            _ => IdentState::Active,
        }
    }

    fn side(&self, r: u32, i: u32) -> Option<u8> {
        let (start, end) = (
            self.offsets[r as usize] as usize,
            self.offsets[r as usize + 1] as usize,
        );
        let node = self.reports + i;
        self.adjacent[start..end]
            .iter()
            .zip(&self.why[start..end])
            .find(|&(&m, _)| m == node)
            .and_then(|(_, &why)| why.checked_sub(3))
    }
}

/// Reads [`FrozenGraph::to_bytes`].
struct Bytes<'a> {
    at: &'a [u8],
}

impl<'a> Bytes<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if n > self.at.len() {
            return Err("the saved graph is cut off".to_owned());
        }
        let (head, rest) = self.at.split_at(n);
        self.at = rest;
        Ok(head)
    }

    fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn len(&mut self) -> Result<usize, String> {
        let b = self.take(8)?;
        let mut eight = [0u8; 8];
        eight.copy_from_slice(b);
        usize::try_from(u64::from_le_bytes(eight)).map_err(|_| "a length is too large".to_owned())
    }

    fn bytes(&mut self) -> Result<&'a [u8], String> {
        let n = self.len()?;
        self.take(n)
    }

    fn u32s(&mut self) -> Result<Vec<u32>, String> {
        let n = self.len()?;
        let b = self.take(n.checked_mul(4).ok_or("a length is too large")?)?;
        Ok(b.chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }
}

use petgraph::visit::EdgeRef;

/// True when two reports of one victim are one case filed twice: filed
/// within `window` seconds, with the same damage or a supplement.
pub fn is_refiling(a: &ReportNode, b: &ReportNode, window: i64) -> bool {
    a.filing().refiles(b.filing(), window)
}

/// What tells whether two reports of one victim are one case filed twice
/// (see [`is_refiling`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Filing {
    /// Filing time, Unix seconds.
    pub filed_at: i64,
    /// The damage in cents, if given.
    pub amount_cents: Option<i64>,
    /// The statement calls itself a supplement to an earlier report.
    pub supplement: bool,
}

impl Filing {
    /// True when this filing and `other` of the same victim are one case:
    /// filed within `window` seconds, with the same damage or a supplement.
    pub fn refiles(self, other: Filing, window: i64) -> bool {
        if window < 0 || self.filed_at.abs_diff(other.filed_at) > window as u64 {
            return false;
        }
        let same_damage =
            matches!((self.amount_cents, other.amount_cents), (Some(x), Some(y)) if x == y);
        same_damage || self.supplement || other.supplement
    }
}

impl ReportNode {
    /// What a refiling is judged on.
    pub fn filing(&self) -> Filing {
        Filing {
            filed_at: self.filed_at,
            amount_cents: self.amount_cents,
            supplement: self.supplement,
        }
    }
}

/// The clusters: a component number per report, and each identifier's
/// state after the hub guard.
#[derive(Debug, Clone)]
pub struct Partition {
    component: Vec<u32>,
    count: usize,
    /// The identifiers that do not link (benign or suppressed); all
    /// others are active.
    states: FxHashMap<u32, IdentState>,
    /// Per identifier shared between groups (suppressed), each naming
    /// report's side: it links the reports of one side.
    sides: FxHashMap<u32, Vec<(u32, u8)>>,
}

impl Partition {
    /// The state of identifier number `i`.
    pub fn state(&self, i: u32) -> &IdentState {
        static ACTIVE: IdentState = IdentState::Active;
        self.states.get(&i).unwrap_or(&ACTIVE)
    }

    /// The number of clusters.
    pub fn len(&self) -> usize {
        self.count
    }

    /// The side of report number `r` of identifier number `i` when `i` is
    /// shared between groups (see `shared`): it links one side's reports.
    fn side(&self, r: u32, i: u32) -> Option<u8> {
        self.sides.get(&i)?.iter().find(|s| s.0 == r).map(|s| s.1)
    }

    /// True when there are no clusters.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Per report number, its component (`0..len()`, numbered in the
    /// order of each component's first report).
    pub fn components(&self) -> &[u32] {
        &self.component
    }
}

/// One step of a chain between two reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// A report on the chain.
    Report {
        /// Its id.
        id: ReportId,
    },
    /// An identifier shared by the reports before and after it.
    Ident {
        /// The identifier.
        #[serde(flatten)]
        key: IdentKey,
        /// How many reports name it.
        reports: usize,
        /// Whether it links.
        state: IdentState,
    },
    /// A direct link between the reports before and after it.
    Direct {
        /// Why.
        why: DirectLink,
    },
}

/// The answer to "why are these two reports in one cluster?".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Explanation {
    /// Linked by this chain.
    Linked {
        /// Reports and the identifiers between them, in order.
        path: Vec<Step>,
    },
    /// Not linked; they would be through these identifiers, which do not
    /// link (benign or suppressed).
    Blocked {
        /// The shortest chain over any identifier.
        path: Vec<Step>,
        /// The steps on it that do not link.
        blocked: Vec<Step>,
    },
    /// No chain at all, not even through benign identifiers.
    NotLinked,
    /// One of the reports is not known.
    Unknown,
}

impl Explanation {
    /// The reports the explanation names, in the order of its chain
    /// (the access log names them: a chain runs through reports beyond
    /// the two asked about).
    pub fn reports(&self) -> Vec<&ReportId> {
        let path = match self {
            Explanation::Linked { path } | Explanation::Blocked { path, .. } => path.as_slice(),
            Explanation::NotLinked | Explanation::Unknown => &[],
        };
        path.iter()
            .filter_map(|s| match s {
                Step::Report { id } => Some(id),
                _ => None,
            })
            .collect()
    }
}

/// What happened to a cluster between two assignments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A new cluster.
    Created {
        /// The new id.
        cluster: ClusterId,
        /// Its size.
        size: usize,
        /// The cluster it was split from, if any.
        #[schema(required = true)]
        split_from: Option<ClusterId>,
        /// Its earliest filing, Unix seconds: clusters created together
        /// are aged by it, so that the oldest case keeps its id in a merge.
        first_filed_at: i64,
    },
    /// New reports joined.
    Grew {
        /// The cluster.
        cluster: ClusterId,
        /// How many reports joined.
        added: usize,
        /// The size now.
        size: usize,
    },
    /// Clusters merged into the oldest.
    Merged {
        /// The surviving id.
        cluster: ClusterId,
        /// The ids that became aliases.
        absorbed: Vec<ClusterId>,
    },
    /// Reports left (a split or a deletion).
    Shrank {
        /// The cluster.
        cluster: ClusterId,
        /// How many reports left it.
        removed: usize,
        /// The size now.
        size: usize,
    },
    /// All of its reports are gone.
    Dissolved {
        /// The cluster.
        cluster: ClusterId,
    },
}

impl Event {
    /// The cluster the event is about.
    pub fn cluster(&self) -> &ClusterId {
        match self {
            Event::Created { cluster, .. }
            | Event::Grew { cluster, .. }
            | Event::Merged { cluster, .. }
            | Event::Shrank { cluster, .. }
            | Event::Dissolved { cluster } => cluster,
        }
    }
}

/// The previous assignment, as remembered by the store.
#[derive(Debug, Clone, Default)]
pub struct Previous {
    /// Each report's cluster.
    pub membership: FxHashMap<ReportId, ClusterId>,
    /// Each live cluster's age rank: lower is older.
    pub age: FxHashMap<ClusterId, u64>,
    /// Every id ever used (live ones and aliases), never to be reused.
    pub taken: FxHashSet<ClusterId>,
}

/// A cluster id for every report, and the events that lead there.
#[derive(Debug, Clone, Default)]
pub struct Assignment {
    /// Each cluster with its reports.
    pub clusters: FxHashMap<ClusterId, Vec<ReportId>>,
    /// Ids that became aliases of a surviving id.
    pub aliases: Vec<(ClusterId, ClusterId)>,
    /// What changed.
    pub events: Vec<Event>,
    /// Per component of the partition (in its numbering), its id.
    pub component_ids: Vec<ClusterId>,
}

impl Assignment {
    /// Each report's cluster.
    pub fn membership(&self) -> FxHashMap<&ReportId, &ClusterId> {
        self.clusters
            .iter()
            .flat_map(|(c, rs)| rs.iter().map(move |r| (r, c)))
            .collect()
    }
}

/// Gives every component an id, keeping the ids of `previous`: growth keeps
/// the id; a merge keeps the oldest id and makes the others aliases; a
/// split keeps the id on the part holding most of the old members.
pub fn assign_ids(graph: &Graph, partition: &Partition, previous: &Previous) -> Assignment {
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); partition.count];
    for (r, &c) in partition.component.iter().enumerate() {
        members[c as usize].push(r as u32);
    }
    // Old ids are numbered in the order their first report is met, and
    // everything below counts with those numbers instead of hashing ids:
    // at a million reports this is the difference between 4 s and 0.5 s.
    const NONE: u32 = u32::MAX;
    let mut old_number: FxHashMap<&ClusterId, u32> = FxHashMap::default();
    let mut olds: Vec<&ClusterId> = Vec::new();
    let old_of: Vec<u32> = graph
        .reports
        .iter()
        .map(|r| match previous.membership.get(&r.id) {
            Some(old) => *old_number.entry(old).or_insert_with(|| {
                olds.push(old);
                (olds.len() - 1) as u32
            }),
            None => NONE,
        })
        .collect();
    let old = |o: u32| -> Option<&ClusterId> { olds.get(o as usize).copied() };
    // For every old id, how many of its reports each component holds, as
    // sorted (old, component) pairs counted in runs.
    let mut pairs: Vec<(u32, u32)> = old_of
        .iter()
        .zip(&partition.component)
        .filter(|(o, _)| **o != NONE)
        .map(|(&o, &c)| (o, c))
        .collect();
    pairs.sort_unstable();
    let mut overlap: Vec<(u32, u32, usize)> = Vec::new();
    for &(o, c) in &pairs {
        match overlap.last_mut() {
            Some((lo, lc, n)) if *lo == o && *lc == c => *n += 1,
            _ => overlap.push((o, c, 1)),
        }
    }
    drop(pairs);
    // Each old id goes to the component holding most of its reports; ties
    // go to the component with the earliest report.
    let mut heirs: Vec<Vec<u32>> = vec![Vec::new(); partition.count];
    let mut kept_in_heir: Vec<usize> = vec![0; olds.len()];
    let mut start = 0;
    while start < overlap.len() {
        let o = overlap[start].0;
        let end = start + overlap[start..].iter().take_while(|e| e.0 == o).count();
        // Components ascend within a run: the first of the largest wins.
        let mut best = overlap[start];
        for &e in &overlap[start + 1..end] {
            if e.2 > best.2 {
                best = e;
            }
        }
        heirs[best.1 as usize].push(o);
        kept_in_heir[o as usize] = best.2;
        start = end;
    }
    // Reports each old id had when it was last assigned, purged ones included.
    let mut old_sizes: FxHashMap<&ClusterId, usize> = FxHashMap::default();
    for id in previous.membership.values() {
        *old_sizes.entry(id).or_default() += 1;
    }
    let mut taken_new: FxHashSet<ClusterId> = FxHashSet::default();
    let mut out = Assignment::default();
    out.clusters.reserve(partition.count);
    let mut survivors: FxHashSet<&ClusterId> = FxHashSet::default();
    for (c, rs) in members.iter().enumerate() {
        let mut ids: Vec<ReportId> = rs
            .iter()
            .map(|&r| graph.reports[r as usize].id.clone())
            .collect();
        ids.sort();
        let inherited = &mut heirs[c];
        let id = if inherited.is_empty() {
            let first = rs
                .iter()
                .map(|&r| &graph.reports[r as usize])
                .min_by(|a, b| a.filed_at.cmp(&b.filed_at).then_with(|| a.id.cmp(&b.id)));
            let seed = first.map_or("", |r| r.id.as_str());
            let first_filed_at = first.map_or(0, |r| r.filed_at);
            let id = ClusterId::derive(seed, |id| {
                previous.taken.contains(id) || taken_new.contains(id)
            });
            taken_new.insert(id.clone());
            let split_from = rs.iter().find_map(|&r| old(old_of[r as usize])).cloned();
            out.events.push(Event::Created {
                cluster: id.clone(),
                size: rs.len(),
                split_from,
                first_filed_at,
            });
            id
        } else {
            inherited.sort_by_key(|&o| {
                let id = olds[o as usize];
                (previous.age.get(id).copied().unwrap_or(u64::MAX), id)
            });
            let survivor_number = inherited[0];
            let survivor = olds[survivor_number as usize];
            survivors.insert(survivor);
            if inherited.len() > 1 {
                let absorbed: Vec<ClusterId> = inherited[1..]
                    .iter()
                    .map(|&o| olds[o as usize].clone())
                    .collect();
                for a in &absorbed {
                    out.aliases.push((a.clone(), survivor.clone()));
                }
                out.events.push(Event::Merged {
                    cluster: survivor.clone(),
                    absorbed,
                });
            }
            let kept = kept_in_heir[survivor_number as usize];
            let before = old_sizes.get(survivor).copied().unwrap_or(0);
            let added = rs
                .iter()
                .filter(|&&r| old_of[r as usize] != survivor_number)
                .count();
            if before > kept {
                out.events.push(Event::Shrank {
                    cluster: survivor.clone(),
                    removed: before - kept,
                    size: rs.len(),
                });
            }
            if added > 0 {
                out.events.push(Event::Grew {
                    cluster: survivor.clone(),
                    added,
                    size: rs.len(),
                });
            }
            survivor.clone()
        };
        out.component_ids.push(id.clone());
        out.clusters.insert(id, ids);
    }
    let aliased: FxHashSet<&ClusterId> = out.aliases.iter().map(|(a, _)| a).collect();
    let mut gone: Vec<&ClusterId> = old_sizes
        .keys()
        .filter(|id| !survivors.contains(*id) && !aliased.contains(*id))
        .copied()
        .collect();
    gone.sort();
    for id in gone {
        out.events.push(Event::Dissolved {
            cluster: id.clone(),
        });
    }
    out
}

/// Why the hub guard set an identifier aside: named in `reports` reports
/// that fall into `groups` otherwise separate groups, the largest holding
/// `share` of them. The API shows it as written; the UI translates it by
/// this wording (`ui::pages::why_text`, whose test builds it here).
pub fn hub_reason(reports: usize, groups: usize, share: f64) -> String {
    format!(
        "hub: named in {reports} reports that fall into {groups} otherwise separate groups; \
         the largest holds {:.0}% of them",
        share * 100.0
    )
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::config::Settings;

    fn node(id: &str, t: i64) -> ReportNode {
        ReportNode {
            id: ReportId::parse(id).unwrap(),
            filed_at: t,
            amount_cents: None,
            victim_ref: None,
            supplement: false,
            fraud_category: None,
        }
    }

    fn ident(v: &str) -> LinkIdent<'_> {
        LinkIdent {
            kind: Kind::Phone,
            value: v,
            benign: None,
        }
    }

    /// Linking without the hub guard and the shared-identifier rule, so
    /// that it must equal union-find.
    fn no_hub_guard() -> LinkingConfig {
        let mut cfg = Settings::defaults().linking;
        cfg.hub_min_reports = usize::MAX;
        cfg.shared_min_reports = 0;
        cfg
    }

    /// Builds a graph from `(report, [identifier values])`, filed in order.
    fn graph(reports: &[(&str, &[&str])]) -> Graph {
        let mut g = Graph::new();
        for (t, (id, vals)) in reports.iter().enumerate() {
            let links: Vec<LinkIdent<'_>> = vals.iter().map(|v| ident(v)).collect();
            g.add_report(node(id, t as i64), &links);
        }
        g
    }

    #[test]
    fn naming_counts_the_reports_of_an_identifier_once_each() {
        let g = graph(&[
            ("R-1", &["0612345678", "0612345678"]),
            ("R-2", &["0612345678"]),
            ("R-3", &["0687654321"]),
        ]);
        let key = |v: &str| IdentKey {
            kind: Kind::Phone,
            value: v.into(),
        };
        let (n, one) = g.naming(&key("0612345678")).unwrap();
        assert_eq!(n, 2);
        assert!(["R-1", "R-2"].contains(&g.reports[one].id.as_str()));
        assert_eq!(g.naming(&key("0687654321")).map(|x| x.0), Some(1));
        assert_eq!(g.naming(&key("0600000000")), None);
    }

    fn clusters_of(g: &Graph, a: &Assignment) -> Vec<Vec<String>> {
        let _ = g;
        let mut out: Vec<Vec<String>> = a
            .clusters
            .values()
            .map(|rs| rs.iter().map(|r| r.as_str().to_owned()).collect())
            .collect();
        out.sort();
        out
    }

    /// The straightforward version of `assign_ids` (hash maps of ids),
    /// kept as the oracle for the counting one.
    fn reference_assign_ids(
        graph: &Graph,
        partition: &Partition,
        previous: &Previous,
    ) -> Assignment {
        let mut members: Vec<Vec<u32>> = vec![Vec::new(); partition.count];
        for (r, &c) in partition.component.iter().enumerate() {
            members[c as usize].push(r as u32);
        }
        // Each report's previous cluster, looked up once.
        let old_of: Vec<Option<&ClusterId>> = graph
            .reports
            .iter()
            .map(|r| previous.membership.get(&r.id))
            .collect();
        // For every old id, how many of its reports each component holds.
        let mut overlap: FxHashMap<&ClusterId, FxHashMap<u32, usize>> = FxHashMap::default();
        for (c, rs) in members.iter().enumerate() {
            for &r in rs {
                if let Some(old) = old_of[r as usize] {
                    *overlap.entry(old).or_default().entry(c as u32).or_default() += 1;
                }
            }
        }
        // Each old id goes to the component holding most of its reports; ties
        // go to the component with the earliest report.
        let mut heirs: FxHashMap<u32, Vec<&ClusterId>> = FxHashMap::default();
        let mut old_ids: Vec<&ClusterId> = overlap.keys().copied().collect();
        old_ids.sort();
        for old in old_ids {
            let by_comp = &overlap[old];
            let best = by_comp
                .iter()
                .max_by(|(ca, na), (cb, nb)| na.cmp(nb).then_with(|| cb.cmp(ca)))
                .map(|(c, _)| *c);
            if let Some(c) = best {
                heirs.entry(c).or_default().push(old);
            }
        }
        let mut taken = previous.taken.clone();
        let mut out = Assignment::default();
        let mut old_sizes: FxHashMap<&ClusterId, usize> = FxHashMap::default();
        for old in previous.membership.values() {
            *old_sizes.entry(old).or_default() += 1;
        }
        let mut survivors: FxHashSet<&ClusterId> = FxHashSet::default();
        for (c, rs) in members.iter().enumerate() {
            let mut ids: Vec<ReportId> = rs
                .iter()
                .map(|&r| graph.reports[r as usize].id.clone())
                .collect();
            ids.sort();
            let inherited = heirs.get(&(c as u32)).cloned().unwrap_or_default();
            let id = if inherited.is_empty() {
                let first = rs
                    .iter()
                    .map(|&r| &graph.reports[r as usize])
                    .min_by(|a, b| a.filed_at.cmp(&b.filed_at).then_with(|| a.id.cmp(&b.id)));
                let seed = first.map_or("", |r| r.id.as_str());
                let first_filed_at = first.map_or(0, |r| r.filed_at);
                let id = ClusterId::derive(seed, |id| taken.contains(id));
                taken.insert(id.clone());
                let split_from = rs.iter().find_map(|&r| old_of[r as usize]).cloned();
                out.events.push(Event::Created {
                    cluster: id.clone(),
                    size: rs.len(),
                    split_from,
                    first_filed_at,
                });
                id
            } else {
                let mut inherited = inherited;
                inherited.sort_by_key(|id| {
                    (
                        previous.age.get(*id).copied().unwrap_or(u64::MAX),
                        (*id).clone(),
                    )
                });
                let survivor = inherited[0].clone();
                survivors.insert(inherited[0]);
                if inherited.len() > 1 {
                    let absorbed: Vec<ClusterId> =
                        inherited[1..].iter().map(|i| (*i).clone()).collect();
                    for a in &absorbed {
                        out.aliases.push((a.clone(), survivor.clone()));
                    }
                    out.events.push(Event::Merged {
                        cluster: survivor.clone(),
                        absorbed,
                    });
                }
                let kept = overlap[&survivor].get(&(c as u32)).copied().unwrap_or(0);
                let before = old_sizes.get(&survivor).copied().unwrap_or(0);
                let added = rs
                    .iter()
                    .filter(|&&r| old_of[r as usize] != Some(&survivor))
                    .count();
                if before > kept {
                    out.events.push(Event::Shrank {
                        cluster: survivor.clone(),
                        removed: before - kept,
                        size: rs.len(),
                    });
                }
                if added > 0 {
                    out.events.push(Event::Grew {
                        cluster: survivor.clone(),
                        added,
                        size: rs.len(),
                    });
                }
                survivor
            };
            out.clusters.insert(id, ids);
        }
        let mut gone: Vec<&ClusterId> = old_sizes
            .keys()
            .filter(|id| !survivors.contains(*id) && !out.aliases.iter().any(|(a, _)| a == **id))
            .copied()
            .collect();
        gone.sort();
        for id in gone {
            out.events.push(Event::Dissolved {
                cluster: id.clone(),
            });
        }
        out
    }

    fn previous_from(a: &Assignment) -> Previous {
        let mut p = Previous::default();
        let mut age = 0;
        let mut created: Vec<(i64, ClusterId)> = a
            .events
            .iter()
            .filter_map(|e| match e {
                Event::Created {
                    cluster,
                    first_filed_at,
                    ..
                } => Some((*first_filed_at, cluster.clone())),
                _ => None,
            })
            .collect();
        created.sort();
        for (_, c) in created {
            age += 1;
            p.age.insert(c, age);
        }
        for (c, rs) in &a.clusters {
            for r in rs {
                p.membership.insert(r.clone(), c.clone());
            }
            p.taken.insert(c.clone());
        }
        for (alias, _) in &a.aliases {
            p.taken.insert(alias.clone());
        }
        p
    }

    #[test]
    fn reports_sharing_an_identifier_form_one_cluster() {
        let g = graph(&[
            ("a", &["1"]),
            ("b", &["1", "2"]),
            ("c", &["2"]),
            ("d", &["3"]),
        ]);
        let p = g.partition(&no_hub_guard());
        let a = assign_ids(&g, &p, &Previous::default());
        assert_eq!(clusters_of(&g, &a), vec![vec!["a", "b", "c"], vec!["d"]]);
    }

    #[test]
    fn benign_identifiers_never_link() {
        let mut g = Graph::new();
        let benign = LinkIdent {
            kind: Kind::Domain,
            value: "marktplaats.nl",
            benign: Some("platform"),
        };
        g.add_report(node("a", 0), std::slice::from_ref(&benign));
        g.add_report(node("b", 1), &[benign]);
        let p = g.partition(&no_hub_guard());
        assert_eq!(p.len(), 2);
        match g.explain(
            &p,
            &ReportId::parse("a").unwrap(),
            &ReportId::parse("b").unwrap(),
        ) {
            Explanation::Blocked { blocked, .. } => assert_eq!(blocked.len(), 1),
            other => panic!("expected a blocked chain, got {other:?}"),
        }
    }

    #[test]
    fn every_explanation_serialises() {
        let step = Step::Report {
            id: ReportId::parse("a").unwrap(),
        };
        for e in [
            Explanation::Linked {
                path: vec![step.clone()],
            },
            Explanation::Blocked {
                path: vec![step.clone()],
                blocked: vec![],
            },
            Explanation::NotLinked,
            Explanation::Unknown,
        ] {
            assert!(serde_json::to_value(&e).is_ok(), "{e:?}");
        }
    }

    #[test]
    fn a_hub_joining_many_separate_groups_is_suppressed_and_named() {
        // Twenty pairs, each linked by its own number, all naming one hub.
        let mut reports: Vec<(String, Vec<String>)> = Vec::new();
        for i in 0..20 {
            for side in ["x", "y"] {
                reports.push((
                    format!("{i}{side}"),
                    vec![format!("own{i}"), "hub".to_owned()],
                ));
            }
        }
        let mut g = Graph::new();
        for (t, (id, vals)) in reports.iter().enumerate() {
            let links: Vec<LinkIdent<'_>> = vals.iter().map(|v| ident(v)).collect();
            g.add_report(node(id, t as i64), &links);
        }
        let p = g.partition(&Settings::defaults().linking);
        assert_eq!(p.len(), 20);
        let key = IdentKey {
            kind: Kind::Phone,
            value: "hub".into(),
        };
        assert!(matches!(
            g.ident_state(&p, &key),
            Some(IdentState::Suppressed(_))
        ));
    }

    #[test]
    fn a_money_mule_in_hundreds_of_reports_of_one_group_is_kept() {
        // 200 reports name the mule; half also share the group's phone.
        let mut g = Graph::new();
        let ids: Vec<String> = (0..200).map(|i| format!("r{i}")).collect();
        for (i, id) in ids.iter().enumerate() {
            let mut links = vec![ident("mule")];
            if i % 2 == 0 {
                links.push(ident("groupphone"));
            }
            g.add_report(node(id, i as i64), &links);
        }
        let p = g.partition(&Settings::defaults().linking);
        assert_eq!(p.len(), 1);
    }

    #[test]
    fn growth_keeps_the_id() {
        let g1 = graph(&[("a", &["1"]), ("b", &["1"])]);
        let a1 = assign_ids(&g1, &g1.partition(&no_hub_guard()), &Previous::default());
        let id = a1.clusters.keys().next().unwrap().clone();
        let g2 = graph(&[("a", &["1"]), ("b", &["1"]), ("c", &["1"])]);
        let a2 = assign_ids(&g2, &g2.partition(&no_hub_guard()), &previous_from(&a1));
        assert_eq!(a2.clusters.keys().collect::<Vec<_>>(), vec![&id]);
        assert!(
            a2.events
                .iter()
                .any(|e| matches!(e, Event::Grew { added: 1, .. }))
        );
    }

    #[test]
    fn a_merge_keeps_the_oldest_id_and_the_other_becomes_an_alias() {
        let g1 = graph(&[("a", &["1"]), ("b", &["2"])]);
        let a1 = assign_ids(&g1, &g1.partition(&no_hub_guard()), &Previous::default());
        let old_a = a1.membership()[&ReportId::parse("a").unwrap()].clone();
        let old_b = a1.membership()[&ReportId::parse("b").unwrap()].clone();
        let g2 = graph(&[("a", &["1"]), ("b", &["2"]), ("c", &["1", "2"])]);
        let a2 = assign_ids(&g2, &g2.partition(&no_hub_guard()), &previous_from(&a1));
        assert_eq!(a2.clusters.len(), 1);
        assert!(
            a2.clusters.contains_key(&old_a),
            "the older cluster (earliest report) survives"
        );
        assert_eq!(a2.aliases, vec![(old_b, old_a)]);
    }

    #[test]
    fn a_split_keeps_the_id_on_the_larger_part() {
        let mut g1 = graph(&[("a", &["1"]), ("b", &["1"]), ("c", &["1"]), ("d", &["2"])]);
        g1.add_direct(
            &ReportId::parse("c").unwrap(),
            &ReportId::parse("d").unwrap(),
            DirectLink::Confirmed,
        );
        let a1 = assign_ids(&g1, &g1.partition(&no_hub_guard()), &Previous::default());
        assert_eq!(a1.clusters.len(), 1);
        let id = a1.clusters.keys().next().unwrap().clone();
        let g2 = graph(&[("a", &["1"]), ("b", &["1"]), ("c", &["1"]), ("d", &["2"])]);
        let a2 = assign_ids(&g2, &g2.partition(&no_hub_guard()), &previous_from(&a1));
        assert_eq!(a2.clusters[&id].len(), 3);
        assert!(
            a2.events
                .iter()
                .any(|e| matches!(e, Event::Created { split_from: Some(s), .. } if *s == id))
        );
    }

    #[test]
    fn refilings_by_one_victim_link_and_other_cases_of_that_victim_do_not() {
        let mut g = Graph::new();
        let mut first = node("a", 0);
        first.victim_ref = Some("V1".into());
        first.amount_cents = Some(10_000);
        let mut again = node("b", 86_400);
        again.victim_ref = Some("V1".into());
        again.amount_cents = Some(10_000);
        let mut other = node("c", 200 * 86_400);
        other.victim_ref = Some("V1".into());
        other.amount_cents = Some(5_000);
        g.add_report(first, &[]);
        g.add_report(again, &[]);
        g.add_report(other, &[]);
        g.add_refilings(60);
        let a = assign_ids(&g, &g.partition(&no_hub_guard()), &Previous::default());
        assert_eq!(clusters_of(&g, &a), vec![vec!["a", "b"], vec!["c"]]);
    }

    /// The trivially correct oracle: union-find by repeated relabelling.
    fn oracle(n: usize, reports: &[Vec<u8>]) -> Vec<Vec<usize>> {
        let mut label: Vec<usize> = (0..n).collect();
        loop {
            let mut changed = false;
            for i in 0..n {
                for j in 0..n {
                    let share = reports[i].iter().any(|x| reports[j].contains(x));
                    if share && label[i] != label[j] {
                        let m = label[i].min(label[j]);
                        label[i] = m;
                        label[j] = m;
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        let mut groups: std::collections::HashMap<usize, Vec<usize>> =
            std::collections::HashMap::new();
        for (i, l) in label.iter().enumerate() {
            groups.entry(*l).or_default().push(i);
        }
        let mut out: Vec<Vec<usize>> = groups.into_values().collect();
        out.sort();
        out
    }

    proptest! {
        #[test]
        fn report_count_equals_the_reports_listed_for_every_identifier(
            reports in proptest::collection::vec(proptest::collection::vec(0u8..12, 0..5), 1..30),
            victims in proptest::collection::vec(0u8..3, 30),
        ) {
            let mut g = Graph::new();
            for (i, vals) in reports.iter().enumerate() {
                let vals: Vec<String> = vals.iter().map(|x| format!("06{x:08}")).collect();
                let links: Vec<LinkIdent<'_>> = vals.iter().map(|v| ident(v)).collect();
                let mut n = node(&format!("R-{i}"), i as i64 * 86_400);
                // The same victim and damage within the window: a refiling.
                n.victim_ref = Some(format!("V-{}", victims[i]).into());
                n.amount_cents = Some(50_000);
                g.add_report(n, &links);
            }
            // Report-to-report edges (refilings, confirmed links) must not
            // be counted.
            g.add_refilings(30);
            if reports.len() > 1 {
                g.add_direct(&ReportId::parse("R-0").unwrap(), &ReportId::parse("R-1").unwrap(), DirectLink::Confirmed);
            }
            for x in 0u8..13 {
                let key = IdentKey { kind: Kind::Phone, value: format!("06{x:08}").into() };
                prop_assert_eq!(g.report_count(&key), g.reports_with(&key).len());
            }
        }

        #[test]
        fn clusters_equal_a_trivial_union_find(reports in proptest::collection::vec(proptest::collection::vec(0u8..30, 0..4), 1..40)) {
            let values: Vec<Vec<String>> = reports.iter().map(|r| r.iter().map(|x| x.to_string()).collect()).collect();
            let mut g = Graph::new();
            for (i, vals) in values.iter().enumerate() {
                let links: Vec<LinkIdent<'_>> = vals.iter().map(|v| ident(v)).collect();
                g.add_report(node(&i.to_string(), i as i64), &links);
            }
            let a = assign_ids(&g, &g.partition(&no_hub_guard()), &Previous::default());
            let mut got: Vec<Vec<usize>> = a.clusters.values().map(|rs| {
                let mut v: Vec<usize> = rs.iter().map(|r| r.as_str().parse().unwrap()).collect();
                v.sort();
                v
            }).collect();
            got.sort();
            prop_assert_eq!(got, oracle(reports.len(), &reports));
        }

        #[test]
        fn assign_ids_equals_the_straightforward_version_after_any_change(
            before in proptest::collection::vec(proptest::collection::vec(0u8..25, 0..3), 1..40),
            after in proptest::collection::vec((0u8..50, proptest::collection::vec(0u8..25, 0..3)), 1..60),
        ) {
            let build = |reports: Vec<(String, Vec<String>)>| {
                let mut g = Graph::new();
                for (id, vals) in &reports {
                    let links: Vec<LinkIdent<'_>> = vals.iter().map(|v| ident(v)).collect();
                    let t = id.len() as i64;
                    g.add_report(node(id, t), &links);
                }
                g
            };
            let cfg = Settings::defaults().linking;
            let g1 = build(before.iter().enumerate().map(|(i, v)| (i.to_string(), v.iter().map(u8::to_string).collect())).collect());
            let a1 = assign_ids(&g1, &g1.partition(&cfg), &Previous::default());
            let previous = previous_from(&a1);
            // Reports kept, dropped, re-linked and added, in any order.
            let g2 = build(after.iter().map(|(id, v)| (id.to_string(), v.iter().map(u8::to_string).collect())).collect());
            let p2 = g2.partition(&cfg);
            let fast = assign_ids(&g2, &p2, &previous);
            let slow = reference_assign_ids(&g2, &p2, &previous);
            prop_assert_eq!(&fast.clusters, &slow.clusters);
            prop_assert_eq!(&fast.aliases, &slow.aliases);
            prop_assert_eq!(format!("{:?}", fast.events), format!("{:?}", slow.events));
        }

        #[test]
        fn re_assigning_the_same_graph_changes_no_id(reports in proptest::collection::vec(proptest::collection::vec(0u8..20, 0..3), 1..30)) {
            let values: Vec<Vec<String>> = reports.iter().map(|r| r.iter().map(|x| x.to_string()).collect()).collect();
            let mut g = Graph::new();
            for (i, vals) in values.iter().enumerate() {
                let links: Vec<LinkIdent<'_>> = vals.iter().map(|v| ident(v)).collect();
                g.add_report(node(&i.to_string(), i as i64), &links);
            }
            let p = g.partition(&Settings::defaults().linking);
            let a1 = assign_ids(&g, &p, &Previous::default());
            let a2 = assign_ids(&g, &p, &previous_from(&a1));
            prop_assert_eq!(a1.clusters, a2.clusters);
            prop_assert!(a2.events.is_empty());
        }
    }
}
