//! The simulator's clock: seconds since the Unix epoch, their RFC 3339 form, civil dates, and
//! the one time zone the demo tenant lives in (Windows' "W. Europe Standard Time").

pub const DAY_S: i64 = 86_400;

pub fn now_s() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Seconds since the Unix epoch as `2026-11-22T10:00:00Z`.
pub fn rfc3339(secs: i64) -> String {
    let (y, m, d) = civil_from_days(secs.div_euclid(DAY_S));
    let rem = secs.rem_euclid(DAY_S);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The (year, month, day) of a day counted from 1970-01-01 (Howard Hinnant's algorithm).
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// The day counted from 1970-01-01 of a civil date: the inverse of [`civil_from_days`].
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + (153 * m + 2) / 5 + d - 1;
    era * 146_097 + doe - 719_468
}

/// The day (from 1970-01-01) of the Monday of the week holding `day` (1970-01-01 was a Thursday).
pub fn monday_of(day: i64) -> i64 {
    day - (day + 3).rem_euclid(7)
}

/// Windows' "W. Europe Standard Time" ("(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm,
/// Vienna"): UTC+1, and UTC+2 in summer time, which in the European Union runs from 01:00 UTC on
/// the last Sunday of March to 01:00 UTC on the last Sunday of October (Directive 2000/84/EC,
/// art. 2 and 3). The demo's people and meetings live in it, as a Contoso in Europe would.
pub mod w_europe {
    use super::{DAY_S, days_from_civil};

    pub const NAME: &str = "W. Europe Standard Time";

    /// 01:00 UTC on the last Sunday of `month` in `year`, in seconds since the epoch.
    fn last_sunday_0100_utc(year: i64, month: i64) -> i64 {
        let next_month = if month == 12 {
            days_from_civil(year + 1, 1, 1)
        } else {
            days_from_civil(year, month + 1, 1)
        };
        let last_day = next_month - 1;
        // 1970-01-01 was a Thursday: Sunday is (day + 4) % 7 == 0.
        let sunday = last_day - (last_day + 4).rem_euclid(7);
        sunday * DAY_S + 3600
    }

    /// The zone's offset from UTC, in seconds, at the instant `utc_s`.
    pub fn offset_s(utc_s: i64) -> i64 {
        let (year, _, _) = super::civil_from_days(utc_s.div_euclid(DAY_S));
        let summer =
            (last_sunday_0100_utc(year, 3)..last_sunday_0100_utc(year, 10)).contains(&utc_s);
        if summer { 7200 } else { 3600 }
    }

    /// The instant (UTC seconds) of a wall-clock time in the zone, given as seconds since the
    /// epoch as if the wall clock were UTC. Meant for daytime hours: the hour skipped or repeated
    /// at a change (between 02:00 and 03:00 local) is read as standard time.
    pub fn to_utc(local_s: i64) -> i64 {
        let standard = local_s - 3600;
        local_s - offset_s(standard)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_round_trip_across_leap_years_and_centuries() {
        for days in [
            -719_468, -1, 0, 10_956, 11_016, 20_513, 20_819, 21_184, 47_482,
        ] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        }
        assert_eq!(civil_from_days(days_from_civil(2028, 2, 29)), (2028, 2, 29));
        assert_eq!(rfc3339(1_795_424_400), "2026-11-23T09:00:00Z");
    }

    #[test]
    fn mondays_start_their_week() {
        let monday = days_from_civil(2026, 11, 23);
        for day in monday..monday + 7 {
            assert_eq!(monday_of(day), monday);
        }
        assert_eq!(monday_of(monday + 7), monday + 7);
        // 2027-01-01 is a Friday: its week began in 2026.
        assert_eq!(
            monday_of(days_from_civil(2027, 1, 1)),
            days_from_civil(2026, 12, 28)
        );
    }

    #[test]
    fn western_europe_keeps_summer_time_from_the_last_sunday_of_march_to_that_of_october() {
        let at = |y: i64, m: i64, d: i64, h: i64| days_from_civil(y, m, d) * DAY_S + h * 3600;
        // 2027: summer time from Sunday 28 March to Sunday 31 October, 01:00 UTC.
        assert_eq!(w_europe::offset_s(at(2027, 3, 28, 0)), 3600);
        assert_eq!(w_europe::offset_s(at(2027, 3, 28, 1)), 7200);
        assert_eq!(w_europe::offset_s(at(2027, 10, 31, 0)), 7200);
        assert_eq!(w_europe::offset_s(at(2027, 10, 31, 1)), 3600);
        assert_eq!(w_europe::offset_s(at(2026, 12, 7, 9)), 3600);
        // 10:00 in Berlin is 09:00 UTC in winter and 08:00 UTC in summer.
        assert_eq!(w_europe::to_utc(at(2026, 11, 23, 10)), at(2026, 11, 23, 9));
        assert_eq!(w_europe::to_utc(at(2027, 6, 14, 10)), at(2027, 6, 14, 8));
        // The Friday before and the Friday after the change of 28 March 2027.
        assert_eq!(w_europe::to_utc(at(2027, 3, 26, 9)), at(2027, 3, 26, 8));
        assert_eq!(w_europe::to_utc(at(2027, 4, 2, 9)), at(2027, 4, 2, 7));
    }
}
