//! Why an action is refused: a stable machine code and a human message.

/// A refusal's reason. The declaration order is the precedence: when several rules refuse, the
/// first of them in this order is given. Never reorder; add new reasons where they belong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    NoCalendarAccess,
    PrivateItem,
    ReviewerReadOnly,
    AuthorNotCreator,
    ComposeOnly,
    OrganizerSyncDisabled,
    NotFound,
    CrmNoAccess,
    CrmReadOnly,
}

crate::wire_names!(Reason {
    NoCalendarAccess => "no_calendar_access",
    PrivateItem => "private_item",
    ReviewerReadOnly => "reviewer_read_only",
    AuthorNotCreator => "author_not_creator",
    ComposeOnly => "compose_only",
    OrganizerSyncDisabled => "organizer_sync_disabled",
    NotFound => "not_found",
    CrmNoAccess => "crm_no_access",
    CrmReadOnly => "crm_read_only",
});

impl Reason {
    /// What the sidebar tells the person, and what they can do about it.
    pub fn message(self) -> &'static str {
        match self {
            Self::NoCalendarAccess => {
                "You have no access to this calendar: ask its owner to add you as a delegate \
                 with Editor or Author permissions"
            }
            Self::PrivateItem => {
                "This item is private: ask the Organizer to let you see their private items"
            }
            Self::ReviewerReadOnly => {
                "Your access to this calendar is read-only: ask the Organizer for Editor or \
                 Author permissions"
            }
            Self::AuthorNotCreator => {
                "As an Author you can only process items you created: ask the Organizer for \
                 Editor permissions"
            }
            Self::ComposeOnly => {
                "With send-on-behalf rights only, you can save items only while you compose \
                 them on the Organizer's behalf"
            }
            Self::OrganizerSyncDisabled => "Sync is not enabled for the Organizer",
            Self::NotFound => "This item has no CRM event yet: save it to the CRM first",
            Self::CrmNoAccess => "Insufficient CRM permissions to save this event",
            Self::CrmReadOnly => {
                "Insufficient CRM permissions to update this event — ask the Organizer for access"
            }
        }
    }
}
