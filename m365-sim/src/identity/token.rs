//! The token endpoint (authorization code + PKCE, refresh with rotation, On-Behalf-Of, v1.0 or
//! v2.0 access tokens as the registration asks) and the add-in SSO token Office mints.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde_json::json;

use crate::state::{Claims, GRAPH_APP_ID, OUTLOOK_CLIENT_ID, SimState, now_s};
use crate::world::Grant;

use super::common::*;

/// The token endpoint's form (every grant type's fields).
#[derive(Debug, Default, Deserialize)]
pub struct TokenForm {
    pub grant_type: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub code: Option<String>,
    pub redirect_uri: Option<String>,
    pub code_verifier: Option<String>,
    pub refresh_token: Option<String>,
    scope: Option<String>,
    assertion: Option<String>,
    requested_token_use: Option<String>,
}

/// The client id and secret from HTTP Basic or the form.
pub fn client_credentials(
    headers: &HeaderMap,
    form: &TokenForm,
) -> (Option<String>, Option<String>) {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| {
            s.split_once(':').map(|(id, secret)| {
                let decode = |v: &str| {
                    url::form_urlencoded::parse(format!("x={v}").as_bytes())
                        .next()
                        .map(|(_, v)| v.into_owned())
                        .unwrap_or_default()
                };
                (decode(id), decode(secret))
            })
        });
    match basic {
        Some((id, secret)) => (Some(id), Some(secret)),
        None => (form.client_id.clone(), form.client_secret.clone()),
    }
}

/// `POST /{tenant}/oauth2/v2.0/token`
pub async fn token(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Response {
    let (client_id, secret) = client_credentials(&headers, &form);
    {
        let world = state.world();
        if client_id.as_deref() != Some(world.app.client_id.as_str()) {
            return aad_error(
                StatusCode::BAD_REQUEST,
                "unauthorized_client",
                700016,
                "Application not found in the directory.",
            );
        }
        if secret.as_deref() != Some(world.app.client_secret.as_str()) {
            return aad_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                7000215,
                "Invalid client secret provided.",
            );
        }
    }
    match form.grant_type.as_deref() {
        Some("authorization_code") => redeem_code(&state, &form),
        Some("refresh_token") => redeem_refresh_token(&state, &form),
        Some("urn:ietf:params:oauth:grant-type:jwt-bearer") => on_behalf_of(&state, &form),
        _ => aad_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
            "The app requested an unsupported grant type.",
        ),
    }
}

fn redeem_code(state: &SimState, form: &TokenForm) -> Response {
    let code = form.code.clone().unwrap_or_default();
    let grant = {
        let mut world = state.world();
        let client_id = world.app.client_id.clone();
        // A code issued to another client (the Google surface's) is not this client's.
        match world
            .codes
            .remove(&code)
            .filter(|g| g.client_id == client_id)
        {
            Some(grant) => {
                world.redeemed_codes.insert(code);
                grant
            }
            None if world.redeemed_codes.contains(&code) => {
                return aad_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    54005,
                    "OAuth2 Authorization code was already redeemed, please retry with a new \
                     valid code or use an existing refresh token.",
                );
            }
            None => {
                return aad_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    70000,
                    "The provided authorization code is invalid or has expired.",
                );
            }
        }
    };
    if form.redirect_uri.as_deref() != Some(grant.redirect_uri.as_str()) {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            50148,
            "The redirect_uri does not match the one in the authorization request.",
        );
    }
    if let Some(challenge) = &grant.code_challenge
        && !pkce_matches(challenge, form.code_verifier.as_deref())
    {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            501481,
            "The Code_Verifier does not match the code_challenge supplied in the \
             authorization request.",
        );
    }
    issue(state, &grant, true)
}

fn redeem_refresh_token(state: &SimState, form: &TokenForm) -> Response {
    let presented = form.refresh_token.clone().unwrap_or_default();
    let grant = {
        let mut world = state.world();
        let client_id = world.app.client_id.clone();
        world
            .refresh_tokens
            .remove(&presented)
            .filter(|g| g.client_id == client_id)
    };
    let Some(grant) = grant else {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            70000,
            "The provided value for the 'refresh_token' is not valid: it is unknown, was \
             revoked or was already used.",
        );
    };
    if let Some(requested) = &form.scope {
        let wanted = graph_scopes(
            &requested
                .split_whitespace()
                .map(str::to_owned)
                .collect::<Vec<_>>(),
        );
        let granted = graph_scopes(&grant.scopes);
        if wanted.iter().any(|s| !granted.contains(s)) {
            return aad_error(
                StatusCode::BAD_REQUEST,
                "invalid_scope",
                70011,
                "The requested scope exceeds the scope originally granted.",
            );
        }
    }
    issue(state, &grant, false)
}

fn on_behalf_of(state: &SimState, form: &TokenForm) -> Response {
    if form.requested_token_use.as_deref() != Some("on_behalf_of") {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
            "The request body must contain the parameter 'requested_token_use'.",
        );
    }
    let assertion = form.assertion.as_deref().unwrap_or("");
    let Some(claims) = state.keys().verify::<Claims>(assertion) else {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            50013,
            "Assertion failed signature validation or has expired.",
        );
    };
    let (client_id, app_id_uri) = {
        let world = state.world();
        (world.app.client_id.clone(), world.app.app_id_uri.clone())
    };
    if claims.aud != client_id && claims.aud != app_id_uri {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            50013,
            "Assertion audience does not match the Client app presenting the assertion.",
        );
    }
    if !state.world().has_consent(&claims.tid, &claims.oid) {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            65001,
            "The user or administrator has not consented to use the application.",
        );
    }
    let scopes: Vec<String> = form
        .scope
        .as_deref()
        .unwrap_or("")
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    if let Some(bad) = scopes.iter().find(|s| !known_scope(s)) {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            70011,
            &format!("The provided value for the input parameter 'scope' is not valid: {bad}."),
        );
    }
    let grant = Grant {
        tenant_id: claims.tid,
        user_id: claims.oid,
        client_id,
        scopes,
        redirect_uri: String::new(),
        code_challenge: None,
        nonce: None,
    };
    issue(state, &grant, false)
}

/// The token response for `grant`: a Graph access token, a rotated refresh token when
/// `offline_access` was granted, an ID token (with the nonce) when `openid` was and `first`.
fn issue(state: &SimState, grant: &Grant, first: bool) -> Response {
    let graph = graph_scopes(&grant.scopes);
    let scp = graph.join(" ");
    let access_token = state.mint(
        &grant.tenant_id,
        &grant.user_id,
        GRAPH_APP_ID,
        Some(&scp),
        ACCESS_TOKEN_SECONDS,
    );
    let mut body = json!({
        "token_type": "Bearer",
        "scope": graph.iter().map(|s| format!("{GRAPH_RESOURCE}{s}")).collect::<Vec<_>>().join(" "),
        "expires_in": ACCESS_TOKEN_SECONDS,
        "ext_expires_in": ACCESS_TOKEN_SECONDS,
        "access_token": access_token,
    });
    let has = |s: &str| grant.scopes.iter().any(|g| g == s);
    if has("offline_access") {
        let refresh = random_token("sim.rt.");
        state
            .world()
            .refresh_tokens
            .insert(refresh.clone(), grant.clone());
        body["refresh_token"] = json!(refresh);
    }
    if first && has("openid") {
        let mut claims = state.claims_for(
            &grant.tenant_id,
            &grant.user_id,
            &grant.client_id,
            None,
            ACCESS_TOKEN_SECONDS,
        );
        claims.nonce = grant.nonce.clone();
        if !has("email") {
            claims.email = None;
        }
        body["id_token"] = json!(state.sign(&claims));
    }
    Json(body).into_response()
}

/// `GET /_office/sso-token?mailbox=…&resource=…`: what Office's `getAccessToken` returns to an
/// add-in whose manifest names `resource`: an access token for the add-in's own API, for the
/// mailbox's user. Stands in for Office, which is trusted to mint it; answers any origin.
pub async fn office_sso_token(
    State(state): State<Arc<SimState>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let cors = [(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")];
    let mailbox = params.get("mailbox").map(String::as_str).unwrap_or("");
    let resource = params.get("resource").map(String::as_str).unwrap_or("");
    let (client_id, known) = {
        let world = state.world();
        let known = resource == world.app.app_id_uri || resource == world.app.client_id;
        (world.app.client_id.clone(), known)
    };
    if !known {
        // Office's code for a manifest whose WebApplicationInfo is not registered.
        return (
            cors,
            (
                StatusCode::BAD_REQUEST,
                Json(json!({ "code": 13004, "message": "Invalid resource." })),
            ),
        )
            .into_response();
    }
    let Some((tenant_id, user)) = state.world().find_user(mailbox) else {
        return (
            cors,
            (
                StatusCode::BAD_REQUEST,
                Json(json!({ "code": 13001, "message": "The user is not signed in to Office." })),
            ),
        )
            .into_response();
    };
    let (app_id_uri, version) = {
        let world = state.world();
        (world.app.app_id_uri.clone(), world.app.access_token_version)
    };
    // The token's shape follows the registration's requested access token version: v1.0 unless
    // it asks for 2 (Microsoft, "Access tokens": the API chooses; v1.0 is the default). A v1.0
    // token's audience is the App ID URI the add-in's manifest names; a v2.0 one's the client id.
    let claims = if version == Some(2) {
        Claims {
            azp: Some(OUTLOOK_CLIENT_ID.into()),
            ..state.claims_for(
                &tenant_id,
                &user.id,
                &client_id,
                Some("access_as_user"),
                ACCESS_TOKEN_SECONDS,
            )
        }
    } else {
        Claims {
            appid: Some(OUTLOOK_CLIENT_ID.into()),
            ..state.v1_claims_for(
                &tenant_id,
                &user.id,
                &app_id_uri,
                Some("access_as_user"),
                ACCESS_TOKEN_SECONDS,
            )
        }
    };
    let token = state.sign(&claims);
    (
        cors,
        Json(json!({ "token": token, "expires_at": now_s() + ACCESS_TOKEN_SECONDS })),
    )
        .into_response()
}
