//! What the identity routes share: scopes the tenant knows, random values, AADSTS errors and
//! error pages, PKCE.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde_json::json;
use sha2::Digest;

use crate::state::SimState;

/// The Graph delegated scopes the simulated tenant knows (user-consentable).
pub(super) const GRAPH_SCOPES: &[&str] = &[
    "User.Read",
    "Calendars.Read",
    "Calendars.ReadWrite",
    "Calendars.Read.Shared",
    "Calendars.ReadWrite.Shared",
    "MailboxSettings.Read",
    "MailboxSettings.ReadWrite",
    "Mail.Send",
];
pub(super) const OIDC_SCOPES: &[&str] = &["openid", "profile", "email", "offline_access"];
pub(super) const GRAPH_RESOURCE: &str = "https://graph.microsoft.com/";
/// Graph access tokens live an hour here (Microsoft randomises 60–90 minutes).
pub(super) const ACCESS_TOKEN_SECONDS: i64 = 3600;

/// A random opaque value (codes, refresh tokens).
pub fn random_token(prefix: &str) -> String {
    let bytes: [u8; 32] = rand::random();
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
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

pub(super) fn error_page(status: StatusCode, code: u32, text: &str) -> Response {
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
pub(super) fn redirect_error(
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

pub(super) fn known_scope(scope: &str) -> bool {
    let bare = scope.strip_prefix(GRAPH_RESOURCE).unwrap_or(scope);
    OIDC_SCOPES.contains(&bare) || GRAPH_SCOPES.contains(&bare) || bare == ".default"
}

/// The Graph scopes (bare names) among `scopes`; `.default` means every scope the tenant knows.
pub(super) fn graph_scopes(scopes: &[String]) -> Vec<String> {
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

/// Whether `verifier` answers the S256 (or plain) `challenge`.
pub fn pkce_matches(challenge: &str, verifier: Option<&str>) -> bool {
    let verifier = verifier.unwrap_or("");
    let computed = URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
    !verifier.is_empty() && (computed == challenge || verifier == challenge)
}

pub(super) fn tenant_users(state: &SimState, tenant: &str) -> Vec<(String, crate::seed::User)> {
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

#[derive(Debug, Deserialize)]
pub struct AuthorizeDecision {
    pub user: String,
    pub decision: String,
}
