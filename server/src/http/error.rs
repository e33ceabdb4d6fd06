//! [`ApiError`]: the one way an API handler fails, and how it becomes a JSON response.
//!
//! Every error answer has the body [`ErrorBody`] with a stable [`ErrorCode`]. Causes of `5xx`
//! answers are logged here, once, and never sent to the client.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use liaison_domain::api::{ErrorBody, ErrorCode};

use crate::admin::AdminError;
use crate::auth::connections::TokenError;
use crate::auth::sign_in::SignInError;
use crate::booking::BookingError;
use crate::crm_records::RecordError;
use crate::items::ItemError;
use crate::store::StoreError;
use crate::sync::SyncError;
use crate::webhooks::WebhookError;

/// A handler's failure.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is malformed; `field` names the part that is wrong.
    #[error("{message}")]
    BadRequest {
        code: ErrorCode,
        message: String,
        field: Option<String>,
    },
    #[error("the request body is larger than {limit} bytes")]
    BodyTooLarge { limit: usize },
    #[error("the request body must be sent as application/json")]
    UnsupportedMediaType,
    #[error("no such resource")]
    NotFound,
    /// No `/api` route has this path (`GET /api/openapi.json` lists them).
    #[error("no such API endpoint: GET /api/openapi.json lists them")]
    NoSuchEndpoint,
    /// A resource named in the request does not exist for this tenant; `field` names it.
    #[error("{message}")]
    NotFoundField { field: String, message: String },
    #[error("sign in to use this: no valid credentials came with the request")]
    Unauthenticated,
    /// A permission rule refused the action.
    #[error("{}", .0.message())]
    Refused(liaison_domain::permissions::Reason),
    #[error("this Idempotency-Key was used with a different request")]
    IdempotencyKeyReused,
    #[error("{0}")]
    TooManyQueuedSaves(String),
    #[error("this resource does not answer that method")]
    MethodNotAllowed,
    #[error(
        "this page opens only as a page of its own: another site may not load, fetch or frame it"
    )]
    CrossSiteRequest,
    #[error("too many requests: retry after the time the Retry-After header gives")]
    RateLimited,
    #[error("the request took too long")]
    Timeout,
    #[error("the record store is unavailable")]
    Unavailable(#[source] StoreError),
    #[error("Liaison needs consent first: sign in and accept, or ask your administrator")]
    ConsentRequired,
    /// `claims` is the challenge to send back to the identity provider.
    #[error("sign in again: your organization requires an interactive sign-in")]
    InteractionRequired { claims: Option<String> },
    #[error("{0}")]
    InvalidSignIn(&'static str),
    #[error("the calendar connection expired or was revoked: connect again")]
    NeedsReconnect,
    #[error("a sync session for this calendar is running already")]
    SyncInProgress,
    #[error(
        "sync is stopped for this calendar: a session would have cancelled an unusual share of \
         its CRM events; an administrator must check and resume it (liaison sync-resume)"
    )]
    SyncStopped,
    #[error(
        "only a tenant administrator may do this (administrator rights last 15 minutes after a \
         sign-in: sign in again)"
    )]
    AdminRequired,
    #[error("sign-in with {0} is not configured on this server")]
    NotConfigured(&'static str),
    #[error("the identity provider is unavailable")]
    IdentityUnavailable,
    #[error(
        "Microsoft Graph did not answer after retries; the session runs again later from where it stopped"
    )]
    GraphUnavailable,
    /// A rule refused the request; the message says which.
    #[error("{message}")]
    Forbidden { code: ErrorCode, message: String },
    /// The resource moved past the version the request named (`If-Match`).
    #[error("{0}")]
    PreconditionFailed(String),
    /// A change to a versioned resource came without `If-Match`.
    #[error(
        "send the version you read in If-Match (the record's ETag), so a change made since is not overwritten"
    )]
    PreconditionRequired,
    /// A webhook's receiver refused a delivery an administrator asked for.
    #[error("{0}")]
    ReceiverFailed(String),
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

/// Handlers return `Result<T>`.
pub type Result<T, E = ApiError> = std::result::Result<T, E>;

impl ApiError {
    /// A `400 invalid_body` about `field`.
    pub fn invalid_body(field: Option<String>, message: impl Into<String>) -> Self {
        Self::BadRequest {
            code: ErrorCode::InvalidBody,
            message: message.into(),
            field,
        }
    }

    fn status_and_code(&self) -> (StatusCode, ErrorCode) {
        match self {
            Self::BadRequest { code, .. } => (StatusCode::BAD_REQUEST, *code),
            Self::BodyTooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::BodyTooLarge),
            Self::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::UnsupportedMediaType,
            ),
            Self::NotFound | Self::NoSuchEndpoint | Self::NotFoundField { .. } => {
                (StatusCode::NOT_FOUND, ErrorCode::NotFound)
            }
            Self::Unauthenticated => (StatusCode::UNAUTHORIZED, ErrorCode::Unauthenticated),
            Self::Refused(reason) => (StatusCode::FORBIDDEN, ErrorCode::from(*reason)),
            Self::IdempotencyKeyReused => (
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::IdempotencyKeyReused,
            ),
            Self::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, ErrorCode::MethodNotAllowed),
            Self::CrossSiteRequest => (StatusCode::FORBIDDEN, ErrorCode::CrossSiteRequest),
            Self::RateLimited => (StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited),
            Self::Timeout => (StatusCode::REQUEST_TIMEOUT, ErrorCode::Timeout),
            Self::Unavailable(_) | Self::IdentityUnavailable | Self::GraphUnavailable => {
                (StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Unavailable)
            }
            Self::ConsentRequired => (StatusCode::FORBIDDEN, ErrorCode::ConsentRequired),
            Self::InteractionRequired { .. } => {
                (StatusCode::UNAUTHORIZED, ErrorCode::InteractionRequired)
            }
            Self::InvalidSignIn(_) => (StatusCode::BAD_REQUEST, ErrorCode::InvalidSignIn),
            Self::NeedsReconnect => (StatusCode::CONFLICT, ErrorCode::NeedsReconnect),
            Self::SyncInProgress => (StatusCode::CONFLICT, ErrorCode::SyncInProgress),
            Self::SyncStopped => (StatusCode::CONFLICT, ErrorCode::SyncStopped),
            Self::TooManyQueuedSaves(_) => (StatusCode::CONFLICT, ErrorCode::TooManyQueuedSaves),
            Self::AdminRequired => (StatusCode::FORBIDDEN, ErrorCode::AdminRequired),
            Self::NotConfigured(_) => (StatusCode::NOT_FOUND, ErrorCode::NotConfigured),
            Self::Forbidden { code, .. } => (StatusCode::FORBIDDEN, *code),
            Self::PreconditionFailed(_) => (
                StatusCode::PRECONDITION_FAILED,
                ErrorCode::PreconditionFailed,
            ),
            Self::PreconditionRequired => (
                StatusCode::PRECONDITION_REQUIRED,
                ErrorCode::PreconditionRequired,
            ),
            Self::ReceiverFailed(_) => (StatusCode::BAD_GATEWAY, ErrorCode::ReceiverFailed),
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = ?self, "request failed");
        }
        let body = self.body();
        let challenge = match &self {
            // Handed back so the client can re-authenticate with the claims the IdP asked for.
            Self::InteractionRequired { claims } => format!(
                "Bearer error=\"interaction_required\", claims=\"{}\"",
                claims.as_deref().unwrap_or("").replace(['"', '\\'], "")
            ),
            _ => "Bearer".to_owned(),
        };
        let mut res = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED
            && let Ok(value) = axum::http::HeaderValue::from_str(&challenge)
        {
            res.headers_mut()
                .insert(axum::http::header::WWW_AUTHENTICATE, value);
        }
        res
    }
}

impl ApiError {
    /// The body this error answers with, for responses stored and replayed.
    pub fn body(&self) -> ErrorBody {
        let (_, code) = self.status_and_code();
        ErrorBody {
            code,
            message: self.to_string(),
            field: match self {
                Self::BadRequest { field, .. } => field.clone(),
                Self::NotFoundField { field, .. } => Some(field.clone()),
                _ => None,
            },
        }
    }

    pub fn status(&self) -> StatusCode {
        self.status_and_code().0
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(_) => Self::Unavailable(error),
            other => Self::Internal(anyhow::Error::new(other)),
        }
    }
}

impl From<AdminError> for ApiError {
    fn from(error: AdminError) -> Self {
        match error {
            AdminError::Invalid(invalid) => Self::BadRequest {
                code: ErrorCode::InvalidValue,
                message: invalid.expected.into(),
                field: Some(invalid.field.into()),
            },
            AdminError::NoTenant => Self::NotFound,
            AdminError::NoSuchMailbox { field, message } => Self::NotFoundField {
                field: field.into(),
                message,
            },
            AdminError::Item(error) => error.into(),
            AdminError::Store(error) => error.into(),
        }
    }
}

impl From<RecordError> for ApiError {
    fn from(error: RecordError) -> Self {
        let message = error.to_string();
        match error {
            RecordError::Invalid { field, message } => Self::BadRequest {
                code: ErrorCode::InvalidValue,
                message,
                field: Some(field),
            },
            RecordError::NotFound => Self::NotFound,
            RecordError::NotFoundField { field, message } => Self::NotFoundField {
                field: field.into(),
                message,
            },
            RecordError::ReadOnly => Self::Forbidden {
                code: ErrorCode::CrmReadOnly,
                message,
            },
            RecordError::NotManager => Self::Forbidden {
                code: ErrorCode::CrmNoAccess,
                message,
            },
            RecordError::AdminOnly => Self::AdminRequired,
            RecordError::Stale { .. } => Self::PreconditionFailed(message),
            RecordError::KeyReused => Self::IdempotencyKeyReused,
            RecordError::Store(error) => error.into(),
        }
    }
}

impl From<WebhookError> for ApiError {
    fn from(error: WebhookError) -> Self {
        let message = error.to_string();
        match error {
            WebhookError::Invalid { field, message } => Self::BadRequest {
                code: ErrorCode::InvalidValue,
                message,
                field: Some(field.into()),
            },
            WebhookError::NotFound => Self::NotFound,
            WebhookError::ReceiverFailed(_) => Self::ReceiverFailed(message),
            WebhookError::Sealed(why) => Self::Internal(anyhow::anyhow!("{why}")),
            WebhookError::Store(error) => error.into(),
        }
    }
}

impl From<BookingError> for ApiError {
    fn from(error: BookingError) -> Self {
        let message = error.to_string();
        match error {
            BookingError::Item(error) => error.into(),
            BookingError::Offer(offer) => Self::BadRequest {
                code: ErrorCode::InvalidValue,
                message,
                field: Some(offer.field.into()),
            },
            BookingError::FromNotYours(_) => Self::Forbidden {
                code: ErrorCode::FromNotYours,
                message,
            },
            BookingError::NotFound => Self::NotFound,
            BookingError::Store(error) => error.into(),
        }
    }
}

impl From<TokenError> for ApiError {
    fn from(error: TokenError) -> Self {
        match error {
            TokenError::NeedsReconnect => Self::NeedsReconnect,
            TokenError::InteractionRequired { claims } => Self::InteractionRequired { claims },
            TokenError::ProviderUnavailable => Self::IdentityUnavailable,
            TokenError::NotConfigured(provider) => Self::NotConfigured(provider),
            TokenError::Store(error) => error.into(),
            TokenError::Sealed(why) => {
                Self::Internal(anyhow::anyhow!("a stored refresh token: {why}"))
            }
        }
    }
}

impl From<ItemError> for ApiError {
    fn from(error: ItemError) -> Self {
        match error {
            ItemError::Refused(reason) => Self::Refused(reason),
            ItemError::Invalid { field, message } => Self::BadRequest {
                code: ErrorCode::InvalidValue,
                message,
                field: Some(field),
            },
            ItemError::NotFoundField { field, message } => Self::NotFoundField { field, message },
            ItemError::NotFound => Self::NotFound,
            ItemError::IdempotencyKeyReused => Self::IdempotencyKeyReused,
            ItemError::TooManyQueued(message) => Self::TooManyQueuedSaves(message),
            ItemError::GraphUnavailable => Self::GraphUnavailable,
            ItemError::NotConfigured => Self::NotConfigured("Microsoft"),
            ItemError::Token(error) => error.into(),
            ItemError::Store(error) => error.into(),
        }
    }
}

impl From<SyncError> for ApiError {
    fn from(error: SyncError) -> Self {
        match error {
            SyncError::InProgress | SyncError::LeaseLost => Self::SyncInProgress,
            SyncError::NeedsReconnect => Self::NeedsReconnect,
            SyncError::BreakerTripped { .. } => Self::SyncStopped,
            SyncError::NotConfigured => Self::NotConfigured("Microsoft"),
            SyncError::UnknownTenant => Self::NotFound,
            SyncError::DeadlineExceeded => Self::Timeout,
            SyncError::Graph(error) => {
                tracing::warn!(%error, "a sync session failed at Microsoft Graph");
                Self::GraphUnavailable
            }
            SyncError::Token(error) => error.into(),
            SyncError::Item(error) => error.into(),
            SyncError::Store(error) => error.into(),
        }
    }
}

impl From<SignInError> for ApiError {
    fn from(error: SignInError) -> Self {
        match error {
            SignInError::Unauthenticated => Self::Unauthenticated,
            SignInError::ConsentRequired => Self::ConsentRequired,
            SignInError::InteractionRequired { claims } => Self::InteractionRequired { claims },
            SignInError::ProviderUnavailable => Self::IdentityUnavailable,
            SignInError::NotConfigured(provider) => Self::NotConfigured(provider),
            SignInError::Invalid(why) => Self::InvalidSignIn(why),
            SignInError::UnknownProvider => Self::NotFound,
            SignInError::Sealed(why) => Self::Internal(anyhow::anyhow!("a sign-in secret: {why}")),
            SignInError::Token(error) => error.into(),
            SignInError::Store(error) => error.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_internal_error_hides_its_cause() {
        let error = ApiError::Internal(anyhow::anyhow!("password=hunter2"));
        assert_eq!(error.to_string(), "internal error");
        assert_eq!(error.status_and_code().0, StatusCode::INTERNAL_SERVER_ERROR);
    }
}
