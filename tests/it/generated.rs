//! fraudlink read against the generator (`crates/gen`, fraudlink-gen), an
//! oracle that shares none of its code: every report it writes parses, and
//! every identifier it writes, in whatever form, is read back as the value
//! it made.

use fraudlink::allowlist::Allowlist;
use fraudlink::extract::Extractor;
use fraudlink::ident::{Crypto, Domain, Iban, Kind, Phone};
use fraudlink::report::Report;
use fraudlink_gen::samples;
use phonenumber::country::Id;

#[test]
fn every_generated_line_parses_as_a_report_without_warnings() {
    let (mut reports, mut truth, mut check) = (Vec::new(), Vec::new(), Vec::new());
    fraudlink_gen::write(
        &fraudlink_gen::Config::new(3000, 1, 300),
        fraudlink_gen::Outputs {
            reports: &mut reports,
            truth: &mut truth,
            check: Some(&mut check),
        },
    )
    .expect("the generator writes");
    let reports = String::from_utf8(reports).unwrap();
    assert_eq!(reports.lines().count(), 3000);
    for line in reports.lines() {
        let r = Report::from_json(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(r.warnings.is_empty(), "{:?}: {line}", r.warnings);
    }
    let check = String::from_utf8(check).unwrap();
    assert_eq!(check.lines().count(), 300);
    for line in check.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        Report::from_value(v["report"].clone()).unwrap_or_else(|e| panic!("{e}: {line}"));
    }
}

#[test]
fn generated_ibans_are_valid_in_every_written_form_and_mistyped_ones_are_not() {
    for w in samples::mule_ibans(11, 2000, 3) {
        let iban = Iban::parse(&w.value).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(iban.as_str(), w.value);
        for written in &w.forms {
            assert_eq!(
                Iban::parse(written).map(|i| i.as_str().to_owned()),
                Ok(w.value.clone()),
                "{written}"
            );
        }
    }
    for m in samples::mistyped_ibans(11, 2000) {
        assert_ne!(m.typed, m.intended);
        assert!(
            Iban::parse(&m.typed).is_err(),
            "{} should fail its checksum",
            m.typed
        );
    }
    for v in samples::victim_ibans(11, 500) {
        assert!(Iban::parse(&v).is_ok(), "{v}");
    }
}

#[test]
fn generated_phones_are_valid_in_every_written_form() {
    for w in samples::offender_phones(12, 1500, 3) {
        let canon = Phone::parse(&w.value, Id::NL).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(canon.as_str(), w.value);
        for written in &w.forms {
            let got = Phone::parse(written, Id::NL).map(|p| p.as_str().to_owned());
            assert_eq!(got, Ok(w.value.clone()), "{written}");
        }
    }
}

// See: issue 20
#[test]
fn numbers_in_message_forms_are_found_as_the_number_written() {
    let extractor = Extractor::new(Id::NL, Allowlist::embedded());
    for w in samples::phones_in_messages(15, 1500) {
        assert_eq!(
            Phone::parse(&w.value, Id::NL).map(|p| p.as_str().to_owned()),
            Ok(w.value.clone())
        );
        for sentence in &w.forms {
            let found: Vec<String> = extractor
                .text(sentence)
                .into_iter()
                .filter(|id| id.kind == Kind::Phone && id.valid)
                .map(|id| id.value)
                .collect();
            assert_eq!(found, vec![w.value.clone()], "{sentence}");
        }
    }
}

#[test]
fn spoofed_numbers_are_the_allowlisted_ones_however_written() {
    let allowlist = Allowlist::embedded();
    let numbers = samples::official_numbers(13, 8).expect("the allowlist reads");
    assert!(!numbers.is_empty());
    for w in numbers {
        assert!(allowlist.phone(&w.value).is_some(), "{}", w.value);
        for written in &w.forms {
            let got = Phone::parse(written, Id::NL).map(|p| p.as_str().to_owned());
            assert_eq!(got, Ok(w.value.clone()), "{written}");
        }
    }
}

#[test]
fn crypto_addresses_pass_their_checksums() {
    for a in samples::crypto_addresses(14, 500) {
        assert!(Crypto::parse(&a).is_ok(), "{a}");
    }
}

#[test]
fn fraud_domains_are_registrable_and_not_allowlisted() {
    let allowlist = Allowlist::embedded();
    let domains = samples::fraud_domains(15, 100).expect("the allowlist reads");
    assert!(domains.len() > 700, "{} domains", domains.len());
    for site in domains {
        let d = Domain::parse(&site.domain).unwrap_or_else(|e| panic!("{e}"));
        if !site.idn {
            assert_eq!(d.as_str(), site.domain);
        }
        assert!(allowlist.domain(d.as_str()).is_none(), "{}", site.domain);
    }
}
