//! The Microsoft identity platform, simulated: OpenID discovery, the keys document, the
//! authorize page (pick a seeded user, consent), the token endpoint (authorization code + PKCE,
//! refresh with rotation, On-Behalf-Of) with AADSTS errors, admin consent, and the add-in SSO
//! token Office hands a task pane.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Form, Json};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::Deserialize;
use serde_json::json;
use sha2::Digest;

use crate::state::{Claims, GRAPH_APP_ID, OUTLOOK_CLIENT_ID, SimState, now_s};
use crate::world::Grant;

/// The Graph delegated scopes the simulated tenant knows (user-consentable).
const GRAPH_SCOPES: &[&str] = &[
    "User.Read",
    "Calendars.Read",
    "Calendars.ReadWrite",
    "Calendars.Read.Shared",
    "Calendars.ReadWrite.Shared",
    "MailboxSettings.Read",
    "MailboxSettings.ReadWrite",
    "Mail.Send",
];
const OIDC_SCOPES: &[&str] = &["openid", "profile", "email", "offline_access"];
const GRAPH_RESOURCE: &str = "https://graph.microsoft.com/";
/// Graph access tokens live an hour here (Microsoft randomises 60–90 minutes).
const ACCESS_TOKEN_SECONDS: i64 = 3600;

/// A random opaque value (codes, refresh tokens).
pub fn random_token(prefix: &str) -> String {
    let bytes: [u8; 32] = rand::random();
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// `GET /{tenant}/v2.0/.well-known/openid-configuration`
pub async fn openid_configuration(
    State(state): State<Arc<SimState>>,
    Path(tenant): Path<String>,
) -> Response {
    let base = &state.base_url;
    let issuer = match tenant.as_str() {
        "common" | "organizations" => format!("{base}/{{tenantid}}/v2.0"),
        _ => match state.world().tenant(&tenant) {
            Some(t) => format!("{base}/{}/v2.0", t.id),
            None => {
                return aad_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_tenant",
                    90002,
                    &format!("Tenant '{tenant}' not found."),
                );
            }
        },
    };
    let path_tenant = issuer
        .trim_start_matches(base.as_str())
        .trim_start_matches('/')
        .trim_end_matches("/v2.0")
        .to_owned();
    let prefix = format!("{base}/{path_tenant}");
    Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{prefix}/oauth2/v2.0/authorize"),
        "token_endpoint": format!("{prefix}/oauth2/v2.0/token"),
        "jwks_uri": format!("{base}/{path_tenant}/discovery/v2.0/keys"),
        "response_types_supported": ["code", "id_token", "code id_token"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "scopes_supported": OIDC_SCOPES,
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nbf", "tid", "oid", "name",
            "preferred_username", "email", "nonce", "ver"],
        "tenant_region_scope": "EU",
    }))
    .into_response()
}

/// `GET /{tenant}/discovery/v2.0/keys`: every published key, with the templated issuer.
pub async fn keys(State(state): State<Arc<SimState>>) -> Response {
    let issuer = format!("{}/{{tenantid}}/v2.0", state.base_url);
    Json(state.keys().jwks(&issuer)).into_response()
}

/// `GET /{tenant}/discovery/keys`: the same keys as the v1.0 metadata publishes them, with the
/// v1.0 issuer template `https://sts.windows.net/{tenantid}/` (the issuer of v1.0 tokens).
pub async fn v1_keys(State(state): State<Arc<SimState>>) -> Response {
    let issuer = format!("{}/{{tenantid}}/", crate::state::V1_ISSUER);
    Json(state.keys().jwks(&issuer)).into_response()
}

/// `GET /{tenant}/.well-known/openid-configuration`: the v1.0 metadata (its issuer is the
/// v1.0 one; its `jwks_uri` lists the keys with that issuer).
pub async fn v1_openid_configuration(
    State(state): State<Arc<SimState>>,
    Path(tenant): Path<String>,
) -> Response {
    let base = &state.base_url;
    let tenant_id = match tenant.as_str() {
        "common" | "organizations" => "{tenantid}".to_owned(),
        _ => match state.world().tenant(&tenant) {
            Some(t) => t.id.clone(),
            None => {
                return aad_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_tenant",
                    90002,
                    &format!("Tenant '{tenant}' not found."),
                );
            }
        },
    };
    Json(json!({
        "issuer": format!("{}/{tenant_id}/", crate::state::V1_ISSUER),
        "authorization_endpoint": format!("{base}/{tenant}/oauth2/authorize"),
        "token_endpoint": format!("{base}/{tenant}/oauth2/token"),
        "jwks_uri": format!("{base}/{tenant}/discovery/keys"),
        "id_token_signing_alg_values_supported": ["RS256"],
    }))
    .into_response()
}

/// The identity platform's error JSON.
pub fn aad_error(status: StatusCode, error: &str, code: u32, text: &str) -> Response {
    let trace = uuid::Uuid::new_v4().to_string();
    (
        status,
        Json(json!({
            "error": error,
            "error_description": format!("AADSTS{code}: {text} Trace ID: {trace}"),
            "error_codes": [code],
            "timestamp": crate::state::now_rfc3339(),
            "trace_id": trace,
            "correlation_id": uuid::Uuid::new_v4().to_string(),
        })),
    )
        .into_response()
}

fn error_page(status: StatusCode, code: u32, text: &str) -> Response {
    (
        status,
        Html(format!(
            "<!doctype html><title>Sign in</title><h1>Sorry, but we're having trouble signing \
             you in.</h1><p>AADSTS{code}: {}</p>",
            escape(text)
        )),
    )
        .into_response()
}

pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `error`+`error_description` back to the client's redirect URI.
fn redirect_error(
    redirect_uri: &str,
    error: &str,
    code: u32,
    text: &str,
    state: Option<&str>,
) -> Response {
    let mut url = match url::Url::parse(redirect_uri) {
        Ok(url) => url,
        Err(_) => return error_page(StatusCode::BAD_REQUEST, 50011, "Bad redirect URI."),
    };
    {
        let mut query = url.query_pairs_mut();
        query.append_pair("error", error);
        query.append_pair("error_description", &format!("AADSTS{code}: {text}"));
        if let Some(state) = state {
            query.append_pair("state", state);
        }
    }
    Redirect::to(url.as_str()).into_response()
}

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
    /// `admin_consent`: an administrator grants the permissions for the whole organization.
    prompt: Option<String>,
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

fn tenant_users(state: &SimState, tenant: &str) -> Vec<(String, crate::seed::User)> {
    let world = state.world();
    world
        .seed
        .tenants
        .iter()
        .filter(|t| {
            matches!(tenant, "common" | "organizations")
                || t.id == tenant
                || t.domain.eq_ignore_ascii_case(tenant)
        })
        .flat_map(|t| t.users.iter().map(|u| (t.id.clone(), u.clone())))
        .collect()
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

#[derive(Debug, Deserialize)]
pub struct AuthorizeDecision {
    pub user: String,
    pub decision: String,
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
    let admin_consent = params.prompt.as_deref() == Some("admin_consent");
    if admin_consent {
        // Only an administrator may accept for everyone (Entra shows others "Need admin approval").
        let is_admin = state
            .world()
            .tenant(&tenant_id)
            .is_some_and(|t| t.admins.iter().any(|a| a.eq_ignore_ascii_case(&user.mail)));
        if !is_admin {
            return redirect_error(
                &redirect_uri,
                "access_denied",
                90094,
                "Admin consent is required: an administrator must grant permission for this app.",
                client_state,
            );
        }
    }
    let code = random_token("sim.code.");
    {
        let mut world = state.world();
        if admin_consent {
            world.admin_consents.insert(tenant_id.clone());
        }
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

fn known_scope(scope: &str) -> bool {
    let bare = scope.strip_prefix(GRAPH_RESOURCE).unwrap_or(scope);
    OIDC_SCOPES.contains(&bare) || GRAPH_SCOPES.contains(&bare) || bare == ".default"
}

/// The Graph scopes (bare names) among `scopes`; `.default` means every scope the tenant knows.
fn graph_scopes(scopes: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for scope in scopes {
        let bare = scope.strip_prefix(GRAPH_RESOURCE).unwrap_or(scope);
        if bare == ".default" {
            out.extend(GRAPH_SCOPES.iter().map(|s| (*s).to_owned()));
        } else if GRAPH_SCOPES.contains(&bare) {
            out.push(bare.to_owned());
        }
    }
    out.sort();
    out.dedup();
    out
}

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

#[derive(Debug, Deserialize)]
pub struct AdminConsentParams {
    client_id: Option<String>,
    redirect_uri: Option<String>,
    scope: Option<String>,
    state: Option<String>,
}

/// `GET /{tenant}/v2.0/adminconsent`: an administrator grants consent for the whole tenant.
pub async fn admin_consent_page(
    State(state): State<Arc<SimState>>,
    Path(tenant): Path<String>,
    Query(params): Query<AdminConsentParams>,
) -> Response {
    if let Err(page) = check_admin_consent(&state, &tenant, &params) {
        return page;
    }
    let users: String = tenant_users(&state, &tenant)
        .iter()
        .map(|(_, u)| {
            format!(
                "<li><label><input type=radio name=user value=\"{mail}\"> {name}</label></li>",
                mail = escape(&u.mail),
                name = escape(&u.display_name)
            )
        })
        .collect();
    Html(format!(
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Permissions requested \
         — accept for your organization</title></head><body><h1>Permissions requested — \
         accept for your organization</h1><p>Scope: <code>{}</code></p>\
         <p>Only a tenant administrator can accept for everyone in the organization.</p>\
         <form method=post><ul id=accounts>{users}</ul>\
         <button id=accept name=decision value=accept>Accept</button> \
         <button id=cancel name=decision value=cancel>Cancel</button></form></body></html>",
        escape(params.scope.as_deref().unwrap_or(""))
    ))
    .into_response()
}

fn check_admin_consent(
    state: &SimState,
    tenant: &str,
    params: &AdminConsentParams,
) -> Result<String, Response> {
    if tenant == "common" {
        return Err(error_page(
            StatusCode::BAD_REQUEST,
            90130,
            "Admin consent is not supported on the /common endpoint.",
        ));
    }
    let world = state.world();
    if world.tenant(tenant).is_none() {
        return Err(error_page(
            StatusCode::BAD_REQUEST,
            90002,
            "Tenant not found.",
        ));
    }
    if params.client_id.as_deref() != Some(world.app.client_id.as_str()) {
        return Err(error_page(
            StatusCode::BAD_REQUEST,
            700016,
            "Application not found.",
        ));
    }
    let redirect_uri = params.redirect_uri.clone().unwrap_or_default();
    if !world.app.redirect_uris.contains(&redirect_uri) {
        return Err(error_page(
            StatusCode::BAD_REQUEST,
            50011,
            "The redirect URI does not match.",
        ));
    }
    Ok(redirect_uri)
}

/// `POST /{tenant}/v2.0/adminconsent`
pub async fn admin_consent_submit(
    State(state): State<Arc<SimState>>,
    Path(tenant): Path<String>,
    Query(params): Query<AdminConsentParams>,
    Form(decision): Form<AuthorizeDecision>,
) -> Response {
    let redirect_uri = match check_admin_consent(&state, &tenant, &params) {
        Ok(uri) => uri,
        Err(page) => return page,
    };
    let (tenant_id, is_admin) = {
        let world = state.world();
        let Some(t) = world.tenant(&tenant) else {
            return error_page(StatusCode::BAD_REQUEST, 90002, "Tenant not found.");
        };
        (
            t.id.clone(),
            t.admins
                .iter()
                .any(|a| a.eq_ignore_ascii_case(&decision.user)),
        )
    };
    let mut url = match url::Url::parse(&redirect_uri) {
        Ok(url) => url,
        Err(_) => return error_page(StatusCode::BAD_REQUEST, 50011, "Bad redirect URI."),
    };
    {
        let mut query = url.query_pairs_mut();
        query.append_pair("admin_consent", "True");
        if decision.decision != "accept" {
            query.append_pair("error", "access_denied");
            query.append_pair(
                "error_description",
                "AADSTS65004: User declined to consent.",
            );
        } else if !is_admin {
            query.append_pair("error", "consent_required");
            query.append_pair(
                "error_description",
                "AADSTS90094: An administrator must grant permission for this app.",
            );
        } else {
            state.world().admin_consents.insert(tenant_id.clone());
            query.append_pair("tenant", &tenant_id);
            query.append_pair("scope", params.scope.as_deref().unwrap_or(""));
        }
        if let Some(s) = &params.state {
            query.append_pair("state", s);
        }
    }
    Redirect::to(url.as_str()).into_response()
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

/// Whether `verifier` answers the S256 (or plain) `challenge`.
pub fn pkce_matches(challenge: &str, verifier: Option<&str>) -> bool {
    let verifier = verifier.unwrap_or("");
    let computed = URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
    !verifier.is_empty() && (computed == challenge || verifier == challenge)
}
