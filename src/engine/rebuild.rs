//! Rebuilding the derived state from the store: when, how, and saving it
//! so the next start opens fast.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Result;
use time::OffsetDateTime;
use tracing::{info, instrument, warn};

use crate::cluster::{self, Event, Graph, Partition};
use crate::report::{Report, ReportId};
use crate::store::{LinkRow, LinkRows, Revisions, Store};

use super::Engine;
use super::alerts::alerts_between;
use super::ingest::index_doc;
use super::link::IdentReads;
use super::state::State;
use super::suggestions::WeakInput;

impl Engine {
    /// Brings the search index up to the store: after a crash, a deleted
    /// index folder or a schema change, the reports it lacks are indexed.
    /// Returns how many were (re)indexed.
    pub fn catch_up_index(&self) -> Result<usize> {
        let index = &self.inner.index;
        let store_gen = self.store().generation()?;
        let from = index.generation().unwrap_or(0);
        let fresh = index.generation().is_none();
        if from >= store_gen && !fresh {
            self.catch_up_purges()?;
            return Ok(0);
        }
        let started = std::time::Instant::now();
        let mut n = 0;
        let mut docs = Vec::with_capacity(1024);
        self.store().reports_since(from, |_, raw, terms| {
            if let Ok(report) = Report::from_json(raw) {
                docs.push(index_doc(&report, terms));
                n += 1;
            }
            if docs.len() >= 1024 {
                index.submit(std::mem::take(&mut docs));
            }
        })?;
        index.submit(docs);
        index.flush(store_gen)?;
        if fresh {
            // A new index holds no purged report: it only records how far
            // the ledger goes.
            let last = self.read(|s| s.last_purge())?;
            index.purge(Vec::new(), last)?;
        } else {
            self.catch_up_purges()?;
        }
        info!(
            indexed = n,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "search index caught up"
        );
        Ok(n)
    }

    /// Rebuilds the graph from the store, re-clusters, reconciles the ids
    /// with the stored assignment and saves what changed.
    pub fn rebuild(&self, cause: &str) -> Result<Vec<Event>> {
        self.rebuild_on(cause, Heavy::Here)
    }

    /// [`Engine::rebuild`], with its long steps run where `heavy` says:
    /// read a snapshot of the store, link (graph, partition, stable ids),
    /// save what changed in the assignment, build the state, raise the
    /// alerts it crosses, publish it and save it for the commands.
    pub fn rebuild_on(&self, cause: &str, heavy: Heavy<'_>) -> Result<Vec<Event>> {
        let _one_at_a_time = self.one_rebuild_at_a_time();
        self.rebuild_held(cause, heavy)
    }

    /// [`Engine::rebuild_on`], with `rebuilding` held by the caller.
    #[instrument(name = "rebuild_on", skip(self, heavy))]
    fn rebuild_held(&self, cause: &str, heavy: Heavy<'_>) -> Result<Vec<Event>> {
        let started = std::time::Instant::now();
        let (reads, idents, snapshot) = self.read_snapshot()?;
        let read_ms = started.elapsed().as_millis() as u64;
        let engine = self.clone();
        let linked = self
            .hurried(heavy)
            .run(move || engine.link(reads, idents))?;
        if matches!(self.hurried(heavy), Heavy::Here) && self.is_command() {
            return self.save_while_building(linked, snapshot, cause, started, read_ms);
        }
        let clock = std::time::Instant::now();
        let changes =
            crate::store::MembershipChanges::between(&linked.assignment, &linked.reads.previous);
        // The writer is held only for the save (a difference, small after
        // a push): a rebuild at low priority must not keep pushes waiting.
        if !linked.assignment.events.is_empty() || !changes.is_empty() {
            self.store()
                .save_assignment(&linked.assignment, &changes, cause)?;
        }
        let save_ms = clock.elapsed().as_millis() as u64;
        let times = linked.times;
        let engine = self.clone();
        let (state, events, build_ms) = self
            .hurried(heavy)
            .run(move || engine.build_state(linked, snapshot))?;
        // Read with the writer held, as `set_triage` writes, so that a
        // triage made while the state was built is not overwritten.
        self.reload_triage()?;
        self.queue_alerts_to(&state)?;
        let steps = StepTimes {
            started,
            read_ms,
            link: times,
            save_ms,
            build_ms,
        };
        self.rebuilt(&state, events.len(), steps);
        self.publish(state, heavy);
        Ok(events)
    }

    /// Logs a re-cluster's step times and records how long it took (see
    /// [`Engine::reclusters_within`]).
    fn rebuilt(&self, state: &State, events: usize, t: StepTimes) {
        let elapsed_ms = t.started.elapsed().as_millis() as u64;
        info!(
            reports = state.rows.len(),
            clusters = state.clusters.len(),
            events,
            read_ms = t.read_ms,
            graph_ms = t.link.graph_ms,
            partition_ms = t.link.partition_ms,
            assign_ms = t.link.assign_ms,
            save_ms = t.save_ms,
            build_ms = t.build_ms,
            elapsed_ms,
            "clusters rebuilt"
        );
        self.inner
            .last_rebuild_ms
            .store(elapsed_ms, std::sync::atomic::Ordering::Relaxed);
    }

    /// Waits for a rebuild under way to end; counts as waiting meanwhile,
    /// so that the one running hurries ([`Engine::hurried`]).
    fn one_rebuild_at_a_time(&self) -> std::sync::MutexGuard<'_, ()> {
        match self.inner.rebuilding.try_lock() {
            Ok(free) => free,
            Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => {
                use std::sync::atomic::Ordering::SeqCst;
                self.inner.waiting.fetch_add(1, SeqCst);
                let taken = self
                    .inner
                    .rebuilding
                    .lock()
                    .unwrap_or_else(|p| p.into_inner());
                self.inner.waiting.fetch_sub(1, SeqCst);
                taken
            }
        }
    }

    /// Everything a rebuild reads, from one snapshot on connections of its
    /// own, so that pushes and page views that need the store are not held
    /// up for the seconds a rebuild reads at a million reports.
    fn read_snapshot(&self) -> Result<(RebuildReads, IdentReads, (i64, Revisions))> {
        let dir = &self.inner.settings.data_dir;
        let mut store = Store::open_with(dir, crate::store::Durability::Process)?;
        let mut side = Store::open_with(dir, crate::store::Durability::Process)?;
        // Two connections read at once (report rows and the previous
        // assignment on one, identifiers on the other) from snapshots taken
        // while this process's writer is held, so that both see the same
        // commit. Another process may commit in between: then the
        // generations differ and it tries again, and in the end reads
        // everything on one connection.
        let mut together = false;
        let mut seen = (0, Revisions::default());
        for _ in 0..5 {
            let (a, b) = {
                let _no_writes = self.store();
                store.begin_snapshot()?;
                side.begin_snapshot()?;
                (
                    (store.generation()?, store.revisions()?),
                    (side.generation()?, side.revisions()?),
                )
            };
            seen = a;
            if seen == b {
                together = true;
                break;
            }
            store.end_snapshot()?;
            side.end_snapshot()?;
        }
        if !together {
            store.begin_snapshot()?;
            seen = (store.generation()?, store.revisions()?);
        }
        let (reads, idents) = self.read_for_rebuild(&mut store, side, together)?;
        Ok((reads, idents, seen))
    }

    /// The state from what was linked, at the store's generation and
    /// revisions it was read at; a serving engine also works out what
    /// its pages read (`prepare`) before the state is published.
    fn build_state(&self, linked: Linked, snapshot: (i64, Revisions)) -> (State, Vec<Event>, u64) {
        let clock = std::time::Instant::now();
        let (parts, assignment, _, _) = linked.into_parts();
        let state = self.state_of(parts, &assignment, snapshot);
        (state, assignment.events, clock.elapsed().as_millis() as u64)
    }

    /// [`Engine::build_state`] on its parts, with the assignment borrowed.
    fn state_of(
        &self,
        parts: StateParts,
        assignment: &cluster::Assignment,
        (generation, revisions): (i64, Revisions),
    ) -> State {
        let mut state = State::build(
            parts.graph,
            parts.partition,
            assignment,
            parts.rows,
            parts.names,
            &self.inner.settings,
        );
        state.generation = generation;
        state.revisions = revisions;
        state.weak = Some(Box::new(WeakInput {
            invalid_ibans: parts.invalid_ibans,
            decisions: parts.decisions,
            cfg: self.inner.settings.weak.clone(),
        }));
        if self
            .inner
            .serving
            .load(std::sync::atomic::Ordering::Relaxed)
        {
            self.prepare(&state);
        }
        state
    }

    /// Whether this engine is a command's (`ingest`, `rebuild`, a reader
    /// opening the store as its owner): nobody else reads its state, and
    /// it saves the clusters for the commands before it returns.
    fn is_command(&self) -> bool {
        !self
            .inner
            .serving
            .load(std::sync::atomic::Ordering::Relaxed)
            && !self.inner.save_beside
    }

    /// The rest of [`Engine::rebuild_on`] for a command: the assignment is
    /// saved to the store on a thread of its own while this one builds the
    /// state and saves it for the commands, the two longest steps after
    /// an import (at ten million reports 160 s and 137 s, one after the
    /// other before). The file is put in place only once the assignment is
    /// in the store; if it cannot be saved, the last file stays (the
    /// store's counters show it is behind), nothing is published and the
    /// error is returned.
    fn save_while_building(
        &self,
        linked: Linked,
        snapshot: (i64, Revisions),
        cause: &str,
        started: std::time::Instant,
        read_ms: u64,
    ) -> Result<Vec<Event>> {
        let (parts, assignment, previous, times) = linked.into_parts();
        let changes = crate::store::MembershipChanges::between(&assignment, &previous);
        let save = || -> Result<u64> {
            let clock = std::time::Instant::now();
            if !assignment.events.is_empty() || !changes.is_empty() {
                self.store().save_assignment(&assignment, &changes, cause)?;
            }
            Ok(clock.elapsed().as_millis() as u64)
        };
        let (state, saved, save_ms, build_ms) = std::thread::scope(|s| {
            let mut saving = std::thread::Builder::new()
                .name("save-assignment".into())
                .spawn_scoped(s, save)
                .ok();
            // No thread to be had: saved first, as a server does.
            let mut save_ms = saving.is_none().then(save);
            let clock = std::time::Instant::now();
            let state = Arc::new(self.state_of(parts, &assignment, snapshot));
            let build_ms = clock.elapsed().as_millis() as u64;
            // The file is put in place only once the assignment is in the
            // store: a command beside this one must not show cluster ids
            // the store does not know yet (its stamp does not tell, since
            // saving an assignment moves no change counter). When the
            // save failed, the file stays the last one, which the store's
            // counters show is behind.
            let mut committed = || -> Result<()> {
                if let Some(saver) = saving.take() {
                    save_ms = Some(saver.join().unwrap_or_else(|_| {
                        Err(anyhow::anyhow!("saving the assignment panicked"))
                    }));
                }
                match &save_ms {
                    Some(Err(e)) => Err(anyhow::anyhow!("{e:#}")),
                    _ => Ok(()),
                }
            };
            let saved = self.save_state_if(&state, || false, &mut committed);
            // Also when the file was current already, or its save failed.
            let _ = committed();
            let save_ms = save_ms.unwrap_or(Ok(0));
            (state, saved, save_ms, build_ms)
        });
        let save_ms = save_ms?;
        if let Err(e) = saved {
            warn!(
                error = format!("{e:#}"),
                "saving the clusters for the command line failed"
            );
        }
        drop(previous);
        self.reload_triage()?;
        self.queue_alerts_to(&state)?;
        let steps = StepTimes {
            started,
            read_ms,
            link: times,
            save_ms,
            build_ms,
        };
        self.rebuilt(&state, assignment.events.len(), steps);
        // Saved above (or failed, and said so): not again.
        self.publish_shared(state, Heavy::Here, false);
        Ok(assignment.events)
    }

    /// Queues the alerts the change from the served state to `state`
    /// raises (thresholds crossed), when any are set.
    fn queue_alerts_to(&self, state: &State) -> Result<()> {
        let old = self.state();
        if old.generation < 0 || self.inner.settings.alerts.is_empty() {
            return Ok(());
        }
        let triage = self
            .inner
            .triage
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let alerts = alerts_between(&old, state, &triage, &self.inner.settings.alerts);
        if !alerts.is_empty() {
            self.store().queue_alerts(&alerts)?;
        }
        Ok(())
    }

    /// Serves `state` from now on; the old state is freed where `heavy`
    /// says, and the new one saved for the commands beside this process.
    fn publish(&self, state: State, heavy: Heavy<'_>) {
        self.publish_shared(Arc::new(state), heavy, true)
    }

    /// [`Engine::publish`] of a shared state, saved for the commands when
    /// `save` says so.
    fn publish_shared(&self, state: Arc<State>, heavy: Heavy<'_>, save: bool) {
        let old = std::mem::replace(
            &mut *self.inner.state.write().unwrap_or_else(|p| p.into_inner()),
            state.clone(),
        );
        self.inner
            .pending
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .published(state.generation);
        if self
            .inner
            .one_shot
            .load(std::sync::atomic::Ordering::Relaxed)
        {
            std::mem::forget(old);
        } else {
            self.hurried(heavy).release(old);
        }
        // The commands beside this process read the clusters from disk. A
        // command waits for the file; a server writes it on its idle
        // thread, and gives up when a newer state replaces this one.
        if !save {
            return;
        }
        let engine = self.clone();
        let save = move || {
            if let Err(e) = engine.save_state(&state) {
                warn!(
                    error = format!("{e:#}"),
                    "saving the clusters for the command line failed"
                );
            }
        };
        let serving = self
            .inner
            .serving
            .load(std::sync::atomic::Ordering::Relaxed);
        let opening = !serving && self.inner.save_beside;
        match heavy {
            Heavy::On(workers) => workers.submit(save),
            // A server's request (a link decision) does not wait for it,
            // nor does its start (a job of the start's, see `ready`).
            Heavy::Here if serving || opening => {
                let job = opening.then(|| self.start_job());
                let spawned = std::thread::Builder::new()
                    .name("save-clusters".into())
                    .spawn(move || {
                        let _done = job;
                        crate::workers::lower_thread_priority(crate::workers::Priority::Idle);
                        save();
                    });
                if let Err(e) = spawned {
                    warn!(error = %e, "could not start a thread to save the clusters");
                }
            }
            Heavy::Here => save(),
        }
    }

    /// Writes `state` to disk for the commands that read it (`saved`),
    /// unless a newer state replaces it meanwhile. Returns whether it was
    /// written.
    pub fn save_state(&self, state: &Arc<State>) -> Result<bool> {
        self.save_state_if(state, || !Arc::ptr_eq(&self.state(), state), &mut || Ok(()))
    }

    /// [`Engine::save_state`], giving up when `replaced` says so; the file
    /// written is put in place only if `before_in_place` then says yes.
    fn save_state_if(
        &self,
        state: &Arc<State>,
        replaced: impl Fn() -> bool,
        before_in_place: &mut dyn FnMut() -> Result<()>,
    ) -> Result<bool> {
        // One writer of the file at a time; an older state's save gives up
        // at its next look once a newer one is published.
        // A state built from no store (an engine opened to ingest, before
        // it stored anything) never replaces the clusters saved.
        if state.generation < 0 {
            return Ok(false);
        }
        let mut last = self.inner.saving.lock().unwrap_or_else(|p| p.into_inner());
        let settings = crate::saved::settings_fingerprint(&self.inner.settings);
        let same = |s: &crate::saved::Stamp| {
            s.revisions.derived == state.revisions.derived
                && s.generation == state.generation
                && s.settings == settings
        };
        if last.is_none() {
            // What an earlier process left, on the first save.
            *last = crate::saved::Saved::open(self.data_dir())
                .ok()
                .flatten()
                .map(|s| *s.stamp());
        }
        // Unless the file went meanwhile (a command found it damaged and
        // removed it, so that this process saves it again).
        if last.as_ref().is_some_and(same) && crate::saved::path(self.data_dir()).exists() {
            return Ok(true);
        }
        let started = std::time::Instant::now();
        let open = state.open_suggestions();
        // The weak-link search, or only the wait for it (0 when the state
        // has them already: a server works them out for its pages).
        let suggestions_ms = started.elapsed().as_millis() as u64;
        let clock = std::time::Instant::now();
        let mut w = crate::saved::Writer::create(self.data_dir(), &state.names)?;
        for (place, c) in state.clusters.iter().enumerate() {
            if place % 4096 == 4095 && replaced() {
                return Ok(false);
            }
            w.cluster(&state.detail_at(place, c))?;
        }
        let clusters_ms = clock.elapsed().as_millis() as u64;
        let clock = std::time::Instant::now();
        for s in &open.list {
            w.suggestion(&state.open(s))?;
        }
        if replaced() {
            return Ok(false);
        }
        let open_ms = clock.elapsed().as_millis() as u64;
        let clock = std::time::Instant::now();
        w.graph(&state.graph.freeze(&state.partition))?;
        let graph_ms = clock.elapsed().as_millis() as u64;
        if replaced() {
            return Ok(false);
        }
        let clock = std::time::Instant::now();
        w.known(
            state.known_clusters(),
            state.known_idents(),
            state.known_victims(),
        )?;
        let known_ms = clock.elapsed().as_millis() as u64;
        let stamp = crate::saved::Stamp {
            revisions: state.revisions,
            generation: state.generation,
            saved_at: OffsetDateTime::now_utc().unix_timestamp(),
            reports: state.rows.len() as u64,
            clusters: state.clusters.len() as u64,
            suggestions: open.list.len() as u64,
            settings,
            check_settings: crate::saved::check_fingerprint(&self.inner.settings),
        };
        before_in_place()?;
        w.finish(stamp, &state.suppressed, &state.team_names())?;
        *last = Some(stamp);
        self.inner.last_save_ms.store(
            started.elapsed().as_millis() as u64,
            std::sync::atomic::Ordering::Relaxed,
        );
        info!(
            clusters = state.clusters.len(),
            suggestions_ms,
            clusters_ms,
            open_ms,
            graph_ms,
            known_ms,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "clusters saved for the command line"
        );
        Ok(true)
    }

    /// `heavy`, unless a rebuild someone waits for is queued behind this
    /// one: then here.
    pub(super) fn hurried<'a>(&self, heavy: Heavy<'a>) -> Heavy<'a> {
        if self.inner.waiting.load(std::sync::atomic::Ordering::SeqCst) > 0 {
            Heavy::Here
        } else {
            heavy
        }
    }

    /// Reads what a rebuild links, on the snapshots the caller began, and
    /// ends them. While a snapshot is open the store's WAL cannot start
    /// over, and under a stream of pushes it grows by tens of megabytes a
    /// second, each commit then extending the file: so the reads run on the
    /// caller's thread, not at idle priority, and nothing else is done
    /// before the snapshots end.
    pub(super) fn read_for_rebuild(
        &self,
        store: &mut Store,
        mut side: Store,
        together: bool,
    ) -> Result<(RebuildReads, IdentReads)> {
        let (LinkRows { rows, names }, previous, idents) = if together {
            std::thread::scope(|sc| -> Result<_> {
                let side = &mut side;
                let other = sc.spawn(move || -> Result<(LinkRows, cluster::Previous)> {
                    let rows = side.link_rows()?;
                    let previous = side.previous()?;
                    side.end_snapshot()?;
                    Ok((rows, previous))
                });
                let reads = IdentReads::read(store)?;
                let (rows, previous) = other
                    .join()
                    .map_err(|_| anyhow::anyhow!("reading the reports panicked"))??;
                Ok((rows, previous, reads))
            })?
        } else {
            let rows = store.link_rows()?;
            let previous = store.previous()?;
            (rows, previous, IdentReads::read(store)?)
        };
        drop(side);
        let decisions = store.link_decisions()?;
        store.end_snapshot()?;
        let reads = RebuildReads {
            rows,
            names,
            previous,
            decisions,
        };
        Ok((reads, idents))
    }

    /// Whether a re-cluster and saving its clusters for the commands would
    /// likely end within `within`: the last ones together took less. A
    /// stopping server asks (see `server::run`): at ten million reports
    /// they take minutes, more than a service manager waits for a stop.
    pub fn reclusters_within(&self, within: std::time::Duration) -> bool {
        use std::sync::atomic::Ordering::Relaxed;
        let last = self.inner.last_rebuild_ms.load(Relaxed) + self.inner.last_save_ms.load(Relaxed);
        u128::from(last) < within.as_millis()
    }

    /// The start of an engine opened with [`Engine::open_to_serve`]: the
    /// retention periods applied (a service restarted every day would
    /// otherwise never reach its first daily purge), the saved clusters
    /// taken to answer checks when they are the store's, the search index
    /// brought up to the store, then the clusters built and published (and
    /// saved for the commands beside, when behind). Until then the service
    /// holds the requests that need the clusters or the index
    /// (`api::starting`). A store that cannot be read ends the process, as
    /// a failed open does.
    pub(super) fn open_clusters(&self) {
        let started = std::time::Instant::now();
        let opened = || -> Result<()> {
            self.start_without_clusters()?;
            self.rebuild("open")?;
            Ok(())
        };
        if let Err(e) = opened() {
            tracing::error!(
                error = format!("{e:#}"),
                "the clusters could not be built from the store; stopping"
            );
            std::process::exit(1);
        }
        *self.opened_with() = None;
        tracing::info!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "the clusters are built: every request is answered"
        );
    }

    /// The steps of a service's start before it builds its clusters (see
    /// [`Engine::open_clusters`]): applies the retention periods, takes the
    /// clusters saved for the commands to answer checks until the clusters
    /// are built, when they are the store's (see
    /// [`Engine::checks_while_starting`]), and brings the search index up
    /// to the store, after which pushes are taken
    /// ([`Engine::takes_pushes_while_starting`]).
    pub fn start_without_clusters(&self) -> Result<()> {
        let retention = crate::store::Retention::of(&self.inner.settings);
        if !retention.is_off() {
            // Before the saved clusters answer a check: they may hold
            // reports it removes. (No re-cluster: the start's follows.)
            let s = self.purge(retention, "retention")?;
            info!(
                reports = s.purged.reports.len(),
                access_log_rows = s.access_log_rows,
                "retention purge at the start"
            );
        }
        if !self.has_clusters() && self.inner.save_beside {
            *self.opened_with() = self.saved_for_checks()?.map(Arc::new);
        }
        self.catch_up_index()?;
        self.inner
            .index_current
            .store(true, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }

    /// Re-clusters when the store has changed since the state was built.
    pub fn rebuild_if_behind(&self, cause: &str) -> Result<Vec<Event>> {
        self.rebuild_if_behind_on(cause, Heavy::Here)
    }

    /// [`Engine::rebuild_if_behind`], with the long steps run where
    /// `heavy` says.
    pub fn rebuild_if_behind_on(&self, cause: &str, heavy: Heavy<'_>) -> Result<Vec<Event>> {
        let behind =
            || -> Result<bool> { Ok(self.revisions()?.derived != self.state().revisions.derived) };
        if !behind()? {
            return Ok(Vec::new());
        }
        let _one_at_a_time = self.one_rebuild_at_a_time();
        // The re-cluster waited for may have brought the state up to the
        // store (a stopping server waited for the one its last push
        // started, then did it all again).
        if !behind()? {
            return Ok(Vec::new());
        }
        self.rebuild_held(cause, heavy)
    }

    /// Saves the current state for the commands that read it, unless it is
    /// saved already (a server stopping).
    pub fn save_current(&self) -> Result<()> {
        self.save_state(&self.state()).map(drop)
    }

    /// The store's change counters, as they are now.
    pub fn revisions(&self) -> Result<Revisions> {
        self.read(|s| s.revisions())
    }

    /// The counters the current state was built from.
    pub fn state_revisions(&self) -> Revisions {
        self.state().revisions
    }

    /// Reads the triage records again (after a command beside this
    /// process triaged a cluster).
    pub fn reload_triage(&self) -> Result<()> {
        // With the writer held, as `set_triage` writes.
        let writer = self.store();
        let records = writer.triaged_clusters()?;
        *self.inner.triage.write().unwrap_or_else(|p| p.into_inner()) = records;
        Ok(())
    }
}

/// Where the long steps of a rebuild run: linking, giving the clusters
/// their ids, building the state with its suggestions, and freeing the
/// state it replaces. Reading the store and saving stay on the calling
/// thread, because pushes wait for the snapshot to end and for the writer.
#[derive(Clone, Copy)]
pub enum Heavy<'a> {
    /// On the calling thread: commands, tests, and a rebuild someone is
    /// waiting for.
    Here,
    /// On these threads (the server's, at idle priority), while the
    /// calling thread keeps the steps that hold the writer or a lock that
    /// requests wait on: a request must not wait for a thread that runs
    /// only when the cores are free. (A rebuild queued behind this one, for
    /// a link decision say, does wait: see `Inner::waiting`.)
    On(&'a crate::workers::Workers),
}

impl Heavy<'_> {
    pub(super) fn run<T: Send + 'static>(
        self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T> {
        match self {
            Heavy::Here => Ok(job()),
            Heavy::On(workers) => workers.run_blocking(job).ok_or_else(|| {
                anyhow::anyhow!("a re-clustering step panicked or its thread is gone")
            }),
        }
    }

    /// Frees a replaced state. Requests still reading it hold it for
    /// milliseconds; the last one to let go would otherwise free a
    /// million reports' state on a request thread, so the workers wait
    /// for them (some two thousand naps of a millisecond: a long export
    /// frees it itself). The caller does not wait; the workers take their
    /// jobs in order, so the next rebuild's steps come after.
    pub(super) fn release(self, state: Arc<State>) {
        let Heavy::On(workers) = self else {
            return drop(state);
        };
        workers.submit(move || {
            let mut state = state;
            for _ in 0..2_000 {
                match Arc::try_unwrap(state) {
                    Ok(last) => return drop(last),
                    Err(shared) => state = shared,
                }
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        });
    }
}

/// What a rebuild reads from one snapshot of the store besides the
/// identifiers (which linking consumes).
pub(super) struct RebuildReads {
    pub(super) rows: Vec<LinkRow>,
    pub(super) names: Vec<Arc<str>>,
    pub(super) previous: cluster::Previous,
    pub(super) decisions: Vec<(String, String, String, String)>,
}

/// What a state is built of, besides the assignment.
struct StateParts {
    graph: Graph,
    partition: Partition,
    rows: Vec<LinkRow>,
    names: Vec<Arc<str>>,
    decisions: Vec<(String, String, String, String)>,
    invalid_ibans: HashMap<String, Vec<ReportId>>,
}

/// The step times of a re-cluster, for its log line.
struct StepTimes {
    started: std::time::Instant,
    read_ms: u64,
    link: LinkTimes,
    save_ms: u64,
    build_ms: u64,
}

/// The long steps' result, with the reads the later steps still need.
pub(super) struct Linked {
    pub(super) reads: RebuildReads,
    pub(super) graph: Graph,
    pub(super) partition: Partition,
    pub(super) assignment: cluster::Assignment,
    pub(super) invalid_ibans: HashMap<String, Vec<ReportId>>,
    pub(super) times: LinkTimes,
}

impl Linked {
    /// What the state is built of, the assignment (which the store saves),
    /// the assignment it replaces and the linking's times.
    fn into_parts(
        self,
    ) -> (
        StateParts,
        cluster::Assignment,
        cluster::Previous,
        LinkTimes,
    ) {
        let Linked {
            reads,
            graph,
            partition,
            assignment,
            invalid_ibans,
            times,
        } = self;
        let parts = StateParts {
            graph,
            partition,
            rows: reads.rows,
            names: reads.names,
            decisions: reads.decisions,
            invalid_ibans,
        };
        (parts, assignment, reads.previous, times)
    }
}

/// Milliseconds of a rebuild's linking steps, for its log line.
#[derive(Clone, Copy)]
pub(super) struct LinkTimes {
    pub(super) graph_ms: u64,
    pub(super) partition_ms: u64,
    pub(super) assign_ms: u64,
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use crate::engine::Engine;
    use crate::engine::testing::fixture_engine;

    // See: issue 23 (at ten million reports a stopping server spent ten
    // minutes waiting for a re-cluster, re-clustering and saving).
    #[test]
    fn a_re_cluster_is_expected_quick_only_when_the_last_and_its_save_were() {
        let dir = tempfile::tempdir().unwrap();
        let engine = fixture_engine(dir.path());
        assert!(engine.reclusters_within(Duration::from_secs(30)));
        // As the open of ten million reports did.
        engine
            .inner
            .last_rebuild_ms
            .store(164_000, std::sync::atomic::Ordering::Relaxed);
        assert!(!engine.reclusters_within(Duration::from_secs(30)));
        engine.rebuild("test").unwrap();
        assert!(engine.reclusters_within(Duration::from_secs(30)));
        // And its save for the commands.
        engine
            .inner
            .last_save_ms
            .store(137_000, std::sync::atomic::Ordering::Relaxed);
        assert!(!engine.reclusters_within(Duration::from_secs(30)));
    }

    // See: issue 23 (an import saves the assignment while it saves the
    // clusters for the commands; a review found the file put in place
    // before the assignment was in the store).
    #[test]
    fn a_command_whose_assignment_cannot_be_saved_keeps_the_last_saved_clusters() {
        let dir = tempfile::tempdir().unwrap();
        let engine = fixture_engine(dir.path());
        let before = crate::saved::Saved::open(dir.path()).unwrap().unwrap();
        let reports = before.stamp().reports;
        let line = r#"{"id": "2026-UTR-900002", "filed_at": "2026-11-30T10:00:00Z", "unit": "Midden-Nederland", "team": "Utrecht-Centrum", "narrative": "Betaald op NL18RABO0123459876 voor een fiets."}"#;
        engine.ingest_lines("test", &[line.to_string()]).unwrap();
        // The store refuses the new cluster the report makes.
        let conn = rusqlite::Connection::open(dir.path().join(crate::store::DB_FILE)).unwrap();
        conn.execute_batch(
            "CREATE TRIGGER refuse BEFORE INSERT ON clusters BEGIN SELECT RAISE(ABORT, 'refused'); END;",
        )
        .unwrap();
        let err = engine.rebuild("test").unwrap_err();
        assert!(format!("{err:#}").contains("refused"), "{err:#}");
        let after = crate::saved::Saved::open(dir.path()).unwrap().unwrap();
        assert_eq!(
            after.stamp().reports,
            reports,
            "the saved clusters are the last ones"
        );
        assert_eq!(
            engine.state().rows.len() as u64,
            reports,
            "nothing published"
        );
        // Once the store takes it, the next re-cluster saves both.
        conn.execute_batch("DROP TRIGGER refuse;").unwrap();
        engine.rebuild("test").unwrap();
        let saved = crate::saved::Saved::open(dir.path()).unwrap().unwrap();
        assert_eq!(saved.stamp().reports, reports + 1);
    }

    // See: issue 23 (a stopping server waited for the re-cluster its last
    // push started, then re-clustered everything again).
    #[test]
    fn a_re_cluster_waited_for_is_not_done_again() {
        use std::sync::atomic::Ordering::SeqCst;
        let dir = tempfile::tempdir().unwrap();
        let engine = fixture_engine(dir.path());
        let line = r#"{"id": "2026-UTR-900001", "filed_at": "2026-11-30T10:00:00Z", "unit": "Midden-Nederland", "team": "Utrecht-Centrum", "narrative": "Betaald op NL91ABNA0417164300."}"#;
        let before = engine.state().rows.len();
        engine.ingest_lines("test", &[line.to_string()]).unwrap();
        let held = engine.inner.rebuilding.lock().unwrap();
        let waiter = {
            let e = engine.clone();
            std::thread::spawn(move || e.rebuild_if_behind("test").unwrap())
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while engine.inner.waiting.load(SeqCst) == 0 {
            assert!(
                Instant::now() < deadline,
                "the second re-cluster never waited"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        engine.rebuild_held("first", super::Heavy::Here).unwrap();
        let first = engine.state();
        assert_eq!(
            first.rows.len(),
            before + 1,
            "the first holds the pushed report"
        );
        drop(held);
        let events = waiter.join().unwrap();
        assert!(events.is_empty());
        assert!(
            std::sync::Arc::ptr_eq(&engine.state(), &first),
            "the state the first re-cluster published is still served"
        );
    }

    // See: issue 23 (at ten million reports saving the clusters for the
    // commands took minutes before `serve` could answer).
    #[test]
    fn a_server_saves_the_clusters_it_opens_with_beside_its_start() {
        let dir = tempfile::tempdir().unwrap();
        let settings = fixture_engine(dir.path()).settings().clone();
        crate::saved::remove(dir.path()).unwrap();
        let engine = Engine::open_to_serve(settings).unwrap();
        // The start builds the clusters beside the first requests.
        assert!(!engine.has_clusters());
        let _start = engine.serving().unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        let saved = loop {
            if let Some(saved) = crate::saved::Saved::open(dir.path()).unwrap() {
                break saved;
            }
            assert!(Instant::now() < deadline, "the clusters were not saved");
            std::thread::sleep(Duration::from_millis(20));
        };
        let state = engine.state();
        assert_eq!(saved.stamp().reports, state.rows.len() as u64);
        // Once saved (the file is renamed into place at the end of the
        // save), the start's job ends.
        while !engine.ready() {
            assert!(Instant::now() < deadline, "the start's save did not end");
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(saved.stamp().clusters, state.clusters.len() as u64);
        assert_eq!(saved.stamp().generation, state.generation);
    }
}
