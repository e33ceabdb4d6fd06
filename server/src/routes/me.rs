//! `GET /api/me` and `PUT /api/me/sync`: the signed-in user, their connections and their own
//! settings ([`crate::accounts::Accounts`] does the work).

use axum::Json;
use axum::extract::State;
use liaison_domain::api::{Me, SyncSetting};

use crate::http::caller::Caller;
use crate::http::error::Result;
use crate::http::extract::AppJson;
use crate::state::AppState;

pub async fn get_me(State(state): State<AppState>, caller: Caller) -> Result<Json<Me>> {
    Ok(Json(state.accounts.me(&caller.user).await?))
}

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
