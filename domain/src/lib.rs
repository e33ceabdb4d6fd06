//! Liaison's pure core, shared by the server (authoritative) and the task pane (display).
//!
//! # Layout
//! - [`permissions`]: the delegated-calendar permission rules — levels, capabilities, and a
//!   verdict with a reason for every action. The only place these rules live.
//! - [`api`]: the JSON types of the HTTP API (camelCase on the wire), their validation into
//!   domain types, and the error envelope.
//! - [`linking`]: which of a meeting's people are matched to CRM contacts and leads.
//! - [`wire`]: [`wire_names!`], the one table of a unit enum's names on the wire.
//!
//! **Invariant:** this crate does no IO and compiles to `wasm32-unknown-unknown`.

pub mod address;
pub mod api;
pub mod linking;
pub mod permissions;
pub mod wire;

/// utoipa, for [`wire_names!`]'s schemas in the crates that expand it.
#[cfg(feature = "openapi")]
#[doc(hidden)]
pub use utoipa as __utoipa;
