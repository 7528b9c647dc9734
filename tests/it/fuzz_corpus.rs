//! Replays every committed fuzz corpus input (`fuzz/corpus/<target>/`)
//! through the same checks the fuzz targets run (`fuzz/src/lib.rs`), without
//! libFuzzer, so that the crashes fuzzing found stay fixed in `cargo test`.

#[path = "../../fuzz/src/lib.rs"]
mod checks;

use std::path::Path;

#[test]
fn every_fuzz_corpus_input_passes_its_checks() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    for (target, check) in checks::TARGETS {
        let dir = root.join(target);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("corpus entry").path())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "no corpus for fuzz target {target}");
        for file in files {
            let data = std::fs::read(&file).expect("corpus file");
            let outcome = std::panic::catch_unwind(|| check(&data));
            assert!(
                outcome.is_ok(),
                "fuzz target {target} fails on {} ({:?})",
                file.display(),
                String::from_utf8_lossy(&data)
            );
        }
    }
}

#[test]
fn an_extract_input_becomes_a_report_with_structured_identifiers() {
    let input = "Bel 06-12345678.\u{1e}iban\u{1f}NL91 ABNA 0417 1643 00\u{1e}handle\u{1f}@jan\u{1f}\u{1f}telegram";
    let line = checks::extract_input_to_json(input);
    assert_eq!(line["narrative"], "Bel 06-12345678.");
    assert_eq!(
        line["identifiers"],
        serde_json::json!([
            {"type": "iban", "value": "NL91 ABNA 0417 1643 00"},
            {"type": "handle", "value": "@jan", "role": "", "platform": "telegram"},
        ])
    );
}
