//! `POST /api/sync/run` and `GET /api/sync`: the Organizer's sync sessions.

use serde::{Deserialize, Serialize};

/// What one sync session did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SyncReport {
    /// A full round (first session, window moved, or Graph evicted the delta link).
    pub full: bool,
    /// Graph requests the session sent (retries not counted).
    pub graph_requests: u32,
    /// Items Graph reported changed in the round.
    pub changed_items: u32,
    /// CRM events created or updated.
    pub upserted: u32,
    /// CRM events marked cancelled.
    pub cancelled: u32,
    /// Items whose CRM category was removed: no longer followed.
    pub unfollowed: u32,
    /// Saves the outbox held, now written.
    pub queued_saves_written: u32,
    /// CRM categories taken off Outlook items whose CRM event was deleted.
    pub categories_removed: u32,
}

/// The answer of `POST /api/sync/run`: the report when the session finished within the
/// request, else `running` (it goes on; `GET /api/sync` tells when it ends). A plain struct,
/// not a tagged enum: the task pane reads it, and tagged enums cost it kilobytes of wasm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SyncRun {
    pub running: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<SyncReport>,
}

/// `GET /api/sync`: the Organizer's sync job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SyncStatus {
    pub sync_enabled: bool,
    /// A session is running now.
    pub running: bool,
    /// Sessions run so far.
    pub runs: i64,
    /// RFC 3339: when the last session ended, and when the next one is due.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_finished_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_due_at: Option<String>,
    /// Why the last session failed (`needs_reconnect`, `sync_stopped`, `unavailable`…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// The circuit breaker stopped sessions until an administrator resumes them.
    pub stopped: bool,
}
