//! Liaison's server: serves the task pane and the add-in manifest, answers the API, runs the sync
//! workers; signs people in with Microsoft 365 and Google.
//!
//! # Layout
//! - [`config`]: the `liaison` command line ([`cli`] carries out its commands) (every flag also a `LIAISON_*` variable) and the
//!   resolved [`config::ServerConfig`].
//! - [`startup`]: [`startup::Application`] binds, builds the router and runs until stopped.
//! - [`router`]: every route by path; [`routes`]: the handlers; [`items`]: the sidebar's work on
//!   an item (context, save, unlink), where the facts are gathered and the rules applied.
//! - [`auth`]: [`auth::Caller`], the user of a live session; [`sessions`]: session tokens;
//!   [`identity`]: providers and token validation; [`connections`]: sealed refresh tokens;
//!   [`secrets`]: the encryption envelope; [`scopes`]: the scope registry; [`doctor`].
//! - [`instant`]: UTC milliseconds to and from RFC 3339.
//! - [`error`]: [`error::ApiError`], the one way a handler fails, and its JSON body;
//!   [`extract`]: the JSON body extractor that names the bad field.
//! - [`limits`] (body size, time) and [`rate_limit`] (per client): what every request lives within.
//! - [`store`]: the record store seam ([`store::Store`]) and its SQLite and PostgreSQL backends.
//! - [`manifest`]: renders `manifest.xml` for a public URL; [`markup`]: escaping for HTML and XML.
//! - [`headers`]: the security headers per route class (CSP, HSTS, caching).
//! - [`tls`]: the self-signed development certificate and the rustls set-up.
//! - [`graph`]: the Microsoft Graph client and its retry policy.
//! - [`sync`]: the sync engine (sessions per Organizer, the worker, leases); [`crash`]: the
//!   named crash points of the crash-and-restart tests (a no-op without their feature).
//! - [`demo`]: `liaison demo`, the server with an in-process Microsoft 365 simulator.

pub mod auth;
pub mod cli;
pub mod config;
pub mod connections;
pub mod crash;
pub mod demo;
pub mod doctor;
pub mod error;
pub mod extract;
pub mod graph;
pub mod headers;
pub mod identity;
pub mod instant;
pub mod items;
pub mod limits;
pub mod manifest;
pub mod markup;
pub mod rate_limit;
pub mod router;
pub mod routes;
pub mod scopes;
pub mod secrets;
pub mod sessions;
pub mod startup;
pub mod state;
pub mod store;
pub mod sync;
pub mod telemetry;
pub mod tls;
