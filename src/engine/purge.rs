//! Retention: purging reports past their term from the store, the index
//! and the rejects files.

use std::io::{BufRead, Write};
use std::path::Path;

use anyhow::{Context, Result};
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tracing::warn;

use crate::store::{Retention, Store};

use super::Engine;
use super::rfc3339::rfc3339;

impl Engine {
    /// Applies the retention periods: purges the reports filed longer
    /// ago than `retention.reports_days` with what refers to them
    /// (the store's `purge_rows`), the rejected lines in the data
    /// directory that name them or are as old, their documents in the
    /// search index (rewriting the segments that held them), and the
    /// access-log rows older than `retention.access_log_days`; re-clusters
    /// when reports went (unless the service is starting and has not built
    /// its clusters yet: it builds them next); logs the purge; and truncates the WAL, which
    /// still held the pages as they were. A store written before deletion
    /// was secure is rewritten once (`VACUUM`) first.
    pub fn purge(&self, retention: Retention, actor: &str) -> Result<PurgeSummary> {
        let _one = self.inner.purging.lock().unwrap_or_else(|p| p.into_inner());
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let mut summary = purge_store(
            &mut self.store(),
            &self.inner.settings.data_dir,
            retention,
            now,
        )?;
        self.catch_up_purges()?;
        // A service that is starting builds its clusters after this.
        if !summary.purged.reports.is_empty() && self.has_clusters() {
            self.rebuild(&format!(
                "purge of {} report(s) filed before {} by {actor}",
                summary.purged.reports.len(),
                summary.before.as_deref().unwrap_or("-")
            ))?;
        }
        finish_purge(&mut self.store(), retention, now, actor, &mut summary)?;
        summary.wal_truncated = truncate_wal(|| self.store().truncate_wal())?;
        Ok(summary)
    }

    /// Removes from the search index, for good, the reports of the purge
    /// ledger it has not applied yet: purged by this engine, or by another
    /// process, or before a crash. Returns how many ids it removed.
    pub fn catch_up_purges(&self) -> Result<usize> {
        let index = &self.inner.index;
        let from = index.purged_through();
        let (ids, through) = self.read(|s| s.purged_since(from))?;
        if through == from {
            return Ok(0);
        }
        let n = ids.len();
        index.purge(ids, through)?;
        Ok(n)
    }

    /// Applies purges another process made (`fraudlink purge` beside
    /// `serve`): their reports leave the index and, by a re-cluster, the
    /// clusters. Cheap when there are none (one look-up).
    pub fn apply_outside_purges(&self) -> Result<usize> {
        let _one = self.inner.purging.lock().unwrap_or_else(|p| p.into_inner());
        let last = self.read(|s| s.last_purge())?;
        if last <= self.inner.index.purged_through() {
            return Ok(0);
        }
        let n = self.catch_up_purges()?;
        self.rebuild("purge by another process")?;
        Ok(n)
    }
}

/// The first steps of a purge (see [`Engine::purge`]), on the store and
/// the data directory's files: the reports filed before the retention
/// cut-off with what refers to them, the rejected lines that name them or
/// are as old, and the store's free space. The search index and the
/// clusters follow: at once in [`Engine::purge`]; beside a running
/// `serve`, when it sees the purge ledger move (`Reader::purge`).
pub(crate) fn purge_store(
    store: &mut Store,
    data_dir: &Path,
    retention: Retention,
    now: i64,
) -> Result<PurgeSummary> {
    let mut summary = PurgeSummary {
        before: retention.reports_before(now).map(rfc3339),
        access_log_before: retention.access_log_before(now).map(rfc3339),
        ..PurgeSummary::default()
    };
    if let Some(before) = retention.reports_before(now) {
        summary.purged = store.purge(before)?;
        let gone: std::collections::HashSet<&str> =
            summary.purged.reports.iter().map(String::as_str).collect();
        summary.rejected_lines = purge_rejects(&data_dir.join(REJECTS_DIR), &gone, before)?;
    }
    summary.rewrote_store = store.zero_free_space()?;
    Ok(summary)
}

/// The last steps of a purge: the access-log rows past their retention,
/// then the purge's own row.
pub(crate) fn finish_purge(
    store: &mut Store,
    retention: Retention,
    now: i64,
    actor: &str,
    summary: &mut PurgeSummary,
) -> Result<()> {
    if let Some(before) = retention.access_log_before(now) {
        summary.access_log_rows = store.purge_access_log(before)?;
    }
    store.log_access(
        None,
        actor,
        "purge",
        &serde_json::json!({
            "before": summary.before,
            "reports": summary.purged.reports.len(),
            "link_decisions": summary.purged.link_decisions,
            "alerts": summary.purged.alerts,
            "notes": summary.purged.notes,
            "rejected_lines": summary.rejected_lines,
            "access_log_before": summary.access_log_before,
            "access_log_rows": summary.access_log_rows,
        }),
        None,
        "ok",
    )
}

/// Truncates the WAL after a purge (it still holds the pages as they
/// were), trying again for a while when a reader keeps an older state
/// (each try waits up to the busy handler's 30 s).
pub(crate) fn truncate_wal(mut attempt: impl FnMut() -> Result<bool>) -> Result<bool> {
    for _ in 0..3 {
        if attempt()? {
            return Ok(true);
        }
    }
    warn!("the WAL could not be truncated after a purge: a reader kept an older state");
    Ok(false)
}

/// The folder of rejected input lines inside the data directory.
pub const REJECTS_DIR: &str = "rejects";

/// What [`Engine::purge`] removed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PurgeSummary {
    /// Reports filed before this time were purged (RFC 3339), if any were
    /// to be.
    pub before: Option<String>,
    /// The reports and what referred to them.
    pub purged: crate::store::Purged,
    /// Lines removed from the rejected lines in the data directory.
    pub rejected_lines: usize,
    /// Access-log rows written before this time were purged.
    pub access_log_before: Option<String>,
    /// Access-log rows purged.
    pub access_log_rows: usize,
    /// The store was rewritten once to clear what an older build left in
    /// its free space.
    pub rewrote_store: bool,
    /// The WAL was truncated.
    pub wal_truncated: bool,
}

/// Removes from the rejected lines in `dir` (`rejects/`, one NDJSON file
/// per import) every line that names a purged report or was filed before
/// `before`, and the files written before `before` whole: a rejected line
/// is report data that never reached the store, kept for whoever fixes
/// the input, and no longer than the reports themselves. Returns how many
/// lines went.
pub(super) fn purge_rejects(
    dir: &Path,
    gone: &std::collections::HashSet<&str>,
    before: i64,
) -> Result<usize> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e).with_context(|| format!("reading {}", dir.display())),
    };
    let mut removed = 0;
    for entry in entries {
        let path = entry?.path();
        if !path.is_file() || path.extension().is_some_and(|x| x == "partial") {
            continue;
        }
        let written = std::fs::metadata(&path)?
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(i64::MAX, |d| d.as_secs() as i64);
        let partial = path.with_extension("ndjson.partial");
        let (mut dropped, mut kept) = (0, 0);
        {
            let input = std::io::BufReader::new(
                std::fs::File::open(&path)
                    .with_context(|| format!("reading {}", path.display()))?,
            );
            let mut out = std::io::BufWriter::new(crate::private::create_file(&partial)?);
            for line in input.lines() {
                let line = line.with_context(|| format!("reading {}", path.display()))?;
                if line.trim().is_empty() {
                    continue;
                }
                if written < before || rejected_line_is_purged(&line, gone, before) {
                    dropped += 1;
                } else {
                    kept += 1;
                    writeln!(out, "{line}")?;
                }
            }
            out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        }
        if dropped == 0 {
            std::fs::remove_file(&partial)?;
            continue;
        }
        removed += dropped;
        if kept == 0 {
            std::fs::remove_file(&partial)?;
            std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
        } else {
            std::fs::rename(&partial, &path)
                .with_context(|| format!("replacing {}", path.display()))?;
        }
    }
    Ok(removed)
}

/// Whether a line of `rejects/` names a purged report (its `id`) or a
/// report filed before `before` (the `filed_at` of its raw line, when
/// that can be read).
pub(super) fn rejected_line_is_purged(
    line: &str,
    gone: &std::collections::HashSet<&str>,
    before: i64,
) -> bool {
    let Ok(record) = serde_json::from_str::<serde_json::Value>(line) else {
        return false;
    };
    if record["id"].as_str().is_some_and(|id| gone.contains(id)) {
        return true;
    }
    let filed = record["raw"]
        .as_str()
        .and_then(|raw| serde_json::from_str::<serde_json::Value>(raw).ok())
        .and_then(|raw| {
            let text = raw["filed_at"].as_str()?.to_owned();
            OffsetDateTime::parse(&text, &Rfc3339).ok()
        });
    filed.is_some_and(|t| t.unix_timestamp() < before)
}
