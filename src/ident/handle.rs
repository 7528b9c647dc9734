//! Account names on platforms (`telegram:janverkoop88`).
//!
//! A handle only means something together with its platform, so the
//! canonical form is `platform:name`, lower case, without a leading `@`.

use std::fmt;

use crate::ident::{Kind, ParseError};

/// The longest handle name accepted, in characters.
const MAX_NAME_CHARS: usize = 64;

/// A platform account, canonical `platform:name`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Handle(String);

impl Handle {
    /// Builds a handle from a platform name and an account name as written
    /// (`@Anil8533`, ` Glenn_352 `). The platform is mapped to its canonical
    /// name (`insta` -> `instagram`, `twitter` -> `x`).
    pub fn new(platform: &str, name: &str) -> Result<Handle, ParseError> {
        let Some(platform) = canonical_platform(platform) else {
            return Err(ParseError::new(Kind::Handle, "platform", platform));
        };
        let name = clean_name(name).ok_or_else(|| ParseError::new(Kind::Handle, "name", name))?;
        Ok(Handle(format!("{platform}:{name}")))
    }

    /// Parses the canonical form `platform:name` (or `platform: @name`).
    pub fn parse(raw: &str) -> Result<Handle, ParseError> {
        match raw.split_once(':') {
            Some((p, n)) => Handle::new(p, n),
            None => Err(ParseError::new(Kind::Handle, "platform", raw)),
        }
    }

    /// The canonical `platform:name`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The platform part.
    pub fn platform(&self) -> &str {
        self.0.split_once(':').map_or("", |(p, _)| p)
    }

    /// The account-name part.
    pub fn name(&self) -> &str {
        self.0.split_once(':').map_or("", |(_, n)| n)
    }
}

impl fmt::Display for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Handle {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Maps a platform word as people write it to its canonical name; `None`
/// when the word is not a platform name at all.
pub fn canonical_platform(word: &str) -> Option<&'static str> {
    let w = word.trim().trim_start_matches('@').to_lowercase();
    let p = match w.as_str() {
        "telegram" | "tg" => "telegram",
        "instagram" | "insta" | "ig" => "instagram",
        "snapchat" | "snap" => "snapchat",
        "tiktok" | "tik tok" => "tiktok",
        "whatsapp" | "whats app" | "watsapp" | "whatsap" | "wa" => "whatsapp",
        "signal" => "signal",
        "facebook" | "fb" | "messenger" => "facebook",
        "marktplaats" => "marktplaats",
        "vinted" => "vinted",
        "2dehands" | "tweedehands" => "2dehands",
        "x" | "twitter" => "x",
        "discord" => "discord",
        "linkedin" => "linkedin",
        "skype" => "skype",
        "threads" => "threads",
        "wechat" => "wechat",
        "line" => "line",
        "kik" => "kik",
        "viber" => "viber",
        "tinder" => "tinder",
        "badoo" => "badoo",
        "youtube" => "youtube",
        "reddit" => "reddit",
        _ => return None,
    };
    Some(p)
}

/// Cleans an account name: trims, drops a leading `@`, lower-cases, and
/// checks that only letters, digits, `.`, `_` and `-` remain.
fn clean_name(raw: &str) -> Option<String> {
    let name = raw
        .trim()
        .trim_start_matches('@')
        .trim_end_matches(['.', '-'])
        // Checked after lower-casing, so that the canonical form passes
        // the same check (`İ` lower-cases to `i` and a combining dot).
        .to_lowercase();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return None;
    }
    if !name
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return None;
    }
    if !name.chars().any(char::is_alphanumeric) {
        return None;
    }
    Some(name)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[track_caller]
    fn check(platform: &str, name: &str, expected: Option<&str>) {
        let got = Handle::new(platform, name).ok();
        assert_eq!(got.as_ref().map(Handle::as_str), expected);
    }

    #[test]
    fn handles_are_lower_case_without_at_sign() {
        check("telegram", "@JanVerkoop88", Some("telegram:janverkoop88"));
        check("Instagram", " Glenn_352 ", Some("instagram:glenn_352"));
        check(
            "snapchat",
            "@Michaelmüller903",
            Some("snapchat:michaelmüller903"),
        );
        check("insta", "rich.daily14", Some("instagram:rich.daily14"));
        check("twitter", "@Elon", Some("x:elon"));
        check("whatsapp", "@rich.daily14.", Some("whatsapp:rich.daily14"));
    }

    #[test]
    fn bad_handles_are_refused() {
        check("myspace", "jan", None);
        check("telegram", "@", None);
        check("telegram", "jan verkoop", None);
        check("telegram", "___", None);
        check("telegram", &"a".repeat(65), None);
    }

    #[test]
    fn a_name_whose_lower_case_is_not_a_name_is_refused() {
        // Found by the fuzz smoke run: `İ` lower-cases to `i` plus U+0307.
        assert_eq!(clean_name("İᚶ"), None);
        assert_eq!(
            clean_name("Jan.De-Vries_1").as_deref(),
            Some("jan.de-vries_1")
        );
    }

    #[test]
    fn canonical_form_parses_to_itself() {
        let h = Handle::parse("telegram:janverkoop88").unwrap();
        assert_eq!(h.platform(), "telegram");
        assert_eq!(h.name(), "janverkoop88");
        assert_eq!(Handle::parse(h.as_str()).unwrap(), h);
    }

    proptest! {
        #[test]
        fn new_never_panics_and_is_idempotent(p in "\\PC{0,12}", n in "\\PC{0,40}") {
            if let Ok(h) = Handle::new(&p, &n) {
                prop_assert_eq!(Handle::parse(h.as_str()).unwrap(), h);
            }
        }
    }
}
