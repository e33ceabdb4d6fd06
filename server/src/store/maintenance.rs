//! The store as a whole, apart from any area: its backend, its migrations, whether it answers.

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
    /// Rows in `table`, across tenants (tests and benchmarks only).
    #[cfg(feature = "test-support")]
    async fn count_rows(&self, table: CountedTable) -> Result<i64, StoreError>;
}
