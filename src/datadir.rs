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

use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use anyhow::{Context, Result, bail};
use fs4::fs_std::FileExt;

/// The lock file inside the data directory.
pub const LOCK_FILE: &str = "fraudlink.lock";

/// A hold on the data directory, released when dropped.
#[derive(Debug)]
pub struct Hold {
    _file: File,
}

fn lock_file(dir: &Path) -> Result<File> {
    crate::private::create_dir(dir)
        .with_context(|| format!("creating data directory {}", dir.display()))?;
    let path = dir.join(LOCK_FILE);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(crate::private::FILE_MODE)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    crate::private::fix_file(&path)?;
    Ok(file)
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
    use super::*;

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
