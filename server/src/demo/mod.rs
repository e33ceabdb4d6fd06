//! The demo: what every build knows of it — [`DemoSettings`], which the configuration and the
//! handlers carry (set only in the demo and in tests) — and, with the `demo` feature, [`app`]:
//! `liaison demo` itself, the server with an in-process Microsoft 365 simulator and the demo's
//! data.

#[cfg(feature = "demo")]
pub mod app;

/// What only the demo (and the tests) have: the in-process Microsoft 365 simulator, whose
/// seeded mailboxes the home page lists, and the Office.js stand-in the task pane can load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSettings {
    pub simulator_url: String,
    pub mailboxes: Vec<DemoMailbox>,
}

/// A seeded mailbox a person can open the task pane as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoMailbox {
    pub display_name: String,
    /// Lower-case SMTP address.
    pub address: String,
    pub tenant_id: String,
    pub user_id: String,
}
