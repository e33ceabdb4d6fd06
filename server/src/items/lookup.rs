//! Finding an item Office.js gave no usable id for — no `itemId` in a shared calendar, or one
//! Graph does not know (open Outlook issues: OfficeDev/office-js #5939, #3827, #1394) — by what
//! Outlook shows of it: the owner's calendar is read with the caller's own token over the item's
//! times (`calendarView`), and an event counts only when its start, end and subject are the
//! ones Outlook shows. Exactly one match is the item — Graph's, judged like any other; none or
//! several find nothing, and the sidebar says which.

use liaison_domain::api::ItemLookup;
use secrecy::SecretString;

use crate::clock::{from_rfc3339, to_rfc3339};
use crate::graph::client::GraphError;
use crate::graph::model::{GraphEvent, utc_ms};
use crate::items::error::ItemError;

type Result<T> = std::result::Result<T, ItemError>;
use crate::items::service::Items;
use crate::store::User;

/// The longest item a lookup reads the calendar for.
const MAX_SPAN_MS: i64 = 31 * 24 * 3600 * 1000;

/// What a lookup found.
#[derive(Debug)]
pub enum Found {
    One(Box<GraphEvent>),
    Nothing,
    Several(usize),
}

/// The lookup's times as UTC milliseconds, or why they are no lookup (`400`, naming the field).
pub fn times(lookup: &ItemLookup) -> Result<(i64, i64)> {
    let start = from_rfc3339(&lookup.start)
        .ok_or_else(|| ItemError::invalid("item.lookup.start", "must be an RFC 3339 time"))?;
    let end = from_rfc3339(&lookup.end)
        .ok_or_else(|| ItemError::invalid("item.lookup.end", "must be an RFC 3339 time"))?;
    if end < start || end - start > MAX_SPAN_MS {
        return Err(ItemError::invalid(
            "item.lookup.end",
            "must be after the start, within 31 days",
        ));
    }
    Ok((start, end))
}

/// The item of `owner`'s calendar Outlook shows at `times` with `subject`, as the caller's
/// token reads it.
pub async fn find(
    items: &Items,
    token: &SecretString,
    owner: &User,
    is_owner: bool,
    (start, end): (i64, i64),
    subject: &str,
) -> Result<Found> {
    let window = (to_rfc3339(start), to_rfc3339(end));
    let events = match items
        .graph()?
        .events_between(token, owner.id.as_str(), is_owner, (&window.0, &window.1))
        .await
    {
        Ok(events) => events,
        // The calendar is not the caller's to read: nothing found (the rules refuse anyway).
        Err(GraphError::Forbidden { .. } | GraphError::NotFound { .. }) => Vec::new(),
        Err(error) => {
            return Err(ItemError::graph_failed(
                error,
                "looking an item up by its times",
            ));
        }
    };
    let at = |t: &Option<crate::graph::model::DateTimeZone>| {
        t.as_ref().and_then(|t| utc_ms(&t.date_time))
    };
    let mut matching: Vec<GraphEvent> = events
        .into_iter()
        .filter(|e| {
            at(&e.start) == Some(start)
                && at(&e.end) == Some(end)
                && e.subject.as_deref().map(str::trim) == Some(subject.trim())
        })
        .collect();
    Ok(match matching.len() {
        0 => Found::Nothing,
        1 => Found::One(Box::new(matching.remove(0))),
        n => Found::Several(n),
    })
}

/// What the sidebar says of a lookup, naming the owner.
pub fn notice(found: &Found, owner: &str) -> String {
    let why = "Outlook gave no usable id for this meeting (an Outlook issue with shared calendars)";
    match found {
        Found::One(_) => {
            format!("{why}: Liaison found it in {owner}'s calendar by its times and subject")
        }
        Found::Nothing => format!(
            "{why}, and no meeting in {owner}'s calendar has these times and this subject: \
             open it again once Outlook has synced it"
        ),
        Found::Several(n) => format!(
            "{why}, and {n} meetings in {owner}'s calendar have these times and this subject: \
             Liaison cannot tell which, so it acts on none — open the meeting again from \
             {owner}'s calendar"
        ),
    }
}
