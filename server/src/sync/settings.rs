//! [`SyncSettings`]: how sync runs on this server.

use std::time::Duration;

use crate::clock::to_rfc3339;
use crate::graph::model::utc_ms;
use crate::store::{EventTime, SyncWindow};

const DAY_MS: i64 = 86_400_000;

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

/// How sync runs on this server.
#[derive(Debug, Clone)]
pub struct SyncSettings {
    /// Run the background worker (off in tests that drive sessions themselves).
    pub worker: bool,
    /// How often the worker looks for due jobs (a "Sync now" or sync turned on wakes it early).
    pub poll: Duration,
    /// How long a claimed job stays leased without a renewal; a running session renews it every
    /// third of this (and every committed batch does).
    pub lease: Duration,
    /// The calendarView window: this many days back and ahead of today.
    pub days_back: i64,
    pub days_ahead: i64,
    /// Sessions of different Organizers this worker runs at once (one throttled mailbox does
    /// not hold up the others).
    pub concurrent_sessions: usize,
    /// How long one session may run before it is stopped (and tried again later).
    pub session_deadline: Duration,
}

impl Default for SyncSettings {
    fn default() -> Self {
        Self {
            worker: true,
            poll: Duration::from_secs(30),
            lease: Duration::from_secs(120),
            days_back: 30,
            days_ahead: 365,
            concurrent_sessions: 4,
            session_deadline: Duration::from_secs(15 * 60),
        }
    }
}

impl SyncSettings {
    pub fn lease_ms(&self) -> i64 {
        i64::try_from(self.lease.as_millis()).unwrap_or(i64::MAX)
    }

    /// The window wanted at `now_ms`, from midnight UTC `days_back` ago to `days_ahead` on.
    pub fn window(&self, now_ms: i64) -> SyncWindow {
        let (start, end) = self.window_ms(now_ms);
        SyncWindow {
            start: to_rfc3339(start),
            end: to_rfc3339(end),
        }
    }

    /// [`SyncSettings::window`] as UTC milliseconds, `[start, end)`.
    fn window_ms(&self, now_ms: i64) -> (i64, i64) {
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
        let (window_start, window_end) = self.window_ms(now_ms);
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
        let settings = SyncSettings::default();
        let window = settings.window(NOW);
        assert_eq!(window.start, "2026-11-06T00:00:00Z");
        assert_eq!(window.end, "2027-12-06T00:00:00Z");
        let at = |start, end| settings.position(&timed(start, end), NOW);
        assert_eq!(
            at("2026-11-05T23:00:00Z", "2026-11-05T23:59:00Z"),
            WindowPosition::Before
        );
        // An item that ends at the window's start is still in Exchange's view.
        assert_eq!(
            at("2026-11-05T23:00:00Z", "2026-11-06T00:00:00Z"),
            WindowPosition::Inside
        );
        assert_eq!(
            at("2026-12-06T09:00:00Z", "2026-12-06T10:00:00Z"),
            WindowPosition::Inside
        );
        assert_eq!(
            at("2027-12-05T23:00:00Z", "2027-12-06T01:00:00Z"),
            WindowPosition::Inside
        );
        assert_eq!(
            at("2027-12-06T00:00:00Z", "2027-12-06T01:00:00Z"),
            WindowPosition::After
        );
        let all_day = |start: &str, end: &str| EventTime::AllDay {
            start_date: start.into(),
            end_date: end.into(),
        };
        assert_eq!(
            settings.position(&all_day("2026-11-04", "2026-11-05"), NOW),
            WindowPosition::Before
        );
        assert_eq!(
            settings.position(&all_day("2027-12-06", "2027-12-07"), NOW),
            WindowPosition::After
        );
    }
}
