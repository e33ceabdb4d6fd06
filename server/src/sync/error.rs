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
    #[error("the session ran past its deadline and was stopped; the next session goes on")]
    DeadlineExceeded,
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
    /// What the Organizer is told (`GET /api/sync`): the error in words, without the text of a
    /// lower layer (database messages, a Graph answer's body, a network library's error), which
    /// goes to the server's log only.
    pub fn public_message(&self) -> String {
        match self {
            Self::Graph(GraphError::Forbidden { code }) => {
                format!("Microsoft Graph denied access ({})", short(code))
            }
            Self::Graph(GraphError::Service { status, code, .. }) => format!(
                "Microsoft Graph answered {status} ({}) after retries; the next session tries again",
                short(code)
            ),
            Self::Graph(_) | Self::Token(_) => {
                "Microsoft Graph could not be reached or read; the next session tries again".into()
            }
            Self::Store(_) | Self::UnknownTenant | Self::NotConfigured => {
                "the server failed; its log has the details".into()
            }
            Self::Item(error) => format!("a queued save: {error}"),
            Self::InProgress
            | Self::NeedsReconnect
            | Self::LeaseLost
            | Self::DeadlineExceeded
            | Self::BreakerTripped { .. } => self.to_string(),
        }
    }

    /// The stable code stored on the job and shown to the Organizer.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InProgress => "sync_in_progress",
            Self::NeedsReconnect => "needs_reconnect",
            Self::LeaseLost => "lease_lost",
            Self::DeadlineExceeded => "sync_deadline",
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

/// A code from an outside answer, as shown: letters, digits and `_.-` only, 64 at most.
fn short(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        .take(64)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_lower_layers_text_reaches_the_organizer() {
        let database = SyncError::Store(StoreError::Other(sqlx::Error::Protocol(
            "relation \"crm_events\" does not exist at 10.0.0.5".into(),
        )));
        let decode = SyncError::Graph(GraphError::Decode(
            "expected value at line 1 column 1: <html>secret".into(),
        ));
        let transport = SyncError::Graph(GraphError::Transport(
            "error trying to connect: tcp connect error 10.0.0.7:443".into(),
        ));
        let odd_code = SyncError::Graph(GraphError::Service {
            status: 503,
            code: "<script>x</script> and more".repeat(20),
            attempts: 4,
        });
        for error in [database, decode, transport, odd_code] {
            let message = error.public_message();
            for internal in [
                "crm_events",
                "10.0.0",
                "<html>",
                "secret",
                "<script>",
                "line 1",
            ] {
                assert!(!message.contains(internal), "{message}");
            }
            assert!(message.len() < 200, "{message}");
        }
    }
}
