//! Reports as they arrive (docs/formats.md section 1) and as the rest of the
//! crate sees them once validated.
//!
//! [`RawReport`] mirrors the NDJSON import line. [`Report::from_json`] parses
//! and validates one line and names the field and the reason when it is
//! bad. Nothing here does I/O.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

use crate::ident::{Kind, Role};

/// The longest report id the contract allows, in characters.
pub const MAX_ID_CHARS: usize = 128;

/// A report's id as given by the source system: 1 to 128 characters.
///
/// Shared, not copied: the derived state names a report in many maps, and a
/// clone is a reference count, not an allocation.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(transparent)]
#[schema(value_type = String)]
pub struct ReportId(Arc<str>);

impl ReportId {
    /// Validates an id: trimmed, 1..=128 characters, no control characters.
    pub fn parse(raw: &str) -> Result<ReportId, ReportError> {
        let id = raw.trim();
        if id.is_empty() {
            return Err(ReportError::new("id", "is empty"));
        }
        if id.chars().count() > MAX_ID_CHARS {
            return Err(ReportError::new(
                "id",
                format!("is longer than {MAX_ID_CHARS} characters"),
            ));
        }
        if id.chars().any(char::is_control) {
            return Err(ReportError::new("id", "contains control characters"));
        }
        Ok(ReportId(Arc::from(id)))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ReportId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a report line was refused: the field and the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field `{field}` {reason}")]
pub struct ReportError {
    field: String,
    reason: String,
}

impl ReportError {
    /// Builds an error for `field`.
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> ReportError {
        ReportError {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// The offending field, e.g. `filed_at` or `identifiers[2].type`.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// What is wrong with it.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

/// How much one report may hold, in an import, a push or a check
/// (`[limits]` in the settings). Extraction's work grows with the length
/// of the statement and with the number and length of the identifiers:
/// these bound what one report can ask of the service (issue 19).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// The longest statement (`narrative`), in bytes of UTF-8.
    pub max_narrative_bytes: usize,
    /// The most structured identifiers (`identifiers`).
    pub max_identifiers: usize,
    /// The longest structured identifier's `value`, in bytes of UTF-8.
    pub max_identifier_bytes: usize,
}

impl Limits {
    /// Refuses a report whose statement or identifiers exceed the limits,
    /// naming the field, its size and the setting that bounds it.
    pub fn check(&self, narrative: &str, identifiers: &[RawIdentifier]) -> Result<(), ReportError> {
        if narrative.len() > self.max_narrative_bytes {
            return Err(ReportError::new(
                "narrative",
                format!(
                    "is {} bytes long; at most {} are accepted (setting limits.max_narrative_bytes)",
                    narrative.len(),
                    self.max_narrative_bytes
                ),
            ));
        }
        if identifiers.len() > self.max_identifiers {
            return Err(ReportError::new(
                "identifiers",
                format!(
                    "holds {} identifiers; at most {} are accepted (setting limits.max_identifiers)",
                    identifiers.len(),
                    self.max_identifiers
                ),
            ));
        }
        if let Some((i, ri)) = identifiers
            .iter()
            .enumerate()
            .find(|(_, ri)| ri.value.len() > self.max_identifier_bytes)
        {
            return Err(ReportError::new(
                format!("identifiers[{i}].value"),
                format!(
                    "is {} bytes long; at most {} are accepted (setting limits.max_identifier_bytes)",
                    ri.value.len(),
                    self.max_identifier_bytes
                ),
            ));
        }
        Ok(())
    }
}

/// The kinds of fraud of docs/formats.md; unknown values are kept as written and
/// treated as [`FraudType::Other`] wherever a category is needed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FraudType {
    /// Fraud on a second-hand marketplace.
    Marketplace,
    /// A caller posing as the bank.
    BankHelpdesk,
    /// A fake website or message harvesting credentials.
    Phishing,
    /// "Hoi mam": a message from a child's supposed new number.
    FriendInNeed,
    /// Fake investment platforms.
    Investment,
    /// Romance scams.
    Romance,
    /// Fake web shops.
    Webshop,
    /// Fake or altered invoices.
    Invoice,
    /// `other`, or a value outside the list (kept as written).
    Other(String),
}

impl FraudType {
    /// Every named category, in display order.
    pub const NAMED: [&'static str; 9] = [
        "marketplace",
        "bank_helpdesk",
        "phishing",
        "friend_in_need",
        "investment",
        "romance",
        "webshop",
        "invoice",
        "other",
    ];

    /// Reads a value; anything unknown is kept as `Other(value)`.
    pub fn parse(raw: &str) -> FraudType {
        match raw.trim().to_ascii_lowercase().as_str() {
            "marketplace" => FraudType::Marketplace,
            "bank_helpdesk" => FraudType::BankHelpdesk,
            "phishing" => FraudType::Phishing,
            "friend_in_need" => FraudType::FriendInNeed,
            "investment" => FraudType::Investment,
            "romance" => FraudType::Romance,
            "webshop" => FraudType::Webshop,
            "invoice" => FraudType::Invoice,
            "other" => FraudType::Other("other".to_owned()),
            _ => FraudType::Other(raw.trim().to_owned()),
        }
    }

    /// The category used for filters and statistics (`other` for unknowns).
    pub fn category(&self) -> &'static str {
        match self {
            FraudType::Marketplace => "marketplace",
            FraudType::BankHelpdesk => "bank_helpdesk",
            FraudType::Phishing => "phishing",
            FraudType::FriendInNeed => "friend_in_need",
            FraudType::Investment => "investment",
            FraudType::Romance => "romance",
            FraudType::Webshop => "webshop",
            FraudType::Invoice => "invoice",
            FraudType::Other(_) => "other",
        }
    }

    /// The number of a named category in [`FraudType::NAMED`]; `None` for
    /// `other` and unknown values, which say nothing of how a group works.
    pub fn known_number(&self) -> Option<u8> {
        match self {
            FraudType::Other(_) => None,
            known => FraudType::NAMED
                .iter()
                .position(|&n| n == known.category())
                .map(|n| n as u8),
        }
    }

    /// The value as written in the report.
    pub fn as_written(&self) -> &str {
        match self {
            FraudType::Other(s) => s,
            other => other.category(),
        }
    }
}

/// When the fraud happened: the contract allows a date or a date-time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncidentAt {
    /// Only the day is known.
    Date(Date),
    /// The moment is known.
    DateTime(OffsetDateTime),
}

impl IncidentAt {
    fn parse(raw: &str) -> Option<IncidentAt> {
        let raw = raw.trim();
        if let Ok(t) = OffsetDateTime::parse(raw, &Rfc3339) {
            return Some(IncidentAt::DateTime(t));
        }
        Date::parse(
            raw,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .ok()
        .map(IncidentAt::Date)
    }

    /// The day of the incident.
    pub fn date(&self) -> Date {
        match self {
            IncidentAt::Date(d) => *d,
            IncidentAt::DateTime(t) => t.date(),
        }
    }
}

/// An identifier as the officer typed it into a structured field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RawIdentifier {
    /// `iban`, `phone`, `url`, `email`, `handle`, `crypto` or `name`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The value as typed.
    pub value: String,
    /// `offender` (default) or `victim`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// For handles: the platform (`whatsapp`, `telegram`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
}

/// Any JSON value, read to the end and dropped: accepts exactly what
/// `serde_json::Value` accepts (numbers are read, so an out-of-range one
/// is an error) without building it.
struct AnyJson;

impl<'de> Deserialize<'de> for AnyJson {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<AnyJson, D::Error> {
        d.deserialize_any(AnyJsonVisitor)
    }
}

struct AnyJsonVisitor;

impl<'de> serde::de::Visitor<'de> for AnyJsonVisitor {
    type Value = AnyJson;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<AnyJson, E> {
        Ok(AnyJson)
    }

    fn visit_i64<E>(self, _: i64) -> Result<AnyJson, E> {
        Ok(AnyJson)
    }

    fn visit_u64<E>(self, _: u64) -> Result<AnyJson, E> {
        Ok(AnyJson)
    }

    fn visit_f64<E>(self, _: f64) -> Result<AnyJson, E> {
        Ok(AnyJson)
    }

    fn visit_str<E>(self, _: &str) -> Result<AnyJson, E> {
        Ok(AnyJson)
    }

    fn visit_unit<E>(self) -> Result<AnyJson, E> {
        Ok(AnyJson)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<AnyJson, A::Error> {
        while seq.next_element::<AnyJson>()?.is_some() {}
        Ok(AnyJson)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<AnyJson, A::Error> {
        while map
            .next_entry::<serde::de::IgnoredAny, AnyJson>()?
            .is_some()
        {}
        Ok(AnyJson)
    }
}

/// One import line, as typed fields. Unknown fields are ignored so that
/// source systems can add fields without breaking the import.
#[derive(Debug, Clone, Deserialize)]
struct RawReport {
    id: String,
    filed_at: String,
    #[serde(default)]
    incident_at: Option<String>,
    unit: String,
    team: String,
    #[serde(default)]
    municipality: Option<String>,
    #[serde(default)]
    fraud_type: Option<String>,
    #[serde(default)]
    amount_eur: Option<f64>,
    narrative: String,
    #[serde(default)]
    identifiers: Option<Vec<RawIdentifier>>,
    #[serde(default)]
    victim_ref: Option<String>,
}

/// A structured identifier with its kind and role resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StructuredIdentifier {
    /// The kind named by `type`.
    pub kind: Kind,
    /// The value as typed.
    pub value: String,
    /// Whose it is, when the officer said so (absent means offender,
    /// unless the statement shows it is the victim's own).
    pub role: Option<Role>,
    /// For handles, the platform, lower case.
    pub platform: Option<String>,
}

/// A validated report.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The source system's report number.
    pub id: ReportId,
    /// When the report was filed.
    pub filed_at: OffsetDateTime,
    /// When the fraud happened, if known.
    pub incident_at: Option<IncidentAt>,
    /// The regional unit (eenheid).
    pub unit: String,
    /// The basisteam.
    pub team: String,
    /// The victim's municipality.
    pub municipality: Option<String>,
    /// The kind of fraud, if given.
    pub fraud_type: Option<FraudType>,
    /// The damage in euros.
    pub amount_eur: Option<f64>,
    /// The victim's statement.
    pub narrative: String,
    /// Identifiers from structured fields.
    pub identifiers: Vec<StructuredIdentifier>,
    /// Pseudonymous victim reference.
    pub victim_ref: Option<String>,
    /// Problems with parts of the report that did not stop it from being
    /// accepted (an identifier of an unknown type, say).
    pub warnings: Vec<ReportError>,
}

impl Report {
    /// Parses and validates one NDJSON line.
    pub fn from_json(line: &str) -> Result<Report, ReportError> {
        Report::parse(line, None)
    }

    /// Parses and validates one NDJSON line of an import or a push, which
    /// must also keep within `limits`.
    pub fn from_json_within(line: &str, limits: &Limits) -> Result<Report, ReportError> {
        Report::parse(line, Some(limits))
    }

    fn parse(line: &str, limits: Option<&Limits>) -> Result<Report, ReportError> {
        let raw = serde_json::from_str::<RawReport>(line)
            // The typed parse skips unknown fields without reading their
            // numbers, so a line with `1e400` in a field it does not know
            // would be accepted, then be refused by the API's JSON body
            // path and served back as a string: every line kept must be
            // one `serde_json::Value` can hold.
            .and_then(|raw| serde_json::from_str::<AnyJson>(line).map(|_| raw));
        match raw {
            Ok(raw) => Report::validate(raw, limits),
            Err(err) => Err(diagnose(line, &err)),
        }
    }

    /// Parses and validates a report given as a JSON value.
    pub fn from_value(value: serde_json::Value) -> Result<Report, ReportError> {
        let text = value.to_string();
        Report::from_json(&text)
    }

    fn validate(raw: RawReport, limits: Option<&Limits>) -> Result<Report, ReportError> {
        let id = ReportId::parse(&raw.id)?;
        if let Some(limits) = limits {
            limits.check(
                &raw.narrative,
                raw.identifiers.as_deref().unwrap_or_default(),
            )?;
        }
        let filed_at = OffsetDateTime::parse(raw.filed_at.trim(), &Rfc3339).map_err(|e| {
            ReportError::new(
                "filed_at",
                format!("is not an RFC 3339 date-time ({e}): {:?}", raw.filed_at),
            )
        })?;
        let incident_at = match raw.incident_at.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => Some(IncidentAt::parse(s).ok_or_else(|| {
                ReportError::new(
                    "incident_at",
                    format!("is not an RFC 3339 date or date-time: {s:?}"),
                )
            })?),
        };
        let unit = required_text("unit", &raw.unit)?;
        let team = required_text("team", &raw.team)?;
        if let Some(a) = raw.amount_eur
            && (!a.is_finite() || a < 0.0)
        {
            return Err(ReportError::new(
                "amount_eur",
                format!("must be a number >= 0, got {a}"),
            ));
        }
        let mut warnings = Vec::new();
        let mut identifiers = Vec::new();
        for (i, ri) in raw.identifiers.unwrap_or_default().into_iter().enumerate() {
            match structured_identifier(&ri) {
                Ok(si) => identifiers.push(si),
                Err((field, reason)) => warnings.push(ReportError::new(
                    format!("identifiers[{i}].{field}"),
                    reason,
                )),
            }
        }
        Ok(Report {
            id,
            filed_at,
            incident_at,
            unit,
            team,
            municipality: optional_text(raw.municipality),
            fraud_type: optional_text(raw.fraud_type).map(|s| FraudType::parse(&s)),
            amount_eur: raw.amount_eur,
            narrative: raw.narrative,
            identifiers,
            victim_ref: optional_text(raw.victim_ref),
            warnings,
        })
    }
}

fn required_text(field: &str, value: &str) -> Result<String, ReportError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(ReportError::new(field, "is empty"));
    }
    Ok(v.to_owned())
}

fn optional_text(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// Resolves a structured identifier's kind and role; the error names the
/// sub-field (`type`, `role`, `value`) and the reason.
pub fn structured_identifier(
    ri: &RawIdentifier,
) -> Result<StructuredIdentifier, (&'static str, String)> {
    let kind = Kind::from_name(&ri.kind)
        .ok_or_else(|| ("type", format!("unknown identifier type {:?}", ri.kind)))?;
    let role = match ri.role.as_deref().map(|r| r.trim().to_ascii_lowercase()) {
        None => None,
        Some(r) if r.is_empty() => None,
        Some(r) if r == "offender" => Some(Role::Offender),
        Some(r) if r == "victim" => Some(Role::Victim),
        Some(r) => return Err(("role", format!("must be offender or victim, got {r:?}"))),
    };
    if ri.value.trim().is_empty() {
        return Err(("value", "is empty".to_owned()));
    }
    Ok(StructuredIdentifier {
        kind,
        value: ri.value.clone(),
        role,
        platform: ri
            .platform
            .as_deref()
            .map(|p| p.trim().to_lowercase())
            .filter(|p| !p.is_empty()),
    })
}

/// Turns a serde error into one that names the field: the typed parse is
/// the fast path; only a failing line is parsed again as a generic value.
fn diagnose(line: &str, err: &serde_json::Error) -> ReportError {
    let value: serde_json::Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => return ReportError::new("(line)", format!("is not valid JSON: {e}")),
    };
    let Some(obj) = value.as_object() else {
        return ReportError::new("(line)", "is not a JSON object");
    };
    for field in ["id", "filed_at", "unit", "team", "narrative"] {
        match obj.get(field) {
            None | Some(serde_json::Value::Null) => {
                return ReportError::new(field, "is missing");
            }
            Some(v) if !v.is_string() => {
                return ReportError::new(field, format!("must be a string, got {}", type_name(v)));
            }
            _ => {}
        }
    }
    for field in ["incident_at", "municipality", "fraud_type", "victim_ref"] {
        if let Some(v) = obj.get(field)
            && !(v.is_string() || v.is_null())
        {
            return ReportError::new(field, format!("must be a string, got {}", type_name(v)));
        }
    }
    if let Some(v) = obj.get("amount_eur")
        && !(v.is_number() || v.is_null())
    {
        return ReportError::new(
            "amount_eur",
            format!("must be a number, got {}", type_name(v)),
        );
    }
    if let Some(v) = obj.get("identifiers")
        && !v.is_null()
    {
        let Some(items) = v.as_array() else {
            return ReportError::new(
                "identifiers",
                format!("must be an array, got {}", type_name(v)),
            );
        };
        for (i, item) in items.iter().enumerate() {
            let Some(o) = item.as_object() else {
                return ReportError::new(format!("identifiers[{i}]"), "must be an object");
            };
            for f in ["type", "value"] {
                if !o.get(f).is_some_and(|v| v.is_string()) {
                    return ReportError::new(
                        format!("identifiers[{i}].{f}"),
                        "is missing or not a string",
                    );
                }
            }
            for f in ["role", "platform"] {
                if let Some(v) = o.get(f)
                    && !(v.is_string() || v.is_null())
                {
                    return ReportError::new(format!("identifiers[{i}].{f}"), "must be a string");
                }
            }
        }
    }
    ReportError::new("(line)", err.to_string())
}

fn type_name(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"id": "2026-AMS-000123", "filed_at": "2026-01-03T09:12:00Z", "unit": "Amsterdam", "team": "Amsterdam-Centrum", "narrative": "Ik ben opgelicht.", "identifiers": [{"type": "iban", "value": "nl91 abna 0417 1643 00"}, {"type": "phone", "value": "06-12345678", "role": "victim"}]}"#;

    #[test]
    fn an_amount_reads_the_same_from_a_line_and_from_a_json_value() {
        // Found by fuzzing (fuzz/corpus/report): with many digits, serde_json's
        // default float parsing put the amount one unit in the last place
        // off when read through a JSON value (the API's path) but not when
        // read straight from the line (ingest), so one report had two
        // amounts. The `float_roundtrip` feature makes both exact.
        let amount = format!("901.{}0", "1".repeat(100));
        let line = GOOD.replacen('{', &format!("{{\"amount_eur\": {amount}, "), 1);
        let r = Report::from_json(&line).unwrap();
        assert_eq!(r.amount_eur, Some(amount.parse::<f64>().unwrap()));
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(Report::from_value(value).unwrap(), r);
    }

    #[test]
    fn a_number_json_values_cannot_hold_is_refused_in_any_field() {
        // Found by fuzzing (fuzz/corpus/report): the typed parse skipped an
        // unknown field's `850.03e333` unread and accepted the line, which
        // the API's JSON body path refuses and which could not be served
        // back as an object.
        for extra in [
            r#""fraud_ur": 850.03e333"#,
            r#""extra": {"deep": [1, -1e400]}"#,
            &format!(r#""big": {}"#, "9".repeat(400)),
        ] {
            let line = GOOD.replacen('{', &format!("{{{extra}, "), 1);
            let e = Report::from_json(&line).unwrap_err();
            assert_eq!(e.field(), "(line)", "{e}");
            assert!(e.to_string().contains("number out of range"), "{e}");
        }
        // In an identifier, too.
        let line = GOOD.replacen(r#""role": "victim""#, r#""role": "victim", "n": 1e999"#, 1);
        assert_eq!(Report::from_json(&line).unwrap_err().field(), "(line)");
        // Unknown fields that a JSON value holds are still ignored.
        let line = GOOD.replacen(
            '{',
            r#"{"extra": {"a": [1, 2.5e300, null, true, "x"]}, "#,
            1,
        );
        let r = Report::from_json(&line).unwrap();
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(Report::from_value(value).unwrap(), r);
    }

    #[track_caller]
    fn check_err(line: &str, field: &str) {
        match Report::from_json(line) {
            Ok(r) => panic!("expected an error on {field}, got {r:?}"),
            Err(e) => assert_eq!(e.field(), field, "{e}"),
        }
    }

    #[test]
    fn a_good_report_is_accepted_with_its_identifiers() {
        let r = Report::from_json(GOOD).unwrap();
        assert_eq!(r.id.as_str(), "2026-AMS-000123");
        assert_eq!(r.identifiers.len(), 2);
        assert_eq!(r.identifiers[0].role, None);
        assert_eq!(r.identifiers[1].role, Some(Role::Victim));
        assert!(r.warnings.is_empty());
    }

    #[test]
    fn bad_fields_are_named() {
        check_err("not json", "(line)");
        check_err("[1,2]", "(line)");
        check_err(
            r#"{"filed_at": "2026-01-03T09:12:00Z", "unit": "A", "team": "B", "narrative": ""}"#,
            "id",
        );
        check_err(
            r#"{"id": "x", "filed_at": "3 januari", "unit": "A", "team": "B", "narrative": ""}"#,
            "filed_at",
        );
        check_err(
            r#"{"id": "x", "filed_at": "2026-01-03T09:12:00Z", "unit": 5, "team": "B", "narrative": ""}"#,
            "unit",
        );
        check_err(
            r#"{"id": "x", "filed_at": "2026-01-03T09:12:00Z", "unit": "A", "team": "B"}"#,
            "narrative",
        );
        check_err(
            r#"{"id": "x", "filed_at": "2026-01-03T09:12:00Z", "unit": "A", "team": " ", "narrative": ""}"#,
            "team",
        );
        check_err(
            r#"{"id": "x", "filed_at": "2026-01-03T09:12:00Z", "unit": "A", "team": "B", "narrative": "", "amount_eur": -3}"#,
            "amount_eur",
        );
        check_err(
            r#"{"id": "x", "filed_at": "2026-01-03T09:12:00Z", "unit": "A", "team": "B", "narrative": "", "amount_eur": "veel"}"#,
            "amount_eur",
        );
        check_err(
            r#"{"id": "x", "filed_at": "2026-01-03T09:12:00Z", "unit": "A", "team": "B", "narrative": "", "incident_at": "gisteren"}"#,
            "incident_at",
        );
        check_err(
            r#"{"id": "x", "filed_at": "2026-01-03T09:12:00Z", "unit": "A", "team": "B", "narrative": "", "identifiers": [{"type": "iban"}]}"#,
            "identifiers[0].value",
        );
        check_err(
            r#"{"id": "", "filed_at": "2026-01-03T09:12:00Z", "unit": "A", "team": "B", "narrative": ""}"#,
            "id",
        );
    }

    #[test]
    fn an_identifier_of_unknown_type_is_a_warning_not_a_rejection() {
        let line = r#"{"id": "x", "filed_at": "2026-01-03T09:12:00Z", "unit": "A", "team": "B", "narrative": "", "identifiers": [{"type": "fax", "value": "1"}, {"type": "email", "value": "a@b.nl"}]}"#;
        let r = Report::from_json(line).unwrap();
        assert_eq!(r.identifiers.len(), 1);
        assert_eq!(r.warnings[0].field(), "identifiers[0].type");
    }

    // See: issue 19
    #[test]
    fn issue_19_a_report_beyond_the_limits_is_refused_naming_the_field_and_setting() {
        let limits = Limits {
            max_narrative_bytes: 20,
            max_identifiers: 2,
            max_identifier_bytes: 10,
        };
        #[track_caller]
        fn check(limits: &Limits, narrative: &str, ids: &[&str], expected: Option<(&str, &str)>) {
            let ids: Vec<String> = ids
                .iter()
                .map(|v| format!(r#"{{"type": "handle", "value": "{v}"}}"#))
                .collect();
            let line = format!(
                r#"{{"id": "x", "filed_at": "2026-01-03T09:12:00Z", "unit": "A", "team": "B", "narrative": "{narrative}", "identifiers": [{}]}}"#,
                ids.join(",")
            );
            match (Report::from_json_within(&line, limits), expected) {
                (Ok(_), None) => {}
                (Err(e), Some((field, setting))) => {
                    assert_eq!(e.field(), field);
                    assert!(e.reason().contains(setting), "{e}");
                }
                (got, want) => panic!("{got:?}, expected {want:?}"),
            }
            // Reading a stored line never applies them.
            assert!(Report::from_json(&line).is_ok());
        }
        check(
            &limits,
            "twintig bytes precies",
            &["@jan"],
            Some(("narrative", "limits.max_narrative_bytes")),
        );
        check(
            &limits,
            "kort",
            &["@a", "@b", "@c"],
            Some(("identifiers", "limits.max_identifiers")),
        );
        check(
            &limits,
            "kort",
            &["@a", "@heel_lange_naam"],
            Some(("identifiers[1].value", "limits.max_identifier_bytes")),
        );
        // Exactly at the limits (20 and 10 bytes).
        check(&limits, "precies twintig byte", &["@a", "@tien_byte"], None);
    }

    #[test]
    fn unknown_fraud_types_are_kept_and_count_as_other() {
        let t = FraudType::parse("sextortion");
        assert_eq!(t.category(), "other");
        assert_eq!(t.as_written(), "sextortion");
        assert_eq!(FraudType::parse("Bank_Helpdesk"), FraudType::BankHelpdesk);
    }

    #[test]
    fn incident_at_takes_a_date_or_a_date_time() {
        let base = r#"{"id": "x", "filed_at": "2026-01-03T09:12:00+01:00", "unit": "A", "team": "B", "narrative": "", "incident_at": "#;
        let d = Report::from_json(&format!("{base}\"2026-01-02\"}}")).unwrap();
        assert!(matches!(d.incident_at, Some(IncidentAt::Date(_))));
        let t = Report::from_json(&format!("{base}\"2026-01-02T10:00:00Z\"}}")).unwrap();
        assert!(matches!(t.incident_at, Some(IncidentAt::DateTime(_))));
    }
}
