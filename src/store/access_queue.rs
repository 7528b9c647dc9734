//! The access log's queue: rows a serving process writes without waiting
//! for the store's writer.
//!
//! SQLite has one writer per database file. A read logged straight into
//! the store's `access_log` waits for whatever write holds the store (a
//! push's commit, a re-cluster's save): under a stream of pushes a check
//! waited 4 ms at the median and 55 ms at the 99th percentile for its log
//! row alone (docs/performance.md, "The access log's queue"). The engine
//! writes its rows here instead, to a small database of its own beside the
//! store ([`QUEUE_FILE`]), as durable as the log itself (a commit survives
//! the process being killed), and a background thread moves them into the
//! store's log in batches ([`Store::take_access_queue`]). The queue's row
//! ids only grow; the store records the last one moved
//! (`access_queue_done` in its meta table) in the transaction that moves
//! it, so a row is moved once even when the process dies between that
//! commit and the queue forgetting it, or when two movers run at once.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use anyhow::{Context, Result};
use rusqlite::{Connection, OptionalExtension, params};

use super::access::{AccessRow, AccessTable};
use super::{Store, shm_file, wal_file};

/// The queue's file in the data directory.
pub const QUEUE_FILE: &str = "access-queue.db";

/// The store's meta key holding the last queue row moved into its log.
const DONE_KEY: &str = "access_queue_done";

/// Rows moved per transaction.
const BATCH: usize = 5_000;

/// How long a request waits for the queue's writer before its read is
/// refused (the writer's commit takes well under a millisecond; this is a
/// disk that stopped answering).
const WRITER_WAIT: Duration = Duration::from_secs(30);

/// The queue: requests hand their rows to its writer thread, which commits
/// all the rows handed to it meanwhile in one transaction (group commit),
/// and wait for that commit. Under load a request waits for about one
/// commit, not for one per request before it.
pub struct AccessQueue {
    shared: Arc<Shared>,
    /// A second connection, for the mover's reads (a WAL reader never
    /// waits for the writer).
    reader: Mutex<Connection>,
    writer: Option<std::thread::JoinHandle<()>>,
}

struct Shared {
    queued: Mutex<Queued>,
    /// Wakes the writer.
    work: Condvar,
    /// Wakes the requests waiting for a commit.
    committed: Condvar,
}

#[derive(Default)]
struct Queued {
    rows: Vec<AccessRow>,
    /// The tickets handed out (one per row) and the last one written.
    issued: u64,
    written: u64,
    /// The tickets of the last failed commits, with the error.
    failed: VecDeque<(u64, u64, String)>,
    /// Rows up to this id are in the store's log: forgotten at the
    /// writer's next commit.
    forget: i64,
    forgotten: i64,
    stop: bool,
}

impl AccessQueue {
    /// Opens (creating when needed) the queue beside `store` and starts
    /// its writer. Its row ids continue after the last one `store` moved,
    /// also when the queue's file was removed, so that no new row is taken
    /// for an old one.
    pub fn open(dir: &Path, store: &Store) -> Result<AccessQueue> {
        let path = dir.join(QUEUE_FILE);
        if !path.exists() {
            crate::private::touch(&path)?;
        }
        for file in [path.clone(), wal_file(&path), shm_file(&path)] {
            crate::private::fix_file(&file)?;
        }
        let open = || -> Result<Connection> {
            let conn = Connection::open(&path)
                .with_context(|| format!("opening the access log's queue {}", path.display()))?;
            conn.pragma_update(None, "journal_mode", "WAL")?;
            // As the access log's own connection: a commit survives the
            // process being killed, the last ones may not survive a power
            // loss.
            conn.pragma_update(None, "synchronous", "NORMAL")?;
            // The mover checkpoints after each move (PASSIVE, without
            // holding up the writer); a commit checkpoints only when that
            // falls behind by 16 MB.
            conn.pragma_update(None, "wal_autocheckpoint", 4_096)?;
            // The rows moved out are overwritten where that costs no more
            // writing (the store's log keeps them for a year anyway).
            conn.pragma_update(None, "secure_delete", "FAST")?;
            conn.busy_timeout(WRITER_WAIT)?;
            Ok(conn)
        };
        let conn = open()?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS queue (
                 id INTEGER PRIMARY KEY AUTOINCREMENT,
                 at INTEGER NOT NULL,
                 token_id INTEGER,
                 role TEXT NOT NULL,
                 team TEXT,
                 action TEXT NOT NULL,
                 targets TEXT NOT NULL,
                 reason TEXT,
                 outcome TEXT NOT NULL,
                 actor TEXT
             );",
        )?;
        continue_after(&conn, store.access_queue_done()?)?;
        let reader = open()?;
        let shared = Arc::new(Shared {
            queued: Mutex::new(Queued::default()),
            work: Condvar::new(),
            committed: Condvar::new(),
        });
        let for_writer = shared.clone();
        let writer = std::thread::Builder::new()
            .name("access-log".into())
            .spawn(move || for_writer.write_all(conn))
            .context("starting the access log's writer")?;
        Ok(AccessQueue {
            shared,
            reader: Mutex::new(reader),
            writer: Some(writer),
        })
    }

    /// Appends one row; returns once it is committed.
    pub fn push(&self, row: AccessRow) -> Result<()> {
        let shared = &*self.shared;
        let mut q = shared.lock();
        if q.stop {
            anyhow::bail!("the access log's queue is closed");
        }
        q.rows.push(row);
        q.issued += 1;
        let ticket = q.issued;
        shared.work.notify_one();
        let deadline = std::time::Instant::now() + WRITER_WAIT;
        while q.written < ticket {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                anyhow::bail!("the access log's writer did not answer within 30 s");
            }
            q = shared
                .committed
                .wait_timeout(q, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        match q
            .failed
            .iter()
            .find(|(a, b, _)| (*a..=*b).contains(&ticket))
        {
            Some((_, _, e)) => anyhow::bail!("writing to the access log's queue: {e}"),
            None => Ok(()),
        }
    }

    /// Up to `limit` rows after `after`, in order.
    fn rows_after(&self, after: i64, limit: usize) -> Result<Vec<(i64, AccessRow)>> {
        let conn = self.reader.lock().unwrap_or_else(|p| p.into_inner());
        let mut stmt = conn.prepare_cached(
            "SELECT id, at, token_id, role, team, action, targets, reason, outcome, actor
             FROM queue WHERE id > ?1 ORDER BY id LIMIT ?2",
        )?;
        let rows = stmt
            .query_map(params![after, limit as i64], |r| {
                Ok((
                    r.get(0)?,
                    AccessRow {
                        at: r.get(1)?,
                        token_id: r.get(2)?,
                        role: r.get(3)?,
                        team: r.get(4)?,
                        action: r.get(5)?,
                        targets: r.get(6)?,
                        reason: r.get(7)?,
                        outcome: r.get(8)?,
                        actor: r.get(9)?,
                    },
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Has the writer forget the rows up to `id` (moved into the store's
    /// log) at its next commit; does not wait for it.
    fn forget_through(&self, id: i64) {
        let mut q = self.shared.lock();
        if id > q.forget {
            q.forget = id;
            self.shared.work.notify_one();
        }
    }

    /// Copies the queue's WAL back into its file, without waiting for
    /// the writer (PASSIVE).
    fn checkpoint(&self) -> Result<()> {
        let conn = self.reader.lock().unwrap_or_else(|p| p.into_inner());
        conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// How many rows wait (counted on the mover's connection).
    #[cfg(test)]
    pub fn len(&self) -> Result<u64> {
        let conn = self.reader.lock().unwrap_or_else(|p| p.into_inner());
        Ok(conn.query_row("SELECT count(*) FROM queue", [], |r| r.get(0))?)
    }

    /// Whether no row waits.
    #[cfg(test)]
    pub fn is_empty(&self) -> Result<bool> {
        Ok(self.len()? == 0)
    }
}

impl Drop for AccessQueue {
    /// Commits what was handed over and stops the writer.
    fn drop(&mut self) {
        self.shared.lock().stop = true;
        self.shared.work.notify_one();
        if let Some(t) = self.writer.take() {
            let _ = t.join();
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queued> {
        self.queued.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The writer thread: commits the rows handed over since its last
    /// commit, and forgets the moved ones, until stopped.
    fn write_all(&self, mut conn: Connection) {
        loop {
            let (rows, upto, forget) = {
                let mut q = self.lock();
                while q.rows.is_empty() && q.forget <= q.forgotten && !q.stop {
                    q = self.work.wait(q).unwrap_or_else(|p| p.into_inner());
                }
                if q.rows.is_empty() && q.forget <= q.forgotten {
                    return;
                }
                (std::mem::take(&mut q.rows), q.issued, q.forget)
            };
            let done = write_rows(&mut conn, &rows, forget);
            let mut q = self.lock();
            let first = q.written + 1;
            q.written = upto;
            match done {
                Ok(()) => q.forgotten = forget,
                Err(e) => {
                    tracing::warn!(
                        error = format!("{e:#}"),
                        "writing to the access log's queue"
                    );
                    if !rows.is_empty() {
                        q.failed.push_back((first, upto, format!("{e:#}")));
                        if q.failed.len() > 64 {
                            q.failed.pop_front();
                        }
                    }
                }
            }
            self.committed.notify_all();
        }
    }
}

/// One transaction: `rows` appended, the rows through `forget` deleted.
fn write_rows(conn: &mut Connection, rows: &[AccessRow], forget: i64) -> Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    for row in rows {
        row.insert_into(&tx, AccessTable::Queue)?;
    }
    tx.prepare_cached("DELETE FROM queue WHERE id <= ?1")?
        .execute([forget])?;
    tx.commit()?;
    Ok(())
}

/// Makes the next row id come after `done`.
fn continue_after(conn: &Connection, done: i64) -> Result<()> {
    let seq: Option<i64> = conn
        .query_row(
            "SELECT seq FROM sqlite_sequence WHERE name = 'queue'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    match seq {
        Some(seq) if seq >= done => {}
        Some(_) => {
            conn.execute(
                "UPDATE sqlite_sequence SET seq = ?1 WHERE name = 'queue'",
                [done],
            )?;
        }
        None if done > 0 => {
            conn.execute(
                "INSERT INTO sqlite_sequence (name, seq) VALUES ('queue', ?1)",
                [done],
            )?;
        }
        None => {}
    }
    Ok(())
}

impl Store {
    /// The last queue row moved into this store's log (0: none).
    pub fn access_queue_done(&self) -> Result<i64> {
        done_in(&self.conn)
    }

    /// Moves the rows waiting in `queue` into the access log, in batches
    /// of one transaction each, and returns how many. The queue's writer
    /// forgets them at its next commit: requests appending meanwhile never
    /// wait for this, nor for the store's writer.
    pub fn take_access_queue(&mut self, queue: &AccessQueue) -> Result<usize> {
        let mut moved = 0;
        loop {
            let hint = self.access_queue_done()?;
            let rows = queue.rows_after(hint, BATCH)?;
            if rows.is_empty() {
                queue.forget_through(hint);
                queue.checkpoint()?;
                return Ok(moved);
            }
            let full = rows.len() == BATCH;
            let tx = self.write_transaction()?;
            // Read again with the writer held: another mover may have
            // moved some of these since.
            let done = done_in(&tx)?;
            let mut last = done;
            for (id, row) in rows.iter().filter(|(id, _)| *id > done) {
                row.insert(&tx)?;
                last = *id;
                moved += 1;
            }
            if last > done {
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES (?1, ?2)
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    params![DONE_KEY, last],
                )?;
            }
            tx.commit()?;
            queue.forget_through(last);
            if !full {
                queue.checkpoint()?;
                return Ok(moved);
            }
        }
    }
}

fn done_in(conn: &Connection) -> Result<i64> {
    Ok(conn
        .query_row(
            "SELECT CAST(value AS INTEGER) FROM meta WHERE key = ?1",
            [DONE_KEY],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::AuditFilter;

    fn row(action: &str, n: i64) -> AccessRow {
        AccessRow {
            at: 1_700_000_000 + n,
            token_id: Some(n),
            role: "intake".into(),
            team: Some("Amsterdam-Centrum".into()),
            action: action.into(),
            targets: format!("{{\"check\":\"c{n}\"}}"),
            reason: Some("aangifte opnemen".into()),
            outcome: "ok".into(),
            actor: Some(format!("intake#{n}")),
        }
    }

    fn logged(store: &Store) -> Vec<(String, serde_json::Value)> {
        let mut rows: Vec<_> = store
            .audit(&AuditFilter {
                limit: 100_000,
                ..AuditFilter::default()
            })
            .unwrap()
            .into_iter()
            .map(|r| (r.action, r.targets))
            .collect();
        rows.reverse();
        rows
    }

    /// Waits (up to 5 s) until the writer has forgotten the moved rows.
    fn drained(queue: &AccessQueue) -> bool {
        for _ in 0..500 {
            if queue.is_empty().unwrap() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }

    #[test]
    fn queued_rows_reach_the_access_log_once_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let queue = Arc::new(AccessQueue::open(dir.path(), &store).unwrap());
        // Four requests at once, 3,000 rows each: committed together.
        let pushers: Vec<_> = (0..4)
            .map(|t| {
                let queue = queue.clone();
                std::thread::spawn(move || {
                    for n in 0..3_000 {
                        queue.push(row("check", t * 3_000 + n)).unwrap();
                    }
                })
            })
            .collect();
        for p in pushers {
            p.join().unwrap();
        }
        assert_eq!(queue.len().unwrap(), 12_000);
        assert!(logged(&store).is_empty(), "nothing moved yet");
        assert_eq!(store.take_access_queue(&queue).unwrap(), 12_000);
        let rows = logged(&store);
        assert_eq!(rows.len(), 12_000);
        for t in 0..4 {
            // Each request's rows in the order it wrote them.
            let mine: Vec<i64> = rows
                .iter()
                .map(|r| r.1["check"].as_str().unwrap()[1..].parse::<i64>().unwrap())
                .filter(|n| n / 3_000 == t)
                .collect();
            assert!(mine.windows(2).all(|w| w[0] < w[1]));
            assert_eq!(mine.len(), 3_000);
        }
        assert!(drained(&queue), "moved rows are forgotten");
        // Nothing left: a second move moves nothing.
        assert_eq!(store.take_access_queue(&queue).unwrap(), 0);
        assert_eq!(logged(&store).len(), 12_000);
    }

    #[test]
    fn a_row_moved_but_not_forgotten_is_not_moved_twice() {
        // The process died after the store's commit and before the queue
        // forgot the batch: a moved row is still queued.
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let queue = AccessQueue::open(dir.path(), &store).unwrap();
        queue.push(row("search", 1)).unwrap();
        queue.push(row("search", 2)).unwrap();
        store.take_access_queue(&queue).unwrap();
        assert!(drained(&queue));
        let raw = Connection::open(dir.path().join(QUEUE_FILE)).unwrap();
        raw.busy_timeout(WRITER_WAIT).unwrap();
        raw.execute_batch(
            "INSERT INTO queue (id, at, role, action, targets, outcome)
             VALUES (1, 0, 'intake', 'search', '{\"check\":\"again\"}', 'ok');",
        )
        .unwrap();
        queue.push(row("search", 3)).unwrap();
        assert_eq!(store.take_access_queue(&queue).unwrap(), 1);
        let checks: Vec<_> = logged(&store)
            .iter()
            .map(|r| r.1["check"].clone())
            .collect();
        assert_eq!(checks, ["c1", "c2", "c3"]);
        assert!(drained(&queue), "the stale row is forgotten too");
    }

    #[test]
    fn a_new_queue_file_continues_after_the_rows_moved() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        {
            let queue = AccessQueue::open(dir.path(), &store).unwrap();
            for n in 0..3 {
                queue.push(row("read_report", n)).unwrap();
            }
            store.take_access_queue(&queue).unwrap();
        }
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(dir.path().join(format!("{QUEUE_FILE}{suffix}")));
        }
        let queue = AccessQueue::open(dir.path(), &store).unwrap();
        queue.push(row("read_report", 3)).unwrap();
        assert_eq!(
            store.take_access_queue(&queue).unwrap(),
            1,
            "row 1 of the new file"
        );
        assert_eq!(logged(&store).len(), 4);
        assert_eq!(store.access_queue_done().unwrap(), 4);
    }

    #[test]
    fn rows_handed_over_before_a_stop_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let queue = AccessQueue::open(dir.path(), &store).unwrap();
        for n in 0..100 {
            queue.push(row("export", n)).unwrap();
        }
        drop(queue);
        let queue = AccessQueue::open(dir.path(), &store).unwrap();
        assert_eq!(store.take_access_queue(&queue).unwrap(), 100);
    }
}
