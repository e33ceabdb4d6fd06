//! Graph change notifications: a hint that starts an Organizer's session early; the interval
//! poll stays the safety net, so a lost or forged notification costs nothing.
//!
//! Each session keeps one subscription per Organizer on `/me/events` alive ([`keep_alive`]):
//! created when missing, renewed a day before it expires (Graph keeps event subscriptions
//! ≤ 4,230 min). Its `clientState` is 256 random bits, stored only as SHA-256. The webhooks
//! Graph calls are `crate::routes::graph_webhooks`.

use secrecy::SecretString;

use crate::auth::sessions::{hash, new_token};
use crate::clock::{now_ms, to_rfc3339};
use crate::graph::client::{GraphClient, GraphError};
use crate::store::{GraphSubscription, StoreError, SubscriptionStore, User};
use crate::sync::SyncEngine;

/// How long a subscription is asked for (Graph's maximum for events is 4,230 minutes).
const LIFETIME_MS: i64 = 4_200 * 60_000;
/// Renew when less than this is left.
const RENEW_BEFORE_MS: i64 = 24 * 3_600_000;

/// Keeps the Organizer's subscription alive (called by each session, after its writes); how
/// many Graph requests it took. Failures are logged, never fatal: polling goes on.
/// `base` is where Graph reaches this server (`{public URL}/api/graph`); without one, nothing
/// is subscribed.
pub async fn keep_alive(
    store: &dyn SubscriptionStore,
    graph: &GraphClient,
    base: Option<&str>,
    token: &SecretString,
    organizer: &User,
) -> Result<u32, StoreError> {
    let Some(base) = base else {
        return Ok(0);
    };
    let now = now_ms();
    let current = store.organizer_subscription(&organizer.key()).await?;
    if current
        .as_ref()
        .is_some_and(|s| s.expires_at_ms - now > RENEW_BEFORE_MS)
    {
        return Ok(0);
    }
    let expires_at_ms = now + LIFETIME_MS;
    let expires = to_rfc3339(expires_at_ms);
    let mut requests = 0;
    if let Some(sub) = &current {
        requests += 1;
        match graph
            .renew_subscription(token, organizer.id.as_str(), &sub.subscription_id, &expires)
            .await
        {
            Ok(()) => {
                store
                    .set_subscription_expiry(&sub.subscription_id, expires_at_ms)
                    .await?;
                return Ok(requests);
            }
            Err(GraphError::NotFound { .. }) => {}
            Err(error) => {
                tracing::warn!(%error, "renewing a change-notification subscription failed");
                return Ok(requests);
            }
        }
    }
    let client_state = new_token("cs_");
    requests += 1;
    let urls = (format!("{base}/notifications"), format!("{base}/lifecycle"));
    match graph
        .create_subscription(
            token,
            organizer.id.as_str(),
            (&urls.0, &urls.1),
            &client_state,
            &expires,
        )
        .await
    {
        Ok(subscription_id) => {
            crate::crash::point("sync.subscription_created");
            store
                .put_subscription(&GraphSubscription {
                    tenant_id: organizer.tenant_id.clone(),
                    organizer_id: organizer.id.clone(),
                    subscription_id,
                    client_state_hash: hash(&client_state),
                    expires_at_ms,
                })
                .await?;
        }
        Err(error) => tracing::warn!(%error, "subscribing to change notifications failed"),
    }
    Ok(requests)
}

/// One notification Graph's webhooks delivered (`crate::routes::graph_webhooks` reads the
/// body): the subscription it names, the `clientState` it carries, and for lifecycle
/// notifications the event.
#[derive(Debug, Clone, Default)]
pub struct Delivered<'a> {
    pub subscription_id: &'a str,
    pub client_state: Option<&'a str>,
    pub lifecycle_event: Option<&'a str>,
}

impl SyncEngine {
    /// A change notification: when it names a subscription of Liaison's with the right
    /// `clientState`, that Organizer's session is due now. Anything else is ignored.
    pub async fn on_change(&self, delivered: &Delivered<'_>) {
        if let Some(sub) = self.verified(delivered).await {
            self.sync_now(&sub).await;
        }
    }

    /// A lifecycle notification: `reauthorizationRequired` renews the subscription at the next
    /// session, `subscriptionRemoved` creates it again there; then the session is due now.
    pub async fn on_lifecycle(&self, delivered: &Delivered<'_>) {
        let Some(sub) = self.verified(delivered).await else {
            return;
        };
        let outcome = match delivered.lifecycle_event {
            Some("reauthorizationRequired") => {
                self.store
                    .set_subscription_expiry(&sub.subscription_id, 0)
                    .await
            }
            Some("subscriptionRemoved") => {
                self.store.delete_subscription(&sub.subscription_id).await
            }
            _ => Ok(()),
        };
        if let Err(error) = outcome {
            tracing::warn!(%error, "a lifecycle notification could not be recorded");
        }
        self.sync_now(&sub).await;
    }

    /// The subscription a notification names, if its `clientState` is the one Liaison set.
    async fn verified(&self, delivered: &Delivered<'_>) -> Option<GraphSubscription> {
        let presented = hash(delivered.client_state?);
        let sub = self
            .store
            .subscription(delivered.subscription_id)
            .await
            .ok()??;
        // Equal-length hex digests, compared without an early exit.
        let same = presented.len() == sub.client_state_hash.len()
            && presented
                .bytes()
                .zip(sub.client_state_hash.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if !same {
            tracing::warn!("a change notification with a wrong clientState was ignored");
            return None;
        }
        Some(sub)
    }

    async fn sync_now(&self, sub: &GraphSubscription) {
        if let Err(error) = self.request_now(&sub.organizer()).await {
            tracing::warn!(%error, "a change notification could not schedule a session");
        }
    }
}
