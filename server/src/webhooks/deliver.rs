//! One attempt at a webhook's next batch: the changes after its cursor, posted signed; and how
//! the attempt ended ([`Attempt`]), with the backoff after a failure.

use std::time::{Duration, SystemTime};

use liaison_domain::api::WebhookDelivery;
use reqwest::header;

use super::settings::WebhookSettings;
use super::signature::{SIGNATURE_HEADER, sign};
use crate::clock::now_ms;
use crate::crm_records::change_page;
use crate::store::{Attempt, ChangeFeed, DeadLetter, StoreError, StoredWebhook, TenantId};

/// Changes `first_seq..=last_seq`, as the receiver gets them.
pub(super) struct Batch {
    pub first_seq: i64,
    pub last_seq: i64,
    pub body: Vec<u8>,
}

/// What the receiver did with a batch.
pub(super) enum Posted {
    Taken,
    Refused {
        status: Option<i32>,
        error: String,
        retry_after: Option<Duration>,
    },
}

/// The HTTP client deliveries use: no redirects (a receiver cannot send Liaison's changes
/// elsewhere), bounded waits.
pub(super) fn client(settings: &WebhookSettings) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5).min(settings.timeout))
        .timeout(settings.timeout)
        .user_agent(concat!("Liaison-Webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("the webhook HTTP client builds")
}

/// The tenant's changes after `after` up to `until` (inclusive, when given), at most `limit`,
/// as a delivery of `webhook_id`; `None` when there are none.
pub(super) async fn batch(
    feed: &dyn ChangeFeed,
    tenant_id: &TenantId,
    webhook_id: &str,
    after: i64,
    until: Option<i64>,
    limit: u32,
) -> Result<Option<Batch>, StoreError> {
    let mut page = change_page(feed, tenant_id, after, limit).await?;
    if let Some(until) = until {
        page.changes
            .retain(|c| c.cursor.parse::<i64>().is_ok_and(|seq| seq <= until));
    }
    let seq = |i: usize| {
        page.changes
            .get(i)
            .and_then(|c| c.cursor.parse::<i64>().ok())
    };
    let (Some(first_seq), Some(last_seq)) = (seq(0), seq(page.changes.len().wrapping_sub(1)))
    else {
        return Ok(None);
    };
    let body = serde_json::to_vec(&WebhookDelivery {
        webhook_id: webhook_id.to_owned(),
        changes: page.changes,
    })
    .map_err(|error| StoreError::Setup(format!("a delivery does not serialize: {error}")))?;
    Ok(Some(Batch {
        first_seq,
        last_seq,
        body,
    }))
}

/// Posts `batch` to the webhook's receiver, signed with `secret`.
pub(super) async fn post(
    client: &reqwest::Client,
    webhook: &StoredWebhook,
    secret: &str,
    batch: &Batch,
) -> Posted {
    let signature = sign(secret, now_ms() / 1000, &batch.body);
    let sent = client
        .post(&webhook.url)
        .header(header::CONTENT_TYPE, "application/json")
        .header(SIGNATURE_HEADER, signature)
        .header("liaison-webhook", &webhook.id)
        .header(
            "liaison-delivery",
            format!("{}.{}-{}", webhook.id, batch.first_seq, batch.last_seq),
        )
        .body(batch.body.clone())
        .send()
        .await;
    match sent {
        Ok(response) if response.status().is_success() => Posted::Taken,
        Ok(response) => {
            let retry_after = response
                .headers()
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| crate::graph::retry::retry_after(v, SystemTime::now()));
            let status = response.status();
            Posted::Refused {
                status: Some(i32::from(status.as_u16())),
                error: format!("the receiver answered {status}"),
                retry_after,
            }
        }
        Err(error) => Posted::Refused {
            status: None,
            error: if error.is_timeout() {
                "the receiver did not answer in time".to_owned()
            } else {
                "the receiver could not be reached".to_owned()
            },
            retry_after: None,
        },
    }
}

/// How an attempt at `batch` ends for `webhook`, after `posted`.
pub(super) fn outcome(
    settings: &WebhookSettings,
    webhook: &StoredWebhook,
    batch: &Batch,
    posted: Posted,
) -> Attempt {
    let now = now_ms();
    match posted {
        Posted::Taken => Attempt::Delivered {
            last_seq: batch.last_seq,
            at_ms: now,
        },
        Posted::Refused {
            status,
            error,
            retry_after,
        } => {
            let failures = u32::try_from(webhook.attempts).unwrap_or(0) + 1;
            if failures >= settings.attempts {
                Attempt::DeadLettered(DeadLetter {
                    first_seq: batch.first_seq,
                    last_seq: batch.last_seq,
                    attempts: i32::try_from(failures).unwrap_or(i32::MAX),
                    last_status: status,
                    last_error: error,
                    failed_at_ms: now,
                })
            } else {
                let wait = settings.backoff(failures, retry_after);
                Attempt::Failed {
                    last_seq: batch.last_seq,
                    status,
                    error,
                    retry_at_ms: now + i64::try_from(wait.as_millis()).unwrap_or(i64::MAX / 2),
                }
            }
        }
    }
}
