//! The CRM's webhooks, for administrators: `GET/POST /api/admin/crm/webhooks`,
//! `DELETE /api/admin/crm/webhooks/{id}`, `GET …/{id}/dead-letters` and
//! `POST …/{id}/dead-letters/{letter}/replay`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use liaison_domain::api::{DeadLetterLine, Webhook, WebhookCreated, WebhookRequest};

use crate::http::console::AdminCaller;
use crate::http::error::Result;
use crate::http::extract::AppJson;
use crate::state::AppState;

/// `GET /api/admin/crm/webhooks`: the tenant's webhooks and how their delivery goes.
#[utoipa::path(
    get,
    path = "/admin/crm/webhooks",
    tag = "admin",
    responses((status = 200, body = Vec<liaison_domain::api::Webhook>), (status = "4XX", description = "refused: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []), ("console" = []))
)]
pub async fn list_webhooks(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
) -> Result<Json<Vec<Webhook>>> {
    Ok(Json(state.webhooks.list(&caller.user.tenant_id).await?))
}

/// `POST /api/admin/crm/webhooks`: a receiver of the changes from now on. The answer holds the
/// signing secret, shown this once.
#[utoipa::path(
    post,
    path = "/admin/crm/webhooks",
    tag = "admin",
    request_body = liaison_domain::api::WebhookRequest,
    responses((status = 201, body = liaison_domain::api::WebhookCreated), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []), ("console" = []))
)]
pub async fn create_webhook(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    AppJson(request): AppJson<WebhookRequest>,
) -> Result<(StatusCode, Json<WebhookCreated>)> {
    let created = state.webhooks.create(&caller.user, &request).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// `DELETE /api/admin/crm/webhooks/{id}`: no more deliveries; its dead letters go too.
#[utoipa::path(
    delete,
    path = "/admin/crm/webhooks/{id}",
    tag = "admin",
    params(("id" = String, Path)),
    responses((status = 204, description = "removed"), (status = "4XX", description = "refused or unknown: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []), ("console" = []))
)]
pub async fn delete_webhook(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    state.webhooks.delete(&caller.user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/admin/crm/webhooks/{id}/dead-letters`: the batches the receiver kept refusing.
#[utoipa::path(
    get,
    path = "/admin/crm/webhooks/{id}/dead-letters",
    tag = "admin",
    params(("id" = String, Path)),
    responses((status = 200, body = Vec<liaison_domain::api::DeadLetterLine>), (status = "4XX", description = "refused or unknown: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []), ("console" = []))
)]
pub async fn list_dead_letters(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    Path(id): Path<String>,
) -> Result<Json<Vec<DeadLetterLine>>> {
    Ok(Json(
        state
            .webhooks
            .dead_letters(&caller.user.tenant_id, &id)
            .await?,
    ))
}

/// `POST /api/admin/crm/webhooks/{id}/dead-letters/{letter}/replay`: delivers the batch again
/// now; removed once the receiver takes it (`502 receiver_failed` and kept otherwise).
#[utoipa::path(
    post,
    path = "/admin/crm/webhooks/{id}/dead-letters/{letter}/replay",
    tag = "admin",
    params(("id" = String, Path), ("letter" = String, Path, description = "the dead letter's id")),
    responses((status = 200, body = liaison_domain::api::Webhook), (status = 502, description = "the receiver refused it again", body = liaison_domain::api::ErrorBody), (status = "4XX", description = "refused or unknown: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []), ("console" = []))
)]
pub async fn replay_dead_letter(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    Path((id, letter)): Path<(String, String)>,
) -> Result<Json<Webhook>> {
    Ok(Json(
        state.webhooks.replay(&caller.user, &id, &letter).await?,
    ))
}
