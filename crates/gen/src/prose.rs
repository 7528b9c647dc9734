//! The prose of a statement: templates filled in, sentences joined as
//! people type them, amounts and dates as victims write them, and digits
//! that are not identifiers.

use std::fmt::Write as _;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::clock::date_of;
use crate::phones::split_groups;
use crate::random::{pick, random_code, random_digits};
use crate::text;

/// Fills a template: `{KEY}` is replaced by what `fill` writes for it.
pub(crate) fn expand(tpl: &str, mut fill: impl FnMut(&str, &mut String)) -> String {
    let mut out = String::with_capacity(tpl.len() + 40);
    let mut rest = tpl;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        match rest[open..].find('}') {
            Some(close) => {
                fill(&rest[open + 1..open + close], &mut out);
                rest = &rest[open + close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Joins sentences the way statements are typed: spaces or newlines,
/// sometimes a lower-case start, a missing full stop or a misspelling.
pub(crate) fn join_sentences(r: &mut ChaCha8Rng, sentences: &[String]) -> String {
    let newline = r.random_bool(0.2);
    let mut out = String::with_capacity(sentences.iter().map(|s| s.len() + 2).sum());
    for (i, s) in sentences.iter().enumerate() {
        if i > 0 {
            if newline && r.random_bool(0.7) {
                out.push('\n');
            } else if r.random_bool(0.05) {
                out.push_str("  ");
            } else {
                out.push(' ');
            }
        }
        out.push_str(s);
    }
    if r.random_bool(0.1) {
        let mut chars = out.chars();
        if let Some(c) = chars.next() {
            out = c.to_lowercase().chain(chars).collect();
        }
    }
    if r.random_bool(0.1) && out.ends_with('.') {
        out.pop();
    }
    if r.random_bool(0.15) {
        let (right, wrong) = *pick(r, text::TYPOS);
        if let Some(at) = out.find(right) {
            out.replace_range(at..at + right.len(), wrong);
        }
    }
    out
}

/// An amount as victims write it: `€ 1.234,56`, `1234 euro`, `EUR 1234.56`.
pub(crate) fn amount_written(r: &mut ChaCha8Rng, a: f64) -> String {
    let cents_total = (a * 100.0).round() as u64;
    let euros = cents_total / 100;
    let cents = cents_total % 100;
    let dotted = {
        let s = euros.to_string();
        let mut out = String::with_capacity(s.len() + 4);
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i) % 3 == 0 {
                out.push('.');
            }
            out.push(c);
        }
        out
    };
    match r.random_range(0..6) {
        0 | 1 => format!("€ {dotted},{cents:02}"),
        2 => format!("€{euros},{cents:02}"),
        3 if cents == 0 => format!("{dotted} euro"),
        3 => format!("{euros},{cents:02} euro"),
        4 => format!("EUR {euros}.{cents:02}"),
        _ if cents == 0 => format!("€ {dotted},-"),
        _ => format!("€ {dotted},{cents:02}"),
    }
}
/// A date as written in a statement.
pub(crate) fn date_written(r: &mut ChaCha8Rng, ts: i64) -> String {
    let Some(t) = date_of(ts) else {
        return "die dag".to_owned();
    };
    let (y, m, d) = (t.year(), u8::from(t.month()), t.day());
    let month = text::MONTHS[usize::from(m - 1)];
    let weekday = text::WEEKDAYS[usize::from(t.weekday().number_days_from_monday())];
    match r.random_range(0..6) {
        0 | 1 => format!("{d} {month}"),
        2 => format!("{weekday} {d} {month}"),
        3 => format!("{d:02}-{m:02}-{y}"),
        4 => format!("{d}/{m}"),
        _ => format!("{d} {month} {y}"),
    }
}

/// Digits that are not identifiers: postcodes, references, order and
/// report numbers, dates and times.
pub(crate) fn noise_sentence(r: &mut ChaCha8Rng, ts: i64) -> String {
    let tpl = *pick(r, text::NOISE_SENTENCES);
    let mut buf = String::new();
    let mut fill = |key: &str, out: &mut String| {
        buf.clear();
        match key {
            "POSTCODE" => {
                let _ = write!(
                    out,
                    "{} {}{}",
                    r.random_range(1000..9999),
                    char::from(b'A' + r.random_range(0..26u8)),
                    char::from(b'A' + r.random_range(0..26u8))
                );
            }
            "KENMERK" => {
                random_digits(r, &mut buf, 16);
                out.push_str(&split_groups(&buf, &[4, 4, 4, 4], " "));
            }
            "ORDER" => {
                let n = r.random_range(8..11);
                random_digits(r, out, n);
            }
            "NUMDATE" => match date_of(ts) {
                Some(t) => {
                    let _ = write!(
                        out,
                        "{:02}-{:02}-{}",
                        t.day(),
                        u8::from(t.month()),
                        t.year()
                    );
                }
                None => out.push_str("die dag"),
            },
            "TIME" => {
                let _ = write!(
                    out,
                    "{:02}:{:02}",
                    r.random_range(7..23),
                    r.random_range(0..60)
                );
            }
            "TT" => {
                out.push_str(&random_code(r, 4).to_uppercase());
                random_digits(r, out, 7);
            }
            "REPORTNO" => {
                let _ = write!(out, "{}", r.random_range(2024..2027));
                random_digits(r, out, 6);
            }
            "HOUSE" => {
                let _ = write!(out, "{}", r.random_range(1..300));
            }
            _ => {}
        }
    };
    expand(tpl, |k, o| fill(k, o))
}
