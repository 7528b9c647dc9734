//! Replays every committed fuzz input through the same checks the fuzz
//! targets run (`fuzz/src/lib.rs`), without libFuzzer: the minimised
//! corpus (`fuzz/corpus/<target>.b64`, one input per line in base64, see
//! `fuzz/corpus.py`) and the inputs of crashes that were fixed
//! (`fuzz/regressions/<target>/`, one file each, kept apart so that
//! minimising the corpus never drops one), so that what fuzzing found
//! stays fixed in `cargo test`.

#[path = "../../fuzz/src/lib.rs"]
mod checks;

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// The inputs of a packed corpus, each named by its file and line.
fn packed(path: &Path) -> Vec<(String, Vec<u8>)> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("no packed corpus {}: {e}", path.display()));
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.is_empty())
        .map(|(i, line)| {
            let name = format!("{}:{}", path.display(), i + 1);
            let data = STANDARD
                .decode(line)
                .unwrap_or_else(|e| panic!("{name} is not base64: {e}"));
            (name, data)
        })
        .collect()
}

/// The files in `dir`, sorted, each with its name; none when it does not
/// exist.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries.map(|e| e.expect("fuzz input").path()).collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let data = std::fs::read(&p).expect("fuzz input");
            (p.display().to_string(), data)
        })
        .collect()
}

#[test]
fn every_fuzz_corpus_input_passes_its_checks() {
    checks::warm_up();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut regressions = 0;
    for (target, check) in checks::TARGETS {
        let corpus = packed(&root.join("corpus").join(format!("{target}.b64")));
        assert!(
            corpus.len() >= 20,
            "the corpus of fuzz target {target} is nearly empty"
        );
        let fixed = files(&root.join("regressions").join(target));
        regressions += fixed.len();
        for (name, data) in corpus.iter().chain(&fixed) {
            let outcome = std::panic::catch_unwind(|| check(data));
            assert!(
                outcome.is_ok(),
                "fuzz target {target} fails on {name} ({:?})",
                String::from_utf8_lossy(data)
            );
        }
    }
    assert!(regressions >= 5, "the fixed crashes' inputs are missing");
}

/// Every packed corpus is a target's, so that no corpus is silently
/// left out of the replay above (a renamed target, a typo in a file name).
#[test]
fn every_packed_corpus_belongs_to_a_fuzz_target() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    for entry in std::fs::read_dir(&dir).expect("fuzz/corpus") {
        let path = entry.expect("entry").path();
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        assert!(
            path.extension().is_some_and(|e| e == "b64")
                && checks::TARGETS.iter().any(|(t, _)| *t == stem),
            "{} is not the packed corpus of a fuzz target",
            path.display()
        );
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
