//! The delegated-calendar permission rules: the one place they live.
//!
//! [`resolve`] turns the facts about a delegate, a calendar item and its CRM event into the
//! delegate's [`Level`], their [`Capabilities`], the CRM destination and a [`Verdict`] for every
//! [`Action`]. The server calls it to decide (authoritatively); the task pane calls it to explain.
//!
//! # The rules (spec §2, from the source article's table)
//! - **Level** comes from Outlook's view of the delegate: the Office.js `DelegatePermissions` bit
//!   set, Graph's `calendarPermission.role` or EWS's permission level ([`AccessSource`]). Several
//!   sources combine by **least privilege**: a capability holds only if every source grants it.
//! - **Editor** may process items created by anyone in the Organizer's calendar (the Organizer,
//!   the Delegate, inbound invites); **Author** only items the Delegate created; **SendOnBehalf**
//!   only items the Delegate composes; **Reviewer** nothing (read-only sidebar); **None** nothing.
//! - **Private items** are closed to a delegate who may not see private items.
//! - **Creating** the CRM event needs the Organizer's sync; **updating** one needs the Delegate's
//!   CRM edit right, whether or not the Organizer's sync runs.
//! - When several rules refuse, the [`Reason`] given is the first in [`Reason::ALL`].

mod access;
mod actions;
mod reason;

pub use access::{AccessSource, Capabilities, EwsLevel, GraphRole, Level, OfficeBits};
pub use actions::{Action, CreatedBy, CrmAccess, ItemMode, Verdict};
pub use reason::Reason;

use std::collections::BTreeMap;

/// Everything the rules look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// Whether the signed-in user owns the calendar (delegate == owner).
    pub is_owner: bool,
    /// The Organizer's mailbox: where a saved item's CRM event goes.
    pub owner: String,
    /// What each source says about the delegate's calendar access. Empty means nothing
    /// confirmed the delegate's access, which grants nothing.
    pub access: Vec<AccessSource>,
    /// Outlook's "delegate can see my private items".
    pub can_view_private_items: bool,
    /// The delegate may send on the owner's behalf.
    pub send_on_behalf: bool,
    pub item: ItemFacts,
    /// The Organizer has connected Liaison and sync is on.
    pub organizer_sync_enabled: bool,
    pub crm: CrmFacts,
}

/// The calendar item the sidebar is open on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemFacts {
    pub mode: ItemMode,
    pub created_by: CreatedBy,
    pub is_private: bool,
    pub is_inbound_invite: bool,
}

/// The item's CRM event, as the CRM record store sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrmFacts {
    pub event_exists: bool,
    /// The delegate's own right on that CRM event.
    pub delegate_access: CrmAccess,
}

/// What the rules conclude.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    pub level: Level,
    pub capabilities: Capabilities,
    /// The mailbox whose CRM calendar a save goes to; `None` when the delegate can save nothing.
    pub destination: Option<String>,
    /// A verdict for every [`Action`], in [`Action::ALL`] order.
    pub actions: BTreeMap<Action, Verdict>,
}

/// Applies the rules to `facts`. Total: every input has an answer, and it never panics.
pub fn resolve(facts: &Facts) -> Resolution {
    let (level, capabilities) = access::level_and_capabilities(facts);
    let actions = Action::ALL
        .iter()
        .map(|&action| {
            let refusals = actions::refusals(action, level, capabilities, facts);
            (action, Verdict::from_refusals(&refusals))
        })
        .collect();
    let destination = level
        .may_save_to_crm(capabilities)
        .then(|| facts.owner.clone());
    Resolution {
        level,
        capabilities,
        destination,
        actions,
    }
}

/// Whether the sources disagree about the delegate's capabilities. The rules already take the
/// least of them; the server logs a disagreement for the admin.
pub fn sources_conflict(sources: &[AccessSource]) -> bool {
    let mut capabilities = sources.iter().map(AccessSource::capabilities);
    match capabilities.next() {
        Some(first) => capabilities.any(|c| c != first),
        None => false,
    }
}

#[cfg(test)]
mod tests;
