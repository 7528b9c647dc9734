//! `fraudlink backup` while the store is written to, and `fraudlink
//! restore`: the copy is one consistent state (a prefix of the
//! acknowledged batches) and restores to the same clusters.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{Server, TestApp, ndjson, process};

/// `fraudlink gen` into `dir`: the report lines and their ids.
fn generate(app: &TestApp, reports: usize, seed: u64) -> (Vec<String>, Vec<String>) {
    let dir = app.data().join("gen");
    app.cmd()
        .args(["gen", "--reports", &reports.to_string()])
        .args(["--seed", &seed.to_string()])
        .arg("--out")
        .arg(&dir)
        .assert()
        .success();
    let text = std::fs::read_to_string(dir.join("reports.ndjson")).unwrap();
    let lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let ids = lines
        .iter()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    (lines, ids)
}

/// The report ids in the store of a backup, after `PRAGMA integrity_check`.
fn backup_reports(dir: &Path) -> BTreeSet<String> {
    let conn = rusqlite::Connection::open_with_flags(
        dir.join("fraudlink.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .expect("the backup opens");
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "delete", "a backup is one self-contained file");
    let mut stmt = conn.prepare("SELECT id FROM reports").unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

/// How many whole batches (of `batch` ids, in order) `stored` is; panics
/// unless it is exactly such a prefix.
fn prefix_batches(stored: &BTreeSet<String>, ids: &[String], batch: usize) -> usize {
    let n = stored.len();
    assert_eq!(n % batch, 0, "no half batch: {n} reports");
    let prefix: BTreeSet<String> = ids[..n].iter().cloned().collect();
    assert_eq!(stored, &prefix, "the backup is the first {n} reports");
    n / batch
}

/// Cluster id to its reports, from `export clusters` NDJSON.
fn clusters(export: &[u8]) -> BTreeMap<String, BTreeSet<String>> {
    ndjson(export)
        .iter()
        .map(|c| {
            let members = c["report_ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap().to_owned())
                .collect();
            (c["cluster_id"].as_str().unwrap().to_owned(), members)
        })
        .collect()
}

fn memberships(c: &BTreeMap<String, BTreeSet<String>>) -> BTreeSet<BTreeSet<String>> {
    c.values().cloned().collect()
}

fn export(app: &TestApp) -> BTreeMap<String, BTreeSet<String>> {
    let out = app.cmd().args(["export", "clusters"]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    clusters(&out.stdout)
}

/// A fresh store with `lines` in one ingest: what a clean run gives.
fn clean_run(lines: &[String]) -> BTreeMap<String, BTreeSet<String>> {
    let app = TestApp::new();
    let input = app.data().join("in.ndjson");
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    app.cmd().arg("ingest").arg(&input).assert().success();
    export(&app)
}

fn token(app: &TestApp, role: &str) -> String {
    let out = app
        .cmd()
        .args(["token", "create", "--role", role, "--team", "Heerlen"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// As on a new machine: the backup key of `src` copied into `r`'s data
/// directory (README, Backups).
fn copy_key(src: &TestApp, r: &TestApp) {
    std::fs::copy(src.data().join("backup.key"), r.data().join("backup.key"))
        .expect("the source made a backup key");
}

#[test]
fn a_backup_during_pushes_is_a_prefix_of_acknowledged_batches_and_restores_the_clusters() {
    const BATCH: usize = 20;
    let src = TestApp::new();
    let (lines, ids) = generate(&src, 1_000, 4);
    // The generated reports are many teams', which an intake token may
    // not push (issue 19): the national desk pushes them.
    let pusher = token(&src, "coordinator");
    let analyst = token(&src, "analyst");
    let mut server = Server::start(process(src.data()));
    let addr = server
        .addr(Duration::from_secs(120))
        .unwrap_or_else(|| panic!("serve did not start: {:?}", server.log()));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let http = crate::support::http_client();

    // One client pushes batch after batch; each 2xx is an acknowledgement.
    let (tx, acks) = std::sync::mpsc::channel::<usize>();
    let bodies: Vec<String> = lines.chunks(BATCH).map(|b| b.join("\n")).collect();
    let pusher = {
        let (http, url, token) = (
            http.clone(),
            format!("http://{addr}/api/v1/reports"),
            pusher.clone(),
        );
        rt.spawn(async move {
            for (i, body) in bodies.into_iter().enumerate() {
                let answer = http
                    .post(&url)
                    .bearer_auth(&token)
                    .header("content-type", "application/x-ndjson")
                    .body(body)
                    .send()
                    .await
                    .expect("the push is answered");
                assert!(answer.status().is_success(), "{answer:?}");
                tx.send(i + 1).unwrap();
            }
        })
    };
    let mut acked = 0;
    while acked < 5 {
        acked = acks.recv().unwrap();
    }
    let during = src.data().join("backup-during");
    let backup = src
        .cmd()
        .arg("backup")
        .arg(&during)
        .output()
        .expect("backup runs");
    assert!(backup.status.success(), "{backup:?}");
    let acked_after = acks.try_iter().last().unwrap_or(acked);
    rt.block_on(pusher).unwrap();

    // The copy: intact, a prefix of whole batches, at least those
    // acknowledged when it began; its manifest says so.
    let copied = backup_reports(&during);
    let k = prefix_batches(&copied, &ids, BATCH);
    assert!(
        (acked..=acked_after + 1).contains(&k),
        "the backup holds {k} batches; {acked} were acknowledged when it began, {acked_after} when it ended"
    );
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(during.join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["reports"], copied.len());
    assert_eq!(manifest["generation"], copied.len(), "one write per report");
    assert_eq!(manifest["sha256"].as_str().unwrap().len(), 64);

    // Once the pushes are clustered, a second backup: the clusters the
    // service has at that moment.
    let deadline = Instant::now() + Duration::from_secs(120);
    let served = loop {
        let export = rt.block_on(async {
            http.get(format!("http://{addr}/api/v1/clusters?format=ndjson"))
                .bearer_auth(&analyst)
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap()
        });
        let c = clusters(&export);
        if c.values().map(BTreeSet::len).sum::<usize>() == lines.len() {
            break c;
        }
        assert!(Instant::now() < deadline, "the pushes were not clustered");
        std::thread::sleep(Duration::from_millis(100));
    };
    let quiet = src.data().join("backup-quiet");
    src.cmd().arg("backup").arg(&quiet).assert().success();
    // Not over an existing backup without --force.
    let again = src.cmd().arg("backup").arg(&quiet).output().unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));

    // Restore refuses while the service holds the store.
    let busy = src
        .cmd()
        .args(["restore", "--force"])
        .arg(&during)
        .output()
        .unwrap();
    assert!(!busy.status.success());
    assert!(
        String::from_utf8_lossy(&busy.stderr).contains("in use"),
        "{busy:?}"
    );
    server.stop().unwrap();
    assert_eq!(export(&src), served, "the store holds what was served");

    // The quiet backup restores to exactly the clusters, ids included.
    let r = TestApp::new();
    copy_key(&src, &r);
    r.cmd().arg("restore").arg(&quiet).assert().success();
    assert_eq!(export(&r), served);

    // The backup taken during the pushes restores to the clusters of a
    // clean run over the same reports, and the index is rebuilt.
    let r = TestApp::new();
    copy_key(&src, &r);
    r.cmd().arg("restore").arg(&during).assert().success();
    let restored = export(&r);
    assert_eq!(
        memberships(&restored),
        memberships(&clean_run(&lines[..copied.len()]))
    );
    let search = r
        .cmd()
        .args(["search", "", "--limit", "0"])
        .output()
        .unwrap();
    assert!(search.status.success());
    assert!(
        String::from_utf8_lossy(&search.stderr).starts_with(&format!("{} hit(s)", copied.len())),
        "{search:?}"
    );

    // Over a non-empty store only with --force; then the store, its
    // clusters and its index are the backup's.
    let refused = src.cmd().arg("restore").arg(&during).output().unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--force"));
    src.cmd()
        .args(["restore", "--force"])
        .arg(&during)
        .assert()
        .success();
    assert_eq!(export(&src), restored);
    let search = src
        .cmd()
        .args(["search", "", "--limit", "0"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&search.stderr).starts_with(&format!("{} hit(s)", copied.len())),
        "the index no longer holds the reports pushed after the backup: {search:?}"
    );
}

#[test]
fn a_backup_during_an_ingest_is_a_prefix_of_its_committed_batches() {
    const BATCH: usize = 25;
    let src = TestApp::new();
    let (lines, ids) = generate(&src, 1_000, 9);
    let input = src.data().join("in.ndjson");
    let mut f = std::fs::File::create(&input).unwrap();
    for l in &lines {
        writeln!(f, "{l}").unwrap();
    }
    drop(f);
    let mut ingest = process(src.data())
        .arg("ingest")
        .arg(&input)
        .env("FRAUDLINK_INGEST_BATCH_SIZE", BATCH.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(ingest.stderr.take().unwrap()).lines();
    let mut committed = 0;
    while committed < 4 {
        let line = stderr.next().expect("ingest goes on").unwrap();
        if line.starts_with("batch ") && line.contains(" committed") {
            committed += 1;
        }
    }
    let dir = src.data().join("backup");
    let out = src.cmd().arg("backup").arg(&dir).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let rest: Vec<String> = stderr.map(Result::unwrap).collect();
    assert!(ingest.wait().unwrap().success());
    let total = committed
        + rest
            .iter()
            .filter(|l| l.starts_with("batch ") && l.contains(" committed"))
            .count();
    assert_eq!(total, lines.len() / BATCH);

    let k = prefix_batches(&backup_reports(&dir), &ids, BATCH);
    assert!(
        k >= committed,
        "{k} batches backed up, {committed} committed before"
    );
    assert!(k < total, "the backup was taken while the ingest ran");
    let r = TestApp::new();
    copy_key(&src, &r);
    r.cmd().arg("restore").arg(&dir).assert().success();
    assert_eq!(
        memberships(&export(&r)),
        memberships(&clean_run(&lines[..k * BATCH]))
    );
}

#[test]
fn restore_checks_the_backup_first() {
    let src = TestApp::with_fixtures();
    let dir = src.data().join("backup");
    src.cmd().arg("backup").arg(&dir).assert().success();
    // A damaged copy no longer matches its manifest.
    let db = dir.join("fraudlink.db");
    let mut bytes = std::fs::read(&db).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0xff;
    std::fs::write(&db, bytes).unwrap();
    let r = TestApp::new();
    copy_key(&src, &r);
    let out = r.cmd().arg("restore").arg(&dir).output().unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("does not match its manifest"),
        "{out:?}"
    );
    assert!(!r.data().join("fraudlink.db").exists(), "nothing restored");
    // Backing up into the data directory itself is refused.
    let out = src.cmd().arg("backup").arg(src.data()).output().unwrap();
    assert!(!out.status.success());
}

/// The manifest of the backup in `dir`, as JSON.
fn manifest(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap()
}

/// Writes `m` as the manifest of the backup in `dir`, with the size and
/// SHA-256 of its copy recomputed (what an attacker can do without the key).
fn rewrite_manifest(dir: &Path, mut m: Value) {
    use sha2::Digest;
    let bytes = std::fs::read(dir.join("fraudlink.db")).unwrap();
    m["bytes"] = bytes.len().into();
    m["sha256"] = sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
        .into();
    std::fs::write(dir.join("manifest.json"), m.to_string()).unwrap();
}

fn tokens(app: &TestApp) -> Vec<Value> {
    let out = app.cmd().args(["token", "list"]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    ndjson(&out.stdout)
}

// See: issue 19 (finding 8)
#[test]
fn issue_19_a_backup_with_a_planted_token_is_refused_even_with_force() {
    let app = TestApp::with_fixtures();
    let dir = app.data().join("backup");
    app.cmd().arg("backup").arg(&dir).assert().success();
    assert_eq!(
        std::fs::read_to_string(app.data().join("backup.key"))
            .unwrap()
            .trim()
            .len(),
        64,
        "the first backup made the key, in the data directory"
    );
    assert!(!dir.join("backup.key").exists(), "no backup holds the key");
    let signed = manifest(&dir);

    // An admin token added to the copy, its manifest's checksum recomputed.
    let planted = "fl_000000000000000000000000000000000000000000000001";
    {
        use sha2::Digest;
        let hash: String = sha2::Sha256::digest(planted.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let conn = rusqlite::Connection::open(dir.join("fraudlink.db")).unwrap();
        conn.execute(
            "INSERT INTO tokens (hash, role, team, label, created_at) VALUES (?1, 'admin', NULL, 'planted', 0)",
            [hash],
        )
        .unwrap();
    }
    rewrite_manifest(&dir, signed.clone());
    let before = tokens(&app);
    let out = app
        .cmd()
        .args(["restore", "--force"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(!out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("bad signature"),
        "{out:?}"
    );
    assert_eq!(tokens(&app), before, "nothing restored");

    // Signed again with a key of the attacker's own: another key id.
    let mut forged = signed.clone();
    forged["key_id"] = "0123456789abcdef".into();
    rewrite_manifest(&dir, forged);
    let out = app
        .cmd()
        .args(["restore", "--force"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("signed with another backup key"),
        "{out:?}"
    );

    // Without a signature (as backups were made before): refused.
    let mut unsigned = signed;
    unsigned["format"] = 1.into();
    unsigned.as_object_mut().unwrap().remove("signature");
    unsigned.as_object_mut().unwrap().remove("key_id");
    rewrite_manifest(&dir, unsigned);
    let out = app
        .cmd()
        .args(["restore", "--force"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is not signed"),
        "{out:?}"
    );
    assert_eq!(tokens(&app), before, "nothing restored");
    assert!(
        tokens(&app).iter().all(|t| t["label"] != "planted"),
        "the planted token never reached the store"
    );
}

// See: issue 19 (finding 8)
#[test]
fn issue_19_restoring_on_a_new_machine_needs_the_key_of_the_old_one() {
    let src = TestApp::with_fixtures();
    let dir = src.data().join("backup");
    src.cmd().arg("backup").arg(&dir).assert().success();
    let r = TestApp::new();
    let out = r.cmd().arg("restore").arg(&dir).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no backup key") && err.contains("backup.key"),
        "{err}"
    );
    assert!(
        !r.data().join("backup.key").exists(),
        "restore never makes a key"
    );
    // A key of its own (made by a backup there) is the wrong one.
    let r = TestApp::with_fixtures();
    r.cmd()
        .arg("backup")
        .arg(r.data().join("own"))
        .assert()
        .success();
    let out = r
        .cmd()
        .args(["restore", "--force"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("another backup key"));
    // The old machine's key, named in the settings, restores it.
    r.cmd()
        .env("FRAUDLINK_BACKUP_KEY", src.data().join("backup.key"))
        .args(["restore", "--force"])
        .arg(&dir)
        .assert()
        .success();
    let out = r.cmd().args(["clusters", "--json"]).output().unwrap();
    assert!(out.status.success());
    assert!(!ndjson(&out.stdout).is_empty());
}

/// `restore --force` of the backup in `dir`, then the access log's
/// `read_report` rows, newest first.
fn restore_and_read_the_report_reads(app: &TestApp, dir: &Path) -> Vec<Value> {
    app.cmd()
        .args(["restore", "--force"])
        .arg(dir)
        .assert()
        .success();
    let out = app
        .cmd()
        .args(["audit", "--action", "read_report", "--limit", "100"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    ndjson(&out.stdout)
}

#[test]
fn restore_keeps_the_reads_a_stopped_service_left_in_the_access_logs_queue() {
    // A backup of another store whose access log has moved more queue
    // rows than this one's.
    let other = TestApp::with_fixtures();
    {
        let mut settings = fraudlink::config::Settings::defaults();
        settings.data_dir = other.data().to_path_buf();
        let engine = fraudlink::engine::Engine::open(settings).unwrap();
        for n in 0..50 {
            engine
                .log_access(None, "search", &serde_json::json!({ "q": n }), None, "ok")
                .unwrap();
        }
    }
    let dir = other.data().join("backup");
    other.cmd().arg("backup").arg(&dir).assert().success();
    let app = TestApp::with_fixtures();
    copy_key(&other, &app);
    // Reads of this service written to its queue and not yet moved (it
    // was killed): the queue is closed without moving them.
    {
        let mut store = fraudlink::store::Store::open(app.data()).unwrap();
        let queue = fraudlink::store::AccessQueue::open(app.data(), &mut store).unwrap();
        for target in ["left-1", "left-2"] {
            let row = fraudlink::store::AccessRow::by(
                None,
                "intake",
                "read_report",
                &serde_json::json!({ "report": target }),
                Some("zaak 2026-23"),
                "ok",
            );
            queue.push(&row).unwrap();
        }
    }
    let left: Vec<String> = restore_and_read_the_report_reads(&app, &dir)
        .iter()
        .filter_map(|r| r["targets"]["report"].as_str().map(str::to_owned))
        .filter(|t| t.starts_with("left-"))
        .collect();
    assert_eq!(left, ["left-2", "left-1"], "newest first");
}

// See: issue 19 (finding 8)
#[test]
fn issue_19_restore_keeps_the_access_log_written_after_the_backup() {
    let app = TestApp::with_fixtures();
    token(&app, "analyst");
    let dir = app.data().join("backup");
    app.cmd().arg("backup").arg(&dir).assert().success();
    // After the backup: a token is made and one revoked, and reads are
    // logged under the new token.
    let made_later = token(&app, "analyst");
    // Two tokens: the one made before the backup has the lower id.
    let old_id = tokens(&app)
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .min()
        .unwrap();
    app.cmd()
        .args(["token", "revoke", &old_id.to_string()])
        .assert()
        .success();
    {
        let mut settings = fraudlink::config::Settings::defaults();
        settings.data_dir = app.data().to_path_buf();
        let engine = fraudlink::engine::Engine::open(settings).unwrap();
        let who = engine.authenticate(&made_later).unwrap().unwrap();
        for target in ["after-backup-1", "after-backup-2"] {
            engine
                .log_access(
                    Some(&who),
                    "read_report",
                    &serde_json::json!({ "report": target }),
                    Some("zaak 2026-19"),
                    "ok",
                )
                .unwrap();
        }
    }
    let rows = restore_and_read_the_report_reads(&app, &dir);
    let kept: Vec<&Value> = rows
        .iter()
        .filter(|r| {
            r["targets"]["report"]
                .as_str()
                .is_some_and(|t| t.starts_with("after-backup"))
        })
        .collect();
    assert_eq!(kept.len(), 2, "{rows:#?}");
    // The rows still name the token that read, which the restored store
    // keeps, revoked; the token revoked after the backup stays revoked.
    let after = tokens(&app);
    let token_of_rows = kept[0]["token_id"].as_i64().unwrap();
    let holder = after
        .iter()
        .find(|t| t["id"].as_i64() == Some(token_of_rows))
        .expect("the reading token is in the restored store");
    assert!(!holder["revoked_at"].is_null(), "{holder}");
    let old = after
        .iter()
        .find(|t| t["id"].as_i64() == Some(old_id))
        .unwrap();
    assert!(
        !old["revoked_at"].is_null(),
        "a revocation is not undone: {old}"
    );
    let out = app
        .cmd()
        .args(["audit", "--action", "restore"])
        .output()
        .unwrap();
    assert_eq!(ndjson(&out.stdout).len(), 1, "the restore is logged");
}
