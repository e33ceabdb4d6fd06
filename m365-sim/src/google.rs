//! A smaller Google Workspace surface, under `/google`: OpenID discovery, the keys, an account
//! picker, the token endpoint (code + PKCE, refresh) and the primary calendar's events.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Form, Json};
use serde_json::json;

use crate::identity::{
    AuthorizeDecision, TokenForm, client_credentials, escape, pkce_matches, random_token,
};
use crate::state::{Claims, SimState, now_s};
use crate::world::Grant;

/// Google's tenant marker in the shared grant maps.
const GOOGLE: &str = "google";

pub fn issuer(state: &SimState) -> String {
    format!("{}/google", state.base_url)
}

/// `GET /google/.well-known/openid-configuration`
pub async fn openid_configuration(State(state): State<Arc<SimState>>) -> Json<serde_json::Value> {
    let base = issuer(&state);
    Json(json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/o/oauth2/v2/auth"),
        "token_endpoint": format!("{base}/token"),
        "jwks_uri": format!("{base}/oauth2/v3/certs"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile"],
        "code_challenge_methods_supported": ["plain", "S256"],
    }))
}

/// `GET /google/oauth2/v3/certs`
pub async fn certs(State(state): State<Arc<SimState>>) -> Json<serde_json::Value> {
    Json(state.keys().jwks(&issuer(&state)))
}

fn error_json(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({ "error": error, "error_description": description })),
    )
        .into_response()
}

fn check(state: &SimState, params: &HashMap<String, String>) -> Result<String, Response> {
    let world = state.world();
    if params.get("client_id") != Some(&world.app.google_client_id) {
        return Err((
            StatusCode::BAD_REQUEST,
            Html("<h1>Error 401: invalid_client</h1>"),
        )
            .into_response());
    }
    let redirect_uri = params.get("redirect_uri").cloned().unwrap_or_default();
    if !world.app.redirect_uris.contains(&redirect_uri) {
        return Err((
            StatusCode::BAD_REQUEST,
            Html("<h1>Error 400: redirect_uri_mismatch</h1>"),
        )
            .into_response());
    }
    Ok(redirect_uri)
}

/// `GET /google/o/oauth2/v2/auth`: choose an account.
pub async fn authorize_page(
    State(state): State<Arc<SimState>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    if let Err(page) = check(&state, &params) {
        return page;
    }
    let accounts: String = state
        .world()
        .seed
        .google_accounts
        .iter()
        .enumerate()
        .map(|(i, a)| format!(
            "<li><label><input type=radio name=user value=\"{mail}\"{checked}> {name} &lt;{mail}&gt;</label></li>",
            mail = escape(&a.email), name = escape(&a.name), checked = if i == 0 { " checked" } else { "" }))
        .collect();
    Html(format!(
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Sign in with Google \
         (simulator)</title></head><body><h1>Choose an account</h1><form method=post>\
         <ul id=accounts>{accounts}</ul><p>Scopes: <code>{}</code></p>\
         <button id=accept name=decision value=accept>Allow</button> \
         <button id=cancel name=decision value=cancel>Cancel</button></form></body></html>",
        escape(params.get("scope").map(String::as_str).unwrap_or(""))
    ))
    .into_response()
}

/// `POST /google/o/oauth2/v2/auth`
pub async fn authorize_submit(
    State(state): State<Arc<SimState>>,
    Query(params): Query<HashMap<String, String>>,
    Form(decision): Form<AuthorizeDecision>,
) -> Response {
    let redirect_uri = match check(&state, &params) {
        Ok(uri) => uri,
        Err(page) => return page,
    };
    let Ok(mut url) = url::Url::parse(&redirect_uri) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let account = state
        .world()
        .seed
        .google_accounts
        .iter()
        .find(|a| a.email.eq_ignore_ascii_case(&decision.user))
        .cloned();
    {
        let mut query = url.query_pairs_mut();
        match account {
            Some(account) if decision.decision == "accept" => {
                let code = random_token("sim.g.code.");
                let mut world = state.world();
                let client_id = world.app.google_client_id.clone();
                let offline = params.get("access_type").map(String::as_str) == Some("offline");
                let mut scopes: Vec<String> = params
                    .get("scope")
                    .map(|s| s.split_whitespace().map(str::to_owned).collect())
                    .unwrap_or_default();
                if offline {
                    scopes.push("offline_access".into());
                }
                world.codes.insert(
                    code.clone(),
                    Grant {
                        tenant_id: GOOGLE.into(),
                        user_id: account.sub.clone(),
                        client_id,
                        scopes,
                        redirect_uri: redirect_uri.clone(),
                        code_challenge: params.get("code_challenge").cloned(),
                        nonce: params.get("nonce").cloned(),
                    },
                );
                query.append_pair("code", &code);
            }
            _ => {
                query.append_pair("error", "access_denied");
            }
        }
        if let Some(s) = params.get("state") {
            query.append_pair("state", s);
        }
    }
    Redirect::to(url.as_str()).into_response()
}

/// `POST /google/token`
pub async fn token(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Response {
    let (client_id, secret) = client_credentials(&headers, &form);
    let (google_id, google_secret) = {
        let world = state.world();
        (
            world.app.google_client_id.clone(),
            world.app.google_client_secret.clone(),
        )
    };
    if client_id.as_deref() != Some(google_id.as_str())
        || secret.as_deref() != Some(google_secret.as_str())
    {
        return error_json(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "The OAuth client was not found.",
        );
    }
    let (grant, first) = match form.grant_type.as_deref() {
        Some("authorization_code") => {
            let grant = state
                .world()
                .codes
                .remove(form.code.as_deref().unwrap_or(""))
                .filter(|g| g.client_id == google_id);
            let Some(grant) = grant else {
                return error_json(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "Malformed auth code.",
                );
            };
            if form.redirect_uri.as_deref() != Some(grant.redirect_uri.as_str()) {
                return error_json(
                    StatusCode::BAD_REQUEST,
                    "redirect_uri_mismatch",
                    "Bad Request",
                );
            }
            if let Some(challenge) = &grant.code_challenge
                && !pkce_matches(challenge, form.code_verifier.as_deref())
            {
                return error_json(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "Invalid code verifier.",
                );
            }
            (grant, true)
        }
        Some("refresh_token") => {
            let grant = state
                .world()
                .refresh_tokens
                .get(form.refresh_token.as_deref().unwrap_or(""))
                .cloned()
                .filter(|g| g.client_id == google_id);
            let Some(grant) = grant else {
                return error_json(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "Token has been expired or revoked.",
                );
            };
            (grant, false)
        }
        _ => {
            return error_json(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "Invalid grant_type.",
            );
        }
    };
    let access_token = random_token("sim.g.at.");
    state
        .world()
        .google_access_tokens
        .insert(access_token.clone(), grant.user_id.clone());
    let mut body = json!({
        "access_token": access_token,
        "expires_in": 3599,
        "token_type": "Bearer",
        "scope": grant.scopes.iter().filter(|s| *s != "offline_access").cloned().collect::<Vec<_>>().join(" "),
    });
    if first && grant.scopes.iter().any(|s| s == "offline_access") {
        // Google does not rotate refresh tokens: the same one keeps working until revoked.
        let refresh = random_token("sim.g.rt.");
        state
            .world()
            .refresh_tokens
            .insert(refresh.clone(), grant.clone());
        body["refresh_token"] = json!(refresh);
    }
    if first && grant.scopes.iter().any(|s| s == "openid") {
        let account = state
            .world()
            .seed
            .google_accounts
            .iter()
            .find(|a| a.sub == grant.user_id)
            .cloned();
        let now = now_s();
        let claims = Claims {
            iss: issuer(&state),
            aud: google_id.clone(),
            sub: grant.user_id.clone(),
            iat: now,
            nbf: now,
            exp: now + 3600,
            email: account.as_ref().map(|a| a.email.clone()),
            name: account.as_ref().map(|a| a.name.clone()),
            nonce: grant.nonce.clone(),
            azp: Some(google_id),
            ..Claims::default()
        };
        body["id_token"] = json!(state.sign(&claims));
    }
    Json(body).into_response()
}

/// `GET /google/calendar/v3/calendars/{calendar}/events`
pub async fn list_events(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    Path(calendar): Path<String>,
) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let world = state.world();
    let Some(sub) = world.google_access_tokens.get(token) else {
        return (StatusCode::UNAUTHORIZED, Json(json!({ "error": { "code": 401, "message": "Request had invalid authentication credentials.", "status": "UNAUTHENTICATED" } }))).into_response();
    };
    let Some(account) = world.seed.google_accounts.iter().find(|a| &a.sub == sub) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if calendar != "primary" && !calendar.eq_ignore_ascii_case(&account.email) {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({ "error": { "code": 404, "message": "Not Found" } })),
        )
            .into_response();
    }
    let items: Vec<_> = account
        .events
        .iter()
        .enumerate()
        .map(|(i, (summary, start))| {
            json!({
                "kind": "calendar#event",
                "id": format!("gev{i:04}"),
                "etag": format!("\"{i}\""),
                "status": "confirmed",
                "summary": summary,
                "iCalUID": format!("gev{i:04}@google.com"),
                "start": { "dateTime": start, "timeZone": "UTC" },
                "end": { "dateTime": start, "timeZone": "UTC" },
                "organizer": { "email": account.email, "self": true },
            })
        })
        .collect();
    Json(json!({ "kind": "calendar#events", "summary": account.email, "accessRole": "owner", "items": items, "nextSyncToken": "sim-sync-1" })).into_response()
}
