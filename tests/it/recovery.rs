//! A killed ingest loses no committed batch and leaves no half batch; the
//! clusters recover from the store when it is opened again.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::support::{TestApp, synthetic};

#[test]
fn a_killed_ingest_keeps_every_committed_batch_and_recovers() {
    let app = TestApp::new();
    let input = app.data().join("many.ndjson");
    let total = 30_000;
    synthetic(&input, total, 5);
    let data = app.data().join("store");
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("fraudlink"))
        .arg("--data")
        .arg(&data)
        .arg("ingest")
        .arg(&input)
        .env("FRAUDLINK_INGEST_BATCH_SIZE", "500")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let stderr = child.stderr.take().expect("piped stderr");
    let mut acknowledged = 0;
    for line in BufReader::new(stderr).lines() {
        let line = line.expect("stderr is text");
        if line.starts_with("batch ") && line.contains(" committed") {
            acknowledged += 500;
            if acknowledged >= 2_000 {
                break;
            }
        }
    }
    child.kill().expect("kill");
    child.wait().expect("reaped");
    assert!(
        acknowledged >= 2_000,
        "the child acknowledged batches before the kill"
    );

    let mut settings = fraudlink::config::Settings::defaults();
    settings.data_dir = data.clone();
    let engine =
        fraudlink::engine::Engine::open(settings.clone()).expect("the store opens after a kill");
    let stored = engine.state().report_count();
    assert!(
        stored >= acknowledged,
        "{stored} stored, {acknowledged} acknowledged"
    );
    assert!(stored < total, "the kill came before the end of the import");
    assert_eq!(stored % 500, 0, "no half batch: {stored}");
    // Every stored report is in exactly one cluster, rebuilt at open.
    let clusters = engine
        .state()
        .clusters()
        .iter()
        .map(|c| c.size)
        .sum::<usize>();
    assert_eq!(clusters, stored);
    // The index caught up with the store at open: every stored report is
    // searchable (every synthetic statement says "betaald").
    let params = fraudlink::engine::SearchParams {
        query: "betaald".into(),
        limit: 1,
        ..Default::default()
    };
    assert_eq!(engine.search(&params).unwrap().total, stored);
    drop(engine);

    // Finishing the import gives the clusters of a clean run.
    let finish = Command::new(assert_cmd::cargo::cargo_bin("fraudlink"))
        .arg("--data")
        .arg(&data)
        .arg("ingest")
        .arg(&input)
        .output()
        .expect("runs");
    assert!(finish.status.success());
    let engine = fraudlink::engine::Engine::open(settings).expect("opens");
    let state = engine.state();
    assert_eq!(state.report_count(), total);
    let mut sizes: Vec<usize> = state.clusters().iter().map(|c| c.size).collect();
    sizes.sort_unstable();
    sizes.dedup();
    assert_eq!(
        sizes,
        vec![5],
        "every synthetic group of five is one cluster"
    );
    assert_eq!(state.clusters().len(), total / 5);
}
