//! The checks behind the fuzz targets, one function per target.
//!
//! Each takes the raw input bytes, feeds them to one part of fraudlink and
//! asserts what must hold for any input: nothing panics, every span lies in
//! the text on character boundaries, and every canonical value normalises
//! to itself again (so a value the store holds is the value a later report
//! with the same identifier produces). A failed assertion is a bug.
//!
//! The same file is compiled into the integration tests
//! (`tests/it/fuzz_corpus.rs` includes it as a module), which replay every
//! committed corpus input through [`TARGETS`] without libFuzzer. It may
//! therefore only use crates the main crate also depends on.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::LazyLock;

use fraudlink::allowlist::Allowlist;
use fraudlink::extract::{Extractor, Identifier};
use fraudlink::ident::{
    self, Crypto, Domain, Email, Handle, Iban, Kind, Match, Name, ParseError, Phone, Source, Url,
};
use fraudlink::index::{IndexDoc, MAX_QUERY_CHARS, SearchError, SearchIndex, SearchQuery};
use fraudlink::report::Report;
use phonenumber::country::Id;

/// The region numbers without a country code are read in (the default).
const REGION: Id = Id::NL;

/// A check: what one fuzz target runs on one input.
pub type Check = fn(&[u8]);

/// Every check, by the name of its fuzz target and corpus directory
/// (`fuzz/corpus/<name>/`).
pub const TARGETS: &[(&str, Check)] = &[
    ("report", report),
    ("extract", extract),
    ("text", text),
    ("iban", iban),
    ("phone", phone),
    ("url", url),
    ("email", email),
    ("handle", handle),
    ("crypto", crypto),
    ("name", name),
    ("refang", refang),
    ("query", query),
];

/// One extractor for all inputs, as the service has one.
static EXTRACTOR: LazyLock<Extractor> =
    LazyLock::new(|| Extractor::new(REGION, Allowlist::embedded()));

/// Builds, before the first input, the state fraudlink builds lazily on
/// first use: the extractor, the search index, every region's phone
/// metadata patterns (each country's example numbers, read and found in
/// text), the finders' regexes. Without it, the input that happens to
/// come first through a path pays for compiling its patterns, and that
/// one-time work looks like coverage only that input has: corpus
/// minimisation (`cargo fuzz cmin`) then keeps nearly every input.
/// Each fuzz target calls it in its `init`; the replay test too.
pub fn warm_up() {
    let mut text = String::from(
        "Bel 06-12345678 of +31 (0)20 123 4567, mail jan@example.nl, \
         https://example.nl/a?b=c www.voorbeeld.nl, IBAN NL91 ABNA 0417 1643 00, \
         @oplichter op telegram, bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq, \
         0x52908400098527886E0F7030069857D2E4169EE7, hxxps://x[.]nl/a\n",
    );
    for meta in phonenumber::metadata::DATABASE.iter() {
        let types = meta.descriptors();
        let examples = [
            types.fixed_line(),
            types.mobile(),
            types.toll_free(),
            types.premium_rate(),
            types.shared_cost(),
            types.voip(),
        ];
        for example in examples.into_iter().flatten().filter_map(|d| d.example()) {
            let written = format!("+{} {example}", meta.country_code());
            let _ = Phone::parse(&written, REGION);
            let _ = Phone::parse_possible(&written, REGION);
            text.push_str(&written);
            text.push_str(", ");
        }
    }
    for (_, check) in TARGETS {
        for input in [text.as_str(), "", "geld AND rekening"] {
            check(input.as_bytes());
        }
    }
}

/// Input bytes as text; invalid UTF-8 becomes U+FFFD, as it would in a
/// lossy import, so that every input reaches the code under test.
fn utf8(data: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// The canonical form of `value` by the normaliser extraction uses for its
/// kind (`Crypto::parse_lenient` for crypto, as extraction does; E.164
/// phone numbers are international, so `parse_possible` is the structured
/// field's parser).
fn canonical(kind: Kind, value: &str) -> Result<String, ParseError> {
    Ok(match kind {
        Kind::Iban => Iban::parse(value)?.as_str().to_owned(),
        Kind::Phone => Phone::parse_possible(value, REGION)?.as_str().to_owned(),
        Kind::Url => Url::parse(value)?.as_str().to_owned(),
        Kind::Domain => Domain::parse(value)?.as_str().to_owned(),
        Kind::Email => Email::parse(value)?.as_str().to_owned(),
        Kind::Handle => Handle::parse(value)?.as_str().to_owned(),
        Kind::Crypto => Crypto::parse_lenient(value)?.as_str().to_owned(),
        Kind::Name => Name::parse(value)?.as_str().to_owned(),
    })
}

/// A span is a non-empty range of `text` on character boundaries.
fn assert_span(text: &str, start: usize, end: usize, what: &dyn std::fmt::Debug) {
    assert!(
        start < end && end <= text.len(),
        "span {start}..{end} outside text of {} bytes: {what:?}",
        text.len()
    );
    assert!(
        text.is_char_boundary(start) && text.is_char_boundary(end),
        "span {start}..{end} not on character boundaries: {what:?}"
    );
}

/// What holds for every finder's matches in `text`.
fn assert_matches(text: &str, matches: &[Match], kinds: &[Kind]) {
    for m in matches {
        assert!(kinds.contains(&m.kind), "unexpected kind: {m:?}");
        assert_span(text, m.span.start, m.span.end, m);
        if m.valid {
            assert_eq!(
                canonical(m.kind, &m.value).as_deref(),
                Ok(m.value.as_str()),
                "a found value is not canonical: {m:?}"
            );
        }
    }
}

/// What holds for every identifier extracted from `narrative`.
fn assert_identifier(narrative: &str, id: &Identifier) {
    if let Some([start, end]) = id.span {
        assert_span(narrative, start, end, id);
    }
    if id.source == Source::Narrative {
        let [start, end] = id.span.expect("a statement's identifier has a span");
        assert_eq!(
            &narrative[start..end],
            id.raw,
            "raw text is not the spanned text"
        );
    }
    if id.valid {
        assert_eq!(
            canonical(id.kind, &id.value).as_deref(),
            Ok(id.value.as_str()),
            "an extracted value is not canonical: {id:?}"
        );
    } else {
        assert!(id.benign.is_none(), "only valid values are benign: {id:?}");
        assert!(!id.links(), "an invalid value links: {id:?}");
    }
}

/// Extraction of a parsed report: one entry per kind and value, each as
/// [`assert_identifier`] says.
fn assert_extraction(report: &Report) {
    let ids = EXTRACTOR.extract(report);
    let mut seen = HashSet::new();
    for id in &ids {
        assert!(
            seen.insert((id.kind, id.value.as_str())),
            "two entries for one kind and value: {id:?}"
        );
        assert_identifier(&report.narrative, id);
    }
}

/// `Report::from_json` on one import line. A report that parses has
/// trimmed, non-empty required fields, a sane amount, and parses the same
/// through the API's path (`from_value`); its extraction holds up.
pub fn report(data: &[u8]) {
    let line = utf8(data);
    let parsed = Report::from_json(&line);
    let Ok(r) = parsed else {
        return;
    };
    for (field, v) in [("unit", &r.unit), ("team", &r.team)] {
        assert!(!v.is_empty() && v.trim() == v, "{field} {v:?}");
    }
    assert!(!r.id.as_str().is_empty() && r.id.as_str().trim() == r.id.as_str());
    if let Some(a) = r.amount_eur {
        assert!(a.is_finite() && a >= 0.0, "amount {a}");
    }
    for si in &r.identifiers {
        assert!(!si.value.trim().is_empty(), "empty identifier {si:?}");
    }
    let value: serde_json::Value =
        serde_json::from_str(&line).expect("a line that parses as a report is JSON");
    assert_eq!(
        Report::from_value(value).as_ref(),
        Ok(&r),
        "the API's path reads the line differently"
    );
    assert_extraction(&r);
}

/// The separator between the statement and each identifier in an
/// `extract` input.
pub const RECORD: char = '\u{1e}';
/// The separator between an identifier's `type`, `value`, `role` and
/// `platform` in an `extract` input.
pub const FIELD: char = '\u{1f}';

/// Builds the import line for an `extract` input: the statement, then
/// identifiers, separated by [`RECORD`]; each identifier is `type`,
/// `value` and optionally `role` and `platform`, separated by [`FIELD`].
pub fn extract_input_to_json(input: &str) -> serde_json::Value {
    let mut records = input.split(RECORD);
    let narrative = records.next().unwrap_or("");
    let identifiers: Vec<serde_json::Value> = records
        .map(|rec| {
            let mut f = rec.split(FIELD);
            let mut obj = serde_json::Map::new();
            obj.insert("type".into(), f.next().unwrap_or("").into());
            obj.insert("value".into(), f.next().unwrap_or("").into());
            if let Some(role) = f.next() {
                obj.insert("role".into(), role.into());
            }
            if let Some(platform) = f.next() {
                obj.insert("platform".into(), platform.into());
            }
            obj.into()
        })
        .collect();
    serde_json::json!({
        "id": "2026-FUZ-000001",
        "filed_at": "2026-03-02T09:12:00+01:00",
        "unit": "Amsterdam",
        "team": "Amsterdam-Centrum",
        "narrative": narrative,
        "identifiers": identifiers,
    })
}

/// `Extractor::extract` on a report with a statement and structured
/// identifiers from the input (see [`extract_input_to_json`]). Identifiers
/// the import refuses become warnings; the report itself always parses.
pub fn extract(data: &[u8]) {
    let input = utf8(data);
    let value = extract_input_to_json(&input);
    let r = Report::from_value(value).expect("the fixed fields are valid");
    assert_extraction(&r);
}

/// `Extractor::text` on free text (the `/check` page's pasted statement).
pub fn text(data: &[u8]) {
    let t = utf8(data);
    for id in EXTRACTOR.text(&t) {
        assert_eq!(id.source, Source::Narrative);
        assert_identifier(&t, &id);
    }
}

/// A small index of Dutch statements for every `query` input, as the
/// service has one open.
static INDEX: LazyLock<SearchIndex> = LazyLock::new(|| {
    let index = SearchIndex::create_in_ram().expect("an index in memory");
    let doc = |id: &str, narrative: &str, ident: &str| IndexDoc {
        id: id.to_owned(),
        narrative: narrative.to_owned(),
        identifiers: vec![ident.to_owned()],
        unit: "Amsterdam".to_owned(),
        team: "Amsterdam-Centrum".to_owned(),
        fraud_type: "bank_helpdesk".to_owned(),
        filed_at: 1_767_225_600,
        amount_eur: Some(1_250.0),
    };
    index.submit(vec![
        doc(
            "r1",
            "Ik werd gebeld door de bank: ik moest mijn geld naar een veilige rekening overmaken.",
            "iban:NL91ABNA0417164300",
        ),
        doc(
            "r2",
            "Hoi mam, dit is mijn nieuwe nummer. Kun je een rekening voor me betalen?",
            "phone:+31612345678",
        ),
        doc(
            "r3",
            "Via Marktplaats een fiets gekocht en via een betaalverzoek betaald, nooit geleverd.",
            "url:https://tikkie.me/pay/x1",
        ),
    ]);
    index.flush(1).expect("the index commits");
    index
});

/// The stack of the thread that runs a `query` input: the 2 MiB a thread
/// gets by default, on which 5,000 nested brackets overflowed (issue 19).
/// The service's worker threads have 8 MiB; the query limits alone must
/// keep a search within this.
const QUERY_STACK: usize = 2 << 20;

/// `SearchIndex::search` with the input as the query text, on a thread
/// with a 2 MiB stack: it answers or refuses the query as the user's
/// mistake (never an index failure, a panic or a stack overflow), a query
/// longer than the limit is refused, and the answer is consistent.
pub fn query(data: &[u8]) {
    let text = utf8(data).into_owned();
    let q = SearchQuery {
        text: text.clone(),
        limit: 10,
        ..SearchQuery::default()
    };
    let outcome = std::thread::Builder::new()
        .stack_size(QUERY_STACK)
        .spawn(move || INDEX.search(&q))
        .expect("a search thread starts")
        .join()
        .unwrap_or_else(|_| panic!("the search panicked on {text:?}"));
    match outcome {
        Ok(found) => {
            assert!(
                text.chars().count() <= MAX_QUERY_CHARS,
                "a query over the limit was searched"
            );
            assert!(found.hits.len() <= 3 && found.total <= 3, "{found:?}");
            assert!(found.hits.len() <= found.total, "{found:?}");
        }
        Err(SearchError::InvalidQuery { message }) => {
            assert!(!message.is_empty(), "a refusal without a message");
        }
        Err(SearchError::Index(e)) => panic!("the index failed on {text:?}: {e:#}"),
    }
}

/// IBAN: `compact` and `parse` are idempotent, a canonical IBAN is upper
/// case letters and digits that start with its country; found values are
/// canonical.
pub fn iban(data: &[u8]) {
    let s = utf8(data);
    let c = ident::iban::compact(&s);
    assert_eq!(ident::iban::compact(&c), c, "compact is not idempotent");
    if let Ok(i) = Iban::parse(&s) {
        let v = i.as_str();
        assert!(
            (5..=34).contains(&v.len())
                && v.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()),
            "{v:?}"
        );
        assert_eq!(i.country(), &v[..2]);
        assert_eq!(Iban::parse(v).as_ref(), Ok(&i));
        let _ = (i.bank_code(), i.is_dutch());
    }
    assert_matches(&s, &ident::iban::find_in_text(&s), &[Kind::Iban]);
}

/// Phone: a parsed number is E.164, reads the same in any region, strict
/// acceptance implies lenient acceptance; found values are canonical.
pub fn phone(data: &[u8]) {
    let s = utf8(data);
    let strict = Phone::parse(&s, REGION);
    let possible = Phone::parse_possible(&s, REGION);
    if let Ok(p) = &strict {
        assert_eq!(possible.as_ref(), Ok(p), "strict accepts, lenient does not");
        assert_eq!(Phone::parse(p.as_str(), REGION).as_ref(), Ok(p));
    }
    if let Ok(p) = &possible {
        let v = p.as_str();
        let digits = v.strip_prefix('+').unwrap_or("");
        // Up to 17 digits: E.164 says 15, but the numbering plans in the
        // metadata go further (German fixed lines have up to 15 digits
        // after +49), and the parser takes at most 17.
        assert!(
            (3..=17).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()),
            "not E.164: {v:?}"
        );
        assert_eq!(Phone::parse_possible(v, REGION).as_ref(), Ok(p));
        assert_eq!(Phone::parse_possible(v, Id::BE).as_ref(), Ok(p));
        assert!(digits.starts_with(&p.country_code().to_string()), "{v:?}");
        let _ = (p.kind(), p.is_dutch());
    }
    assert_matches(&s, &ident::phone::find_in_text(&s, REGION), &[Kind::Phone]);
}

/// URL and domain: both normalisers are idempotent, a URL's domain is a
/// canonical domain; found values are canonical.
pub fn url(data: &[u8]) {
    let s = utf8(data);
    if let Ok(u) = Url::parse(&s) {
        assert_eq!(Url::parse(u.as_str()).as_ref(), Ok(&u));
        let _ = (u.host(), u.path_is_root(), ident::url::platform_ref(&u));
        if let Some(d) = u.domain() {
            assert_eq!(Domain::parse(d.as_str()).as_ref(), Ok(&d));
        }
    }
    if let Ok(d) = Domain::parse(&s) {
        assert_eq!(Domain::parse(d.as_str()).as_ref(), Ok(&d));
    }
    assert_matches(
        &s,
        &ident::url::find_in_text(&s),
        &[Kind::Url, Kind::Domain],
    );
}

/// E-mail: idempotent, `local@host` with a canonical domain; found values
/// are canonical.
pub fn email(data: &[u8]) {
    let s = utf8(data);
    if let Ok(e) = Email::parse(&s) {
        assert_eq!(Email::parse(e.as_str()).as_ref(), Ok(&e));
        assert_eq!(format!("{}@{}", e.local(), e.host()), e.as_str());
        if let Some(d) = e.domain() {
            assert_eq!(Domain::parse(d.as_str()).as_ref(), Ok(&d));
        }
    }
    assert_matches(
        &s,
        &ident::email::find_in_text(&s),
        &[Kind::Email, Kind::Domain],
    );
}

/// Handle: `platform:name` with a canonical platform, idempotent.
pub fn handle(data: &[u8]) {
    let s = utf8(data);
    if let Ok(h) = Handle::parse(&s) {
        assert_eq!(Handle::parse(h.as_str()).as_ref(), Ok(&h));
        assert_eq!(format!("{}:{}", h.platform(), h.name()), h.as_str());
        assert_eq!(
            ident::handle::canonical_platform(h.platform()),
            Some(h.platform())
        );
    }
    if let Some(p) = ident::handle::canonical_platform(&s) {
        assert_eq!(ident::handle::canonical_platform(p), Some(p));
    }
}

/// Crypto: strict and lenient parsing are idempotent and agree where the
/// strict one accepts; found values are canonical.
pub fn crypto(data: &[u8]) {
    let s = utf8(data);
    let strict = Crypto::parse(&s);
    if let Ok(c) = &strict {
        assert_eq!(Crypto::parse(c.as_str()).as_ref(), Ok(c));
        assert_eq!(Crypto::parse_lenient(&s).as_ref(), Ok(c));
    }
    if let Ok(c) = Crypto::parse_lenient(&s) {
        assert_eq!(Crypto::parse_lenient(c.as_str()).as_ref(), Ok(&c));
        assert_eq!(
            Crypto::parse_lenient(c.as_str()).map(|c| c.chain()),
            Ok(c.chain())
        );
    }
    assert_matches(&s, &ident::crypto::find_in_text(&s), &[Kind::Crypto]);
}

/// Name: idempotent.
pub fn name(data: &[u8]) {
    let s = utf8(data);
    if let Ok(n) = Name::parse(&s) {
        assert_eq!(Name::parse(n.as_str()).as_ref(), Ok(&n));
    }
}

/// Refang: never panics, and undoes the usual defanging. The input (or
/// its refanged form) is taken as a URL or an e-mail address; when that is
/// canonical and has no marker of its own, writing it defanged the way
/// statements do (`hxxps://rabo-veilig[.]nl/x`, `jan[at]voorbeeld[.]nl`)
/// must normalise back to the same value.
pub fn refang(data: &[u8]) {
    let s = utf8(data);
    let fanged = ident::refang::refang(&s);
    if let Ok(u) = Url::parse(&fanged) {
        let v = u.as_str();
        if ident::refang::refang(v) == v
            && let Some((scheme, rest)) = v.split_once("://")
        {
            let host_end = rest.find(['/', '?', ':']).unwrap_or(rest.len());
            let (host, tail) = rest.split_at(host_end);
            let scheme = scheme.replacen("tt", "xx", 1);
            let defanged = format!("{scheme}://{}{tail}", host.replace('.', "[.]"));
            assert_eq!(
                Url::parse(&defanged).as_ref(),
                Ok(&u),
                "defanged {defanged:?}"
            );
        }
    }
    if let Ok(e) = Email::parse(&fanged) {
        let v = e.as_str();
        if ident::refang::refang(v) == v {
            let defanged = format!("{}[at]{}", e.local(), e.host().replace('.', "[.]"));
            assert_eq!(
                Email::parse(&defanged).as_ref(),
                Ok(&e),
                "defanged {defanged:?}"
            );
        }
    }
    let _ = Domain::parse(&fanged);
}
