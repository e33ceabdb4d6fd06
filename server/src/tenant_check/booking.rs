//! The booking links' behaviours (`docs/MICROSOFT.md` B1, B4, B5), asked of the owner's
//! calendar: free/busy tells a tentative meeting from a free one (B1); a meeting created with
//! attendees is organized by the token's owner (B4); a repeated create with one
//! `transactionId` makes one meeting (B5). The meeting invites the delegate's test mailbox, and
//! is deleted again (which sends it a cancellation).

use jiff::Timestamp;
use reqwest::Method;
use serde_json::json;

use super::finding::{Finding, Mailbox, found, not_checked};
use super::raw::Raw;
use crate::graph::client::GraphClient;
use crate::graph::schedule::BookedMeeting;

pub(super) async fn checks(
    graph: &GraphClient,
    raw: &Raw<'_>,
    owner: &Mailbox,
    delegate: &Mailbox,
    start_s: i64,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let at = |s: i64| Timestamp::from_second(s).unwrap_or(Timestamp::UNIX_EPOCH);
    let graph_time = |s: i64| at(s).strftime("%Y-%m-%dT%H:%M:%S").to_string();
    // B1: a tentative and a free meeting, an hour apart, in the small hours of a day nearly a
    // year ahead (a test mailbox's quiet time); what free/busy said of those times before they
    // were made is read first, so a meeting of the owner's own there cannot pass for either.
    let quiet = (start_s / 86_400 + 300) * 86_400 + 3 * 3600;
    let window = (at(quiet), at(quiet + 7200));
    let blocks = |busy: &[crate::graph::schedule::Busy], s: i64| {
        busy.iter().any(|b| b.start <= at(s) && b.end > at(s))
    };
    let before = graph.busy_times(&owner.token, &owner.address, window).await;
    let mut made = Vec::new();
    for (offset, show_as) in [(0, "tentative"), (3600, "free")] {
        let body = json!({
            "subject": format!("Liaison tenant check: {show_as}"),
            "showAs": show_as,
            "start": { "dateTime": graph_time(quiet + offset), "timeZone": "UTC" },
            "end": { "dateTime": graph_time(quiet + offset + 1800), "timeZone": "UTC" },
        });
        if let Ok((201 | 200, answer)) = raw
            .send(&owner.token, Method::POST, "/me/events", Some(body))
            .await
            && let Some(id) = answer["id"].as_str()
        {
            made.push(id.to_owned());
        }
    }
    match (made.len(), before) {
        (_, Ok(before)) if blocks(&before, quiet) => findings.push(not_checked(
            "B1",
            "the owner is free at the time the check uses",
            "the owner's calendar is busy then already",
        )),
        (2, Ok(before)) => match graph.busy_times(&owner.token, &owner.address, window).await {
            Ok(after) => {
                let tentative = blocks(&after, quiet);
                let free = blocks(&after, quiet + 3600);
                let free_before = blocks(&before, quiet + 3600);
                findings.push(found(
                    "B1",
                    "getSchedule shows a tentative meeting as not free and a free one as free",
                    format!(
                        "tentative blocks: {tentative}, free blocks: {free} (before it was made: {free_before})"
                    ),
                    tentative && free == free_before,
                ));
            }
            Err(error) => findings.push(found(
                "B1",
                "the owner reads their free/busy (getSchedule)",
                error.to_string(),
                false,
            )),
        },
        (_, Err(error)) => findings.push(found(
            "B1",
            "the owner reads their free/busy (getSchedule)",
            error.to_string(),
            false,
        )),
        _ => findings.push(not_checked(
            "B1",
            "the owner creates two meetings",
            "Graph refused",
        )),
    }
    // B4, B5: a meeting with the delegate invited, posted twice under one transaction id.
    let transaction = uuid::Uuid::new_v4().to_string();
    let meeting = BookedMeeting {
        subject: "Liaison tenant check: a booked meeting",
        body: "Made and deleted by liaison tenant-check.",
        start: at(start_s + 4 * 3600),
        end: at(start_s + 4 * 3600 + 1800),
        invitee_name: "Tenant check",
        invitee_address: &delegate.address,
        categories: &[],
        transaction_id: &transaction,
    };
    let first = graph
        .create_booked_meeting(&owner.token, &owner.address, &meeting)
        .await;
    let second = graph
        .create_booked_meeting(&owner.token, &owner.address, &meeting)
        .await;
    match (&first, &second) {
        (Ok(one), Ok(two)) => {
            findings.push(found(
                "B5",
                "a create repeated with one transactionId makes one meeting",
                if one == two {
                    "the same id twice".into()
                } else {
                    "two meetings".into()
                },
                one == two,
            ));
            made.extend([one.clone(), two.clone()]);
            let read = raw.get(&owner.token, &format!("/me/events/{one}")).await;
            let organizes = matches!(&read, Ok((200, e)) if e["isOrganizer"] == true
                && e["attendees"].as_array().is_some_and(|a| a.iter().any(|x|
                    x["emailAddress"]["address"].as_str().is_some_and(|s| s.eq_ignore_ascii_case(&delegate.address)))));
            findings.push(found(
                "B4",
                "a meeting created with an attendee is organized by the token's owner, the attendee invited",
                format!("organizer and attendee as expected: {organizes}"),
                organizes,
            ));
        }
        _ => findings.push(not_checked(
            "B5",
            "the owner creates a meeting with a transactionId",
            &first
                .err()
                .or(second.err())
                .map(|e| e.to_string())
                .unwrap_or_default(),
        )),
    }
    made.sort();
    made.dedup();
    raw.delete_events(&owner.token, made).await;
    findings
}
