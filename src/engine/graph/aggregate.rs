//! [`aggregate`]: a cluster's reports into the identifier view, in steps:
//! count what each identifier is named by (in the time window), choose the
//! nodes to draw, weigh the co-occurrence between linking nodes, and add
//! the confirmed links with their ends.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use super::{Endpoint, IdentView, NodeState, ReportFacts, ViewEdge, ViewFilter, ViewNode};
use crate::cluster::{IdentKey, IdentState};
use crate::ident::Kind;

/// Aggregates a cluster's reports into the identifier view. `confirmed`
/// are the confirmed links whose two ends both lie in the cluster, with
/// the analyst's basis.
pub fn aggregate(
    reports: &[ReportFacts<'_>],
    confirmed: &[(Endpoint, Endpoint, String)],
    filter: &ViewFilter,
) -> IdentView {
    let counts = Counts::new(reports, filter);
    let mut view = IdentView {
        reports: counts.in_window.iter().filter(|w| **w).count(),
        kinds: counts.kinds.iter().map(|(k, s)| (*k, s.len())).collect(),
        ..IdentView::default()
    };
    let forced = counts.forced_ends(confirmed, filter);
    let drawn = counts.drawn(filter, &forced, &mut view);
    let (edges, mut covered) = co_occurrence(&drawn, reports.len());
    let mut nodes = Nodes {
        place_of: drawn
            .iter()
            .enumerate()
            .map(|(i, (n, _))| (n.key(), i as u32))
            .collect(),
        list: drawn.into_iter().map(|(n, _)| n).collect(),
    };
    let mut confirmed_edges = Vec::new();
    for (a, b, basis) in confirmed {
        let ends = [a, b].map(|e| counts.end(e, filter));
        let [Some(a), Some(b)] = ends else {
            continue;
        };
        let (a, b) = (
            nodes.place(a, &counts, &mut covered),
            nodes.place(b, &counts, &mut covered),
        );
        if a != b {
            confirmed_edges.push(ViewEdge {
                a: a.min(b),
                b: a.max(b),
                weight: 0,
                basis: basis.clone(),
            });
        }
    }
    confirmed_edges.sort_by_key(|x| (x.a, x.b));
    confirmed_edges.dedup_by(|x, y| (x.a, x.b) == (y.a, y.b));
    view.covered = covered
        .iter()
        .zip(&counts.in_window)
        .filter(|(c, w)| **c && **w)
        .count();
    view.nodes = nodes.list;
    view.edges = edges;
    view.confirmed = confirmed_edges;
    view
}

/// What the cluster's reports name, counted once.
struct Counts<'a, 'r> {
    reports: &'r [ReportFacts<'a>],
    /// Per identifier: its state and the places of the reports naming it
    /// in the window.
    per_ident: HashMap<&'a IdentKey, (&'a IdentState, Vec<usize>)>,
    /// The identifiers of each kind, whatever the window.
    kinds: BTreeMap<Kind, HashSet<&'a IdentKey>>,
    /// Per report: whether it is in the time window.
    in_window: Vec<bool>,
}

/// One end of a confirmed link, to draw: its key (`kind:value` or the
/// report id), the places of its reports in the window, and its node.
struct End {
    key: String,
    places: Vec<usize>,
    kind: Option<Kind>,
    value: Arc<str>,
    state: NodeState,
}

impl<'a, 'r> Counts<'a, 'r> {
    fn new(reports: &'r [ReportFacts<'a>], filter: &ViewFilter) -> Counts<'a, 'r> {
        let mut per_ident: HashMap<&IdentKey, (&IdentState, Vec<usize>)> = HashMap::new();
        let mut kinds: BTreeMap<Kind, HashSet<&IdentKey>> = BTreeMap::new();
        let in_window: Vec<bool> = reports.iter().map(|r| filter.in_time(r.filed_at)).collect();
        for (p, r) in reports.iter().enumerate() {
            for &(k, s) in &r.idents {
                kinds.entry(k.kind).or_default().insert(k);
                let e = per_ident.entry(k).or_insert((s, Vec::new()));
                if in_window[p] {
                    e.1.push(p);
                }
            }
        }
        Counts {
            reports,
            per_ident,
            kinds,
            in_window,
        }
    }

    /// Units, first and last filing of the reports at `places`.
    fn summary(&self, places: &[usize]) -> (usize, i64, i64) {
        let mut units: HashSet<&str> = HashSet::new();
        let (mut first, mut last) = (i64::MAX, i64::MIN);
        for &p in places {
            units.insert(self.reports[p].unit);
            first = first.min(self.reports[p].filed_at);
            last = last.max(self.reports[p].filed_at);
        }
        (units.len(), first, last)
    }

    /// The identifiers at the ends of confirmed links, drawn whatever
    /// their count when the link is: both ends of a kind shown, with
    /// reports in the window.
    fn forced_ends(
        &self,
        confirmed: &'r [(Endpoint, Endpoint, String)],
        filter: &ViewFilter,
    ) -> HashSet<&'r IdentKey> {
        let shown_end = |e: &Endpoint| match e {
            Endpoint::Ident { key, invalid } => {
                filter.has_kind(key.kind)
                    && (self.per_ident.get(key).is_some_and(|(_, p)| !p.is_empty())
                        || invalid.iter().any(|&p| self.in_window[p]))
            }
            Endpoint::Report(p, _) => self.in_window[*p],
        };
        confirmed
            .iter()
            .filter(|(a, b, _)| shown_end(a) && shown_end(b))
            .flat_map(|(a, b, _)| [a, b])
            .filter_map(|e| match e {
                Endpoint::Ident { key, .. } => Some(key),
                Endpoint::Report(..) => None,
            })
            .collect()
    }

    /// The identifier nodes to draw, most reports first, each with the
    /// places of its reports; counts what is left out in `view`.
    fn drawn(
        &self,
        filter: &ViewFilter,
        forced: &HashSet<&IdentKey>,
        view: &mut IdentView,
    ) -> Vec<(ViewNode, Vec<usize>)> {
        let mut drawn = Vec::new();
        for (k, (s, places)) in &self.per_ident {
            if !filter.has_kind(k.kind) || places.is_empty() {
                continue;
            }
            let (state, why) = match s {
                IdentState::Active => (NodeState::Links, ""),
                IdentState::Benign(w) => (NodeState::Benign, w.as_str()),
                IdentState::Suppressed(w) => (NodeState::Suppressed, w.as_str()),
            };
            if !state.links() && !filter.non_linking {
                view.hidden_non_linking += 1;
                continue;
            }
            if places.len() < 2 && !forced.contains(k) {
                if state.links() {
                    view.leaves += 1;
                }
                continue;
            }
            let (units, first, last) = self.summary(places);
            let node = ViewNode {
                kind: Some(k.kind),
                value: k.value.clone(),
                state,
                why: why.to_owned(),
                reports: places.len(),
                units,
                first_filed_at: first,
                last_filed_at: last,
            };
            drawn.push((node, places.clone()));
        }
        drawn.sort_by(|(a, _), (b, _)| {
            b.reports
                .cmp(&a.reports)
                .then(a.kind.cmp(&b.kind))
                .then(a.value.cmp(&b.value))
        });
        drawn
    }

    /// One end of a confirmed link as drawn, or `None` when the link is
    /// not drawn: an identifier of a kind not shown, a non-linking one the
    /// filter hides, or an end with no report in the window.
    fn end(&self, e: &Endpoint, filter: &ViewFilter) -> Option<End> {
        let end = match e {
            Endpoint::Ident { key, invalid } => {
                if !filter.has_kind(key.kind) {
                    return None;
                }
                let known = self.per_ident.get(key);
                let mut places: Vec<usize> = known.map(|(_, p)| p.clone()).unwrap_or_default();
                places.extend(invalid.iter().copied().filter(|&p| self.in_window[p]));
                places.sort_unstable();
                places.dedup();
                let state = match known {
                    None => NodeState::Unchecked,
                    Some((IdentState::Active, _)) => NodeState::Links,
                    Some((IdentState::Benign(_), _)) => NodeState::Benign,
                    Some((IdentState::Suppressed(_), _)) => NodeState::Suppressed,
                };
                if !state.links() && !filter.non_linking {
                    return None;
                }
                End {
                    key: format!("{}:{}", key.kind, key.value),
                    places,
                    kind: Some(key.kind),
                    value: key.value.clone(),
                    state,
                }
            }
            Endpoint::Report(p, id) => End {
                key: id.to_string(),
                places: if self.in_window[*p] {
                    vec![*p]
                } else {
                    Vec::new()
                },
                kind: None,
                value: id.clone(),
                state: NodeState::Report,
            },
        };
        (!end.places.is_empty()).then_some(end)
    }
}

/// The nodes drawn so far, with each one's place by key.
struct Nodes {
    list: Vec<ViewNode>,
    place_of: HashMap<String, u32>,
}

impl Nodes {
    /// The place of a confirmed link's end, added as a node (its reports
    /// then covered) when it is not drawn yet.
    fn place(&mut self, end: End, counts: &Counts<'_, '_>, covered: &mut [bool]) -> u32 {
        if let Some(&i) = self.place_of.get(&end.key) {
            return i;
        }
        let (units, first, last) = counts.summary(&end.places);
        for &p in &end.places {
            covered[p] = true;
        }
        self.list.push(ViewNode {
            kind: end.kind,
            value: end.value,
            state: end.state,
            why: String::new(),
            reports: end.places.len(),
            units,
            first_filed_at: first,
            last_filed_at: last,
        });
        let i = (self.list.len() - 1) as u32;
        self.place_of.insert(end.key, i);
        i
    }
}

/// The co-occurrence edges between the drawn linking nodes (reports naming
/// both, heaviest first), and per report whether it names a drawn node.
fn co_occurrence(drawn: &[(ViewNode, Vec<usize>)], reports: usize) -> (Vec<ViewEdge>, Vec<bool>) {
    let mut per_report: Vec<Vec<u32>> = vec![Vec::new(); reports];
    for (i, (_, places)) in drawn.iter().enumerate() {
        for &p in places {
            per_report[p].push(i as u32);
        }
    }
    let mut weights: BTreeMap<(u32, u32), u32> = BTreeMap::new();
    for ns in &per_report {
        let linking: Vec<u32> = ns
            .iter()
            .copied()
            .filter(|&i| drawn[i as usize].0.state.links())
            .collect();
        for (x, &i) in linking.iter().enumerate() {
            for &j in &linking[x + 1..] {
                *weights.entry((i.min(j), i.max(j))).or_default() += 1;
            }
        }
    }
    let covered = per_report.iter().map(|ns| !ns.is_empty()).collect();
    let mut edges: Vec<ViewEdge> = weights
        .into_iter()
        .map(|((a, b), weight)| ViewEdge {
            a,
            b,
            weight,
            basis: String::new(),
        })
        .collect();
    edges.sort_by(|x, y| y.weight.cmp(&x.weight).then((x.a, x.b).cmp(&(y.a, y.b))));
    (edges, covered)
}
