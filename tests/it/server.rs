//! A real server on port 0: driven over HTTP by reqwest and by the CLI's
//! remote mode, with an alert webhook received by a local test server.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::post;
use fraudlink::api::ApiConfig;
use fraudlink::auth::Role;
use fraudlink::config::{AlertRule, Settings};
use fraudlink::engine::Engine;
use serde_json::{Value, json};

use crate::support::TestApp;

fn report(id: &str, unit: &str, phone: &str) -> String {
    json!({"id": id, "filed_at": "2026-10-01T10:00:00Z", "unit": unit, "team": format!("{unit}-Centrum"),
           "narrative": format!("Hij appte vanaf {phone} en vroeg om geld.")})
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushes_are_acknowledged_clustered_and_alerted_over_real_http() {
    // The webhook receiver keeps each body with its signature headers.
    let received: Arc<Mutex<Vec<Delivery>>> = Arc::default();
    let sink = received.clone();
    let hook = Router::new().route(
        "/hook",
        post(move |headers: axum::http::HeaderMap, body: String| {
            let sink = sink.clone();
            async move {
                let h = |n: &str| headers[n].to_str().unwrap().to_owned();
                let (ts, sig) = (h("x-fraudlink-timestamp"), h("x-fraudlink-signature"));
                let json = serde_json::from_str(&body).unwrap();
                sink.lock().unwrap().push((json, ts, sig, body));
                "ok"
            }
        }),
    );
    let hook_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook_addr = hook_listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(hook_listener, hook).await.unwrap() });

    let app = TestApp::new();
    let mut settings = Settings::defaults();
    settings.data_dir = app.data().to_path_buf();
    settings.alerts = vec![AlertRule {
        url: format!("http://{hook_addr}/hook"),
        secret: SECRET.into(),
        allow_loopback_http: true,
        cluster_reports: Some(3),
        cluster_units: None,
        joins_assigned: false,
        growth_14d: None,
    }];
    let engine = tokio::task::spawn_blocking(move || Engine::open(settings))
        .await
        .unwrap()
        .unwrap();
    // The reports are three teams': the national desk pushes them (an
    // intake token writes only its own team's, issue 19).
    let (_, token) = engine
        .create_token(Role::Coordinator, None, "test", None)
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let log = engine.clone();
    let server = tokio::spawn(fraudlink::server::run(
        listener,
        engine,
        ApiConfig::default(),
        async {
            let _ = stopped.await;
        },
    ));

    let http = crate::support::http_client();
    let base = format!("http://{addr}/api/v1");
    let push = |body: String| {
        http.post(format!("{base}/reports"))
            .bearer_auth(&token)
            .header("content-type", "application/x-ndjson")
            .body(body)
            .send()
    };
    let res = push(format!(
        "{}\n{}\n",
        report("H-1", "Limburg", "06-12121212"),
        report("H-2", "Amsterdam", "+31 6 1212 1212")
    ))
    .await
    .unwrap();
    assert_eq!(res.status(), 200);
    let res = push(report("H-3", "Rotterdam", "0031612121212"))
        .await
        .unwrap();
    let ack: Value = res.json().await.unwrap();
    assert_eq!(ack["accepted"], 1);

    // The background re-cluster makes the check find the three reports.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let answer: Value = http
            .post(format!("{base}/check"))
            .bearer_auth(&token)
            .json(&json!({"narrative": "Het nummer was 06 12 12 12 12."}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if answer["matches"][0]["size"] == 3 {
            break;
        }
        assert!(Instant::now() < deadline, "no cluster of three: {answer}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The webhook hears that the cluster reached three reports, signed.
    loop {
        let got = received.lock().unwrap().clone();
        if let Some((a, ts, sig, body)) = got.iter().find(|a| a.0["event"] == "cluster_reports>=3")
        {
            assert_eq!(a["size"], 3);
            assert_eq!(a["units"].as_array().unwrap().len(), 3);
            let ts: i64 = ts.parse().unwrap();
            assert!((time::OffsetDateTime::now_utc().unix_timestamp() - ts).abs() < 60);
            assert_eq!(*sig, fraudlink::server::sign_alert(SECRET, ts, body));
            break;
        }
        assert!(Instant::now() < deadline, "no alert received: {got:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // See: issue 19 (finding 4). The delivery is a read by the webhook,
    // logged with its URL, the cluster and reports it was told of, and
    // the alert rule as its purpose.
    let delivery = loop {
        let rows = log
            .audit(&fraudlink::store::AuditFilter {
                action: Some("webhook_delivery".into()),
                limit: 10,
                ..Default::default()
            })
            .unwrap();
        if let Some(row) = rows.into_iter().find(|r| r.outcome == "ok") {
            break row;
        }
        assert!(Instant::now() < deadline, "no delivery in the access log");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(delivery.role, "webhook");
    assert_eq!(
        delivery.actor.as_deref(),
        Some(format!("http://{hook_addr}/hook").as_str())
    );
    assert_eq!(
        delivery.reason.as_deref(),
        Some("alert cluster_reports>=3 (settings [[alerts]])")
    );
    let told = delivery.targets["reports"].to_string();
    assert!(
        ["H-1", "H-2", "H-3"].iter().all(|r| told.contains(r)),
        "{:?}",
        delivery.targets
    );
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

/// A webhook delivery as received: the JSON, the timestamp and signature
/// headers, and the body as sent.
type Delivery = (Value, String, String, String);

/// The shared secret of the test webhooks.
const SECRET: &str = "test-secret-0123456789abcdef0123456789";

// See: issue 19
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_19_a_webhook_that_redirects_fails_and_its_payload_goes_nowhere_else() {
    // Where the redirect points: it must never be posted to.
    let elsewhere: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = elsewhere.clone();
    let other = Router::new().fallback(move |body: String| {
        let sink = sink.clone();
        async move {
            sink.lock().unwrap().push(body);
            "ok"
        }
    });
    let other_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let other_addr = other_listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(other_listener, other).await.unwrap() });
    let hook = Router::new().route(
        "/hook",
        post(move || async move {
            (
                axum::http::StatusCode::TEMPORARY_REDIRECT,
                [("location", format!("http://{other_addr}/stolen"))],
            )
        }),
    );
    let hook_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook_addr = hook_listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(hook_listener, hook).await.unwrap() });

    let app = TestApp::new();
    let mut settings = Settings::defaults();
    settings.data_dir = app.data().to_path_buf();
    settings.alerts = vec![AlertRule {
        url: format!("http://{hook_addr}/hook"),
        secret: SECRET.into(),
        allow_loopback_http: true,
        cluster_reports: Some(2),
        cluster_units: None,
        joins_assigned: false,
        growth_14d: None,
    }];
    let engine = tokio::task::spawn_blocking(move || Engine::open(settings))
        .await
        .unwrap()
        .unwrap();
    // Two teams' reports: the national desk pushes them (an intake token
    // writes only its own team's).
    let (_, token) = engine
        .create_token(Role::Coordinator, None, "test", None)
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(fraudlink::server::run(
        listener,
        engine.clone(),
        ApiConfig::default(),
        async {
            let _ = stopped.await;
        },
    ));
    let res = reqwest::Client::new()
        .post(format!("http://{addr}/api/v1/reports"))
        .bearer_auth(&token)
        .header("content-type", "application/x-ndjson")
        .body(format!(
            "{}\n{}\n",
            report("W-1", "Limburg", "06-41414141"),
            report("W-2", "Amsterdam", "06 41 41 41 41")
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // The delivery is tried, fails as a redirect, and waits for a retry.
    let deadline = Instant::now() + Duration::from_secs(20);
    let alert = loop {
        let e = engine.clone();
        let alerts = tokio::task::spawn_blocking(move || e.alerts(10))
            .await
            .unwrap()
            .unwrap();
        if let Some(a) = alerts
            .into_iter()
            .find(|a| a["attempts"].as_i64() >= Some(1))
        {
            break a;
        }
        assert!(Instant::now() < deadline, "no delivery attempt");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(alert["delivered_at"].is_null(), "{alert}");
    let error = alert["last_error"].as_str().unwrap();
    assert!(
        error.contains("307") && error.contains("redirect"),
        "{error}"
    );
    assert!(
        elsewhere.lock().unwrap().is_empty(),
        "the payload was posted where the redirect pointed"
    );
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

#[test]
fn the_cli_checks_ingests_and_searches_against_a_remote_service() {
    let app = TestApp::with_fixtures();
    let out = app
        .cmd()
        .args(["token", "create", "--role", "analyst", "--label", "remote"])
        .assert()
        .success();
    let token = String::from_utf8(out.get_output().stdout.clone())
        .unwrap()
        .trim()
        .to_owned();
    let mut server = Command::new(assert_cmd::cargo::cargo_bin("fraudlink"))
        .arg("--data")
        .arg(app.data())
        .args(["serve", "--addr", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stderr.take().unwrap()).lines();
    let url = loop {
        let line = lines
            .next()
            .expect("the server says where it listens")
            .unwrap();
        if let Some(rest) = line.split("the API at ").nth(1) {
            break rest
                .split_whitespace()
                .next()
                .unwrap()
                .trim_end_matches("/api/v1")
                .to_owned();
        }
    };
    let remote = |args: &[&str]| {
        let mut c = assert_cmd::Command::cargo_bin("fraudlink").unwrap();
        c.args(["--server", &url, "--token", &token])
            .env_remove("FRAUDLINK_REASON")
            .args(args);
        c
    };
    // A read of report data needs a purpose, remotely as locally.
    let out = remote(&["search", "nl42ingb0006123456"]).assert().failure();
    assert!(
        String::from_utf8_lossy(&out.get_output().stderr).contains("--reason"),
        "{out:?}"
    );
    let remote = |args: &[&str]| {
        let mut c = remote(&["--reason", "zaak Zoë 12"]);
        c.args(args);
        c
    };
    let out = remote(&["check", "-"])
        .write_stdin(r#"{"narrative": "Het geld ging naar NL42 INGB 0006 1234 56."}"#)
        .assert()
        .success();
    let answer: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(answer["matches"][0]["size"], 5);
    let out = remote(&["search", "nl42ingb0006123456"]).assert().success();
    assert_eq!(
        String::from_utf8_lossy(&out.get_output().stdout)
            .lines()
            .count(),
        4
    );
    remote(&["ingest", "-"])
        .write_stdin(format!(
            "{}\nnot json\n",
            report("R-1", "Limburg", "06-31313131")
        ))
        .assert()
        .code(3)
        .stderr(predicates::str::contains("1 accepted"));
    let bad = assert_cmd::Command::cargo_bin("fraudlink")
        .unwrap()
        .args(["--server", &url, "--token", "fl_wrong", "--reason", "r"])
        .args(["search", "x"])
        .assert()
        .failure();
    assert!(String::from_utf8_lossy(&bad.get_output().stderr).contains("401"));
    server.kill().unwrap();
    server.wait().unwrap();
}

/// What `serve` sets up for its memory and its request threads (docs/performance.md,
/// Mixed load): freed memory is given back at once, transparent huge pages
/// are off (khugepaged otherwise filled the freed holes back in, and the
/// memory crept up with no requests), and the threads answering requests
/// ask the scheduler for a 0.1 ms slice.
#[cfg(target_os = "linux")]
#[test]
fn a_server_purges_at_once_without_huge_pages_and_its_request_threads_ask_for_short_slices() {
    use crate::support::{Server, process};
    let app = TestApp::with_fixtures();
    let mut cmd = process(app.data());
    cmd.env_remove("MIMALLOC_PURGE_DELAY")
        .env_remove("FRAUDLINK_SERVER_REQUEST_SLICE_US");
    let mut server = Server::start(cmd);
    server
        .addr(Duration::from_secs(60))
        .unwrap_or_else(|| panic!("serve did not start: {:?}", server.log()));
    let proc = format!("/proc/{}", server.child.id());
    let environ = std::fs::read(format!("{proc}/environ")).unwrap();
    assert!(
        environ
            .split(|&b| b == 0)
            .any(|v| v == b"MIMALLOC_PURGE_DELAY=0"),
        "serve did not restart itself with MIMALLOC_PURGE_DELAY=0"
    );
    let status = std::fs::read_to_string(format!("{proc}/status")).unwrap();
    // The line is there since Linux 5.0.
    let thp = status
        .lines()
        .find_map(|l| l.strip_prefix("THP_enabled:"))
        .map(str::trim);
    assert_eq!(thp, Some("0"), "transparent huge pages are on");
    // The slice of each thread (/proc/PID/task/TID/sched), where the
    // kernel has slices to ask for (Linux 6.12 and later) and reports them.
    if thread_slice::current().unwrap().is_none() {
        eprintln!("this kernel has no time slices to ask for: not checked");
        return;
    }
    let slices = || {
        let mut slices: Vec<(String, Option<u64>)> = Vec::new();
        for task in std::fs::read_dir(format!("{proc}/task")).unwrap() {
            let dir = task.unwrap().path();
            let comm = std::fs::read_to_string(dir.join("comm")).unwrap_or_default();
            let sched = std::fs::read_to_string(dir.join("sched")).unwrap_or_default();
            let slice = sched
                .lines()
                .find(|l| l.starts_with("se.slice"))
                .and_then(|l| l.rsplit(':').next())
                .and_then(|v| v.trim().parse().ok());
            slices.push((comm.trim().to_owned(), slice));
        }
        slices
    };
    if slices().iter().all(|(_, s)| s.is_none()) {
        eprintln!("this kernel does not show slices in /proc: not checked");
        return;
    }
    // The request threads (the runtime's, and the main thread that
    // accepts connections) have the short slice. The threads started from
    // them that lower their priority have given it back: the heavy-read
    // and push threads, and the re-clustering ones, which a task starts a
    // moment after serving begins. A thread just started may not have
    // done either yet: look again until all is settled.
    let settled = |s: &[(String, Option<u64>)]| {
        let short = |c: &str| c.starts_with("tokio") || c == "fraudlink";
        let lowered = ["heavy-read", "push", "background"];
        s.iter()
            .filter(|(c, _)| short(c))
            .all(|(_, s)| *s == Some(100_000))
            && lowered.iter().all(|name| {
                let mut of = s.iter().filter(|(c, _)| c.starts_with(name)).peekable();
                of.peek().is_some() && of.all(|(_, s)| *s > Some(100_000))
            })
    };
    let mut seen = slices();
    for _ in 0..100 {
        if settled(&seen) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
        seen = slices();
    }
    assert!(
        seen.iter().any(|(c, _)| c.starts_with("tokio")),
        "no request threads in {seen:?}"
    );
    assert!(
        settled(&seen),
        "request threads without the 0.1 ms slice, or background threads with it: {seen:?}"
    );
    server.child.kill().unwrap();
    server.child.wait().unwrap();
}
