//! The actions the server judges for every item, and the rules that refuse each.

use super::access::{Capabilities, Level};
use super::facts::{CreatedBy, CrmAccess, Facts, ItemFacts, ItemMode};
use super::reason::Reason;

/// Everything the sidebar can do with an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    /// Open the sidebar at all: always allowed, so a refused user sees why.
    ViewSidebar,
    /// See the item's subject, times, attendees.
    ViewDetails,
    /// The Save button: creates the CRM event when there is none (needs the Organizer's sync),
    /// else updates it (needs the delegate's CRM edit right).
    SaveToCrm,
    /// Update the existing CRM event.
    UpdateCrmEvent,
    /// Give the item the CRM category so sync picks it up.
    CategorizeForSync,
    RespondToInvite,
    CreateInviteOnBehalf,
    SendAvailability,
    /// Remove the link between the item and its CRM event.
    UnlinkFromCrm,
}

crate::wire_names!(Action {
    ViewSidebar => "viewSidebar",
    ViewDetails => "viewDetails",
    SaveToCrm => "saveToCrm",
    UpdateCrmEvent => "updateCrmEvent",
    CategorizeForSync => "categorizeForSync",
    RespondToInvite => "respondToInvite",
    CreateInviteOnBehalf => "createInviteOnBehalf",
    SendAvailability => "sendAvailability",
    UnlinkFromCrm => "unlinkFromCrm",
});

impl Action {
    fn processes_item(self) -> bool {
        matches!(
            self,
            Self::SaveToCrm | Self::UpdateCrmEvent | Self::CategorizeForSync | Self::UnlinkFromCrm
        )
    }
}

/// Whether an action is allowed, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    Allowed,
    Refused(Reason),
}

impl Verdict {
    /// Allowed when nothing refuses; else refused for the first reason in precedence order.
    pub fn from_refusals(refusals: &[Reason]) -> Self {
        refusals
            .iter()
            .min()
            .map_or(Self::Allowed, |&reason| Self::Refused(reason))
    }

    pub fn is_allowed(self) -> bool {
        self == Self::Allowed
    }

    pub fn reason(self) -> Option<Reason> {
        match self {
            Self::Allowed => None,
            Self::Refused(reason) => Some(reason),
        }
    }
}

/// Every rule that refuses `action`, in no particular order.
pub(super) fn refusals(
    action: Action,
    level: Level,
    capabilities: Capabilities,
    facts: &Facts,
) -> Vec<Reason> {
    if action == Action::ViewSidebar {
        return Vec::new();
    }
    let mut refusals = calendar_refusals(action, level, capabilities, facts);
    if facts.item.is_private && !capabilities.view_private {
        refusals.push(Reason::PrivateItem);
    }
    refusals.extend(crm_refusals(action, facts));
    refusals
}

/// The calendar's rules: whether the delegate may see, process or act on this item at all.
/// Send-on-behalf rights add to whatever the calendar level grants.
fn calendar_refusals(
    action: Action,
    level: Level,
    capabilities: Capabilities,
    facts: &Facts,
) -> Vec<Reason> {
    match level {
        Level::Owner => Vec::new(),
        // No calendar permissions: only what sending on the owner's behalf allows.
        Level::SendOnBehalf => send_on_behalf_refusals(action, &facts.item),
        _ => {
            let by_level = level_refusals(action, capabilities, &facts.item);
            if facts.send_on_behalf
                && !by_level.is_empty()
                && send_on_behalf_refusals(action, &facts.item).is_empty()
            {
                Vec::new()
            } else {
                by_level
            }
        }
    }
}

/// What the calendar rights (Editor, Author, Reviewer or custom) allow.
fn level_refusals(action: Action, capabilities: Capabilities, item: &ItemFacts) -> Vec<Reason> {
    if !capabilities.read {
        return vec![Reason::NoCalendarAccess];
    }
    let allowed = match action {
        Action::ViewSidebar | Action::ViewDetails => true,
        Action::RespondToInvite | Action::CreateInviteOnBehalf | Action::SendAvailability => {
            capabilities.create
        }
        // Editor: any item of the calendar, invites included; Author: items they created.
        Action::SaveToCrm
        | Action::UpdateCrmEvent
        | Action::CategorizeForSync
        | Action::UnlinkFromCrm => {
            capabilities.edit_all
                || (capabilities.edit_own && item.created_by == CreatedBy::Delegate)
        }
    };
    if allowed {
        Vec::new()
    } else if capabilities.edit_own && action.processes_item() {
        vec![Reason::AuthorNotCreator]
    } else {
        vec![Reason::ReviewerReadOnly]
    }
}

/// What sending on the owner's behalf allows: creating invites, and processing the item the
/// delegate is composing (without calendar permissions they cannot open the owner's others).
fn send_on_behalf_refusals(action: Action, item: &ItemFacts) -> Vec<Reason> {
    match action {
        Action::ViewSidebar | Action::CreateInviteOnBehalf => Vec::new(),
        Action::RespondToInvite | Action::SendAvailability => vec![Reason::NoCalendarAccess],
        _ if item.mode != ItemMode::Compose => vec![Reason::ComposeOnly],
        _ => Vec::new(),
    }
}

/// The CRM's rules: creating needs the Organizer's sync, updating the delegate's CRM rights.
fn crm_refusals(action: Action, facts: &Facts) -> Vec<Reason> {
    if !action.processes_item() {
        return Vec::new();
    }
    let crm = &facts.crm;
    let crm_rights = || match crm.delegate_access {
        CrmAccess::None => vec![Reason::CrmNoAccess],
        CrmAccess::Read => vec![Reason::CrmReadOnly],
        CrmAccess::Edit => Vec::new(),
    };
    match action {
        // Sync picks categorized items up under the Organizer's connection.
        Action::CategorizeForSync if !facts.organizer_sync_enabled => {
            vec![Reason::OrganizerSyncDisabled]
        }
        Action::CategorizeForSync => Vec::new(),
        Action::SaveToCrm if crm.event_exists => crm_rights(),
        Action::SaveToCrm if !facts.organizer_sync_enabled => vec![Reason::OrganizerSyncDisabled],
        Action::SaveToCrm => Vec::new(),
        // Update and unlink need an event to act on.
        _ if !crm.event_exists => vec![Reason::NotFound],
        _ => crm_rights(),
    }
}
