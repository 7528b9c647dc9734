//! Extraction, normalisation, linking and check benchmarks.
//!
//! Input: the file named by `FRAUDLINK_BENCH_INPUT`, else the dev set at
//! `../shared/data/dev/reports.ndjson` when present, else the fixtures.
//! Run with `cargo bench --bench extract`.
//!
//! Extraction keeps a per-thread memo of phone-number verdicts, which a
//! small input repeated by criterion warms; for the throughput of an
//! import, give it 200,000 distinct reports (`fraudlink gen`, README's
//! Performance section).

// criterion_group! and criterion_main! generate undocumented items.
#![allow(missing_docs)]

use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fraudlink::allowlist::Allowlist;
use fraudlink::cluster::{Graph, LinkIdent, ReportNode};
use fraudlink::config::Settings;
use fraudlink::engine::CheckRequest;
use fraudlink::extract::Extractor;
use fraudlink::ident::{self, Kind};
use fraudlink::report::Report;

fn input() -> PathBuf {
    if let Ok(p) = std::env::var("FRAUDLINK_BENCH_INPUT") {
        return PathBuf::from(p);
    }
    let dev = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/data/dev/reports.ndjson"
    ));
    if dev.exists() {
        dev
    } else {
        PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/reports.ndjson"
        ))
    }
}

fn reports() -> Vec<Report> {
    let text = std::fs::read_to_string(input()).expect("bench input is readable");
    text.lines()
        .filter_map(|l| Report::from_json(l).ok())
        .collect()
}

fn bench(c: &mut Criterion) {
    let region = phonenumber::country::Id::NL;
    let extractor = Extractor::new(region, Allowlist::embedded());
    let reports = reports();
    let lines: Vec<String> = std::fs::read_to_string(input())
        .expect("bench input is readable")
        .lines()
        .map(str::to_owned)
        .collect();

    let mut g = c.benchmark_group("extract");
    g.throughput(Throughput::Elements(reports.len() as u64));
    g.sample_size(10);
    g.bench_function("reports", |b| {
        b.iter(|| {
            reports
                .iter()
                .map(|r| extractor.extract(r).len())
                .sum::<usize>()
        })
    });
    g.bench_function("parse_and_extract", |b| {
        b.iter(|| {
            lines
                .iter()
                .filter_map(|l| Report::from_json(l).ok())
                .map(|r| extractor.extract(&r).len())
                .sum::<usize>()
        })
    });
    g.finish();

    let mut g = c.benchmark_group("normalise");
    for (kind, raw) in [
        (Kind::Iban, "nl91 abna 0417 1643 00"),
        (Kind::Phone, "+31 (0)6-1234 5678"),
        (Kind::Url, "hxxps://rabo-veilig[.]nl/login?utm_source=sms"),
        (Kind::Email, "Info@Example.NL"),
        (Kind::Crypto, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"),
    ] {
        g.bench_function(kind.as_str(), |b| {
            b.iter(|| ident::normalize(kind, raw, region))
        });
    }
    g.finish();

    // Linking: the graph and partition over the input's identifiers.
    let extracted: Vec<_> = reports.iter().map(|r| extractor.extract(r)).collect();
    let cfg = Settings::defaults().linking;
    let mut g = c.benchmark_group("link");
    g.throughput(Throughput::Elements(reports.len() as u64));
    g.sample_size(10);
    g.bench_function("graph_and_partition", |b| {
        b.iter(|| {
            let mut graph = Graph::new();
            for (r, ids) in reports.iter().zip(&extracted) {
                let links: Vec<LinkIdent<'_>> = ids
                    .iter()
                    .filter(|i| i.valid && i.kind != Kind::Name && i.role == ident::Role::Offender)
                    .map(|i| LinkIdent {
                        kind: i.kind,
                        value: &i.value,
                        benign: i.benign.as_deref(),
                    })
                    .collect();
                graph.add_report(
                    ReportNode {
                        id: r.id.clone(),
                        filed_at: r.filed_at.unix_timestamp(),
                        amount_cents: None,
                        victim_ref: r.victim_ref.as_deref().map(Into::into),
                        supplement: false,
                        fraud_category: r.fraud_type.as_ref().and_then(|f| f.known_number()),
                    },
                    &links,
                );
            }
            graph.partition(&cfg).len()
        })
    });
    g.finish();

    // Check: an engine over the input, asked about the reports' own
    // identifiers (identifiers only, as an intake form sends them).
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut settings = Settings::defaults();
    settings.data_dir = dir.path().to_owned();
    let engine = fraudlink::engine::Engine::open(settings).expect("the engine opens");
    let text = lines.join("\n");
    engine
        .ingest("bench", text.as_bytes(), &mut |_| Ok(()), &mut |_, _, _| {})
        .expect("the input ingests");
    let requests: Vec<CheckRequest> = lines
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| {
            serde_json::from_value::<CheckRequest>(serde_json::json!({
                "identifiers": v.get("identifiers").cloned().unwrap_or_default()
            }))
            .ok()
        })
        .filter(|r| r.identifiers.as_ref().is_some_and(|i| !i.is_empty()))
        .take(1000)
        .collect();
    let mut g = c.benchmark_group("check");
    g.throughput(Throughput::Elements(requests.len() as u64));
    g.sample_size(20);
    g.bench_function("identifiers", |b| {
        b.iter(|| {
            requests
                .iter()
                .map(|r| engine.check(r).expect("a valid check").matches.len())
                .sum::<usize>()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
