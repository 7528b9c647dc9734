//! Words of Dutch and English prose that look like host names
//! (`config/prose.toml`): abbreviations (`tel.nr`, `400sq.mtr`), top-level
//! domains that are function words (`days.so you can`), and the words that
//! say a host is a site (`de webwinkel heet ...`). The URL finder asks these
//! before it reads a bare host as a site.
//!
//! The lists are embedded at build time; nothing here does I/O.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;
use serde::Deserialize;

/// The embedded word lists.
const PROSE_TOML: &str = include_str!("../../config/prose.toml");

/// The lists as read from [`PROSE_TOML`].
#[derive(Debug, Deserialize)]
struct ProseFile {
    abbreviations: Vec<String>,
    function_word_tlds: Vec<String>,
    web_context: Vec<String>,
}

/// The lists, ready for look-ups.
struct Prose {
    abbreviations: HashSet<String>,
    function_word_tlds: HashSet<String>,
    web_context: Regex,
}

static PROSE: LazyLock<Prose> = LazyLock::new(|| {
    // The file is part of the source, checked by the unit tests below, so a
    // failure here is a build mistake, not an input error.
    let file: ProseFile = toml::from_str(PROSE_TOML).expect("config/prose.toml is valid");
    let words: Vec<String> = file
        .web_context
        .iter()
        .map(|w| regex::escape(w).replace(' ', r"\s+"))
        .collect();
    let web_context = Regex::new(&format!(r"(?i)(?-u:\b)(?:{})(?-u:\b)", words.join("|")))
        .expect("web context words form a valid regex");
    Prose {
        abbreviations: file.abbreviations.into_iter().collect(),
        function_word_tlds: file.function_word_tlds.into_iter().collect(),
        web_context,
    }
});

/// Whether a host as written (lower case, refanged) is an abbreviation of
/// prose (`tel.nr`); a number before it counts as `#` (`400sq.mtr`).
pub fn is_abbreviation(host: &str) -> bool {
    let prose = &*PROSE;
    if prose.abbreviations.contains(host) {
        return true;
    }
    let digits = host.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0
        && prose
            .abbreviations
            .contains(&format!("#{}", &host[digits..]))
}

/// Whether a top-level domain (lower case) is a function word of English
/// or Dutch.
pub fn is_function_word_tld(tld: &str) -> bool {
    PROSE.function_word_tlds.contains(tld)
}

/// Whether the words before byte `start` of `text`, in the same sentence
/// and at most 60 bytes back, speak of a site or a link.
pub fn web_context_before(text: &str, start: usize) -> bool {
    let mut from = start.saturating_sub(60);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    let Some(before) = text.get(from..start) else {
        return false;
    };
    let clause = before
        .rfind(['\n', '!', '?', '.'])
        .map_or(before, |i| &before[i + 1..]);
    PROSE.web_context.is_match(clause)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ident::refang::is_icann_tld;

    #[test]
    fn the_embedded_lists_are_read_and_every_entry_can_pass_for_a_host() {
        let file: ProseFile = toml::from_str(PROSE_TOML).expect("valid");
        assert!(file.abbreviations.len() > 50);
        for a in &file.abbreviations {
            let tld = a.rsplit('.').next().unwrap_or("");
            assert!(is_icann_tld(tld), "{a}: {tld} is no top-level domain");
            assert_eq!(a, &a.to_lowercase(), "{a}");
        }
        for t in &file.function_word_tlds {
            assert!(is_icann_tld(t), "{t} is no top-level domain");
        }
        assert!(!file.web_context.is_empty());
    }

    #[test]
    fn abbreviations_are_recognised_with_and_without_a_number_before_them() {
        // See: issue 20
        for (host, expected) in [
            ("tel.nr", true),
            ("rek.nr", true),
            ("400sq.mtr", true),
            ("sq.mtr", true),
            ("10.pm", true),
            ("ph.no", true),
            ("tel.no", true),
            ("co.ltd", true),
            ("sale-tablets.nl", false),
            ("finn.no", false),
            ("10.nl", false),
        ] {
            assert_eq!(is_abbreviation(host), expected, "{host}");
        }
    }

    #[test]
    fn web_context_is_read_in_the_same_sentence_only() {
        for (text, expected) in [
            ("De webwinkel heet ", true),
            ("Ik klikte op ", true),
            ("go to ", true),
            ("Log onto ", true),
            (
                "De webwinkel was dicht. Daarna ging ik naar huis en ",
                false,
            ),
            ("I will see you in 2 days", false),
            ("", false),
        ] {
            assert_eq!(web_context_before(text, text.len()), expected, "{text:?}");
        }
        // Never panics off a character boundary.
        let text = "ééééééééééééééééééééééééééééééééééééé site x";
        for i in 0..=text.len() {
            let _ = web_context_before(text, i.min(text.len()));
        }
    }
}
