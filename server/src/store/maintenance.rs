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

/// The store as a whole: its backend, its migrations, whether it answers.
#[async_trait]
pub trait Maintenance: Send + Sync {
    fn backend(&self) -> Backend;
    /// Applies every migration not applied yet.
    async fn migrate(&self) -> Result<(), StoreError>;
    /// Answers when the store can serve queries; `/healthz` uses it.
    async fn ping(&self) -> Result<(), StoreError>;
    /// Rows in `table`, across tenants (tests and benchmarks only).
    #[cfg(feature = "test-support")]
    async fn count_rows(&self, table: CountedTable) -> Result<i64, StoreError>;
}
