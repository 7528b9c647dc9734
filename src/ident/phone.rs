//! Telephone numbers: canonical E.164 values and a finder for Dutch free text.
//!
//! Offenders reach victims by phone, SMS and WhatsApp, so a shared number is
//! one of the strongest links between reports. People write the same number
//! in many ways (`06-12345678`, `+31 (0)6 1234 5678`, `0031612345678`), so
//! [`Phone::parse`] reduces every written form to E.164 (`+31612345678`),
//! using libphonenumber's metadata (through the `phonenumber` crate) to
//! decide what is a real number. [`find_in_text`] picks numbers out of a
//! victim's statement without mistaking dates, amounts, IBANs or reference
//! numbers for phone numbers.

use std::collections::HashMap;
use std::fmt;
use std::sync::{LazyLock, RwLock};

use phonenumber::Type;
use phonenumber::country::Id;
use phonenumber::metadata::{DATABASE, Database, Descriptor, Metadata};
use regex::{Regex, RegexBuilder};
use rustc_hash::FxHashMap;

use super::{Kind, Match, ParseError};

/// A telephone number in E.164 form (`+31612345678`).
///
/// The only constructor is [`Phone::parse`], which accepts only numbers that
/// libphonenumber's metadata considers valid, so two `Phone`s are equal
/// exactly when they denote the same number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Phone(String);

/// What a number is used for, as far as its number range tells.
///
/// Investigators use this for priority: a Dutch mobile number means a
/// request to a Dutch telecom provider can identify the subscriber.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PhoneKind {
    /// A mobile number.
    Mobile,
    /// A geographic fixed-line number.
    FixedLine,
    /// A service number: free (0800), premium (0900), shared-cost or a
    /// company-wide number (Dutch 088).
    Service,
    /// Anything else: VoIP, personal, pager numbers, and ranges where fixed
    /// lines and mobiles cannot be told apart (North America).
    Other,
}

/// Entries in the per-thread cache of parse verdicts.
const VERDICT_CACHE: usize = 16_384;

type VerdictKey = (String, Option<Id>, bool);

thread_local! {
    static VERDICTS: std::cell::RefCell<HashMap<VerdictKey, Result<String, &'static str>>> =
        std::cell::RefCell::new(HashMap::new());
}

/// Fewest digits a written number may have before it is worth asking the
/// metadata about it.
const MIN_DIGITS: usize = 3;

/// Most digits a written number may have: fifteen digits of E.164 plus a
/// two-digit `00` international prefix.
const MAX_DIGITS: usize = 17;

impl Phone {
    /// Parses a written telephone number into E.164.
    ///
    /// Numbers without a country code (no `+` or `00`) are read as numbers
    /// of `region`, the configured default (the Netherlands); a number with
    /// one is never changed by the region. Spaces, dashes, dots, slashes,
    /// parentheses and a `(0)` trunk prefix after the country code are
    /// ignored. A leading `00` is read as the international prefix, as it
    /// is everywhere in Europe, and so is the region's own prefix when the
    /// metadata writes it as plain digits (`011` in North America).
    ///
    /// Errors carry the reason `"letters"` when the input contains letters
    /// (the `phonenumber` crate would read them as keypad digits, and an
    /// extension suffix is not part of the identity of a line), `"length"`
    /// when there are too few or too many digits for the numbering plan,
    /// and `"invalid"` for anything else the metadata does not accept.
    pub fn parse(raw: &str, region: Id) -> Result<Phone, ParseError> {
        Phone::parse_checked(raw, Some(region), true)
    }

    /// Like [`Phone::parse`], but a number written in international form
    /// (`+` or `00`) is also accepted when it is merely *possible*: its
    /// length fits its country's numbering plan although its range is not
    /// (yet) in the metadata. Numbering plans change faster than the
    /// metadata, and `+49 151 1070592` written in ten reports is evidence
    /// either way. Local forms (`12-03-2025`) stay strict: without a
    /// country code, digits may be anything.
    pub fn parse_possible(raw: &str, region: Id) -> Result<Phone, ParseError> {
        Phone::parse_checked(raw, Some(region), false)
    }

    /// Parses a valid number written in international form (`+` or `00`)
    /// without any default region, as stored values are: an allowlist
    /// entry means the same number whatever region a deployment reads
    /// national numbers in. A number without a country code fails with
    /// the reason `"national"`.
    pub fn parse_international(raw: &str) -> Result<Phone, ParseError> {
        Phone::parse_checked(raw, None, true)
    }

    /// Parses `raw`, reading a number without a country code in `region`
    /// (refused without one); `strict` asks for a valid number even when
    /// it is written in international form.
    fn parse_checked(raw: &str, region: Option<Id>, strict: bool) -> Result<Phone, ParseError> {
        let fail = |reason: &'static str| ParseError::new(Kind::Phone, reason, raw);
        let mut compact = compact(raw.trim()).map_err(fail)?;
        if let Some(region) = region {
            compact = international_prefix(compact, region);
        }
        // A number in international form does not depend on the region;
        // one without a country code must be valid in it, since its digits
        // may be anything.
        let region = match region {
            _ if compact.starts_with('+') => None,
            Some(region) => Some(region),
            None => return Err(fail("national")),
        };
        let strict = strict || region.is_some();
        let digits = compact.trim_start_matches('+').len();
        if !(MIN_DIGITS..=MAX_DIGITS).contains(&digits) {
            return Err(fail("length"));
        }
        // libphonenumber costs microseconds a number and the same numbers
        // recur across a group's reports, so verdicts are memoised per
        // thread (bounded: the cache is emptied when full).
        let key = (compact, region, strict);
        if let Some(hit) = VERDICTS.with(|c| c.borrow().get(&key).cloned()) {
            return hit.map(Phone).map_err(fail);
        }
        let verdict = Phone::verdict(&key.0, region, strict);
        VERDICTS.with(|c| {
            let mut c = c.borrow_mut();
            if c.len() >= VERDICT_CACHE {
                c.clear();
            }
            c.insert(key, verdict.clone());
        });
        verdict.map(Phone).map_err(fail)
    }

    /// Parses a compact number (digits, maybe a leading `+`) into E.164 or
    /// the reason it is not a number.
    ///
    /// `region` is `None` for a number in international form, which names
    /// its own country: the crate strips the national prefix of the region
    /// it is given from any number, so under US (prefix `1`) `+31102411720`
    /// lost the `1` of Rotterdam's area code. Read without a region, the
    /// crate takes the prefix of the number's own country.
    fn verdict(compact: &str, region: Option<Id>, strict: bool) -> Result<String, &'static str> {
        let fail = |reason: &'static str| reason;
        let number = phonenumber::parse(region, compact).map_err(|e| {
            fail(match e {
                phonenumber::ParseError::TooShortAfterIdd
                | phonenumber::ParseError::TooShortNsn
                | phonenumber::ParseError::TooLong => "length",
                _ => "invalid",
            })
        })?;
        let database: &'static Database = &DATABASE;
        let e164 = e164_of(&number);
        let meta = number.metadata(database).ok_or_else(|| fail("invalid"))?;
        let nsn =
            national_significant(&e164, number.code().value()).ok_or_else(|| fail("invalid"))?;
        if !possible_lengths(meta).any(|len| len == nsn.len()) {
            return Err(fail("length"));
        }
        // Read back, the E.164 form must give itself. The national-prefix
        // rules can take digits from a national part: `0031 000001 00`
        // gives `+31000100`, which reads as `+3100100`; Belarus's trunk
        // `8` turns `+375088266276` into `+3758266276`, which reads as
        // `+375266276`. Such a number has no stable canonical form, so it
        // is not a number (found by fuzzing, both).
        if compact != e164 {
            let again = phonenumber::parse(None, &e164).ok().map(|n| e164_of(&n));
            if again.as_deref() != Some(e164.as_str()) {
                return Err(fail("invalid"));
            }
        }
        // `phonenumber::is_valid` only checks that a pattern matches a prefix
        // of the number (plus an allowed length), so `061234567890` passes
        // as a Dutch mobile. The strict check matches the whole number.
        if strict && (strict_type(meta, nsn) == Type::Unknown || !crate_valid(&number)) {
            return Err(fail("invalid"));
        }
        Ok(e164)
    }

    /// The number in E.164 form, such as `+31612345678`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The country calling code, such as 31 for the Netherlands.
    ///
    /// Country codes are prefix-free, so the first one to three digits that
    /// the metadata knows as a code are the code.
    pub fn country_code(&self) -> u16 {
        let digits = self.0.trim_start_matches('+');
        (1..=3)
            .filter_map(|len| digits.get(..len)?.parse::<u16>().ok())
            .find(|code| DATABASE.by_code(code).is_some())
            .unwrap_or(0)
    }

    /// Whether this is a Dutch number (country code 31).
    pub fn is_dutch(&self) -> bool {
        // 31 is a complete country code and no other code starts with it.
        self.0.starts_with("+31")
    }

    /// What the number is used for, from the metadata's number ranges.
    ///
    /// This parses the number again (a few microseconds), so callers that
    /// need it often should keep the result.
    pub fn kind(&self) -> PhoneKind {
        let Ok(number) = phonenumber::parse(None, &self.0) else {
            return PhoneKind::Other;
        };
        let database: &'static Database = &DATABASE;
        let Some(meta) = number.metadata(database) else {
            return PhoneKind::Other;
        };
        let Some(nsn) = national_significant(&self.0, number.code().value()) else {
            return PhoneKind::Other;
        };
        match strict_type(meta, nsn) {
            Type::Mobile => PhoneKind::Mobile,
            Type::FixedLine => PhoneKind::FixedLine,
            Type::TollFree
            | Type::PremiumRate
            | Type::SharedCost
            | Type::Uan
            | Type::StandardRate => PhoneKind::Service,
            _ => PhoneKind::Other,
        }
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Phone {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// `phonenumber::is_valid`, needed only where it can disagree with
/// [`strict_type`] having found a type.
///
/// Both read the same metadata when the country code belongs to one region
/// (`+31`, but not `+1` or `+44`): the crate picks the region's metadata
/// without looking at the number, as `PhoneNumber::metadata` did for
/// `strict_type`. Its check then asks that some type's pattern match a
/// prefix of the number, which a type matching the whole number implies.
/// Skipping it there saves the crate's type patterns, which it keeps in a
/// regex cache of 100 entries and recompiles once they have been pushed out.
fn crate_valid(number: &phonenumber::PhoneNumber) -> bool {
    let shared = DATABASE
        .region(&number.code().value())
        .is_none_or(|regions| regions.len() != 1);
    !shared || phonenumber::is_valid(number)
}

/// The number in E.164 form, as `number.format().mode(Mode::E164)` writes
/// it. The crate's formatter first picks a display pattern by testing the
/// leading digits against every format of the country, which E.164 does not
/// use; those patterns also push the validation patterns out of the crate's
/// regex cache (100 entries), which then recompiles them.
fn e164_of(number: &phonenumber::PhoneNumber) -> String {
    format!("+{}{}", number.code().value(), number.national())
}

/// Reduces a written number to its digits, with a leading `+` when it is
/// international; fails with the reason for a [`ParseError`].
fn compact(raw: &str) -> Result<String, &'static str> {
    if raw.chars().any(char::is_alphabetic) {
        return Err("letters");
    }
    let mut out = String::with_capacity(raw.len().min(24));
    let mut rest = raw;
    while let Some(c) = rest.chars().next() {
        // `+31 (0)6 ...` repeats the trunk prefix for domestic callers; it
        // is not part of the international number.
        let international = out.starts_with('+') || out.starts_with("00");
        if international && out.len() > 2 && rest.starts_with("(0)") {
            rest = rest.get(3..).unwrap_or_default();
            continue;
        }
        match c {
            '0'..='9' => out.push(c),
            '+' | '\u{FF0B}' if out.is_empty() => out.push('+'),
            c if c.is_whitespace() || is_punctuation(c) => {}
            _ => return Err("invalid"),
        }
        rest = rest.get(c.len_utf8()..).unwrap_or_default();
    }
    if out.starts_with("00") {
        out.replace_range(..2, "+");
    }
    Ok(out)
}

/// Replaces the region's international call prefix by `+` when a compact
/// number starts with it: `011 31 ...` dialled from North America. The `00`
/// of most of the world is already read as international by [`compact`];
/// only prefixes the metadata writes as plain digits are read here (a few
/// regions have several prefixes, written as a pattern, and keep `00`).
fn international_prefix(compact: String, region: Id) -> String {
    if compact.starts_with('+') {
        return compact;
    }
    let Some(idd) = DATABASE
        .by_id(region.as_ref())
        .and_then(Metadata::international_prefix)
        .map(|re| re.as_str())
    else {
        return compact;
    };
    let literal = !idd.is_empty() && idd.bytes().all(|b| b.is_ascii_digit());
    match compact.strip_prefix(idd) {
        Some(rest) if literal && !rest.is_empty() => format!("+{rest}"),
        _ => compact,
    }
}

/// Punctuation people put between digit groups.
fn is_punctuation(c: char) -> bool {
    matches!(
        c,
        '-' | '.' | '/' | '(' | ')' | '\u{2010}'..='\u{2015}' | '\u{2212}'
    )
}

/// The national significant number: the E.164 digits after the country code.
fn national_significant(e164: &str, code: u16) -> Option<&str> {
    let digits = e164.strip_prefix('+')?;
    let rest = digits.strip_prefix(code.to_string().as_str())?;
    (!rest.is_empty()).then_some(rest)
}

/// Every length a national significant number of the region can have, over
/// all its number types (the metadata leaves the general lengths empty).
fn possible_lengths(meta: &Metadata) -> impl Iterator<Item = usize> + '_ {
    let d = meta.descriptors();
    [
        Type::FixedLine,
        Type::Mobile,
        Type::TollFree,
        Type::PremiumRate,
        Type::SharedCost,
        Type::PersonalNumber,
        Type::Voip,
        Type::Pager,
        Type::Uan,
        Type::Voicemail,
    ]
    .into_iter()
    .filter_map(|kind| d.get(kind))
    .chain(Some(d.general()))
    .flat_map(|desc| desc.possible_length().iter().map(|&len| usize::from(len)))
}

/// Anchored copies of the metadata's patterns, keyed by the address and
/// length of the pattern text in the static metadata database (which never
/// moves or changes) and by whether the whole text must match, so each is
/// compiled once.
static ANCHORED: LazyLock<RwLock<AnchoredCache>> =
    LazyLock::new(|| RwLock::new(FxHashMap::default()));

/// Compiled anchored patterns by pattern address, length and anchoring;
/// `None` when a pattern did not compile. Looked up several times for each
/// candidate number; its keys come from the program, not from the text,
/// so a fast hash without flooding resistance is safe.
type AnchoredCache = FxHashMap<(usize, usize, bool), Option<Regex>>;

/// Whether a pattern of the metadata matches the whole of `s` (`whole`) or
/// a prefix of it; `None` when the pattern does not compile anchored.
fn anchored_match(pattern: &'static str, s: &str, whole: bool) -> Option<bool> {
    let key = (pattern.as_ptr() as usize, pattern.len(), whole);
    // A poisoned lock still holds a usable map: entries are inserted whole.
    let cached = ANCHORED
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .get(&key)
        .map(|re| re.as_ref().map(|re| re.is_match(s)));
    match cached {
        Some(result) => result,
        None => {
            // The metadata's patterns are laid out over several lines, so
            // they are compiled ignoring whitespace, as the crate does.
            let end = if whole { "$" } else { "" };
            let re = RegexBuilder::new(&format!("^(?:{pattern}){end}"))
                .ignore_whitespace(true)
                .build()
                .ok();
            let result = re.as_ref().map(|re| re.is_match(s));
            ANCHORED
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .insert(key, re);
            result
        }
    }
}

/// Whether `nsn` matches the whole of a number-range pattern, with one of its
/// possible lengths.
fn full_match(desc: Option<&'static Descriptor>, nsn: &str) -> bool {
    let Some(desc) = desc else {
        return false;
    };
    let lengths = desc.possible_length();
    if !lengths.is_empty() && !lengths.iter().any(|&len| usize::from(len) == nsn.len()) {
        return false;
    }
    let pattern: &'static str = desc.national_number().as_str();
    // If a pattern ever fails to compile anchored, fall back to the crate's
    // own (prefix) matching rather than rejecting the whole range.
    anchored_match(pattern, nsn, true).unwrap_or_else(|| desc.is_match(nsn))
}

/// The number type, decided like `phonenumber`'s own classification but
/// requiring each pattern to match the whole national significant number.
fn strict_type(meta: &'static Metadata, nsn: &str) -> Type {
    let d = meta.descriptors();
    if !full_match(Some(d.general()), nsn) {
        return Type::Unknown;
    }
    let special = [
        Type::PremiumRate,
        Type::TollFree,
        Type::SharedCost,
        Type::Voip,
        Type::PersonalNumber,
        Type::Pager,
        Type::Uan,
        Type::Voicemail,
    ];
    if let Some(kind) = special.into_iter().find(|&k| full_match(d.get(k), nsn)) {
        return kind;
    }
    if full_match(d.fixed_line(), nsn) {
        let same = d.fixed_line().map(|f| f.national_number().as_str())
            == d.mobile().map(|m| m.national_number().as_str());
        return if same || full_match(d.mobile(), nsn) {
            Type::FixedLineOrMobile
        } else {
            Type::FixedLine
        };
    }
    if full_match(d.mobile(), nsn) {
        return Type::Mobile;
    }
    Type::Unknown
}

// ---------------------------------------------------------------------------
// Finding numbers in free text.
// ---------------------------------------------------------------------------

/// Most digit groups a run of digits keeps track of. Longer runs are tables
/// or long references, never a phone number, and are skipped as a whole.
const MAX_GROUPS: usize = 12;

/// Most candidates in one run handed to the (slow) metadata parser, so that
/// adversarial digit soup cannot make extraction slow.
const MAX_ATTEMPTS: usize = 6;

/// Fewest digits of a national significant number worth reporting: shorter
/// numbers (short codes, 112) do not identify an offender.
const MIN_NSN: usize = 7;

/// One group of digits in a run, between separators.
#[derive(Debug, Clone, Copy, Default)]
struct Group {
    /// Byte offset where the group's text starts (including a leading `+`
    /// or `(` for the first group, and the `(` of a bracketed group).
    start: usize,
    /// Byte offset just after the group's last digit (or closing `)`).
    end: usize,
    /// How many digits the group has.
    digits: usize,
    /// Its first digit.
    head: u8,
    /// The separator before it: 0 for the first group, else `b' '`, `b'-'`,
    /// `b'.'`, `b'/'`, `b'0'` for a `(0)` trunk prefix or `b'('` for an
    /// area code in brackets after a country code (`+44 (20) 7946 0958`).
    sep: u8,
}

/// A maximal run of digit groups joined by single separators.
#[derive(Debug)]
struct Run {
    groups: [Group; MAX_GROUPS],
    len: usize,
    /// Whether there were more groups than [`MAX_GROUPS`].
    overflow: bool,
    /// Whether the run starts with `+`.
    plus: bool,
    /// Whether the run starts with an area code in parentheses, `(020)` or
    /// `(213)`.
    paren_area: bool,
    /// Byte offset just after the run.
    end: usize,
}

/// What the region says about writing national numbers.
#[derive(Debug, Clone, Copy)]
struct RegionInfo {
    /// The national (trunk) prefix: `0` in most of Europe, `1` in North
    /// America, empty where there is none.
    prefix: &'static str,
    /// Whether national numbers are also written without the prefix, as in
    /// North America (`(213) 671-8751`) and in regions without one. Read
    /// from the metadata's formatting rules, as libphonenumber's matcher
    /// does: where the rule puts the prefix in front of a number and does
    /// not call it optional (the Netherlands, Britain, Germany), a number
    /// written without it is not a national number.
    bare: bool,
    /// The country calling code.
    code: u16,
    /// Shortest and longest national significant number.
    min: usize,
    max: usize,
}

/// [`RegionInfo`] by region, worked out once per region.
static REGION_INFO: LazyLock<RwLock<FxHashMap<Id, RegionInfo>>> =
    LazyLock::new(|| RwLock::new(FxHashMap::default()));

impl RegionInfo {
    /// The region's prefix, lengths and writing rules, from the metadata.
    fn of(region: Id) -> RegionInfo {
        let cached = REGION_INFO
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&region)
            .copied();
        if let Some(info) = cached {
            return info;
        }
        let info = RegionInfo::read(region);
        REGION_INFO
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(region, info);
        info
    }

    fn read(region: Id) -> RegionInfo {
        let database: &'static Database = &DATABASE;
        let meta = database.by_id(region.as_ref());
        let min = meta
            .and_then(|m| possible_lengths(m).min())
            .unwrap_or(MIN_NSN);
        let max = meta.and_then(|m| possible_lengths(m).max()).unwrap_or(15);
        let prefix = meta.and_then(Metadata::national_prefix).unwrap_or("");
        // A region's own example numbers (of every type long enough to be
        // found) tell whether its numbers are written without the prefix.
        let bare = meta.is_some_and(|m| {
            let d = m.descriptors();
            [
                Type::FixedLine,
                Type::Mobile,
                Type::TollFree,
                Type::PremiumRate,
                Type::SharedCost,
                Type::PersonalNumber,
                Type::Voip,
                Type::Uan,
            ]
            .into_iter()
            .filter_map(|kind| d.get(kind)?.example())
            .filter(|example| example.len() >= MIN_NSN)
            .any(|example| written_without_prefix(m, example))
        });
        RegionInfo {
            prefix,
            bare,
            code: meta.map_or(0, Metadata::country_code),
            min: min.max(MIN_NSN),
            max,
        }
    }
}

/// Whether a national significant number of `meta`'s region may be written
/// without the national prefix: the region has none, or the formatting rule
/// of the number's format does not put it in front, or calls it optional
/// (libphonenumber's `isNationalPrefixPresentIfRequired`).
fn written_without_prefix(meta: &'static Metadata, nsn: &str) -> bool {
    if meta.national_prefix().is_none_or(str::is_empty) {
        return true;
    }
    let format = meta.formats().iter().find(|f| {
        let leading = f
            .leading_digits()
            .last()
            .is_none_or(|re| anchored_match(re.as_str(), nsn, false).unwrap_or(false));
        leading && anchored_match(f.pattern().as_str(), nsn, true).unwrap_or(false)
    });
    let Some(format) = format else {
        return true;
    };
    let rule = format.national_prefix().unwrap_or("");
    let needs_prefix = rule.contains("$NP") || rule.bytes().any(|b| b.is_ascii_digit());
    !needs_prefix || format.is_national_prefix_optional()
}

/// How a candidate is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// With a country code after `+`, `00` or the region's own
    /// international prefix.
    International,
    /// A national number with the region's national prefix (`06-...`,
    /// `1-833-...`).
    National,
    /// A national number without the prefix, where the region writes
    /// numbers so (`(213) 671-8751`).
    Bare,
    /// A country code without `+` or `00` (`447801259231`): only when the
    /// digits are no national number, the international reading is valid,
    /// and it is plausible (the region's own code, or a phone word before
    /// it).
    NoPlus,
    /// A compact national number shorter than a subscriber number
    /// (`09008844`, `08000543`): only when it is a service number
    /// (free, premium or shared-cost), which are written so.
    Service,
}

/// Finds telephone numbers in free text (police statements, messages).
///
/// Numbers without a country code are read in `region`: with its national
/// prefix (`06-12345678` in the Netherlands, `1-833-597-2291` in North
/// America) and, where the region writes them so, without it
/// (`(213) 671-8751`). Only valid numbers are reported; spans cover exactly
/// the number's text. Digits that belong to dates, times, amounts,
/// postcodes, IBANs, URLs, e-mail addresses, or that follow a label such as
/// `betalingskenmerk`, `bestelnummer` or `KvK` are never reported.
pub fn find_in_text(text: &str, region: Id) -> Vec<Match> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut info: Option<RegionInfo> = None;
    let mut i = 0;
    while let Some(offset) = bytes
        .get(i..)
        .and_then(|b| b.iter().position(u8::is_ascii_digit))
    {
        let run = scan_run(bytes, i + offset);
        i = run.end.max(i + offset + 1);
        if run.overflow || run.len == 0 {
            continue;
        }
        let Some(from) = usable_start(text, &run) else {
            continue;
        };
        let start = run.groups[from].start;
        // A last group glued to the word after it belongs to that word
        // (`08714342399.2stop`): the number ends before it.
        let mut to = run.len;
        if rejected_after(text, run.end) {
            if to <= from + 1 || rejected_after(text, run.groups[to - 2].end) {
                continue;
            }
            to -= 1;
        }
        let info = *info.get_or_insert_with(|| RegionInfo::of(region));
        let label = || label_before(text.get(..start).unwrap_or_default());
        find_in_run(text, &run, from..to, (info, region), label, &mut found);
    }
    found
}

/// What a run is read with.
#[derive(Debug, Clone, Copy)]
struct Context {
    info: RegionInfo,
    region: Id,
    /// Whether a phone word (`bel`, `call`, `whatsapp`) comes before it.
    cue: bool,
}

/// Tries the sub-runs of the groups `usable` of a run that could be a
/// number, longest first, and records the valid ones. A run can hold a
/// number together with digits written next to it (`28-02-2025
/// 0612345678`), or two numbers. `label` reads the words before the run:
/// only once a sub-run has a form a number could be read in, as most runs
/// (dates, amounts, times) have none.
fn find_in_run(
    text: &str,
    run: &Run,
    usable: std::ops::Range<usize>,
    (info, region): (RegionInfo, Id),
    label: impl Fn() -> Label,
    found: &mut Vec<Match>,
) {
    // Whether a phone word comes before the run, once read.
    let mut cue_read = None;
    let mut attempts = 0;
    let from = usable.start;
    let mut first = from;
    while first < usable.end {
        let mut next = first + 1;
        if can_start(run, first, from, info) {
            'last: for last in (first..usable.end).rev() {
                let span = run.groups[first].start..run.groups[last].end;
                let Some(raw) = text.get(span.clone()) else {
                    continue;
                };
                let cue = match cue_read {
                    Some(cue) => cue,
                    None => {
                        // A phone word before the run only adds forms.
                        let any = Context {
                            info,
                            region,
                            cue: true,
                        };
                        if forms(run, first, last, raw, any).is_empty() {
                            continue;
                        }
                        let cue = match label() {
                            Label::NotPhone => return,
                            Label::Phone => true,
                            Label::None => false,
                        };
                        *cue_read.insert(cue)
                    }
                };
                let cx = Context { info, region, cue };
                for form in forms(run, first, last, raw, cx) {
                    attempts += 1;
                    if attempts > MAX_ATTEMPTS {
                        return;
                    }
                    if let Some(phone) = read(raw, form, cx) {
                        found.push(Match {
                            kind: Kind::Phone,
                            span,
                            value: phone.0,
                            valid: true,
                        });
                        next = last + 1;
                        break 'last;
                    }
                }
            }
        }
        first = next;
    }
}

/// Whether a number may begin at group `first`: the run's (usable) start,
/// a `0` (a national or `00` international prefix), the region's national
/// prefix, or anywhere where the region writes numbers without a prefix.
fn can_start(run: &Run, first: usize, from: usize, info: RegionInfo) -> bool {
    let head = run.groups[first].head;
    first == from || head == b'0' || info.prefix.as_bytes().first() == Some(&head) || info.bare
}

/// The forms in which groups `first..=last` (written `raw`) are worth
/// parsing, most likely first.
fn forms(run: &Run, first: usize, last: usize, raw: &str, cx: Context) -> Vec<Form> {
    let info = cx.info;
    let groups = &run.groups[first..=last];
    let mut forms = Vec::new();
    if is_date(groups) {
        return forms;
    }
    let digits: usize = groups.iter().map(|g| g.digits).sum();
    if first == 0 && run.plus {
        if (8..=15).contains(&digits) && groups[0].head != b'0' {
            forms.push(Form::International);
        }
        return forms;
    }
    let mut d = raw.bytes().filter(u8::is_ascii_digit);
    let (d0, d1, d2) = (d.next(), d.next(), d.next());
    if d0 == Some(b'0') && d1 == Some(b'0') {
        // An international number after the `00` prefix.
        if groups[0].digits >= 3
            && d2 != Some(b'0')
            && (8..=15).contains(&(digits.saturating_sub(2)))
        {
            forms.push(Form::International);
        }
        return forms;
    }
    // A compact run of digits is only a number when it is as long as a
    // normal subscriber number (`0612345678`); a shorter one is more likely
    // a reference. Written in groups, an area code or service prefix of two
    // to five digits (`0900-8844`, `020 22 888 00`) makes it a number.
    let area_code =
        (first == 0 && run.paren_area) || (groups.len() > 1 && (2..=5).contains(&groups[0].digits));
    let national = |nsn: usize| (info.min..=info.max).contains(&nsn) && (nsn >= 9 || area_code);
    let prefixed = !info.prefix.is_empty() && starts_with_digits(raw, info.prefix);
    if prefixed && national(digits - info.prefix.len()) {
        forms.push(Form::National);
    } else if prefixed
        && groups.len() == 1
        && (info.min..=info.max).contains(&(digits - info.prefix.len()))
    {
        forms.push(Form::Service);
    }
    if info.bare && d0 != Some(b'0') && national(digits) {
        forms.push(Form::Bare);
    }
    // The idd of a region whose prefix is written as digits (`011`).
    if international_prefix(raw_digits(raw), cx.region).starts_with('+') {
        forms.push(Form::International);
        return forms;
    }
    let own_code = starts_with_code(raw, info.code);
    if d0 != Some(b'0') && (10..=15).contains(&digits) && (own_code || cx.cue) {
        forms.push(Form::NoPlus);
    }
    forms
}

/// The digits of `raw`, as a string.
fn raw_digits(raw: &str) -> String {
    raw.chars().filter(char::is_ascii_digit).collect()
}

/// Whether the digits of `raw` (ignoring separators) start with `prefix`.
fn starts_with_digits(raw: &str, prefix: &str) -> bool {
    let mut digits = raw.bytes().filter(u8::is_ascii_digit);
    prefix.bytes().all(|p| digits.next() == Some(p))
}

/// Whether the digits of `raw` start with the country code `code`.
fn starts_with_code(raw: &str, code: u16) -> bool {
    let len = match code {
        0 => return false,
        1..=9 => 1,
        10..=99 => 2,
        _ => 3,
    };
    let mut value = 0u16;
    let mut n = 0;
    for digit in raw.bytes().filter(u8::is_ascii_digit).take(len) {
        value = value * 10 + u16::from(digit - b'0');
        n += 1;
    }
    n == len && value == code
}

/// Reads a candidate in one form; `None` when it is no number so.
fn read(raw: &str, form: Form, cx: Context) -> Option<Phone> {
    match form {
        Form::International => Phone::parse_possible(raw, cx.region).ok(),
        Form::National => Phone::parse(raw, cx.region).ok(),
        Form::Service => Phone::parse(raw, cx.region)
            .ok()
            .filter(|phone| phone.kind() == PhoneKind::Service),
        Form::Bare => {
            let phone = Phone::parse(raw, cx.region).ok()?;
            let database: &'static Database = &DATABASE;
            let meta = database.by_id(cx.region.as_ref())?;
            let nsn = national_significant(&phone.0, cx.info.code)?;
            written_without_prefix(meta, nsn).then_some(phone)
        }
        Form::NoPlus => {
            // Digits that are a national number are one, whatever they
            // would be with a `+` (`12125551234` in North America).
            let international = Phone::parse_international(&format!("+{raw}")).ok()?;
            match Phone::parse(raw, cx.region) {
                Ok(national) => (national == international).then_some(international),
                Err(_) => Some(international),
            }
        }
    }
}

/// Whether the groups have the shape of a date (`28-02-2025`, `2025.03.14`).
fn is_date(groups: &[Group]) -> bool {
    let [a, b, c] = groups else {
        return false;
    };
    let day_month = |g: &Group| (1..=2).contains(&g.digits);
    let same_sep = b.sep == c.sep && matches!(b.sep, b'-' | b'.' | b'/');
    same_sep
        && ((day_month(a) && day_month(b) && matches!(c.digits, 2 | 4))
            || (a.digits == 4 && day_month(b) && day_month(c)))
}

/// The length of a bracketed group of one to five digits at `pos`, `(20)`;
/// 0 when there is none.
fn bracket_group_len(b: &[u8], pos: usize) -> usize {
    if b.get(pos) != Some(&b'(') {
        return 0;
    }
    let end = digits_end(b, pos + 1);
    if (1..=5).contains(&(end - pos - 1)) && b.get(end) == Some(&b')') {
        end + 1 - pos
    } else {
        0
    }
}

/// Scans the run of digit groups starting at the digit at `d`.
fn scan_run(b: &[u8], d: usize) -> Run {
    let mut run = Run {
        groups: [Group::default(); MAX_GROUPS],
        len: 0,
        overflow: false,
        plus: d > 0 && b.get(d - 1) == Some(&b'+'),
        paren_area: false,
        end: d,
    };
    // `(020) 1234567`, `(213) 671-8751`: an area code in parentheses
    // belongs to the number.
    let first_len = bracket_group_len(b, d.saturating_sub(1));
    if !run.plus
        && d > 0
        && (4..=7).contains(&first_len)
        && b.get(d - 1 + first_len + space_len(b, d - 1 + first_len))
            .is_some_and(u8::is_ascii_digit)
    {
        run.paren_area = true;
    }
    let mut pos = if run.plus || run.paren_area { d - 1 } else { d };
    let mut sep = 0;
    loop {
        // A group is digits, or digits in brackets (the first group's area
        // code, or an area code after a country code).
        let bracketed = b.get(pos) == Some(&b'(');
        let digits_start = if bracketed { pos + 1 } else { pos };
        let digits_start = if run.len == 0 && run.plus {
            d
        } else {
            digits_start
        };
        let digits_stop = digits_end(b, digits_start);
        let end = if bracketed {
            digits_stop + 1
        } else {
            digits_stop
        };
        if run.len < MAX_GROUPS {
            run.groups[run.len] = Group {
                start: pos,
                end,
                digits: digits_stop - digits_start,
                head: b.get(digits_start).copied().unwrap_or(b'x'),
                sep,
            };
            run.len += 1;
        } else {
            run.overflow = true;
        }
        run.end = end;
        let international = run.plus || (run.groups[0].head == b'0' && b.get(d + 1) == Some(&b'0'));
        // `(020)1234567`: the closing parenthesis separates on its own.
        let joined = bracketed && b.get(end).is_some_and(u8::is_ascii_digit);
        let next = if joined {
            Some((end, b' '))
        } else {
            separator(b, end, international, run.len == 1)
        };
        match next {
            Some((next, kind)) => {
                pos = next;
                sep = kind;
            }
            None => break,
        }
    }
    run
}

/// The offset just after the ASCII digits starting at `pos`.
fn digits_end(b: &[u8], pos: usize) -> usize {
    pos + b
        .get(pos..)
        .map_or(0, |s| s.iter().take_while(|c| c.is_ascii_digit()).count())
}

/// The length of a space character at `pos`: a space, a no-break space or a
/// narrow no-break space (word processors insert the latter two).
fn space_len(b: &[u8], pos: usize) -> usize {
    match b.get(pos..) {
        Some([b' ', ..]) => 1,
        Some([0xC2, 0xA0, ..]) => 2,
        Some([0xE2, 0x80, 0xAF, ..]) => 3,
        _ => 0,
    }
}

/// The length of a dash at `pos`: a hyphen-minus, hyphen, non-breaking
/// hyphen or en dash.
fn dash_len(b: &[u8], pos: usize) -> usize {
    match b.get(pos..) {
        Some([b'-', ..]) => 1,
        Some([0xE2, 0x80, 0x90 | 0x91 | 0x93, ..]) => 3,
        _ => 0,
    }
}

/// Reads a separator between digit groups at `pos`: a single space, a dash
/// with optional spaces around it (`010 - 123 45 67`), a dot, a slash after
/// an area code (`020/1234567`), a `(0)` trunk prefix after a country code,
/// or an area code in brackets after a country code or a national prefix
/// (`+44 (20) 7946 0958`, `1(800)215-6603`). Returns
/// the offset where the next group starts and the kind of separator;
/// `None` when no group follows.
fn separator(b: &[u8], pos: usize, international: bool, after_first: bool) -> Option<(usize, u8)> {
    // After a country code or a national prefix (`1(800)215-6603`), an
    // area code may stand in brackets.
    let short_first = after_first && {
        let start = pos
            - b[..pos]
                .iter()
                .rev()
                .take_while(|c| c.is_ascii_digit())
                .count();
        (1..=3).contains(&(pos - start))
    };
    let mut q = pos;
    let space_before = space_len(b, q);
    q += space_before;
    let kind;
    if international && b.get(q..).is_some_and(|s| s.starts_with(b"(0)")) {
        q += 3;
        q += space_len(b, q);
        kind = b'0';
    } else if short_first && bracket_group_len(b, q) > 0 {
        return Some((q, b'('));
    } else if dash_len(b, q) > 0 {
        q += dash_len(b, q);
        q += space_len(b, q);
        kind = b'-';
    } else if space_before == 0 && b.get(q) == Some(&b'.') {
        // A dot only separates when it touches digits on both sides;
        // `0612345678. 2` is the end of a sentence.
        q += 1;
        kind = b'.';
    } else if space_before == 0 && after_first && b.get(q) == Some(&b'/') {
        q += 1;
        kind = b'/';
    } else if space_before > 0 {
        kind = b' ';
    } else {
        return None;
    }
    b.get(q)
        .is_some_and(u8::is_ascii_digit)
        .then_some((q, kind))
}

/// Where in a run a number may start, judged by what is written just
/// before it; `None` when the run belongs to something else.
///
/// A run glued to the word before it is part of that word (`ABC123`, a
/// reference, an IBAN), except when a `+` joins them (`call+3897...`), when
/// a dash joins it to a phone word (`sms-0871...`), and when only its first
/// group is glued and a space follows (`MobileUpd8 0800...`: the number
/// starts after the word). Emphasis around a number (`*06-12345678*`,
/// `**0313794042**`, `_..._`, `~...~`) is Markdown or WhatsApp markup.
fn usable_start(text: &str, run: &Run) -> Option<usize> {
    let before = text.get(..run.groups[0].start).unwrap_or_default();
    let prev = before.chars().next_back();
    let glued_group = || (run.len > 1 && run.groups[1].sep == b' ').then_some(1);
    match prev {
        Some(c) if c.is_alphabetic() && run.plus => Some(0),
        Some(c) if c.is_alphanumeric() => glued_group(),
        Some(dash @ ('-' | '\u{2010}' | '\u{2011}' | '\u{2013}')) => {
            // `sms-0871...`, and a number noun as before a space: `No-629...`,
            // `nr-06...` (the words before it then say what number it is).
            let word = word_before(&before[..before.len() - dash.len_utf8()]);
            (word.is_empty() || is_number_noun(word) || judge_word(word, false) == Label::Phone)
                .then_some(0)
        }
        // `call @18002702102`: an `@` standing alone before the digits is
        // "at", not an e-mail address (whose name comes right before it).
        Some('@')
            if !before[..before.len() - 1]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '+')) =>
        {
            Some(0)
        }
        Some(marker @ ('*' | '_' | '~')) => {
            let open = before.len() - before.trim_end_matches(marker).len();
            let outside = before[..before.len() - open].chars().next_back();
            let after = text.get(run.end..).unwrap_or_default();
            let close = after.len() - after.trim_start_matches(marker).len();
            let beyond = after[close..].chars().next();
            let closed = close == open
                && !outside.is_some_and(char::is_alphanumeric)
                && !beyond.is_some_and(char::is_alphanumeric);
            closed.then_some(0)
        }
        // Part of a URL, an e-mail address, a query, an amount.
        Some('@' | '/' | '\\' | '=' | '&' | '#' | '€' | '$' | '£' | '%') => None,
        _ => Some(0),
    }
}

/// The word (ASCII letters and digits, and other non-ASCII letters) that
/// ends `s`.
fn word_before(s: &str) -> &[u8] {
    let b = s.as_bytes();
    let len = b
        .iter()
        .rev()
        .take_while(|c| c.is_ascii_alphanumeric() || **c >= 0x80)
        .count();
    &b[b.len() - len..]
}

/// Whether the text right after a run shows it is not a phone number.
fn rejected_after(text: &str, end: usize) -> bool {
    let after = text.get(end..).unwrap_or_default();
    let mut next = after.chars();
    match (next.next(), next.next()) {
        // Part of a word, an e-mail address, a percentage or a time.
        (Some(c), _) if c.is_alphanumeric() => return true,
        (Some('@' | '%' | '€'), _) => return true,
        // `0612345678.nl` is a domain name; a capital after the dot is more
        // likely a missing space between sentences.
        (Some('.'), Some('a'..='z')) => return true,
        // `139.209,-` is an amount; `14:30` is a time.
        (Some(','), Some('-')) | (Some(':'), Some('0'..='9')) => return true,
        // `1.234,56` is an amount, but `06-12345678,06-87654321` a list.
        (Some(','), Some('0'..='9')) => {
            let decimals = after.get(1..).unwrap_or_default().as_bytes();
            let cents = decimals.iter().take_while(|c| c.is_ascii_digit()).count();
            if cents <= 2 && decimals.get(cents) != Some(&b'-') {
                return true;
            }
        }
        _ => {}
    }
    let following = after.trim_start_matches([' ', '\u{a0}']);
    let next_word = word_at_start(following);
    ["euro", "eur", "cent", "uur", "procent"]
        .iter()
        .any(|w| next_word.eq_ignore_ascii_case(w.as_bytes()))
        || following.starts_with('€')
}

/// The word (ASCII letters and digits) at the start of `s`.
fn word_at_start(s: &str) -> &[u8] {
    let b = s.as_bytes();
    let len = b.iter().take_while(|c| c.is_ascii_alphanumeric()).count();
    &b[..len]
}

/// What the words before a run say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    /// A reference, account, amount or other number that is not a phone
    /// number (`betalingskenmerk`, `ordernummer`, `KvK`).
    NotPhone,
    /// A phone number (`telefoonnummer`, `bel`, `call`, `WhatsApp`).
    Phone,
    /// Nothing either way.
    None,
}

/// How a label word may be written in a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Joins {
    /// On its own, inflected, or joined to a number noun: `order`,
    /// `orders`, `ordernummer`, `order-nr`, but not `camcorder`.
    Word,
    /// Only joined to a number noun (`klantnummer`, `pakket-nr`, or with
    /// `nummer` as the next word): alone it names a person or a thing
    /// (`klant`, `pakketbezorger`).
    WithNumber,
    /// Also as the last part of a compound: `betalingskenmerk`,
    /// `activatiecode`, `klantenservice`.
    Head,
}

/// Words that say the digits after them are not a phone number, Dutch then
/// English. Matched on word boundaries, as [`Joins`] says.
const NOT_PHONE_LABELS: &[(&str, Joins)] = &[
    ("kenmerk", Joins::Head),
    ("bestel", Joins::Word),
    ("order", Joins::Word),
    ("factuur", Joins::Word),
    ("klant", Joins::WithNumber),
    ("kvk", Joins::Word),
    ("rekening", Joins::Head),
    ("iban", Joins::Word),
    ("bsn", Joins::Word),
    ("btw", Joins::Word),
    ("referentie", Joins::Head),
    ("zaak", Joins::WithNumber),
    ("dossier", Joins::Word),
    ("track", Joins::Word),
    ("trace", Joins::Word),
    ("pakket", Joins::WithNumber),
    ("verzend", Joins::WithNumber),
    ("registratie", Joins::Word),
    ("aangifte", Joins::WithNumber),
    ("polis", Joins::Word),
    ("contract", Joins::Word),
    ("artikel", Joins::Word),
    ("ticket", Joins::Word),
    ("transactie", Joins::Word),
    ("pas", Joins::WithNumber),
    ("kaart", Joins::WithNumber),
    ("creditcard", Joins::Word),
    ("bedrag", Joins::Word),
    ("postcode", Joins::Word),
    ("imei", Joins::Word),
    ("serie", Joins::WithNumber),
    ("code", Joins::Head),
    ("bon", Joins::WithNumber),
    ("lid", Joins::WithNumber),
    ("eur", Joins::Word),
    ("euro", Joins::Word),
    ("usd", Joins::Word),
    ("gbp", Joins::Word),
    ("ref", Joins::Word),
    ("id", Joins::Word),
    ("reference", Joins::Head),
    ("invoice", Joins::Word),
    ("account", Joins::WithNumber),
    ("acct", Joins::WithNumber),
    ("customer", Joins::WithNumber),
    ("member", Joins::WithNumber),
    ("parcel", Joins::WithNumber),
    ("card", Joins::WithNumber),
    ("serial", Joins::Word),
    ("policy", Joins::Word),
    ("booking", Joins::Word),
    ("voucher", Joins::Word),
];

/// Words that say the digits after them are a phone number; they stop the
/// search for an earlier label (`rekeningnummer en telefoonnummer 06...`).
const PHONE_LABELS: &[(&str, Joins)] = &[
    ("telefoon", Joins::Head),
    ("tel", Joins::Word),
    ("mobiel", Joins::Word),
    ("mobiele", Joins::Word),
    ("gsm", Joins::Word),
    ("whatsapp", Joins::Word),
    ("watsapp", Joins::Word),
    ("sms", Joins::Word),
    ("bel", Joins::Word),
    ("belt", Joins::Word),
    ("belde", Joins::Word),
    ("belden", Joins::Word),
    ("bellen", Joins::Head),
    ("gebeld", Joins::Head),
    ("beller", Joins::Word),
    ("app", Joins::Word),
    ("appen", Joins::Word),
    ("appte", Joins::Word),
    ("geappt", Joins::Word),
    ("service", Joins::Head),
    ("helpdesk", Joins::Head),
    ("afzender", Joins::Word),
    ("fax", Joins::Word),
    ("phone", Joins::Head),
    ("mobile", Joins::Word),
    ("mob", Joins::Word),
    ("call", Joins::Word),
    ("called", Joins::Word),
    ("ring", Joins::Word),
    ("text", Joins::Word),
    ("txt", Joins::Word),
    ("dial", Joins::Word),
    ("hotline", Joins::Word),
    ("freephone", Joins::Word),
    ("contact", Joins::Word),
];

/// Words that name a number without saying which (`nummer`, `nr`): they
/// join a label before them (`KvK nummer`, `pakket nummer`) and say
/// nothing themselves.
const NUMBER_NOUNS: &[&str] = &[
    "nummer", "nummers", "nr", "nrs", "no", "number", "numbers", "num", "code", "codes", "id",
];

/// How many of [`NUMBER_NOUNS`] name no kind of number on their own: a
/// `code` or an `id` is not a phone number.
const NAMELESS_NOUNS: usize = 8;

/// Endings a label word may take on its own: plural, verb forms, `-ing`.
const INFLECTIONS: &[&str] = &["", "s", "en", "ing", "ings", "ling", "lingen"];

/// Whether `rest`, what follows a label in a word, makes it a compound with
/// a number noun: `nummer`, `-nr`, `snummer` (with the Dutch linking `s`).
fn number_compound(rest: &[u8]) -> bool {
    let rest = rest
        .strip_prefix(b"-")
        .or_else(|| rest.strip_prefix(b"s"))
        .filter(|r| !r.is_empty())
        .unwrap_or(rest);
    NUMBER_NOUNS
        .iter()
        .any(|n| rest.eq_ignore_ascii_case(n.as_bytes()))
}

/// Whether `rest`, what follows a label in a word, is an inflection,
/// perhaps followed by a number noun (`tracking-nummer`).
fn inflected(rest: &[u8]) -> bool {
    INFLECTIONS.iter().any(|i| {
        rest.len() >= i.len()
            && rest[..i.len()].eq_ignore_ascii_case(i.as_bytes())
            && (rest.len() == i.len() || number_compound(&rest[i.len()..]))
    })
}

/// Whether `word` is written with `label` as [`Joins`] allows;
/// `number_next` when the word after it is a number noun (`pakket
/// nummer`).
fn label_in_word(word: &[u8], label: &str, joins: Joins, number_next: bool) -> bool {
    let label = label.as_bytes();
    let starts = word.len() >= label.len() && word[..label.len()].eq_ignore_ascii_case(label);
    let rest = word.get(label.len()..).unwrap_or_default();
    match joins {
        Joins::Word => starts && inflected(rest),
        Joins::WithNumber => starts && (number_compound(rest) || (rest.is_empty() && number_next)),
        Joins::Head => {
            // The label anywhere in the word, followed by an inflection or
            // a number noun: `spaarrekeningnummer`, `betalingskenmerk`.
            (0..word.len().saturating_sub(label.len() - 1)).any(|at| {
                word[at..at + label.len()].eq_ignore_ascii_case(label)
                    && inflected(&word[at + label.len()..])
            })
        }
    }
}

/// Labels by where they stand in a word: a label that must start it
/// ([`Joins::Word`], [`Joins::WithNumber`]) under its first letter, so a
/// word is only compared with the few that start as it does; the others
/// anywhere.
#[derive(Debug)]
struct LabelIndex {
    starting: [Vec<(&'static str, Joins)>; 26],
    anywhere: Vec<(&'static str, Joins)>,
}

impl LabelIndex {
    fn of(labels: &[(&'static str, Joins)]) -> LabelIndex {
        let mut index = LabelIndex {
            starting: Default::default(),
            anywhere: Vec::new(),
        };
        for &(label, joins) in labels {
            match label.as_bytes().first() {
                Some(&first @ b'a'..=b'z') if joins != Joins::Head => {
                    index.starting[usize::from(first - b'a')].push((label, joins));
                }
                _ => index.anywhere.push((label, joins)),
            }
        }
        index
    }

    /// Whether `word` is written with one of the labels
    /// ([`label_in_word`]).
    fn any_in(&self, word: &[u8], number_next: bool) -> bool {
        let starting = match word.first().map(u8::to_ascii_lowercase) {
            Some(first @ b'a'..=b'z') => &self.starting[usize::from(first - b'a')][..],
            _ => &[],
        };
        starting
            .iter()
            .chain(&self.anywhere)
            .any(|&(l, j)| label_in_word(word, l, j, number_next))
    }
}

static NOT_PHONE_INDEX: LazyLock<LabelIndex> = LazyLock::new(|| LabelIndex::of(NOT_PHONE_LABELS));

static PHONE_INDEX: LazyLock<LabelIndex> = LazyLock::new(|| LabelIndex::of(PHONE_LABELS));

/// What one word before a number says; `number_next` when the word after
/// it is a number noun.
fn judge_word(word: &[u8], number_next: bool) -> Label {
    if NOT_PHONE_INDEX.any_in(word, number_next) {
        Label::NotPhone
    } else if PHONE_INDEX.any_in(word, number_next) {
        Label::Phone
    } else {
        Label::None
    }
}

/// What the words just before a run (up to three words in the same
/// sentence, not counting number nouns) say it is. Words end at anything
/// but letters, digits and a dash inside a word (`KvK-nummer`). Digits
/// ending in an IBAN's country-and-check digits and bank code (`NL91 ABNA
/// 0417 ...`) are not a phone number either.
fn label_before(before: &str) -> Label {
    let b = before.as_bytes();
    let mut pos = b.len();
    let floor = b.len().saturating_sub(64);
    let mut words: [&[u8]; 2] = [&[]; 2];
    let mut seen = 0;
    let mut number_next = false;
    let mut named_number = false;
    while seen < 3 {
        // Skip punctuation between words; a sentence end stops the search,
        // but not the dot of `nr.`, `no.` or `tel.`.
        while pos > floor {
            match b[pos - 1] {
                b'.' if ABBREVIATED.iter().any(|a| {
                    word_before(&before[..pos - 1]).eq_ignore_ascii_case(a.as_bytes())
                }) =>
                {
                    pos -= 1;
                }
                b'.' | b'!' | b'?' | b'\n' | b';' => {
                    pos = floor;
                }
                c if c.is_ascii_alphanumeric() || c >= 0x80 => break,
                _ => pos -= 1,
            }
        }
        let end = pos;
        while pos > floor {
            let c = b[pos - 1];
            let inner_dash = c == b'-'
                && pos - 1 > floor
                && b[pos - 2].is_ascii_alphanumeric()
                && b.get(pos).is_some_and(u8::is_ascii_alphanumeric);
            if c.is_ascii_alphanumeric() || c >= 0x80 || inner_dash {
                pos -= 1;
            } else {
                break;
            }
        }
        let word = &b[pos..end];
        // A number in between means any label before it belongs to that
        // number (`KvK 68750110 en 0612345678`).
        if word.is_empty() || word.iter().all(u8::is_ascii_digit) {
            break;
        }
        if seen < 2 {
            words[seen] = word;
        }
        seen += 1;
        if is_number_noun(word) {
            number_next = true;
            named_number = true;
            continue;
        }
        match judge_word(word, number_next) {
            Label::None => {}
            verdict => return verdict,
        }
        number_next = false;
    }
    if is_bank_code(words[0]) && is_iban_start(words[1]) {
        return Label::NotPhone;
    }
    // `het nummer 32474428013`: a number named as such, and not as any
    // other kind of number, is a phone number.
    if named_number {
        return Label::Phone;
    }
    Label::None
}

/// Abbreviations whose dot does not end a sentence before a number.
const ABBREVIATED: &[&str] = &["nr", "nrs", "no", "tel", "mob", "ref", "num", "tel.nr"];

/// Whether `word` is one of the number nouns that name no kind of number
/// (`nummer`, `nr`, `no`, `number`).
fn is_number_noun(word: &[u8]) -> bool {
    NUMBER_NOUNS[..NAMELESS_NOUNS]
        .iter()
        .any(|n| word.eq_ignore_ascii_case(n.as_bytes()))
}

/// Four letters, as in an IBAN's bank code (`ABNA`).
fn is_bank_code(word: &[u8]) -> bool {
    word.len() == 4 && word.iter().all(u8::is_ascii_alphabetic)
}

/// Two letters and two digits, as at the start of an IBAN (`NL91`).
fn is_iban_start(word: &[u8]) -> bool {
    matches!(word, [a, b, c, d] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() && c.is_ascii_digit() && d.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const NL: Id = Id::NL;

    /// Parses `input` in the Netherlands and compares with the E.164 value
    /// or the error reason.
    #[track_caller]
    fn check(input: &str, expected: Result<&str, &str>) {
        let got = Phone::parse(input, NL);
        let got = got.as_ref().map(Phone::as_str).map_err(ParseError::reason);
        assert_eq!(got, expected, "parsing {input:?}");
    }

    /// Finds numbers in `text` and compares with the expected E.164 values;
    /// also checks that each span covers exactly the number's text.
    #[track_caller]
    fn check_text(text: &str, expected: &[&str]) {
        check_text_in(NL, text, expected);
    }

    /// [`check_text`] in another region.
    #[track_caller]
    fn check_text_in(region: Id, text: &str, expected: &[&str]) {
        let found = find_in_text(text, region);
        let values: Vec<&str> = found.iter().map(|m| m.value.as_str()).collect();
        assert_eq!(values, expected, "finding in {text:?} ({region:?})");
        for m in &found {
            assert_eq!(m.kind, Kind::Phone);
            assert!(m.valid);
            let raw = &text[m.span.clone()];
            assert_eq!(raw, raw.trim(), "span of {raw:?} in {text:?}");
            // A country code written without `+` reads as one with it.
            let read = Phone::parse_possible(raw, region)
                .ok()
                .filter(|p| p.0 == m.value)
                .or_else(|| Phone::parse_international(&format!("+{raw}")).ok());
            assert_eq!(read.map(|p| p.0), Some(m.value.clone()), "{raw:?}");
        }
    }

    #[test]
    fn dutch_mobile_in_every_written_form_is_e164() {
        for input in [
            "06-12345678",
            "06 12 34 56 78",
            "06.12.34.56.78",
            "0612345678",
            "+31 (0)6-1234 5678",
            "+31 (0)6 1234 5678",
            "+31(0)612345678",
            "+31-6-1234-5678",
            "0031 6 12345678",
            "0031612345678",
            "0031 (0)6 12345678",
            "+31612345678",
            "+31 06 12345678",
            "06 - 1234 5678",
            "  06-12345678 \n",
            "06\u{a0}12345678",
            "06\u{2013}12345678",
            "(06) 12345678",
        ] {
            check(input, Ok("+31612345678"));
        }
        check("+31 6 37062126", Ok("+31637062126"));
    }

    #[test]
    fn foreign_numbers_with_spaces_and_prefixes_are_e164() {
        for (input, expected) in [
            ("+44 7955 769361", "+447955769361"),
            ("0044 7955 769361", "+447955769361"),
            ("0049 152 3939 1044", "+4915239391044"),
            ("+49 (0)152 39391044", "+4915239391044"),
            ("+32 474 42 80 13", "+32474428013"),
            ("+32 (0)491 688630", "+32491688630"),
            ("+32 496 12 51 30", "+32496125130"),
            ("+1 (212) 555-1234", "+12125551234"),
        ] {
            check(input, Ok(expected));
        }
    }

    #[test]
    fn fixed_lines_and_service_numbers_are_e164() {
        for (input, expected) in [
            ("020-1234567", "+31201234567"),
            ("020 22 888 00", "+31202288800"),
            ("(020) 22 888 00", "+31202288800"),
            ("020/1234567", "+31201234567"),
            ("010 - 123 45 67", "+31101234567"),
            ("0800-1234", "+318001234"),
            ("0900-8844", "+319008844"),
            ("0900 - 81 70", "+319008170"),
            ("0900-0024", "+319000024"),
            ("088 722 66 00", "+31887226600"),
            ("088-2262630", "+31882262630"),
        ] {
            check(input, Ok(expected));
        }
    }

    #[test]
    fn bad_numbers_are_rejected_with_a_reason() {
        for (input, reason) in [
            ("", "length"),
            ("   ", "length"),
            ("+", "length"),
            ("06", "length"),
            ("06123", "length"),
            ("0612345678901234567890", "length"),
            ("06123456", "invalid"),
            ("061234567890", "invalid"),
            ("0417164300", "invalid"),
            ("+999 1234 5678", "invalid"),
            ("0000000000", "invalid"),
            ("06_12345678", "invalid"),
            ("06 1234+5678", "invalid"),
            ("06-1234567a", "letters"),
            ("0612345678 ext 12", "letters"),
            ("06-CALL-NOW", "letters"),
            ("1234 AB", "letters"),
            ("tel:+31612345678", "letters"),
            ("+3161234567٣", "invalid"),
        ] {
            check(input, Err(reason));
        }
    }

    #[test]
    fn getters_describe_the_number() {
        let phone = Phone::parse("06-12345678", NL).expect("valid mobile");
        assert_eq!(phone.as_str(), "+31612345678");
        assert_eq!(phone.to_string(), "+31612345678");
        assert_eq!(phone.as_ref(), "+31612345678");
        assert_eq!(phone.country_code(), 31);
        assert!(phone.is_dutch());
        assert_eq!(phone.kind(), PhoneKind::Mobile);

        let kinds = [
            ("020-1234567", 31, PhoneKind::FixedLine),
            ("0800-1234", 31, PhoneKind::Service),
            ("0900-8844", 31, PhoneKind::Service),
            ("088 722 66 00", 31, PhoneKind::Service),
            ("+44 7955 769361", 44, PhoneKind::Mobile),
            ("+1 212 555 1234", 1, PhoneKind::Other),
            ("+352 621 123 456", 352, PhoneKind::Mobile),
        ];
        for (input, code, kind) in kinds {
            let phone = Phone::parse(input, NL).expect(input);
            assert_eq!(phone.country_code(), code, "{input}");
            assert_eq!(phone.kind(), kind, "{input}");
            assert_eq!(phone.is_dutch(), code == 31, "{input}");
        }
    }

    #[test]
    fn numbers_in_real_statements_are_found() {
        for (text, expected) in [
            (
                "Ik werd benaderd via +447955769361.",
                &["+447955769361"][..],
            ),
            ("Hij appte vanaf +31621503043.", &["+31621503043"]),
            ("Op mijn telefoon stond 0882262630.", &["+31882262630"]),
            (
                "Daarna heb ik gelijk de Rabobank gebeld (088 722 66 00).",
                &["+31887226600"],
            ),
            (
                "Afzender van de sms: +32 496 12 51 30 In totaal ben ik €13.804,20 kwijt.",
                &["+32496125130"],
            ),
            (
                "Nummer beller: +31887226767 (de Rabobank)",
                &["+31887226767"],
            ),
            ("Ik werd benaderd via 06 3048 4168.", &["+31630484168"]),
            (
                "het nummer waarmee gebelt werd was +32 (0)491 688630.",
                &["+32491688630"],
            ),
            ("WhatsApp nummer +32497204780.", &["+32497204780"]),
            (
                "Afzender van de sms: +49 (0)152 39391044 Ik heb daarna niets meer gehoord.",
                &["+4915239391044"],
            ),
            ("Ik moest bellen naar (0900 - 81 70).", &["+319008170"]),
            (
                "Bel 0900-0024 of 0800-1234 voor hulp.",
                &["+319000024", "+318001234"],
            ),
            (
                "Kantoor: (020) 22 888 00, mobiel 06.12.34.56.78",
                &["+31202288800", "+31612345678"],
            ),
            ("Tel:+31612345678", &["+31612345678"]),
            ("Hij belde 0612345678.Daarna niets meer.", &["+31612345678"]),
            ("Café 06-12345678 ñ", &["+31612345678"]),
        ] {
            check_text(text, expected);
        }
    }

    #[test]
    fn two_numbers_in_one_sentence_are_both_found() {
        for (text, expected) in [
            (
                "Hij belde met 06-12345678 en later met +31 6 87654321.",
                &["+31612345678", "+31687654321"][..],
            ),
            (
                "Nummers: 0612345678 0687654321",
                &["+31612345678", "+31687654321"],
            ),
            (
                "Nummers: +31612345678 +32497204780",
                &["+31612345678", "+32497204780"],
            ),
            ("06-12345678/06-87654321", &["+31612345678"]),
            ("06-12345678,06-87654321", &["+31612345678", "+31687654321"]),
            (
                "Thuis (020)1234567 of 06 - 1234 5678",
                &["+31201234567", "+31612345678"],
            ),
            ("KvK 68750110 en 0612345678", &["+31612345678"]),
            ("Op 28-02-2025 0612345678 gebeld", &["+31612345678"]),
            ("Om 14:30 0612345678 gebeld", &["+31612345678"]),
            (
                "Het rekeningnummer en telefoonnummer 0612345678",
                &["+31612345678"],
            ),
        ] {
            check_text(text, expected);
        }
    }

    #[test]
    fn dates_times_amounts_and_references_are_never_numbers() {
        for text in [
            "Op 28-02-2025 om 14:30 werd ik gebeld.",
            "Op 01-02-2025 en 01.02.2025 en 01/02/2025 werd ik gebeld.",
            "Op 1 januari 2025 om 14.30 uur.",
            "Datum: 2025-03-14, ook 14/03/2025.",
            "Ik heb € 1.234,56 overgemaakt, totaal €13.804,20 en EUR 6.446,86.",
            "Het ging om 1197 euro en later € 210950 en 139.209,-.",
            "Ik betaalde €0612345678 en EUR 0612345678 en 0612345678 euro.",
            "Rente 0612345678% per jaar, om 0612345678:30.",
            "Mijn postcode is 1234 AB.",
            "Registratienummer 2025-AMS-00000123.",
            "Zaak 2025-AMS-0612345678.",
            "Naar NL91 ABNA 0417 1643 00 overgemaakt.",
            "Naar nl91 abna 0612 3456 78 overgemaakt.",
            "Naar NL91ABNA0612345678 overgemaakt.",
            "Rekening BE15 7346 6689 6530 en LT40 3250 439265235017 en DE63 7602 60004625584233.",
            "Het betalingskenmerk was 5419 8213 1605 8948.",
            "Het betalingskenmerk was 0612 3456 78.",
            "Track & trace 3SZBET588772117, bestelnummer 88123456.",
            "Bestelnummer: 0612345678",
            "KvK 68750110 en KvK-nummer: 09001234 en KvK nummer 0882262630.",
            "Stuur een bericht via wa.me/31612345678 of mail t.snijders1982@outlook.com.",
            "Zie https://example.nl/?tel=0612345678 of 0612345678@example.nl.",
            "Code 0612345678 ingevoerd.",
            "Zie www.bel-0612345678.nl en 0612345678.nl en http://x.nl/0612345678",
            "Mail jan.0612345678@gmail.com of 0612345678@gmail.com.",
            "Korte nummers als 112, 06123 en 0612 zijn geen nummers.",
            "Verkeerd: 061234567890 en 06-1234567.",
            "",
            "Geen cijfers hier, alleen tekst met ümlauts en €.",
        ] {
            check_text(text, &[]);
        }
    }

    // See: issue 20 (a compact service number, `09008844`, is read as
    // phonenumbers reads it; other short compact runs stay references)
    #[test]
    fn compact_service_numbers_are_numbers_and_short_references_are_not() {
        check_text("Ze belden met 09008170. Ik", &["+319008170"]);
        check_text("Via 09008844 kreeg ik het advies", &["+319008844"]);
        check_text(
            "Bel gratis (08000543) of 0900 8844.",
            &["+318000543", "+319008844"],
        );
        check_text_in(Id::GB, "Call free on 08001111 now", &["+448001111"]);
        for text in [
            "Bestelnummer 06123456 en klantnummer 01012345.",
            "Transactie 02012345 op 1-2-2026.",
            "KvK-nummer: 09001234",
        ] {
            check_text(text, &[]);
        }
    }

    // See: issue 20
    #[test]
    fn a_number_in_international_form_is_the_same_in_every_region() {
        for raw in [
            "+31102411720",
            "+31 10 241 17 20",
            "+4915110705920",
            "+49 (0)151 10705920",
            "0044 20 7946 0958",
            "+1 (213) 671-8751",
            "+32 474 42 80 13",
        ] {
            let nl = Phone::parse_possible(raw, NL).expect(raw);
            for region in [
                Id::GB,
                Id::US,
                Id::CA,
                Id::DE,
                Id::BE,
                Id::IT,
                Id::RU,
                Id::HU,
                Id::JP,
                Id::AU,
                Id::AR,
            ] {
                assert_eq!(
                    Phone::parse_possible(raw, region).as_ref(),
                    Ok(&nl),
                    "{raw} in {region:?}"
                );
            }
        }
        // Under US, the prefix `1` was stripped from these.
        for e164 in ["+31102411720", "+4915110705920", "+61212345678"] {
            let phone = Phone::parse_possible(e164, Id::US).map(|p| p.0);
            assert_eq!(phone.as_deref(), Ok(e164));
            let phone = Phone::parse_international(e164).map(|p| p.0);
            assert_eq!(phone.as_deref(), Ok(e164));
        }
        assert_eq!(
            Phone::parse_international("010 241 17 20").map_err(|e| e.reason().to_owned()),
            Err("national".to_owned())
        );
    }

    // See: issue 20
    #[test]
    fn national_numbers_are_read_in_the_region_given() {
        for (region, raw, expected) in [
            (Id::NL, "010 241 17 20", "+31102411720"),
            (Id::NL, "06-12345678", "+31612345678"),
            (Id::BE, "0474 42 80 13", "+32474428013"),
            (Id::DE, "0151 10705920", "+4915110705920"),
            (Id::GB, "020 7946 0958", "+442079460958"),
            (Id::GB, "07946 746291", "+447946746291"),
            (Id::US, "(213) 671-8751", "+12136718751"),
            (Id::US, "1-833-597-2291", "+18335972291"),
            (Id::US, "8557672244", "+18557672244"),
            // North America's international prefix is 011, not 00.
            (Id::US, "011 31 10 241 1720", "+31102411720"),
            (Id::CA, "011 44 20 7946 0958", "+442079460958"),
        ] {
            let got = Phone::parse(raw, region).map(|p| p.0);
            assert_eq!(got.as_deref(), Ok(expected), "{raw} in {region:?}");
        }
    }

    // See: issue 20
    #[test]
    fn numbers_written_as_people_write_them_in_messages_are_found() {
        for (text, expected) in [
            // A country code with a bracketed area or mobile prefix.
            (
                "Bel ons op +31 (20) 226 2079 voor vragen.",
                &["+31202262079"][..],
            ),
            ("Mijn nieuwe nummer: +31 (6) 12345678", &["+31612345678"]),
            // Markdown and WhatsApp emphasis.
            (
                "Stuur een appje naar *06-12345678* met je naam",
                &["+31612345678"],
            ),
            ("**0313794042** belde mij gisteren", &["+31313794042"]),
            (
                "Bel _06 1234 5678_ of ~0687654321~",
                &["+31612345678", "+31687654321"],
            ),
            // Glued to a word or a sign.
            (
                "Stuur een whatsapp+31612345678 voor de code",
                &["+31612345678"],
            ),
            (
                "Reageer via sms-0612345678 en bel-0687654321",
                &["+31612345678", "+31687654321"],
            ),
            ("tel.0612345678", &["+31612345678"]),
            ("Tel:0612345678☎️", &["+31612345678"]),
            // In brackets.
            ("Bel de bank [0612345678] nu", &["+31612345678"]),
            (
                "(+31 6 12345678) en {06-87654321} en <0201234567>",
                &["+31612345678", "+31687654321", "+31201234567"],
            ),
            // A word that ends in a digit before the number.
            ("Actie2025 0612345678 bellen", &["+31612345678"]),
            // Context words on word boundaries.
            ("De pakketbezorger 06-12345678 belde aan", &["+31612345678"]),
            ("De klant 0612345678 wilde betalen", &["+31612345678"]),
            (
                "Het ordernummer en telefoonnummer 0612345678",
                &["+31612345678"],
            ),
            ("Telefoon nr 0612345678", &["+31612345678"]),
            // A country code without `+`: the region's own, or after a
            // phone word.
            ("Bericht van 31612345678 ontvangen", &["+31612345678"]),
            ("App naar 32474428013 voor info", &["+32474428013"]),
            ("Het nummer 447955769361 belde", &["+447955769361"]),
        ] {
            check_text(text, expected);
        }
    }

    // See: issue 20 (real SMS: the smishing set of Mishra and Soni, 2022,
    // read in region US, had `Give missed call @18002702102` and `Contact
    // customer care No-6299257179`).
    #[test]
    fn a_number_after_a_lone_at_sign_or_a_number_noun_and_a_dash_is_found() {
        check_text("Bel ons @0612345678 voor hulp", &["+31612345678"]);
        check_text("Klantenservice nr-0612345678 bellen", &["+31612345678"]);
        check_text_in(
            Id::US,
            "Give missed call @18002702102 now",
            &["+18002702102"],
        );
        check_text_in(
            Id::US,
            "Contact customer care No-6299257179 immediately",
            &["+16299257179"],
        );
        check_text_in(Id::US, "Customer care No-800-270-2102", &["+18002702102"]);
        // An e-mail address's name before the `@`, and a number noun of
        // an order, still say it is no phone number.
        check_text("Mail naar jan@0612345678 of piet.@0687654321", &[]);
        check_text("Ordernummer nr-0612345678 is verzonden", &[]);
        check_text_in(Id::US, "Your order No-6299257179 has shipped", &[]);
    }

    // See: issue 20
    #[test]
    fn new_forms_do_not_make_references_into_numbers() {
        for text in [
            "Kenmerk ref-0612345678 en 2025-AMS-0612345678.",
            "Het pakketnummer 0612345678 en pakket nummer 0687654321.",
            "Ordernummer 31612345678 en bestelling 32474428013.",
            "Zaaknummer 447955769361.",
            "Ik kreeg 32474428013 punten.",
            "Code a*0612345678*b en *0612345678# en **0612345678*.",
            "Bestand nummer_0612345678_v2.pdf",
            "Zie a_0612345678 en a-0612345678.",
            "Mijn KvK-nummer: 0612345678 en klant-nr 0687654321.",
            "Klantnummer: 06 1234 5678 en betalingskenmerk 0687654321.",
            "Bedrag 31612345678 euro.",
        ] {
            check_text(text, &[]);
        }
    }

    // See: issue 20
    #[test]
    fn english_messages_in_britain_give_their_numbers() {
        for (text, expected) in [
            ("Call MobileUpd8 on 08000839402 now", &["+448000839402"][..]),
            ("MobileUpd8 08000839402 to update", &["+448000839402"]),
            (
                "Free camcorder call 08000930705 for delivery",
                &["+448000930705"],
            ),
            ("Our office: +44 (20) 7946 0958", &["+442079460958"]),
            (
                "Reply call+447946746291 or sms-08712300220",
                &["+447946746291", "+448712300220"],
            ),
            ("**07946746291** texted me", &["+447946746291"]),
            ("Ring us (07946 746291) today", &["+447946746291"]),
            ("U 447801259231 have a secret admirer", &["+447801259231"]),
            (
                "Customer services 0800 169 6031 between 10am-9pm",
                &["+448001696031"],
            ),
        ] {
            check_text_in(Id::GB, text, expected);
        }
        for text in [
            "Your order 07946746291 has shipped",
            "Invoice no. 08000930705 attached",
            "Account number 447801259231",
            "Claim code 08000839402",
        ] {
            check_text_in(Id::GB, text, &[]);
        }
    }

    // See: issue 20
    #[test]
    fn american_messages_give_their_numbers_in_national_form() {
        for (text, expected) in [
            ("Call 8557672244 to claim your prize", &["+18557672244"][..]),
            ("Questions? (213) 671-8751", &["+12136718751"]),
            ("Dial 1-833-597-2291 now", &["+18335972291"]),
            ("Text STOP to 213.671.8751", &["+12136718751"]),
            ("Support line +1 (213) 671-8751", &["+12136718751"]),
            ("Our Rotterdam office +31102411720", &["+31102411720"]),
            ("Our Dutch office 011 31 10 241 1720", &["+31102411720"]),
        ] {
            check_text_in(Id::US, text, expected);
        }
        for text in [
            "Order 8557672244 has shipped",
            "Paid $2136718751 on 12/25/2024",
            "Ref #8557672244",
            "ZIP 90210, PIN 1234",
        ] {
            check_text_in(Id::US, text, &[]);
        }
    }

    #[test]
    fn long_digit_soup_is_skipped_quickly() {
        let soup = "0 ".repeat(5000) + &"06 ".repeat(5000);
        assert!(find_in_text(&soup, NL).is_empty());
        let digits = "0".repeat(100_000);
        assert!(find_in_text(&digits, NL).is_empty());
    }

    /// A valid Dutch mobile number written with any prefix and separators.
    fn written_mobile() -> impl Strategy<Value = (String, String)> {
        (
            prop::sample::select(vec!['1', '2', '3', '4', '5', '8']),
            "[0-9]{7}",
            prop::sample::select(vec!["0", "+31", "0031", "+31 (0)", "+31(0)", "0031 (0)"]),
            prop::collection::vec(prop::sample::select(vec!["", "", " ", "-", "."]), 8),
            prop::sample::select(vec!["", " ", "-"]),
        )
            .prop_map(|(second, rest, prefix, seps, first_sep)| {
                let canonical = format!("+316{second}{rest}");
                let first_sep = if prefix.ends_with(')') && first_sep == "-" {
                    " "
                } else {
                    first_sep
                };
                let mut written = format!("{prefix}{first_sep}6");
                for (sep, digit) in seps.iter().zip(format!("{second}{rest}").chars()) {
                    written.push_str(sep);
                    written.push(digit);
                }
                (written, canonical)
            })
    }

    #[test]
    fn a_number_whose_e164_form_reads_differently_is_refused() {
        // Found by fuzzing (fuzz/corpus/extract): `0031 000001 00` gave
        // `+31000100`, which itself reads as another number, so the stored
        // value was not what the same number in a later report gives.
        for raw in [
            "0031000001 00",
            "0031 000001 00",
            "+31 000001 00",
            "0020-0 0049 1939 -09",
            "+375088266276",
            "+375 08 8266276",
        ] {
            let got = Phone::parse_possible(raw, NL);
            if let Ok(p) = &got {
                assert_eq!(
                    Phone::parse_possible(p.as_str(), NL).as_ref(),
                    Ok(p),
                    "{raw}"
                );
            }
        }
        assert!(Phone::parse_possible("0031000001 00", NL).is_err());
        assert!(Phone::parse_possible("+375088266276", NL).is_err());
        let text = "Hij belde vanaf 0031000001 00,00 gisteren.";
        for m in find_in_text(text, NL).into_iter().filter(|m| m.valid) {
            assert_eq!(
                Phone::parse_possible(&m.value, NL).map(|p| p.0),
                Ok(m.value)
            );
        }
    }

    proptest! {
        #[test]
        fn the_label_index_judges_a_word_as_the_whole_lists_do(
            parts in prop::collection::vec(
                prop_oneof![
                    prop::sample::select(NOT_PHONE_LABELS).prop_map(|(l, _)| l.to_owned()),
                    prop::sample::select(PHONE_LABELS).prop_map(|(l, _)| l.to_owned()),
                    prop::sample::select(NUMBER_NOUNS).prop_map(str::to_owned),
                    prop::sample::select(INFLECTIONS).prop_map(str::to_owned),
                    "[a-zA-Z0-9é-]{0,3}",
                ],
                0..4,
            ),
            upper in prop::bool::ANY,
            number_next in prop::bool::ANY,
        ) {
            let word = parts.concat();
            let word = if upper { word.to_uppercase() } else { word };
            let word = word.as_bytes();
            let any = |labels: &[(&str, Joins)]| {
                labels.iter().any(|&(l, j)| label_in_word(word, l, j, number_next))
            };
            let expected = if any(NOT_PHONE_LABELS) {
                Label::NotPhone
            } else if any(PHONE_LABELS) {
                Label::Phone
            } else {
                Label::None
            };
            prop_assert_eq!(judge_word(word, number_next), expected);
        }

        #[test]
        fn parse_and_find_never_panic_on_any_string(s in ".*") {
            let _ = Phone::parse(&s, NL);
            let _ = find_in_text(&s, NL);
        }

        #[test]
        fn parse_and_find_never_panic_on_printable_text(s in "\\PC*") {
            let _ = Phone::parse(&s, NL);
            let _ = find_in_text(&s, NL);
        }

        #[test]
        fn parse_is_idempotent_on_number_like_strings(s in "[0-9 +()\\-.]{0,30}") {
            if let Ok(phone) = Phone::parse(&s, NL) {
                prop_assert_eq!(Phone::parse(phone.as_str(), NL), Ok(phone.clone()));
                prop_assert_eq!(Phone::parse(phone.as_str(), Id::BE), Ok(phone));
            }
            for m in find_in_text(&s, NL) {
                prop_assert!(s.get(m.span.clone()).is_some());
                // Found numbers in international form need only be
                // possible (see `Phone::parse_possible`): `+27100000`
                // fits South Africa's lengths but no range of it.
                if m.valid {
                    prop_assert_eq!(Phone::parse_possible(&m.value, NL).map(|p| p.0), Ok(m.value.clone()));
                }
            }
        }

        // See: issue 20
        #[test]
        fn a_number_with_a_country_code_is_read_alike_in_every_region(s in "\\+[1-9][0-9 ]{6,16}") {
            let nl = Phone::parse_possible(&s, NL);
            for region in [Id::GB, Id::US, Id::DE, Id::BE] {
                prop_assert_eq!(Phone::parse_possible(&s, region), nl.clone(), "{} in {:?}", s, region);
            }
        }

        #[test]
        fn find_never_panics_in_any_region(s in "\\PC*", region in prop::sample::select(vec![Id::NL, Id::GB, Id::US, Id::DE, Id::BE, Id::IT, Id::AR])) {
            for m in find_in_text(&s, region) {
                prop_assert!(s.get(m.span.clone()).is_some());
            }
        }

        #[test]
        fn every_written_form_of_a_mobile_gives_one_value((written, canonical) in written_mobile()) {
            let phone = Phone::parse(&written, NL);
            prop_assert_eq!(phone.as_ref().map(Phone::as_str), Ok(canonical.as_str()), "{}", written);
            let text = format!("Hij belde met {written} gisteren.");
            let found: Vec<String> = find_in_text(&text, NL).into_iter().map(|m| m.value).collect();
            prop_assert_eq!(found, vec![canonical], "{}", text);
        }
    }
}
