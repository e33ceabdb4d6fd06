//! The authorize page: pick a seeded user, consent for themselves, and the redirect back with a
//! code. No `prompt` value grants consent for the whole organization: Microsoft's v2 endpoint
//! documents `login`, `none`, `consent`, `select_account` (and `create`), not `admin_consent`;
//! the organization's consent is the admin consent endpoint's ([`super::admin_consent`]).

use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::state::SimState;
use crate::world::Grant;

use super::common::*;

#[derive(Debug, Deserialize)]
pub struct AuthorizeParams {
    client_id: Option<String>,
    redirect_uri: Option<String>,
    response_type: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    nonce: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    login_hint: Option<String>,
}

/// Checks an authorize request; on success the redirect URI is safe to redirect to.
fn check_authorize(state: &SimState, params: &AuthorizeParams) -> Result<String, Response> {
    let world = state.world();
    if params.client_id.as_deref() != Some(world.app.client_id.as_str()) {
        return Err(error_page(
            StatusCode::BAD_REQUEST,
            700016,
            "Application not found in the directory.",
        ));
    }
    let redirect_uri = params.redirect_uri.clone().unwrap_or_default();
    if !world.app.redirect_uris.contains(&redirect_uri) {
        return Err(error_page(
            StatusCode::BAD_REQUEST,
            50011,
            "The redirect URI specified in the request does not match the redirect URIs \
             configured for the application.",
        ));
    }
    Ok(redirect_uri)
}

/// `GET /{tenant}/oauth2/v2.0/authorize`: the sign-in and consent page.
pub async fn authorize_page(
    State(state): State<Arc<SimState>>,
    Path(tenant): Path<String>,
    Query(params): Query<AuthorizeParams>,
) -> Response {
    if let Err(page) = check_authorize(&state, &params) {
        return page;
    }
    let hint = params.login_hint.clone().unwrap_or_default();
    let users: String = tenant_users(&state, &tenant)
        .iter()
        .enumerate()
        .map(|(i, (_, u))| {
            let checked = if u.mail.eq_ignore_ascii_case(&hint) || (hint.is_empty() && i == 0) {
                " checked"
            } else {
                ""
            };
            format!(
                "<li><label><input type=radio name=user value=\"{mail}\"{checked}> {name} \
                 &lt;{mail}&gt;</label></li>",
                mail = escape(&u.mail),
                name = escape(&u.display_name),
            )
        })
        .collect();
    let scopes: String = params
        .scope
        .as_deref()
        .unwrap_or("")
        .split_whitespace()
        .map(|s| format!("<li><code>{}</code></li>", escape(s)))
        .collect();
    Html(format!(
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Sign in to your account \
         (Microsoft 365 simulator)</title></head><body><h1>Pick an account</h1>\
         <form method=post><ul id=accounts>{users}</ul><h2>Permissions requested</h2>\
         <ul id=scopes>{scopes}</ul>\
         <button id=accept name=decision value=accept>Accept</button> \
         <button id=cancel name=decision value=cancel>Cancel</button></form></body></html>"
    ))
    .into_response()
}

/// `POST /{tenant}/oauth2/v2.0/authorize`: the person picked an account and decided.
pub async fn authorize_submit(
    State(state): State<Arc<SimState>>,
    Path(tenant): Path<String>,
    Query(params): Query<AuthorizeParams>,
    Form(decision): Form<AuthorizeDecision>,
) -> Response {
    let redirect_uri = match check_authorize(&state, &params) {
        Ok(uri) => uri,
        Err(page) => return page,
    };
    let client_state = params.state.as_deref();
    if params.response_type.as_deref() != Some("code") {
        return redirect_error(
            &redirect_uri,
            "unsupported_response_type",
            700054,
            "response_type 'code' is the only one enabled for this application.",
            client_state,
        );
    }
    if decision.decision != "accept" {
        return redirect_error(
            &redirect_uri,
            "access_denied",
            65004,
            "User declined to consent to access the app.",
            client_state,
        );
    }
    let scopes: Vec<String> = params
        .scope
        .as_deref()
        .unwrap_or("")
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    if let Some(bad) = scopes.iter().find(|s| !known_scope(s)) {
        return redirect_error(
            &redirect_uri,
            "invalid_scope",
            70011,
            &format!("The provided value for the input parameter 'scope' is not valid: {bad}."),
            client_state,
        );
    }
    match params.code_challenge_method.as_deref() {
        None | Some("S256") | Some("plain") => {}
        Some(_) => {
            return redirect_error(
                &redirect_uri,
                "invalid_request",
                501491,
                "Invalid code_challenge_method.",
                client_state,
            );
        }
    }
    let Some((tenant_id, user)) = tenant_users(&state, &tenant)
        .into_iter()
        .find(|(_, u)| u.mail.eq_ignore_ascii_case(&decision.user))
    else {
        return error_page(
            StatusCode::BAD_REQUEST,
            50034,
            "The user account does not exist.",
        );
    };
    let code = random_token("sim.code.");
    {
        let mut world = state.world();
        world
            .user_consents
            .insert((tenant_id.clone(), user.id.clone()));
        let client_id = world.app.client_id.clone();
        world.codes.insert(
            code.clone(),
            Grant {
                tenant_id,
                user_id: user.id.clone(),
                client_id,
                scopes,
                redirect_uri: redirect_uri.clone(),
                code_challenge: params.code_challenge.clone(),
                nonce: params.nonce.clone(),
            },
        );
    }
    let mut url = match url::Url::parse(&redirect_uri) {
        Ok(url) => url,
        Err(_) => return error_page(StatusCode::BAD_REQUEST, 50011, "Bad redirect URI."),
    };
    {
        let mut query = url.query_pairs_mut();
        query.append_pair("code", &code);
        if let Some(s) = client_state {
            query.append_pair("state", s);
        }
        query.append_pair("session_state", &uuid::Uuid::new_v4().to_string());
    }
    Redirect::to(url.as_str()).into_response()
}
