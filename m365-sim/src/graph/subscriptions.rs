//! Change-notification subscriptions: create (validated with the notification URL), renew,
//! delete; the simulator then posts notifications when events change.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::state::SimState;
use crate::world::IdForm;

use super::access::*;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionWrite {
    change_type: Option<String>,
    notification_url: Option<String>,
    lifecycle_notification_url: Option<String>,
    resource: Option<String>,
    expiration_date_time: Option<String>,
    client_state: Option<String>,
}

/// Events subscriptions live at most 4,230 minutes (Graph's limit for Outlook resources).
const MAX_SUBSCRIPTION_SECONDS: i64 = 4230 * 60;

/// Seconds since the epoch of an RFC 3339 UTC time, clamped to Graph's maximum lifetime.
fn expiry(text: Option<&str>) -> Result<i64, Response> {
    let now = crate::state::now_s();
    let parsed = text.and_then(crate::state::epoch_seconds).ok_or_else(|| {
        bad_request(
            "InvalidRequest",
            "expirationDateTime is missing or malformed.",
        )
    })?;
    if parsed <= now {
        return Err(bad_request(
            "InvalidRequest",
            "expirationDateTime must be in the future.",
        ));
    }
    Ok(parsed.min(now + MAX_SUBSCRIPTION_SECONDS))
}

fn subscription_json(sub: &crate::world::Subscription) -> Value {
    json!({
        "id": sub.id,
        "resource": sub.resource,
        "changeType": "created,updated,deleted",
        "notificationUrl": sub.notification_url,
        "lifecycleNotificationUrl": sub.lifecycle_url,
        "clientState": sub.client_state,
        "expirationDateTime": crate::state::rfc3339(sub.expires_s),
    })
}

/// `POST /v1.0/subscriptions`: validates the notification URL (it must echo `validationToken`
/// as `text/plain` within 10 s), then `201`.
pub async fn create_subscription(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> GraphResult {
    let claims = caller(&state, &headers)?;
    let write: SubscriptionWrite = serde_json::from_slice(&body)
        .map_err(|e| bad_request("RequestBodyRead", &e.to_string()))?;
    let resource = write.resource.clone().unwrap_or_default();
    let path = resource.trim_start_matches('/');
    let mailbox = match path.split('/').collect::<Vec<_>>().as_slice() {
        ["me", "events"] => claims.oid.clone(),
        ["users", user, "events"] if *user == claims.oid => claims.oid.clone(),
        _ => {
            return Err(bad_request(
                "ExtensionError",
                "Only the caller's own events may be subscribed to here.",
            ));
        }
    };
    if !has_scope(&claims, &["Calendars.Read", "Calendars.ReadWrite"]) {
        return Err(denied());
    }
    let Some(url) = write
        .notification_url
        .clone()
        .filter(|u| u.starts_with("http"))
    else {
        return Err(bad_request(
            "InvalidRequest",
            "notificationUrl is required.",
        ));
    };
    if write.change_type.as_deref().is_none_or(str::is_empty) {
        return Err(bad_request("InvalidRequest", "changeType is required."));
    }
    let expires_s = expiry(write.expiration_date_time.as_deref())?;
    let token = crate::identity::random_token("validation-");
    let validated = crate::state::webhook_client()
        .post(&url)
        .query(&[("validationToken", &token)])
        .timeout(std::time::Duration::from_secs(10))
        .send()
        .await;
    let echoed = match validated {
        Ok(res) if res.status() == StatusCode::OK => res.text().await.unwrap_or_default() == token,
        _ => false,
    };
    if !echoed {
        return Err(bad_request(
            "ValidationError",
            "Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.",
        ));
    }
    let sub = crate::world::Subscription {
        id: uuid::Uuid::new_v4().to_string(),
        tenant_id: claims.tid.clone(),
        mailbox,
        resource,
        notification_url: url,
        lifecycle_url: write.lifecycle_notification_url,
        client_state: write.client_state,
        expires_s,
        id_form: IdForm::of(&headers),
    };
    let json = subscription_json(&sub);
    state.world().subscriptions.insert(sub.id.clone(), sub);
    Ok((StatusCode::CREATED, Json(json)).into_response())
}

/// `PATCH /v1.0/subscriptions/{id}`: renews (`expirationDateTime` only).
pub async fn renew_subscription(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> GraphResult {
    let claims = caller(&state, &headers)?;
    let write: SubscriptionWrite = serde_json::from_slice(&body)
        .map_err(|e| bad_request("RequestBodyRead", &e.to_string()))?;
    let expires_s = expiry(write.expiration_date_time.as_deref())?;
    let mut world = state.world();
    let Some(sub) = world
        .subscriptions
        .get_mut(&id)
        .filter(|s| s.mailbox == claims.oid)
    else {
        return Err(not_found());
    };
    sub.expires_s = expires_s;
    Ok(Json(subscription_json(sub)).into_response())
}

/// `DELETE /v1.0/subscriptions/{id}`: `204`.
pub async fn delete_subscription(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> GraphResult {
    let claims = caller(&state, &headers)?;
    let mut world = state.world();
    if world
        .subscriptions
        .get(&id)
        .is_none_or(|s| s.mailbox != claims.oid)
    {
        return Err(not_found());
    }
    world.subscriptions.remove(&id);
    Ok(StatusCode::NO_CONTENT.into_response())
}
