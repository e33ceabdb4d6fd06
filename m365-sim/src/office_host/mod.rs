//! The simulated Outlook host: a stand-in for the subset of Office.js the task pane uses, and an
//! Outlook-like page that hosts the pane, so a person (and the browser tests) can try every
//! delegate level without a Microsoft tenant.
//!
//! Liaison's server serves these from its own origin, only in the demo and in tests, and only
//! when the page asks for the simulated host. In Outlook the pane always loads Microsoft's
//! office.js from its CDN.

/// The Office.js stand-in. Inside the host page it reads the signed-in mailbox and the selected
/// item from `window.parent.liaisonHost`; on its own, the mailbox from the query string
/// (`mailbox`, `name`).
pub const OFFICE_JS: &str = include_str!("office.js");

/// The host page: mailboxes, calendars (own and delegated), the selected item, the task pane.
pub const OUTLOOK_HTML: &str = include_str!("outlook.html");
pub const OUTLOOK_JS: &str = include_str!("outlook.js");
pub const OUTLOOK_CSS: &str = include_str!("outlook.css");
