//! What the pane calls the levels, actions and record kinds.

use liaison_domain::api::RecordKind;
use liaison_domain::permissions::{Action, Level};

pub fn level_text(level: Level) -> &'static str {
    match level {
        Level::Owner => "You own this calendar",
        Level::Editor => "You are an Editor here: you can save any item to the CRM",
        Level::Author => "You are an Author here: you can save the items you created",
        Level::Reviewer => "You are a Reviewer here: read-only",
        Level::SendOnBehalf => "You send on the owner's behalf: you can save items you compose",
        Level::Custom => "You have custom permissions here",
        Level::None => "You have no access to this calendar",
    }
}

pub fn action_text(action: Action) -> &'static str {
    match action {
        Action::ViewSidebar => "Open the sidebar",
        Action::ViewDetails => "See the details",
        Action::SaveToCrm => "Save to the CRM",
        Action::UpdateCrmEvent => "Update the CRM event",
        Action::CategorizeForSync => "Add the CRM category",
        Action::RespondToInvite => "Respond to invitations",
        Action::CreateInviteOnBehalf => "Invite on the owner's behalf",
        Action::SendAvailability => "Send availability",
        Action::UnlinkFromCrm => "Unlink from the CRM",
    }
}

pub fn kind_text(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Account => "Account",
        RecordKind::Contact => "Contact",
        RecordKind::Lead => "Lead",
        RecordKind::Opportunity => "Opportunity",
    }
}
