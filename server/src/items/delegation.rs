//! A delegate's access to an owner's calendar, verified with Microsoft when it is used: the
//! owner's `calendarPermissions` (read with the owner's connection) and the delegate's own view
//! of the owner's calendar — their copy of it among their calendars (`GET /me/calendars` with
//! the delegate's token), the one place Microsoft documents a delegate's `canEdit` and
//! `canViewPrivateItems` (outlook-share-or-delegate-calendar.md, "Sharee or delegate: Get
//! properties of shared or delegated calendar"). `GET /users/{owner}/calendar` is "the owner's
//! calendar in the owner's mailbox", documented with the owner's values only: never read here.
//! A calendar not among the delegate's (its invitation not accepted yet) is no view, and rules
//! everything out. The answer is kept at most [`crate::identity::MAX_DELEGATION_TTL`]: a
//! delegate removed or lowered in Outlook loses the access in Liaison within that time.
//!
//! Disagreements between the two, and a client whose Office.js bits claim other rights than
//! Microsoft confirms, are written to the audit log (the rules already take the least).

use liaison_domain::permissions::{GraphRole, sources_conflict};
use secrecy::SecretString;

use crate::auth::connections::Refresh;
use crate::clock::now_ms;
use crate::graph::model::{Calendar, CalendarPermission};
use crate::items::error::ItemError;
use crate::items::service::Items;
use crate::store::{
    AuditAction, AuditEntry, CalendarView, Delegation, DelegationCheck, Provider, User,
};

/// What Microsoft says of `delegate`'s access to `owner`'s calendar: `kept`, the answer the
/// store holds (read with the owner, [`crate::store::OwnerStanding`]), or asked anew when it
/// is older than the configured time.
pub async fn verified(
    items: &Items,
    owner: &User,
    delegate: &User,
    delegate_token: &SecretString,
    kept: Option<DelegationCheck>,
) -> Result<DelegationCheck, ItemError> {
    let ttl_ms = items
        .delegation_ttl
        .as_millis()
        .try_into()
        .unwrap_or(i64::MAX);
    let store = items.store.as_ref();
    let tenant = &owner.tenant_id;
    let delegation = Delegation {
        tenant_id: tenant,
        owner_id: &owner.id,
        delegate_id: &delegate.id,
    };
    let now = now_ms();
    if let Some(kept) = kept
        && now - kept.checked_at_ms < ttl_ms
    {
        return Ok(kept);
    }
    // Two independent reads, asked at once.
    let graph = items.graph()?;
    let (list, calendars, addresses) = tokio::join!(
        owners_list(items, owner),
        graph.my_calendars(delegate_token, delegate.id.as_str()),
        graph.my_addresses(delegate_token, delegate.id.as_str()),
    );
    let addresses = match addresses {
        Ok(mut addresses) => {
            addresses.push(delegate.mailbox.clone());
            addresses
        }
        Err(error) => {
            // Fewer addresses can only match fewer entries: the least of what holds.
            tracing::warn!(%error, "cannot read the delegate's addresses");
            vec![delegate.mailbox.clone()]
        }
    };
    let graph_role = list.as_ref().map(|list| role_in(list, &addresses));
    let view = match calendars {
        Ok(calendars) => own_view(&calendars, &owner.mailbox),
        Err(error) => {
            return Err(ItemError::graph_failed(
                error,
                "reading the delegate's calendars",
            ));
        }
    };
    let check = DelegationCheck {
        graph_role,
        view,
        checked_at_ms: now,
        client_bits_audited: None,
    };
    store.put_delegation_check(delegation, &check).await?;
    if sources_conflict(&check.sources()) {
        store
            .append_audit(&AuditEntry {
                tenant_id: tenant.clone(),
                actor_id: delegate.id.clone(),
                on_behalf_of_id: Some(owner.id.clone()),
                action: AuditAction::DelegationConflict,
                target: owner.mailbox.clone(),
                allowed: false,
                reason: Some("sources_disagree".into()),
                detail: Some(describe(&check)),
            })
            .await?;
    }
    Ok(check)
}

/// The delegate's view of `owner`'s calendar among `calendars` (their `/me/calendars`): the
/// copies whose `owner` is that mailbox. Microsoft names no field that tells the owner's
/// primary calendar from another calendar of theirs shared with the delegate, so when there are
/// several, each right must hold on all of them (the least).
fn own_view(calendars: &[Calendar], owner: &str) -> Option<CalendarView> {
    calendars
        .iter()
        .filter(|c| c.is_owned_by(owner))
        .map(|c| CalendarView {
            can_edit: c.can_edit,
            can_view_private: c.can_view_private_items,
        })
        .reduce(|a, b| CalendarView {
            can_edit: a.can_edit && b.can_edit,
            can_view_private: a.can_view_private && b.can_view_private,
        })
}

/// The owner's `calendarPermissions`; `None` when the list cannot be read — the owner has no
/// working connection.
async fn owners_list(items: &Items, owner: &User) -> Option<Vec<CalendarPermission>> {
    let token = items
        .tokens
        .access_token(&owner.key(), Provider::Microsoft, Refresh::IfStale)
        .await
        .ok()?;
    match items
        .graph()
        .ok()?
        .calendar_permissions(&token, owner.id.as_str())
        .await
    {
        Ok(permissions) => Some(permissions),
        Err(error) => {
            tracing::warn!(%error, "cannot read the owner's calendar permissions");
            None
        }
    }
}

/// The role the owner's list gives the delegate known by `addresses` (every SMTP address Graph
/// gives for them): the entries naming one of them — the least, should several — or else the
/// entry of "My Organization", which "represents the users in the same organization as the
/// owner" (the owner is always in the delegate's tenant here). An entry naming a group is not
/// resolved: its members are not readable without a directory permission Liaison does not ask
/// for, so a grant through a group confirms nothing (least privilege).
fn role_in(list: &[CalendarPermission], addresses: &[String]) -> GraphRole {
    let names_them = |p: &&CalendarPermission| {
        p.email_address
            .address
            .as_deref()
            .is_some_and(|a| addresses.iter().any(|mine| mine.eq_ignore_ascii_case(a)))
    };
    list.iter()
        .filter(names_them)
        .map(CalendarPermission::role)
        .min_by_key(|role| role.privilege())
        .or_else(|| {
            list.iter()
                .find(|p| p.is_my_organization())
                .map(CalendarPermission::role)
        })
        .unwrap_or(GraphRole::None)
}

/// The check in words, for the audit log (bounded: a few fixed words).
pub fn describe(check: &DelegationCheck) -> String {
    let role = match check.graph_role {
        Some(role) => role.as_str().to_owned(),
        None => "unreadable".into(),
    };
    let view = match check.view {
        Some(view) => format!(
            "canEdit={}, canViewPrivateItems={}",
            view.can_edit, view.can_view_private
        ),
        None => "the calendar is not among theirs".into(),
    };
    format!("owner's calendarPermissions role: {role}; delegate's own view: {view}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy(owner: &str, can_edit: bool, can_view_private: bool) -> Calendar {
        serde_json::from_value(serde_json::json!({
            "canEdit": can_edit,
            "canViewPrivateItems": can_view_private,
            "owner": { "name": "Olga Organizer", "address": owner },
        }))
        .unwrap()
    }

    /// Microsoft's example list (`get_calendarperms`, outlook-share-or-delegate-calendar.md):
    /// Megan as a delegate, and "My Organization" without an address.
    fn microsofts_list() -> Vec<CalendarPermission> {
        serde_json::from_value(serde_json::json!([
            {
                "id": "L289RXhjaGFuZ2VMYWJTWVnYW5C", "isRemovable": true,
                "isInsideOrganization": true, "role": "delegateWithPrivateEventAccess",
                "allowedRoles": ["freeBusyRead", "limitedRead", "read", "write",
                    "delegateWithoutPrivateEventAccess", "delegateWithPrivateEventAccess"],
                "emailAddress": { "name": "Megan Bowen", "address": "MeganB@contoso.OnMicrosoft.com" }
            },
            {
                "id": "RGVmYXVsdA==", "isRemovable": false, "isInsideOrganization": true,
                "role": "freeBusyRead",
                "allowedRoles": ["none", "freeBusyRead", "limitedRead", "read", "write"],
                "emailAddress": { "name": "My Organization" }
            }
        ]))
        .unwrap()
    }

    #[test]
    fn the_list_names_the_delegate_by_any_address_else_the_organization_speaks() {
        let list = microsofts_list();
        let role = |addresses: &[&str]| {
            let addresses: Vec<String> = addresses.iter().map(|a| (*a).to_owned()).collect();
            role_in(&list, &addresses)
        };
        assert_eq!(
            role(&["megan.bowen@contoso.com", "meganb@contoso.onmicrosoft.com"]),
            GraphRole::DelegateWithPrivateEventAccess
        );
        assert_eq!(
            role(&["adelev@contoso.onmicrosoft.com"]),
            GraphRole::FreeBusyRead
        );
        // A display name is no address: someone whose address is "My Organization" is nobody.
        let mut named = list.clone();
        named[1].email_address.address = Some("someone@contoso.com".into());
        assert_eq!(
            role_in(&named, &["adelev@contoso.com".into()]),
            GraphRole::None
        );
        // Named twice (two addresses, two roles): the least.
        let mut twice = list.clone();
        twice.push(
            serde_json::from_value(serde_json::json!({
                "role": "read", "isRemovable": true,
                "emailAddress": { "name": "Megan", "address": "megan.bowen@contoso.com" }
            }))
            .unwrap(),
        );
        assert_eq!(
            role_in(
                &twice,
                &[
                    "megan.bowen@contoso.com".into(),
                    "MeganB@contoso.OnMicrosoft.com".into()
                ]
            ),
            GraphRole::Read
        );
    }

    #[test]
    fn the_view_is_the_owners_copy_and_with_several_copies_the_least_of_them() {
        let own = copy("ann@contoso.com", true, true);
        let olgas = copy("Olga@Contoso.com", true, true);
        let view = |calendars: &[Calendar]| own_view(calendars, "olga@contoso.com");
        assert_eq!(
            view(std::slice::from_ref(&own)),
            None,
            "her own calendar is no view"
        );
        assert_eq!(
            view(&[own.clone(), olgas.clone()]),
            Some(CalendarView {
                can_edit: true,
                can_view_private: true
            })
        );
        // Another calendar of Olga's shared read-only: which one is her primary calendar
        // Microsoft does not say, so only what holds on both is confirmed.
        let kids_parties = copy("olga@contoso.com", false, false);
        assert_eq!(
            view(&[olgas, kids_parties]),
            Some(CalendarView {
                can_edit: false,
                can_view_private: false
            })
        );
    }
}
