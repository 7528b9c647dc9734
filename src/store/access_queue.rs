//! The access log's queue: rows a serving process writes without waiting
//! for the store's writer, or for any other thread.
//!
//! SQLite has one writer per database file. A read logged straight into
//! the store's `access_log` waits for whatever write holds the store (a
//! push's commit, a re-cluster's save): under a stream of pushes a check
//! waited 4 ms at the median and 55 ms at the 99th percentile for its log
//! row alone (docs/performance.md, "The access log's queue"). The engine
//! appends its rows here instead: to files of their own in [`QUEUE_DIR`]
//! beside the store, one line per row (its id, a tab, the row as JSON),
//! written by the request's own thread (`write_all`, one `write` call but
//! for a short write) under a lock held for that write alone. A row whose
//! write returned is in the kernel's page cache: it survives the process
//! being killed, as a commit of the store's log does
//! (the last rows may not survive a power loss; a torn last line is
//! skipped when moved, with a warning). An earlier queue, a small SQLite
//! database committed by a writer thread for the requests waiting, cost a
//! check two hand-overs and a commit: at 16 clients its p99 was 5.5-8.5
//! ms, 1.8-2.1 ms with checks not logged (a build for the measurement),
//! 3.3-3.5 ms with this queue (docs/performance.md, "A check's access-log
//! row in one write").
//!
//! The rows go into numbered segment files; a new one is started when the
//! one written exceeds [`SEGMENT_BYTES`] and whenever the mover comes. The
//! mover (the checkpoint thread a few times a second, a reader of the log
//! first) closes the segment being written, moves the closed segments into
//! the store's log in order, [`BATCH`] rows to a transaction that records
//! the last row id moved (`access_queue_done` in the store's meta table),
//! and then removes the file. Row ids only grow, also across restarts and a removed
//! queue folder, so a row is moved once even when the process dies between
//! that commit and the file's removal, or when two movers run at once.
//!
//! Rows left in the SQLite queue of an earlier version (`access-queue.db`)
//! are moved into the store when the queue is opened, and that file is
//! removed.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use anyhow::{Context, Result};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use super::access::AccessRow;
use super::{Store, shm_file, wal_file};

/// The queue's folder in the data directory.
pub const QUEUE_DIR: &str = "access-queue";

/// The SQLite queue of earlier versions, moved and removed on open.
pub const OLD_QUEUE_FILE: &str = "access-queue.db";

/// A segment's file name ends so.
const SEGMENT_EXT: &str = "rows";

/// A segment that reaches this size is closed and a new one started: the
/// mover reads a segment whole.
const SEGMENT_BYTES: u64 = 8 << 20;

/// The store's meta key holding the last queue row moved into its log.
const DONE_KEY: &str = "access_queue_done";

/// Rows moved per transaction: a long backlog (a service killed under
/// load) does not hold the store's writer from pushes for long.
const BATCH: usize = 5_000;

/// The file, beside the queue's folder in the data directory, whose lock
/// says which process writes the queue (beside it, so that a folder
/// removed under a running service does not take the lock with it).
pub const LOCK_FILE: &str = "access-queue.lock";

/// How long an opening process waits for the one before it to let go of
/// the queue (it moves the queue a last time as it stops).
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// The queue of one process (the one that owns the data directory).
pub struct AccessQueue {
    dir: PathBuf,
    /// Held locked (`flock`) while this queue lives: row ids and segment
    /// numbers are this process's to give. Another process that opens
    /// the data directory (a `serve` started as this one stops) waits for
    /// it, and so reads the ids this one moved last.
    _lock: File,
    writing: Mutex<Writing>,
    /// Held while moving: one mover at a time reads the closed segments.
    moving: Mutex<()>,
}

/// The segment being written.
struct Writing {
    /// `None` until the first row, after the mover closed it, or after a
    /// write that failed and could not be cut back: the next row starts a
    /// new segment.
    file: Option<File>,
    /// The number of the segment written last (the open one, if any).
    number: u64,
    /// Bytes in the open segment.
    len: u64,
    /// The next row's id.
    next_id: i64,
    /// The line being written, kept to reuse its buffer.
    line: Vec<u8>,
}

/// A line of a segment: the row's id, a tab, the row as JSON (which
/// escapes its own tabs and newlines), a newline.
fn line_into(line: &mut Vec<u8>, id: i64, row_json: &[u8]) {
    line.clear();
    // Writing to a Vec does not fail.
    let _ = write!(line, "{id}\t");
    line.extend_from_slice(row_json);
    line.push(b'\n');
}

/// A line read back (without its newline), or `None` if it is not one.
fn parse_line(line: &[u8]) -> Option<(i64, AccessRow)> {
    let tab = line.iter().position(|b| *b == b'\t')?;
    let id = std::str::from_utf8(&line[..tab]).ok()?.parse().ok()?;
    let row = serde_json::from_slice(&line[tab + 1..]).ok()?;
    Some((id, row))
}

impl AccessQueue {
    /// Opens (creating when needed) the queue beside `store`, first moving
    /// into it the rows an earlier version's queue left. Its row ids
    /// continue after the last one `store` moved and the last one queued,
    /// also when the queue's folder was removed, so that no new row is
    /// taken for an old one.
    pub fn open(data_dir: &Path, store: &mut Store) -> Result<AccessQueue> {
        let dir = data_dir.join(QUEUE_DIR);
        crate::private::create_dir(&dir)?;
        let lock = lock(data_dir)?;
        move_old_queue(data_dir, store)?;
        let segments = segments(&dir)?;
        let mut last = store.access_queue_done()?;
        // Ids grow from segment to segment: the last one written is in
        // the last segment with a readable line.
        for (_, path) in segments.iter().rev() {
            if let Some(id) = read_segment(path)?.rows.last().map(|(id, _)| *id) {
                last = last.max(id);
                break;
            }
        }
        Ok(AccessQueue {
            writing: Mutex::new(Writing {
                file: None,
                number: highest_number(&dir)?,
                len: 0,
                next_id: last + 1,
                line: Vec::with_capacity(1024),
            }),
            moving: Mutex::new(()),
            dir,
            _lock: lock,
        })
    }

    /// Appends one row; returns once it is written (in the page cache: it
    /// survives this process being killed).
    pub fn push(&self, row: &AccessRow) -> Result<()> {
        // Encoded before the lock: under it only the id and the write.
        let row_json = serde_json::to_vec(row)?;
        let mut w = self.lock();
        let w = &mut *w;
        if w.file.is_none() || w.len >= SEGMENT_BYTES {
            self.start_segment(w)?;
        }
        line_into(&mut w.line, w.next_id, &row_json);
        let file = w.file.as_mut().expect("a segment was started above");
        match file.write_all(&w.line) {
            Ok(()) => {
                w.len += w.line.len() as u64;
                w.next_id += 1;
                Ok(())
            }
            Err(e) => {
                // A part written (a full disk) is cut off, so that the
                // next line starts a line; if that fails too, the next
                // row starts a new segment.
                if file.set_len(w.len).is_err() {
                    w.file = None;
                }
                Err(e).with_context(|| {
                    format!("writing to the access log's queue {}", self.dir.display())
                })
            }
        }
    }

    fn lock(&self) -> MutexGuard<'_, Writing> {
        self.writing.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Creates the next segment and makes it the one written. A queue
    /// folder removed under a running service is made again.
    fn start_segment(&self, w: &mut Writing) -> Result<()> {
        w.file = None;
        w.number += 1;
        let path = segment_path(&self.dir, w.number);
        let create = || {
            OpenOptions::new()
                .append(true)
                .create_new(true)
                .mode(crate::private::FILE_MODE)
                .open(&path)
        };
        let file = match create() {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                crate::private::create_dir(&self.dir)?;
                create()
            }
            other => other,
        }
        .with_context(|| format!("creating {}", path.display()))?;
        w.file = Some(file);
        w.len = 0;
        Ok(())
    }

    /// Closes the segment being written; returns the number of the last
    /// segment that is closed (every one up to it).
    fn close(&self) -> u64 {
        let mut w = self.lock();
        w.file = None;
        w.number
    }

    /// The closed segments, in order.
    fn closed(&self) -> Result<Vec<(u64, PathBuf)>> {
        let through = self.close();
        let mut all = segments(&self.dir)?;
        all.retain(|(n, _)| *n <= through);
        Ok(all)
    }
}

/// Takes the queue's lock, waiting up to [`LOCK_WAIT`] for a process that
/// is letting go of it.
fn lock(data_dir: &Path) -> Result<File> {
    use fs4::fs_std::FileExt;
    let path = data_dir.join(LOCK_FILE);
    let file = crate::private::open_lock_file(&path)?;
    let deadline = std::time::Instant::now() + LOCK_WAIT;
    loop {
        match FileExt::try_lock_exclusive(&file) {
            Ok(true) => return Ok(file),
            Ok(false) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            Ok(false) => anyhow::bail!(
                "the access log's queue {} is held by another process for over {} s",
                data_dir.join(QUEUE_DIR).display(),
                LOCK_WAIT.as_secs()
            ),
            Err(e) => return Err(e).with_context(|| format!("locking {}", path.display())),
        }
    }
}

/// The highest number any file of the queue carries (segments, and those
/// set aside as unreadable): a new segment takes a number after it.
fn highest_number(dir: &Path) -> Result<u64> {
    let mut highest = 0;
    for entry in fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let name = entry?.file_name();
        let digits: String = name
            .to_string_lossy()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if let Ok(n) = digits.parse::<u64>() {
            highest = highest.max(n);
        }
    }
    Ok(highest)
}

/// A segment's path.
fn segment_path(dir: &Path, number: u64) -> PathBuf {
    dir.join(format!("{number:020}.{SEGMENT_EXT}"))
}

/// The segments in `dir`, by number.
fn segments(dir: &Path) -> Result<Vec<(u64, PathBuf)>> {
    let mut found = Vec::new();
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(found),
        Err(e) => return Err(e).with_context(|| format!("reading {}", dir.display())),
    };
    for entry in entries {
        let path = entry?.path();
        if path.extension().and_then(|e| e.to_str()) != Some(SEGMENT_EXT) {
            continue;
        }
        if let Some(n) = path
            .file_stem()
            .and_then(|s| s.to_str())
            .and_then(|s| s.parse::<u64>().ok())
        {
            found.push((n, path));
        }
    }
    found.sort_unstable_by_key(|(n, _)| *n);
    Ok(found)
}

/// A segment as read: its rows and the lines that could not be read.
struct Segment {
    rows: Vec<(i64, AccessRow)>,
    /// Line numbers (1-based) that are not a row.
    unreadable: Vec<usize>,
}

/// Reads a segment; a missing one (moved meanwhile) is empty.
fn read_segment(path: &Path) -> Result<Segment> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    Ok(parse_segment(&bytes))
}

/// The rows of a segment's bytes. A last line without its newline was
/// torn (a power loss while it was written) and is not a row.
fn parse_segment(bytes: &[u8]) -> Segment {
    let mut segment = Segment {
        rows: Vec::new(),
        unreadable: Vec::new(),
    };
    let mut lines = bytes.split_inclusive(|b| *b == b'\n').enumerate();
    for (n, line) in &mut lines {
        match line.strip_suffix(b"\n") {
            Some(line) => match parse_line(line) {
                Some(row) => segment.rows.push(row),
                None => segment.unreadable.push(n + 1),
            },
            None => segment.unreadable.push(n + 1),
        }
    }
    segment
}

/// Moves the rows of the SQLite queue of an earlier version into `store`
/// and removes its files.
fn move_old_queue(data_dir: &Path, store: &mut Store) -> Result<()> {
    let path = data_dir.join(OLD_QUEUE_FILE);
    if !path.exists() {
        return Ok(());
    }
    let rows = {
        let conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_WRITE)
            .with_context(|| format!("opening the earlier access-log queue {}", path.display()))?;
        let has_table: bool = conn
            .query_row(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'queue'",
                [],
                |_| Ok(true),
            )
            .optional()?
            .unwrap_or(false);
        if has_table {
            let mut stmt = conn.prepare(
                "SELECT id, at, token_id, role, team, action, targets, reason, outcome, actor
                 FROM queue ORDER BY id",
            )?;
            stmt.query_map([], |r| {
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
            .collect::<rusqlite::Result<Vec<(i64, AccessRow)>>>()?
        } else {
            Vec::new()
        }
    };
    let moved = store.move_access_rows(&rows)?;
    if moved > 0 {
        tracing::info!(moved, "moved the rows of the earlier access-log queue");
    }
    for file in [wal_file(&path), shm_file(&path), path.clone()] {
        match fs::remove_file(&file) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => {
                return Err(e).with_context(|| format!("removing {}", file.display()));
            }
            _ => {}
        }
    }
    Ok(())
}

impl Store {
    /// The last queue row moved into this store's log (0: none).
    pub fn access_queue_done(&self) -> Result<i64> {
        done_in(&self.conn)
    }

    /// Moves the rows waiting in `queue` into the access log, segment by
    /// segment in order, and returns how many. A segment that cannot be
    /// read stops the move there (the rows after it wait, so that the
    /// last id moved never passes over its rows). Requests appending meanwhile
    /// never wait for this, nor for the store's writer.
    pub fn take_access_queue(&mut self, queue: &AccessQueue) -> Result<usize> {
        let _moving = queue.moving.lock().unwrap_or_else(|p| p.into_inner());
        let mut moved = 0;
        for (_, path) in queue.closed()? {
            let segment = read_segment(&path)?;
            moved += self.move_access_rows(&segment.rows)?;
            if segment.unreadable.is_empty() {
                remove_moved(&path)?;
            } else {
                // Kept for whoever looks into it; its readable rows moved.
                let mut kept = path.clone().into_os_string();
                kept.push(".unreadable");
                tracing::warn!(
                    segment = %path.display(),
                    lines = ?segment.unreadable,
                    kept = %Path::new(&kept).display(),
                    "lines of the access log's queue that are not a row (torn by a power loss?)"
                );
                match fs::rename(&path, &kept) {
                    // Set aside by another mover meanwhile.
                    Err(e) if e.kind() != io::ErrorKind::NotFound => {
                        return Err(e).with_context(|| format!("renaming {}", path.display()));
                    }
                    _ => {}
                }
            }
        }
        Ok(moved)
    }

    /// Writes the queued `rows` (in id order) not yet moved into the
    /// access log, with the last id moved, [`BATCH`] to a transaction.
    fn move_access_rows(&mut self, rows: &[(i64, AccessRow)]) -> Result<usize> {
        let mut moved = 0;
        for batch in rows.chunks(BATCH) {
            moved += self.move_access_batch(batch)?;
        }
        Ok(moved)
    }

    fn move_access_batch(&mut self, rows: &[(i64, AccessRow)]) -> Result<usize> {
        let tx = self.write_transaction()?;
        // Read with the writer held: another mover (or this one, before
        // the process died) may have moved some of these.
        let done = done_in(&tx)?;
        let mut last = done;
        let mut moved = 0;
        for (id, row) in rows.iter().filter(|(id, _)| *id > done) {
            row.insert(&tx)?;
            last = last.max(*id);
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
        Ok(moved)
    }
}

/// Removes a segment whose rows are in the store.
fn remove_moved(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("removing {}", path.display()))
        }
        _ => Ok(()),
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
    use std::sync::Arc;

    use super::*;
    use crate::store::AuditFilter;

    /// A new store and its queue, in a folder of their own.
    fn opened() -> (tempfile::TempDir, Store, AccessQueue) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let queue = AccessQueue::open(dir.path(), &mut store).unwrap();
        (dir, store, queue)
    }

    fn row(action: &str, n: i64) -> AccessRow {
        AccessRow {
            at: 1_700_000_000 + n,
            token_id: Some(n),
            role: "intake".into(),
            team: Some("Amsterdam-Centrum".into()),
            action: action.into(),
            targets: format!("{{\"check\":\"c{n}\"}}"),
            reason: Some("aangifte opnemen\nmet \"regels\"".into()),
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

    fn checks(store: &Store) -> Vec<String> {
        logged(store)
            .iter()
            .map(|r| r.1["check"].as_str().unwrap().to_owned())
            .collect()
    }

    fn segment_files(dir: &Path) -> Vec<PathBuf> {
        segments(&dir.join(QUEUE_DIR))
            .unwrap()
            .into_iter()
            .map(|(_, p)| p)
            .collect()
    }

    #[test]
    fn queued_rows_reach_the_access_log_once_in_order() {
        let (dir, mut store, queue) = opened();
        let queue = Arc::new(queue);
        // Four requests at once, 3,000 rows each.
        let pushers: Vec<_> = (0..4)
            .map(|t| {
                let queue = queue.clone();
                std::thread::spawn(move || {
                    for n in 0..3_000 {
                        queue.push(&row("check", t * 3_000 + n)).unwrap();
                    }
                })
            })
            .collect();
        for p in pushers {
            p.join().unwrap();
        }
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
        assert!(
            segment_files(dir.path()).is_empty(),
            "moved segments are removed"
        );
        // Nothing left: a second move moves nothing.
        assert_eq!(store.take_access_queue(&queue).unwrap(), 0);
        assert_eq!(logged(&store).len(), 12_000);
        // A row keeps every field, a newline in the purpose included.
        let last = store
            .audit(&AuditFilter {
                limit: 1,
                ..AuditFilter::default()
            })
            .unwrap()
            .remove(0);
        assert_eq!(
            last.reason.as_deref(),
            Some("aangifte opnemen\nmet \"regels\"")
        );
        assert_eq!(last.team.as_deref(), Some("Amsterdam-Centrum"));
    }

    #[test]
    fn rows_pushed_while_moving_wait_for_the_next_move() {
        let (_dir, mut store, queue) = opened();
        let queue = Arc::new(queue);
        let pusher = {
            let queue = queue.clone();
            std::thread::spawn(move || {
                for n in 0..20_000 {
                    queue.push(&row("check", n)).unwrap();
                }
            })
        };
        let mut moved = 0;
        while !pusher.is_finished() {
            moved += store.take_access_queue(&queue).unwrap();
        }
        pusher.join().unwrap();
        moved += store.take_access_queue(&queue).unwrap();
        assert_eq!(moved, 20_000);
        let want: Vec<String> = (0..20_000).map(|n| format!("c{n}")).collect();
        assert_eq!(checks(&store), want);
    }

    #[test]
    fn a_segment_moved_but_not_removed_is_not_moved_twice() {
        // The process died after the store's commit and before the
        // segment's file was removed.
        let (dir, mut store, queue) = opened();
        queue.push(&row("search", 1)).unwrap();
        queue.push(&row("search", 2)).unwrap();
        let segment = segment_files(dir.path()).remove(0);
        let bytes = fs::read(&segment).unwrap();
        store.take_access_queue(&queue).unwrap();
        assert!(!segment.exists());
        fs::write(&segment, &bytes).unwrap();
        queue.push(&row("search", 3)).unwrap();
        assert_eq!(store.take_access_queue(&queue).unwrap(), 1);
        assert_eq!(checks(&store), ["c1", "c2", "c3"]);
        assert!(segment_files(dir.path()).is_empty());
        // Opened again over such a file, the ids continue after it.
        fs::write(&segment, &bytes).unwrap();
        drop(queue);
        let queue = AccessQueue::open(dir.path(), &mut store).unwrap();
        queue.push(&row("search", 4)).unwrap();
        assert_eq!(store.take_access_queue(&queue).unwrap(), 1);
        assert_eq!(checks(&store), ["c1", "c2", "c3", "c4"]);
    }

    #[test]
    fn a_removed_queue_folder_continues_after_the_rows_moved() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        {
            let queue = AccessQueue::open(dir.path(), &mut store).unwrap();
            for n in 0..3 {
                queue.push(&row("read_report", n)).unwrap();
            }
            store.take_access_queue(&queue).unwrap();
        }
        fs::remove_dir_all(dir.path().join(QUEUE_DIR)).unwrap();
        let queue = AccessQueue::open(dir.path(), &mut store).unwrap();
        queue.push(&row("read_report", 3)).unwrap();
        assert_eq!(store.take_access_queue(&queue).unwrap(), 1);
        assert_eq!(logged(&store).len(), 4);
        assert_eq!(store.access_queue_done().unwrap(), 4);
    }

    #[test]
    fn rows_written_before_a_stop_or_a_kill_are_moved_at_the_next_open() {
        let (dir, mut store, queue) = opened();
        for n in 0..100 {
            queue.push(&row("export", n)).unwrap();
        }
        // Closing the queue moves nothing: it leaves its files as a
        // killed process does.
        drop(queue);
        let queue = AccessQueue::open(dir.path(), &mut store).unwrap();
        queue.push(&row("export", 100)).unwrap();
        assert_eq!(store.take_access_queue(&queue).unwrap(), 101);
        let want: Vec<String> = (0..=100).map(|n| format!("c{n}")).collect();
        assert_eq!(checks(&store), want);
    }

    #[test]
    fn a_torn_last_line_is_kept_aside_and_the_rows_before_it_are_moved() {
        let (dir, mut store, queue) = opened();
        queue.push(&row("check", 1)).unwrap();
        queue.push(&row("check", 2)).unwrap();
        drop(queue);
        // A power loss while the third row was written.
        let segment = segment_files(dir.path()).remove(0);
        let mut file = OpenOptions::new().append(true).open(&segment).unwrap();
        file.write_all(b"3\t{\"at\":17000").unwrap();
        let queue = AccessQueue::open(dir.path(), &mut store).unwrap();
        queue.push(&row("check", 4)).unwrap();
        assert_eq!(store.take_access_queue(&queue).unwrap(), 3);
        assert_eq!(checks(&store), ["c1", "c2", "c4"]);
        let mut kept = segment.into_os_string();
        kept.push(".unreadable");
        assert!(Path::new(&kept).exists(), "the torn segment is kept aside");
        assert!(segment_files(dir.path()).is_empty());
        // Opened again, the queue numbers its segments after the one set
        // aside, which no later segment can overwrite.
        drop(queue);
        let queue = AccessQueue::open(dir.path(), &mut store).unwrap();
        queue.push(&row("check", 5)).unwrap();
        assert!(segment_files(dir.path())[0].as_os_str() > kept.as_os_str());
    }

    #[test]
    fn a_second_process_opening_the_queue_waits_for_the_first_to_let_go() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let first = AccessQueue::open(dir.path(), &mut store).unwrap();
        first.push(&row("check", 1)).unwrap();
        let path = dir.path().to_path_buf();
        let stopping = std::thread::spawn(move || {
            let mut store = Store::open(&path).unwrap();
            std::thread::sleep(std::time::Duration::from_millis(300));
            // It moves its rows a last time as it stops.
            store.take_access_queue(&first).unwrap();
            drop(first);
        });
        let started = std::time::Instant::now();
        let second = AccessQueue::open(dir.path(), &mut store).unwrap();
        assert!(
            started.elapsed() >= std::time::Duration::from_millis(250),
            "it waited for the first"
        );
        stopping.join().unwrap();
        second.push(&row("check", 2)).unwrap();
        store.take_access_queue(&second).unwrap();
        assert_eq!(checks(&store), ["c1", "c2"]);
        assert_eq!(store.access_queue_done().unwrap(), 2);
    }

    #[test]
    fn a_full_segment_is_closed_and_its_rows_moved_in_order() {
        let (dir, mut store, queue) = opened();
        for n in 0..10 {
            let mut big = row("export", n);
            big.targets = format!("{{\"check\":\"c{n}\",\"pad\":\"{}\"}}", "x".repeat(1 << 20));
            queue.push(&big).unwrap();
        }
        assert_eq!(segment_files(dir.path()).len(), 2, "8 MB to a segment");
        assert_eq!(store.take_access_queue(&queue).unwrap(), 10);
        let want: Vec<String> = (0..10).map(|n| format!("c{n}")).collect();
        assert_eq!(checks(&store), want);
    }

    #[test]
    fn the_rows_of_an_earlier_versions_queue_are_moved_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let old = Connection::open(dir.path().join(OLD_QUEUE_FILE)).unwrap();
        old.execute_batch(
            "CREATE TABLE queue (
                 id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL,
                 token_id INTEGER, role TEXT NOT NULL, team TEXT,
                 action TEXT NOT NULL, targets TEXT NOT NULL, reason TEXT,
                 outcome TEXT NOT NULL, actor TEXT);
             INSERT INTO queue (id, at, role, action, targets, outcome)
             VALUES (41, 1, 'intake', 'check', '{\"check\":\"c41\"}', 'ok'),
                    (42, 2, 'intake', 'check', '{\"check\":\"c42\"}', 'ok');",
        )
        .unwrap();
        drop(old);
        let queue = AccessQueue::open(dir.path(), &mut store).unwrap();
        assert_eq!(checks(&store), ["c41", "c42"]);
        assert!(!dir.path().join(OLD_QUEUE_FILE).exists());
        queue.push(&row("check", 43)).unwrap();
        store.take_access_queue(&queue).unwrap();
        assert_eq!(checks(&store), ["c41", "c42", "c43"]);
        assert_eq!(store.access_queue_done().unwrap(), 43);
    }

    #[test]
    fn segments_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let (dir, _store, queue) = opened();
        queue.push(&row("check", 1)).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir.path().join(QUEUE_DIR)), 0o700);
        assert_eq!(mode(&segment_files(dir.path())[0]), 0o600);
    }
}
