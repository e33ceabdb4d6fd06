//! [`WebhookStore`] in SQL. A webhook is leased like a sync job: a conditional `UPDATE` takes
//! it, so two instances never deliver one webhook at once, and an attempt's outcome is written
//! only while its worker still holds the lease.

use async_trait::async_trait;

use super::SqlStore;
use super::audit;
use super::db::sql;
use crate::store::audit::AuditEntry;
use crate::store::error::StoreError;
use crate::store::ids::TenantId;
use crate::store::sync::Lease;
use crate::store::webhooks::{Attempt, DeadLetter, NewWebhook, StoredWebhook, WebhookStore};

const COLUMNS: &str = "w.tenant_id, w.id, w.url, w.description, w.secret_sealed, \
     w.created_at_ms, w.delivered_seq, w.attempts, w.batch_last_seq, w.next_attempt_at_ms, w.last_status, w.last_error, \
     w.last_delivered_at_ms, (SELECT COUNT(*) FROM crm_webhook_dead_letters d \
     WHERE d.tenant_id = w.tenant_id AND d.webhook_id = w.id) AS dead_letters";

#[async_trait]
impl WebhookStore for SqlStore {
    async fn create_webhook(
        &self,
        webhook: &NewWebhook,
        audit_entry: &AuditEntry,
    ) -> Result<StoredWebhook, StoreError> {
        let mut tx = self.pool.begin().await?;
        // A new webhook follows the changes from now on; earlier ones are in the feed.
        let cursor: Option<i64> = sql("SELECT MAX(seq) FROM crm_changes WHERE tenant_id = $1")
            .bind(&webhook.tenant_id)
            .fetch_scalar(&mut tx)
            .await?;
        sql(
            "INSERT INTO crm_webhooks (tenant_id, id, url, description, secret_sealed, \
             created_by_id, created_at_ms, delivered_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&webhook.tenant_id)
        .bind(&webhook.id)
        .bind(&webhook.url)
        .bind(&webhook.description)
        .bind(&webhook.secret_sealed)
        .bind(&webhook.created_by_id)
        .bind(webhook.created_at_ms)
        .bind(cursor.unwrap_or(0))
        .execute(&mut tx)
        .await?;
        audit::append(&mut tx, audit_entry).await?;
        tx.commit().await?;
        self.webhook(&webhook.tenant_id, &webhook.id)
            .await?
            .ok_or_else(|| StoreError::Setup("a webhook just written is missing".into()))
    }

    async fn webhooks(&self, tenant_id: &TenantId) -> Result<Vec<StoredWebhook>, StoreError> {
        sql(format!(
            "SELECT {COLUMNS} FROM crm_webhooks w WHERE w.tenant_id = $1 \
             ORDER BY w.created_at_ms, w.id"
        ))
        .bind(tenant_id)
        .fetch_all(&self.pool)
        .await
    }

    async fn webhook(
        &self,
        tenant_id: &TenantId,
        id: &str,
    ) -> Result<Option<StoredWebhook>, StoreError> {
        sql(format!(
            "SELECT {COLUMNS} FROM crm_webhooks w WHERE w.tenant_id = $1 AND w.id = $2"
        ))
        .bind(tenant_id)
        .bind(id)
        .fetch_optional(&self.pool)
        .await
    }

    async fn delete_webhook(
        &self,
        tenant_id: &TenantId,
        id: &str,
        audit_entry: &AuditEntry,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        sql("DELETE FROM crm_webhook_dead_letters WHERE tenant_id = $1 AND webhook_id = $2")
            .bind(tenant_id)
            .bind(id)
            .execute(&mut tx)
            .await?;
        let deleted = sql("DELETE FROM crm_webhooks WHERE tenant_id = $1 AND id = $2")
            .bind(tenant_id)
            .bind(id)
            .execute(&mut tx)
            .await?;
        if deleted == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        audit::append(&mut tx, audit_entry).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn due_webhooks(
        &self,
        now_ms: i64,
        limit: u32,
    ) -> Result<Vec<(TenantId, String)>, StoreError> {
        sql("SELECT w.tenant_id, w.id FROM crm_webhooks w \
             WHERE w.next_attempt_at_ms <= $1 AND w.lease_until_ms < $1 \
             AND EXISTS (SELECT 1 FROM crm_changes c \
               WHERE c.tenant_id = w.tenant_id AND c.seq > w.delivered_seq) \
             ORDER BY w.next_attempt_at_ms LIMIT $2")
        .bind(now_ms)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
    }

    async fn claim_webhook(
        &self,
        tenant_id: &TenantId,
        id: &str,
        lease: &Lease,
        now_ms: i64,
    ) -> Result<Option<StoredWebhook>, StoreError> {
        let claimed = sql(
            "UPDATE crm_webhooks SET lease_worker = $1, lease_until_ms = $2 \
             WHERE tenant_id = $3 AND id = $4 AND lease_until_ms < $5 \
             AND next_attempt_at_ms <= $5",
        )
        .bind(&lease.worker)
        .bind(lease.until_ms)
        .bind(tenant_id)
        .bind(id)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        if claimed == 0 {
            return Ok(None);
        }
        self.webhook(tenant_id, id).await
    }

    async fn finish_attempt(
        &self,
        tenant_id: &TenantId,
        id: &str,
        worker: &str,
        attempt: &Attempt,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let statement = match attempt {
            Attempt::Delivered { last_seq, at_ms } => sql(
                "UPDATE crm_webhooks SET delivered_seq = $1, attempts = 0, batch_last_seq = NULL, \
                 next_attempt_at_ms = 0, last_status = 200, last_error = NULL, \
                 last_delivered_at_ms = $2, \
                 lease_worker = NULL, lease_until_ms = 0 \
                 WHERE tenant_id = $3 AND id = $4 AND lease_worker = $5",
            )
            .bind(*last_seq)
            .bind(*at_ms),
            Attempt::Failed {
                last_seq,
                status,
                error,
                retry_at_ms,
            } => sql(
                "UPDATE crm_webhooks SET attempts = attempts + 1, batch_last_seq = $1, \
                 next_attempt_at_ms = $2, last_status = $3, last_error = $4, \
                 lease_worker = NULL, lease_until_ms = 0 \
                 WHERE tenant_id = $5 AND id = $6 AND lease_worker = $7",
            )
            .bind(*last_seq)
            .bind(*retry_at_ms)
            .bind(*status)
            .bind(error.as_str()),
            Attempt::DeadLettered(letter) => sql(
                "UPDATE crm_webhooks SET delivered_seq = $1, attempts = 0, batch_last_seq = NULL, \
                 next_attempt_at_ms = 0, last_status = $2, last_error = $3, \
                 lease_worker = NULL, lease_until_ms = 0 \
                 WHERE tenant_id = $4 AND id = $5 AND lease_worker = $6",
            )
            .bind(letter.last_seq)
            .bind(letter.last_status)
            .bind(letter.last_error.as_str()),
        };
        let updated = statement
            .bind(tenant_id)
            .bind(id)
            .bind(worker)
            .execute(&mut tx)
            .await?;
        if updated == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        if let Attempt::DeadLettered(letter) = attempt {
            sql(
                "INSERT INTO crm_webhook_dead_letters (tenant_id, webhook_id, first_seq, \
                 last_seq, attempts, last_status, last_error, failed_at_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(tenant_id)
            .bind(id)
            .bind(letter.first_seq)
            .bind(letter.last_seq)
            .bind(letter.attempts)
            .bind(letter.last_status)
            .bind(letter.last_error.as_str())
            .bind(letter.failed_at_ms)
            .execute(&mut tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn dead_letters(
        &self,
        tenant_id: &TenantId,
        webhook_id: &str,
    ) -> Result<Vec<DeadLetter>, StoreError> {
        sql(
            "SELECT first_seq, last_seq, attempts, last_status, last_error, failed_at_ms \
             FROM crm_webhook_dead_letters WHERE tenant_id = $1 AND webhook_id = $2 \
             ORDER BY first_seq",
        )
        .bind(tenant_id)
        .bind(webhook_id)
        .fetch_all(&self.pool)
        .await
    }

    async fn remove_dead_letter(
        &self,
        tenant_id: &TenantId,
        webhook_id: &str,
        first_seq: i64,
        audit_entry: &AuditEntry,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let removed = sql("DELETE FROM crm_webhook_dead_letters \
             WHERE tenant_id = $1 AND webhook_id = $2 AND first_seq = $3")
        .bind(tenant_id)
        .bind(webhook_id)
        .bind(first_seq)
        .execute(&mut tx)
        .await?;
        if removed == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        audit::append(&mut tx, audit_entry).await?;
        tx.commit().await?;
        Ok(true)
    }
}
