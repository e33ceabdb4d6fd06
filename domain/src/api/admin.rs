//! The administrators' API (`/api/admin/*`): the organization's settings and its audit log.
//! Only users holding Liaison's app role `Liaison.Admin` (assigned in Entra) may call it.

use serde::{Deserialize, Serialize};

/// `GET /api/admin/me`: who the console is signed in as, and whether they may administer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsoleUser {
    pub mailbox: String,
    pub display_name: String,
    /// Holds `Liaison.Admin` (for 15 minutes after the sign-in that showed it).
    pub is_admin: bool,
}

/// `GET`/`PUT /api/admin/settings`: the organization's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrgSettings {
    /// The Outlook category that marks items for the CRM ("CRM" by default).
    pub crm_category_name: String,
    /// An Office `CategoryColor` preset (`Preset7`, blue, by default).
    pub crm_category_color: String,
    /// Saves are written at once (on) or by the next sync session (off).
    pub insta_sync: bool,
    /// Minutes between an Organizer's sync sessions (1–1440).
    pub sync_interval_minutes: i32,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditLine {
    /// RFC 3339.
    pub at: String,
    /// The actor's mailbox (or directory id when Liaison does not know the mailbox).
    pub actor: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_behalf_of: Option<String>,
    pub action: String,
    pub target: String,
    pub allowed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// `GET /api/admin/audit`: the newest lines first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditPage {
    pub lines: Vec<AuditLine>,
    /// Pass as `before` for older lines; absent when there are none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_before: Option<String>,
}
