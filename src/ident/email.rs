//! E-mail addresses ([`Email`]) and their finder in free text.
//!
//! Canonical `email` (docs/formats.md section 2): refanged (`[at]`, `(at)`,
//! `[dot]`, `(dot)`, ...), without `mailto:`, surrounding brackets or quotes,
//! all lower case (providers treat the local part case-insensitively in
//! practice, and officers type addresses in any case), the host in punycode.
//! The local part may hold letters of any script (RFC 6531:
//! `jessica.müller@yahoo.com`); reading only its ASCII tail would invent
//! `ller@yahoo.com` and link every Müller at one provider.
//! The host must be a real host name whose registrable domain passes
//! [`Domain::parse`]: `jan@localhost`, `jan@co.uk` and `jan@[10.0.0.1]` are
//! not addresses that link reports.

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;
use std::sync::LazyLock;

use regex::Regex;

use super::recent::{self, Recent};
use super::refang::refang;
use super::url::Domain;
use super::{Kind, Match, ParseError};

/// A canonical e-mail address (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Email(String);

thread_local! {
    /// The thread's last address parses: an address in a statement is
    /// parsed by the finder, the allowlist check and the derived domain.
    static RECENT_EMAILS: RefCell<Recent<Result<Email, &'static str>>> =
        const { RefCell::new(Recent::new()) };
}

/// Characters allowed in a local part besides ASCII letters and digits
/// (RFC 5322 `atext` plus the dot).
const LOCAL_SPECIALS: &str = "!#$%&'*+/=?^_`{|}~.-";

impl Email {
    /// Parses and normalises a raw (possibly defanged) e-mail address.
    ///
    /// Errors (`reason`): `empty`, `at` (not exactly one `@`), `local` (the
    /// part before `@` is empty, too long or has characters an address
    /// cannot have), `host` (the part after `@` is not a host name with a
    /// registrable domain).
    pub fn parse(raw: &str) -> Result<Email, ParseError> {
        recent::memoised(&RECENT_EMAILS, raw, |raw| {
            Email::parse_stable(raw).map_err(|e| e.reason())
        })
        .map_err(|reason| ParseError::new(Kind::Email, reason, raw))
    }

    /// [`Email::parse`] without the memo.
    fn parse_stable(raw: &str) -> Result<Email, ParseError> {
        // The canonical form parses to itself: a host that a refang rule
        // only reaches once the address is lower case and trimmed
        // (`jan@x-DOT-nl.` gives `jan@x-dot-nl`, then `jan@x.nl`) is parsed
        // again. Each pass undoes at most one layer, so a value that is
        // still changing after a few passes is refused.
        let mut email = Email::parse_once(raw)?;
        for _ in 0..8 {
            if matches!(refang(&email.0), Cow::Borrowed(_)) {
                return Ok(email);
            }
            match Email::parse_once(&email.0) {
                Ok(again) if again != email => email = again,
                Ok(_) => return Ok(email),
                Err(e) => return Err(ParseError::new(Kind::Email, e.reason(), raw)),
            }
        }
        Err(ParseError::new(Kind::Email, "host", raw))
    }

    /// One pass of [`Email::parse`].
    fn parse_once(raw: &str) -> Result<Email, ParseError> {
        let err = |reason| ParseError::new(Kind::Email, reason, raw);
        let fanged = refang(raw);
        let trim = |t: &'_ str| -> String {
            t.trim()
                .trim_start_matches(['<', '(', '[', '"', '\'', '«'])
                .trim_end_matches(['>', ')', ']', '"', '\'', '»', '.', ',', ';', ':', '!', '?'])
                .to_string()
        };
        let mut text = trim(&fanged);
        // `<mailto:jan@x.nl>`: the wrapper may sit around the scheme too.
        if text
            .get(..7)
            .is_some_and(|p| p.eq_ignore_ascii_case("mailto:"))
        {
            text = trim(&text[7..]);
        }
        if text.is_empty() {
            return Err(err("empty"));
        }
        let lower = text.to_lowercase();
        let mut parts = lower.split('@');
        let (Some(local), Some(host), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(err("at"));
        };
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_alphanumeric() || LOCAL_SPECIALS.contains(c));
        if !local_ok {
            return Err(err("local"));
        }
        let host = host.strip_suffix('.').unwrap_or(host);
        let host_chars_ok = !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        if !host_chars_ok {
            return Err(err("host"));
        }
        let ascii = idna::domain_to_ascii(host).map_err(|_| err("host"))?;
        Domain::parse(&ascii).map_err(|_| err("host"))?;
        Ok(Email(format!("{local}@{ascii}")))
    }

    /// The canonical address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before `@`.
    pub fn local(&self) -> &str {
        self.0.split_once('@').map_or("", |(l, _)| l)
    }

    /// The host after `@` (lower case, punycode).
    pub fn host(&self) -> &str {
        self.0.split_once('@').map_or("", |(_, h)| h)
    }

    /// The registrable domain of the host (`jan@mail.voorbeeld.nl` ->
    /// `voorbeeld.nl`).
    pub fn domain(&self) -> Option<Domain> {
        Domain::parse(self.host()).ok()
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// An address in text, plain or defanged: a local part, an at sign (`@`,
/// `[at]`, `(at)`, `{@}`, ` AT `, ` @ `) and a host whose dots may be written
/// `[.]`, `(.)`, `[dot]`, ` (dot) `, ` DOT `.
static CANDIDATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)[\p{L}\p{N}._%+-]+",
        r"(?:@|[ \t]*[\[({][ \t]*(?:at|@)[ \t]*[\])}][ \t]*|[ \t]+(?-i:AT)[ \t]+|[ \t]+@[ \t]+)",
        r"[\p{L}\p{N}][\p{L}\p{N}-]*",
        r"(?:(?:\.|[ \t]*[\[({][ \t]*(?:\.|dot|punt)[ \t]*[\])}][ \t]*|[ \t]+(?-i:DOT)[ \t]+)",
        r"[\p{L}\p{N}][\p{L}\p{N}-]*)+",
    ))
    // The pattern is a constant of this module, checked by the unit tests.
    .expect("e-mail candidate regex is valid")
});

/// A defanged at sign, for the fast path.
static AT_MARKER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)[\[({][ \t]*(?:at|@)[ \t]*[\])}]|(?-i: AT )")
        .expect("at-marker regex is valid")
});

/// Finds e-mail addresses, plain or defanged, in free text.
///
/// Every match is [`Kind::Email`] with the canonical address as value; the
/// span covers the written address (`jan (at) voorbeeld (dot) nl`).
pub fn find_in_text(text: &str) -> Vec<Match> {
    // Every at marker holds a bracket or ` AT `; most statements hold
    // neither, which is quicker to see than to search for a marker.
    let may_hold_marker = || text.contains(['[', '(', '{']) || text.contains(" AT ");
    let has_at = text.contains('@') || (may_hold_marker() && AT_MARKER.is_match(text));
    if !has_at {
        return Vec::new();
    }
    let mut found = Vec::new();
    for m in CANDIDATE.find_iter(text) {
        let mut start = m.start();
        // A local part cannot start with a dot; `zie.` before a name is the
        // end of a sentence.
        while text[start..m.end()].starts_with('.') {
            start += 1;
        }
        let mut end = m.end();
        // `jan@voorbeeld.nl.Daarna`: drop words glued on after the host,
        // one label at a time.
        for _ in 0..4 {
            if let Ok(email) = Email::parse(&text[start..end]) {
                found.push(Match {
                    kind: Kind::Email,
                    span: start..end,
                    value: email.0,
                    valid: true,
                });
                break;
            }
            match text[start..end].rfind('.') {
                Some(dot) if text[start..start + dot].contains(['@', ' ', ']', ')', '}']) => {
                    end = start + dot;
                }
                _ => break,
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks `Email::parse`: `expected` is the canonical form or `Err(reason)`.
    #[track_caller]
    fn check(input: &str, expected: Result<&str, &str>) {
        let got = Email::parse(input);
        match (&got, expected) {
            (Ok(e), Ok(x)) => assert_eq!(e.as_str(), x, "Email::parse({input:?})"),
            (Err(g), Err(x)) => assert_eq!(g.reason(), x, "Email::parse({input:?})"),
            _ => panic!("Email::parse({input:?}) = {got:?}, expected {expected:?}"),
        }
    }

    /// Checks `find_in_text`: each expected match as (span text, value).
    #[track_caller]
    fn check_find(text: &str, expected: &[(&str, &str)]) {
        let found = find_in_text(text);
        let got: Vec<(&str, &str)> = found
            .iter()
            .map(|m| (&text[m.span.clone()], m.value.as_str()))
            .collect();
        assert_eq!(got, expected, "find_in_text({text:?})");
        assert!(found.iter().all(|m| m.kind == Kind::Email && m.valid));
    }

    #[test]
    fn canonical_addresses_parse_to_themselves() {
        // Found by fuzzing (fuzz/corpus/email): `-DOT-ci.` only became a
        // dot once lower case and trimmed, so the canonical form was
        // `jyjrrjn@er-v-dot-ci`, which parses as `jyjrrjn@er-v.ci`.
        check("jyjrrjn@er-v-DOT-ci.", Ok("jyjrrjn@er-v.ci"));
        check("jyjrrjn@er-v.ci", Ok("jyjrrjn@er-v.ci"));
    }

    #[test]
    fn addresses_are_lower_case() {
        check("Info@Example.NL", Ok("info@example.nl"));
        check(
            "Helpdesk57@BOUWBEDRIJF-DE-BOER-BV.EU",
            Ok("helpdesk57@bouwbedrijf-de-boer-bv.eu"),
        );
        check("p.kortstam@live.nl", Ok("p.kortstam@live.nl"));
        check("jan+marktplaats@gmail.com", Ok("jan+marktplaats@gmail.com"));
    }

    #[test]
    fn defanged_addresses_are_restored() {
        check("info[at]example[.]nl", Ok("info@example.nl"));
        check("jan (at) voorbeeld (dot) nl", Ok("jan@voorbeeld.nl"));
        check("jan(at)voorbeeld.nl", Ok("jan@voorbeeld.nl"));
        check("bob AT example DOT com", Ok("bob@example.com"));
    }

    #[test]
    fn wrappers_and_idn_hosts_are_normalised() {
        check("mailto:Jan@Voorbeeld.nl", Ok("jan@voorbeeld.nl"));
        check("<jan@voorbeeld.nl>", Ok("jan@voorbeeld.nl"));
        check("\"jan@voorbeeld.nl\".", Ok("jan@voorbeeld.nl"));
        check("jan@bücher.de", Ok("jan@xn--bcher-kva.de"));
        check("jan@voorbeeld.nl.", Ok("jan@voorbeeld.nl"));
    }

    #[test]
    fn invalid_addresses_are_rejected_with_a_reason() {
        check("", Err("empty"));
        check("jan.voorbeeld.nl", Err("at"));
        check("a@b@c.nl", Err("at"));
        check("@voorbeeld.nl", Err("local"));
        check(".jan@voorbeeld.nl", Err("local"));
        check("jan..p@voorbeeld.nl", Err("local"));
        check("jan p@voorbeeld.nl", Err("local"));
        check("jan@localhost", Err("host"));
        check("jan@co.uk", Err("host"));
        check("jan@[10.0.0.1]", Err("host"));
        check("jan@10.0.0.1", Err("host"));
        check("jan@voorbeeld.daarna", Err("host"));
        check("jan@voor_beeld.nl", Err("host"));
        check("jan@voorbeeld.nl/pad", Err("host"));
    }

    #[test]
    fn accessors_split_the_address() {
        let email = Email::parse("Jan@Mail.Voorbeeld.nl").expect("valid");
        assert_eq!(email.local(), "jan");
        assert_eq!(email.host(), "mail.voorbeeld.nl");
        assert_eq!(
            email.domain().map(|d| d.to_string()),
            Some("voorbeeld.nl".into())
        );
        assert_eq!(email.to_string(), "jan@mail.voorbeeld.nl");
        assert_eq!(email.as_ref(), "jan@mail.voorbeeld.nl");
    }

    #[test]
    fn addresses_in_text_are_found() {
        check_find(
            "mail naar p.kortstam@live.nl graag.",
            &[("p.kortstam@live.nl", "p.kortstam@live.nl")],
        );
        check_find(
            "Zijn mail: Info@Example.NL.",
            &[("Info@Example.NL", "info@example.nl")],
        );
        check_find(
            "stuur naar info[at]example[.]nl aub",
            &[("info[at]example[.]nl", "info@example.nl")],
        );
        check_find(
            "het adres was jan (at) voorbeeld (dot) nl en verder",
            &[("jan (at) voorbeeld (dot) nl", "jan@voorbeeld.nl")],
        );
        check_find(
            "a@x.nl, b@y.com; c(at)z.eu",
            &[
                ("a@x.nl", "a@x.nl"),
                ("b@y.com", "b@y.com"),
                ("c(at)z.eu", "c@z.eu"),
            ],
        );
        check_find(
            "mail jan@voorbeeld.nl.Daarna belde",
            &[("jan@voorbeeld.nl", "jan@voorbeeld.nl")],
        );
    }

    #[test]
    fn local_parts_in_any_script_are_read_whole() {
        // See: issue 20
        check("Jessica.Müller@Yahoo.Com", Ok("jessica.müller@yahoo.com"));
        check("jürgen.öztürk@gmx.de", Ok("jürgen.öztürk@gmx.de"));
        check_find(
            "De mail kwam van Jessica.Müller@YAHOO.COM gisteren.",
            &[("Jessica.Müller@YAHOO.COM", "jessica.müller@yahoo.com")],
        );
        check_find(
            "mail from josé.garcía@example.com today",
            &[("josé.garcía@example.com", "josé.garcía@example.com")],
        );
        check("jan€@voorbeeld.nl", Err("local"));
    }

    #[test]
    fn non_addresses_in_text_give_nothing() {
        for text in [
            "geen adres hier",
            "Ik heb betaald (met iDEAL) (at) het loket",
            "volg @jan_verkoop op instagram",
            "jan@localhost",
            "de prijs was 5 @ 10 euro",
            "€@€.€ ĳ@ĳ.ĳ",
        ] {
            check_find(text, &[]);
        }
    }

    proptest::proptest! {
        #[test]
        fn parsing_and_finding_never_panic(s in "\\PC*") {
            let _ = Email::parse(&s);
            let _ = find_in_text(&s);
        }

        #[test]
        fn parsing_never_panics_on_any_string(s in ".*") {
            let _ = Email::parse(&s);
            let _ = find_in_text(&s);
        }

        #[test]
        fn normalising_is_idempotent_and_variants_meet(
            local in "[a-z0-9]{1,6}([._+-][a-z0-9]{1,4})?",
            host in "[a-z0-9]{1,8}(-[a-z0-9]{1,4})?\\.(nl|com|eu|co\\.uk)",
        ) {
            // A host that is itself a public suffix (ru.com, co.uk) has no
            // registrable domain, so no mailbox there is valid.
            proptest::prop_assume!(psl_lookup::registrable_domain(host.as_bytes()).is_some_and(|d| d == host.as_bytes()));
            let plain = format!("{local}@{host}");
            let canonical = Email::parse(&plain);
            proptest::prop_assert!(canonical.is_ok(), "{}", plain);
            let canonical = canonical.ok();
            let again = canonical.as_ref().map(|e| Email::parse(e.as_str()).ok());
            proptest::prop_assert_eq!(again.flatten(), canonical.clone());
            for v in [
                plain.to_uppercase(),
                format!("{local}[at]{}", host.replace('.', "[.]")),
                format!("{local} (at) {}", host.replace('.', " (dot) ")),
                format!("<mailto:{plain}>"),
            ] {
                proptest::prop_assert_eq!(Email::parse(&v).ok(), canonical.clone(), "{}", v);
                let found = find_in_text(&format!("mail {v} aub"));
                let values: Vec<&str> = found.iter().map(|m| m.value.as_str()).collect();
                if !v.starts_with('<') {
                    proptest::prop_assert_eq!(values, vec![plain.as_str()], "{}", v);
                }
            }
        }
    }
}
