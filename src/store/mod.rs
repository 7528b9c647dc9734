//! The store: the source of truth, one SQLite database (WAL) in the data
//! directory.
//!
//! It holds the reports (raw JSON and parsed fields), the identifiers
//! extracted from them, ingest batches, clusters with their aliases,
//! memberships and events, and analysts' decisions on suggested links.
//! The search index and the graph are derived from it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use rusqlite::{Connection, OptionalExtension, params};
use rustc_hash::FxHashMap;
use time::OffsetDateTime;

use crate::auth::{Principal, Role as AccessRole};
use crate::cluster::{Assignment, ClusterId, Event, Previous};
use crate::extract::Identifier;
use crate::ident::{Kind, Role, Source};
use crate::report::{Report, ReportId};

mod triage;

pub use triage::{AuditPage, HistoryEvent, LinkDecision};

/// The page cache per connection, in KiB (negative: a size, not pages).
const CACHE_KIB: i64 = -131_072;

/// The schema version this code writes.
pub const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS reports (
    id TEXT PRIMARY KEY,
    raw TEXT NOT NULL,
    hash INTEGER NOT NULL,
    filed_at INTEGER NOT NULL,
    unit TEXT NOT NULL,
    team TEXT NOT NULL,
    fraud_type TEXT,
    amount_eur REAL,
    victim_ref TEXT,
    supplement INTEGER NOT NULL,
    batch INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS reports_filed ON reports (filed_at);
CREATE INDEX IF NOT EXISTS reports_seq ON reports (seq);
-- The earlier versions of reports: when a report is written again with
-- other content, the row it replaces is copied here first (an identical
-- re-import writes nothing). Its batch names who wrote it.
CREATE TABLE IF NOT EXISTS report_versions (
    report_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    raw TEXT NOT NULL,
    hash INTEGER NOT NULL,
    team TEXT NOT NULL,
    batch INTEGER NOT NULL,
    written_at INTEGER NOT NULL,
    replaced_at INTEGER NOT NULL,
    replaced_by_batch INTEGER NOT NULL,
    PRIMARY KEY (report_id, version)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS identifiers (
    report_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    raw TEXT NOT NULL,
    source TEXT NOT NULL,
    role TEXT NOT NULL,
    valid INTEGER NOT NULL,
    benign TEXT,
    span_start INTEGER,
    span_end INTEGER,
    note TEXT
);
CREATE INDEX IF NOT EXISTS identifiers_report ON identifiers (report_id);
-- No index on (kind, value): identifiers are looked up in the derived
-- graph, never in the store, and keeping one cost a large import most of
-- its time (every batch rewrote thousands of its pages at random places).
-- Stores written before it was dropped lose it at their next open.
DROP INDEX IF EXISTS identifiers_value;
CREATE TABLE IF NOT EXISTS batches (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    committed_at INTEGER NOT NULL,
    accepted INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    unchanged INTEGER NOT NULL,
    rejected INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS clusters (
    id TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    age INTEGER NOT NULL,
    alias_of TEXT,
    status TEXT NOT NULL DEFAULT 'new',
    assigned_team TEXT,
    notes TEXT NOT NULL DEFAULT '',
    updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS clusters_alias ON clusters (alias_of);
-- For the next age, read while a re-cluster holds the writer.
CREATE INDEX IF NOT EXISTS clusters_age ON clusters (age);
CREATE TABLE IF NOT EXISTS memberships (
    report_id TEXT PRIMARY KEY,
    cluster_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS memberships_cluster ON memberships (cluster_id);
CREATE TABLE IF NOT EXISTS cluster_events (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    cluster_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    cause TEXT NOT NULL,
    actor TEXT,
    detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS cluster_events_cluster ON cluster_events (cluster_id);
CREATE TABLE IF NOT EXISTS tokens (
    id INTEGER PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    team TEXT,
    label TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER,
    expires_at INTEGER
);
CREATE TABLE IF NOT EXISTS access_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    token_id INTEGER,
    role TEXT NOT NULL,
    team TEXT,
    action TEXT NOT NULL,
    targets TEXT NOT NULL,
    reason TEXT,
    outcome TEXT NOT NULL,
    actor TEXT
);
CREATE INDEX IF NOT EXISTS access_log_at ON access_log (at);
-- The access log is append-only: nothing may change a row, and only rows
-- past its retention period may be deleted: older than the cut-off the
-- retention purge records in `meta` (`access_log_kept_from`, see
-- `Store::purge_access_log`) and, whatever that says, older than a year.
CREATE TRIGGER IF NOT EXISTS access_log_no_update BEFORE UPDATE ON access_log
BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
DROP TRIGGER IF EXISTS access_log_no_delete;
CREATE TRIGGER IF NOT EXISTS access_log_delete_expired_only BEFORE DELETE ON access_log
WHEN OLD.at >= MIN(
    COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'access_log_kept_from'), -1),
    CAST(strftime('%s', 'now') AS INTEGER) - 365 * 86400)
BEGIN SELECT RAISE(ABORT, 'the access log is append-only: only rows past its retention period may be deleted'); END;
-- The purge ledger: the ids of purged reports (no content), so that a
-- restored older backup is purged again and the search index catches up
-- with purges it missed (made while another process held it, say).
CREATE TABLE IF NOT EXISTS purged_reports (
    seq INTEGER PRIMARY KEY,
    report_id TEXT NOT NULL,
    purged_at INTEGER NOT NULL,
    before INTEGER
);
CREATE INDEX IF NOT EXISTS purged_reports_id ON purged_reports (report_id);
CREATE TABLE IF NOT EXISTS alert_outbox (
    id INTEGER PRIMARY KEY,
    created_at INTEGER NOT NULL,
    url TEXT NOT NULL,
    event TEXT NOT NULL,
    cluster_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER NOT NULL,
    delivered_at INTEGER,
    last_error TEXT
);
CREATE INDEX IF NOT EXISTS alert_outbox_pending ON alert_outbox (delivered_at, next_at);
CREATE TABLE IF NOT EXISTS link_decisions (
    a TEXT NOT NULL,
    b TEXT NOT NULL,
    decision TEXT NOT NULL,
    basis TEXT NOT NULL,
    actor TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (a, b)
);
"#;

/// The database file's name inside the data directory.
pub const DB_FILE: &str = "fraudlink.db";

/// Creates what is missing of the schema on `conn` (an older store gets
/// the tables and triggers added since) and checks its version.
pub fn prepare_schema(conn: &Connection) -> Result<()> {
    conn.execute_batch(SCHEMA).context("creating the schema")?;
    add_access_log_actor(conn)?;
    add_identifier_note(conn).context("adding the identifiers' note column")?;
    add_missing_columns(conn)?;
    let version: Option<String> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    match version.as_deref().map(str::parse::<i64>) {
        None => {
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('schema_version', ?1)",
                [SCHEMA_VERSION.to_string()],
            )?;
            // A new store is written with secure deletion from the start:
            // its free space never held anything (see `zero_free_space`).
            conn.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES (?1, '1')",
                [FREE_SPACE_ZEROED],
            )?;
        }
        Some(Ok(SCHEMA_VERSION)) => {}
        Some(other) => {
            anyhow::bail!("schema version {other:?}; this build reads version {SCHEMA_VERSION}")
        }
    }
    Ok(())
}

/// The `meta` key set once the store's free space holds nothing deleted:
/// from its creation by a build with secure deletion, or after the one
/// `VACUUM` of [`Store::zero_free_space`].
const FREE_SPACE_ZEROED: &str = "free_space_zeroed";

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
        // `Engine::decide_link` names the endpoints in the cause of the
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
fn delete_access_log_before(tx: &Connection, before: i64) -> Result<usize> {
    tx.execute(
        "INSERT OR REPLACE INTO main.meta (key, value) VALUES ('access_log_kept_from', ?1)",
        [before.to_string()],
    )?;
    Ok(tx.execute("DELETE FROM main.access_log WHERE at < ?1", [before])?)
}

/// The WAL of the database file at `db`.
pub fn wal_file(db: &Path) -> PathBuf {
    sibling(db, "-wal")
}

/// The shared-memory file of the database file at `db`.
pub fn shm_file(db: &Path) -> PathBuf {
    sibling(db, "-shm")
}

fn sibling(db: &Path, suffix: &str) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// How durable a connection's commits are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Every commit survives a power loss (fsync per commit): reports.
    Full,
    /// Every commit survives the process being killed; the last ones may
    /// be lost in a power loss (WAL with `synchronous=NORMAL`). Used for
    /// the access log, written on every read, where an fsync per request
    /// would put hundreds of milliseconds on the slowest reads.
    Process,
}

/// What writing one report did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// A new report.
    Inserted,
    /// A known id with changed content: replaced with its identifiers, the
    /// version it replaced kept in `report_versions`.
    Updated,
    /// A known id with the same content: nothing written.
    Unchanged,
}

/// Counts of one committed batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchCounts {
    /// New reports.
    pub accepted: usize,
    /// Changed reports.
    pub updated: usize,
    /// Re-imported, identical reports.
    pub unchanged: usize,
    /// Lines refused.
    pub rejected: usize,
}

/// A batch refused because it would write over a report that the writer's
/// team may not write (see [`Store::write_batch`]). Which team the report
/// belongs to is not said.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("report {id} is not one this writer may write")]
pub struct NotOwnReport {
    /// The report's place in the batch.
    pub index: usize,
    /// Its id.
    pub id: String,
}

/// An earlier version of a report, replaced by a later write.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ReportVersion {
    /// 1 for the first version written, counting up.
    pub version: i64,
    /// When it was written, Unix seconds.
    pub written_at: i64,
    /// When the next version replaced it, Unix seconds.
    pub replaced_at: i64,
    /// Who wrote it: the batch's source (`api:intake#3 (label)`, a file).
    pub source: String,
    /// The raw JSON line as it was received.
    pub raw: String,
}

/// A report as stored, with its parsed fields and identifiers.
#[derive(Debug, Clone)]
pub struct StoredReport {
    /// The raw JSON line.
    pub raw: String,
    /// The identifiers extracted at ingest.
    pub identifiers: Vec<Identifier>,
}

/// The linking-relevant part of a report, for rebuilding the graph.
#[derive(Debug, Clone)]
pub struct LinkRow {
    /// The report.
    pub id: ReportId,
    /// Filing time, Unix seconds.
    pub filed_at: i64,
    /// Damage.
    pub amount_eur: Option<f64>,
    /// Victim reference.
    pub victim_ref: Option<Arc<str>>,
    /// The statement calls itself a supplement to an earlier report.
    pub supplement: bool,
    /// The unit, as its number in [`LinkRows::names`] (a million rows
    /// name a few dozen units, teams and fraud types).
    pub unit: u32,
    /// The team's number.
    pub team: u32,
    /// The fraud category's number.
    pub fraud_type: Option<u32>,
}

/// Every report's linking fields, with the unit, team and fraud-type
/// names they number.
#[derive(Debug, Clone, Default)]
pub struct LinkRows {
    /// In write order.
    pub rows: Vec<LinkRow>,
    /// Each distinct name once.
    pub names: Vec<Arc<str>>,
}

/// A cluster's triage record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterRecord {
    /// The id.
    pub id: ClusterId,
    /// When it was created, Unix seconds.
    pub created_at: i64,
    /// Triage status.
    pub status: String,
    /// The team it is assigned to.
    pub assigned_team: Option<String>,
    /// Analysts' notes.
    pub notes: String,
}

/// An open SQLite store. Not `Sync`: the engine wraps it in a mutex.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// The busy handler of every connection: retry after a millisecond, for
/// about 30 s.
fn wait_a_millisecond(attempt: i32) -> bool {
    if attempt >= 30_000 {
        return false;
    }
    std::thread::sleep(std::time::Duration::from_millis(1));
    true
}

/// Columns added to a table after stores were written without them:
/// `(table, column, type)`. Added when a store is opened (an additive
/// change, so the schema version and the backups it was written in stay
/// readable).
const ADDED_COLUMNS: [(&str, &str, &str); 1] = [("tokens", "expires_at", "INTEGER")];

fn add_missing_columns(conn: &Connection) -> Result<()> {
    for (table, column, kind) in ADDED_COLUMNS {
        let present: bool = conn.query_row(
            &format!("SELECT count(*) > 0 FROM pragma_table_info('{table}') WHERE name = ?1"),
            [column],
            |r| r.get(0),
        )?;
        if !present {
            conn.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {kind}"))
                .with_context(|| format!("adding {table}.{column} to the store"))?;
        }
    }
    Ok(())
}

/// The meta key counting the changes a re-cluster must see: reports
/// written, purges and link decisions (see [`Store::revisions`]).
const REVISION: &str = "revision";
/// The meta key counting purges that removed reports.
const PURGES: &str = "purges";
/// The meta key counting changes to tokens and triage.
const ADMIN_REVISION: &str = "admin_revision";

/// Adds one to a counter in `meta`, inside the caller's transaction.
fn bump(conn: &Connection, key: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, '1')
         ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
        [key],
    )?;
    Ok(())
}

/// The store's change counters, as another process's commands see them
/// (see [`Store::revisions`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Revisions {
    /// Changes the clusters depend on: every batch that wrote a report,
    /// every purge that removed one, every link decision.
    pub derived: i64,
    /// Purges that removed reports (a re-cluster after one also removes
    /// them from the search index).
    pub purges: i64,
    /// Changes to tokens (created, revoked) and to triage.
    pub admin: i64,
}

impl Store {
    /// Opens (creating when needed) the store in `dir`.
    pub fn open(dir: &Path) -> Result<Store> {
        Store::open_with(dir, Durability::Full)
    }

    /// Opens with the given durability of commits.
    pub fn open_with(dir: &Path, durability: Durability) -> Result<Store> {
        crate::private::create_dir(dir)
            .with_context(|| format!("creating data directory {}", dir.display()))?;
        let path = dir.join(DB_FILE);
        // Made 0600 before SQLite opens it: SQLite creates the WAL and
        // shared-memory files with the database file's mode, and its own
        // default (0644 less the umask) would let every account read the
        // reports. Files an older build left readable are corrected.
        //
        // Only when it does not exist: closing a descriptor of the file
        // drops every POSIX lock this process holds on it, those of its
        // open connections included (SQLite's own descriptors are shared
        // and kept open for that reason). A command beside `serve` that
        // then closed the last connection it saw would checkpoint and
        // delete the WAL under the service, leaving pages that no table
        // and no free list holds.
        if !path.exists() {
            crate::private::touch(&path)?;
        }
        for file in [path.clone(), wal_file(&path), shm_file(&path)] {
            crate::private::fix_file(&file)?;
        }
        let conn =
            Connection::open(&path).with_context(|| format!("opening store {}", path.display()))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // NORMAL is durable in WAL mode except for the last transactions
        // before a power loss; FULL makes a committed batch survive that too.
        conn.pragma_update(
            None,
            "synchronous",
            match durability {
                Durability::Full => "FULL",
                Durability::Process => "NORMAL",
            },
        )?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Deleted and replaced rows are overwritten with zeros, in their
        // pages and in pages given back to the free list, so that a purged
        // report's text does not stay in the file (and every connection
        // writes, so every connection does it).
        conn.pragma_update(None, "secure_delete", "ON")?;
        // A larger page cache (the default is 2 MB) keeps the indexes in
        // memory while a large import inserts into them; SQLite only takes
        // what it uses.
        conn.pragma_update(None, "cache_size", CACHE_KIB)?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        // A commit checkpoints only past 64 MB of WAL instead of 4 MB: a
        // large import rewrites the same index pages in batch after batch,
        // and each checkpoint copies them back once (at a million reports,
        // ingest went from 5,900 to 7,700 reports/s, when identifiers still
        // had an index on their values). The
        // engine checkpoints in the background well before that (see
        // `Store::checkpoint`), so a request rarely pays for one.
        conn.pragma_update(None, "wal_autocheckpoint", 16_384)?;
        // Waits for another connection's write by polling every
        // millisecond for up to 30 s. SQLite's own busy_timeout backs off to
        // 100 ms sleeps, and under a stream of pushes an access-log write
        // could then miss every gap between them for seconds.
        conn.busy_handler(Some(wait_a_millisecond))?;
        prepare_schema(&conn).with_context(|| format!("store {}", path.display()))?;
        Ok(Store { conn, path })
    }

    /// A write transaction that takes the write lock at once, so that it
    /// waits (busy timeout) for another connection's write instead of
    /// failing when a read would have to be upgraded (SQLITE_BUSY_SNAPSHOT).
    fn write_transaction(&mut self) -> rusqlite::Result<rusqlite::Transaction<'_>> {
        self.conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
    }

    /// Starts a read transaction: every read until [`Store::end_snapshot`]
    /// sees the store as it was at the first one (WAL readers never block
    /// the writer).
    pub fn begin_snapshot(&mut self) -> Result<()> {
        self.conn.execute_batch("BEGIN DEFERRED")?;
        Ok(())
    }

    /// Ends the read transaction of [`Store::begin_snapshot`].
    pub fn end_snapshot(&mut self) -> Result<()> {
        self.conn.execute_batch("COMMIT")?;
        Ok(())
    }

    /// Copies what the WAL holds into the database file as far as readers
    /// allow, without waiting for or blocking anyone (a passive checkpoint).
    /// Returns the WAL's frames and how many of them are now copied.
    pub fn checkpoint(&self) -> Result<(i64, i64)> {
        Ok(self
            .conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                Ok((r.get(1)?, r.get(2)?))
            })?)
    }

    /// Shrinks this connection's page cache to `kib` KiB, for connections
    /// that only log, look up or checkpoint: each of the default 128 MB
    /// caches fills up over time on a large store.
    pub fn small_cache(self, kib: i64) -> Result<Store> {
        self.conn.pragma_update(None, "cache_size", -kib.abs())?;
        Ok(self)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes a batch of reports with their identifiers in one transaction.
    /// Either the whole batch is committed or nothing is. A report written
    /// again with other content keeps its earlier version in
    /// `report_versions`; the same content again writes nothing.
    ///
    /// With `owner` (an intake token's team), a report already stored for
    /// another team refuses the whole batch with [`NotOwnReport`]: checked
    /// inside the write transaction, so no other write can slip between.
    pub fn write_batch(
        &mut self,
        source: &str,
        started_at: i64,
        reports: &[(Report, String, Vec<Identifier>)],
        rejected: usize,
        owner: Option<&str>,
    ) -> Result<(i64, BatchCounts, Vec<Written>)> {
        let tx = self.write_transaction()?;
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let batch: i64 = tx.query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM batches", [], |r| {
            r.get(0)
        })?;
        let mut seq: i64 = tx.query_row("SELECT COALESCE(MAX(seq), 0) FROM reports", [], |r| {
            r.get(0)
        })?;
        let mut counts = BatchCounts {
            rejected,
            ..BatchCounts::default()
        };
        let mut written = Vec::with_capacity(reports.len());
        {
            let mut get_hash = tx.prepare_cached("SELECT hash, team FROM reports WHERE id = ?1")?;
            let mut keep_version = tx.prepare_cached(
                "INSERT INTO report_versions (report_id, version, raw, hash, team, batch, written_at, replaced_at, replaced_by_batch)
                 SELECT id, (SELECT COALESCE(MAX(version), 0) + 1 FROM report_versions WHERE report_id = ?1),
                        raw, hash, team, batch, updated_at, ?2, ?3
                 FROM reports WHERE id = ?1",
            )?;
            let mut put = tx.prepare_cached(
                "INSERT OR REPLACE INTO reports (id, raw, hash, filed_at, unit, team, fraud_type, amount_eur, victim_ref, supplement, batch, seq, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )?;
            let mut del_ids = tx.prepare_cached("DELETE FROM identifiers WHERE report_id = ?1")?;
            let mut put_id = tx.prepare_cached(
                "INSERT INTO identifiers (report_id, kind, value, raw, source, role, valid, benign, span_start, span_end, note)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?;
            for (index, (report, raw, idents)) in reports.iter().enumerate() {
                let hash = content_hash(raw) as i64;
                let old: Option<(i64, String)> = get_hash
                    .query_row([report.id.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()?;
                if let (Some((_, team)), Some(owner)) = (&old, owner)
                    && !crate::teams::same(team, owner)
                {
                    return Err(NotOwnReport {
                        index,
                        id: report.id.as_str().to_owned(),
                    }
                    .into());
                }
                let w = match old.map(|(h, _)| h) {
                    Some(h) if h == hash => Written::Unchanged,
                    Some(_) => Written::Updated,
                    None => Written::Inserted,
                };
                written.push(w);
                match w {
                    Written::Unchanged => {
                        counts.unchanged += 1;
                        continue;
                    }
                    Written::Updated => {
                        counts.updated += 1;
                        keep_version.execute(params![report.id.as_str(), now, batch])?;
                        del_ids.execute([report.id.as_str()])?;
                    }
                    Written::Inserted => counts.accepted += 1,
                }
                seq += 1;
                put.execute(params![
                    report.id.as_str(),
                    raw,
                    hash,
                    report.filed_at.unix_timestamp(),
                    report.unit,
                    report.team,
                    report
                        .fraud_type
                        .as_ref()
                        .map(|f| f.as_written().to_owned()),
                    report.amount_eur,
                    report.victim_ref,
                    crate::extract::is_supplement(&report.narrative),
                    batch,
                    seq,
                    now,
                ])?;
                for id in idents {
                    put_id.execute(params![
                        report.id.as_str(),
                        id.kind.as_str(),
                        id.value,
                        id.raw,
                        source_str(id.source),
                        role_str(id.role),
                        id.valid,
                        id.benign,
                        id.span.map(|s| s[0] as i64),
                        id.span.map(|s| s[1] as i64),
                        id.note,
                    ])?;
                }
            }
        }
        tx.execute(
            "INSERT INTO batches (id, source, started_at, committed_at, accepted, updated, unchanged, rejected)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                batch,
                source,
                started_at,
                now,
                counts.accepted as i64,
                counts.updated as i64,
                counts.unchanged as i64,
                counts.rejected as i64
            ],
        )?;
        if counts.accepted + counts.updated > 0 {
            bump(&tx, REVISION)?;
        }
        tx.commit().context("committing the batch")?;
        Ok((batch, counts, written))
    }

    /// The number of reports.
    pub fn report_count(&self) -> Result<usize> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM reports", [], |r| r.get(0))?;
        Ok(n as usize)
    }

    /// The highest write sequence number: it changes whenever a report is
    /// written, so derived data can tell whether it is behind.
    pub fn generation(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT COALESCE(MAX(seq), 0) FROM reports", [], |r| {
                r.get(0)
            })?)
    }

    /// The change counters: a process that keeps something derived from
    /// the store (the clusters, the token book, the triage records)
    /// compares them with those it was built from to see that another
    /// process (a command beside `serve`) changed what it depends on.
    pub fn revisions(&self) -> Result<Revisions> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT key, CAST(value AS INTEGER) FROM meta WHERE key IN (?1, ?2, ?3)",
        )?;
        let mut r = Revisions::default();
        let mut rows = stmt.query([REVISION, PURGES, ADMIN_REVISION])?;
        while let Some(row) = rows.next()? {
            let n: i64 = row.get(1)?;
            match row.get_ref(0)?.as_str()? {
                REVISION => r.derived = n,
                PURGES => r.purges = n,
                _ => r.admin = n,
            }
        }
        Ok(r)
    }

    /// Each team reports were filed by, with their number (a scan of every
    /// report: for when no saved clusters hold them).
    pub fn team_counts(&self) -> Result<Vec<(String, usize)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT team, count(*) FROM reports GROUP BY team")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as usize)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// The cluster of each of `ids` that has one, as the last re-cluster
    /// saved it.
    pub fn clusters_of<'a>(
        &self,
        ids: impl IntoIterator<Item = &'a str>,
    ) -> Result<HashMap<String, ClusterId>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT cluster_id FROM memberships WHERE report_id = ?1")?;
        let mut out = HashMap::new();
        for id in ids {
            if let Some(c) = stmt.query_row([id], |r| r.get::<_, String>(0)).optional()? {
                out.insert(id.to_owned(), ClusterId::new(c));
            }
        }
        Ok(out)
    }

    /// The reports of a cluster, as the last re-cluster saved them, sorted.
    pub fn cluster_members(&self, id: &ClusterId) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT report_id FROM memberships WHERE cluster_id = ?1 ORDER BY report_id",
        )?;
        let rows = stmt
            .query_map([id.as_str()], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(rows)
    }

    /// One report with its identifiers.
    pub fn report(&self, id: &str) -> Result<Option<StoredReport>> {
        let raw: Option<String> = self
            .conn
            .query_row("SELECT raw FROM reports WHERE id = ?1", [id], |r| r.get(0))
            .optional()?;
        let Some(raw) = raw else {
            return Ok(None);
        };
        let mut stmt = self.conn.prepare_cached(
            "SELECT kind, value, raw, source, role, valid, benign, span_start, span_end, note FROM identifiers WHERE report_id = ?1 ORDER BY rowid",
        )?;
        let identifiers = stmt
            .query_map([id], |row| row_identifier(row, 0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(Some(StoredReport {
            raw,
            identifiers: identifiers.into_iter().flatten().collect(),
        }))
    }

    /// The earlier versions of a report, oldest first (empty when it was
    /// written once, or is not stored).
    pub fn report_versions(&self, id: &str) -> Result<Vec<ReportVersion>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT v.version, v.written_at, v.replaced_at, COALESCE(b.source, ''), v.raw
             FROM report_versions v LEFT JOIN batches b ON b.id = v.batch
             WHERE v.report_id = ?1 ORDER BY v.version",
        )?;
        let rows = stmt
            .query_map([id], |r| {
                Ok(ReportVersion {
                    version: r.get(0)?,
                    written_at: r.get(1)?,
                    replaced_at: r.get(2)?,
                    source: r.get(3)?,
                    raw: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Every report's linking fields, in write order.
    pub fn link_rows(&self) -> Result<LinkRows> {
        let mut stmt = self.conn.prepare(
            "SELECT id, filed_at, amount_eur, victim_ref, supplement, unit, team, fraud_type FROM reports ORDER BY seq",
        )?;
        let count: i64 = self
            .conn
            .query_row("SELECT count(*) FROM reports", [], |r| r.get(0))?;
        let mut out = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
        let mut names: Vec<Arc<str>> = Vec::new();
        let mut numbers: FxHashMap<Box<str>, u32> = FxHashMap::default();
        let mut number = |s: &str| -> u32 {
            match numbers.get(s) {
                Some(&n) => n,
                None => {
                    let n = names.len() as u32;
                    names.push(Arc::from(s));
                    numbers.insert(s.into(), n);
                    n
                }
            }
        };
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let text = |i: usize| -> Result<Option<&str>> {
                Ok(match r.get_ref(i)? {
                    rusqlite::types::ValueRef::Null => None,
                    v => Some(v.as_str()?),
                })
            };
            let id = text(0)?.unwrap_or_default();
            out.push(LinkRow {
                id: ReportId::parse(id)
                    .with_context(|| format!("report id {id:?} in the store"))?,
                filed_at: r.get(1)?,
                amount_eur: r.get(2)?,
                victim_ref: text(3)?.map(Arc::from),
                supplement: r.get(4)?,
                unit: number(text(5)?.unwrap_or_default()),
                team: number(text(6)?.unwrap_or_default()),
                fraud_type: text(7)?.map(&mut number),
            });
        }
        Ok(LinkRows { rows: out, names })
    }

    /// Calls `f` for every offender identifier that can link (valid, or an
    /// invalid IBAN for typo suggestions; names excluded), reading only the
    /// columns the linker needs: report id, kind, value, valid, benign.
    /// Rows come in write order, so one report's identifiers are adjacent.
    pub fn for_each_link_identifier(
        &self,
        mut f: impl FnMut(&str, Kind, &str, bool, Option<&str>),
    ) -> Result<()> {
        let mut stmt = self.conn.prepare(
            "SELECT report_id, kind, value, valid, benign FROM identifiers
             WHERE role = 'offender' AND kind != 'name' AND (valid = 1 OR kind = 'iban')",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let rid = row.get_ref(0)?.as_str()?;
            let Some(kind) = Kind::from_name(row.get_ref(1)?.as_str()?) else {
                continue;
            };
            let value = row.get_ref(2)?.as_str()?;
            let valid: bool = row.get(3)?;
            let benign = row.get_ref(4)?.as_str_or_null()?;
            f(rid, kind, value, valid, benign);
        }
        Ok(())
    }

    /// Calls `f` for every stored identifier (report id, identifier).
    pub fn for_each_identifier(&self, mut f: impl FnMut(&str, Identifier)) -> Result<()> {
        let mut stmt = self.conn.prepare(
            "SELECT report_id, kind, value, raw, source, role, valid, benign, span_start, span_end, note FROM identifiers",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let rid: String = row.get(0)?;
            let Some(id) = row_identifier(row, 1)? else {
                continue;
            };
            f(&rid, id);
        }
        Ok(())
    }

    /// Calls `f` for every report written after `seq` (in write order)
    /// with its sequence number, raw line and linking terms (`kind:value`
    /// of its valid identifiers), for the search index to catch up.
    pub fn reports_since(&self, seq: i64, mut f: impl FnMut(i64, &str, Vec<String>)) -> Result<()> {
        let mut terms: HashMap<String, Vec<String>> = HashMap::new();
        {
            let mut stmt = self.conn.prepare(
                "SELECT i.report_id, i.kind, i.value FROM identifiers i JOIN reports r ON r.id = i.report_id
                 WHERE r.seq > ?1 AND i.valid = 1",
            )?;
            let mut rows = stmt.query([seq])?;
            while let Some(row) = rows.next()? {
                let (rid, kind, value): (String, String, String) =
                    (row.get(0)?, row.get(1)?, row.get(2)?);
                terms
                    .entry(rid)
                    .or_default()
                    .push(format!("{kind}:{value}"));
            }
        }
        let mut stmt = self
            .conn
            .prepare("SELECT id, seq, raw FROM reports WHERE seq > ?1 ORDER BY seq")?;
        let mut rows = stmt.query([seq])?;
        while let Some(row) = rows.next()? {
            let id: String = row.get(0)?;
            let raw: String = row.get(2)?;
            f(row.get(1)?, &raw, terms.remove(&id).unwrap_or_default());
        }
        Ok(())
    }

    /// The previous cluster assignment.
    pub fn previous(&self) -> Result<Previous> {
        let mut prev = Previous::default();
        let mut stmt = self
            .conn
            .prepare("SELECT report_id, cluster_id FROM memberships")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            prev.membership.insert(
                ReportId::parse(&row.get::<_, String>(0)?)?,
                ClusterId::new(row.get::<_, String>(1)?),
            );
        }
        let mut stmt = self
            .conn
            .prepare("SELECT id, age, alias_of FROM clusters")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let id = ClusterId::new(row.get::<_, String>(0)?);
            let alias: Option<String> = row.get(2)?;
            if alias.is_none() {
                prev.age.insert(id.clone(), row.get::<_, i64>(1)? as u64);
            }
            prev.taken.insert(id);
        }
        Ok(prev)
    }

    /// Writes a new assignment: memberships, new clusters, aliases and
    /// events, in one transaction. Only `changes` (worked out before, so
    /// that the writer is held for the writes alone) are written to the
    /// memberships.
    pub fn save_assignment(
        &mut self,
        a: &Assignment,
        changes: &MembershipChanges<'_>,
        cause: &str,
    ) -> Result<()> {
        let tx = self.write_transaction()?;
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let mut age: i64 = tx.query_row("SELECT COALESCE(MAX(age), 0) FROM clusters", [], |r| {
            r.get(0)
        })?;
        {
            let mut new_cluster = tx.prepare_cached(
                "INSERT OR IGNORE INTO clusters (id, created_at, age, updated_at) VALUES (?1, ?2, ?3, ?2)",
            )?;
            let mut alias = tx.prepare_cached(
                "UPDATE clusters SET alias_of = ?2, updated_at = ?3 WHERE id = ?1",
            )?;
            let mut repoint =
                tx.prepare_cached("UPDATE clusters SET alias_of = ?2 WHERE alias_of = ?1")?;
            let mut event = tx.prepare_cached(
                "INSERT INTO cluster_events (at, cluster_id, kind, cause, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            // Clusters are aged in the order they are created; the ones
            // created together, by their earliest report, so that ages
            // follow the cases' own time.
            let mut created: Vec<&Event> = a
                .events
                .iter()
                .filter(|e| matches!(e, Event::Created { .. }))
                .collect();
            created.sort_by_key(|e| match e {
                Event::Created {
                    first_filed_at,
                    cluster,
                    ..
                } => (*first_filed_at, cluster.clone()),
                other => (i64::MAX, other.cluster().clone()),
            });
            for e in created {
                age += 1;
                new_cluster.execute(params![e.cluster().as_str(), now, age])?;
            }
            for (from, to) in &a.aliases {
                alias.execute(params![from.as_str(), to.as_str(), now])?;
                repoint.execute(params![from.as_str(), to.as_str()])?;
            }
            for e in &a.events {
                let kind = match e {
                    Event::Created { .. } => "created",
                    Event::Grew { .. } => "grew",
                    Event::Merged { .. } => "merged",
                    Event::Shrank { .. } => "shrank",
                    Event::Dissolved { .. } => "dissolved",
                };
                event.execute(params![
                    now,
                    e.cluster().as_str(),
                    kind,
                    cause,
                    serde_json::to_string(e)?
                ])?;
            }
        }
        {
            let mut put = tx.prepare_cached(
                "INSERT OR REPLACE INTO memberships (report_id, cluster_id) VALUES (?1, ?2)",
            )?;
            for (r, cid) in &changes.put {
                put.execute(params![r.as_str(), cid.as_str()])?;
            }
            let mut gone = tx.prepare_cached("DELETE FROM memberships WHERE report_id = ?1")?;
            for r in &changes.gone {
                gone.execute([r.as_str()])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Resolves an id or an alias to the live cluster id.
    pub fn resolve_cluster(&self, id: &str) -> Result<Option<ClusterId>> {
        let row: Option<(String, Option<String>)> = self
            .conn
            .query_row(
                "SELECT id, alias_of FROM clusters WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(row.map(|(id, alias)| ClusterId::new(alias.unwrap_or(id))))
    }

    /// Triage records of the live clusters someone has triaged: those
    /// with a status other than `new`, a team or a note. The others (most
    /// of them: 480k at a million reports, 130 MB as records) are `new`,
    /// unassigned and without notes, which is what a missing record means.
    pub fn triaged_clusters(&self) -> Result<HashMap<ClusterId, ClusterRecord>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, created_at, status, assigned_team, notes FROM clusters
             WHERE alias_of IS NULL
               AND (status <> 'new' OR assigned_team IS NOT NULL OR notes <> '')",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok(ClusterRecord {
                    id: ClusterId::new(r.get::<_, String>(0)?),
                    created_at: r.get(1)?,
                    status: r.get(2)?,
                    assigned_team: r.get(3)?,
                    notes: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows.into_iter().map(|r| (r.id.clone(), r)).collect())
    }

    /// The events of a cluster (and of the ids merged into it), oldest first.
    pub fn cluster_events(
        &self,
        id: &ClusterId,
    ) -> Result<Vec<(i64, String, String, serde_json::Value)>> {
        let mut stmt = self.conn.prepare(
            "SELECT at, kind, cause, detail FROM cluster_events
             WHERE cluster_id = ?1 OR cluster_id IN (SELECT id FROM clusters WHERE alias_of = ?1)
             ORDER BY id",
        )?;
        let rows = stmt
            .query_map([id.as_str()], |r| {
                let detail: String = r.get(3)?;
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Every triage event, oldest first, as `(cluster id, Unix seconds,
    /// detail)`: the flow figures (lead times to assignment and closure)
    /// are computed from them.
    pub fn triage_events(&self) -> Result<Vec<(String, i64, serde_json::Value)>> {
        let mut stmt = self.conn.prepare(
            "SELECT cluster_id, at, detail FROM cluster_events WHERE kind = 'triage' ORDER BY id",
        )?;
        let rows = stmt
            .query_map([], |r| {
                let detail: String = r.get(2)?;
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Records an analyst's decision on a suggested link.
    pub fn decide_link(
        &mut self,
        a: &str,
        b: &str,
        decision: &str,
        basis: &str,
        actor: &str,
    ) -> Result<()> {
        let (a, b) = if a <= b { (a, b) } else { (b, a) };
        let tx = self.write_transaction()?;
        tx.execute(
            "INSERT OR REPLACE INTO link_decisions (a, b, decision, basis, actor, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![a, b, decision, basis, actor, OffsetDateTime::now_utc().unix_timestamp()],
        )?;
        bump(&tx, REVISION)?;
        tx.commit()?;
        Ok(())
    }

    /// All link decisions: (a, b, decision, basis).
    pub fn link_decisions(&self) -> Result<Vec<(String, String, String, String)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT a, b, decision, basis FROM link_decisions")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }
}

/// An alert waiting in the outbox.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PendingAlert {
    /// Row id.
    pub id: i64,
    /// Where to POST.
    pub url: String,
    /// The JSON body.
    pub payload: String,
    /// Attempts so far.
    pub attempts: i64,
}

impl Store {
    /// Queues alerts: `(url, event, cluster, payload)`.
    pub fn queue_alerts(&mut self, alerts: &[(String, String, String, String)]) -> Result<()> {
        let tx = self.write_transaction()?;
        let now = OffsetDateTime::now_utc().unix_timestamp();
        {
            let mut put = tx.prepare_cached(
                "INSERT INTO alert_outbox (created_at, url, event, cluster_id, payload, next_at) VALUES (?1, ?2, ?3, ?4, ?5, ?1)",
            )?;
            for (url, event, cluster, payload) in alerts {
                put.execute(params![now, url, event, cluster, payload])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Alerts due for (re)delivery, oldest first.
    pub fn due_alerts(&self, max_attempts: i64, limit: usize) -> Result<Vec<PendingAlert>> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let mut stmt = self.conn.prepare(
            "SELECT id, url, payload, attempts FROM alert_outbox
             WHERE delivered_at IS NULL AND next_at <= ?1 AND attempts < ?2 ORDER BY id LIMIT ?3",
        )?;
        let rows = stmt
            .query_map(params![now, max_attempts, limit as i64], |r| {
                Ok(PendingAlert {
                    id: r.get(0)?,
                    url: r.get(1)?,
                    payload: r.get(2)?,
                    attempts: r.get(3)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Records a delivery attempt: delivered, or failed with the next try
    /// after `retry_in` seconds.
    pub fn alert_attempt(&mut self, id: i64, error: Option<&str>, retry_in: i64) -> Result<()> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        match error {
            None => self.conn.execute(
                "UPDATE alert_outbox SET attempts = attempts + 1, delivered_at = ?2, last_error = NULL WHERE id = ?1",
                params![id, now],
            )?,
            Some(e) => self.conn.execute(
                "UPDATE alert_outbox SET attempts = attempts + 1, next_at = ?2, last_error = ?3 WHERE id = ?1",
                params![id, now + retry_in, e],
            )?,
        };
        Ok(())
    }

    /// Every alert with its delivery state, newest first.
    pub fn alerts(&self, limit: usize) -> Result<Vec<serde_json::Value>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, created_at, url, event, cluster_id, attempts, delivered_at, last_error FROM alert_outbox ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = stmt
            .query_map([limit as i64], |r| {
                Ok(serde_json::json!({
                    "id": r.get::<_, i64>(0)?, "created_at": r.get::<_, i64>(1)?, "url": r.get::<_, String>(2)?,
                    "event": r.get::<_, String>(3)?, "cluster_id": r.get::<_, String>(4)?, "attempts": r.get::<_, i64>(5)?,
                    "delivered_at": r.get::<_, Option<i64>>(6)?, "last_error": r.get::<_, Option<String>>(7)?,
                }))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }
}

/// Reads the identifier columns (kind, value, raw, source, role, valid,
/// benign, span_start, span_end) starting at column `at`.
/// One row of the access log.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AccessRecord {
    /// Row id.
    pub id: i64,
    /// When, Unix seconds.
    pub at: i64,
    /// The token (its row id).
    pub token_id: Option<i64>,
    /// The caller's role.
    pub role: String,
    /// The caller's team.
    pub team: Option<String>,
    /// What was done (`read_report`, `search`, ...).
    pub action: String,
    /// What was shown: report ids (or a snapshot of a long list, see
    /// [`crate::access::reports_shown`]), cluster ids, the query.
    pub targets: serde_json::Value,
    /// The purpose the reader gave (`X-Fraudlink-Reason`, the UI
    /// session's purpose, `--reason`).
    pub reason: Option<String>,
    /// `ok`, `denied` or `not_found` (a webhook delivery: `ok` or
    /// `failed: ...`).
    pub outcome: String,
    /// Who, by name: a token's `role#id (label)`, the person at the
    /// command line, a webhook's URL (empty in rows written before the
    /// column was added).
    pub actor: Option<String>,
}

/// A filter on the access log.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only this token.
    pub token_id: Option<i64>,
    /// Only this action.
    pub action: Option<String>,
    /// Only rows whose targets mention this id.
    pub target: Option<String>,
    /// Only rows at or after this time.
    pub since: Option<i64>,
    /// At most this many rows (newest first).
    pub limit: usize,
}

/// A token as listed (never the token itself).
#[derive(Debug, Clone, serde::Serialize)]
pub struct TokenRecord {
    /// Row id.
    pub id: i64,
    /// Role.
    pub role: String,
    /// Team.
    pub team: Option<String>,
    /// Label.
    pub label: String,
    /// Created, Unix seconds.
    pub created_at: i64,
    /// Revoked, Unix seconds.
    pub revoked_at: Option<i64>,
    /// When it stops working, Unix seconds (`None`: never).
    pub expires_at: Option<i64>,
    /// `live`, `revoked` or `expired`, as of the listing.
    pub state: &'static str,
}

impl Store {
    /// Stores a new token's hash, valid until `expires_at` (Unix seconds;
    /// `None`: no end); returns its row id.
    pub fn create_token(
        &mut self,
        hash: &str,
        role: AccessRole,
        team: Option<&str>,
        label: &str,
        expires_at: Option<i64>,
    ) -> Result<i64> {
        let tx = self.write_transaction()?;
        tx.execute(
            "INSERT INTO tokens (hash, role, team, label, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                hash,
                role.as_str(),
                team,
                label,
                OffsetDateTime::now_utc().unix_timestamp(),
                expires_at
            ],
        )?;
        let id = tx.last_insert_rowid();
        bump(&tx, ADMIN_REVISION)?;
        tx.commit()?;
        Ok(id)
    }

    /// The caller a token hash belongs to, unless revoked or expired.
    pub fn principal(&self, hash: &str) -> Result<Option<Principal>> {
        type Row = (i64, String, Option<String>, String, Option<i64>);
        let row: Option<Row> = self
            .conn
            .query_row(
                "SELECT id, role, team, label, expires_at FROM tokens
                 WHERE hash = ?1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?2)",
                params![hash, OffsetDateTime::now_utc().unix_timestamp()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?;
        Ok(row.and_then(|(id, role, team, label, expires_at)| {
            Some(Principal {
                token_id: id,
                role: AccessRole::from_name(&role)?,
                team,
                label,
                expires_at,
            })
        }))
    }

    /// Every live token (neither revoked nor expired): its hash and its
    /// caller, who carries the expiry so that a token expiring later is
    /// refused from that moment on.
    pub fn live_tokens(&self) -> Result<Vec<(String, Principal)>> {
        let mut stmt = self.conn.prepare(
            "SELECT hash, id, role, team, label, expires_at FROM tokens
             WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?1)",
        )?;
        type Row = (String, i64, String, Option<String>, String, Option<i64>);
        let rows = stmt
            .query_map([OffsetDateTime::now_utc().unix_timestamp()], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get::<_, String>(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<Row>>>()?;
        Ok(rows
            .into_iter()
            .filter_map(|(hash, id, role, team, label, expires_at)| {
                let role = AccessRole::from_name(&role)?;
                Some((
                    hash,
                    Principal {
                        token_id: id,
                        role,
                        team,
                        label,
                        expires_at,
                    },
                ))
            })
            .collect())
    }

    /// Revokes a token; false when there was no such live token.
    pub fn revoke_token(&mut self, id: i64) -> Result<bool> {
        let tx = self.write_transaction()?;
        let n = tx.execute(
            "UPDATE tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
            params![id, OffsetDateTime::now_utc().unix_timestamp()],
        )?;
        if n == 1 {
            bump(&tx, ADMIN_REVISION)?;
        }
        tx.commit()?;
        Ok(n == 1)
    }

    /// All tokens, with their state as of now.
    pub fn tokens(&self) -> Result<Vec<TokenRecord>> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let mut stmt = self.conn.prepare(
            "SELECT id, role, team, label, created_at, revoked_at, expires_at FROM tokens ORDER BY id",
        )?;
        let rows = stmt
            .query_map([], |r| {
                let revoked_at: Option<i64> = r.get(5)?;
                let expires_at: Option<i64> = r.get(6)?;
                Ok(TokenRecord {
                    id: r.get(0)?,
                    role: r.get(1)?,
                    team: r.get(2)?,
                    label: r.get(3)?,
                    created_at: r.get(4)?,
                    revoked_at,
                    expires_at,
                    state: if revoked_at.is_some() {
                        "revoked"
                    } else if expires_at.is_some_and(|t| t <= now) {
                        "expired"
                    } else {
                        "live"
                    },
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Appends one access to the log.
    pub fn log_access(
        &mut self,
        who: Option<&Principal>,
        role: &str,
        action: &str,
        targets: &serde_json::Value,
        reason: Option<&str>,
        outcome: &str,
    ) -> Result<()> {
        self.conn.execute(
            "INSERT INTO access_log (at, token_id, role, team, action, targets, reason, outcome, actor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                OffsetDateTime::now_utc().unix_timestamp(),
                who.map(|p| p.token_id),
                role,
                who.and_then(|p| p.team.as_deref()),
                action,
                targets.to_string(),
                reason,
                outcome,
                who.map(Principal::name),
            ],
        )?;
        Ok(())
    }

    /// Appends one access by a reader without a token: `role` says which
    /// door (`cli`, `webhook`), `actor` who (the person at the command
    /// line, the webhook's URL).
    pub fn log_access_by(&mut self, row: &crate::access::Access<'_>) -> Result<()> {
        self.conn.execute(
            "INSERT INTO access_log (at, token_id, role, team, action, targets, reason, outcome, actor) VALUES (?1, NULL, ?2, NULL, ?3, ?4, ?5, ?6, ?7)",
            params![
                OffsetDateTime::now_utc().unix_timestamp(),
                row.role,
                row.action,
                row.targets.to_string(),
                row.reason,
                row.outcome,
                row.actor,
            ],
        )?;
        Ok(())
    }

    /// Reads the access log, newest first.
    pub fn audit(&self, f: &AuditFilter) -> Result<Vec<AccessRecord>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, at, token_id, role, team, action, targets, reason, outcome, actor FROM access_log
             WHERE (?1 IS NULL OR token_id = ?1) AND (?2 IS NULL OR action = ?2)
               AND (?3 IS NULL OR instr(targets, ?3) > 0) AND (?4 IS NULL OR at >= ?4)
             ORDER BY id DESC LIMIT ?5",
        )?;
        let rows = stmt
            .query_map(
                params![
                    f.token_id,
                    f.action,
                    f.target,
                    f.since,
                    f.limit.max(1) as i64
                ],
                |r| {
                    let targets: String = r.get(6)?;
                    Ok(AccessRecord {
                        id: r.get(0)?,
                        at: r.get(1)?,
                        token_id: r.get(2)?,
                        role: r.get(3)?,
                        team: r.get(4)?,
                        action: r.get(5)?,
                        targets: serde_json::from_str(&targets)
                            .unwrap_or(serde_json::Value::String(targets)),
                        reason: r.get(7)?,
                        outcome: r.get(8)?,
                        actor: r.get(9)?,
                    })
                },
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Sets a live cluster's triage fields (those given) and records the
    /// change as an event with who made it.
    pub fn set_triage(
        &mut self,
        id: &ClusterId,
        status: Option<&str>,
        assigned_team: Option<Option<&str>>,
        note: Option<&str>,
        actor: &str,
    ) -> Result<()> {
        let tx = self.write_transaction()?;
        let now = OffsetDateTime::now_utc().unix_timestamp();
        if let Some(s) = status {
            tx.execute(
                "UPDATE clusters SET status = ?2, updated_at = ?3 WHERE id = ?1",
                params![id.as_str(), s, now],
            )?;
        }
        if let Some(t) = assigned_team {
            tx.execute(
                "UPDATE clusters SET assigned_team = ?2, updated_at = ?3 WHERE id = ?1",
                params![id.as_str(), t, now],
            )?;
        }
        if let Some(n) = note {
            tx.execute(
                "UPDATE clusters SET notes = CASE WHEN notes = '' THEN ?2 ELSE notes || char(10) || ?2 END, updated_at = ?3 WHERE id = ?1",
                params![id.as_str(), n, now],
            )?;
        }
        let detail =
            serde_json::json!({"status": status, "assigned_team": assigned_team, "note": note});
        tx.execute(
            "INSERT INTO cluster_events (at, cluster_id, kind, cause, actor, detail) VALUES (?1, ?2, 'triage', 'triage', ?3, ?4)",
            params![now, id.as_str(), actor, detail.to_string()],
        )?;
        bump(&tx, ADMIN_REVISION)?;
        tx.commit()?;
        Ok(())
    }

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

    /// Deletes the access-log rows written before `before` (Unix seconds),
    /// past the log's retention period, and records the cut-off (the only
    /// way rows leave the log; see the schema's trigger). Returns how many.
    pub fn purge_access_log(&mut self, before: i64) -> Result<usize> {
        let tx = self.write_transaction()?;
        let n = delete_access_log_before(&tx, before)?;
        tx.commit()?;
        Ok(n)
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

    /// The team that filed a report, if it exists.
    pub fn report_team(&self, id: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT team FROM reports WHERE id = ?1", [id], |r| r.get(0))
            .optional()?)
    }
}

/// Gives a store written before the access log named its actor (who
/// read: a token's name, the person at the command line, a webhook's URL)
/// the column; the rows already there keep it empty. Adding a column
/// changes no row, so the append-only triggers allow it.
fn add_access_log_actor(conn: &Connection) -> Result<()> {
    let has: bool = conn.query_row(
        "SELECT count(*) > 0 FROM pragma_table_info('access_log') WHERE name = 'actor'",
        [],
        |r| r.get(0),
    )?;
    if !has {
        conn.execute_batch("ALTER TABLE access_log ADD COLUMN actor TEXT")
            .context("adding the access log's actor column")?;
    }
    Ok(())
}

/// Adds the `note` column (issue 20) to a store written before it existed.
/// The change is additive: an older build reads such a store as before.
fn add_identifier_note(conn: &Connection) -> Result<()> {
    let mut stmt =
        conn.prepare("SELECT 1 FROM pragma_table_info('identifiers') WHERE name = 'note'")?;
    if !stmt.exists([])? {
        conn.execute_batch("ALTER TABLE identifiers ADD COLUMN note TEXT")?;
    }
    Ok(())
}

fn row_identifier(row: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Option<Identifier>> {
    let Some(kind) = Kind::from_name(&row.get::<_, String>(at)?) else {
        return Ok(None);
    };
    Ok(Some(Identifier {
        kind,
        value: row.get(at + 1)?,
        raw: row.get(at + 2)?,
        source: if row.get::<_, String>(at + 3)? == "narrative" {
            Source::Narrative
        } else {
            Source::Structured
        },
        role: if row.get::<_, String>(at + 4)? == "victim" {
            Role::Victim
        } else {
            Role::Offender
        },
        valid: row.get(at + 5)?,
        benign: row.get(at + 6)?,
        span: match (
            row.get::<_, Option<i64>>(at + 7)?,
            row.get::<_, Option<i64>>(at + 8)?,
        ) {
            (Some(a), Some(b)) => Some([a as usize, b as usize]),
            _ => None,
        },
        note: row.get(at + 9)?,
    }))
}

fn source_str(s: Source) -> &'static str {
    match s {
        Source::Structured => "structured",
        Source::Narrative => "narrative",
    }
}

fn role_str(r: Role) -> &'static str {
    match r {
        Role::Offender => "offender",
        Role::Victim => "victim",
    }
}

/// A stable 64-bit hash of a raw line (FNV-1a), to tell a re-import of the
/// same report from a changed one.
fn content_hash(raw: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in raw.trim().bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// What a new assignment changes in the stored memberships: the reports
/// that are new or moved, and those that left the graph (purged). Worked
/// out from the assignment and the previous one without the store; at a
/// million reports that is a million look-ups, which a re-cluster under
/// load once did while holding the writer (0.25 to 1 s, pushes waiting).
#[derive(Debug, Default)]
pub struct MembershipChanges<'a> {
    put: Vec<(&'a ReportId, &'a ClusterId)>,
    gone: Vec<&'a ReportId>,
}

impl<'a> MembershipChanges<'a> {
    /// The changes from `previous` to `a`.
    pub fn between(a: &'a Assignment, previous: &'a Previous) -> MembershipChanges<'a> {
        let mut changes = MembershipChanges::default();
        let mut kept = 0usize;
        for (cid, reports) in &a.clusters {
            for r in reports {
                match previous.membership.get(r) {
                    Some(old) if old == cid => kept += 1,
                    Some(_) => {
                        kept += 1;
                        changes.put.push((r, cid));
                    }
                    None => changes.put.push((r, cid)),
                }
            }
        }
        if kept < previous.membership.len() {
            let live: std::collections::HashSet<&ReportId> =
                a.clusters.values().flatten().collect();
            changes.gone = previous
                .membership
                .keys()
                .filter(|r| !live.contains(r))
                .collect();
        }
        changes
    }

    /// No membership to write.
    pub fn is_empty(&self) -> bool {
        self.put.is_empty() && self.gone.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn membership_changes_are_the_new_the_moved_and_the_purged_reports() {
        let (r, c) = (|s: &str| ReportId::parse(s).unwrap(), ClusterId::new);
        let mut previous = Previous::default();
        for (report, cluster) in [("R-1", "C-1"), ("R-2", "C-1"), ("R-3", "C-2")] {
            previous.membership.insert(r(report), c(cluster));
        }
        let mut a = Assignment::default();
        a.clusters.insert(c("C-1"), vec![r("R-1")]);
        a.clusters.insert(c("C-3"), vec![r("R-2"), r("R-4")]);
        let changes = MembershipChanges::between(&a, &previous);
        let mut put: Vec<(&str, &str)> = changes
            .put
            .iter()
            .map(|(r, c)| (r.as_str(), c.as_str()))
            .collect();
        put.sort();
        assert_eq!(put, [("R-2", "C-3"), ("R-4", "C-3")]);
        let gone: Vec<&str> = changes.gone.iter().map(|r| r.as_str()).collect();
        assert_eq!(gone, ["R-3"]);
        assert!(!changes.is_empty());

        let unchanged = Previous {
            membership: a
                .membership()
                .into_iter()
                .map(|(r, c)| (r.clone(), c.clone()))
                .collect(),
            ..Previous::default()
        };
        let same = MembershipChanges::between(&a, &unchanged);
        assert!(same.is_empty());
    }

    /// One report line with the given team and statement.
    fn line(team: &str, narrative: &str) -> (Report, String, Vec<Identifier>) {
        let raw = serde_json::json!({
            "id": "R-1", "filed_at": "2026-01-05T10:00:00Z", "unit": "Oost-Brabant",
            "team": team, "narrative": narrative,
        })
        .to_string();
        (Report::from_json(&raw).unwrap(), raw, Vec::new())
    }

    // See: issue 19 (finding 3).
    #[test]
    fn issue_19_a_changed_report_keeps_its_earlier_versions_and_a_reimport_adds_none() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let (a, b) = (line("Eindhoven", "eerste"), line("Eindhoven", "tweede"));
        for (batch, expected) in [
            (&a, Written::Inserted),
            (&a, Written::Unchanged),
            (&b, Written::Updated),
            (&b, Written::Unchanged),
            (&a, Written::Updated),
        ] {
            let (_, _, written) = store
                .write_batch("test", 0, std::slice::from_ref(batch), 0, None)
                .unwrap();
            assert_eq!(written, [expected]);
        }
        let versions = store.report_versions("R-1").unwrap();
        let raws: Vec<&str> = versions.iter().map(|v| v.raw.as_str()).collect();
        assert_eq!(raws, [a.1.as_str(), b.1.as_str()]);
        assert_eq!(versions[1].version, 2);
        assert_eq!(versions[0].source, "test");
        assert_eq!(store.report("R-1").unwrap().unwrap().raw, a.1);

        // A writer bound to another team may not replace it, even naming
        // itself; nothing of its batch is written.
        let theirs = line("Breda", "overschreven");
        let err = store
            .write_batch("api", 0, &[theirs], 0, Some("Breda"))
            .unwrap_err();
        assert_eq!(err.downcast_ref::<NotOwnReport>().map(|e| e.index), Some(0));
        assert_eq!(store.report("R-1").unwrap().unwrap().raw, a.1);
        assert_eq!(store.report_versions("R-1").unwrap().len(), 2);
        // Its own team may (by the key of `teams::same`).
        let ours = line("Eindhoven", "derde");
        store
            .write_batch("api", 0, &[ours], 0, Some(" eindhoven"))
            .unwrap();
        assert_eq!(store.report_versions("R-1").unwrap().len(), 3);

        // A purge takes the history with the report.
        assert_eq!(store.purge(i64::MAX).unwrap().reports, ["R-1"]);
        assert!(store.report_versions("R-1").unwrap().is_empty());
    }

    #[test]
    fn the_change_counters_move_with_what_they_count() {
        // See: issue 19 (a service notices what commands beside it change)
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let start = store.revisions().unwrap();
        assert_eq!(start, Revisions::default());
        let line = r#"{"id": "R-1", "filed_at": "2026-01-05T10:00:00Z", "unit": "Amsterdam", "team": "Centrum", "narrative": "Ik maakte over naar NL91ABNA0417164300."}"#;
        let report = Report::from_json(line).unwrap();
        let batch = vec![(report, line.to_owned(), Vec::new())];
        store.write_batch("t", 0, &batch, 0, None).unwrap();
        let written = store.revisions().unwrap();
        assert_eq!((written.derived, written.admin), (1, 0));
        // The same report again changes nothing.
        store.write_batch("t", 0, &batch, 0, None).unwrap();
        assert_eq!(store.revisions().unwrap(), written);
        store
            .create_token("h", AccessRole::Analyst, None, "a", None)
            .unwrap();
        let tokens = store.revisions().unwrap();
        assert_eq!((tokens.derived, tokens.admin), (1, 1));
        store
            .decide_link("R-1", "R-2", "rejected", "", "me")
            .unwrap();
        assert_eq!(store.revisions().unwrap().derived, 2);
        // A purge that removes nothing is not a change; one that does is.
        store.purge(0).unwrap();
        assert_eq!(store.revisions().unwrap().purges, 0);
        store.purge(i64::MAX).unwrap();
        let purged = store.revisions().unwrap();
        assert_eq!((purged.derived, purged.purges), (3, 1));
    }

    #[test]
    fn an_expired_or_revoked_token_finds_no_caller_and_is_listed_so() {
        // See: issue 19
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let live = store
            .create_token("live", AccessRole::Analyst, None, "", Some(now + 3600))
            .unwrap();
        let old = store
            .create_token("old", AccessRole::Analyst, None, "", Some(now - 1))
            .unwrap();
        let gone = store
            .create_token("gone", AccessRole::Admin, None, "", None)
            .unwrap();
        assert!(store.revoke_token(gone).unwrap());
        assert_eq!(
            store.principal("live").unwrap().map(|p| p.token_id),
            Some(live)
        );
        assert_eq!(store.principal("old").unwrap(), None);
        assert_eq!(store.principal("gone").unwrap(), None);
        let hashes: Vec<String> = store
            .live_tokens()
            .unwrap()
            .into_iter()
            .map(|t| t.0)
            .collect();
        assert_eq!(hashes, ["live"]);
        let states: Vec<(i64, &str)> = store
            .tokens()
            .unwrap()
            .iter()
            .map(|t| (t.id, t.state))
            .collect();
        assert_eq!(
            states,
            [(live, "live"), (old, "expired"), (gone, "revoked")]
        );
    }

    #[test]
    fn a_store_with_tokens_from_before_expiry_gains_the_column() {
        // See: issue 19
        let dir = tempfile::tempdir().unwrap();
        // The tokens table as stores were written before tokens expired.
        let conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
        conn.execute_batch(
            "CREATE TABLE tokens (id INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE, role TEXT NOT NULL,
             team TEXT, label TEXT NOT NULL, created_at INTEGER NOT NULL, revoked_at INTEGER);
             INSERT INTO tokens (hash, role, label, created_at) VALUES ('h', 'admin', 'old', 1);",
        )
        .unwrap();
        drop(conn);
        let store = Store::open(dir.path()).unwrap();
        let p = store.principal("h").unwrap().expect("still valid");
        assert_eq!(p.expires_at, None);
    }

    #[test]
    fn a_store_written_with_the_identifier_value_index_loses_it_when_opened() {
        let dir = tempfile::tempdir().unwrap();
        drop(Store::open(dir.path()).unwrap());
        // As an older build left it.
        Connection::open(dir.path().join(DB_FILE))
            .unwrap()
            .execute_batch("CREATE INDEX identifiers_value ON identifiers (kind, value)")
            .unwrap();
        let store = Store::open(dir.path()).unwrap();
        let left: i64 = store
            .conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'identifiers'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(left, 1, "only identifiers_report is kept");
    }

    fn file_holds(path: &Path, needle: &str) -> bool {
        let mut bytes = std::fs::read(path).unwrap_or_default();
        let wal = std::fs::read(wal_file(path)).unwrap_or_default();
        bytes.extend(wal);
        bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
    }

    // See: issue 19 (finding 6)
    #[test]
    fn issue_19_a_store_from_before_secure_deletion_is_rewritten_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        assert!(!store.zero_free_space().unwrap(), "a new store is clean");
        // As an older build left it: a row deleted without secure deletion.
        store
            .conn
            .pragma_update(None, "secure_delete", "OFF")
            .unwrap();
        store
            .conn
            .execute_batch(
                "DELETE FROM meta WHERE key = 'free_space_zeroed';
                 CREATE TABLE old (t TEXT);
                 INSERT INTO old VALUES (printf('%.5000c', 'x') || 'verloren-tekst-8k2');
                 DELETE FROM old;",
            )
            .unwrap();
        store.truncate_wal().unwrap();
        let path = dir.path().join(DB_FILE);
        assert!(file_holds(&path, "verloren-tekst-8k2"));
        store
            .conn
            .pragma_update(None, "secure_delete", "ON")
            .unwrap();
        assert!(store.zero_free_space().unwrap());
        assert!(store.truncate_wal().unwrap());
        assert!(!file_holds(&path, "verloren-tekst-8k2"));
        assert!(!store.zero_free_space().unwrap(), "once");
    }

    // See: issue 19 (finding 6)
    #[test]
    fn issue_19_purge_removes_what_names_the_purged_reports_and_keeps_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        store
            .conn
            .execute_batch(
                "INSERT INTO reports (id, raw, hash, filed_at, unit, team, supplement, batch, seq, updated_at) VALUES
                   ('OLD', '{}', 1, 100, 'U', 'T', 0, 1, 1, 10),
                   ('OLD-ALONE', '{}', 2, 100, 'U', 'T', 0, 1, 2, 10),
                   ('NEW', '{}', 3, 5000, 'U', 'T', 0, 1, 3, 10);
                 INSERT INTO identifiers (report_id, kind, value, raw, source, role, valid) VALUES
                   ('OLD', 'iban', 'NL-SHARED', 'x', 'narrative', 'offender', 1),
                   ('NEW', 'iban', 'NL-SHARED', 'x', 'narrative', 'offender', 1),
                   ('OLD-ALONE', 'iban', 'NL-ALONE', 'x', 'narrative', 'offender', 1);
                 INSERT INTO clusters (id, created_at, age, notes, updated_at) VALUES
                   ('C-KEPT', 1, 1, 'blijft', 1), ('C-GONE', 1, 2, 'weg', 1), ('C-ALIAS', 1, 3, 'ook weg', 1);
                 UPDATE clusters SET alias_of = 'C-GONE' WHERE id = 'C-ALIAS';
                 INSERT INTO memberships VALUES ('OLD', 'C-KEPT'), ('NEW', 'C-KEPT'), ('OLD-ALONE', 'C-GONE');
                 INSERT INTO cluster_events (at, cluster_id, kind, cause, actor, detail) VALUES
                   (1, 'C-GONE', 'triage', 'triage', 'x', '{\"note\":\"weg\"}'),
                   (1, 'C-KEPT', 'triage', 'triage', 'x', '{\"note\":\"blijft\"}'),
                   (1, 'C-GONE', 'grew', 'link iban:NL-ALONE ~ iban:NL-SHARED rejected by x', NULL, '{}'),
                   (1, 'C-KEPT', 'grew', 'link OLD ~ NEW confirmed by x', NULL, '{}');
                 INSERT INTO link_decisions VALUES
                   ('iban:NL-ALONE', 'iban:NL-SHARED', 'rejected', 'b', 'x', 1),
                   ('iban:NL-SHARED', 'iban:NL-OTHER', 'rejected', 'b', 'x', 1),
                   ('NEW', 'OLD', 'confirmed', 'b', 'x', 1),
                   ('NEW', 'NEW-2', 'confirmed', 'b', 'x', 1);
                 INSERT INTO alert_outbox (created_at, url, event, cluster_id, payload, next_at) VALUES
                   (1, 'u', 'e', 'C-KEPT', '{\"new_reports\":[\"OLD\"]}', 1),
                   (1, 'u', 'e', 'C-KEPT', '{\"new_reports\":[\"NEW\"]}', 1);",
            )
            .unwrap();
        let purged = store.purge(1000).unwrap();
        assert_eq!(
            purged,
            Purged {
                reports: vec!["OLD".into(), "OLD-ALONE".into()],
                link_decisions: 2,
                alerts: 1,
                notes: 2,
            }
        );
        let strings = |sql: &str| -> Vec<String> {
            let mut stmt = store.conn.prepare(sql).unwrap();
            stmt.query_map([], |r| r.get(0))
                .unwrap()
                .collect::<rusqlite::Result<Vec<String>>>()
                .unwrap()
        };
        assert_eq!(strings("SELECT id FROM reports"), ["NEW"]);
        assert_eq!(
            strings("SELECT report_id || ' ' || value FROM identifiers"),
            ["NEW NL-SHARED"]
        );
        assert_eq!(
            strings("SELECT a || ' ~ ' || b FROM link_decisions ORDER BY a"),
            ["NEW ~ NEW-2", "iban:NL-SHARED ~ iban:NL-OTHER"],
            "a decision on an identifier a remaining report names stays"
        );
        assert_eq!(
            strings("SELECT id || ' ' || notes FROM clusters ORDER BY id"),
            ["C-ALIAS ", "C-GONE ", "C-KEPT blijft"]
        );
        assert_eq!(
            strings(
                "SELECT cluster_id || ' ' || cause || ' ' || detail FROM cluster_events ORDER BY id"
            ),
            [
                "C-GONE triage {\"note\":\"(removed with the purged reports)\"}",
                "C-KEPT triage {\"note\":\"blijft\"}",
                "C-GONE link (an identifier of purged reports) {}",
                "C-KEPT link OLD ~ NEW confirmed by x {}",
            ]
        );
        assert_eq!(
            strings("SELECT payload FROM alert_outbox"),
            ["{\"new_reports\":[\"NEW\"]}"]
        );
        assert_eq!(
            store.purged_since(0).unwrap(),
            (vec!["OLD".into(), "OLD-ALONE".into()], 2)
        );
        assert_eq!(store.purged_since(2).unwrap(), (vec![], 2));
    }
}
