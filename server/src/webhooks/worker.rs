//! The background worker: every poll it asks for webhooks with changes to deliver, leases each
//! (so one instance delivers a webhook at a time) and makes one attempt at its next batch.
//! Webhooks are delivered one after another: a slow receiver delays the others by at most its
//! timeout.

use std::sync::Arc;

use secrecy::ExposeSecret;

use super::deliver;
use super::service::{WebhookError, Webhooks};
use crate::clock::now_ms;
use crate::store::{Attempt, Lease, TenantId};

/// Webhooks looked at per poll, at most.
const PER_POLL: u32 = 50;

impl Webhooks {
    /// Runs the worker for as long as the server runs.
    pub fn spawn_worker(self: &Arc<Self>) {
        let webhooks = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(webhooks.settings.poll);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(error) = webhooks.deliver_due().await {
                    tracing::warn!(%error, "webhook delivery failed; trying again later");
                }
            }
        });
    }

    /// One attempt at each due webhook's next batch; how many batches were delivered.
    pub async fn deliver_due(&self) -> Result<usize, WebhookError> {
        let mut delivered = 0;
        for (tenant_id, id) in self.store.due_webhooks(now_ms(), PER_POLL).await? {
            if self.attempt(&tenant_id, &id).await? {
                delivered += 1;
            }
        }
        Ok(delivered)
    }

    /// Leases the webhook and makes one attempt; whether a batch was delivered.
    async fn attempt(&self, tenant_id: &TenantId, id: &str) -> Result<bool, WebhookError> {
        let now = now_ms();
        let lease = Lease {
            worker: self.worker_id.clone(),
            // Longer than an attempt can take.
            until_ms: now + i64::try_from(self.settings.timeout.as_millis()).unwrap_or(60_000) * 3,
        };
        let Some(webhook) = self.store.claim_webhook(tenant_id, id, &lease, now).await? else {
            return Ok(false);
        };
        let batch = deliver::batch(
            self.feed.as_ref(),
            tenant_id,
            id,
            webhook.delivered_seq,
            // A retry posts the batch that failed, not one grown since.
            webhook.batch_last_seq.filter(|_| webhook.attempts > 0),
            self.settings.batch,
        )
        .await?;
        let attempt = match batch {
            Some(batch) => {
                let secret = self.secret(&webhook)?;
                let posted =
                    deliver::post(&self.http, &webhook, secret.expose_secret(), &batch).await;
                deliver::outcome(&self.settings, &webhook, &batch, posted)
            }
            // Nothing after all (another instance delivered it): give the lease back.
            None => Attempt::Delivered {
                last_seq: webhook.delivered_seq,
                at_ms: webhook.last_delivered_at_ms.unwrap_or(now),
            },
        };
        if let Attempt::DeadLettered(letter) = &attempt {
            tracing::warn!(
                webhook = %id,
                first = letter.first_seq,
                last = letter.last_seq,
                error = %letter.last_error,
                "a webhook batch was refused too often: it is a dead letter"
            );
        }
        self.store
            .finish_attempt(tenant_id, id, &self.worker_id, &attempt)
            .await?;
        Ok(matches!(attempt, Attempt::Delivered { .. }))
    }
}
