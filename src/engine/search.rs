//! Full-text search and similar reports, one typed request for every
//! front end.

use anyhow::{Context, Result};
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::cluster::ClusterId;
use crate::extract::Extractor;
use crate::ident::Kind;
use crate::index::{SearchError, SearchIndex, SearchQuery, Sort};
use crate::report::ReportId;

use super::Engine;
use super::rfc3339::rfc3339;

impl Engine {
    /// Full-text search; identifiers in the query text are normalised
    /// first, so `nl91 abna 0417 1643 00` finds `NL91ABNA0417164300`.
    pub fn search(&self, p: &SearchParams) -> Result<SearchPage, SearchError> {
        // Before the identifiers are read out of it: the limits bound that
        // work too, and the message names the text as the user wrote it.
        crate::index::check_query(&p.query)?;
        let state = self.state();
        search_in(
            &self.inner.extractor,
            &self.inner.index,
            p,
            &|c| {
                Ok(self.resolve_cluster(c)?.map(|cid| {
                    state
                        .cluster(&cid)
                        .map(|c| c.report_ids.iter().map(|r| r.as_str().to_owned()).collect())
                        .unwrap_or_default()
                }))
            },
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

    /// Reports whose statements read most alike, outside the report's own
    /// cluster: the "similar text" weak link.
    pub fn similar(&self, id: &str, limit: usize) -> Result<Vec<SimilarReport>> {
        let state = self.state();
        let rid = ReportId::parse(id)?;
        let own: std::collections::HashSet<String> = state
            .cluster_of(&rid)
            .and_then(|c| state.cluster(c))
            .map(|c| c.report_ids.iter().map(|r| r.as_str().to_owned()).collect())
            .unwrap_or_default();
        let found = self.inner.index.similar(id, limit, &own)?;
        let clusters: Vec<Option<ClusterId>> = found
            .iter()
            .map(|(rid, _)| {
                ReportId::parse(rid)
                    .ok()
                    .and_then(|r| state.cluster_of(&r).cloned())
            })
            .collect();
        Ok(similar_reports(found, clusters))
    }

    /// Waits until everything submitted to the index is searchable.
    pub fn flush_index(&self) -> Result<()> {
        // With the writer held: a push queues its documents before it lets
        // go of it, so none it committed can come after this flush and be
        // lost with a stop (the index would record a generation it lacks).
        let store = self.store();
        let generation = store.generation()?;
        self.inner.index.flush(generation)
    }
}

/// Splits a query into its text and the canonical identifiers in it.
pub(super) fn split_query(extractor: &Extractor, query: &str) -> (String, Vec<String>) {
    let found = extractor.text(query);
    let mut identifiers = Vec::new();
    let mut cut: Vec<[usize; 2]> = Vec::new();
    for i in found.iter().filter(|i| i.valid && i.kind != Kind::Name) {
        identifiers.push(format!("{}:{}", i.kind, i.value));
        if let Some(span) = i.span {
            cut.push(span);
        }
    }
    identifiers.sort();
    identifiers.dedup();
    cut.sort_unstable();
    let mut text = String::with_capacity(query.len());
    let mut at = 0;
    for [a, b] in cut {
        if a >= at && b <= query.len() {
            text.push_str(&query[at..a]);
            text.push(' ');
            at = b;
        }
    }
    text.push_str(&query[at.min(query.len())..]);
    (text.trim().to_owned(), identifiers)
}

/// A search over `index`, the identifiers in the query normalised by
/// `extractor`. `members` gives the reports of a cluster named by
/// `--cluster` (`None`: no such cluster), `clusters_of` the cluster of
/// each hit: the engine answers them from its state, a command beside it
/// from the store's memberships.
#[allow(clippy::type_complexity)] // Two callbacks, named in the comment.
pub(crate) fn search_in(
    extractor: &Extractor,
    index: &SearchIndex,
    p: &SearchParams,
    members: &dyn Fn(&str) -> Result<Option<Vec<String>>>,
    clusters_of: &dyn Fn(&[String]) -> Result<Vec<Option<ClusterId>>>,
) -> Result<SearchPage, SearchError> {
    let (text, identifiers) = split_query(extractor, &p.query);
    let ids = match &p.cluster {
        Some(c) => Some(members(c).map_err(SearchError::Index)?.ok_or_else(|| {
            SearchError::InvalidQuery {
                message: format!("no cluster {c}"),
            }
        })?),
        None => None,
    };
    let q = p.index_query(text, identifiers, ids);
    let found = index.search(&q)?;
    let ids: Vec<String> = found.hits.iter().map(|h| h.id.clone()).collect();
    let clusters = clusters_of(&ids).map_err(SearchError::Index)?;
    let hits = found
        .hits
        .into_iter()
        .zip(clusters)
        .map(|(h, cluster_id)| SearchHit {
            cluster_id,
            report_id: h.id,
            score: h.score,
            filed_at: rfc3339(h.filed_at),
            snippet_html: h.snippet_html,
        })
        .collect();
    Ok(SearchPage {
        total: found.total,
        hits,
    })
}

/// The answer of `similar`: the reports found with their clusters.
pub(crate) fn similar_reports(
    found: Vec<(String, f32)>,
    clusters: Vec<Option<ClusterId>>,
) -> Vec<SimilarReport> {
    found
        .into_iter()
        .zip(clusters)
        .map(|((report_id, score), cluster_id)| SimilarReport {
            report_id,
            cluster_id,
            score,
        })
        .collect()
}

/// A search as the CLI and the API ask it.
#[derive(Debug, Clone, Default)]
pub struct SearchParams {
    /// Query text (tantivy syntax; identifiers in any written form).
    pub query: String,
    /// Only this unit.
    pub unit: Option<String>,
    /// Only this team.
    pub team: Option<String>,
    /// Only this fraud type.
    pub fraud_type: Option<String>,
    /// Filed at or after (Unix seconds).
    pub from: Option<i64>,
    /// Filed at or before (Unix seconds).
    pub to: Option<i64>,
    /// Only reports of this cluster.
    pub cluster: Option<String>,
    /// Page size.
    pub limit: usize,
    /// Skip.
    pub offset: usize,
    /// Order.
    pub sort: Sort,
}

/// A search as a person writes it, field by field, from a command line,
/// a query string or a form: every front end reads it the same way
/// through [`SearchParams::parse`]. A blank field is no filter.
#[derive(Debug, Clone, Copy, Default)]
pub struct SearchText<'a> {
    /// Query text.
    pub query: &'a str,
    /// Only this unit.
    pub unit: Option<&'a str>,
    /// Only this team.
    pub team: Option<&'a str>,
    /// Only this fraud type.
    pub fraud_type: Option<&'a str>,
    /// Filed on or after this day (see [`parse_day`]).
    pub from: Option<&'a str>,
    /// Filed on or before this day (see [`parse_day`]).
    pub to: Option<&'a str>,
    /// Only reports of this cluster.
    pub cluster: Option<&'a str>,
    /// `relevance` (the default) or `date`.
    pub sort: Option<&'a str>,
}

impl SearchParams {
    /// The index's query for these parameters: the text and identifiers
    /// `split_query` read from the search text, kept to the reports in
    /// `ids` when given, with this page's limit and offset.
    pub(super) fn index_query(
        &self,
        text: String,
        identifiers: Vec<String>,
        ids: Option<Vec<String>>,
    ) -> SearchQuery {
        SearchQuery {
            text,
            identifiers,
            unit: self.unit.clone(),
            team: self.team.clone(),
            fraud_type: self.fraud_type.clone(),
            from: self.from,
            to: self.to,
            ids,
            limit: self.limit,
            offset: self.offset,
            sort: self.sort,
        }
    }

    /// Reads a search as written, for the page `offset`, `limit` hits
    /// long; an error names the field and what it accepts.
    pub fn parse(text: SearchText<'_>, limit: usize, offset: usize) -> Result<SearchParams> {
        fn given(s: Option<&str>) -> Option<&str> {
            s.map(str::trim).filter(|s| !s.is_empty())
        }
        let owned = |s: Option<&str>| given(s).map(str::to_owned);
        let day = |field: &str, s: Option<&str>, end: bool| {
            given(s)
                .map(|d| parse_day(d, end).with_context(|| field.to_owned()))
                .transpose()
        };
        Ok(SearchParams {
            query: text.query.to_owned(),
            unit: owned(text.unit),
            team: owned(text.team),
            fraud_type: owned(text.fraud_type),
            from: day("from", text.from, false)?,
            to: day("to", text.to, true)?,
            cluster: owned(text.cluster),
            limit: limit.min(crate::index::MAX_LIMIT),
            offset,
            sort: match given(text.sort) {
                None => Sort::Relevance,
                Some(s) => s.parse().context("sort")?,
            },
        })
    }
}

/// Reads a day as people write it: `2026-12-05`, `5-12-2026` or
/// `05/12/2026` (day first, as in the Netherlands), or an RFC 3339
/// date-time (that moment). A day is the day in Europe/Amsterdam, as the
/// pages show times and as the people filing and reading reports count
/// them (a report filed at 00:30 on 1 March, Amsterdam time, is one of
/// 1 March; issue 22): its first second, or its last when `end` (so that
/// "to 5 December" includes the 5th). A day the clocks change on is 23 or
/// 25 hours long.
pub fn parse_day(s: &str, end: bool) -> Result<i64> {
    let s = s.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Ok(t.unix_timestamp());
    }
    let iso = time::macros::format_description!("[year]-[month]-[day]");
    let dutch = time::macros::format_description!("[day padding:none]-[month padding:none]-[year]");
    let day = time::Date::parse(s, iso)
        .or_else(|_| time::Date::parse(s, dutch))
        .or_else(|_| time::Date::parse(&s.replace('/', "-"), dutch))
        .map_err(|_| {
            anyhow::anyhow!(
                "{s:?} is not a date: write 2026-12-05, 5-12-2026 or an RFC 3339 date-time"
            )
        })?;
    let civil = jiff::civil::Date::new(day.year() as i16, day.month() as i8, day.day() as i8)
        .with_context(|| format!("{s:?} is out of range"))?;
    let start = |d: jiff::civil::Date| -> Result<i64> {
        Ok(super::flow::zone()
            .to_timestamp(d.to_datetime(jiff::civil::Time::midnight()))
            .with_context(|| format!("{s:?} is out of range"))?
            .as_second())
    };
    if end {
        let next = civil
            .tomorrow()
            .with_context(|| format!("{s:?} is out of range"))?;
        Ok(start(next)? - 1)
    } else {
        start(civil)
    }
}

/// A page of search hits.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SearchPage {
    /// All matches.
    pub total: usize,
    /// This page.
    pub hits: Vec<SearchHit>,
}

/// One search hit.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SearchHit {
    /// The report.
    pub report_id: String,
    /// Its cluster.
    #[schema(required = true)]
    pub cluster_id: Option<ClusterId>,
    /// Relevance.
    pub score: f32,
    /// Filing time.
    pub filed_at: String,
    /// Escaped fragment with matches in `<b>`.
    pub snippet_html: String,
}

/// A report with a similar statement.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SimilarReport {
    /// The report.
    pub report_id: String,
    /// Its cluster.
    #[schema(required = true)]
    pub cluster_id: Option<ClusterId>,
    /// Similarity score.
    pub score: f32,
}

#[cfg(test)]
mod tests {
    use super::*;

    // See: issue 21 (one search request for the CLI, the API and the UI)
    #[test]
    fn a_search_reads_the_same_from_every_front_end() {
        let text = SearchText {
            query: "nl91 abna",
            unit: Some("  "),
            team: Some(" Breda "),
            from: Some("5-12-2026"),
            to: Some("2026-12-06"),
            sort: Some("date"),
            ..SearchText::default()
        };
        let p = SearchParams::parse(text, 5_000, 40).unwrap();
        assert_eq!(p.unit, None, "a blank field is no filter");
        assert_eq!(p.team.as_deref(), Some("Breda"));
        assert_eq!(p.from, Some(parse_day("2026-12-05", false).unwrap()));
        assert_eq!(p.to, Some(parse_day("2026-12-06", false).unwrap() + 86_399));
        assert_eq!((p.limit, p.offset, p.sort), (1000, 40, Sort::Date));
        assert_eq!(
            SearchParams::parse(SearchText::default(), 20, 0)
                .unwrap()
                .sort,
            Sort::Relevance
        );
    }

    // See: issue 21
    #[test]
    fn a_bad_search_field_is_named_with_what_it_accepts() {
        let bad =
            |text: SearchText<'_>| format!("{:#}", SearchParams::parse(text, 20, 0).unwrap_err());
        let e = bad(SearchText {
            to: Some("31-02-2026"),
            ..SearchText::default()
        });
        assert!(e.starts_with("to: ") && e.contains("5-12-2026"), "{e}");
        let e = bad(SearchText {
            sort: Some("newest"),
            ..SearchText::default()
        });
        assert!(
            e.starts_with("sort: ") && e.contains("relevance or date"),
            "{e}"
        );
    }

    #[test]
    fn days_are_read_in_dutch_and_iso_order_and_as_rfc3339() {
        let start = parse_day("2026-12-05", false).unwrap();
        assert_eq!(parse_day("05-12-2026", false).unwrap(), start);
        assert_eq!(parse_day("5/12/2026", false).unwrap(), start);
        assert_eq!(
            parse_day("2026-12-05T00:00:00+01:00", false).unwrap(),
            start
        );
        assert_eq!(parse_day("2026-12-05", true).unwrap(), start + 86_399);
        assert!(
            parse_day("12/31/2026", false).is_err(),
            "month-first is not read"
        );
    }

    // See: issue 22
    #[test]
    fn issue_22_a_day_is_the_day_in_amsterdam() {
        let at = |rfc3339: &str| parse_day(rfc3339, false).unwrap();
        // Winter (UTC+1): 1 March runs from 28 February 23:00 UTC, so a
        // report filed at 00:30 Amsterdam time is one of 1 March.
        assert_eq!(
            parse_day("1-3-2026", false).unwrap(),
            at("2026-02-28T23:00:00Z")
        );
        assert_eq!(
            parse_day("28-2-2026", true).unwrap(),
            at("2026-02-28T22:59:59Z")
        );
        let filed = at("2026-03-01T00:30:00+01:00");
        assert!(filed >= parse_day("2026-03-01", false).unwrap());
        assert!(filed > parse_day("2026-02-28", true).unwrap());
        // Summer (UTC+2).
        assert_eq!(
            parse_day("2026-07-01", false).unwrap(),
            at("2026-06-30T22:00:00Z")
        );
        // The days the clocks change are 23 and 25 hours long.
        let len = |d: &str| parse_day(d, true).unwrap() + 1 - parse_day(d, false).unwrap();
        assert_eq!(len("2026-03-29"), 23 * 3600);
        assert_eq!(len("2026-10-25"), 25 * 3600);
        assert_eq!(len("2026-10-26"), 24 * 3600);
    }
}
