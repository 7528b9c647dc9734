//! The identifier-centred view of a cluster (issue 22): the identifiers
//! that tie its reports together as nodes, the reports aggregated into a
//! count and a time span per identifier, and edges between identifiers
//! that reports name together. At 500 reports this is tens of nodes where
//! the report-level drawing was a hairball.
//!
//! What it holds:
//! - a node per linking identifier named by two or more of the cluster's
//!   reports (in the time window), sized by that number;
//! - the benign and suppressed (hub) identifiers only when asked for, and
//!   then without co-occurrence edges, because they link nothing;
//! - co-occurrence edges between linking identifiers, weighted by the
//!   number of reports naming both;
//! - every link an analyst confirmed between two of the cluster's
//!   endpoints (identifiers, a bad-checksum IBAN that is in no graph, or a
//!   report) as an edge of its own, its endpoints drawn even when named
//!   by one report only.
//!
//! The aggregation is a pure function ([`aggregate`]) over the facts the
//! state holds, so it is tested without a store.

use std::collections::HashMap;
use std::sync::Arc;

use super::{ClusterSummary, State};

mod aggregate;

use crate::cluster::{IdentKey, IdentState};
use crate::ident::Kind;
use crate::report::ReportId;
pub use aggregate::aggregate;

/// What a node of the identifier view is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeState {
    /// A linking identifier.
    Links,
    /// Known benign (allowlist, official numbers): links nothing.
    Benign,
    /// Suppressed by the hub guard: links nothing.
    Suppressed,
    /// An IBAN with a bad checksum, which is in no graph: drawn because
    /// an analyst confirmed its link.
    Unchecked,
    /// A report named by a confirmed link.
    Report,
}

impl NodeState {
    /// The name used in the API and as a CSS class.
    pub fn as_str(self) -> &'static str {
        match self {
            NodeState::Links => "links",
            NodeState::Benign => "benign",
            NodeState::Suppressed => "suppressed",
            NodeState::Unchecked => "unchecked",
            NodeState::Report => "report",
        }
    }

    /// Whether it links the reports naming it.
    pub fn links(self) -> bool {
        !matches!(self, NodeState::Benign | NodeState::Suppressed)
    }
}

/// Which part of a cluster the view shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ViewFilter {
    /// Only these kinds (empty: every kind).
    pub kinds: Vec<Kind>,
    /// Only reports filed at or after this time (Unix seconds).
    pub from: Option<i64>,
    /// Only reports filed at or before this time (Unix seconds).
    pub to: Option<i64>,
    /// Show benign and suppressed identifiers too.
    pub non_linking: bool,
}

impl ViewFilter {
    fn has_kind(&self, k: Kind) -> bool {
        self.kinds.is_empty() || self.kinds.contains(&k)
    }

    fn in_time(&self, at: i64) -> bool {
        self.from.is_none_or(|f| at >= f) && self.to.is_none_or(|t| at <= t)
    }
}

/// A node: an identifier (or a report of a confirmed link) with its
/// reports in the cluster aggregated.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewNode {
    /// Its kind; `None` for a report.
    pub kind: Option<Kind>,
    /// The identifier's canonical value, or the report id.
    pub value: Arc<str>,
    /// What it is.
    pub state: NodeState,
    /// Why benign or suppressed (empty otherwise).
    pub why: String,
    /// Reports of the cluster (in the window) naming it.
    pub reports: usize,
    /// Units those reports were filed at.
    pub units: usize,
    /// First filing among them, Unix seconds.
    pub first_filed_at: i64,
    /// Last filing among them, Unix seconds.
    pub last_filed_at: i64,
}

impl ViewNode {
    /// `kind:value`, or the report id.
    pub fn key(&self) -> String {
        match self.kind {
            Some(k) => format!("{k}:{}", self.value),
            None => self.value.to_string(),
        }
    }
}

/// An edge between two nodes (places in [`IdentView::nodes`], `a < b`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewEdge {
    /// One end.
    pub a: u32,
    /// The other end.
    pub b: u32,
    /// Reports naming both (co-occurrence); 0 for a confirmed link.
    pub weight: u32,
    /// The analyst's basis of a confirmed link (empty otherwise).
    pub basis: String,
}

/// The identifier-centred view of one cluster.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IdentView {
    /// Nodes, most reports first (then kind and value).
    pub nodes: Vec<ViewNode>,
    /// Co-occurrence edges between linking nodes, heaviest first.
    pub edges: Vec<ViewEdge>,
    /// Confirmed links.
    pub confirmed: Vec<ViewEdge>,
    /// Reports of the cluster in the time window.
    pub reports: usize,
    /// Of those, reports that name at least one node.
    pub covered: usize,
    /// Linking identifiers (of the kinds shown) named by one report of
    /// the window only: they tie nothing together and are not drawn.
    pub leaves: usize,
    /// Benign and suppressed identifiers left out (the filter did not ask
    /// for them).
    pub hidden_non_linking: usize,
    /// Identifiers of each kind the cluster's reports name (whatever the
    /// filter), for the kind filter's choices.
    pub kinds: Vec<(Kind, usize)>,
}

/// A report's facts as the aggregation reads them.
#[derive(Debug, Clone)]
pub struct ReportFacts<'a> {
    /// Filing time, Unix seconds.
    pub filed_at: i64,
    /// Its unit.
    pub unit: &'a str,
    /// The identifiers it names with their state.
    pub idents: Vec<(&'a IdentKey, &'a IdentState)>,
}

/// One end of a confirmed link, resolved against the cluster.
#[derive(Debug, Clone)]
pub enum Endpoint {
    /// An identifier; `invalid` are the places (in the facts) of reports
    /// naming it in a form with a bad checksum.
    Ident {
        /// The identifier.
        key: IdentKey,
        /// Reports naming it with a bad checksum.
        invalid: Vec<usize>,
    },
    /// A report (its place in the facts) and its id.
    Report(usize, Arc<str>),
}

impl State {
    /// The identifier-centred view of a cluster (see the module's text).
    pub fn identifier_view(&self, c: &ClusterSummary, filter: &ViewFilter) -> IdentView {
        let mut place: HashMap<&str, usize> = HashMap::with_capacity(c.report_ids.len());
        let mut facts = Vec::with_capacity(c.report_ids.len());
        for r in &c.report_ids {
            let Some(n) = self.graph.report_number(r) else {
                continue;
            };
            let filed_at = self.graph.report_at(n).map_or(0, |x| x.filed_at);
            let unit = self
                .rows
                .get(n)
                .and_then(|m| self.names.get(m.unit as usize))
                .map_or("", |s| &**s);
            let idents = self
                .graph
                .idents_of(r)
                .into_iter()
                .map(|k| {
                    let s = self
                        .graph
                        .ident_state(&self.partition, k)
                        .unwrap_or(&IdentState::Active);
                    (k, s)
                })
                .collect();
            place.insert(r.as_str(), facts.len());
            facts.push(ReportFacts {
                filed_at,
                unit,
                idents,
            });
        }
        let confirmed = self.confirmed_in(&place);
        aggregate(&facts, &confirmed, filter)
    }

    /// The confirmed links of a cluster between its reports, as the
    /// re-cluster adds them: each report of one end to the first report
    /// of the other, with the analyst's basis.
    pub fn confirmed_pairs(&self, c: &ClusterSummary) -> Vec<(ReportId, ReportId, String)> {
        let place: HashMap<&str, usize> = c
            .report_ids
            .iter()
            .enumerate()
            .map(|(i, r)| (r.as_str(), i))
            .collect();
        let reports = |e: &Endpoint| -> Vec<usize> {
            match e {
                Endpoint::Report(p, _) => vec![*p],
                Endpoint::Ident { key, invalid } => {
                    let mut v: Vec<usize> = self
                        .graph
                        .reports_with(key)
                        .into_iter()
                        .filter_map(|r| place.get(r.as_str()).copied())
                        .chain(invalid.iter().copied())
                        .collect();
                    v.sort_unstable();
                    v.dedup();
                    v
                }
            }
        };
        let mut out = Vec::new();
        for (a, b, basis) in self.confirmed_in(&place) {
            let (ra, rb) = (reports(&a), reports(&b));
            if let Some(&anchor) = rb.first() {
                for r in ra.into_iter().filter(|&r| r != anchor) {
                    out.push((
                        c.report_ids[r].clone(),
                        c.report_ids[anchor].clone(),
                        basis.clone(),
                    ));
                }
            }
        }
        out
    }

    /// The confirmed links whose two ends both lie among `place`'s
    /// reports (a report id to its place in the facts).
    fn confirmed_in(&self, place: &HashMap<&str, usize>) -> Vec<(Endpoint, Endpoint, String)> {
        let Some(weak) = &self.weak else {
            return Vec::new();
        };
        let end = |raw: &str| -> Option<Endpoint> {
            if let Some((kind, value)) = crate::cluster::ident_endpoint(raw) {
                let key = IdentKey {
                    kind,
                    value: value.into(),
                };
                let invalid: Vec<usize> = if kind == Kind::Iban {
                    weak.invalid_ibans
                        .get(value)
                        .into_iter()
                        .flatten()
                        .filter_map(|r| place.get(r.as_str()).copied())
                        .collect()
                } else {
                    Vec::new()
                };
                let named_here = self
                    .graph
                    .reports_with(&key)
                    .into_iter()
                    .any(|r| place.contains_key(r.as_str()));
                return (named_here || !invalid.is_empty())
                    .then_some(Endpoint::Ident { key, invalid });
            }
            place.get(raw).map(|&p| Endpoint::Report(p, Arc::from(raw)))
        };
        weak.decisions
            .iter()
            .filter(|(_, _, d, _)| d == "confirmed")
            .filter_map(|(a, b, _, basis)| Some((end(a)?, end(b)?, basis.clone())))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;

    fn key(kind: Kind, value: &str) -> IdentKey {
        IdentKey {
            kind,
            value: value.into(),
        }
    }

    /// A generated cluster like the 479-report one of issue 22: 479
    /// reports over a year and 12 units, 30 mule IBANs and 10 phone
    /// numbers each named by a run of reports, every report naming the
    /// benign platform marktplaats.nl (allowlisted) and one in five a hub
    /// that the guard suppressed, plus single-report identifiers, and a
    /// typo IBAN (bad checksum) in 3 reports confirmed to be one of the
    /// mule IBANs.
    struct Generated {
        keys: Vec<IdentKey>,
        states: Vec<IdentState>,
        /// Per report: filing time, unit, identifier places.
        reports: Vec<(i64, String, Vec<usize>)>,
    }

    fn generated() -> Generated {
        let mut keys = Vec::new();
        let mut states = Vec::new();
        for i in 0..30 {
            keys.push(key(Kind::Iban, &format!("NL{:02}MULE{:010}", i % 97, i)));
            states.push(IdentState::Active);
        }
        for i in 0..10 {
            keys.push(key(Kind::Phone, &format!("+3161234{i:04}")));
            states.push(IdentState::Active);
        }
        keys.push(key(Kind::Domain, "marktplaats.nl"));
        states.push(IdentState::Benign("allowlist: platform".into()));
        keys.push(key(Kind::Domain, "tikkie.me"));
        states.push(IdentState::Suppressed("hub: 900 reports".into()));
        let singles = keys.len();
        for i in 0..479 {
            keys.push(key(Kind::Email, &format!("x{i}@example.org")));
            states.push(IdentState::Active);
        }
        let reports = (0..479usize)
            .map(|r| {
                let mut named = vec![r % 30, 30 + r % 10, 40, singles + r];
                if r % 5 == 0 {
                    named.push(41);
                }
                (
                    1_700_000_000 + r as i64 * DAY / 2,
                    format!("unit {}", (r / 7) % 12),
                    named,
                )
            })
            .collect();
        Generated {
            keys,
            states,
            reports,
        }
    }

    impl Generated {
        fn facts(&self) -> Vec<ReportFacts<'_>> {
            self.reports
                .iter()
                .map(|(at, unit, named)| ReportFacts {
                    filed_at: *at,
                    unit,
                    idents: named
                        .iter()
                        .map(|&i| (&self.keys[i], &self.states[i]))
                        .collect(),
                })
                .collect()
        }

        /// The typo IBAN (3 reports) confirmed to be the first mule IBAN.
        fn confirmed(&self) -> Vec<(Endpoint, Endpoint, String)> {
            vec![(
                Endpoint::Ident {
                    key: key(Kind::Iban, "NL00MULE0000000900"),
                    invalid: vec![470, 475, 478],
                },
                Endpoint::Ident {
                    key: self.keys[0].clone(),
                    invalid: Vec::new(),
                },
                "typo of one digit".into(),
            )]
        }
    }

    fn ks(k: &IdentKey) -> String {
        format!("{}:{}", k.kind, k.value)
    }

    fn node<'v>(v: &'v IdentView, k: &str) -> Option<(usize, &'v ViewNode)> {
        v.nodes.iter().enumerate().find(|(_, n)| n.key() == k)
    }

    // See: issue 22 (at 479 reports only 100 were drawn, labels collided,
    // benign platforms were drawn as if they linked, a confirmed typo-IBAN
    // link showed as two unconnected dots)
    #[test]
    fn issue_22_a_479_report_cluster_reads_as_tens_of_identifier_nodes() {
        let g = generated();
        let v = aggregate(&g.facts(), &g.confirmed(), &ViewFilter::default());
        // 30 IBANs, 10 numbers and the typo IBAN: tens of nodes, not 479.
        assert_eq!(
            v.nodes.len(),
            41,
            "{:?}",
            v.nodes.iter().map(ViewNode::key).collect::<Vec<_>>()
        );
        assert_eq!(v.reports, 479);
        assert_eq!(v.covered, 479, "every report is under a node");
        assert_eq!(
            v.leaves, 479,
            "single-report e-mail addresses are not drawn"
        );
        // Sized by reports: 479 / 10 numbers = 47 or 48 each, the largest.
        assert_eq!(v.nodes[0].kind, Some(Kind::Phone));
        assert_eq!(v.nodes[0].reports, 48);
        let (_, mule) = node(&v, &ks(&g.keys[0])).expect("the first mule IBAN");
        assert_eq!(mule.reports, 16);
        assert_eq!(mule.units, 12);
        assert_eq!(mule.first_filed_at, 1_700_000_000);
        assert_eq!(mule.last_filed_at, 1_700_000_000 + 450 * DAY / 2);
        // Benign and suppressed identifiers are hidden and counted.
        assert!(node(&v, "domain:marktplaats.nl").is_none());
        assert!(node(&v, "domain:tikkie.me").is_none());
        assert_eq!(v.hidden_non_linking, 2);
        // Co-occurrence: IBAN i is named with number i % 10 only, by
        // each of its 16 reports.
        let (p0, _) = node(&v, &ks(&g.keys[0])).unwrap();
        let (q0, _) = node(&v, &ks(&g.keys[30])).unwrap();
        let e = v
            .edges
            .iter()
            .find(|e| (e.a as usize, e.b as usize) == (p0.min(q0), p0.max(q0)))
            .expect("IBAN 0 and number 0 co-occur");
        assert_eq!(e.weight, 16);
        assert_eq!(v.edges.len(), 30, "each IBAN meets exactly one number");
        // The confirmed typo link: the bad-checksum IBAN is a node of its
        // own, joined to the mule IBAN by a confirmed edge.
        let (t, typo) = node(&v, "iban:NL00MULE0000000900").expect("the typo IBAN is drawn");
        assert_eq!(typo.state, NodeState::Unchecked);
        assert_eq!(typo.reports, 3);
        assert_eq!(v.confirmed.len(), 1);
        assert_eq!(
            (v.confirmed[0].a as usize, v.confirmed[0].b as usize),
            (p0.min(t), p0.max(t))
        );
        assert_eq!(v.confirmed[0].basis, "typo of one digit");
    }

    #[test]
    fn non_linking_identifiers_are_shown_on_request_without_edges() {
        let g = generated();
        let filter = ViewFilter {
            non_linking: true,
            ..ViewFilter::default()
        };
        let v = aggregate(&g.facts(), &g.confirmed(), &filter);
        let (b, benign) = node(&v, "domain:marktplaats.nl").expect("benign shown");
        assert_eq!(benign.state, NodeState::Benign);
        assert_eq!(benign.reports, 479);
        assert_eq!(benign.why, "allowlist: platform");
        let (s, hub) = node(&v, "domain:tikkie.me").expect("suppressed shown");
        assert_eq!(hub.state, NodeState::Suppressed);
        assert_eq!(hub.reports, 96);
        assert_eq!(v.hidden_non_linking, 0);
        assert!(
            v.edges
                .iter()
                .all(|e| ![b, s].contains(&(e.a as usize)) && ![b, s].contains(&(e.b as usize))),
            "no edge touches a benign or suppressed identifier"
        );
        assert_eq!(v.edges.len(), 30);
    }

    #[test]
    fn the_kind_and_time_filters_narrow_the_view() {
        let g = generated();
        let phones = ViewFilter {
            kinds: vec![Kind::Phone],
            ..ViewFilter::default()
        };
        let v = aggregate(&g.facts(), &g.confirmed(), &phones);
        assert_eq!(v.nodes.len(), 10);
        assert!(v.nodes.iter().all(|n| n.kind == Some(Kind::Phone)));
        assert!(v.edges.is_empty(), "numbers are never named together");
        assert!(
            v.confirmed.is_empty(),
            "the confirmed IBANs are filtered out"
        );
        assert_eq!(v.kinds.len(), 4, "the choices stay: {:?}", v.kinds);
        // The first 20 reports (ten days): each IBAN of them at most once,
        // so only the numbers (20 / 10 = 2 each) are drawn.
        let early = ViewFilter {
            to: Some(1_700_000_000 + 19 * DAY / 2),
            ..ViewFilter::default()
        };
        let v = aggregate(&g.facts(), &g.confirmed(), &early);
        assert_eq!(v.reports, 20);
        assert_eq!(v.nodes.len(), 10);
        assert!(v.nodes.iter().all(|n| n.reports == 2));
        assert!(v.confirmed.is_empty(), "the typo reports are later");
    }
}
