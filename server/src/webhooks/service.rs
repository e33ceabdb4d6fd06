//! [`Webhooks`]: what an administrator does with the CRM's webhooks — add one (its signing
//! secret shown once, kept sealed), list them with how delivery goes, remove one, read and
//! replay its dead letters. Every change is audited; every read and write is tenant-scoped.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use liaison_domain::api::{DeadLetterLine, Webhook, WebhookCreated, WebhookRequest};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};

use super::deliver::{self, Posted};
use super::receiver::receiver_url;
use super::settings::WebhookSettings;
use crate::auth::secrets::{Aad, Keyring};
use crate::clock::{now_ms, to_rfc3339};
use crate::crm_records::MAX_CHANGES;
use crate::store::{
    AuditAction, AuditEntry, ChangeFeed, DeadLetter, NewWebhook, StoreError, StoredWebhook,
    TenantId, User, WebhookStore,
};

/// The most webhooks a tenant may have.
pub const MAX_WEBHOOKS: usize = 20;
const MAX_DESCRIPTION: usize = 200;

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("{message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("no such webhook")]
    NotFound,
    /// The receiver refused a replay (the dead letter stays).
    #[error("{0}; the dead letter stays for another replay")]
    ReceiverFailed(String),
    #[error("a webhook's secret does not open: {0}")]
    Sealed(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub struct Webhooks {
    pub store: Arc<dyn WebhookStore>,
    pub feed: Arc<dyn ChangeFeed>,
    pub keyring: Arc<Keyring>,
    pub settings: WebhookSettings,
    pub(super) http: reqwest::Client,
    /// This process's name in leases.
    pub(super) worker_id: String,
}

impl Webhooks {
    pub fn new(
        store: Arc<dyn WebhookStore>,
        feed: Arc<dyn ChangeFeed>,
        keyring: Arc<Keyring>,
        settings: WebhookSettings,
    ) -> Self {
        Self {
            http: deliver::client(&settings),
            store,
            feed,
            keyring,
            settings,
            worker_id: format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple()),
        }
    }

    /// Adds a webhook that follows the tenant's changes from now on.
    pub async fn create(
        &self,
        admin: &User,
        request: &WebhookRequest,
    ) -> Result<WebhookCreated, WebhookError> {
        let url = receiver_url(&request.url, self.settings.allow_http).map_err(|message| {
            WebhookError::Invalid {
                field: "url",
                message: message.to_owned(),
            }
        })?;
        let description = request.description.trim();
        if description.chars().count() > MAX_DESCRIPTION {
            return Err(WebhookError::Invalid {
                field: "description",
                message: format!("at most {MAX_DESCRIPTION} characters"),
            });
        }
        if self.store.webhooks(&admin.tenant_id).await?.len() >= MAX_WEBHOOKS {
            return Err(WebhookError::Invalid {
                field: "url",
                message: format!(
                    "an organization has at most {MAX_WEBHOOKS} webhooks: remove one first"
                ),
            });
        }
        let id = uuid::Uuid::now_v7().to_string();
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let secret = format!("whsec_{}", URL_SAFE_NO_PAD.encode(bytes));
        let webhook = NewWebhook {
            tenant_id: admin.tenant_id.clone(),
            secret_sealed: self.keyring.seal(&secret, aad(&admin.tenant_id, &id)),
            id,
            url: url.to_string(),
            description: description.to_owned(),
            created_by_id: admin.id.clone(),
            created_at_ms: now_ms(),
        };
        let mut audit = AuditEntry::allowed(
            &admin.tenant_id,
            &admin.id,
            AuditAction::CrmWebhookCreate,
            format!("webhook {}", webhook.id),
        );
        audit.detail = Some(webhook.url.clone());
        let stored = self.store.create_webhook(&webhook, &audit).await?;
        Ok(WebhookCreated {
            webhook: present(&stored),
            secret,
        })
    }

    pub async fn list(&self, tenant_id: &TenantId) -> Result<Vec<Webhook>, WebhookError> {
        Ok(self
            .store
            .webhooks(tenant_id)
            .await?
            .iter()
            .map(present)
            .collect())
    }

    pub async fn delete(&self, admin: &User, id: &str) -> Result<(), WebhookError> {
        let audit = AuditEntry::allowed(
            &admin.tenant_id,
            &admin.id,
            AuditAction::CrmWebhookDelete,
            format!("webhook {}", bounded(id)),
        );
        if self
            .store
            .delete_webhook(&admin.tenant_id, id, &audit)
            .await?
        {
            Ok(())
        } else {
            Err(WebhookError::NotFound)
        }
    }

    pub async fn dead_letters(
        &self,
        tenant_id: &TenantId,
        id: &str,
    ) -> Result<Vec<DeadLetterLine>, WebhookError> {
        self.store
            .webhook(tenant_id, id)
            .await?
            .ok_or(WebhookError::NotFound)?;
        Ok(self
            .store
            .dead_letters(tenant_id, id)
            .await?
            .iter()
            .map(present_letter)
            .collect())
    }

    /// Delivers a dead letter again, now; removed once the receiver takes it. The webhook
    /// after it.
    pub async fn replay(
        &self,
        admin: &User,
        id: &str,
        letter_id: &str,
    ) -> Result<Webhook, WebhookError> {
        let webhook = self
            .store
            .webhook(&admin.tenant_id, id)
            .await?
            .ok_or(WebhookError::NotFound)?;
        let first = letter_id
            .parse::<i64>()
            .map_err(|_| WebhookError::NotFound)?;
        let letters = self.store.dead_letters(&admin.tenant_id, id).await?;
        let letter = letters
            .iter()
            .find(|l| l.first_seq == first)
            .ok_or(WebhookError::NotFound)?;
        let batch = deliver::batch(
            self.feed.as_ref(),
            &admin.tenant_id,
            id,
            letter.first_seq - 1,
            Some(letter.last_seq),
            MAX_CHANGES,
        )
        .await?;
        if let Some(batch) = batch {
            let secret = self.secret(&webhook)?;
            if let Posted::Refused { error, .. } =
                deliver::post(&self.http, &webhook, secret.expose_secret(), &batch).await
            {
                return Err(WebhookError::ReceiverFailed(error));
            }
        }
        let mut audit = AuditEntry::allowed(
            &admin.tenant_id,
            &admin.id,
            AuditAction::CrmWebhookReplay,
            format!("webhook {id}"),
        );
        audit.detail = Some(format!(
            "changes {} to {}",
            letter.first_seq, letter.last_seq
        ));
        self.store
            .remove_dead_letter(&admin.tenant_id, id, letter.first_seq, &audit)
            .await?;
        self.store
            .webhook(&admin.tenant_id, id)
            .await?
            .map(|w| present(&w))
            .ok_or(WebhookError::NotFound)
    }

    /// The webhook's signing secret, opened.
    pub(super) fn secret(&self, webhook: &StoredWebhook) -> Result<SecretString, WebhookError> {
        self.keyring
            .open(&webhook.secret_sealed, aad(&webhook.tenant_id, &webhook.id))
            .map_err(|error| WebhookError::Sealed(error.to_string()))
    }
}

fn aad<'a>(tenant_id: &'a TenantId, id: &'a str) -> Aad<'a> {
    Aad {
        tenant_id: tenant_id.as_str(),
        owner_id: id,
        column: "crm_webhooks.secret_sealed",
    }
}

fn bounded(text: &str) -> String {
    text.chars().take(64).collect()
}

fn present(webhook: &StoredWebhook) -> Webhook {
    Webhook {
        id: webhook.id.clone(),
        url: webhook.url.clone(),
        description: webhook.description.clone(),
        created_at: to_rfc3339(webhook.created_at_ms),
        cursor: webhook.delivered_seq.to_string(),
        attempts: webhook.attempts,
        next_attempt_at: (webhook.attempts > 0).then(|| to_rfc3339(webhook.next_attempt_at_ms)),
        last_status: webhook.last_status,
        last_error: webhook.last_error.clone(),
        last_delivered_at: webhook.last_delivered_at_ms.map(to_rfc3339),
        dead_letters: webhook.dead_letters,
    }
}

fn present_letter(letter: &DeadLetter) -> DeadLetterLine {
    DeadLetterLine {
        id: letter.first_seq.to_string(),
        first_cursor: letter.first_seq.to_string(),
        last_cursor: letter.last_seq.to_string(),
        attempts: letter.attempts,
        last_status: letter.last_status,
        last_error: letter.last_error.clone(),
        failed_at: to_rfc3339(letter.failed_at_ms),
    }
}
