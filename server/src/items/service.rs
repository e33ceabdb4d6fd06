//! [`Items`]: the sidebar's work on items as a service, and what it needs to do it.

use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;

use crate::auth::connections::{Refresh, TokenSource};
use crate::graph::client::GraphClient;
use crate::items::error::ItemError;
use crate::store::{Provider, Store, User};

/// The item endpoints' service: context, save, unlink, status, categorize, and the queued
/// saves a sync session carries out. Its methods live beside the work they do (`context.rs`,
/// `save.rs`, `categorize.rs`).
pub struct Items {
    pub store: Arc<dyn Store>,
    /// Graph, when Microsoft is configured.
    pub graph: Option<Arc<GraphClient>>,
    pub tokens: Arc<TokenSource>,
    /// How long a delegation Microsoft confirmed is trusted (at most five minutes).
    pub delegation_ttl: Duration,
}

impl Items {
    pub(super) fn graph(&self) -> Result<&GraphClient, ItemError> {
        self.graph.as_deref().ok_or(ItemError::NotConfigured)
    }

    /// `user`'s own Graph token (their connection, from signing in).
    pub(super) async fn own_token(&self, user: &User) -> Result<SecretString, ItemError> {
        Ok(self
            .tokens
            .access_token(&user.key(), Provider::Microsoft, Refresh::IfStale)
            .await?)
    }
}
