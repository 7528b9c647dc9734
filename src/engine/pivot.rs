//! Pivots: from one identifier to every report and cluster naming it, and
//! from a search to the reports it matches as a whole (for grouping its
//! hits by cluster and counting them per unit, fraud type and status).
//!
//! Both read the derived state in memory: the graph knows per identifier
//! which reports name it (its edges), so a pivot visits those reports and
//! nothing else, at any size of the store.

use crate::cluster::{ClusterId, IdentKey, IdentState};
use crate::engine::search::{search_in, split_query};
use crate::engine::{Engine, SearchPage, SearchParams, State};
use crate::index::{SearchError, SearchQuery};
use crate::report::ReportId;

/// Everything the state knows of one identifier.
#[derive(Debug, Clone)]
pub struct Pivot<'a> {
    /// Whether it links, and why not.
    pub state: IdentState,
    /// The reports naming it (as an offender's identifier), newest first.
    pub reports: Vec<PivotReport<'a>>,
    /// The clusters those reports lie in, the one with most of them first
    /// (then by id), each with how many of its reports name it.
    pub clusters: Vec<(&'a ClusterId, usize)>,
}

/// A report naming the identifier of a [`Pivot`].
#[derive(Debug, Clone, Copy)]
pub struct PivotReport<'a> {
    /// The report.
    pub id: &'a ReportId,
    /// Filing time, Unix seconds.
    pub filed_at: i64,
    /// Its unit.
    pub unit: &'a str,
    /// Its team.
    pub team: &'a str,
    /// Its fraud category as filed.
    pub fraud_type: Option<&'a str>,
    /// Its cluster.
    pub cluster: Option<&'a ClusterId>,
}

impl State {
    /// True when a report names the identifier as an offender's (it is
    /// one the graph holds, in its canonical form).
    pub fn pivot_known(&self, key: &IdentKey) -> bool {
        self.graph.report_count(key) > 0
    }

    /// The reports and clusters naming an identifier; `None` when no
    /// report names it as an offender's identifier (a victim's own
    /// account, a name or a value failing its check is not in the graph).
    pub fn pivot(&self, key: &IdentKey) -> Option<Pivot<'_>> {
        let state = self.graph.ident_state(&self.partition, key)?.clone();
        let name = |i: u32| self.names.get(i as usize).map_or("", |s| &**s);
        let mut reports: Vec<PivotReport<'_>> = self
            .graph
            .reports_with(key)
            .into_iter()
            .filter_map(|id| {
                let n = self.graph.report_number(id)?;
                let node = self.graph.report_at(n)?;
                let meta = self.rows.get(n)?;
                Some(PivotReport {
                    id: &node.id,
                    filed_at: node.filed_at,
                    unit: name(meta.unit),
                    team: name(meta.team),
                    fraud_type: meta.fraud_type.map(name),
                    cluster: self.cluster_at(n),
                })
            })
            .collect();
        reports.sort_by(|a, b| b.filed_at.cmp(&a.filed_at).then(a.id.cmp(b.id)));
        let mut counts: Vec<(&ClusterId, usize)> = Vec::new();
        let mut sorted: Vec<&ClusterId> = reports.iter().filter_map(|r| r.cluster).collect();
        sorted.sort_unstable();
        for c in sorted {
            match counts.last_mut() {
                Some((last, n)) if *last == c => *n += 1,
                _ => counts.push((c, 1)),
            }
        }
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        Some(Pivot {
            state,
            reports,
            clusters: counts,
        })
    }
}

impl Engine {
    /// The reports a search matches, newest first: all of them up to
    /// `cap`, with how many match in all (so that a page can group the
    /// hits by cluster and count them per unit, type and status).
    pub fn search_ids(
        &self,
        p: &SearchParams,
        cap: usize,
    ) -> Result<(usize, Vec<ReportId>), SearchError> {
        crate::index::check_query(&p.query)?;
        let (text, identifiers) = split_query(&self.inner.extractor, &p.query);
        let ids = match &p.cluster {
            Some(c) => Some(self.members(c)?),
            None => None,
        };
        // Every match counts here, not one page of them.
        let q = SearchQuery {
            limit: 0,
            offset: 0,
            ..p.index_query(text, identifiers, ids)
        };
        let (total, found) = self.inner.index.matching_ids(&q, cap)?;
        Ok((
            total,
            found
                .iter()
                .filter_map(|id| ReportId::parse(id).ok())
                .collect(),
        ))
    }

    /// A page of a search kept to the reports `among` (the hits of a
    /// search that a page narrowed further, by cluster status).
    pub fn search_among(
        &self,
        p: &SearchParams,
        among: Vec<String>,
    ) -> Result<SearchPage, SearchError> {
        crate::index::check_query(&p.query)?;
        let state = self.state();
        let mut p = p.clone();
        // `search_in` keeps a search to the reports of the cluster it
        // names; here, to the reports given.
        p.cluster = Some(String::new());
        search_in(
            &self.inner.extractor,
            &self.inner.index,
            &p,
            &|_| Ok(Some(among.clone())),
            &|ids| {
                Ok(ids
                    .iter()
                    .map(|id| {
                        ReportId::parse(id)
                            .ok()
                            .and_then(|r| state.cluster_of(&r).cloned())
                    })
                    .collect())
            },
        )
    }

    /// The reports of a cluster named in a search (an id or an alias).
    fn members(&self, c: &str) -> Result<Vec<String>, SearchError> {
        let state = self.state();
        let cid = self
            .resolve_cluster(c)
            .map_err(SearchError::Index)?
            .ok_or_else(|| SearchError::InvalidQuery {
                message: format!("no cluster {c}"),
            })?;
        Ok(state
            .cluster(&cid)
            .map(|c| c.report_ids.iter().map(|r| r.as_str().to_owned()).collect())
            .unwrap_or_default())
    }
}
