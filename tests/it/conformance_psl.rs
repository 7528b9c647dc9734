//! The Public Suffix List test cases (`tests/conformance/psl_test_cases.json`)
//! run against [`fraudlink::ident::Domain::parse`].

use fraudlink::ident::Domain;
use serde::Deserialize;

/// One case: a host (or null) and its registrable domain (or null).
#[derive(Deserialize)]
struct Case {
    input: Option<String>,
    expected_registrable: Option<String>,
    section: String,
}

/// The file: a header and the cases.
#[derive(Deserialize)]
struct Suite {
    cases: Vec<Case>,
}

/// Cases the project deliberately answers differently: input, our answer
/// (`None` for a rejected host), why.
const DIFFERENT: &[(&str, Option<&str>, &str)] = &[
    // The PSL algorithm applies an implicit `*` rule to a top-level domain
    // that is not on the list. A host under such a TLD cannot resolve on the
    // public internet, so in a police report it is a typo or not a host at
    // all (`bestand.daarna`); the project rejects it rather than link on it.
    ("example.example", None, UNLISTED),
    ("b.example.example", None, UNLISTED),
    ("a.b.example.example", None, UNLISTED),
    // Canonical domains are punycode (docs/formats.md): the same registrable
    // domain is found, written in its ASCII form, so that `bücher.de` typed
    // by one officer meets `xn--bcher-kva.de` copied from a browser by another.
    ("食狮.com.cn", Some("xn--85x722f.com.cn"), PUNYCODE),
    ("食狮.公司.cn", Some("xn--85x722f.xn--55qx5d.cn"), PUNYCODE),
    (
        "www.食狮.公司.cn",
        Some("xn--85x722f.xn--55qx5d.cn"),
        PUNYCODE,
    ),
    ("shishi.公司.cn", Some("shishi.xn--55qx5d.cn"), PUNYCODE),
    ("食狮.中国", Some("xn--85x722f.xn--fiqs8s"), PUNYCODE),
    ("www.食狮.中国", Some("xn--85x722f.xn--fiqs8s"), PUNYCODE),
    ("shishi.中国", Some("shishi.xn--fiqs8s"), PUNYCODE),
];

/// Why unlisted top-level domains are rejected.
const UNLISTED: &str = "a TLD not on the public suffix list is rejected";

/// Why IDN domains are answered in punycode.
const PUNYCODE: &str = "canonical domains are punycode, not Unicode";

#[test]
fn every_psl_case_is_answered_as_the_list_does_or_listed() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/conformance/psl_test_cases.json"
    );
    let text = std::fs::read_to_string(path).expect("conformance file is readable");
    let suite: Suite = serde_json::from_str(&text).expect("conformance file is valid JSON");
    let mut failures = Vec::new();
    let (mut passed, mut different) = (0, 0);
    for case in &suite.cases {
        // A null input is an absent field: the empty string is its closest
        // equivalent and must be rejected just the same.
        let input = case.input.as_deref().unwrap_or("");
        let got = Domain::parse(input).ok().map(|d| d.as_str().to_string());
        if let Some((_, ours, why)) = DIFFERENT.iter().find(|(i, _, _)| *i == input) {
            assert!(!why.is_empty());
            different += 1;
            if got.as_deref() != *ours {
                failures.push(format!("{input:?} -> {got:?}, listed answer {ours:?}"));
            }
            continue;
        }
        if got == case.expected_registrable {
            passed += 1;
        } else {
            failures.push(format!(
                "[{}] {input:?} -> {got:?}, expected {:?}",
                case.section, case.expected_registrable
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(suite.cases.len(), 78);
    assert_eq!(passed + different, suite.cases.len());
}
