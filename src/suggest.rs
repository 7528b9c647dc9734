//! Weak links: suggestions an analyst confirms or rejects, never merges by
//! themselves.
//!
//! - an invalid IBAN one edit or one transposition away from a valid one
//!   that links other reports (a mistyped money-mule account);
//! - look-alike domains (`rabobank-verificatie.nl`, `rabobank-verificatle.nl`);
//! - handle variants on one platform (`anil8533`, `anil_8533`).
//!
//! Candidates are blocked on shared prefixes and suffixes so that the work
//! stays near-linear in the number of identifiers. Nothing here does I/O.

use std::collections::{HashMap, HashSet};

use rustc_hash::{FxHashMap, FxHashSet};

use serde::Serialize;

use crate::cluster::IdentKey;
use crate::config::WeakConfig;
use crate::ident::Kind;

/// The most candidates compared within one block, so that a pathological
/// block (thousands of domains starting `nl-`) cannot blow up.
const MAX_BLOCK: usize = 200;

/// Why two identifiers are suggested (on the wire as [`Basis::as_str`]
/// names it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum Basis {
    /// An invalid IBAN a typo away from a valid one.
    IbanTypo,
    /// Domains that look alike.
    LookalikeDomain,
    /// Handles on one platform spelled alike.
    HandleVariant,
}

impl Basis {
    /// The name used on the wire: `iban_typo`, `lookalike_domain`,
    /// `handle_variant`.
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::IbanTypo => "iban_typo",
            Basis::LookalikeDomain => "lookalike_domain",
            Basis::HandleVariant => "handle_variant",
        }
    }

    /// Reads the name [`Basis::as_str`] gives.
    pub fn from_name(name: &str) -> Option<Basis> {
        [
            Basis::IbanTypo,
            Basis::LookalikeDomain,
            Basis::HandleVariant,
        ]
        .into_iter()
        .find(|b| b.as_str() == name)
    }
}

impl Serialize for Basis {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A suggested link between two identifiers. Kept small (hundreds of
/// thousands at a million reports): the human-readable reason is derived
/// from the pair when it is shown.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    /// The identifier on one side (for IBANs: the invalid one).
    pub a: IdentKey,
    /// The identifier on the other side.
    pub b: IdentKey,
    /// Why the two are suggested.
    pub basis: Basis,
    /// Similarity, 0..1 (1 = identical after normalisation).
    pub score: f64,
}

impl Serialize for Suggestion {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        SuggestionWire {
            a: &self.a,
            b: &self.b,
            basis: self.basis,
            score: self.score,
            why: self.why(),
        }
        .serialize(s)
    }
}

/// A suggested link as served: the pair, why and how alike.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Suggestion)]
struct SuggestionWire<'a> {
    /// The identifier on one side (for IBANs: the invalid one).
    a: &'a IdentKey,
    /// The identifier on the other side.
    b: &'a IdentKey,
    /// Why the two are suggested.
    basis: Basis,
    /// Similarity, 0..1 (1 = identical after normalisation).
    score: f64,
    /// The reason in words.
    why: String,
}

impl utoipa::PartialSchema for Suggestion {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        <SuggestionWire<'static> as utoipa::PartialSchema>::schema()
    }
}

impl utoipa::ToSchema for Suggestion {
    fn name() -> std::borrow::Cow<'static, str> {
        <SuggestionWire<'static> as utoipa::ToSchema>::name()
    }

    fn schemas(
        out: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        <SuggestionWire<'static> as utoipa::ToSchema>::schemas(out)
    }
}

impl Suggestion {
    /// The key under which an analyst's decision on this suggestion is
    /// stored: both identifiers, in a fixed order.
    pub fn decision_key(&self) -> (String, String) {
        let a = format!("{}:{}", self.a.kind, self.a.value);
        let b = format!("{}:{}", self.b.kind, self.b.value);
        if a <= b { (a, b) } else { (b, a) }
    }

    /// The human-readable reason.
    pub fn why(&self) -> String {
        let (a, b) = (&*self.a.value, &*self.b.value);
        match self.basis {
            Basis::IbanTypo => {
                let d = strsim::osa_distance(a, b);
                format!("{a} fails its checksum and is {d} edit(s) from {b}")
            }
            Basis::LookalikeDomain if split_domain(a).0 == split_domain(b).0 => format!(
                "{a} and {b} share the name {:?} under another suffix",
                split_domain(a).0
            ),
            Basis::LookalikeDomain => {
                format!("{a} looks like {b} (similarity {:.2})", self.score)
            }
            Basis::HandleVariant => format!(
                "{a} and {b} are spelled alike (similarity {:.2})",
                self.score
            ),
        }
    }
}

/// Finds suggestions among identifiers. `invalid_ibans` are the compact
/// forms of IBANs that failed their check; `linking` are the identifiers
/// that link reports (valid, offender, not benign or suppressed).
pub fn suggest<'a>(
    invalid_ibans: impl IntoIterator<Item = &'a str>,
    linking: impl IntoIterator<Item = &'a IdentKey>,
    cfg: &WeakConfig,
) -> Vec<Suggestion> {
    let mut ibans: Vec<&IdentKey> = Vec::new();
    let mut domains: Vec<&IdentKey> = Vec::new();
    let mut handles: Vec<&IdentKey> = Vec::new();
    for k in linking {
        match k.kind {
            Kind::Iban => ibans.push(k),
            Kind::Domain => domains.push(k),
            Kind::Handle => handles.push(k),
            _ => {}
        }
    }
    // The handles on one thread, the rest on this one: at a million
    // reports each side takes seconds, which a re-cluster's save and a
    // server's start wait for.
    let variants = |handles: &[&IdentKey]| {
        let mut v = Vec::new();
        handle_variants(handles, cfg, Bounds::Used, &mut v);
        v
    };
    let mut out = Vec::new();
    let found = std::thread::scope(|s| {
        let other = std::thread::Builder::new()
            .name("suggest-handles".into())
            .spawn_scoped(s, || variants(&handles));
        iban_typos(invalid_ibans, &ibans, cfg, &mut out);
        lookalike_domains(&domains, cfg, Bounds::Used, &mut out);
        match other {
            Ok(other) => other
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            // No thread to be had: here, after the others.
            Err(_) => variants(&handles),
        }
    });
    out.extend(found);
    // Strongest first, then by the decision key, computed once each.
    let mut keyed: Vec<((String, String), Suggestion)> =
        out.into_iter().map(|s| (s.decision_key(), s)).collect();
    keyed.sort_by(|(kx, x), (ky, y)| y.score.total_cmp(&x.score).then_with(|| kx.cmp(ky)));
    keyed.into_iter().map(|(_, s)| s).collect()
}

fn key(kind: Kind, value: &str) -> IdentKey {
    IdentKey {
        kind,
        value: value.into(),
    }
}

/// Blocks strings on their first and last `n` characters: one edit leaves
/// at least one of the two intact (except an edit that straddles the
/// middle of a very short string).
fn blocks<'s>(items: &[&'s str], n: usize) -> FxHashMap<(bool, &'s str), Vec<&'s str>> {
    let mut map: FxHashMap<(bool, &'s str), Vec<&'s str>> = FxHashMap::default();
    for &s in items {
        if s.chars().count() < n {
            continue;
        }
        let [head, tail] = block_keys(s, n);
        map.entry(head).or_default().push(s);
        map.entry(tail).or_default().push(s);
    }
    map
}

/// Distinct unordered pairs of strings that share a block (first or last
/// `n` characters), at most [`MAX_BLOCK`] strings per block.
fn candidate_pairs<'s>(items: &[&'s str], n: usize) -> FxHashSet<(&'s str, &'s str)> {
    let mut pairs = FxHashSet::default();
    for (_, block) in blocks(items, n) {
        let block: Vec<&str> = block.into_iter().take(MAX_BLOCK).collect();
        for (i, &x) in block.iter().enumerate() {
            for &y in &block[i + 1..] {
                if x != y {
                    pairs.insert(if x < y { (x, y) } else { (y, x) });
                }
            }
        }
    }
    pairs
}

/// The first and the last `n` characters of `s` (all of it when shorter).
fn block_keys(s: &str, n: usize) -> [(bool, &str); 2] {
    let head = s.char_indices().nth(n).map_or(s.len(), |(i, _)| i);
    let tail = if n == 0 {
        s.len()
    } else {
        s.char_indices().rev().nth(n - 1).map_or(0, |(i, _)| i)
    };
    [(true, &s[..head]), (false, &s[tail..])]
}

fn iban_typos<'a>(
    invalid: impl IntoIterator<Item = &'a str>,
    valid: &[&IdentKey],
    cfg: &WeakConfig,
    out: &mut Vec<Suggestion>,
) {
    let values: Vec<&str> = valid.iter().map(|k| &*k.value).collect();
    let by_value: FxHashMap<&str, &IdentKey> = valid.iter().map(|k| (&*k.value, *k)).collect();
    let index = blocks(&values, 9);
    let mut seen = HashSet::new();
    for bad in invalid {
        if bad.len() < 12 || !seen.insert(bad) {
            continue;
        }
        let mut best: Vec<(&str, usize)> = Vec::new();
        for k in block_keys(bad, 9) {
            for &good in index
                .get(&k)
                .map(Vec::as_slice)
                .unwrap_or(&[])
                .iter()
                .take(MAX_BLOCK)
            {
                if good.get(..2) != bad.get(..2) || good.len().abs_diff(bad.len()) > 1 {
                    continue;
                }
                let d = strsim::osa_distance(bad, good);
                if d <= cfg.iban_max_edits && !best.iter().any(|(g, _)| *g == good) {
                    best.push((good, d));
                }
            }
        }
        for (good, d) in best {
            out.push(Suggestion {
                a: key(Kind::Iban, bad),
                b: by_value[good].clone(),
                basis: Basis::IbanTypo,
                score: 1.0 - d as f64 / bad.len().max(good.len()) as f64,
            });
        }
    }
}

/// Splits a registrable domain into its first label and its suffix.
fn split_domain(d: &str) -> (&str, &str) {
    d.split_once('.').unwrap_or((d, ""))
}

/// Orders a pair of identifiers by value.
fn ordered<'k>(x: &'k IdentKey, y: &'k IdentKey) -> (&'k IdentKey, &'k IdentKey) {
    if x.value <= y.value { (x, y) } else { (y, x) }
}

/// Whether the look-alike and variant searches set candidate pairs aside
/// by cheap bounds before computing their similarity: always, except in
/// the test that shows the bounds set aside no pair that is suggested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bounds {
    Used,
    #[cfg(test)]
    Unused,
}

fn lookalike_domains(
    domains: &[&IdentKey],
    cfg: &WeakConfig,
    bounds: Bounds,
    out: &mut Vec<Suggestion>,
) {
    let mut by_label: HashMap<&str, Vec<&IdentKey>> = HashMap::new();
    for &d in domains {
        by_label
            .entry(split_domain(&d.value).0)
            .or_default()
            .push(d);
    }
    let labels: Vec<&str> = domains
        .iter()
        .map(|d| split_domain(&d.value).0)
        .filter(|l| l.chars().count() >= cfg.domain_min_label)
        .collect();
    let pairs = candidate_pairs(&labels, 5);
    // The same first label under another suffix is a look-alike too.
    for (label, ds) in &by_label {
        if ds.len() > 1 && label.chars().count() >= cfg.domain_min_label {
            let mut ds = ds.clone();
            ds.sort_unstable_by(|x, y| x.value.cmp(&y.value));
            for (i, &x) in ds.iter().enumerate() {
                for &y in &ds[i + 1..] {
                    out.push(Suggestion {
                        a: x.clone(),
                        b: y.clone(),
                        basis: Basis::LookalikeDomain,
                        score: 0.95,
                    });
                }
            }
        }
    }
    for (x, y) in pairs {
        // A similarity of s allows at most (1 - s) * longest edits, so a
        // larger difference in length cannot reach it: skip the distance.
        let (lx, ly) = (x.chars().count(), y.chars().count());
        // (With a little over for the rounding: 1 - 0.9 is 0.0999..., so
        // ten characters allowed no edit, where the similarity check
        // below takes one.)
        let budget =
            ((1.0 - cfg.domain_min_similarity) * lx.max(ly) as f64 + 1e-9).floor() as usize;
        if bounds == Bounds::Used && lx.abs_diff(ly) > budget {
            continue;
        }
        // Nor can strings whose characters differ by more than it, which
        // is cheap to count: most pairs of a block end here.
        if bounds == Bounds::Used && bag_distance(x, y).is_some_and(|d| d > budget) {
            continue;
        }
        let sim = 1.0 - strsim::osa_distance(x, y) as f64 / lx.max(ly).max(1) as f64;
        if sim < cfg.domain_min_similarity {
            continue;
        }
        for &dx in by_label.get(x).map(Vec::as_slice).unwrap_or(&[]) {
            for &dy in by_label.get(y).map(Vec::as_slice).unwrap_or(&[]) {
                let (a, b) = ordered(dx, dy);
                out.push(Suggestion {
                    a: a.clone(),
                    b: b.clone(),
                    basis: Basis::LookalikeDomain,
                    score: sim,
                });
            }
        }
    }
}

fn handle_variants<'k>(
    handles: &[&'k IdentKey],
    cfg: &WeakConfig,
    bounds: Bounds,
    out: &mut Vec<Suggestion>,
) {
    // Per platform, the names after `platform:` in the order given (which
    // decides what a full block keeps), and each name's identifier.
    type Names<'k> = (Vec<&'k str>, FxHashMap<&'k str, &'k IdentKey>);
    let mut by_platform: HashMap<&str, Names<'_>> = HashMap::new();
    for &h in handles {
        if let Some((p, name)) = h.value.split_once(':') {
            let (list, names) = by_platform.entry(p).or_default();
            list.push(name);
            names.insert(name, h);
        }
    }
    for (list, names) in by_platform.values() {
        let pairs = candidate_pairs(list, 3);
        for (x, y) in pairs {
            // Compared as they are read: building the two stripped names
            // for every pair was a tenth of saving the clusters.
            let strip = |s: &'k str| s.chars().filter(|c| c.is_alphanumeric());
            let sim = if strip(x).eq(strip(y)) {
                0.99
            } else if bounds == Bounds::Used
                && jaro_winkler_at_most(x, y) < cfg.handle_min_similarity
            {
                continue;
            } else {
                strsim::jaro_winkler(x, y)
            };
            if sim < cfg.handle_min_similarity {
                continue;
            }
            out.push(Suggestion {
                a: names[x].clone(),
                b: names[y].clone(),
                basis: Basis::HandleVariant,
                score: sim,
            });
        }
    }
}

/// An upper bound of `strsim::jaro_winkler(x, y)` from the lengths, the
/// characters the two have in common and the common prefix. The Jaro
/// similarity of strings of `a` and `b` characters with `m` matching
/// characters and `t` transpositions is `(m/a + m/b + (m-t)/m) / 3`, so at
/// most `(m/a + m/b + 1) / 3`; `m` is at most the shorter length and at
/// most the characters the two share, counted with repeats (counted for
/// ASCII strings; others are bounded by the lengths alone). Winkler's
/// bonus adds a tenth of what is left per common leading character, up to
/// four.
fn jaro_winkler_at_most(x: &str, y: &str) -> f64 {
    let (a, b) = (x.chars().count(), y.chars().count());
    let (short, long) = (a.min(b), a.max(b));
    if short == 0 {
        return if long == 0 { 1.0 } else { 0.0 };
    }
    // Characters in common: half of what the two hold less what differs.
    let common = bag_difference(x, y).map_or(short, |(more, fewer)| (a + b - more - fewer) / 2);
    if common == 0 {
        return 0.0;
    }
    let m = common.min(short) as f64;
    let jaro = (m / a as f64 + m / b as f64 + 1.0) / 3.0;
    let prefix = x
        .chars()
        .zip(y.chars())
        .take(4)
        .take_while(|(p, q)| p == q)
        .count();
    // A little over, for the rounding of the two ways of adding it up.
    jaro + 0.1 * prefix as f64 * (1.0 - jaro) + 1e-9
}

/// For two ASCII strings, how many characters `x` holds that `y` does
/// not, and how many `y` holds that `x` does not, counted with repeats
/// (`None` for others).
fn bag_difference(x: &str, y: &str) -> Option<(usize, usize)> {
    if !x.is_ascii() || !y.is_ascii() {
        return None;
    }
    let mut count = [0i32; 128];
    for b in x.bytes() {
        count[usize::from(b)] += 1;
    }
    for b in y.bytes() {
        count[usize::from(b)] -= 1;
    }
    let (mut more, mut fewer) = (0usize, 0usize);
    for c in count {
        if c > 0 {
            more += c as usize;
        } else {
            fewer += c.unsigned_abs() as usize;
        }
    }
    Some((more, fewer))
}

/// A lower bound of `strsim::osa_distance(x, y)` for ASCII strings (the
/// bag distance): an insertion, deletion or substitution changes each of
/// the two counts of [`bag_difference`] by at most one, a transposition
/// neither.
fn bag_distance(x: &str, y: &str) -> Option<usize> {
    bag_difference(x, y).map(|(more, fewer)| more.max(fewer))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::config::Settings;

    fn run(invalid: &[&str], linking: &[(Kind, &str)]) -> Vec<(String, String, String)> {
        let keys: Vec<IdentKey> = linking.iter().map(|(k, v)| key(*k, v)).collect();
        suggest(
            invalid.iter().copied(),
            keys.iter(),
            &Settings::defaults().weak,
        )
        .into_iter()
        .map(|s| {
            (
                s.basis.as_str().to_owned(),
                s.a.value.to_string(),
                s.b.value.to_string(),
            )
        })
        .collect()
    }

    #[test]
    fn a_mistyped_iban_is_suggested_with_the_valid_one() {
        let got = run(
            &["NL38RAIO0155980027", "NL38RABO0155980072"],
            &[
                (Kind::Iban, "NL38RABO0155980027"),
                (Kind::Iban, "NL91ABNA0417164300"),
            ],
        );
        assert_eq!(
            got,
            vec![
                (
                    "iban_typo".into(),
                    "NL38RABO0155980072".into(),
                    "NL38RABO0155980027".into()
                ),
                (
                    "iban_typo".into(),
                    "NL38RAIO0155980027".into(),
                    "NL38RABO0155980027".into()
                ),
            ]
        );
    }

    #[test]
    fn an_iban_two_edits_away_is_not_suggested() {
        assert!(
            run(
                &["NL38RAXX0155980027"],
                &[(Kind::Iban, "NL38RABO0155980027")]
            )
            .is_empty()
        );
    }

    #[test]
    fn lookalike_domains_are_suggested_and_different_ones_are_not() {
        let got = run(
            &[],
            &[
                (Kind::Domain, "rabobank-verificatie.nl"),
                (Kind::Domain, "rabobank-verificatle.nl"),
                (Kind::Domain, "rabo-pasvernieuwen.nl"),
                (Kind::Domain, "rabo-pasvernieuwen.com"),
                (Kind::Domain, "odido-restitutie.info"),
            ],
        );
        assert!(got.contains(&(
            "lookalike_domain".into(),
            "rabobank-verificatie.nl".into(),
            "rabobank-verificatle.nl".into()
        )));
        assert!(got.contains(&(
            "lookalike_domain".into(),
            "rabo-pasvernieuwen.com".into(),
            "rabo-pasvernieuwen.nl".into()
        )));
        assert!(
            !got.iter()
                .any(|(_, a, b)| a.contains("odido") || b.contains("odido"))
        );
    }

    #[test]
    fn a_lookalike_domain_at_exactly_the_least_similarity_is_suggested() {
        // Ten characters and one left out: a similarity of 0.9, the
        // default least. (1 - 0.9 computes to 0.0999..., which allowed
        // ten characters no edit at all.)
        let got = run(
            &[],
            &[
                (Kind::Domain, "mijnpakket.nl"),
                (Kind::Domain, "mijnpaket.nl"),
                (Kind::Domain, "mijnpakkxt.nl"),
            ],
        );
        for other in ["mijnpaket.nl", "mijnpakkxt.nl"] {
            assert!(
                got.iter().any(|(basis, a, b)| basis == "lookalike_domain"
                    && a.as_str().min(b) == "mijnpakket.nl".min(other)
                    && a.as_str().max(b) == "mijnpakket.nl".max(other)),
                "{other}: {got:?}"
            );
        }
    }

    #[test]
    fn handle_variants_on_one_platform_are_suggested() {
        let got = run(
            &[],
            &[
                (Kind::Handle, "telegram:anil8533"),
                (Kind::Handle, "telegram:anil_8533"),
                (Kind::Handle, "instagram:anil8533"),
            ],
        );
        assert_eq!(
            got,
            vec![(
                "handle_variant".into(),
                "telegram:anil8533".into(),
                "telegram:anil_8533".into()
            )]
        );
    }

    proptest! {
        #[test]
        fn the_jaro_winkler_bound_is_never_below_the_similarity(
            x in "\\PC{0,12}",
            y in "\\PC{0,12}",
            stem in "[a-z._]{0,10}",
        ) {
            // Near names too, where the bound decides something.
            for (x, y) in [(x.clone(), y.clone()), (format!("{stem}{x}"), format!("{stem}{y}"))] {
                let (sim, bound) = (strsim::jaro_winkler(&x, &y), jaro_winkler_at_most(&x, &y));
                prop_assert!(sim <= bound, "{x:?} {y:?}: {sim} > {bound}");
            }
        }

        #[test]
        fn the_bounds_hold_for_handles_and_domains_written_in_ascii(
            x in "[a-e0-2._-]{0,14}",
            y in "[a-e0-2._-]{0,14}",
            stem in "[a-z._]{0,10}",
        ) {
            // A small alphabet, so that characters repeat and pairs come
            // near; with a common stem, as the names of one block do.
            for (x, y) in [(x.clone(), y.clone()), (format!("{stem}{x}"), format!("{stem}{y}"))] {
                let (sim, bound) = (strsim::jaro_winkler(&x, &y), jaro_winkler_at_most(&x, &y));
                prop_assert!(sim <= bound, "{x:?} {y:?}: {sim} > {bound}");
                let (d, at_least) = (strsim::osa_distance(&x, &y), bag_distance(&x, &y).unwrap());
                prop_assert!(at_least <= d, "{x:?} {y:?}: distance {d}, bound {at_least}");
            }
        }

        /// The bounds only save work: the searches suggest the same pairs,
        /// with the same scores, as when every candidate pair is compared
        /// in full (names from a small alphabet with a shared stem, so that
        /// many pairs come near the least similarity).
        #[test]
        fn the_bounds_set_aside_no_pair_that_is_suggested(
            stem in "[a-z]{0,8}",
            labels in proptest::collection::vec(("[a-d0-1-]{0,8}", "(nl|com|net)"), 0..12),
            names in proptest::collection::vec(("(telegram|instagram)", "[a-d0-1._]{0,8}"), 0..12),
        ) {
            let domains: Vec<IdentKey> = labels
                .iter()
                .map(|(l, tld)| key(Kind::Domain, &format!("{stem}{l}.{tld}")))
                .collect();
            let handles: Vec<IdentKey> = names
                .iter()
                .map(|(p, n)| key(Kind::Handle, &format!("{p}:{stem}{n}")))
                .collect();
            let cfg = Settings::defaults().weak;
            let found = |bounds: Bounds| {
                let mut out = Vec::new();
                lookalike_domains(&domains.iter().collect::<Vec<_>>(), &cfg, bounds, &mut out);
                handle_variants(&handles.iter().collect::<Vec<_>>(), &cfg, bounds, &mut out);
                let mut found: Vec<(String, String, u64)> = out
                    .iter()
                    .map(|s| (s.a.value.to_string(), s.b.value.to_string(), s.score.to_bits()))
                    .collect();
                found.sort_unstable();
                found
            };
            prop_assert_eq!(found(Bounds::Used), found(Bounds::Unused));
        }

        #[test]
        fn suggest_never_panics(
            invalid in proptest::collection::vec("\\PC{0,30}", 0..5),
            domains in proptest::collection::vec("\\PC{0,30}", 0..8),
            handles in proptest::collection::vec("[a-z]{1,8}:\\PC{0,20}", 0..8),
        ) {
            let mut linking: Vec<(Kind, &str)> = domains.iter().map(|d| (Kind::Domain, d.as_str())).collect();
            linking.extend(handles.iter().map(|h| (Kind::Handle, h.as_str())));
            let invalid: Vec<&str> = invalid.iter().map(String::as_str).collect();
            let _ = run(&invalid, &linking);
        }
    }
}
