//! [`AppState`]: what every handler can reach — the services of the lower layers, each owning
//! its own dependencies. Only the routes, the router, start-up and the demo use it; nothing
//! below them knows it exists.

use std::sync::Arc;

use axum::extract::FromRef;

use crate::accounts::Accounts;
use crate::admin::Admin;
use crate::auth::connections::TokenSource;
use crate::auth::sign_in::SignIn;
use crate::crm_events::CrmEvents;
use crate::crm_records::Records;
use crate::demo::DemoSettings;
use crate::graph::client::GraphClient;
use crate::http::error::ApiError;
use crate::http::public_url::PublicUrl;
use crate::http::rate_limit::RateLimits;
use crate::http::taskpane::TaskPane;
use crate::identity::{Identity, Microsoft};
use crate::items::Items;
use crate::store::Store;
use crate::sync::SyncEngine;
use crate::telemetry::metrics::MetricsAccess;
use crate::webhooks::Webhooks;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    /// The URL Outlook reaches the server at.
    pub public_url: Arc<PublicUrl>,
    /// The manifest rendered once for [`AppState::public_url`].
    pub manifest: Arc<str>,
    /// The same add-in in the unified manifest, rendered once.
    pub unified_manifest: Arc<serde_json::Value>,
    /// The built task pane page, or why it is missing.
    pub task_pane: Arc<TaskPane>,
    /// Set only in the demo and in tests.
    pub demo: Option<Arc<DemoSettings>>,
    pub identity: Arc<Identity>,
    /// Graph, when Microsoft is configured.
    pub graph: Option<Arc<GraphClient>>,
    pub tokens: Arc<TokenSource>,
    pub sign_in: Arc<SignIn>,
    pub items: Arc<Items>,
    pub bookings: Arc<crate::booking::Bookings>,
    pub crm_events: Arc<CrmEvents>,
    pub records: Arc<Records>,
    pub webhooks: Arc<Webhooks>,
    pub accounts: Arc<Accounts>,
    pub admin: Arc<Admin>,
    pub sync: Arc<SyncEngine>,
    pub limits: RateLimits,
    /// Who may read `/metrics`; `None`: the endpoint is off.
    pub metrics: Option<Arc<MetricsAccess>>,
}

impl AppState {
    pub fn microsoft(&self) -> Result<&Microsoft, ApiError> {
        self.identity
            .microsoft
            .as_ref()
            .ok_or(ApiError::NotConfigured("Microsoft"))
    }
}

impl FromRef<AppState> for Arc<PublicUrl> {
    fn from_ref(state: &AppState) -> Self {
        state.public_url.clone()
    }
}

impl FromRef<AppState> for RateLimits {
    fn from_ref(state: &AppState) -> Self {
        state.limits.clone()
    }
}

impl FromRef<AppState> for Arc<dyn Store> {
    fn from_ref(state: &AppState) -> Self {
        state.store.clone()
    }
}
