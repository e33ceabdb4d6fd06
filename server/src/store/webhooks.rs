//! What webhooks keep: each webhook's receiver, sealed secret and place in the change feed
//! (its cursor), the failures of the batch it is delivering, the lease of the worker delivering
//! it, and the dead letters — batches a receiver kept refusing, which an administrator replays.

use async_trait::async_trait;

use crate::store::audit::AuditEntry;
use crate::store::error::StoreError;
use crate::store::ids::{TenantId, UserId};
use crate::store::sync::Lease;

/// A webhook to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWebhook {
    pub tenant_id: TenantId,
    pub id: String,
    pub url: String,
    pub description: String,
    /// The signing secret, sealed with the keyring.
    pub secret_sealed: String,
    pub created_by_id: UserId,
    pub created_at_ms: i64,
}

/// A webhook as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredWebhook {
    pub tenant_id: TenantId,
    pub id: String,
    pub url: String,
    pub description: String,
    pub secret_sealed: String,
    pub created_at_ms: i64,
    /// The last change delivered (or dead-lettered): delivery goes on after it.
    pub delivered_seq: i64,
    /// Failed attempts at the batch after the cursor.
    pub attempts: i32,
    /// That batch's last change: a retry posts the same batch.
    pub batch_last_seq: Option<i64>,
    pub next_attempt_at_ms: i64,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub last_delivered_at_ms: Option<i64>,
    /// Dead letters waiting for a replay.
    pub dead_letters: i64,
}

/// A batch a receiver kept refusing: changes `first_seq..=last_seq` of the feed.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DeadLetter {
    pub first_seq: i64,
    pub last_seq: i64,
    pub attempts: i32,
    pub last_status: Option<i32>,
    pub last_error: String,
    pub failed_at_ms: i64,
}

/// How an attempt at a batch ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The receiver took changes up to `last_seq`.
    Delivered { last_seq: i64, at_ms: i64 },
    /// Refused or unreachable; the batch up to `last_seq` is tried again at `retry_at_ms`.
    Failed {
        last_seq: i64,
        status: Option<i32>,
        error: String,
        retry_at_ms: i64,
    },
    /// Refused too often: the batch goes to the dead letters and delivery goes on after it.
    DeadLettered(DeadLetter),
}

#[async_trait]
pub trait WebhookStore: Send + Sync {
    async fn create_webhook(
        &self,
        webhook: &NewWebhook,
        audit: &AuditEntry,
    ) -> Result<StoredWebhook, StoreError>;

    async fn webhooks(&self, tenant_id: &TenantId) -> Result<Vec<StoredWebhook>, StoreError>;

    async fn webhook(
        &self,
        tenant_id: &TenantId,
        id: &str,
    ) -> Result<Option<StoredWebhook>, StoreError>;

    /// Removes the webhook and its dead letters; `false` when there was none.
    async fn delete_webhook(
        &self,
        tenant_id: &TenantId,
        id: &str,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError>;

    /// Webhooks of any tenant with changes to deliver, due at `now_ms` and not leased.
    async fn due_webhooks(
        &self,
        now_ms: i64,
        limit: u32,
    ) -> Result<Vec<(TenantId, String)>, StoreError>;

    /// Leases the webhook to `lease.worker` if it is due and nobody holds it.
    async fn claim_webhook(
        &self,
        tenant_id: &TenantId,
        id: &str,
        lease: &Lease,
        now_ms: i64,
    ) -> Result<Option<StoredWebhook>, StoreError>;

    /// Records how the attempt ended and releases the lease (only if `worker` still holds it:
    /// `false` and nothing written otherwise).
    async fn finish_attempt(
        &self,
        tenant_id: &TenantId,
        id: &str,
        worker: &str,
        attempt: &Attempt,
    ) -> Result<bool, StoreError>;

    async fn dead_letters(
        &self,
        tenant_id: &TenantId,
        webhook_id: &str,
    ) -> Result<Vec<DeadLetter>, StoreError>;

    /// Removes a replayed dead letter, with the replay's audit line; `false` when it was gone.
    async fn remove_dead_letter(
        &self,
        tenant_id: &TenantId,
        webhook_id: &str,
        first_seq: i64,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError>;
}
