//! The HTTP handlers, one module per resource; [`crate::router`] maps paths to them. Handlers
//! extract, call a service, and map its answer; the work is in the layers below.

pub mod admin;
pub mod admin_consent;
pub mod assets;
pub mod booking_links;
pub mod booking_page;
pub mod connections;
pub mod console;
pub mod crm;
pub mod crm_calendars;
pub mod crm_import;
pub mod crm_webhooks;
pub mod diagnostics;
pub mod fallback;
pub mod graph_webhooks;
pub mod health;
pub mod home;
pub mod items;
pub mod manifest;
pub mod me;
pub mod metrics;
pub mod openapi;
pub mod pages;
pub mod permissions;
pub mod records;
pub mod sign_in;
#[cfg(feature = "demo")]
pub mod simulator;
pub mod sync;
pub mod taskpane;
