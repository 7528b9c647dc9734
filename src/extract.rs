//! Extraction: from a report (its structured fields and its Dutch
//! statement) to the canonical identifiers it names, each with its source,
//! its role and whether it is benign.
//!
//! The per-kind finders live in `crate::ident`; this module runs them over
//! the statement, resolves overlaps (an e-mail address contains a host, an
//! IBAN contains digit groups that look like a phone number), decides from
//! the words around an identifier whose it is ("van mijn rekening ..." is
//! the victim's own account), and consults the allowlist.
//!
//! Nothing here does I/O, and nothing panics on any input.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;
use std::sync::LazyLock;

use aho_corasick::AhoCorasick;
use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::allowlist::Allowlist;
use crate::ident::{
    self, Crypto, Domain, Email, Handle, Iban, Kind, Match, Name, Phone, Role, Source, Url,
};
use crate::report::{Report, StructuredIdentifier};

/// One identifier found in a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Identifier {
    /// Its kind.
    #[serde(rename = "type")]
    pub kind: Kind,
    /// The canonical value (for an invalid value, its compact written form).
    pub value: String,
    /// The text as written.
    pub raw: String,
    /// Structured field or statement. When both name it, `structured`.
    pub source: Source,
    /// Whose it is.
    pub role: Role,
    /// False when it has the shape of its kind but fails its check.
    pub valid: bool,
    /// Why it is benign (never links), if it is.
    #[schema(required = true)]
    pub benign: Option<String>,
    /// Byte range in the statement, where the statement names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub span: Option<[usize; 2]>,
    /// What a structured value held besides the identifier: the channel
    /// or line type after a number (`whatsapp`, `mobiel`), a note after an
    /// account. Additive to docs/formats.md; never part of the value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub note: Option<String>,
}

impl Identifier {
    /// True when this identifier may link reports: valid, the offender's,
    /// not benign, and not a name.
    pub fn links(&self) -> bool {
        self.valid
            && self.role == Role::Offender
            && self.benign.is_none()
            && self.kind != Kind::Name
    }
}

/// Extracts identifiers with one region and allowlist.
#[derive(Debug, Clone)]
pub struct Extractor {
    region: phonenumber::country::Id,
    allowlist: Allowlist,
}

impl Extractor {
    /// An extractor reading numbers without a country code in `region`.
    pub fn new(region: phonenumber::country::Id, allowlist: Allowlist) -> Extractor {
        Extractor { region, allowlist }
    }

    /// The allowlist in use.
    pub fn allowlist(&self) -> &Allowlist {
        &self.allowlist
    }

    /// All identifiers of a report: structured ones first, then those only
    /// the statement names. One entry per kind and value.
    pub fn extract(&self, report: &Report) -> Vec<Identifier> {
        let mut out = Vec::new();
        // A handle with a note (`@naam / insta`) is looked for in the
        // statement by its name alone.
        let named: Vec<StructuredIdentifier>;
        let lookup = if report
            .identifiers
            .iter()
            .any(|si| si.kind == Kind::Handle && self.note_beside(si))
        {
            named = report
                .identifiers
                .iter()
                .map(|si| {
                    let raw = si.value.trim();
                    match handle_name_end(raw) {
                        Some(end) if si.kind == Kind::Handle && self.note_beside(si) => {
                            StructuredIdentifier {
                                value: raw[..end].to_owned(),
                                ..si.clone()
                            }
                        }
                        _ => si.clone(),
                    }
                })
                .collect();
            &named
        } else {
            &report.identifiers
        };
        let near = handle_platforms(&report.narrative, lookup);
        for (si, platform) in report.identifiers.iter().zip(near) {
            self.structured(si, platform, &mut out);
        }
        let narrative = self.text(&report.narrative);
        merge(out, narrative)
    }

    /// Identifiers in free text alone.
    pub fn text(&self, text: &str) -> Vec<Identifier> {
        let mut out = Vec::new();
        for (m, raw) in accepted_matches(text, self.region) {
            let (role, context_benign) = context(text, m.span.clone(), m.kind);
            let mut id = Identifier {
                kind: m.kind,
                value: m.value,
                raw: raw.to_owned(),
                source: Source::Narrative,
                role,
                valid: m.valid,
                benign: None,
                span: Some([m.span.start, m.span.end]),
                note: None,
            };
            id.benign = self.benign(&id);
            if id.benign.is_none() && id.kind == Kind::Phone {
                id.benign = context_benign.filter(|_| !is_mobile(&id.value, self.region));
            }
            let extra = self.derived(&id);
            out.push(id);
            out.extend(extra);
        }
        out
    }

    /// Parses one structured identifier (and what it implies: a URL's
    /// domain, a `wa.me` link's phone number). `near` is the platform the
    /// statement names near a handle typed without one.
    fn structured(
        &self,
        si: &StructuredIdentifier,
        near: Option<String>,
        out: &mut Vec<Identifier>,
    ) {
        // A note beside a number or a handle is read first: the number
        // alone might parse (the note dropped) and the handle never would.
        if self.note_beside(si)
            && let Some(inside) = self.structured_inside(si, near.clone())
        {
            out.extend(inside);
            return;
        }
        let role = si.role.unwrap_or(Role::Offender);
        let raw = si.value.trim();
        let make = |kind: Kind, value: String, valid: bool| Identifier {
            kind,
            value,
            raw: raw.to_owned(),
            source: Source::Structured,
            role,
            valid,
            benign: None,
            span: None,
            note: None,
        };
        let mut found = Vec::new();
        match si.kind {
            Kind::Iban => match Iban::parse(raw) {
                Ok(v) => found.push(make(Kind::Iban, v.as_str().to_owned(), true)),
                Err(_) => found.push(make(Kind::Iban, ident::iban::compact(raw), false)),
            },
            Kind::Phone => match Phone::parse_possible(raw, self.region) {
                Ok(v) => found.push(make(Kind::Phone, v.as_str().to_owned(), true)),
                Err(_) => {
                    // An officer may paste a wa.me link into the phone field.
                    match Url::parse(raw).ok().and_then(|u| self.platform_phone(&u)) {
                        Some(p) => found.push(make(Kind::Phone, p, true)),
                        None => found.push(make(Kind::Phone, raw.to_owned(), false)),
                    }
                }
            },
            Kind::Url | Kind::Domain => found.extend(self.structured_url(raw, si.kind, &make)),
            Kind::Email => match Email::parse(raw) {
                Ok(v) => found.push(make(Kind::Email, v.as_str().to_owned(), true)),
                Err(_) => found.push(make(Kind::Email, raw.to_lowercase(), false)),
            },
            Kind::Handle => {
                let platform = si
                    .platform
                    .clone()
                    .or_else(|| near.clone())
                    .unwrap_or_default();
                match Url::parse(raw).ok().and_then(|u| self.platform_id(&u)) {
                    Some(id) if raw.contains('/') => found.push(make(id.0, id.1, true)),
                    _ => match Handle::new(&platform, raw) {
                        Ok(h) => found.push(make(Kind::Handle, h.as_str().to_owned(), true)),
                        Err(_) => found.push(make(Kind::Handle, raw.to_lowercase(), false)),
                    },
                }
            }
            Kind::Crypto => match Crypto::parse_lenient(raw) {
                Ok(v) => found.push(make(Kind::Crypto, v.as_str().to_owned(), true)),
                Err(_) => found.push(make(Kind::Crypto, raw.to_owned(), false)),
            },
            Kind::Name => match Name::parse(raw) {
                Ok(v) => found.push(make(Kind::Name, v.as_str().to_owned(), true)),
                Err(_) => found.push(make(Kind::Name, raw.to_owned(), false)),
            },
        }
        // A value that does not parse whole may hold its identifier in a
        // small text (`Rekening: NL91 ...`, `https://x.nl (via sms)`).
        if si.kind != Kind::Name
            && found.iter().any(|id| !id.valid)
            && let Some(inside) = self.structured_inside(si, near)
        {
            out.extend(inside);
            return;
        }
        for mut id in found {
            id.benign = self.benign(&id);
            let extra = self.derived(&id);
            out.push(id);
            out.extend(extra);
        }
    }

    /// A structured value that holds more than the identifier (a channel
    /// after a number, `06-12345678 (WhatsApp)`; a label before an IBAN,
    /// `Rekening: NL91 ...`; an app's short name, `@naam / insta`) is a
    /// small text: the identifiers of the field's kind are found in it with
    /// the statement's finders, each parsed as a structured value of its
    /// own, and what is left is kept as the note. `None` when the value is
    /// the identifier alone (or nothing of its kind is found in it), which
    /// the caller parses whole.
    fn structured_inside(
        &self,
        si: &StructuredIdentifier,
        near: Option<String>,
    ) -> Option<Vec<Identifier>> {
        let raw = si.value.trim();
        if raw.is_empty() || raw.len() > 200 {
            return None;
        }
        if si.kind == Kind::Handle {
            return self.structured_handle(si, raw, near);
        }
        let wanted: &[Kind] = match si.kind {
            Kind::Iban => &[Kind::Iban],
            Kind::Phone => &[Kind::Phone, Kind::Url],
            Kind::Url | Kind::Domain => &[Kind::Url, Kind::Domain],
            Kind::Email => &[Kind::Email],
            Kind::Crypto => &[Kind::Crypto],
            Kind::Handle | Kind::Name => return None,
        };
        let mut spans: Vec<Range<usize>> = Vec::new();
        for (m, _) in accepted_matches(raw, self.region) {
            if wanted.contains(&m.kind) && !spans.contains(&m.span) {
                spans.push(m.span);
            }
        }
        // A match over the whole value would be parsed the same way again.
        if spans.is_empty() || spans.iter().any(|s| s.len() >= raw.len()) {
            return None;
        }
        let note = leftover_note(raw, &spans);
        let mut out = Vec::new();
        for span in spans {
            let Some(part) = raw.get(span) else {
                continue;
            };
            let sub = StructuredIdentifier {
                kind: si.kind,
                value: part.to_owned(),
                role: si.role,
                platform: si.platform.clone(),
            };
            let mut found = Vec::new();
            self.structured(&sub, None, &mut found);
            for mut id in found {
                id.raw = raw.to_owned();
                if id.note.is_none() {
                    id.note.clone_from(&note);
                }
                out.push(id);
            }
        }
        Some(out)
    }

    /// Whether a structured value may hold a note beside its identifier
    /// that a whole parse would drop or fail on: letters beside a phone
    /// number (`06-12345678 (WhatsApp)`), words beside a handle
    /// (`@naam / insta`) or a link (`https://x.nl/a (via sms)`).
    fn note_beside(&self, si: &StructuredIdentifier) -> bool {
        let raw = si.value.trim();
        match si.kind {
            Kind::Phone => raw.chars().any(char::is_alphabetic),
            Kind::Handle => raw.contains(char::is_whitespace) || raw.contains(['(', ',', ';']),
            // A link has no spaces; its host alone would parse.
            Kind::Url | Kind::Domain => raw.contains(char::is_whitespace),
            _ => false,
        }
    }

    /// A structured handle with a note: `@naam (Telegram)`, `naam / insta`,
    /// `@naam via TG`. The first word is the account name; a platform
    /// named in the rest is the platform when the field has none.
    fn structured_handle(
        &self,
        si: &StructuredIdentifier,
        raw: &str,
        near: Option<String>,
    ) -> Option<Vec<Identifier>> {
        let end = handle_name_end(raw)?;
        let name = &raw[..end];
        let note = leftover_note(raw, std::slice::from_ref(&(0..end)));
        let platform = si
            .platform
            .clone()
            .or_else(|| {
                note.as_deref()
                    .and_then(ident::handle::canonical_platform)
                    .map(str::to_owned)
            })
            .or(near)
            .unwrap_or_default();
        let sub = StructuredIdentifier {
            kind: Kind::Handle,
            value: name.to_owned(),
            role: si.role,
            platform: Some(platform).filter(|p| !p.is_empty()),
        };
        let mut found = Vec::new();
        self.structured(&sub, None, &mut found);
        for id in &mut found {
            id.raw = raw.to_owned();
            if id.note.is_none() {
                id.note.clone_from(&note);
            }
        }
        Some(found)
    }

    fn structured_url(
        &self,
        raw: &str,
        kind: Kind,
        make: &dyn Fn(Kind, String, bool) -> Identifier,
    ) -> Vec<Identifier> {
        let has_scheme = raw.contains("://") || raw.to_ascii_lowercase().starts_with("hxxp");
        match Url::parse(raw) {
            // A bare host typed into the URL field is a domain, not a page.
            Ok(u) if kind == Kind::Url && (has_scheme || !u.path_is_root()) => {
                vec![make(Kind::Url, u.as_str().to_owned(), true)]
            }
            _ => match Domain::parse(raw) {
                Ok(d) => vec![make(Kind::Domain, d.as_str().to_owned(), true)],
                Err(_) => vec![make(kind, raw.to_owned(), false)],
            },
        }
    }

    /// What an identifier implies: a URL's domain and platform account, an
    /// e-mail address's domain when it is not free mail.
    fn derived(&self, id: &Identifier) -> Vec<Identifier> {
        if !id.valid {
            return Vec::new();
        }
        let mut out = Vec::new();
        let mut push = |kind: Kind, value: String| {
            let mut d = Identifier {
                kind,
                value,
                raw: id.raw.clone(),
                source: id.source,
                role: id.role,
                valid: true,
                benign: None,
                span: id.span,
                note: id.note.clone(),
            };
            d.benign = self.benign(&d);
            out.push(d);
        };
        match id.kind {
            Kind::Url => {
                if let Ok(u) = Url::parse(&id.value) {
                    // The finder already yields the domain of a URL in
                    // text; structured URLs need it added here.
                    if id.source == Source::Structured
                        && let Some(d) = u.domain()
                    {
                        push(Kind::Domain, d.as_str().to_owned());
                    }
                    if let Some((kind, value)) = self.link_account(&id.raw, &u) {
                        push(kind, value);
                    }
                }
            }
            Kind::Email => {
                if let Some(d) = Email::parse(&id.value).ok().and_then(|e| e.domain())
                    && !self.allowlist.is_freemail(d.as_str())
                {
                    push(Kind::Domain, d.as_str().to_owned());
                }
            }
            _ => {}
        }
        out
    }

    fn platform_id(&self, u: &Url) -> Option<(Kind, String)> {
        account_id(ident::url::platform_ref(u)?, self.region)
    }

    /// The account a link points to, read from the link as written (a
    /// Signal number is in the fragment, which the canonical URL drops) or
    /// else from its canonical form.
    fn link_account(&self, raw: &str, u: &Url) -> Option<(Kind, String)> {
        ident::url::platform_ref_written(raw)
            .and_then(|a| account_id(a, self.region))
            .or_else(|| self.platform_id(u))
    }

    fn platform_phone(&self, u: &Url) -> Option<String> {
        self.platform_id(u)
            .filter(|(k, _)| *k == Kind::Phone)
            .map(|(_, v)| v)
    }

    /// The allowlist's verdict on one identifier.
    fn benign(&self, id: &Identifier) -> Option<String> {
        if !id.valid {
            return None;
        }
        match id.kind {
            Kind::Phone => self.allowlist.phone(&id.value).map(|e| e.reason()),
            Kind::Domain => self.allowlist.domain(&id.value).map(|e| e.reason()),
            Kind::Url => {
                let u = Url::parse(&id.value).ok()?;
                let d = u.domain()?;
                let e = self.allowlist.domain(d.as_str())?;
                // A link to an account on a messaging or social platform
                // (`wa.me/316...`, `t.me/naam`) names the account, which is
                // found with it and links; each spelling of the link would
                // only link itself.
                if self.link_account(&id.raw, &u).is_some() {
                    return Some(format!("{} link to an account", e.reason()));
                }
                // A page on a platform is benign unless it points at one
                // specific thing: a listing, a payment request, a short
                // link. Those are as specific as the offender's own site.
                let specific = matches!(e.category.as_str(), "shortener" | "payment")
                    && !u.path_is_root()
                    || path_has_id(u.as_str());
                (!specific).then(|| format!("{} page", e.reason()))
            }
            Kind::Email => {
                let d = Email::parse(&id.value).ok()?.domain()?;
                let e = self.allowlist.domain(d.as_str())?;
                (e.category != "freemail").then(|| format!("sender at {}", e.reason()))
            }
            _ => None,
        }
    }
}

/// True when a URL's path has a segment with a digit: a listing number, a
/// payment code, a profile id.
fn path_has_id(url: &str) -> bool {
    let after_host = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest)
        .split_once('/')
        .map_or("", |(_, path)| path);
    after_host
        .split(['/', '?', '&', '='])
        .any(|seg| seg.len() >= 4 && seg.bytes().any(|b| b.is_ascii_digit()))
}

fn is_mobile(e164: &str, region: phonenumber::country::Id) -> bool {
    Phone::parse(e164, region).is_ok_and(|p| p.kind() == ident::phone::PhoneKind::Mobile)
}

/// Merges narrative identifiers into the structured ones: one entry per
/// kind and value. A victim role or a benign verdict from either side wins,
/// because one clear statement ("mijn eigen rekening") outweighs a default.
fn merge(structured: Vec<Identifier>, narrative: Vec<Identifier>) -> Vec<Identifier> {
    let all: Vec<Identifier> = structured.into_iter().chain(narrative).collect();
    // The first entry of each kind and value, for every entry.
    let mut first_of: HashMap<(Kind, &str), usize> = HashMap::with_capacity(all.len());
    let first: Vec<usize> = all
        .iter()
        .enumerate()
        .map(|(i, id)| *first_of.entry((id.kind, id.value.as_str())).or_insert(i))
        .collect();
    drop(first_of);
    let mut out: Vec<Identifier> = Vec::with_capacity(all.len());
    // Where in `out` each first entry went.
    let mut place = vec![0; all.len()];
    for (i, (id, first)) in all.into_iter().zip(first).enumerate() {
        if i == first {
            place[i] = out.len();
            out.push(id);
            continue;
        }
        let have = &mut out[place[first]];
        if id.role == Role::Victim && have.role_is_default() {
            have.role = Role::Victim;
        }
        if have.benign.is_none() {
            have.benign = id.benign;
        }
        if have.span.is_none() {
            have.span = id.span;
        }
        if have.note.is_none() {
            have.note = id.note;
        }
    }
    out
}

impl Identifier {
    /// A structured identifier's role may be overridden by the statement
    /// only when the officer did not set it; we cannot tell "not set" from
    /// "offender" after parsing, so the statement's victim cue wins. The
    /// officer's explicit victim role is never turned into offender.
    fn role_is_default(&self) -> bool {
        self.role == Role::Offender
    }
}

/// Priority when finders' matches overlap: lower wins.
fn priority(kind: Kind, bare_domain: bool) -> u8 {
    match kind {
        Kind::Email => 0,
        Kind::Url => 1,
        Kind::Domain if !bare_domain => 1,
        Kind::Iban => 2,
        Kind::Crypto => 3,
        Kind::Phone => 4,
        Kind::Domain => 5,
        Kind::Handle => 6,
        Kind::Name => 7,
    }
}

/// Runs every finder over `text` and keeps the matches that do not overlap
/// a higher-priority one. A URL and its domain share a span and stay
/// together.
fn accepted_matches(text: &str, region: phonenumber::country::Id) -> Vec<(Match, &str)> {
    let mut cands: Vec<Match> = Vec::new();
    cands.extend(ident::email::find_in_text(text));
    cands.extend(ident::url::find_in_text(text));
    cands.extend(ident::iban::find_in_text(text));
    cands.extend(ident::crypto::find_in_text(text));
    cands.extend(ident::phone::find_in_text(text, region));
    cands.extend(find_handles(text));
    cands.extend(find_names(text));
    cands.extend(app_links(text, region));
    // `https://www.ing.nl@phish.ru/login`: what looks like an e-mail address
    // in a link's authority is the link's decoy user name, not an address.
    let authorities: Vec<Range<usize>> = cands
        .iter()
        .filter(|m| m.kind == Kind::Url)
        .filter_map(|m| link_authority(text, m.span.clone()))
        .collect();
    cands.retain(|m| {
        m.kind != Kind::Email
            || !authorities
                .iter()
                .any(|a| a.start <= m.span.start && m.span.end <= a.end)
    });
    let url_spans: HashSet<Range<usize>> = cands
        .iter()
        .filter(|m| m.kind == Kind::Url)
        .map(|m| m.span.clone())
        .collect();
    let mut keyed: Vec<(u8, Match)> = cands
        .into_iter()
        .map(|m| {
            let bare = m.kind == Kind::Domain && !url_spans.contains(&m.span);
            (priority(m.kind, bare), m)
        })
        .collect();
    keyed.sort_by_key(|(p, m)| (*p, m.span.start));
    // The spans taken so far, by start. They do not overlap one another
    // (but for a URL and its domain, which share one span), so the taken
    // span that starts last before a match ends is the only one that can
    // overlap it: each match is checked in logarithmic time, not against
    // every span taken (a long statement has tens of thousands).
    let mut taken: BTreeMap<usize, Vec<(Kind, Range<usize>)>> = BTreeMap::new();
    let mut out = Vec::new();
    for (_, m) in keyed {
        // Walk back from the last taken span that starts before this match
        // ends: taken spans do not overlap one another (see below), so the
        // walk stops at the first one that ends before the match starts,
        // and goes further only past an allowed overlap.
        let mut clash = false;
        for (_, spans) in taken.range(..m.span.end).rev() {
            if spans.iter().all(|(_, s)| s.end <= m.span.start) {
                break;
            }
            if spans.iter().any(|(k, s)| {
                let overlaps = s.start < m.span.end && m.span.start < s.end;
                overlaps && !allowed_overlap(*k, s, m.kind, &m.span)
            }) {
                clash = true;
                break;
            }
        }
        if clash {
            continue;
        }
        let Some(raw) = text.get(m.span.clone()) else {
            continue;
        };
        // An address nested in a taken link is covered by the link's span:
        // it is not taken itself, and a link taken around addresses
        // replaces them, so that taken spans never overlap but for a URL
        // and its domain (one span).
        let nested = taken
            .range(..m.span.end)
            .rev()
            .take_while(|(_, spans)| spans.iter().any(|(_, s)| s.end > m.span.start))
            .any(|(_, spans)| {
                spans
                    .iter()
                    .any(|(_, s)| s.start <= m.span.start && m.span.end <= s.end && *s != m.span)
            });
        if !nested {
            let inner: Vec<usize> = taken
                .range(m.span.start..m.span.end)
                .filter(|(_, spans)| {
                    spans
                        .iter()
                        .all(|(_, s)| s.end <= m.span.end && *s != m.span)
                })
                .map(|(k, _)| *k)
                .collect();
            for k in inner {
                taken.remove(&k);
            }
            taken
                .entry(m.span.start)
                .or_default()
                .push((m.kind, m.span.clone()));
        }
        out.push((m, raw));
    }
    out.sort_by_key(|(m, _)| (m.span.start, m.kind));
    out
}

/// Whether a match of kind `k` over `s` may overlap one of kind `mk` over
/// `m`: a URL and its domain (one span), and an e-mail address inside a
/// link (`?email=jan@x.nl`: both were written).
fn allowed_overlap(k: Kind, s: &Range<usize>, mk: Kind, m: &Range<usize>) -> bool {
    let url_pair = s == m
        && matches!(
            (k, mk),
            (Kind::Url, Kind::Domain) | (Kind::Domain, Kind::Url)
        );
    let inside = |inner: &Range<usize>, outer: &Range<usize>| {
        outer.start <= inner.start && inner.end <= outer.end
    };
    let nested_email = match (k, mk) {
        (Kind::Email, Kind::Url | Kind::Domain) => inside(s, m),
        (Kind::Url | Kind::Domain, Kind::Email) => inside(m, s),
        _ => false,
    };
    url_pair || nested_email
}

/// Where the account name of a handle with a note ends (`@naam / insta`):
/// at the first space or separator, `None` when nothing precedes it.
fn handle_name_end(raw: &str) -> Option<usize> {
    raw.find(|c: char| c.is_whitespace() || matches!(c, '(' | ',' | ';' | '/' | '|'))
        .filter(|&i| i > 0)
}

/// Words that only label a structured value (`Rekening: NL91...`,
/// `tel. 06...`): no note.
const FIELD_LABELS: &[&str] = &[
    "iban",
    "rekening",
    "rekeningnummer",
    "rekeningnr",
    "reknr",
    "rek",
    "bankrekening",
    "account",
    "tel",
    "telefoon",
    "telefoonnummer",
    "telefoonnr",
    "telnr",
    "nummer",
    "nr",
    "phone",
    "number",
    "url",
    "link",
    "website",
    "site",
    "webshop",
    "domein",
    "e-mail",
    "email",
    "mail",
    "e-mailadres",
    "mailadres",
    "adres",
    "wallet",
    "handle",
    "naam",
];

/// The note of a structured value: what is left once the identifiers'
/// spans are taken out, without brackets, separators and labels; a
/// platform name becomes the platform's canonical name (`WA` ->
/// `whatsapp`). `None` when nothing is left.
fn leftover_note(raw: &str, spans: &[Range<usize>]) -> Option<String> {
    let mut rest = String::with_capacity(raw.len());
    let mut at = 0;
    let mut sorted: Vec<&Range<usize>> = spans.iter().collect();
    sorted.sort_by_key(|s| s.start);
    for s in sorted {
        if s.start >= at {
            rest.push_str(raw.get(at..s.start).unwrap_or(""));
            rest.push(' ');
            at = s.end;
        }
    }
    rest.push_str(raw.get(at..).unwrap_or(""));
    let words: Vec<&str> = rest
        .split(|c: char| {
            c.is_whitespace()
                || matches!(
                    c,
                    '(' | ')' | '[' | ']' | '{' | '}' | '/' | '|' | ',' | ';' | ':' | '='
                )
        })
        .map(|w| w.trim_matches(|c: char| matches!(c, '-' | '.' | '*' | '_' | '"' | '\'' | '–')))
        .filter(|w| !w.is_empty())
        .filter(|w| !FIELD_LABELS.iter().any(|l| w.eq_ignore_ascii_case(l)))
        .filter(|w| {
            !matches!(
                w.to_lowercase().as_str(),
                "via" | "op" | "per" | "on" | "by" | "of"
            )
        })
        .collect();
    if words.is_empty() {
        return None;
    }
    let note = words.join(" ");
    if let Some(platform) = ident::handle::canonical_platform(&note) {
        return Some(platform.to_owned());
    }
    Some(note.chars().take(64).collect())
}

/// The byte range of a link's authority (`user@host:port`) in `text`, for
/// a link written with a scheme; `None` for one without.
fn link_authority(text: &str, span: Range<usize>) -> Option<Range<usize>> {
    let raw = text.get(span.clone())?;
    let scheme_end = raw.find("://").filter(|&i| i <= 8)? + 3;
    let rest = &raw[scheme_end..];
    let len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    Some(span.start + scheme_end..span.start + scheme_end + len)
}

/// Messaging apps' own links (`tg://resolve?domain=naam`,
/// `whatsapp://send?phone=316...`) as the phone number or handle they
/// point to.
fn app_links(text: &str, region: phonenumber::country::Id) -> Vec<Match> {
    ident::url::find_app_links(text)
        .into_iter()
        .filter_map(|(span, account)| {
            let (kind, value) = account_id(account, region)?;
            Some(Match {
                kind,
                span,
                value,
                valid: true,
            })
        })
        .collect()
}

/// The identifier of an account a link points to: a phone number in
/// E.164 or a `platform:name` handle.
fn account_id(
    account: ident::url::PlatformRef,
    region: phonenumber::country::Id,
) -> Option<(Kind, String)> {
    match account {
        ident::url::PlatformRef::Phone(digits) => Phone::parse(&format!("+{digits}"), region)
            .ok()
            .map(|p| (Kind::Phone, p.as_str().to_owned())),
        ident::url::PlatformRef::Handle { platform, name } => Handle::new(platform, &name)
            .ok()
            .map(|h| (Kind::Handle, h.as_str().to_owned())),
    }
}

static PLATFORM_WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?-u:\b)(telegram|instagram|insta|snapchat|tiktok|whats\s?app|watsapp|signal|facebook|messenger|marktplaats|vinted|2dehands|twitter|discord|linkedin|skype|threads|kik|viber|tinder|badoo)(?-u:\b)",
    )
    .expect("valid regex")
});

/// A platform word followed by a colon (`Instagram: anna_walker14`). The
/// name after it is scanned by hand: a bounded repetition of Unicode
/// classes would defeat the regex engine's fast DFA.
static PLATFORM_COLON: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(telegram|instagram|snapchat|tiktok|signal|facebook|marktplaats|vinted)\s*(?:account|profiel|naam)?\s*:[ \t]*")
        .expect("valid regex")
});

/// The account name starting at `start`: letters, digits, `.`, `_`, `-`,
/// at most 64 characters, without trailing punctuation.
fn account_name_at(text: &str, start: usize) -> &str {
    let rest = text.get(start..).unwrap_or("");
    let mut end = 0;
    for (n, (i, c)) in rest.char_indices().enumerate() {
        if n >= 64 || !(c.is_alphanumeric() || matches!(c, '.' | '_' | '-')) {
            break;
        }
        end = i + c.len_utf8();
    }
    rest[..end].trim_end_matches(['.', '-', '_'])
}

/// Handles in text: `@name` with a platform word in the same sentence (the
/// nearest one), and `Platform: name`.
fn find_handles(text: &str) -> Vec<Match> {
    if !text.contains('@') && !text.contains(':') {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (at, _) in text.match_indices('@') {
        // `jan@example.nl` is an e-mail address, not a handle.
        let before = text[..at].chars().next_back();
        if before.is_some_and(|ch| ch.is_alphanumeric() || ch == '.' || ch == '_') {
            continue;
        }
        let name_str = account_name_at(text, at + 1);
        if name_str.chars().count() < 2 {
            continue;
        }
        let end = at + 1 + name_str.len();
        let sentence = sentence_around(text, at, end);
        let Some(platform) = nearest_platform(text, sentence, at, end) else {
            continue;
        };
        if let Ok(h) = Handle::new(&platform, name_str) {
            out.push(Match {
                kind: Kind::Handle,
                span: at..end,
                value: h.as_str().to_owned(),
                valid: true,
            });
        }
    }
    for m in PLATFORM_COLON.find_iter(text) {
        let platform = m
            .as_str()
            .split(|c: char| !c.is_alphanumeric())
            .next()
            .unwrap_or("");
        let name_start = m.end();
        let name_str = account_name_at(text, name_start);
        // `Vinted: mijn betaling klaarstond` is prose. Without an `@`, only
        // a name that looks like an account name (a digit, `_` or `.` in
        // it: `anna_walker14`) is taken.
        let account_like = name_str
            .chars()
            .any(|c| c.is_ascii_digit() || c == '_' || c == '.');
        if !name_str.chars().any(char::is_alphabetic) || !account_like {
            continue;
        }
        if name_str.chars().count() < 3 {
            continue;
        }
        if let Ok(h) = Handle::new(platform, name_str) {
            out.push(Match {
                kind: Kind::Handle,
                span: name_start..name_start + name_str.len(),
                value: h.as_str().to_owned(),
                valid: true,
            });
        }
    }
    out
}

/// The platform named nearest to `start..end` within `sentence`.
fn nearest_platform(
    text: &str,
    sentence: Range<usize>,
    start: usize,
    end: usize,
) -> Option<String> {
    let hay = text.get(sentence.clone())?;
    PLATFORM_WORD
        .find_iter(hay)
        .map(|m| {
            let (s, e) = (sentence.start + m.start(), sentence.start + m.end());
            let dist = if e <= start {
                start - e
            } else {
                s.saturating_sub(end)
            };
            (dist, m.as_str().replace(' ', ""))
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, w)| w)
}

/// Text typed into a handle field longer than this, in bytes, is not
/// looked for in the statement: a handle's name is at most 64 characters
/// (`Handle`). It also bounds the work of the search below: at one place
/// in the statement at most this many names of different lengths end.
const MAX_HANDLE_NEEDLE_BYTES: usize = 256;

/// For each structured identifier, the platform the statement names
/// nearest to it, when it is a handle typed without a platform (else
/// `None`): nearest to the first place the statement writes its name (any
/// case, without `@`), in the same sentence.
///
/// The statement is lower-cased once and searched once for all the names
/// together (Aho-Corasick), so the work grows with the statement plus the
/// names, not with their product: lower-casing and searching the whole
/// statement once per handle made a check of 33,000 handles and a 950 KB
/// statement take 13.6 s (issue 19).
fn handle_platforms(narrative: &str, identifiers: &[StructuredIdentifier]) -> Vec<Option<String>> {
    let mut out = vec![None; identifiers.len()];
    // Each distinct name once, and which identifiers want it.
    let mut needles: Vec<String> = Vec::new();
    let mut needle_of: HashMap<String, usize> = HashMap::new();
    let mut wanted: Vec<(usize, usize)> = Vec::new();
    for (i, si) in identifiers.iter().enumerate() {
        if si.kind != Kind::Handle || si.platform.is_some() {
            continue;
        }
        let needle = si.value.trim().trim_start_matches('@').to_lowercase();
        if needle.is_empty() || needle.len() > MAX_HANDLE_NEEDLE_BYTES {
            continue;
        }
        let n = *needle_of.entry(needle).or_insert_with_key(|needle| {
            needles.push(needle.clone());
            needles.len() - 1
        });
        wanted.push((i, n));
    }
    if wanted.is_empty() {
        return out;
    }
    let lower = narrative.to_lowercase();
    // Lower-casing can change byte offsets for a few scripts; only use the
    // positions when both strings have the same length.
    if lower.len() != narrative.len() {
        return out;
    }
    let Ok(names) = AhoCorasick::new(&needles) else {
        return out;
    };
    // Overlapping matches come in the order they end; for one name (of
    // one length) that is the order they start, so its first is its
    // leftmost.
    let mut first: Vec<Option<usize>> = vec![None; needles.len()];
    let mut left = needles.len();
    for m in names.find_overlapping_iter(&lower) {
        let slot = &mut first[m.pattern().as_usize()];
        if slot.is_none() {
            *slot = Some(m.start());
            left -= 1;
            if left == 0 {
                break;
            }
        }
    }
    let near: Vec<Option<String>> = first
        .iter()
        .zip(&needles)
        .map(|(pos, needle)| {
            let start = (*pos)?;
            let end = start + needle.len();
            let sentence = sentence_around(narrative, start, end);
            nearest_platform(narrative, sentence, start, end)
        })
        .collect();
    for (i, n) in wanted {
        out[i] = near[n].clone();
    }
    out
}

/// The byte range of the sentence around `start..end`: from the previous
/// sentence end to the next one, at most 160 bytes each way.
fn sentence_around(text: &str, start: usize, end: usize) -> Range<usize> {
    let mut s = start.saturating_sub(160);
    while !text.is_char_boundary(s) {
        s += 1;
    }
    let mut e = (end + 160).min(text.len());
    while !text.is_char_boundary(e) {
        e -= 1;
    }
    let before = &text[s..start.min(text.len()).max(s)];
    let from = before.rfind(['\n', '!', '?']).map_or(s, |i| s + i + 1);
    let after = &text[end.min(e)..e];
    let to = after
        .find(['\n', '!', '?'])
        .or_else(|| after.find(". "))
        .map_or(e, |i| end + i);
    from..to
}

static NAME_CUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?-u:\b)(?:t\.\s?n\.\s?v\.?|tnv\.?|ten\s+name\s+van|op\s+(?:de\s+)?naam\s+van|rekeninghouder:?|begunstigde:?|(?:hij|zij|ze)\s+noemde\s+(?:zich(?:zelf)?)|de\s+persoon\s+heette|zijn\s+naam\s+was|haar\s+naam\s+was)\s+",
    )
    .expect("valid regex")
});

/// Words that end a name in running text.
const NOT_NAME: &[&str] = &[
    "en", "is", "was", "maar", "ik", "hij", "zij", "ze", "op", "via", "naar", "in", "met", "bij",
    "voor", "dat", "die", "het", "een", "om", "te", "of", "als", "toen", "daarna", "heb", "had",
    "werd", "zou", "niet", "nog", "ook", "uit", "aan", "over", "mijn", "zijn", "haar",
];

/// Particles that belong inside Dutch surnames.
const PARTICLES: &[&str] = &[
    "van", "de", "der", "den", "ter", "ten", "te", "het", "'t", "la", "le", "da", "di", "el", "al",
    "bin",
];

/// Account-holder names after `t.n.v.`, `ten name van`, `op naam van` and
/// the like: up to five name-like words.
fn find_names(text: &str) -> Vec<Match> {
    let mut out = Vec::new();
    for cue in NAME_CUE.find_iter(text) {
        let start = cue.end();
        let mut end = start;
        let mut words = 0;
        let mut pos = start;
        for token in text[start..].split_inclusive(char::is_whitespace) {
            let word = token.trim_end();
            let bare = word.trim_end_matches([',', ';', ':', ')', '.', '!', '?', '\'', '"']);
            let lower = bare.to_lowercase();
            let is_initial = bare.chars().count() == 1 && bare.chars().all(char::is_alphabetic);
            let name_like = !bare.is_empty()
                && bare
                    .chars()
                    .all(|c| c.is_alphabetic() || c == '-' || c == '\'' || c == '.')
                && bare.chars().next().is_some_and(char::is_alphabetic);
            let allowed = name_like
                && (PARTICLES.contains(&lower.as_str())
                    || is_initial
                    || !NOT_NAME.contains(&lower.as_str()));
            if !allowed || words >= 5 {
                break;
            }
            words += 1;
            end = pos + bare.len();
            pos += token.len();
            // Punctuation other than an initial's dot ends the name.
            let tail = &word[bare.len()..];
            let initial_dot = is_initial && tail == ".";
            if !tail.is_empty() && !initial_dot {
                break;
            }
            if initial_dot {
                end = pos - (token.len() - word.len());
            }
        }
        if words == 0 || end <= start {
            continue;
        }
        let Some(raw) = text.get(start..end) else {
            continue;
        };
        let raw = raw.trim_end_matches(|c: char| PARTICLES.iter().any(|_| c.is_whitespace()));
        if let Ok(n) = Name::parse(raw) {
            out.push(Match {
                kind: Kind::Name,
                span: start..start + raw.len(),
                value: n.as_str().to_owned(),
                valid: true,
            });
        }
    }
    out
}

/// Cues before an IBAN (or a wallet) that say it is the victim's own
/// account: typos included, as victims write them.
static VICTIM_ACCOUNT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)
        (?-u:\b)(?:mijn|mn|m'n|m’n|onze|ons)\s+(?:eigen\s+)?(?:spaar|betaal|bank|privé|prive|zakelijke\s+)?
            (?:rekening|reking|rekenig|rekeing|rekeningnummer|rekeningnr|iban|bankrekening|wallet|portemonnee)",
    )
    .expect("valid regex")
});

/// Cues before a phone number that say it is the victim's own, or that of
/// the victim's family (the real child in "hoi mam" fraud).
static VICTIM_PHONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)
        (?-u:\b)(?:mijn|mn|m'n|m’n|onze)\s+(?:eigen\s+|mobiele\s+|vaste\s+)*(?:telefoonnummer|telefoonnr|nummer|numer|nummr|06(?:-nummer)?|mobiele\s+nummer)(?-u:\b)
        |(?-u:\b)ik\s+ben\s+(?:bereikbaar|te\s+bereiken)
        |(?-u:\b)(?:u|je|jullie)\s+(?:kunt|kan)\s+mij\s+(?:bellen|bereiken|terugbellen)
        |(?-u:\b)(?:mijn|mn|m'n)\s+(?:dochter|zoon|kleindochter|kleinzoon|neef|nicht|broer|zus|zuster|moeder|vader|man|vrouw|partner|kind|vriend|vriendin|schoonzoon|schoondochter)(?-u:\b)
        |(?-u:\b)het\s+(?:oude|echte)\s+nummer",
    )
    .expect("valid regex")
});

/// Cues before an e-mail address that say it is the victim's own.
static VICTIM_EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)(?-u:\b)(?:mijn|mn|m'n|m’n)\s+(?:eigen\s+)?(?:e-?mail(?:adres)?|mailadres|emailadres)(?-u:\b)",
    )
    .expect("valid regex")
});

/// Cues that point at the offender and end a victim cue's reach
/// ("van mijn rekening naar NL..").
static OFFENDER_CUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)
        (?-u:\b)naar(?-u:\b)|(?-u:\b)naartoe(?-u:\b)|(?-u:\b)oplichter|(?-u:\b)dader|(?-u:\b)t\.?\s?n\.?\s?v(?-u:\b)|(?-u:\b)ten\s+name\s+van|(?-u:\b)betaal[dt]\s+(?:aan|op)(?-u:\b)
        |(?-u:\b)ontvanger|(?-u:\b)begunstigde|(?-u:\b)veilig[a-z]*\s+re[a-z]*|(?-u:\b)kluisrekening|(?-u:\b)benaderd|(?-u:\b)appte|(?-u:\b)belde|(?-u:\b)gebeld\s+door
        |(?-u:\b)(?:hij|zij|ze)\s+gaf|(?-u:\b)afzender|(?-u:\b)beller",
    )
    .expect("valid regex")
});

/// Cues that a number is a caller id shown on the victim's screen or one
/// the victim looked up: a spoofed official number, not the offender's.
static SPOOF_CUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)
        (?-u:\b)in\s+(?:beeld|(?:mijn|mn|m'n)\s+(?:scherm|display))(?-u:\b)
        |(?-u:\b)op\s+(?:mijn|mn|m'n)\s+(?:telefoon|telefon|tel|scherm|display|mobiel)\s+stond
        |(?-u:\b)achteraf\s+gecheckt|(?-u:\b)gecontroleerd|(?-u:\b)nagekeken|(?-u:\b)opgezocht
        |(?-u:\b)nummer\s+beller|(?-u:\b)nummr\s+beller|(?-u:\b)numer\s+beller|(?-u:\b)nummerherkenning|(?-u:\b)leek\s+(?:te\s+)?(?:komen|het\s+nummer)
        |(?-u:\b)(?:bank|ing|rabo(?:bank)?|abn(?:\s?amro)?|sns|asn|regiobank|triodos|bunq|knab|belastingdienst|digid|politie|fraudehelpdesk)\s+(?:gebeld|gebelt|belde|teruggebeld)
        |(?-u:\b)toen\s+ik(?-u:\b)",
    )
    .expect("valid regex")
});

/// Whose an identifier in text is, and whether the words around a phone
/// number say it is a spoofed official number.
fn context(text: &str, span: Range<usize>, kind: Kind) -> (Role, Option<String>) {
    // Victims describe their own account, number and address; their own
    // websites and handles do not come up in a fraud statement.
    let victim_cue: Option<&Regex> = match kind {
        Kind::Iban | Kind::Crypto => Some(&VICTIM_ACCOUNT),
        Kind::Phone => Some(&VICTIM_PHONE),
        Kind::Email => Some(&VICTIM_EMAIL),
        _ => None,
    };
    // Nothing around a link or a handle changes whose it is.
    if victim_cue.is_none() && kind != Kind::Phone {
        return (Role::Offender, None);
    }
    let mut from = span.start.saturating_sub(70);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    let Some(before) = text.get(from..span.start) else {
        return (Role::Offender, None);
    };
    // Only the current sentence counts.
    let clause_start = before
        .rfind(['\n', '!', '?'])
        .max(sentence_dot(before))
        .map_or(0, |i| i + 1);
    let clause = &before[clause_start..];
    let last_victim = victim_cue.and_then(|re| re.find_iter(clause).last().map(|m| m.end()));
    // An offender cue only matters after a victim cue.
    let last_offender =
        last_victim.and_then(|_| OFFENDER_CUE.find_iter(clause).last().map(|m| m.end()));
    let role = match (last_victim, last_offender) {
        (Some(v), Some(o)) if v > o => Role::Victim,
        (Some(_), None) => Role::Victim,
        _ => Role::Offender,
    };
    let spoof = if kind == Kind::Phone && role == Role::Offender {
        let after_end = (span.end + 30).min(text.len());
        let mut e = after_end;
        while !text.is_char_boundary(e) {
            e -= 1;
        }
        let after = text.get(span.end..e).unwrap_or("");
        let named_after = OFFICIAL_AFTER.is_match(after);
        (named_after || SPOOF_CUE.is_match(clause))
            .then(|| "official number by context (shown as caller id or called back)".to_owned())
    } else {
        None
    };
    (role, spoof)
}

/// A bank or authority named in brackets right after a number:
/// `+31887226767 (de Rabobank)`.
static OFFICIAL_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*\(\s*(?:van\s+)?(?:de\s+|het\s+)?(?:bank|ing|rabo(?:bank)?|abn(?:\s?amro)?|sns|asn|regiobank|triodos|bunq|knab|belastingdienst|digid|politie|fraudehelpdesk)(?-u:\b)")
        .expect("valid regex")
});

/// Words whose dot does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "t.n.v", "tnv", "nr", "bijv", "o.a", "ca", "z.s.m", "e.d", "m.b.t", "i.v.m", "d.w.z", "evt",
    "tel", "mr", "mw", "dhr", "mevr", "st", "jl", "a.s",
];

/// The byte index of the last `. ` that ends a sentence: not the dot of an
/// initial (`J. de Vries`) or of an abbreviation (`t.n.v. `).
fn sentence_dot(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = b.len();
    while i > 0 {
        i -= 1;
        if b[i] != b'.' || !b.get(i + 1).is_some_and(|c| c.is_ascii_whitespace()) {
            continue;
        }
        let word_start = s[..i]
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '.'))
            .map_or(0, |(p, c)| p + c.len_utf8());
        let word = &s[word_start..i];
        let initial = word.chars().count() == 1 && word.chars().all(char::is_alphabetic);
        if !initial && !ABBREVIATIONS.iter().any(|a| word.eq_ignore_ascii_case(a)) {
            return Some(i);
        }
    }
    None
}

static SUPPLEMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(?:aanvulling\s+op|aanvullende\s+(?:aangifte|verklaring)|eerdere\s+aangifte|vorige\s+aangifte)")
        .expect("valid regex")
});

/// True when a statement calls itself a supplement to an earlier report
/// ("Aanvulling op mijn eerdere aangifte van 6/1"): with the same victim,
/// that is a refiling of one case.
pub fn is_supplement(narrative: &str) -> bool {
    SUPPLEMENT.is_match(narrative)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn extractor() -> Extractor {
        let region = phonenumber::country::Id::NL;
        Extractor::new(region, Allowlist::embedded())
    }

    /// Extracts from text and renders each identifier as
    /// `kind:value:role[:benign]`, in text order.
    fn found(text: &str) -> Vec<String> {
        extractor()
            .text(text)
            .into_iter()
            .filter(|i| i.kind != Kind::Name)
            .map(|i| {
                let role = match i.role {
                    Role::Offender => "offender",
                    Role::Victim => "victim",
                };
                let benign = if i.benign.is_some() { ":benign" } else { "" };
                format!("{}:{}:{role}{benign}", i.kind, i.value)
            })
            .collect()
    }

    #[track_caller]
    fn check(text: &str, expected: &[&str]) {
        assert_eq!(found(text), expected, "in {text:?}");
    }

    #[test]
    fn the_victims_own_account_is_the_victims() {
        check(
            "Het geld is afgeschreven van mijn reking NL91 ABNA 0417 1643 00.",
            &["iban:NL91ABNA0417164300:victim"],
        );
        check(
            "Mijn eigen rekeningnummer is NL91ABNA0417164300. Het geld ging naar NL02RABO0123456789.",
            &[
                "iban:NL91ABNA0417164300:victim",
                "iban:NL02RABO0123456789:offender",
            ],
        );
        check(
            "Ik heb vanaf mijn rekening NL91ABNA0417164300 overgemaakt naar NL02RABO0123456789.",
            &[
                "iban:NL91ABNA0417164300:victim",
                "iban:NL02RABO0123456789:offender",
            ],
        );
    }

    #[test]
    fn a_victim_cue_ends_with_its_sentence() {
        check(
            "Ik betaalde vanaf mijn eigen rekening (NL91 ABNA 0417 1643 00). IBAN: NL02RABO0123456789",
            &[
                "iban:NL91ABNA0417164300:victim",
                "iban:NL02RABO0123456789:offender",
            ],
        );
        check(
            "Ik betaalde vanaf mijn eigen rekening (NL91ABNA0417164300). Webshop: www.nep-winkel24.nl",
            &[
                "iban:NL91ABNA0417164300:victim",
                "url:https://www.nep-winkel24.nl:offender",
                "domain:nep-winkel24.nl:offender",
            ],
        );
    }

    #[test]
    fn the_victims_own_number_and_family_numbers_do_not_link() {
        check(
            "Ik ben bereikbaar op 06-12345678.",
            &["phone:+31612345678:victim"],
        );
        check(
            "m'n eigen nummer: +31612345678",
            &["phone:+31612345678:victim"],
        );
        check(
            "Het nummer van mijn dochter is 06 12 34 56 78.",
            &["phone:+31612345678:victim"],
        );
        check(
            "Hij appte vanaf +31 6 1234 5678. Mijn telefoonnummer is 0687654321.",
            &["phone:+31612345678:offender", "phone:+31687654321:victim"],
        );
    }

    #[test]
    fn spoofed_and_called_back_official_numbers_are_benign() {
        // A number the allowlist knows.
        check(
            "Nummer beller: 088 722 67 67 (de Rabobank)",
            &["phone:+31887226767:offender:benign"],
        );
        // A fixed line the allowlist does not know, shown as caller id.
        check(
            "In beeld stond 030 123 45 67.",
            &["phone:+31301234567:offender:benign"],
        );
        // A mobile number shown as caller id is the offender's own.
        check(
            "In beeld stond 06 12345678.",
            &["phone:+31612345678:offender"],
        );
    }

    #[test]
    fn platforms_are_benign_but_specific_links_on_them_are_not() {
        check(
            "De advertentie stond op marktplaats.nl",
            &["domain:marktplaats.nl:offender:benign"],
        );
        check(
            "Betaalverzoek via https://tikkie.me/pay/r4hkGfZc/TERS",
            &[
                "url:https://tikkie.me/pay/r4hkGfZc/TERS:offender",
                "domain:tikkie.me:offender:benign",
            ],
        );
    }

    #[test]
    fn wa_me_links_are_phone_numbers_and_at_names_near_a_platform_are_handles() {
        check(
            "Een bericht via https://wa.me/31612345678 van mijn zoon.",
            &[
                "url:https://wa.me/31612345678:offender:benign",
                "phone:+31612345678:offender",
                "domain:wa.me:offender:benign",
            ],
        );
        check(
            "Ik had contact met @JanVerkoop88 op Telegram.",
            &["handle:telegram:janverkoop88:offender"],
        );
        check(
            "Zijn account: @rich.daily14 (Instagram)",
            &["handle:instagram:rich.daily14:offender"],
        );
        check(
            "Ik had contact met Instagram: anna_walker14.",
            &["handle:instagram:anna_walker14:offender"],
        );
        check("Ik kreeg een sms: 'Vinted: mijn betaling klaarstond'.", &[]);
        check(
            "Mail jan@voorbeeld-shop.nl maar geen handle.",
            &[
                "email:jan@voorbeeld-shop.nl:offender",
                "domain:voorbeeld-shop.nl:offender",
            ],
        );
    }

    #[test]
    fn traps_give_nothing() {
        check(
            "Op 28-02-2025 om 14:30 heb ik € 1.234,56 betaald, postcode 1234 AB, kenmerk 5419 8213 1605 8948, aangifte 2025-AMS-00000123.",
            &[],
        );
    }

    #[test]
    fn account_holder_names_are_found_and_never_link() {
        let ids =
            extractor().text("Het ging naar NL02RABO0123456789 t.n.v. J. de Vries. Daarna niets.");
        let name = ids.iter().find(|i| i.kind == Kind::Name).expect("a name");
        assert_eq!(name.value, "j. de vries");
        assert!(!name.links());
    }

    #[test]
    fn structured_and_narrative_mentions_merge_into_one_identifier() {
        let line = r#"{"id": "x", "filed_at": "2026-01-03T09:12:00Z", "unit": "A", "team": "B",
            "narrative": "Mijn eigen rekeningnummer is NL91 ABNA 0417 1643 00.",
            "identifiers": [{"type": "iban", "value": "nl91abna0417164300"}]}"#;
        let report = Report::from_json(&line.replace('\n', " ")).unwrap();
        let ids = extractor().extract(&report);
        assert_eq!(ids.len(), 1, "{ids:?}");
        assert_eq!(ids[0].source, Source::Structured);
        assert_eq!(ids[0].role, Role::Victim);
        assert!(ids[0].span.is_some());
    }

    fn handle(value: &str, platform: Option<&str>) -> StructuredIdentifier {
        StructuredIdentifier {
            kind: Kind::Handle,
            value: value.to_owned(),
            role: None,
            platform: platform.map(str::to_owned),
        }
    }

    /// The platform search as it was, one handle at a time: lower-case the
    /// whole statement and look for the name (the oracle).
    fn platform_near_one_by_one(narrative: &str, si: &StructuredIdentifier) -> Option<String> {
        if si.kind != Kind::Handle || si.platform.is_some() {
            return None;
        }
        let needle = si.value.trim().trim_start_matches('@').to_lowercase();
        if needle.is_empty() || needle.len() > MAX_HANDLE_NEEDLE_BYTES {
            return None;
        }
        let lower = narrative.to_lowercase();
        if lower.len() != narrative.len() {
            return None;
        }
        let pos = lower.find(&needle)?;
        let sentence = sentence_around(narrative, pos, pos + needle.len());
        nearest_platform(narrative, sentence, pos, pos + needle.len())
    }

    #[test]
    fn structured_handles_without_a_platform_take_the_one_named_near_them() {
        let narrative = "Eerst appte Jan_Verkoop88 mij via WhatsApp. Daarna zag ik @piet.01 op \
                         Instagram! Op Telegram schreef jan_verkoop88 weer.";
        let ids = [
            handle("@Jan_Verkoop88", None),
            handle("jan", None),
            handle("PIET.01", None),
            handle("piet.01", Some("tiktok")),
            handle("onbekend", None),
            StructuredIdentifier {
                kind: Kind::Iban,
                ..handle("jan", None)
            },
        ];
        let got = handle_platforms(narrative, &ids);
        let want: Vec<Option<String>> = ids
            .iter()
            .map(|si| platform_near_one_by_one(narrative, si))
            .collect();
        assert_eq!(got, want);
        // The platform nearest the first mention, in its sentence (which
        // ends at `!`): a later mention near Telegram does not count; `jan`
        // is first found inside `Jan_Verkoop88`; a handle typed with a
        // platform, one never mentioned and an IBAN get none here.
        let (wa, ig) = (Some("WhatsApp".to_owned()), Some("Instagram".to_owned()));
        assert_eq!(got, [wa.clone(), wa, ig, None, None, None]);
    }

    // See: issue 19
    #[test]
    fn issue_19_many_handles_in_a_long_statement_are_looked_up_in_one_pass() {
        // The check of the issue, scaled down: thousands of handles without
        // a platform and a long statement. One lower-casing and one search
        // per handle took handles x statement (13.6 s at 33,000 handles and
        // 950 KB); now one pass serves all, with the same answers.
        let mut narrative = String::new();
        for i in 0..2_000 {
            narrative.push_str(&format!("Op Telegram schreef gebruiker{i} mij. "));
        }
        narrative.push_str(&"bla ".repeat(20_000));
        let ids: Vec<StructuredIdentifier> = (0..3_000)
            .map(|i| handle(&format!("@Gebruiker{i}"), None))
            .collect();
        let got = handle_platforms(&narrative, &ids);
        for (i, platform) in got.iter().enumerate() {
            let want = (i < 2_000).then(|| "Telegram".to_owned());
            assert_eq!(platform, &want, "handle {i}");
        }
        let report = Report {
            identifiers: ids,
            narrative,
            ..Report::from_json(r#"{"id": "x", "filed_at": "2026-01-03T09:12:00Z", "unit": "A", "team": "B", "narrative": ""}"#).unwrap()
        };
        let found = extractor().extract(&report);
        let handles = found
            .iter()
            .filter(|i| i.kind == Kind::Handle && i.valid && i.source == Source::Structured)
            .count();
        assert_eq!(handles, 2_000);
    }

    #[test]
    fn a_link_with_a_user_name_is_a_link_and_an_address_in_its_query_stays() {
        // See: issue 20
        check(
            "Klik op https://www.ing.nl@phish.ru/login om in te loggen.",
            &[
                "url:https://phish.ru/login:offender",
                "domain:phish.ru:offender",
            ],
        );
        check(
            "Click http://user:secret@x-bank.com/a now",
            &[
                "url:http://x-bank.com/a:offender",
                "domain:x-bank.com:offender",
            ],
        );
        check(
            "Afmelden: https://x-shop.nl/afmelden?email=jan@voorbeeld.nl graag",
            &[
                "url:https://x-shop.nl/afmelden?email=jan@voorbeeld.nl:offender",
                "domain:x-shop.nl:offender",
                "email:jan@voorbeeld.nl:offender",
                "domain:voorbeeld.nl:offender",
            ],
        );
        // Without a scheme it is an e-mail address.
        check(
            "mail www.ing.nl@phish.ru",
            &[
                "email:www.ing.nl@phish.ru:offender",
                "domain:phish.ru:offender",
            ],
        );
    }

    #[test]
    fn messaging_links_give_the_account_and_the_platform_never_links() {
        // See: issue 20
        for (text, expected) in [
            // Dutch
            (
                "Hij stuurde https://api.whatsapp.com/send?phone=31612345678 door.",
                &[
                    "url:https://api.whatsapp.com/send?phone=31612345678:offender:benign",
                    "phone:+31612345678:offender",
                    "domain:whatsapp.com:offender:benign",
                ][..],
            ),
            (
                "Contact via t.me/Helpdesk_Bunq en verder niets.",
                &[
                    "url:https://t.me/Helpdesk_Bunq:offender:benign",
                    "handle:telegram:helpdesk_bunq:offender",
                    "domain:t.me:offender:benign",
                ][..],
            ),
            (
                "Open tg://resolve?domain=jan_verkoop88 in de app.",
                &["handle:telegram:jan_verkoop88:offender"][..],
            ),
            (
                "Signal: https://signal.me/#p/+31612345678 stuur bericht",
                &[
                    "url:https://signal.me:offender:benign",
                    "phone:+31612345678:offender",
                    "domain:signal.me:offender:benign",
                ][..],
            ),
            // English
            (
                "Message me on whatsapp://send?phone=447911123456 now",
                &["phone:+447911123456:offender"][..],
            ),
            (
                "Add me https://www.snapchat.com/add/jan-v",
                &[
                    "url:https://www.snapchat.com/add/jan-v:offender:benign",
                    "handle:snapchat:jan-v:offender",
                    "domain:snapchat.com:offender:benign",
                ][..],
            ),
            (
                "Follow https://www.tiktok.com/@jan.shop for deals",
                &[
                    "url:https://www.tiktok.com/@jan.shop:offender:benign",
                    "handle:tiktok:jan.shop:offender",
                    "domain:tiktok.com:offender:benign",
                ][..],
            ),
            (
                "My profile https://www.facebook.com/profile.php?id=100012345678",
                &[
                    "url:https://www.facebook.com/profile.php?id=100012345678:offender:benign",
                    "handle:facebook:100012345678:offender",
                    "domain:facebook.com:offender:benign",
                ][..],
            ),
        ] {
            check(text, expected);
        }
    }

    #[test]
    fn an_iban_is_not_glued_to_the_next_word() {
        // See: issue 20
        check("Pakketnummer NL1234567890 betaal nu via de link.", &[]);
        check("Parcel GB29NWBK601613 call now to pay.", &[]);
    }

    /// Extracts a report with one structured identifier and renders what
    /// it gives as `kind:value:valid[:note]`.
    fn structured(kind: &str, value: &str, platform: Option<&str>) -> Vec<String> {
        let mut ident = serde_json::json!({"type": kind, "value": value});
        if let Some(p) = platform {
            ident["platform"] = serde_json::json!(p);
        }
        let line = serde_json::json!({"id": "x", "filed_at": "2026-01-03T09:12:00Z",
            "unit": "A", "team": "B", "narrative": "", "identifiers": [ident]});
        let report = Report::from_json(&line.to_string()).expect("valid report");
        extractor()
            .extract(&report)
            .into_iter()
            .map(|i| {
                let note = i.note.map(|n| format!(":{n}")).unwrap_or_default();
                format!("{}:{}:{}{note}", i.kind, i.value, i.valid)
            })
            .collect()
    }

    #[test]
    fn a_structured_value_with_a_note_gives_its_identifier_and_keeps_the_note_apart() {
        // See: issue 20
        for (kind, value, platform, expected) in [
            // Dutch
            (
                "phone",
                "06-12345678 (WhatsApp)",
                None,
                &["phone:+31612345678:true:whatsapp"][..],
            ),
            (
                "phone",
                "0612345678 / WA",
                None,
                &["phone:+31612345678:true:whatsapp"][..],
            ),
            (
                "phone",
                "+31 6 1234 5678 via Signal",
                None,
                &["phone:+31612345678:true:signal"][..],
            ),
            (
                "phone",
                "020 123 4567 (vaste lijn)",
                None,
                &["phone:+31201234567:true:vaste lijn"][..],
            ),
            (
                "phone",
                "tel. 06-12345678",
                None,
                &["phone:+31612345678:true"][..],
            ),
            (
                "iban",
                "Rekening: NL91 ABNA 0417 1643 00",
                None,
                &["iban:NL91ABNA0417164300:true"][..],
            ),
            (
                "iban",
                "NL91ABNA0417164300 (Revolut)",
                None,
                &["iban:NL91ABNA0417164300:true:Revolut"][..],
            ),
            (
                "url",
                "https://x-bank.nl/login (via sms)",
                None,
                &[
                    "url:https://x-bank.nl/login:true:sms",
                    "domain:x-bank.nl:true:sms",
                ][..],
            ),
            (
                "handle",
                "@jan_verkoop88 / insta",
                None,
                &["handle:instagram:jan_verkoop88:true:instagram"][..],
            ),
            (
                "handle",
                "jan_verkoop88 (Telegram)",
                None,
                &["handle:telegram:jan_verkoop88:true:telegram"][..],
            ),
            // English
            (
                "phone",
                "+44 7911 123456 (mobile)",
                None,
                &["phone:+447911123456:true:mobile"][..],
            ),
            (
                "email",
                "Email: scam@x-bank.com",
                None,
                &["email:scam@x-bank.com:true", "domain:x-bank.com:true"][..],
            ),
            // A value that is the identifier alone has no note.
            (
                "phone",
                "06-12345678",
                None,
                &["phone:+31612345678:true"][..],
            ),
            (
                "handle",
                "@jan_verkoop88",
                Some("telegram"),
                &["handle:telegram:jan_verkoop88:true"][..],
            ),
            // Nothing of its kind inside: kept raw and invalid, as before.
            ("phone", "onbekend", None, &["phone:onbekend:false"][..]),
        ] {
            assert_eq!(
                structured(kind, value, platform),
                expected,
                "{kind} {value:?}"
            );
        }
    }

    #[test]
    fn supplements_are_recognised() {
        assert!(is_supplement(
            "Aanvulling op mijn eerdere aangifte van 6/1."
        ));
        assert!(!is_supplement("Ik heb aangifte gedaan."));
    }

    /// The overlap resolution as it was: every match against every span
    /// taken (the oracle).
    fn accepted_spans_checking_all(text: &str) -> Vec<(Kind, Range<usize>)> {
        let region = phonenumber::country::Id::NL;
        let mut cands: Vec<Match> = Vec::new();
        cands.extend(ident::email::find_in_text(text));
        cands.extend(ident::url::find_in_text(text));
        cands.extend(ident::iban::find_in_text(text));
        cands.extend(ident::crypto::find_in_text(text));
        cands.extend(ident::phone::find_in_text(text, region));
        cands.extend(find_handles(text));
        cands.extend(find_names(text));
        let urls: Vec<Range<usize>> = cands
            .iter()
            .filter(|m| m.kind == Kind::Url)
            .map(|m| m.span.clone())
            .collect();
        let mut keyed: Vec<(u8, Match)> = cands
            .into_iter()
            .map(|m| {
                let bare = m.kind == Kind::Domain && !urls.contains(&m.span);
                (priority(m.kind, bare), m)
            })
            .collect();
        keyed.sort_by_key(|(p, m)| (*p, m.span.start));
        let mut taken: Vec<(Kind, Range<usize>)> = Vec::new();
        for (_, m) in keyed {
            let clash = taken.iter().any(|(k, s)| {
                let overlaps = s.start < m.span.end && m.span.start < s.end;
                let pair = *s == m.span
                    && matches!(
                        (k, m.kind),
                        (Kind::Url, Kind::Domain) | (Kind::Domain, Kind::Url)
                    );
                overlaps && !pair
            });
            if !clash && text.get(m.span.clone()).is_some() {
                taken.push((m.kind, m.span));
            }
        }
        taken.sort_by_key(|(k, s)| (s.start, *k));
        taken
    }

    proptest! {
        #[test]
        fn overlaps_are_resolved_as_by_checking_every_taken_span(
            parts in proptest::collection::vec(
                prop_oneof![
                    Just("NL91 ABNA 0417 1643 00".to_owned()),
                    Just("+31 (0)6-1234 5678".to_owned()),
                    Just("06 12 34 56 78".to_owned()),
                    Just("hxxps://x[.]nl/a?utm_source=1".to_owned()),
                    Just("www.rabo-veilig.nl/login".to_owned()),
                    Just("jan@rabo-veilig.nl".to_owned()),
                    Just("@naam op Telegram".to_owned()),
                    Just("Instagram: anna_walker14".to_owned()),
                    Just("t.n.v. J. de Vries".to_owned()),
                    Just("0x52908400098527886e0f7030069857d2e4169ee7".to_owned()),
                    "[0-9 .@:/a-z-]{0,12}",
                ],
                0..14,
            )
        ) {
            let text = parts.join(" ");
            let mut got: Vec<(Kind, Range<usize>)> = accepted_matches(&text, phonenumber::country::Id::NL)
                .into_iter()
                .map(|(m, _)| (m.kind, m.span))
                .collect();
            got.sort_by_key(|(k, s)| (s.start, *k));
            prop_assert_eq!(got, accepted_spans_checking_all(&text));
        }

        #[test]
        fn handle_platforms_agree_with_a_search_per_handle(
            words in proptest::collection::vec(
                prop_oneof![
                    Just("Telegram".to_owned()),
                    Just("instagram".to_owned()),
                    Just("WhatsApp".to_owned()),
                    Just(". ".to_owned()),
                    Just("!".to_owned()),
                    Just("\n".to_owned()),
                    Just("İstanbul".to_owned()),
                    "[a-zA-Z_.@]{1,6}",
                    "\\PC{0,4}",
                ],
                0..40,
            ),
            names in proptest::collection::vec("@?[a-zA-Z_.]{0,5}", 0..8),
            with_platform in any::<u8>(),
        ) {
            let narrative = words.join(" ");
            let ids: Vec<StructuredIdentifier> = names
                .iter()
                .enumerate()
                .map(|(i, n)| handle(n, (with_platform >> (i % 8) & 1 == 1).then_some("telegram")))
                .collect();
            let want: Vec<Option<String>> =
                ids.iter().map(|si| platform_near_one_by_one(&narrative, si)).collect();
            prop_assert_eq!(handle_platforms(&narrative, &ids), want);
        }

        #[test]
        fn extraction_never_panics_on_any_text(s in "\\PC{0,300}") {
            let _ = extractor().text(&s);
        }

        #[test]
        fn extraction_never_panics_on_identifier_soup(
            parts in proptest::collection::vec(
                prop_oneof![
                    Just("NL91 ABNA 0417 1643 00".to_owned()),
                    Just("+31 (0)6-1234 5678".to_owned()),
                    Just("hxxps://x[.]nl/a?utm_source=1".to_owned()),
                    Just("€ 1.234,56".to_owned()),
                    Just("mijn eigen rekening".to_owned()),
                    Just("@naam op Telegram".to_owned()),
                    Just("t.n.v. J. de Vries".to_owned()),
                    Just("é€ü\n".to_owned()),
                    "\\PC{0,12}",
                ],
                0..12,
            )
        ) {
            let text = parts.join(" ");
            let ids = extractor().text(&text);
            for i in ids {
                if let Some([a, b]) = i.span {
                    prop_assert!(a <= b && b <= text.len() && text.is_char_boundary(a) && text.is_char_boundary(b));
                }
            }
        }
    }
}
