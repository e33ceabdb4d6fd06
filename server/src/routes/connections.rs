//! The signed-in user's connected accounts:
//!
//! - `POST /api/connections/google`: the one-time link (two minutes) a signed-in Organizer's
//!   pane opens in its dialog to connect Google Workspace (`GET /auth/google/start`, then the
//!   code flow bound to that browser; the callback is `GET /auth/google/callback`).
//! - `POST /api/connections/google/confirm`: the pane that asked confirms with the code its
//!   dialog came back with; only then is the account connected ([`crate::auth::google`]).
//! - `POST /api/connections/microsoft/check`: uses the Microsoft connection (refresh + `GET
//!   /me`); an `invalid_grant` turns it to "needs reconnect".

use axum::Json;
use axum::extract::State;
use liaison_domain::api::{ConnectGoogle, DialogCode, Me};

use crate::http::caller::Caller;
use crate::http::error::Result;
use crate::http::extract::AppJson;
use crate::state::AppState;

/// `POST /api/connections/google`
#[utoipa::path(
    post,
    path = "/connections/google",
    tag = "connections",
    responses((status = 200, body = liaison_domain::api::ConnectGoogle), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []))
)]
pub async fn connect_google(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<ConnectGoogle>> {
    let link = state.sign_in.google_start_link(&caller.user.key()).await?;
    Ok(Json(ConnectGoogle {
        authorize_url: format!("{}{link}", state.public_url),
    }))
}

/// `POST /api/connections/google/confirm`: the connections as they are now.
#[utoipa::path(
    post,
    path = "/connections/google/confirm",
    tag = "connections",
    request_body = liaison_domain::api::DialogCode,
    responses((status = 200, body = liaison_domain::api::Me), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []))
)]
pub async fn confirm_google(
    State(state): State<AppState>,
    caller: Caller,
    AppJson(request): AppJson<DialogCode>,
) -> Result<Json<Me>> {
    let user = caller.user.key();
    state.sign_in.confirm_google(&user, &request.code).await?;
    Ok(Json(state.accounts.me(&caller.user).await?))
}

/// `POST /api/connections/microsoft/check`
#[utoipa::path(
    post,
    path = "/connections/microsoft/check",
    tag = "connections",
    responses((status = 200, body = liaison_domain::api::Me), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []))
)]
pub async fn check_microsoft(State(state): State<AppState>, caller: Caller) -> Result<Json<Me>> {
    state.sign_in.check_microsoft(&caller.user).await?;
    Ok(Json(state.accounts.me(&caller.user).await?))
}
