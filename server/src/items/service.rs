//! [`Items`]: the sidebar's work on items as a service, and what it needs to do it.

use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;

use crate::auth::connections::{Refresh, TokenSource};
use crate::graph::client::GraphClient;
use crate::graph::model::same_category;
use crate::items::error::ItemError;
use crate::store::{Provider, Store, User};
use crate::synced_window::SyncedWindow;

/// The Outlook category an item gets when a save of it was given up on after repeated
/// failures (PRODUCT.md §7); it comes off once the item reaches the CRM.
pub const FAILED_CATEGORY: &str = "CRM (failed)";

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
    /// The window of days sync reads, which the item status compares items with.
    pub synced_window: SyncedWindow,
}

impl Items {
    pub(super) fn graph(&self) -> Result<&GraphClient, ItemError> {
        self.graph.as_deref().ok_or(ItemError::NotConfigured)
    }

    /// Takes [`FAILED_CATEGORY`] off an Outlook item of `owner` that now made it to the CRM
    /// (with the owner's connection, the only kind of write Liaison makes to items). Best
    /// effort: the CRM and the item's status already say it is synced.
    pub async fn clear_failed_flag(&self, owner: &User, event_id: &str, categories: &[String]) {
        if !categories.iter().any(|c| same_category(c, FAILED_CATEGORY)) {
            return;
        }
        let kept: Vec<String> = categories
            .iter()
            .filter(|c| !same_category(c, FAILED_CATEGORY))
            .cloned()
            .collect();
        let cleared = async {
            let token = self.own_token(owner).await.ok()?;
            self.graph()
                .ok()?
                .write_categories(&token, owner.id.as_str(), event_id, &kept)
                .await
                .ok()
        };
        if cleared.await.is_none() {
            tracing::info!("could not take the failed flag off an Outlook item");
        }
    }

    /// `user`'s own Graph token (their connection, from signing in).
    pub(super) async fn own_token(&self, user: &User) -> Result<SecretString, ItemError> {
        Ok(self
            .tokens
            .access_token(&user.key(), Provider::Microsoft, Refresh::IfStale)
            .await?)
    }
}
