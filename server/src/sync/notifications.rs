//! Graph change notifications: a hint that starts an Organizer's session early; the interval
//! poll stays the safety net, so a lost or forged notification costs nothing.
//!
//! - Each session keeps one subscription per Organizer on `/me/events` alive: created when
//!   missing, renewed a day before it expires (Graph keeps event subscriptions ≤ 4,230 min).
//!   Its `clientState` is 256 random bits, stored only as SHA-256.
//! - `POST /api/graph/notifications`: Graph's validation (echo `validationToken` as text), then
//!   notifications: a known subscription with the right `clientState` makes the job due now.
//! - `POST /api/graph/lifecycle`: `reauthorizationRequired` → renew at the next session;
//!   `subscriptionRemoved` → create again at the next session; `missed` → sync now.

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;

use crate::graph::client::{GraphClient, GraphError};
use crate::instant::to_rfc3339;
use crate::sessions::{hash, new_token};
use crate::state::AppState;
use crate::store::model::{GraphSubscription, User};
use crate::store::{Store, StoreError, now_ms};

/// How long a subscription is asked for (Graph's maximum for events is 4,230 minutes).
const LIFETIME_MS: i64 = 4_200 * 60_000;
/// Renew when less than this is left.
const RENEW_BEFORE_MS: i64 = 24 * 3_600_000;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Validation {
    validation_token: Option<String>,
}

/// Graph's validation request: the token back, as plain text, at once.
fn echo(token: String) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        token,
    )
        .into_response()
}

/// The notifications of one POST, read leniently (a malformed one is just not a hint).
fn notifications(body: &Value) -> Vec<&Value> {
    body["value"]
        .as_array()
        .map(|v| v.iter().collect())
        .unwrap_or_default()
}

/// The subscription a notification names, if its `clientState` is the one we set.
async fn verified(store: &dyn Store, notification: &Value) -> Option<GraphSubscription> {
    let id = notification["subscriptionId"].as_str()?;
    let presented = hash(notification["clientState"].as_str()?);
    let sub = store.subscription(id).await.ok()??;
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

pub async fn post_notifications(
    State(state): State<AppState>,
    Query(validation): Query<Validation>,
    body: axum::body::Bytes,
) -> Response {
    if let Some(token) = validation.validation_token {
        return echo(token);
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    for notification in notifications(&body) {
        if let Some(sub) = verified(state.store.as_ref(), notification).await {
            request(&state, &sub).await;
        }
    }
    // Always 202: Graph retries anything else, and a forged notification learns nothing.
    StatusCode::ACCEPTED.into_response()
}

pub async fn post_lifecycle(
    State(state): State<AppState>,
    Query(validation): Query<Validation>,
    body: axum::body::Bytes,
) -> Response {
    if let Some(token) = validation.validation_token {
        return echo(token);
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    for notification in notifications(&body) {
        let Some(sub) = verified(state.store.as_ref(), notification).await else {
            continue;
        };
        let outcome = match notification["lifecycleEvent"].as_str() {
            Some("reauthorizationRequired") => {
                state
                    .store
                    .set_subscription_expiry(&sub.subscription_id, 0)
                    .await
            }
            Some("subscriptionRemoved") => {
                state.store.delete_subscription(&sub.subscription_id).await
            }
            _ => Ok(()),
        };
        if let Err(error) = outcome {
            tracing::warn!(%error, "a lifecycle notification could not be recorded");
        }
        request(&state, &sub).await;
    }
    StatusCode::ACCEPTED.into_response()
}

async fn request(state: &AppState, sub: &GraphSubscription) {
    match state
        .store
        .request_sync(&sub.tenant_id, &sub.organizer_id)
        .await
    {
        Ok(()) => state.sync.wake(),
        Err(error) => tracing::warn!(%error, "a change notification could not schedule a session"),
    }
}

/// Keeps the Organizer's subscription alive (called by each session, after its writes); how
/// many Graph requests it took. Failures are logged, never fatal: polling goes on.
pub async fn keep_alive(
    state: &AppState,
    graph: &GraphClient,
    token: &secrecy::SecretString,
    organizer: &User,
) -> Result<u32, StoreError> {
    let Some(base) = state.sync.notification_base.as_deref() else {
        return Ok(0);
    };
    let now = now_ms();
    let current = state
        .store
        .organizer_subscription(&organizer.tenant_id, &organizer.id)
        .await?;
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
            .renew_subscription(token, &organizer.id, &sub.subscription_id, &expires)
            .await
        {
            Ok(()) => {
                state
                    .store
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
            &organizer.id,
            (&urls.0, &urls.1),
            &client_state,
            &expires,
        )
        .await
    {
        Ok(subscription_id) => {
            state
                .store
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
