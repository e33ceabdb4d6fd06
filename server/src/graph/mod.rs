//! Microsoft Graph: [`client`], the one way Liaison calls Graph (limits, retries, paging,
//! batches, typed errors); [`calendar`], the calls Liaison makes; [`model`], Graph's resources
//! as Liaison reads them; [`retry`], the policy on throttling and server errors.

pub mod calendar;
pub mod client;
pub mod model;
pub mod retry;
