//! Purged data is gone: from the store's file (free pages too), its WAL,
//! the search index, rejected lines, link decisions, notes and events;
//! `serve` purges when it starts; the access log has a retention of its
//! own; a restored older backup is purged again.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::support::{Server, TestApp, ndjson, process};

/// Words no other report has, in the narrative of the report to purge.
const WORDS: [&str; 2] = ["xylofoonvis", "q7z3kw"];

/// The purged report's victim reference.
const VICTIM: &str = "V-q7z3kw-slachtoffer";

/// A Dutch IBAN with its check digits for `bank` and a 10-digit `account`.
fn iban(bank: &str, account: &str) -> String {
    let digits: String = format!("{bank}{account}NL00")
        .chars()
        .map(|c| match c {
            'A'..='Z' => (c as u32 - 'A' as u32 + 10).to_string(),
            c => c.to_string(),
        })
        .collect();
    let rest = digits
        .bytes()
        .fold(0u32, |r, d| (r * 10 + u32::from(d - b'0')) % 97);
    format!("NL{:02}{bank}{account}", 98 - rest)
}

/// A report line filed at `filed_at` naming `iban` in its narrative.
fn report(id: &str, filed_at: &str, narrative: &str, iban: &str, victim: &str) -> String {
    json!({
        "id": id, "filed_at": filed_at, "unit": "Utrecht", "team": "Utrecht-Oost",
        "fraud_type": "bank_helpdesk", "amount_eur": 750.0,
        "narrative": format!("{narrative} Ik moest overmaken naar {iban}."),
        "victim_ref": victim,
    })
    .to_string()
}

fn days_ago(days: i64) -> String {
    (OffsetDateTime::now_utc() - time::Duration::days(days))
        .format(&Rfc3339)
        .unwrap()
}

/// Every file under `dir` (the WAL, the index and `rejects/` included)
/// that holds one of `needles`, compared without case (the index keeps
/// words in lower case): what `grep -a -r -i -l` would list.
fn holding(dir: &Path, needles: &[&str]) -> Vec<(PathBuf, String)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(holding(&path, needles));
            continue;
        }
        let bytes = std::fs::read(&path)
            .unwrap_or_default()
            .to_ascii_lowercase();
        for needle in needles {
            let needle = needle.to_ascii_lowercase();
            if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                found.push((path.clone(), needle));
            }
        }
    }
    found
}

fn cluster_of(app: &TestApp, report: &str) -> String {
    let out = app.cmd().args(["export", "clusters"]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    ndjson(&out.stdout)
        .into_iter()
        .find(|c| {
            c["report_ids"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r == report)
        })
        .unwrap_or_else(|| panic!("{report} is in a cluster"))["cluster_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// What the purged report leaves if anything: its narrative's words, its
/// victim reference and its IBAN.
struct Planted {
    needles: Vec<String>,
    narrative: String,
    purged_iban: String,
    /// The cluster that keeps a report (and its note).
    kept: String,
}

impl Planted {
    fn needles(&self) -> Vec<&str> {
        self.needles.iter().map(String::as_str).collect()
    }
}

/// Through the command line: reports filed in 2015 (to purge) and one of
/// three days ago, a refused line naming the report to purge, a note on
/// the cluster the purged report alone makes up and one on the cluster
/// that keeps a report, and a link decision naming the purged report's
/// IBAN (in the decision and in its event's cause). Checks that the
/// store, the index and `rejects/` hold the report before any purge.
fn plant(app: &TestApp) -> Planted {
    let purged_iban = iban("RABO", "0107369514");
    let shared_iban = iban("INGB", "0007482211");
    let narrative = format!("De {} van de bank ({}) belde mij.", WORDS[0], WORDS[1]);
    let input = app.data().join("in.ndjson");
    let lines = [
        report(
            "OLD-1",
            "2015-02-03T10:00:00Z",
            &narrative,
            &purged_iban,
            VICTIM,
        ),
        report(
            "OLD-2",
            "2015-02-04T10:00:00Z",
            "Een man belde.",
            &shared_iban,
            "V-2",
        ),
        report("NEW-1", &days_ago(3), "Weer die man.", &shared_iban, "V-3"),
        json!({"id": "OLD-1", "filed_at": "gisteren", "unit": "Utrecht", "team": "Utrecht-Oost",
               "narrative": narrative, "victim_ref": VICTIM})
        .to_string(),
    ];
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    let out = app.cmd().arg("ingest").arg(&input).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    std::fs::remove_file(&input).unwrap();

    let alone = cluster_of(app, "OLD-1");
    let kept = cluster_of(app, "NEW-1");
    assert_eq!(kept, cluster_of(app, "OLD-2"));
    for (cluster, note) in [
        (&alone, format!("bel {} terug", WORDS[1])),
        (&kept, "vordering ING".to_owned()),
    ] {
        app.cmd()
            .args(["triage", cluster, "--note", &note])
            .assert()
            .success();
    }
    app.cmd()
        .args(["link", "reject"])
        .arg(format!("iban:{purged_iban}"))
        .arg(format!("iban:{}", iban("ABNA", "0417164300")))
        .args(["--reason", "andere bank"])
        .assert()
        .success();

    let planted = Planted {
        needles: vec![
            WORDS[0].to_owned(),
            WORDS[1].to_owned(),
            VICTIM.to_owned(),
            purged_iban.clone(),
        ],
        narrative,
        purged_iban,
        kept,
    };
    let before = holding(app.data(), &planted.needles());
    for place in ["fraudlink.db", "search", "rejects"] {
        assert!(
            before
                .iter()
                .any(|(p, _)| p.strip_prefix(app.data()).unwrap().starts_with(place)),
            "before the purge {place} holds the report: {before:?}"
        );
    }
    planted
}

// See: issue 19 (finding 6)
#[test]
fn issue_19_after_a_purge_no_file_in_the_data_directory_holds_the_report() {
    let app = TestApp::new();
    let planted = plant(&app);
    let out = app.cmd().arg("purge").output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("purged 2 report(s)")
            && said.contains("1 link decision(s)")
            && said.contains("the notes of 1 cluster(s)")
            && said.contains("1 rejected line(s)"),
        "{said}"
    );
    // What `grep -a -r -i` over the data directory would find.
    let after = holding(app.data(), &planted.needles());
    assert!(after.is_empty(), "still on disk after the purge: {after:?}");
    // The report that is kept, and the note on its cluster, stay.
    let out = app.cmd().args(["search", "Weer"]).output().unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("NEW-1"),
        "{out:?}"
    );
    let out = app
        .cmd()
        .args(["cluster", "show", &planted.kept])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("notes: vordering ING"),
        "{out:?}"
    );
}

// See: issue 19 (finding 6)
#[test]
fn issue_19_a_purge_leaves_nothing_in_the_wal_or_the_index_of_an_open_engine() {
    let app = TestApp::new();
    let planted = plant(&app);
    let mut settings = fraudlink::config::Settings::defaults();
    settings.data_dir = app.data().to_path_buf();
    let engine = fraudlink::engine::Engine::open(settings).unwrap();
    // One more such report written while this engine has the store open,
    // so that its pages are in the WAL too.
    let fresh = report(
        "OLD-3",
        "2016-05-06T10:00:00Z",
        &planted.narrative,
        &planted.purged_iban,
        VICTIM,
    );
    engine
        .ingest(
            "wal",
            std::io::BufReader::new(fresh.as_bytes()),
            &mut |_| Ok(()),
            &mut |_, _, _| {},
        )
        .unwrap();
    engine.flush_index().unwrap();
    let wal = app.data().join("fraudlink.db-wal");
    assert!(
        holding(app.data(), &planted.needles())
            .iter()
            .any(|(p, _)| *p == wal),
        "the WAL holds the newest report"
    );

    let summary = engine
        .purge(
            fraudlink::store::Retention {
                reports_days: 1825,
                access_log_days: 0,
            },
            "test",
        )
        .unwrap();
    assert_eq!(summary.purged.reports, ["OLD-1", "OLD-2", "OLD-3"]);
    assert_eq!(summary.purged.link_decisions, 1);
    assert_eq!(summary.purged.notes, 1);
    assert_eq!(summary.rejected_lines, 1);
    assert!(summary.wal_truncated);

    // While the engine still has the store, its WAL and the index open.
    assert!(wal.exists());
    let after = holding(app.data(), &planted.needles());
    assert!(after.is_empty(), "still on disk after the purge: {after:?}");
    assert_eq!(
        engine
            .report("NEW-1")
            .unwrap()
            .map(|r| r.raw.contains("Weer")),
        Some(true)
    );
    let kept = fraudlink::cluster::ClusterId::new(planted.kept.clone());
    assert_eq!(engine.triage(&kept).notes, "vordering ING");
    drop(engine);
    assert!(holding(app.data(), &planted.needles()).is_empty());
}

// See: issue 19 (finding 6)
#[test]
fn issue_19_serve_purges_when_it_starts() {
    let app = TestApp::new();
    let input = app.data().join("in.ndjson");
    let lines = [
        report(
            "OLD-1",
            "2015-02-03T10:00:00Z",
            "Oud.",
            &iban("RABO", "0107369514"),
            "V-1",
        ),
        report(
            "NEW-1",
            &days_ago(3),
            "Nieuw.",
            &iban("INGB", "0007482211"),
            "V-2",
        ),
    ];
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    app.cmd().arg("ingest").arg(&input).assert().success();
    let mut server = Server::start(process(app.data()));
    // It answers at once and purges beside its first requests: by the time
    // it says it is ready.
    assert!(server.ready(Duration::from_secs(60)), "{:?}", server.log());
    server.stop().unwrap();
    let out = app
        .cmd()
        .args(["audit", "--action", "purge"])
        .output()
        .unwrap();
    let rows = ndjson(&out.stdout);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["targets"]["reports"], 1);
    let out = app.cmd().args(["export", "clusters"]).output().unwrap();
    let ids: Vec<Value> = ndjson(&out.stdout)
        .into_iter()
        .flat_map(|c| c["report_ids"].as_array().unwrap().clone())
        .collect();
    assert_eq!(ids, [json!("NEW-1")]);
}

/// Appends an access-log row written `days` ago, as the service would have.
fn old_access(app: &TestApp, days: i64, target: &str) {
    let conn = rusqlite::Connection::open(app.data().join("fraudlink.db")).unwrap();
    conn.execute(
        "INSERT INTO access_log (at, token_id, role, team, action, targets, reason, outcome)
         VALUES (?1, NULL, 'analyst', NULL, 'read_report', ?2, 'zaak', 'ok')",
        rusqlite::params![
            OffsetDateTime::now_utc().unix_timestamp() - days * 86_400,
            json!({ "report": target }).to_string()
        ],
    )
    .unwrap();
}

fn read_targets(app: &TestApp) -> Vec<String> {
    let out = app
        .cmd()
        .args(["audit", "--action", "read_report", "--limit", "100"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let mut t: Vec<String> = ndjson(&out.stdout)
        .iter()
        .map(|r| r["targets"]["report"].as_str().unwrap().to_owned())
        .collect();
    t.sort();
    t
}

// See: issue 19 (finding 6)
#[test]
fn issue_19_the_access_log_keeps_its_retention_period_and_no_longer() {
    let app = TestApp::with_fixtures();
    old_access(&app, 2300, "read-2300-days-ago");
    old_access(&app, 400, "read-400-days-ago");
    old_access(&app, 10, "read-10-days-ago");
    // Nothing else may delete a row: not even an old one, outside a purge.
    {
        let conn = rusqlite::Connection::open(app.data().join("fraudlink.db")).unwrap();
        let refused = conn.execute("DELETE FROM access_log", []).unwrap_err();
        assert!(refused.to_string().contains("append-only"), "{refused}");
    }
    app.cmd().arg("purge").assert().success();
    // The default keeps six years: only the row from 2300 days ago goes.
    assert_eq!(
        read_targets(&app),
        ["read-10-days-ago", "read-400-days-ago"]
    );
    // A shorter retention (a setting) takes the 400-day-old row too; a
    // retention under a year is refused, and the store's trigger would
    // refuse to delete younger rows whatever it were told.
    app.cmd()
        .env("FRAUDLINK_ACCESS_LOG_RETENTION_DAYS", "365")
        .env("FRAUDLINK_RETENTION_DAYS", "365")
        .arg("purge")
        .assert()
        .success();
    assert_eq!(read_targets(&app), ["read-10-days-ago"]);
    let out = app
        .cmd()
        .env("FRAUDLINK_ACCESS_LOG_RETENTION_DAYS", "30")
        .arg("purge")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 365 days"));
    {
        let conn = rusqlite::Connection::open(app.data().join("fraudlink.db")).unwrap();
        conn.execute(
            "UPDATE meta SET value = ?1 WHERE key = 'access_log_kept_from'",
            [(OffsetDateTime::now_utc().unix_timestamp() + 86_400).to_string()],
        )
        .unwrap();
        let refused = conn.execute("DELETE FROM access_log", []).unwrap_err();
        assert!(refused.to_string().contains("append-only"), "{refused}");
    }
    assert_eq!(read_targets(&app), ["read-10-days-ago"]);
}

// See: issue 19 (finding 6)
#[test]
fn issue_19_a_restored_older_backup_is_purged_again() {
    let app = TestApp::new();
    let input = app.data().join("in.ndjson");
    let lines = [
        report(
            "MID-1",
            &days_ago(400),
            "Half oud.",
            &iban("RABO", "0107369514"),
            "V-1",
        ),
        report(
            "NEW-1",
            &days_ago(3),
            "Nieuw.",
            &iban("INGB", "0007482211"),
            "V-2",
        ),
    ];
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    app.cmd().arg("ingest").arg(&input).assert().success();
    let dir = app.data().join("backup");
    app.cmd().arg("backup").arg(&dir).assert().success();
    app.cmd()
        .args(["purge", "--days", "300"])
        .assert()
        .success();
    let out = app
        .cmd()
        .args(["restore", "--force"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("purged again 1 report(s)") && said.contains("MID-1"),
        "{said}"
    );
    let out = app.cmd().args(["export", "clusters"]).output().unwrap();
    let ids: Vec<Value> = ndjson(&out.stdout)
        .into_iter()
        .flat_map(|c| c["report_ids"].as_array().unwrap().clone())
        .collect();
    assert_eq!(ids, [json!("NEW-1")]);
    let out = app
        .cmd()
        .args(["audit", "--action", "restore"])
        .output()
        .unwrap();
    let rows = ndjson(&out.stdout);
    assert_eq!(rows[0]["targets"]["repurged"], json!(["MID-1"]));
}
