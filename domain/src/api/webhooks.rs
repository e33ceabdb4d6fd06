//! The JSON of the CRM's webhooks: an administrator adds a receiver, reads how delivery goes,
//! and replays the dead letters; the receiver gets [`WebhookDelivery`] bodies, signed.

use serde::{Deserialize, Serialize};

use super::imports::ChangeLine;

/// `POST /api/admin/crm/webhooks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebhookRequest {
    /// Where the changes are posted: an `https://` URL.
    pub url: String,
    #[serde(default)]
    pub description: String,
}

/// A webhook and how its delivery goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Webhook {
    pub id: String,
    pub url: String,
    pub description: String,
    /// RFC 3339.
    pub created_at: String,
    /// The change feed's cursor of the last change delivered (or dead-lettered).
    pub cursor: String,
    /// Failed attempts at the batch being delivered (0 when all is well).
    pub attempts: i32,
    /// When the next attempt is due, after a failure (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<String>,
    /// The receiver's last HTTP status (none when it could not be reached).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_status: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_delivered_at: Option<String>,
    /// Batches waiting for a replay.
    pub dead_letters: i64,
}

/// The answer to adding a webhook: the only time its signing secret is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct WebhookCreated {
    pub webhook: Webhook,
    /// The HMAC-SHA256 key the receiver verifies `Liaison-Signature` with.
    pub secret: String,
}

/// A batch the receiver kept refusing, until an administrator replays it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeadLetterLine {
    /// Its id in the replay path: the cursor of its first change.
    pub id: String,
    /// The cursors of its first and last changes.
    pub first_cursor: String,
    pub last_cursor: String,
    pub attempts: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_status: Option<i32>,
    pub last_error: String,
    /// RFC 3339.
    pub failed_at: String,
}

/// What a receiver is posted: a batch of changes, oldest first. The same batch is posted again
/// (with the same `Liaison-Delivery` header) until the receiver answers 2xx.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct WebhookDelivery {
    pub webhook_id: String,
    pub changes: Vec<ChangeLine>,
}
