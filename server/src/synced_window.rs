//! The synced window: the days around today that sync reads from an Organizer's calendar
//! (`calendarView` from midnight UTC `days_back` ago to `days_ahead` on), and where an item lies
//! against it. One rule for the sync sessions (which window to ask Graph for) and the item status
//! (why an item outside it is not brought in by the CRM category).

use crate::clock::to_rfc3339;
use crate::graph::model::utc_ms;
use crate::store::{EventTime, SyncWindow};

const DAY_MS: i64 = 86_400_000;

/// How many days back and ahead of today sync reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncedWindow {
    pub days_back: i64,
    pub days_ahead: i64,
}

impl Default for SyncedWindow {
    fn default() -> Self {
        Self {
            days_back: 30,
            days_ahead: 365,
        }
    }
}

/// Where an item lies against the window sync reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowPosition {
    /// It ended before the window's start: sync will never read it again.
    Before,
    Inside,
    /// It starts after the window's end: sync reads it once the window, which moves with the
    /// days, reaches it.
    After,
}

impl SyncedWindow {
    /// The window an organization set (days back and ahead; `None`: this one's).
    pub fn with_days(self, back: Option<i32>, ahead: Option<i32>) -> Self {
        Self {
            days_back: back.map_or(self.days_back, i64::from),
            days_ahead: ahead.map_or(self.days_ahead, i64::from),
        }
    }

    /// The window wanted at `now_ms`, from midnight UTC `days_back` ago to `days_ahead` on.
    pub fn at(&self, now_ms: i64) -> SyncWindow {
        let (start, end) = self.bounds_ms(now_ms);
        SyncWindow {
            start: to_rfc3339(start),
            end: to_rfc3339(end),
        }
    }

    /// [`SyncedWindow::at`] as UTC milliseconds, `[start, end)`.
    fn bounds_ms(&self, now_ms: i64) -> (i64, i64) {
        let midnight = now_ms.div_euclid(DAY_MS) * DAY_MS;
        (
            midnight - self.days_back * DAY_MS,
            midnight + self.days_ahead * DAY_MS,
        )
    }

    /// Where an item at `time` lies against the window wanted at `now_ms`. Graph's
    /// `calendarView` holds the items that overlap its range; Exchange's calendar view says it
    /// exactly: items that end before the start and items that start on or after the end are
    /// not returned (EWS `CalendarView` element, `StartDate`/`EndDate`). An all-day item's
    /// dates are read as UTC days (its zone can move it by hours at the window's edges).
    pub fn position(&self, time: &EventTime, now_ms: i64) -> WindowPosition {
        let (start, end) = match time {
            EventTime::Timed { start_ms, end_ms } => (*start_ms, *end_ms),
            EventTime::AllDay {
                start_date,
                end_date,
            } => {
                let day = |date: &str| utc_ms(&format!("{date}T00:00:00")).unwrap_or(0);
                (day(start_date), day(end_date))
            }
        };
        let (window_start, window_end) = self.bounds_ms(now_ms);
        if end < window_start {
            WindowPosition::Before
        } else if start >= window_end {
            WindowPosition::After
        } else {
            WindowPosition::Inside
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_796_558_400_000; // 2026-12-06T12:00:00Z

    fn timed(start: &str, end: &str) -> EventTime {
        EventTime::Timed {
            start_ms: utc_ms(start).unwrap(),
            end_ms: utc_ms(end).unwrap(),
        }
    }

    #[test]
    fn the_window_runs_from_midnight_days_back_to_midnight_days_ahead() {
        let window = SyncedWindow::default();
        let at = window.at(NOW);
        assert_eq!(at.start, "2026-11-06T00:00:00Z");
        assert_eq!(at.end, "2027-12-06T00:00:00Z");
        let position = |start, end| window.position(&timed(start, end), NOW);
        assert_eq!(
            position("2026-11-05T23:00:00Z", "2026-11-05T23:59:00Z"),
            WindowPosition::Before
        );
        // An item that ends at the window's start is still in Exchange's view.
        assert_eq!(
            position("2026-11-05T23:00:00Z", "2026-11-06T00:00:00Z"),
            WindowPosition::Inside
        );
        assert_eq!(
            position("2026-12-06T09:00:00Z", "2026-12-06T10:00:00Z"),
            WindowPosition::Inside
        );
        assert_eq!(
            position("2027-12-05T23:00:00Z", "2027-12-06T01:00:00Z"),
            WindowPosition::Inside
        );
        assert_eq!(
            position("2027-12-06T00:00:00Z", "2027-12-06T01:00:00Z"),
            WindowPosition::After
        );
        let all_day = |start: &str, end: &str| EventTime::AllDay {
            start_date: start.into(),
            end_date: end.into(),
        };
        assert_eq!(
            window.position(&all_day("2026-11-04", "2026-11-05"), NOW),
            WindowPosition::Before
        );
        assert_eq!(
            window.position(&all_day("2027-12-06", "2027-12-07"), NOW),
            WindowPosition::After
        );
    }
}
