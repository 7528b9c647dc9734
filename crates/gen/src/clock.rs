//! Times as report systems write them: the day, and RFC 3339 in UTC or
//! in Dutch local time with the offset of the season.

use time::{Date, Month, OffsetDateTime};

/// Filing times of units whose report system exports local time carry
/// the Dutch offset; the others export UTC.
pub(crate) fn local_time(unit: usize) -> bool {
    !matches!(unit, 3 | 4 | 6 | 9)
}

pub(crate) fn date_of(ts: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(ts).ok()
}

/// `2026-03-14`.
pub(crate) fn day_string(ts: i64) -> String {
    match date_of(ts) {
        Some(t) => format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day()),
        None => "1970-01-01".to_owned(),
    }
}

/// The last Sunday of a month at 01:00 UTC, when Dutch clocks change.
fn last_sunday_utc(year: i32, month: Month) -> Option<i64> {
    let last = Date::from_calendar_date(year, month, 31).ok()?;
    let back = i64::from(last.weekday().number_days_from_sunday());
    let day = last.checked_sub(time::Duration::days(back))?;
    Some(day.midnight().assume_utc().unix_timestamp() + 3600)
}

/// RFC 3339 in UTC (`Z`) or Dutch local time (`+01:00`/`+02:00`).
pub(crate) fn rfc3339(ts: i64, local: bool) -> String {
    let Some(utc) = date_of(ts) else {
        return "1970-01-01T00:00:00Z".to_owned();
    };
    let offset_h = if !local {
        0
    } else {
        let y = utc.year();
        match (
            last_sunday_utc(y, Month::March),
            last_sunday_utc(y, Month::October),
        ) {
            (Some(a), Some(b)) if ts >= a && ts < b => 2,
            _ => 1,
        }
    };
    let Some(t) = date_of(ts + offset_h * 3600) else {
        return "1970-01-01T00:00:00Z".to_owned();
    };
    let zone = match offset_h {
        0 => "Z",
        1 => "+01:00",
        _ => "+02:00",
    };
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{zone}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filing_times_carry_the_dutch_offset_of_the_season() {
        // 2025-07-01 12:00 UTC is summer time, 2025-01-15 12:00 UTC winter.
        assert_eq!(rfc3339(1_751_371_200, true), "2025-07-01T14:00:00+02:00");
        assert_eq!(rfc3339(1_736_942_400, true), "2025-01-15T13:00:00+01:00");
        assert_eq!(rfc3339(1_736_942_400, false), "2025-01-15T12:00:00Z");
    }
}
