//! Reports: push, read, check.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::IntoParams;

use crate::api::wire::{self, Pushed, ReportShown, ReportVersionShown};
use crate::api::{
    ApiError, AppState, Caller, JsonBytes, blocking, body_error, log_read, parse_json,
};
use crate::auth::Action;
use crate::engine::{CheckAnswer, CheckRequest, PushRefused, SearchPage};

/// `POST /api/v1/reports`: NDJSON, or (as `application/json`) an array of
/// report objects or one report object. Each good report is stored before
/// the answer is sent (acknowledged = durable); every bad one is listed
/// with its position, field and reason. An intake token writes only its
/// own team's reports: a report naming another team, or whose id is
/// stored for another team, refuses the whole push (403, nothing stored,
/// logged); a changed report keeps its earlier version as history.
#[utoipa::path(
    post, path = "/api/v1/reports", tag = "reports", operation_id = "post_reports",
    summary = "Push reports: NDJSON (application/x-ndjson, one report object a line), or as application/json an array of report objects or one report object (docs/formats.md section 1). Each good one is stored before the answer; bad ones are listed with their line, field and reason. A changed report keeps its earlier version as history; the same content again changes nothing. Roles: all; an intake token writes only its own team's reports (a report naming another team, or whose id is stored for another team, refuses the whole push with 403, nothing stored).",
    request_body(content(
        (wire::PushJson = "application/json"),
        (wire::PushNdjson = "application/x-ndjson"),
    )),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "ok", body = Pushed),
        (status = 400, response = wire::BadRequest),
        (status = 403, response = wire::Forbidden),
        (status = 413, response = wire::TooLarge),
        (status = 422, response = wire::Unprocessable),
        (status = 503, response = wire::Busy),
    ),
)]
pub async fn push(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Pushed>, ApiError> {
    caller.require(Action::SubmitReports)?;
    // The team an intake token writes for; other roles write any team's.
    let team = if caller.principal.role.may(Action::WriteAnyReport) {
        None
    } else if let Some(t) = caller.principal.team.clone() {
        Some(t)
    } else {
        log_read(
            &state,
            &caller,
            "push",
            json!({"refused": "the token has no team"}),
            "denied",
        )
        .await?;
        return Err(ApiError::Forbidden(
            "this intake token has no team, so it may write no report".into(),
        ));
    };
    let body = body.map_err(body_error)?;
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase());
    let source = format!("api:{}", caller.principal.name());
    // Reading the body, like storing it, is work that grows with its
    // size: on the push threads, not on an async one.
    let pushed = state
        .push(move |e| {
            let lines = push_lines(&body, media.as_deref())?;
            match e.ingest_lines_as(&source, &lines, team.as_deref()) {
                Ok(done) => Ok(Ok(done)),
                Err(err) => err
                    .downcast::<PushRefused>()
                    .map(Err)
                    .map_err(ApiError::Internal),
            }
        })
        .await?;
    let (summary, rejects) = match pushed {
        Ok(done) => done,
        Err(refused) => {
            log_read(
                &state,
                &caller,
                "push",
                json!({"line": refused.line, "report": refused.id, "field": refused.field}),
                "denied",
            )
            .await?;
            let field = refused
                .field
                .map(|f| format!(", field {f}"))
                .unwrap_or_default();
            return Err(ApiError::Forbidden(format!(
                "line {} (report {:?}{field}): {}; nothing of this push was stored",
                refused.line, refused.id, refused.detail
            )));
        }
    };
    if summary.accepted + summary.updated > 0 {
        state.reindex.notify_one();
    }
    Ok(Json(Pushed {
        accepted: summary.accepted,
        updated: summary.updated,
        unchanged: summary.unchanged,
        rejected: summary.rejected,
        rejects,
    }))
}

/// The report lines of a push body of media type `media`.
fn push_lines(body: &[u8], media: Option<&str>) -> Result<Vec<String>, ApiError> {
    let text = std::str::from_utf8(body)
        .map_err(|e| ApiError::BadRequest(format!("the body is not UTF-8: {e}")))?;
    let lines: Vec<String> = if media == Some("application/json") {
        json_reports(text)?
    } else if media != Some("application/x-ndjson") && text.trim_start().starts_with('[') {
        // Without a media type that says which, a body that opens with
        // `[` is read as a JSON array.
        let items: Vec<Value> = serde_json::from_str(text)
            .map_err(|e| ApiError::BadRequest(format!("not a JSON array of reports: {e}")))?;
        items.into_iter().map(|v| v.to_string()).collect()
    } else {
        text.lines().map(str::to_owned).collect()
    };
    if lines.iter().all(|l| l.trim().is_empty()) {
        return Err(ApiError::BadRequest("no reports in the body".into()));
    }
    Ok(lines)
}

/// The reports of an `application/json` body, one JSON text each: the body
/// is one JSON value, an array of objects or one object. (A report that is
/// an object but not a valid report is a reject, listed in the answer.)
fn json_reports(text: &str) -> Result<Vec<String>, ApiError> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        ApiError::BadRequest(format!(
            "the body is not one JSON value ({e}); send NDJSON as application/x-ndjson"
        ))
    })?;
    match value {
        Value::Array(items) => {
            if let Some(i) = items.iter().position(|v| !v.is_object()) {
                return Err(ApiError::Unprocessable(format!(
                    "item {i} of the array is not an object (a report)"
                )));
            }
            Ok(items.into_iter().map(|v| v.to_string()).collect())
        }
        object @ Value::Object(_) => Ok(vec![object.to_string()]),
        _ => Err(ApiError::Unprocessable(
            "a JSON body is an array of reports or one report".into(),
        )),
    }
}

/// `GET /api/v1/reports/{id}`: the report as received, its identifiers and
/// its cluster. Intake tokens read only their own team's reports.
#[utoipa::path(
    get, path = "/api/v1/reports/{id}", tag = "reports", operation_id = "get_reports__id_",
    summary = "One report as received, its identifiers and cluster; for analysts and up also its version number and the earlier versions that later writes replaced (oldest first). Intake: own team only. Logged.",
    params(("id" = String, Path, min_length = 1, description = "report id"), wire::Reason),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "ok", body = ReportShown, links(
            ("similar" = (operation_id = "get_reports__id__similar", parameters(("id" = "$response.body#/id")))),
        )),
        (status = 400, response = wire::BadRequest),
        (status = 403, response = wire::Forbidden),
        (status = 404, response = wire::NotFound),
    ),
)]
pub async fn get_report(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ReportShown>, ApiError> {
    if !caller.principal.role.may(Action::ReadAnyReport) {
        caller.require(Action::ReadOwnTeamReport)?;
        let rid = id.clone();
        let team = blocking(&state.engine, move |e| e.report_team(&rid)).await?;
        let own = matches!((&team, &caller.principal.team), (Some(a), Some(b)) if crate::teams::same(a, b));
        if !own {
            log_read(
                &state,
                &caller,
                "read_report",
                json!({"report": id}),
                "denied",
            )
            .await?;
            return Err(ApiError::Forbidden(
                "an intake token reads only its own team's reports".into(),
            ));
        }
    }
    caller.purpose()?;
    let rid = id.clone();
    let stored = blocking(&state.engine, move |e| e.report(&rid)).await?;
    let Some(stored) = stored else {
        log_read(
            &state,
            &caller,
            "read_report",
            json!({"report": id}),
            "not_found",
        )
        .await?;
        return Err(ApiError::NotFound(format!("no report {id}")));
    };
    let cluster = crate::report::ReportId::parse(&id)
        .ok()
        .and_then(|r| state.engine.state().cluster_of(&r).cloned());
    // Analysts and up see the report's history: the versions that later
    // writes replaced, oldest first.
    let (versions_total, versions) = if caller.principal.role.may(Action::ReadAnyReport) {
        let rid = id.clone();
        let (total, v) = blocking(&state.engine, move |e| e.report_versions(&rid)).await?;
        (Some(total), Some(v))
    } else {
        (None, None)
    };
    let mut shown = json!({"report": id, "reports": [id]});
    if let Some(v) = &versions {
        shown["versions"] = json!(v.len());
    }
    log_read(&state, &caller, "read_report", shown, "ok").await?;
    let report: Value = serde_json::from_str(&stored.raw).unwrap_or(Value::String(stored.raw));
    Ok(Json(ReportShown {
        id,
        cluster_id: cluster,
        report,
        identifiers: stored.identifiers,
        version: versions_total.map(|n| n + 1),
        versions_total,
        versions: versions.map(|v| v.into_iter().map(ReportVersionShown::from).collect()),
    }))
}

/// `POST /api/v1/check` (docs/formats.md section 4): nothing is stored. The
/// body is read here; it is parsed, held to the settings' `[limits]` (413
/// naming the field) and checked on the check threads, which a body of
/// more than [`crate::api::SMALL_CHECK_BYTES`] reaches by a lane of its
/// own (503 when too many wait).
#[utoipa::path(
    post, path = "/api/v1/check", tag = "reports", operation_id = "post_check",
    summary = "Does this report belong to a known cluster? It needs a narrative with text, identifiers or a victim_ref. Nothing is stored (docs/formats.md section 4). Roles: all. Logged (the clusters matched).",
    request_body(content((wire::CheckBody = "application/json"))),
    params(wire::Reason),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "ok", body = CheckAnswer),
        (status = 400, response = wire::BadRequest),
        (status = 403, response = wire::Forbidden),
        (status = 413, response = wire::TooLarge),
        (status = 415, response = wire::NotJson),
        (status = 422, response = wire::Unprocessable),
        (status = 503, response = wire::Busy),
    ),
)]
pub async fn check(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<JsonBytes, ApiError>,
) -> Result<Json<CheckAnswer>, ApiError> {
    caller.require(Action::Check)?;
    caller.purpose()?;
    let JsonBytes(body) = body?;
    let (id, answer) = state
        .check(body.len(), move |engine| {
            let req: CheckRequest = parse_json(&body)?;
            engine
                .check_limits(&req)
                .map_err(|e| ApiError::OverLimit(e.to_string()))?;
            let answer = engine.check(&req)?;
            Ok::<_, ApiError>((req.id, answer))
        })
        .await?;
    // The clusters this check matched: their summaries are this token's
    // to read (an intake token reads no other).
    let shown = answer.clusters_shown();
    state
        .matched
        .record(caller.principal.token_id, shown.iter().copied());
    // A check shows the clusters it matches (their size, units, status
    // and team) and those that reports pushed a moment ago join, not
    // their reports.
    let clusters: Vec<&str> = shown.iter().map(|c| c.as_str()).collect();
    log_read(
        &state,
        &caller,
        "check",
        json!({"check": id, "clusters": clusters}),
        "ok",
    )
    .await?;
    Ok(Json(answer))
}

/// Query of `GET /search`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchIn {
    /// query
    #[serde(default)]
    pub q: String,
    /// regional unit
    pub unit: Option<String>,
    /// basisteam
    pub team: Option<String>,
    /// fraud type
    #[serde(rename = "type")]
    pub fraud_type: Option<String>,
    /// filed on or after (2026-12-05, 5-12-2026 or RFC 3339)
    #[param(value_type = Option<wire::Day>, inline)]
    pub from: Option<String>,
    /// filed on or before (2026-12-05, 5-12-2026 or RFC 3339)
    #[param(value_type = Option<wire::Day>, inline)]
    pub to: Option<String>,
    /// cluster id
    pub cluster: Option<String>,
    /// hits per page (default 20; above 1000 reads as 1000; 0 only counts)
    #[serde(default, deserialize_with = "crate::api::whole_count")]
    pub limit: Option<usize>,
    /// skip
    #[serde(default, deserialize_with = "crate::api::whole_count")]
    pub offset: Option<usize>,
    /// relevance (default) or date
    #[param(value_type = Option<wire::SortOrder>, inline)]
    pub sort: Option<String>,
}

/// `GET /api/v1/search`: full-text search with filters; highlighted,
/// escaped snippets.
#[utoipa::path(
    get, path = "/api/v1/search", tag = "search", operation_id = "get_search",
    summary = "Full-text search of the statements (Dutch stemming; tantivy query syntax, whose errors answer 400; identifiers in any written form). Analyst and up. Logged.",
    params(SearchIn, wire::Reason),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "ok", body = SearchPage, links(
            ("report" = (operation_id = "get_reports__id_", parameters(("id" = "$response.body#/hits/0/report_id")))),
            ("similar" = (operation_id = "get_reports__id__similar", parameters(("id" = "$response.body#/hits/0/report_id")))),
        )),
        (status = 400, response = wire::BadRequest),
        (status = 403, response = wire::Forbidden),
        (status = 503, response = wire::Busy),
    ),
)]
pub async fn search(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<SearchIn>, QueryRejection>,
) -> Result<Json<SearchPage>, ApiError> {
    caller.require(Action::Search)?;
    caller.purpose()?;
    let Query(q) = query?;
    // The contract declares `from` and `to` as dates and `sort` as one of
    // two words: an empty one is a mistake to name, not "no filter" as in
    // the UI's blank form fields.
    for (name, value, give) in [
        ("from", &q.from, "a day (2026-12-05)"),
        ("to", &q.to, "a day (2026-12-05)"),
        ("sort", &q.sort, "relevance or date"),
    ] {
        if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
            return Err(ApiError::BadRequest(format!(
                "{name}: empty; give {give} or leave {name} out"
            )));
        }
    }
    let text = crate::engine::SearchText {
        query: &q.q,
        unit: q.unit.as_deref(),
        team: q.team.as_deref(),
        fraud_type: q.fraud_type.as_deref(),
        from: q.from.as_deref(),
        to: q.to.as_deref(),
        cluster: q.cluster.as_deref(),
        sort: q.sort.as_deref(),
    };
    let params =
        crate::engine::SearchParams::parse(text, q.limit.unwrap_or(20), q.offset.unwrap_or(0))
            .map_err(|e| ApiError::BadRequest(format!("{e:#}")))?;
    let page = state
        .heavy(move |engine| Ok(engine.search(&params)))
        .await?
        .map_err(|e| match e {
            crate::index::SearchError::InvalidQuery { message } => ApiError::BadRequest(message),
            crate::index::SearchError::Index(err) => ApiError::Internal(err),
        })?;
    let ids: Vec<&str> = page.hits.iter().map(|h| h.report_id.as_str()).collect();
    log_read(
        &state,
        &caller,
        "search",
        json!({"query": q.q, "reports": ids}),
        "ok",
    )
    .await?;
    Ok(Json(page))
}

/// Query of `GET /reports/{id}/similar`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SimilarIn {
    /// at most (default 10; above 100 reads as 100)
    #[serde(default, deserialize_with = "crate::api::whole_count")]
    pub limit: Option<usize>,
}

/// `GET /api/v1/reports/{id}/similar`: the "similar text" weak link.
#[utoipa::path(
    get, path = "/api/v1/reports/{id}/similar", tag = "search", operation_id = "get_reports__id__similar",
    summary = "Reports whose statements read most alike, outside the report's own cluster. Analyst and up. Logged.",
    params(("id" = String, Path, min_length = 1, description = "report id"), SimilarIn, wire::Reason),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "ok", body = wire::Similar),
        (status = 400, response = wire::BadRequest),
        (status = 403, response = wire::Forbidden),
        (status = 404, response = wire::NotFound),
        (status = 503, response = wire::Busy),
    ),
)]
pub async fn similar(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    query: Result<Query<SimilarIn>, QueryRejection>,
) -> Result<Json<wire::Similar>, ApiError> {
    caller.require(Action::Search)?;
    caller.purpose()?;
    let Query(q) = query?;
    let limit = q.limit.unwrap_or(10).min(100);
    let known =
        crate::report::ReportId::parse(&id).is_ok_and(|r| state.engine.state().row(&r).is_some());
    if !known {
        return Err(ApiError::NotFound(format!("no report {id}")));
    }
    let rid = id.clone();
    let found = state.heavy(move |e| e.similar(&rid, limit)).await?;
    let ids: Vec<&str> = found.iter().map(|s| s.report_id.as_str()).collect();
    log_read(
        &state,
        &caller,
        "similar",
        json!({"report": id, "reports": ids}),
        "ok",
    )
    .await?;
    Ok(Json(wire::Similar {
        report_id: id,
        similar: found,
    }))
}
