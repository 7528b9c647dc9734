//! The HTTP API under `/api/v1`: axum handlers over the [`Engine`].
//!
//! Every request but `/healthz` and `/openapi.json` (and `/metrics` when
//! `server.open_metrics` is set) carries a token (`Authorization: Bearer fl_…`); its role decides what it may do
//! ([`crate::auth`]), and every read of report data is written to the
//! access log with the caller, the ids shown and the purpose given in the
//! `X-Fraudlink-Reason` header, which such reads require; a refused
//! request (403) is logged too. Wire types live here, apart from the
//! domain types.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::auth::{Action, Principal};
use crate::engine::Engine;

mod clusters;
mod error;
mod matched;
mod meta;
mod reports;
pub(crate) mod starting;
mod tokens;
mod whole_export;
mod wire;

pub use clusters::IntakeSummary;
pub(crate) use clusters::intake_summary;
pub use error::{ApiError, RETRY_AFTER_SECS};
pub use matched::Matched;
pub use meta::openapi;
pub use tokens::{MISS_RELOAD, TOKEN_TTL, TokenBook};

/// The header in which a caller states why it reads (logged with the read).
pub const REASON_HEADER: &str = "x-fraudlink-reason";

/// Limits of the HTTP service.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
    /// Longest a request may take: a client that has not sent its headers
    /// by then is disconnected (also an idle kept-alive connection), one
    /// that has not sent its body or not been answered gets 408.
    pub request_timeout: Duration,
    /// Requests that may wait for a worker thread, per kind of work
    /// (checks, heavy reads); more get 503 with `Retry-After`.
    pub queued_requests: usize,
    /// Requests with a large body (pushes, large checks) that may wait
    /// for a worker thread, per kind; more get 503 with `Retry-After`.
    pub queued_bodies: usize,
    /// How long a request that needs the clusters waits for a starting
    /// service to build them (see [`starting`]).
    pub start_wait: Duration,
}

impl From<&crate::config::ServerConfig> for ApiConfig {
    /// The limits the `[server]` settings describe.
    fn from(s: &crate::config::ServerConfig) -> ApiConfig {
        ApiConfig {
            max_body_bytes: s.max_body_bytes,
            request_timeout: std::time::Duration::from_secs(s.request_timeout_secs.max(1)),
            queued_requests: s.queued_requests,
            queued_bodies: s.queued_bodies,
            // Shorter than the request's time limit, or a 503 would be a 408.
            start_wait: Duration::from_secs(
                s.start_wait_secs
                    .min(s.request_timeout_secs.max(1).saturating_sub(1)),
            ),
        }
    }
}

impl Default for ApiConfig {
    fn default() -> ApiConfig {
        ApiConfig {
            max_body_bytes: 16 * 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            queued_requests: 64,
            queued_bodies: 8,
            start_wait: Duration::from_secs(10),
        }
    }
}

/// A check with a body up to this size is an intake officer's: it goes to
/// the check threads, at the request threads' priority. A larger one (a
/// long statement, a list of identifiers) takes milliseconds to seconds
/// and goes to threads of its own at a lower priority, so that it never
/// queues in front of, or takes a core from, the small ones.
pub const SMALL_CHECK_BYTES: usize = 64 * 1024;

/// What every handler gets.
#[derive(Clone)]
pub struct AppState {
    /// The engine.
    pub engine: Engine,
    /// Request counters for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// The live tokens, in memory: a wrong token never waits for the
    /// store; a revoked token stops working within [`TOKEN_TTL`] and one
    /// reload.
    pub tokens: Arc<TokenBook>,
    /// Refused tokens, written to the access log once a second.
    pub(crate) refusals: Arc<tokens::Refusals>,
    /// Wakes the re-clustering task after a push.
    pub reindex: Arc<tokio::sync::Notify>,
    /// The clusters each token's checks matched: the summaries an intake
    /// token may read.
    pub matched: Arc<Matched>,
    /// The low-priority threads, one per core, that run heavy reads
    /// (searches, cluster pages, graphs, exports): under a crowd of
    /// analysts they queue there instead of crowding the cores, so intake
    /// checks keep their latency.
    heavy: Arc<crate::workers::Workers>,
    /// The threads, one per core at the same priority, that extract and
    /// store pushed reports. Commits take the one writer in turn anyway;
    /// eight pushes on eight threads of the async runtime's blocking pool,
    /// at the checks' priority, took cores from the checks and switched
    /// among themselves around that writer. Under the mixed load this put
    /// check p99 at 6.6 to 6.8 ms, against 5.6 to 5.8 ms from here, with
    /// as many pushes stored (docs/performance.md, Mixed load).
    pushes: Arc<crate::workers::Workers>,
    /// The threads, one per core at the request threads' priority, that
    /// answer checks of at most [`SMALL_CHECK_BYTES`]: a check's
    /// extraction never runs on an async thread, where a long one stalled
    /// every other request on it (issue 19).
    checks: Arc<crate::workers::Workers>,
    /// The threads, one per core at the heavy reads' priority, that answer
    /// larger checks.
    large_checks: Arc<crate::workers::Workers>,
    /// One export of every cluster at a time (`GET /clusters?format=
    /// ndjson`), held until its client has read it or stopped reading
    /// (see `whole_export`): each holds the state it reads, and writing
    /// one takes seconds of the heavy-read threads at a million reports.
    pub(crate) whole_exports: Arc<tokio::sync::Semaphore>,
    /// How long a whole export waits for its client to take the next
    /// batch before it is cut off (`request_timeout`).
    pub(crate) export_stall: Duration,
    /// How long a request that needs the clusters waits for a starting
    /// service to build them ([`ApiConfig::start_wait`]).
    pub(crate) start_wait: Duration,
}

impl AppState {
    /// A fresh state over an engine (empty caches and counters), with the
    /// queue bounds of [`ApiConfig::default`].
    pub fn new(engine: Engine) -> AppState {
        AppState::with_config(engine, &ApiConfig::default())
    }

    /// A fresh state over an engine with the queue bounds of `cfg`.
    pub fn with_config(engine: Engine, cfg: &ApiConfig) -> AppState {
        use crate::workers::{Priority, Workers};
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let pool = |name, priority, queue| Arc::new(Workers::bounded(name, cores, priority, queue));
        AppState {
            engine,
            metrics: Arc::new(Metrics::default()),
            tokens: Arc::default(),
            refusals: Arc::default(),
            reindex: Arc::new(tokio::sync::Notify::new()),
            matched: Arc::default(),
            heavy: pool("heavy-read", Priority::Requests, cfg.queued_requests),
            pushes: pool("push", Priority::Requests, cfg.queued_bodies),
            checks: pool("check", Priority::Interactive, cfg.queued_requests),
            large_checks: pool("large-check", Priority::Requests, cfg.queued_bodies),
            whole_exports: Arc::new(tokio::sync::Semaphore::new(1)),
            export_stall: cfg.request_timeout,
            start_wait: cfg.start_wait,
        }
    }

    /// Runs a heavy read on the low-priority threads (see
    /// [`AppState::heavy`]), queued behind the ones already there.
    pub(crate) async fn heavy<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(Engine) -> anyhow::Result<T> + Send + 'static,
    {
        queued(&self.heavy, &self.engine, "a heavy read", f).await
    }

    /// Runs the storing of a push on its threads (see
    /// [`AppState::pushes`]), queued behind the ones already there.
    pub(crate) async fn push<T, E, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        E: Into<ApiError> + Send + 'static,
        F: FnOnce(Engine) -> Result<T, E> + Send + 'static,
    {
        queued(&self.pushes, &self.engine, "a push", f).await
    }

    /// Runs a check of a body of `bytes` on the check threads that suit
    /// its size (see [`AppState::checks`]).
    pub(crate) async fn check<T, E, F>(&self, bytes: usize, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        E: Into<ApiError> + Send + 'static,
        F: FnOnce(Engine) -> Result<T, E> + Send + 'static,
    {
        let lane = if bytes <= SMALL_CHECK_BYTES {
            &self.checks
        } else {
            &self.large_checks
        };
        queued(lane, &self.engine, "a check", f).await
    }

    /// The request threads' pools by name, for `/metrics`.
    pub(crate) fn pools(&self) -> [(&'static str, &crate::workers::Workers); 4] {
        [
            ("check", &self.checks),
            ("large_check", &self.large_checks),
            ("push", &self.pushes),
            ("heavy_read", &self.heavy),
        ]
    }
}

/// Runs `f` on `workers` and waits for its answer; 503 at once when their
/// queue is full. Dropped by the caller (a client that went away, a
/// request that timed out), a job that has not started is not run.
async fn queued<T, E, F>(
    workers: &crate::workers::Workers,
    engine: &Engine,
    what: &str,
    f: F,
) -> Result<T, ApiError>
where
    T: Send + 'static,
    E: Into<ApiError> + Send + 'static,
    F: FnOnce(Engine) -> Result<T, E> + Send + 'static,
{
    let engine = engine.clone();
    workers
        .try_run(move || f(engine))
        .map_err(|_| ApiError::Busy)?
        .await
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("{what} panicked")))?
        .map_err(Into::into)
}

impl AppState {
    /// The caller a token belongs to (`None`: wrong or revoked, and
    /// counted for the access log under `kind`).
    pub(crate) async fn authenticate(
        &self,
        token: &str,
        kind: &'static str,
    ) -> anyhow::Result<Option<Principal>> {
        let token = token.trim();
        let found = if token.is_empty() || token.len() > MAX_TOKEN_LEN {
            None
        } else {
            self.tokens
                .principal(&self.engine, &crate::auth::token_hash(token))
                .await?
        };
        if found.is_none() {
            self.refusals.record(&self.engine, kind);
        }
        Ok(found)
    }
}

/// Longer than any token: refused without hashing.
const MAX_TOKEN_LEN: usize = 200;

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
    router_with(AppState::with_config(engine, cfg), cfg)
}

/// The router over a given state (the server keeps the state to drive
/// background tasks).
pub fn router_with(state: AppState, cfg: &ApiConfig) -> Router {
    guard(routes(state), cfg)
}

/// The API's routes with tracing and metrics, without the limits of
/// [`guard`] (the server puts them around the API and the UI together).
pub fn routes(state: AppState) -> Router {
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
        .layer(middleware::from_fn_with_state(
            state.clone(),
            wait_for_clusters,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), log_refusals))
        .layer(middleware::from_fn_with_state(state.clone(), count))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// The limits every request meets: a body of at most `max_body_bytes`
/// (413), an answer within `request_timeout` (408), a query string that
/// decodes to UTF-8 (400); the API's refusals by these layers and by
/// routing (405) get the `{"error", "detail"}` body of every API error.
pub fn guard(router: Router, cfg: &ApiConfig) -> Router {
    security_headers(
        router
            // axum's extractors have a 2 MiB limit of their own, which
            // overruled a larger `max_body_bytes` (issue 19): this layer's
            // limit is the one that holds, above and below 2 MiB.
            .layer(DefaultBodyLimit::disable())
            .layer(RequestBodyLimitLayer::new(cfg.max_body_bytes))
            .layer(TimeoutLayer::with_status_code(
                StatusCode::REQUEST_TIMEOUT,
                cfg.request_timeout,
            ))
            .layer(middleware::from_fn(uniform_refusals)),
    )
}

/// The headers every answer carries, API and UI, refusals and errors
/// included: no MIME sniffing (a JSON or CSV body is never run as a
/// script), no `Referer` to anywhere (report and cluster ids are in the
/// paths), never framed (clickjacking), and not kept by a cache (report
/// data). A page sets its own fuller CSP and the static files their own
/// caching; those are kept.
fn security_headers(router: Router) -> Router {
    use tower_http::set_header::SetResponseHeaderLayer;
    let set = |name: header::HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    router
        .layer(set(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(set(header::REFERRER_POLICY, "no-referrer"))
        .layer(set(header::X_FRAME_OPTIONS, "DENY"))
        .layer(set(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; frame-ancestors 'none'",
        ))
        .layer(set(header::CACHE_CONTROL, "no-store"))
}

/// Refuses a query string that does not decode to UTF-8 (the query
/// extractors would silently replace the bytes), and gives the API's bare
/// refusals (405 from routing, 408 and 413 from the limits) a JSON body.
async fn uniform_refusals(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    if let Some(q) = req.uri().query()
        && std::str::from_utf8(&percent_decode(q.as_bytes())).is_err()
    {
        return ApiError::BadRequest("the query string is not UTF-8 once decoded".into())
            .into_response();
    }
    let res = next.run(req).await;
    let status = res.status();
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !api || is_json || !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let detail = match status {
        StatusCode::METHOD_NOT_ALLOWED => "this path does not answer that method".to_owned(),
        StatusCode::REQUEST_TIMEOUT => {
            "the request took too long (see request_timeout_secs)".to_owned()
        }
        StatusCode::PAYLOAD_TOO_LARGE => "the body exceeds the configured limit".to_owned(),
        other => other.canonical_reason().unwrap_or("refused").to_lowercase(),
    };
    let (mut parts, _) = res.into_parts();
    let body = wire::ErrorBody {
        error: status.canonical_reason().unwrap_or("error").to_lowercase(),
        detail: detail.into(),
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let body = serde_json::to_vec(&body).unwrap_or_default();
    Response::from_parts(parts, axum::body::Body::from(body))
}

/// `%XX` escapes decoded to bytes (`+` is left alone: it decodes to a
/// space, which is UTF-8 either way).
fn percent_decode(s: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%'
            && i + 2 < s.len()
            && let (Some(h), Some(l)) = (hex(s[i + 1]), hex(s[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    out
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
    /// The `X-Fraudlink-Reason` header (or the UI session's purpose), if
    /// any: trimmed, at most 500 characters, never blank.
    pub reason: Option<String>,
    /// The request's note for the access log (see [`RequestLog`]).
    pub(crate) log: Option<Arc<RequestLog>>,
}

impl Caller {
    /// The purpose of a read of report data, which every caller gives,
    /// whatever its role, in the `X-Fraudlink-Reason` header: a missing or
    /// blank one is refused with 400 naming the header. (The police-data
    /// rule binds every read to a purpose; reads that show no report data,
    /// such as `/stats` and the access log itself, need none.)
    pub fn purpose(&self) -> Result<&str, ApiError> {
        self.reason.as_deref().ok_or_else(|| {
            ApiError::BadRequest(format!(
                "the {REASON_HEADER} header is required for reads of report data: say why you read (a case number, \"intake of report X\", ...); it is written to the access log"
            ))
        })
    }

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
            .ok_or(ApiError::Unauthorised)?;
        let principal = state
            .authenticate(token, "api_token")
            .await
            .map_err(ApiError::Internal)?
            .ok_or(ApiError::Unauthorised)?;
        let reason = match parts.headers.get(REASON_HEADER) {
            None => None,
            Some(v) => crate::access::purpose(std::str::from_utf8(v.as_bytes()).map_err(|_| {
                ApiError::BadRequest(format!("the {REASON_HEADER} header is not UTF-8"))
            })?),
        };
        let log = parts.extensions.get::<Arc<RequestLog>>().cloned();
        if let Some(l) = &log {
            l.asked_by(&principal, reason.as_deref());
        }
        Ok(Caller {
            principal,
            reason,
            log,
        })
    }
}

/// A query-string count, limit or offset: a whole number of at least 0.
/// One too large for the machine is read as the largest there is (a limit
/// that large means all, an offset that large is past the end).
pub(crate) fn whole_count<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<usize>, D::Error> {
    use serde::Deserialize;
    let s = String::deserialize(d)?;
    match s.parse::<usize>() {
        Ok(n) => Ok(Some(n)),
        Err(e) if *e.kind() == std::num::IntErrorKind::PosOverflow => Ok(Some(usize::MAX)),
        Err(_) => Err(serde::de::Error::custom(format!(
            "{s:?} is not a whole number of at least 0"
        ))),
    }
}

/// A query-string row id: a whole number; one beyond 64 bits is read as
/// the largest (or smallest), which names no row.
pub(crate) fn row_id<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    use serde::Deserialize;
    let s = String::deserialize(d)?;
    match s.parse::<i64>() {
        Ok(n) => Ok(Some(n)),
        Err(e) if *e.kind() == std::num::IntErrorKind::PosOverflow => Ok(Some(i64::MAX)),
        Err(e) if *e.kind() == std::num::IntErrorKind::NegOverflow => Ok(Some(i64::MIN)),
        Err(_) => Err(serde::de::Error::custom(format!(
            "{s:?} is not a whole number"
        ))),
    }
}

/// A JSON request body: sent as `application/json` (else 415), within the
/// body limit (413), UTF-8 throughout (400; serde_json would skip invalid
/// bytes in fields it ignores), well-formed (400) and of the right shape
/// (422).
pub struct JsonIn<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for JsonIn<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<JsonIn<T>, ApiError> {
        let bytes = JsonBytes::from_request(req, state).await?;
        parse_json(&bytes.0).map(JsonIn)
    }
}

/// A JSON request body not yet parsed, for a handler that parses it on a
/// worker thread ([`parse_json`]): sent as `application/json` (else 415)
/// and within the body limit (413).
pub struct JsonBytes(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for JsonBytes {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<JsonBytes, ApiError> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"));
        if !json {
            return Err(ApiError::UnsupportedMediaType);
        }
        Bytes::from_request(req, state)
            .await
            .map(JsonBytes)
            .map_err(body_error)
    }
}

/// A JSON body: UTF-8 throughout (400; serde_json would skip invalid
/// bytes in fields it ignores), well-formed (400) and of the right shape
/// (422).
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| ApiError::BadRequest(format!("the body is not UTF-8: {e}")))?;
    serde_json::from_str(text).map_err(|e| {
        if e.classify() == serde_json::error::Category::Data {
            ApiError::Unprocessable(format!("the body does not fit: {e}"))
        } else {
            ApiError::BadRequest(format!("the body is not JSON: {e}"))
        }
    })
}

/// A body that could not be read: too large (413) or cut off (400).
pub(crate) fn body_error(e: BytesRejection) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::TooLarge
    } else {
        ApiError::BadRequest(e.body_text())
    }
}

/// Runs blocking engine work (SQLite, re-clustering) off the async threads.
pub(crate) async fn blocking<T, E, F>(engine: &Engine, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    E: Into<ApiError> + Send + 'static,
    F: FnOnce(Engine) -> Result<T, E> + Send + 'static,
{
    let engine = engine.clone();
    tokio::task::spawn_blocking(move || f(engine))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?
        .map_err(Into::into)
}

/// A team named in a request (`field`), in its one spelling
/// ([`Engine::team`]); an unknown or empty one is refused with 422.
pub(crate) async fn checked_team(
    state: &AppState,
    field: &str,
    name: String,
) -> Result<String, ApiError> {
    let engine = state.engine.clone();
    let found = tokio::task::spawn_blocking(move || engine.team(&name))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    found.map_err(|e| match e.downcast_ref::<crate::teams::TeamError>() {
        Some(t) => ApiError::Unprocessable(format!("{field}: {t}")),
        None => ApiError::Internal(e),
    })
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
    .await?;
    caller.logged();
    Ok(())
}

impl Caller {
    /// Notes that this request has its row in the access log (so that a
    /// refusal is not logged twice, see [`log_refusals`]).
    pub(crate) fn logged(&self) {
        if let Some(l) = &self.log {
            l.written.store(true, Ordering::Release);
        }
    }
}

/// What the access log knows of a request while it is answered: who asked
/// (once the token or session is read) and whether a row was written for
/// it. A request refused with 403 that wrote no row of its own gets one
/// from [`log_refusals`].
#[derive(Debug, Default)]
pub struct RequestLog {
    who: Mutex<Option<(Principal, Option<String>)>>,
    written: AtomicBool,
}

impl RequestLog {
    /// Records who asked and the purpose they gave.
    pub(crate) fn asked_by(&self, principal: &Principal, reason: Option<&str>) {
        *self.who.lock().unwrap_or_else(|p| p.into_inner()) =
            Some((principal.clone(), reason.map(str::to_owned)));
    }
}

/// Holds a request that needs the clusters while the service builds them
/// at its start (see [`starting`]), then refuses it with 503 and
/// `Retry-After` if they are not built yet.
async fn wait_for_clusters(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if starting::answerable(
        &state.engine,
        req.method(),
        req.uri().path(),
        state.start_wait,
    )
    .await
    {
        return next.run(req).await;
    }
    ApiError::Starting.into_response()
}

/// Writes a row for every request refused with 403 that did not write its
/// own (every door: the API and the UI), with the action the route stands
/// for and the path and query asked for. A request without a known caller
/// (no token, no session) is refused with 401 or sent to sign in instead,
/// and counted by [`tokens::Refusals`].
pub async fn log_refusals(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let log = Arc::new(RequestLog::default());
    req.extensions_mut().insert(log.clone());
    let action = action_of(
        req.method().as_str(),
        req.extensions()
            .get::<MatchedPath>()
            .map_or("", MatchedPath::as_str),
    );
    let asked = serde_json::json!({
        "path": req.uri().path(),
        "query": req.uri().query(),
    });
    let res = next.run(req).await;
    if res.status() != StatusCode::FORBIDDEN || log.written.load(Ordering::Acquire) {
        return res;
    }
    let who = log.who.lock().unwrap_or_else(|p| p.into_inner()).take();
    if let Some((principal, reason)) = who {
        let written = blocking(&state.engine, move |e| {
            e.log_access(
                Some(&principal),
                action,
                &asked,
                reason.as_deref(),
                "denied",
            )
        })
        .await;
        if let Err(e) = written {
            tracing::error!(error = %e, "logging a refused request failed");
        }
    }
    res
}

/// The access log's action for a route (API or UI), for rows written
/// about a request rather than by its handler.
fn action_of(method: &str, route: &str) -> &'static str {
    match (method, route) {
        ("POST", "/api/v1/reports") => "push",
        ("GET", "/api/v1/reports/{id}" | "/reports/{id}") => "read_report",
        ("POST", "/api/v1/check" | "/check") => "check",
        ("GET", "/api/v1/reports/{id}/similar") => "similar",
        ("GET", "/api/v1/search" | "/search") => "search",
        ("GET", "/api/v1/clusters" | "/") => "list_clusters",
        ("GET", "/api/v1/clusters/{id}" | "/clusters/{id}") => "read_cluster",
        ("GET", "/api/v1/clusters/{id}/graph") => "cluster_graph",
        ("GET", "/api/v1/clusters/{id}/export" | "/clusters/{id}/download") => "export_cluster",
        ("POST", "/api/v1/clusters/{id}/triage" | "/clusters/{id}/triage") => "triage",
        ("GET", "/api/v1/suggestions") => "suggestions",
        ("POST", "/api/v1/links" | "/links") => "decide_link",
        ("GET", "/api/v1/explain" | "/explain") => "explain",
        ("GET", "/api/v1/hubs") => "hubs",
        ("GET", "/api/v1/audit") => "audit",
        ("GET", "/api/v1/stats") => "stats",
        ("POST", "/purpose") => "set_purpose",
        _ => "request",
    }
}
