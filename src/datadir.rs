//! Who has the data directory open.
//!
//! Every fraudlink process that opens the store holds a shared lock on
//! `fraudlink.lock` in the data directory for as long as it runs: the one
//! that owns the directory (`serve`, `ingest`, ... which also hold the
//! search index's writer lock) and the commands that read or administer
//! beside it (`clusters`, `token create`, ...). `restore`, which replaces
//! the store, takes it exclusively, so it runs only while no fraudlink
//! process has the directory open, and no process opens it during a
//! restore. The locks are the operating system's (`flock`): a killed
//! process holds none.

use std::fs::File;
use std::path::Path;

use anyhow::{Context, Result, bail};
use fs4::fs_std::FileExt;

/// The lock file inside the data directory.
pub const LOCK_FILE: &str = "fraudlink.lock";

/// Corrects the modes of what fraudlink keeps in a data directory: the
/// directory itself, the store's files, the search index, rejected
/// lines and the backup key. Only these: a data directory pointed at a folder
/// that holds other things leaves those alone.
pub fn fix_data_dir(dir: &Path) -> Result<()> {
    crate::private::fix_dir(dir)?;
    for name in PRIVATE_FILES {
        crate::private::fix_file(&dir.join(name))?;
    }
    for name in PRIVATE_DIRS {
        crate::private::fix_tree(&dir.join(name))?;
    }
    Ok(())
}

/// Files of the data directory that hold police data, tokens or keys.
const PRIVATE_FILES: &[&str] = &[
    crate::store::DB_FILE,
    crate::datadir::LOCK_FILE,
    "fraudlink.db-wal",
    "fraudlink.db-shm",
    "fraudlink.db-journal",
    "fraudlink.db.restoring",
    crate::store::OLD_QUEUE_FILE,
    crate::store::QUEUE_LOCK_FILE,
    "access-queue.db-wal",
    "access-queue.db-shm",
    crate::backup::KEY_FILE,
];

/// Folders of the data directory whose files hold police data.
const PRIVATE_DIRS: &[&str] = &[
    crate::engine::INDEX_DIR,
    crate::engine::REJECTS_DIR,
    crate::saved::STATE_DIR,
    crate::store::QUEUE_DIR,
];

/// A hold on the data directory, released when dropped.
#[derive(Debug)]
pub struct Hold {
    _file: File,
}

fn lock_file(dir: &Path) -> Result<File> {
    crate::private::create_dir(dir)
        .with_context(|| format!("creating data directory {}", dir.display()))?;
    crate::private::open_lock_file(&dir.join(LOCK_FILE))
}

/// Takes the shared hold of a process that opens the store in `dir`.
/// Fails only while a restore replaces the store.
pub fn share(dir: &Path) -> Result<Hold> {
    let file = lock_file(dir)?;
    // Called through the trait: the standard library's own `File` locks
    // are newer than this crate's minimum Rust.
    match FileExt::try_lock_shared(&file) {
        Ok(true) => Ok(Hold { _file: file }),
        Ok(false) => bail!(
            "a restore is replacing the store in {}; try again when it is done",
            dir.display()
        ),
        Err(e) => Err(e).with_context(|| format!("locking {}", dir.join(LOCK_FILE).display())),
    }
}

/// Takes the data directory for oneself (a restore), or `None` while any
/// fraudlink process has it open.
pub fn exclusive(dir: &Path) -> Result<Option<Hold>> {
    let file = lock_file(dir)?;
    match FileExt::try_lock_exclusive(&file) {
        Ok(true) => Ok(Some(Hold { _file: file })),
        Ok(false) => Ok(None),
        Err(e) => Err(e).with_context(|| format!("locking {}", dir.join(LOCK_FILE).display())),
    }
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn fixing_a_data_directory_touches_only_what_fraudlink_keeps_there() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path();
        let search = data.join(crate::engine::INDEX_DIR);
        fs::create_dir(&search).unwrap();
        for (path, m) in [
            (data.join(crate::store::DB_FILE), 0o644),
            (data.join("fraudlink.db-wal"), 0o664),
            (search.join("meta.json"), 0o644),
            (data.join("notes.txt"), 0o644),
        ] {
            fs::write(&path, "x").unwrap();
            fs::set_permissions(&path, fs::Permissions::from_mode(m)).unwrap();
        }
        fs::set_permissions(data, fs::Permissions::from_mode(0o755)).unwrap();
        fs::set_permissions(&search, fs::Permissions::from_mode(0o755)).unwrap();
        fix_data_dir(data).unwrap();
        assert_eq!(mode(data), crate::private::DIR_MODE);
        assert_eq!(mode(&search), crate::private::DIR_MODE);
        assert_eq!(
            mode(&data.join(crate::store::DB_FILE)),
            crate::private::FILE_MODE
        );
        assert_eq!(
            mode(&data.join("fraudlink.db-wal")),
            crate::private::FILE_MODE
        );
        assert_eq!(mode(&search.join("meta.json")), crate::private::FILE_MODE);
        assert_eq!(mode(&data.join("notes.txt")), 0o644, "not ours");
    }

    #[test]
    fn shared_holds_go_together_and_keep_out_an_exclusive_one() {
        // See: issue 19
        let dir = tempfile::tempdir().unwrap();
        let a = share(dir.path()).unwrap();
        let b = share(dir.path()).unwrap();
        assert!(
            exclusive(dir.path()).unwrap().is_none(),
            "two readers hold it"
        );
        drop(a);
        assert!(exclusive(dir.path()).unwrap().is_none(), "one still does");
        drop(b);
        let only = exclusive(dir.path()).unwrap();
        assert!(only.is_some(), "nobody holds it");
        let refused = share(dir.path()).unwrap_err();
        assert!(format!("{refused:#}").contains("restore"), "{refused:#}");
        drop(only);
        assert!(share(dir.path()).is_ok());
    }
}
