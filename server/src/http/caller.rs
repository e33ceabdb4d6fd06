//! Who is calling: [`Caller`], the signed-in user every authenticated endpoint takes.
//!
//! The only credential is a session token (`Authorization: Bearer lsn_…`) that sign-in handed
//! the task pane (`crate::auth::sign_in`). The tenant and the user come from the session alone,
//! never from the request.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};

use crate::auth::sessions;
use crate::http::error::ApiError;
use crate::store::{Store, TenantId, User};

/// The authenticated user.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    /// The SHA-256 of the session token (to end the session).
    pub session_hash: String,
    /// Signed in holding Liaison's app role `Liaison.Admin` (Entra's `roles` claim).
    pub is_admin: bool,
}

impl Caller {
    pub fn tenant_id(&self) -> &TenantId {
        &self.user.tenant_id
    }

    /// `Ok` for a Liaison administrator, else `403 admin_required`.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.is_admin {
            Ok(())
        } else {
            Err(ApiError::AdminRequired)
        }
    }
}

/// The bearer token of a request, if any.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// Any state the record store can be had from (the server's, in practice).
impl<S> FromRequestParts<S> for Caller
where
    S: Send + Sync,
    Arc<dyn Store>: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let store = Arc::<dyn Store>::from_ref(state);
        let token = bearer(&parts.headers).ok_or(ApiError::Unauthenticated)?;
        let session = sessions::resolve(store.as_ref(), token)
            .await?
            .ok_or(ApiError::Unauthenticated)?;
        let user = store
            .user(&session.tenant_id, &session.user_id)
            .await?
            .ok_or(ApiError::Unauthenticated)?;
        Ok(Self {
            user,
            session_hash: sessions::hash(token),
            is_admin: session.is_admin,
        })
    }
}
