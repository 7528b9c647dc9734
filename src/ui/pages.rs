//! The report, search, check and explain pages.

use askama::Template;
use axum::Form;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::Action;
use crate::cluster::{Explanation, IdentState, Step};
use crate::engine::CheckRequest;
use crate::extract::Identifier;
use crate::ui::i18n::{Lang, percent};
use crate::ui::{
    Msg, Nav, UiError, UiState, Viewer, blocking, euros, log_read, page, query_string,
};

/// A piece of a statement: plain text, or an identifier marked.
pub struct Segment {
    /// The text (escaped by the template).
    pub text: String,
    /// Empty for plain text; else the identifier's kind.
    pub kind: String,
    /// `offender`, `victim` or `benign`, for the colour.
    pub class: &'static str,
    /// Tooltip: the canonical value and verdict.
    pub title: String,
}

/// Cuts a statement into plain and marked segments at the identifiers'
/// byte spans. Spans that overlap an earlier one, fall outside the text or
/// off a character boundary are skipped: the text is always shown whole.
pub fn segments(text: &str, idents: &[Identifier], lang: Lang) -> Vec<Segment> {
    let mut spans: Vec<(usize, usize, &Identifier)> = idents
        .iter()
        .filter_map(|i| i.span.map(|[a, b]| (a, b, i)))
        .filter(|(a, b, _)| {
            a < b && *b <= text.len() && text.is_char_boundary(*a) && text.is_char_boundary(*b)
        })
        .collect();
    spans.sort_by_key(|(a, b, _)| (*a, std::cmp::Reverse(*b)));
    let mut out = Vec::new();
    let mut at = 0;
    for (a, b, i) in spans {
        if a < at {
            continue;
        }
        if a > at {
            out.push(plain(&text[at..a]));
        }
        let class = if i.benign.is_some() {
            "benign"
        } else if i.role == crate::ident::Role::Victim {
            "victim"
        } else {
            "offender"
        };
        let mut title = format!("{}: {}", lang.name("kind", i.kind.as_str()), i.value);
        if !i.valid {
            title.push_str(&format!(" ({})", lang.t("verdict.fails_check")));
        }
        if let Some(why) = &i.benign {
            title.push_str(&format!(" ({})", why_text(lang, why)));
        }
        if i.role == crate::ident::Role::Victim {
            title.push_str(&format!(" ({})", lang.t("verdict.victims_own")));
        }
        out.push(Segment {
            text: text[a..b].to_owned(),
            kind: i.kind.as_str().to_owned(),
            class,
            title,
        });
        at = b;
    }
    if at < text.len() {
        out.push(plain(&text[at..]));
    }
    out
}

fn plain(s: &str) -> Segment {
    Segment {
        text: s.to_owned(),
        kind: String::new(),
        class: "",
        title: String::new(),
    }
}

/// One field of a report.
pub struct Field {
    /// The key of its name in the translation files.
    pub name: &'static str,
    /// Value.
    pub value: String,
}

/// An identifier of a report.
pub struct IdentLine {
    /// Kind.
    pub kind: String,
    /// Canonical value.
    pub value: String,
    /// As written.
    pub raw: String,
    /// Structured or narrative.
    pub source: String,
    /// Offender or victim.
    pub role: String,
    /// Verdict.
    pub note: String,
    /// Its pivot: every report and cluster naming it.
    pub pivot: String,
}

/// A similar report.
pub struct SimilarRow {
    /// Id.
    pub id: String,
    /// Its cluster.
    pub cluster: String,
    /// Similarity.
    pub score: String,
}

/// An earlier version of a report, as the report page shows it.
pub struct VersionView {
    /// Its number (1 for the first written).
    pub version: i64,
    /// Its fields.
    pub fields: Vec<Field>,
    /// Its statement.
    pub narrative: String,
    /// "Version 1: written ... by ..., replaced ...".
    pub summary: String,
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    nav: Nav,
    id: String,
    show_history: bool,
    versions: Vec<VersionView>,
    history_intro: String,
    fields: Vec<Field>,
    segments: Vec<Segment>,
    idents: Vec<IdentLine>,
    cluster: String,
    cluster_size: usize,
    similar: Vec<SimilarRow>,
    may_search: bool,
}

fn text_field(v: &Value, key: &str) -> String {
    match v.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// `GET /reports/{id}`: fields, the statement with its identifiers marked,
/// its cluster and similar reports. Intake officers read their own team's
/// reports only, as with the API.
pub async fn report(
    State(state): State<UiState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    if !viewer.may(Action::ReadAnyReport) {
        viewer.require(Action::ReadOwnTeamReport)?;
        let rid = id.clone();
        let team = blocking(&state, move |e| e.report_team(&rid)).await?;
        let own = matches!((&team, &viewer.principal.team), (Some(a), Some(b)) if crate::teams::same(a, b));
        if !own {
            log_read(
                &state,
                &viewer,
                "read_report",
                json!({"report": id, "via": "ui"}),
                "denied",
            )
            .await?;
            return Err(UiError::Forbidden(Msg::new("error.own_team_only")));
        }
    }
    viewer.purpose()?;
    let rid = id.clone();
    let stored = blocking(&state, move |e| e.report(&rid)).await?;
    let Some(stored) = stored else {
        log_read(
            &state,
            &viewer,
            "read_report",
            json!({"report": id, "via": "ui"}),
            "not_found",
        )
        .await?;
        return Err(UiError::NotFound(Msg::with(
            "error.no_report",
            &[("id", id.clone())],
        )));
    };
    let raw: Value = serde_json::from_str(&stored.raw).unwrap_or(Value::Null);
    let narrative = text_field(&raw, "narrative");
    let lang = viewer.lang;
    let fields = report_fields(&raw, lang);
    // Analysts and up see the versions that later writes replaced.
    let show_history = viewer.may(Action::ReadAnyReport);
    let (versions_total, versions) = if show_history {
        let rid = id.clone();
        let (total, latest) = blocking(&state, move |e| e.report_versions(&rid)).await?;
        let shown = latest
            .into_iter()
            .map(|v| {
                let raw: Value = serde_json::from_str(&v.raw).unwrap_or(Value::Null);
                let (written_at, replaced_at) =
                    (lang.datetime(v.written_at), lang.datetime(v.replaced_at));
                VersionView {
                    version: v.version,
                    summary: lang.f(
                        "report.version_summary",
                        &[
                            ("version", &v.version),
                            ("written", &written_at),
                            ("source", &v.source),
                            ("replaced", &replaced_at),
                        ],
                    ),
                    fields: report_fields(&raw, lang),
                    narrative: text_field(&raw, "narrative"),
                }
            })
            .collect();
        (total, shown)
    } else {
        (0, Vec::new())
    };
    let idents = stored
        .identifiers
        .iter()
        .map(|i| IdentLine {
            pivot: crate::ui::pivot::href(i.kind.as_str(), &i.value),
            kind: i.kind.as_str().to_owned(),
            value: i.value.clone(),
            raw: i.raw.clone(),
            source: format!("{:?}", i.source).to_lowercase(),
            role: format!("{:?}", i.role).to_lowercase(),
            note: match (&i.benign, i.valid) {
                (Some(why), _) => why_text(lang, why),
                (None, false) => lang.t("verdict.fails_check").to_owned(),
                (None, true) if i.links() => lang.t("verdict.links").to_owned(),
                _ => String::new(),
            },
        })
        .collect();
    let segments = segments(&narrative, &stored.identifiers, lang);
    let snapshot = state.app.engine.state();
    let cluster = crate::report::ReportId::parse(&id)
        .ok()
        .and_then(|r| snapshot.cluster_of(&r).cloned());
    let cluster_size = cluster
        .as_ref()
        .and_then(|c| snapshot.cluster(c))
        .map_or(0, |c| c.size);
    let may_search = viewer.may(Action::Search);
    let similar = if may_search {
        let rid = id.clone();
        let found = state
            .app
            .heavy(move |e| e.similar(&rid, 10))
            .await
            .unwrap_or_default();
        // The search engine's scores have no fixed scale: each is shown
        // as a share of the most similar report's.
        let best = found.iter().map(|s| s.score).fold(0.0f32, f32::max);
        found
            .into_iter()
            .map(|s| SimilarRow {
                id: s.report_id,
                cluster: s
                    .cluster_id
                    .map(|c| c.as_str().to_owned())
                    .unwrap_or_default(),
                score: if best > 0.0 {
                    percent(f64::from(s.score / best))
                } else {
                    String::new()
                },
            })
            .collect()
    } else {
        Vec::new()
    };
    let similar_ids: Vec<&str> = similar.iter().map(|s: &SimilarRow| s.id.as_str()).collect();
    let mut reports = vec![id.as_str()];
    reports.extend(&similar_ids);
    log_read(
        &state,
        &viewer,
        "read_report",
        json!({"report": id, "reports": reports, "similar": similar_ids, "versions": versions.len(), "via": "ui"}),
        "ok",
    )
    .await?;
    Ok(page(&ReportPage {
        nav: viewer.nav("report"),
        id,
        show_history,
        history_intro: if versions_total > versions.len() {
            lang.f(
                "report.history_latest",
                &[
                    ("n", &(versions_total + 1)),
                    ("shown", &versions.len()),
                    ("total", &versions_total),
                ],
            )
        } else {
            lang.f("report.history_intro", &[("n", &(versions_total + 1))])
        },
        versions,
        fields,
        segments,
        idents,
        cluster: cluster.map(|c| c.as_str().to_owned()).unwrap_or_default(),
        cluster_size,
        similar,
        may_search,
    }))
}

/// The fields of a report (or of an earlier version) for the page.
fn report_fields(raw: &Value, lang: Lang) -> Vec<Field> {
    let time = |key: &str| {
        let t = text_field(raw, key);
        if t.is_empty() {
            t
        } else {
            lang.datetime_text(&t)
        }
    };
    vec![
        Field {
            name: "field.filed",
            value: time("filed_at"),
        },
        Field {
            name: "field.incident",
            value: time("incident_at"),
        },
        Field {
            name: "field.unit",
            value: text_field(raw, "unit"),
        },
        Field {
            name: "field.basisteam",
            value: text_field(raw, "team"),
        },
        Field {
            name: "field.municipality",
            value: text_field(raw, "municipality"),
        },
        Field {
            name: "field.fraud_type",
            value: {
                let t = text_field(raw, "fraud_type");
                if t.is_empty() {
                    t
                } else {
                    lang.name("fraud", &t)
                }
            },
        },
        Field {
            name: "field.damage",
            value: raw
                .get("amount_eur")
                .and_then(Value::as_f64)
                .map(euros)
                .unwrap_or_default(),
        },
        Field {
            name: "field.victim_ref",
            value: text_field(raw, "victim_ref"),
        },
    ]
}

/// Query of the search page.
#[derive(Debug, Default, Deserialize)]
pub struct SearchForm {
    #[serde(default)]
    q: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    team: String,
    #[serde(default, rename = "type")]
    fraud_type: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    sort: String,
    /// Only reports whose cluster has this triage status.
    #[serde(default)]
    status: String,
    /// Only reports of this cluster.
    #[serde(default)]
    cluster: String,
    /// `cluster`: one row per cluster instead of one per report.
    #[serde(default)]
    group: String,
    #[serde(default)]
    page: Option<usize>,
}

/// A search hit.
pub struct Hit {
    /// Report id.
    pub id: String,
    /// Its cluster.
    pub cluster: String,
    /// Filing date.
    pub filed: String,
    /// Escaped text with `<b>` marks, from the index.
    pub snippet_html: String,
}

/// A cluster with reports a search matched (the grouped view).
pub struct Group {
    /// Cluster id.
    pub cluster: String,
    /// Its reports that match.
    pub matching: usize,
    /// Its size.
    pub size: usize,
    /// Its triage status.
    pub status: String,
    /// Its assigned team (empty: nobody).
    pub team: String,
    /// The search kept to this cluster.
    pub hits: String,
}

/// One value of a facet: how many matching reports have it, and the
/// search narrowed to it.
pub struct FacetValue {
    /// The value as filed (a unit, a fraud type, a status).
    pub value: String,
    /// Matching reports with it.
    pub n: usize,
    /// The search narrowed to it (empty when it is already).
    pub href: String,
}

/// A facet: a field and its values, most reports first.
pub struct Facet {
    /// The key of its name in the translation files.
    pub name: &'static str,
    /// The group its values are named in (`fraud`, `status`), or empty.
    pub group: &'static str,
    /// Its values.
    pub values: Vec<FacetValue>,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    nav: Nav,
    q: String,
    unit: String,
    team: String,
    fraud_type: String,
    from: String,
    to: String,
    sort: String,
    status: String,
    cluster: String,
    grouped: bool,
    units: Vec<String>,
    teams: Vec<String>,
    types: Vec<String>,
    statuses: Vec<&'static str>,
    searched: bool,
    summary: String,
    hits: Vec<Hit>,
    groups: Vec<Group>,
    facets: Vec<Facet>,
    facets_note: String,
    toggle: String,
    without_cluster: String,
    error: String,
    prev: String,
    next: String,
    first_page: String,
}

/// The spelling of `given` among `known`, compared without regard to case
/// (so that `amsterdam` finds the reports of Amsterdam); as given when
/// none matches.
fn known_spelling(given: &str, known: &[String]) -> String {
    let given = given.trim();
    known
        .iter()
        .find(|k| crate::teams::same(k, given))
        .cloned()
        .unwrap_or_else(|| given.to_owned())
}

/// Hits per page.
const HITS: usize = 20;

/// The last page of hits one can turn to.
const LAST_PAGE: usize = 500;

/// The matching reports that facets count and the grouped view groups:
/// the newest this many (a broader search says it counted these).
const FACET_REPORTS: usize = 10_000;

/// A matching report as facets and groups see it.
struct Matching {
    id: String,
    cluster: Option<crate::cluster::ClusterId>,
    unit: String,
    fraud_type: String,
}

/// `GET /search`: full-text search with filters (analyst and up), its
/// hits listed or grouped by cluster, with counts per unit, fraud type
/// and cluster status to narrow it by.
pub async fn search(
    State(state): State<UiState>,
    viewer: Viewer,
    query: Result<Query<SearchForm>, QueryRejection>,
) -> Result<Response, UiError> {
    viewer.require(Action::Search)?;
    let Query(mut f) = query.map_err(|_| UiError::bad("error.query"))?;
    let lang = viewer.lang;
    let snapshot = state.app.engine.state();
    let choices = snapshot.inflow();
    let units: Vec<String> = choices.units.iter().cloned().collect();
    let types: Vec<String> = choices.types.iter().cloned().collect();
    let teams = crate::ui::team_choices(&state.app.engine);
    // Unit, team and fraud type are chosen from lists; one typed into the
    // address is matched without regard to case.
    f.unit = known_spelling(&f.unit, &units);
    f.team = known_spelling(&f.team, &teams);
    f.fraud_type = known_spelling(&f.fraud_type, &types);
    f.status = crate::engine::STATUSES
        .iter()
        .find(|s| s.eq_ignore_ascii_case(f.status.trim()))
        .map_or_else(String::new, |s| (*s).to_owned());
    f.cluster = f.cluster.trim().to_owned();
    let grouped = f.group == "cluster";
    let mut p = SearchPage {
        nav: viewer.nav("search"),
        q: f.q.clone(),
        unit: f.unit.clone(),
        team: f.team.clone(),
        fraud_type: f.fraud_type.clone(),
        from: f.from.clone(),
        to: f.to.clone(),
        sort: f.sort.clone(),
        status: f.status.clone(),
        cluster: f.cluster.clone(),
        grouped,
        units,
        teams,
        types,
        statuses: crate::engine::STATUSES.to_vec(),
        searched: false,
        summary: String::new(),
        hits: Vec::new(),
        groups: Vec::new(),
        facets: Vec::new(),
        facets_note: String::new(),
        toggle: String::new(),
        without_cluster: String::new(),
        error: String::new(),
        prev: String::new(),
        next: String::new(),
        first_page: String::new(),
    };
    let any = [
        &f.q,
        &f.unit,
        &f.team,
        &f.fraud_type,
        &f.from,
        &f.to,
        &f.status,
        &f.cluster,
    ]
    .iter()
    .any(|s| !s.trim().is_empty());
    if !any {
        return Ok(page(&p));
    }
    viewer.purpose()?;
    let pageno = crate::ui::page_no(f.page);
    if pageno > LAST_PAGE {
        p.error = lang.f("search.too_far", &[("last", &LAST_PAGE)]);
        return Ok(page(&p));
    }
    let text = crate::engine::SearchText {
        query: &f.q,
        unit: Some(&f.unit),
        team: Some(&f.team),
        fraud_type: Some(&f.fraud_type),
        from: Some(&f.from),
        to: Some(&f.to),
        cluster: Some(&f.cluster),
        sort: Some(&f.sort),
    };
    // The parser names the field at fault; the page says it in its
    // language.
    let params = crate::engine::SearchParams::parse(text, HITS, (pageno - 1) * HITS).map_err(|e| {
        match e.to_string().as_str() {
            "from" => lang.f("search.bad_date", &[("date", &f.from.trim())]),
            "to" => lang.f("search.bad_date", &[("date", &f.to.trim())]),
            _ => lang.t("search.bad_sort").to_owned(),
        }
    });
    let params = match params {
        Ok(p) => p,
        Err(e) => {
            p.error = e;
            return Ok(page(&p));
        }
    };
    // Every matching report (up to FACET_REPORTS) with its cluster, unit
    // and type, for the facets and the grouped view.
    let all = params.clone();
    let found = state
        .app
        .heavy(move |engine| {
            Ok(engine.search_ids(&all, FACET_REPORTS).map(|(total, ids)| {
                let snapshot = engine.state();
                let rows: Vec<Matching> = ids
                    .into_iter()
                    .map(|id| {
                        let row = snapshot.row(&id);
                        Matching {
                            cluster: snapshot.cluster_of(&id).cloned(),
                            unit: row.map(|r| r.unit.to_owned()).unwrap_or_default(),
                            fraud_type: row
                                .and_then(|r| r.fraud_type.map(str::to_owned))
                                .unwrap_or_default(),
                            id: id.as_str().to_owned(),
                        }
                    })
                    .collect();
                (total, rows)
            }))
        })
        .await?;
    let (matched_total, matching) = match found {
        Ok(x) => x,
        Err(e) => return refused(p, e, lang),
    };
    // Statuses are the triage's, looked up once per cluster.
    let mut status_of: std::collections::HashMap<&crate::cluster::ClusterId, String> =
        std::collections::HashMap::new();
    for m in &matching {
        if let Some(c) = &m.cluster {
            status_of
                .entry(c)
                .or_insert_with(|| state.app.engine.triage(c).status);
        }
    }
    let status = |m: &Matching| m.cluster.as_ref().and_then(|c| status_of.get(c));
    let kept: Vec<&Matching> = matching
        .iter()
        .filter(|m| f.status.is_empty() || status(m).is_some_and(|s| *s == f.status))
        .collect();
    let capped = matched_total > matching.len();

    let link = |changes: &[(&str, &str)]| {
        let mut pairs: Vec<(&str, &str)> = vec![
            ("q", f.q.as_str()),
            ("unit", f.unit.as_str()),
            ("team", f.team.as_str()),
            ("type", f.fraud_type.as_str()),
            ("from", f.from.as_str()),
            ("to", f.to.as_str()),
            ("sort", f.sort.as_str()),
            ("status", f.status.as_str()),
            ("cluster", f.cluster.as_str()),
            ("group", if grouped { "cluster" } else { "" }),
            ("page", ""),
        ];
        for &(k, v) in changes {
            if let Some(pair) = pairs.iter_mut().find(|p| p.0 == k) {
                pair.1 = v;
            }
        }
        format!("/search?{}", query_string(&pairs))
    };

    // Facets over the matching reports (before the status filter for the
    // status facet, so that another status can be chosen).
    let count = |values: &mut dyn Iterator<Item = String>| {
        let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
        for v in values.filter(|v| !v.is_empty()) {
            *counts.entry(v).or_default() += 1;
        }
        let mut out: Vec<(String, usize)> = counts.into_iter().collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        out
    };
    let facet = |name: &'static str,
                 group: &'static str,
                 key: &str,
                 current: &str,
                 counts: Vec<(String, usize)>| {
        let values = counts
            .into_iter()
            .map(|(value, n)| FacetValue {
                href: if value == current {
                    String::new()
                } else {
                    link(&[(key, value.as_str())])
                },
                value,
                n,
            })
            .collect();
        Facet {
            name,
            group,
            values,
        }
    };
    p.facets = vec![
        facet(
            "field.unit",
            "",
            "unit",
            &f.unit,
            count(&mut kept.iter().map(|m| m.unit.clone())),
        ),
        facet(
            "field.fraud_type",
            "fraud",
            "type",
            &f.fraud_type,
            count(&mut kept.iter().map(|m| m.fraud_type.clone())),
        ),
        facet(
            "field.status",
            "status",
            "status",
            &f.status,
            count(&mut matching.iter().filter_map(|m| status(m).cloned())),
        ),
    ];
    if capped {
        p.facets_note = lang.f(
            "group.capped",
            &[
                ("counted", &FACET_REPORTS),
                ("found", &lang.n("count.reports", matched_total)),
            ],
        );
    }
    p.toggle = link(&[("group", if grouped { "" } else { "cluster" })]);
    if !f.cluster.is_empty() {
        p.without_cluster = link(&[("cluster", "")]);
    }
    p.searched = true;
    let start = (pageno - 1) * HITS;
    let mut shown_reports: Vec<String> = Vec::new();
    let total;
    if grouped {
        let mut per: std::collections::HashMap<&crate::cluster::ClusterId, usize> =
            std::collections::HashMap::new();
        for m in &kept {
            if let Some(c) = &m.cluster {
                *per.entry(c).or_default() += 1;
            }
        }
        let mut groups: Vec<(&crate::cluster::ClusterId, usize)> = per.into_iter().collect();
        groups.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        total = groups.len();
        let page_of: Vec<&crate::cluster::ClusterId> = groups
            .iter()
            .skip(start)
            .take(HITS)
            .map(|(c, _)| *c)
            .collect();
        for m in &kept {
            if m.cluster.as_ref().is_some_and(|c| page_of.contains(&c)) {
                shown_reports.push(m.id.clone());
            }
        }
        p.groups = groups
            .iter()
            .skip(start)
            .take(HITS)
            .map(|(c, n)| {
                let triage = state.app.engine.triage(c);
                Group {
                    cluster: c.as_str().to_owned(),
                    matching: *n,
                    size: snapshot.cluster(c).map_or(0, |s| s.size),
                    status: triage.status,
                    team: triage.assigned_team.unwrap_or_default(),
                    hits: link(&[("cluster", c.as_str()), ("group", "")]),
                }
            })
            .collect();
    } else {
        let found = if f.status.is_empty() {
            let params = params.clone();
            state
                .app
                .heavy(move |engine| Ok(engine.search(&params)))
                .await?
        } else {
            let among: Vec<String> = kept.iter().map(|m| m.id.clone()).collect();
            let params = params.clone();
            state
                .app
                .heavy(move |engine| Ok(engine.search_among(&params, among)))
                .await?
        };
        let result = match found {
            Ok(r) => r,
            Err(e) => return refused(p, e, lang),
        };
        total = result.total;
        p.hits = result
            .hits
            .into_iter()
            .map(|h| Hit {
                id: h.report_id,
                cluster: h
                    .cluster_id
                    .map(|c| c.as_str().to_owned())
                    .unwrap_or_default(),
                filed: lang.datetime_text(&h.filed_at),
                snippet_html: h.snippet_html,
            })
            .collect();
        shown_reports = p.hits.iter().map(|h| h.id.clone()).collect();
    }
    let shown = if grouped {
        p.groups.len()
    } else {
        p.hits.len()
    };
    let page_link = |n: usize| link(&[("page", n.to_string().as_str())]);
    let counted = if grouped {
        lang.n("count.clusters", total)
    } else {
        lang.n("count.reports", total)
    };
    p.summary = if shown == 0 && start > 0 {
        // Past the last page: say so, and lead back.
        p.first_page = page_link(1);
        lang.f(
            "search.empty_page",
            &[("page", &pageno), ("found", &counted)],
        )
    } else if shown == 0 {
        lang.t("search.none").to_owned()
    } else {
        if pageno > 1 {
            p.prev = page_link(pageno - 1);
        }
        lang.f(
            "search.showing",
            &[
                ("found", &counted),
                ("from", &(start + 1)),
                ("to", &(start + shown)),
            ],
        )
    };
    if shown > 0 && pageno * HITS < total {
        p.next = page_link(pageno + 1);
    }
    let clusters: Vec<&str> = p.groups.iter().map(|g| g.cluster.as_str()).collect();
    log_read(
        &state,
        &viewer,
        "search",
        json!({
            "query": f.q,
            "reports": crate::access::reports_shown(shown_reports.iter().map(String::as_str), snapshot.generation()),
            "clusters": clusters,
            "via": "ui",
        }),
        "ok",
    )
    .await?;
    Ok(page(&p))
}

/// The search page with the search engine's refusal said in the page's
/// language, or the failure of the index.
fn refused(
    mut p: SearchPage,
    e: crate::index::SearchError,
    lang: Lang,
) -> Result<Response, UiError> {
    match e {
        crate::index::SearchError::InvalidQuery { message } => {
            // The search engine's own words are for developers; the
            // person gets the limit it broke, or what to change.
            tracing::debug!(message, "search query refused");
            p.error = if message.starts_with("no cluster ") {
                lang.t("error.no_cluster").to_owned()
            } else {
                query_refused(&message, lang)
            };
            Ok(page(&p))
        }
        crate::index::SearchError::Index(e) => Err(UiError::Internal(e)),
    }
}

/// Why the search engine refused a query, for the person who typed it: a
/// limit of [`crate::index::check_query`] with its figures, else what to
/// look at in the query's syntax.
fn query_refused(message: &str, lang: Lang) -> String {
    use crate::index::{MAX_QUERY_CHARS, MAX_QUERY_DEPTH};
    // The limits' messages name the query's figure first.
    let figure = message
        .split(|c: char| !c.is_ascii_digit())
        .find(|w| !w.is_empty())
        .unwrap_or("?");
    if message.contains("characters long") {
        lang.f(
            "search.too_long",
            &[("chars", &figure), ("max", &MAX_QUERY_CHARS)],
        )
    } else if message.contains("levels deep") {
        lang.f(
            "search.too_deep",
            &[("depth", &figure), ("max", &MAX_QUERY_DEPTH)],
        )
    } else {
        lang.t("search.bad_query").to_owned()
    }
}

/// A matching cluster in a check answer.
pub struct MatchRow {
    /// Cluster id.
    pub cluster: String,
    /// Reports.
    pub size: usize,
    /// Units.
    pub units: usize,
    /// Status.
    pub status: String,
    /// Assigned team.
    pub team: String,
    /// The evidence.
    pub on: String,
    /// What the officer does next: the id to note, who has it.
    pub next_step: String,
}

/// A line of the identifiers box that gave nothing to check, and why.
pub struct Unreadable {
    /// The line as typed.
    pub line: String,
    /// Why it could not be used.
    pub why: String,
}

#[derive(Template)]
#[template(path = "check.html")]
struct CheckPage {
    nav: Nav,
    narrative: String,
    identifiers: String,
    answered: bool,
    found: Vec<IdentLine>,
    matches: Vec<MatchRow>,
    /// One line per identifier that reports pushed a moment ago name.
    pending: Vec<String>,
    unreadable: Vec<Unreadable>,
    advice: Vec<String>,
    headline: String,
    error: String,
}

impl CheckPage {
    fn new(viewer: &Viewer, narrative: String, identifiers: String) -> CheckPage {
        CheckPage {
            nav: viewer.nav("check"),
            narrative,
            identifiers,
            answered: false,
            found: Vec::new(),
            matches: Vec::new(),
            pending: Vec::new(),
            unreadable: Vec::new(),
            advice: Vec::new(),
            headline: String::new(),
            error: String::new(),
        }
    }
}

/// `GET /check`: the intake officer's box.
pub async fn check_page(viewer: Viewer) -> Result<Response, UiError> {
    viewer.require(Action::Check)?;
    Ok(page(&CheckPage::new(&viewer, String::new(), String::new())))
}

/// The check form.
#[derive(Debug, Deserialize)]
pub struct CheckForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    narrative: String,
    #[serde(default)]
    identifiers: String,
}

/// Lines of the identifiers box looked at one by one (the rest are
/// checked with the statement, without a word per line).
const LINES_NAMED: usize = 50;

/// The next step for an intake officer whose check matched a cluster:
/// the id to note in the aangifte and who has the cluster.
pub fn next_step(lang: Lang, cluster: &str, status: &str, team: Option<&str>) -> String {
    match (team, status) {
        (Some(team), _) => lang.f(
            "check.step_assigned",
            &[("cluster", &cluster), ("team", &team)],
        ),
        (None, "closed" | "handed_over") => lang.f(
            "check.step_closed",
            &[
                ("cluster", &cluster),
                ("status", &lang.name("status", status)),
            ],
        ),
        (None, _) => lang.f("check.step_unassigned", &[("cluster", &cluster)]),
    }
}

/// Why a typed line gave no identifier, judged from its shape.
fn unreadable_why(line: &str, lang: Lang) -> String {
    let compact: String = line.chars().filter(|c| !c.is_whitespace()).collect();
    let digits = compact.chars().filter(char::is_ascii_digit).count();
    let letters = compact.chars().filter(|c| c.is_alphabetic()).count();
    let starts_like_iban = compact.len() >= 10
        && compact.chars().take(2).all(|c| c.is_ascii_alphabetic())
        && compact.chars().skip(2).take(2).all(|c| c.is_ascii_digit());
    let phone_chars = compact
        .chars()
        .all(|c| c.is_ascii_digit() || "+-()./".contains(c));
    let key = if starts_like_iban {
        "check.why_iban"
    } else if compact.contains('@') {
        "check.why_email"
    } else if digits > 0 && phone_chars {
        "check.why_phone"
    } else if compact.contains("://") || (compact.contains('.') && letters > 0) {
        "check.why_url"
    } else {
        "check.why_nothing"
    };
    lang.t(key).to_owned()
}

/// Why a typed line's identifiers cannot be matched, or `None` when one
/// can: it failed its check, it is benign, it is the victim's own.
fn unusable_why(found: &[crate::engine::CheckIdent], lang: Lang) -> Option<String> {
    if found.iter().any(can_link) {
        return None;
    }
    let first = found.first()?;
    let kind = lang.name("kind", first.kind.as_str());
    Some(if !first.valid {
        if first.kind == crate::ident::Kind::Iban {
            lang.t("check.why_iban_checksum").to_owned()
        } else {
            lang.f("check.why_invalid", &[("kind", &kind)])
        }
    } else if let Some(why) = &first.benign {
        lang.f("check.why_benign", &[("why", &why_text(lang, why))])
    } else if first.role == crate::ident::Role::Victim {
        lang.t("check.why_victim").to_owned()
    } else {
        lang.t("check.why_not_linking").to_owned()
    })
}

/// Whether an identifier of a check can link to other reports.
fn can_link(i: &crate::engine::CheckIdent) -> bool {
    i.valid
        && i.role == crate::ident::Role::Offender
        && i.benign.is_none()
        && i.suppressed.is_none()
        && i.kind != crate::ident::Kind::Name
}

/// What to tell an officer whose check found nothing that links: a
/// spoofed official number explained, benign or victim's identifiers
/// named, and (the template adds it) what to ask the victim for next.
fn advice(found: &[crate::engine::CheckIdent], lang: Lang) -> Vec<String> {
    if found.iter().any(can_link) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let official: Vec<&str> = found
        .iter()
        .filter(|i| i.kind == crate::ident::Kind::Phone && i.benign.is_some())
        .map(|i| i.value.as_str())
        .collect();
    if !official.is_empty() {
        out.push(lang.f("check.spoofed", &[("numbers", &official.join(", "))]));
    }
    if found
        .iter()
        .any(|i| i.kind != crate::ident::Kind::Phone && i.benign.is_some())
    {
        out.push(lang.t("check.only_benign").to_owned());
    }
    if found.iter().any(|i| i.role == crate::ident::Role::Victim) {
        out.push(lang.t("check.only_victim").to_owned());
    }
    if found.iter().any(|i| !i.valid) {
        out.push(lang.t("check.only_invalid").to_owned());
    }
    if found.iter().any(|i| i.suppressed.is_some()) {
        out.push(lang.t("check.only_hub").to_owned());
    }
    if out.is_empty() {
        out.push(lang.t("check.nothing_found").to_owned());
    }
    out
}

/// `POST /check`: extracts and matches without storing. Typed identifiers
/// (one per line) are read as statement lines of their own, so that the
/// extractor finds and normalises them as it would in a statement; each
/// is also read alone, so that a line that gives nothing is named.
pub async fn check(
    State(state): State<UiState>,
    viewer: Viewer,
    Form(f): Form<CheckForm>,
) -> Result<Response, UiError> {
    viewer.check_csrf(&f.csrf)?;
    viewer.require(Action::Check)?;
    viewer.purpose()?;
    let lang = viewer.lang;
    let mut text = f.narrative.trim().to_owned();
    let lines: Vec<String> = f
        .identifiers
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    for line in &lines {
        text.push('\n');
        text.push_str(line);
    }
    let mut p = CheckPage::new(&viewer, f.narrative.clone(), f.identifiers.clone());
    if text.trim().is_empty() {
        p.error = lang.t("check.empty").to_owned();
        return Ok(page(&p));
    }
    let req = CheckRequest {
        narrative: Some(text),
        ..CheckRequest::default()
    };
    if let Err(e) = state.app.engine.check_limits(&req) {
        tracing::debug!(reason = e.reason(), "check over its limits");
        p.error = lang.t("check.too_long").to_owned();
        return Ok(page(&p));
    }
    let bytes = req.narrative.as_ref().map_or(0, String::len);
    let named: Vec<String> = lines.iter().take(LINES_NAMED).cloned().collect();
    let (answer, per_line) = state
        .app
        .check(bytes, move |e| {
            let answer = e.check(&req)?;
            let per_line = named
                .iter()
                .map(|l| {
                    let line = CheckRequest {
                        narrative: Some(l.clone()),
                        ..CheckRequest::default()
                    };
                    Ok(e.check(&line)?.identifiers)
                })
                .collect::<Result<Vec<Vec<crate::engine::CheckIdent>>, crate::api::ApiError>>()?;
            Ok::<_, crate::api::ApiError>((answer, per_line))
        })
        .await?;
    // The matched clusters' summaries are this officer's to open.
    let shown = answer.clusters_shown();
    state
        .app
        .matched
        .record(viewer.principal.token_id, shown.iter().copied());
    let clusters: Vec<&str> = shown.iter().map(|c| c.as_str()).collect();
    log_read(
        &state,
        &viewer,
        "check",
        json!({"clusters": clusters, "via": "ui"}),
        "ok",
    )
    .await?;
    p.answered = true;
    p.headline = match answer.matches.as_slice() {
        [] => lang.t("check.no_cluster").to_owned(),
        [m] => lang.f(
            "check.headline_one",
            &[
                ("cluster", &m.cluster_id.as_str()),
                ("reports", &lang.n("count.reports", m.size)),
                ("units", &lang.n("count.units", m.units)),
            ],
        ),
        all => lang.f("check.headline_many", &[("n", &all.len())]),
    };
    p.unreadable = lines
        .iter()
        .zip(&per_line)
        .filter_map(|(line, found)| {
            let why = if found.is_empty() {
                Some(unreadable_why(line, lang))
            } else {
                unusable_why(found, lang)
            };
            why.map(|why| Unreadable {
                line: line.clone(),
                why,
            })
        })
        .collect();
    if answer.matches.is_empty() {
        p.advice = advice(&answer.identifiers, lang);
    }
    p.found = answer
        .identifiers
        .iter()
        .map(|i| IdentLine {
            pivot: crate::ui::pivot::href(i.kind.as_str(), &i.value),
            kind: i.kind.as_str().to_owned(),
            value: i.value.clone(),
            raw: String::new(),
            source: format!("{:?}", i.source).to_lowercase(),
            role: format!("{:?}", i.role).to_lowercase(),
            note: match (&i.benign, &i.suppressed, i.valid) {
                (Some(why), _, _) => why_text(lang, why),
                (None, Some(why), _) => why_text(lang, why),
                (None, None, false) => lang.t("verdict.fails_check").to_owned(),
                (None, None, true) if i.role == crate::ident::Role::Offender => {
                    lang.t("verdict.can_link").to_owned()
                }
                _ => String::new(),
            },
        })
        .collect();
    p.pending = answer
        .pending
        .iter()
        .map(|w| {
            let kind = lang.name("kind", w.kind.as_str());
            let reports = lang.n("count.reports", w.reports);
            let clusters: Vec<&str> = w.joins.iter().map(|c| c.as_str()).collect();
            let clusters = clusters.join(", ");
            let fill: [(&str, &dyn std::fmt::Display); 4] = [
                ("kind", &kind),
                ("value", &w.value),
                ("reports", &reports),
                ("clusters", &clusters),
            ];
            if w.joins.is_empty() {
                lang.f("check.pending_new", &fill)
            } else {
                lang.f("check.pending_joins", &fill)
            }
        })
        .collect();
    p.matches = answer
        .matches
        .iter()
        .map(|m| MatchRow {
            cluster: m.cluster_id.as_str().to_owned(),
            size: m.size,
            units: m.units,
            status: m.status.clone(),
            team: m.assigned_team.clone().unwrap_or_default(),
            on: m
                .matched_on
                .iter()
                .map(|o| {
                    format!(
                        "{} {} ({})",
                        lang.name("kind", &o.kind),
                        o.value,
                        lang.n("count.reports", o.reports)
                    )
                })
                .collect::<Vec<_>>()
                .join(", "),
            next_step: next_step(
                lang,
                m.cluster_id.as_str(),
                &m.status,
                m.assigned_team.as_deref(),
            ),
        })
        .collect();
    Ok(page(&p))
}

/// A benign or suppressed verdict's reason (as the extractor and the hub
/// guard word it, in English, for the API) in the page's language.
pub fn why_text(lang: Lang, why: &str) -> String {
    use std::sync::LazyLock;
    static ALLOW: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(
            r"^(sender at )?allowlist: ([a-z_]+)(?: \((.*)\))?( page| link to an account)?$",
        )
        .expect("a valid pattern")
    });
    static HUB: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(
            r"^hub: named in (\d+) reports that fall into (\d+) otherwise separate groups; the largest holds (\d+)% of them$",
        )
        .expect("a valid pattern")
    });
    static SHARED: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(
            r"^shared: named in (\d+) reports that fall into (\d+) otherwise separate groups of different fraud types: (.+)$",
        )
        .expect("a valid pattern")
    });
    static SHARED_PART: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"([a-z_]+) \((\d+) reports\)").expect("a valid pattern")
    });
    if let Some(c) = SHARED.captures(why) {
        let parts: Vec<String> = SHARED_PART
            .captures_iter(&c[3])
            .map(|p| {
                lang.f(
                    "verdict.shared_part",
                    &[("fraud", &lang.name("fraud", &p[1])), ("n", &&p[2])],
                )
            })
            .collect();
        return lang.f(
            "verdict.shared",
            &[
                ("reports", &&c[1]),
                ("groups", &&c[2]),
                ("parts", &parts.join(", ")),
            ],
        );
    }
    if why.starts_with("official number by context") {
        return lang.t("verdict.official_by_context").to_owned();
    }
    if let Some(c) = HUB.captures(why) {
        return lang.f(
            "verdict.hub",
            &[("reports", &&c[1]), ("groups", &&c[2]), ("share", &&c[3])],
        );
    }
    if let Some(c) = ALLOW.captures(why) {
        let category = lang.name("category", &c[2]);
        let known = match c.get(3) {
            Some(owner) => lang.f(
                "verdict.known_owner",
                &[("category", &category), ("owner", &owner.as_str())],
            ),
            None => lang.f("verdict.known", &[("category", &category)]),
        };
        let known = match c.get(4).map(|m| m.as_str()) {
            Some(" page") => lang.f("verdict.page", &[("known", &known)]),
            Some(_) => lang.f("verdict.account_link", &[("known", &known)]),
            None => known,
        };
        return if c.get(1).is_some() {
            lang.f("verdict.sender", &[("known", &known)])
        } else {
            known
        };
    }
    why.to_owned()
}

/// Query of the explain page.
#[derive(Debug, Default, Deserialize)]
pub struct ExplainForm {
    #[serde(default)]
    a: String,
    #[serde(default)]
    b: String,
}

/// A step of a drawn chain.
pub struct ChainStep {
    /// `report`, `ident` or `direct`.
    pub kind: &'static str,
    /// Report id, identifier, or the direct link's reason.
    pub label: String,
    /// `links`, `benign`, `suppressed` (identifiers), else empty.
    pub state: &'static str,
    /// Details (reports naming it, why it does not link).
    pub note: String,
}

#[derive(Template)]
#[template(path = "explain.html")]
struct ExplainPage {
    nav: Nav,
    a: String,
    b: String,
    asked: bool,
    verdict: String,
    cluster_a: String,
    cluster_b: String,
    chain: Vec<ChainStep>,
    error: String,
}

/// `GET /explain?a=&b=`: the chain of shared identifiers between two
/// reports, or what blocks one (analyst and up).
pub async fn explain(
    State(state): State<UiState>,
    viewer: Viewer,
    query: Result<Query<ExplainForm>, QueryRejection>,
) -> Result<Response, UiError> {
    viewer.require(Action::Explain)?;
    let Query(f) = query.map_err(|_| UiError::bad("error.query"))?;
    let lang = viewer.lang;
    let (a, b) = (f.a.trim().to_owned(), f.b.trim().to_owned());
    let mut p = ExplainPage {
        nav: viewer.nav("explain"),
        a: a.clone(),
        b: b.clone(),
        asked: false,
        verdict: String::new(),
        cluster_a: String::new(),
        cluster_b: String::new(),
        chain: Vec::new(),
        error: String::new(),
    };
    if a.is_empty() || b.is_empty() {
        return Ok(page(&p));
    }
    viewer.purpose()?;
    // Which of the two ids is no report id, or is not known: named.
    let snapshot = state.app.engine.state();
    let unknown: Vec<&str> = [a.as_str(), b.as_str()]
        .into_iter()
        .filter(|id| {
            crate::report::ReportId::parse(id)
                .ok()
                .is_none_or(|r| snapshot.row(&r).is_none())
        })
        .collect();
    if !unknown.is_empty() {
        p.error = match unknown.as_slice() {
            [one] => lang.f("explain.unknown_one", &[("id", one)]),
            _ => lang.f("explain.unknown_both", &[("a", &a), ("b", &b)]),
        };
        log_read(
            &state,
            &viewer,
            "explain",
            json!({"a": a, "b": b, "via": "ui"}),
            "not_found",
        )
        .await?;
        return Ok(page(&p));
    }
    // On the heavy-read threads, as the API's: see `api::clusters::explain`.
    let (ea, eb) = (a.clone(), b.clone());
    let explained = state
        .app
        .heavy(move |engine| Ok(engine.explain(&ea, &eb)))
        .await?;
    let (e, ca, cb) = match explained {
        Ok(x) => x,
        Err(e) => {
            tracing::debug!(error = format!("{e:#}"), "explain refused");
            p.error = lang.t("error.bad_input").to_owned();
            return Ok(page(&p));
        }
    };
    let path: &[Step] = match &e {
        Explanation::Linked { path } => {
            p.verdict = lang.t("explain.linked").to_owned();
            path
        }
        Explanation::Blocked { path, .. } => {
            p.verdict = lang.t("explain.blocked").to_owned();
            path
        }
        Explanation::NotLinked => {
            p.verdict = lang.t("explain.not_linked").to_owned();
            &[]
        }
        Explanation::Unknown => {
            p.error = lang.f("explain.unknown_both", &[("a", &a), ("b", &b)]);
            return Ok(page(&p));
        }
    };
    p.chain = path
        .iter()
        .map(|s| match s {
            Step::Report { id } => ChainStep {
                kind: "report",
                label: id.as_str().to_owned(),
                state: "",
                note: String::new(),
            },
            Step::Ident {
                key,
                reports,
                state,
            } => {
                let (st, why) = match state {
                    IdentState::Active => ("links", String::new()),
                    IdentState::Benign(w) => ("benign", why_text(lang, w)),
                    IdentState::Suppressed(w) => ("suppressed", why_text(lang, w)),
                };
                let named = lang.n("explain.named_by", *reports);
                ChainStep {
                    kind: "ident",
                    label: format!(
                        "{} {}",
                        lang.name("kind_short", key.kind.as_str()),
                        key.value
                    ),
                    state: st,
                    note: if why.is_empty() {
                        named
                    } else {
                        format!("{named}; {why}")
                    },
                }
            }
            Step::Direct { why } => ChainStep {
                kind: "direct",
                label: match why {
                    crate::cluster::DirectLink::Refiling => lang.t("explain.refiling").to_owned(),
                    crate::cluster::DirectLink::Confirmed => lang.t("explain.confirmed").to_owned(),
                },
                state: "links",
                note: String::new(),
            },
        })
        .collect();
    p.asked = true;
    p.cluster_a = ca.map(|c| c.as_str().to_owned()).unwrap_or_default();
    p.cluster_b = cb.map(|c| c.as_str().to_owned()).unwrap_or_default();
    // The chain names reports beyond the two asked about.
    let mut reports: Vec<&str> = vec![a.as_str(), b.as_str()];
    for r in e.reports() {
        if !reports.contains(&r.as_str()) {
            reports.push(r.as_str());
        }
    }
    log_read(
        &state,
        &viewer,
        "explain",
        json!({"a": a, "b": b, "reports": reports, "clusters": [&p.cluster_a, &p.cluster_b], "via": "ui"}),
        "ok",
    )
    .await?;
    Ok(page(&p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ident::{Kind, Role, Source};

    fn ident(span: [usize; 2], kind: Kind) -> Identifier {
        Identifier {
            kind,
            value: "v".into(),
            raw: "r".into(),
            source: Source::Narrative,
            role: Role::Offender,
            valid: true,
            benign: None,
            span: Some(span),
            note: None,
        }
    }

    // See: issue 22. The UI reads the extractor's and the hub guard's
    // reasons (English, as the API gives them) by their wording: a change
    // of wording must fail here, not show English in the Dutch UI.
    #[test]
    fn every_reason_the_extractor_and_the_hub_guard_give_reads_in_dutch() {
        let extractor = crate::extract::Extractor::new(
            phonenumber::country::Id::NL,
            crate::allowlist::Allowlist::embedded(),
        );
        let text = "Ik werd gebeld door 020 2288800 en daarna door 088 123 4567, het \
                    nummer van de bank zei hij. Zie https://www.marktplaats.nl/ en \
                    https://wa.me/31612345678, mail van service@ing.nl.";
        let mut reasons: Vec<String> = extractor
            .text(text)
            .into_iter()
            .filter_map(|id| id.benign)
            .collect();
        for kind in [" page", " link to an account", "sender at "] {
            assert!(
                reasons.iter().any(|w| w.contains(kind)),
                "no {kind:?} reason among {reasons:?}"
            );
        }
        reasons.push(crate::cluster::hub_reason(41, 6, 0.27));
        reasons.push(crate::cluster::shared_reason(
            7,
            2,
            &[("romance", 13), ("webshop", 4)],
        ));
        for why in &reasons {
            for lang in [Lang::Nl, Lang::En] {
                let read = why_text(lang, why);
                assert!(
                    read != *why && !read.contains("allowlist"),
                    "{lang:?} does not read {why:?}: {read:?}"
                );
            }
        }
    }

    #[test]
    fn statements_are_cut_at_spans_and_never_lose_text() {
        let text = "bel 0612345678 of mail a@b.nl nu";
        let ids = vec![ident([4, 14], Kind::Phone), ident([23, 29], Kind::Email)];
        let segs = segments(text, &ids, Lang::Nl);
        let whole: String = segs.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(whole, text);
        assert_eq!(segs[1].text, "0612345678");
        assert_eq!(segs[1].kind, "phone");
        assert_eq!(segs[3].text, "a@b.nl");
    }

    #[test]
    fn bad_spans_are_skipped() {
        let text = "één twee";
        // Off a character boundary, beyond the end, overlapping, empty.
        let ids = vec![
            ident([1, 3], Kind::Phone),
            ident([5, 100], Kind::Phone),
            ident([0, 6], Kind::Name),
            ident([2, 4], Kind::Name),
            ident([7, 7], Kind::Name),
        ];
        let segs = segments(text, &ids, Lang::Nl);
        let whole: String = segs.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(whole, text);
        assert_eq!(segs.iter().filter(|s| !s.kind.is_empty()).count(), 1);
    }
}
