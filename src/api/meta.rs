//! Service endpoints: health, statistics, Prometheus metrics, the access
//! log, and the OpenAPI document (built with utoipa from [`ROUTES`]'s
//! descriptions, and tested to list exactly the routes served).

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::{ResponseBuilder, ResponsesBuilder};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, PathsBuilder, Required,
};

use crate::api::{ApiError, AppState, Caller, ROUTES, blocking};
use crate::auth::Action;

/// `GET /api/v1/healthz`: the service answers and the store is readable.
pub async fn healthz(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let reports = state.engine.state().report_count();
    Ok(Json(json!({"status": "ok", "reports": reports})))
}

/// `GET /api/v1/stats`: totals and the flow of cases (no personal data).
pub async fn stats(State(state): State<AppState>, caller: Caller) -> Result<Json<Value>, ApiError> {
    caller.require(Action::ReadClusterSummary)?;
    let snapshot = state.engine.state();
    let clusters = snapshot.clusters();
    let by_status = state.engine.status_counts(&snapshot);
    Ok(Json(json!({
        "reports": snapshot.report_count(),
        "clusters": clusters.len(),
        "linked_clusters": clusters.iter().filter(|c| c.size >= 2).count(),
        "largest_cluster": clusters.iter().map(|c| c.size).max().unwrap_or(0),
        "suppressed_identifiers": snapshot.suppressed().len(),
        "open_suggestions": snapshot.suggestions().len(),
        "clusters_by_status": by_status,
    })))
}

/// `GET /api/v1/metrics`: Prometheus text format.
pub async fn metrics(State(state): State<AppState>) -> Response {
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
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response()
}

/// Query of `GET /audit`.
#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    /// Only this token id.
    pub token: Option<i64>,
    /// Only this action.
    pub action: Option<String>,
    /// Only rows naming this report or cluster id.
    pub target: Option<String>,
    /// At most this many rows (default 100).
    pub limit: Option<usize>,
}

/// `GET /api/v1/audit`: the access log, newest first (admin only; nothing
/// in the API deletes from it).
pub async fn audit(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Action::Administer)?;
    let Query(q) = query?;
    let filter = crate::store::AuditFilter {
        token_id: q.token,
        action: q.action,
        target: q.target,
        since: None,
        limit: q.limit.unwrap_or(100).clamp(1, 10_000),
    };
    let rows = blocking(&state.engine, move |e| e.audit(&filter)).await?;
    Ok(Json(json!({"entries": rows})))
}

/// Any unknown path.
pub async fn not_found() -> ApiError {
    ApiError::NotFound("no such endpoint; see /api/v1/openapi.json".into())
}

/// `GET /api/v1/openapi.json`.
pub async fn openapi_json() -> Json<OpenApi> {
    Json(openapi())
}

/// One parameter: name, where, required, JSON type, description.
type Param = (&'static str, ParameterIn, bool, Type, &'static str);

/// What the document says about each route.
fn describe(method: &str, path: &str) -> (&'static str, &'static str, Vec<Param>, Option<Value>) {
    use ParameterIn::{Path as P, Query as Q};
    let id = ("id", P, true, Type::String, "report or cluster id");
    match (method, path) {
        ("POST", "/api/v1/reports") => (
            "reports",
            "Push reports (NDJSON or a JSON array); each good one is stored before the answer; bad ones are listed with their field and reason. Roles: all.",
            vec![],
            Some(json!({"type": "array", "items": {"type": "object"}})),
        ),
        ("GET", "/api/v1/reports/{id}") => (
            "reports",
            "One report, its identifiers and cluster. Intake: own team only. Logged.",
            vec![id],
            None,
        ),
        ("POST", "/api/v1/check") => (
            "reports",
            "Does this report belong to a known cluster? Nothing is stored (formats.md section 4). Roles: all.",
            vec![],
            Some(
                json!({"type": "object", "properties": {"narrative": {"type": "string"}, "identifiers": {"type": "array", "items": {"type": "object", "properties": {"type": {"type": "string"}, "value": {"type": "string"}, "role": {"type": "string"}, "platform": {"type": "string"}}, "required": ["type", "value"]}}, "victim_ref": {"type": "string"}, "amount_eur": {"type": "number", "minimum": 0}, "filed_at": {"type": "string"}}}),
            ),
        ),
        ("GET", "/api/v1/reports/{id}/similar") => (
            "search",
            "Reports whose statements read most alike, outside the report's own cluster. Analyst and up. Logged.",
            vec![
                id,
                ("limit", Q, false, Type::Integer, "at most (default 10)"),
            ],
            None,
        ),
        ("GET", "/api/v1/search") => (
            "search",
            "Full-text search of the statements (Dutch stemming; tantivy syntax; identifiers in any written form). Analyst and up. Logged.",
            vec![
                ("q", Q, false, Type::String, "query"),
                ("unit", Q, false, Type::String, "regional unit"),
                ("team", Q, false, Type::String, "basisteam"),
                ("type", Q, false, Type::String, "fraud type"),
                (
                    "from",
                    Q,
                    false,
                    Type::String,
                    "filed on or after (YYYY-MM-DD)",
                ),
                (
                    "to",
                    Q,
                    false,
                    Type::String,
                    "filed on or before (YYYY-MM-DD)",
                ),
                ("cluster", Q, false, Type::String, "cluster id"),
                (
                    "limit",
                    Q,
                    false,
                    Type::Integer,
                    "hits per page (default 20, at most 1000)",
                ),
                ("offset", Q, false, Type::Integer, "skip"),
                ("sort", Q, false, Type::String, "relevance or date"),
            ],
            None,
        ),
        ("GET", "/api/v1/clusters") => (
            "clusters",
            "Clusters ranked by priority; format=ndjson exports all (formats.md section 3). Analyst and up. Logged.",
            vec![
                ("unit", Q, false, Type::String, "regional unit"),
                ("team", Q, false, Type::String, "basisteam"),
                ("type", Q, false, Type::String, "fraud type"),
                ("status", Q, false, Type::String, "triage status"),
                (
                    "min_size",
                    Q,
                    false,
                    Type::Integer,
                    "minimum reports (default 2)",
                ),
                (
                    "growth",
                    Q,
                    false,
                    Type::Integer,
                    "minimum reports in the last 14 days",
                ),
                ("offset", Q, false, Type::Integer, "skip"),
                ("limit", Q, false, Type::Integer, "page size (1..1000)"),
                ("format", Q, false, Type::String, "json or ndjson"),
            ],
            None,
        ),
        ("GET", "/api/v1/clusters/{id}") => (
            "clusters",
            "A cluster in detail (a merged id answers with the surviving one). Intake: summary only. Logged.",
            vec![id],
            None,
        ),
        ("GET", "/api/v1/clusters/{id}/graph") => (
            "clusters",
            "Nodes and edges for drawing. Analyst and up. Logged.",
            vec![id],
            None,
        ),
        ("GET", "/api/v1/clusters/{id}/export") => (
            "clusters",
            "A case file: csv, gexf, graphml or ndjson. Analyst and up. Logged.",
            vec![
                id,
                (
                    "format",
                    Q,
                    false,
                    Type::String,
                    "csv, gexf, graphml or ndjson",
                ),
            ],
            None,
        ),
        ("POST", "/api/v1/clusters/{id}/triage") => (
            "triage",
            "Set status, assigned team, append a note. Coordinator and up.",
            vec![id],
            Some(
                json!({"type": "object", "properties": {"status": {"type": "string", "enum": crate::engine::STATUSES}, "assigned_team": {"type": ["string", "null"]}, "note": {"type": "string"}}, "additionalProperties": false}),
            ),
        ),
        ("GET", "/api/v1/suggestions") => (
            "triage",
            "Open weak-link suggestions. Analyst and up.",
            vec![
                ("cluster", Q, false, Type::String, "cluster id"),
                ("limit", Q, false, Type::Integer, "at most"),
            ],
            None,
        ),
        ("POST", "/api/v1/links") => (
            "triage",
            "Confirm or reject a link between reports or identifiers (kind:value). Analyst and up.",
            vec![],
            Some(
                json!({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}, "decision": {"type": "string", "enum": ["confirm", "reject"]}, "reason": {"type": "string"}}, "required": ["a", "b", "decision"], "additionalProperties": false}),
            ),
        ),
        ("GET", "/api/v1/explain") => (
            "clusters",
            "Why two reports are (not) linked: the chain of shared identifiers. Analyst and up. Logged.",
            vec![
                ("a", Q, true, Type::String, "report id"),
                ("b", Q, true, Type::String, "report id"),
            ],
            None,
        ),
        ("GET", "/api/v1/hubs") => (
            "clusters",
            "Identifiers suppressed by the hub guard, with counts and reasons. Analyst and up.",
            vec![],
            None,
        ),
        ("GET", "/api/v1/audit") => (
            "admin",
            "The access log, newest first. Admin.",
            vec![
                ("token", Q, false, Type::Integer, "token id"),
                ("action", Q, false, Type::String, "action"),
                ("target", Q, false, Type::String, "report or cluster id"),
                ("limit", Q, false, Type::Integer, "at most"),
            ],
            None,
        ),
        ("GET", "/api/v1/stats") => (
            "admin",
            "Totals and clusters by status. Roles: all.",
            vec![],
            None,
        ),
        ("GET", "/api/v1/healthz") => ("admin", "Liveness. No token.", vec![], None),
        ("GET", "/api/v1/metrics") => ("admin", "Prometheus metrics. No token.", vec![], None),
        ("GET", "/api/v1/openapi.json") => ("admin", "This document. No token.", vec![], None),
        _ => ("other", "", vec![], None),
    }
}

/// The OpenAPI document of the routes in [`ROUTES`].
pub fn openapi() -> OpenApi {
    let mut paths = PathsBuilder::new();
    for (method, path) in ROUTES {
        let (tag, summary, params, body) = describe(method, path);
        let open = matches!(
            *path,
            "/api/v1/healthz" | "/api/v1/metrics" | "/api/v1/openapi.json"
        );
        let mut op = OperationBuilder::new()
            .tag(tag)
            .summary(Some(summary))
            .operation_id(Some(format!(
                "{}_{}",
                method.to_lowercase(),
                path.trim_start_matches("/api/v1/")
                    .replace(['/', '{', '}', '.'], "_")
            )));
        for (name, place, required, ty, desc) in params {
            op = op.parameter(
                ParameterBuilder::new()
                    .name(name)
                    .parameter_in(place)
                    .required(if required {
                        Required::True
                    } else {
                        Required::False
                    })
                    .description(Some(desc))
                    .schema(Some(ObjectBuilder::new().schema_type(ty))),
            );
        }
        if let Some(schema) = body {
            let schema: utoipa::openapi::RefOr<utoipa::openapi::Schema> =
                serde_json::from_value(schema).unwrap_or_else(|_| ObjectBuilder::new().into());
            let content = ContentBuilder::new().schema(Some(schema)).build();
            let mut rb = RequestBodyBuilder::new()
                .required(Some(Required::True))
                .content("application/json", content.clone());
            if *path == "/api/v1/reports" {
                rb = rb.content("application/x-ndjson", ContentBuilder::new().build());
            }
            op = op.request_body(Some(rb.build()));
        }
        let json_body = || {
            ContentBuilder::new()
                .schema(Some(ObjectBuilder::new().schema_type(Type::Object)))
                .build()
        };
        let mut responses = ResponsesBuilder::new().response(
            "200",
            ResponseBuilder::new()
                .description("ok")
                .content("application/json", json_body()),
        );
        let errors: &[(&str, &str)] = if open {
            &[]
        } else {
            &[
                ("400", "malformed request"),
                ("401", "no or bad token"),
                ("403", "the role does not allow it"),
                ("404", "not found"),
                ("413", "body too large"),
                ("422", "not acceptable"),
            ]
        };
        for (code, desc) in errors {
            responses = responses.response(
                *code,
                ResponseBuilder::new()
                    .description(*desc)
                    .content("application/json", json_body()),
            );
        }
        op = op.responses(responses.build());
        if !open {
            op = op.security(SecurityRequirement::new("bearer", Vec::<String>::new()));
        }
        let m = if *method == "POST" {
            HttpMethod::Post
        } else {
            HttpMethod::Get
        };
        paths = paths.path(*path, PathItem::new(m, op.build()));
    }
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("fraudlink")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some("Links online-fraud reports filed across the Netherlands into national offender clusters."))
                .build(),
        )
        .paths(paths.build())
        .components(Some(
            ComponentsBuilder::new()
                .security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)))
                .build(),
        ))
        .build()
}
