//! [`ItemError`]: why the sidebar's work on an item did not go through.

use liaison_domain::permissions::Reason;

use crate::auth::connections::TokenError;
use crate::graph::client::GraphError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ItemError {
    /// A permission rule refused the action.
    #[error("{}", .0.message())]
    Refused(Reason),
    /// A request field with a value the API does not accept.
    #[error("{message}")]
    Invalid { field: String, message: String },
    /// Something the request names does not exist for the caller (a mailbox, a record).
    #[error("{message}")]
    NotFoundField { field: String, message: String },
    /// Nothing the caller may see.
    #[error("no such resource")]
    NotFound,
    #[error("this Idempotency-Key was used with a different request")]
    IdempotencyKeyReused,
    /// The outbox holds its share of saves waiting for the Organizer's items already.
    #[error("{0}")]
    TooManyQueued(String),
    #[error("Microsoft Graph did not answer after retries; try again in a moment")]
    GraphUnavailable,
    #[error("Microsoft 365 is not configured on this server")]
    NotConfigured,
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ItemError {
    /// A `field` with a value the API does not accept.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    /// A Graph read that failed for a reason the caller cannot act on but by waiting or signing
    /// in again: a refused token needs a new sign-in; anything else is Graph unavailable (logged
    /// as `what` failed).
    pub fn graph_failed(error: GraphError, what: &str) -> Self {
        match error {
            GraphError::Unauthorized => Self::Token(TokenError::NeedsReconnect),
            error => {
                tracing::warn!(%error, "{what} failed");
                Self::GraphUnavailable
            }
        }
    }

    /// Whether the failure is temporary: Microsoft or the store did not answer, or the
    /// connection needs a new sign-in (a queued save waits for it).
    pub fn is_temporary(&self) -> bool {
        matches!(
            self,
            Self::GraphUnavailable
                | Self::Token(TokenError::NeedsReconnect | TokenError::ProviderUnavailable)
                | Self::Store(StoreError::Unavailable(_))
        )
    }
}
