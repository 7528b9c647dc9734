//! The modes of what holds police data: the data directory and backup
//! folders 0700, the store, its WAL and shared memory, the search index,
//! rejected lines, backups and manifests 0600, whatever the umask.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::support::{Server, TestApp, bin, fixture};

/// The binary on `data`, run by a shell with umask 022 (the usual
/// default, under which files are created world-readable).
fn with_umask_022(data: &Path) -> std::process::Command {
    let mut c = std::process::Command::new("sh");
    c.arg("-c")
        .arg("umask 022; exec \"$0\" \"$@\"")
        .arg(bin())
        .arg("--data")
        .arg(data)
        .current_dir(data.parent().expect("a parent"))
        .env_remove("FRAUDLINK_LOG")
        .env_remove("FRAUDLINK_SERVER")
        .stdin(std::process::Stdio::null());
    c
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// Every file and folder under `dir` (itself included) with its mode.
fn modes(dir: &Path) -> Vec<(PathBuf, u32)> {
    let mut out = vec![(dir.to_path_buf(), mode(dir))];
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            out.extend(modes(&path));
        } else {
            out.push((path.clone(), mode(&path)));
        }
    }
    out
}

#[track_caller]
fn assert_private(listing: &[(PathBuf, u32)]) {
    let open: Vec<String> = listing
        .iter()
        .filter(|(p, m)| *m != if p.is_dir() { 0o700 } else { 0o600 })
        .map(|(p, m)| format!("{m:o} {}", p.display()))
        .collect();
    assert!(open.is_empty(), "not private: {open:#?}");
}

// See: issue 19 (finding 7)
#[test]
fn issue_19_the_data_directory_and_backups_are_private_under_umask_022() {
    let app = TestApp::new();
    let data = app.data().join("data");
    let input = app.data().join("input.ndjson");
    let mut lines = std::fs::read_to_string(fixture("reports.ndjson")).unwrap();
    lines.push_str("{\"id\": \"BAD-1\", \"narrative\": \"geen datum\"}\n");
    std::fs::write(&input, lines).unwrap();
    let ingest = with_umask_022(&data)
        .arg("ingest")
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(ingest.status.code(), Some(3), "one line is rejected");

    // While serve runs, the WAL and the shared-memory file exist too.
    let mut server = Server::start(with_umask_022(&data));
    server
        .addr(Duration::from_secs(60))
        .expect("the server listens");
    let listing = modes(&data);
    for name in ["fraudlink.db", "fraudlink.db-wal", "fraudlink.db-shm"] {
        assert!(
            listing.iter().any(|(p, _)| p.ends_with(name)),
            "{name} exists beside a running serve"
        );
    }
    assert!(listing.iter().any(|(p, _)| p.ends_with("rejects")));
    assert!(
        listing
            .iter()
            .filter(|(p, _)| p.starts_with(data.join("search")))
            .count()
            > 3,
        "the index has files"
    );
    assert_private(&listing);

    let backups = app.data().join("backups");
    let backup = with_umask_022(&data)
        .arg("backup")
        .arg(backups.join("b1"))
        .output()
        .unwrap();
    assert!(backup.status.success(), "{backup:?}");
    assert_private(&modes(&backups.join("b1")));
    server.stop().unwrap();
    assert_private(&modes(&data));
}

// See: issue 19 (finding 7)
#[test]
fn issue_19_files_an_older_build_left_readable_are_made_private_on_open() {
    let app = TestApp::with_fixtures();
    let data = app.data();
    // As a build before issue 19 left them under umask 022.
    for (path, _) in modes(data) {
        let loose = if path.is_dir() { 0o755 } else { 0o644 };
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(loose)).unwrap();
    }
    app.cmd().args(["clusters"]).assert().success();
    assert_private(&modes(data));
}
