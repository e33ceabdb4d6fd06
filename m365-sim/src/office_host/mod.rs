//! The simulated Outlook host: a stand-in for the subset of Office.js the task pane uses.
//!
//! Liaison's server serves [`OFFICE_JS`] from its own origin in place of Microsoft's office.js,
//! only in demo and test mode and only when the page asks for the simulated host. In Outlook the
//! pane always loads Microsoft's office.js from its CDN.

/// The stand-in script. It reads the signed-in mailbox from the page's query string
/// (`mailbox`, `name`) and answers `Office.onReady` as Outlook on the web would.
pub const OFFICE_JS: &str = include_str!("office.js");
