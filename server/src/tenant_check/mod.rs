//! `liaison tenant-check`: the Microsoft behaviours Liaison relies on (`docs/MICROSOFT.md`),
//! asked of a real tenant — or of the simulator, where the test suite runs the same checks —
//! with two test mailboxes: a calendar owner and a delegate the owner made an Editor (without
//! access to private items). Each finding says what Microsoft answered and whether Liaison's
//! assumption holds. Reads go through Liaison's own Graph client, so its parsing is checked
//! too. The check creates two meetings in the owner's calendar (one private) and, when the
//! delegate's token may, one as the delegate; for the booking links (`booking.rs`), a tentative
//! and a free one and one inviting the delegate; it deletes them all, and Liaison's identity
//! probe creates and deletes its own item in each mailbox.

mod booking;
mod finding;
mod raw;

use reqwest::Method;

use serde_json::Value;

use crate::graph::client::{GraphClient, GraphError};
use crate::graph::entry_id::AddressBookId;
use crate::graph::model::GraphEvent;
pub use finding::{Finding, Mailbox, Verdict};
use finding::{found, not_checked};
use raw::Raw;

/// Runs every check with `owner` and `delegate` against Graph at `graph`'s base URL.
pub async fn run(
    graph: &GraphClient,
    http: &reqwest::Client,
    owner: &Mailbox,
    delegate: &Mailbox,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let raw = Raw {
        http,
        base: graph.base_url(),
    };
    // D1, D3, D4: the owner's list.
    let addresses = graph
        .my_addresses(&delegate.token, &delegate.address)
        .await
        .unwrap_or_else(|_| vec![delegate.address.clone()]);
    match graph
        .calendar_permissions(&owner.token, &owner.address)
        .await
    {
        Ok(list) => {
            let summary: Vec<String> = list
                .iter()
                .map(|p| {
                    format!(
                        "{}={}",
                        p.email_address.address.as_deref().unwrap_or("(no address)"),
                        p.role_name
                    )
                })
                .collect();
            findings.push(found(
                "D1",
                "the owner reads their calendarPermissions",
                summary.join(", "),
                true,
            ));
            let organization = list.iter().find(|p| p.is_my_organization());
            findings.push(found(
                "D3",
                "\"My Organization\" is the entry without an address that cannot be removed",
                organization.map_or("no such entry".into(), |p| format!("role {}", p.role_name)),
                organization.is_some(),
            ));
            let named = list.iter().find(|p| {
                p.email_address
                    .address
                    .as_deref()
                    .is_some_and(|a| addresses.iter().any(|m| m.eq_ignore_ascii_case(a)))
            });
            findings.push(found(
                "D4",
                "the list names the delegate by one of their SMTP addresses (mail, proxyAddresses)",
                named.map_or_else(
                    || format!("none of {} is in the list", addresses.join(", ")),
                    |p| {
                        format!(
                            "{} as {}",
                            p.email_address.address.as_deref().unwrap_or(""),
                            p.role_name
                        )
                    },
                ),
                named.is_some(),
            ));
        }
        Err(error) => findings.push(found(
            "D1",
            "the owner reads their calendarPermissions",
            error.to_string(),
            false,
        )),
    }
    let as_delegate = raw
        .get(
            &delegate.token,
            &format!("/users/{}/calendar/calendarPermissions", owner.address),
        )
        .await;
    let empty = matches!(&as_delegate, Ok((200, body)) if body["value"].as_array().is_some_and(Vec::is_empty));
    findings.push(found(
        "D1",
        "the delegate reading the owner's calendarPermissions gets an empty collection",
        describe(&as_delegate),
        empty,
    ));

    // D7, D8, D9, D11: the delegate's copy among their calendars.
    match graph.my_calendars(&delegate.token, &delegate.address).await {
        Ok(calendars) => {
            let copies: Vec<_> = calendars
                .iter()
                .filter(|c| c.is_owned_by(&owner.address))
                .collect();
            let answered = copies
                .iter()
                .map(|c| {
                    format!(
                        "canEdit={}, canViewPrivateItems={}",
                        c.can_edit, c.can_view_private_items
                    )
                })
                .collect::<Vec<_>>()
                .join("; ");
            findings.push(found(
                "D7",
                "the delegate's /me/calendars holds their copy of the owner's calendar, owner.address the owner's address, canEdit true for an Editor",
                if copies.is_empty() { "no calendar owned by that address (D8: accepted? D11: another address?)".into() } else { answered },
                copies.first().is_some_and(|c| c.can_edit),
            ));
            findings.push(found(
                "D9",
                "one copy per owner (nothing tells the primary calendar from another shared one)",
                format!("{} copies", copies.len()),
                copies.len() == 1,
            ));
        }
        Err(error) => findings.push(found(
            "D7",
            "the delegate lists their calendars",
            error.to_string(),
            false,
        )),
    }
    let owners_calendar = raw
        .get(
            &delegate.token,
            &format!("/users/{}/calendar", owner.address),
        )
        .await;
    findings.push(Finding {
        id: "D10",
        behaviour: "GET /users/{owner}/calendar with the delegate's token (Liaison does not read it)",
        answered: match &owners_calendar {
            Ok((status, body)) => format!(
                "{status}: canEdit={}, canViewPrivateItems={}",
                body["canEdit"], body["canViewPrivateItems"]
            ),
            Err(error) => error.clone(),
        },
        verdict: Verdict::Noted,
    });

    // D12, S1, D14, D13: items the check creates in the owner's calendar.
    let tomorrow = crate::clock::now_ms() / 1000 + 86_400;
    let normal = raw
        .create_event(
            &owner.token,
            "/me",
            "Liaison tenant check",
            "normal",
            tomorrow,
        )
        .await;
    let private = raw
        .create_event(
            &owner.token,
            "/me",
            "Liaison tenant check (private)",
            "private",
            tomorrow + 3600,
        )
        .await;
    match &normal {
        Ok(id) => {
            let read = graph
                .event(&delegate.token, &owner.address, false, id)
                .await;
            findings.push(found(
                "D12",
                "the delegate reads one item of the owner's calendar (/users/{owner}/events/{id})",
                match &read {
                    Ok(event) => format!("subject {:?}", event.subject.as_deref().unwrap_or("")),
                    Err(error) => error.to_string(),
                },
                read.is_ok(),
            ));
            findings.push(found(
                "S1",
                "an immutable id given at creation reads back as the same id",
                read.as_ref()
                    .map_or_else(|e| e.to_string(), |e| e.id.clone()),
                read.as_ref().is_ok_and(|e| &e.id == id),
            ));
            let creator = read.as_ref().ok().and_then(GraphEvent::creator_id);
            let probed = graph.my_address_book_id(&owner.token, &owner.address).await;
            findings.push(found(
                "D14",
                "PidTagCreatorEntryId (0x3FF9) of the owner's item names the entry Liaison's \
                 identity probe learns for the owner",
                format!(
                    "item: {:?}; probe: {}",
                    creator.as_ref().map(AddressBookId::dn),
                    describe_probe(&probed)
                ),
                creator.is_some()
                    && matches!(&probed, Ok(Some(id)) if Some(id) == creator.as_ref()),
            ));
        }
        Err(error) => findings.push(not_checked(
            "D12",
            "the owner creates a meeting to read",
            error,
        )),
    }
    match &private {
        Ok(id) => {
            let read = graph
                .event(&delegate.token, &owner.address, false, id)
                .await;
            let (answered, shown) = match &read {
                Ok(event) => (
                    format!("200, subject {:?}", event.subject.as_deref().unwrap_or("")),
                    event
                        .subject
                        .as_deref()
                        .is_some_and(|s| s.contains("tenant check")),
                ),
                Err(GraphError::Forbidden { code }) => (format!("403 {code}"), false),
                Err(error) => (error.to_string(), false),
            };
            findings.push(found(
                "D13",
                "a delegate without private access does not get a private item's details (403 or stripped)",
                answered,
                !shown,
            ));
        }
        Err(error) => findings.push(not_checked(
            "D13",
            "the owner creates a private meeting",
            error,
        )),
    }
    findings.push(delegates_item(graph, &raw, owner, delegate, tomorrow + 7200).await);
    findings.extend(booking::checks(graph, &raw, owner, delegate, tomorrow + 4 * 3600).await);
    raw.delete_events(&owner.token, [normal, private].into_iter().flatten())
        .await;
    findings
}

/// D16: an item the delegate creates in the owner's calendar names the delegate as its creator
/// (the entry their probe learns), not the owner. Creating it needs
/// `Calendars.ReadWrite.Shared` in the delegate's token, which Liaison never asks for: without
/// it, not checked.
async fn delegates_item(
    graph: &GraphClient,
    raw: &Raw<'_>,
    owner: &Mailbox,
    delegate: &Mailbox,
    start_s: i64,
) -> Finding {
    const BEHAVIOUR: &str = "PidTagCreatorEntryId of an item the delegate creates in the owner's \
                             calendar names the delegate's entry (their probe), not the owner's";
    let calendar = format!("/users/{}", owner.address);
    let created = raw
        .create_event(
            &delegate.token,
            &calendar,
            "Liaison tenant check (delegate)",
            "normal",
            start_s,
        )
        .await;
    let id = match created {
        Ok(id) => id,
        Err(error) => {
            return not_checked(
                "D16",
                BEHAVIOUR,
                &format!(
                    "the delegate could not create an item there (needs Calendars.ReadWrite.Shared): {error}"
                ),
            );
        }
    };
    let read = graph
        .event(&delegate.token, &owner.address, false, &id)
        .await;
    let probed = graph
        .my_address_book_id(&delegate.token, &delegate.address)
        .await;
    let _ = raw
        .send(
            &delegate.token,
            Method::DELETE,
            &format!("{calendar}/events/{id}"),
            None,
        )
        .await;
    let creator = read.as_ref().ok().and_then(GraphEvent::creator_id);
    found(
        "D16",
        BEHAVIOUR,
        format!(
            "item: {:?}; delegate's probe: {}",
            creator.as_ref().map(AddressBookId::dn),
            describe_probe(&probed)
        ),
        creator.is_some() && matches!(&probed, Ok(Some(id)) if Some(id) == creator.as_ref()),
    )
}

fn describe_probe(probed: &Result<Option<AddressBookId>, GraphError>) -> String {
    match probed {
        Ok(Some(id)) => format!("{:?}", id.dn()),
        Ok(None) => "no address-book EntryID".to_owned(),
        Err(error) => error.to_string(),
    }
}

fn describe(answer: &Result<(u16, Value), String>) -> String {
    match answer {
        Ok((status, body)) => format!(
            "{status}, {} entries",
            body["value"].as_array().map_or(0, Vec::len)
        ),
        Err(error) => error.clone(),
    }
}
