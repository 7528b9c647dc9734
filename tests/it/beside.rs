//! The commands that read or administer, next to a running `serve`
//! (issue 19, finding 5): they open the store beside it, answer from the
//! clusters it saved, and what they change reaches it.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use fraudlink::config::Settings;
use serde_json::Value;

use crate::support::{Server, TestApp, ndjson, process};

/// Cluster id -> its reports, from NDJSON cluster lines.
fn clusters(export: &[u8]) -> BTreeMap<String, BTreeSet<String>> {
    ndjson(export)
        .iter()
        .map(|c| {
            (
                c["cluster_id"].as_str().unwrap().to_owned(),
                c["report_ids"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r.as_str().unwrap().to_owned())
                    .collect(),
            )
        })
        .collect()
}

/// Retries `f` for up to a minute (a service re-clusters, reloads its
/// tokens within a second or two).
fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !f() {
        assert!(Instant::now() < deadline, "{what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs a command and returns its stdout, failing with its stderr.
fn run(app: &TestApp, args: &[&str]) -> String {
    let out = app.cmd().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "fraudlink {args:?} failed beside serve ({}): {} / {}",
        out.status,
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stdout).unwrap()
}

struct Http {
    rt: tokio::runtime::Runtime,
    client: reqwest::Client,
    base: String,
}

impl Http {
    fn get(&self, path: &str, token: &str) -> (u16, Vec<u8>) {
        self.rt.block_on(async {
            let r = self
                .client
                .get(format!("{}{path}", self.base))
                .bearer_auth(token)
                .header("X-Fraudlink-Reason", "issue 19 beside test")
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.bytes().await.unwrap().to_vec())
        })
    }

    fn json(&self, path: &str, token: &str) -> Value {
        let (status, body) = self.get(path, token);
        assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&body));
        serde_json::from_slice(&body).unwrap()
    }
}

#[test]
fn the_admin_reads_and_administers_beside_a_running_serve() {
    // See: issue 19
    let app = TestApp::with_fixtures();
    let mut server = Server::start(process(app.data()));
    let addr = server
        .addr(Duration::from_secs(120))
        .unwrap_or_else(|| panic!("serve did not start: {:?}", server.log()));
    let http = Http {
        rt: tokio::runtime::Runtime::new().unwrap(),
        client: reqwest::Client::new(),
        base: format!("http://{addr}/api/v1"),
    };

    // Tokens: created beside the service, valid there within a second or
    // two, listed with their expiry (the default of 90 days).
    let coordinator = run(
        &app,
        &[
            "token",
            "create",
            "--role",
            "coordinator",
            "--label",
            "beside",
        ],
    )
    .trim()
    .to_owned();
    eventually("a token created beside serve works there", || {
        http.get("/clusters?limit=1", &coordinator).0 == 200
    });
    let tokens = ndjson(run(&app, &["token", "list"]).as_bytes());
    let listed = tokens.iter().find(|t| t["label"] == "beside").unwrap();
    assert_eq!(listed["state"], "live");
    assert_eq!(
        listed["expires_at"].as_i64().unwrap() - listed["created_at"].as_i64().unwrap(),
        90 * 86_400
    );

    // The reading commands answer from the clusters the service saved:
    // the same clusters it serves.
    let served = clusters(&http.get("/clusters?format=ndjson", &coordinator).1);
    let exported = clusters(run(&app, &["export", "clusters"]).as_bytes());
    assert_eq!(exported, served);
    let (biggest, members) = served
        .iter()
        .max_by_key(|(id, r)| (r.len(), std::cmp::Reverse(id.to_owned())))
        .unwrap();
    let table = run(&app, &["clusters", "--limit", "3"]);
    assert!(table.contains(biggest.as_str()), "{table}");
    let shown = run(&app, &["cluster", "show", biggest]);
    assert!(shown.contains(&format!("cluster {biggest}")), "{shown}");
    for r in members {
        assert!(shown.contains(r.as_str()), "{r} in {shown}");
    }
    run(&app, &["hubs"]);
    run(&app, &["suggestions"]);
    run(&app, &["alerts"]);
    run(&app, &["export", "clusters", "--format", "csv"]);
    run(&app, &["export", "clusters", "--format", "graphml"]);
    let hits = ndjson(run(&app, &["search", "nl42 ingb 0006 1234 56"]).as_bytes());
    assert!(!hits.is_empty());
    for h in &hits {
        let r = h["report_id"].as_str().unwrap();
        assert_eq!(
            h["cluster_id"].as_str(),
            served
                .iter()
                .find(|(_, m)| m.contains(r))
                .map(|(c, _)| c.as_str())
        );
    }
    let first = members.iter().next().unwrap();
    run(&app, &["similar", first]);
    let explained = run(&app, &["explain", first, members.iter().last().unwrap()]);
    assert!(explained.contains("linked by a chain"), "{explained}");

    // The access log, with its token filter in both spellings.
    run(&app, &["audit", "--limit", "5"]);
    run(&app, &["audit", "--token-id", "1"]);
    run(&app, &["audit", "--token", "1"]);

    // Triage beside the service reaches it.
    run(
        &app,
        &[
            "triage", biggest, "--status", "assigned", "--team", "heerlen",
        ],
    );
    eventually("a triage made beside serve shows there", || {
        let c = &http.json(&format!("/clusters/{biggest}"), &coordinator)["cluster"];
        // The team in its one spelling, as the service would keep it.
        c["status"] == "assigned" && c["assigned_team"] == "Heerlen"
    });

    // A purge beside the service: it re-clusters without the purged
    // reports and takes them out of its search index.
    let cut = time::Date::from_calendar_date(2026, time::Month::May, 1).unwrap();
    let days = (time::OffsetDateTime::now_utc().date() - cut).whole_days();
    let purged = run(&app, &["purge", "--days", &days.to_string()]);
    assert!(purged.contains("purged"), "{purged}");
    eventually("serve re-clusters after a purge beside it", || {
        let now = clusters(&http.get("/clusters?format=ndjson", &coordinator).1);
        !now.values().flatten().any(|r| r == "2026-AMS-000101")
    });
    eventually("serve takes purged reports out of its index", || {
        let found = http.json("/search?q=NL42INGB0006123456", &coordinator);
        found["hits"].as_array().unwrap().is_empty()
    });
    eventually("the saved clusters follow the service", || {
        let saved = clusters(run(&app, &["export", "clusters"]).as_bytes());
        saved == clusters(&http.get("/clusters?format=ndjson", &coordinator).1)
    });

    // A revoked token is refused within a second or two.
    let id = ndjson(run(&app, &["token", "list"]).as_bytes())
        .iter()
        .find(|t| t["label"] == "beside")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    run(&app, &["token", "revoke", &id.to_string()]);
    let revoked = Instant::now();
    eventually("a token revoked beside serve is refused there", || {
        http.get("/clusters?limit=1", &coordinator).0 == 401
    });
    assert!(revoked.elapsed() < Duration::from_secs(5));

    // After all that, the store is whole: a backup checks its copy
    // (`PRAGMA integrity_check`). Commands that opened the store's file
    // outside SQLite once dropped the service's locks on it, and the last
    // command to close it then deleted the WAL under the service ("page
    // never used").
    let backup = app.data().join("backup");
    run(&app, &["backup", backup.to_str().unwrap()]);
    // A restore is refused while the service holds the directory.
    let busy = app
        .cmd()
        .args(["restore", "--force"])
        .arg(&backup)
        .output()
        .unwrap();
    assert!(!busy.status.success());
    assert!(String::from_utf8_lossy(&busy.stderr).contains("in use"));
    server.stop().unwrap();
}

#[test]
fn a_token_past_its_lifetime_is_refused_and_listed_as_expired() {
    // See: issue 19
    let app = TestApp::with_fixtures();
    let short = run(
        &app,
        &[
            "token",
            "create",
            "--role",
            "analyst",
            "--label",
            "short",
            "--expires-in",
            "5s",
        ],
    )
    .trim()
    .to_owned();
    let expires_at = ndjson(run(&app, &["token", "list"]).as_bytes())[0]["expires_at"]
        .as_i64()
        .unwrap();
    let long = run(
        &app,
        &[
            "token",
            "create",
            "--role",
            "analyst",
            "--expires-in",
            "never",
        ],
    )
    .trim()
    .to_owned();
    let mut server = Server::start(process(app.data()));
    let addr = server
        .addr(Duration::from_secs(120))
        .unwrap_or_else(|| panic!("serve did not start: {:?}", server.log()));
    let http = Http {
        rt: tokio::runtime::Runtime::new().unwrap(),
        client: reqwest::Client::new(),
        base: format!("http://{addr}/api/v1"),
    };
    assert_eq!(http.get("/clusters?limit=1", &short).0, 200);
    while time::OffsetDateTime::now_utc().unix_timestamp() <= expires_at {
        std::thread::sleep(Duration::from_millis(100));
    }
    // Expired while the service held it in its book of live tokens.
    assert_eq!(http.get("/clusters?limit=1", &short).0, 401);
    assert_eq!(http.get("/clusters?limit=1", &long).0, 200);
    // The UI refuses to sign in with it.
    let signed_in = http.rt.block_on(async {
        http.client
            .post(format!("http://{addr}/login"))
            .form(&[("token", short.as_str()), ("next", "/")])
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    });
    assert_eq!(signed_in, 401);
    server.stop().unwrap();
    let tokens = ndjson(run(&app, &["token", "list"]).as_bytes());
    let states: Vec<(&str, &str)> = tokens
        .iter()
        .map(|t| (t["label"].as_str().unwrap(), t["state"].as_str().unwrap()))
        .collect();
    assert_eq!(states, [("short", "expired"), ("", "live")]);
    assert!(tokens[1]["expires_at"].is_null());
    let bad = app
        .cmd()
        .args(["token", "create", "--role", "analyst", "--expires-in", "90"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--expires-in"));
}

#[test]
fn commands_beside_an_owner_say_when_the_clusters_are_behind_and_catch_up_after() {
    // See: issue 19
    let app = TestApp::with_fixtures();
    let mut settings = Settings::defaults();
    settings.data_dir = app.data().to_path_buf();
    // An engine owns the directory (as `serve` would) but is not told to
    // re-cluster: the decision made beside it leaves the saved clusters
    // behind.
    let owner = fraudlink::engine::Engine::open(settings).unwrap();
    let before = clusters(run(&app, &["export", "clusters"]).as_bytes());
    let (a, b) = ("2026-OB-000410", "2026-OB-000488");
    let apart = |c: &BTreeMap<String, BTreeSet<String>>| {
        c.values().find(|m| m.contains(a)) != c.values().find(|m| m.contains(b))
    };
    assert!(apart(&before));
    let decided = run(&app, &["link", "confirm", a, b, "--by", "test"]);
    assert!(decided.contains("re-clusters"), "{decided}");
    let out = app.cmd().args(["export", "clusters"]).output().unwrap();
    assert!(out.status.success());
    assert_eq!(clusters(&out.stdout), before);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("changed since"),
        "{out:?}"
    );
    // Without an owner, the next command re-clusters once and saves.
    drop(owner);
    let out = app.cmd().args(["export", "clusters"]).output().unwrap();
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stderr).contains("changed since"));
    assert!(
        !apart(&clusters(&out.stdout)),
        "the confirmed link merged them"
    );
}

// See: issue 23 (the cluster's page and the API list the reports pushed
// since the clusters were built; the command line did not)
#[test]
fn cluster_show_lists_the_reports_written_since_the_clusters_were_saved() {
    let app = TestApp::with_fixtures();
    let mut settings = Settings::defaults();
    settings.data_dir = app.data().to_path_buf();
    // An engine owns the directory, as `serve` does, and stores a push
    // without re-clustering (its re-cluster loop would, seconds later).
    let owner = fraudlink::engine::Engine::open(settings).unwrap();
    let report = fraudlink::report::ReportId::parse("2026-AMS-000101").unwrap();
    let cluster = owner.state().cluster_of(&report).unwrap().to_string();
    let iban = crate::support::linking_iban(&owner, &cluster);
    let show = |json: bool| {
        let mut args = vec!["cluster", "show", cluster.as_str()];
        if json {
            args.push("--json");
        }
        run(&app, &args)
    };
    let before: Value = serde_json::from_str(&show(true)).unwrap();
    assert_eq!(before["pending"], serde_json::json!([]));
    assert_eq!(before["pending_total"], 0);
    let line = crate::support::utrecht_report(
        "2026-UTR-990402",
        "Ik betaalde voor een fiets en kreeg niets.",
        serde_json::json!([{"type": "iban", "value": iban}]),
    );
    // A report naming nothing of the cluster is not listed.
    let other = crate::support::utrecht_report(
        "2026-UTR-990403",
        "Ik betaalde voor een bank en kreeg niets.",
        serde_json::json!([{"type": "iban", "value": "NL91ABNA0417164300"}]),
    );
    let (stored, rejected) = owner
        .ingest_lines("test", &[line.to_string(), other.to_string()])
        .unwrap();
    assert!(rejected.is_empty(), "{rejected:?}");
    assert_eq!(stored.accepted, 2);
    let after: Value = serde_json::from_str(&show(true)).unwrap();
    assert_eq!(
        after["pending"],
        serde_json::json!([{"report_id": "2026-UTR-990402", "via": [{"type": "iban", "value": iban}]}])
    );
    assert_eq!(after["pending_total"], 1);
    let text = show(false);
    assert!(
        text.contains(&format!("2026-UTR-990402  via iban:{iban}")),
        "{text}"
    );
    assert!(!text.contains("2026-UTR-990403"), "{text}");
    // The read names the report it showed.
    let audit = run(&app, &["audit", "--limit", "10"]);
    let rows = ndjson(audit.as_bytes());
    assert!(
        rows.iter().any(|r| r["action"] == "read_cluster"
            && r["targets"]["pending_reports"]
                .to_string()
                .contains("2026-UTR-990402")),
        "{rows:?}"
    );
    // Once linked, it is a member and no longer listed.
    drop(owner);
    let linked: Value = serde_json::from_str(&show(true)).unwrap();
    assert_eq!(linked["pending_total"], 0, "{linked}");
    assert!(
        linked["cluster"]["report_ids"]
            .to_string()
            .contains("2026-UTR-990402"),
        "{linked}"
    );
}

#[test]
fn a_restore_waits_for_every_command_that_has_the_store_open() {
    // See: issue 19 (the commands beside serve do not hold the index's
    // lock, which was what a restore checked)
    let app = TestApp::with_fixtures();
    let backup = app.data().join("backup");
    run(&app, &["backup", backup.to_str().unwrap()]);
    let mut settings = Settings::defaults();
    settings.data_dir = app.data().to_path_buf();
    let reader = fraudlink::reader::Reader::open(settings).unwrap();
    let restore = || {
        app.cmd()
            .args(["restore", "--force", backup.to_str().unwrap()])
            .output()
            .unwrap()
    };
    let busy = restore();
    let stderr = String::from_utf8_lossy(&busy.stderr);
    assert!(
        !busy.status.success() && stderr.contains("in use"),
        "{stderr}"
    );
    drop(reader);
    assert!(app.data().join("state").join("clusters.bin").exists());
    let done = restore();
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    // The saved clusters went with the store they came from.
    assert!(!app.data().join("state").join("clusters.bin").exists());
}

#[test]
fn the_saved_clusters_read_back_as_the_engine_holds_them() {
    // See: issue 19 (the commands beside serve answer from the saved
    // clusters: they must be the engine's, to the byte)
    use fraudlink::export::Format;
    let app = TestApp::new();
    let generated = app.data().join("gen");
    app.cmd()
        .args(["gen", "--reports", "3000", "--seed", "5", "--out"])
        .arg(&generated)
        .assert()
        .success();
    let mut settings = Settings::defaults();
    settings.data_dir = app.data().to_path_buf();
    // A hub guard that finds hubs among a few thousand reports.
    settings.linking.hub_min_reports = 6;
    settings.linking.hub_min_groups = 3;
    let engine = fraudlink::engine::Engine::open(settings.clone()).unwrap();
    for file in [
        crate::support::fixture("reports.ndjson"),
        generated.join("reports.ndjson"),
    ] {
        let input = std::fs::File::open(file).unwrap();
        engine
            .ingest(
                "test",
                std::io::BufReader::new(input),
                &mut |_| Ok(()),
                &mut |_, _, _| {},
            )
            .unwrap();
    }
    let reader = fraudlink::reader::Reader::open(settings).unwrap();
    let clusters = reader.clusters().unwrap();
    assert!(clusters.behind.is_none());
    let saved = &clusters.saved;
    let state = engine.state();
    assert_eq!(saved.stamp().reports as usize, state.report_count());

    for format in [Format::Ndjson, Format::Csv, Format::Gexf, Format::Graphml] {
        let mut in_memory = Vec::new();
        fraudlink::export::clusters(&engine, format, None, &mut in_memory).unwrap();
        let mut from_disk = Vec::new();
        let source = fraudlink::reader::SavedClusters::new(&reader, saved, None).unwrap();
        fraudlink::export::write(&source, format, &mut from_disk).unwrap();
        assert!(in_memory == from_disk, "{format:?} differs");
    }

    assert_eq!(json(state.suppressed()), json(&saved.suppressed()));
    assert!(
        !saved.suppressed().is_empty(),
        "the generator's hubs are there"
    );
    let all = state.suggestions(usize::MAX);
    assert!(!all.is_empty());
    assert_eq!(json(&all), json(&saved.suggestions(usize::MAX).unwrap()));

    let graph = saved.graph().unwrap();
    let mut firsts = Vec::new();
    for c in state.clusters().iter().take(300) {
        let d = saved.cluster(&c.cluster_id).unwrap().expect("saved");
        assert_eq!(d.identifiers, state.cluster_identifiers(c));
        assert_eq!(
            json(&state.suggestions_for(&c.cluster_id)),
            json(&saved.suggestions_at(&d.suggestions).unwrap())
        );
        let (a, b) = (&c.report_ids[0], c.report_ids.last().unwrap());
        assert_eq!(
            graph.explain(a, b),
            engine.explain(a.as_str(), b.as_str()).unwrap().0
        );
        firsts.push(a.clone());
    }
    // Between clusters: blocked chains through benign or suppressed
    // identifiers, or none.
    for pair in firsts.windows(2).take(100) {
        assert_eq!(
            graph.explain(&pair[0], &pair[1]),
            engine
                .explain(pair[0].as_str(), pair[1].as_str())
                .unwrap()
                .0
        );
    }
}

/// A value's JSON, to compare types that serialise but do not compare.
fn json<T: serde::Serialize + ?Sized>(v: &T) -> String {
    serde_json::to_string(v).unwrap()
}

#[test]
fn reads_beside_serve_are_logged_with_their_purpose_and_never_rebuild() {
    // See: issue 19 (every CLI read writes its access-log row; a command
    // beside serve answers from the saved clusters, it does not re-cluster)
    let app = TestApp::with_fixtures();
    let mut server = Server::start(process(app.data()));
    server
        .addr(Duration::from_secs(120))
        .unwrap_or_else(|| panic!("serve did not start: {:?}", server.log()));
    let quiet = |args: &[&str]| {
        let out = app
            .cmd()
            .env("FRAUDLINK_LOG", "info")
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{args:?}: {stderr}");
        assert!(
            !stderr.contains("clusters rebuilt"),
            "{args:?} re-clustered beside serve: {stderr}"
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let exported = quiet(&["export", "clusters"]);
    let first = ndjson(exported.as_bytes())[0]["cluster_id"]
        .as_str()
        .unwrap()
        .to_owned();
    quiet(&["clusters"]);
    quiet(&["cluster", "show", &first]);
    quiet(&["hubs"]);
    quiet(&["search", "nl42 ingb 0006 1234 56"]);
    quiet(&["token", "list"]);
    // Without a purpose a read is refused, beside serve as anywhere.
    let refused = app
        .cmd()
        .env_remove("FRAUDLINK_REASON")
        .args(["clusters"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--reason"));

    let rows = ndjson(quiet(&["audit", "--limit", "50"]).as_bytes());
    for action in [
        "export_clusters",
        "list_clusters",
        "read_cluster",
        "hubs",
        "search",
    ] {
        let row = rows
            .iter()
            .find(|r| r["action"] == action)
            .unwrap_or_else(|| panic!("no {action} row in {rows:?}"));
        assert_eq!(row["role"], "cli", "{row}");
        assert_eq!(row["reason"], crate::support::READ_REASON, "{row}");
        assert!(!row["actor"].as_str().unwrap().is_empty(), "{row}");
    }
    let search = rows.iter().find(|r| r["action"] == "search").unwrap();
    assert!(
        search["targets"].to_string().contains("2026-"),
        "the search row names the reports shown: {search}"
    );
    server.stop().unwrap();
}

#[test]
fn missing_or_damaged_saved_clusters_are_rebuilt_from_the_store() {
    // See: issue 19 (the saved clusters are only a cache of the store)
    let app = TestApp::with_fixtures();
    let file = app.data().join("state").join("clusters.bin");
    let fresh = clusters(run(&app, &["export", "clusters"]).as_bytes());
    let damage = |how: &str| {
        let mut bytes = std::fs::read(&file).unwrap();
        match how {
            "gone" => {
                std::fs::remove_file(&file).unwrap();
                return;
            }
            "cut" => bytes.truncate(bytes.len() / 2),
            _ => bytes[8..64].fill(0xff),
        }
        std::fs::write(&file, bytes).unwrap();
    };
    // Without a service: the command rebuilds them and saves them again.
    for how in ["gone", "cut", "records"] {
        damage(how);
        let listed = run(
            &app,
            &["clusters", "--json", "--min-size", "1", "--limit", "1000"],
        );
        assert_eq!(clusters(listed.as_bytes()), fresh, "after {how}");
        assert_eq!(
            clusters(run(&app, &["export", "clusters"]).as_bytes()),
            fresh,
            "after {how}"
        );
    }
    // Beside a running service: the damaged file is removed and the
    // service saves its clusters again.
    let mut server = Server::start(process(app.data()));
    server
        .addr(Duration::from_secs(120))
        .unwrap_or_else(|| panic!("serve did not start: {:?}", server.log()));
    for how in ["records", "gone", "cut"] {
        damage(how);
        let listed = run(
            &app,
            &["clusters", "--json", "--min-size", "1", "--limit", "1000"],
        );
        assert_eq!(
            clusters(listed.as_bytes()),
            fresh,
            "beside serve, after {how}"
        );
        assert!(file.exists(), "beside serve, after {how}");
    }
    server.stop().unwrap();
}
