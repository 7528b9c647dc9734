//! The last few answers of a parser, kept per thread.
//!
//! Extraction parses one written value several times over: a link in a
//! statement is parsed by the URL finder, again by the allowlist check, by
//! the derived domain and by the platform-account lookup, and each of
//! those parses its host. The parsers are pure functions of the text, so
//! a parse of the same text as one of the last few gives the same answer
//! without the work.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::thread::LocalKey;

/// The answers to the last few distinct texts, oldest first.
#[derive(Debug)]
pub(crate) struct Recent<T> {
    entries: VecDeque<(String, T)>,
}

/// How many texts a [`Recent`] remembers: enough for the values of one
/// identifier and its host, few enough to look through.
const ENTRIES: usize = 8;

impl<T> Recent<T> {
    /// An empty memo.
    pub(crate) const fn new() -> Recent<T> {
        Recent {
            entries: VecDeque::new(),
        }
    }
}

/// `parse(key)`, answered from `memo` when the thread parsed `key` among its
/// last few texts. `parse` must be a pure function of `key`.
pub(crate) fn memoised<T: Clone>(
    memo: &'static LocalKey<RefCell<Recent<T>>>,
    key: &str,
    parse: impl FnOnce(&str) -> T,
) -> T {
    let hit = memo.with(|m| {
        m.borrow()
            .entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    });
    if let Some(value) = hit {
        return value;
    }
    // Not borrowed while parsing: a parser may use another memo.
    let value = parse(key);
    memo.with(|m| {
        let mut m = m.borrow_mut();
        if m.entries.len() >= ENTRIES {
            m.entries.pop_front();
        }
        m.entries.push_back((key.to_owned(), value.clone()));
    });
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        static LENGTHS: RefCell<Recent<usize>> = const { RefCell::new(Recent::new()) };
    }

    #[test]
    fn a_repeated_text_is_answered_without_parsing_and_an_old_one_is_parsed_again() {
        let calls = std::cell::Cell::new(0);
        let len = |s: &str| {
            memoised(&LENGTHS, s, |s| {
                calls.set(calls.get() + 1);
                s.len()
            })
        };
        assert_eq!(len("abc"), 3);
        assert_eq!(len("abc"), 3);
        for i in 0..ENTRIES {
            assert_eq!(len(&"x".repeat(i + 10)), i + 10);
        }
        assert_eq!(len("abc"), 3);
        assert_eq!(calls.get(), 1 + ENTRIES + 1);
    }
}
