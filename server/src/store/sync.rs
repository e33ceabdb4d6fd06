//! What sync sessions keep: one job per Organizer (leased to one worker at a time, with its
//! delta cursor), the links between Graph items and CRM events, the outbox of queued saves,
//! and the category removals owed to Outlook.

use async_trait::async_trait;

use crate::store::audit::AuditEntry;
use crate::store::crm::{EventType, EventWrite};
use crate::store::error::StoreError;
use crate::store::ids::{EventId, TenantId, UserId, UserKey};

/// A save waiting in the outbox for the Organizer's next sync session.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct QueuedSave {
    pub id: String,
    pub requested_by_id: UserId,
    /// The save request, as JSON.
    pub payload: String,
    /// The meeting's iCalUId when it was known at the time (empty for a composed meeting).
    pub ical_uid: String,
    /// The item's REST id as the pane named it, when it had one.
    pub item_id: Option<String>,
    /// How often carrying it out failed.
    pub attempts: i32,
    pub created_at_ms: i64,
}

/// A worker's hold on a sync job, until `until_ms` unless renewed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub worker: String,
    pub until_ms: i64,
}

/// The calendarView window of a delta cursor (UTC, RFC 3339).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncWindow {
    pub start: String,
    pub end: String,
}

/// A claimed sync job: everything a session needs to resume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncJob {
    pub organizer: UserKey,
    pub delta_link: Option<String>,
    pub window: SyncWindow,
    pub category_id: Option<String>,
    pub category_name: Option<String>,
    /// An administrator resumed the job after the breaker stopped it: the next session may
    /// make the cancellations it found.
    pub breaker_confirmed: bool,
    /// The worker whose expired lease this claim took over (it died, or stalled, mid-session).
    pub taken_over_from: Option<String>,
    pub lease: Lease,
}

/// How a job looks from outside (the sidebar's settings, the admin).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncJobStatus {
    pub due_at_ms: i64,
    pub running: bool,
    pub runs: i64,
    pub has_cursor: bool,
    pub last_finished_at_ms: Option<i64>,
    pub last_error_code: Option<String>,
    pub last_error_message: Option<String>,
    pub breaker_tripped: bool,
}

/// What a Graph item already is to the CRM: the CRM event that follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphLink {
    pub event_id: EventId,
    pub ical_uid: String,
    pub via_category: bool,
    pub following: bool,
    pub event_type: EventType,
    /// Deleted in the CRM: never synced again.
    pub deleted: bool,
    /// When the CRM event starts (UTC ms; midnight UTC of an all-day event's date): a delta
    /// `@removed` for an item outside the synced window is no deletion.
    pub starts_at_ms: Option<i64>,
}

/// One Graph item as a sync session writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncedItem {
    pub graph_id: String,
    pub ical_uid: String,
    pub write: EventWrite,
    pub event_type: EventType,
    pub series_master_graph_id: Option<String>,
    /// Synced because it carries the CRM category (else: it was saved from the sidebar).
    pub via_category: bool,
    /// The meeting's organizer as Graph names them (an invitation's sender).
    pub organizer_address: Option<String>,
    /// The addresses automatic linking matches (the session fills them from the tenant's
    /// policy).
    pub link_addresses: Vec<String>,
}

/// One change a sync session makes to the CRM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncWrite {
    /// Create or update the CRM event of the item (never one deleted in the CRM).
    Upsert(Box<SyncedItem>),
    /// The item was deleted or cancelled in Outlook: the CRM event is marked cancelled.
    Cancel { graph_id: String },
    /// The CRM category was removed: the CRM event stays, its changes are no longer followed.
    Unfollow { graph_id: String },
    /// A single item became a series: its CRM event now stands for the series master.
    BecameSeries { graph_id: String },
}

/// The cursor a complete delta round leaves, committed with its last changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncCursor {
    pub delta_link: String,
    pub window: SyncWindow,
    pub category_id: String,
    pub category_name: String,
}

/// How a session ended, for the job's next run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobOutcome {
    pub next_due_ms: i64,
    /// Why it failed, if it did.
    pub error: Option<JobError>,
    /// The circuit breaker tripped: no session runs until an admin resets it.
    pub trip_breaker: bool,
}

/// A failed session's error, as `GET /api/sync` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobError {
    pub code: String,
    pub message: String,
}

/// A category removal owed to Outlook (a CRM event was deleted).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CategoryRemoval {
    pub graph_event_id: String,
    pub event_id: EventId,
    pub ical_uid: String,
    pub attempts: i32,
}

#[async_trait]
pub trait SyncStore: Send + Sync {
    /// Creates the Organizer's sync job if it has none (due at once); a job left by an earlier
    /// sign-in is kept with its cursor.
    async fn ensure_sync_job(
        &self,
        organizer: &UserKey,
        window: &SyncWindow,
        now_ms: i64,
    ) -> Result<(), StoreError>;
    /// Leases a job to `lease.worker`: the given Organizer's (whether due or not: "Sync now"), or
    /// else the most overdue one. Never a job another worker holds unexpired, nor one whose
    /// breaker tripped. PostgreSQL picks with `FOR UPDATE SKIP LOCKED`; SQLite's single writer
    /// makes the same statement atomic.
    async fn claim_sync_job(
        &self,
        only: Option<&UserKey>,
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
        organizer: &UserKey,
        worker: &str,
        outcome: &JobOutcome,
        now_ms: i64,
    ) -> Result<(), StoreError>;
    async fn sync_job_status(
        &self,
        organizer: &UserKey,
        now_ms: i64,
    ) -> Result<Option<SyncJobStatus>, StoreError>;
    /// Lets sessions run again after the circuit breaker stopped them (an admin checked): the
    /// next session makes the cancellations it finds, then the breaker guards again.
    async fn reset_sync_breaker(&self, organizer: &UserKey) -> Result<(), StoreError>;
    /// Every Organizer of the tenant finds the CRM category anew, by the tenant's name for it,
    /// in a full round (the administrators renamed it: items already carrying the new name are
    /// read too); their jobs are due now.
    async fn forget_crm_categories(&self, tenant_id: &TenantId) -> Result<(), StoreError>;
    /// Makes the Organizer's job due now (a change notification came).
    async fn request_sync(&self, organizer: &UserKey) -> Result<(), StoreError>;

    /// What the CRM knows of these Graph items of the Organizer's mailbox.
    async fn graph_links(
        &self,
        organizer: &UserKey,
        graph_ids: &[String],
    ) -> Result<Vec<(String, GraphLink)>, StoreError>;
    /// The Graph ids of the Organizer's followed items whose CRM event is live and starts in
    /// `[start_ms, end_ms)`, series masters aside (calendarView never lists them): after a
    /// complete full round, those it did not list are gone from Outlook.
    async fn followed_in_window(
        &self,
        organizer: &UserKey,
        start_ms: i64,
        end_ms: i64,
    ) -> Result<Vec<String>, StoreError>;
    /// The Organizer's CRM events that are neither cancelled nor deleted (the breaker's base).
    async fn active_synced_events(&self, organizer: &UserKey) -> Result<i64, StoreError>;

    /// The Organizer's queued saves, oldest first, at most `at_most` of them.
    async fn queued_saves(
        &self,
        organizer: &UserKey,
        at_most: i64,
    ) -> Result<Vec<QueuedSave>, StoreError>;
    /// Removes a queued save that will not be written (the rules refuse it now), with the
    /// refusal's audit line in the same transaction.
    async fn drop_queued_save(
        &self,
        tenant_id: &TenantId,
        outbox_id: &str,
        audit: Option<&AuditEntry>,
    ) -> Result<(), StoreError>;

    /// Counts a failed attempt to carry out a queued save (`message`: why, in words); the
    /// attempts so far.
    async fn note_queued_save_failure(
        &self,
        tenant_id: &TenantId,
        outbox_id: &str,
        message: &str,
    ) -> Result<i32, StoreError>;
    /// Gives up on a queued save: removes it, marks the item failed (`queued_save_failed`,
    /// `message`) when its iCalUId is known, and audits it — in one transaction. `false` when
    /// it was gone already.
    async fn dead_letter_queued_save(
        &self,
        organizer: &UserKey,
        queued: &QueuedSave,
        message: &str,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError>;
    /// Extends the lease `job` holds (the session's heartbeat); `false` when another worker
    /// holds it now.
    async fn renew_sync_lease(
        &self,
        job: &SyncJob,
        lease_until_ms: i64,
        now_ms: i64,
    ) -> Result<bool, StoreError>;

    /// The category removals owed to the Organizer's items.
    async fn category_removals(
        &self,
        organizer: &UserKey,
    ) -> Result<Vec<CategoryRemoval>, StoreError>;
    /// A removal done (`None`) or failed (`Some(message)`: kept for the next session, the
    /// item's status shows it).
    async fn finish_category_removal(
        &self,
        organizer: &UserKey,
        removal: &CategoryRemoval,
        failure: Option<&str>,
    ) -> Result<(), StoreError>;
}
