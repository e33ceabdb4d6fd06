//! What people do in Outlook itself, for tests and the demo to play: create meetings, give them
//! categories, move, cancel, turn a single meeting into a series, shift a series, move or cancel
//! one occurrence. Each change bumps the world's change sequence exactly as a Graph write would,
//! so Liaison sees it through `calendarView/delta` like any other change.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

use crate::clock::w_europe;
use crate::state::{SimState, epoch_seconds, now_rfc3339, rfc3339};
use crate::world::{GraphEvent, World};

/// A meeting to put in someone's calendar.
#[derive(Debug, Clone)]
pub struct NewMeeting {
    pub subject: String,
    /// Seconds since the Unix epoch.
    pub start_s: i64,
    pub minutes: i64,
    pub categories: Vec<String>,
    pub sensitivity: String,
    pub location: String,
    /// The attendees' addresses.
    pub attendees: Vec<String>,
    /// What free/busy shows: `busy` (the default), `free`, `tentative`, `oof`…
    pub show_as: String,
}

impl NewMeeting {
    pub fn new(subject: &str, start_s: i64, minutes: i64) -> Self {
        Self {
            subject: subject.to_owned(),
            start_s,
            minutes,
            categories: Vec::new(),
            sensitivity: "normal".to_owned(),
            location: String::new(),
            attendees: Vec::new(),
            show_as: "busy".to_owned(),
        }
    }

    /// What free/busy shows for it (`free`, `tentative`, `busy`, `oof`, `workingElsewhere`).
    pub fn show_as(mut self, status: &str) -> Self {
        status.clone_into(&mut self.show_as);
        self
    }

    /// An attendee, by address.
    pub fn attendee(mut self, address: &str) -> Self {
        self.attendees.push(address.to_owned());
        self
    }

    pub fn category(mut self, name: &str) -> Self {
        self.categories.push(name.to_owned());
        self
    }

    /// Graph's `sensitivity`: `normal`, `personal`, `private` or `confidential`.
    pub fn sensitivity(mut self, sensitivity: &str) -> Self {
        self.sensitivity = sensitivity.to_owned();
        self
    }
}

/// Outlook, as the owner of a mailbox uses it.
pub struct Outlook<'a> {
    pub(crate) state: &'a SimState,
}

/// `YYYY-MM-DDTHH:MM:SS`, the simulator's stored time format.
fn stored_time(secs: i64) -> String {
    rfc3339(secs).trim_end_matches('Z').to_owned()
}

impl Outlook<'_> {
    /// Creates a single meeting in `owner`'s calendar (user id or address); returns its id.
    pub fn create(&self, owner: &str, meeting: &NewMeeting) -> String {
        self.create_many(owner, std::slice::from_ref(meeting))
            .pop()
            .unwrap_or_default()
    }

    /// Creates many meetings at once (one lock, for large calendars); returns their ids.
    pub fn create_many(&self, owner: &str, meetings: &[NewMeeting]) -> Vec<String> {
        self.create_as(owner, owner, meetings)
    }

    /// `creator` (a delegate, user id or address) creates meetings in `owner`'s calendar on the
    /// owner's behalf: as in Exchange, the owner organizes them and `creator` is their creator
    /// (`PidTagCreatorName`). No permission check: this is what happened in Outlook.
    pub fn create_by(&self, owner: &str, creator: &str, meeting: &NewMeeting) -> String {
        self.create_as(owner, creator, std::slice::from_ref(meeting))
            .pop()
            .unwrap_or_default()
    }

    fn create_as(&self, owner: &str, creator: &str, meetings: &[NewMeeting]) -> Vec<String> {
        let mut world = self.state.world();
        let Some((tenant_id, user)) = world.find_user(owner) else {
            return Vec::new();
        };
        let Some((_, creator)) = world.find_user(creator) else {
            return Vec::new();
        };
        let now = now_rfc3339();
        let mut ids = Vec::with_capacity(meetings.len());
        for meeting in meetings {
            world.seq += 1;
            let seq = world.seq;
            let id = crate::world::new_rest_id();
            world.events.push(GraphEvent {
                id: id.clone(),
                immutable_id: crate::seed::immutable_id(&id),
                tenant_id: tenant_id.clone(),
                mailbox: user.id.clone(),
                ical_uid: format!(
                    "040000008200E00074C5B7101A82E008{}",
                    uuid::Uuid::new_v4().simple()
                ),
                change_key: seq,
                subject: meeting.subject.clone(),
                start: stored_time(meeting.start_s),
                end: stored_time(meeting.start_s + meeting.minutes * 60),
                time_zone: "UTC".into(),
                location: meeting.location.clone(),
                organizer_name: user.display_name.clone(),
                organizer_address: user.mail.clone(),
                owner_address: user.mail.clone(),
                created_by: creator.id.clone(),
                creator_name: creator.display_name.clone(),
                attendees: meeting.attendees.clone(),
                sensitivity: meeting.sensitivity.clone(),
                show_as: meeting.show_as.clone(),
                body: String::new(),
                categories: meeting.categories.clone(),
                kind: "singleInstance",
                series_master_id: None,
                transaction_id: None,
                deleted: false,
                seq,
                created: now.clone(),
                last_modified: now.clone(),
            });
            world.notify(world.events.len() - 1, "created");
            ids.push(id);
        }
        ids
    }

    /// Sets `delegate`'s access to `owner`'s calendar (addresses), as the owner does in
    /// Outlook's delegate settings: `bits` are Office.js `DelegatePermissions`.
    pub fn set_delegate(
        &self,
        owner: &str,
        delegate: &str,
        bits: u8,
        can_view_private: bool,
        send_on_behalf: bool,
    ) {
        self.state.world().set_delegation(
            owner,
            delegate,
            Some(crate::seed::Delegation {
                owner: owner.to_lowercase(),
                delegate: delegate.to_lowercase(),
                calendar_bits: bits,
                can_view_private,
                send_on_behalf,
            }),
        );
    }

    /// Removes `delegate` from `owner`'s delegates (addresses).
    pub fn remove_delegate(&self, owner: &str, delegate: &str) {
        self.state.world().set_delegation(owner, delegate, None);
    }

    /// Changes an event (not its occurrences) and records the change.
    pub fn edit(&self, id: &str, change: impl FnOnce(&mut GraphEvent)) {
        let mut world = self.state.world();
        if let Some(i) = live(&world, id) {
            change(&mut world.events[i]);
            if world.events[i].kind == "occurrence" {
                world.events[i].kind = "exception";
            }
            world.touch(i, &now_rfc3339());
        }
    }

    /// Replaces the categories of an event; on a series master, of every occurrence too.
    pub fn set_categories(&self, id: &str, categories: &[&str]) {
        let categories: Vec<String> = categories.iter().map(|c| (*c).to_owned()).collect();
        self.each_of_series(id, |event| event.categories = categories.clone());
    }

    /// Moves an event by `minutes`; a series master moves its whole series ("series shifted").
    pub fn shift(&self, id: &str, minutes: i64) {
        self.each_of_series(id, |event| {
            event.start = shifted(&event.start, minutes);
            event.end = shifted(&event.end, minutes);
        });
    }

    /// Deletes (or cancels) an event; a series master takes its occurrences with it.
    pub fn delete(&self, id: &str) {
        self.each_of_series(id, |event| event.deleted = true);
    }

    /// Turns a single meeting into a weekly series of `count` ("single becomes series"): the
    /// item becomes the series master (which leaves the calendar view) and occurrences appear.
    /// Returns the occurrence ids.
    pub fn make_weekly_series(&self, id: &str, count: u32) -> Vec<String> {
        let mut world = self.state.world();
        let Some(i) = live(&world, id) else {
            return Vec::new();
        };
        let now = now_rfc3339();
        let single = world.events[i].clone();
        // What calendarView shows of the old single item goes; the master itself is not shown.
        world.events[i].kind = "seriesMaster";
        world.touch(i, &now);
        world.seq += 1;
        let seq = world.seq;
        world.events.push(GraphEvent {
            deleted: true,
            seq,
            ..single.clone()
        });
        let mut ids = Vec::new();
        for n in 0..count {
            world.seq += 1;
            let id = format!("{}-{n}", single.id);
            let occurrence = GraphEvent {
                immutable_id: crate::seed::immutable_id(&id),
                id,
                ical_uid: format!("{}{n:02}", single.ical_uid),
                start: weeks_later(&single.start, &single.time_zone, n),
                end: weeks_later(&single.end, &single.time_zone, n),
                kind: "occurrence",
                series_master_id: Some(single.id.clone()),
                seq: world.seq,
                change_key: world.seq,
                last_modified: now.clone(),
                ..single.clone()
            };
            ids.push(occurrence.id.clone());
            world.events.push(occurrence);
            world.notify(world.events.len() - 1, "created");
        }
        ids
    }

    /// The live events of a mailbox (user id or address), series masters included.
    pub fn events_of(&self, owner: &str) -> Vec<GraphEvent> {
        let world = self.state.world();
        let Some((_, user)) = world.find_user(owner) else {
            return Vec::new();
        };
        world
            .events
            .iter()
            .filter(|e| e.mailbox == user.id && !e.deleted)
            .cloned()
            .collect()
    }

    /// The names in a mailbox's master category list.
    pub fn master_categories(&self, owner: &str) -> Vec<String> {
        let world = self.state.world();
        let Some((_, user)) = world.find_user(owner) else {
            return Vec::new();
        };
        world
            .categories
            .get(&user.id)
            .map(|list| list.iter().map(|c| c.display_name.clone()).collect())
            .unwrap_or_default()
    }

    fn each_of_series(&self, id: &str, mut change: impl FnMut(&mut GraphEvent)) {
        let mut world = self.state.world();
        let now = now_rfc3339();
        let targets: Vec<usize> = world
            .events
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                !e.deleted
                    && (e.has_id(id)
                        || e.series_master_id
                            .as_deref()
                            .is_some_and(|m| m == id || crate::seed::immutable_id(m) == id))
            })
            .map(|(i, _)| i)
            .collect();
        for i in targets {
            change(&mut world.events[i]);
            // An occurrence changed on its own becomes an exception of its series.
            if world.events[i].has_id(id) && world.events[i].kind == "occurrence" {
                world.events[i].kind = "exception";
            }
            world.touch(i, &now);
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CategoriesWrite {
    event_id: String,
    categories: Vec<String>,
}

/// `PUT /_outlook/events/categories`: the simulated Outlook page (through the demo server)
/// sets an item's categories as its user did in Outlook. `404` for an unknown item.
pub async fn put_categories(
    State(state): State<Arc<SimState>>,
    Json(write): Json<CategoriesWrite>,
) -> StatusCode {
    let outlook = Outlook { state: &state };
    if live(&state.world(), &write.event_id).is_none() {
        return StatusCode::NOT_FOUND;
    }
    let names: Vec<&str> = write.categories.iter().map(String::as_str).collect();
    outlook.set_categories(&write.event_id, &names);
    StatusCode::NO_CONTENT
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Composed {
    /// The calendar's owner (address).
    owner: String,
    /// Who composes it (address): the owner, or a delegate on their behalf.
    creator: String,
    subject: String,
    /// RFC 3339, UTC.
    start: String,
    end: String,
    #[serde(default)]
    location: String,
    #[serde(default = "normal")]
    sensitivity: String,
}

fn normal() -> String {
    "normal".to_owned()
}

/// `POST /_outlook/events`: Outlook saves a meeting being composed (Office.js `saveAsync`: "the
/// item is saved as a normal appointment on the user's calendar"). The owner may, and a delegate
/// who may create items in the calendar; one who only sends on the owner's behalf may not:
/// "If this flag [`Create`] is not set, the server MUST NOT allow the user's client to create new
/// Message objects in the folder" (MS-OXCPERM 2.2.7), and Graph documents creating in another
/// user's calendar only for those with write access (`outlook-create-event-in-shared-delegated-
/// calendar.md`). Answers its REST id.
pub async fn post_composed(
    State(state): State<Arc<SimState>>,
    Json(composed): Json<Composed>,
) -> Result<Json<serde_json::Value>, StatusCode> {
    let outlook = Outlook { state: &state };
    let (start, end) = match (epoch_seconds(&composed.start), epoch_seconds(&composed.end)) {
        (Some(start), Some(end)) if end >= start => (start, end),
        _ => return Err(StatusCode::BAD_REQUEST),
    };
    {
        let world = state.world();
        let (Some((owner_tenant, owner)), Some((creator_tenant, creator))) = (
            world.find_user(&composed.owner),
            world.find_user(&composed.creator),
        ) else {
            return Err(StatusCode::NOT_FOUND);
        };
        // Office.js DelegatePermissions' Write bit (2) is Outlook's "create items".
        let may = owner.id == creator.id
            || (owner_tenant == creator_tenant
                && world
                    .delegation(&owner.id, &creator.id)
                    .is_some_and(|(bits, _)| bits & 2 != 0));
        if !may {
            return Err(StatusCode::FORBIDDEN);
        }
    }
    let meeting = NewMeeting {
        location: composed.location,
        ..NewMeeting::new(&composed.subject, start, (end - start) / 60)
            .sensitivity(&composed.sensitivity)
    };
    let id = outlook.create_by(&composed.owner, &composed.creator, &meeting);
    Ok(Json(serde_json::json!({ "id": id })))
}

fn live(world: &World, id: &str) -> Option<usize> {
    world.events.iter().position(|e| e.has_id(id) && !e.deleted)
}

/// A stored (UTC) time `weeks` weeks later at the same wall-clock time in `zone`: a weekly series
/// in Western Europe keeps its hour across a change to or from summer time; any other zone is
/// read as UTC.
fn weeks_later(time: &str, zone: &str, weeks: u32) -> String {
    let Some(utc) = epoch_seconds(time) else {
        return time.to_owned();
    };
    let days = i64::from(weeks) * 7 * crate::clock::DAY_S;
    if zone == w_europe::NAME {
        stored_time(w_europe::to_utc(utc + w_europe::offset_s(utc) + days))
    } else {
        stored_time(utc + days)
    }
}

/// A stored time moved by `minutes`.
fn shifted(time: &str, minutes: i64) -> String {
    match epoch_seconds(time) {
        Some(seconds) => stored_time(seconds + minutes * 60),
        None => time.to_owned(),
    }
}

/// `GET /_outlook/world.json`: the tenants as the simulated Outlook host shows them — the seed,
/// and the meetings created since (by a test, the demo, a composed item) in their owners'
/// calendars, so the host can open those too.
pub async fn world_json(State(state): State<Arc<SimState>>) -> Json<crate::seed::Seed> {
    let world = state.world();
    let mut seed = world.seed.clone();
    let seeded: std::collections::HashSet<String> = seed
        .tenants
        .iter()
        .flat_map(|t| t.events.iter().map(|e| e.id.clone()))
        .collect();
    let created = world.events.iter().filter(|e| {
        // Created meetings are stored in UTC; seeded ones (and their occurrences) are there.
        !e.deleted && e.kind == "singleInstance" && e.time_zone == "UTC" && !seeded.contains(&e.id)
    });
    for event in created {
        let creator = world.find_user(&event.created_by);
        let Some(tenant) = seed.tenants.iter_mut().find(|t| t.id == event.tenant_id) else {
            continue;
        };
        tenant.events.push(crate::seed::Event {
            id: event.id.clone(),
            ical_uid: event.ical_uid.clone(),
            calendar_owner: event.owner_address.clone(),
            subject: event.subject.clone(),
            start: format!("{}Z", event.start),
            end: format!("{}Z", event.end),
            time_zone: event.time_zone.clone(),
            location: event.location.clone(),
            organizer: event.organizer_address.clone(),
            organizer_name: event.organizer_name.clone(),
            created_by: creator
                .as_ref()
                .map(|(_, u)| u.mail.clone())
                .unwrap_or_default(),
            created_by_name: event.creator_name.clone(),
            attendees: event.attendees.clone(),
            sensitivity: event.sensitivity.clone(),
            categories: event.categories.clone(),
            occurrences: Vec::new(),
            created: event.created.clone(),
        });
    }
    Json(seed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_weekly_series_keeps_its_wall_clock_hour_in_western_europe() {
        let zone = w_europe::NAME;
        assert_eq!(
            weeks_later("2027-03-26T08:00:00", zone, 1),
            "2027-04-02T07:00:00"
        );
        assert_eq!(
            weeks_later("2027-10-29T07:00:00", zone, 1),
            "2027-11-05T08:00:00"
        );
        assert_eq!(
            weeks_later("2027-03-26T08:00:00", "UTC", 1),
            "2027-04-02T08:00:00"
        );
    }

    #[test]
    fn shifting_crosses_days_months_and_years() {
        assert_eq!(shifted("2026-11-27T08:00:00", 60), "2026-11-27T09:00:00");
        assert_eq!(shifted("2026-12-31T23:30:00", 60), "2027-01-01T00:30:00");
        assert_eq!(shifted("2026-03-01T00:00:00", -1), "2026-02-28T23:59:00");
        assert_eq!(
            shifted("2026-11-27T08:00:00", 7 * 24 * 60),
            "2026-12-04T08:00:00"
        );
    }
}
