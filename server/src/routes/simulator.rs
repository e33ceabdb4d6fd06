//! The simulated Outlook host and what the task pane needs from it — demo and tests only:
//! compiled with the `demo` feature, and mounted (under `/dev`) only when the server runs as
//! the demo ([`router`]).
//!
//! - `GET /dev/outlook`: the host page (mailboxes, calendars, the task pane beside them).
//! - `GET /dev/office.js`: the Office.js stand-in the pane loads with `?host=simulator`.
//! - `GET /dev/outlook/world.json`: the simulated tenant (people, delegate grants, events).
//! - `GET /dev/office/sso-token?mailbox=…`: what Office's `getAccessToken` returns, fetched
//!   from the simulator (Office, not the add-in, mints it; the Office.js stand-in asks here).

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post, put};
use m365_sim::office_host;
use serde::Deserialize;

use crate::demo::DemoSettings;
use crate::http::error::ApiError;
use crate::http::extract::AppJson;
use crate::state::AppState;

/// The `/dev` routes, for [`crate::router`] to nest when the server runs as the demo.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/office.js", get(get_office_js))
        .route("/outlook", get(get_outlook))
        .route("/outlook.js", get(get_outlook_js))
        .route("/outlook.css", get(get_outlook_css))
        .route("/outlook/world.json", get(get_world))
        .route("/office/sso-token", get(get_sso_token))
        .route("/outlook/categories", put(put_categories))
        .route("/outlook/events", post(post_composed))
}

async fn get_outlook() -> Response {
    Html(office_host::OUTLOOK_HTML).into_response()
}

async fn get_outlook_js() -> Response {
    script(office_host::OUTLOOK_JS)
}

async fn get_outlook_css() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        office_host::OUTLOOK_CSS,
    )
        .into_response()
}

async fn get_office_js() -> Response {
    script(office_host::OFFICE_JS)
}

/// The simulator's tenants as they are now (the meetings created since it started too).
async fn get_world(State(state): State<AppState>) -> Result<Response, ApiError> {
    let url = format!("{}/_outlook/world.json", demo(&state)?.simulator_url);
    let world = state
        .identity
        .http
        .get(url)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|_| ApiError::IdentityUnavailable)?
        .bytes()
        .await
        .map_err(|_| ApiError::IdentityUnavailable)?;
    Ok(([(header::CONTENT_TYPE, "application/json")], world).into_response())
}

/// The demo's settings (the routes are mounted only when there are some).
fn demo(state: &AppState) -> Result<&DemoSettings, ApiError> {
    state.demo.as_deref().ok_or(ApiError::NotFound)
}

#[derive(Debug, Deserialize)]
pub struct SsoTokenQuery {
    mailbox: String,
}

/// `GET /dev/office/sso-token`
async fn get_sso_token(
    State(state): State<AppState>,
    Query(query): Query<SsoTokenQuery>,
) -> Result<Response, ApiError> {
    let demo = demo(&state)?;
    let ms = state.microsoft()?;
    let url = format!("{}/_office/sso-token", demo.simulator_url);
    let response = state
        .identity
        .http
        .get(url)
        .query(&[
            ("mailbox", query.mailbox.as_str()),
            ("resource", ms.settings.app_id_uri.as_str()),
        ])
        .send()
        .await
        .map_err(|_| ApiError::IdentityUnavailable)?;
    let status = response.status().as_u16();
    let body = response
        .bytes()
        .await
        .map_err(|_| ApiError::IdentityUnavailable)?;
    Ok((
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY),
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response())
}

fn script(source: &'static str) -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        source,
    )
        .into_response()
}

#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CategoriesWrite {
    event_id: String,
    categories: Vec<String>,
}

/// `PUT /dev/outlook/categories` (demo only): the simulated Outlook stores an item's categories
/// in the simulator, where sync sessions read them through Graph.
async fn put_categories(
    State(state): State<AppState>,
    AppJson(write): AppJson<CategoriesWrite>,
) -> Result<StatusCode, ApiError> {
    let demo = demo(&state)?;
    let url = format!("{}/_outlook/events/categories", demo.simulator_url);
    let response = state
        .identity
        .http
        .put(url)
        .json(&serde_json::json!({ "eventId": write.event_id, "categories": write.categories }))
        .send()
        .await
        .map_err(|_| ApiError::IdentityUnavailable)?;
    if response.status().is_success() {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}

#[derive(Debug, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ComposedMeeting {
    owner: String,
    creator: String,
    subject: String,
    start: String,
    end: String,
    #[serde(default)]
    location: String,
}

/// `POST /dev/outlook/events` (demo only): the simulated Outlook saves a meeting being composed
/// (Office.js `saveAsync`) in the simulator; answers its REST id.
async fn post_composed(
    State(state): State<AppState>,
    AppJson(meeting): AppJson<ComposedMeeting>,
) -> Result<Response, ApiError> {
    let demo = demo(&state)?;
    let response = state
        .identity
        .http
        .post(format!("{}/_outlook/events", demo.simulator_url))
        .json(&meeting)
        .send()
        .await
        .map_err(|_| ApiError::IdentityUnavailable)?;
    let status = response.status().as_u16();
    let body = response
        .bytes()
        .await
        .map_err(|_| ApiError::IdentityUnavailable)?;
    Ok((
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY),
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response())
}
