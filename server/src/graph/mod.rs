//! Microsoft Graph: [`client`], the one way Liaison calls Graph (limits, retries, paging,
//! batches, typed errors); [`calendar`], the calls Liaison makes; [`model`], Graph's resources
//! as Liaison reads them; [`entry_id`] and [`creator`], who created an item and who the caller
//! is in Exchange's address book; [`retry`], the policy on throttling and server errors.

pub mod calendar;
pub mod client;
pub mod creator;
pub mod entry_id;
pub mod model;
pub mod retry;
pub mod schedule;
pub mod tally;
