//! The JSON of the Organizers' CRM calendars as the CRM page reads them: which ones a person
//! may read, and the meetings of one over a span of days, with who saved each and the records
//! linked to it.

use serde::{Deserialize, Serialize};

use super::items::{CrmRecord, Person};

/// `GET /api/crm/calendars`: one CRM calendar the user may read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CrmCalendar {
    pub mailbox: String,
    pub display_name: String,
    /// `owner`, `view` or `edit` (shared with the user), `admin` (read as an administrator).
    pub access: String,
}

/// One meeting of an Organizer's CRM calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CalendarEvent {
    pub event_id: String,
    /// "Private appointment" for another's private meeting.
    pub subject: String,
    /// RFC 3339 (UTC) for a timed meeting, `YYYY-MM-DD` for an all-day one.
    pub start: String,
    pub end: String,
    pub is_all_day: bool,
    /// Who saved it first: the Organizer, a delegate — or the Organizer, when their sync
    /// brought it in by its category (`syncedByCategory`).
    pub saved_by: String,
    /// The Organizer, when a delegate saved it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_behalf_of: Option<String>,
    pub saved_at: String,
    pub synced_by_category: bool,
    pub cancelled: bool,
    /// The records linked to it that the user may see.
    pub records: Vec<CrmRecord>,
}

/// `GET /api/crm/calendars/{mailbox}/events?from=&to=`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CalendarEvents {
    pub organizer: Person,
    /// The span read, `YYYY-MM-DD` (UTC days, `to` excluded).
    pub from: String,
    pub to: String,
    pub events: Vec<CalendarEvent>,
    /// More meetings in the span than one answer holds (500): ask a shorter span.
    pub truncated: bool,
}
