//! Account-holder and offender names (`t.n.v. J. de Vries`).
//!
//! Names are shown and searched, but never link reports on their own:
//! "J. de Vries" is one of the commonest names in the country.

use std::fmt;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::ident::{Kind, ParseError};

/// The longest name accepted, in characters.
const MAX_CHARS: usize = 100;

/// A person's or company's name, normalised for comparison: lower case,
/// diacritics removed, single spaces, initials written `j.`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Name(String);

impl Name {
    /// Normalises a name as written.
    pub fn parse(raw: &str) -> Result<Name, ParseError> {
        let folded: String = raw
            .nfd()
            .filter(|c| !is_combining_mark(*c))
            .flat_map(char::to_lowercase)
            .map(|c| {
                if c == '.' || c.is_alphanumeric() || c == '-' || c == '\'' {
                    c
                } else {
                    ' '
                }
            })
            .collect();
        let mut out = String::with_capacity(folded.len());
        for word in folded.split([' ', '.']).filter(|w| !w.is_empty()) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
            // A single letter is an initial: write it as `j.` so that
            // `J de Vries` and `J. de Vries` meet.
            if word.chars().count() == 1 && word.chars().all(char::is_alphabetic) {
                out.push('.');
            }
        }
        if out.is_empty() || !out.chars().any(char::is_alphabetic) {
            return Err(ParseError::new(Kind::Name, "empty", raw));
        }
        if out.chars().count() > MAX_CHARS {
            return Err(ParseError::new(Kind::Name, "length", raw));
        }
        Ok(Name(out))
    }

    /// The normalised name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[track_caller]
    fn check(input: &str, expected: &str) {
        assert_eq!(Name::parse(input).unwrap().as_str(), expected);
    }

    #[test]
    fn names_are_folded_for_comparison() {
        check("J. de Vries", "j. de vries");
        check("J de  Vries", "j. de vries");
        check("S. VAN DEN BERG", "s. van den berg");
        check("Thomas Müller", "thomas muller");
        check("Zoë  d'Hondt", "zoe d'hondt");
        check("t. schouten", "t. schouten");
    }

    #[test]
    fn empty_names_are_refused() {
        assert!(Name::parse("  ").is_err());
        assert!(Name::parse("...").is_err());
        assert!(Name::parse("123").is_err());
    }

    proptest! {
        #[test]
        fn parse_never_panics_and_is_idempotent(s in "\\PC{0,60}") {
            if let Ok(n) = Name::parse(&s) {
                prop_assert_eq!(Name::parse(n.as_str()).unwrap(), n);
            }
        }
    }
}
