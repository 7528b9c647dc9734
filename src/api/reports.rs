//! Reports: push, read, check.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use serde_json::{Value, json};

use crate::api::{ApiError, AppState, Caller, blocking, log_read};
use crate::auth::Action;
use crate::engine::{CheckAnswer, CheckRequest};

/// `POST /api/v1/reports`: NDJSON, or a JSON array of reports. Each good
/// report is stored before the answer is sent (acknowledged = durable);
/// every bad one is listed with its position, field and reason.
pub async fn push(
    State(state): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    caller.require(Action::SubmitReports)?;
    let text = std::str::from_utf8(&body)
        .map_err(|e| ApiError::BadRequest(format!("the body is not UTF-8: {e}")))?;
    let lines: Vec<String> = if text.trim_start().starts_with('[') {
        let items: Vec<Value> = serde_json::from_str(text)
            .map_err(|e| ApiError::BadRequest(format!("not a JSON array of reports: {e}")))?;
        items.into_iter().map(|v| v.to_string()).collect()
    } else {
        text.lines().map(str::to_owned).collect()
    };
    if lines.iter().all(|l| l.trim().is_empty()) {
        return Err(ApiError::BadRequest("no reports in the body".into()));
    }
    let source = format!("api:{}", caller.principal.name());
    let (summary, rejects) =
        blocking(&state.engine, move |e| e.ingest_lines(&source, &lines)).await?;
    if summary.accepted + summary.updated > 0 {
        state.reindex.notify_one();
    }
    Ok(Json(json!({
        "accepted": summary.accepted,
        "updated": summary.updated,
        "unchanged": summary.unchanged,
        "rejected": summary.rejected,
        "rejects": rejects,
    })))
}

/// `GET /api/v1/reports/{id}`: the report as received, its identifiers and
/// its cluster. Intake tokens read only their own team's reports.
pub async fn get_report(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    if !caller.principal.role.may(Action::ReadAnyReport) {
        caller.require(Action::ReadOwnTeamReport)?;
        let rid = id.clone();
        let team = blocking(&state.engine, move |e| e.report_team(&rid)).await?;
        let own =
            caller.principal.team.is_some() && team.is_some() && team == caller.principal.team;
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
    log_read(&state, &caller, "read_report", json!({"report": id}), "ok").await?;
    let report: Value = serde_json::from_str(&stored.raw).unwrap_or(Value::String(stored.raw));
    Ok(Json(json!({
        "id": id,
        "cluster_id": cluster,
        "report": report,
        "identifiers": stored.identifiers,
    })))
}

/// `POST /api/v1/check` (formats.md section 4): nothing is stored.
pub async fn check(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<CheckRequest>, JsonRejection>,
) -> Result<Json<CheckAnswer>, ApiError> {
    caller.require(Action::Check)?;
    let Json(req) = body?;
    let has_text = req
        .narrative
        .as_deref()
        .is_some_and(|n| !n.trim().is_empty());
    let has_ids = req.identifiers.as_ref().is_some_and(|i| !i.is_empty());
    if !has_text && !has_ids && req.victim_ref.is_none() {
        return Err(ApiError::Unprocessable(
            "a check needs a narrative, identifiers or a victim_ref".into(),
        ));
    }
    Ok(Json(state.engine.check(&req)))
}
