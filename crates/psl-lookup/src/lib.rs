//! The Public Suffix List lookups fraudlink needs, behind plain functions.
//!
//! The `psl` crate (the list compiled into Rust, embedded, no I/O) exposes
//! its lookup as generic, `#[inline]` functions: whichever crate calls
//! them compiles the list's some 10,000 suffixes as nested `match`es.
//! These functions are neither generic nor inlined, so that code is
//! compiled here, once:
//!
//! - fraudlink's own builds no longer compile the list each time the main
//!   crate changes;
//! - a fuzz build can compile this crate without coverage
//!   instrumentation (`fuzz/uninstrumented-rustc`), so that libFuzzer's
//!   coverage counts fraudlink's code and not each suffix a fuzzer
//!   happens to spell.
//!
//! Host names are passed as the list wants them: lower-case ASCII (IDNA
//! A-labels), labels separated by dots, no trailing dot. Callers handle IP
//! addresses first: the list answers for them as for any name.

use psl::Psl;

/// What the list says about the last labels of a host name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuffixKind {
    /// A suffix on the list (ICANN or private section).
    Known,
    /// Not on the list: the list's `*` rule made the last label a suffix.
    Unknown,
}

/// The kind of the public suffix of `host`, or `None` when `host` has none
/// (empty, or ending in a dot).
#[inline(never)]
pub fn suffix_kind(host: &[u8]) -> Option<SuffixKind> {
    psl::suffix(host).map(|s| {
        if s.is_known() {
            SuffixKind::Known
        } else {
            SuffixKind::Unknown
        }
    })
}

/// The registrable domain of `host` (its public suffix and one label
/// more), a suffix of `host`; `None` when `host` is itself a public
/// suffix or has none.
#[inline(never)]
pub fn registrable_domain(host: &[u8]) -> Option<&[u8]> {
    psl::domain(host).map(|d| d.as_bytes())
}

/// Whether `label` (lower case) is a top-level domain in the ICANN
/// section of the list.
#[inline(never)]
pub fn is_icann_tld(label: &[u8]) -> bool {
    let info = psl::List.find(std::iter::once(label));
    info.len == label.len() && info.typ == Some(psl::Type::Icann)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_unknown_suffixes() {
        assert_eq!(suffix_kind(b"www.politie.nl"), Some(SuffixKind::Known));
        assert_eq!(suffix_kind(b"shop.co.uk"), Some(SuffixKind::Known));
        assert_eq!(suffix_kind(b"host.invalidtld"), Some(SuffixKind::Unknown));
        assert_eq!(suffix_kind(b""), None);
    }

    #[test]
    fn registrable_domains() {
        assert_eq!(
            registrable_domain(b"www.politie.nl"),
            Some(&b"politie.nl"[..])
        );
        assert_eq!(
            registrable_domain(b"a.b.shop.co.uk"),
            Some(&b"shop.co.uk"[..])
        );
        // Private section: each user's subdomain is its own site.
        assert_eq!(
            registrable_domain(b"x.jan.github.io"),
            Some(&b"jan.github.io"[..])
        );
        assert_eq!(registrable_domain(b"co.uk"), None);
        assert_eq!(registrable_domain(b"nl"), None);
    }

    #[test]
    fn icann_top_level_domains() {
        assert!(is_icann_tld(b"nl"));
        assert!(is_icann_tld(b"amsterdam"));
        assert!(!is_icann_tld(b"invalidtld"));
        // A suffix of two labels is no top-level domain.
        assert!(!is_icann_tld(b"co.uk"));
        assert!(!is_icann_tld(b""));
    }
}
