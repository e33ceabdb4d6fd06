//! [`Records`]: the CRM records API as a service — create, read, change (at the version the
//! writer read), delete and restore records; share them; share an Organizer's CRM calendar;
//! a record's history of meetings; the Organizers' CRM calendars as the CRM page reads them. Who may do what is `domain::permissions::record_rights`;
//! a record someone may not see is "not found", as another tenant's is. Every write is
//! audited in its own transaction.

mod calendars;
mod crud;
mod error;
mod export;
mod import;
mod present;
mod service;

pub use error::RecordError;
pub use export::{MAX_CHANGES, change_page};
pub use import::ImportOptions;
pub use service::{Reader, Records};
