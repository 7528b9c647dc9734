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

type VerdictKey = (String, Id, bool);

thread_local! {
    static VERDICTS: std::cell::RefCell<std::collections::HashMap<VerdictKey, Result<String, &'static str>>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
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
    /// of `region`, the configured default (the Netherlands). Spaces,
    /// dashes, dots, slashes, parentheses and a `(0)` trunk prefix after the
    /// country code are ignored. A leading `00` is read as the international
    /// prefix, as it is everywhere in Europe.
    ///
    /// Errors carry the reason `"letters"` when the input contains letters
    /// (the `phonenumber` crate would read them as keypad digits, and an
    /// extension suffix is not part of the identity of a line), `"length"`
    /// when there are too few or too many digits for the numbering plan,
    /// and `"invalid"` for anything else the metadata does not accept.
    pub fn parse(raw: &str, region: Id) -> Result<Phone, ParseError> {
        Phone::parse_checked(raw, region, true)
    }

    /// Like [`Phone::parse`], but a number written in international form
    /// (`+` or `00`) is also accepted when it is merely *possible*: its
    /// length fits its country's numbering plan although its range is not
    /// (yet) in the metadata. Numbering plans change faster than the
    /// metadata, and `+49 151 1070592` written in ten reports is evidence
    /// either way. Local forms (`12-03-2025`) stay strict: without a
    /// country code, digits may be anything.
    pub fn parse_possible(raw: &str, region: Id) -> Result<Phone, ParseError> {
        let t = raw.trim_start();
        let international = t.starts_with('+') || t.starts_with("00");
        Phone::parse_checked(raw, region, !international)
    }

    fn parse_checked(raw: &str, region: Id, strict: bool) -> Result<Phone, ParseError> {
        let fail = |reason: &'static str| ParseError::new(Kind::Phone, reason, raw);
        let compact = compact(raw.trim()).map_err(fail)?;
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
    fn verdict(compact: &str, region: Id, strict: bool) -> Result<String, &'static str> {
        let fail = |reason: &'static str| reason;
        let number = phonenumber::parse(Some(region), compact).map_err(|e| {
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
        // Read back, an E.164 number whose national part starts with `0` can
        // lose that zero to the national-prefix rules (`0031 000001 00`
        // gives `+31000100`, which reads as `+3100100`). Such a number has
        // no stable canonical form, so it is not a number.
        if nsn.starts_with('0') && compact != e164 {
            let again = phonenumber::parse(Some(region), &e164)
                .ok()
                .map(|n| e164_of(&n));
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

/// Anchored copies of the metadata's national-number patterns, keyed by the
/// address and length of the pattern text in the static metadata database
/// (which never moves or changes), so each is compiled once.
static ANCHORED: LazyLock<RwLock<AnchoredCache>> = LazyLock::new(|| RwLock::new(HashMap::new()));

/// Compiled anchored patterns by pattern address and length; `None` when a
/// pattern did not compile.
type AnchoredCache = HashMap<(usize, usize), Option<Regex>>;

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
    let key = (pattern.as_ptr() as usize, pattern.len());
    // A poisoned lock still holds a usable map: entries are inserted whole.
    let cached = ANCHORED
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .get(&key)
        .map(|re| re.as_ref().map(|re| re.is_match(nsn)));
    let result = match cached {
        Some(result) => result,
        None => {
            // The metadata's patterns are laid out over several lines, so
            // they are compiled ignoring whitespace, as the crate does.
            let re = RegexBuilder::new(&format!("^(?:{pattern})$"))
                .ignore_whitespace(true)
                .build()
                .ok();
            let result = re.as_ref().map(|re| re.is_match(nsn));
            ANCHORED
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .insert(key, re);
            result
        }
    };
    // If a pattern ever fails to compile anchored, fall back to the crate's
    // own (prefix) matching rather than rejecting the whole range.
    result.unwrap_or_else(|| desc.is_match(nsn))
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
    /// or `(` for the first group).
    start: usize,
    /// Byte offset just after the group's last digit (or closing `)`).
    end: usize,
    /// How many digits the group has.
    digits: usize,
    /// Its first three digits, zero-padded with `b'x'`.
    head: [u8; 3],
    /// The separator before it: 0 for the first group, else `b' '`, `b'-'`,
    /// `b'.'`, `b'/'` or `b'0'` for a `(0)` trunk prefix.
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
    /// Whether the run starts with an area code in parentheses, `(020)`.
    paren_area: bool,
    /// Byte offset just after the run.
    end: usize,
}

/// What the default region says about national numbers.
#[derive(Debug, Clone, Copy)]
struct RegionInfo {
    /// Whether national numbers are written with a `0` trunk prefix. Only
    /// such regions have national numbers found in text: without a prefix,
    /// any digit run could be a number.
    trunk_zero: bool,
    /// Shortest and longest national significant number.
    min: usize,
    max: usize,
}

impl RegionInfo {
    /// Reads the region's trunk prefix and number lengths from the metadata.
    fn of(region: Id) -> RegionInfo {
        let meta = DATABASE.by_id(region.as_ref());
        let min = meta
            .and_then(|m| possible_lengths(m).min())
            .unwrap_or(MIN_NSN);
        let max = meta.and_then(|m| possible_lengths(m).max()).unwrap_or(15);
        RegionInfo {
            trunk_zero: meta.and_then(Metadata::national_prefix) == Some("0"),
            min: min.max(MIN_NSN),
            max,
        }
    }
}

/// Finds telephone numbers in free text (Dutch police statements).
///
/// Numbers without a country code are read in `region`, and are only found
/// when written with the trunk prefix `0`. Only valid numbers are reported;
/// spans cover exactly the number's text. Digits that belong to dates,
/// times, amounts, postcodes, IBANs, URLs, e-mail addresses, or that follow
/// a label such as `betalingskenmerk`, `bestelnummer` or `KvK` are never
/// reported.
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
        let start = run.groups[0].start;
        if rejected_by_context(text, start, run.end) {
            continue;
        }
        let info = *info.get_or_insert_with(|| RegionInfo::of(region));
        find_in_run(text, &run, info, region, &mut found);
    }
    found
}

/// Tries the sub-runs of a run that could be a number, longest first, and
/// records the valid ones. A run can hold a number together with digits
/// written next to it (`28-02-2025 0612345678`), or two numbers.
fn find_in_run(text: &str, run: &Run, info: RegionInfo, region: Id, found: &mut Vec<Match>) {
    let mut attempts = 0;
    let mut first = 0;
    while first < run.len {
        let mut next = first + 1;
        // Only a `+`, a `0` or the start of the run can begin a number.
        if first == 0 || run.groups[first].head[0] == b'0' {
            for last in (first..run.len).rev() {
                if !plausible(run, first, last, info) {
                    continue;
                }
                attempts += 1;
                if attempts > MAX_ATTEMPTS {
                    return;
                }
                let span = run.groups[first].start..run.groups[last].end;
                let Some(raw) = text.get(span.clone()) else {
                    continue;
                };
                if let Ok(phone) = Phone::parse_possible(raw, region) {
                    found.push(Match {
                        kind: Kind::Phone,
                        span,
                        value: phone.0,
                        valid: true,
                    });
                    next = last + 1;
                    break;
                }
            }
        }
        first = next;
    }
}

/// Whether groups `first..=last` of a run look enough like a phone number
/// to be worth parsing.
fn plausible(run: &Run, first: usize, last: usize, info: RegionInfo) -> bool {
    let groups = &run.groups[first..=last];
    let digits: usize = groups.iter().map(|g| g.digits).sum();
    let lead = groups[0];
    if is_date(groups) {
        return false;
    }
    if first == 0 && run.plus {
        return (8..=15).contains(&digits) && lead.head[0] != b'0';
    }
    if lead.head[0] != b'0' {
        return false;
    }
    if lead.head[1] == b'0' {
        // An international number after the `00` prefix.
        return lead.digits >= 3
            && lead.head[2] != b'0'
            && (8..=15).contains(&(digits.saturating_sub(2)));
    }
    if !info.trunk_zero {
        return false;
    }
    let nsn = digits - 1;
    if !(info.min..=info.max).contains(&nsn) {
        return false;
    }
    // A compact run of digits is only a number when it is as long as a
    // normal subscriber number (`0612345678`); a shorter one is more likely
    // a reference. Written in groups, an area code or service prefix of two
    // to five digits (`0900-8844`, `020 22 888 00`) makes it a number.
    let area_code =
        (first == 0 && run.paren_area) || (groups.len() > 1 && (2..=5).contains(&lead.digits));
    nsn >= 9 || area_code
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
    let mut start = if run.plus { d - 1 } else { d };
    // `(020) 1234567`: an area code in parentheses belongs to the number.
    let first_end = digits_end(b, d);
    if !run.plus
        && d > 0
        && b.get(d - 1) == Some(&b'(')
        && b.get(d) == Some(&b'0')
        && (2..=5).contains(&(first_end - d))
        && b.get(first_end) == Some(&b')')
        && b.get(first_end + 1 + space_len(b, first_end + 1))
            .is_some_and(u8::is_ascii_digit)
    {
        run.paren_area = true;
        start = d - 1;
    }
    let mut pos = d;
    let mut sep = 0;
    loop {
        let end = digits_end(b, pos);
        let mut head = [b'x'; 3];
        for (slot, &digit) in head.iter_mut().zip(b.get(pos..end).unwrap_or_default()) {
            *slot = digit;
        }
        let group_start = if run.len == 0 { start } else { pos };
        pos = end;
        if run.len == 0 && run.paren_area {
            // Skip the closing parenthesis; a space may follow it.
            pos += 1;
        }
        if run.len < MAX_GROUPS {
            run.groups[run.len] = Group {
                start: group_start,
                end: pos,
                digits: count_digits(b, group_start, pos),
                head,
                sep,
            };
            run.len += 1;
        } else {
            run.overflow = true;
        }
        run.end = pos;
        let international =
            run.plus || (run.groups[0].head[0] == b'0' && run.groups[0].head[1] == b'0');
        // `(020)1234567`: the closing parenthesis separates on its own.
        let joined = run.len == 1 && run.paren_area && b.get(pos).is_some_and(u8::is_ascii_digit);
        let next = if joined {
            Some((pos, b' '))
        } else {
            separator(b, pos, international, run.len == 1)
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

/// Counts the ASCII digits in `b[from..to]`.
fn count_digits(b: &[u8], from: usize, to: usize) -> usize {
    b.get(from..to)
        .map_or(0, |s| s.iter().filter(|c| c.is_ascii_digit()).count())
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
/// an area code (`020/1234567`) or a `(0)` trunk prefix after a country
/// code. Returns the offset of the next group's first digit and the kind of
/// separator; `None` when no group follows.
fn separator(b: &[u8], pos: usize, international: bool, after_first: bool) -> Option<(usize, u8)> {
    let mut q = pos;
    let space_before = space_len(b, q);
    q += space_before;
    let kind;
    if international && b.get(q..).is_some_and(|s| s.starts_with(b"(0)")) {
        q += 3;
        q += space_len(b, q);
        kind = b'0';
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

/// Whether the text around a run shows it is not a phone number, in which
/// case the whole run is skipped.
fn rejected_by_context(text: &str, start: usize, end: usize) -> bool {
    let before = text.get(..start).unwrap_or_default();
    let after = text.get(end..).unwrap_or_default();
    let mut prev = before.chars().rev();
    match prev.next() {
        // Part of a word, an IBAN, an order number, a URL, an e-mail
        // address or an amount.
        Some(c) if c.is_alphanumeric() => return true,
        Some('@' | '/' | '\\' | '=' | '&' | '_' | '#' | '€' | '$' | '£' | '*' | '%') => {
            return true;
        }
        // `2025-AMS-00000123`, `ref-0612345678`.
        Some('-') if prev.next().is_some_and(char::is_alphanumeric) => return true,
        _ => {}
    }
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
    if ["euro", "eur", "cent", "uur", "procent"]
        .iter()
        .any(|w| next_word.eq_ignore_ascii_case(w.as_bytes()))
        || following.starts_with('€')
    {
        return true;
    }
    rejected_by_label(before)
}

/// The word (ASCII letters and digits) at the start of `s`.
fn word_at_start(s: &str) -> &[u8] {
    let b = s.as_bytes();
    let len = b.iter().take_while(|c| c.is_ascii_alphanumeric()).count();
    &b[..len]
}

/// Labels that mark the following digits as something other than a phone
/// number, matched anywhere in a word (`betalingskenmerk`, `KvK-nummer`).
const NOT_PHONE_LABELS: &[&[u8]] = &[
    b"kenmerk",
    b"bestel",
    b"order",
    b"factuur",
    b"klantnummer",
    b"klantnr",
    b"kvk",
    b"rekening",
    b"iban",
    b"bsn",
    b"btw",
    b"referentie",
    b"reference",
    b"zaaknummer",
    b"dossier",
    b"track",
    b"pakket",
    b"verzend",
    b"registratie",
    b"aangifte",
    b"polis",
    b"contract",
    b"artikel",
    b"ticket",
    b"transactie",
    b"pasnummer",
    b"kaartnummer",
    b"creditcard",
    b"bedrag",
    b"postcode",
    b"imei",
    b"serienummer",
    b"code",
    b"bonnummer",
];

/// Words that are themselves such labels only as a whole word.
const NOT_PHONE_WORDS: &[&[u8]] = &[b"eur", b"euro", b"usd", b"ref", b"id", b"nr"];

/// Labels that mark the following digits as a phone number; they stop the
/// search for an earlier non-phone label (`rekeningnummer en
/// telefoonnummer 06...`). A bare `nummer` is neutral: `KvK nummer`.
const PHONE_LABELS: &[&[u8]] = &[
    b"telefoon",
    b"tel",
    b"mobiel",
    b"gsm",
    b"whatsapp",
    b"sms",
    b"gebeld",
    b"belde",
    b"beller",
    b"bellen",
    b"app",
    b"service",
    b"afzender",
];

/// Whether the words just before a run (up to three words in the same
/// sentence) label it as a reference, account or amount, or end in an
/// IBAN's country-and-check digits and bank code (`NL91 ABNA 0417 ...`).
fn rejected_by_label(before: &str) -> bool {
    let b = before.as_bytes();
    let mut pos = b.len();
    let floor = b.len().saturating_sub(64);
    let mut words: [&[u8]; 3] = [&[]; 3];
    for slot in &mut words {
        // Skip punctuation between words; a sentence end stops the search.
        while pos > floor {
            match b[pos - 1] {
                b'.' | b'!' | b'?' | b'\n' | b';' => {
                    pos = floor;
                }
                c if c.is_ascii_alphanumeric() || c >= 0x80 => break,
                _ => pos -= 1,
            }
        }
        let end = pos;
        while pos > floor && (b[pos - 1].is_ascii_alphanumeric() || b[pos - 1] >= 0x80) {
            pos -= 1;
        }
        *slot = &b[pos..end];
        // A number in between means any label before it belongs to that
        // number (`KvK 68750110 en 0612345678`).
        if slot.is_empty() || slot.iter().all(u8::is_ascii_digit) {
            *slot = &[];
            break;
        }
    }
    if is_bank_code(words[0]) && is_iban_start(words[1]) {
        return true;
    }
    for word in words.iter().take_while(|w| !w.is_empty()) {
        if NOT_PHONE_LABELS
            .iter()
            .any(|l| contains_ignore_case(word, l))
            || NOT_PHONE_WORDS.iter().any(|w| word.eq_ignore_ascii_case(w))
        {
            return true;
        }
        if PHONE_LABELS.iter().any(|l| contains_ignore_case(word, l)) {
            return false;
        }
    }
    false
}

/// Four letters, as in an IBAN's bank code (`ABNA`).
fn is_bank_code(word: &[u8]) -> bool {
    word.len() == 4 && word.iter().all(u8::is_ascii_alphabetic)
}

/// Two letters and two digits, as at the start of an IBAN (`NL91`).
fn is_iban_start(word: &[u8]) -> bool {
    matches!(word, [a, b, c, d] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() && c.is_ascii_digit() && d.is_ascii_digit())
}

/// ASCII case-insensitive substring search.
fn contains_ignore_case(hay: &[u8], needle: &[u8]) -> bool {
    needle.len() <= hay.len()
        && hay
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
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
        let found = find_in_text(text, NL);
        let values: Vec<&str> = found.iter().map(|m| m.value.as_str()).collect();
        assert_eq!(values, expected, "finding in {text:?}");
        for m in &found {
            assert_eq!(m.kind, Kind::Phone);
            assert!(m.valid);
            let raw = &text[m.span.clone()];
            assert_eq!(raw, raw.trim(), "span of {raw:?} in {text:?}");
            assert_eq!(Phone::parse(raw, NL).map(|p| p.0), Ok(m.value.clone()));
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
