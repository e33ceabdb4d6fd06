//! From what Outlook, Graph or EWS say about a delegate to [`Capabilities`] and a [`Level`].

use serde::{Deserialize, Serialize};

/// One source's statement of the delegate's access to the owner's calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessSource {
    /// `item.getSharedPropertiesAsync().delegatePermissions` from Office.js, as a statement of
    /// the delegate's level (the diagnostic endpoint). On the server's item path the client's
    /// bits are not a source: they are [`super::facts::Facts::client_bits`], which only lower.
    Office(OfficeBits),
    /// Graph `calendarPermission.role` for the delegate, from the owner's
    /// `calendarPermissions`.
    Graph(GraphRole),
    /// EWS `CalendarFolderPermissionLevel`.
    Ews(EwsLevel),
    /// The delegate's own view of the owner's calendar: their copy of it in their own mailbox
    /// (Graph `/me/calendars` with the delegate's token). `canEdit` is "true if the user can
    /// write to the calendar": it confirms creating items and changing one's own, not changing
    /// everyone's.
    CalendarView {
        can_edit: bool,
        can_view_private: bool,
    },
    /// The delegate has no view of the owner's calendar: it is not among their calendars
    /// (Microsoft lists a shared calendar there once its invitation is accepted or it is
    /// added). Not silence: it rules everything out until it is there.
    NoCalendarView,
}

/// What one source says about the calendar capabilities: those it confirms and those it rules
/// out. What it says neither of, it does not know (Graph's `custom` role does not say which
/// custom level; the delegate's own view does not say whether they may change others' items).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Statement {
    pub confirms: Capabilities,
    pub denies: Capabilities,
}

impl Statement {
    /// A source that states every capability: what it grants, and nothing else.
    fn exactly(grants: Capabilities) -> Self {
        Self {
            confirms: grants,
            denies: grants.complement(),
        }
    }
}

/// `Office.MailboxEnums.DelegatePermissions`: a bit set of at most the six defined flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OfficeBits(u8);

impl OfficeBits {
    pub const READ: u8 = 1;
    pub const WRITE: u8 = 2;
    pub const DELETE_OWN: u8 = 4;
    pub const DELETE_ALL: u8 = 8;
    pub const EDIT_OWN: u8 = 16;
    pub const EDIT_ALL: u8 = 32;
    /// Every defined flag: Outlook's Editor.
    pub const ALL: u8 = 63;
    /// Outlook's Author: read, create, edit and delete own items.
    pub const AUTHOR: u8 = Self::READ | Self::WRITE | Self::EDIT_OWN | Self::DELETE_OWN;

    /// The bit set, or `None` when it has bits Office.js does not define.
    pub fn new(bits: u32) -> Option<Self> {
        u8::try_from(bits)
            .ok()
            .filter(|b| b & !Self::ALL == 0)
            .map(Self)
    }

    /// The defined flags of `bits`, any others dropped (for values the server stored itself).
    pub fn masked(bits: u8) -> Self {
        Self(bits & Self::ALL)
    }

    pub fn bits(self) -> u8 {
        self.0
    }
}

/// Graph `calendarRoleType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GraphRole {
    None,
    FreeBusyRead,
    LimitedRead,
    Read,
    Write,
    DelegateWithoutPrivateEventAccess,
    DelegateWithPrivateEventAccess,
    Custom,
}

crate::wire_names!(GraphRole {
    None => "none",
    FreeBusyRead => "freeBusyRead",
    LimitedRead => "limitedRead",
    Read => "read",
    Write => "write",
    DelegateWithoutPrivateEventAccess => "delegateWithoutPrivateEventAccess",
    DelegateWithPrivateEventAccess => "delegateWithPrivateEventAccess",
    Custom => "custom",
});

impl GraphRole {
    /// Outlook's delegates — the roles Graph names `delegate…` — may send on the owner's behalf
    /// (`calendarRoleType`); no other role says so.
    pub fn sends_on_behalf(self) -> bool {
        matches!(
            self,
            Self::DelegateWithPrivateEventAccess | Self::DelegateWithoutPrivateEventAccess
        )
    }

    /// How much the role lets one do, to take the least of several. `custom` is never more
    /// than an Author (below `write`), and confirms nothing itself.
    pub fn privilege(self) -> u8 {
        match self {
            Self::None => 0,
            Self::FreeBusyRead => 1,
            Self::LimitedRead => 2,
            Self::Read => 3,
            Self::Custom => 4,
            Self::Write => 5,
            Self::DelegateWithoutPrivateEventAccess => 6,
            Self::DelegateWithPrivateEventAccess => 7,
        }
    }

    /// The one role that lets its holder see the owner's private items.
    pub fn sees_private_items(self) -> bool {
        self == Self::DelegateWithPrivateEventAccess
    }
}

/// EWS `CalendarFolderPermissionLevel`, as far as delegates go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EwsLevel {
    None,
    Reviewer,
    Author,
    Editor,
    Custom,
}

crate::wire_names!(EwsLevel {
    None => "None",
    Reviewer => "Reviewer",
    Author => "Author",
    Editor => "Editor",
    Custom => "Custom",
});

/// What the delegate may do in the owner's calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Capabilities {
    pub read: bool,
    pub create: bool,
    pub edit_own: bool,
    pub edit_all: bool,
    pub delete_own: bool,
    pub delete_all: bool,
    pub view_private: bool,
}

impl Capabilities {
    /// Everything: the owner on their own calendar.
    pub const OWNER: Self = Self {
        read: true,
        create: true,
        edit_own: true,
        edit_all: true,
        delete_own: true,
        delete_all: true,
        view_private: true,
    };

    /// The calendar rights (without private visibility) as Office.js bits, with "all" implying
    /// "own": whoever may edit every item may edit their own.
    pub fn from_office_bits(bits: u8) -> Self {
        let has = |flag: u8| bits & flag != 0;
        Self {
            read: has(OfficeBits::READ),
            create: has(OfficeBits::WRITE),
            edit_own: has(OfficeBits::EDIT_OWN) || has(OfficeBits::EDIT_ALL),
            edit_all: has(OfficeBits::EDIT_ALL),
            delete_own: has(OfficeBits::DELETE_OWN) || has(OfficeBits::DELETE_ALL),
            delete_all: has(OfficeBits::DELETE_ALL),
            // The bit set does not speak of private items: the delegate flag decides.
            view_private: true,
        }
    }

    /// The calendar rights as Office.js bits (private visibility left out).
    pub fn office_bits(self) -> u8 {
        [
            (self.read, OfficeBits::READ),
            (self.create, OfficeBits::WRITE),
            (self.delete_own, OfficeBits::DELETE_OWN),
            (self.delete_all, OfficeBits::DELETE_ALL),
            (self.edit_own, OfficeBits::EDIT_OWN),
            (self.edit_all, OfficeBits::EDIT_ALL),
        ]
        .iter()
        .filter(|(has, _)| *has)
        .fold(0, |bits, (_, flag)| bits | flag)
    }

    /// What both grant.
    pub fn intersect(self, other: Self) -> Self {
        Self {
            read: self.read && other.read,
            create: self.create && other.create,
            edit_own: self.edit_own && other.edit_own,
            edit_all: self.edit_all && other.edit_all,
            delete_own: self.delete_own && other.delete_own,
            delete_all: self.delete_all && other.delete_all,
            view_private: self.view_private && other.view_private,
        }
    }

    /// What either grants.
    pub fn union(self, other: Self) -> Self {
        Self {
            read: self.read || other.read,
            create: self.create || other.create,
            edit_own: self.edit_own || other.edit_own,
            edit_all: self.edit_all || other.edit_all,
            delete_own: self.delete_own || other.delete_own,
            delete_all: self.delete_all || other.delete_all,
            view_private: self.view_private || other.view_private,
        }
    }

    /// Everything `self` does not grant.
    pub fn complement(self) -> Self {
        Self {
            read: !self.read,
            create: !self.create,
            edit_own: !self.edit_own,
            edit_all: !self.edit_all,
            delete_own: !self.delete_own,
            delete_all: !self.delete_all,
            view_private: !self.view_private,
        }
    }

    /// Whether `self` grants nothing that `other` does not.
    pub fn is_within(self, other: Self) -> bool {
        self.intersect(other) == self
    }
}

impl AccessSource {
    /// What this source confirms and rules out. Sources that do not speak of private items
    /// neither confirm nor rule them out: the delegate's "can see private items" flag decides.
    pub fn statement(&self) -> Statement {
        let calendar = |bits| Capabilities {
            view_private: false,
            ..Capabilities::from_office_bits(bits)
        };
        let silent_on_private = |mut statement: Statement| {
            statement.denies.view_private = false;
            statement
        };
        match *self {
            Self::Office(bits) => silent_on_private(Statement::exactly(calendar(bits.bits()))),
            Self::Ews(level) => silent_on_private(Statement::exactly(calendar(match level {
                // "Custom" says nothing we can rely on: grant nothing rather than guess.
                EwsLevel::None | EwsLevel::Custom => 0,
                EwsLevel::Reviewer => OfficeBits::READ,
                EwsLevel::Author => OfficeBits::AUTHOR,
                EwsLevel::Editor => OfficeBits::ALL,
            }))),
            Self::Graph(role) => match role {
                // Free/busy and titles-only shares show no item details.
                GraphRole::None | GraphRole::FreeBusyRead | GraphRole::LimitedRead => {
                    Statement::exactly(Capabilities::default())
                }
                GraphRole::Read => Statement::exactly(calendar(OfficeBits::READ)),
                GraphRole::Write | GraphRole::DelegateWithoutPrivateEventAccess => {
                    Statement::exactly(calendar(OfficeBits::ALL))
                }
                GraphRole::DelegateWithPrivateEventAccess => {
                    Statement::exactly(Capabilities::OWNER)
                }
                // Graph names no level for Outlook's Author (it shows as `custom`), nor for the
                // other custom sets: never more than an Author — no changing others' items, no
                // private items — and nothing confirmed until another source does.
                GraphRole::Custom => Statement {
                    confirms: Capabilities::default(),
                    denies: Capabilities {
                        edit_all: true,
                        delete_all: true,
                        view_private: true,
                        ..Capabilities::default()
                    },
                },
            },
            Self::NoCalendarView => Statement::exactly(Capabilities::default()),
            Self::CalendarView {
                can_edit,
                can_view_private,
            } => {
                let writes = Capabilities {
                    create: true,
                    edit_own: true,
                    delete_own: true,
                    ..Capabilities::default()
                };
                let read = Capabilities {
                    read: true,
                    ..Capabilities::default()
                };
                let all_writes = Capabilities {
                    edit_all: true,
                    delete_all: true,
                    ..writes
                };
                Statement {
                    confirms: if can_edit { read.union(writes) } else { read },
                    denies: Capabilities {
                        view_private: !can_view_private,
                        ..if can_edit {
                            Capabilities::default()
                        } else {
                            all_writes
                        }
                    },
                }
            }
        }
    }

    /// What this source grants on its own: what it confirms and does not rule out.
    pub fn capabilities(&self) -> Capabilities {
        let statement = self.statement();
        Capabilities {
            // Alone, a source silent on private items leaves it to the delegate's flag.
            view_private: !statement.denies.view_private,
            ..statement.confirms.intersect(statement.denies.complement())
        }
    }

    pub(super) fn is_custom(&self) -> bool {
        matches!(
            self,
            Self::Graph(GraphRole::Custom) | Self::Ews(EwsLevel::Custom)
        )
    }
}

/// The delegate's level, named as people know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Level {
    /// The signed-in user's own calendar.
    Owner,
    Editor,
    Author,
    Reviewer,
    /// A delegate with no calendar permissions who composes on the owner's behalf.
    SendOnBehalf,
    /// Rights that match no named level.
    Custom,
    None,
}

crate::wire_names!(Level {
    Owner => "Owner",
    Editor => "Editor",
    Author => "Author",
    Reviewer => "Reviewer",
    SendOnBehalf => "SendOnBehalf",
    Custom => "Custom",
    None => "None",
});

impl Level {
    /// Whether a delegate at this level can ever save an item to the CRM, and so has a CRM
    /// destination.
    pub fn may_save_to_crm(self, capabilities: Capabilities) -> bool {
        match self {
            Self::Owner | Self::Editor | Self::Author | Self::SendOnBehalf => true,
            Self::Custom => capabilities.edit_own,
            Self::Reviewer | Self::None => false,
        }
    }
}
