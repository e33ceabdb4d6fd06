//! The facts the rules look at: who the delegate is to the calendar (what Microsoft says of
//! their access), the item, and its CRM event.

use serde::{Deserialize, Serialize};

use super::access::{AccessSource, OfficeBits};

/// Everything the rules look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// Whether the signed-in user owns the calendar (delegate == owner).
    pub is_owner: bool,
    /// The Organizer's mailbox: where a saved item's CRM event goes.
    pub owner: String,
    /// What each source says about the delegate's calendar access. Empty means nothing
    /// confirmed the delegate's access, which grants nothing.
    pub access: Vec<AccessSource>,
    /// The `delegatePermissions` the client reported (Office.js): they can lower what the
    /// sources grant, never raise it.
    pub client_bits: Option<OfficeBits>,
    /// Outlook's "delegate can see my private items".
    pub can_view_private_items: bool,
    /// The delegate may send on the owner's behalf.
    pub send_on_behalf: bool,
    pub item: ItemFacts,
    /// The Organizer has connected Liaison and sync is on.
    pub organizer_sync_enabled: bool,
    pub crm: CrmFacts,
}

/// The calendar item the sidebar is open on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemFacts {
    pub mode: ItemMode,
    pub created_by: CreatedBy,
    pub is_private: bool,
    pub is_inbound_invite: bool,
}

/// The item's CRM event, as the CRM record store sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrmFacts {
    pub event_exists: bool,
    /// The delegate's own right on that CRM event.
    pub delegate_access: CrmAccess,
}

/// Read (attendee view) or compose (organizer view) form of the item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ItemMode {
    Read,
    Compose,
}

crate::wire_names!(ItemMode {
    Read => "read",
    Compose => "compose",
});

/// Who created the item in the owner's calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum CreatedBy {
    Owner,
    Delegate,
    Other,
    /// Microsoft's data does not establish who created it (least privilege: the Author and
    /// send-on-behalf rules refuse). Only the server concludes this; no request states it.
    #[serde(skip_deserializing)]
    Unknown,
}

/// The delegate's own right on the item's CRM event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CrmAccess {
    None,
    Read,
    Edit,
}

crate::wire_names!(CrmAccess {
    None => "none",
    Read => "read",
    Edit => "edit",
});
