//! Who is calling: [`Caller`], the signed-in user every authenticated endpoint takes.
//!
//! Until sign-in with Microsoft lands, the only credential is a **development token**,
//! `Authorization: Bearer dev:<tenant id>:<directory object id>`, accepted only when the server
//! runs as the demo or under test (`ServerConfig::demo`); a deployment refuses every token.
//! Handlers take `Caller` and never look at the header, so the real identity replaces this
//! extractor's inside without touching them.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::model::User;

/// The authenticated user. The tenant comes from the credential alone, never from the request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
}

impl Caller {
    pub fn tenant_id(&self) -> &str {
        &self.user.tenant_id
    }
}

/// The development token for `user`.
pub fn dev_token(tenant_id: &str, user_id: &str) -> String {
    format!("dev:{tenant_id}:{user_id}")
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(ApiError::Unauthenticated)?;
        if state.demo.is_none() {
            return Err(ApiError::Unauthenticated);
        }
        let (tenant_id, user_id) = token
            .strip_prefix("dev:")
            .and_then(|rest| rest.split_once(':'))
            .ok_or(ApiError::Unauthenticated)?;
        let user = state
            .store
            .user(tenant_id, user_id)
            .await?
            .ok_or(ApiError::Unauthenticated)?;
        Ok(Self { user })
    }
}
