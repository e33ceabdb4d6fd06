//! [`AppState`]: what every handler can reach.

use std::sync::Arc;

use crate::config::{DemoSettings, PublicUrl};
use crate::routes::taskpane::TaskPane;
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
}
