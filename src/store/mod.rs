//! The store: the source of truth, one SQLite database (WAL) in the data
//! directory.
//!
//! It holds the reports (raw JSON and parsed fields), the identifiers
//! extracted from them, ingest batches, clusters with their aliases,
//! memberships and events, and analysts' decisions on suggested links.
//! The search index and the graph are derived from it.
//!
//! This file opens the database (schema checks, durability, snapshots,
//! checkpoints) and counts its revisions; what is stored has a file each:
//! `schema` (tables and the columns added to older stores), `reports`,
//! `clusters` (memberships, events, triage, link decisions), `alerts` (the
//! webhook outbox), `access` (tokens and the access log) and `purge`
//! (retention).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rusqlite::{Connection, OptionalExtension};

use self::purge::FREE_SPACE_ZEROED;
use self::schema::{SCHEMA, add_access_log_actor, add_identifier_note, add_missing_columns};

mod access;
mod access_queue;
mod alerts;
mod clusters;
mod purge;
mod reports;
mod schema;
mod triage;

pub use self::access::{AccessRecord, AccessRow, AuditFilter, TokenRecord};
pub use self::access_queue::{
    AccessQueue, LOCK_FILE as QUEUE_LOCK_FILE, OLD_QUEUE_FILE, QUEUE_DIR,
};
pub use self::alerts::PendingAlert;
pub use self::clusters::{ClusterRecord, MembershipChanges};
pub(crate) use self::purge::reapply_purges;
pub use self::purge::{Purged, Retention};
pub use self::reports::{
    BatchCounts, LinkRow, LinkRows, NotOwnReport, ReportVersion, StoredReport,
};
pub use self::schema::SCHEMA_VERSION;
pub use self::triage::{AuditPage, HistoryEvent, LinkDecision};

pub mod flow;

/// The page cache per connection, in KiB (negative: a size, not pages).
const CACHE_KIB: i64 = -131_072;

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
}

#[cfg(test)]
mod tests {
    use time::OffsetDateTime;

    use super::*;
    use crate::auth::Role as AccessRole;
    use crate::cluster::{Assignment, ClusterId, Previous};
    use crate::extract::Identifier;
    use crate::report::{Report, ReportId};

    /// The previous assignment as the store holds `a` once saved.
    fn saved_as(a: &Assignment) -> Previous {
        Previous {
            membership: a
                .membership()
                .into_iter()
                .map(|(r, c)| (r.clone(), c.clone()))
                .collect(),
            ..Previous::default()
        }
    }

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

        let unchanged = saved_as(&a);
        let same = MembershipChanges::between(&a, &unchanged);
        assert!(same.is_empty());
    }

    // See: issue 23 (saving the assignment of a ten-million-report import
    // took 160 s of random B-tree inserts).
    #[test]
    fn a_large_assignment_is_saved_whole_with_its_index_and_ages_in_filing_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let r = |s: String| ReportId::parse(&s).unwrap();
        let n = super::clusters::BULK_MEMBERSHIPS + 10;
        let mut a = Assignment::default();
        for i in 0..n {
            // Ids in an order of their own, as hashes are.
            let cluster = format!("C-{:06x}", (i * 7_919) % n);
            a.clusters
                .entry(ClusterId::new(cluster))
                .or_default()
                .push(r(format!("R-{i}")));
        }
        // Created in the other order than their ids: aged by filing.
        for (id, filed) in [("C-zz", 100), ("C-aa", 200)] {
            a.events.push(crate::cluster::Event::Created {
                cluster: ClusterId::new(id),
                size: 1,
                split_from: None,
                first_filed_at: filed,
            });
        }
        let previous = Previous::default();
        let changes = MembershipChanges::between(&a, &previous);
        store.save_assignment(&a, &changes, "test").unwrap();
        let count = |store: &Store, sql: &str| -> i64 {
            store.conn.query_row(sql, [], |r| r.get(0)).unwrap()
        };
        assert_eq!(count(&store, "SELECT count(*) FROM memberships"), n as i64);
        assert_eq!(
            count(
                &store,
                "SELECT count(*) FROM sqlite_master WHERE name = 'memberships_cluster'"
            ),
            1,
            "the cluster index is made again"
        );
        let cluster = format!("C-{:06x}", (5 * 7_919) % n);
        assert_eq!(
            store.cluster_members(&ClusterId::new(cluster)).unwrap(),
            ["R-5"]
        );
        let age = |id: &str| -> i64 {
            store
                .conn
                .query_row("SELECT age FROM clusters WHERE id = ?1", [id], |r| r.get(0))
                .unwrap()
        };
        assert!(age("C-zz") < age("C-aa"), "the first filed is the older");

        // A small change next to them goes row by row and keeps the rest.
        let mut moved = a.clone();
        moved.events.clear();
        let one = moved.clusters.values_mut().next().unwrap();
        let report = one.pop().unwrap();
        moved
            .clusters
            .insert(ClusterId::new("C-new"), vec![report.clone()]);
        let before = saved_as(&a);
        let changes = MembershipChanges::between(&moved, &before);
        assert_eq!(changes.put.len(), 1);
        store.save_assignment(&moved, &changes, "test").unwrap();
        assert_eq!(count(&store, "SELECT count(*) FROM memberships"), n as i64);
        assert_eq!(
            store.clusters_of([report.as_str()]).unwrap()[report.as_str()],
            ClusterId::new("C-new")
        );
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
        let (total, versions) = store.report_versions("R-1", 10).unwrap();
        let raws: Vec<&str> = versions.iter().map(|v| v.raw.as_str()).collect();
        assert_eq!(raws, [a.1.as_str(), b.1.as_str()]);
        assert_eq!(total, 2);
        assert_eq!(versions[1].version, 2);
        // The latest, when fewer are asked for.
        let (total, latest) = store.report_versions("R-1", 1).unwrap();
        assert_eq!((total, latest.len(), latest[0].version), (2, 1, 2));
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
        assert_eq!(store.report_versions("R-1", 10).unwrap().0, 2);
        // Its own team may (by the key of `teams::same`).
        let ours = line("Eindhoven", "derde");
        store
            .write_batch("api", 0, &[ours], 0, Some(" eindhoven"))
            .unwrap();
        assert_eq!(store.report_versions("R-1", 10).unwrap().0, 3);

        // A purge takes the history with the report.
        assert_eq!(store.purge(i64::MAX).unwrap().reports, ["R-1"]);
        assert_eq!(store.report_versions("R-1", 10).unwrap().0, 0);
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
