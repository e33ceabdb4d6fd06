//! Microsoft Graph: [`client`], the one way Liaison calls Graph, and [`retry`], the policy it
//! follows on throttling and server errors.

pub mod client;
pub mod model;
pub mod retry;
