//! Token checks that a flood of wrong tokens cannot turn into a queue.
//!
//! [`TokenBook`] keeps every live token's hash in memory, so a wrong token
//! costs a hash and a map lookup, never a trip to the store: the store is
//! read again at most once a second on a miss (so a token created while the
//! service runs works within a second) and whenever the book is older than
//! [`TOKEN_TTL`] (so a revoked token stops working soon after it), and at
//! once when the server sees that a command beside it changed the tokens
//! ([`TokenBook::reload`]). An expired token is refused from the moment it
//! expires, whatever the book's age. Readers
//! never wait for each other; one reload runs at a time and the others use
//! its result. A known token never waits for a reload: when the book is
//! stale it is read again in the background while requests go on with it.
//!
//! [`Refusals`] counts refused tokens and writes them to the access log as
//! one row per kind and second, from a task of its own: a flood of wrong
//! tokens neither waits for the access log nor fills it.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use crate::auth::Principal;
use crate::engine::Engine;

/// How long the book is trusted without reading the store again.
pub const TOKEN_TTL: Duration = Duration::from_secs(30);

/// How often a miss may make the book read the store again.
pub const MISS_RELOAD: Duration = Duration::from_secs(1);

/// How long refusals are gathered before they are written.
const REFUSALS_WINDOW: Duration = Duration::from_secs(1);

/// The live tokens, by hash.
#[derive(Default)]
pub struct TokenBook {
    book: RwLock<Arc<Book>>,
    /// Held while the store is read, so one reload runs at a time.
    reload: tokio::sync::Mutex<()>,
    /// Times the store was read (for `/metrics`).
    reads: AtomicU64,
    /// Set while a background reload is queued or running.
    refreshing: AtomicBool,
    /// Moves at each [`TokenBook::reload`]: the UI's sessions check their
    /// token again when it has moved since they last did.
    epoch: AtomicU64,
}

#[derive(Default)]
struct Book {
    by_hash: HashMap<String, Principal>,
    /// When it was read from the store; `None` before the first read.
    loaded: Option<Instant>,
}

impl Book {
    fn age(&self) -> Option<Duration> {
        self.loaded.map(|t| t.elapsed())
    }
}

impl TokenBook {
    fn current(&self) -> Arc<Book> {
        self.book.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The caller a token hash belongs to, `None` for a wrong or revoked
    /// token. Reads the store only when the book is stale, or on a miss
    /// when the book is older than [`MISS_RELOAD`].
    pub async fn principal(
        self: &Arc<Self>,
        engine: &Engine,
        hash: &str,
    ) -> anyhow::Result<Option<Principal>> {
        let asked = Instant::now();
        let book = self.current();
        if let Some(age) = book.age() {
            if age >= TOKEN_TTL {
                self.refresh_behind(engine);
            }
            if let Some(p) = book.by_hash.get(hash) {
                return Ok((!p.expired()).then(|| p.clone()));
            }
            if age < MISS_RELOAD {
                return Ok(None);
            }
        }
        self.reload_since(engine, asked).await?;
        Ok(self
            .current()
            .by_hash
            .get(hash)
            .filter(|p| !p.expired())
            .cloned())
    }

    /// Reads the store again now, after another process (a `token create`
    /// or `token revoke` beside the service) changed the tokens.
    pub async fn reload(&self, engine: &Engine) -> anyhow::Result<()> {
        self.reload_since(engine, Instant::now()).await?;
        self.epoch.fetch_add(1, Ordering::AcqRel);
        Ok(())
    }

    /// See [`TokenBook::reload`].
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// Reads the store unless another request did since `asked`.
    async fn reload_since(&self, engine: &Engine, asked: Instant) -> anyhow::Result<()> {
        let _one_at_a_time = self.reload.lock().await;
        // Another request may have read the store while this one waited.
        let reloaded_since = self.current().loaded.is_some_and(|t| t >= asked);
        if !reloaded_since {
            let engine = engine.clone();
            self.reads.fetch_add(1, Ordering::Relaxed);
            let live = tokio::task::spawn_blocking(move || engine.live_tokens()).await??;
            let fresh = Arc::new(Book {
                by_hash: live.into_iter().collect(),
                loaded: Some(Instant::now()),
            });
            *self.book.write().unwrap_or_else(|p| p.into_inner()) = fresh;
        }
        Ok(())
    }

    /// Reads the store again in the background, one reload at a time; the
    /// requests meanwhile go on with the book they have.
    fn refresh_behind(self: &Arc<Self>, engine: &Engine) {
        if self.refreshing.swap(true, Ordering::AcqRel) {
            return;
        }
        let (book, engine) = (self.clone(), engine.clone());
        tokio::spawn(async move {
            if let Err(e) = book.reload_since(&engine, Instant::now()).await {
                tracing::warn!(error = format!("{e:#}"), "reading the tokens failed");
            }
            book.refreshing.store(false, Ordering::Release);
        });
    }

    /// How often the tokens were read from the store.
    pub fn store_reads(&self) -> u64 {
        self.reads.load(Ordering::Relaxed)
    }
}

impl Refusals {
    /// Refusals since start, by kind.
    pub fn totals(&self) -> Vec<(&'static str, u64)> {
        let total = self.total.lock().unwrap_or_else(|p| p.into_inner());
        total.iter().map(|(k, n)| (*k, *n)).collect()
    }
}

/// Refused tokens, counted per kind (`api_token`, `ui_sign_in`) and written
/// to the access log once per window.
#[derive(Default)]
pub struct Refusals {
    pending: Mutex<BTreeMap<&'static str, u64>>,
    scheduled: AtomicBool,
    /// Refusals since start, by kind (for `/metrics`).
    total: Mutex<BTreeMap<&'static str, u64>>,
}

impl Refusals {
    /// Counts one refusal of `kind`; never waits for the access log. The
    /// first refusal of a quiet spell starts a task that writes the counts
    /// after [`REFUSALS_WINDOW`].
    pub fn record(self: &Arc<Self>, engine: &Engine, kind: &'static str) {
        *self
            .total
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(kind)
            .or_default() += 1;
        *self
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(kind)
            .or_default() += 1;
        if self.scheduled.swap(true, Ordering::AcqRel) {
            return;
        }
        let this = self.clone();
        let engine = engine.clone();
        tokio::spawn(async move {
            tokio::time::sleep(REFUSALS_WINDOW).await;
            this.scheduled.store(false, Ordering::Release);
            let counts =
                std::mem::take(&mut *this.pending.lock().unwrap_or_else(|p| p.into_inner()));
            let written = tokio::task::spawn_blocking(move || {
                for (kind, n) in counts {
                    engine.log_access(
                        None,
                        kind,
                        &serde_json::json!({ "refused": n }),
                        None,
                        "denied",
                    )?;
                }
                anyhow::Ok(())
            })
            .await;
            match written {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    tracing::error!(error = format!("{e:#}"), "logging refused tokens failed")
                }
                Err(e) => tracing::error!(error = %e, "logging refused tokens panicked"),
            }
        });
    }
}
