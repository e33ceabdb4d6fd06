//! The record store: one [`Store`] trait, two backends chosen by the database URL.
//!
//! - `sqlite`: embedded, the default; one file, WAL journal.
//! - `postgres`: for several server instances sharing one store.
//!
//! Both run the same SQL (`sql.rs`). Each backend has its own migrations
//! (`server/migrations/<backend>/`), applied at start-up and by `liaison migrate`.
//!
//! **Invariants:** every method takes the tenant id and every query is scoped by it; a shipped
//! migration is never edited; the audit log is append-only (enforced by triggers).

pub mod model;
mod postgres;
mod sql;
mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;
use liaison_domain::api::CrmRecord;

use crate::config::DatabaseUrl;
use model::{
    AdminConsent, AuditEntry, AuditRecord, CategoryRemoval, Connection, ConnectionStatus,
    DelegationCheck, GraphLink, GraphSubscription, IdempotencyKey, Idempotent, JobOutcome, Lease,
    LiveSession, NewRecord, NewSession, Provider, QueuedSave, RecordQuery, SaveCommand, Share,
    SignInFlow, StoredEvent, StoredResponse, StoredStatus, SyncCursor, SyncJob, SyncJobStatus,
    SyncWindow, SyncWrite, Tenant, User,
};

/// What can go wrong talking to the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the record store could not be reached: {0}")]
    Unavailable(#[source] sqlx::Error),
    #[error("the record store's migrations failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("a row with this key exists already")]
    Conflict(#[source] sqlx::Error),
    /// The CRM event was deleted in the CRM: it is never written again.
    #[error("the CRM event was deleted in the CRM")]
    Deleted,
    #[error("the record store failed: {0}")]
    Other(#[source] sqlx::Error),
    #[error("{0}")]
    Setup(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::Database(db) if db.is_unique_violation() => Self::Conflict(error),
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                Self::Unavailable(error)
            }
            _ => Self::Other(error),
        }
    }
}

/// Which backend a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Tables whose rows tests and benchmarks count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountedTable {
    CrmEvents,
    CrmEventRecords,
    AuditLog,
    SaveOutbox,
}

impl CountedTable {
    fn name(self) -> &'static str {
        match self {
            Self::CrmEvents => "crm_events",
            Self::CrmEventRecords => "crm_event_records",
            Self::AuditLog => "audit_log",
            Self::SaveOutbox => "save_outbox",
        }
    }
}

/// Builds the response a save answers with, from what the save wrote.
pub type Respond = dyn Fn(Option<&StoredEvent>, &StoredStatus) -> StoredResponse + Send + Sync;

/// The record store, as the rest of the server sees it.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    fn backend(&self) -> Backend;

    /// Applies every migration not applied yet.
    async fn migrate(&self) -> Result<(), StoreError>;

    /// Answers when the store can serve queries; `/healthz` uses it.
    async fn ping(&self) -> Result<(), StoreError>;

    async fn upsert_tenant(&self, tenant: &Tenant) -> Result<(), StoreError>;
    async fn tenant(&self, id: &str) -> Result<Option<Tenant>, StoreError>;

    async fn upsert_user(&self, user: &User) -> Result<(), StoreError>;
    async fn user(&self, tenant_id: &str, user_id: &str) -> Result<Option<User>, StoreError>;
    /// The user with this mailbox in this tenant (case-insensitive).
    async fn user_by_mailbox(
        &self,
        tenant_id: &str,
        mailbox: &str,
    ) -> Result<Option<User>, StoreError>;

    /// Keeps what Microsoft said of `delegate_id`'s access to `owner_id`'s calendar.
    async fn put_delegation_check(
        &self,
        tenant_id: &str,
        owner_id: &str,
        delegate_id: &str,
        check: &DelegationCheck,
    ) -> Result<(), StoreError>;
    /// What Microsoft said when last asked (the caller decides whether it is still fresh).
    async fn delegation_check(
        &self,
        tenant_id: &str,
        owner_id: &str,
        delegate_id: &str,
    ) -> Result<Option<DelegationCheck>, StoreError>;
    /// Audits the client's bits as a disagreement with the verified access — once per change of
    /// the bits (`audit` is written only when they differ from the last audited).
    async fn note_client_bits(
        &self,
        tenant_id: &str,
        owner_id: &str,
        delegate_id: &str,
        bits: u8,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;
    /// How many of the tenant's users have this display name (case-insensitive).
    async fn users_named(&self, tenant_id: &str, display_name: &str) -> Result<i64, StoreError>;
    /// Whether a save waits in the outbox for the item with this REST id.
    async fn pending_save(
        &self,
        tenant_id: &str,
        organizer_id: &str,
        item_id: &str,
    ) -> Result<bool, StoreError>;

    async fn insert_record(&self, tenant_id: &str, record: &NewRecord) -> Result<(), StoreError>;
    async fn share_record(
        &self,
        tenant_id: &str,
        record_id: &str,
        user_id: &str,
        share: Share,
    ) -> Result<(), StoreError>;
    /// The records `viewer_id` owns or has been shared, matching `query`, by name; at most
    /// `query.limit` of them.
    async fn search_records(
        &self,
        tenant_id: &str,
        viewer_id: &str,
        query: &RecordQuery,
    ) -> Result<Vec<CrmRecord>, StoreError>;
    /// Those of `ids` that exist in the tenant and `viewer_id` may see.
    async fn visible_records(
        &self,
        tenant_id: &str,
        viewer_id: &str,
        ids: &[String],
    ) -> Result<Vec<CrmRecord>, StoreError>;

    /// An Organizer shares their CRM calendar with a Delegate.
    async fn share_crm_calendar(
        &self,
        tenant_id: &str,
        organizer_id: &str,
        delegate_id: &str,
        share: Share,
    ) -> Result<(), StoreError>;
    async fn crm_calendar_share(
        &self,
        tenant_id: &str,
        organizer_id: &str,
        delegate_id: &str,
    ) -> Result<Option<Share>, StoreError>;

    /// The CRM event of (organizer, iCalUId), with its linked records.
    async fn find_event(
        &self,
        tenant_id: &str,
        organizer_id: &str,
        ical_uid: &str,
    ) -> Result<Option<StoredEvent>, StoreError>;
    async fn item_status(
        &self,
        tenant_id: &str,
        organizer_id: &str,
        ical_uid: &str,
    ) -> Result<Option<StoredStatus>, StoreError>;

    /// Carries out an allowed save in one transaction: the CRM event (created or updated) and
    /// its links, or the outbox row when queued; the item's status; the audit line; and the
    /// response under the idempotency key. All of it or none of it.
    async fn save_item(
        &self,
        cmd: &SaveCommand,
        audit: &AuditEntry,
        respond: &Respond,
    ) -> Result<Idempotent<StoredResponse>, StoreError>;

    /// Removes one record from a CRM event; `false` when it was not linked.
    async fn unlink_record(
        &self,
        tenant_id: &str,
        event_id: &str,
        record_id: &str,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError>;

    /// Detaches an item from its CRM event (which stays, with its history).
    async fn detach_item(
        &self,
        tenant_id: &str,
        organizer_id: &str,
        ical_uid: &str,
        event_id: &str,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;

    /// What an earlier request under `key` answered, if there was one.
    async fn check_idempotency(
        &self,
        tenant_id: &str,
        user_id: &str,
        key: &IdempotencyKey,
    ) -> Result<Option<Idempotent<StoredResponse>>, StoreError>;

    /// Writes a refusal to the audit log, with its response under the idempotency key.
    async fn record_refusal(
        &self,
        audit: &AuditEntry,
        idempotency: Option<(&IdempotencyKey, &StoredResponse)>,
    ) -> Result<Idempotent<()>, StoreError>;

    async fn append_audit(&self, entry: &AuditEntry) -> Result<(), StoreError>;
    /// The tenant's newest audit lines first.
    async fn audit_log(&self, tenant_id: &str, limit: u32) -> Result<Vec<AuditRecord>, StoreError>;

    /// Rows in `table`, across tenants (tests and benchmarks).
    async fn count_rows(&self, table: CountedTable) -> Result<i64, StoreError>;

    async fn create_session(&self, session: &NewSession) -> Result<(), StoreError>;
    /// The (tenant, user) of a live session, marking it seen now. A session unseen since
    /// `idle_cutoff_ms` or past its absolute end is dead.
    async fn use_session(
        &self,
        token_hash: &str,
        now_ms: i64,
        idle_cutoff_ms: i64,
    ) -> Result<Option<LiveSession>, StoreError>;
    async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError>;

    async fn put_sign_in_flow(&self, flow: &SignInFlow) -> Result<(), StoreError>;
    /// Removes and returns the flow (once: a replayed `state` finds nothing), if not expired.
    async fn take_sign_in_flow(
        &self,
        state_hash: &str,
        now_ms: i64,
    ) -> Result<Option<SignInFlow>, StoreError>;

    async fn put_dialog_code(
        &self,
        code_hash: &str,
        tenant_id: &str,
        user_id: &str,
        is_admin: bool,
        expires_at_ms: i64,
    ) -> Result<(), StoreError>;
    /// Removes and returns the (tenant, user, is admin) of a one-time dialog code, if not
    /// expired.
    async fn take_dialog_code(
        &self,
        code_hash: &str,
        now_ms: i64,
    ) -> Result<Option<(String, String, bool)>, StoreError>;

    async fn upsert_connection(&self, connection: &Connection) -> Result<(), StoreError>;
    async fn connection(
        &self,
        tenant_id: &str,
        user_id: &str,
        provider: Provider,
    ) -> Result<Option<Connection>, StoreError>;
    /// Every connection (for `liaison doctor`).
    async fn connections(&self) -> Result<Vec<Connection>, StoreError>;
    /// Replaces the sealed refresh token if it is still `expected` (one writer wins); `true`
    /// when replaced.
    async fn replace_refresh_token(
        &self,
        tenant_id: &str,
        user_id: &str,
        provider: Provider,
        expected: Option<&str>,
        sealed: &str,
    ) -> Result<bool, StoreError>;
    async fn set_connection_status(
        &self,
        tenant_id: &str,
        user_id: &str,
        provider: Provider,
        status: ConnectionStatus,
        reason: Option<&str>,
    ) -> Result<(), StoreError>;

    /// Creates the Organizer's sync job if it has none (due at once); a job left by an earlier
    /// sign-in is kept with its cursor.
    async fn ensure_sync_job(
        &self,
        tenant_id: &str,
        organizer_id: &str,
        window: &SyncWindow,
        now_ms: i64,
    ) -> Result<(), StoreError>;
    /// Leases a job to `lease.worker`: the given Organizer's (whether due or not: "Sync now"), or
    /// else the most overdue one. Never a job another worker holds unexpired, nor one whose
    /// breaker tripped. PostgreSQL picks with `FOR UPDATE SKIP LOCKED`; SQLite's single writer
    /// makes the same statement atomic.
    async fn claim_sync_job(
        &self,
        only: Option<(&str, &str)>,
        lease: &Lease,
        now_ms: i64,
    ) -> Result<Option<SyncJob>, StoreError>;
    /// Writes one batch of a session's changes, with the cursor when it is the round's last,
    /// in one transaction that first renews the lease. `false` (and nothing written) when the
    /// worker no longer holds it.
    async fn apply_sync(
        &self,
        job: &SyncJob,
        writes: &[SyncWrite],
        cursor: Option<&SyncCursor>,
        lease_until_ms: i64,
        now_ms: i64,
    ) -> Result<bool, StoreError>;
    /// Releases the lease with the session's outcome (only if `worker` still holds it).
    async fn finish_sync_job(
        &self,
        tenant_id: &str,
        organizer_id: &str,
        worker: &str,
        outcome: &JobOutcome,
        now_ms: i64,
    ) -> Result<(), StoreError>;
    async fn sync_job_status(
        &self,
        tenant_id: &str,
        organizer_id: &str,
    ) -> Result<Option<SyncJobStatus>, StoreError>;
    /// Lets sessions run again after the circuit breaker stopped them (an admin checked): the
    /// next session makes the cancellations it finds, then the breaker guards again.
    async fn reset_sync_breaker(
        &self,
        tenant_id: &str,
        organizer_id: &str,
    ) -> Result<(), StoreError>;
    /// What the CRM knows of these Graph items of the Organizer's mailbox.
    async fn graph_links(
        &self,
        tenant_id: &str,
        organizer_id: &str,
        graph_ids: &[String],
    ) -> Result<Vec<(String, GraphLink)>, StoreError>;
    /// The Graph ids of the Organizer's followed items whose CRM event is live and starts in
    /// `[start_ms, end_ms)`, series masters aside (calendarView never lists them): after a
    /// complete full round, those it did not list are gone from Outlook.
    async fn followed_in_window(
        &self,
        tenant_id: &str,
        organizer_id: &str,
        start_ms: i64,
        end_ms: i64,
    ) -> Result<Vec<String>, StoreError>;
    /// The Organizer's CRM events that are neither cancelled nor deleted (the breaker's base).
    async fn active_synced_events(
        &self,
        tenant_id: &str,
        organizer_id: &str,
    ) -> Result<i64, StoreError>;
    /// Removes a queued save that will not be written (the rules refuse it now), with the
    /// refusal's audit line in the same transaction.
    async fn drop_queued_save(
        &self,
        tenant_id: &str,
        outbox_id: &str,
        audit: Option<&AuditEntry>,
    ) -> Result<(), StoreError>;
    /// The Organizer's queued saves, oldest first.
    async fn queued_saves(
        &self,
        tenant_id: &str,
        organizer_id: &str,
    ) -> Result<Vec<QueuedSave>, StoreError>;
    /// Deletes a CRM event in the CRM (kept as history, never synced again) and owes Outlook
    /// the removal of its category on every linked item; `false` when there is no such event.
    async fn delete_crm_event(
        &self,
        tenant_id: &str,
        event_id: &str,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError>;
    /// The Organizer of a CRM event not deleted yet.
    async fn event_organizer(
        &self,
        tenant_id: &str,
        event_id: &str,
    ) -> Result<Option<String>, StoreError>;
    /// The category removals owed to the Organizer's items.
    async fn category_removals(
        &self,
        tenant_id: &str,
        organizer_id: &str,
    ) -> Result<Vec<CategoryRemoval>, StoreError>;
    /// A removal done (`None`) or failed (`Some(message)`: kept for the next session, the
    /// item's status shows it).
    async fn finish_category_removal(
        &self,
        tenant_id: &str,
        organizer_id: &str,
        removal: &CategoryRemoval,
        failure: Option<&str>,
    ) -> Result<(), StoreError>;

    /// Records (or replaces) the Organizer's change-notification subscription.
    async fn put_subscription(&self, subscription: &GraphSubscription) -> Result<(), StoreError>;
    /// The subscription with this Graph id.
    async fn subscription(
        &self,
        subscription_id: &str,
    ) -> Result<Option<GraphSubscription>, StoreError>;
    /// The Organizer's subscription, if any.
    async fn organizer_subscription(
        &self,
        tenant_id: &str,
        organizer_id: &str,
    ) -> Result<Option<GraphSubscription>, StoreError>;
    /// Sets when a subscription expires (`0`: renew it at the next session).
    async fn set_subscription_expiry(
        &self,
        subscription_id: &str,
        expires_at_ms: i64,
    ) -> Result<(), StoreError>;
    async fn delete_subscription(&self, subscription_id: &str) -> Result<(), StoreError>;
    /// Makes the Organizer's job due now (a change notification came).
    async fn request_sync(&self, tenant_id: &str, organizer_id: &str) -> Result<(), StoreError>;

    async fn record_admin_consent(&self, consent: &AdminConsent) -> Result<(), StoreError>;
    async fn admin_consent(&self, tenant_id: &str) -> Result<Option<AdminConsent>, StoreError>;
}

/// Opens the store `url` names (SQLite files are created when missing).
pub async fn connect(url: &DatabaseUrl) -> Result<Arc<dyn Store>, StoreError> {
    if url.is_postgres() {
        Ok(Arc::new(postgres::PostgresStore::connect(url).await?))
    } else {
        Ok(Arc::new(sqlite::SqliteStore::connect(url).await?))
    }
}

/// Now, in UTC milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
