//! Shared helpers: a temporary data directory, the binary, fixture paths.

use std::path::{Path, PathBuf};

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
        c
    }
}

/// An engine on `app`'s directory with `fixtures/reports.ndjson` loaded
/// and searchable.
pub fn fixture_engine(app: &TestApp) -> fraudlink::engine::Engine {
    let mut settings = fraudlink::config::Settings::defaults();
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
