//! `fraudlink serve`: the HTTP service (API and web UI) with its background work, built to
//! be started on any listener (port 0 in tests) and stopped by a future
//! (mini-redis's `server::run`).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tracing::{error, info, warn};

use crate::api::{self, ApiConfig, AppState};
use crate::engine::{Engine, Heavy};

/// Serves until `shutdown` completes, then finishes the requests in flight
/// and, when a re-cluster is quick, the re-clustering of what was
/// acknowledged (see the comment at its end). A client gets
/// `cfg.request_timeout` to send a request's headers (and as long to send
/// its body and be answered, see [`api::guard`]); an idle kept-alive
/// connection is closed after as long.
pub async fn run(
    listener: TcpListener,
    engine: Engine,
    cfg: ApiConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let state = AppState::with_config(engine.clone(), &cfg);
    // The port answers while the pages' inputs are worked out.
    engine.serving()?;
    let reclusterer = tokio::spawn(recluster_loop(state.clone()));
    let watcher = tokio::spawn(watch_store(state.clone()));
    let deliverer = tokio::spawn(deliver_alerts(engine.clone()));
    let purges = tokio::spawn(watch_purges(engine.clone()));
    let app = app(state.clone(), &cfg);
    info!(addr = %listener.local_addr()?, "serving");
    serve(listener, app, &cfg, shutdown).await;
    engine.leave_state_at_exit();
    reclusterer.abort();
    watcher.abort();
    deliverer.abort();
    purges.abort();
    // What was acknowledged is in the store. When a re-cluster is quick
    // (a million reports: some seconds), the clusters are brought up to
    // it (after the one under way, if any) and saved before exiting, so
    // that the commands run while the service is stopped find them
    // current. When it is not (at ten million reports a re-cluster and
    // its save take minutes, longer than a service manager waits for a
    // stop), the service stops without, leaving one under way unfinished:
    // the next start re-clusters from the store, and a command meanwhile
    // does it once and saves them (`reader`).
    let e = engine.clone();
    tokio::task::spawn_blocking(move || {
        if !e.has_clusters() {
            // Stopped during its start: what was pushed meanwhile is in
            // the store, and the next start builds the clusters with it.
            info!("stopping before the clusters were built");
        } else if e.reclusters_within(STOP_RECLUSTERS_WITHIN) {
            e.rebuild_if_behind("shutdown")?;
            // The commands that read the clusters find them saved.
            e.save_current()?;
        } else {
            warn!(
                "stopping without re-clustering the last changes: a re-cluster takes longer than a \
                 stop should; the next start (or a command) re-clusters"
            );
        }
        // The reads logged until now, in the store's access log.
        e.move_access_queue()?;
        // Every answered push has queued its report for the index; record
        // the store's generation with them, so the next start does not
        // index them again. Not when the start's catch-up of the index has
        // not ended: the next start does it again.
        if e.index_caught_up() {
            e.flush_index()?;
        }
        Ok::<(), anyhow::Error>(())
    })
    .await??;
    Ok(())
}

/// A stopping server re-clusters what changed since the last re-cluster
/// only when that one and its save for the commands took less than this
/// (see [`run`]): with the one under way, about twice this at most, within
/// systemd's 90 s for a stop.
const STOP_RECLUSTERS_WITHIN: Duration = Duration::from_secs(40);

/// The API and the web UI over one state (engine, token book), within
/// the limits of [`api::guard`]. The UI's paths never start with `/api`, so
/// the two route sets are disjoint; the API's fallback answers unknown
/// paths of both.
pub fn app(state: AppState, cfg: &ApiConfig) -> axum::Router {
    api::guard(
        api::routes(state.clone()).merge(crate::ui::router(state)),
        cfg,
    )
}

/// Accepts connections until `shutdown`, then lets the open ones finish.
/// Like `axum::serve`, with the header read timeout that it lacks: without
/// it, a client that sends its headers a byte at a time holds its
/// connection (and its task) for ever.
async fn serve(
    listener: TcpListener,
    app: axum::Router,
    cfg: &ApiConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    // HTTP/1 only (the service sits behind a TLS proxy): hyper-util's
    // HTTP/1-or-2 sniffing waits for the first bytes with no timeout, so a
    // client that connects and sends nothing would be kept for ever.
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(cfg.request_timeout);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    // Out of file descriptors and the like: wait, not spin.
                    warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(app.clone());
        let stream = WriteDeadline::new(stream, cfg.request_timeout);
        let conn = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // A client that goes away or breaks the protocol ends only its
            // own connection.
            let _ = conn.await;
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// A connection on which a write that makes no progress for `limit`
/// fails, which ends the connection. A client that asks and then reads
/// nothing (its window full) would otherwise keep it, and what its answer
/// holds, for ever: hyper waits for the socket and never polls the body
/// again, and a stopping server waits for every connection.
struct WriteDeadline<T> {
    io: T,
    limit: Duration,
    /// Started when a write first finds the socket full, cleared by the
    /// next write that goes through.
    stalled: Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
}

impl<T> WriteDeadline<T> {
    fn new(io: T, limit: Duration) -> WriteDeadline<T> {
        WriteDeadline {
            io,
            limit,
            stalled: None,
        }
    }

    /// What a write step of the socket gave, unless it has waited `limit`.
    fn waited<R>(
        &mut self,
        cx: &mut std::task::Context<'_>,
        polled: std::task::Poll<std::io::Result<R>>,
    ) -> std::task::Poll<std::io::Result<R>> {
        use std::task::Poll;
        match polled {
            Poll::Ready(r) => {
                self.stalled = None;
                Poll::Ready(r)
            }
            Poll::Pending => {
                let limit = self.limit;
                let clock = self
                    .stalled
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
                match clock.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Err(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "the client took nothing for request_timeout",
                    ))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

impl<T: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for WriteDeadline<T> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<T: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for WriteDeadline<T> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let polled = std::pin::Pin::new(&mut self.io).poll_write(cx, buf);
        self.waited(cx, polled)
    }

    fn poll_write_vectored(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let polled = std::pin::Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        self.waited(cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let polled = std::pin::Pin::new(&mut self.io).poll_flush(cx);
        self.waited(cx, polled)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let polled = std::pin::Pin::new(&mut self.io).poll_shutdown(cx);
        self.waited(cx, polled)
    }
}

/// Re-clusters after pushes, coalescing bursts: a push wakes it, it waits a
/// moment for more, then rebuilds once (with the new state's suggestions,
/// see [`Engine::serving`]) on the background thread, so that at most two
/// states (the served one and the next) are in memory.
async fn recluster_loop(state: AppState) {
    use crate::workers::{Priority, Workers};
    // Two long-lived threads, which reuse their memory from one rebuild to
    // the next. One at nice 10 reads the store and takes the steps that
    // hold the writer or a lock requests wait on; it hands the long ones
    // (linking, building the next state, freeing the last) to the other,
    // which runs only on a core no request wants (see `Heavy`).
    let worker = Workers::start("background", 1, Priority::Background);
    let idle = std::sync::Arc::new(Workers::start("recluster", 1, Priority::Idle));
    loop {
        state.reindex.notified().await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        if !state.engine.has_clusters() {
            // The start builds them (`Engine::serving`); `watch_store`
            // asks again once they are built.
            continue;
        }
        let engine = state.engine.clone();
        let idle = idle.clone();
        let started = std::time::Instant::now();
        let outcome = worker
            .run(move || engine.rebuild_if_behind_on("api push", Heavy::On(&idle)))
            .await;
        // A full re-cluster at a million reports takes seconds of a core:
        // leave at least twice that to the requests before the next one,
        // so that a steady stream of pushes cannot keep a core re-clustering.
        // Pushed reports are stored at once; only their clusters wait.
        let rest = started.elapsed() * 2;
        match outcome {
            Some(Ok(_)) => {}
            Some(Err(e)) => error!(error = format!("{e:#}"), "re-clustering failed"),
            None => error!("re-clustering panicked"),
        }
        tokio::time::sleep(rest).await;
    }
}

/// How often the server looks at the store's change counters.
const WATCH_EVERY: Duration = Duration::from_millis(500);

/// Notices what the commands beside the service changed in the store
/// (see `reader`): after a purge it takes the purged reports out of the
/// search index and re-clusters, after a link decision it re-clusters;
/// after a token was created or revoked, or a cluster triaged, it reads
/// the tokens (the UI's sessions check theirs again) and the triage
/// records again. When the saved clusters are gone (a command found them
/// damaged and removed them), it saves its own again.
async fn watch_store(state: AppState) {
    let mut admin = None;
    let mut purges = None;
    let saving = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut tick = tokio::time::interval(WATCH_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tick.tick().await;
        if state.engine.has_clusters()
            && !crate::saved::path(state.engine.data_dir()).exists()
            && !saving.swap(true, std::sync::atomic::Ordering::AcqRel)
        {
            let (e, done) = (state.engine.clone(), saving.clone());
            // On a thread of its own at background priority, not waited
            // for: a save takes seconds at a million reports.
            let spawned = std::thread::Builder::new()
                .name("save-clusters".into())
                .spawn(move || {
                    crate::workers::lower_thread_priority(crate::workers::Priority::Background);
                    if let Err(e) = e.save_current() {
                        warn!(error = format!("{e:#}"), "saving the clusters failed");
                    }
                    done.store(false, std::sync::atomic::Ordering::Release);
                });
            if let Err(e) = spawned {
                warn!(error = %e, "could not start a thread to save the clusters");
                saving.store(false, std::sync::atomic::Ordering::Release);
            }
        }
        let e = state.engine.clone();
        let now = match tokio::task::spawn_blocking(move || e.revisions()).await {
            Ok(Ok(now)) => now,
            Ok(Err(e)) => {
                warn!(
                    error = format!("{e:#}"),
                    "reading the store's counters failed"
                );
                continue;
            }
            Err(e) => {
                error!(error = %e, "reading the store's counters panicked");
                continue;
            }
        };
        if purges.is_some_and(|seen| seen != now.purges) {
            let e = state.engine.clone();
            match tokio::task::spawn_blocking(move || e.apply_outside_purges()).await {
                Ok(Ok(0)) => {}
                Ok(Ok(n)) => info!(reports = n, "applied a purge made by another process"),
                Ok(Err(e)) => error!(error = format!("{e:#}"), "applying an outside purge failed"),
                Err(e) => error!(error = %e, "applying an outside purge panicked"),
            }
        }
        purges = Some(now.purges);
        // A service that is starting builds its clusters itself (see
        // `Engine::serving`).
        if state.engine.has_clusters() && now.derived != state.engine.state_revisions().derived {
            state.reindex.notify_one();
        }
        if admin.is_some_and(|seen| seen != now.admin) {
            if let Err(e) = state.tokens.reload(&state.engine).await {
                warn!(error = format!("{e:#}"), "reading the tokens failed");
            }
            let e = state.engine.clone();
            match tokio::task::spawn_blocking(move || e.reload_triage()).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => warn!(error = format!("{e:#}"), "reading the triage failed"),
                Err(e) => error!(error = %e, "reading the triage panicked"),
            }
        }
        admin = Some(now.admin);
    }
}

/// Applies the retention periods once a day; `fraudlink serve` applies
/// them before it starts answering (the binary's `cli::serve`), so a service restarted
/// every day still purges.
pub async fn daily(engine: Engine, retention: crate::store::Retention) {
    let mut tick = tokio::time::interval(Duration::from_secs(86_400));
    tick.tick().await;
    loop {
        tick.tick().await;
        let e = engine.clone();
        match tokio::task::spawn_blocking(move || e.purge(retention, "retention")).await {
            Ok(Ok(s)) => info!(
                reports = s.purged.reports.len(),
                access_log_rows = s.access_log_rows,
                "retention purge"
            ),
            Ok(Err(e)) => error!(error = format!("{e:#}"), "retention purge failed"),
            Err(e) => error!(error = %e, "retention purge panicked"),
        }
    }
}

/// How often `serve` looks for purges made by another process.
const PURGE_WATCH: Duration = Duration::from_secs(5);

/// Applies the purges `fraudlink purge` makes beside the running service:
/// their reports leave the search index and the clusters within seconds.
async fn watch_purges(engine: Engine) {
    let mut tick = tokio::time::interval(PURGE_WATCH);
    loop {
        tick.tick().await;
        if !engine.has_clusters() {
            // The start applies the purge ledger and builds the clusters.
            continue;
        }
        let e = engine.clone();
        match tokio::task::spawn_blocking(move || e.apply_outside_purges()).await {
            Ok(Ok(0)) => {}
            Ok(Ok(n)) => info!(reports = n, "applied a purge made by another process"),
            Ok(Err(e)) => error!(error = format!("{e:#}"), "applying an outside purge failed"),
            Err(e) => error!(error = %e, "applying an outside purge panicked"),
        }
    }
}

/// Attempts before an alert is given up (it stays in the outbox, visible
/// with `fraudlink alerts`).
const ALERT_MAX_ATTEMPTS: i64 = 8;

/// Delivers queued alerts as JSON POSTs; a failure is retried after 2, 4,
/// 8, ... seconds (at most an hour). Runs apart from ingest, so a slow or
/// dead webhook never slows it. Each delivery is signed with its rule's
/// secret ([`sign_alert`]) and goes only where the rule still allows
/// ([`crate::config::AlertRule::check`]); a redirect is not followed but
/// counted as a failure, so a payload never reaches a host the settings
/// do not name.
async fn deliver_alerts(engine: Engine) {
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            error!(error = %e, "no HTTP client: alerts stay queued");
            return;
        }
    };
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    loop {
        tick.tick().await;
        let e = engine.clone();
        let due =
            match tokio::task::spawn_blocking(move || e.due_alerts(ALERT_MAX_ATTEMPTS, 50)).await {
                Ok(Ok(d)) => d,
                Ok(Err(err)) => {
                    error!(
                        error = format!("{err:#}"),
                        "reading the alert outbox failed"
                    );
                    continue;
                }
                Err(err) => {
                    error!(error = %err, "reading the alert outbox panicked");
                    continue;
                }
            };
        for alert in due {
            let error = deliver(&client, &engine, &alert).await.err();
            let retry_in = 2i64
                .saturating_pow(alert.attempts.clamp(0, 12) as u32 + 1)
                .min(3600);
            let e = engine.clone();
            let id = alert.id;
            // The payload has left (or may have): its access-log row is
            // written whether or not the outbox records the attempt.
            let recorded = tokio::task::spawn_blocking(move || {
                let logged = log_delivery(&e, &alert, error.as_deref());
                e.alert_attempt(id, error.as_deref(), retry_in)?;
                logged
            })
            .await;
            if !matches!(recorded, Ok(Ok(()))) {
                error!(alert = id, "recording an alert delivery failed");
            }
        }
    }
}

/// The header with the delivery's Unix time, in seconds.
pub const ALERT_TIMESTAMP_HEADER: &str = "x-fraudlink-timestamp";
/// The header with the signature: `sha256=` and the hex HMAC-SHA256 of
/// `{timestamp}.{body}` under the rule's secret.
pub const ALERT_SIGNATURE_HEADER: &str = "x-fraudlink-signature";
/// The header with the alert's id, the same on every retry of it.
pub const ALERT_ID_HEADER: &str = "x-fraudlink-delivery";

/// The signature header's value for `body` sent at `timestamp`:
/// `sha256=` and the hex HMAC-SHA256 of `{timestamp}.{body}` keyed with
/// `secret`. The timestamp is inside what is signed, so a receiver that
/// refuses old timestamps refuses a replayed delivery.
pub fn sign_alert(secret: &str, timestamp: i64, body: &str) -> String {
    use hmac::{Hmac, Mac};
    // HMAC takes a key of any length.
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.trim().as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// One delivery attempt: `Err` says why it failed.
async fn deliver(
    client: &reqwest::Client,
    engine: &Engine,
    alert: &crate::store::PendingAlert,
) -> Result<(), String> {
    // The outbox keeps the URL an alert was queued for; the secret and
    // what is allowed come from the settings in force now.
    let Some(rule) = engine.settings().alerts.iter().find(|r| r.url == alert.url) else {
        return Err(
            "no [[alerts]] rule with this url in the settings: nothing to sign it with".into(),
        );
    };
    rule.check().map_err(|e| format!("{e:#}"))?;
    let timestamp = time::OffsetDateTime::now_utc().unix_timestamp();
    let result = client
        .post(rule.url.trim())
        .header("content-type", "application/json")
        .header(ALERT_TIMESTAMP_HEADER, timestamp.to_string())
        .header(
            ALERT_SIGNATURE_HEADER,
            sign_alert(&rule.secret, timestamp, &alert.payload),
        )
        .header(ALERT_ID_HEADER, alert.id.to_string())
        .body(alert.payload.clone())
        .send()
        .await;
    match result {
        Ok(r) if r.status().is_success() => Ok(()),
        Ok(r) if r.status().is_redirection() => Err(format!(
            "HTTP {} (a redirect is not followed: set the url it points to)",
            r.status()
        )),
        Ok(r) => Err(format!("HTTP {}", r.status())),
        Err(err) => Err(err.to_string()),
    }
}

/// Writes a delivery attempt to the access log: a webhook is told of a
/// cluster and its new reports, so each attempt (which may have reached
/// it even when it failed) is a read by the webhook's URL, for the alert
/// rule that raised it.
fn log_delivery(
    engine: &Engine,
    alert: &crate::store::PendingAlert,
    error: Option<&str>,
) -> Result<()> {
    let payload: serde_json::Value =
        serde_json::from_str(&alert.payload).unwrap_or(serde_json::Value::Null);
    let targets = serde_json::json!({
        "alert": alert.id,
        "attempt": alert.attempts + 1,
        "cluster": payload["cluster_id"],
        "reports": payload["new_reports"],
    });
    let why = format!(
        "alert {} (settings [[alerts]])",
        payload["event"].as_str().unwrap_or("?")
    );
    let outcome = match error {
        None => "ok".to_owned(),
        Some(e) => format!("failed: {e}"),
    };
    engine.log_access_by(&crate::access::Access {
        role: crate::access::WEBHOOK_ROLE,
        actor: &alert.url,
        action: "webhook_delivery",
        targets: &targets,
        reason: Some(&why),
        outcome: &outcome,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alerts_are_signed_over_timestamp_and_body() {
        // What a receiver computes as README "Alerts" says, here with
        // Python's hmac: hmac.new(b"secret", b'1767225600.{"event":"x"}',
        // hashlib.sha256).hexdigest().
        let sig = sign_alert("secret", 1_767_225_600, r#"{"event":"x"}"#);
        assert_eq!(
            sig,
            "sha256=fc8a2c1cff0a4011894c9200a67e8b67063c2d4e6b8a9906619ac27c96e92ad0"
        );
        assert_ne!(sig, sign_alert("secret", 1_767_225_601, r#"{"event":"x"}"#));
        assert_ne!(sig, sign_alert("secret", 1_767_225_600, r#"{"event":"y"}"#));
        assert_ne!(sig, sign_alert("other", 1_767_225_600, r#"{"event":"x"}"#));
    }

    #[tokio::test]
    async fn a_write_the_client_does_not_take_fails_after_the_limit_and_one_it_takes_goes_through()
    {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let limit = Duration::from_millis(300);
        let (ours, mut theirs) = tokio::io::duplex(1024);
        let mut conn = WriteDeadline::new(ours, limit);
        // A client that reads as it goes: every write goes through, however
        // long the whole takes.
        let reader = tokio::spawn(async move {
            let mut buf = vec![0u8; 512];
            let mut got = 0;
            while got < 8 * 1024 {
                tokio::time::sleep(Duration::from_millis(100)).await;
                got += theirs.read(&mut buf).await.unwrap();
            }
            theirs
        });
        let started = std::time::Instant::now();
        conn.write_all(&[b'x'; 8 * 1024]).await.unwrap();
        assert!(
            started.elapsed() > limit,
            "the reader was slower than the limit in all"
        );
        let theirs = reader.await.unwrap();
        // Now it reads nothing: once its window is full, the write fails.
        let started = std::time::Instant::now();
        let err = conn.write_all(&[b'y'; 8 * 1024]).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
        assert!(started.elapsed() >= limit);
        drop(theirs);
    }
}
