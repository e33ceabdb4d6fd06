//! OpenID discovery (v2.0 and v1.0 metadata) and the keys documents.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::state::SimState;

use super::common::*;

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
