//! Retention: reports past their term removed from every table, the free
//! space zeroed and the write-ahead log truncated.

use anyhow::{Context, Result};
use rusqlite::{Connection, OptionalExtension, params};
use time::OffsetDateTime;

use super::{PURGES, REVISION, Store, bump};

/// The `meta` key set once the store's free space holds nothing deleted:
/// from its creation by a build with secure deletion, or after the one
/// `VACUUM` of [`Store::zero_free_space`].
pub(super) const FREE_SPACE_ZEROED: &str = "free_space_zeroed";

/// How long data is kept, in days (0: for ever).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Reports filed longer ago are purged (`retention_days`).
    pub reports_days: i64,
    /// Access-log rows written longer ago are purged
    /// (`access_log_retention_days`).
    pub access_log_days: i64,
}

impl Retention {
    /// The retention of these settings.
    pub fn of(settings: &crate::config::Settings) -> Retention {
        Retention {
            reports_days: settings.retention_days,
            access_log_days: settings.access_log_retention_days,
        }
    }

    /// Nothing is ever purged.
    pub fn is_off(&self) -> bool {
        self.reports_days <= 0 && self.access_log_days <= 0
    }

    /// Reports filed before this time (Unix seconds) are past retention.
    pub fn reports_before(&self, now: i64) -> Option<i64> {
        (self.reports_days > 0).then(|| now - self.reports_days * 86_400)
    }

    /// Access-log rows written before this time are past retention.
    pub fn access_log_before(&self, now: i64) -> Option<i64> {
        (self.access_log_days > 0).then(|| now - self.access_log_days * 86_400)
    }
}

/// What purging reports removed besides the reports.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Purged {
    /// The purged reports' ids.
    pub reports: Vec<String>,
    /// Link decisions that named a purged report, or an identifier that
    /// only purged reports named.
    pub link_decisions: usize,
    /// Alerts (queued or delivered) that named a purged report.
    pub alerts: usize,
    /// Clusters left without reports whose notes were removed.
    pub notes: usize,
}

/// Deletes the reports whose ids are in the temporary table
/// `temp.purge_ids (id TEXT PRIMARY KEY)` and what refers to them, on a
/// connection with secure deletion on, inside the caller's transaction,
/// and records them in the purge ledger (`before`: the cut-off that
/// purged them, if one did). What goes, table by table:
///
/// - `reports`, `identifiers`, `memberships`: their rows.
/// - `link_decisions`: decisions naming a purged report, or an identifier
///   (`kind:value`) that no report left names; the causes of the cluster
///   events those decisions wrote name the identifiers and are redacted.
/// - `alert_outbox`: alerts naming a purged report among their new reports.
/// - `clusters` left without reports: their notes, and the notes in their
///   triage events (a cluster that keeps other reports keeps its notes:
///   they are about the case, which goes on).
/// - Kept: cluster ids, aliases and events (counts and ids, no report
///   text), and the access log, which has a retention of its own.
pub(crate) fn purge_rows(tx: &Connection, now: i64, before: Option<i64>) -> Result<Purged> {
    let reports: Vec<String> = {
        let mut stmt = tx.prepare("SELECT id FROM temp.purge_ids ORDER BY id")?;
        stmt.query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?
    };
    let mut purged = Purged {
        reports,
        ..Purged::default()
    };
    if purged.reports.is_empty() {
        return Ok(purged);
    }
    tx.execute(
        "INSERT INTO purged_reports (report_id, purged_at, before) SELECT id, ?1, ?2 FROM temp.purge_ids ORDER BY id",
        params![now, before],
    )?;
    tx.execute_batch(
        "CREATE TEMP TABLE purge_endpoints (endpoint TEXT PRIMARY KEY);
         CREATE TEMP TABLE purge_clusters (id TEXT PRIMARY KEY);
         CREATE TEMP TABLE purge_links (prefix TEXT NOT NULL);
         -- Identifiers of purged reports that a link decision names.
         INSERT OR IGNORE INTO temp.purge_endpoints
             SELECT i.kind || ':' || i.value FROM identifiers i
             WHERE i.report_id IN (SELECT id FROM temp.purge_ids)
               AND i.kind || ':' || i.value IN (SELECT a FROM link_decisions UNION SELECT b FROM link_decisions);
         INSERT OR IGNORE INTO temp.purge_clusters
             SELECT cluster_id FROM memberships WHERE report_id IN (SELECT id FROM temp.purge_ids);
         DELETE FROM identifiers WHERE report_id IN (SELECT id FROM temp.purge_ids);
         DELETE FROM memberships WHERE report_id IN (SELECT id FROM temp.purge_ids);
         DELETE FROM report_versions WHERE report_id IN (SELECT id FROM temp.purge_ids);
         DELETE FROM reports WHERE id IN (SELECT id FROM temp.purge_ids);",
    )?;
    let endpoints: i64 = tx.query_row("SELECT count(*) FROM temp.purge_endpoints", [], |r| {
        r.get(0)
    })?;
    if endpoints > 0 {
        // One pass over the identifiers (no index on their values): those
        // a remaining report still names keep their decisions.
        tx.execute(
            "DELETE FROM temp.purge_endpoints WHERE endpoint IN (
                 SELECT kind || ':' || value FROM identifiers
                 WHERE kind || ':' || value IN (SELECT endpoint FROM temp.purge_endpoints))",
            [],
        )?;
    }
    tx.execute(
        "INSERT INTO temp.purge_links (prefix)
             SELECT 'link ' || a || ' ~ ' || b || ' ' FROM link_decisions
             WHERE a IN (SELECT endpoint FROM temp.purge_endpoints)
                OR b IN (SELECT endpoint FROM temp.purge_endpoints)",
        [],
    )?;
    purged.link_decisions = tx.execute(
        "DELETE FROM link_decisions
         WHERE a IN (SELECT id FROM temp.purge_ids) OR b IN (SELECT id FROM temp.purge_ids)
            OR a IN (SELECT endpoint FROM temp.purge_endpoints)
            OR b IN (SELECT endpoint FROM temp.purge_endpoints)",
        [],
    )?;
    let links: i64 = tx.query_row("SELECT count(*) FROM temp.purge_links", [], |r| r.get(0))?;
    if links > 0 {
        // `Engine::decide` names the endpoints in the cause of the
        // re-cluster it runs: "link A ~ B confirmed by X".
        tx.execute(
            "UPDATE cluster_events SET cause = 'link (an identifier of purged reports)'
             WHERE cause LIKE 'link %' AND EXISTS (
                 SELECT 1 FROM temp.purge_links l
                 WHERE substr(cluster_events.cause, 1, length(l.prefix)) = l.prefix)",
            [],
        )?;
    }
    purged.alerts = tx.execute(
        "DELETE FROM alert_outbox WHERE json_valid(payload) AND EXISTS (
             SELECT 1 FROM json_each(alert_outbox.payload, '$.new_reports') j
             WHERE j.value IN (SELECT id FROM temp.purge_ids))",
        [],
    )?;
    tx.execute(
        "DELETE FROM temp.purge_clusters
         WHERE EXISTS (SELECT 1 FROM memberships m WHERE m.cluster_id = temp.purge_clusters.id)",
        [],
    )?;
    purged.notes = tx.execute(
        "UPDATE clusters SET notes = '', updated_at = ?1
         WHERE notes <> '' AND (id IN (SELECT id FROM temp.purge_clusters)
                                OR alias_of IN (SELECT id FROM temp.purge_clusters))",
        [now],
    )?;
    tx.execute(
        "UPDATE cluster_events
         SET detail = json_set(detail, '$.note', '(removed with the purged reports)')
         WHERE (cluster_id IN (SELECT id FROM temp.purge_clusters)
                OR cluster_id IN (SELECT id FROM clusters WHERE alias_of IN (SELECT id FROM temp.purge_clusters)))
           AND kind = 'triage' AND json_valid(detail) AND json_extract(detail, '$.note') IS NOT NULL",
        [],
    )?;
    if let Some(before) = before {
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('purged_through', ?1)
             ON CONFLICT (key) DO UPDATE SET value = MAX(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER))",
            [before.to_string()],
        )?;
    }
    tx.execute_batch(
        "DROP TABLE temp.purge_endpoints; DROP TABLE temp.purge_clusters; DROP TABLE temp.purge_links;",
    )?;
    Ok(purged)
}

/// Purges again, in a store brought back from a backup (`main`, inside the
/// caller's transaction), what was purged after the backup was made or is
/// past retention now: the reports of the purge ledger (its own and that
/// of the replaced store, attached as `live` when `live`) written before
/// their purge, those filed before the latest cut-off either store applied
/// or `retention` gives now, and the access-log rows past retention.
/// Returns what was purged and how many access-log rows.
pub(crate) fn reapply_purges(
    tx: &Connection,
    live: bool,
    retention: Retention,
    now: i64,
) -> Result<(Purged, usize)> {
    let meta = |schema: &str, key: &str| -> Result<Option<i64>> {
        Ok(tx
            .query_row(
                &format!("SELECT CAST(value AS INTEGER) FROM {schema}.meta WHERE key = ?1"),
                [key],
                |r| r.get(0),
            )
            .optional()?)
    };
    let latest = |key: &str, now_rule: Option<i64>| -> Result<Option<i64>> {
        let mut at = [meta("main", key)?, now_rule].into_iter().flatten().max();
        if live {
            at = at.max(meta("live", key)?);
        }
        Ok(at)
    };
    if live {
        tx.execute(
            "INSERT INTO main.purged_reports (report_id, purged_at, before)
             SELECT report_id, purged_at, before FROM live.purged_reports l
             WHERE NOT EXISTS (SELECT 1 FROM main.purged_reports m
                               WHERE m.report_id = l.report_id AND m.purged_at = l.purged_at)
             ORDER BY seq",
            [],
        )?;
    }
    let cutoff = latest("purged_through", retention.reports_before(now))?;
    tx.execute_batch("CREATE TEMP TABLE purge_ids (id TEXT PRIMARY KEY)")?;
    if let Some(cutoff) = cutoff {
        tx.execute(
            "INSERT OR IGNORE INTO temp.purge_ids SELECT id FROM main.reports WHERE filed_at < ?1",
            [cutoff],
        )?;
    }
    // A report written again after its purge (re-imported) is not the
    // purged one.
    tx.execute(
        "INSERT OR IGNORE INTO temp.purge_ids SELECT r.id FROM main.reports r
         WHERE EXISTS (SELECT 1 FROM main.purged_reports p
                       WHERE p.report_id = r.id AND p.purged_at >= r.updated_at)",
        [],
    )?;
    let purged = purge_rows(tx, now, cutoff)?;
    tx.execute_batch("DROP TABLE temp.purge_ids")?;
    let access_log = match latest("access_log_kept_from", retention.access_log_before(now))? {
        Some(before) => delete_access_log_before(tx, before)?,
        None => 0,
    };
    Ok((purged, access_log))
}

/// Records `before` as the access log's retention cut-off and deletes the
/// rows written before it (the delete trigger allows those alone).
pub(super) fn delete_access_log_before(tx: &Connection, before: i64) -> Result<usize> {
    tx.execute(
        "INSERT OR REPLACE INTO main.meta (key, value) VALUES ('access_log_kept_from', ?1)",
        [before.to_string()],
    )?;
    Ok(tx.execute("DELETE FROM main.access_log WHERE at < ?1", [before])?)
}

impl Store {
    /// Purges the reports filed before `before` (Unix seconds) and what
    /// refers to them ([`purge_rows`]), in one transaction. The clusters
    /// follow at the next re-cluster (the split rule keeps ids on larger
    /// parts); the search index through the purge ledger
    /// ([`Store::purged_since`]).
    pub fn purge(&mut self, before: i64) -> Result<Purged> {
        let tx = self.write_transaction()?;
        tx.execute_batch("CREATE TEMP TABLE purge_ids (id TEXT PRIMARY KEY)")?;
        tx.execute(
            "INSERT INTO temp.purge_ids SELECT id FROM reports WHERE filed_at < ?1",
            [before],
        )?;
        let purged = purge_rows(
            &tx,
            OffsetDateTime::now_utc().unix_timestamp(),
            Some(before),
        )?;
        tx.execute_batch("DROP TABLE temp.purge_ids")?;
        // The clusters of a running service follow when it sees the
        // counter move (and its search index, the purge ledger).
        if !purged.reports.is_empty() {
            bump(&tx, REVISION)?;
            bump(&tx, PURGES)?;
        }
        tx.commit()?;
        Ok(purged)
    }

    /// The ids of reports purged after ledger entry `seq` that the store
    /// does not hold again, and the last entry (`seq` when there is none).
    pub fn purged_since(&self, seq: i64) -> Result<(Vec<String>, i64)> {
        let last: i64 = self.conn.query_row(
            "SELECT COALESCE(MAX(seq), 0) FROM purged_reports",
            [],
            |r| r.get(0),
        )?;
        if last <= seq {
            return Ok((Vec::new(), seq));
        }
        let mut stmt = self.conn.prepare(
            "SELECT DISTINCT report_id FROM purged_reports p WHERE seq > ?1 AND seq <= ?2
             AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.id = p.report_id)
             ORDER BY report_id",
        )?;
        let ids = stmt
            .query_map([seq, last], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok((ids, last))
    }

    /// The last entry of the purge ledger (0 for none).
    pub fn last_purge(&self) -> Result<i64> {
        Ok(self.conn.query_row(
            "SELECT COALESCE(MAX(seq), 0) FROM purged_reports",
            [],
            |r| r.get(0),
        )?)
    }

    /// Rewrites the store once (`VACUUM`) if it was written before
    /// deletion was secure: rows deleted or replaced then (by earlier
    /// purges, or reports updated in place) may still be in its free space.
    /// Returns whether it did. It takes the writer for as long as the
    /// rewrite lasts.
    pub fn zero_free_space(&mut self) -> Result<bool> {
        let done: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = ?1",
                [FREE_SPACE_ZEROED],
                |r| r.get(0),
            )
            .optional()?;
        if done.is_some() {
            return Ok(false);
        }
        self.conn
            .execute_batch("VACUUM")
            .context("rewriting the store (VACUUM)")?;
        self.conn.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, '1')",
            [FREE_SPACE_ZEROED],
        )?;
        Ok(true)
    }

    /// Copies the WAL into the database and truncates it to nothing, so
    /// that it no longer holds pages as they were before a purge. Waits
    /// for readers (the busy handler); `false` when one kept reading an
    /// older state the whole time.
    pub fn truncate_wal(&self) -> Result<bool> {
        let busy: i64 = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
        Ok(busy == 0)
    }
}
