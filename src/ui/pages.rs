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
use crate::ui::{Nav, UiError, UiState, Viewer, blocking, euros, log_read, page, query_string};

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
pub fn segments(text: &str, idents: &[Identifier]) -> Vec<Segment> {
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
        let mut title = format!("{}: {}", i.kind, i.value);
        if !i.valid {
            title.push_str(" (fails its check)");
        }
        if let Some(why) = &i.benign {
            title.push_str(&format!(" (benign: {why})"));
        }
        if i.role == crate::ident::Role::Victim {
            title.push_str(" (the victim's own)");
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
    /// Name.
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
    /// When it was written.
    pub written_at: String,
    /// When a later write replaced it.
    pub replaced_at: String,
    /// Who wrote it (the import's source).
    pub source: String,
    /// Its fields.
    pub fields: Vec<Field>,
    /// Its statement.
    pub narrative: String,
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    nav: Nav,
    id: String,
    show_history: bool,
    versions: Vec<VersionView>,
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
            return Err(UiError::Forbidden(
                "An intake officer reads only the reports of their own team.".into(),
            ));
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
        return Err(UiError::NotFound(format!("There is no report {id}.")));
    };
    let raw: Value = serde_json::from_str(&stored.raw).unwrap_or(Value::Null);
    let narrative = text_field(&raw, "narrative");
    let fields = report_fields(&raw);
    // Analysts and up see the versions that later writes replaced.
    let show_history = viewer.may(Action::ReadAnyReport);
    let versions = if show_history {
        let rid = id.clone();
        blocking(&state, move |e| e.report_versions(&rid))
            .await?
            .into_iter()
            .map(|v| {
                let raw: Value = serde_json::from_str(&v.raw).unwrap_or(Value::Null);
                VersionView {
                    version: v.version,
                    written_at: crate::ui::short_time(&crate::engine::rfc3339(v.written_at)),
                    replaced_at: crate::ui::short_time(&crate::engine::rfc3339(v.replaced_at)),
                    source: v.source,
                    fields: report_fields(&raw),
                    narrative: text_field(&raw, "narrative"),
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let idents = stored
        .identifiers
        .iter()
        .map(|i| IdentLine {
            kind: i.kind.as_str().to_owned(),
            value: i.value.clone(),
            raw: i.raw.clone(),
            source: format!("{:?}", i.source).to_lowercase(),
            role: format!("{:?}", i.role).to_lowercase(),
            note: match (&i.benign, i.valid) {
                (Some(why), _) => format!("benign: {why}"),
                (None, false) => "fails its check".into(),
                (None, true) if i.links() => "links".into(),
                _ => String::new(),
            },
        })
        .collect();
    let segments = segments(&narrative, &stored.identifiers);
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
        state
            .app
            .heavy(move |e| e.similar(&rid, 10))
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|s| SimilarRow {
                id: s.report_id,
                cluster: s
                    .cluster_id
                    .map(|c| c.as_str().to_owned())
                    .unwrap_or_default(),
                score: format!("{:.2}", s.score),
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
fn report_fields(raw: &Value) -> Vec<Field> {
    vec![
        Field {
            name: "Filed",
            value: text_field(raw, "filed_at"),
        },
        Field {
            name: "Incident",
            value: text_field(raw, "incident_at"),
        },
        Field {
            name: "Unit",
            value: text_field(raw, "unit"),
        },
        Field {
            name: "Team",
            value: text_field(raw, "team"),
        },
        Field {
            name: "Municipality",
            value: text_field(raw, "municipality"),
        },
        Field {
            name: "Fraud type",
            value: text_field(raw, "fraud_type"),
        },
        Field {
            name: "Damage",
            value: raw
                .get("amount_eur")
                .and_then(Value::as_f64)
                .map(euros)
                .unwrap_or_default(),
        },
        Field {
            name: "Victim reference",
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
    searched: bool,
    total: usize,
    hits: Vec<Hit>,
    error: String,
    prev: String,
    next: String,
}

/// Hits per page.
const HITS: usize = 20;

/// `GET /search`: full-text search with filters (analyst and up).
pub async fn search(
    State(state): State<UiState>,
    viewer: Viewer,
    query: Result<Query<SearchForm>, QueryRejection>,
) -> Result<Response, UiError> {
    viewer.require(Action::Search)?;
    let Query(f) = query.map_err(|e| UiError::BadRequest(e.body_text()))?;
    let mut p = SearchPage {
        nav: viewer.nav("search"),
        q: f.q.clone(),
        unit: f.unit.clone(),
        team: f.team.clone(),
        fraud_type: f.fraud_type.clone(),
        from: f.from.clone(),
        to: f.to.clone(),
        sort: f.sort.clone(),
        searched: false,
        total: 0,
        hits: Vec::new(),
        error: String::new(),
        prev: String::new(),
        next: String::new(),
    };
    let any = [&f.q, &f.unit, &f.team, &f.fraud_type, &f.from, &f.to]
        .iter()
        .any(|s| !s.trim().is_empty());
    if !any {
        return Ok(page(&p));
    }
    viewer.purpose()?;
    let pageno = f.page.unwrap_or(1).clamp(1, 500);
    let text = crate::engine::SearchText {
        query: &f.q,
        unit: Some(&f.unit),
        team: Some(&f.team),
        fraud_type: Some(&f.fraud_type),
        from: Some(&f.from),
        to: Some(&f.to),
        cluster: None,
        sort: Some(&f.sort),
    };
    let params = crate::engine::SearchParams::parse(text, HITS, (pageno - 1) * HITS);
    let params = match params {
        Ok(p) => p,
        Err(e) => {
            p.error = format!("{e:#}");
            return Ok(page(&p));
        }
    };
    let found = state
        .app
        .heavy(move |engine| Ok(engine.search(&params)))
        .await?;
    let result = match found {
        Ok(r) => r,
        Err(crate::index::SearchError::InvalidQuery { message }) => {
            p.error = message;
            return Ok(page(&p));
        }
        Err(crate::index::SearchError::Index(e)) => return Err(UiError::Internal(e)),
    };
    p.searched = true;
    p.total = result.total;
    p.hits = result
        .hits
        .into_iter()
        .map(|h| Hit {
            id: h.report_id,
            cluster: h
                .cluster_id
                .map(|c| c.as_str().to_owned())
                .unwrap_or_default(),
            filed: h.filed_at.chars().take(10).collect(),
            snippet_html: h.snippet_html,
        })
        .collect();
    let link = |n: usize| {
        let ns = n.to_string();
        format!(
            "/search?{}",
            query_string(&[
                ("q", &f.q),
                ("unit", &f.unit),
                ("team", &f.team),
                ("type", &f.fraud_type),
                ("from", &f.from),
                ("to", &f.to),
                ("sort", &f.sort),
                ("page", &ns),
            ])
        )
    };
    if pageno > 1 {
        p.prev = link(pageno - 1);
    }
    if pageno * HITS < p.total {
        p.next = link(pageno + 1);
    }
    let ids: Vec<&str> = p.hits.iter().map(|h| h.id.as_str()).collect();
    log_read(
        &state,
        &viewer,
        "search",
        json!({"query": f.q, "reports": ids, "via": "ui"}),
        "ok",
    )
    .await?;
    Ok(page(&p))
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
    headline: String,
    error: String,
}

/// `GET /check`: the intake officer's box.
pub async fn check_page(viewer: Viewer) -> Result<Response, UiError> {
    viewer.require(Action::Check)?;
    Ok(page(&CheckPage {
        nav: viewer.nav("check"),
        narrative: String::new(),
        identifiers: String::new(),
        answered: false,
        found: Vec::new(),
        matches: Vec::new(),
        headline: String::new(),
        error: String::new(),
    }))
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

/// `POST /check`: extracts and matches without storing. Typed identifiers
/// (one per line) are read as statement lines of their own, so that the
/// extractor finds and normalises them as it would in a statement.
pub async fn check(
    State(state): State<UiState>,
    viewer: Viewer,
    Form(f): Form<CheckForm>,
) -> Result<Response, UiError> {
    viewer.check_csrf(&f.csrf)?;
    viewer.require(Action::Check)?;
    viewer.purpose()?;
    let mut text = f.narrative.trim().to_owned();
    for line in f
        .identifiers
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        text.push('\n');
        text.push_str(line);
    }
    let mut p = CheckPage {
        nav: viewer.nav("check"),
        narrative: f.narrative.clone(),
        identifiers: f.identifiers.clone(),
        answered: false,
        found: Vec::new(),
        matches: Vec::new(),
        headline: String::new(),
        error: String::new(),
    };
    if text.trim().is_empty() {
        p.error = "Paste a statement or type an IBAN, phone number, URL or e-mail address.".into();
        return Ok(page(&p));
    }
    let req = CheckRequest {
        narrative: Some(text),
        ..CheckRequest::default()
    };
    if let Err(e) = state.app.engine.check_limits(&req) {
        p.error = format!("The statement is too long for a check: it {}.", e.reason());
        return Ok(page(&p));
    }
    let bytes = req.narrative.as_ref().map_or(0, String::len);
    let answer = state
        .app
        .check(bytes, move |e| Ok::<_, crate::api::ApiError>(e.check(&req)))
        .await?;
    // The matched clusters' summaries are this officer's to open.
    state.app.matched.record(
        viewer.principal.token_id,
        answer.matches.iter().map(|m| &m.cluster_id),
    );
    p.headline = match answer.matches.first() {
        Some(m) => format!(
            "Matches cluster {}: {} reports in {} unit(s), status {}{}.",
            m.cluster_id.as_str(),
            m.size,
            m.units,
            m.status.replace('_', " "),
            m.assigned_team
                .as_ref()
                .map(|t| format!(", assigned to {t}"))
                .unwrap_or_else(|| ", not assigned yet".into())
        ),
        None => "No known cluster.".into(),
    };
    let clusters: Vec<&str> = answer
        .matches
        .iter()
        .map(|m| m.cluster_id.as_str())
        .collect();
    log_read(
        &state,
        &viewer,
        "check",
        json!({"clusters": clusters, "via": "ui"}),
        "ok",
    )
    .await?;
    p.answered = true;
    p.found = answer
        .identifiers
        .iter()
        .map(|i| IdentLine {
            kind: i.kind.as_str().to_owned(),
            value: i.value.clone(),
            raw: String::new(),
            source: format!("{:?}", i.source).to_lowercase(),
            role: format!("{:?}", i.role).to_lowercase(),
            note: match (&i.benign, &i.suppressed, i.valid) {
                (Some(why), _, _) => format!("benign: {why}"),
                (None, Some(why), _) => format!("suppressed: {why}"),
                (None, None, false) => "fails its check".into(),
                (None, None, true) if i.role == crate::ident::Role::Offender => "can link".into(),
                _ => String::new(),
            },
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
                .map(|o| format!("{}:{} ({} reports)", o.kind, o.value, o.reports))
                .collect::<Vec<_>>()
                .join(", "),
        })
        .collect();
    Ok(page(&p))
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
    let Query(f) = query.map_err(|e| UiError::BadRequest(e.body_text()))?;
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
    let (e, ca, cb) = match state.app.engine.explain(&a, &b) {
        Ok(x) => x,
        Err(e) => {
            p.error = format!("{e:#}");
            return Ok(page(&p));
        }
    };
    let path: &[Step] = match &e {
        Explanation::Linked { path } => {
            p.verdict = "Linked: these reports share the chain below.".into();
            path
        }
        Explanation::Blocked { path, .. } => {
            p.verdict =
                "Not linked: the only chain runs through identifiers that do not link (marked)."
                    .into();
            path
        }
        Explanation::NotLinked => {
            p.verdict = "Not linked: no chain of shared identifiers at all.".into();
            &[]
        }
        Explanation::Unknown => {
            p.error = "One of these report ids is not known.".into();
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
                    IdentState::Benign(w) => ("benign", format!("benign: {w}")),
                    IdentState::Suppressed(w) => ("suppressed", format!("suppressed: {w}")),
                };
                ChainStep {
                    kind: "ident",
                    label: format!("{}:{}", key.kind, key.value),
                    state: st,
                    note: if why.is_empty() {
                        format!("named by {reports} report(s)")
                    } else {
                        format!("named by {reports} report(s); {why}")
                    },
                }
            }
            Step::Direct { why } => ChainStep {
                kind: "direct",
                label: match why {
                    crate::cluster::DirectLink::Refiling => "refiling by the same victim".into(),
                    crate::cluster::DirectLink::Confirmed => "link confirmed by an analyst".into(),
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

    #[test]
    fn statements_are_cut_at_spans_and_never_lose_text() {
        let text = "bel 0612345678 of mail a@b.nl nu";
        let ids = vec![ident([4, 14], Kind::Phone), ident([23, 29], Kind::Email)];
        let segs = segments(text, &ids);
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
        let segs = segments(text, &ids);
        let whole: String = segs.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(whole, text);
        assert_eq!(segs.iter().filter(|s| !s.kind.is_empty()).count(), 1);
    }
}
