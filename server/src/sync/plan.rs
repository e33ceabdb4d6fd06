//! What a complete delta round means for the CRM: pure functions from Graph's items and what
//! the CRM already knows of them to the [`SyncWrite`]s a session commits, and the circuit
//! breaker's rule. No I/O here, so every rule is tested directly.
//!
//! The rules:
//! - an item carrying the CRM category is created or updated in the CRM (identity: Organizer +
//!   `iCalUId`); an item saved from the sidebar follows its changes without the category;
//! - removing the category stops syncing and keeps the CRM event;
//! - a deleted or cancelled item marks its CRM event cancelled, never erased;
//! - a single item that left the view because it became a series master is not a deletion;
//! - an event deleted in the CRM is never brought back.

use std::collections::{HashMap, HashSet};

use crate::graph::model::{GraphEvent, same_category};
use crate::store::{EventType, EventWrite, GraphLink, SyncWrite, SyncedItem};

/// Below this many cancellations a session never trips the breaker.
pub const BREAKER_MIN_CANCELLATIONS: usize = 20;
/// A session that would cancel more than this share of the Organizer's active CRM events stops.
pub const BREAKER_MAX_SHARE: f64 = 0.3;

/// One item of a delta round, as far as sync cares.
#[derive(Debug, Clone, PartialEq)]
pub enum DeltaItem {
    /// Deleted, moved out of the window, or changed outside it (`@removed`).
    Removed {
        id: String,
    },
    Live(Box<LiveItem>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct LiveItem {
    pub id: String,
    /// Absent on what a delegate sees of a private item (never for the Organizer's own token).
    pub ical_uid: Option<String>,
    pub categories: Vec<String>,
    pub cancelled: bool,
    pub event_type: EventType,
    pub series_master_id: Option<String>,
    pub write: Option<EventWrite>,
    /// The organizer's address as Graph names it.
    pub organizer_address: Option<String>,
}

impl DeltaItem {
    /// One entry of a delta page, typed at the edge (`graph::model`).
    pub fn from_graph(event: &GraphEvent) -> Self {
        if event.is_removed() {
            return Self::Removed {
                id: event.id.clone(),
            };
        }
        Self::Live(Box::new(LiveItem {
            id: event.id.clone(),
            ical_uid: event.ical_uid().map(str::to_owned),
            categories: event.categories.clone(),
            cancelled: event.is_cancelled,
            event_type: EventType::of_graph(event.event_type()),
            series_master_id: event.series_master_id.clone(),
            write: event.to_write(),
            organizer_address: event.organizer_address().map(str::to_owned),
        }))
    }

    pub fn id(&self) -> &str {
        match self {
            Self::Removed { id } => id,
            Self::Live(item) => &item.id,
        }
    }
}

/// The writes a complete round makes, in round order (the last state of an item wins).
///
/// `window` is the round's `[start, end)` in UTC ms: Graph also sends `@removed` for items
/// outside it that changed ("filter the events under `@removed` for the date range"), so a
/// removal of an item whose CRM event lies outside the window cancels nothing.
pub fn plan(
    round: &[DeltaItem],
    links: &HashMap<String, GraphLink>,
    category: &str,
    window: (i64, i64),
) -> Vec<SyncWrite> {
    // Graph may list an item twice in one round; only its last state counts.
    let mut last: HashMap<&str, usize> = HashMap::new();
    for (i, item) in round.iter().enumerate() {
        last.insert(item.id(), i);
    }
    // Series masters of this round's occurrences: a "removed" master is a single item that
    // became a series, not a deletion.
    let masters: HashSet<&str> = round
        .iter()
        .filter_map(|item| match item {
            DeltaItem::Live(live) => live.series_master_id.as_deref(),
            DeltaItem::Removed { .. } => None,
        })
        .collect();
    let mut writes = Vec::new();
    for (i, item) in round.iter().enumerate() {
        if last.get(item.id()) != Some(&i) {
            continue;
        }
        let link = links.get(item.id());
        match item {
            DeltaItem::Removed { id } => {
                if masters.contains(id.as_str()) {
                    if link.is_some() {
                        writes.push(SyncWrite::BecameSeries {
                            graph_id: id.clone(),
                        });
                    }
                } else if link.is_some_and(|l| {
                    l.following
                        && !l.deleted
                        && l.starts_at_ms
                            .is_none_or(|start| start >= window.0 && start < window.1)
                }) {
                    writes.push(SyncWrite::Cancel {
                        graph_id: id.clone(),
                    });
                }
            }
            DeltaItem::Live(live) => {
                if let Some(write) = decide(live, link, category) {
                    writes.push(write);
                }
            }
        }
    }
    writes
}

fn decide(live: &LiveItem, link: Option<&GraphLink>, category: &str) -> Option<SyncWrite> {
    if link.is_some_and(|l| l.deleted) {
        return None;
    }
    let following = link.is_some_and(|l| l.following);
    if live.cancelled {
        return following.then(|| SyncWrite::Cancel {
            graph_id: live.id.clone(),
        });
    }
    let tagged = live.categories.iter().any(|c| same_category(c, category));
    let upsert = |via_category| {
        Some(SyncWrite::Upsert(Box::new(SyncedItem {
            graph_id: live.id.clone(),
            ical_uid: live.ical_uid.clone()?,
            write: live.write.clone()?,
            event_type: live.event_type,
            series_master_graph_id: live.series_master_id.clone(),
            via_category,
            organizer_address: live.organizer_address.clone(),
            link_addresses: Vec::new(),
        })))
    };
    match link {
        _ if tagged => upsert(true),
        Some(l) if l.following && l.via_category => Some(SyncWrite::Unfollow {
            graph_id: live.id.clone(),
        }),
        Some(l) if l.following => upsert(false),
        _ => None,
    }
}

/// Whether a session that would cancel `cancellations` of the Organizer's `active` CRM events
/// must stop and ask an admin instead (a mass deletion is more likely a fault than a decision):
/// at least [`BREAKER_MIN_CANCELLATIONS`], and more than `max_share` of them (the tenant's
/// threshold, [`BREAKER_MAX_SHARE`] unless its administrators set one).
pub fn breaker_trips(cancellations: usize, active: i64, max_share: f64) -> bool {
    if cancellations < BREAKER_MIN_CANCELLATIONS {
        return false;
    }
    let active = active.max(1) as f64;
    cancellations as f64 / active > max_share
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::store::EventTime;

    /// 2026-11-01 to 2027-01-01, UTC ms.
    const WINDOW: (i64, i64) = (1_793_491_200_000, 1_798_761_600_000);

    fn live(id: &str, categories: &[&str]) -> DeltaItem {
        let event: GraphEvent = serde_json::from_value(json!({
            "id": id, "iCalUId": format!("uid-{id}"), "subject": "Review",
            "categories": categories, "type": "singleInstance",
            "start": { "dateTime": "2026-11-27T08:00:00.0000000", "timeZone": "UTC" },
            "end": { "dateTime": "2026-11-27T09:00:00.0000000", "timeZone": "UTC" },
            "originalStartTimeZone": "W. Europe Standard Time",
            "location": { "displayName": "Room 1" }, "sensitivity": "normal",
        }))
        .unwrap();
        DeltaItem::from_graph(&event)
    }

    fn link(via_category: bool, following: bool) -> GraphLink {
        GraphLink {
            event_id: "e1".into(),
            ical_uid: "uid-a".into(),
            via_category,
            following,
            event_type: EventType::SingleInstance,
            deleted: false,
            starts_at_ms: Some(1_795_766_400_000),
        }
    }

    fn links(entries: &[(&str, GraphLink)]) -> HashMap<String, GraphLink> {
        entries
            .iter()
            .map(|(id, l)| ((*id).to_owned(), l.clone()))
            .collect()
    }

    #[test]
    fn a_graph_event_becomes_a_utc_crm_write() {
        let DeltaItem::Live(item) = live("a", &["CRM"]) else {
            panic!("live")
        };
        let write = item.write.unwrap();
        assert_eq!(
            write.time,
            EventTime::Timed {
                start_ms: 1_795_766_400_000,
                end_ms: 1_795_770_000_000
            }
        );
        assert_eq!(write.time_zone, "W. Europe Standard Time");
        assert_eq!(write.location, "Room 1");
        assert_eq!(item.ical_uid.as_deref(), Some("uid-a"));
    }

    #[test]
    fn the_category_decides_and_its_name_matches_without_case() {
        let writes = plan(
            &[live("a", &["crm"]), live("b", &["Red"])],
            &HashMap::new(),
            "CRM",
            WINDOW,
        );
        assert_eq!(writes.len(), 1);
        assert!(matches!(&writes[0], SyncWrite::Upsert(i) if i.graph_id == "a" && i.via_category));
    }

    #[test]
    fn removing_the_category_stops_following_but_a_sidebar_save_keeps_following() {
        let known = links(&[("a", link(true, true)), ("b", link(false, true))]);
        let writes = plan(&[live("a", &[]), live("b", &[])], &known, "CRM", WINDOW);
        assert_eq!(
            writes[0],
            SyncWrite::Unfollow {
                graph_id: "a".into()
            }
        );
        assert!(matches!(&writes[1], SyncWrite::Upsert(i) if i.graph_id == "b" && !i.via_category));
    }

    #[test]
    fn deletions_cancel_only_what_is_followed_and_never_erase() {
        let known = links(&[("a", link(true, true)), ("b", link(true, false))]);
        let round = [
            DeltaItem::Removed { id: "a".into() },
            DeltaItem::Removed { id: "b".into() },
            DeltaItem::Removed { id: "c".into() },
        ];
        assert_eq!(
            plan(&round, &known, "CRM", WINDOW),
            vec![SyncWrite::Cancel {
                graph_id: "a".into()
            }]
        );
    }

    #[test]
    fn a_removal_outside_the_window_cancels_nothing() {
        let mut before = link(true, true);
        before.starts_at_ms = Some(WINDOW.0 - 86_400_000);
        let mut after = link(true, true);
        after.starts_at_ms = Some(WINDOW.1 + 86_400_000);
        let known = links(&[("old", before), ("later", after), ("in", link(true, true))]);
        let round = [
            DeltaItem::Removed { id: "old".into() },
            DeltaItem::Removed { id: "later".into() },
            DeltaItem::Removed { id: "in".into() },
        ];
        assert_eq!(
            plan(&round, &known, "CRM", WINDOW),
            vec![SyncWrite::Cancel {
                graph_id: "in".into()
            }]
        );
    }

    #[test]
    fn a_single_item_turned_series_is_not_a_deletion() {
        let known = links(&[("m", link(true, true))]);
        let mut occurrence = live("m-0", &["CRM"]);
        if let DeltaItem::Live(item) = &mut occurrence {
            item.event_type = EventType::Occurrence;
            item.series_master_id = Some("m".into());
        }
        let writes = plan(
            &[DeltaItem::Removed { id: "m".into() }, occurrence],
            &known,
            "CRM",
            WINDOW,
        );
        assert_eq!(
            writes[0],
            SyncWrite::BecameSeries {
                graph_id: "m".into()
            }
        );
        assert!(
            matches!(&writes[1], SyncWrite::Upsert(i) if i.event_type == EventType::Occurrence)
        );
    }

    #[test]
    fn the_last_state_of_an_item_in_a_round_wins() {
        let known = links(&[("a", link(true, true))]);
        let round = [DeltaItem::Removed { id: "a".into() }, live("a", &["CRM"])];
        let writes = plan(&round, &known, "CRM", WINDOW);
        assert_eq!(writes.len(), 1);
        assert!(matches!(&writes[0], SyncWrite::Upsert(_)));
    }

    #[test]
    fn an_event_deleted_in_the_crm_is_never_brought_back() {
        let mut deleted = link(true, false);
        deleted.deleted = true;
        let known = links(&[("a", deleted)]);
        assert!(plan(&[live("a", &["CRM"])], &known, "CRM", WINDOW).is_empty());
    }

    #[test]
    fn the_breaker_trips_on_an_unusual_share_only() {
        let share = BREAKER_MAX_SHARE;
        assert!(!breaker_trips(BREAKER_MIN_CANCELLATIONS - 1, 20, share));
        assert!(!breaker_trips(25, 1000, share));
        assert!(breaker_trips(400, 1000, share));
        assert!(breaker_trips(25, 0, share));
        // A tenant's own threshold: 50 % lets 400 of 1000 through, 10 % stops 150.
        assert!(!breaker_trips(400, 1000, 0.5));
        assert!(breaker_trips(150, 1000, 0.1));
    }
}

/// Graph's delta pages are outside input: whatever a page holds, typing it and planning its
/// writes never panics.
#[cfg(test)]
mod arbitrary_pages {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;
    use crate::graph::model::{DeltaPage, utc_ms};
    use crate::outside_input::document;

    const KEYS: &[&str] = &[
        "value",
        "id",
        "@removed",
        "reason",
        "iCalUId",
        "subject",
        "type",
        "start",
        "end",
        "dateTime",
        "timeZone",
        "isAllDay",
        "sensitivity",
        "categories",
        "attendees",
        "emailAddress",
        "address",
        "organizer",
        "seriesMasterId",
        "isCancelled",
        "@odata.nextLink",
        "@odata.deltaLink",
        "originalStartTimeZone",
        "location",
        "displayName",
    ];

    fn page() -> serde_json::Value {
        json!({
            "value": [
                { "id": "AAkALgAA1", "iCalUId": "uid-1", "subject": "Review",
                  "type": "occurrence", "seriesMasterId": "AAkALgAA0",
                  "start": { "dateTime": "2026-11-27T08:00:00.0000000", "timeZone": "UTC" },
                  "end": { "dateTime": "2026-11-27T09:00:00.0000000", "timeZone": "UTC" },
                  "isAllDay": false, "sensitivity": "private", "categories": ["CRM"],
                  "attendees": [{ "emailAddress": { "address": "a@b.example" } }],
                  "organizer": { "emailAddress": { "address": "o@b.example" } } },
                { "id": "AAkALgAA2", "@removed": { "reason": "deleted" } }
            ],
            "@odata.deltaLink": "https://graph.microsoft.com/v1.0/me/calendarView/delta?$deltatoken=x"
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn any_delta_page_is_typed_and_planned_without_panicking(bytes in document(page(), KEYS)) {
            if let Ok(page) = serde_json::from_slice::<DeltaPage>(&bytes) {
                let round: Vec<DeltaItem> = page.value.iter().map(DeltaItem::from_graph).collect();
                for event in &page.value {
                    let _ = (event.creator_id(), event.organizer_address(), event.is_private());
                }
                let _ = plan(&round, &HashMap::new(), "CRM", (i64::MIN, i64::MAX));
            }
        }

        #[test]
        fn any_time_text_is_read_or_refused(text in ".{0,40}") {
            let _ = utc_ms(&text);
        }
    }
}
