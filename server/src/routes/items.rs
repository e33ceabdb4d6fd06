//! The sidebar's item endpoints. The work is in [`crate::items`].

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use liaison_domain::api::{ItemContext, ItemRef, ItemStatus, SaveItemRequest, UnlinkRequest};
use serde::Deserialize;

use crate::http::caller::Caller;
use crate::http::error::Result;
use crate::http::extract::{AppJson, AppQuery};
use crate::state::AppState;

/// `POST /api/items/context`
#[utoipa::path(
    post,
    path = "/items/context",
    tag = "items",
    request_body = liaison_domain::api::ItemRef,
    responses((status = 200, body = liaison_domain::api::ItemContext), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []))
)]
pub async fn read_item_context(
    State(state): State<AppState>,
    caller: Caller,
    AppJson(item): AppJson<ItemRef>,
) -> Result<Json<ItemContext>> {
    Ok(Json(state.items.context(&caller.user, &item).await?))
}

/// `POST /api/items/categorize`: the server gives the item the CRM category through Graph,
/// and the Organizer's sync session starts at once.
#[utoipa::path(
    post,
    path = "/items/categorize",
    tag = "items",
    request_body = liaison_domain::api::ItemRef,
    responses((status = 200, body = liaison_domain::api::ItemContext), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []))
)]
pub async fn categorize_item(
    State(state): State<AppState>,
    caller: Caller,
    AppJson(item): AppJson<ItemRef>,
) -> Result<Json<ItemContext>> {
    let categorized = state.items.categorize(&caller.user, &item).await?;
    state.sync.request_now(&categorized.organizer).await?;
    Ok(Json(categorized.context))
}

/// `POST /api/items/save`, with an optional `Idempotency-Key` header.
#[utoipa::path(
    post,
    path = "/items/save",
    tag = "items",
    params(("Idempotency-Key" = Option<String>, Header, description = "replays the first answer to the same key and body")),
    request_body = liaison_domain::api::SaveItemRequest,
    responses((status = 200, body = liaison_domain::api::SaveItemResponse), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []))
)]
pub async fn save_item(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    AppJson(request): AppJson<SaveItemRequest>,
) -> Result<Response> {
    // A key that is not visible ASCII becomes "\0", which the key's validation refuses (400).
    let key = headers
        .get("idempotency-key")
        .map(|v| v.to_str().unwrap_or("\u{0}"));
    let stored = state.items.save(&caller.user, &request, key).await?;
    crate::crash::point("items.saved");
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    Ok((
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        stored.body,
    )
        .into_response())
}

/// `POST /api/items/unlink`
#[utoipa::path(
    post,
    path = "/items/unlink",
    tag = "items",
    request_body = liaison_domain::api::UnlinkRequest,
    responses((status = 200, body = liaison_domain::api::ItemContext), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []))
)]
pub async fn unlink_item(
    State(state): State<AppState>,
    caller: Caller,
    AppJson(request): AppJson<UnlinkRequest>,
) -> Result<Json<ItemContext>> {
    Ok(Json(state.items.unlink(&caller.user, &request).await?))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StatusQuery {
    owner: String,
    item_id: String,
}

/// `GET /api/items/status?owner=&itemId=`
#[utoipa::path(
    get,
    path = "/items/status",
    tag = "items",
    params(("owner" = String, Query), ("itemId" = String, Query)),
    responses((status = 200, body = liaison_domain::api::ItemStatus), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []))
)]
pub async fn get_item_status(
    State(state): State<AppState>,
    caller: Caller,
    AppQuery(query): AppQuery<StatusQuery>,
) -> Result<Json<ItemStatus>> {
    let item = ItemRef {
        owner: query.owner,
        item_id: Some(query.item_id),
        office_delegate_permissions: None,
        lookup: None,
    };
    Ok(Json(state.items.status(&caller.user, &item).await?))
}
