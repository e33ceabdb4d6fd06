//! Users, their primary calendar (the owner's values, whoever reads it), their calendar list
//! (with the copies of calendars shared with them that they added), and an Organizer's
//! `calendarPermissions`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::state::SimState;
use crate::traffic::graph_error;

use super::access::*;
use crate::sharing::bits_of_role;

/// `GET /v1.0/users/{user}` (and `/me`).
pub async fn get_user(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    Path(user): Path<String>,
) -> GraphResult {
    let claims = caller(&state, &headers)?;
    let world = state.world();
    let id = if user == "me" {
        claims.oid.as_str()
    } else {
        user.as_str()
    };
    let Some((tenant, u)) = world.find_user(id).filter(|(t, _)| *t == claims.tid) else {
        return Err(graph_error(
            StatusCode::NOT_FOUND,
            "Request_ResourceNotFound",
            "Resource does not exist.",
            None,
        ));
    };
    let _ = tenant;
    Ok(Json(json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity",
        "id": u.id,
        "displayName": u.display_name,
        "mail": u.mail,
        "userPrincipalName": u.mail,
        "proxyAddresses": std::iter::once(format!("SMTP:{}", u.mail))
            .chain(world.aliases.get(&u.mail.to_ascii_lowercase()).into_iter().flatten().map(|a| format!("smtp:{a}")))
            .collect::<Vec<_>>(),
        "businessPhones": [],
        "givenName": u.display_name.split(' ').next(),
        "surname": u.display_name.split(' ').nth(1),
        "jobTitle": null, "mobilePhone": null, "officeLocation": null, "preferredLanguage": "en-US",
    }))
    .into_response())
}

/// `GET /v1.0/users` (the directory, for the simulator's own pages).
pub async fn list_users(State(state): State<Arc<SimState>>) -> Json<Value> {
    let world = state.world();
    let users: Vec<_> = world
        .seed
        .tenants
        .iter()
        .flat_map(|t| &t.users)
        .map(|u| json!({ "id": u.id, "displayName": u.display_name, "mail": u.mail, "userPrincipalName": u.mail }))
        .collect();
    Json(
        json!({ "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users", "value": users }),
    )
}

/// `GET /v1.0/users/{user}/calendar`: the user's primary calendar, *in their mailbox*. Microsoft
/// documents its properties only from the owner's perspective (`canShare`, `canEdit`,
/// `canViewPrivateItems` all true for Alex, outlook-share-or-delegate-calendar.md) and nothing of
/// what a delegate's token reads there: the simulator answers the owner's values to everyone who
/// may open it, so that nothing may rely on them. A delegate's own view is their copy in
/// `/me/calendars` ([`list_calendars`]).
pub async fn get_calendar(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    Path(user): Path<String>,
) -> GraphResult {
    let claims = caller(&state, &headers)?;
    let world = state.world();
    let access = Access::resolve(&world, &claims, &user, false)?;
    let (_, owner) = world.find_user(&access.owner).ok_or_else(not_found)?;
    let mut calendar = primary_calendar(&owner);
    calendar["@odata.context"] =
        json!("https://graph.microsoft.com/v1.0/$metadata#users('{}')/calendar/$entity");
    Ok(Json(calendar).into_response())
}

/// A user's primary calendar as its owner sees it (`get_calendar_props_owner`).
fn primary_calendar(owner: &crate::seed::User) -> Value {
    json!({
        "id": format!("AAMkCalendar-{}", owner.id),
        "name": "Calendar",
        "color": "auto",
        "hexColor": "",
        "changeKey": "CKcal",
        "isDefaultCalendar": true,
        "isRemovable": false,
        "isTallyingResponses": true,
        "canShare": true,
        "canEdit": true,
        "canViewPrivateItems": true,
        "owner": { "name": owner.display_name, "address": owner.mail },
        "allowedOnlineMeetingProviders": ["teamsForBusiness"],
        "defaultOnlineMeetingProvider": "teamsForBusiness",
    })
}

/// `GET /v1.0/users/{user}/calendars` (and `/me/calendars`), for the user themselves: their own
/// calendar, then a copy of each calendar shared with or delegated to them *that they added*
/// (accepted the invitation), as Microsoft's delegate example shows it
/// (`get_calendar_props_delegate`): named after the owner, `canShare` false, `canEdit` true for
/// write access, `canViewPrivateItems` true only for a delegate allowed private items ("For a
/// sharee that is not a delegate, this property is always false"), `owner` the owner.
pub async fn list_calendars(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    Path(user): Path<String>,
) -> GraphResult {
    let claims = caller(&state, &headers)?;
    let world = state.world();
    let access = Access::resolve(&world, &claims, &user, false)?;
    if !access.own {
        // Another user's calendar list: not documented for delegates; refused.
        return Err(denied());
    }
    let (tenant_id, me) = world.find_user(&access.owner).ok_or_else(not_found)?;
    let mut value = vec![primary_calendar(&me)];
    if let Some(tenant) = world.tenant(&tenant_id) {
        for owner in tenant.users.iter().filter(|u| u.id != me.id) {
            let grant = tenant.delegations.iter().find(|d| {
                d.owner.eq_ignore_ascii_case(&owner.mail) && world.is_address_of(&me, &d.delegate)
            });
            let (bits, private, delegate) = match grant {
                Some(g) => (
                    g.calendar_bits,
                    g.can_view_private,
                    role_of(g.calendar_bits, g.can_view_private).starts_with("delegate"),
                ),
                None => (
                    bits_of_role(&world.organization_role(&owner.mail)),
                    false,
                    false,
                ),
            };
            if bits & READ == 0 || !world.calendar_added(&me.mail, &owner.mail, grant.is_some()) {
                continue;
            }
            value.push(json!({
                "id": format!("AAMkShared-{}-{}", owner.id, me.id),
                "name": owner.display_name,
                "canShare": false,
                "canEdit": bits & WRITE != 0,
                "canViewPrivateItems": delegate && private,
                "isDefaultCalendar": false,
                "isRemovable": true,
                "owner": { "name": owner.display_name, "address": owner.mail },
            }));
        }
    }
    Ok(Json(json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('{}')/calendars",
        "value": value,
    }))
    .into_response())
}

/// The Graph role Exchange would report for an Outlook delegate grant.
fn role_of(bits: u8, private: bool) -> &'static str {
    match (bits, private) {
        (63, true) => "delegateWithPrivateEventAccess",
        (63, false) => "delegateWithoutPrivateEventAccess",
        (1, _) => "read",
        (0, _) => "none",
        _ => "custom",
    }
}

/// `GET /v1.0/users/{user}/calendar/calendarPermissions`: the owner sees every entry; anyone
/// else gets an empty collection.
pub async fn calendar_permissions(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    Path(user): Path<String>,
) -> GraphResult {
    let claims = caller(&state, &headers)?;
    let world = state.world();
    let access = Access::resolve(&world, &claims, &user, false)?;
    let mut value = Vec::new();
    if access.own {
        let (_, owner) = world.find_user(&access.owner).ok_or_else(not_found)?;
        value.push(json!({
            "id": "RGVmYXVsdA==",
            "isRemovable": false,
            "isInsideOrganization": true,
            "role": world.organization_role(&owner.mail),
            "allowedRoles": ["none", "freeBusyRead", "limitedRead", "read"],
            "emailAddress": { "name": "My Organization" },
        }));
        let (tenant_id, owner) = world.find_user(&access.owner).ok_or_else(not_found)?;
        if let Some(tenant) = world.tenant(&tenant_id) {
            for grant in tenant
                .delegations
                .iter()
                .filter(|d| d.owner.eq_ignore_ascii_case(&owner.mail) && d.calendar_bits != 0)
            {
                let name = tenant
                    .users
                    .iter()
                    .find(|u| u.mail == grant.delegate)
                    .map(|u| u.display_name.clone())
                    .unwrap_or_default();
                value.push(json!({
                    "id": URL_SAFE_NO_PAD.encode(format!("delegate:{}", grant.delegate)),
                    "isRemovable": true,
                    "isInsideOrganization": true,
                    "role": role_of(grant.calendar_bits, grant.can_view_private),
                    "allowedRoles": ["none", "freeBusyRead", "limitedRead", "read", "write",
                        "delegateWithoutPrivateEventAccess", "delegateWithPrivateEventAccess"],
                    "emailAddress": { "name": name, "address": grant.delegate },
                }));
            }
        }
    }
    Ok(Json(json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('{}')/calendar/calendarPermissions",
        "value": value,
    }))
    .into_response())
}
