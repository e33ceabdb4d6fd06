//! The HTTP handlers, one module per resource. [`crate::router`] maps paths to them.

pub mod admin;
pub mod assets;
pub mod auth;
pub mod crm;
pub mod diagnostics;
pub mod fallback;
pub mod health;
pub mod home;
pub mod items;
pub mod manifest;
pub mod me;
pub mod permissions;
pub mod simulator;
pub mod sync;
pub mod taskpane;
