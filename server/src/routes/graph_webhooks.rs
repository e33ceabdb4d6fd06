//! Microsoft Graph's webhooks, not for clients:
//!
//! - `POST /api/graph/notifications`: Graph's validation (echo `validationToken` as text), then
//!   change notifications: a known subscription with the right `clientState` makes that
//!   Organizer's session due now.
//! - `POST /api/graph/lifecycle`: `reauthorizationRequired` → renew at the next session;
//!   `subscriptionRemoved` → create again at the next session; then sync now.
//!
//! Both always answer `202`: Graph retries anything else, and a forged notification learns
//! nothing. A malformed body is no hint at all. What a notification does is the sync engine's
//! (`crate::sync::notifications`); this module reads Graph's HTTP.

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::state::AppState;
use crate::sync::notifications::Delivered;

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

impl Notification {
    fn delivered(&self) -> Delivered<'_> {
        Delivered {
            subscription_id: &self.subscription_id,
            client_state: self.client_state.as_deref(),
            lifecycle_event: self.lifecycle_event.as_deref(),
        }
    }
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

#[utoipa::path(
    post,
    path = "/graph/notifications",
    tag = "webhooks",
    request_body(content = String, content_type = "application/json", description = "Graph's change notifications"),
    params(("validationToken" = Option<String>, Query, description = "Graph's validation: echoed as text/plain")),
    responses((status = 202), (status = 200, description = "the validation token, echoed"), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody))
)]
pub async fn receive_notifications(
    State(state): State<AppState>,
    Query(validation): Query<Validation>,
    body: axum::body::Bytes,
) -> Response {
    if let Some(token) = validation.validation_token {
        return echo(token);
    }
    for notification in parse(&body) {
        state.sync.on_change(&notification.delivered()).await;
    }
    StatusCode::ACCEPTED.into_response()
}

#[utoipa::path(
    post,
    path = "/graph/lifecycle",
    tag = "webhooks",
    request_body(content = String, content_type = "application/json", description = "Graph's lifecycle notifications"),
    params(("validationToken" = Option<String>, Query)),
    responses((status = 202), (status = 200, description = "the validation token, echoed"), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody))
)]
pub async fn receive_lifecycle(
    State(state): State<AppState>,
    Query(validation): Query<Validation>,
    body: axum::body::Bytes,
) -> Response {
    if let Some(token) = validation.validation_token {
        return echo(token);
    }
    for notification in parse(&body) {
        state.sync.on_lifecycle(&notification.delivered()).await;
    }
    StatusCode::ACCEPTED.into_response()
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
