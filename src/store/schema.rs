//! The schema: tables, and the columns added to older stores when they open.

use anyhow::{Context, Result};
use rusqlite::Connection;

/// The schema version this code writes.
pub const SCHEMA_VERSION: i64 = 1;

/// The memberships' cluster index, as [`SCHEMA`] makes it; a save of an
/// assignment that rewrites most memberships drops it and makes it again
/// (`Store::save_assignment`).
pub(super) const MEMBERSHIPS_CLUSTER_INDEX: &str =
    "CREATE INDEX IF NOT EXISTS memberships_cluster ON memberships (cluster_id);";

pub(super) const SCHEMA: &str = r#"
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
-- The triage changes in order (the flow's triage steps, the history
-- the flow page and a purge read): a few among the hundreds of thousands
-- of re-cluster events (480k at a million reports, which every read of
-- them scanned). Stores written before it get it at their next open.
CREATE INDEX IF NOT EXISTS cluster_events_triage ON cluster_events (id) WHERE kind = 'triage';
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

/// Columns added to a table after stores were written without them:
/// `(table, column, type)`. Added when a store is opened (an additive
/// change, so the schema version and the backups it was written in stay
/// readable).
pub(super) const ADDED_COLUMNS: [(&str, &str, &str); 1] = [("tokens", "expires_at", "INTEGER")];

pub(super) fn add_missing_columns(conn: &Connection) -> Result<()> {
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

/// Gives a store written before the access log named its actor (who
/// read: a token's name, the person at the command line, a webhook's URL)
/// the column; the rows already there keep it empty. Adding a column
/// changes no row, so the append-only triggers allow it.
pub(super) fn add_access_log_actor(conn: &Connection) -> Result<()> {
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
pub(super) fn add_identifier_note(conn: &Connection) -> Result<()> {
    let mut stmt =
        conn.prepare("SELECT 1 FROM pragma_table_info('identifiers') WHERE name = 'note'")?;
    if !stmt.exists([])? {
        conn.execute_batch("ALTER TABLE identifiers ADD COLUMN note TEXT")?;
    }
    Ok(())
}
