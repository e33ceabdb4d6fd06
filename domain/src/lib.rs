//! Liaison's pure core, shared by the server (authoritative) and the task pane (display).
//!
//! # Layout
//! - [`api`]: the JSON types of the HTTP API (camelCase on the wire) and the error envelope.
//!
//! **Invariant:** this crate does no IO and compiles to `wasm32-unknown-unknown`.

pub mod api;
