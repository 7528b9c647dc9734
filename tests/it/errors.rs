//! Issue 21: a use case fails the same way through every door. The engine
//! says what went wrong as an [`EngineError`] (not found, invalid naming
//! the field, or internal); the API, the UI and the command line each say
//! it once, from that.

use fraudlink::engine::{CheckRequest, Decision, EngineError, Thing, TriageChange};
use fraudlink::report::RawIdentifier;
use predicates::str::contains;

use crate::support::{TestApp, fixture_engine};

fn status(s: &str) -> TriageChange {
    TriageChange {
        status: Some(s.to_owned()),
        ..TriageChange::default()
    }
}

fn invalid_field(e: &EngineError) -> Option<&'static str> {
    match e {
        EngineError::Invalid { field, .. } => Some(field),
        _ => None,
    }
}

#[test]
fn triage_refuses_each_mistake_naming_its_field() {
    let app = TestApp::new();
    let engine = fixture_engine(&app);
    let cid = engine
        .state()
        .cluster_of(&fraudlink::report::ReportId::parse("2026-AMS-000101").unwrap())
        .unwrap()
        .clone();
    let cluster = cid.to_string();

    let e = engine
        .set_triage(&cluster, status("gone"), "t")
        .unwrap_err();
    assert_eq!(invalid_field(&e), Some("status"), "{e}");
    assert!(e.to_string().contains("one of new, triaged"), "{e}");

    let e = engine
        .set_triage(&cluster, TriageChange::default(), "t")
        .unwrap_err();
    assert!(e.to_string().contains("nothing to change"), "{e}");

    let team = TriageChange {
        assigned_team: Some(Some("Nergenshuizen".to_owned())),
        ..TriageChange::default()
    };
    let e = engine.set_triage(&cluster, team, "t").unwrap_err();
    assert_eq!(invalid_field(&e), Some("assigned_team"), "{e}");

    let e = engine
        .set_triage("C-999999", status("closed"), "t")
        .unwrap_err();
    assert!(
        matches!(&e, EngineError::NotFound { what: Thing::Cluster, id } if id == "C-999999"),
        "{e:?}"
    );
    // Nothing of the refused changes was recorded.
    assert_eq!(engine.triage(&cid).status, "new");

    // A team is stored as the list spells it, whatever the case typed.
    let team = TriageChange {
        assigned_team: Some(Some("peelland".to_owned())),
        ..TriageChange::default()
    };
    let cid = engine.set_triage(&cluster, team, "t").unwrap();
    assert_eq!(
        engine.triage(&cid).assigned_team.as_deref(),
        Some("Peelland")
    );
}

#[test]
fn link_decisions_name_the_bad_endpoint_and_a_missing_decision() {
    let app = TestApp::new();
    let engine = fixture_engine(&app);
    assert_eq!(
        invalid_field(&Decision::parse("maybe").unwrap_err()),
        Some("decision")
    );
    let e = engine
        .decide(
            "2026-AMS-000101",
            "phone:abc",
            Decision::Confirm,
            "t",
            "test",
        )
        .unwrap_err();
    assert_eq!(invalid_field(&e), Some("b"), "{e}");
    let e = engine
        .decide(
            "iban:NL91ABNA0417164300",
            "2026-AMS-000101",
            Decision::Undo,
            "t",
            "",
        )
        .unwrap_err();
    assert!(
        matches!(
            &e,
            EngineError::NotFound {
                what: Thing::LinkDecision,
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn a_check_is_refused_naming_the_field_and_names_what_it_could_not_read() {
    let app = TestApp::new();
    let engine = fixture_engine(&app);
    let e = engine.check(&CheckRequest::default()).unwrap_err();
    assert_eq!(invalid_field(&e), Some("narrative"), "{e}");
    let e = engine
        .check(&CheckRequest {
            narrative: Some("Bel 06-12345678".into()),
            filed_at: Some("gisteren".into()),
            ..CheckRequest::default()
        })
        .unwrap_err();
    assert_eq!(invalid_field(&e), Some("filed_at"), "{e}");

    let raw = |kind: &str, value: &str| RawIdentifier {
        kind: kind.to_owned(),
        value: value.to_owned(),
        role: None,
        platform: None,
    };
    let answer = engine
        .check(&CheckRequest {
            identifiers: Some(vec![
                raw("fax", "0201234567"),
                raw("iban", "NL91 ABNA 0417 1643 00"),
            ]),
            ..CheckRequest::default()
        })
        .unwrap();
    assert_eq!(answer.unreadable.len(), 1, "{answer:?}");
    assert_eq!(answer.unreadable[0].index, 0);
    assert_eq!(answer.unreadable[0].field, "type");
    assert!(
        answer
            .identifiers
            .iter()
            .any(|i| i.value == "NL91ABNA0417164300"),
        "the readable identifier is still checked: {answer:?}"
    );
}

#[test]
fn the_command_line_undoes_a_link_and_says_when_there_is_nothing_to_undo() {
    let app = TestApp::with_fixtures();
    let (a, b) = ("iban:NL42INGB0006123451", "iban:NL42INGB0006123456");
    app.cmd()
        .args(["link", "confirm", a, b, "--by", "analyst1"])
        .assert()
        .success();
    app.cmd()
        .args(["link", "undo", a, b, "--by", "analyst1"])
        .assert()
        .success()
        .stdout(contains("undone (was confirmed)"));
    app.cmd()
        .args(["link", "undo", a, b])
        .assert()
        .failure()
        .stderr(contains("no link decision"));
    // A check that breaks the contract is refused on its line, as the API
    // refuses it.
    let checks = app.data().join("checks.ndjson");
    std::fs::write(
        &checks,
        "{\"narrative\": \"Bel 06-12345678\", \"amount_eur\": -5}\n{\"narrative\": \"Bel 06-12345678\"}\n",
    )
    .unwrap();
    app.cmd()
        .args(["check", checks.to_str().unwrap()])
        .assert()
        .stdout(contains("line 1: amount_eur"));
}
