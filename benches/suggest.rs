//! The weak-link search (`suggest::suggest`: mistyped IBANs, look-alike
//! domains, handle variants) over the distinct linking identifiers of a
//! data set: what a re-cluster's save and a server's start wait for
//! before the suggestions are shown.
//!
//! Input: the file named by `FRAUDLINK_BENCH_INPUT` (e.g. the reports of
//! `fraudlink gen --reports 1000000`), else the fixtures. Run with `cargo
//! bench --bench suggest`; it prints how many identifiers it searched and
//! a fingerprint of the suggestions found, so that a change to how the
//! search runs (not to its rules) can be seen to find the same ones. It
//! searches every valid offender identifier that is not benign, so also
//! the hubs the engine's hub guard leaves out: a little more than a
//! re-cluster searches.

// criterion_group! and criterion_main! generate undocumented items.
#![allow(missing_docs)]

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use fraudlink::allowlist::Allowlist;
use fraudlink::cluster::IdentKey;
use fraudlink::config::Settings;
use fraudlink::extract::Extractor;
use fraudlink::ident::{self, Kind};
use fraudlink::report::Report;

/// The invalid IBANs and the distinct linking identifiers of the input.
fn identifiers() -> (Vec<String>, Vec<IdentKey>) {
    let extractor = Extractor::new(phonenumber::country::Id::NL, Allowlist::embedded());
    let mut invalid = BTreeSet::new();
    let mut linking = BTreeSet::new();
    let text = std::fs::read_to_string(common::input()).expect("bench input is readable");
    for r in text.lines().filter_map(|l| Report::from_json(l).ok()) {
        for i in extractor.extract(&r) {
            if i.role != ident::Role::Offender || i.kind == Kind::Name {
                continue;
            }
            if !i.valid && i.kind == Kind::Iban {
                invalid.insert(i.value);
            } else if i.valid && i.benign.is_none() {
                linking.insert((i.kind.as_str(), i.value));
            }
        }
    }
    let linking = linking
        .into_iter()
        .map(|(kind, value)| IdentKey {
            kind: Kind::from_name(kind).expect("a kind's own name"),
            value: Arc::from(value),
        })
        .collect();
    (invalid.into_iter().collect(), linking)
}

fn bench(c: &mut Criterion) {
    let (invalid, linking) = identifiers();
    let cfg = Settings::defaults().weak;
    let run = || fraudlink::suggest::suggest(invalid.iter().map(String::as_str), &linking, &cfg);
    let found = run();
    // FNV-1a over what was found, in order.
    let fingerprint = found.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, s| {
        format!(
            "{}|{}|{}|{}|{}",
            s.a.kind.as_str(),
            s.a.value,
            s.b.value,
            s.basis.as_str(),
            s.score
        )
        .bytes()
        .fold(h, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
    });
    println!(
        "{} invalid IBANs, {} linking identifiers: {} suggestions, fingerprint {fingerprint:016x}",
        invalid.len(),
        linking.len(),
        found.len()
    );
    c.bench_function("suggest", |b| b.iter(run));
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).measurement_time(Duration::from_secs(20));
    targets = bench
}
criterion_main!(benches);
