//! [`SyncSettings`]: how sync runs on this server.

use std::time::Duration;

use crate::synced_window::SyncedWindow;

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
    /// The calendarView window: how many days back and ahead of today sync reads.
    pub window: SyncedWindow,
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
            window: SyncedWindow::default(),
            concurrent_sessions: 4,
            session_deadline: Duration::from_secs(15 * 60),
        }
    }
}

impl SyncSettings {
    pub fn lease_ms(&self) -> i64 {
        i64::try_from(self.lease.as_millis()).unwrap_or(i64::MAX)
    }
}
