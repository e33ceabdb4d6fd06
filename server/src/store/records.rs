//! The CRM records API's store: a record with every field of its kind, its version, its
//! shares, its soft delete; the shares of an Organizer's CRM calendar; a record's history of
//! meetings. Who may do what is decided above (`crm_records/`); this only reads and writes,
//! each write in one transaction with its audit line.

use async_trait::async_trait;
use liaison_domain::api::{RecordFields, RecordKind};

use crate::store::audit::AuditEntry;
use crate::store::crm::{IdempotencyKey, Idempotent, Share, StoredResponse};
use crate::store::error::StoreError;
use crate::store::ids::{TenantId, UserId};

/// A record as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    pub id: String,
    pub fields: RecordFields,
    pub owner_id: UserId,
    pub owner_mailbox: String,
    pub owner_name: String,
    pub version: i64,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub deleted: bool,
}

/// A record and what the reader's own share of it grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordRead {
    pub record: StoredRecord,
    pub share: Option<Share>,
}

/// What a conditional write came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordWrite {
    Done(Box<StoredRecord>),
    /// The record is at another version than the one named.
    Stale {
        current: i64,
    },
    /// No such record (or, for a restore, none deleted).
    Missing,
}

/// A record to create, owned by `owner_id`.
#[derive(Debug, Clone, Copy)]
pub struct RecordCreate<'a> {
    pub tenant_id: &'a TenantId,
    pub id: &'a str,
    pub fields: &'a RecordFields,
    pub owner_id: &'a UserId,
}

/// One record an import writes: a new one (a new id), or an existing one (its id) with the
/// import's row merged into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportWrite {
    pub id: String,
    pub fields: RecordFields,
    pub existing: bool,
    /// Its owner: the one it has, or for a new one the importer.
    pub owner_id: UserId,
}

/// Builds the answer a create gives (kept under its idempotency key).
pub type RespondRecord = dyn Fn(&StoredRecord) -> StoredResponse + Send + Sync;

/// One meeting a record is linked to, as its history shows it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RecordEventRow {
    pub event_id: String,
    pub subject: String,
    pub is_private: bool,
    pub starts_at_ms: Option<i64>,
    pub ends_at_ms: Option<i64>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub organizer_id: String,
    pub organizer_mailbox: String,
    pub saved_by_mailbox: String,
    pub saved_at_ms: i64,
    pub cancelled: bool,
    /// The sort key: when the meeting starts (UTC ms; all-day: midnight UTC).
    pub sort_ms: i64,
}

/// Which of a record's meetings a reader sees, one page at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordEventsQuery<'a> {
    pub tenant_id: &'a TenantId,
    pub record_id: &'a str,
    pub viewer_id: &'a UserId,
    /// Administrators see every Organizer's; others their own and those shared with them.
    pub all_organizers: bool,
    /// Where the previous page ended: (start, event id).
    pub before: Option<(i64, String)>,
    pub limit: u32,
}

#[async_trait]
pub trait RecordStore: Send + Sync {
    /// The record (deleted or not) with the reader's share of it.
    async fn record(
        &self,
        tenant_id: &TenantId,
        id: &str,
        reader_id: &UserId,
    ) -> Result<Option<RecordRead>, StoreError>;
    /// Whom the record is shared with: (mailbox, share), by mailbox.
    async fn record_shares(
        &self,
        tenant_id: &TenantId,
        id: &str,
    ) -> Result<Vec<(String, Share)>, StoreError>;
    /// Creates a record owned by `owner_id`, with its audit line and, under an idempotency
    /// key, its answer; a key used before replays.
    async fn create_record(
        &self,
        record: RecordCreate<'_>,
        audit: &AuditEntry,
        idempotency: Option<&IdempotencyKey>,
        respond: &RespondRecord,
    ) -> Result<Idempotent<StoredResponse>, StoreError>;
    /// Writes `fields` over a live record at version `expected`.
    async fn update_record(
        &self,
        tenant_id: &TenantId,
        id: &str,
        fields: &RecordFields,
        expected: i64,
        actor_id: &UserId,
        audit: &AuditEntry,
    ) -> Result<RecordWrite, StoreError>;
    /// Deletes (softly) a live record at version `expected`; `None` for any version.
    async fn delete_record(
        &self,
        tenant_id: &TenantId,
        id: &str,
        expected: Option<i64>,
        actor_id: &UserId,
        audit: &AuditEntry,
    ) -> Result<RecordWrite, StoreError>;
    /// Brings a deleted record back.
    async fn restore_record(
        &self,
        tenant_id: &TenantId,
        id: &str,
        actor_id: &UserId,
        audit: &AuditEntry,
    ) -> Result<RecordWrite, StoreError>;
    /// Shares a record with a user (`Some`) or ends the share (`None`), with its audit line.
    async fn set_record_share(
        &self,
        tenant_id: &TenantId,
        id: &str,
        user_id: &UserId,
        share: Option<Share>,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;
    /// Shares an Organizer's CRM calendar with a delegate, or ends the share.
    async fn set_calendar_share(
        &self,
        tenant_id: &TenantId,
        organizer_id: &UserId,
        delegate_id: &UserId,
        share: Option<Share>,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;
    /// Whom an Organizer's CRM calendar is shared with: (mailbox, share), by mailbox.
    async fn calendar_shares(
        &self,
        tenant_id: &TenantId,
        organizer_id: &UserId,
    ) -> Result<Vec<(String, Share)>, StoreError>;
    /// The records of `kind` with these external ids (deleted ones too), with their addresses.
    async fn records_by_external_ids(
        &self,
        tenant_id: &TenantId,
        kind: RecordKind,
        external_ids: &[String],
    ) -> Result<Vec<StoredRecord>, StoreError>;
    /// The records of `kind` with these (Liaison) ids, deleted ones too, with their addresses.
    async fn records_by_ids(
        &self,
        tenant_id: &TenantId,
        kind: RecordKind,
        ids: &[String],
    ) -> Result<Vec<StoredRecord>, StoreError>;
    /// Writes one batch of an import, with its audit line, in one transaction; new records
    /// are owned by `actor_id`.
    async fn import_records(
        &self,
        tenant_id: &TenantId,
        actor_id: &UserId,
        batch: &[ImportWrite],
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;
    /// Those of `ids` that are live accounts of the tenant.
    async fn live_accounts(
        &self,
        tenant_id: &TenantId,
        ids: &[String],
    ) -> Result<std::collections::HashSet<String>, StoreError>;
    /// One page of the tenant's live records (of `kind`, when given), by id after `after`.
    async fn export_records(
        &self,
        tenant_id: &TenantId,
        kind: Option<RecordKind>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<StoredRecord>, StoreError>;
    /// The meetings a record is linked to that the reader may see, newest first.
    async fn record_events(
        &self,
        query: &RecordEventsQuery<'_>,
    ) -> Result<Vec<RecordEventRow>, StoreError>;
}
