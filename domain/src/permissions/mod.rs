//! The delegated-calendar permission rules: the one place they live.
//!
//! [`resolve`] turns the facts about a delegate, a calendar item and its CRM event into the
//! delegate's [`Level`], their [`Capabilities`], the CRM destination and a [`Verdict`] for every
//! [`Action`]. The server calls it to decide (authoritatively); the task pane calls it to explain.
//!
//! # The rules
//! - **Level** comes from what Microsoft says of the delegate ([`AccessSource`]): the owner's
//!   Graph `calendarPermission.role`, the delegate's own view of the calendar (`canEdit`,
//!   `canViewPrivateItems`), EWS's permission level, or (as a diagnostic statement) the
//!   Office.js `DelegatePermissions` bit set. Sources combine by **least privilege**: a
//!   capability holds when some source confirms it and none rules it out. The bits the client
//!   reports ([`Facts::client_bits`]) can only take capabilities away.
//! - **Editor** may process items created by anyone in the Organizer's calendar (the Organizer,
//!   the Delegate, inbound invites); **Author** only items the Delegate created; **SendOnBehalf**
//!   only items the Delegate composes; **Reviewer** nothing (read-only sidebar); **None** nothing.
//! - **Private items** are closed to a delegate who may not see private items.
//! - **Creating** the CRM event needs the Organizer's sync; **updating** one needs the Delegate's
//!   CRM edit right, whether or not the Organizer's sync runs.
//! - When several rules refuse, the [`Reason`] given is the first in [`Reason::ALL`].
//! - **Deleting a CRM event** in the CRM, apart from any item: [`delete_crm_event`].

mod access;
mod actions;
mod crm_event;
mod reason;

pub use access::{AccessSource, Capabilities, EwsLevel, GraphRole, Level, OfficeBits, Statement};
pub use actions::{Action, CreatedBy, CrmAccess, ItemMode, Verdict};
pub use crm_event::{CrmEventVerdict, delete_crm_event};
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
    /// The `delegatePermissions` the client reported (Office.js): they can lower what the
    /// sources grant, never raise it.
    pub client_bits: Option<OfficeBits>,
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

impl Resolution {
    /// Whether the user may see the item's CRM event and its records: they see the item's
    /// details and have some right on the Organizer's CRM calendar (a CRM event the CRM
    /// deleted is seen by nobody: the server reports it as one the user has no access to).
    pub fn shows_crm_event(&self) -> bool {
        self.actions[&Action::ViewDetails].is_allowed()
            && self.actions[&Action::UpdateCrmEvent].reason() != Some(Reason::CrmNoAccess)
    }

    /// Whether the user may see the item's sync status: whoever may see its details.
    pub fn shows_item_status(&self) -> bool {
        self.actions[&Action::ViewDetails].is_allowed()
    }
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

/// Whether the sources disagree: one confirms a capability another rules out. The rules
/// already take the least of them; the server writes a disagreement to the audit log.
pub fn sources_conflict(sources: &[AccessSource]) -> bool {
    let statements: Vec<Statement> = sources.iter().map(AccessSource::statement).collect();
    statements.iter().any(|a| {
        statements
            .iter()
            .any(|b| a.confirms.intersect(b.denies) != Capabilities::default())
    })
}

/// Whether the client's bits claim more than the sources grant (they are ignored beyond that,
/// but the disagreement is worth an audit line).
pub fn client_claims_more(sources: &[AccessSource], client_bits: OfficeBits) -> bool {
    let facts = Facts {
        is_owner: false,
        owner: String::new(),
        access: sources.to_vec(),
        client_bits: None,
        can_view_private_items: false,
        send_on_behalf: false,
        item: ItemFacts {
            mode: ItemMode::Read,
            created_by: CreatedBy::Other,
            is_private: false,
            is_inbound_invite: false,
        },
        organizer_sync_enabled: false,
        crm: CrmFacts {
            event_exists: false,
            delegate_access: CrmAccess::None,
        },
    };
    let (_, granted) = access::level_and_capabilities(&facts);
    let claimed = Capabilities::from_office_bits(client_bits.bits());
    claimed.office_bits() & !granted.office_bits() != 0
}

#[cfg(test)]
mod tests;
