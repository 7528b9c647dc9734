//! The engine: one cheap-clone handle that owns the store, the extractor
//! and the derived cluster state. The CLI, the HTTP API and the UI all
//! call it; each use case has a file of its own:
//!
//! - `ingest`: NDJSON lines and pushed reports into the store and index;
//! - `rebuild` and `link`: the derived state (graph, partition, cluster
//!   summaries) rebuilt from the store, and the linking rules it applies;
//! - `state`: that state, replaced as a whole so readers never see half an
//!   update; `score`: the priority score of a cluster;
//! - `check`: the intake check; `search`: full-text search and similar
//!   reports;
//! - `clusters`: what the front ends show of a cluster, its triage and
//!   the analysts' link decisions; `suggestions`: weak links to review;
//! - `alerts`, `purge`, `tokens`: webhooks, retention, tokens and the
//!   access log; `rfc3339`: times on the wire;
//! - `error`: [`EngineError`], how a use case fails (not found, invalid,
//!   internal), which each front end says once;
//! - `overview`: what the dashboard and the flow read of a whole state,
//!   worked out before a serving engine publishes it.
//!
//! The submodules share the engine's internals (`pub(super)`); the rest of
//! the crate sees what this module re-exports.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use anyhow::Result;
use tracing::warn;

use crate::cluster::ClusterId;
use crate::config::Settings;
use crate::extract::Extractor;
use crate::index::SearchIndex;
use crate::store::{AccessQueue, ClusterRecord, Store};

mod alerts;
mod check;
mod clusters;
mod error;
mod ingest;
mod link;
mod overview;
mod pending;
mod pivot;
mod purge;
mod rebuild;
mod rfc3339;
mod score;
mod search;
mod state;
mod suggestions;
mod tokens;
mod triage;

pub use self::check::{
    CheckAnswer, CheckIdent, CheckMatch, CheckRequest, Known, KnownCluster, KnownIdent, MatchedOn,
    PendingMatch, Unreadable, check_against,
};
pub use self::clusters::{
    ClusterDetail, ClusterFilter, ClusterIdent, ClusterView, Decided, Decision, DetailRow,
    STATUSES, SuppressedIdent, Triage, TriageChange, decision_reports, link_cause_ends,
    link_endpoints, record_decision, set_triage, status_schema, triage_in, triage_of,
};
pub use self::error::{EngineError, EngineResult, Thing};
pub use self::ingest::{IngestSummary, PushRefused, Rejection};
pub use self::overview::{FLOW_WEEKS, FlowBase, Inflow, week_start};
pub use self::pending::{PENDING_SHOWN, PendingIn, PendingMember, PendingVia};
pub use self::pivot::{Pivot, PivotReport};
pub use self::purge::{PurgeSummary, REJECTS_DIR};
pub(crate) use self::purge::{finish_purge, purge_store, truncate_wal};
pub use self::rebuild::Heavy;
pub use self::rfc3339::rfc3339;
pub use self::score::{ScoreFigures, ScoreParts};
pub use self::search::{SearchHit, SearchPage, SearchParams, SearchText, SimilarReport, parse_day};
pub(crate) use self::search::{search_in, similar_reports};
pub use self::state::{ClusterSummary, Row, State};
pub use self::suggestions::{OpenSuggestion, suggestion_reports};
pub use self::tokens::create_token;
pub use self::triage::QueueEntry;

pub mod flow;
pub mod graph;

/// A cheap-clone handle to everything.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    /// Checkpoints the WAL and moves the access log's queue in the
    /// background; held only to be stopped when the engine is dropped.
    /// Declared first, so that it is stopped first: its last move of the
    /// queue, and the queue's lock let go, do not wait for the state to be
    /// freed (a `serve` started as this one stops waits for that lock).
    _checkpointer: Checkpointer,
    settings: Settings,
    extractor: Extractor,
    store: Mutex<Store>,
    /// The full-text index, derived from the store.
    index: SearchIndex,
    /// A connection for reading the access log (and moving the queued
    /// reads into it first), so that an admin's read does not hold the
    /// pool's connections while the move waits for the writer. Token
    /// look-ups read on the pool ([`Engine::read`]).
    audit: Mutex<Store>,
    /// Where reads are logged, moved into the store's access log by the
    /// [`Checkpointer`]'s thread and before the log is read.
    access_queue: Arc<AccessQueue>,
    state: RwLock<Arc<State>>,
    /// Pushed reports the state does not hold yet, which checks find
    /// meanwhile (see `pending`).
    pending: RwLock<pending::Pending>,
    /// Triage records of the live clusters someone has triaged (see
    /// [`Store::triaged_clusters`]): small, changed by people, so kept
    /// apart from the derived state that a re-cluster replaces.
    triage: RwLock<HashMap<ClusterId, ClusterRecord>>,
    /// Serialises re-clustering: two at once would race on the stored
    /// assignment.
    rebuilding: Mutex<()>,
    /// Rebuilds waiting for the one in flight (after a link decision, say,
    /// which a person waits for): while any wait, the one in flight runs
    /// its remaining long steps on its own thread instead of handing them
    /// to a thread that runs only on free cores.
    waiting: std::sync::atomic::AtomicUsize,
    /// How long the last re-cluster took, in milliseconds (see
    /// [`Engine::reclusters_within`]).
    last_rebuild_ms: std::sync::atomic::AtomicU64,
    /// How long the last save of the clusters for the commands took, in
    /// milliseconds.
    last_save_ms: std::sync::atomic::AtomicU64,
    /// See [`Engine::one_shot`].
    one_shot: std::sync::atomic::AtomicBool,
    /// See [`Engine::serving`].
    serving: std::sync::atomic::AtomicBool,
    /// Set by [`Engine::open_to_serve`]: the clusters a rebuild publishes
    /// are saved for the commands on a thread of their own.
    save_beside: bool,
    /// The start's jobs still running beside the first requests (see
    /// [`Engine::ready`]).
    starting: Arc<std::sync::atomic::AtomicUsize>,
    /// Serialises purges: the daily one and the watch for purges of other
    /// processes would otherwise both apply the same ledger entries.
    purging: Mutex<()>,
    /// Serialises writing the saved state, and holds the stamp of the
    /// last one written or found on disk (see [`Engine::save_state`]).
    saving: Mutex<Option<crate::saved::Stamp>>,
    /// Idle read-only connections for page reads, so that a report or a
    /// cluster's history is read without queueing behind pushes that hold
    /// the writer (see [`Engine::read`]).
    readers: Mutex<Vec<Store>>,
    /// Set by [`Engine::open_to_serve`] when the clusters saved for the
    /// commands are the store's: checks are answered from them until the
    /// first state is built (see [`Engine::serving`]).
    opened_with: Mutex<Option<Arc<crate::saved::Saved>>>,
    /// Set by [`Engine::open_to_serve`]: [`Engine::serving`] brings the
    /// index up to the store and builds the clusters.
    to_open: std::sync::atomic::AtomicBool,
    /// False from [`Engine::open_to_serve`] until the start has brought
    /// the search index up to the store (see [`Engine::index_caught_up`]).
    index_current: std::sync::atomic::AtomicBool,
    /// The shared hold on the data directory (see `datadir`); declared
    /// last, so it is let go after everything else has closed.
    _hold: crate::datadir::Hold,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if self.one_shot.load(std::sync::atomic::Ordering::Relaxed) {
            let state = self.state.get_mut().unwrap_or_else(|p| p.into_inner());
            std::mem::forget(state.clone());
        }
    }
}

/// The earlier versions of a report a read shows, the latest: each may
/// be as large as a push, and an intake token may push its report again
/// and again.
pub const VERSIONS_SHOWN: usize = 20;

/// The page cache of connections that log, look up or checkpoint (the
/// writer and a rebuild's readers keep the store's large default).
const SMALL_CACHE_KIB: i64 = 8 * 1024;

/// A thread that, a few times a second, moves the access log's queue into
/// the store's log and checkpoints the store's WAL, so that the commits of
/// pushes, imports and the access log do not stop to copy it themselves.
/// It moves the queue a last time when stopped. It runs at the priority of
/// the requests whose rows it moves: at the background's, a minute of
/// saturating checks left a million rows waiting (docs/performance.md).
struct Checkpointer {
    stop: Arc<(Mutex<bool>, std::sync::Condvar)>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Checkpointer {
    const EVERY: std::time::Duration = std::time::Duration::from_millis(250);

    fn start(mut store: Store, queue: Arc<AccessQueue>) -> Checkpointer {
        let stop = Arc::new((Mutex::new(false), std::sync::Condvar::new()));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("checkpoint".into())
            .spawn(move || {
                crate::workers::lower_thread_priority(crate::workers::Priority::Requests);
                let (stopped, wake) = &*flag;
                let mut stopped = stopped.lock().unwrap_or_else(|p| p.into_inner());
                loop {
                    let last = *stopped;
                    if let Err(e) = store.take_access_queue(&queue) {
                        warn!(
                            error = format!("{e:#}"),
                            "moving the access log's queue into the store; its rows wait"
                        );
                    }
                    if last {
                        break;
                    }
                    if let Err(e) = store.checkpoint() {
                        tracing::debug!(error = format!("{e:#}"), "background checkpoint");
                    }
                    stopped = wake
                        .wait_timeout(stopped, Checkpointer::EVERY)
                        .unwrap_or_else(|p| p.into_inner())
                        .0;
                }
            });
        if let Err(e) = &thread {
            warn!(error = %e, "could not start the checkpoint thread; commits checkpoint");
        }
        Checkpointer {
            stop,
            thread: thread.ok(),
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        let (stopped, wake) = &*self.stop;
        *stopped.lock().unwrap_or_else(|p| p.into_inner()) = true;
        wake.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// What an engine is opened for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opening {
    /// A command (`check`, `reindex`, a reader as the owner, ...).
    Command,
    /// An import (see [`Engine::open_to_ingest`]).
    ToIngest,
    /// `serve` (see [`Engine::open_to_serve`]).
    ToServe,
}

impl Engine {
    /// Opens the store in the settings' data directory as the process
    /// that owns it (it alone writes the search index and re-clusters) and
    /// rebuilds the derived state from it. Fails while another process
    /// owns it; the commands that read or administer open it beside that
    /// one (`reader`).
    pub fn open(settings: Settings) -> Result<Engine> {
        Engine::open_as(settings, Opening::Command)
    }

    /// [`Engine::open`] for `serve`, without building the clusters: the
    /// service answers at once and [`Engine::serving`] builds them beside
    /// its first requests (minutes at ten million reports), then saves them
    /// for the commands on a thread of its own. Meanwhile a command beside
    /// it shows the clusters saved before, with a note when they are
    /// behind, or waits for the save when there are none (`reader`).
    pub fn open_to_serve(settings: Settings) -> Result<Engine> {
        Engine::open_as(settings, Opening::ToServe)
    }

    /// [`Engine::open`] for an import (`fraudlink ingest`), which
    /// re-clusters once it has stored its reports: the clusters are not
    /// rebuilt on open when those saved for the commands are the store's
    /// as it stands and were built with these settings (at ten million
    /// reports that rebuild takes minutes and 11 GB, and was thrown away).
    /// Until the import stores something, [`Engine::state`] is empty. With
    /// alerts configured the clusters are rebuilt on open all the same: an
    /// alert is raised by what an import changes in the served clusters.
    pub fn open_to_ingest(settings: Settings) -> Result<Engine> {
        Engine::open_as(settings, Opening::ToIngest)
    }

    fn open_as(settings: Settings, opening: Opening) -> Result<Engine> {
        match Engine::try_open_as(settings, opening)? {
            Ok(engine) => Ok(engine),
            Err(dir) => anyhow::bail!(
                "{} is in use by another fraudlink process (serve, ingest, reindex, ...); \
                 this command needs the data directory to itself: stop that one first, \
                 or run the command against the service with --server",
                dir.display()
            ),
        }
    }

    /// [`Engine::open`], or the data directory back when another process
    /// owns it.
    pub fn try_open(settings: Settings) -> Result<Result<Engine, std::path::PathBuf>> {
        Engine::try_open_as(settings, Opening::Command)
    }

    fn try_open_as(
        settings: Settings,
        opening: Opening,
    ) -> Result<Result<Engine, std::path::PathBuf>> {
        let save_beside = opening == Opening::ToServe;
        let hold = crate::datadir::share(&settings.data_dir)?;
        let index_dir = settings.data_dir.join(INDEX_DIR);
        if SearchIndex::lock_dir(&index_dir)?.is_none() {
            return Ok(Err(settings.data_dir));
        }
        let extractor = Extractor::new(settings.region()?, settings.load_allowlist()?);
        let store = Store::open(&settings.data_dir)?;
        crate::datadir::fix_data_dir(&settings.data_dir)?;
        let index = SearchIndex::open(&index_dir)?;
        let mut audit = Store::open_with(&settings.data_dir, crate::store::Durability::Process)?
            .small_cache(SMALL_CACHE_KIB)?;
        let access_queue = Arc::new(AccessQueue::open(&settings.data_dir, &mut audit)?);
        let checkpointer = Checkpointer::start(
            Store::open_with(&settings.data_dir, crate::store::Durability::Process)?
                .small_cache(SMALL_CACHE_KIB)?,
            access_queue.clone(),
        );
        let engine = Engine {
            inner: Arc::new(Inner {
                settings,
                extractor,
                store: Mutex::new(store),
                index,
                audit: Mutex::new(audit),
                access_queue,
                state: RwLock::new(Arc::new(State::empty())),
                pending: RwLock::new(pending::Pending::default()),
                triage: RwLock::new(HashMap::new()),
                rebuilding: Mutex::new(()),
                waiting: std::sync::atomic::AtomicUsize::new(0),
                last_rebuild_ms: std::sync::atomic::AtomicU64::new(0),
                last_save_ms: std::sync::atomic::AtomicU64::new(0),
                one_shot: std::sync::atomic::AtomicBool::new(false),
                serving: std::sync::atomic::AtomicBool::new(false),
                save_beside,
                starting: Arc::new(std::sync::atomic::AtomicUsize::new(0)),
                purging: Mutex::new(()),
                saving: Mutex::new(None),
                readers: Mutex::new(Vec::new()),
                opened_with: Mutex::new(None),
                to_open: std::sync::atomic::AtomicBool::new(opening == Opening::ToServe),
                index_current: std::sync::atomic::AtomicBool::new(opening != Opening::ToServe),
                _checkpointer: checkpointer,
                _hold: hold,
            }),
        };
        match opening {
            // Built beside the first requests (see `Engine::serving`).
            Opening::ToServe => return Ok(Ok(engine)),
            Opening::ToIngest if engine.saved_clusters_current()? => {}
            _ => {
                engine.rebuild("open")?;
            }
        }
        engine.catch_up_index()?;
        Ok(Ok(engine))
    }

    /// The clusters saved for the commands when a check answers from them
    /// as from the store's clusters: they are the store's as it stands and
    /// were built with the same linking and priority settings (see
    /// [`crate::saved::check_fingerprint`]).
    pub(super) fn saved_for_checks(&self) -> Result<Option<crate::saved::Saved>> {
        let settings = crate::saved::check_fingerprint(&self.inner.settings);
        self.saved_if_current(|stamp| stamp.check_settings == settings)
    }

    /// The clusters saved for the commands when they are the store's as it
    /// stands (its generation and change counter) and `built_so` holds of
    /// their stamp; `None` otherwise. A file that cannot be read is not
    /// current: the caller rebuilds, and the save after it says what is
    /// wrong with the file.
    fn saved_if_current(
        &self,
        built_so: impl Fn(&crate::saved::Stamp) -> bool,
    ) -> Result<Option<crate::saved::Saved>> {
        let saved = match crate::saved::Saved::open(self.data_dir()) {
            Ok(Some(saved)) => saved,
            Ok(None) => return Ok(None),
            Err(e) => {
                warn!(
                    error = format!("{e:#}"),
                    "the saved clusters cannot be read"
                );
                return Ok(None);
            }
        };
        let (generation, revisions) = {
            let store = self.store();
            (store.generation()?, store.revisions()?)
        };
        let stamp = saved.stamp();
        let current = stamp.generation == generation
            && stamp.revisions.derived == revisions.derived
            && built_so(stamp);
        Ok(current.then_some(saved))
    }

    /// The saved clusters a service answers checks from while it starts
    /// (see [`Engine::checks_while_starting`]).
    pub(super) fn opened_with(&self) -> MutexGuard<'_, Option<Arc<crate::saved::Saved>>> {
        self.inner
            .opened_with
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// Whether the clusters are built: false only while a service opened
    /// with [`Engine::open_to_serve`] builds its first state (minutes at
    /// ten million reports), when only checks are answered, and only when
    /// the clusters saved for the commands are the store's
    /// ([`Engine::checks_while_starting`]).
    pub fn has_clusters(&self) -> bool {
        self.state().generation >= 0
    }

    /// Whether the search index has been brought up to the store since the
    /// open: false during the start of a service until its catch-up ends
    /// (a stop meanwhile must not record the store's generation with an
    /// index that lacks reports).
    pub fn index_caught_up(&self) -> bool {
        self.inner
            .index_current
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Whether pushes are taken before the clusters are built: once the
    /// start has decided whether the saved clusters answer checks (a push
    /// before would make them behind the store) and brought the search
    /// index up to the store (which holds the writer meanwhile), and when
    /// no alert is configured (an alert is raised by comparing the clusters
    /// before and after a push, and there are none before).
    pub fn takes_pushes_while_starting(&self) -> bool {
        self.index_caught_up() && self.inner.settings.alerts.is_empty()
    }

    /// Whether checks are answered before the clusters are built (see
    /// [`Engine::has_clusters`]): from the clusters saved for the
    /// commands, when they were the store's at the open.
    pub fn checks_while_starting(&self) -> bool {
        self.opened_with().is_some()
    }

    /// Whether the clusters saved for the commands are the store's as it
    /// stands, built with these settings, and no alert is configured (see
    /// [`Engine::open_to_ingest`]).
    fn saved_clusters_current(&self) -> Result<bool> {
        if !self.inner.settings.alerts.is_empty() {
            return Ok(false);
        }
        let settings = crate::saved::settings_fingerprint(&self.inner.settings);
        Ok(self
            .saved_if_current(|stamp| stamp.settings == settings)?
            .is_some())
    }

    /// The settings in use.
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// The extractor in use.
    pub fn extractor(&self) -> &Extractor {
        &self.inner.extractor
    }

    fn audit_store(&self) -> MutexGuard<'_, Store> {
        self.inner.audit.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` on a reading connection of the pool (opened when none is
    /// idle): SQLite's WAL lets it read the last commit while a writer works.
    fn read<T>(&self, f: impl FnOnce(&Store) -> Result<T>) -> Result<T> {
        const KEEP: usize = 4;
        let idle = self
            .inner
            .readers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop();
        let store = match idle {
            Some(store) => store,
            None => Store::open_with(
                &self.inner.settings.data_dir,
                crate::store::Durability::Process,
            )?
            .small_cache(SMALL_CACHE_KIB)?,
        };
        let out = f(&store);
        let mut idle = self.inner.readers.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < KEEP {
            idle.push(store);
        }
        out
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        // A poisoned lock means a panic mid-write; SQLite rolled the
        // transaction back, so the store itself is consistent.
        self.inner.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The current derived state.
    pub fn state(&self) -> Arc<State> {
        self.inner
            .state
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// For one-shot commands: derived states are left to the operating
    /// system at exit instead of being freed piece by piece (seconds at a
    /// million reports). Not for a long-running server, which would keep
    /// every replaced state.
    pub fn one_shot(self) -> Engine {
        self.inner
            .one_shot
            .store(true, std::sync::atomic::Ordering::Relaxed);
        self
    }

    /// For a server that has stopped serving: its state is left to the
    /// operating system at exit, as a one-shot command's. Freed piece by
    /// piece on the thread that lets go of it last, the state of ten
    /// million reports took 20-30 s of a stop, nearly all in the
    /// allocator's frees across threads (docs/performance.md).
    pub fn leave_state_at_exit(&self) {
        self.inner
            .one_shot
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// For a server: a rebuilt state is published only with its
    /// suggestions, their queue, the inflow and the flow's inputs worked
    /// out (see `overview`), so that no request waits seconds for them.
    /// The current state's are worked out on a thread of its own, which
    /// this returns: at ten million reports that takes about a minute,
    /// and the service answers meanwhile (checks, searches, reports; a
    /// page that needs them waits for them on the heavy-read threads, so
    /// the thread runs at the priority of those requests, not below).
    /// An engine opened with [`Engine::open_to_serve`] first builds its
    /// clusters on that thread (`Engine::open_clusters`); until they are
    /// built only checks are answered (`api::starting`).
    pub fn serving(&self) -> std::io::Result<std::thread::JoinHandle<()>> {
        let opening = self
            .inner
            .to_open
            .swap(false, std::sync::atomic::Ordering::SeqCst);
        if !opening {
            self.inner
                .serving
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
        let engine = self.clone();
        let job = self.start_job();
        std::thread::Builder::new()
            .name("prepare-pages".into())
            .spawn(move || {
                let _done = job;
                if opening {
                    // At the priority of the pages and pushes, below the
                    // checks, which it would otherwise slow down (checks
                    // during a start are the intake desk's).
                    crate::workers::lower_thread_priority(crate::workers::Priority::Requests);
                    let opened = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        engine.open_clusters();
                    }));
                    if opened.is_err() {
                        // The panic's message is logged by the hook.
                        tracing::error!("building the clusters panicked; stopping");
                        std::process::exit(1);
                    }
                    engine
                        .inner
                        .serving
                        .store(true, std::sync::atomic::Ordering::Relaxed);
                }
                crate::workers::lower_thread_priority(crate::workers::Priority::Requests);
                let started = std::time::Instant::now();
                let state = engine.state();
                engine.prepare(&state);
                tracing::info!(
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "the pages' suggestions, queue and flow are worked out"
                );
            })
    }

    /// Whether the start's jobs beside the first requests are done:
    /// working out the pages' inputs ([`Engine::serving`]) and saving the
    /// clusters opened with ([`Engine::open_to_serve`]). Until then the
    /// service answers, but a page may wait and the cores are shared with
    /// them (`GET /healthz` says `ready`).
    pub fn ready(&self) -> bool {
        self.inner
            .starting
            .load(std::sync::atomic::Ordering::SeqCst)
            == 0
            && self.has_clusters()
    }

    /// Counts a start job until what this returns is dropped.
    pub(super) fn start_job(&self) -> StartJob {
        self.inner
            .starting
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        StartJob(self.inner.starting.clone())
    }

    /// The team that filed a report.
    pub fn report_team(&self, id: &str) -> Result<Option<String>> {
        self.read(|s| s.report_team(id))
    }

    /// Writes every cluster as NDJSON (docs/formats.md section 3).
    pub fn export_clusters(&self, out: &mut dyn Write) -> Result<()> {
        let state = self.state();
        for c in &state.clusters {
            serde_json::to_writer(&mut *out, &self.view(c))?;
            out.write_all(b"\n")?;
        }
        Ok(())
    }

    /// A stored report's raw JSON and identifiers.
    pub fn report(&self, id: &str) -> Result<Option<crate::store::StoredReport>> {
        self.read(|s| s.report(id))
    }

    /// How many earlier versions a report has, and the latest
    /// [`VERSIONS_SHOWN`] of them, oldest first.
    pub fn report_versions(&self, id: &str) -> Result<(usize, Vec<crate::store::ReportVersion>)> {
        self.read(|s| s.report_versions(id, VERSIONS_SHOWN))
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.inner.settings.data_dir
    }
}

/// A start job in flight (see [`Engine::ready`]); done when dropped,
/// also when its thread panics.
pub(super) struct StartJob(Arc<std::sync::atomic::AtomicUsize>);

impl Drop for StartJob {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// The index folder inside the data directory.
pub const INDEX_DIR: &str = "search";

/// What the engine's tests share.
#[cfg(test)]
pub(crate) mod testing {
    use super::Engine;

    /// An engine over the fixtures, its store in `dir`.
    pub(crate) fn fixture_engine(dir: &std::path::Path) -> Engine {
        let mut settings = crate::config::Settings::defaults();
        settings.data_dir = dir.to_path_buf();
        let engine = Engine::open(settings).unwrap();
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/reports.ndjson");
        let input = std::io::BufReader::new(std::fs::File::open(path).unwrap());
        engine
            .ingest("fixtures", input, &mut |_| Ok(()), &mut |_, _, _| {})
            .unwrap();
        engine
    }
}
