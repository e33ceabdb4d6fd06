//! The CRM: records and who may see them, CRM events (one per Organizer and `iCalUId`) and
//! their linked records, shares of an Organizer's CRM calendar, the per-item sync status, and
//! the idempotency keys that make a save safe to retry.

use async_trait::async_trait;
use liaison_domain::api::{CrmRecord, RecordKind};
use liaison_domain::permissions::CrmAccess;

use crate::store::audit::AuditEntry;
use crate::store::error::StoreError;
use crate::store::ids::{EventId, TenantId, UserId};

/// Read or edit: what a share grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Share {
    View,
    Edit,
}

liaison_domain::wire_names!(Share {
    View => "view",
    Edit => "edit",
});

impl Share {
    /// The share as the permission rules see it.
    pub fn crm_access(share: Option<Self>) -> CrmAccess {
        match share {
            None => CrmAccess::None,
            Some(Self::View) => CrmAccess::Read,
            Some(Self::Edit) => CrmAccess::Edit,
        }
    }
}

/// A CRM record to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRecord {
    pub id: String,
    pub kind: RecordKind,
    pub name: String,
    pub email: Option<String>,
    pub company: Option<String>,
    pub owner_id: UserId,
}

impl NewRecord {
    /// The lower-case words search matches by prefix, each preceded by a space.
    pub fn search_text(&self) -> String {
        let mut parts = vec![self.name.as_str()];
        parts.extend(self.email.as_deref());
        parts.extend(self.company.as_deref());
        search_text(&parts)
    }
}

/// The lower-case words of `parts` search matches by prefix, each preceded by a space; an
/// e-mail address also whole, so `ann@con` finds it.
pub fn search_text(parts: &[&str]) -> String {
    let mut text = String::new();
    for part in parts {
        for word in part.split(|c: char| !c.is_alphanumeric() && c != '@' && c != '.') {
            if !word.is_empty() {
                text.push(' ');
                text.push_str(&word.to_lowercase());
            }
        }
        if part.contains('@') {
            text.push(' ');
            text.push_str(&part.to_lowercase());
        }
    }
    text
}

/// A search of the records a user may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordQuery {
    /// Words; every one must start a word of the record (case-insensitive). Empty: everything.
    pub words: Vec<String>,
    pub kind: Option<RecordKind>,
    pub limit: u32,
    /// Where the previous page ended.
    pub after: Option<RecordCursor>,
}

/// A keyset cursor: the last record of the previous page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordCursor {
    pub name: String,
    pub id: String,
}

/// When an event takes place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventTime {
    /// UTC instants, in milliseconds.
    Timed { start_ms: i64, end_ms: i64 },
    /// Dates (`YYYY-MM-DD`), end exclusive as Graph gives them.
    AllDay {
        start_date: String,
        end_date: String,
    },
}

/// What a save writes into a CRM event: Microsoft Graph's account of the meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventWrite {
    pub subject: String,
    pub time: EventTime,
    pub time_zone: String,
    pub location: String,
    /// Attendees' addresses, lower-case.
    pub attendees: Vec<String>,
    pub is_private: bool,
}

/// Graph's `type` of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    SingleInstance,
    Occurrence,
    Exception,
    SeriesMaster,
}

liaison_domain::wire_names!(EventType {
    SingleInstance => "singleInstance",
    Occurrence => "occurrence",
    Exception => "exception",
    SeriesMaster => "seriesMaster",
});

impl EventType {
    /// Graph's name of the type; anything unknown is a single instance.
    pub fn of_graph(text: &str) -> Self {
        Self::parse(text).unwrap_or(Self::SingleInstance)
    }
}

/// A CRM event as stored, with the records linked to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    pub id: EventId,
    pub organizer_mailbox: String,
    pub ical_uid: String,
    pub write: EventWrite,
    pub cancelled: bool,
    /// Deleted in the CRM: kept as history, shown to nobody, never written again.
    pub deleted: bool,
    pub created_by_mailbox: String,
    pub modified_by_mailbox: String,
    pub records: Vec<CrmRecord>,
    /// The item's sync status, read with the event (one statement for both, as a context
    /// needs both): what [`CrmStore::item_status`] answers for the same key.
    pub status: Option<StoredStatus>,
}

/// Where an item is on its way to the CRM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemSyncState {
    Queued,
    Synced,
    Failed,
}

liaison_domain::wire_names!(ItemSyncState {
    Queued => "queued",
    Synced => "synced",
    Failed => "failed",
});

/// Per-item sync status as stored; no row means "not synced".
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredStatus {
    #[sqlx(try_from = "String")]
    pub state: ItemSyncState,
    pub synced_at_ms: Option<i64>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
}

/// A save the rules allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveCommand {
    pub tenant_id: TenantId,
    /// Who pressed Save.
    pub actor_id: UserId,
    pub organizer_id: UserId,
    /// The meeting's `iCalUId` (empty for a save waiting for its item to appear).
    pub ical_uid: String,
    /// The item's immutable Graph id in the organizer's mailbox.
    pub graph_event_id: Option<String>,
    pub event: EventWrite,
    pub event_type: EventType,
    /// The series master's Graph id, for an occurrence or an exception.
    pub series_master_graph_id: Option<String>,
    /// Records to link; each must exist in the tenant and be visible to the actor (checked by
    /// the caller before).
    pub link_record_ids: Vec<String>,
    /// The meeting's addresses automatic linking matches (the tenant's policy applied): the
    /// Organizer's contacts and leads with one of them are linked too.
    pub link_addresses: Vec<String>,
    /// Write now, or queue for the next sync session.
    pub queue: Option<QueueWrite>,
    pub idempotency: Option<IdempotencyKey>,
    /// The queued save this command carries out (a sync session draining the outbox): its
    /// outbox row goes in the same transaction.
    pub outbox_id: Option<String>,
}

/// A save going to the outbox instead of the CRM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueWrite {
    /// The save request, as JSON.
    pub payload: String,
    /// The item's REST id as the pane named it (how a composed item's status is found, and
    /// the item a dead-lettered save flags in Outlook).
    pub item_id: Option<String>,
}

/// A client's `Idempotency-Key` and the hash of the request it came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    pub key: String,
    pub request_hash: String,
}

impl IdempotencyKey {
    /// The longest key accepted.
    pub const MAX: usize = 255;

    /// `key` with the SHA-256 of `request` (the bytes that say what was asked: the same key
    /// with other bytes is a reuse); why not, when the key is not 1 to [`Self::MAX`] visible
    /// ASCII characters.
    pub fn of(key: &str, request: &[u8]) -> Result<Self, String> {
        if key.is_empty() || key.len() > Self::MAX || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(format!(
                "must be 1 to {} visible ASCII characters",
                Self::MAX
            ));
        }
        let digest = <sha2::Sha256 as sha2::Digest>::digest(request);
        Ok(Self {
            key: key.to_owned(),
            request_hash: digest.iter().map(|b| format!("{b:02x}")).collect(),
        })
    }
}

/// A response kept for replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub body: String,
}

/// What a write under an idempotency key came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Idempotent<T> {
    /// Done now.
    Fresh(T),
    /// The key was used before with the same request: its first answer.
    Replayed(StoredResponse),
    /// The key was used before with another request.
    KeyReused,
}

/// Builds the response a save answers with, from what the save wrote.
pub type Respond = dyn Fn(Option<&StoredEvent>, &StoredStatus) -> StoredResponse + Send + Sync;

/// An Organizer's CRM event, by its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventKey<'a> {
    pub tenant_id: &'a TenantId,
    pub organizer_id: &'a UserId,
    pub ical_uid: &'a str,
}

#[async_trait]
pub trait CrmStore: Send + Sync {
    async fn insert_record(
        &self,
        tenant_id: &TenantId,
        record: &NewRecord,
    ) -> Result<(), StoreError>;
    async fn share_record(
        &self,
        tenant_id: &TenantId,
        record_id: &str,
        user_id: &UserId,
        share: Share,
    ) -> Result<(), StoreError>;
    /// The records `viewer_id` owns or has been shared, matching `query`, by name; at most
    /// `query.limit` of them.
    async fn search_records(
        &self,
        tenant_id: &TenantId,
        viewer_id: &UserId,
        query: &RecordQuery,
    ) -> Result<Vec<CrmRecord>, StoreError>;
    /// The live contacts and leads `viewer_id` may see that have one of `addresses`
    /// (lower-case), each with the address it has, by name.
    async fn records_by_address(
        &self,
        tenant_id: &TenantId,
        viewer_id: &UserId,
        addresses: &[String],
    ) -> Result<Vec<(String, CrmRecord)>, StoreError>;
    /// Those of `ids` that exist in the tenant and `viewer_id` may see.
    async fn visible_records(
        &self,
        tenant_id: &TenantId,
        viewer_id: &UserId,
        ids: &[String],
    ) -> Result<Vec<CrmRecord>, StoreError>;

    /// An Organizer shares their CRM calendar with a Delegate.
    async fn share_crm_calendar(
        &self,
        tenant_id: &TenantId,
        organizer_id: &UserId,
        delegate_id: &UserId,
        share: Share,
    ) -> Result<(), StoreError>;
    async fn crm_calendar_share(
        &self,
        tenant_id: &TenantId,
        organizer_id: &UserId,
        delegate_id: &UserId,
    ) -> Result<Option<Share>, StoreError>;

    /// The CRM event of (organizer, iCalUId), with its linked records.
    async fn find_event(&self, key: EventKey<'_>) -> Result<Option<StoredEvent>, StoreError>;
    async fn item_status(&self, key: EventKey<'_>) -> Result<Option<StoredStatus>, StoreError>;

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
        tenant_id: &TenantId,
        event_id: &EventId,
        record_id: &str,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError>;
    /// Detaches an item from its CRM event (which stays, with its history).
    async fn detach_item(
        &self,
        key: EventKey<'_>,
        event_id: &EventId,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;

    /// What an earlier request under `key` answered, if there was one.
    async fn check_idempotency(
        &self,
        tenant_id: &TenantId,
        user_id: &UserId,
        key: &IdempotencyKey,
    ) -> Result<Option<Idempotent<StoredResponse>>, StoreError>;
    /// Writes a refusal to the audit log, with its response under the idempotency key.
    async fn record_refusal(
        &self,
        audit: &AuditEntry,
        idempotency: Option<(&IdempotencyKey, &StoredResponse)>,
    ) -> Result<Idempotent<()>, StoreError>;

    /// Deletes a CRM event in the CRM (kept as history, never synced again) and owes Outlook
    /// the removal of its category on every linked item; `false` when there is no such event.
    async fn delete_crm_event(
        &self,
        tenant_id: &TenantId,
        event_id: &EventId,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError>;
    /// The Organizer of a CRM event not deleted yet.
    async fn event_organizer(
        &self,
        tenant_id: &TenantId,
        event_id: &EventId,
    ) -> Result<Option<UserId>, StoreError>;
    /// How many saves wait in the Organizer's outbox: in all, and queued by `requester`.
    async fn queued_counts(
        &self,
        tenant_id: &TenantId,
        organizer_id: &UserId,
        requester_id: &UserId,
    ) -> Result<(i64, i64), StoreError>;
    /// Whether a save waits in the outbox for the Organizer's item with this REST id.
    async fn pending_save(
        &self,
        tenant_id: &TenantId,
        organizer_id: &UserId,
        item_id: &str,
    ) -> Result<bool, StoreError>;
}
