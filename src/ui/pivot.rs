//! The identifier pivot: every report and every cluster naming one
//! identifier (`/identifiers?kind=iban&value=NL..`), with whether it
//! links and, when it does not, why (benign, suppressed as a hub), so
//! that an analyst can go from an IBAN or a number to all it touches.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use crate::auth::Action;
use crate::cluster::{IdentKey, IdentState};
use crate::ident::Kind;
use crate::ident::actionable;
use crate::ui::pages::why_text;
use crate::ui::{Nav, UiError, UiState, Viewer, page, query_string};

/// Reports, and clusters, listed per page.
const PAGE: usize = 50;

/// The address of the pivot of an identifier.
pub fn href(kind: &str, value: &str) -> String {
    format!(
        "/identifiers?{}",
        query_string(&[("kind", kind), ("value", value)])
    )
}

/// Query of the pivot page.
#[derive(Debug, Default, Deserialize)]
pub struct PivotForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    reports: Option<usize>,
    #[serde(default)]
    clusters: Option<usize>,
}

/// A cluster naming the identifier.
pub struct ClusterLine {
    /// Its id.
    pub id: String,
    /// Its reports naming the identifier.
    pub here: usize,
    /// Its size.
    pub size: usize,
    /// Its triage status.
    pub status: String,
    /// Its assigned team (empty: nobody).
    pub team: String,
}

/// A report naming the identifier.
pub struct ReportLine {
    /// Its id.
    pub id: String,
    /// Filing time.
    pub filed: String,
    /// Unit.
    pub unit: String,
    /// Team.
    pub team: String,
    /// Fraud type as filed.
    pub fraud_type: String,
    /// Its cluster.
    pub cluster: String,
}

#[derive(Template)]
#[template(path = "pivot.html")]
struct PivotPage {
    nav: Nav,
    kinds: Vec<&'static str>,
    kind: String,
    value: String,
    asked: bool,
    error: String,
    /// The value as typed, when it was read as another (canonical) one.
    read_from: String,
    /// Named by a report as an offender's identifier.
    found: bool,
    state: &'static str,
    verdict: String,
    actionable: bool,
    summary: String,
    own_team_only: bool,
    clusters: Vec<ClusterLine>,
    clusters_prev: String,
    clusters_next: String,
    reports: Vec<ReportLine>,
    reports_prev: String,
    reports_next: String,
    search: String,
}

impl PivotPage {
    fn new(viewer: &Viewer, kind: &str, value: &str) -> PivotPage {
        PivotPage {
            nav: viewer.nav("pivot"),
            kinds: Kind::ALL.iter().map(|k| k.as_str()).collect(),
            kind: kind.to_owned(),
            value: value.to_owned(),
            asked: false,
            error: String::new(),
            read_from: String::new(),
            found: false,
            state: "",
            verdict: String::new(),
            actionable: false,
            summary: String::new(),
            own_team_only: false,
            clusters: Vec::new(),
            clusters_prev: String::new(),
            clusters_next: String::new(),
            reports: Vec::new(),
            reports_prev: String::new(),
            reports_next: String::new(),
            search: String::new(),
        }
    }
}

/// What the heavy-read thread gathers for a page.
struct Gathered {
    found: bool,
    state: &'static str,
    why: String,
    total_reports: usize,
    total_clusters: usize,
    reports: Vec<ReportLine>,
    clusters: Vec<ClusterLine>,
    generation: i64,
}

/// `GET /identifiers?kind=&value=` (`reports=N`, `clusters=N` page the
/// two lists). Analysts and up see every report and cluster; an intake
/// officer their own team's reports and the clusters their own checks
/// matched, as elsewhere.
pub async fn show(
    State(state): State<UiState>,
    viewer: Viewer,
    query: Result<Query<PivotForm>, QueryRejection>,
) -> Result<Response, UiError> {
    viewer.require(Action::ReadClusterSummary)?;
    let Query(f) = query.map_err(|_| UiError::bad("error.query"))?;
    let lang = viewer.lang;
    let given = f.value.trim().to_owned();
    let mut p = PivotPage::new(&viewer, f.kind.trim(), &given);
    if given.is_empty() {
        return Ok(page(&p));
    }
    let Some(kind) = Kind::from_name(&f.kind) else {
        p.error = lang.f("pivot.bad_kind", &[("kind", &f.kind.trim())]);
        return Ok(page(&p));
    };
    p.kind = kind.as_str().to_owned();
    viewer.purpose()?;
    // A value as the graph holds it is taken as it is; another is read as
    // the extractor reads one of its kind (`nl42 ingb ...`, `06-...`).
    let snapshot = state.app.engine.state();
    let as_given = IdentKey {
        kind,
        value: given.as_str().into(),
    };
    let value = if snapshot.pivot_known(&as_given) {
        given.clone()
    } else {
        let region = state
            .app
            .engine
            .settings()
            .region()
            .unwrap_or(phonenumber::country::Id::NL);
        match crate::ident::normalize(kind, &given, region) {
            Ok(v) => v,
            Err(e) => {
                tracing::debug!(reason = e.reason(), "pivot value unreadable");
                p.error = lang.f(
                    "pivot.unreadable",
                    &[
                        ("value", &given),
                        ("kind", &lang.name("kind", kind.as_str())),
                    ],
                );
                return Ok(page(&p));
            }
        }
    };
    drop(snapshot);
    if value != given {
        p.read_from = given;
    }
    p.value = value.clone();
    p.asked = true;

    let see_all = viewer.may(Action::ReadAnyReport);
    let own_team = viewer.principal.team.clone();
    let matched = state.app.matched.clone();
    let token = viewer.principal.token_id;
    let reports_page = crate::ui::page_no(f.reports);
    let clusters_page = crate::ui::page_no(f.clusters);
    let key = IdentKey {
        kind,
        value: value.as_str().into(),
    };
    let g = state
        .app
        .heavy(move |engine| {
            let snapshot = engine.state();
            let generation = snapshot.generation();
            let Some(pivot) = snapshot.pivot(&key) else {
                return Ok(Gathered {
                    found: false,
                    state: "",
                    why: String::new(),
                    total_reports: 0,
                    total_clusters: 0,
                    reports: Vec::new(),
                    clusters: Vec::new(),
                    generation,
                });
            };
            let (st, why) = match &pivot.state {
                IdentState::Active => ("links", String::new()),
                IdentState::Benign(w) => ("benign", why_text(lang, w)),
                IdentState::Suppressed(w) => ("suppressed", why_text(lang, w)),
            };
            // What this person may see: every report, or their own team's.
            let reports: Vec<_> = pivot
                .reports
                .iter()
                .filter(|r| {
                    see_all
                        || own_team
                            .as_deref()
                            .is_some_and(|t| crate::teams::same(r.team, t))
                })
                .collect();
            let clusters: Vec<_> = pivot
                .clusters
                .iter()
                .filter(|(c, _)| see_all || matched.contains(token, c.as_str()))
                .collect();
            let lines = reports
                .iter()
                .skip((reports_page - 1).saturating_mul(PAGE))
                .take(PAGE)
                .map(|r| ReportLine {
                    id: r.id.as_str().to_owned(),
                    filed: lang.datetime(r.filed_at),
                    unit: r.unit.to_owned(),
                    team: r.team.to_owned(),
                    fraud_type: r.fraud_type.unwrap_or_default().to_owned(),
                    cluster: r.cluster.map(|c| c.as_str().to_owned()).unwrap_or_default(),
                })
                .collect();
            let cluster_lines = clusters
                .iter()
                .skip((clusters_page - 1).saturating_mul(PAGE))
                .take(PAGE)
                .map(|(c, here)| {
                    let triage = engine.triage(c);
                    ClusterLine {
                        id: c.as_str().to_owned(),
                        here: *here,
                        size: snapshot.cluster(c).map_or(0, |s| s.size),
                        status: triage.status,
                        team: triage.assigned_team.unwrap_or_default(),
                    }
                })
                .collect();
            Ok(Gathered {
                found: true,
                state: st,
                why,
                total_reports: reports.len(),
                total_clusters: clusters.len(),
                reports: lines,
                clusters: cluster_lines,
                generation,
            })
        })
        .await?;

    let shown: Vec<&str> = g.reports.iter().map(|r| r.id.as_str()).collect();
    let shown_clusters: Vec<&str> = g.clusters.iter().map(|c| c.id.as_str()).collect();
    crate::ui::log_read(
        &state,
        &viewer,
        "read_identifier",
        json!({
            "identifier": format!("{kind}:{value}"),
            "reports": crate::access::reports_shown(shown.iter().copied(), g.generation),
            "clusters": shown_clusters,
            "via": "ui",
        }),
        if g.found { "ok" } else { "not_found" },
    )
    .await?;

    if viewer.may(Action::Search) {
        p.search = format!("/search?{}", query_string(&[("q", &value)]));
    }
    p.own_team_only = !see_all;
    p.found = g.found;
    p.state = g.state;
    p.actionable = g.state == "links" && actionable(kind, &value);
    p.verdict = match g.state {
        "links" => lang.t("pivot.links").to_owned(),
        "benign" => lang.f("pivot.benign", &[("why", &g.why)]),
        "suppressed" => lang.f("pivot.suppressed", &[("why", &g.why)]),
        _ => lang.t("pivot.not_found").to_owned(),
    };
    p.summary = lang.f(
        "pivot.summary",
        &[
            ("reports", &lang.n("count.reports", g.total_reports)),
            ("clusters", &lang.n("count.clusters", g.total_clusters)),
        ],
    );
    let base = |reports: usize, clusters: usize, anchor: &str| {
        let (r, c) = (reports.to_string(), clusters.to_string());
        format!(
            "/identifiers?{}#{anchor}",
            query_string(&[
                ("kind", kind.as_str()),
                ("value", &value),
                ("reports", if reports > 1 { r.as_str() } else { "" }),
                ("clusters", if clusters > 1 { c.as_str() } else { "" }),
            ])
        )
    };
    if reports_page > 1 {
        p.reports_prev = base(reports_page - 1, clusters_page, "reports");
    }
    if reports_page * PAGE < g.total_reports {
        p.reports_next = base(reports_page + 1, clusters_page, "reports");
    }
    if clusters_page > 1 {
        p.clusters_prev = base(reports_page, clusters_page - 1, "clusters");
    }
    if clusters_page * PAGE < g.total_clusters {
        p.clusters_next = base(reports_page, clusters_page + 1, "clusters");
    }
    p.reports = g.reports;
    p.clusters = g.clusters;
    Ok(page(&p))
}
