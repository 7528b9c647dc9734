//! Linking a batch of new reports into a large graph: the incremental
//! partition (`Graph::relink`, only what the batch reaches) against the
//! full one (`Graph::partition`) of the same graph.
//!
//! Input: the file named by `FRAUDLINK_BENCH_INPUT` (e.g. a million
//! reports from `fraudlink gen --reports 1000000`), else the fixtures.
//! The graph holds all but the last reports of the file; each measured
//! step adds the next `FRAUDLINK_BENCH_BATCH` (100) of them and relinks.
//! Run with `cargo bench --bench relink`; it prints the mean size of the
//! region a batch reached.

// criterion_group! and criterion_main! generate undocumented items.
#![allow(missing_docs)]

mod common;

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use fraudlink::allowlist::Allowlist;
use fraudlink::cluster::{Graph, LinkIdent, Partition, ReportNode};
use fraudlink::config::Settings;
use fraudlink::extract::Extractor;
use fraudlink::extract::Identifier;
use fraudlink::ident::{self, Kind};
use fraudlink::report::Report;

/// A report as the graph takes it.
struct Linkable {
    node: ReportNode,
    idents: Vec<Identifier>,
}

impl Linkable {
    fn add_to(&self, g: &mut Graph) {
        let links: Vec<LinkIdent<'_>> = self
            .idents
            .iter()
            .filter(|i| i.valid && i.kind != Kind::Name && i.role == ident::Role::Offender)
            .map(|i| LinkIdent {
                kind: i.kind,
                value: &i.value,
                benign: i.benign.as_deref(),
            })
            .collect();
        g.add_report(self.node.clone(), &links);
    }
}

fn linkables() -> Vec<Linkable> {
    let extractor = Extractor::new(phonenumber::country::Id::NL, Allowlist::embedded());
    std::fs::read_to_string(common::input())
        .expect("bench input is readable")
        .lines()
        .filter_map(|l| Report::from_json(l).ok())
        .map(|r| Linkable {
            idents: extractor.extract(&r),
            node: ReportNode {
                id: r.id.clone(),
                filed_at: r.filed_at.unix_timestamp(),
                amount_cents: r.amount_eur.map(|a| (a * 100.0).round() as i64),
                victim_ref: r.victim_ref.as_deref().map(Into::into),
                supplement: false,
                fraud_category: r.fraud_type.as_ref().and_then(|f| f.known_number()),
            },
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let cfg = Settings::defaults().linking;
    let batch: usize = std::env::var("FRAUDLINK_BENCH_BATCH")
        .ok()
        .and_then(|b| b.parse().ok())
        .unwrap_or(100);
    let all = linkables();
    // Held out: enough batches for the measured steps at a million
    // reports, and half of a small input.
    let held = (all.len() / 2).min(100_000);
    let (base, pool) = all.split_at(all.len() - held);
    let mut g = Graph::new();
    for r in base {
        r.add_to(&mut g);
    }
    g.add_refilings(cfg.refiling_window_days);
    let p = g.partition(&cfg);
    let start = (g, p);

    let mut group = c.benchmark_group("link");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(200));
    group.bench_function("partition_all", |b| {
        b.iter(|| start.0.partition(&cfg).len())
    });
    let mut current: Option<(Graph, Partition)> = None;
    let mut next = 0;
    let (mut steps, mut reached) = (0u64, 0u64);
    group.bench_function(format!("relink_batch_of_{batch}"), |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for _ in 0..iters {
                if current.is_none() || next + batch > pool.len() {
                    current = Some(start.clone());
                    next = 0;
                }
                let (g, p) = current.as_mut().expect("set above");
                let clock = Instant::now();
                let from = g.len();
                for r in &pool[next..(next + batch).min(pool.len())] {
                    r.add_to(g);
                }
                let touched = g.add_refilings_since(from, cfg.refiling_window_days);
                let done = g.relink(p, &touched, &cfg);
                spent += clock.elapsed();
                next += batch;
                steps += 1;
                reached += done.reports as u64;
            }
            spent
        })
    });
    group.finish();
    if steps > 0 {
        eprintln!(
            "relink: {} reports in the graph; a batch of {batch} reached {:.0} reports on average",
            start.0.len(),
            reached as f64 / steps as f64
        );
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
