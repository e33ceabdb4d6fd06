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

impl Seed {
    /// The demo's tenant: Olga (Organizer) and her delegates at each level.
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
