//! `GET /api/me` and `PUT /api/me/sync`: the signed-in user, their connections and their own
//! settings ([`crate::accounts::Accounts`] does the work).

use axum::Json;
use axum::extract::State;
use liaison_domain::api::{Me, SyncSetting};

use crate::http::caller::Caller;
use crate::http::error::Result;
use crate::http::extract::AppJson;
use crate::state::AppState;

#[utoipa::path(
    get,
    path = "/me",
    tag = "me",
    responses((status = 200, body = liaison_domain::api::Me), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []))
)]
pub async fn get_me(State(state): State<AppState>, caller: Caller) -> Result<Json<Me>> {
    Ok(Json(state.accounts.me(&caller.user).await?))
}

#[utoipa::path(
    put,
    path = "/me/sync",
    tag = "me",
    request_body = liaison_domain::api::SyncSetting,
    responses((status = 200, body = liaison_domain::api::Me), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []))
)]
pub async fn set_sync_setting(
    State(state): State<AppState>,
    caller: Caller,
    AppJson(setting): AppJson<SyncSetting>,
) -> Result<Json<Me>> {
    Ok(Json(
        state
            .accounts
            .set_sync(&caller.user, setting.sync_enabled)
            .await?,
    ))
}
