//! The item and CRM endpoints: an item's CRM context, saving it, unlinking it, its sync status,
//! and searching CRM records.

use serde::{Deserialize, Serialize};

use super::resolve::ResolveResponse;

/// Which calendar item: the client names it, the server learns everything else about it from
/// Microsoft Graph (existence, `iCalUId`, creator, privacy, times, attendees…). A field the
/// server no longer trusts (an older pane's `icalUid`, `createdBy`, `isPrivate`, `mode`, …) is
/// refused with `400 invalid_body` naming it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ItemRef {
    /// The calendar owner's mailbox (Office.js `sharedProperties.owner`, or the user's own).
    pub owner: String,
    /// The item's REST id: Office.js `convertToRestId(itemId, v2.0)`, or of the id
    /// `getItemIdAsync`/`saveAsync` gives in compose mode. Absent for a new meeting that is not
    /// saved yet (its context then describes what the user may do with a meeting they create).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_id: Option<String>,
    /// `delegatePermissions` from Office.js, when the item is in a shared folder. It can lower
    /// what the server verified, never raise it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office_delegate_permissions: Option<u32>,
    /// What Outlook shows of an item that exists — its times and subject — for the server to
    /// find it in the owner's calendar when Office.js gives no id for it, or one Graph does not
    /// know (open Outlook issues in shared calendars). Never sent for a meeting being composed
    /// without an id (it may be new).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lookup: Option<ItemLookup>,
}

/// An item as Outlook shows it: a hint to find it, never a fact. The server judges only the
/// item Graph returns, and only when exactly one item of the owner's calendar matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ItemLookup {
    /// RFC 3339, e.g. `2026-12-07T09:00:00.000Z` (Office.js `start`, a `Date`, as ISO text).
    pub start: String,
    pub end: String,
    pub subject: String,
}

/// `POST /api/items/context`: what the signed-in user may do with the item, and its CRM state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ItemContext {
    /// The calendar owner, as the directory knows them.
    pub owner: Person,
    /// The verdicts, from the server-verified delegate level (lowered by the client's bits).
    pub permissions: ResolveResponse,
    /// The CRM event, when there is one and the user may see it.
    pub crm_event: Option<CrmEvent>,
    pub status: ItemStatus,
    /// The tenant's CRM category: giving an item this category syncs it.
    pub crm_category: CrmCategory,
    /// Why the server could confirm less than usual (the Organizer's delegate list could not be
    /// read, the item is not in the calendar yet…), for the sidebar to say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<String>,
    /// Graph's id of the item, when the server found it by its times ([`ItemLookup`]) because
    /// Office.js gave no usable one: the pane names the item by it from then on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_id: Option<String>,
    /// The meeting's organizer and attendees as Microsoft Graph showed the item to the user
    /// (none when they may not see its details), each with the contact or lead their address
    /// matches among the records the user may see.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attendees: Vec<Attendee>,
}

/// One of a meeting's people, and the CRM contact or lead their address matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Attendee {
    /// Lower-case.
    pub address: String,
    /// As Graph gives it (may be empty, or the address again).
    pub name: String,
    #[serde(default)]
    pub is_organizer: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<CrmRecord>,
}

/// The Outlook category that marks items for the CRM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CrmCategory {
    pub name: String,
    /// An Office `CategoryColor` preset (`Preset7` is blue).
    pub color: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Person {
    pub mailbox: String,
    pub display_name: String,
}

/// `POST /api/items/save` (with an `Idempotency-Key` header): create or update the item's CRM
/// event from what Microsoft Graph says of the item, and link records to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SaveItemRequest {
    pub item: ItemRef,
    /// CRM records to link (added to those already linked).
    #[serde(default)]
    pub link_record_ids: Vec<String>,
}

/// How a save ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveOutcome {
    /// Written to the CRM now (insta-sync on, or an update).
    Synced,
    /// Accepted and queued: the next sync session writes it (insta-sync off, or the item is not
    /// in the owner's calendar yet — Outlook in cached mode uploads it a little later).
    Queued,
}

crate::wire_names!(SaveOutcome {
    Synced => "synced",
    Queued => "queued",
});

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SaveItemResponse {
    pub outcome: SaveOutcome,
    /// The CRM event as it is now; `null` while a first save is queued.
    pub crm_event: Option<CrmEvent>,
    pub status: ItemStatus,
}

/// `POST /api/items/unlink`: remove one record from the item's CRM event, or (without
/// `recordId`) detach the item from its CRM event, which stays in the CRM with its history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UnlinkRequest {
    pub item: ItemRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_id: Option<String>,
}

/// A CRM event as the sidebar shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CrmEvent {
    pub id: String,
    pub subject: String,
    pub start: String,
    pub end: String,
    pub time_zone: String,
    pub is_all_day: bool,
    pub location: String,
    /// The attendees' addresses, as Graph lists them.
    #[serde(default)]
    pub attendees: Vec<String>,
    pub is_private: bool,
    pub cancelled: bool,
    /// The Organizer's mailbox: whose CRM calendar holds the event.
    pub organizer: String,
    pub created_by: String,
    pub modified_by: String,
    pub records: Vec<CrmRecord>,
}

/// Per-item sync status, shown in the sidebar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ItemStatus {
    pub state: SyncState,
    /// RFC 3339 in UTC (`Z`), when synced: a client shows it in its user's time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub synced_at: Option<String>,
    /// Why the item is where it is, for `failed` (the failure's code) and `outsideWindow`
    /// (`outside_sync_window`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// The same, for people: what happened and what to do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncState {
    NotSynced,
    Queued,
    Synced,
    Failed,
    /// Not in the CRM, and outside the window of days sync reads: the CRM category alone does
    /// not bring it in (the status's message says why, and what does).
    OutsideWindow,
}

crate::wire_names!(SyncState {
    NotSynced => "notSynced",
    Queued => "queued",
    Synced => "synced",
    Failed => "failed",
    OutsideWindow => "outsideWindow",
});

/// The kinds of CRM records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordKind {
    Account,
    Contact,
    Lead,
    Opportunity,
}

// The name stored in the database, used in query strings and on the wire.
crate::wire_names!(RecordKind {
    Account => "account",
    Contact => "contact",
    Lead => "lead",
    Opportunity => "opportunity",
});

/// A CRM record the user may see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CrmRecord {
    pub id: String,
    pub kind: RecordKind,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
}

/// `GET /api/crm/records?q=&kind=&limit=&cursor=`: one page of matching records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RecordPage {
    pub records: Vec<CrmRecord>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// `GET /api/me`, `PUT /api/me/sync`: the signed-in user and their own settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Me {
    pub mailbox: String,
    pub display_name: String,
    /// Liaison syncs this user's calendar: what a delegate's first save of their items needs.
    pub sync_enabled: bool,
    /// The user's calendar connections.
    #[serde(default)]
    pub connections: Connections,
}

/// The state of each calendar connection a user can have.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Connections {
    pub microsoft: ConnectionState,
    pub google: ConnectionState,
}

/// Connected, expired or revoked (sign in again), or never connected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ConnectionState {
    Connected,
    NeedsReconnect,
    #[default]
    NotConnected,
}

crate::wire_names!(ConnectionState {
    Connected => "connected",
    NeedsReconnect => "needs_reconnect",
    NotConnected => "not_connected",
});

/// `POST /api/session/sso`, `POST /api/session/exchange`: a task pane session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SessionGrant {
    /// Send as `Authorization: Bearer …`; keep in memory only.
    pub token: String,
    /// When the session ends at the latest (UTC milliseconds).
    pub expires_at_ms: i64,
    pub me: Me,
}

/// `POST /api/session/exchange`: the sign-in dialog's one-time code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DialogCode {
    pub code: String,
}

/// `POST /api/connections/google`: where to send the browser to connect Google Workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ConnectGoogle {
    pub authorize_url: String,
}

/// `PUT /api/me/sync`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SyncSetting {
    pub sync_enabled: bool,
}
