//! The HTTP API under `/api/v1`: axum handlers over the [`Engine`].
//!
//! Every request but `/healthz`, `/metrics` and `/openapi.json` carries a
//! token (`Authorization: Bearer fl_…`); its role decides what it may do
//! ([`crate::auth`]), and every read of report data is written to the
//! access log with the caller, the ids read and the reason given in the
//! `X-Fraudlink-Reason` header. Wire types live here, apart from the
//! domain types.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::auth::{Action, Principal};
use crate::engine::Engine;

mod clusters;
mod error;
mod meta;
mod reports;

pub use error::ApiError;
pub use meta::openapi;

/// The header in which a caller states why it reads (logged with the read).
pub const REASON_HEADER: &str = "x-fraudlink-reason";

/// Limits of the HTTP service.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
    /// Longest a request may take before it is answered 408.
    pub request_timeout: Duration,
}

impl Default for ApiConfig {
    fn default() -> ApiConfig {
        ApiConfig {
            max_body_bytes: 16 * 1024 * 1024,
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// What every handler gets.
#[derive(Clone)]
pub struct AppState {
    /// The engine.
    pub engine: Engine,
    /// Request counters for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// Verified tokens, cached briefly so that a burst of requests does
    /// not queue on the store; a revoked token stops working within the TTL.
    pub(crate) tokens: Arc<Mutex<HashMap<String, (Principal, Instant)>>>,
    /// Wakes the re-clustering task after a push.
    pub reindex: Arc<tokio::sync::Notify>,
}

impl AppState {
    /// A fresh state over an engine (empty caches and counters).
    pub fn new(engine: Engine) -> AppState {
        AppState {
            engine,
            metrics: Arc::new(Metrics::default()),
            tokens: Arc::new(Mutex::new(HashMap::new())),
            reindex: Arc::new(tokio::sync::Notify::new()),
        }
    }
}

/// How long a verified token is trusted without asking the store again.
const TOKEN_TTL: Duration = Duration::from_secs(30);

/// Request counts and latency per route and status.
#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<HashMap<(String, u16), (u64, f64)>>,
}

impl Metrics {
    fn record(&self, route: &str, status: u16, seconds: f64) {
        let mut m = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let e = m.entry((route.to_owned(), status)).or_default();
        e.0 += 1;
        e.1 += seconds;
    }

    /// `(route, status, count, total seconds)`, sorted.
    pub fn snapshot(&self) -> Vec<(String, u16, u64, f64)> {
        let m = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let mut v: Vec<_> = m
            .iter()
            .map(|((r, s), (n, t))| (r.clone(), *s, *n, *t))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        v
    }
}

/// Every route, as `(method, path)`; the OpenAPI document is tested to list
/// exactly these.
pub const ROUTES: &[(&str, &str)] = &[
    ("POST", "/api/v1/reports"),
    ("GET", "/api/v1/reports/{id}"),
    ("POST", "/api/v1/check"),
    ("GET", "/api/v1/reports/{id}/similar"),
    ("GET", "/api/v1/search"),
    ("GET", "/api/v1/clusters"),
    ("GET", "/api/v1/clusters/{id}"),
    ("GET", "/api/v1/clusters/{id}/graph"),
    ("GET", "/api/v1/clusters/{id}/export"),
    ("POST", "/api/v1/clusters/{id}/triage"),
    ("GET", "/api/v1/suggestions"),
    ("POST", "/api/v1/links"),
    ("GET", "/api/v1/explain"),
    ("GET", "/api/v1/hubs"),
    ("GET", "/api/v1/audit"),
    ("GET", "/api/v1/stats"),
    ("GET", "/api/v1/healthz"),
    ("GET", "/api/v1/metrics"),
    ("GET", "/api/v1/openapi.json"),
];

/// The router with all routes, tracing, limits and metrics.
pub fn router(engine: Engine, cfg: &ApiConfig) -> Router {
    router_with(AppState::new(engine), cfg)
}

/// The router over a given state (the server keeps the state to drive
/// background tasks).
pub fn router_with(state: AppState, cfg: &ApiConfig) -> Router {
    Router::new()
        .route("/api/v1/reports", post(reports::push))
        .route("/api/v1/reports/{id}", get(reports::get_report))
        .route("/api/v1/check", post(reports::check))
        .route("/api/v1/reports/{id}/similar", get(reports::similar))
        .route("/api/v1/search", get(reports::search))
        .route("/api/v1/clusters", get(clusters::list))
        .route("/api/v1/clusters/{id}", get(clusters::show))
        .route("/api/v1/clusters/{id}/graph", get(clusters::graph))
        .route("/api/v1/clusters/{id}/export", get(clusters::export))
        .route("/api/v1/clusters/{id}/triage", post(clusters::triage))
        .route("/api/v1/suggestions", get(clusters::suggestions))
        .route("/api/v1/links", post(clusters::decide_link))
        .route("/api/v1/explain", get(clusters::explain))
        .route("/api/v1/hubs", get(clusters::hubs))
        .route("/api/v1/audit", get(meta::audit))
        .route("/api/v1/stats", get(meta::stats))
        .route("/api/v1/healthz", get(meta::healthz))
        .route("/api/v1/metrics", get(meta::metrics))
        .route("/api/v1/openapi.json", get(meta::openapi_json))
        .fallback(meta::not_found)
        .layer(middleware::from_fn_with_state(state.clone(), count))
        .layer(RequestBodyLimitLayer::new(cfg.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            cfg.request_timeout,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Counts each request by route and status.
async fn count(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let started = Instant::now();
    let res = next.run(req).await;
    state.metrics.record(
        &route,
        res.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    res
}

/// An authenticated caller and the reason it gave.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Who.
    pub principal: Principal,
    /// The `X-Fraudlink-Reason` header, if any.
    pub reason: Option<String>,
}

impl Caller {
    /// Refuses with 403 unless the role allows `action`.
    pub fn require(&self, action: Action) -> Result<(), ApiError> {
        if self.principal.role.may(action) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "role {} may not {action:?}",
                self.principal.role
            )))
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, ApiError> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or(ApiError::Unauthorised)?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= 200)
            .ok_or(ApiError::Unauthorised)?;
        let hash = crate::auth::token_hash(token);
        let cached = {
            let tokens = state.tokens.lock().unwrap_or_else(|p| p.into_inner());
            tokens
                .get(&hash)
                .filter(|(_, at)| at.elapsed() < TOKEN_TTL)
                .map(|(p, _)| p.clone())
        };
        let principal = match cached {
            Some(p) => p,
            None => {
                let engine = state.engine.clone();
                let h = hash.clone();
                let found = tokio::task::spawn_blocking(move || engine.authenticate_hash(&h))
                    .await
                    .map_err(|e| ApiError::Internal(e.into()))??;
                let p = found.ok_or(ApiError::Unauthorised)?;
                state
                    .tokens
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(hash, (p.clone(), Instant::now()));
                p
            }
        };
        let reason = parts
            .headers
            .get(REASON_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(500).collect());
        Ok(Caller { principal, reason })
    }
}

/// Runs blocking engine work (SQLite, re-clustering) off the async threads.
pub(crate) async fn blocking<T, F>(engine: &Engine, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(Engine) -> anyhow::Result<T> + Send + 'static,
{
    let engine = engine.clone();
    tokio::task::spawn_blocking(move || f(engine))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?
        .map_err(ApiError::Internal)
}

/// Appends to the access log (off the async threads).
pub(crate) async fn log_read(
    state: &AppState,
    caller: &Caller,
    action: &'static str,
    targets: serde_json::Value,
    outcome: &'static str,
) -> Result<(), ApiError> {
    let who = caller.principal.clone();
    let reason = caller.reason.clone();
    blocking(&state.engine, move |e| {
        e.log_access(Some(&who), action, &targets, reason.as_deref(), outcome)
    })
    .await
}
