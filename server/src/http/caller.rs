//! Who is calling: [`Caller`], the signed-in user every authenticated endpoint takes.
//!
//! The only credential is a session token (`Authorization: Bearer lsn_…`) that sign-in handed
//! the task pane (`crate::auth::sign_in`). The tenant and the user come from the session alone,
//! never from the request.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};

use crate::auth::sessions;
use crate::http::error::ApiError;
use crate::http::rate_limit::{RateLimits, client_of, too_many};
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

/// Why a request has no caller: not signed in (`401`), or over a rate (`429`).
#[derive(Debug)]
pub enum NoCaller {
    Api(ApiError),
    TooMany(Duration),
}

impl From<ApiError> for NoCaller {
    fn from(error: ApiError) -> Self {
        Self::Api(error)
    }
}

impl From<crate::store::StoreError> for NoCaller {
    fn from(error: crate::store::StoreError) -> Self {
        Self::Api(error.into())
    }
}

impl IntoResponse for NoCaller {
    fn into_response(self) -> Response {
        match self {
            Self::Api(error) => error.into_response(),
            Self::TooMany(wait) => too_many(wait),
        }
    }
}

/// Any state the record store and the rate limits can be had from (the server's, in
/// practice). A client that sent too many unknown tokens is refused before any look-up; a
/// signed-in user has a rate of their own.
impl<S> FromRequestParts<S> for Caller
where
    S: Send + Sync,
    Arc<dyn Store>: FromRef<S>,
    RateLimits: FromRef<S>,
{
    type Rejection = NoCaller;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, NoCaller> {
        let token = bearer(&parts.headers).ok_or(ApiError::Unauthenticated)?;
        Self::with_token(parts, state, token).await
    }
}

impl Caller {
    /// The caller whose session `token` is (from a bearer header, or the console's cookie).
    pub async fn with_token<S>(parts: &Parts, state: &S, token: &str) -> Result<Self, NoCaller>
    where
        S: Send + Sync,
        Arc<dyn Store>: FromRef<S>,
        RateLimits: FromRef<S>,
    {
        let store = Arc::<dyn Store>::from_ref(state);
        let limits = RateLimits::from_ref(state);
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0);
        let client = client_of(&limits, &parts.headers, peer);
        limits
            .check_bearer_client(client)
            .map_err(NoCaller::TooMany)?;
        let Some(session) = sessions::resolve(store.as_ref(), token).await? else {
            limits
                .note_unknown_bearer(client)
                .map_err(NoCaller::TooMany)?;
            return Err(ApiError::Unauthenticated.into());
        };
        let user = session.user;
        limits
            .check_user(&format!("{}/{}", user.tenant_id, user.id))
            .map_err(NoCaller::TooMany)?;
        Ok(Self {
            user,
            session_hash: sessions::hash(token),
            is_admin: session.is_admin,
        })
    }
}
