//! Backups of the store while fraudlink runs, and restoring one.
//!
//! A backup is a folder with two files: `fraudlink.db`, a copy of the store
//! made with SQLite's online backup API, and `manifest.json` (what it holds:
//! generation, reports, batches, when, checksum), signed with HMAC-SHA256
//! under the backup key ([`BackupKey`]), which lives in the data directory
//! (or where the settings say), never in a backup. The copy is read inside
//! one read transaction on the store, so it is one consistent state: every
//! batch committed before the transaction began and none after. In WAL mode
//! that read transaction never blocks writers, so `fraudlink serve` and
//! `fraudlink ingest` go on while the pages are copied, a step at a time.
//! Both files are 0600, and a folder made for them 0700.
//!
//! Restoring first checks the backup (the signature, so that a copy with a
//! planted token and a recomputed checksum is refused; the checksum,
//! `PRAGMA integrity_check`, schema version, report count). It refuses
//! while a fraudlink process has the data directory open and, without
//! `force`, to replace a store that holds reports or tokens. The backup is
//! prepared in a copy beside the store: what the replaced store recorded
//! after the backup and must keep (its newer access-log rows, token
//! revocations) is carried into it, and the restore is logged; then the
//! copy replaces the store in one write transaction. Everything else in the
//! data directory is derived from the store: the search index is marked out
//! of date and the saved clusters removed, and both are rebuilt when
//! fraudlink next opens the store.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use hmac::{Hmac, Mac};
use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::index::SearchIndex;
use crate::store::{DB_FILE, SCHEMA_VERSION};

/// The manifest's file name inside a backup folder.
pub const MANIFEST_FILE: &str = "manifest.json";

/// The manifest format this code writes and reads: 2 is signed (format 1,
/// unsigned, is refused).
const MANIFEST_FORMAT: u32 = 2;

/// The backup key's file name in the data directory, where it is made on
/// the first backup unless the `backup_key` setting names another file.
pub const KEY_FILE: &str = "backup.key";

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
    /// The key that signed the manifest ([`BackupKey::id`]).
    #[serde(default)]
    pub key_id: String,
    /// HMAC-SHA256 of the manifest (this field empty) with the backup key,
    /// hex. Without the key, which no backup holds, a changed copy cannot
    /// be given a manifest that passes.
    #[serde(default)]
    pub signature: String,
}

impl Manifest {
    /// The bytes the signature covers: the manifest as JSON with an empty
    /// signature, its fields in their fixed order.
    fn signed_bytes(&self) -> Result<Vec<u8>> {
        let unsigned = Manifest {
            signature: String::new(),
            ..self.clone()
        };
        Ok(serde_json::to_vec(&unsigned)?)
    }
}

/// The key that signs backup manifests (HMAC-SHA256, 256 bits). It is
/// kept outside every backup: in the data directory (`backup.key`, 0600,
/// made on the first backup) or at the path of the `backup_key` setting.
/// Restoring a backup on another machine needs the key of the machine that
/// made it there (README, Backups).
pub struct BackupKey {
    bytes: [u8; 32],
    path: PathBuf,
}

impl std::fmt::Debug for BackupKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key itself.
        f.debug_struct("BackupKey")
            .field("id", &self.id())
            .field("path", &self.path)
            .finish()
    }
}

impl BackupKey {
    /// Where the key of these settings is: `backup_key`, or `backup.key`
    /// in the data directory when that is empty.
    pub fn path(settings: &crate::config::Settings) -> PathBuf {
        match settings.backup_key.trim() {
            "" => settings.data_dir.join(KEY_FILE),
            path => PathBuf::from(path),
        }
    }

    /// Reads the key at `path`, making a new random one (0600) when there
    /// is none; `true` when it was made now. For `fraudlink backup`.
    pub fn load_or_create(path: &Path) -> Result<(BackupKey, bool)> {
        if path.exists() {
            return Ok((BackupKey::load(path)?, false));
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.exists() {
                crate::private::create_dir(dir)?;
            }
        }
        let mut bytes = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
        // Written whole under another name, then linked into place: a
        // second backup starting at the same time finds either no key or
        // the whole key, and a link never replaces one that is there.
        let partial = path.with_extension(format!("partial-{}", std::process::id()));
        let mut f = crate::private::create_file(&partial)?;
        f.write_all(format!("{}\n", hex(&bytes)).as_bytes())?;
        f.sync_all()?;
        drop(f);
        let linked = fs::hard_link(&partial, path);
        remove_if_exists(&partial)?;
        match linked {
            Ok(()) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    sync_dir(dir)?;
                }
                Ok((BackupKey::load(path)?, true))
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                Ok((BackupKey::load(path)?, false))
            }
            Err(e) => Err(e).with_context(|| format!("creating the backup key {}", path.display())),
        }
    }

    /// Reads the key at `path`; never makes one. For `fraudlink restore`.
    pub fn load(path: &Path) -> Result<BackupKey> {
        let text = match fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => bail!(
                "no backup key at {}: backups are signed with the key of the machine that made them; \
                 copy that machine's key file (backup.key in its data directory) there, or set \
                 backup_key to its path",
                path.display()
            ),
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("reading the backup key {}", path.display()));
            }
        };
        let digits = text.trim();
        let bytes: Option<Vec<u8>> = (digits.len() == 64)
            .then(|| {
                (0..32)
                    .map(|i| u8::from_str_radix(digits.get(2 * i..2 * i + 2)?, 16).ok())
                    .collect()
            })
            .flatten();
        let Some(bytes) = bytes.and_then(|b| <[u8; 32]>::try_from(b).ok()) else {
            bail!(
                "the backup key {} is not 64 hexadecimal digits",
                path.display()
            );
        };
        crate::private::fix_file(path)?;
        Ok(BackupKey {
            bytes,
            path: path.to_path_buf(),
        })
    }

    /// The key's file.
    pub fn file(&self) -> &Path {
        &self.path
    }

    /// Names the key without revealing it: the first 8 bytes of its
    /// SHA-256, hex.
    pub fn id(&self) -> String {
        hex(&Sha256::digest(self.bytes)[..8])
    }

    fn mac(&self, manifest: &Manifest) -> Result<Hmac<Sha256>> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.bytes)
            .map_err(|e| anyhow::anyhow!("the backup key: {e}"))?;
        mac.update(&manifest.signed_bytes()?);
        Ok(mac)
    }

    fn sign(&self, manifest: &mut Manifest) -> Result<()> {
        manifest.key_id = self.id();
        manifest.signature = hex(&self.mac(manifest)?.finalize().into_bytes());
        Ok(())
    }

    /// Fails unless `manifest` (read from `path`) carries this key's
    /// signature.
    fn check(&self, manifest: &Manifest, path: &Path) -> Result<()> {
        if manifest.signature.is_empty() {
            bail!(
                "{} is not signed: refusing to restore a backup whose origin cannot be checked \
                 (backups made before fraudlink signed them, or edited, are refused)",
                path.display()
            );
        }
        if manifest.key_id != self.id() {
            bail!(
                "{} was signed with another backup key (key id {}; {} has key id {}): \
                 restore with the key of the machine that made the backup",
                path.display(),
                manifest.key_id,
                self.path.display(),
                self.id()
            );
        }
        let signature = (0..manifest.signature.len() / 2)
            .map(|i| u8::from_str_radix(manifest.signature.get(2 * i..2 * i + 2)?, 16).ok())
            .collect::<Option<Vec<u8>>>()
            .unwrap_or_default();
        // Compared in constant time by `hmac`.
        if self.mac(manifest)?.verify_slice(&signature).is_err() {
            bail!(
                "{} has a bad signature: the backup or its manifest was changed after it was \
                 made; refusing to restore it",
                path.display()
            );
        }
        Ok(())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Copies the store in `data_dir` to `dest/fraudlink.db` and writes
/// `dest/manifest.json`. Works while other processes read and write the
/// store. An existing backup in `dest` is replaced only with `force`.
pub fn backup(data_dir: &Path, dest: &Path, force: bool, key: &BackupKey) -> Result<Manifest> {
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
    let mut manifest = Manifest {
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
        key_id: String::new(),
        signature: String::new(),
    };
    key.sign(&mut manifest)?;
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

/// Checks a backup folder: the manifest's signature with `key`, the
/// checksum and size of the copy, `PRAGMA integrity_check`, the schema
/// version and the counts.
pub fn verify(dir: &Path, key: &BackupKey) -> Result<Manifest> {
    let manifest_path = dir.join(MANIFEST_FILE);
    let text = fs::read_to_string(&manifest_path)
        .with_context(|| format!("reading {}", manifest_path.display()))?;
    let manifest: Manifest = serde_json::from_str(&text)
        .with_context(|| format!("parsing {}", manifest_path.display()))?;
    if manifest.format < MANIFEST_FORMAT {
        bail!(
            "{} is not signed (manifest format {}): refusing to restore a backup whose origin \
             cannot be checked; make a new backup with this build",
            manifest_path.display(),
            manifest.format
        );
    }
    if manifest.format != MANIFEST_FORMAT {
        bail!(
            "{} has format {}; this build reads format {MANIFEST_FORMAT}",
            manifest_path.display(),
            manifest.format
        );
    }
    key.check(&manifest, &manifest_path)?;
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

/// How to restore.
#[derive(Debug)]
pub struct RestoreOptions<'a> {
    /// Replace a store that holds reports or tokens.
    pub force: bool,
    /// The key the backup's manifest must be signed with.
    pub key: &'a BackupKey,
    /// Who restores, for the access log.
    pub actor: &'a str,
    /// The retention periods to apply to the restored store.
    pub retention: crate::store::Retention,
}

/// What a restore did.
#[derive(Debug, Clone)]
pub struct Restored {
    /// The backup's manifest.
    pub manifest: Manifest,
    /// Reports in the store now.
    pub reports: u64,
    /// Access-log rows the replaced store had written since the backup,
    /// kept in the restored one.
    pub access_log_kept: u64,
    /// Tokens revoked in the restored store: those made after the backup
    /// (kept, so that the access log still names them, but revoked) and
    /// those revoked since the backup was made.
    pub tokens_revoked: u64,
    /// Reports the backup holds that were purged after it was made, or
    /// are past retention now, purged again (with what refers to them).
    pub repurged: crate::store::Purged,
    /// Access-log rows past retention, purged.
    pub access_log_purged: usize,
}

/// The restored store is prepared under this name in the data directory
/// before it replaces the store in one transaction.
const STAGING_FILE: &str = "fraudlink.db.restoring";

/// Replaces the store in `data_dir` with the backup in `dir`. Refuses a
/// backup whose manifest is not signed with `opts.key`, refuses while a
/// fraudlink process has `data_dir` open, and, unless `opts.force`, when
/// the store there holds reports or tokens.
///
/// What the replaced store recorded after the backup and must not lose
/// is carried over: its access-log rows missing from the backup (the
/// log is kept as a record of who read what, so a restore must not erase
/// it), and its tokens' revocations (tokens made after the backup are kept
/// revoked, so that the log still names them). The restore itself is
/// logged.
pub fn restore(dir: &Path, data_dir: &Path, opts: &RestoreOptions<'_>) -> Result<Restored> {
    let manifest = verify(dir, opts.key)?;
    crate::private::create_dir(data_dir)
        .with_context(|| format!("creating data directory {}", data_dir.display()))?;
    if same_dir(data_dir, dir)? {
        bail!("{} is the data directory itself", dir.display());
    }
    let index_dir = data_dir.join(crate::engine::INDEX_DIR);
    // Every fraudlink process that opens the store holds the data
    // directory shared (see `datadir`), the commands beside a service
    // too; with it exclusively, none can open it until the restore is
    // done. The index's lock, which every engine holds, as well: a
    // process of an older build takes only that one.
    let in_use = || {
        anyhow::anyhow!(
            "{} is in use by a running fraudlink (serve, ingest, or a command beside them); stop it first",
            data_dir.display()
        )
    };
    let Some(_hold) = crate::datadir::exclusive(data_dir)? else {
        return Err(in_use());
    };
    let Some(_lock) = SearchIndex::lock_dir(&index_dir)? else {
        return Err(in_use());
    };
    let target = data_dir.join(DB_FILE);
    let existing = contents(&target)?;
    if let Some((reports, tokens)) = existing {
        if (reports > 0 || tokens > 0) && !opts.force {
            bail!(
                "the store in {} holds {reports} report(s) and {tokens} token(s); pass --force to replace them",
                data_dir.display()
            );
        }
    }
    // The reads a stopped or killed service left in the access log's queue
    // go into the store being replaced first: its log is carried over
    // below, and the restored store's last moved queue row (the larger of
    // the two stores') could otherwise pass over theirs.
    if existing.is_some() {
        let mut live = crate::store::Store::open(data_dir)?;
        let queue = crate::store::AccessQueue::open(data_dir, &mut live)?;
        live.take_access_queue(&queue)
            .context("moving the access log's queue into the store before replacing it")?;
    }
    // The derived data first: if the restore is interrupted, the index and
    // the saved clusters are rebuilt from whichever store is there.
    SearchIndex::invalidate(&index_dir)?;
    crate::saved::remove(data_dir)?;

    // The backup is prepared in a copy beside the store, which then
    // replaces the store in one transaction: an interrupted restore leaves
    // the store as it was (and the copy, removed by the next attempt).
    let staging = data_dir.join(STAGING_FILE);
    remove_staging(&staging)?;
    copy_file(&dir.join(DB_FILE), &staging)?;
    let (carried, staged) = {
        let mut conn =
            Connection::open(&staging).with_context(|| format!("opening {}", staging.display()))?;
        conn.busy_timeout(BUSY_WAIT)?;
        conn.pragma_update(None, "secure_delete", "ON")?;
        crate::store::prepare_schema(&conn)
            .with_context(|| format!("upgrading {}", staging.display()))?;
        if existing.is_some() {
            conn.execute("ATTACH DATABASE ?1 AS live", [target.to_string_lossy()])?;
        }
        let tx = conn.transaction()?;
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let mut carried = if existing.is_some() {
            carry_over(&tx)?
        } else {
            Carried::default()
        };
        // A backup older than a purge would bring the purged reports
        // back: purged again here, by the ledger and the cut-offs of both
        // stores and the retention rule as it stands today.
        (carried.repurged, carried.access_log_purged) =
            crate::store::reapply_purges(&tx, existing.is_some(), opts.retention, now)?;
        tx.execute(
            "INSERT INTO main.access_log (at, token_id, role, team, action, targets, reason, outcome)
             VALUES (?1, NULL, ?2, NULL, 'restore', ?3, NULL, 'ok')",
            rusqlite::params![
                now,
                opts.actor,
                serde_json::json!({
                    "backup": dir.display().to_string(),
                    "created_at": manifest.created_at,
                    "reports": manifest.reports,
                    "access_log_kept": carried.access_log,
                    "tokens_revoked": carried.tokens_revoked,
                    "repurged": carried.repurged.reports,
                    "access_log_purged": carried.access_log_purged,
                })
                .to_string()
            ],
        )?;
        tx.commit()?;
        if existing.is_some() {
            conn.execute("DETACH DATABASE live", [])?;
        }
        check_integrity(&conn).with_context(|| format!("checking {}", staging.display()))?;
        let staged = Counts::of(&conn)?;
        conn.close().map_err(|(_, e)| e)?;
        (carried, staged)
    };

    let src = Connection::open_with_flags(&staging, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    crate::private::touch(&target)?;
    crate::datadir::fix_data_dir(data_dir)?;
    let mut dst =
        Connection::open(&target).with_context(|| format!("opening {}", target.display()))?;
    dst.busy_timeout(BUSY_WAIT)?;
    dst.pragma_update(None, "journal_mode", "WAL")?;
    dst.pragma_update(None, "synchronous", "FULL")?;
    // One write transaction on the store: an interrupted restore leaves
    // the store as it was.
    copy(&src, &mut dst)?;
    drop(src);
    dst.pragma_update(None, "journal_mode", "WAL")?;
    dst.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    check_integrity(&dst).with_context(|| format!("checking {}", target.display()))?;
    let counts = Counts::of(&dst)?;
    if counts != staged {
        bail!("the restored store holds {counts:?}; the prepared copy held {staged:?}");
    }
    dst.close().map_err(|(_, e)| e)?;
    remove_staging(&staging)?;
    Ok(Restored {
        reports: counts.reports,
        manifest,
        access_log_kept: carried.access_log,
        tokens_revoked: carried.tokens_revoked,
        repurged: carried.repurged,
        access_log_purged: carried.access_log_purged,
    })
}

/// What the restored store took over from the replaced one, and purged.
#[derive(Debug, Default, Clone)]
struct Carried {
    access_log: u64,
    tokens_revoked: u64,
    repurged: crate::store::Purged,
    access_log_purged: usize,
}

/// Carries into the backup (`main`) what the replaced store (`live`)
/// recorded after the backup was made: token revocations, tokens made
/// since (revoked), and the access-log rows the backup lacks, with their
/// token ids mapped to the restored store's.
fn carry_over(tx: &rusqlite::Transaction<'_>) -> Result<Carried> {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let mut carried = Carried::default();
    tx.execute_batch(
        "CREATE TEMP TABLE token_map (live_id INTEGER PRIMARY KEY, id INTEGER NOT NULL)",
    )?;
    let live_tokens = {
        let mut stmt = tx.prepare(
            "SELECT id, hash, role, team, label, created_at, revoked_at FROM live.tokens ORDER BY id",
        )?;
        stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, Option<i64>>(6)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?
    };
    for (live_id, hash, role, team, label, created_at, revoked_at) in live_tokens {
        let restored: Option<(i64, Option<i64>)> = tx
            .query_row(
                "SELECT id, revoked_at FROM main.tokens WHERE hash = ?1",
                [&hash],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let id = match restored {
            Some((id, restored_revoked)) => {
                if let (Some(at), None) = (revoked_at, restored_revoked) {
                    tx.execute(
                        "UPDATE main.tokens SET revoked_at = ?2 WHERE id = ?1",
                        rusqlite::params![id, at],
                    )?;
                    carried.tokens_revoked += 1;
                }
                id
            }
            None => {
                tx.execute(
                    "INSERT INTO main.tokens (hash, role, team, label, created_at, revoked_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    rusqlite::params![
                        hash,
                        role,
                        team,
                        label,
                        created_at,
                        revoked_at.unwrap_or(now)
                    ],
                )?;
                if revoked_at.is_none() {
                    carried.tokens_revoked += 1;
                }
                tx.last_insert_rowid()
            }
        };
        tx.execute(
            "INSERT INTO temp.token_map (live_id, id) VALUES (?1, ?2)",
            rusqlite::params![live_id, id],
        )?;
    }
    // The columns both logs have (a later schema may add some), less the
    // row id, which the restored log numbers on.
    let columns = |schema: &str| -> Result<Vec<String>> {
        let mut stmt = tx.prepare(&format!("PRAGMA {schema}.table_info(access_log)"))?;
        let names = stmt
            .query_map([], |r| r.get::<_, String>(1))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(names)
    };
    let live_columns = columns("live")?;
    let shared: Vec<String> = columns("main")?
        .into_iter()
        .filter(|c| c != "id" && live_columns.contains(c))
        .collect();
    let select: Vec<String> = shared
        .iter()
        .map(|c| match c.as_str() {
            "token_id" => "m.id".to_owned(),
            c => format!("l.\"{c}\""),
        })
        .collect();
    let quoted: Vec<String> = shared.iter().map(|c| format!("\"{c}\"")).collect();
    // A row of the replaced log is in the backup when the backup has a row
    // with its id, time, action and targets: the backup was taken from the
    // same log. Every other row was written after the backup (or in
    // another store) and is kept.
    carried.access_log = tx.execute(
        &format!(
            "INSERT INTO main.access_log ({}) SELECT {} FROM live.access_log l
             LEFT JOIN temp.token_map m ON m.live_id = l.token_id
             WHERE NOT EXISTS (SELECT 1 FROM main.access_log b WHERE b.id = l.id AND b.at = l.at
                               AND b.action = l.action AND b.targets = l.targets)
             ORDER BY l.id",
            quoted.join(", "),
            select.join(", ")
        ),
        [],
    )? as u64;
    tx.execute_batch("DROP TABLE temp.token_map")?;
    // The live log's rows moved from the access log's queue are carried
    // above; the queue must not move them again into the restored store
    // (see `store::AccessQueue`).
    tx.execute(
        "INSERT INTO main.meta (key, value)
         SELECT key, value FROM live.meta WHERE key = 'access_queue_done'
         ON CONFLICT (key) DO UPDATE
         SET value = max(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER))",
        [],
    )?;
    Ok(carried)
}

/// Removes a copy an interrupted restore left (and its journal).
fn remove_staging(staging: &Path) -> Result<()> {
    remove_if_exists(staging)?;
    let mut journal = staging.as_os_str().to_owned();
    journal.push("-journal");
    remove_if_exists(Path::new(&journal))
}

/// Copies the file at `from` to a new 0600 file at `to`, synced.
fn copy_file(from: &Path, to: &Path) -> Result<()> {
    let mut src = fs::File::open(from).with_context(|| format!("opening {}", from.display()))?;
    let mut dst = crate::private::create_file(to)?;
    io::copy(&mut src, &mut dst)
        .with_context(|| format!("copying {} to {}", from.display(), to.display()))?;
    dst.sync_all()
        .with_context(|| format!("syncing {}", to.display()))
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
