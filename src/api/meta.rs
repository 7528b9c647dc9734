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
use utoipa::openapi::extensions::Extensions;
use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::{ResponseBuilder, ResponsesBuilder};
use utoipa::openapi::schema::{ObjectBuilder, Schema};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, PathsBuilder, Ref,
    RefOr, Required,
};

use crate::api::{ApiError, AppState, Caller, ROUTES, blocking};
use crate::auth::Action;

/// `GET /api/v1/healthz`: liveness only, without a token, so it says
/// nothing about the data (counts are in `stats` and `metrics`).
pub async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
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
        "open_suggestions": snapshot.suggestion_count(),
        "clusters_by_status": by_status,
    })))
}

/// `GET /api/v1/metrics`: Prometheus text format; a token of any role,
/// unless `server.open_metrics` is set.
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
#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    /// Only this token id.
    #[serde(default, deserialize_with = "crate::api::row_id")]
    pub token: Option<i64>,
    /// Only this action.
    pub action: Option<String>,
    /// Only rows naming this report or cluster id.
    pub target: Option<String>,
    /// At most this many rows (default 100, at most 10,000).
    #[serde(default, deserialize_with = "crate::api::whole_count")]
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

/// One parameter: name, where, required, JSON Schema, description.
type Param = (&'static str, ParameterIn, bool, Value, &'static str);

/// What the document says about one route.
struct Op {
    tag: &'static str,
    summary: &'static str,
    params: Vec<Param>,
    /// Request bodies by media type.
    body: Vec<(&'static str, Value)>,
    /// The 200 answer's schema by media type.
    ok: Vec<(&'static str, Value)>,
    /// Other answers the route gives, besides 401 (every route with a
    /// token) and 408 (every route).
    errors: &'static [&'static str],
    /// OpenAPI links from the 200 answer: (name, operation id, the
    /// target's parameters as (name, runtime expression)).
    links: Vec<Link>,
}

/// A link: name, target operation id, (parameter, runtime expression)s.
type Link = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

/// The `id` path parameter.
fn id_param(what: &'static str) -> Param {
    (
        "id",
        ParameterIn::Path,
        true,
        json!({"type": "string", "minLength": 1}),
        what,
    )
}

/// An optional query parameter.
fn query(name: &'static str, schema: Value, desc: &'static str) -> Param {
    (name, ParameterIn::Query, false, schema, desc)
}

/// The purpose header that every read of report data requires.
fn reason() -> Param {
    (
        "X-Fraudlink-Reason",
        ParameterIn::Header,
        true,
        json!({"type": "string", "minLength": 1, "pattern": "\\S"}),
        "why you read: required for every read of report data, whatever the role (400 when missing or blank); UTF-8, the first 500 characters are kept in the access log",
    )
}

/// The purpose header where it is optional (reads that show no report
/// data but are logged).
fn optional_reason() -> Param {
    (
        "X-Fraudlink-Reason",
        ParameterIn::Header,
        false,
        json!({"type": "string"}),
        "why you read (optional here; UTF-8, the first 500 characters are kept in the access log)",
    )
}

/// A count, limit or offset in the query string: a whole number of at
/// least 0 (one too large for the server reads as the largest).
fn count() -> Value {
    json!({"type": "integer", "minimum": 0})
}

/// A string or `null`.
fn nullable(schema: Value) -> Value {
    json!({"anyOf": [schema, {"type": "null"}]})
}

fn obj(required: &[&str], properties: Value) -> Value {
    json!({"type": "object", "required": required, "properties": properties})
}

fn array(items: Value) -> Value {
    json!({"type": "array", "items": items})
}

fn string() -> Value {
    json!({"type": "string"})
}

/// Kinds of identifier in lower case, separated by commas (`iban,phone`).
fn kind_list() -> Value {
    let one = crate::ident::Kind::ALL
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join("|");
    json!({"type": "string", "pattern": format!("^({one})?(,({one})?)*$")})
}

/// A day as the API reads it: a date (2026-12-05) or an RFC 3339
/// date-time; an empty value is not one.
fn day() -> Value {
    json!({"anyOf": [
        {"type": "string", "format": "date"},
        {"type": "string", "format": "date-time"},
    ]})
}

fn int() -> Value {
    json!({"type": "integer", "minimum": 0})
}

/// Any JSON value (utoipa reads no schema without a `type`).
fn any() -> Value {
    json!({"type": ["object", "array", "string", "number", "boolean", "null"]})
}

fn number() -> Value {
    json!({"type": "number"})
}

/// An identifier as `{type, value}` (and how many reports name it).
fn ident_count() -> Value {
    obj(
        &["type", "value", "reports"],
        json!({"type": string(), "value": string(), "reports": int()}),
    )
}

/// A cluster as listed and exported (docs/formats.md section 3).
fn cluster_view() -> Value {
    obj(
        &[
            "cluster_id",
            "report_ids",
            "size",
            "units",
            "teams",
            "identifiers",
            "amount_eur_total",
            "first_filed_at",
            "last_filed_at",
            "score",
            "score_parts",
            "fraud_types",
            "status",
            "assigned_team",
        ],
        json!({
            "cluster_id": string(),
            "report_ids": array(string()),
            "size": int(),
            "units": array(string()),
            "teams": array(string()),
            "identifiers": array(ident_count()),
            "amount_eur_total": number(),
            "first_filed_at": string(),
            "last_filed_at": string(),
            "score": number(),
            "score_parts": {"type": "object"},
            "fraud_types": array(string()),
            "status": {"type": "string", "enum": crate::engine::STATUSES},
            "assigned_team": nullable(string()),
        }),
    )
}

/// An identifier as extracted from a report or a check.
fn extracted() -> Value {
    obj(
        &["type", "value", "source", "role", "valid", "benign"],
        json!({
            "type": string(), "value": string(), "raw": string(), "source": string(),
            "role": string(), "valid": {"type": "boolean"}, "benign": nullable(string()),
            "suppressed": string(),
            "span": array(int()),
            "note": string(),
        }),
    )
}

/// A weak-link suggestion.
fn suggestion() -> Value {
    let key = obj(
        &["type", "value"],
        json!({"type": string(), "value": string()}),
    );
    obj(
        &[
            "a",
            "b",
            "basis",
            "score",
            "why",
            "a_reports",
            "b_reports",
            "a_clusters",
            "b_clusters",
        ],
        json!({
            "a": key, "b": key, "basis": string(), "score": number(), "why": string(),
            "a_reports": array(string()), "b_reports": array(string()),
            "a_clusters": array(string()), "b_clusters": array(string()),
        }),
    )
}

/// A cluster event (created, grew, merged, split, ...).
fn event() -> Value {
    obj(&["event"], json!({"event": string()}))
}

/// The body of a check in which `required` is there, as `schema`.
fn check_body(required: &str, schema: Value) -> Value {
    let identifier = obj(
        &["type", "value"],
        json!({
            "type": string(), "value": string(),
            "role": nullable(string()), "platform": nullable(string()),
        }),
    );
    let mut properties = json!({
        "narrative": nullable(string()),
        "identifiers": nullable(array(identifier)),
        "victim_ref": nullable(string()),
        "amount_eur": nullable(json!({"type": "number", "minimum": 0})),
        "filed_at": nullable(json!({"type": "string", "format": "date-time"})),
        "id": nullable(string()),
        "unit": nullable(string()),
        "team": nullable(string()),
    });
    properties[required] = schema;
    obj(&[required], properties)
}

/// What the document says about each route.
fn describe(method: &str, path: &str) -> Op {
    use ParameterIn::Query as Q;
    let op = |tag, summary, params, ok: Value, errors| Op {
        tag,
        summary,
        params,
        body: vec![],
        ok: vec![("application/json", ok)],
        errors,
        links: vec![],
    };
    const FIRST_CLUSTER: &[(&str, &str)] = &[("id", "$response.body#/clusters/0/cluster_id")];
    let cluster_links: Vec<Link> = vec![
        ("cluster", "get_clusters__id_", FIRST_CLUSTER),
        ("graph", "get_clusters__id__graph", FIRST_CLUSTER),
        ("export", "get_clusters__id__export", FIRST_CLUSTER),
        ("triage", "post_clusters__id__triage", FIRST_CLUSTER),
        (
            "report",
            "get_reports__id_",
            &[("id", "$response.body#/clusters/0/report_ids/0")],
        ),
        (
            "explain",
            "get_explain",
            &[
                ("a", "$response.body#/clusters/0/report_ids/0"),
                ("b", "$response.body#/clusters/0/report_ids/1"),
            ],
        ),
    ];
    match (method, path) {
        ("POST", "/api/v1/reports") => Op {
            body: vec![
                (
                    "application/json",
                    json!({"anyOf": [
                        {"type": "array", "minItems": 1, "items": {"type": "object"}},
                        {"type": "object"},
                    ]}),
                ),
                (
                    "application/x-ndjson",
                    json!({"type": "string", "pattern": "\\S"}),
                ),
            ],
            ..op(
                "reports",
                "Push reports: NDJSON (application/x-ndjson, one report object a line), or as application/json an array of report objects or one report object (docs/formats.md section 1). Each good one is stored before the answer; bad ones are listed with their line, field and reason. A changed report keeps its earlier version as history; the same content again changes nothing. Roles: all; an intake token writes only its own team's reports (a report naming another team, or whose id is stored for another team, refuses the whole push with 403, nothing stored).",
                vec![],
                obj(
                    &["accepted", "updated", "unchanged", "rejected", "rejects"],
                    json!({
                        "accepted": int(), "updated": int(), "unchanged": int(), "rejected": int(),
                        "rejects": array(obj(&["line", "id", "field", "error", "raw"], json!({
                            "line": int(), "id": nullable(string()), "field": string(),
                            "error": string(), "raw": string(),
                        }))),
                    }),
                ),
                &["400", "403", "413", "422"],
            )
        },
        ("GET", "/api/v1/reports/{id}") => Op {
            links: vec![(
                "similar",
                "get_reports__id__similar",
                &[("id", "$response.body#/id")],
            )],
            ..op(
                "reports",
                "One report as received, its identifiers and cluster; for analysts and up also its version number and the earlier versions that later writes replaced (oldest first). Intake: own team only. Logged.",
                vec![id_param("report id"), reason()],
                obj(
                    &["id", "cluster_id", "report", "identifiers"],
                    json!({
                        "id": string(), "cluster_id": nullable(string()), "report": any(),
                        "identifiers": array(extracted()),
                        "version": {"type": "integer", "minimum": 1},
                        "versions": array(obj(
                            &["version", "written_at", "replaced_at", "source", "report"],
                            json!({
                                "version": {"type": "integer", "minimum": 1},
                                "written_at": string(), "replaced_at": string(),
                                "source": string(), "report": any(),
                            }),
                        )),
                    }),
                ),
                &["400", "403", "404"],
            )
        },
        ("POST", "/api/v1/check") => {
            let identifier = obj(
                &["type", "value"],
                json!({
                    "type": string(), "value": string(),
                    "role": nullable(string()), "platform": nullable(string()),
                }),
            );
            Op {
                body: vec![(
                    "application/json",
                    // Every field may be left out, but something must be
                    // there to check: one of the three, each in full.
                    json!({"anyOf": [
                        check_body("narrative", json!({"type": "string", "pattern": "\\S"})),
                        check_body("identifiers", json!({"type": "array", "minItems": 1, "items": identifier})),
                        check_body("victim_ref", string()),
                    ]}),
                )],
                ..op(
                    "reports",
                    "Does this report belong to a known cluster? It needs a narrative with text, identifiers or a victim_ref. Nothing is stored (docs/formats.md section 4). Roles: all. Logged (the clusters matched).",
                    vec![reason()],
                    obj(
                        &["identifiers", "matches"],
                        json!({
                            "identifiers": array(extracted()),
                            "matches": array(obj(
                                &["cluster_id", "size", "units", "matched_on", "status", "assigned_team", "score"],
                                json!({
                                    "cluster_id": string(), "size": int(), "units": int(),
                                    "matched_on": array(ident_count()),
                                    "status": string(), "assigned_team": nullable(string()),
                                    "score": number(),
                                }),
                            )),
                            "unreadable": array(obj(
                                &["index", "field", "reason"],
                                json!({"index": int(), "field": string(), "reason": string()}),
                            )),
                        }),
                    ),
                    &["400", "403", "413", "415", "422"],
                )
            }
        }
        ("GET", "/api/v1/reports/{id}/similar") => op(
            "search",
            "Reports whose statements read most alike, outside the report's own cluster. Analyst and up. Logged.",
            vec![
                id_param("report id"),
                query(
                    "limit",
                    count(),
                    "at most (default 10; above 100 reads as 100)",
                ),
                reason(),
            ],
            obj(
                &["report_id", "similar"],
                json!({
                    "report_id": string(),
                    "similar": array(obj(&["report_id", "cluster_id", "score"], json!({
                        "report_id": string(), "cluster_id": nullable(string()), "score": number(),
                    }))),
                }),
            ),
            &["400", "403", "404"],
        ),
        ("GET", "/api/v1/search") => Op {
            links: vec![
                (
                    "report",
                    "get_reports__id_",
                    &[("id", "$response.body#/hits/0/report_id")],
                ),
                (
                    "similar",
                    "get_reports__id__similar",
                    &[("id", "$response.body#/hits/0/report_id")],
                ),
            ],
            ..op(
                "search",
                "Full-text search of the statements (Dutch stemming; tantivy query syntax, whose errors answer 400; identifiers in any written form). Analyst and up. Logged.",
                vec![
                    query("q", string(), "query"),
                    query("unit", string(), "regional unit"),
                    query("team", string(), "basisteam"),
                    query("type", string(), "fraud type"),
                    query(
                        "from",
                        day(),
                        "filed on or after (2026-12-05, 5-12-2026 or RFC 3339)",
                    ),
                    query(
                        "to",
                        day(),
                        "filed on or before (2026-12-05, 5-12-2026 or RFC 3339)",
                    ),
                    query("cluster", string(), "cluster id"),
                    query(
                        "limit",
                        count(),
                        "hits per page (default 20; above 1000 reads as 1000; 0 only counts)",
                    ),
                    query("offset", count(), "skip"),
                    query(
                        "sort",
                        json!({"type": "string", "enum": ["relevance", "date"]}),
                        "relevance (default) or date",
                    ),
                    reason(),
                ],
                obj(
                    &["total", "hits"],
                    json!({
                        "total": int(),
                        "hits": array(obj(&["report_id", "cluster_id", "score", "filed_at", "snippet_html"], json!({
                            "report_id": string(), "cluster_id": nullable(string()), "score": number(),
                            "filed_at": string(), "snippet_html": string(),
                        }))),
                    }),
                ),
                &["400", "403"],
            )
        },
        ("GET", "/api/v1/clusters") => Op {
            ok: vec![
                (
                    "application/json",
                    obj(
                        &["total", "offset", "limit", "clusters"],
                        json!({"total": int(), "offset": int(), "limit": int(), "clusters": array(cluster_view())}),
                    ),
                ),
                ("application/x-ndjson", string()),
            ],
            links: cluster_links,
            ..op(
                "clusters",
                "Clusters ranked by priority; format=ndjson exports all, singletons included (docs/formats.md section 3). Analyst and up. Logged.",
                vec![
                    query("unit", string(), "regional unit"),
                    query("team", string(), "basisteam"),
                    query("type", string(), "fraud type"),
                    query("status", string(), "triage status"),
                    query("min_size", count(), "minimum reports (default 2)"),
                    query("growth", count(), "minimum reports in the last 14 days"),
                    query("offset", count(), "skip"),
                    query(
                        "limit",
                        count(),
                        "page size (default 50; above 1000 reads as 1000; 0 only counts)",
                    ),
                    query(
                        "format",
                        json!({"type": "string", "enum": ["json", "ndjson"]}),
                        "json (default) or ndjson",
                    ),
                    reason(),
                ],
                Value::Null,
                &["400", "403"],
            )
        },
        ("GET", "/api/v1/clusters/{id}") => op(
            "clusters",
            "A cluster in detail (a merged id answers with the surviving one). Intake: the summary only. Logged.",
            vec![id_param("cluster id (or an old, merged one)"), reason()],
            json!({"anyOf": [
                obj(
                    &["requested", "cluster", "notes", "identifiers", "timeline", "suggestions", "events"],
                    json!({
                        "requested": string(), "cluster": cluster_view(), "notes": string(),
                        "identifiers": array(obj(&["type", "value", "reports", "reports_total", "state"], json!({
                            "type": string(), "value": string(), "reports": int(), "reports_total": int(), "state": any(),
                        }))),
                        "timeline": {"type": "object", "additionalProperties": int()},
                        "suggestions": array(suggestion()),
                        "events": array(obj(&["at", "kind", "cause", "detail"], json!({
                            "at": string(), "kind": string(), "cause": string(), "detail": any(),
                        }))),
                    }),
                ),
                obj(
                    &["cluster_id", "requested", "size", "units", "status", "assigned_team", "score"],
                    json!({
                        "cluster_id": string(), "requested": string(), "size": int(), "units": int(),
                        "status": string(), "assigned_team": nullable(string()), "score": number(),
                    }),
                ),
            ]}),
            &["400", "403", "404"],
        ),
        ("GET", "/api/v1/clusters/{id}/graph") => {
            let edge = obj(
                &["source", "target"],
                json!({"source": string(), "target": string()}),
            );
            op(
                "clusters",
                "Nodes (reports and identifiers) and edges for drawing; with view=identifiers the identifier-centred view: linking identifiers as nodes with their reports counted (reports, units, first and last filing), edges between identifiers named together (reports: how many), confirmed links, and the counts of what is not drawn. Analyst and up. Logged.",
                vec![
                    id_param("cluster id"),
                    query(
                        "view",
                        json!({"type": "string", "enum": ["reports", "identifiers"]}),
                        "reports (default) or identifiers",
                    ),
                    query(
                        "kinds",
                        kind_list(),
                        "identifier view: only these kinds, comma-separated",
                    ),
                    query(
                        "from",
                        day(),
                        "identifier view: reports filed from this day",
                    ),
                    query("to", day(), "identifier view: reports filed to this day"),
                    query(
                        "non_linking",
                        json!({"type": "boolean"}),
                        "identifier view: benign and suppressed identifiers too (without edges)",
                    ),
                    reason(),
                ],
                obj(
                    &["cluster_id", "nodes", "edges"],
                    json!({
                        "cluster_id": string(),
                        "view": string(),
                        "nodes": array(obj(&["id", "kind", "label"], json!({"id": string(), "kind": string(), "label": string()}))),
                        "edges": array(edge),
                        "suggested": array(obj(&["source", "target", "score", "why"], json!({
                            "source": string(), "target": string(), "score": number(), "why": string(),
                        }))),
                        "confirmed": array(obj(&["source", "target", "basis"], json!({
                            "source": string(), "target": string(), "basis": string(),
                        }))),
                    }),
                ),
                &["400", "403", "404"],
            )
        }
        ("GET", "/api/v1/clusters/{id}/export") => Op {
            ok: vec![
                ("text/csv", string()),
                ("application/gexf+xml", string()),
                ("application/graphml+xml", string()),
                ("application/x-ndjson", string()),
            ],
            ..op(
                "clusters",
                "A case file: csv (default), gexf, graphml or ndjson. Analyst and up. Logged.",
                vec![
                    id_param("cluster id"),
                    query(
                        "format",
                        json!({"type": "string", "enum": ["csv", "gexf", "graphml", "ndjson"]}),
                        "csv, gexf, graphml or ndjson",
                    ),
                    reason(),
                ],
                Value::Null,
                &["400", "403", "404"],
            )
        },
        ("POST", "/api/v1/clusters/{id}/triage") => Op {
            body: vec![(
                "application/json",
                json!({
                    "type": "object",
                    "properties": {
                        "status": {"type": "string", "enum": crate::engine::STATUSES},
                        "assigned_team": nullable(string()),
                        "note": string(),
                    },
                    "minProperties": 1,
                    "additionalProperties": false,
                }),
            )],
            ..op(
                "triage",
                "Set the status, assign a team (null unassigns), append a note. Coordinator and up. The team must be one of the settings' list (config/teams.toml) or one that reports were filed by, in any case or spacing; an empty or unknown team answers 422 naming the nearest known one.",
                vec![id_param("cluster id")],
                obj(
                    &["cluster_id", "status", "assigned_team", "notes"],
                    json!({
                        "cluster_id": string(),
                        "status": {"type": "string", "enum": crate::engine::STATUSES},
                        "assigned_team": nullable(string()), "notes": string(),
                    }),
                ),
                &["400", "403", "404", "413", "415", "422"],
            )
        },
        ("GET", "/api/v1/suggestions") => op(
            "triage",
            "Open weak-link suggestions, strongest first. Analyst and up. Logged.",
            vec![
                query("cluster", string(), "only those touching this cluster"),
                query(
                    "limit",
                    count(),
                    "at most (default 100; above 1000 reads as 1000)",
                ),
                reason(),
            ],
            obj(
                &["suggestions"],
                json!({"suggestions": array(suggestion())}),
            ),
            &["400", "403", "404"],
        ),
        ("POST", "/api/v1/links") => Op {
            body: vec![(
                "application/json",
                json!({
                    "type": "object",
                    "properties": {
                        "a": {"type": "string", "minLength": 1},
                        "b": {"type": "string", "minLength": 1},
                        "decision": {"type": "string", "enum": ["confirm", "reject", "undo"]},
                        "reason": string(),
                    },
                    "required": ["a", "b", "decision"],
                    "additionalProperties": false,
                }),
            )],
            ..op(
                "triage",
                "Confirm or reject a link between two reports or identifiers (kind:value, e.g. iban:NL42INGB0006123456), or undo the decision in force on it (`undo`: the clusters form again as if it was never decided, and the answer's `undone` names the decision taken back; 404 when there is none); an endpoint that is neither a report id nor a readable identifier answers 422. Analyst and up.",
                vec![],
                obj(
                    &["events"],
                    json!({
                        "events": array(event()),
                        "undone": {"type": "string", "enum": ["confirmed", "rejected"]},
                    }),
                ),
                &["400", "403", "404", "413", "415", "422"],
            )
        },
        ("GET", "/api/v1/explain") => op(
            "clusters",
            "Why two reports are (not) linked: the chain of shared identifiers, or what blocks it. Analyst and up. Logged.",
            vec![
                ("a", Q, true, string(), "report id"),
                ("b", Q, true, string(), "report id"),
                reason(),
            ],
            obj(
                &["a", "b", "cluster_a", "cluster_b", "explanation"],
                json!({
                    "a": string(), "b": string(),
                    "cluster_a": nullable(string()), "cluster_b": nullable(string()),
                    "explanation": obj(&["result"], json!({"result": {"type": "string", "enum": ["linked", "blocked", "not_linked"]}})),
                }),
            ),
            &["400", "403", "404"],
        ),
        ("GET", "/api/v1/hubs") => op(
            "clusters",
            "Identifiers suppressed by the hub guard, with counts and reasons. Analyst and up. Logged.",
            vec![reason()],
            obj(
                &["suppressed"],
                json!({"suppressed": array(obj(&["type", "value", "reports", "reason"], json!({
                    "type": string(), "value": string(), "reports": int(), "reason": string(),
                })))}),
            ),
            &["400", "403"],
        ),
        ("GET", "/api/v1/audit") => op(
            "admin",
            "The access log, newest first: who (token, person at the command line, webhook), when, what was shown (report ids, or a snapshot of a long list), why, and the outcome (refusals too). Admin. The read is logged itself.",
            vec![
                query("token", json!({"type": "integer"}), "token id"),
                query("action", string(), "action"),
                query("target", string(), "report or cluster id"),
                query(
                    "limit",
                    count(),
                    "at most (default 100; above 10000 reads as 10000)",
                ),
                optional_reason(),
            ],
            obj(
                &["entries"],
                json!({"entries": array(obj(
                    &["id", "at", "token_id", "role", "team", "action", "targets", "reason", "outcome", "actor"],
                    json!({
                        "id": {"type": "integer"}, "at": {"type": "integer"},
                        "token_id": nullable(json!({"type": "integer"})), "role": string(),
                        "team": nullable(string()), "action": string(), "targets": any(),
                        "reason": nullable(string()), "outcome": string(),
                        "actor": nullable(string()),
                    }),
                ))}),
            ),
            &["400", "403"],
        ),
        ("GET", "/api/v1/stats") => op(
            "admin",
            "Totals and clusters by status (no personal data). Roles: all.",
            vec![],
            obj(
                &[
                    "reports",
                    "clusters",
                    "linked_clusters",
                    "largest_cluster",
                    "suppressed_identifiers",
                    "open_suggestions",
                    "clusters_by_status",
                ],
                json!({
                    "reports": int(), "clusters": int(), "linked_clusters": int(),
                    "largest_cluster": int(), "suppressed_identifiers": int(),
                    "open_suggestions": int(),
                    "clusters_by_status": {"type": "object", "additionalProperties": int()},
                }),
            ),
            &["403"],
        ),
        ("GET", "/api/v1/healthz") => op(
            "admin",
            "Liveness: the service answers. No token, and nothing about the data.",
            vec![],
            obj(
                &["status"],
                json!({"status": {"type": "string", "enum": ["ok"]}}),
            ),
            &[],
        ),
        ("GET", "/api/v1/metrics") => Op {
            ok: vec![("text/plain", string())],
            ..op(
                "admin",
                "Prometheus metrics (text format 0.0.4). A token of any role (none when server.open_metrics is set).",
                vec![],
                Value::Null,
                &[],
            )
        },
        ("GET", "/api/v1/openapi.json") => op(
            "admin",
            "This document. No token.",
            vec![],
            obj(
                &["openapi", "info", "paths"],
                json!({"openapi": string(), "info": {"type": "object"}, "paths": {"type": "object"}}),
            ),
            &[],
        ),
        _ => op("other", "", vec![], any(), &[]),
    }
}

/// The routes whose work waits for worker threads: refused with 503 and
/// `Retry-After` when too many wait already.
const QUEUED: &[(&str, &str)] = &[
    ("POST", "/api/v1/reports"),
    ("POST", "/api/v1/check"),
    ("GET", "/api/v1/reports/{id}/similar"),
    ("GET", "/api/v1/search"),
    ("GET", "/api/v1/clusters"),
    ("GET", "/api/v1/clusters/{id}"),
    ("GET", "/api/v1/clusters/{id}/graph"),
    ("GET", "/api/v1/clusters/{id}/export"),
];

/// What each error status means.
fn error_description(code: &str) -> &'static str {
    match code {
        "400" => "malformed request: query, path or body",
        "401" => "no token, or not a valid one",
        "403" => "the role does not allow it",
        "404" => "no such report, cluster or endpoint",
        "408" => "the request was not sent or answered within the time limit",
        "413" => "the body, or a field of it (named in the detail), exceeds its limit",
        "415" => "the body is not sent as application/json",
        "422" => "well-formed but not acceptable",
        "503" => {
            "too many requests wait for this kind of work; try again after Retry-After seconds"
        }
        _ => "refused",
    }
}

fn schema(v: Value) -> RefOr<Schema> {
    // The schemas above are literals; a mistake in one is caught by the
    // test that checks the document against the server.
    serde_json::from_value(v).unwrap_or_else(|_| ObjectBuilder::new().into())
}

/// The operation id of a route: `get_clusters__id__graph`.
pub fn operation_id(method: &str, path: &str) -> String {
    format!(
        "{}_{}",
        method.to_lowercase(),
        path.trim_start_matches("/api/v1/")
            .replace(['/', '{', '}', '.'], "_")
    )
}

/// The OpenAPI document of the routes in [`ROUTES`].
pub fn openapi() -> OpenApi {
    let mut paths = PathsBuilder::new();
    for (method, path) in ROUTES {
        let d = describe(method, path);
        let open = matches!(*path, "/api/v1/healthz" | "/api/v1/openapi.json");
        let mut op = OperationBuilder::new()
            .tag(d.tag)
            .summary(Some(d.summary))
            .operation_id(Some(operation_id(method, path)));
        for (name, place, required, s, desc) in d.params {
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
                    .schema(Some(schema(s))),
            );
        }
        if !d.body.is_empty() {
            let mut rb = RequestBodyBuilder::new().required(Some(Required::True));
            for (media, s) in d.body {
                rb = rb.content(media, ContentBuilder::new().schema(Some(schema(s))).build());
            }
            op = op.request_body(Some(rb.build()));
        }
        let mut ok = ResponseBuilder::new().description("ok");
        for (media, s) in d.ok {
            ok = ok.content(media, ContentBuilder::new().schema(Some(schema(s))).build());
        }
        for (name, target, params) in d.links {
            // utoipa 5.5 writes a link's `operationId` as `operation_id`,
            // which no tool reads; the field goes in under its right name.
            let right_name = Extensions::from_iter([("operationId", target)]);
            ok = ok.link(
                name,
                params
                    .iter()
                    .fold(LinkBuilder::new(), |l, (p, expr)| l.parameter(*p, *expr))
                    .extensions(Some(right_name))
                    .build(),
            );
        }
        let mut responses = ResponsesBuilder::new().response("200", ok);
        let mut codes: Vec<&str> = d.errors.to_vec();
        if !open {
            codes.push("401");
        }
        codes.push("408");
        if QUEUED.contains(&(*method, *path)) {
            codes.push("503");
        }
        codes.sort_unstable();
        for code in codes {
            responses = responses.response(
                code,
                ResponseBuilder::new()
                    .description(error_description(code))
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(RefOr::Ref(Ref::from_schema_name("Error"))))
                            .build(),
                    ),
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
                .description(Some("Links online-fraud reports filed across the Netherlands into national offender clusters. Every refusal answers a JSON body {\"error\", \"detail\"}."))
                .build(),
        )
        .paths(paths.build())
        .components(Some(
            ComponentsBuilder::new()
                .schema(
                    "Error",
                    schema(obj(&["error", "detail"], json!({"error": string(), "detail": any()}))),
                )
                .security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)))
                .build(),
        ))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every key of `want` is in `got` with the same value (`got` may add
    /// `"type": "object"`, which utoipa writes for schemas without a type).
    fn kept(want: &Value, got: &Value, at: &str) -> Result<(), String> {
        match (want, got) {
            (Value::Object(w), Value::Object(g)) => {
                for (k, wv) in w {
                    let gv = g.get(k).ok_or(format!("{at}/{k} was dropped"))?;
                    kept(wv, gv, &format!("{at}/{k}"))?;
                }
                Ok(())
            }
            (Value::Array(w), Value::Array(g)) if w.len() == g.len() => w
                .iter()
                .zip(g)
                .enumerate()
                .try_for_each(|(i, (wv, gv))| kept(wv, gv, &format!("{at}/{i}"))),
            (w, g) if w == g => Ok(()),
            (w, g) => Err(format!("{at}: {w} became {g}")),
        }
    }

    #[test]
    fn the_document_keeps_every_schema_as_written() {
        for (method, path) in ROUTES {
            let d = describe(method, path);
            let params = d.params.into_iter().map(|p| p.3);
            let bodies = d.body.into_iter().chain(d.ok).map(|(_, s)| s);
            for s in params.chain(bodies) {
                let round = serde_json::to_value(schema(s.clone())).unwrap();
                if let Err(e) = kept(&s, &round, "") {
                    panic!("{method} {path}: {e}");
                }
            }
        }
    }

    #[test]
    fn links_name_their_target_operation() {
        let doc = serde_json::to_value(openapi()).unwrap();
        let ids: Vec<String> = ROUTES.iter().map(|(m, p)| operation_id(m, p)).collect();
        let links = &doc["paths"]["/api/v1/clusters"]["get"]["responses"]["200"]["links"];
        assert_eq!(links["graph"]["operationId"], "get_clusters__id__graph");
        for (_, item) in doc["paths"].as_object().unwrap() {
            for (_, op) in item.as_object().unwrap() {
                for (_, link) in op["responses"]["200"]["links"]
                    .as_object()
                    .into_iter()
                    .flatten()
                {
                    let target = link["operationId"].as_str().unwrap();
                    assert!(ids.iter().any(|i| i == target), "{target}");
                }
            }
        }
    }
}
