//! The UI's two languages: Dutch by default, English by choice.
//!
//! Every word a page shows comes from `config/i18n/nl.toml` or
//! `config/i18n/en.toml` (embedded at build time; one key, one text,
//! `{name}` for a value put in). A person chooses with the switch in the
//! page header (`/lang?to=en`, remembered in the `fl_lang` cookie);
//! without a choice the browser's `Accept-Language` decides, and Dutch
//! when it names neither. Times are shown in one local format,
//! `5 dec 2026 14:03`, in Europe/Amsterdam (the time zone rules are
//! embedded in the binary by jiff's bundled tz database).

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::LazyLock;

use axum::http::HeaderMap;
use axum::http::header;

/// The cookie that remembers the chosen language.
pub const LANG_COOKIE: &str = "fl_lang";

/// A language of the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Dutch, the default.
    #[default]
    Nl,
    /// English.
    En,
}

impl Lang {
    /// The language's code, as in `<html lang>` and the cookie.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Nl => "nl",
            Lang::En => "en",
        }
    }

    /// Reads a code (`nl`, `en`, `en-GB`, ...); `None` for any other.
    pub fn from_code(code: &str) -> Option<Lang> {
        let primary = code.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "nl" => Some(Lang::Nl),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The other language, which the switch offers.
    pub fn other(self) -> Lang {
        match self {
            Lang::Nl => Lang::En,
            Lang::En => Lang::Nl,
        }
    }

    /// The language of a request: the `fl_lang` cookie, else the best of
    /// `Accept-Language` that the UI speaks, else Dutch.
    pub fn of(headers: &HeaderMap) -> Lang {
        let chosen = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|kv| kv.trim().split_once('='))
            .find(|(k, _)| *k == LANG_COOKIE)
            .and_then(|(_, v)| Lang::from_code(v));
        if let Some(l) = chosen {
            return l;
        }
        headers
            .get_all(header::ACCEPT_LANGUAGE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(accept_language)
            .unwrap_or_default()
    }

    /// The text of `key` in this language. A missing key (a bug: a test
    /// checks that the code uses none) shows as `…` and is logged.
    pub fn t(self, key: &str) -> &'static str {
        match CATALOGS[self as usize].get(key) {
            Some(v) => v,
            None => {
                tracing::warn!(key, "no translation");
                "…"
            }
        }
    }

    /// The text of `key` with `{name}` replaced by each value.
    pub fn f(self, key: &str, args: &[(&str, &dyn Display)]) -> String {
        fill(self.t(key), args)
    }

    /// The text for a count: `key.one` when `n` is 1, else `key.other`,
    /// with `{n}` replaced.
    pub fn n(self, key: &str, n: usize) -> String {
        let which = if n == 1 { "one" } else { "other" };
        fill(self.t(&format!("{key}.{which}")), &[("n", &n)])
    }

    /// The name of a value in a group of keys (`status.new`,
    /// `fraud.marketplace`); a value the files do not know is shown as is
    /// (fraud types filed as free text).
    pub fn name(self, group: &str, value: &str) -> String {
        let key = format!("{group}.{value}");
        match CATALOGS[self as usize].get(&key) {
            Some(v) => v.clone(),
            None => value.replace('_', " "),
        }
    }

    /// A number with `places` decimals, with the language's decimal sign
    /// (`0,85` in Dutch).
    pub fn decimal(self, x: f64, places: usize) -> String {
        let s = format!("{x:.places$}");
        match self {
            Lang::Nl => s.replace('.', ","),
            Lang::En => s,
        }
    }

    /// A time as `5 dec 2026 14:03`, in Europe/Amsterdam.
    pub fn datetime(self, unix: i64) -> String {
        match local(unix) {
            Some(z) => format!(
                "{} {} {} {:02}:{:02}",
                z.day(),
                self.month(z.month()),
                z.year(),
                z.hour(),
                z.minute()
            ),
            None => String::new(),
        }
    }

    /// An ISO week as a page writes it: `week 49 van 2026` (`week 49 of
    /// 2026`).
    pub fn week(self, year: impl Display, week: impl Display) -> String {
        self.f("week.long", &[("w", &week), ("y", &year)])
    }

    /// An ISO week on a chart's axis: `wk 49` (`W49`).
    pub fn week_short(self, week: impl Display) -> String {
        self.f("week.short", &[("w", &week)])
    }

    /// A day as `5 dec 2026`, in Europe/Amsterdam.
    pub fn date(self, unix: i64) -> String {
        match local(unix) {
            Some(z) => format!("{} {} {}", z.day(), self.month(z.month()), z.year()),
            None => String::new(),
        }
    }

    /// An RFC 3339 time (as reports are filed) as [`Lang::datetime`];
    /// text that is no such time is shown as given.
    pub fn datetime_text(self, rfc3339: &str) -> String {
        match rfc3339.trim().parse::<jiff::Timestamp>() {
            Ok(t) => self.datetime(t.as_second()),
            Err(_) => rfc3339.to_owned(),
        }
    }

    fn month(self, m: i8) -> &'static str {
        let key = MONTHS.get((m as usize).wrapping_sub(1)).copied();
        key.map_or("", |k| self.t(k))
    }
}

/// Keys of the month abbreviations.
const MONTHS: [&str; 12] = [
    "month.1", "month.2", "month.3", "month.4", "month.5", "month.6", "month.7", "month.8",
    "month.9", "month.10", "month.11", "month.12",
];

/// A share as a whole percentage, `25%`.
pub fn percent(share: f64) -> String {
    format!("{:.0}%", (share * 100.0).clamp(0.0, 100.0))
}

/// Unix seconds in Europe/Amsterdam.
fn local(unix: i64) -> Option<jiff::civil::DateTime> {
    static ZONE: LazyLock<Option<jiff::tz::TimeZone>> =
        LazyLock::new(|| jiff::tz::TimeZone::get("Europe/Amsterdam").ok());
    let zone = ZONE.as_ref()?;
    Some(zone.to_datetime(jiff::Timestamp::from_second(unix).ok()?))
}

/// The first language of an `Accept-Language` value, by weight, that the
/// UI speaks.
fn accept_language(value: &str) -> Option<Lang> {
    let mut best: Option<(f32, Lang)> = None;
    for part in value.split(',') {
        let mut bits = part.split(';');
        let Some(lang) = bits.next().and_then(Lang::from_code) else {
            continue;
        };
        let q = bits
            .find_map(|b| b.trim().strip_prefix("q="))
            .and_then(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, lang));
        }
    }
    best.map(|(_, l)| l)
}

fn fill(text: &str, args: &[(&str, &dyn Display)]) -> String {
    let mut out = text.to_owned();
    for (name, value) in args {
        out = out.replace(&format!("{{{name}}}"), &value.to_string());
    }
    out
}

/// The two catalogues, in the order of [`Lang`].
static CATALOGS: LazyLock<[HashMap<String, String>; 2]> = LazyLock::new(|| {
    [
        catalog(include_str!("../../config/i18n/nl.toml")),
        catalog(include_str!("../../config/i18n/en.toml")),
    ]
});

/// A catalogue file flattened to dotted keys. The files are part of the
/// build and checked by the tests, so a broken one is a bug.
fn catalog(text: &str) -> HashMap<String, String> {
    let table: toml::Table = toml::from_str(text).expect("config/i18n files are valid TOML");
    let mut out = HashMap::new();
    flatten("", &table, &mut out);
    out
}

fn flatten(prefix: &str, table: &toml::Table, out: &mut HashMap<String, String>) {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(t) => flatten(&key, t, out),
            toml::Value::String(s) => {
                out.insert(key, s.clone());
            }
            other => {
                out.insert(key, other.to_string());
            }
        }
    }
}

/// The keys of a language's file (for the tests).
#[cfg(test)]
pub(crate) fn keys(lang: Lang) -> std::collections::BTreeSet<String> {
    CATALOGS[lang as usize].keys().cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    #[test]
    fn dutch_unless_chosen_or_asked_for() {
        assert_eq!(Lang::of(&headers(&[])), Lang::Nl);
        assert_eq!(
            Lang::of(&headers(&[("accept-language", "en-GB,en;q=0.9")])),
            Lang::En
        );
        assert_eq!(
            Lang::of(&headers(&[(
                "accept-language",
                "de-DE, en;q=0.5, nl;q=0.8"
            )])),
            Lang::Nl
        );
        assert_eq!(
            Lang::of(&headers(&[("accept-language", "fr, de")])),
            Lang::Nl
        );
        // The choice in the cookie wins over the browser's languages.
        assert_eq!(
            Lang::of(&headers(&[
                ("accept-language", "en"),
                ("cookie", "fl_session=x; fl_lang=nl")
            ])),
            Lang::Nl
        );
        assert_eq!(Lang::of(&headers(&[("cookie", "fl_lang=en")])), Lang::En);
    }

    #[test]
    fn every_key_is_in_both_languages() {
        let (nl, en) = (keys(Lang::Nl), keys(Lang::En));
        let only_nl: Vec<_> = nl.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&nl).collect();
        assert!(only_nl.is_empty(), "missing in en.toml: {only_nl:?}");
        assert!(only_en.is_empty(), "missing in nl.toml: {only_en:?}");
        for lang in [Lang::Nl, Lang::En] {
            for k in keys(lang) {
                assert!(!lang.t(&k).trim().is_empty(), "{k} is empty in {lang:?}");
            }
        }
    }

    #[test]
    fn times_are_local_to_amsterdam_in_one_format() {
        // 2026-12-05T13:03:00Z is 14:03 in winter (CET).
        assert_eq!(Lang::Nl.datetime(1_796_475_780), "5 dec 2026 14:03");
        assert_eq!(Lang::En.datetime(1_796_475_780), "5 Dec 2026 14:03");
        // 2025-07-01T10:00:00Z is 12:00 in summer (CEST).
        assert_eq!(Lang::Nl.datetime(1_751_364_000), "1 jul 2025 12:00");
        assert_eq!(Lang::Nl.date(1_751_364_000), "1 jul 2025");
        assert_eq!(
            Lang::Nl.datetime_text("2025-01-01T02:36:29Z"),
            "1 jan 2025 03:36"
        );
        assert_eq!(
            Lang::Nl.datetime_text("2025-06-01T10:00:00+02:00"),
            "1 jun 2025 10:00"
        );
        assert_eq!(Lang::Nl.datetime_text("gisteren"), "gisteren");
    }

    #[test]
    fn counts_and_values_are_filled_in() {
        assert_eq!(Lang::Nl.n("count.reports", 1), "1 aangifte");
        assert_eq!(Lang::Nl.n("count.reports", 2), "2 aangiftes");
        assert_eq!(Lang::En.n("count.reports", 2), "2 reports");
        assert_eq!(Lang::Nl.name("status", "new"), "nieuw");
        assert_eq!(Lang::Nl.name("fraud", "vrije tekst"), "vrije tekst");
        assert_eq!(percent(0.2549), "25%");
        assert_eq!(Lang::Nl.decimal(0.8512, 2), "0,85");
        assert_eq!(Lang::En.decimal(0.8512, 2), "0.85");
    }

    /// The UI's templates and sources, read from the repository.
    fn ui_files(ext: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for dir in ["src/ui", "src/ui/templates"] {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
            for e in std::fs::read_dir(&dir).unwrap() {
                let path = e.unwrap().path();
                if path.extension().is_some_and(|x| x == ext) {
                    let text = std::fs::read_to_string(&path).unwrap();
                    out.push((path.display().to_string(), text));
                }
            }
        }
        assert!(!out.is_empty(), "found the UI's .{ext} files");
        out
    }

    // See: issue 22
    #[test]
    fn issue_22_every_key_the_ui_uses_is_translated() {
        let sections: std::collections::BTreeSet<String> = keys(Lang::Nl)
            .iter()
            .map(|k| k.split('.').next().unwrap().to_owned())
            .collect();
        let nl = keys(Lang::Nl);
        let literal = regex::Regex::new(r#""([a-z_]+(?:\.[a-z0-9_]+)+)""#).unwrap();
        let mut used = 0;
        for ext in ["rs", "html"] {
            for (path, text) in ui_files(ext) {
                // The tests' own literals are not the UI's words.
                let text = text.split("#[cfg(test)]").next().unwrap();
                for c in literal.captures_iter(text) {
                    let key = &c[1];
                    let section = key.split('.').next().unwrap();
                    if !sections.contains(section)
                        || [".js", ".css", ".html"].iter().any(|x| key.ends_with(x))
                    {
                        continue;
                    }
                    used += 1;
                    let counted =
                        nl.contains(&format!("{key}.one")) && nl.contains(&format!("{key}.other"));
                    assert!(
                        nl.contains(key) || counted,
                        "{path}: key {key} is in no translation file"
                    );
                }
            }
        }
        assert!(used > 200, "the UI's keys were found ({used})");
        // Each group whose values are named exists in both languages.
        for group in [
            "status", "fraud", "kind", "role", "role_of", "source", "state", "part",
        ] {
            assert!(
                nl.iter().any(|k| k.starts_with(&format!("{group}."))),
                "{group}"
            );
        }
        for s in crate::engine::STATUSES {
            assert!(nl.contains(&format!("status.{s}")), "status {s}");
        }
        for t in crate::report::FraudType::NAMED {
            assert!(nl.contains(&format!("fraud.{t}")), "fraud type {t}");
        }
        for k in crate::ident::Kind::ALL {
            assert!(nl.contains(&format!("kind.{}", k.as_str())), "kind {k:?}");
        }
        for a in crate::access::ACTIONS {
            assert!(nl.contains(&format!("action.{a}")), "action {a}");
        }
    }

    // See: issue 22
    #[test]
    fn issue_22_no_template_holds_words_outside_the_translation_files() {
        let expr = regex::Regex::new(r"(?s)\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}").unwrap();
        let attr = regex::Regex::new(r#"(?:title|placeholder|aria-label|alt)="([^"]*)""#).unwrap();
        let tag = regex::Regex::new(r"(?s)<[^>]*>").unwrap();
        let word = regex::Regex::new(r"\p{L}{2,}").unwrap();
        // Paths and addresses (`/api/v1/...`) are no words.
        let path_like = regex::Regex::new(r"\S*/\S*").unwrap();
        // Names and codes that are the same in every language.
        let same = ["fraudlink", "Gephi", "GraphML"];
        for (path, text) in ui_files("html") {
            let bare = expr.replace_all(&text, "");
            let mut visible: Vec<String> =
                attr.captures_iter(&bare).map(|c| c[1].to_owned()).collect();
            visible.push(tag.replace_all(&bare, " ").into_owned());
            for v in visible {
                let v = path_like.replace_all(&v, " ");
                for w in word.find_iter(&v) {
                    let w = w.as_str();
                    let code = w.chars().all(|c| c.is_ascii_uppercase());
                    assert!(
                        code || same.contains(&w),
                        "{path}: {w:?} is text outside the translation files"
                    );
                }
            }
        }
    }
}
