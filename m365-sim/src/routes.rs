//! The simulator's HTTP surface, with the JSON shapes of Microsoft's documentation.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::seed::Seed;

pub(crate) fn router(seed: Arc<Seed>) -> Router {
    Router::new()
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(openid_configuration),
        )
        .route("/v1.0/users", get(list_users))
        .fallback(graph_not_found)
        .with_state(seed)
}

/// `GET /{tenant}/v2.0/.well-known/openid-configuration`: OpenID Connect discovery.
async fn openid_configuration(
    State(seed): State<Arc<Seed>>,
    Path(tenant): Path<String>,
    headers: axum::http::HeaderMap,
) -> Response {
    let Some(tenant) = seed.tenant(&tenant) else {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_tenant",
            "AADSTS90002: Tenant not found",
        );
    };
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let base = format!("http://{host}/{}", tenant.id);
    Json(json!({
        "issuer": format!("{base}/v2.0"),
        "authorization_endpoint": format!("{base}/oauth2/v2.0/authorize"),
        "token_endpoint": format!("{base}/oauth2/v2.0/token"),
        "jwks_uri": format!("{base}/discovery/v2.0/keys"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "tenant_region_scope": "EU",
    }))
    .into_response()
}

/// `GET /v1.0/users`: the seeded users of every tenant, in Graph's collection shape.
async fn list_users(State(seed): State<Arc<Seed>>) -> Json<serde_json::Value> {
    let users: Vec<_> = seed
        .tenants
        .iter()
        .flat_map(|t| &t.users)
        .map(|u| {
            json!({
                "id": u.id,
                "displayName": u.display_name,
                "mail": u.mail,
                "userPrincipalName": u.mail,
            })
        })
        .collect();
    Json(json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users",
        "value": users,
    }))
}

async fn graph_not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({
            "error": {
                "code": "ResourceNotFound",
                "message": "Resource not found for the segment.",
            }
        })),
    )
        .into_response()
}

fn aad_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({ "error": error, "error_description": description, "error_codes": [90002] })),
    )
        .into_response()
}
