//! [`SyncError`]: why a sync session stopped, with the stable code shown to the Organizer.

use crate::auth::connections::TokenError;
use crate::graph::client::GraphError;
use crate::items::ItemError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("a sync session for this calendar is running already")]
    InProgress,
    #[error("the Organizer's calendar connection needs a new sign-in")]
    NeedsReconnect,
    #[error("another worker took over the job (this one's lease expired)")]
    LeaseLost,
    #[error(
        "the session would cancel {cancellations} of {active} CRM events; stopped for an administrator to check"
    )]
    BreakerTripped { cancellations: usize, active: i64 },
    #[error("the tenant is unknown")]
    UnknownTenant,
    #[error("Microsoft 365 is not configured on this server")]
    NotConfigured,
    #[error("Microsoft Graph: {0}")]
    Graph(#[from] GraphError),
    #[error("the Organizer's connection: {0}")]
    Token(TokenError),
    #[error("a queued save: {0}")]
    Item(ItemError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<TokenError> for SyncError {
    fn from(error: TokenError) -> Self {
        match error {
            TokenError::NeedsReconnect => Self::NeedsReconnect,
            TokenError::Store(error) => Self::Store(error),
            other => Self::Token(other),
        }
    }
}

impl From<ItemError> for SyncError {
    fn from(error: ItemError) -> Self {
        match error {
            ItemError::Store(error) => Self::Store(error),
            ItemError::Token(error) => error.into(),
            other => Self::Item(other),
        }
    }
}

impl SyncError {
    /// The stable code stored on the job and shown to the Organizer.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InProgress => "sync_in_progress",
            Self::NeedsReconnect => "needs_reconnect",
            Self::LeaseLost => "lease_lost",
            Self::BreakerTripped { .. } => "sync_stopped",
            Self::Graph(GraphError::Forbidden { .. }) => "graph_forbidden",
            Self::Graph(_) | Self::Store(StoreError::Unavailable(_)) | Self::Token(_) => {
                "unavailable"
            }
            Self::UnknownTenant | Self::NotConfigured | Self::Store(_) | Self::Item(_) => {
                "internal"
            }
        }
    }
}
