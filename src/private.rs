//! Files only the service's own user may read: the data directory and
//! backup folders are `0700`, the store, its WAL and shared-memory files,
//! the search index, rejected lines, backups, manifests and the backup
//! key are `0600`, whatever the umask of the process that made them.
//!
//! The store holds police data and every token hash, so a umask of 022
//! (the usual default) must not leave them readable by every account on
//! the machine. Files are created with these modes (not fixed up after),
//! and [`fix_data_dir`] corrects what an older build left behind when the
//! data directory is opened.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use anyhow::{Context, Result};

/// The mode of directories that hold police data.
pub const DIR_MODE: u32 = 0o700;

/// The mode of files that hold police data (or keys, or token hashes).
pub const FILE_MODE: u32 = 0o600;

/// Creates `dir` (and its missing parents) and makes it `0700`. Parents
/// that did not exist get the process's usual mode: only the leaf is ours.
pub fn create_dir(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    set_mode(dir, DIR_MODE)
}

/// Creates (or truncates) `path` as a `0600` file for writing.
pub fn create_file(path: &Path) -> Result<File> {
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(FILE_MODE)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    // `mode` applies only to a file this call created; one that was there
    // keeps its own until told.
    fix_file(path)?;
    Ok(file)
}

/// Creates `path` as an empty `0600` file unless it exists (SQLite treats
/// an empty file as a new database, and gives its WAL and shared-memory
/// files the database file's mode).
pub fn touch(path: &Path) -> Result<()> {
    OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(FILE_MODE)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    Ok(())
}

/// Opens `path` for a lock (`flock`), creating it as a `0600` file when
/// missing and making an existing one `0600`; its contents are left alone.
pub fn open_lock_file(path: &Path) -> Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(FILE_MODE)
        .open(path)
        .with_context(|| format!("opening {}", path.display()))?;
    fix_file(path)?;
    Ok(file)
}

/// Makes an existing file `0600`; nothing when it does not exist.
pub fn fix_file(path: &Path) -> Result<()> {
    fix(path, FILE_MODE)
}

/// Makes an existing directory `0700`; nothing when it does not exist.
pub fn fix_dir(path: &Path) -> Result<()> {
    fix(path, DIR_MODE)
}

/// Makes a directory `0700` and every file and directory below it `0600`
/// and `0700` (symbolic links are left alone, not followed). Nothing when
/// it does not exist.
pub fn fix_tree(dir: &Path) -> Result<()> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("reading {}", dir.display())),
    };
    fix_dir(dir)?;
    for entry in entries {
        let entry = entry.with_context(|| format!("reading {}", dir.display()))?;
        let kind = entry
            .file_type()
            .with_context(|| format!("reading {}", entry.path().display()))?;
        if kind.is_dir() {
            fix_tree(&entry.path())?;
        } else if kind.is_file() {
            fix_file(&entry.path())?;
        }
    }
    Ok(())
}

fn fix(path: &Path, mode: u32) -> Result<()> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Ok(()),
        Ok(meta) if meta.permissions().mode() & 0o7777 == mode => Ok(()),
        Ok(_) => set_mode(path, mode),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

fn set_mode(path: &Path, mode: u32) -> Result<()> {
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .with_context(|| format!("making {} private ({mode:o})", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn created_files_and_directories_are_private_whatever_they_were() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a/b");
        create_dir(&dir).unwrap();
        assert_eq!(mode(&dir), DIR_MODE);
        let file = dir.join("f");
        fs::write(&file, "x").unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
        create_file(&file).unwrap();
        assert_eq!(mode(&file), FILE_MODE);
        let new = dir.join("g");
        touch(&new).unwrap();
        assert_eq!(mode(&new), FILE_MODE);
    }
}
