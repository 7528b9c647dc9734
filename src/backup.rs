//! Backups of the store while fraudlink runs, and restoring one.
//!
//! A backup is a folder with two files: `fraudlink.db`, a copy of the store
//! made with SQLite's online backup API, and `manifest.json` (what it holds:
//! generation, reports, batches, when, checksum). The copy is read inside
//! one read transaction on the store, so it is one consistent state: every
//! batch committed before the transaction began and none after. In WAL mode
//! that read transaction never blocks writers, so `fraudlink serve` and
//! `fraudlink ingest` go on while the pages are copied, a step at a time.
//!
//! Restoring copies the backup into the data directory's store with the
//! same API, in one write transaction, after checking the backup (checksum,
//! `PRAGMA integrity_check`, schema version, report count). It refuses while
//! a fraudlink process has the data directory open and, without `force`, to
//! replace a store that holds reports or tokens. Everything else in the
//! data directory is derived from the store: the search index is marked out
//! of date and rebuilt, and the clusters are rebuilt, when fraudlink next
//! opens the store.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::index::SearchIndex;
use crate::store::{DB_FILE, SCHEMA_VERSION};

/// The manifest's file name inside a backup folder.
pub const MANIFEST_FILE: &str = "manifest.json";

/// The manifest format this code writes and reads.
const MANIFEST_FORMAT: u32 = 1;

/// Pages copied per backup step (4 MiB with SQLite's default page size).
const PAGES_PER_STEP: std::ffi::c_int = 1024;

/// How long a restore waits for the store when another connection is
/// busy with it (a `fraudlink backup` reading it, say).
const BUSY_WAIT: Duration = Duration::from_secs(30);

/// What a backup holds: `manifest.json` next to the copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The manifest format (1).
    pub format: u32,
    /// The fraudlink version that made the backup.
    pub fraudlink_version: String,
    /// When the copy's read transaction began, RFC 3339 (UTC).
    pub created_at: String,
    /// The store's schema version.
    pub schema_version: i64,
    /// The store's generation (its write counter) in the copy.
    pub generation: i64,
    /// Reports in the copy.
    pub reports: u64,
    /// The last ingest batch in the copy (0 for none).
    pub last_batch: i64,
    /// Cluster ids in the copy's registry that are not aliases.
    pub clusters: u64,
    /// Size of the copy in bytes.
    pub bytes: u64,
    /// SHA-256 of the copy, hex.
    pub sha256: String,
}

/// Copies the store in `data_dir` to `dest/fraudlink.db` and writes
/// `dest/manifest.json`. Works while other processes read and write the
/// store. An existing backup in `dest` is replaced only with `force`.
pub fn backup(data_dir: &Path, dest: &Path, force: bool) -> Result<Manifest> {
    let source = data_dir.join(DB_FILE);
    if !source.is_file() {
        bail!("no store in {} (no {DB_FILE})", data_dir.display());
    }
    // A folder made here is the service user's alone; one the admin made
    // keeps its mode, but the copy and its manifest are 0600 either way:
    // a backup holds every report, token hash and the access log.
    if !dest.exists() {
        crate::private::create_dir(dest)?;
    }
    if same_dir(data_dir, dest)? {
        bail!(
            "{} is the data directory; back up into another folder",
            dest.display()
        );
    }
    let target = dest.join(DB_FILE);
    if target.exists() && !force {
        bail!(
            "{} already holds a backup; pass --force to replace it",
            dest.display()
        );
    }
    let partial = dest.join(format!("{DB_FILE}.partial"));
    remove_if_exists(&partial)?;

    let src = Connection::open_with_flags(
        &source,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .with_context(|| format!("opening {}", source.display()))?;
    src.busy_timeout(BUSY_WAIT)?;
    // One read transaction for the counts and every page: the manifest
    // describes exactly what is copied. Writers go on (WAL); the backup
    // never restarts, because its source never sees their changes.
    let snapshot = src.unchecked_transaction()?;
    let created_at = OffsetDateTime::now_utc();
    let counts = Counts::of(&snapshot)?;
    if counts.schema_version != Some(SCHEMA_VERSION) {
        bail!(
            "the store has schema version {:?}; this build backs up version {SCHEMA_VERSION}",
            counts.schema_version
        );
    }
    {
        crate::private::touch(&partial)?;
        let mut dst = Connection::open(&partial)
            .with_context(|| format!("creating {}", partial.display()))?;
        copy(&snapshot, &mut dst)?;
        // A backup is one self-contained file, not a WAL database.
        dst.pragma_update(None, "journal_mode", "DELETE")?;
        check_integrity(&dst).with_context(|| format!("checking {}", partial.display()))?;
        let copied = Counts::of(&dst)?;
        if copied != counts {
            bail!("the copy holds {copied:?}, the store held {counts:?}");
        }
        dst.close().map_err(|(_, e)| e)?;
    }
    drop(snapshot);
    drop(src);

    fs::File::open(&partial)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("syncing {}", partial.display()))?;
    let (bytes, sha256) = checksum(&partial)?;
    let manifest = Manifest {
        format: MANIFEST_FORMAT,
        fraudlink_version: env!("CARGO_PKG_VERSION").to_owned(),
        created_at: crate::engine::rfc3339(created_at.unix_timestamp()),
        schema_version: SCHEMA_VERSION,
        generation: counts.generation,
        reports: counts.reports,
        last_batch: counts.last_batch,
        clusters: counts.clusters,
        bytes,
        sha256,
    };
    // The copy first, then the manifest that vouches for it: a backup
    // interrupted in between fails verification rather than passing it.
    remove_if_exists(&dest.join(MANIFEST_FILE))?;
    sync_dir(dest)?;
    fs::rename(&partial, &target)
        .with_context(|| format!("renaming {} to {}", partial.display(), target.display()))?;
    write_atomically(
        &dest.join(MANIFEST_FILE),
        serde_json::to_string_pretty(&manifest)?.as_bytes(),
    )?;
    sync_dir(dest)?;
    Ok(manifest)
}

/// Checks a backup folder: the manifest, the checksum and size of the copy,
/// `PRAGMA integrity_check`, the schema version and the counts.
pub fn verify(dir: &Path) -> Result<Manifest> {
    let manifest_path = dir.join(MANIFEST_FILE);
    let text = fs::read_to_string(&manifest_path)
        .with_context(|| format!("reading {}", manifest_path.display()))?;
    let manifest: Manifest = serde_json::from_str(&text)
        .with_context(|| format!("parsing {}", manifest_path.display()))?;
    if manifest.format != MANIFEST_FORMAT {
        bail!(
            "{} has format {}; this build reads format {MANIFEST_FORMAT}",
            manifest_path.display(),
            manifest.format
        );
    }
    if manifest.schema_version != SCHEMA_VERSION {
        bail!(
            "the backup has schema version {}; this build reads version {SCHEMA_VERSION}",
            manifest.schema_version
        );
    }
    let db = dir.join(DB_FILE);
    let (bytes, sha256) = checksum(&db)?;
    if (bytes, sha256.as_str()) != (manifest.bytes, manifest.sha256.as_str()) {
        bail!(
            "{} does not match its manifest ({bytes} bytes, sha256 {sha256}; the manifest says {} bytes, {})",
            db.display(),
            manifest.bytes,
            manifest.sha256
        );
    }
    let conn = Connection::open_with_flags(&db, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("opening {}", db.display()))?;
    check_integrity(&conn).with_context(|| format!("checking {}", db.display()))?;
    let counts = Counts::of(&conn)?;
    let expected = Counts {
        schema_version: Some(manifest.schema_version),
        generation: manifest.generation,
        reports: manifest.reports,
        last_batch: manifest.last_batch,
        clusters: manifest.clusters,
    };
    if counts != expected {
        bail!(
            "{} holds {counts:?}; its manifest says {expected:?}",
            db.display()
        );
    }
    Ok(manifest)
}

/// Replaces the store in `data_dir` with the backup in `dir`. Refuses
/// while a fraudlink process has `data_dir` open, and, unless `force`,
/// when the store there holds reports or tokens.
pub fn restore(dir: &Path, data_dir: &Path, force: bool) -> Result<Manifest> {
    let manifest = verify(dir)?;
    crate::private::create_dir(data_dir)
        .with_context(|| format!("creating data directory {}", data_dir.display()))?;
    if same_dir(data_dir, dir)? {
        bail!("{} is the data directory itself", dir.display());
    }
    let index_dir = data_dir.join(crate::engine::INDEX_DIR);
    // Every engine holds this lock while it runs: with it, no fraudlink
    // process can open the store until the restore is done.
    let Some(_lock) = SearchIndex::lock_dir(&index_dir)? else {
        bail!(
            "{} is in use by a running fraudlink (serve, ingest, ...); stop it first",
            data_dir.display()
        );
    };
    let target = data_dir.join(DB_FILE);
    if let Some((reports, tokens)) = contents(&target)? {
        if (reports > 0 || tokens > 0) && !force {
            bail!(
                "the store in {} holds {reports} report(s) and {tokens} token(s); pass --force to replace them",
                data_dir.display()
            );
        }
    }
    // The index first: if the restore is interrupted, the index is rebuilt
    // from whichever store is there.
    SearchIndex::invalidate(&index_dir)?;

    let src = Connection::open_with_flags(dir.join(DB_FILE), OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    crate::private::touch(&target)?;
    crate::private::fix_data_dir(data_dir)?;
    let mut dst =
        Connection::open(&target).with_context(|| format!("opening {}", target.display()))?;
    dst.busy_timeout(BUSY_WAIT)?;
    dst.pragma_update(None, "journal_mode", "WAL")?;
    dst.pragma_update(None, "synchronous", "FULL")?;
    // One write transaction on the store: an interrupted restore leaves
    // the store as it was.
    copy(&src, &mut dst)?;
    dst.pragma_update(None, "journal_mode", "WAL")?;
    dst.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    check_integrity(&dst).with_context(|| format!("checking {}", target.display()))?;
    let counts = Counts::of(&dst)?;
    if counts.reports != manifest.reports || counts.generation != manifest.generation {
        bail!(
            "the restored store holds {counts:?}; the backup's manifest says {} reports, generation {}",
            manifest.reports,
            manifest.generation
        );
    }
    dst.close().map_err(|(_, e)| e)?;
    Ok(manifest)
}

/// What the manifest records of a store, read in one transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Counts {
    schema_version: Option<i64>,
    generation: i64,
    reports: u64,
    last_batch: i64,
    clusters: u64,
}

impl Counts {
    fn of(conn: &Connection) -> Result<Counts> {
        let schema_version: Option<String> = conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'schema_version'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        let (generation, reports): (i64, i64) = conn.query_row(
            "SELECT COALESCE(MAX(seq), 0), COUNT(*) FROM reports",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let last_batch: i64 =
            conn.query_row("SELECT COALESCE(MAX(id), 0) FROM batches", [], |r| r.get(0))?;
        let clusters: i64 = conn.query_row(
            "SELECT COUNT(*) FROM clusters WHERE alias_of IS NULL",
            [],
            |r| r.get(0),
        )?;
        Ok(Counts {
            schema_version: schema_version.and_then(|v| v.parse().ok()),
            generation,
            reports: reports as u64,
            last_batch,
            clusters: clusters as u64,
        })
    }
}

/// Copies every page of `src` into `dst`, a step at a time. The writes
/// to `dst` are one transaction, committed by the last step.
fn copy(src: &Connection, dst: &mut Connection) -> Result<()> {
    let started = std::time::Instant::now();
    let backup = Backup::new(src, dst)?;
    loop {
        match backup.step(PAGES_PER_STEP)? {
            StepResult::Done => return Ok(()),
            StepResult::More => {}
            StepResult::Busy | StepResult::Locked => {
                if started.elapsed() > BUSY_WAIT {
                    bail!("the database stayed locked for {}s", BUSY_WAIT.as_secs());
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            // `StepResult` is non-exhaustive.
            _ => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// Fails unless `PRAGMA integrity_check` answers `ok`.
fn check_integrity(conn: &Connection) -> Result<()> {
    let mut stmt = conn.prepare("PRAGMA integrity_check")?;
    let problems = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    if problems != ["ok"] {
        bail!("integrity check failed: {}", problems.join("; "));
    }
    Ok(())
}

/// Reports and tokens in the store at `path`, or `None` when there is no
/// store (or no schema yet).
fn contents(path: &Path) -> Result<Option<(u64, u64)>> {
    if !path.is_file() {
        return Ok(None);
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("opening {}", path.display()))?;
    conn.busy_timeout(BUSY_WAIT)?;
    let tables: i64 = conn.query_row(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('reports', 'tokens')",
        [],
        |r| r.get(0),
    )?;
    if tables < 2 {
        return Ok(None);
    }
    let (reports, tokens): (i64, i64) = conn.query_row(
        "SELECT (SELECT COUNT(*) FROM reports), (SELECT COUNT(*) FROM tokens)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(Some((reports as u64, tokens as u64)))
}

/// Size and SHA-256 (hex) of a file.
fn checksum(path: &Path) -> Result<(u64, String)> {
    let mut f = fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = f
            .read(&mut buf)
            .with_context(|| format!("reading {}", path.display()))?;
        if n == 0 {
            break;
        }
        bytes += n as u64;
        hasher.update(&buf[..n]);
    }
    let hex = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok((bytes, hex))
}

/// Whether two paths name the same directory.
fn same_dir(a: &Path, b: &Path) -> Result<bool> {
    let canon = |p: &Path| -> Result<Option<PathBuf>> {
        match p.canonicalize() {
            Ok(c) => Ok(Some(c)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("resolving {}", p.display())),
        }
    };
    Ok(matches!((canon(a)?, canon(b)?), (Some(x), Some(y)) if x == y))
}

fn remove_if_exists(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("removing {}", path.display())),
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("json.partial");
    let mut f = crate::private::create_file(&tmp)?;
    f.write_all(bytes)?;
    f.write_all(b"\n")?;
    f.sync_all()?;
    fs::rename(&tmp, path).with_context(|| format!("renaming {}", tmp.display()))
}

fn sync_dir(dir: &Path) -> Result<()> {
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("syncing {}", dir.display()))
}
