//! The administrators' API (`/api/admin/*`): the organization's settings and its audit log.
//! Only users holding Liaison's app role `Liaison.Admin` (assigned in Entra) may call it.

use serde::{Deserialize, Serialize};

use crate::api::items::ItemContext;

/// `GET /api/admin/me`: who the console is signed in as, and whether they may administer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ConsoleUser {
    pub mailbox: String,
    pub display_name: String,
    /// Holds `Liaison.Admin` (for 15 minutes after the sign-in that showed it).
    pub is_admin: bool,
}

/// `GET`/`PUT /api/admin/settings`: the organization's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// The synced window: days back from today (0–3650). Always in an answer; absent in a
    /// change, it stays as it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub synced_days_back: Option<i32>,
    /// …and days ahead (1–3650).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub synced_days_ahead: Option<i32>,
    /// The circuit breaker: a session that would cancel more than this share of an
    /// Organizer's CRM events (at least 20 of them) stops for an administrator (1–100 %).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breaker_threshold_percent: Option<i32>,
    /// Automatic linking: whose addresses of a meeting are matched to contacts and leads
    /// (`none`, `organizer`, `participants`, `both`). Always in an answer; absent in a change,
    /// it stays as it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_link_policy: Option<crate::linking::AutoLinkPolicy>,
    /// …and the domains never matched (e.g. the organization's own), at most 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_link_blocked_domains: Option<Vec<String>>,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AuditPage {
    pub lines: Vec<AuditLine>,
    /// Pass as `before` for older lines; absent when there are none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_before: Option<String>,
}

/// `GET /api/admin/diagnose?delegate=&owner=&itemId=`: "why can't this delegate…?" — what the
/// sidebar would show `delegate` on the item, from the facts the server looks up for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Diagnosis {
    pub delegate: String,
    pub context: ItemContext,
}

/// `GET /api/admin/deploy`: what an administrator needs to deploy Liaison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    /// The add-in-only XML manifest, with this server's URL filled in.
    pub manifest_xml_url: String,
    /// The same add-in in Microsoft's unified JSON manifest.
    pub manifest_json_url: String,
    /// Its app package (the manifest and its icons), for the admin center's *Upload custom
    /// apps*.
    pub app_package_url: String,
    /// Where an administrator grants consent for the organization.
    pub consent_url: String,
    /// Every permission Liaison asks for, and why.
    pub scopes: Vec<ScopeLine>,
}

/// One permission Liaison asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ScopeLine {
    /// `microsoft` or `google`.
    pub provider: String,
    pub scope: String,
    pub allows: String,
    pub why: String,
    /// Only an administrator may consent to it.
    pub admin_only: bool,
}
