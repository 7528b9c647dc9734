//! The desk's morning page: ranked clusters with filters and pages, the new
//! and fast-growing clusters of the week, clusters by status and this
//! week's flow in one line, with a link to the flow page (`/flow`,
//! [`crate::ui::flow`]) that draws it per week as the BOSZ quality
//! dashboard shows it.

use std::collections::HashMap;

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;

use crate::auth::Action;
use crate::engine::{ClusterFilter, ClusterSummary, Engine};
use crate::ui::i18n::Lang;
use crate::ui::{Msg, Nav, UiError, UiState, Viewer, euros, log_read, page, query_string};

/// Clusters per page.
const PAGE: usize = 25;

/// Filters and page of the dashboard.
#[derive(Debug, Default, Deserialize)]
pub struct Filters {
    #[serde(default, rename = "type")]
    fraud_type: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    min_size: String,
    #[serde(default)]
    growth: String,
    /// `open` (the default: open and unassigned) or `all`.
    #[serde(default)]
    view: String,
    /// The column the list is sorted on (see [`SortKey`]).
    #[serde(default)]
    sort: String,
    /// `desc` (the default) or `asc`.
    #[serde(default)]
    dir: String,
    #[serde(default)]
    page: Option<usize>,
}

/// The columns the list can be sorted on, with their query value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    /// The priority score (the default).
    Score,
    /// Reports.
    Size,
    /// Units reached.
    Units,
    /// The newest report.
    Last,
    /// Reports in the last 14 days (then 30).
    Growth,
}

impl SortKey {
    const ALL: [SortKey; 5] = [
        SortKey::Score,
        SortKey::Size,
        SortKey::Units,
        SortKey::Last,
        SortKey::Growth,
    ];

    fn as_str(self) -> &'static str {
        match self {
            SortKey::Score => "score",
            SortKey::Size => "size",
            SortKey::Units => "units",
            SortKey::Last => "last",
            SortKey::Growth => "growth",
        }
    }

    /// Reads `sort=`; empty is the score.
    fn parse(s: &str) -> Result<SortKey, UiError> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(SortKey::Score);
        }
        SortKey::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                UiError::BadRequest(Msg::with(
                    "error.unknown_sort",
                    &[
                        ("value", s.to_owned()),
                        ("choices", SortKey::ALL.map(SortKey::as_str).join(", ")),
                    ],
                ))
            })
    }

    /// Orders two clusters on this column, largest first.
    fn cmp(self, a: &ClusterSummary, b: &ClusterSummary) -> std::cmp::Ordering {
        let growth = |c: &ClusterSummary| {
            let f = &c.score_parts.figures;
            (f.growth_14d, f.growth_30d)
        };
        match self {
            SortKey::Score => b.score.total_cmp(&a.score),
            SortKey::Size => b.size.cmp(&a.size),
            SortKey::Units => b.units.len().cmp(&a.units.len()),
            SortKey::Last => b.last_filed_at.cmp(&a.last_filed_at),
            SortKey::Growth => growth(b).cmp(&growth(a)),
        }
    }
}

/// Whether a cluster is in the list's default view: still open (not
/// closed, not handed over) and no team assigned (issue 22).
pub fn open_and_unassigned(t: &crate::engine::Triage) -> bool {
    !matches!(t.status.as_str(), "closed" | "handed_over")
        && t.assigned_team
            .as_deref()
            .is_none_or(|s| s.trim().is_empty())
}

/// A sortable column's header: its link and the arrow of the current order.
pub struct SortLink {
    /// The key of the column's name in the translation files.
    pub label: &'static str,
    /// The list sorted on it (the other way round when it already is).
    pub href: String,
    /// ` ▼`, ` ▲` or nothing.
    pub arrow: &'static str,
    /// `descending`, `ascending` or `none`, for `aria-sort`.
    pub aria: &'static str,
}

/// One row of the ranked list.
pub struct Row {
    /// Cluster id.
    pub id: String,
    /// Reports.
    pub size: usize,
    /// Score, two decimals.
    pub score: String,
    /// Score as a bar width, 0..100.
    pub bar: u32,
    /// Units reached.
    pub units: usize,
    /// Teams reached.
    pub teams: usize,
    /// Damage.
    pub damage: String,
    /// Reports in the last 14 days.
    pub growth: usize,
    /// Reports in the last 30 days.
    pub growth_30: usize,
    /// Fraud types.
    pub types: String,
    /// Status.
    pub status: String,
    /// Assigned team.
    pub team: String,
    /// Last filing.
    pub last: String,
    /// Why it ranks here: the largest parts of its score in words, the
    /// main one first ("6 nieuw in 14 dagen · 4 eenheden · NL-IBAN").
    pub reason: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    nav: Nav,
    rows: Vec<Row>,
    shown: String,
    prev: String,
    next: String,
    first_page: String,
    f_type: String,
    f_unit: String,
    f_status: String,
    f_min_size: String,
    f_growth: String,
    f_view: &'static str,
    f_sort: &'static str,
    f_dir: &'static str,
    view_open: String,
    view_open_href: String,
    view_all: String,
    view_all_href: String,
    open_only: bool,
    sorts: Vec<SortLink>,
    types: Vec<String>,
    units: Vec<String>,
    statuses: Vec<&'static str>,
    new_week: Vec<Row>,
    growing: Vec<Row>,
    by_status: Vec<(&'static str, usize)>,
    flow_summary: String,
    as_of: String,
}

fn row(engine: &Engine, c: &ClusterSummary, max_score: f64, lang: Lang) -> Row {
    let t = engine.triage(&c.cluster_id);
    Row {
        id: c.cluster_id.as_str().to_owned(),
        size: c.size,
        score: lang.decimal(c.score, 2),
        bar: if max_score > 0.0 {
            ((c.score / max_score) * 100.0).round().clamp(0.0, 100.0) as u32
        } else {
            0
        },
        units: c.units.len(),
        teams: c.teams.len(),
        damage: euros(c.amount_eur_total),
        growth: c.score_parts.figures.growth_14d,
        growth_30: c.score_parts.figures.growth_30d,
        types: c
            .fraud_types
            .iter()
            .map(|t| lang.name("fraud", t))
            .collect::<Vec<_>>()
            .join(", "),
        status: t.status,
        team: t.assigned_team.unwrap_or_default(),
        last: lang.date(c.last_filed_at),
        reason: reason(c, lang),
    }
}

/// The largest parts of a cluster's score in words, the main one first:
/// new reports (weighed with the recency part), units, reports, damage,
/// actionable identifiers (up to three; teams go without saying beside
/// the units).
pub fn reason(c: &ClusterSummary, lang: Lang) -> String {
    let p = &c.score_parts;
    let f = &p.figures;
    let mut why: Vec<(f64, String)> = Vec::new();
    // New reports weigh with how recent the newest is: both are activity.
    let activity = p.growth + p.recency;
    if f.growth_14d > 0 {
        why.push((activity, lang.f("reason.new14", &[("n", &f.growth_14d)])));
    } else if f.growth_30d > 0 {
        why.push((activity, lang.f("reason.new30", &[("n", &f.growth_30d)])));
    }
    if c.units.len() > 1 {
        why.push((p.units, lang.n("count.units", c.units.len())));
    }
    if c.size > 1 {
        why.push((p.reports, lang.n("count.reports", c.size)));
    }
    if c.amount_eur_total > 0.0 {
        let amount = euros(c.amount_eur_total);
        why.push((p.damage, lang.f("reason.damage", &[("amount", &amount)])));
    }
    let actionable: Vec<&str> = [
        (f.dutch_iban, "reason.nl_iban"),
        (f.dutch_phone, "reason.nl_phone"),
        (f.nl_domain, "reason.nl_domain"),
    ]
    .iter()
    .filter(|(b, _)| *b)
    .map(|(_, k)| lang.t(k))
    .collect();
    if !actionable.is_empty() {
        why.push((p.actionable, actionable.join(", ")));
    }
    // Largest first; equal parts keep the order above.
    why.sort_by(|a, b| b.0.total_cmp(&a.0));
    why.into_iter()
        .filter(|(v, _)| *v > 0.0)
        .take(3)
        .map(|(_, text)| text)
        .collect::<Vec<_>>()
        .join(" · ")
}

fn parse_usize(s: &str) -> Result<Option<usize>, UiError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    s.parse().map(Some).map_err(|_| {
        UiError::BadRequest(Msg::with("error.not_a_number", &[("value", s.to_owned())]))
    })
}

/// `GET /`: the dashboard (analyst and up; intake officers go to the
/// check page, which is theirs).
pub async fn dashboard(
    State(state): State<UiState>,
    viewer: Viewer,
    query: Result<Query<Filters>, QueryRejection>,
) -> Result<Response, UiError> {
    if !viewer.may(Action::ReadClusters) {
        return Ok(Redirect::to("/check").into_response());
    }
    viewer.purpose()?;
    let Query(f) = query.map_err(|_| UiError::bad("error.query"))?;
    let lang = viewer.lang;
    let min_size = parse_usize(&f.min_size)?.unwrap_or(2);
    let growth = parse_usize(&f.growth)?;
    let show_all = match f.view.trim() {
        "" | "open" => false,
        "all" => true,
        _ => return Err(UiError::bad("error.unknown_view")),
    };
    let sort = SortKey::parse(&f.sort)?;
    let ascending = match f.dir.trim() {
        "" | "desc" => false,
        "asc" => true,
        _ => return Err(UiError::bad("error.unknown_dir")),
    };
    let engine = state.app.engine.clone();
    let snapshot = engine.state();
    let inflow = snapshot.inflow();
    let given = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
    let filter = ClusterFilter {
        min_size,
        unit: given(&f.unit),
        team: None,
        fraud_type: given(&f.fraud_type),
        status: given(&f.status),
        growth_14d: growth,
    };
    // A status chosen in the filters is shown whether open or not; else
    // the default view holds the open and unassigned clusters only.
    let open_only = !show_all && filter.status.is_none();
    // The clusters the filters keep, with whether each is open and
    // unassigned (both views are counted for the switch).
    let matching: Vec<(&ClusterSummary, bool)> = snapshot
        .clusters()
        .iter()
        .filter_map(|c| {
            let t = engine.triage(&c.cluster_id);
            filter
                .keeps(c, &t.status)
                .then(|| (c, open_and_unassigned(&t)))
        })
        .collect();
    let open_count = matching.iter().filter(|(_, open)| *open).count();
    let all_count = matching.len();
    let mut filtered: Vec<&ClusterSummary> = matching
        .into_iter()
        .filter(|(_, open)| !open_only || *open)
        .map(|(c, _)| c)
        .collect();
    // The state lists clusters by score; a stable sort keeps that order
    // among equals.
    if sort != SortKey::Score || ascending {
        filtered.sort_by(|a, b| {
            let o = sort.cmp(a, b);
            if ascending { o.reverse() } else { o }
        });
    }
    let max_score = snapshot
        .clusters()
        .first()
        .map_or(0.0, |c| c.score.max(0.0));
    let pageno = crate::ui::page_no(f.page);
    let offset = (pageno - 1).saturating_mul(PAGE);
    let rows: Vec<Row> = filtered
        .iter()
        .skip(offset)
        .take(PAGE)
        .map(|c| row(&engine, c, max_score, lang))
        .collect();
    let view = if show_all { "all" } else { "" };
    let sort_value = if sort == SortKey::Score {
        ""
    } else {
        sort.as_str()
    };
    let dir_value = if ascending { "asc" } else { "" };
    // Every link of the page keeps the filters, the view and the order.
    let list_link = |view: &str, sort: &str, dir: &str, page: usize| {
        let ps = if page > 1 {
            page.to_string()
        } else {
            String::new()
        };
        format!(
            "/?{}",
            query_string(&[
                ("type", &f.fraud_type),
                ("unit", &f.unit),
                ("status", &f.status),
                ("min_size", &f.min_size),
                ("growth", &f.growth),
                ("view", view),
                ("sort", sort),
                ("dir", dir),
                ("page", &ps),
            ])
        )
    };
    let link = |p: usize| list_link(view, sort_value, dir_value, p);
    let sorts = [
        (SortKey::Score, "field.score"),
        (SortKey::Size, "field.reports"),
        (SortKey::Units, "field.units"),
        (SortKey::Growth, "dash.days14"),
        (SortKey::Last, "field.last_report"),
    ]
    .into_iter()
    .map(|(key, label)| {
        let current = key == sort;
        // A click on the current column turns the order round.
        let dir = if current && !ascending { "asc" } else { "" };
        let value = if key == SortKey::Score {
            ""
        } else {
            key.as_str()
        };
        SortLink {
            label,
            href: list_link(view, value, dir, 1),
            arrow: match (current, ascending) {
                (false, _) => "",
                (true, false) => " ▼",
                (true, true) => " ▲",
            },
            aria: match (current, ascending) {
                (false, _) => "none",
                (true, false) => "descending",
                (true, true) => "ascending",
            },
        }
    })
    .collect();
    let view_open = format!("{} ({open_count})", lang.t("dash.view_open"));
    let view_all = format!("{} ({all_count})", lang.t("dash.view_all"));
    let (view_open_href, view_all_href) = (
        list_link("", sort_value, dir_value, 1),
        list_link("all", sort_value, dir_value, 1),
    );
    let prev = if pageno > 1 {
        link(pageno - 1)
    } else {
        String::new()
    };
    let next = if offset + PAGE < filtered.len() {
        link(pageno + 1)
    } else {
        String::new()
    };
    let total = lang.n("count.clusters", filtered.len());
    let (shown, first_page) = if rows.is_empty() && offset > 0 {
        // Past the last page: an honest empty page that leads back.
        let pages = filtered.len().div_ceil(PAGE);
        (
            lang.f(
                "dash.empty_page",
                &[("page", &pageno), ("total", &total), ("pages", &pages)],
            ),
            link(1),
        )
    } else if rows.is_empty() {
        (lang.t("dash.none").to_owned(), String::new())
    } else {
        (
            lang.f(
                "dash.showing",
                &[
                    ("total", &total),
                    ("from", &(offset + 1)),
                    ("to", &(offset + rows.len())),
                ],
            ),
            String::new(),
        )
    };
    let prev = if rows.is_empty() { String::new() } else { prev };

    // The week: new clusters first seen in the last 7 days of the data,
    // and those that grew most in the last 14; like the list, only the
    // open and unassigned ones unless all are shown (a closed or handed
    // over cluster that grows is not the desk's to choose).
    let in_view =
        |c: &ClusterSummary| !open_only || open_and_unassigned(&engine.triage(&c.cluster_id));
    let week_ago = inflow.as_of - 7 * 86_400;
    let new_week: Vec<Row> = snapshot
        .clusters()
        .iter()
        .filter(|c| c.size >= 2 && c.first_filed_at >= week_ago && in_view(c))
        .take(10)
        .map(|c| row(&engine, c, max_score, lang))
        .collect();
    let mut growing: Vec<&ClusterSummary> = snapshot
        .clusters()
        .iter()
        .filter(|c| c.size >= 2 && c.score_parts.figures.growth_30d >= 2 && in_view(c))
        .collect();
    growing.sort_by(|a, b| {
        let (fa, fb) = (&a.score_parts.figures, &b.score_parts.figures);
        (fb.growth_14d, fb.growth_30d)
            .cmp(&(fa.growth_14d, fa.growth_30d))
            .then(b.score.total_cmp(&a.score))
    });
    let growing: Vec<Row> = growing
        .into_iter()
        .take(10)
        .map(|c| row(&engine, c, max_score, lang))
        .collect();

    let multi: Vec<&ClusterSummary> = snapshot.clusters().iter().filter(|c| c.size >= 2).collect();
    let mut status_counts: HashMap<String, usize> = HashMap::new();
    for c in &multi {
        *status_counts
            .entry(engine.triage(&c.cluster_id).status)
            .or_default() += 1;
    }
    let by_status = crate::engine::STATUSES
        .iter()
        .map(|s| (*s, status_counts.get(*s).copied().unwrap_or(0)))
        .collect();
    let flow = crate::ui::flow::summary(&state, &snapshot).await?;
    let flow_summary = lang.f(
        "flow.dash_summary",
        &[
            (
                "week",
                &flow
                    .week
                    .map(|w| lang.week(w.year, w.week))
                    .unwrap_or_default(),
            ),
            ("found", &flow.found),
            ("out", &flow.out),
            ("backlog", &flow.backlog),
            ("long", &flow.long),
        ],
    );

    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    log_read(
        &state,
        &viewer,
        "list_clusters",
        json!({"clusters": ids, "via": "ui"}),
        "ok",
    )
    .await?;
    Ok(page(&DashboardPage {
        nav: viewer.nav("dashboard"),
        rows,
        shown,
        prev,
        next,
        first_page,
        f_type: f.fraud_type.clone(),
        f_unit: f.unit.clone(),
        f_status: f.status.clone(),
        f_min_size: f.min_size.clone(),
        f_growth: f.growth.clone(),
        f_view: view,
        f_sort: sort_value,
        f_dir: dir_value,
        view_open,
        view_open_href,
        view_all,
        view_all_href,
        open_only,
        sorts,
        types: inflow.types.iter().cloned().collect(),
        units: inflow.units.iter().cloned().collect(),
        statuses: crate::engine::STATUSES.to_vec(),
        new_week,
        growing,
        by_status,
        flow_summary,
        as_of: lang.date(inflow.as_of),
    }))
}
