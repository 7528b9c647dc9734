//! Times on the wire: Unix seconds written and read as RFC 3339.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Unix seconds kept as a number and written as RFC 3339 (UTC): two
/// strings per cluster cost 45 MB at a million reports.
pub(super) mod rfc3339_seconds {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(ts: &i64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::rfc3339(*ts))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        let text = String::deserialize(d)?;
        time::OffsetDateTime::parse(&text, &time::format_description::well_known::Rfc3339)
            .map(time::OffsetDateTime::unix_timestamp)
            .map_err(serde::de::Error::custom)
    }
}

/// Formats Unix seconds as RFC 3339 (UTC); empty when out of range.
pub fn rfc3339(ts: i64) -> String {
    OffsetDateTime::from_unix_timestamp(ts)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    use super::rfc3339_seconds;

    #[test]
    fn filing_times_are_written_as_rfc3339_and_read_back() {
        #[derive(Serialize, Deserialize)]
        struct T {
            #[serde(with = "rfc3339_seconds")]
            at: i64,
        }
        let json = serde_json::to_string(&T { at: 1_750_000_000 }).unwrap();
        assert_eq!(json, r#"{"at":"2025-06-15T15:06:40Z"}"#);
        assert_eq!(serde_json::from_str::<T>(&json).unwrap().at, 1_750_000_000);
        let offset = r#"{"at":"2025-06-15T17:06:40+02:00"}"#;
        assert_eq!(serde_json::from_str::<T>(offset).unwrap().at, 1_750_000_000);
        assert!(serde_json::from_str::<T>(r#"{"at":"gisteren"}"#).is_err());
    }
}
