//! The scope registry: every OAuth scope Liaison requests, once, with what it allows and why
//! Liaison needs it. The sign-in and consent requests, the public `/permissions` page and
//! `docs/PERMISSIONS.md` are all generated from [`SCOPES`]; tests fail when a scope is requested
//! that no feature uses, or a Graph call needs a scope that is not requested.
//!
//! Not requested, on purpose: `Mail.Send` and `Mail.*` (Liaison sends no mail),
//! `MailboxSettings.Read` alone (the sync session must create the CRM category when it is
//! missing, so it asks `MailboxSettings.ReadWrite` and nothing broader), any application
//! permission, and `Calendars.ReadWrite.Shared` (a delegate's saves go to the CRM; the only
//! write to Outlook, the category, goes through the Organizer's own connection).

use crate::store::Provider;

/// What Liaison does with a scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feature {
    /// Know who signed in (tenant, object id, name).
    SignIn,
    /// Keep a connection working between visits (refresh tokens), for sync sessions.
    StayConnected,
    /// Read the signed-in person's mailbox address and name from Graph.
    Profile,
    /// Read the Organizer's calendar, its delegates, and write the CRM category back.
    OrganizerCalendar,
    /// Confirm on the server what a delegate may see of the Organizer's calendar.
    DelegateAccess,
    /// Find the CRM category in the Organizer's master list, or create it there.
    CrmCategory,
    /// Booking links: the Organizer's free/busy, and the meetings invitees book.
    BookingLinks,
}

impl Feature {
    pub fn describe(self) -> &'static str {
        match self {
            Self::SignIn => "sign-in",
            Self::StayConnected => "sync sessions",
            Self::Profile => "your profile",
            Self::OrganizerCalendar => "Organizer calendar sync",
            Self::DelegateAccess => "delegate permission check",
            Self::CrmCategory => "the CRM category",
            Self::BookingLinks => "booking links",
        }
    }
}

/// One requested scope.
#[derive(Debug, Clone, Copy)]
pub struct ScopeInfo {
    pub provider: Provider,
    /// The scope as sent (Graph scopes without the resource prefix).
    pub name: &'static str,
    /// What it lets Liaison do, in the provider's terms.
    pub allows: &'static str,
    /// Why Liaison needs it.
    pub why: &'static str,
    pub used_by: &'static [Feature],
    /// Who may consent: a user for themselves, or only an administrator.
    pub admin_only: bool,
}

/// Every scope Liaison requests.
pub const SCOPES: &[ScopeInfo] = &[
    ScopeInfo {
        provider: Provider::Microsoft,
        name: "openid",
        allows: "Sign you in.",
        why: "Liaison learns which tenant and which person signed in (tid, oid) from the ID token.",
        used_by: &[Feature::SignIn],
        admin_only: false,
    },
    ScopeInfo {
        provider: Provider::Microsoft,
        name: "profile",
        allows: "View your basic profile (name, user name).",
        why: "Shows your name in the sidebar and the admin console.",
        used_by: &[Feature::SignIn],
        admin_only: false,
    },
    ScopeInfo {
        provider: Provider::Microsoft,
        name: "offline_access",
        allows: "Maintain access to data you have given it access to.",
        why: "Sync sessions run while Outlook is closed; the refresh token is kept encrypted.",
        used_by: &[Feature::StayConnected],
        admin_only: false,
    },
    ScopeInfo {
        provider: Provider::Microsoft,
        name: "User.Read",
        allows: "Sign in and read your profile.",
        why: "Reads your mailbox address and display name once, when you connect.",
        used_by: &[Feature::Profile],
        admin_only: false,
    },
    ScopeInfo {
        provider: Provider::Microsoft,
        name: "Calendars.ReadWrite",
        allows: "Read and write your calendars.",
        why: "An Organizer's calendar is read for sync, its delegate list is read to confirm \
              delegates' levels, and the CRM category is written back on synced events. \
              Liaison never changes an existing event's times, attendees or body. Booking links \
              read the Organizer's free/busy (getSchedule: times and free/busy only), and a \
              meeting an invitee books is created in the Organizer's calendar — Graph sends the \
              invitation as it creates the meeting, so no mail permission is needed. Once per \
              delegate whose rights depend on who created an item (an Author), Liaison creates one free, private, \
              reminder-less item in the year 2000 in the delegate's own calendar and deletes \
              it for good at once: Exchange records on it who the delegate is in its address \
              book, the identity that tells the items they created (a name is not one).",
        used_by: &[
            Feature::OrganizerCalendar,
            Feature::DelegateAccess,
            Feature::BookingLinks,
        ],
        admin_only: false,
    },
    ScopeInfo {
        provider: Provider::Microsoft,
        name: "Calendars.Read.Shared",
        allows: "Read calendars you can access, including shared and delegated calendars.",
        why: "When you work in someone else's calendar, the server reads the item you opened, \
              and your copy of that calendar among your calendars (what you may change, whether \
              you see private items), with your own access, so Microsoft, not the browser, says \
              what it is and whether you can see it.",
        used_by: &[Feature::DelegateAccess],
        admin_only: false,
    },
    ScopeInfo {
        provider: Provider::Microsoft,
        name: "MailboxSettings.ReadWrite",
        allows: "Read and write your mailbox settings.",
        why: "Sync sessions find the CRM category in the Organizer's category list by its id \
              (so renaming it keeps working) and add it when it is missing. Liaison reads and \
              writes nothing else there.",
        used_by: &[Feature::CrmCategory],
        admin_only: false,
    },
    ScopeInfo {
        provider: Provider::Google,
        name: "openid",
        allows: "Associate you with your personal info on Google.",
        why: "Identifies the Google account you connect.",
        used_by: &[Feature::SignIn],
        admin_only: false,
    },
    ScopeInfo {
        provider: Provider::Google,
        name: "email",
        allows: "See your primary Google Account email address.",
        why: "Shows which Google account is connected.",
        used_by: &[Feature::SignIn],
        admin_only: false,
    },
];

/// The Graph resource prefix, for requests that name their resource.
pub const GRAPH_RESOURCE: &str = "https://graph.microsoft.com/";

/// The scopes a sign-in with `provider` requests.
pub fn requested(provider: Provider) -> Vec<&'static str> {
    SCOPES
        .iter()
        .filter(|s| s.provider == provider)
        .map(|s| s.name)
        .collect()
}

/// Whether a scope is an OpenID Connect scope rather than an API permission.
pub fn is_oidc(name: &str) -> bool {
    matches!(name, "openid" | "profile" | "email" | "offline_access")
}

/// The Graph permissions (for admin consent and On-Behalf-Of), with their resource prefix.
pub fn graph_permissions() -> Vec<String> {
    requested(Provider::Microsoft)
        .into_iter()
        .filter(|s| !is_oidc(s))
        .map(|s| format!("{GRAPH_RESOURCE}{s}"))
        .collect()
}

/// `docs/PERMISSIONS.md`, generated.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Permissions Liaison asks for\n\n\
         <!-- Generated from server/src/scopes.rs by `liaison permissions`; do not edit. -->\n\n\
         Liaison asks for the least it needs. Each scope below is requested by sign-in (and \
         by an administrator's tenant-wide consent), and each is used by a feature. It asks \
         for no mail access and no application permissions. Consent can be revoked at any \
         time: in Microsoft Entra ID (Enterprise applications → Liaison → Permissions) or in \
         your Google Account (Security → Third-party access).\n\n",
    );
    for provider in [Provider::Microsoft, Provider::Google] {
        out.push_str(match provider {
            Provider::Microsoft => "## Microsoft 365 (Microsoft identity platform and Graph)\n\n",
            Provider::Google => "## Google Workspace\n\n",
        });
        out.push_str("| Scope | What it allows | Why Liaison needs it | Used by | Consent |\n");
        out.push_str("|---|---|---|---|---|\n");
        for scope in SCOPES.iter().filter(|s| s.provider == provider) {
            let used: Vec<&str> = scope.used_by.iter().map(|f| f.describe()).collect();
            out.push_str(&format!(
                "| `{}` | {} | {} | {} | {} |\n",
                scope.name,
                scope.allows,
                scope.why,
                used.join(", "),
                if scope.admin_only {
                    "administrator"
                } else {
                    "user or administrator"
                },
            ));
        }
        out.push('\n');
    }
    out.push_str(
        "Liaison never asks for `Mail.Send`, `Mail.Read`, `Calendars.ReadWrite.Shared`, \
         `User.Read.All`, any other mailbox setting scope or any application permission.\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::client::Operation;

    #[test]
    fn every_requested_scope_is_used_by_a_feature() {
        for scope in SCOPES {
            assert!(
                !scope.used_by.is_empty(),
                "{} is used by nothing",
                scope.name
            );
        }
    }

    /// Liaison reads no Google data yet (a connection only names the account): it asks Google
    /// for identity scopes alone — least privilege until a Google calendar reader exists.
    #[test]
    fn google_is_asked_for_identity_only() {
        for scope in requested(Provider::Google) {
            assert!(is_oidc(scope), "{scope} asks Google for data nothing reads");
        }
    }

    #[test]
    fn every_graph_scope_requested_is_needed_by_a_graph_call_and_the_reverse() {
        let requested: Vec<&str> = requested(Provider::Microsoft)
            .into_iter()
            .filter(|s| !is_oidc(s))
            .collect();
        for scope in &requested {
            assert!(
                Operation::ALL.iter().any(|op| op.scope() == *scope),
                "{scope} is requested but no Graph call needs it"
            );
        }
        for op in Operation::ALL {
            assert!(
                requested.contains(&op.scope()),
                "{op:?} needs {} which is not requested",
                op.scope()
            );
        }
    }

    #[test]
    fn nothing_is_asked_for_the_future() {
        let all: Vec<&str> = SCOPES.iter().map(|s| s.name).collect();
        for unwanted in [
            "Mail.Send",
            "Mail.Read",
            "Calendars.ReadWrite.Shared",
            "User.Read.All",
            ".default",
        ] {
            assert!(!all.contains(&unwanted), "{unwanted}");
        }
    }

    #[test]
    fn the_permissions_document_is_generated_from_the_registry() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/PERMISSIONS.md");
        let on_disk = std::fs::read_to_string(path).unwrap_or_default();
        assert_eq!(
            on_disk,
            markdown(),
            "docs/PERMISSIONS.md is stale: run `cargo run -p liaison-server --bin liaison -- \
             permissions > docs/PERMISSIONS.md`"
        );
    }
}
