//! Liaison's task pane: the sidebar Outlook shows next to a calendar item or message.
//!
//! # Layout
//! - [`app`]: the root component and the first screen.
//! - [`focus`]: keeps the keyboard focus when the item's context is rendered again.
//! - [`office`]: the only module that touches Office.js; everything else speaks Rust types.
//! - [`api`]: calls to Liaison's server; the session token lives in memory only.
//! - [`http`]: the browser's `fetch`, as [`api`] uses it.
//! - [`json`]: reads the server's answers and writes requests (small: no general JSON library).
//! - [`remote`]: calls that take time, as signals (the answer, whether one is running).
//! - [`item`]: from what Office.js shows to what the server's API takes (pure).
//! - [`views`]: the screens (the item view: access, records, save, unlink, category).
//!
//! **Invariant:** the pane never decides a permission itself; it shows what
//! `liaison_domain` and the server say.

pub mod api;
pub mod app;
pub mod focus;
pub mod http;
pub mod item;
pub mod json;
pub mod office;
pub mod perf;
pub mod remote;
pub mod views;

pub use app::App;
