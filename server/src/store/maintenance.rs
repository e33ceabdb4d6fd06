//! The store as a whole, apart from any area: its backend, its migrations, whether it answers.

use std::sync::Mutex;

use async_trait::async_trait;

use crate::store::error::StoreError;

/// Which backend a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Tables whose rows tests and benchmarks count.
#[cfg(feature = "test-support")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountedTable {
    CrmRecords,
    CrmEvents,
    CrmEventRecords,
    AuditLog,
    SaveOutbox,
}

/// What [`Maintenance::purge`] deletes: rows older than these instants (UTC ms).
#[derive(Debug, Clone, Copy)]
pub struct PurgeBefore {
    /// Idempotency keys created before this (keep them at least a day: Stripe's rule).
    pub idempotency_keys_ms: i64,
    /// Sessions past their absolute end before this, or unseen since `idle_sessions_ms`.
    pub now_ms: i64,
    pub idle_sessions_ms: i64,
    /// Delegation checks made before this (trusted five minutes at most, kept for the console).
    pub delegation_checks_ms: i64,
    /// Sync sessions' lines of sessions started before this.
    pub sync_sessions_ms: i64,
}

/// How many rows a purge deleted, per kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    pub idempotency_keys: u64,
    pub sessions: u64,
    pub dialog_codes: u64,
    pub sign_in_flows: u64,
    pub delegation_checks: u64,
    pub sync_sessions: u64,
}

/// The store as a whole: its backend, its migrations, whether it answers.
#[async_trait]
pub trait Maintenance: Send + Sync {
    fn backend(&self) -> Backend;
    /// Applies every migration not applied yet.
    async fn migrate(&self) -> Result<(), StoreError>;
    /// Answers when the store can serve queries; `/healthz` uses it.
    async fn ping(&self) -> Result<(), StoreError>;
    /// Deletes what has run its course: old idempotency keys, dead sessions, expired dialog
    /// codes and sign-in flows, stale delegation checks, old sync sessions' lines.
    async fn purge(&self, before: PurgeBefore) -> Result<Purged, StoreError>;
    /// Brings the query planner's statistics up to date after a bulk write (PostgreSQL's
    /// advice: "run ANALYZE … after making major changes in the contents of a table"). Until
    /// autovacuum gets to a table that grew from nothing, PostgreSQL plans its lookups as if it
    /// were still empty — measured: the item's CRM event read by scanning the tenant's every
    /// event, 0.49 ms instead of 0.05 —, and keeps such plans per connection until the
    /// statistics change.
    async fn refresh_statistics(&self) -> Result<(), StoreError>;
    /// Rows in `table`, across tenants (tests and benchmarks only).
    #[cfg(feature = "test-support")]
    async fn count_rows(&self, table: CountedTable) -> Result<i64, StoreError>;
}

/// When a process's bulk writes call for fresh planner statistics
/// ([`Maintenance::refresh_statistics`]): once the rows written since the last refresh reach
/// 500 and as many as were written before it. Tables that grow from nothing (a new
/// installation's first full syncs, an import) are analysed at 500, 1,000, 2,000, … rows —
/// a handful of times — and never on every write, which is autovacuum's work.
#[derive(Debug, Default)]
pub struct GrowthWatch {
    /// (rows written up to the last refresh, rows written since).
    written: Mutex<(u64, u64)>,
}

impl GrowthWatch {
    const FIRST: u64 = 500;

    /// Counts `rows` written; whether the statistics should be refreshed now.
    pub fn wrote(&self, rows: u64) -> bool {
        let mut written = self.written.lock().unwrap_or_else(|e| e.into_inner());
        let (before, since) = &mut *written;
        *since += rows;
        if *since >= Self::FIRST.max(*before) {
            *before += std::mem::take(since);
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::GrowthWatch;

    #[test]
    fn statistics_are_refreshed_as_the_rows_written_double() {
        let watch = GrowthWatch::default();
        let refreshed_at: Vec<u64> = (1..=10_000u64)
            .filter(|_| watch.wrote(100))
            .map(|n| n * 100)
            .collect();
        assert_eq!(
            refreshed_at,
            [
                500, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 512_000
            ]
        );
    }

    #[test]
    fn a_large_write_refreshes_at_once() {
        let watch = GrowthWatch::default();
        assert!(!watch.wrote(499));
        assert!(watch.wrote(1));
        assert!(watch.wrote(5_000));
        assert!(!watch.wrote(5_000));
    }
}
