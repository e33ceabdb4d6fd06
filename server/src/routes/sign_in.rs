//! Signing in ([`crate::auth::sign_in`] does the work):
//!
//! - `POST /api/session/sso`: Office SSO. The task pane sends the token Office gave it and gets
//!   a session; missing consent answers `403 consent_required` (the pane then opens the dialog).
//! - `GET /auth/microsoft/start?dialog=1`: the dialog's first page (on this server, as Office
//!   requires): a redirect to Microsoft with code + PKCE + a one-time `state` + nonce.
//! - `GET /admin/sign-in`: the administrators' console's sign-in, in an ordinary browser: a
//!   redirect to Microsoft; its callback puts the session in the console cookie
//!   (`HttpOnly`, `SameSite=Strict`) and goes back to `/admin`.
//! - `GET /auth/google/start?code=…`: the one-time link a signed-in pane got from `POST
//!   /api/connections/google`, opened in its dialog: a redirect to Google. Its callback hands
//!   the dialog a code the pane confirms with ([`crate::auth::google`]).
//! - `GET /auth/{provider}/callback`: one callback per provider, accepted only from the browser
//!   that started the flow (its flow cookie, [`crate::auth::flows`]). Ends the dialog with a
//!   one-time code, never a token.
//! - `POST /api/session/exchange`: the pane trades that code for a session.
//! - `DELETE /api/session`: signs out.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use liaison_domain::api::{DialogCode, SessionGrant};
use serde::Deserialize;

use crate::auth::cookies::SameSite;
use crate::auth::flow_cookie::{self, StartedFlow};
use crate::auth::sessions::CONSOLE_COOKIE;
use crate::auth::sign_in::{Callback, Finished, SignedIn};
use crate::http::caller::{Caller, bearer};
use crate::http::error::{ApiError, Result};
use crate::http::extract::AppJson;
use crate::http::pages::redirect_result;
use crate::http::taskpane::{OFFICE_JS_CDN, OFFICE_JS_STAND_IN};
use crate::state::AppState;
use crate::store::{FlowPurpose, Provider};

/// `POST /api/session/sso`
#[utoipa::path(
    post,
    path = "/session/sso",
    tag = "session",
    responses((status = 200, body = liaison_domain::api::SessionGrant), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("office_sso" = []))
)]
pub async fn start_sso_session(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<SessionGrant>> {
    let token = bearer(&headers).ok_or(ApiError::Unauthenticated)?;
    let signed_in = state.sign_in.with_office_sso(token).await?;
    grant(&state, &signed_in).await
}

/// `POST /api/session/exchange`
#[utoipa::path(
    post,
    path = "/session/exchange",
    tag = "session",
    request_body = liaison_domain::api::DialogCode,
    responses((status = 200, body = liaison_domain::api::SessionGrant), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody))
)]
pub async fn exchange_dialog_code(
    State(state): State<AppState>,
    AppJson(request): AppJson<DialogCode>,
) -> Result<Json<SessionGrant>> {
    let signed_in = state.sign_in.exchange_dialog_code(&request.code).await?;
    grant(&state, &signed_in).await
}

/// `DELETE /api/session`
#[utoipa::path(
    delete,
    path = "/session",
    tag = "session",
    responses((status = 204), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []))
)]
pub async fn end_session(State(state): State<AppState>, caller: Caller) -> Result<StatusCode> {
    crate::auth::sessions::end(state.store.as_ref(), &caller.session_hash).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A session for someone signed in; an Organizer with sync on gets their sessions going.
async fn grant(state: &AppState, signed_in: &SignedIn) -> Result<Json<SessionGrant>> {
    let user = &signed_in.user;
    if user.sync_enabled {
        state.sync.schedule(&user.key()).await?;
    }
    let (token, expires_at_ms) = state.sign_in.start_session(signed_in).await?;
    Ok(Json(SessionGrant {
        token,
        expires_at_ms,
        me: state.accounts.me(user).await?,
    }))
}

#[derive(Debug, Deserialize)]
pub struct StartParams {
    #[serde(default)]
    dialog: Option<String>,
}

/// `GET /auth/microsoft/start`
pub async fn start_microsoft_sign_in(
    State(state): State<AppState>,
    Query(params): Query<StartParams>,
) -> Result<Response> {
    let dialog = params.dialog.as_deref() == Some("1");
    let started = state
        .sign_in
        .start(Provider::Microsoft, FlowPurpose::SignIn, dialog, None)
        .await?;
    Ok(to_provider(&state, started))
}

#[derive(Debug, Deserialize)]
pub struct GoogleStartParams {
    code: String,
}

/// `GET /admin/sign-in`: the administrators' console signs in with Microsoft, by redirect.
pub async fn start_console_sign_in(State(state): State<AppState>) -> Result<Response> {
    let started = state.sign_in.start_console().await?;
    Ok(to_provider(&state, started))
}

/// `GET /auth/google/start?code=…`: the one-time link `POST /api/connections/google` gave a
/// signed-in pane, opened in its dialog.
pub async fn start_google_connect(
    State(state): State<AppState>,
    Query(params): Query<GoogleStartParams>,
) -> Result<Response> {
    let started = state.sign_in.open_google_start_link(&params.code).await?;
    Ok(to_provider(&state, started))
}

/// The redirect to the identity provider that binds the flow to this browser (its cookie).
pub fn to_provider(state: &AppState, started: StartedFlow) -> Response {
    let cookie = started.browser.set_cookie(state.public_url.is_https());
    (
        [(header::SET_COOKIE, cookie)],
        Redirect::to(started.authorize_url.as_str()),
    )
        .into_response()
}

/// `GET /auth/{provider}/callback`
pub async fn finish_sign_in(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    Query(callback): Query<Callback>,
    headers: HeaderMap,
) -> Response {
    let https = state.public_url.is_https();
    let page = |status, title: &str, text: &str, dialog_message: Option<&str>| {
        // The flow cookie did its work (or the flow is gone): the browser drops it.
        let mut page = redirect_result(status, title, text, dialog_message, office_js(&state));
        if let Ok(clear) = HeaderValue::from_str(&flow_cookie::clear_cookie(https)) {
            page.headers_mut().append(header::SET_COOKIE, clear);
        }
        page
    };
    let browser = flow_cookie::presented_cookie(&headers, https);
    match state
        .sign_in
        .finish(&provider, callback, browser.as_deref())
        .await
    {
        Ok(Finished::SignedIn {
            user,
            dialog_code: Some(code),
        }) => page(
            StatusCode::OK,
            "Signed in",
            &format!("Signed in as {}. Returning to Outlook…", user.display_name),
            Some(&code),
        ),
        Ok(Finished::SignedIn {
            user,
            dialog_code: None,
        }) => page(
            StatusCode::OK,
            "Signed in",
            &format!(
                "Signed in as {} and your calendar is connected. You can close this window.",
                user.display_name
            ),
            None,
        ),
        Ok(Finished::GoogleAwaitsPane { code, dialog }) => page(
            StatusCode::OK,
            "Back to Outlook",
            "Liaison finishes connecting your Google account in the Outlook sidebar that asked \
             for it. If this window is not Outlook's, nothing is connected: close it.",
            dialog.then_some(code.as_str()),
        ),
        // The administrator signed in: on to Microsoft's admin consent page, in this browser.
        Ok(Finished::Continue(started)) => to_provider(&state, started),
        // Signed in for the console: its session goes in the console cookie, and back there.
        Ok(Finished::ConsoleSignedIn {
            token,
            expires_at_ms,
            return_to,
            ..
        }) => {
            let max_age_s = (expires_at_ms - crate::clock::now_ms()) / 1000;
            let cookies = [
                CONSOLE_COOKIE.set(&token, max_age_s, https, SameSite::Strict),
                flow_cookie::clear_cookie(https),
            ];
            let mut response = Redirect::to(return_to).into_response();
            for cookie in cookies {
                if let Ok(value) = HeaderValue::from_str(&cookie) {
                    response.headers_mut().append(header::SET_COOKIE, value);
                }
            }
            response
        }
        Ok(Finished::AdminConsented) => page(
            StatusCode::OK,
            "Consent granted",
            "Liaison may now be used by everyone in your organization. Deploy manifest.xml \
             from the Microsoft 365 admin center.",
            None,
        ),
        Ok(Finished::Refused { error, dialog }) => page(
            StatusCode::BAD_REQUEST,
            "Sign-in did not complete",
            &format!("The sign-in was cancelled or refused ({error})."),
            dialog.then_some("error"),
        ),
        Err(error) => {
            let error = ApiError::from(error);
            page(
                error.status(),
                "Sign-in did not complete",
                &error.to_string(),
                None,
            )
        }
    }
}

/// The Office.js a sign-in page loads to message the pane: Microsoft's, or in the demo the
/// stand-in the simulated Outlook answers.
fn office_js(state: &AppState) -> &'static str {
    if state.demo.is_some() {
        OFFICE_JS_STAND_IN
    } else {
        OFFICE_JS_CDN
    }
}
