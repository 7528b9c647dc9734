//! Service endpoints: health, statistics, Prometheus metrics, the access
//! log, and the OpenAPI document: derived by utoipa from the handlers'
//! `#[utoipa::path]` attributes and the wire types' schemas ([`ApiDoc`]),
//! and tested to list exactly the routes served ([`crate::api::ROUTES`]).

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use utoipa::openapi::extensions::Extensions;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{OpenApi, Ref, RefOr};
use utoipa::{IntoParams, Modify, OpenApi as _, ToResponse};

use crate::api::wire::{self, AuditLog, Health, Liveness, Stats};
use crate::api::{ApiError, AppState, Caller, blocking};
use crate::auth::Action;

/// `GET /api/v1/healthz`: liveness and readiness only, without a token,
/// so it says nothing about the data (counts are in `stats` and
/// `metrics`).
#[utoipa::path(
    get, path = "/api/v1/healthz", tag = "admin", operation_id = "get_healthz",
    summary = "Liveness: the service answers; and whether its start's work is done (ready). No token, and nothing about the data.",
    responses((status = 200, description = "ok", body = Health)),
)]
pub async fn healthz(State(state): State<AppState>) -> Json<Health> {
    Json(Health {
        status: Liveness::Ok,
        ready: state.engine.ready(),
        clusters: state.engine.has_clusters(),
    })
}

/// `GET /api/v1/stats`: totals and the flow of cases (no personal data).
#[utoipa::path(
    get, path = "/api/v1/stats", tag = "admin", operation_id = "get_stats",
    summary = "Totals and clusters by status (no personal data). Roles: all.",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "ok", body = Stats),
        (status = 403, response = wire::Forbidden),
    ),
)]
pub async fn stats(State(state): State<AppState>, caller: Caller) -> Result<Json<Stats>, ApiError> {
    caller.require(Action::ReadClusterSummary)?;
    let snapshot = state.engine.state();
    let clusters = snapshot.clusters();
    Ok(Json(Stats {
        reports: snapshot.report_count(),
        clusters: clusters.len(),
        linked_clusters: clusters.iter().filter(|c| c.size >= 2).count(),
        largest_cluster: clusters.iter().map(|c| c.size).max().unwrap_or(0),
        suppressed_identifiers: snapshot.suppressed().len(),
        open_suggestions: snapshot.suggestion_count(),
        clusters_by_status: state.engine.status_counts(&snapshot),
    }))
}

/// `GET /api/v1/metrics`: Prometheus text format; a token of any role,
/// unless `server.open_metrics` is set.
#[utoipa::path(
    get, path = "/api/v1/metrics", tag = "admin", operation_id = "get_metrics",
    summary = "Prometheus metrics (text format 0.0.4). A token of any role (none when server.open_metrics is set).",
    security(("bearer" = [])),
    responses((status = 200, description = "ok", content_type = "text/plain", body = String)),
)]
pub async fn metrics(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
) -> Result<Response, ApiError> {
    if !state.engine.settings().server.open_metrics {
        caller?;
    }
    let snapshot = state.engine.state();
    let mut out = String::new();
    out.push_str(
        "# HELP fraudlink_reports Reports in the store.\n# TYPE fraudlink_reports gauge\n",
    );
    out.push_str(&format!("fraudlink_reports {}\n", snapshot.report_count()));
    out.push_str("# HELP fraudlink_clusters Clusters, singletons included.\n# TYPE fraudlink_clusters gauge\n");
    out.push_str(&format!(
        "fraudlink_clusters {}\n",
        snapshot.clusters().len()
    ));
    out.push_str("# HELP fraudlink_refused_tokens_total Wrong or revoked tokens refused, by where.\n# TYPE fraudlink_refused_tokens_total counter\n");
    for (kind, n) in state.refusals.totals() {
        out.push_str(&format!(
            "fraudlink_refused_tokens_total{{kind=\"{kind}\"}} {n}\n"
        ));
    }
    out.push_str("# HELP fraudlink_token_store_reads_total Times the live tokens were read from the store.\n# TYPE fraudlink_token_store_reads_total counter\n");
    out.push_str(&format!(
        "fraudlink_token_store_reads_total {}\n",
        state.tokens.store_reads()
    ));
    out.push_str("# HELP fraudlink_queue_waiting Requests waiting for a worker thread, by kind of work.\n# TYPE fraudlink_queue_waiting gauge\n");
    for (pool, workers) in state.pools() {
        out.push_str(&format!(
            "fraudlink_queue_waiting{{pool=\"{pool}\"}} {}\n",
            workers.waiting()
        ));
    }
    out.push_str("# HELP fraudlink_queue_refused_total Requests refused with 503 because their queue was full.\n# TYPE fraudlink_queue_refused_total counter\n");
    for (pool, workers) in state.pools() {
        out.push_str(&format!(
            "fraudlink_queue_refused_total{{pool=\"{pool}\"}} {}\n",
            workers.refused()
        ));
    }
    out.push_str("# HELP fraudlink_queue_skipped_total Queued requests not run because their client had gone.\n# TYPE fraudlink_queue_skipped_total counter\n");
    for (pool, workers) in state.pools() {
        out.push_str(&format!(
            "fraudlink_queue_skipped_total{{pool=\"{pool}\"}} {}\n",
            workers.skipped()
        ));
    }
    out.push_str("# HELP fraudlink_http_requests_total Requests by route and status.\n# TYPE fraudlink_http_requests_total counter\n");
    let rows = state.metrics.snapshot();
    for (route, status, n, _) in &rows {
        out.push_str(&format!(
            "fraudlink_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}\n"
        ));
    }
    out.push_str("# HELP fraudlink_http_request_seconds_total Time spent answering, by route and status.\n# TYPE fraudlink_http_request_seconds_total counter\n");
    for (route, status, _, secs) in &rows {
        out.push_str(&format!(
            "fraudlink_http_request_seconds_total{{route=\"{route}\",status=\"{status}\"}} {secs:.6}\n"
        ));
    }
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response())
}

/// Query of `GET /audit`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// token id
    #[serde(default, deserialize_with = "crate::api::row_id")]
    #[param(value_type = Option<wire::RowId>, inline)]
    pub token: Option<i64>,
    /// action
    pub action: Option<String>,
    /// report or cluster id
    pub target: Option<String>,
    /// at most (default 100; above 10000 reads as 10000)
    #[serde(default, deserialize_with = "crate::api::whole_count")]
    pub limit: Option<usize>,
}

/// `GET /api/v1/audit`: the access log, newest first (admin only; nothing
/// in the API deletes from it).
#[utoipa::path(
    get, path = "/api/v1/audit", tag = "admin", operation_id = "get_audit",
    summary = "The access log, newest first: who (token, person at the command line, webhook), when, what was shown (report ids, or a snapshot of a long list), why, and the outcome (refusals too). Admin. The read is logged itself.",
    params(AuditQuery, wire::OptionalReason),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "ok", body = AuditLog),
        (status = 400, response = wire::BadRequest),
        (status = 403, response = wire::Forbidden),
    ),
)]
pub async fn audit(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<Json<AuditLog>, ApiError> {
    caller.require(Action::Administer)?;
    let Query(q) = query?;
    let asked = json!({"token": q.token, "action": q.action, "target": q.target});
    let filter = crate::store::AuditFilter {
        token_id: q.token,
        action: q.action,
        target: q.target,
        since: None,
        limit: q.limit.unwrap_or(100).min(10_000),
    };
    let rows = blocking(&state.engine, move |e| e.audit(&filter)).await?;
    // Who reads the log is logged too (it tells who investigates what);
    // it shows no report data, so it needs no purpose.
    let targets = json!({"filter": asked, "entries": rows.len()});
    crate::api::log_read(&state, &caller, "audit", targets, "ok").await?;
    Ok(Json(AuditLog { entries: rows }))
}

/// Any unknown path.
pub async fn not_found() -> ApiError {
    ApiError::NotFound("no such endpoint; see /api/v1/openapi.json".into())
}

/// `GET /api/v1/openapi.json`.
#[utoipa::path(
    get, path = "/api/v1/openapi.json", tag = "admin", operation_id = "get_openapi_json",
    summary = "This document. No token.",
    responses((status = 200, description = "ok", body = wire::OpenApiDocument)),
)]
pub async fn openapi_json() -> Json<OpenApi> {
    Json(openapi())
}

/// The OpenAPI document's source: every handler's `#[utoipa::path]`; the
/// schemas they name are collected with them. [`Finish`] adds what holds
/// for every route.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "fraudlink",
        description = "Links online-fraud reports filed across the Netherlands into national offender clusters. Every refusal answers a JSON body {\"error\", \"detail\"}.",
    ),
    paths(
        super::reports::push,
        super::reports::get_report,
        super::reports::check,
        super::reports::similar,
        super::reports::search,
        super::clusters::list,
        super::clusters::show,
        super::clusters::graph,
        super::clusters::export,
        super::clusters::triage,
        super::clusters::suggestions,
        super::clusters::decide_link,
        super::clusters::explain,
        super::clusters::hubs,
        audit,
        stats,
        healthz,
        metrics,
        openapi_json,
    ),
    components(
        schemas(wire::ErrorBody),
        responses(
            wire::BadRequest,
            wire::Unauthorised,
            wire::Forbidden,
            wire::NotFound,
            wire::TimedOut,
            wire::TooLarge,
            wire::NotJson,
            wire::Unprocessable,
            wire::Busy,
        ),
    ),
    modifiers(&Finish),
)]
pub struct ApiDoc;

/// What holds for every route, added once: the bearer scheme, 401 on every
/// route that takes a token, 408 on every route (the time limit's layer),
/// and links that name their target's `operationId`.
struct Finish;

impl Modify for Finish {
    fn modify(&self, doc: &mut OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        let refer = |name: &str| RefOr::Ref(Ref::from_response_name(name));
        let unauthorised = wire::Unauthorised::response().0;
        let timed_out = wire::TimedOut::response().0;
        for item in doc.paths.paths.values_mut() {
            for op in [&mut item.get, &mut item.post].into_iter().flatten() {
                let responses = &mut op.responses.responses;
                if op.security.is_some() {
                    responses.insert("401".into(), refer(unauthorised));
                }
                responses.insert("408".into(), refer(timed_out));
                for response in responses.values_mut() {
                    let RefOr::T(response) = response else {
                        continue;
                    };
                    for link in response.links.values_mut() {
                        // utoipa 5.5 writes a link's `operationId` as
                        // `operation_id`, which no tool reads; the field
                        // goes in under its right name.
                        if let RefOr::T(link) = link
                            && !link.operation_id.is_empty()
                        {
                            let target = std::mem::take(&mut link.operation_id);
                            link.extensions
                                .get_or_insert_with(Default::default)
                                .merge(Extensions::from_iter([("operationId", target)]));
                        }
                    }
                }
            }
        }
    }
}

/// The OpenAPI document of the routes in [`crate::api::ROUTES`].
pub fn openapi() -> OpenApi {
    ApiDoc::openapi()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ROUTES;
    use serde_json::Value;

    /// The operation id of a route, as each `#[utoipa::path]` writes it:
    /// `get_clusters__id__graph` (schemathesis's settings name them).
    fn operation_id(method: &str, path: &str) -> String {
        format!(
            "{}_{}",
            method.to_lowercase(),
            path.trim_start_matches("/api/v1/")
                .replace(['/', '{', '}', '.'], "_")
        )
    }

    fn doc() -> Value {
        serde_json::to_value(openapi()).unwrap()
    }

    /// Each operation by `(METHOD, path)`.
    fn operations(doc: &Value) -> Vec<(String, String, Value)> {
        let mut out = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                out.push((method.to_uppercase(), path.clone(), op.clone()));
            }
        }
        out
    }

    #[test]
    fn every_operation_is_named_after_its_route() {
        for (method, path, op) in operations(&doc()) {
            assert_eq!(op["operationId"], json!(operation_id(&method, &path)));
        }
    }

    #[test]
    fn links_name_their_target_operation() {
        let doc = doc();
        let ids: Vec<String> = ROUTES.iter().map(|(m, p)| operation_id(m, p)).collect();
        let links = &doc["paths"]["/api/v1/clusters"]["get"]["responses"]["200"]["links"];
        assert_eq!(links["graph"]["operationId"], "get_clusters__id__graph");
        for (_, _, op) in operations(&doc) {
            for (_, link) in op["responses"]["200"]["links"]
                .as_object()
                .into_iter()
                .flatten()
            {
                assert!(link.get("operation_id").is_none(), "{link}");
                let target = link["operationId"].as_str().unwrap();
                assert!(ids.iter().any(|i| i == target), "{target}");
            }
        }
    }

    #[test]
    fn every_refusal_is_documented_with_the_error_body() {
        let doc = doc();
        for (name, response) in doc["components"]["responses"].as_object().unwrap() {
            assert_eq!(
                response["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/Error",
                "{name}"
            );
        }
        for (method, path, op) in operations(&doc) {
            let open = matches!(path.as_str(), "/api/v1/healthz" | "/api/v1/openapi.json");
            let responses = op["responses"].as_object().unwrap();
            assert!(responses.contains_key("408"), "{method} {path}");
            assert_eq!(responses.contains_key("401"), !open, "{method} {path}");
            assert_eq!(op.get("security").is_some(), !open, "{method} {path}");
        }
        let error = &doc["components"]["schemas"]["Error"];
        assert_eq!(error["required"], json!(["error", "detail"]));
    }

    #[test]
    fn the_graph_kinds_pattern_lists_every_kind() {
        let one = crate::ident::Kind::ALL
            .iter()
            .map(|k| k.as_str())
            .collect::<Vec<_>>()
            .join("|");
        let doc = doc();
        let kinds = &doc["paths"]["/api/v1/clusters/{id}/graph"]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "kinds")
            .unwrap()["schema"]["pattern"];
        assert_eq!(kinds, &json!(format!("^({one})?(,({one})?)*$")));
    }
}
