//! The tenants, users and delegate grants a simulator starts with.
//!
//! [`Seed::contoso`] is the demo's world: one Organizer and a delegate at every level Outlook
//! offers, so that every permission rule can be tried without a Microsoft tenant.

use serde::Serialize;

/// Everything a simulator knows at start.
#[derive(Debug, Clone, Serialize)]
pub struct Seed {
    pub tenants: Vec<Tenant>,
}

/// A directory (Entra ID) tenant.
#[derive(Debug, Clone, Serialize)]
pub struct Tenant {
    /// The tenant id (`tid`), a GUID.
    pub id: String,
    pub display_name: String,
    /// The verified domain, e.g. `contoso.com`.
    pub domain: String,
    pub users: Vec<User>,
    /// Who manages whose calendar, as Outlook's delegate settings say.
    pub delegations: Vec<Delegation>,
}

/// Outlook delegate access of one user to another's calendar.
#[derive(Debug, Clone, Serialize)]
pub struct Delegation {
    /// The calendar owner's mailbox.
    pub owner: String,
    /// The delegate's mailbox.
    pub delegate: String,
    /// Office.js `DelegatePermissions` bits: 63 Editor, 23 Author, 1 Reviewer, 0 none.
    pub calendar_bits: u8,
    /// "Delegate can see my private items".
    pub can_view_private: bool,
    pub send_on_behalf: bool,
}

/// A user with a mailbox.
#[derive(Debug, Clone, Serialize)]
pub struct User {
    /// The directory object id (`oid`), a GUID.
    pub id: String,
    pub display_name: String,
    /// The SMTP address, which is also the user principal name here.
    pub mail: String,
}

fn grant(owner: &str, delegate: &str, bits: u8, private: bool, on_behalf: bool) -> Delegation {
    Delegation {
        owner: format!("{owner}@contoso.com"),
        delegate: format!("{delegate}@contoso.com"),
        calendar_bits: bits,
        can_view_private: private,
        send_on_behalf: on_behalf,
    }
}

impl Seed {
    /// The demo's tenant: Olga (Organizer, sync on) and her delegates at each level, and Otto
    /// (Organizer, sync off) whom Ann also assists.
    pub fn contoso() -> Self {
        let tenant_id = "6f1c2a5e-2b1d-4c1e-9a57-7c0d3e1b9a01";
        let user = |n: u8, name: &str, mail: &str| User {
            id: format!("0000000{n}-aaaa-4bbb-8ccc-00000000000{n}"),
            display_name: name.into(),
            mail: mail.into(),
        };
        Self {
            tenants: vec![Tenant {
                id: tenant_id.into(),
                display_name: "Contoso".into(),
                domain: "contoso.com".into(),
                users: vec![
                    user(1, "Olga Organizer", "olga@contoso.com"),
                    user(2, "Ann Editor", "ann@contoso.com"),
                    user(3, "Arthur Author", "arthur@contoso.com"),
                    user(4, "Rita Reviewer", "rita@contoso.com"),
                    user(5, "Sam SendOnBehalf", "sam@contoso.com"),
                    user(6, "Otto Organizer", "otto@contoso.com"),
                ],
                delegations: vec![
                    grant("olga", "ann", 63, true, true),
                    grant("olga", "arthur", 23, false, true),
                    grant("olga", "rita", 1, false, false),
                    grant("olga", "sam", 0, false, true),
                    grant("otto", "ann", 63, false, true),
                ],
            }],
        }
    }

    /// Finds a tenant by id or domain.
    pub fn tenant(&self, id_or_domain: &str) -> Option<&Tenant> {
        self.tenants
            .iter()
            .find(|t| t.id == id_or_domain || t.domain.eq_ignore_ascii_case(id_or_domain))
    }
}
