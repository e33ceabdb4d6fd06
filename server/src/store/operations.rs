//! What the administrators' console and the operator's metrics read and the sync sessions leave
//! behind: each finished session's line, the jobs the circuit breaker stopped, the work waiting.

use async_trait::async_trait;

use crate::store::error::StoreError;
use crate::store::identity::{ConnectionStatus, DelegationCheck};
use crate::store::ids::{TenantId, UserId, UserKey};

/// A person as the console lists them: their own sync, and what needs attention.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRecord {
    pub user_id: UserId,
    pub mailbox: String,
    pub display_name: String,
    pub sync_enabled: bool,
    /// Their Microsoft 365 connection; `None`: never connected.
    pub microsoft: Option<ConnectionStatus>,
    pub last_finished_at_ms: Option<i64>,
    pub last_error_code: Option<String>,
    pub last_error_message: Option<String>,
    pub sync_stopped: bool,
    pub failed_items: i64,
    /// A connection to renew, a sync stopped or failing, failed items, or a delegation whose
    /// sources disagreed: the store's one definition (`ATTENTION` in `sql/operations.rs`).
    pub needs_attention: bool,
}

/// Which people to list: by mailbox, after `after_mailbox` (keyset paging).
#[derive(Debug, Clone, Default)]
pub struct PeopleQuery {
    pub after_mailbox: Option<String>,
    pub limit: u32,
    /// Only those who need attention.
    pub attention_only: bool,
}

/// A delegation of one of the listed people, as Microsoft confirmed it at the last check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DelegationRecord {
    pub delegate_id: UserId,
    pub owner_mailbox: String,
    pub check: DelegationCheck,
    pub sources_conflict: bool,
}

/// One finished sync session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncSessionRecord {
    /// UUIDv7: sessions sort by start.
    pub id: String,
    pub organizer: UserKey,
    pub started_at_ms: i64,
    pub finished_at_ms: i64,
    /// `ok`, or the session's error code (`SyncError::code`).
    pub result: String,
    pub full_round: bool,
    /// Items Graph reported changed.
    pub events_in: i64,
    /// CRM events written or cancelled, queued saves written, categories removed.
    pub events_out: i64,
    /// HTTP requests sent to Graph, retries included.
    pub graph_requests: i64,
    /// Of them, answered `429 Too Many Requests`.
    pub throttled: i64,
    /// The session's claim took over a dead worker's expired lease.
    pub took_over_lease: bool,
}

/// A session's line as the console lists it: its organizer by mailbox (by directory id when
/// Liaison no longer knows them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionLine {
    pub session: SyncSessionRecord,
    pub organizer_mailbox: Option<String>,
}

/// Which sessions to list: newest first, before `before_id` (keyset paging).
#[derive(Debug, Clone, Default)]
pub struct SessionQuery {
    pub organizer: Option<UserId>,
    pub before_id: Option<String>,
    pub limit: u32,
}

/// A job the circuit breaker stopped: no session runs until an administrator resumes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoppedJob {
    pub organizer_id: UserId,
    pub mailbox: String,
    pub tripped_at_ms: i64,
    pub message: Option<String>,
}

/// Work waiting, across tenants.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueDepth {
    /// Sync jobs due and not running.
    pub due_jobs: i64,
    /// Saves the outbox holds for the next session.
    pub queued_saves: i64,
}

#[async_trait]
pub trait Operations: Send + Sync {
    async fn record_sync_session(&self, session: &SyncSessionRecord) -> Result<(), StoreError>;
    /// The tenant's sessions, newest first, each with its organizer's mailbox.
    async fn sync_sessions(
        &self,
        tenant_id: &TenantId,
        query: &SessionQuery,
    ) -> Result<Vec<SessionLine>, StoreError>;
    /// The tenant's jobs the circuit breaker stopped, longest stopped first.
    async fn stopped_sync_jobs(&self, tenant_id: &TenantId) -> Result<Vec<StoppedJob>, StoreError>;
    async fn queue_depth(&self, now_ms: i64) -> Result<QueueDepth, StoreError>;
    /// The tenant's people, by mailbox.
    async fn people(
        &self,
        tenant_id: &TenantId,
        query: &PeopleQuery,
    ) -> Result<Vec<PersonRecord>, StoreError>;
    /// The kept delegation checks of these delegates, by owner mailbox.
    async fn delegations_of(
        &self,
        tenant_id: &TenantId,
        delegate_ids: &[UserId],
    ) -> Result<Vec<DelegationRecord>, StoreError>;
}
