//! What the benches that read a data set share.

use std::path::PathBuf;

/// The reports a bench reads: the file named by `FRAUDLINK_BENCH_INPUT`
/// (e.g. `fraudlink gen --reports 1000000`'s), else the fixtures.
pub fn input() -> PathBuf {
    std::env::var("FRAUDLINK_BENCH_INPUT").map_or_else(
        |_| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/fixtures/reports.ndjson"
            ))
        },
        PathBuf::from,
    )
}
