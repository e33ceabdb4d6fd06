//! `GET /api/admin/sync`: sync sessions per Organizer and the syncs the circuit breaker
//! stopped; `POST /api/admin/sync/{mailbox}/resume` lets a stopped one run again.

use serde::{Deserialize, Serialize};

/// The tenant's sync health: what is stopped, and the sessions, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SyncOverview {
    pub stopped: Vec<StoppedSync>,
    pub sessions: Vec<SyncSessionLine>,
    /// Pass as `before` for older sessions; absent when there are none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_before: Option<String>,
}

/// An Organizer whose sync the circuit breaker stopped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct StoppedSync {
    pub organizer: String,
    /// RFC 3339.
    pub stopped_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// One finished sync session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SyncSessionLine {
    pub id: String,
    pub organizer: String,
    /// RFC 3339.
    pub started_at: String,
    pub duration_ms: i64,
    /// `ok`, or the session's error code.
    pub result: String,
    pub full_round: bool,
    /// Items Graph reported changed.
    pub events_in: i64,
    /// CRM events written or cancelled, queued saves written, categories removed.
    pub events_out: i64,
    /// Requests sent to Microsoft Graph, retries included.
    pub graph_requests: i64,
    /// Answers `429 Too Many Requests` among them.
    pub throttled: i64,
    /// The session took over a job whose worker had died.
    pub took_over_lease: bool,
}
