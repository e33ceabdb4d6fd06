//! The sidebar's work on a calendar item: its CRM context, saving it, unlinking it, giving it
//! the CRM category, and carrying out the saves the outbox holds.
//!
//! **The server decides on Microsoft's facts.** The client names the item (owner mailbox and
//! REST id); [`facts::gather`] learns the rest from Graph and the CRM and lets
//! `liaison_domain::permissions` decide. What goes into the CRM is Graph's account of the
//! meeting, never the client's. Every refusal is written to the audit log; every allowed change
//! too, in the same transaction as the change.
//!
//! - [`service`]: [`Items`], the service and what it needs.
//! - [`facts`] (with [`delegation`]): the facts a verdict rests on.
//! - `context.rs` (context, status, unlink), `save.rs` (save, queued saves), `categorize.rs`:
//!   the work, as methods of [`Items`]; `present.rs`: store types as the API shows them;
//!   `refusal.rs`: audit lines and refusals; `attendees.rs`: the meeting's people and the
//!   records they match.

mod attendees;
mod categorize;
mod context;
pub mod delegation;
mod error;
pub mod facts;
mod lookup;
mod present;
mod refusal;
mod save;
mod service;

pub use categorize::Categorized;
pub use error::ItemError;
pub use save::{
    MAX_IDEMPOTENCY_KEY, MAX_QUEUED_PER_ORGANIZER, MAX_QUEUED_PER_REQUESTER, QueuedOutcome,
};
pub use service::{FAILED_CATEGORY, Items};
