//! Replays every committed fuzz input through the same checks the fuzz
//! targets run (`fuzz/src/lib.rs`), without libFuzzer: the minimised
//! corpus (`fuzz/corpus/<target>/`) and the inputs of crashes that were
//! fixed (`fuzz/regressions/<target>/`, kept apart so that minimising the
//! corpus never drops one), so that what fuzzing found stays fixed in
//! `cargo test`.

#[path = "../../fuzz/src/lib.rs"]
mod checks;

use std::path::{Path, PathBuf};

/// The files in `dir`, sorted; none when it does not exist.
fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries.map(|e| e.expect("fuzz input").path()).collect();
    files.sort();
    files
}

#[test]
fn every_fuzz_corpus_input_passes_its_checks() {
    checks::warm_up();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut regressions = 0;
    for (target, check) in checks::TARGETS {
        let corpus = inputs(&root.join("corpus").join(target));
        assert!(!corpus.is_empty(), "no corpus for fuzz target {target}");
        let fixed = inputs(&root.join("regressions").join(target));
        regressions += fixed.len();
        for file in corpus.iter().chain(&fixed) {
            let data = std::fs::read(file).expect("fuzz input");
            let outcome = std::panic::catch_unwind(|| check(&data));
            assert!(
                outcome.is_ok(),
                "fuzz target {target} fails on {} ({:?})",
                file.display(),
                String::from_utf8_lossy(&data)
            );
        }
    }
    assert!(regressions >= 5, "the fixed crashes' inputs are missing");
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
