//! Who may open whose calendar in the simulated tenant: delegate grants (by any address of the
//! delegate), what "My Organization" may do for whoever no grant names, and whether a delegate
//! has added a calendar shared with them (their copy in `/me/calendars`).

use crate::world::World;

impl World {
    /// Office delegate bits, private access and send-on-behalf of `delegate` on `owner`'s calendar.
    pub fn delegation(&self, owner_id: &str, delegate_id: &str) -> Option<(u8, bool)> {
        let (tenant_id, owner) = self.find_user(owner_id)?;
        let (delegate_tenant, delegate) = self.find_user(delegate_id)?;
        let tenant = self.tenant(&tenant_id)?;
        let own = tenant
            .delegations
            .iter()
            .find(|d| {
                d.owner.eq_ignore_ascii_case(&owner.mail)
                    && self.is_address_of(&delegate, &d.delegate)
            })
            .map(|d| (d.calendar_bits, d.can_view_private));
        // Whoever the list does not name gets what "My Organization" gets, inside the tenant.
        own.or_else(|| {
            (delegate_tenant == tenant_id)
                .then(|| bits_of_role(&self.organization_role(&owner.mail)))
                .filter(|bits| *bits != 0)
                .map(|bits| (bits, false))
        })
    }

    /// "My Organization"'s role in `owner`'s primary calendar.
    pub fn organization_role(&self, owner: &str) -> String {
        self.organization_roles
            .get(&owner.to_ascii_lowercase())
            .cloned()
            .unwrap_or_else(|| "freeBusyRead".into())
    }

    /// Whether `address` is one of `user`'s SMTP addresses (`mail` or an alias).
    pub fn is_address_of(&self, user: &crate::seed::User, address: &str) -> bool {
        user.mail.eq_ignore_ascii_case(address)
            || self
                .aliases
                .get(&user.mail.to_ascii_lowercase())
                .is_some_and(|aliases| aliases.iter().any(|a| a.eq_ignore_ascii_case(address)))
    }

    /// Whether `delegate` added `owner`'s shared calendar to their mailbox; `by_grant`: the
    /// calendar is shared with them by name (an invitation they accept by default), not only
    /// through the organization.
    pub fn calendar_added(&self, delegate: &str, owner: &str, by_grant: bool) -> bool {
        self.calendar_added
            .get(&(delegate.to_ascii_lowercase(), owner.to_ascii_lowercase()))
            .copied()
            .unwrap_or(by_grant)
    }
}

/// The Office.js `DelegatePermissions` bits a `calendarRoleType` gives the organization:
/// `read` reads, `write` "can view all the details and edit (create, update, or delete)
/// non-private events"; the rest show no item.
pub fn bits_of_role(role: &str) -> u8 {
    match role {
        "read" => 1,
        "write" => 63,
        _ => 0,
    }
}
