//! Instants as Liaison keeps them — UTC milliseconds since the Unix epoch (`*_ms`) — the
//! clock, and their RFC 3339 form, in which the API and Microsoft Graph write them.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Now, in UTC milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// `ms` as RFC 3339 UTC (`2026-11-23T09:15:00Z`); empty for an instant `time` cannot hold.
pub fn to_rfc3339(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

/// An RFC 3339 time as UTC milliseconds; `None` when it is not one.
pub fn from_rfc3339(text: &str) -> Option<i64> {
    OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .and_then(|t| i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_round_trip_through_rfc3339() {
        let ms = 1_795_766_400_123;
        assert_eq!(to_rfc3339(ms), "2026-11-27T08:00:00.123Z");
        assert_eq!(from_rfc3339(&to_rfc3339(ms)), Some(ms));
        assert_eq!(
            from_rfc3339("2026-11-27T09:00:00+01:00"),
            Some(1_795_766_400_000)
        );
        assert_eq!(from_rfc3339("tomorrow"), None);
    }
}
