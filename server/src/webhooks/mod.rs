//! Signed webhooks that follow the CRM's change feed, so an organization's own CRM or data
//! warehouse mirrors Liaison's store without polling.
//!
//! - `settings.rs`: the command-line flags and what they become.
//! - `signature.rs`: the `Liaison-Signature` header (HMAC-SHA256 over the timestamp and body),
//!   made and verified.
//! - `receiver.rs`: which receiver URLs an administrator may give.
//! - `service.rs`: [`Webhooks`], what an administrator does (add, list, remove, read and replay
//!   dead letters).
//! - `deliver.rs`: one attempt at a webhook's next batch, and the backoff after a failure.
//! - `worker.rs`: the background worker that leases due webhooks and delivers them.
//!
//! **Delivery:** at least once, in feed order. A batch is posted again, unchanged and with the
//! same `Liaison-Delivery` id, until the receiver answers 2xx — with exponential backoff that
//! honours `Retry-After` — then, after the last attempt, it becomes a dead letter and delivery
//! goes on after it.

mod deliver;
mod receiver;
mod service;
mod settings;
mod signature;
mod worker;

pub use service::{WebhookError, Webhooks};
pub use settings::{WebhookArgs, WebhookSettings};
pub use signature::{SIGNATURE_HEADER, sign, verify};
