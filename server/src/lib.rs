//! Liaison's server: serves the task pane and the add-in manifest, answers the API, runs the sync
//! workers; signs people in with Microsoft 365 and Google.
//!
//! # Layout, from the top
//! - [`cli`], [`config`]: the `liaison` command line (every flag also a `LIAISON_*` variable)
//!   and the resolved [`config::ServerConfig`]; [`startup`] builds the services, binds and
//!   serves; [`state`]: [`state::AppState`], the services the handlers reach; [`router`]: every
//!   route by path; [`routes`]: the handlers. Only these know `AppState`.
//! - [`http`]: errors as JSON, extractors, the signed-in caller, headers, limits, pages, TLS.
//! - [`accounts`]: a person's own account (profile, connections' state, sync setting);
//!   [`admin`]: the organization's administration (settings, audit log).
//! - [`crm_events`]: the CRM's own work on its events (deleting one: rule, audit, the session
//!   that carries it to Outlook).
//! - [`items`]: the sidebar's work on an item (context, save, unlink, categorize), where the
//!   facts are gathered from Microsoft and the rules applied.
//! - [`sync`]: the sync engine (sessions per Organizer, the worker, leases, notifications).
//! - [`auth`]: sessions, connections' tokens, sign-in, secrets at rest, the scope registry;
//!   [`identity`]: the identity providers' protocols and token checks.
//! - [`graph`]: the Microsoft Graph client, its retry policy, Graph's event as Liaison reads it.
//! - [`store`]: the record store's traits and their SQL, for SQLite and PostgreSQL.
//! - [`tenant_check`]: `liaison tenant-check`, the Microsoft behaviours Liaison relies on asked
//!   of a tenant (or of the simulator, in the tests).
//! - [`synced_window`]: the days sync reads, and where an item lies against them (used by
//!   [`items`] and [`sync`] alike).
//! - [`clock`]: now, and UTC milliseconds to and from RFC 3339; [`crash`]: the named crash
//!   points of the crash-and-restart tests (a no-op without their feature); [`doctor`];
//!   [`telemetry`]; [`demo`]: its settings, and (with the `demo` feature) `liaison demo`, the server with an
//!   in-process Microsoft 365 simulator.
//!
//! Dependencies point down this list (`scripts/check-imports` fails on any import cycle).

pub mod accounts;
pub mod admin;
pub mod auth;
pub mod booking;
pub mod cli;
pub mod clock;
pub mod config;
pub mod crash;
pub mod crm_events;
pub mod crm_records;
pub mod csv_text;
pub mod demo;
pub mod doctor;
pub mod graph;
pub mod housekeeping;
pub mod http;
pub mod identity;
pub mod items;
#[cfg(test)]
mod outside_input;
pub mod router;
pub mod routes;
pub mod startup;
pub mod state;
pub mod store;
pub mod sync;
pub mod synced_window;
pub mod telemetry;
pub mod tenant_check;
pub mod webhooks;
