//! The sync engine: brings Organizers' Outlook calendars into the CRM and keeps them in step.
//!
//! - [`plan`]: the rules, pure — what a delta round means for the CRM, and the circuit breaker.
//! - `session.rs`: one session for one Organizer (outbox, delta round, category, writes with
//!   the cursor, down-sync).
//! - `engine.rs`: [`SyncEngine`], with what sessions need; the worker that runs due jobs on an
//!   interval, and "Sync now". Jobs are leased in the store (`claim_sync_job`): several server
//!   instances on one PostgreSQL store share the work, a job never runs twice at once, and a
//!   dead worker's job is taken over when its lease expires.
//!   Up to `concurrent_sessions` sessions of different Organizers run at once; each renews
//!   its lease while it runs (a heartbeat) and has a deadline.
//! - `outbox.rs`: the queued saves a session carries out, fenced by the lease; one that keeps
//!   failing is dead-lettered (the item shows why, the audit has it, Outlook shows
//!   "CRM (failed)").
//! - [`notifications`]: the change-notification subscription each session keeps alive.
//! - `settings.rs`, `error.rs`: [`SyncSettings`], [`SyncError`].

mod engine;
mod error;
pub mod notifications;
mod outbox;
pub mod plan;
mod session;
mod settings;

pub use engine::SyncEngine;
pub use error::SyncError;
pub use outbox::MAX_ATTEMPTS as MAX_QUEUED_SAVE_ATTEMPTS;
pub use outbox::SESSION_BUDGET as QUEUED_SAVES_PER_SESSION;
pub use settings::SyncSettings;
