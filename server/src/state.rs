//! [`AppState`]: what every handler can reach.

use std::sync::Arc;

use crate::config::{DemoSettings, PublicUrl};
use crate::connections::AccessTokens;
use crate::error::ApiError;
use crate::graph::client::GraphClient;
use crate::identity::{Google, Identity, Microsoft};
use crate::routes::taskpane::TaskPane;
use crate::secrets::Keyring;
use crate::store::Store;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    /// The URL Outlook reaches the server at.
    pub public_url: Arc<PublicUrl>,
    /// The manifest rendered once for [`AppState::public_url`].
    pub manifest: Arc<str>,
    /// The built task pane page, or why it is missing.
    pub task_pane: Arc<TaskPane>,
    /// Set only in the demo and in tests.
    pub demo: Option<Arc<DemoSettings>>,
    pub identity: Arc<Identity>,
    /// Graph, when Microsoft is configured.
    pub graph: Option<Arc<GraphClient>>,
    pub keyring: Arc<Keyring>,
    pub access_tokens: Arc<AccessTokens>,
    pub sync: Arc<crate::sync::Sync>,
}

impl AppState {
    pub fn microsoft(&self) -> Result<&Microsoft, ApiError> {
        self.identity
            .microsoft
            .as_ref()
            .ok_or(ApiError::NotConfigured("Microsoft"))
    }

    pub fn google(&self) -> Result<&Google, ApiError> {
        self.identity
            .google
            .as_ref()
            .ok_or(ApiError::NotConfigured("Google"))
    }

    pub fn graph(&self) -> Result<&GraphClient, ApiError> {
        self.graph
            .as_deref()
            .ok_or(ApiError::NotConfigured("Microsoft"))
    }
}
