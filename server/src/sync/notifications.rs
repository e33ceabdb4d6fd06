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
