//! The record store: narrow traits per area, one SQL implementation for two backends chosen
//! by the database URL.
//!
//! - [`IdentityStore`] (`identity.rs`): tenants, people, verified delegations, sessions,
//!   sign-in flows, connections, admin consent.
//! - [`CrmStore`] (`crm.rs`): records and shares, CRM events and their links, item status,
//!   idempotent saves.
//! - [`SyncStore`] (`sync.rs`): sync jobs and their leases, Graph links, the outbox, category
//!   removals. [`SubscriptionStore`] (`subscriptions.rs`): change-notification subscriptions.
//! - [`ChangeFeed`] (`changes.rs`): the CRM's changes in commit order; [`WebhookStore`]
//!   (`webhooks.rs`): the webhooks that deliver them, their leases and dead letters.
//! - [`BookingStore`] (`bookings.rs`): booking links, their bookings, and the claims that let
//!   one of two invitees racing for a time book it.
//! - [`CalendarStore`] (`calendars.rs`): the Organizers' CRM calendars as the CRM page reads
//!   them.
//! - [`AuditLog`] (`audit.rs`): the append-only audit log.
//! - [`Operations`] (`operations.rs`): what the administrators' console and the metrics read —
//!   sync sessions' history, the jobs the circuit breaker stopped, the work waiting.
//!
//! Callers take the narrowest trait they need; [`Store`] is all of them, what the server
//! holds. `sql/` implements them once for SQLite (embedded, the default; one file, WAL journal)
//! and PostgreSQL (several server instances sharing one store), each on its own driver. Each
//! backend has its own migrations (`server/migrations/<backend>/`), applied at start-up and by
//! `liaison migrate`.
//!
//! **Invariants:** every method takes the tenant (or a key holding it) and every query is
//! scoped by it; a shipped migration is never edited; the audit log is append-only (enforced
//! by triggers).

mod audit;
mod bookings;
mod calendars;
mod changes;
mod crm;
mod error;
mod identity;
mod ids;
mod maintenance;
mod operations;
mod records;
mod sql;
mod subscriptions;
mod sync;
mod url;
mod webhooks;

use std::sync::Arc;

pub use audit::{AuditAction, AuditEntry, AuditFilter, AuditLog, AuditRecord, AuditView};
pub use bookings::{
    BookingStart, BookingStore, CLAIM_CELL_MS, LinksOf, NewBookingLink, StoredBooking,
    StoredBookingLink,
};
pub use calendars::{CalendarEventRow, CalendarEventsQuery, CalendarStore, ReadableCalendar};
pub use changes::{Change, ChangeEntity, ChangeFeed, ChangeKind, StoredChange};
pub use crm::{
    CrmStore, EventKey, EventTime, EventType, EventWrite, IdempotencyKey, Idempotent,
    ItemSyncState, NewRecord, QueueWrite, RecordCursor, RecordQuery, Respond, SaveCommand, Share,
    StoredEvent, StoredResponse, StoredStatus,
};
pub use error::StoreError;
pub use identity::{
    AdminConsent, CalendarView, Connection, ConnectionStatus, Delegation, DelegationCheck,
    DomainList, FlowPurpose, IdentityStore, LiveSession, NewSession, OwnerStanding, Provider,
    SessionCutoffs, SignInFlow, SignedIn, SsoOrigin, Tenant, User,
};
pub use ids::{EventId, TenantId, UserId, UserKey};
#[cfg(feature = "test-support")]
pub use maintenance::CountedTable;
pub use maintenance::{Backend, GrowthWatch, Maintenance, PurgeBefore, Purged};
pub use operations::{
    DelegationRecord, Operations, PeopleQuery, PersonRecord, QueueDepth, SessionLine, SessionQuery,
    StoppedJob, SyncSessionRecord,
};
pub use records::{
    ImportWrite, RecordCreate, RecordEventRow, RecordEventsQuery, RecordRead, RecordStore,
    RecordWrite, RespondRecord, StoredRecord,
};
pub use subscriptions::{GraphSubscription, SubscriptionStore};
pub use sync::{
    CategoryRemoval, GraphLink, JobError, JobOutcome, Lease, QueuedSave, SyncCursor, SyncJob,
    SyncJobStatus, SyncStore, SyncWindow, SyncWrite, SyncedItem,
};
pub use url::DatabaseUrl;
pub use webhooks::{Attempt, DeadLetter, NewWebhook, StoredWebhook, WebhookStore};

/// Every area of the record store: what the server holds and hands each part the slice of.
pub trait Store:
    IdentityStore
    + CrmStore
    + SyncStore
    + SubscriptionStore
    + AuditLog
    + Operations
    + RecordStore
    + ChangeFeed
    + WebhookStore
    + BookingStore
    + CalendarStore
    + Maintenance
    + 'static
{
}

impl<T> Store for T where
    T: IdentityStore
        + CrmStore
        + SyncStore
        + SubscriptionStore
        + AuditLog
        + Operations
        + RecordStore
        + ChangeFeed
        + WebhookStore
        + BookingStore
        + CalendarStore
        + Maintenance
        + 'static
{
}

/// Opens the store `url` names (SQLite files are created when missing).
pub async fn connect(url: &DatabaseUrl) -> Result<Arc<dyn Store>, StoreError> {
    Ok(Arc::new(sql::SqlStore::connect(url).await?))
}
