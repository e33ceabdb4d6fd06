//! The signed-in user's connected accounts:
//!
//! - `POST /api/connections/google`: the one-time link (two minutes) a signed-in Organizer's
//!   pane opens in its dialog to connect Google Workspace (`GET /auth/google/start`, then the
//!   code flow bound to that browser; the callback is `GET /auth/google/callback`).
//! - `POST /api/connections/microsoft/check`: uses the Microsoft connection (refresh + `GET
//!   /me`); an `invalid_grant` turns it to "needs reconnect".

use axum::Json;
use axum::extract::State;
use liaison_domain::api::{ConnectGoogle, Me};

use crate::http::caller::Caller;
use crate::http::error::Result;
use crate::routes::me::me;
use crate::state::AppState;

/// `POST /api/connections/google`
pub async fn connect_google(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<ConnectGoogle>> {
    let link = state.sign_in.google_start_link(&caller.user.key()).await?;
    Ok(Json(ConnectGoogle {
        authorize_url: format!("{}{link}", state.public_url),
    }))
}

/// `POST /api/connections/microsoft/check`
pub async fn check_microsoft(State(state): State<AppState>, caller: Caller) -> Result<Json<Me>> {
    state.sign_in.check_microsoft(&caller.user).await?;
    Ok(Json(me(&state, &caller.user).await?))
}
