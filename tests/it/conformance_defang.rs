//! The ioc-fanger test cases (`tests/conformance/defang_cases.json`) run
//! against [`fraudlink::ident::refang::refang`].

use fraudlink::ident::refang::refang;
use serde::Deserialize;

/// One recorded call of ioc-fanger.
#[derive(Deserialize)]
struct Case {
    func: String,
    input: String,
    expected: String,
    test: String,
}

/// The file: a header and the cases.
#[derive(Deserialize)]
struct Suite {
    cases: Vec<Case>,
}

/// Cases the project deliberately answers differently: input, our answer, why.
/// The rules that could mangle Dutch prose (`(met)` read as `(et)` = `@`,
/// `polka-dot-jurk`) are narrowed by context in `refang` without a
/// difference; one case differs.
const DIFFERENT: &[(&str, &str, &str)] = &[(
    "[https://i.imgur.com/abc.png](https://i.imgur.com/abc.png)",
    "https://i.imgur.com/abc.png](https://i.imgur.com/abc.png)",
    "a scheme is refanged only where a link can start (start of text, white \
     space, a quote or angle bracket): glued to `]` it may be inside a link's \
     path, and rewriting it there made a link's canonical form depend on \
     whether its own scheme was defanged (found by fuzzing, fuzz/corpus/refang)",
)];

#[test]
fn every_fang_case_is_answered_as_ioc_fanger_does_or_listed() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/conformance/defang_cases.json"
    );
    let text = std::fs::read_to_string(path).expect("conformance file is readable");
    let suite: Suite = serde_json::from_str(&text).expect("conformance file is valid JSON");
    let mut failures = Vec::new();
    let (mut passed, mut skipped, mut different) = (0, 0, 0);
    for case in &suite.cases {
        // Only fanging is implemented: the project never defangs (it stores
        // canonical, clickable values and shows them in an internal tool).
        if case.func != "fang" {
            skipped += 1;
            continue;
        }
        let got = refang(&case.input);
        if let Some((_, ours, _)) = DIFFERENT.iter().find(|(i, _, _)| *i == case.input) {
            different += 1;
            if got != *ours {
                failures.push(format!(
                    "{}: {:?} -> {got:?}, listed answer {ours:?}",
                    case.test, case.input
                ));
            }
            continue;
        }
        if got == case.expected {
            passed += 1;
        } else {
            failures.push(format!(
                "{}: {:?} -> {got:?}, expected {:?}",
                case.test, case.input, case.expected
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(suite.cases.len(), 192);
    assert_eq!(passed + skipped + different, suite.cases.len());
}
