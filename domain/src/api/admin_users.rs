//! `GET /api/admin/users`: every person Liaison knows in the administrator's tenant — as an
//! Organizer (sync, connection, last session, failed items) and as a delegate (whose calendars,
//! at which level, verified when, and whether Microsoft's accounts disagreed).

use serde::{Deserialize, Serialize};

use crate::api::items::ConnectionState;
use crate::permissions::Level;

/// One page of people, by mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UserPage {
    pub users: Vec<AdminUser>,
    /// Pass as `cursor` for the next page; absent on the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AdminUser {
    pub mailbox: String,
    pub display_name: String,
    pub organizer: OrganizerState,
    /// The calendars this person is a delegate of, as Microsoft confirmed at the last check.
    pub delegate_of: Vec<DelegateOf>,
    /// Something here needs an administrator or the person: a connection to renew, a sync
    /// stopped or failing, failed items, or Microsoft's accounts of a delegation disagreeing.
    pub needs_attention: bool,
}

/// The person as an Organizer: their own calendar's sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct OrganizerState {
    pub sync_enabled: bool,
    /// Their Microsoft 365 connection.
    pub connection: ConnectionState,
    /// When their last sync session finished (RFC 3339); absent: none ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_session_at: Option<String>,
    /// Why it failed (an error code); absent when it succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// The circuit breaker stopped their sync: an administrator must resume it.
    pub sync_stopped: bool,
    /// Items whose sync failed (a queued save given up on, a category that could not be
    /// removed).
    pub failed_items: u32,
}

/// A calendar the person is a delegate of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DelegateOf {
    pub owner: String,
    /// The level the permission rules gave at the check.
    pub level: Level,
    /// When Microsoft was last asked (RFC 3339); the answer is trusted a few minutes only.
    pub verified_at: String,
    /// The owner's list and the delegate's own view of the calendar disagreed (the rules took
    /// the least of them).
    pub conflict: bool,
}
