//! A money mule shared by two groups (docs/domain.md): an identifier that
//! is the only link between groups of reports that are each held together
//! by their own identifiers and that work in different ways (their fraud
//! types differ). One offender group keeps its modus operandi; two groups
//! that rent the same mule's account do not share theirs. Such an
//! identifier is shown with its reason, not followed: each group stays its
//! own cluster, and an analyst who judges the link to be one group
//! confirms it (a confirmed link joins the clusters).
//!
//! Found in time linear in the components it looks at: only a component
//! with two or more known fraud types is examined, its cut points come from
//! Tarjan's algorithm (petgraph's `articulation_points`), and each cut
//! point that is an identifier is taken out once to see what falls apart.

#[cfg(test)]
use std::collections::VecDeque;

use petgraph::graph::{NodeIndex, UnGraph};
use rustc_hash::{FxHashMap, FxHashSet};

use super::{Graph, IdentState, Node, Region};
use crate::report::FraudType;

/// Why a shared identifier is not followed; `parts` are the fraud types
/// with the reports of their groups, largest first.
pub fn shared_reason(reports: usize, groups: usize, parts: &[(&str, usize)]) -> String {
    let parts: Vec<String> = parts
        .iter()
        .map(|(fraud, n)| format!("{fraud} ({n} reports)"))
        .collect();
    format!(
        "shared: named in {reports} reports that fall into {groups} otherwise separate groups \
         of different fraud types: {}",
        parts.join(", ")
    )
}

/// The identifiers to set aside as shared between groups, with their
/// reasons: each is a cut point of its component whose removal leaves
/// groups (two or more reports each) of at least two fraud types with at
/// least `min_reports` reports each. `component` numbers the component of
/// each report of `region`, in its order; `states` holds the identifiers
/// that already do not link.
pub(super) fn find(
    graph: &Graph,
    region: &Region,
    component: &[u32],
    states: &FxHashMap<u32, IdentState>,
    min_reports: usize,
) -> Vec<(u32, Shared)> {
    if min_reports == 0 {
        return Vec::new();
    }
    // Per component its size and its known fraud types, so that only
    // the few with two or more are gathered and examined.
    let count = component.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
    let mut size = vec![0u32; count];
    let mut types = vec![0u16; count];
    for (k, &c) in component.iter().enumerate() {
        size[c as usize] += 1;
        if let Some(t) = graph.reports[region.global(k as u32) as usize].fraud_category {
            types[c as usize] |= 1 << t;
        }
    }
    let examined = |c: u32| {
        size[c as usize] as usize >= 2 * min_reports && types[c as usize].count_ones() >= 2
    };
    let mut members: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
    for (k, &c) in component.iter().enumerate() {
        if examined(c) {
            members.entry(c).or_default().push(region.global(k as u32));
        }
    }
    let mut list: Vec<(u32, Vec<u32>)> = members.into_iter().collect();
    list.sort_unstable_by_key(|(c, _)| *c);
    list.into_iter()
        .flat_map(|(_, reports)| in_component(graph, &reports, states, min_reports))
        .collect()
}

/// An identifier shared between groups: why, and per report naming it
/// its side (a fraud type's number), within which it still links.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Shared {
    pub(super) reason: String,
    pub(super) sides: Vec<(u32, u8)>,
}

/// One component as a small graph of its reports and linking identifiers.
struct Local {
    graph: UnGraph<Vertex, ()>,
}

/// A node of [`Local`]: a report number or an identifier number.
#[derive(Clone, Copy)]
enum Vertex {
    Report(u32),
    Ident(u32),
}

fn in_component(
    graph: &Graph,
    reports: &[u32],
    states: &FxHashMap<u32, IdentState>,
    min_reports: usize,
) -> Vec<(u32, Shared)> {
    let local = Local::build(graph, reports, states);
    let mut cuts: Vec<(u32, NodeIndex)> =
        petgraph::algo::articulation_points::articulation_points(&local.graph)
            .into_iter()
            .filter_map(|n| match local.graph[n] {
                Vertex::Ident(i) => Some((i, n)),
                Vertex::Report(_) => None,
            })
            .collect();
    cuts.sort_unstable_by_key(|&(i, _)| i);
    if cuts.is_empty() {
        return Vec::new();
    }
    let search = Search::run(&local, graph);
    cuts.into_iter()
        .filter_map(|(i, n)| search.judge(&local, graph, n, min_reports).map(|s| (i, s)))
        .collect()
}

/// The number of known fraud types.
const TYPES: usize = FraudType::NAMED.len();

/// Marks a node without a parent (a root of the search).
const NO_NODE: u32 = u32::MAX;

/// One depth-first search of a [`Local`] graph, with per node what the
/// parts its removal leaves hold: the parts of every cut point are read
/// off it, so that judging all of them is linear in the component (a walk
/// per cut point was quadratic: minutes at ten million reports).
struct Search {
    /// Entry time, and the last entry time within the node's subtree.
    entry: Vec<u32>,
    exit: Vec<u32>,
    /// The lowest entry time reachable from the subtree by one back edge.
    low: Vec<u32>,
    parent: Vec<u32>,
    /// Tree children, in entry order.
    children: Vec<Vec<u32>>,
    /// The root of the node's tree.
    root: Vec<u32>,
    /// Reports in the subtree, and their fraud types' votes.
    reports: Vec<u32>,
    votes: Vec<[u32; TYPES]>,
}

impl Search {
    fn run(local: &Local, graph: &Graph) -> Search {
        let n = local.graph.node_count();
        let mut s = Search {
            entry: vec![NO_NODE; n],
            exit: vec![0; n],
            low: vec![0; n],
            parent: vec![NO_NODE; n],
            children: vec![Vec::new(); n],
            root: vec![0; n],
            reports: vec![0; n],
            votes: vec![[0; TYPES]; n],
        };
        let mut clock = 0u32;
        for start in 0..n as u32 {
            if s.entry[start as usize] != NO_NODE {
                continue;
            }
            s.enter(local, graph, start, NO_NODE, start, &mut clock);
            let mut stack = vec![(start, local.graph.neighbors(NodeIndex::new(start as usize)))];
            while let Some(top) = stack.last_mut() {
                let v = top.0;
                match top.1.next() {
                    Some(w) => {
                        let w = w.index() as u32;
                        if s.entry[w as usize] == NO_NODE {
                            let root = s.root[v as usize];
                            s.enter(local, graph, w, v, root, &mut clock);
                            stack.push((w, local.graph.neighbors(NodeIndex::new(w as usize))));
                        } else if w != s.parent[v as usize] {
                            let v = v as usize;
                            s.low[v] = s.low[v].min(s.entry[w as usize]);
                        }
                    }
                    None => {
                        stack.pop();
                        s.exit[v as usize] = clock - 1;
                        let p = s.parent[v as usize];
                        if p != NO_NODE {
                            let (p, v) = (p as usize, v as usize);
                            s.low[p] = s.low[p].min(s.low[v]);
                            s.reports[p] += s.reports[v];
                            let below = s.votes[v];
                            for (sum, add) in s.votes[p].iter_mut().zip(below) {
                                *sum += add;
                            }
                        }
                    }
                }
            }
        }
        s
    }

    fn enter(
        &mut self,
        local: &Local,
        graph: &Graph,
        v: u32,
        parent: u32,
        root: u32,
        clock: &mut u32,
    ) {
        let i = v as usize;
        self.entry[i] = *clock;
        self.low[i] = *clock;
        *clock += 1;
        self.parent[i] = parent;
        self.root[i] = root;
        if parent != NO_NODE {
            self.children[parent as usize].push(v);
        }
        if let Vertex::Report(r) = local.graph[NodeIndex::new(i)] {
            self.reports[i] = 1;
            if let Some(t) = graph.reports[r as usize].fraud_category {
                self.votes[i][t as usize] += 1;
            }
        }
    }

    /// What falls apart without the identifier at `cut`, when groups of
    /// at least two fraud types reach `min_reports` reports each: its
    /// reason, and the side (fraud type) of each report that names it.
    fn judge(
        &self,
        local: &Local,
        graph: &Graph,
        cut: NodeIndex,
        min_reports: usize,
    ) -> Option<Shared> {
        let c = cut.index();
        // The parts: each child subtree that reaches no higher than the
        // cut point, then (unless it is the root) the rest of its tree.
        let separated = |v: u32| self.low[v as usize] >= self.entry[c];
        let mut parts: Vec<(u32, [u32; TYPES])> = Vec::new();
        let root = self.root[c] as usize;
        let (mut rest, mut rest_votes) = (self.reports[root], self.votes[root]);
        for &v in &self.children[c] {
            if separated(v) {
                let (n, votes) = (self.reports[v as usize], self.votes[v as usize]);
                parts.push((n, votes));
                rest -= n;
                for (sum, sub) in rest_votes.iter_mut().zip(votes) {
                    *sum -= sub;
                }
            }
        }
        let has_rest = self.parent[c] != NO_NODE;
        if has_rest {
            parts.push((rest, rest_votes));
        }
        let mut by_type = [0usize; TYPES];
        let mut groups = 0;
        let kinds: Vec<Option<usize>> = parts
            .iter()
            .map(|&(n, votes)| {
                if n < 2 {
                    return None;
                }
                groups += 1;
                let votes = votes.map(|v| v as usize);
                let t = majority(&votes);
                if let Some(t) = t {
                    by_type[t] += n as usize;
                }
                t
            })
            .collect();
        // Each report naming the identifier lies in the part of the child
        // whose subtree holds it, or in the rest (an ancestor).
        let children = &self.children[c];
        let namers: Vec<(u32, Option<usize>)> = local
            .graph
            .neighbors(cut)
            .filter_map(|m| match local.graph[m] {
                Vertex::Report(r) => Some((r, m.index())),
                Vertex::Ident(_) => None,
            })
            .map(|(r, m)| {
                let entry = self.entry[m];
                let part = if entry < self.entry[c] {
                    None
                } else {
                    let k = children.partition_point(|&v| self.entry[v as usize] <= entry) - 1;
                    let v = children[k];
                    debug_assert!(entry <= self.exit[v as usize]);
                    separated(v).then(|| children[..k].iter().filter(|&&u| separated(u)).count())
                };
                let part = part.or(has_rest.then_some(parts.len() - 1));
                (r, part.and_then(|p| kinds[p]))
            })
            .collect();
        decide(graph, by_type, groups, namers, min_reports)
    }
}

impl Local {
    fn build(graph: &Graph, reports: &[u32], states: &FxHashMap<u32, IdentState>) -> Local {
        let mut g = UnGraph::with_capacity(reports.len() * 2, reports.len() * 3);
        let mut report_node: FxHashMap<u32, NodeIndex> = FxHashMap::default();
        for &r in reports {
            report_node.insert(r, g.add_node(Vertex::Report(r)));
        }
        let mut ident_node: FxHashMap<u32, NodeIndex> = FxHashMap::default();
        let mut direct: FxHashSet<(u32, u32)> = FxHashSet::default();
        for &r in reports {
            let me = report_node[&r];
            for n in graph.graph.neighbors(graph.report_nodes[r as usize]) {
                match graph.graph[n] {
                    Node::Ident(i) => {
                        if graph.ident_degree[i as usize] < 2 || states.contains_key(&i) {
                            continue;
                        }
                        let node = *ident_node
                            .entry(i)
                            .or_insert_with(|| g.add_node(Vertex::Ident(i)));
                        g.add_edge(me, node, ());
                    }
                    Node::Report(other) => {
                        let pair = (r.min(other), r.max(other));
                        if let Some(&there) = report_node.get(&other)
                            && direct.insert(pair)
                        {
                            g.add_edge(me, there, ());
                        }
                    }
                }
            }
        }
        Local { graph: g }
    }

    /// [`Search::judge`] by walking the parts the identifier at `cut`
    /// leaves, one breadth-first search each: the oracle the one search is
    /// compared with.
    #[cfg(test)]
    fn judge_by_walking(
        &self,
        graph: &Graph,
        cut: NodeIndex,
        min_reports: usize,
    ) -> Option<Shared> {
        let mut seen: FxHashSet<NodeIndex> = FxHashSet::default();
        seen.insert(cut);
        let mut by_type = [0usize; FraudType::NAMED.len()];
        let mut groups = 0;
        // Per report naming the identifier: its number and its group's
        // fraud type, if the group has one.
        let mut namers: Vec<(u32, Option<usize>)> = Vec::new();
        for start in self.graph.neighbors(cut) {
            if !seen.insert(start) {
                continue;
            }
            let mut votes = [0usize; FraudType::NAMED.len()];
            let mut members = Vec::new();
            let mut queue = VecDeque::from([start]);
            while let Some(n) = queue.pop_front() {
                if let Vertex::Report(r) = self.graph[n] {
                    members.push((n, r));
                    if let Some(t) = graph.reports[r as usize].fraud_category {
                        votes[t as usize] += 1;
                    }
                }
                for m in self.graph.neighbors(n) {
                    if seen.insert(m) {
                        queue.push_back(m);
                    }
                }
            }
            let kind = if members.len() >= 2 {
                groups += 1;
                let t = majority(&votes);
                if let Some(t) = t {
                    by_type[t] += members.len();
                }
                t
            } else {
                None
            };
            for (n, r) in members {
                if self.graph.contains_edge(n, cut) {
                    namers.push((r, kind));
                }
            }
        }
        decide(graph, by_type, groups, namers, min_reports)
    }
}

/// The verdict on a cut point from its parts: the reports per fraud type
/// of its groups (two reports or more), how many groups, and each report
/// naming it with its group's fraud type.
fn decide(
    graph: &Graph,
    by_type: [usize; TYPES],
    groups: usize,
    mut namers: Vec<(u32, Option<usize>)>,
    min_reports: usize,
) -> Option<Shared> {
    namers.sort_unstable_by_key(|&(r, _)| r);
    let mut parts: Vec<(usize, usize)> = by_type
        .iter()
        .copied()
        .enumerate()
        .filter(|&(_, n)| n >= min_reports)
        .collect();
    if parts.len() < 2 {
        return None;
    }
    parts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let largest = parts[0].0;
    let winner = |t: Option<usize>| t.filter(|t| parts.iter().any(|p| p.0 == *t));
    let sides = namers
        .into_iter()
        .map(|(r, kind)| {
            // A report alone on its side of the identifier joins the
            // group of its own fraud type, else the largest.
            let own = graph.reports[r as usize].fraud_category.map(usize::from);
            let side = winner(kind).or(winner(own)).unwrap_or(largest);
            (r, side as u8)
        })
        .collect::<Vec<_>>();
    let named: Vec<(&str, usize)> = parts
        .iter()
        .map(|&(t, n)| (FraudType::NAMED[t], n))
        .collect();
    Some(Shared {
        reason: shared_reason(sides.len(), groups, &named),
        sides,
    })
}

/// The fraud type most of a group's reports name, if one has strictly
/// more votes than every other.
fn majority(votes: &[usize]) -> Option<usize> {
    let best = *votes.iter().max()?;
    if best == 0 || votes.iter().filter(|&&v| v == best).count() > 1 {
        return None;
    }
    votes.iter().position(|&v| v == best)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::{LinkIdent, ReportNode};
    use super::*;
    use crate::config::Settings;
    use crate::ident::Kind;
    use crate::report::ReportId;

    /// `(report, fraud type, [identifiers])` to a graph; an IBAN-looking
    /// value is an IBAN, anything else a phone number.
    fn graph(reports: &[(&str, Option<&str>, &[&str])]) -> Graph {
        let mut g = Graph::new();
        for (t, (id, fraud, idents)) in reports.iter().enumerate() {
            let links: Vec<LinkIdent<'_>> = idents
                .iter()
                .map(|v| LinkIdent {
                    kind: if v.starts_with("NL") {
                        Kind::Iban
                    } else {
                        Kind::Phone
                    },
                    value: v,
                    benign: None,
                })
                .collect();
            let node = ReportNode {
                id: ReportId::parse(id).unwrap(),
                filed_at: t as i64,
                amount_cents: None,
                victim_ref: None,
                supplement: false,
                fraud_category: fraud.and_then(|f| FraudType::parse(f).known_number()),
            };
            g.add_report(node, &links);
        }
        g
    }

    /// Two groups, each held together by its own number; one report of
    /// each names the mule's account `NL…MULE`.
    fn two_groups(a: Option<&'static str>, b: Option<&'static str>, b_size: usize) -> Graph {
        let mut reports: Vec<(String, Option<&str>, Vec<&str>)> = Vec::new();
        for i in 0..4 {
            let mut ids = vec!["+31611111111"];
            if i == 0 {
                ids.push("NL00MULE");
            }
            reports.push((format!("A-{i}"), a, ids));
        }
        for i in 0..b_size {
            let mut ids = vec!["+447700900222"];
            if i == 0 {
                ids.push("NL00MULE");
            }
            reports.push((format!("B-{i}"), b, ids));
        }
        let borrowed: Vec<(&str, Option<&str>, &[&str])> = reports
            .iter()
            .map(|(id, f, ids)| (id.as_str(), *f, ids.as_slice()))
            .collect();
        graph(&borrowed)
    }

    fn clusters(g: &Graph) -> usize {
        g.partition(&Settings::defaults().linking).len()
    }

    fn mule_state(g: &Graph) -> IdentState {
        let p = g.partition(&Settings::defaults().linking);
        let key = crate::cluster::IdentKey {
            kind: Kind::Iban,
            value: "NL00MULE".into(),
        };
        g.ident_state(&p, &key).cloned().unwrap()
    }

    // See: issue 20 (national recall: a money mule serving two groups).
    #[test]
    fn a_mule_between_a_romance_group_and_a_webshop_group_is_shown_not_followed() {
        let g = two_groups(Some("romance"), Some("webshop"), 3);
        assert_eq!(clusters(&g), 2);
        let IdentState::Suppressed(why) = mule_state(&g) else {
            panic!("the mule still links");
        };
        // A check naming the mule is shown both groups.
        let p = g.partition(&Settings::defaults().linking);
        let key = crate::cluster::IdentKey {
            kind: Kind::Iban,
            value: "NL00MULE".into(),
        };
        let sides = g.shared_sides(&p, &key);
        assert_eq!(sides.len(), 2);
        let clusters: FxHashSet<u32> = sides.iter().map(|&(_, r)| p.components()[r]).collect();
        assert_eq!(clusters.len(), 2);
        assert_eq!(
            why,
            "shared: named in 2 reports that fall into 2 otherwise separate groups of \
             different fraud types: romance (4 reports), webshop (3 reports)"
        );
    }

    #[test]
    fn a_mule_links_the_reports_of_its_own_side_and_explains_them() {
        // A lone romance report names only the mule: it joins the romance
        // group through it, and the chain says so; the webshop group is
        // not reached through the mule.
        let mut g = two_groups(Some("romance"), Some("webshop"), 3);
        let node = ReportNode {
            id: ReportId::parse("A-lone").unwrap(),
            filed_at: 99,
            amount_cents: None,
            victim_ref: None,
            supplement: false,
            fraud_category: FraudType::parse("romance").known_number(),
        };
        let mule = [LinkIdent {
            kind: Kind::Iban,
            value: "NL00MULE",
            benign: None,
        }];
        g.add_report(node, &mule);
        let p = g.partition(&Settings::defaults().linking);
        assert_eq!(p.len(), 2);
        let id = |s: &str| ReportId::parse(s).unwrap();
        let frozen = g.freeze(&p);
        let frozen = super::super::FrozenGraph::from_bytes(&{
            let mut bytes = Vec::new();
            frozen
                .to_bytes(&mut |b: &[u8]| {
                    bytes.extend_from_slice(b);
                    Ok(())
                })
                .unwrap();
            bytes
        })
        .unwrap();
        for explain in [
            |g: &Graph, p: &_, f: &super::super::FrozenGraph, a: &ReportId, b: &ReportId| {
                let _ = f;
                g.explain(p, a, b)
            },
            |_: &Graph, _: &_, f: &super::super::FrozenGraph, a: &ReportId, b: &ReportId| {
                f.explain(a, b)
            },
        ] {
            let same = explain(&g, &p, &frozen, &id("A-lone"), &id("A-2"));
            assert!(
                matches!(&same, super::super::Explanation::Linked { path }
                    if path.iter().any(|s| matches!(s, super::super::Step::Ident { key, .. } if &*key.value == "NL00MULE"))),
                "{same:?}"
            );
            let across = explain(&g, &p, &frozen, &id("A-lone"), &id("B-1"));
            assert!(
                matches!(across, super::super::Explanation::Blocked { .. }),
                "{across:?}"
            );
        }
    }

    #[test]
    fn one_group_working_one_way_stays_one_cluster_across_its_mule() {
        // The same group changing its number keeps its fraud type.
        let g = two_groups(Some("marketplace"), Some("marketplace"), 3);
        assert_eq!(clusters(&g), 1);
        assert_eq!(mule_state(&g), IdentState::Active);
    }

    #[test]
    fn small_groups_and_unknown_fraud_types_are_not_enough_to_cut() {
        // Two reports on the other side: below `shared_min_reports`.
        assert_eq!(
            clusters(&two_groups(Some("romance"), Some("webshop"), 2)),
            1
        );
        // `other` and unknown values say nothing of how a group works.
        assert_eq!(clusters(&two_groups(Some("romance"), Some("other"), 3)), 1);
        assert_eq!(clusters(&two_groups(Some("romance"), None, 3)), 1);
        assert_eq!(
            clusters(&two_groups(Some("romance"), Some("oplichting"), 3)),
            1
        );
    }

    #[test]
    fn a_mule_that_is_not_the_only_link_is_not_judged() {
        // A second shared number holds the groups together: no cut point.
        let mut g = two_groups(Some("romance"), Some("webshop"), 3);
        let node = ReportNode {
            id: ReportId::parse("C-1").unwrap(),
            filed_at: 99,
            amount_cents: None,
            victim_ref: None,
            supplement: false,
            fraud_category: None,
        };
        let both = ["+31611111111", "+447700900222"].map(|v| LinkIdent {
            kind: Kind::Phone,
            value: v,
            benign: None,
        });
        g.add_report(node, &both);
        assert_eq!(clusters(&g), 1);
        assert_eq!(mule_state(&g), IdentState::Active);
    }

    #[test]
    fn zero_turns_the_rule_off() {
        let g = two_groups(Some("romance"), Some("webshop"), 3);
        let mut cfg = Settings::defaults().linking;
        cfg.shared_min_reports = 0;
        assert_eq!(g.partition(&cfg).len(), 1);
    }

    /// A graph from generated reports: per report its fraud type (a
    /// number in `FraudType::NAMED`) and its identifiers (places in
    /// `names`); report `i` is `R-i`.
    fn numbered_graph(reports: &[(Option<usize>, Vec<u8>)], names: &[String]) -> Graph {
        let ids: Vec<String> = (0..reports.len()).map(|i| format!("R-{i}")).collect();
        let rows: Vec<(&str, Option<&str>, Vec<&str>)> = reports
            .iter()
            .zip(&ids)
            .map(|((fraud, vals), id)| {
                (
                    id.as_str(),
                    fraud.map(|f| FraudType::NAMED[f]),
                    vals.iter().map(|&v| names[v as usize].as_str()).collect(),
                )
            })
            .collect();
        let borrowed: Vec<(&str, Option<&str>, &[&str])> = rows
            .iter()
            .map(|(a, b, c)| (*a, *b, c.as_slice()))
            .collect();
        graph(&borrowed)
    }

    proptest! {
        // The one search judges every cut point as walking its parts does,
        // over several components at once (the search's forest).
        #[test]
        fn one_search_judges_as_walking_the_parts(
            reports in proptest::collection::vec(
                (proptest::option::of(0usize..4), proptest::collection::vec(0u8..16, 0..4)),
                1..60,
            ),
            min_reports in 1usize..4,
        ) {
            let names: Vec<String> = (0..16).map(|v| format!("+3161234{v:04}")).collect();
            let g = numbered_graph(&reports, &names);
            let all: Vec<u32> = (0..g.len() as u32).collect();
            let local = Local::build(&g, &all, &FxHashMap::default());
            let search = Search::run(&local, &g);
            for n in petgraph::algo::articulation_points::articulation_points(&local.graph) {
                if let Vertex::Ident(_) = local.graph[n] {
                    let walked = local.judge_by_walking(&g, n, min_reports);
                    prop_assert_eq!(search.judge(&local, &g, n, min_reports), walked);
                }
            }
        }

        // Whatever the reports, fraud types and identifiers: no panic, and
        // two reports sharing an identifier that still links are in one
        // cluster.
        #[test]
        fn active_identifiers_always_link(
            reports in proptest::collection::vec(
                (proptest::option::of(0usize..9), proptest::collection::vec(0u8..12, 0..4)),
                1..40,
            )
        ) {
            let names: Vec<String> = (0..12).map(|v| format!("+3161234{v:04}")).collect();
            let g = numbered_graph(&reports, &names);
            let mut cfg = Settings::defaults().linking;
            cfg.shared_min_reports = 2;
            let p = g.partition(&cfg);
            for (v, name) in names.iter().enumerate() {
                let key = crate::cluster::IdentKey { kind: Kind::Phone, value: name.as_str().into() };
                if g.ident_state(&p, &key) != Some(&IdentState::Active) {
                    continue;
                }
                let holders: Vec<u32> = reports
                    .iter()
                    .enumerate()
                    .filter(|(_, (_, vals))| vals.contains(&(v as u8)))
                    .map(|(r, _)| p.components()[r])
                    .collect();
                prop_assert!(holders.windows(2).all(|w| w[0] == w[1]));
            }
        }
    }
}
