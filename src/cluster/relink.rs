//! Linking again only what a change touches: after reports are added (an
//! import, a push) or two reports are linked directly (a confirmed
//! suggestion), the partition is brought up to the graph by linking the
//! reports the change can reach and keeping every other component as it
//! was, with the same result as partitioning the whole graph.
//!
//! Why that is the same: whether an identifier links, and so which
//! reports end up together, is decided by the hub guard and the
//! shared-identifier rule from the reports that name it and the links
//! among them. Those reports are all reachable from each other through
//! identifiers that are not benign and direct links (the "raw" component),
//! and nothing outside that raw component takes part. So the reports
//! reachable from a changed report form a region whose partition depends
//! on the region alone: linking it as the whole graph is linked, in the
//! same order of identifiers, gives what a full partition gives there.
//! A benign identifier joins nothing and is not followed, unless it
//! turned benign in this change (a domain that became a mail provider),
//! whose reports may now fall apart.
//!
//! Removing reports (a purge) or a confirmed link (undo) is not handled
//! here: the graph has no removal, so those rebuild it.

use rustc_hash::{FxHashMap, FxHashSet};

use super::{Graph, IdentState, LinkingConfig, Node, Partition};

/// Per report of a region its component, and the states and sides of
/// the region's identifiers that do not link (see `Graph::link`).
pub(super) type Linking = (
    Vec<u32>,
    FxHashMap<u32, IdentState>,
    FxHashMap<u32, Vec<(u32, u8)>>,
);

/// The reports a linking pass covers.
pub(super) enum Region {
    /// The whole graph (a full partition): local numbers are report numbers.
    All,
    /// Reports closed under linking, in ascending order, with the
    /// identifiers they name (ascending), the direct links among them, and
    /// per report number its place in `reports` (`u32::MAX` outside).
    Part {
        reports: Vec<u32>,
        idents: Vec<u32>,
        direct: Vec<(u32, u32)>,
        local: FxHashMap<u32, u32>,
    },
}

impl Region {
    /// How many reports it holds.
    pub(super) fn len(&self, g: &Graph) -> usize {
        match self {
            Region::All => g.reports.len(),
            Region::Part { reports, .. } => reports.len(),
        }
    }

    /// The report number of the region's `k`th report.
    pub(super) fn global(&self, k: u32) -> u32 {
        match self {
            Region::All => k,
            Region::Part { reports, .. } => reports[k as usize],
        }
    }

    /// The place in the region of report number `r`, which it holds.
    pub(super) fn local(&self, r: u32) -> u32 {
        match self {
            Region::All => r,
            Region::Part { local, .. } => local[&r],
        }
    }

    /// The identifiers the region's reports name, ascending.
    pub(super) fn idents<'a>(&'a self, g: &Graph) -> Box<dyn Iterator<Item = u32> + 'a> {
        match self {
            Region::All => Box::new(0..g.idents.len() as u32),
            Region::Part { idents, .. } => Box::new(idents.iter().copied()),
        }
    }

    /// The direct links between its reports.
    pub(super) fn direct<'a>(&'a self, g: &'a Graph) -> Box<dyn Iterator<Item = (u32, u32)> + 'a> {
        match self {
            Region::All => Box::new(g.direct.iter().map(|&(a, b, _)| (a, b))),
            Region::Part { direct, .. } => Box::new(direct.iter().copied()),
        }
    }
}

/// What one call of [`Graph::relink`] did, for the log.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Relinked {
    /// Reports linked again (the region the change reaches).
    pub reports: usize,
    /// Identifiers those reports name.
    pub idents: usize,
}

impl Graph {
    /// Adds the refiling links (see [`Graph::add_refilings`]) that involve
    /// a report numbered `first` or later, the ones added since the links
    /// were last made. Returns the reports they join, for
    /// [`Graph::relink`].
    pub fn add_refilings_since(&mut self, first: usize, window_days: i64) -> Vec<u32> {
        let pairs = self.refiling_pairs(first, window_days);
        self.add_refiling_pairs(&pairs);
        pairs.into_iter().flat_map(|(a, b)| [a, b]).collect()
    }

    /// Brings `p`, the partition of this graph before reports were added
    /// to it or reports were linked directly, up to the graph: the reports
    /// added since (numbered from `p`'s length on) and the reports in
    /// `touched` (the ends of new direct links) are linked again with all
    /// they reach, and the rest keep their components. The result equals
    /// [`Graph::partition`] of the graph, numbering included.
    pub fn relink(&self, p: &mut Partition, touched: &[u32], cfg: &LinkingConfig) -> Relinked {
        let n = self.reports.len();
        let before = p.component.len().min(n);
        let start: Vec<u32> = (before as u32..n as u32)
            .chain(touched.iter().copied().filter(|&r| (r as usize) < n))
            .collect();
        if start.is_empty() {
            return Relinked::default();
        }
        let region = self.reach(p, start);
        let done = Relinked {
            reports: region.len(self),
            idents: match &region {
                Region::Part { idents, .. } => idents.len(),
                Region::All => self.idents.len(),
            },
        };
        let (local, states, sides) = self.link(&region, cfg);
        let Region::Part {
            reports, idents, ..
        } = region
        else {
            unreachable!("reach gives a region of some reports")
        };
        for i in &idents {
            p.states.remove(i);
            p.sides.remove(i);
        }
        p.states.extend(states);
        p.sides.extend(sides);
        // The region's components numbered after the old ones, then all
        // renumbered in the order of each one's first report, as a full
        // partition numbers them.
        const NONE: u32 = u32::MAX;
        p.component.resize(n, NONE);
        let base = p.count as u32;
        for (k, &r) in reports.iter().enumerate() {
            p.component[r as usize] = base + local[k];
        }
        let mut new_number = vec![NONE; base as usize + local.len()];
        let mut count = 0u32;
        for c in &mut p.component {
            let slot = &mut new_number[*c as usize];
            if *slot == NONE {
                *slot = count;
                count += 1;
            }
            *c = *slot;
        }
        p.count = count as usize;
        done
    }

    /// The reports reachable from `start` through identifiers that link
    /// or may link now (all but those `p` holds benign) and direct links.
    fn reach(&self, p: &Partition, start: Vec<u32>) -> Region {
        let mut seen_report: FxHashSet<u32> = FxHashSet::default();
        let mut seen_ident: FxHashSet<u32> = FxHashSet::default();
        let mut direct = Vec::new();
        let mut queue = start;
        queue.retain(|&r| seen_report.insert(r));
        while let Some(r) = queue.pop() {
            for m in self.graph.neighbors(self.report_nodes[r as usize]) {
                match self.graph[m] {
                    Node::Report(o) => {
                        if r < o {
                            direct.push((r, o));
                        }
                        if seen_report.insert(o) {
                            queue.push(o);
                        }
                    }
                    Node::Ident(i) => {
                        if !seen_ident.insert(i) {
                            continue;
                        }
                        if matches!(p.states.get(&i), Some(IdentState::Benign(_))) {
                            continue;
                        }
                        for o in self.ident_report_numbers(i) {
                            if seen_report.insert(o) {
                                queue.push(o);
                            }
                        }
                    }
                }
            }
        }
        let mut reports: Vec<u32> = seen_report.into_iter().collect();
        reports.sort_unstable();
        let mut idents: Vec<u32> = seen_ident.into_iter().collect();
        idents.sort_unstable();
        // A direct link is listed from both ends; once is enough.
        direct.sort_unstable();
        direct.dedup();
        let local = reports
            .iter()
            .enumerate()
            .map(|(k, &r)| (r, k as u32))
            .collect();
        Region::Part {
            reports,
            idents,
            direct,
            local,
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::cluster::{DirectLink, LinkIdent, ReportNode};
    use crate::config::Settings;
    use crate::ident::Kind;
    use crate::report::ReportId;

    /// A small world where every rule fires: hubs from four reports,
    /// shared identifiers between groups of two, refilings within a week.
    fn cfg() -> LinkingConfig {
        let mut cfg = Settings::defaults().linking;
        cfg.hub_min_reports = 4;
        cfg.hub_min_groups = 2;
        cfg.shared_min_reports = 2;
        cfg.refiling_window_days = 7;
        cfg
    }

    /// One report of a generated history: its identifiers (value number,
    /// named as benign), fraud type, victim, day, damage and supplement flag.
    #[derive(Debug, Clone)]
    struct Filed {
        idents: Vec<(u8, bool)>,
        fraud: Option<u8>,
        victim: Option<u8>,
        day: u8,
        cents: Option<u8>,
        supplement: bool,
    }

    fn filed() -> impl Strategy<Value = Filed> {
        (
            proptest::collection::vec((0u8..16, proptest::bool::weighted(0.05)), 0..4),
            proptest::option::of(0u8..3),
            proptest::option::weighted(0.3, 0u8..6),
            0u8..30,
            proptest::option::of(0u8..3),
            proptest::bool::weighted(0.1),
        )
            .prop_map(|(idents, fraud, victim, day, cents, supplement)| Filed {
                idents,
                fraud,
                victim,
                day,
                cents,
                supplement,
            })
    }

    fn add(g: &mut Graph, n: usize, f: &Filed) {
        let values: Vec<String> = f.idents.iter().map(|(v, _)| format!("06{v:08}")).collect();
        let links: Vec<LinkIdent<'_>> = f
            .idents
            .iter()
            .zip(&values)
            .map(|(&(_, benign), value)| LinkIdent {
                kind: Kind::Phone,
                value,
                benign: benign.then_some("a bank's published number"),
            })
            .collect();
        g.add_report(
            ReportNode {
                id: id(n),
                filed_at: i64::from(f.day) * 86_400,
                amount_cents: f.cents.map(i64::from),
                victim_ref: f.victim.map(|v| format!("V-{v}").into()),
                supplement: f.supplement,
                fraud_category: f.fraud,
            },
            &links,
        );
    }

    fn id(n: usize) -> ReportId {
        ReportId::parse(&format!("R-{n}")).unwrap()
    }

    fn assert_same(a: &Partition, b: &Partition) {
        assert_eq!(a.component, b.component);
        assert_eq!(a.count, b.count);
        assert_eq!(a.states, b.states);
        assert_eq!(a.sides, b.sides);
    }

    #[test]
    fn a_new_report_joins_its_cluster_and_leaves_the_others_alone() {
        let cfg = cfg();
        let mut g = Graph::new();
        let plain = |v: u8| Filed {
            idents: vec![(v, false)],
            fraud: None,
            victim: None,
            day: 0,
            cents: None,
            supplement: false,
        };
        for (n, v) in [1, 1, 2, 3].into_iter().enumerate() {
            add(&mut g, n, &plain(v));
        }
        let mut p = g.partition(&cfg);
        assert_eq!(p.len(), 3);
        add(&mut g, 4, &plain(3));
        let done = g.relink(&mut p, &[], &cfg);
        // Only the report named 3 and the new one were looked at.
        assert_eq!(
            done,
            Relinked {
                reports: 2,
                idents: 1
            }
        );
        assert_same(&p, &g.partition(&cfg));
        assert_eq!(p.component, vec![0, 0, 1, 2, 2]);
        // A confirmed link between two clusters joins them.
        g.add_direct(&id(0), &id(2), DirectLink::Confirmed);
        g.relink(&mut p, &[0, 2], &cfg);
        assert_same(&p, &g.partition(&cfg));
        assert_eq!(p.component, vec![0, 0, 0, 1, 1]);
    }

    #[test]
    fn an_identifier_turning_benign_splits_the_reports_it_joined() {
        let cfg = cfg();
        let mut g = Graph::new();
        let named = |benign: bool| Filed {
            idents: vec![(7, benign)],
            fraud: None,
            victim: None,
            day: 0,
            cents: None,
            supplement: false,
        };
        add(&mut g, 0, &named(false));
        add(&mut g, 1, &named(false));
        let mut p = g.partition(&cfg);
        assert_eq!(p.len(), 1);
        add(&mut g, 2, &named(true));
        g.relink(&mut p, &[], &cfg);
        assert_same(&p, &g.partition(&cfg));
        assert_eq!(p.len(), 3);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Reports added in batches, with confirmed links between reports
        /// already there, relinked after each batch: always what a full
        /// partition of the same graph gives, and in the end what a graph
        /// built in one go gives.
        #[test]
        fn relinking_each_batch_equals_partitioning_everything(
            history in proptest::collection::vec(filed(), 1..60),
            cuts in proptest::collection::vec(0usize..60, 0..6),
            confirms in proptest::collection::vec((0usize..60, 0usize..60, 0usize..60), 0..4),
        ) {
            let cfg = cfg();
            let mut ends: Vec<usize> = cuts.into_iter().map(|c| c % history.len()).collect();
            ends.push(history.len());
            ends.sort_unstable();
            ends.dedup();
            let mut g = Graph::new();
            let mut p = g.partition(&cfg);
            let mut from = 0;
            let mut confirmed = Vec::new();
            for end in ends {
                for (n, f) in history.iter().enumerate().take(end).skip(from) {
                    add(&mut g, n, f);
                }
                let mut touched = g.add_refilings_since(from, cfg.refiling_window_days);
                for &(when, a, b) in &confirms {
                    if when % history.len() < end && when % history.len() >= from
                        && a < from && b < from && a != b
                    {
                        g.add_direct(&id(a), &id(b), DirectLink::Confirmed);
                        touched.extend([a as u32, b as u32]);
                        confirmed.push((a, b));
                    }
                }
                g.relink(&mut p, &touched, &cfg);
                assert_same(&p, &g.partition(&cfg));
                from = end;
            }
            let mut whole = Graph::new();
            for (n, f) in history.iter().enumerate() {
                add(&mut whole, n, f);
            }
            whole.add_refilings(cfg.refiling_window_days);
            for &(a, b) in &confirmed {
                whole.add_direct(&id(a), &id(b), DirectLink::Confirmed);
            }
            let full = whole.partition(&cfg);
            prop_assert_eq!(&p.component, &full.component);
            prop_assert_eq!(&p.states, &full.states);
            let sorted = |s: &FxHashMap<u32, Vec<(u32, u8)>>| {
                let mut s: Vec<(u32, Vec<(u32, u8)>)> =
                    s.iter().map(|(&i, v)| { let mut v = v.clone(); v.sort_unstable(); (i, v) }).collect();
                s.sort_unstable();
                s
            };
            prop_assert_eq!(sorted(&p.sides), sorted(&full.sides));
        }
    }
}
