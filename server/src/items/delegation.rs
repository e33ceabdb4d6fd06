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

use crate::auth::connections::{Refresh, TokenError};
use crate::clock::now_ms;
use crate::graph::client::GraphError;
use crate::graph::model::Calendar;
use crate::items::error::ItemError;
use crate::items::service::Items;
use crate::store::{
    AuditAction, AuditEntry, CalendarView, Delegation, DelegationCheck, Provider, User,
};

/// What Microsoft says of `delegate`'s access to `owner`'s calendar, asked anew when the kept
/// answer is older than the configured time.
pub async fn verified(
    items: &Items,
    owner: &User,
    delegate: &User,
    delegate_token: &SecretString,
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
    if let Some(kept) = store.delegation_check(delegation).await?
        && now - kept.checked_at_ms < ttl_ms
    {
        return Ok(kept);
    }
    // Two independent reads, asked at once.
    let graph = items.graph()?;
    let (graph_role, calendars) = tokio::join!(
        owners_list_says(items, owner, delegate),
        graph.my_calendars(delegate_token, delegate.id.as_str()),
    );
    let view = match calendars {
        Ok(calendars) => own_view(&calendars, &owner.mailbox),
        Err(GraphError::Unauthorized) => {
            return Err(ItemError::Token(TokenError::NeedsReconnect));
        }
        Err(error) => {
            tracing::warn!(%error, "cannot read the delegate's calendars");
            return Err(ItemError::GraphUnavailable);
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

/// The owner's `calendarPermissions` role for the delegate (`none` when the list does not name
/// them); `None` when the list cannot be read — the owner has no working connection.
async fn owners_list_says(items: &Items, owner: &User, delegate: &User) -> Option<GraphRole> {
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
        Ok(permissions) => Some(
            permissions
                .iter()
                .find(|p| {
                    p.email_address
                        .address
                        .as_deref()
                        .is_some_and(|a| a.eq_ignore_ascii_case(&delegate.mailbox))
                })
                .map_or(GraphRole::None, |p| p.role()),
        ),
        Err(error) => {
            tracing::warn!(%error, "cannot read the owner's calendar permissions");
            None
        }
    }
}

/// The check in words, for the audit log (bounded: a few fixed words).
pub fn describe(check: &DelegationCheck) -> String {
    let role = match check.graph_role {
        Some(role) => serde_json::to_value(role)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
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
