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
mod crm_record;
mod facts;
mod reason;

pub use access::{AccessSource, Capabilities, EwsLevel, GraphRole, Level, OfficeBits, Statement};
pub use actions::{Action, Verdict};
pub use crm_event::{CrmEventVerdict, delete_crm_event};
pub use crm_record::{RecordRights, record_rights};
pub use facts::{CreatedBy, CrmAccess, CrmFacts, Facts, ItemFacts, ItemMode};
pub use reason::Reason;

use std::collections::BTreeMap;

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
    let (level, capabilities) = level_and_capabilities(facts);
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

/// A delegate's level from what Microsoft's sources say alone (no item, no client): what an
/// administrator is shown of a verified delegation.
pub fn delegate_level(
    access: &[AccessSource],
    can_view_private_items: bool,
    send_on_behalf: bool,
) -> Level {
    level_and_capabilities(&delegate_facts(
        access,
        can_view_private_items,
        send_on_behalf,
    ))
    .0
}

/// Facts of a delegate that say nothing of an item or a client: only Microsoft's sources.
fn delegate_facts(
    access: &[AccessSource],
    can_view_private_items: bool,
    send_on_behalf: bool,
) -> Facts {
    Facts {
        is_owner: false,
        owner: String::new(),
        access: access.to_vec(),
        client_bits: None,
        can_view_private_items,
        send_on_behalf,
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
    let facts = delegate_facts(sources, false, false);
    let (_, granted) = level_and_capabilities(&facts);
    let claimed = Capabilities::from_office_bits(client_bits.bits());
    claimed.office_bits() & !granted.office_bits() != 0
}

/// The level and capabilities `facts` give: a capability holds when some source confirms it
/// and none rules it out (least privilege), and the client's bits may only take away.
fn level_and_capabilities(facts: &Facts) -> (Level, Capabilities) {
    if facts.is_owner {
        return (Level::Owner, Capabilities::OWNER);
    }
    let (confirmed, denied) = facts.access.iter().map(AccessSource::statement).fold(
        (Capabilities::default(), Capabilities::default()),
        |(confirmed, denied), statement| {
            (
                confirmed.union(statement.confirms),
                denied.union(statement.denies),
            )
        },
    );
    let mut granted = confirmed.intersect(denied.complement());
    if let Some(bits) = facts.client_bits {
        granted = granted.intersect(Capabilities::from_office_bits(bits.bits()));
    }
    let capabilities = Capabilities {
        view_private: !facts.access.is_empty()
            && !denied.view_private
            && facts.can_view_private_items,
        ..granted
    };
    let level = match capabilities.office_bits() {
        0 if facts.send_on_behalf && !facts.access.is_empty() => Level::SendOnBehalf,
        0 if facts.access.iter().any(AccessSource::is_custom) => Level::Custom,
        0 => Level::None,
        OfficeBits::READ => Level::Reviewer,
        OfficeBits::AUTHOR => Level::Author,
        OfficeBits::ALL => Level::Editor,
        _ => Level::Custom,
    };
    (level, capabilities)
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod delegate_level_tests {
    use super::*;

    #[test]
    fn a_delegations_level_is_the_least_microsofts_sources_confirm() {
        let view = |can_edit| AccessSource::CalendarView {
            can_edit,
            can_view_private: false,
        };
        let cases = [
            (
                vec![AccessSource::Graph(GraphRole::Write), view(true)],
                false,
                Level::Editor,
            ),
            (
                vec![AccessSource::Graph(GraphRole::Read), view(false)],
                false,
                Level::Reviewer,
            ),
            // The owner's list says Reviewer, the delegate's view says they may edit: Reviewer.
            (
                vec![AccessSource::Graph(GraphRole::Read), view(true)],
                false,
                Level::Reviewer,
            ),
            (
                vec![
                    AccessSource::Graph(GraphRole::Write),
                    AccessSource::NoCalendarView,
                ],
                false,
                Level::None,
            ),
            (
                vec![AccessSource::Graph(GraphRole::None), view(false)],
                true,
                Level::SendOnBehalf,
            ),
        ];
        for (sources, send_on_behalf, level) in cases {
            assert_eq!(
                delegate_level(&sources, false, send_on_behalf),
                level,
                "{sources:?}"
            );
        }
    }
}
