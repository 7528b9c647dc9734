//! Shared helpers: a temporary data directory, the binary, a server child,
//! fixture paths.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use tempfile::TempDir;

/// A fresh data directory that disappears with the value.
pub struct TestApp {
    /// Keeps the directory alive.
    pub dir: TempDir,
}

impl TestApp {
    /// A new, empty data directory.
    pub fn new() -> TestApp {
        TestApp {
            dir: tempfile::tempdir().expect("a temporary directory"),
        }
    }

    /// A new data directory with `fixtures/reports.ndjson` ingested through
    /// the command line.
    pub fn with_fixtures() -> TestApp {
        let app = TestApp::new();
        app.cmd()
            .arg("ingest")
            .arg(fixture("reports.ndjson"))
            .assert()
            .success();
        app
    }

    /// The data directory.
    pub fn data(&self) -> &Path {
        self.dir.path()
    }

    /// The binary with `--data` set to this app's directory.
    pub fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("fraudlink").expect("the binary is built");
        c.arg("--data").arg(self.data());
        // Tests never read a developer's local settings.
        c.current_dir(self.data());
        // Reads of report data give a purpose (see `READ_REASON`).
        c.env("FRAUDLINK_REASON", READ_REASON);
        c
    }
}

/// An engine on `app`'s directory with `fixtures/reports.ndjson` loaded
/// and searchable.
pub fn fixture_engine(app: &TestApp) -> fraudlink::engine::Engine {
    fixture_engine_with(app, fraudlink::config::Settings::defaults())
}

/// [`fixture_engine`] with other settings (its data directory is `app`'s).
pub fn fixture_engine_with(
    app: &TestApp,
    mut settings: fraudlink::config::Settings,
) -> fraudlink::engine::Engine {
    settings.data_dir = app.data().to_path_buf();
    let engine = fraudlink::engine::Engine::open(settings).expect("the engine opens");
    let input = std::fs::File::open(fixture("reports.ndjson")).expect("the fixtures exist");
    engine
        .ingest(
            "fixtures",
            std::io::BufReader::new(input),
            &mut |_| Ok(()),
            &mut |_, _, _| {},
        )
        .expect("the fixtures load");
    // The search index commits in the background; tests search at once.
    engine.flush_index().expect("the index commits");
    engine
}

/// A file under `fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// Parses NDJSON output into values.
pub fn ndjson(bytes: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(bytes)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}")))
        .collect()
}

/// Writes `n` synthetic reports in groups of `group` sharing a number.
pub fn synthetic(path: &Path, n: usize, group: usize) {
    use std::io::Write;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    for i in 0..n {
        let g = i / group.max(1);
        writeln!(
            f,
            r#"{{"id": "S-{i:07}", "filed_at": "2026-01-01T10:00:00Z", "unit": "Unit{u}", "team": "Team{t}", "narrative": "Hij appte vanaf 06-{num:08}. Ik heb betaald.", "amount_eur": {amt}}}"#,
            u = i % 10,
            t = i % 37,
            num = 20_000_000 + g,
            amt = (i % 500) as f64 + 0.5,
        )
        .expect("write");
    }
}

/// The binary under test.
pub fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("fraudlink")
}

/// The binary on data directory `data` as a plain process (to spawn, pipe
/// and kill), run in `data` so that no local settings are read.
pub fn process(data: &Path) -> std::process::Command {
    let mut c = std::process::Command::new(bin());
    c.arg("--data")
        .arg(data)
        .current_dir(data)
        .env_remove("FRAUDLINK_LOG")
        .env_remove("FRAUDLINK_SERVER")
        .env("FRAUDLINK_REASON", READ_REASON)
        .stdin(Stdio::null());
    c
}

/// The purpose the tests give for their reads of report data (the CLI's
/// `FRAUDLINK_REASON`, the API's `X-Fraudlink-Reason`).
pub const READ_REASON: &str = "integration test";

/// An IBAN that links `cluster` in `engine`'s clusters (two or more of its
/// reports name it).
pub fn linking_iban(engine: &fraudlink::engine::Engine, cluster: &str) -> String {
    engine
        .state()
        .cluster(&fraudlink::cluster::ClusterId::new(cluster))
        .and_then(|c| {
            c.identifiers
                .iter()
                .find(|i| i.kind == fraudlink::ident::Kind::Iban && i.reports >= 2)
                .map(|i| i.value.to_string())
        })
        .expect("the cluster is linked by an IBAN")
}

/// A report of Utrecht-Centrum filed on 2026-11-30, as a push line.
pub fn utrecht_report(
    id: &str,
    narrative: &str,
    identifiers: serde_json::Value,
) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "filed_at": "2026-11-30T10:00:00+01:00",
        "unit": "Midden-Nederland",
        "team": "Utrecht-Centrum",
        "fraud_type": "marketplace",
        "narrative": narrative,
        "identifiers": identifiers,
    })
}

/// Headers that give [`READ_REASON`] as the purpose of a request.
pub fn reason_headers() -> reqwest::header::HeaderMap {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        fraudlink::api::REASON_HEADER,
        reqwest::header::HeaderValue::from_static(READ_REASON),
    );
    headers
}

/// An HTTP client that sends [`READ_REASON`] with every request.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .default_headers(reason_headers())
        .build()
        .expect("an HTTP client")
}

/// A `fraudlink serve` child on port 0.
pub struct Server {
    /// The process.
    pub child: Child,
    addr: mpsc::Receiver<String>,
    known: Option<String>,
    log: Arc<Mutex<Vec<String>>>,
}

/// A failed assertion does not leave the server running.
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts `cmd` (the binary with its data directory) as `serve --addr 127.0.0.1:0`.
    pub fn start(mut cmd: std::process::Command) -> Server {
        let mut child = cmd
            .args(["serve", "--addr", "127.0.0.1:0"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("serve starts");
        let stderr = child.stderr.take().expect("piped");
        let (tx, addr) = mpsc::channel();
        let log: Arc<Mutex<Vec<String>>> = Arc::default();
        let sink = log.clone();
        // Drains stderr for the server's whole life, so it never blocks.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(at) = line.find("serving the UI at http://") {
                    let rest = &line[at + "serving the UI at http://".len()..];
                    let _ = tx.send(rest.split('/').next().unwrap_or_default().to_owned());
                }
                let mut log = sink.lock().unwrap();
                if log.len() < 200 {
                    log.push(line);
                }
            }
        });
        Server {
            child,
            addr,
            known: None,
            log,
        }
    }

    /// The address, once the server listens (waiting at most `wait`).
    pub fn addr(&mut self, wait: Duration) -> Option<String> {
        if self.known.is_none() {
            self.known = self.addr.recv_timeout(wait).ok();
        }
        self.known.clone()
    }

    /// Waits until `healthz` says the start's work is done (the clusters
    /// built, the retention purge applied, the pages' inputs worked out),
    /// at most `wait`; whether it did.
    pub fn ready(&mut self, wait: Duration) -> bool {
        use std::io::{Read, Write};
        let until = std::time::Instant::now() + wait;
        let Some(addr) = self.addr(wait) else {
            return false;
        };
        while std::time::Instant::now() < until {
            let mut body = String::new();
            if let Ok(mut conn) = std::net::TcpStream::connect(&addr) {
                let asked = conn.write_all(
                    b"GET /api/v1/healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                );
                if asked.is_ok() {
                    let _ = conn.read_to_string(&mut body);
                }
            }
            if body.contains(r#""ready":true"#) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    /// The first lines it wrote to stderr.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// SIGTERM, then waits for a clean exit.
    pub fn stop(mut self) -> Result<(), String> {
        let term = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(term.success());
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return if status.success() {
                    Ok(())
                } else {
                    Err(format!(
                        "serve ended with {status} on SIGTERM: {:?}",
                        self.log()
                    ))
                };
            }
            if started.elapsed() > Duration::from_secs(120) {
                let _ = self.child.kill();
                let _ = self.child.wait();
                return Err("serve did not stop on SIGTERM".to_owned());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}
