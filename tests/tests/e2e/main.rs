//! Liaison's end-to-end suites, one test binary (each suite links the whole server; one binary
//! links it once): the real server on a random port, the real stores (SQLite, and PostgreSQL
//! through `TEST_DATABASE_URL`), the Microsoft 365 simulator and headless Chromium. A module per
//! subject; `cargo test -p liaison-e2e --test e2e sync::` runs one.

mod abuse;
mod admin;
mod admin_console;
mod booking;
mod crash;
mod crm_page;
mod delegate_view;
mod isolation;
mod item_lookup;
mod items;
mod items_replay;
mod logs;
mod manifest;
mod metrics;
mod office_standin;
mod openapi;
mod outside_input;
mod permissions;
mod records;
mod refresh_tokens;
mod server;
mod server_truth;
mod sign_in;
mod sign_in_flows;
mod sign_in_people;
mod store;
mod store_reconnect;
mod store_setup;
mod store_upkeep;
mod sync;
mod sync_chaos;
mod sync_model;
mod sync_worker;
mod taskpane;
mod taskpane_attendees;
mod taskpane_organizer;
mod tenant_check;
