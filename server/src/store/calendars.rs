//! What the CRM page reads of the Organizers' CRM calendars: which ones a person may read, the
//! CRM events in one of them over a span of time, and the records linked to those events that
//! the person may see.

use async_trait::async_trait;
use liaison_domain::api::CrmRecord;

use crate::store::error::StoreError;
use crate::store::ids::{TenantId, UserId};

/// An Organizer's CRM calendar someone may read, and how.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReadableCalendar {
    pub mailbox: String,
    pub display_name: String,
    /// `owner` (their own), `view` or `edit` (shared with them), `admin` (an administrator's
    /// reading of another's).
    pub access: String,
}

/// A CRM event as an Organizer's CRM calendar lists it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CalendarEventRow {
    pub event_id: String,
    pub subject: String,
    pub is_private: bool,
    pub starts_at_ms: Option<i64>,
    pub ends_at_ms: Option<i64>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    /// Who first saved it (the Organizer, a delegate, or the Organizer's sync by category).
    pub created_by_mailbox: String,
    pub created_at_ms: i64,
    pub via_category: bool,
    pub cancelled: bool,
    /// The sort key: when the meeting starts (UTC ms; all-day: midnight UTC).
    pub sort_ms: i64,
}

pub struct CalendarEventsQuery<'a> {
    pub tenant_id: &'a TenantId,
    pub organizer_id: &'a UserId,
    /// Meetings starting in `[from_ms, to_ms)`.
    pub from_ms: i64,
    pub to_ms: i64,
    pub limit: u32,
}

#[async_trait]
pub trait CalendarStore: Send + Sync {
    /// The CRM calendars `viewer_id` may read: their own first, then those shared with them —
    /// and, for an administrator (`all`), every Organizer's with CRM events — by name.
    async fn readable_calendars(
        &self,
        tenant_id: &TenantId,
        viewer_id: &UserId,
        all: bool,
    ) -> Result<Vec<ReadableCalendar>, StoreError>;

    /// The live CRM events of one Organizer's calendar in a span, by start.
    async fn calendar_events(
        &self,
        query: &CalendarEventsQuery<'_>,
    ) -> Result<Vec<CalendarEventRow>, StoreError>;

    /// The records linked to `event_ids` that `viewer_id` may see: (event id, record), by name.
    async fn linked_records(
        &self,
        tenant_id: &TenantId,
        viewer_id: &UserId,
        event_ids: &[String],
    ) -> Result<Vec<(String, CrmRecord)>, StoreError>;
}
