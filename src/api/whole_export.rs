//! `GET /api/v1/clusters?format=ndjson`: every cluster, singletons
//! included, sent as it is written instead of built whole first (394 MB
//! at a million reports, some 4 GB at ten million: beside a served state
//! of 8.6 GB that did not fit the memory target).
//!
//! One export runs at a time (`AppState::whole_exports`). A task writes
//! the clusters of the state it started from in batches of about
//! [`BATCH_BYTES`], each on the heavy-read threads (so a slow client never
//! holds one of them), and hands them to the response body through a
//! channel of [`IN_FLIGHT`] batches. It stops when the client has not
//! taken a batch for `request_timeout`, or after [`LONGEST`] in all: a
//! client that asks and does not read no longer keeps the permit, nor the
//! state the export reads, which a re-cluster may have replaced.
//!
//! The access log gets its row before the first byte goes out, naming
//! every report of the state (as [`crate::access::reports_shown`] names a
//! long list); an export cut off adds a row `incomplete` naming the
//! clusters handed to the body (some of which its client may not have
//! read: the log says more, never less, than was shown). A body cut off
//! ends with an error, so that hyper closes the connection without the
//! last chunk and the client can tell it from a whole export; a client
//! that reads nothing more is disconnected by the write deadline of
//! `server.rs`. The lines carry each cluster's triage as it is when the
//! line is written.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tokio::sync::{OwnedSemaphorePermit, mpsc};

use crate::api::{ApiError, AppState, Caller, log_read};
use crate::engine::State;

/// About how much of the export one batch writes (a cluster's line is
/// never split: a percolated cluster's is one long batch).
pub const BATCH_BYTES: usize = 256 << 10;

/// Batches written and not yet taken by the body, at most.
pub const IN_FLIGHT: usize = 4;

/// The longest an export may take, however steadily its client reads: it
/// holds the state it started from, which a re-cluster may have replaced
/// (at ten million reports a second state of 8 GB). A client reading 3.5
/// GB in that time needs 8 Mbit/s.
pub const LONGEST: Duration = Duration::from_secs(3600);

/// Answers the export; `permit` is the one whole export's and goes with
/// the task that writes it.
pub(super) async fn respond(
    state: &AppState,
    caller: &Caller,
    permit: OwnedSemaphorePermit,
) -> Result<Response, ApiError> {
    let snapshot = state.engine.state();
    let s = snapshot.clone();
    let (clusters, reports) = state
        .heavy(move |_| Ok((s.clusters().len(), named(&s, s.clusters().len()))))
        .await?;
    let targets = json!({"export": "all", "clusters": clusters, "reports": reports});
    log_read(state, caller, "export_clusters", targets, "ok").await?;
    let (tx, rx) = mpsc::channel(IN_FLIGHT);
    let whole = Arc::new(AtomicBool::new(false));
    tokio::spawn(write(Writer {
        state: state.clone(),
        caller: caller.clone(),
        snapshot,
        permit,
        tx,
        whole: whole.clone(),
    }));
    let body = Body::from_stream(Batches { rx, whole });
    Ok(([(header::CONTENT_TYPE, "application/x-ndjson")], body).into_response())
}

/// The reports of the first `end` clusters of `s`, as the access log
/// names them.
fn named(s: &State, end: usize) -> serde_json::Value {
    crate::access::reports_shown(
        s.clusters()[..end]
            .iter()
            .flat_map(|c| c.report_ids.iter().map(|r| r.as_str())),
        s.generation(),
    )
}

/// What the task that writes an export holds.
struct Writer {
    state: AppState,
    caller: Caller,
    snapshot: Arc<State>,
    permit: OwnedSemaphorePermit,
    tx: mpsc::Sender<Bytes>,
    /// Set once every batch is written and taken.
    whole: Arc<AtomicBool>,
}

/// Why an export stopped before its end.
#[derive(Debug, Clone, Copy)]
enum Cut {
    /// Its client took no batch for `request_timeout`.
    Stalled,
    /// It ran for [`LONGEST`].
    TooLong,
    /// Its client went away.
    Gone,
    /// A batch could not be written (the heavy-read threads refused it
    /// for `request_timeout`, or it failed).
    Failed,
}

async fn write(w: Writer) {
    let Writer {
        state,
        caller,
        snapshot,
        permit,
        tx,
        whole,
    } = w;
    let stall = state.export_stall;
    let deadline = Instant::now() + LONGEST;
    let total = snapshot.clusters().len();
    // The clusters handed to the body.
    let mut sent = 0;
    let outcome = async {
        while sent < total {
            if Instant::now() >= deadline {
                return Err(Cut::TooLong);
            }
            let (bytes, end) = batch(&state, &snapshot, sent, Instant::now() + stall).await?;
            hand(&tx, stall, deadline, tx.send(bytes)).await?;
            sent = end;
        }
        // Every batch is in the channel: done once the body has taken
        // them, each within `stall` of the one before (a slot at a time,
        // as a steady slow client frees them).
        let mut freed = Vec::with_capacity(IN_FLIGHT);
        for _ in 0..IN_FLIGHT {
            freed.push(hand(&tx, stall, deadline, tx.reserve()).await?);
        }
        Ok::<(), Cut>(())
    }
    .await;
    match outcome {
        Ok(()) => {
            whole.store(true, Ordering::Release);
            // Before the body ends: its client may ask for the next one
            // at once.
            drop(permit);
            drop(tx);
        }
        Err(why) => {
            tracing::info!(
                ?why,
                clusters = sent,
                of = total,
                "a whole export was cut off"
            );
            // Logged while the body is still open (it ends when `tx` goes),
            // so that a stopping server, which waits for its connections,
            // does not drop this task first. On the blocking pool, which
            // does not refuse work as the heavy reads' queue does when full.
            let s = snapshot.clone();
            let reports =
                crate::api::blocking(&state.engine, move |_| Ok::<_, ApiError>(named(&s, sent)))
                    .await
                    .unwrap_or_else(|_| json!({"count": "unknown"}));
            let targets = json!({"export": "all", "clusters": sent, "reports": reports});
            if let Err(e) =
                log_read(&state, &caller, "export_clusters", targets, "incomplete").await
            {
                tracing::error!(error = ?e, "could not log a whole export cut off");
            }
            // The body ends with an error once its client reads what is
            // in the channel (a client that reads nothing more is
            // disconnected by the server's write deadline).
            drop(tx);
            drop(permit);
        }
    }
}

/// Waits for `step` (a batch handed to the body, or the body taking them
/// all) at most until the client has stalled or the export ran too long.
async fn hand<T, E>(
    tx: &mpsc::Sender<Bytes>,
    stall: Duration,
    deadline: Instant,
    step: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T, Cut> {
    let left = deadline.saturating_duration_since(Instant::now());
    match tokio::time::timeout(stall.min(left), step).await {
        Ok(Ok(done)) => Ok(done),
        Ok(Err(_)) => Err(Cut::Gone),
        Err(_) if tx.is_closed() => Err(Cut::Gone),
        Err(_) if left <= stall => Err(Cut::TooLong),
        Err(_) => Err(Cut::Stalled),
    }
}

/// The clusters from `at` on, written as NDJSON lines on the heavy-read
/// threads until about [`BATCH_BYTES`], and where the next batch starts.
/// Waits (until `until`) while their queue is full.
async fn batch(
    state: &AppState,
    snapshot: &Arc<State>,
    at: usize,
    until: Instant,
) -> Result<(Bytes, usize), Cut> {
    loop {
        let s = snapshot.clone();
        let written = state
            .heavy(move |e| {
                let clusters = s.clusters();
                let mut out = Vec::with_capacity(BATCH_BYTES + BATCH_BYTES / 8);
                let mut end = at;
                while end < clusters.len() && out.len() < BATCH_BYTES {
                    let c = &clusters[end];
                    crate::export::ndjson_line(c, e.triage(&c.cluster_id), &mut out)?;
                    end += 1;
                }
                Ok((Bytes::from(out), end))
            })
            .await;
        match written {
            Ok(b) => return Ok(b),
            Err(ApiError::Busy) if Instant::now() < until => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(e) => {
                tracing::warn!(error = ?e, "a batch of a whole export could not be written");
                return Err(Cut::Failed);
            }
        }
    }
}

/// The response body: the batches as they come, then an error unless
/// the writer said the export is whole.
struct Batches {
    rx: mpsc::Receiver<Bytes>,
    whole: Arc<AtomicBool>,
}

impl futures_core::Stream for Batches {
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match self.rx.poll_recv(cx) {
            Poll::Ready(Some(b)) => Poll::Ready(Some(Ok(b))),
            Poll::Ready(None) if self.whole.load(Ordering::Acquire) => Poll::Ready(None),
            Poll::Ready(None) => {
                // Once: a stream is not polled after its error.
                self.whole.store(true, Ordering::Release);
                Poll::Ready(Some(Err(std::io::Error::other(
                    "the export was cut off before its end",
                ))))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}
