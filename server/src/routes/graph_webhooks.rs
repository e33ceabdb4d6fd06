//! Microsoft Graph's webhooks, not for clients:
//!
//! - `POST /api/graph/notifications`: Graph's validation (echo `validationToken` as text), then
//!   change notifications: a known subscription with the right `clientState` makes that
//!   Organizer's session due now.
//! - `POST /api/graph/lifecycle`: `reauthorizationRequired` → renew at the next session;
//!   `subscriptionRemoved` → create again at the next session; then sync now.
//!
//! Both always answer `202`: Graph retries anything else, and a forged notification learns
//! nothing. A malformed body is no hint at all.

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::auth::sessions::hash;
use crate::state::AppState;
use crate::store::{GraphSubscription, SubscriptionStore};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Validation {
    validation_token: Option<String>,
}

/// A POST of notifications, as Graph sends them (`value`: one per change or lifecycle event).
#[derive(Debug, Default, Deserialize)]
struct Notifications {
    #[serde(default)]
    value: Vec<Notification>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Notification {
    subscription_id: String,
    client_state: Option<String>,
    /// Lifecycle notifications only.
    lifecycle_event: Option<String>,
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

/// The notifications of a body (none when it is not Graph's shape).
fn parse(body: &[u8]) -> Vec<Notification> {
    serde_json::from_slice::<Notifications>(body)
        .unwrap_or_default()
        .value
}

/// The subscription a notification names, if its `clientState` is the one Liaison set.
async fn verified(
    store: &dyn SubscriptionStore,
    notification: &Notification,
) -> Option<GraphSubscription> {
    let presented = hash(notification.client_state.as_deref()?);
    let sub = store
        .subscription(&notification.subscription_id)
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

pub async fn receive_notifications(
    State(state): State<AppState>,
    Query(validation): Query<Validation>,
    body: axum::body::Bytes,
) -> Response {
    if let Some(token) = validation.validation_token {
        return echo(token);
    }
    for notification in parse(&body) {
        if let Some(sub) = verified(state.store.as_ref(), &notification).await {
            sync_now(&state, &sub).await;
        }
    }
    StatusCode::ACCEPTED.into_response()
}

pub async fn receive_lifecycle(
    State(state): State<AppState>,
    Query(validation): Query<Validation>,
    body: axum::body::Bytes,
) -> Response {
    if let Some(token) = validation.validation_token {
        return echo(token);
    }
    for notification in parse(&body) {
        let Some(sub) = verified(state.store.as_ref(), &notification).await else {
            continue;
        };
        let outcome = match notification.lifecycle_event.as_deref() {
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
        sync_now(&state, &sub).await;
    }
    StatusCode::ACCEPTED.into_response()
}

async fn sync_now(state: &AppState, sub: &GraphSubscription) {
    if let Err(error) = state.sync.request_now(&sub.organizer()).await {
        tracing::warn!(%error, "a change notification could not schedule a session");
    }
}

/// Notification bodies come from anyone who can reach the URL: whatever they hold, reading them
/// never panics.
#[cfg(test)]
mod arbitrary_bodies {
    use proptest::prelude::*;

    use super::parse;
    use crate::outside_input::document;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn any_notification_body_gives_notifications_or_none(bytes in document(
            serde_json::json!({ "value": [{ "subscriptionId": "s-1", "clientState": "cs_x",
                "changeType": "updated", "resource": "Users/x/Events/y",
                "lifecycleEvent": "reauthorizationRequired", "tenantId": "t" }] }),
            &["value", "subscriptionId", "clientState", "changeType", "resource", "lifecycleEvent"],
        )) {
            let _ = parse(&bytes);
        }
    }
}
