//! A service's start: `serve` answers as soon as its port is open, while it
//! builds its clusters from the store (minutes at ten million reports,
//! see `Engine::serving`). Meanwhile a check is answered from the clusters
//! saved for the commands when they are the store's, with the reports
//! pushed since (a push needs no clusters: it is stored, indexed and kept
//! for the checks, as at any time); every other request that reads or
//! changes the clusters waits for them a little, then is refused with 503
//! and a `Retry-After`.

use std::time::{Duration, Instant};

use axum::http::Method;

use crate::engine::Engine;

/// Seconds a request refused during the start is asked to wait.
pub const STARTING_RETRY_AFTER_SECS: u64 = 15;

/// How often a waiting request looks again.
const LOOK_EVERY: Duration = Duration::from_millis(20);

/// Whether a request is answered without the clusters: liveness, the
/// API's description, signing in and out, the language, the purpose, the
/// static files and the check form; a check when the service answers
/// checks from the saved clusters; a push once the start has brought the
/// search index up to the store and when no alert is configured (see
/// `Engine::takes_pushes_while_starting`).
pub fn needs_no_clusters(engine: &Engine, method: &Method, path: &str) -> bool {
    match path {
        "/api/v1/healthz"
        | "/api/v1/openapi.json"
        | "/login"
        | "/logout"
        | "/lang"
        | "/purpose" => true,
        "/check" if method == Method::GET => true,
        "/api/v1/reports" => method == Method::POST && engine.takes_pushes_while_starting(),
        "/api/v1/check" | "/check" => engine.checks_while_starting(),
        _ => path.starts_with("/static/"),
    }
}

/// Waits until the request can be answered (the engine has its clusters,
/// or [`needs_no_clusters`]), at most `wait` (`[server] start_wait_secs`:
/// at a million reports a start takes seconds, so nobody is refused; at
/// ten million, minutes); whether it can.
pub async fn answerable(engine: &Engine, method: &Method, path: &str, wait: Duration) -> bool {
    let until = Instant::now() + wait;
    loop {
        if engine.has_clusters() || needs_no_clusters(engine, method, path) {
            return true;
        }
        if Instant::now() >= until {
            return false;
        }
        tokio::time::sleep(LOOK_EVERY).await;
    }
}
