//! Undoing "defanging": the habit of writing `hxxps://rabo-veilig[.]nl` or
//! `info[at]example[.]nl` so that a link cannot be clicked by accident.
//!
//! [`refang`] restores the clickable form before a URL, domain or e-mail
//! address is parsed. The rules follow the ioc-fanger test suite
//! (`tests/conformance/defang_cases.json`), with one guiding difference:
//! police statements are Dutch prose, so every rule that could fire on an
//! ordinary Dutch word (`(met)`, `(straat)`, `polka-dot-jurk`) only fires
//! when what follows actually looks like a host name or a top-level domain.
//!
//! The rules, applied in this order:
//! 1. Schemes: `hxxp`, `hXXps`, `xxxx`, `xxxxs`, `xxxxx`, `[http]`, `(https)`,
//!    `http]` followed by `://`, `[://]`, `[:]//`, `//`, `:///` and stray
//!    spaces become `http://` or `https://`. An opening bracket directly
//!    before a scheme is dropped (as ioc-fanger does).
//! 2. Dots: `[.]`, `].[`, `[.[`, `].]`, `{.}`, `}.{`, `{.{`, `}.}`, `(.)`,
//!    `<.>`, `[,]`, `(,)`; the words `dot`, `punt` (Dutch), `punto`, `punkt`
//!    in brackets (either both brackets or only the closing one, glued to
//!    letters); upper-case `DOT` glued between lower-case letters or between
//!    spaces; `-dot-` before a top-level domain; `\.` and `^.`.
//! 3. At signs: `[@]`, `(@)`, `{@}` and the words `at`, `et`, `arroba`,
//!    `apenstaartje` (Dutch) in brackets; upper-case `AT` glued or between
//!    spaces, the closing-bracket-only forms and spaces around `@`, the last
//!    three only before something shaped like a host (`bar.com`).
//! 4. Odds and ends: `[-]`, `[www].`, `(www).`, `\/`.
//! 5. Four comma-separated numbers 0..=255 standing alone (`9,10,11,12`)
//!    become an IPv4 address.
//!
//! Lower-case ` at ` and ` dot ` between spaces are deliberately not undone:
//! they are too common in English text quoted in statements, and no real
//! report in the project's samples uses them.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

/// Compiles a regex that is part of this module's source.
fn re(pattern: &str) -> Regex {
    // The patterns are constants of this module, so a failure is a
    // programming error caught by the unit tests, not an input error.
    Regex::new(pattern).expect("refang regex is valid")
}

/// A (possibly defanged) scheme and its separator. `Markers::of` flags
/// the same letters (`scheme_letters`, `odd_http`): change them together.
static SCHEME: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)[\[(]?[hx][tx][tx][px](s|x)?[\])]?[ \t]*(?:\[://\]|(?:\[:\]|:)?[ \t]*/{2,3})[ \t]*")
});

/// A dot between two brackets, or a comma between two brackets.
static BRACKET_DOT: LazyLock<Regex> = LazyLock::new(|| {
    re(r"\[\.\]|\]\.\[|\[\.\[|\]\.\]|\{\.\}|\}\.\{|\{\.\{|\}\.\}|\(\.\)|<\.>|\[,\]|\(,\)")
});

/// A dot word in a pair of brackets, with the spaces around it.
static WORD_DOT_BRACKETED: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)[ \t]*[\[({][ \t]*(?:dot|punt|punto|punkt)[ \t]*[\])}][ \t]*"));

/// A dot word with only the closing bracket (`foodot]com`).
static WORD_DOT_CLOSING: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)(?:dot|punto|punkt|punt)[\])}]"));

/// Upper-case `DOT`, possibly between spaces.
static UPPER_DOT: LazyLock<Regex> = LazyLock::new(|| re(r"[ \t]*DOT[ \t]*"));

/// `-dot-` followed by a label (checked against the public suffix list).
static DASH_DOT: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)-dot-([a-z]{2,24})"));

/// An escaped dot (`\.`, `^.`).
static ESCAPED_DOT: LazyLock<Regex> = LazyLock::new(|| re(r"[\\^]\."));

/// An at word or sign in a pair of brackets, with the spaces around it.
static WORD_AT_BRACKETED: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)[ \t]*[\[({][ \t]*(?:@|at|et|arroba|apenstaartje)[ \t]*[\])}][ \t]*")
});

/// An at word with only the closing bracket (`fooat]bar.com`).
static WORD_AT_CLOSING: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)(?:at|et|arroba|apenstaartje)[\])}]"));

/// Upper-case `AT`, possibly between spaces, or `@` with spaces around it.
static LOOSE_AT: LazyLock<Regex> =
    LazyLock::new(|| re(r"[ \t]*AT[ \t]*|[ \t]+@[ \t]*|[ \t]*@[ \t]+"));

/// Odds and ends that map to a fixed string.
static MISC: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\[-\]|[\[(]www[\])]\.|\\/"));

/// Four comma-separated numbers (range and surroundings checked in code).
static COMMA_IP: LazyLock<Regex> = LazyLock::new(|| re(r"\d{1,3},\d{1,3},\d{1,3},\d{1,3}"));

/// Something shaped like the start of a host: a label, a dot and a letter.
static HOST_AHEAD: LazyLock<Regex> =
    LazyLock::new(|| re(r"^[\p{L}\p{N}][\p{L}\p{N}-]*\.[\p{L}\p{N}]"));

/// Undoes defanging in `s`; returns `s` borrowed when nothing changed.
///
/// ```
/// use fraudlink::ident::refang::refang;
/// assert_eq!(refang("hxxps://rabo-veilig[.]nl/login"), "https://rabo-veilig.nl/login");
/// assert_eq!(refang("info[at]example(dot)nl"), "info@example.nl");
/// assert!(matches!(refang("gewoon tekst"), std::borrow::Cow::Borrowed(_)));
/// ```
pub fn refang(s: &str) -> Cow<'_, str> {
    // One scan decides which rules can apply at all. Rules only ever remove
    // markers, so what the original text lacks, no later pass can meet.
    let markers = Markers::of(s);
    if !markers.any() {
        return Cow::Borrowed(s);
    }
    let mut out = String::from(s);
    if markers.odd_scheme {
        pass(&mut out, &SCHEME, |t, m| {
            let found = &t[m.start()..m.end()];
            // A plain scheme stays as written: elsewhere in the text (a
            // query's `?next=Http://...`) it is no marker, and whether it
            // changed must not depend on a marker somewhere else.
            if found.eq_ignore_ascii_case("http://") || found.eq_ignore_ascii_case("https://") {
                return None;
            }
            if !starts_link(t, m.start()) {
                return None;
            }
            let secure = scheme_is_secure(found);
            Some(if secure { "https://" } else { "http://" }.to_string())
        });
    }
    if markers.bracket {
        pass(&mut out, &BRACKET_DOT, |_, _| Some(".".into()));
        pass(&mut out, &WORD_DOT_BRACKETED, |_, _| Some(".".into()));
        pass(&mut out, &WORD_DOT_CLOSING, |t, m| {
            glued(t, m.start(), m.end()).then(|| ".".into())
        });
    }
    if markers.upper_dot {
        pass(&mut out, &UPPER_DOT, |t, m| {
            upper_word(t, m.start(), m.end(), ".")
        });
    }
    if markers.dash_dot {
        pass(&mut out, &DASH_DOT, |t, m| {
            let label = &t[m.start() + 5..m.end()];
            let ends = !t[m.end()..]
                .chars()
                .next()
                .is_some_and(|c| c.is_alphanumeric() || c == '-' || c == '.');
            let prev_ok = t[..m.start()]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric);
            (ends && prev_ok && is_icann_tld(label)).then(|| format!(".{label}"))
        });
    }
    if markers.escape {
        pass(&mut out, &ESCAPED_DOT, |_, _| Some(".".into()));
    }
    if markers.bracket {
        pass(&mut out, &WORD_AT_BRACKETED, |_, _| Some("@".into()));
        pass(&mut out, &WORD_AT_CLOSING, |t, m| {
            (glued(t, m.start(), m.end()) && HOST_AHEAD.is_match(&t[m.end()..])).then(|| "@".into())
        });
    }
    if markers.loose_at {
        pass(&mut out, &LOOSE_AT, |t, m| {
            let found = &t[m.start()..m.end()];
            if found.contains("AT") {
                upper_word(t, m.start(), m.end(), "@")
                    .filter(|_| HOST_AHEAD.is_match(&t[m.end()..]))
            } else {
                let prev_ok = t[..m.start()]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_alphanumeric() || "._%+-".contains(c));
                (prev_ok && HOST_AHEAD.is_match(&t[m.end()..])).then(|| "@".into())
            }
        });
    }
    if markers.bracket || markers.escape {
        pass(&mut out, &MISC, |t, m| {
            let found = &t[m.start()..m.end()];
            Some(match found {
                "[-]" => "-".into(),
                "\\/" => "/".into(),
                _ => format!("{}.", &found[1..found.len() - 2]),
            })
        });
    }
    if markers.comma {
        pass(&mut out, &COMMA_IP, |t, m| {
            let before_ok = !t[..m.start()]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_digit() || c == ',' || c == '.');
            let after_ok = !t[m.end()..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit() || c == ',');
            let found = &t[m.start()..m.end()];
            let octets_ok = found
                .split(',')
                .all(|o| o.parse::<u16>().is_ok_and(|n| n <= 255));
            (before_ok && after_ok && octets_ok).then(|| found.replace(',', "."))
        });
    }
    if out == s {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(out)
    }
}

/// Which kinds of defanging markers a text contains.
#[derive(Default)]
struct Markers {
    /// A scheme that is not plain `http://` or `https://` may be present.
    odd_scheme: bool,
    /// Any of `[](){}<>`.
    bracket: bool,
    /// `\` or `^`.
    escape: bool,
    /// Upper-case `DOT`.
    upper_dot: bool,
    /// `-dot-` in any case.
    dash_dot: bool,
    /// Upper-case `AT`, or `@` next to a space or tab.
    loose_at: bool,
    /// A comma between digits.
    comma: bool,
}

impl Markers {
    /// Scans `s` once for every marker.
    fn of(s: &str) -> Markers {
        let b = s.as_bytes();
        let mut m = Markers::default();
        for (i, &c) in b.iter().enumerate() {
            let next = b.get(i + 1).copied().unwrap_or(0);
            let prev = if i > 0 { b[i - 1] } else { 0 };
            match c {
                b'[' | b']' | b'(' | b')' | b'{' | b'}' | b'<' | b'>' => m.bracket = true,
                b'\\' | b'^' => m.escape = true,
                b',' if prev.is_ascii_digit() && next.is_ascii_digit() => m.comma = true,
                b'@' if matches!(prev, b' ' | b'\t') || matches!(next, b' ' | b'\t') => {
                    m.loose_at = true
                }
                b'A' if next == b'T' => m.loose_at = true,
                b'D' if b.get(i..i + 3) == Some(b"DOT") => m.upper_dot = true,
                b'-' if b
                    .get(i..i + 5)
                    .is_some_and(|w| w.eq_ignore_ascii_case(b"-dot-")) =>
                {
                    m.dash_dot = true
                }
                // The letters SCHEME accepts: `[hx][tx][tx][px]`. Any but a
                // plain `http` is a marker; a plain one only with odd
                // surroundings.
                b'h' | b'H' | b'x' | b'X' if b.get(i..i + 4).is_some_and(scheme_letters) => {
                    m.odd_scheme |= !b[i..i + 4].eq_ignore_ascii_case(b"http")
                        || matches!(prev, b'[' | b'(')
                        || odd_http(&b[i + 4..]);
                }
                _ => {}
            }
        }
        m
    }

    /// Whether any rule can apply.
    fn any(&self) -> bool {
        self.odd_scheme
            || self.bracket
            || self.escape
            || self.upper_dot
            || self.dash_dot
            || self.loose_at
            || self.comma
    }
}

/// Whether four letters are ones SCHEME reads as a scheme: `[hx][tx][tx][px]`
/// in any case.
fn scheme_letters(w: &[u8]) -> bool {
    let [a, b, c, d] = w else {
        return false;
    };
    matches!(a.to_ascii_lowercase(), b'h' | b'x')
        && matches!(b.to_ascii_lowercase(), b't' | b'x')
        && matches!(c.to_ascii_lowercase(), b't' | b'x')
        && matches!(d.to_ascii_lowercase(), b'p' | b'x')
}

/// Whether the text after `http` is not simply `://x` or `s://x`: a
/// defanged `httpx`, spaces, a missing colon or a third slash need the
/// scheme rule.
fn odd_http(after: &[u8]) -> bool {
    let after = match after.first() {
        Some(b'x' | b'X') => return true,
        Some(b's' | b'S') => &after[1..],
        _ => after,
    };
    if after.starts_with(b"://") {
        matches!(after.get(3), Some(b'/' | b' ' | b'\t'))
    } else {
        matches!(
            after.first(),
            Some(b' ' | b'\t' | b']' | b')' | b':' | b'/' | b'[')
        )
    }
}

/// Whether the scheme `found` is the secure one: its fifth
/// letter (after an optional opening bracket) is `s` or `x`.
fn scheme_is_secure(found: &str) -> bool {
    let found = found.trim_start_matches(['[', '(']);
    found
        .as_bytes()
        .get(4)
        .is_some_and(|b| matches!(b.to_ascii_lowercase(), b's' | b'x'))
}

/// Applies one rule: every match of `pattern` in `text` is replaced by what
/// `decide` returns, or kept when it returns `None`. `decide` sees the whole
/// text of this pass, so it can look at the context of the match (the regex
/// crate has no look-around).
fn pass<F>(text: &mut String, pattern: &Regex, decide: F)
where
    F: Fn(&str, &regex::Match<'_>) -> Option<String>,
{
    let mut result: Option<String> = None;
    let mut last = 0;
    for m in pattern.find_iter(text) {
        if let Some(replacement) = decide(text, &m) {
            let buf = result.get_or_insert_with(|| String::with_capacity(text.len()));
            buf.push_str(&text[last..m.start()]);
            buf.push_str(&replacement);
            last = m.end();
        }
    }
    if let Some(mut buf) = result {
        buf.push_str(&text[last..]);
        *text = buf;
    }
}

/// Whether a scheme found at `start` begins a link: at the start of the
/// text, after white space, or after a character that a URL always
/// escapes. Within a link (`https://x.nl/0Xttp://y`, `?u=hxxp://y`) it is
/// part of a path or a query, and rewriting it there would make the link's
/// form depend on whether its own scheme was defanged.
fn starts_link(t: &str, start: usize) -> bool {
    t[..start]
        .chars()
        .next_back()
        .is_none_or(|c| c.is_whitespace() || matches!(c, '"' | '<' | '>' | '{' | '}' | '`'))
}

/// Whether a closing-bracket-only word at `start..end` is glued to
/// alphanumerics on both sides (`foodot]com`), which ordinary prose is not.
fn glued(t: &str, start: usize, end: usize) -> bool {
    let before = t[..start].chars().next_back();
    let after = t[end..].chars().next();
    before.is_some_and(char::is_alphanumeric) && after.is_some_and(char::is_alphanumeric)
}

/// Decides on an upper-case `DOT`/`AT` at `start..end` (possibly with spaces
/// around it): glued forms need lower-case letters or digits on both sides
/// with at least one letter (`fooDOTcom`, but not `MDOT.EXAMPLE` or
/// `0AT0.NL`); spaced forms need spaces on both
/// sides and alphanumerics beyond them.
fn upper_word(t: &str, start: usize, end: usize, replacement: &str) -> Option<String> {
    let found = &t[start..end];
    let spaced_before = found.starts_with([' ', '\t']);
    let spaced_after = found.ends_with([' ', '\t']);
    let before = t[..start].chars().next_back()?;
    let after = t[end..].chars().next()?;
    let ok = if !spaced_before && !spaced_after {
        // Between digits only (`0AT0.NL`) the word is part of an upper-case
        // name, so one side must be a lower-case letter.
        let small = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
        small(before) && small(after) && (before.is_ascii_lowercase() || after.is_ascii_lowercase())
    } else {
        spaced_before && spaced_after && before.is_alphanumeric() && after.is_alphanumeric()
    };
    ok.then(|| replacement.to_string())
}

/// Whether `label` (any case) is a top-level domain in the ICANN section of
/// the public suffix list.
pub(crate) fn is_icann_tld(label: &str) -> bool {
    if label.is_empty() || label.len() > 63 {
        return false;
    }
    psl_lookup::is_icann_tld(label.to_ascii_lowercase().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(input: &str, expected: &str) {
        assert_eq!(refang(input), expected, "refang({input:?})");
    }

    #[test]
    fn defanged_urls_are_restored() {
        check(
            "hxxps://rabo-veilig[.]nl/login?utm_source=sms",
            "https://rabo-veilig.nl/login?utm_source=sms",
        );
        check("hXXp://example[.]com", "http://example.com");
        check("rabo-veilig(.)nl", "rabo-veilig.nl");
        check("https[:]//example.org", "https://example.org");
        check(
            "hxxps[://]example[.]com/test[.]html",
            "https://example.com/test.html",
        );
        check(
            "marktplaats-betaalverzoek[dot]nl",
            "marktplaats-betaalverzoek.nl",
        );
        check("ing(punt)nl", "ing.nl");
    }

    #[test]
    fn defanged_email_addresses_are_restored() {
        check("info[at]example[.]nl", "info@example.nl");
        check("jan (at) voorbeeld (dot) nl", "jan@voorbeeld.nl");
        check("jan(apenstaartje)voorbeeld.nl", "jan@voorbeeld.nl");
        check("bob AT example.com", "bob@example.com");
    }

    #[test]
    fn dutch_prose_is_left_alone() {
        for text in [
            "Ik heb betaald (met iDEAL) en daarna (het pakket) niet ontvangen.",
            "zij (straat)en",
            "een polka-dot-jurk gekocht",
            "AT&T belde mij, prijs 1,50 of 12,5",
            "de website heet www.digid-inloggen.com.",
            "t.n.v. J. de Vries, o.a. d.w.z. z.s.m.",
            "(zie het beginpunt) en het eindpunt",
            "HKLM\\SOFTWARE\\foo bar",
        ] {
            assert!(
                matches!(refang(text), Cow::Borrowed(_)),
                "changed: {text:?} -> {:?}",
                refang(text)
            );
        }
    }

    #[test]
    fn text_without_markers_is_borrowed() {
        assert!(matches!(refang("https://example.com/a"), Cow::Borrowed(_)));
        assert!(matches!(refang(""), Cow::Borrowed(_)));
    }

    #[test]
    fn non_ascii_text_around_markers_does_not_panic() {
        check("é[.]ü", "é.ü");
        check("€(at)€", "€@€");
        check("ĳDOTĳ", "ĳDOTĳ");
        check("0AT0.NL 1DOT2", "0AT0.NL 1DOT2");
        check("x-dot-é", "x-dot-é");
    }

    #[test]
    fn a_plain_scheme_stays_as_written_next_to_a_defanged_one() {
        // Found by fuzzing (fuzz/corpus/refang): `Http://` in a query was
        // rewritten only when the URL before it was defanged.
        check(
            "hxxps://x[.]nl/a?next=Http://y",
            "https://x.nl/a?next=Http://y",
        );
        check(
            "https://x.nl/a?next=Http://y",
            "https://x.nl/a?next=Http://y",
        );
    }

    #[test]
    fn a_scheme_inside_a_link_is_part_of_it() {
        // Found by fuzzing (fuzz/corpus/refang): `Xttp://` in a path was
        // rewritten only when the link's own scheme was defanged.
        check(
            "hxxps://coh[.]it/0Xttp://uniddloos.zddfdd.nrg/CBA0020_f",
            "https://coh.it/0Xttp://uniddloos.zddfdd.nrg/CBA0020_f",
        );
        check("hxxps://x[.]nl/a/hxxp://y", "https://x.nl/a/hxxp://y");
        check("hxxps://x[.]nl/?u=hxxp://y", "https://x.nl/?u=hxxp://y");
        // A link starts after white space, a quote or an angle bracket.
        check(
            "zie hxxp://a[.]nl of \"hxxps://b[.]nl\" <hxxp://c[.]nl>",
            "zie http://a.nl of \"https://b.nl\" <http://c.nl>",
        );
    }

    #[test]
    fn every_scheme_the_rule_reads_is_a_marker() {
        // Found by fuzzing (fuzz/corpus/refang): `hxtp://` after a backtick
        // was rewritten only when something else in the text was defanged,
        // because the first scan looked for `xx` and the rule reads any of
        // `[hx][tx][tx][px]`.
        check("zie `hxtp://a.nl", "zie `http://a.nl");
        check("zie `hxtp://a.nl (x)", "zie `http://a.nl (x)");
        check("httpx://a.nl", "https://a.nl");
        check("XTTPS://a.nl", "https://a.nl");
        check("htxp://a.nl en (x)", "http://a.nl en (x)");
    }

    proptest::proptest! {
        /// Whether a rule fires on a piece of text does not depend on a
        /// marker elsewhere in the text.
        #[test]
        fn a_marker_elsewhere_changes_nothing(
            s in "[a-zé .@\\[\\](){}<>:/,0-9DOTATxhHpPsS`-]{0,40}",
            extra in proptest::sample::select(vec!["\n(x)", "\n[x]", "\n\\", "\n^", "\n1,2"]),
        ) {
            let alone = refang(&s).into_owned();
            let with = refang(&format!("{s}{extra}")).into_owned();
            proptest::prop_assert_eq!(with, format!("{alone}{extra}"));
        }

        #[test]
        fn refang_never_panics(s in "\\PC*") {
            let _ = refang(&s);
        }

        #[test]
        fn refang_never_panics_on_any_string(s in ".*") {
            let _ = refang(&s);
        }

        #[test]
        fn refang_of_marker_soup_never_panics(s in "[a-zé€ .@\\[\\](){}<>:/,0-9DOTATxh-]{0,40}") {
            let _ = refang(&s);
        }
    }
}
