//! The simulated Outlook host and what the task pane needs from it — demo and tests only: every
//! route here answers `404` unless the server runs as the demo (`ServerConfig::demo`).
//!
//! - `GET /dev/outlook`: the host page (mailboxes, calendars, the task pane beside them).
//! - `GET /dev/office.js`: the Office.js stand-in the pane loads with `?host=simulator`.
//! - `GET /dev/outlook/world.json`: the simulated tenant (people, delegate grants, events).
//! - `POST /dev/session`: the development sign-in: a session token for a seeded mailbox, held
//!   by the pane in memory, as the real sign-in's token will be.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use m365_sim::office_host;
use serde::{Deserialize, Serialize};

use crate::auth::dev_token;
use crate::error::ApiError;
use crate::extract::AppJson;
use crate::state::AppState;

pub async fn get_outlook(State(state): State<AppState>) -> Response {
    demo_only(&state, || Html(office_host::OUTLOOK_HTML).into_response())
}

pub async fn get_outlook_js(State(state): State<AppState>) -> Response {
    demo_only(&state, || script(office_host::OUTLOOK_JS))
}

pub async fn get_outlook_css(State(state): State<AppState>) -> Response {
    demo_only(&state, || {
        (
            [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
            office_host::OUTLOOK_CSS,
        )
            .into_response()
    })
}

pub async fn get_office_js(State(state): State<AppState>) -> Response {
    demo_only(&state, || script(office_host::OFFICE_JS))
}

pub async fn get_world(State(state): State<AppState>) -> Response {
    match &state.demo {
        Some(demo) => (
            [(header::CONTENT_TYPE, "application/json")],
            demo.world_json.clone(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionRequest {
    mailbox: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Session {
    pub token: String,
}

/// `POST /dev/session`
pub async fn create_dev_session(
    State(state): State<AppState>,
    AppJson(request): AppJson<SessionRequest>,
) -> Result<Json<Session>, ApiError> {
    let Some(demo) = &state.demo else {
        return Err(ApiError::NotFound);
    };
    let mailbox = request.mailbox.trim().to_lowercase();
    let user = demo
        .mailboxes
        .iter()
        .find(|m| m.address == mailbox)
        .ok_or(ApiError::Unauthenticated)?;
    Ok(Json(Session {
        token: dev_token(&user.tenant_id, &user.user_id),
    }))
}

fn demo_only(state: &AppState, page: impl FnOnce() -> Response) -> Response {
    if state.demo.is_some() {
        page()
    } else {
        StatusCode::NOT_FOUND.into_response()
    }
}

fn script(source: &'static str) -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        source,
    )
        .into_response()
}
