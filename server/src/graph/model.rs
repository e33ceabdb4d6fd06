//! Microsoft Graph's event as Liaison reads it, parsed into typed values at the edge: the sync
//! plan and the item facts never index raw JSON.
//!
//! Times: every call asks `Prefer: outlook.timezone="UTC"`, so `start`/`end` come as UTC
//! `dateTime` strings without an offset (`2026-11-27T08:00:00.0000000`); the zone the meeting
//! was made in is `originalStartTimeZone` (a Windows or IANA name).

use serde::Deserialize;
use time::PrimitiveDateTime;

use crate::clock::from_rfc3339;
use crate::graph::entry_id::AddressBookId;
use crate::store::{EventTime, EventWrite};

/// `PidTagCreatorEntryId`: who created the item, as Exchange records it — an address-book
/// identity, not a name ([`AddressBookId`]). Graph shows it only as a single-value extended
/// property asked for by id, one per `$filter` (`id eq`, the one operator Microsoft documents:
/// "Get singleValueLegacyExtendedProperty").
pub const CREATOR_ENTRY_ID_PROPERTY: &str = "Binary 0x3FF9";

/// A Graph `event` (or a delta entry, which may be only `@removed` and an id).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphEvent {
    pub id: String,
    /// Present on a delta entry for an item that left the view (deleted, or changed outside the
    /// window).
    #[serde(rename = "@removed", default)]
    pub removed: Option<serde_json::Value>,
    /// Absent on what a delegate without private access sees of a private item.
    #[serde(rename = "iCalUId", default)]
    pub ical_uid: Option<String>,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub start: Option<DateTimeZone>,
    #[serde(default)]
    pub end: Option<DateTimeZone>,
    #[serde(default)]
    pub original_start_time_zone: Option<String>,
    #[serde(default)]
    pub is_all_day: bool,
    #[serde(default)]
    pub is_cancelled: bool,
    /// `true` when the calendar's owner organizes the event; `false` for an invitation received.
    #[serde(default)]
    pub is_organizer: Option<bool>,
    #[serde(default)]
    pub organizer: Option<Recipient>,
    #[serde(default)]
    pub attendees: Vec<Recipient>,
    #[serde(default)]
    pub location: Option<Location>,
    /// `normal`, `personal`, `private` or `confidential`.
    #[serde(default)]
    pub sensitivity: Option<String>,
    #[serde(default)]
    pub categories: Vec<String>,
    /// `singleInstance`, `occurrence`, `exception` or `seriesMaster`.
    #[serde(rename = "type", default)]
    pub event_type: Option<String>,
    #[serde(default)]
    pub series_master_id: Option<String>,
    #[serde(default)]
    pub single_value_extended_properties: Vec<ExtendedProperty>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DateTimeZone {
    pub date_time: String,
    #[serde(default)]
    pub time_zone: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recipient {
    #[serde(default)]
    pub email_address: Option<EmailAddress>,
    /// An attendee's `type`: `required`, `optional` or `resource` (a room or equipment).
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct EmailAddress {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    #[serde(default)]
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ExtendedProperty {
    pub id: String,
    #[serde(default)]
    pub value: Option<String>,
}

impl GraphEvent {
    pub fn is_removed(&self) -> bool {
        self.removed.is_some()
    }

    /// `private` and `confidential` close the item to delegates without private access;
    /// `personal` does not (Graph's `sensitivity`; classic Outlook on Windows sets
    /// `confidential`, which Outlook treats as private for delegates).
    pub fn is_private(&self) -> bool {
        matches!(
            self.sensitivity.as_deref(),
            Some(s) if s.eq_ignore_ascii_case("private") || s.eq_ignore_ascii_case("confidential")
        )
    }

    /// `singleInstance` when Graph does not say.
    pub fn event_type(&self) -> &str {
        self.event_type.as_deref().unwrap_or("singleInstance")
    }

    /// `iCalUId`, when Graph showed it.
    pub fn ical_uid(&self) -> Option<&str> {
        self.ical_uid.as_deref().filter(|u| !u.is_empty())
    }

    /// Who created the item (`PidTagCreatorEntryId`), when Graph returned it and it names an
    /// address-book entry. Property ids compare without case (Graph writes the tag `0x3ff9`).
    pub fn creator_id(&self) -> Option<AddressBookId> {
        self.single_value_extended_properties
            .iter()
            .find(|p| p.id.eq_ignore_ascii_case(CREATOR_ENTRY_ID_PROPERTY))
            .and_then(|p| p.value.as_deref())
            .and_then(AddressBookId::from_base64)
    }

    pub fn organizer_address(&self) -> Option<&str> {
        self.organizer
            .as_ref()
            .and_then(|o| o.email_address.as_ref())
            .and_then(|e| e.address.as_deref())
    }

    /// Whether the category `name` is on the event (names compare without case or padding).
    pub fn has_category(&self, name: &str) -> bool {
        self.categories.iter().any(|c| same_category(c, name))
    }

    /// The CRM's copy of the event: UTC times (dates for all-day events) with the zone it was
    /// made in, subject, location, attendees, privacy. `None` when Graph did not show its times.
    pub fn to_write(&self) -> Option<EventWrite> {
        Some(EventWrite {
            subject: self.subject.clone().unwrap_or_default(),
            time: self.time()?,
            time_zone: self
                .original_start_time_zone
                .clone()
                .filter(|z| !z.is_empty())
                .unwrap_or_else(|| "UTC".to_owned()),
            location: self
                .location
                .as_ref()
                .and_then(|l| l.display_name.clone())
                .unwrap_or_default(),
            attendees: self
                .attendees
                .iter()
                .filter_map(|a| a.email_address.as_ref()?.address.clone())
                .map(|a| a.to_lowercase())
                .collect(),
            is_private: self.is_private(),
        })
    }
}

impl GraphEvent {
    /// When it takes place: UTC instants, or dates for an all-day item. `None` when Graph did
    /// not show its times.
    pub fn time(&self) -> Option<EventTime> {
        let start = &self.start.as_ref()?.date_time;
        let end = &self.end.as_ref()?.date_time;
        Some(if self.is_all_day {
            EventTime::AllDay {
                start_date: start.get(..10)?.to_owned(),
                end_date: end.get(..10)?.to_owned(),
            }
        } else {
            EventTime::Timed {
                start_ms: utc_ms(start)?,
                end_ms: utc_ms(end)?,
            }
        })
    }
}

/// Whether `id` is made of the characters Exchange's item ids are: base64 — REST ids and Graph's
/// ids URL-safe (`-`, `_`), the EWS form Office.js shows standard (`+`, `/`) — with `=` padding.
/// Nothing else (no `.`, no `%`, no space) can be an item id, so nothing else reaches a path.
pub fn is_exchange_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'+' | b'/' | b'='))
}

/// Whether two Outlook category names are the same category: Outlook compares them without
/// regard to case (and Liaison ignores surrounding spaces).
pub fn same_category(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// `2026-11-27T08:00:00.0000000` (UTC, Graph's format) or RFC 3339, as UTC milliseconds.
pub fn utc_ms(text: &str) -> Option<i64> {
    from_rfc3339(text).or_else(|| {
        let format =
            time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
        let parsed = PrimitiveDateTime::parse(text.get(..19)?, format).ok()?;
        i64::try_from(parsed.assume_utc().unix_timestamp_nanos() / 1_000_000).ok()
    })
}

/// One page of `calendarView/delta`.
#[derive(Debug, Clone, Deserialize)]
pub struct DeltaPage {
    #[serde(default)]
    pub value: Vec<GraphEvent>,
    #[serde(rename = "@odata.nextLink")]
    pub next_link: Option<String>,
    #[serde(rename = "@odata.deltaLink")]
    pub delta_link: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphUser {
    #[serde(default)]
    pub id: String,
    pub display_name: Option<String>,
    pub mail: Option<String>,
    pub user_principal_name: Option<String>,
    /// Every address of the mailbox, `SMTP:` (primary) or `smtp:` (others) and other types.
    #[serde(default)]
    pub proxy_addresses: Vec<String>,
}

impl GraphUser {
    /// The SMTP addresses Graph gives for the user: `mail` and the `smtp:` proxy addresses.
    pub fn smtp_addresses(&self) -> Vec<String> {
        self.mail
            .iter()
            .cloned()
            .chain(self.proxy_addresses.iter().filter_map(|p| {
                p.split_once(':')
                    .filter(|(kind, _)| kind.eq_ignore_ascii_case("smtp"))
                    .map(|(_, address)| address.to_owned())
            }))
            .collect()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CalendarPermission {
    /// Graph's `calendarRoleType`, as sent; [`CalendarPermission::role`] reads it.
    #[serde(rename = "role")]
    pub role_name: String,
    pub email_address: EmailAddress,
    #[serde(default)]
    pub is_removable: Option<bool>,
}

impl CalendarPermission {
    /// The entry of "My Organization", the owner's organization: "For the 'My Organization'
    /// share recipient, the address property is null", and it cannot be removed ("The primary
    /// calendar of a user is always shared with 'My Organization'"). Told by those two
    /// documented properties, never by its display name.
    pub fn is_my_organization(&self) -> bool {
        self.email_address.address.is_none() && self.is_removable == Some(false)
    }

    /// The role; one Graph may add later reads as `custom` (stated, never more than an Author).
    pub fn role(&self) -> liaison_domain::permissions::GraphRole {
        use liaison_domain::permissions::GraphRole;
        GraphRole::parse(&self.role_name).unwrap_or(GraphRole::Custom)
    }
}

/// A calendar of the caller's `/me/calendars`: their own, or their copy of one shared with or
/// delegated to them, whose `canEdit` and `canViewPrivateItems` are *their* rights ("canEdit is
/// true, since delegates … have write access"; "For a sharee that is not a delegate,
/// [canViewPrivateItems] is always false", outlook-share-or-delegate-calendar.md) and whose
/// `owner` is the calendar's owner.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Calendar {
    #[serde(default)]
    pub can_edit: bool,
    #[serde(default)]
    pub can_view_private_items: bool,
    #[serde(default)]
    pub owner: Option<EmailAddress>,
}

impl Calendar {
    /// Whether `mailbox` owns this calendar (addresses compare without regard to case).
    pub fn is_owned_by(&self, mailbox: &str) -> bool {
        self.owner
            .as_ref()
            .and_then(|o| o.address.as_deref())
            .is_some_and(|a| a.eq_ignore_ascii_case(mailbox))
    }
}

/// A category of a mailbox's master list.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MasterCategory {
    pub id: String,
    pub display_name: String,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn event(extra: serde_json::Value) -> GraphEvent {
        let mut value = json!({
            "id": "AAkALgAA1", "iCalUId": "uid-1", "subject": "Review", "type": "singleInstance",
            "start": { "dateTime": "2026-11-27T08:00:00.0000000", "timeZone": "UTC" },
            "end": { "dateTime": "2026-11-27T09:00:00.0000000", "timeZone": "UTC" },
            "originalStartTimeZone": "W. Europe Standard Time",
            "location": { "displayName": "Room 1" }, "sensitivity": "normal",
            "attendees": [{ "type": "required", "emailAddress": { "name": "N", "address": "Nancy@Northwind.example" } }],
            "isOrganizer": true,
        });
        for (key, v) in extra.as_object().unwrap() {
            value[key] = v.clone();
        }
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn a_graph_event_becomes_a_utc_crm_write_with_its_zone_and_attendees() {
        let write = event(json!({})).to_write().unwrap();
        assert_eq!(
            write.time,
            EventTime::Timed {
                start_ms: 1_795_766_400_000,
                end_ms: 1_795_770_000_000
            }
        );
        assert_eq!(write.time_zone, "W. Europe Standard Time");
        assert_eq!(write.location, "Room 1");
        assert_eq!(write.attendees, ["nancy@northwind.example"]);
        assert!(!write.is_private);
    }

    #[test]
    fn private_and_confidential_are_private_and_personal_is_not() {
        for (sensitivity, private) in [
            ("private", true),
            ("confidential", true),
            ("personal", false),
            ("normal", false),
        ] {
            assert_eq!(
                event(json!({ "sensitivity": sensitivity })).is_private(),
                private,
                "{sensitivity}"
            );
        }
    }

    #[test]
    fn the_creator_is_read_from_the_extended_property_whatever_its_case() {
        use base64::Engine;
        let dn = "/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=ann";
        let value = base64::engine::general_purpose::STANDARD
            .encode(crate::graph::entry_id::entry_id_for(dn));
        let e = event(json!({ "singleValueExtendedProperties": [
            { "id": "Binary 0x3ff9", "value": value }
        ]}));
        assert_eq!(e.creator_id(), AddressBookId::from_dn(dn));
        assert!(e.creator_id().is_some());
        assert_eq!(event(json!({})).creator_id(), None);
        // A creator's name is not an identity, and is not read as one.
        let named = event(json!({ "singleValueExtendedProperties": [
            { "id": "String 0x3ff8", "value": "Ann Editor" }
        ]}));
        assert_eq!(named.creator_id(), None);
    }

    #[test]
    fn a_removed_entry_has_only_its_id() {
        let e: GraphEvent = serde_json::from_value(json!({
            "@odata.type": "#microsoft.graph.event", "id": "x", "@removed": { "reason": "deleted" }
        }))
        .unwrap();
        assert!(e.is_removed());
        assert!(e.to_write().is_none());
    }

    #[test]
    fn all_day_events_are_dates() {
        let e = event(json!({ "isAllDay": true,
            "start": { "dateTime": "2026-11-27T00:00:00.0000000", "timeZone": "UTC" },
            "end": { "dateTime": "2026-11-28T00:00:00.0000000", "timeZone": "UTC" } }));
        assert_eq!(
            e.to_write().unwrap().time,
            EventTime::AllDay {
                start_date: "2026-11-27".into(),
                end_date: "2026-11-28".into()
            }
        );
    }

    /// Microsoft's examples (outlook-share-or-delegate-calendar.md, microsoft-graph-docs-contrib):
    /// the delegate Megan's copy of Alex's calendar (`get_calendar_props_delegate`), and Alex's
    /// own calendar read by Alex (`get_calendar_props_owner`), as published.
    #[test]
    fn microsofts_calendar_examples_read_as_the_delegates_copy_and_the_owners_calendar() {
        let megans_copy: Calendar = serde_json::from_value(json!({
            "@odata.context": "https://graph.microsoft.com/beta/$metadata#users('meganb%40contoso.OnMicrosoft.com')/calendars/$entity",
            "id": "AAMkADlAABhbftjAAA=", "name": "Alex Wilber", "color": "auto", "hexColor": "",
            "changeKey": "E6LznKWmX0KTsAD9qRJjeAAAYWo3EQ==", "canShare": false,
            "canViewPrivateItems": true, "isShared": false, "isSharedWithMe": true, "canEdit": true,
            "allowedOnlineMeetingProviders": ["teamsForBusiness"],
            "defaultOnlineMeetingProvider": "teamsForBusiness", "isTallyingResponses": true,
            "isRemovable": true,
            "owner": { "name": "Alex Wilber", "address": "AlexW@contoso.OnMicrosoft.com" }
        }))
        .unwrap();
        assert!(megans_copy.is_owned_by("alexw@contoso.onmicrosoft.com"));
        assert!(!megans_copy.is_owned_by("meganb@contoso.onmicrosoft.com"));
        assert!(megans_copy.can_edit && megans_copy.can_view_private_items);
        let alexs_own: Calendar = serde_json::from_value(json!({
            "@odata.context": "https://graph.microsoft.com/beta/$metadata#users('64339082-ed84-4b0b-b4ab-004ae54f3747')/calendar/$entity",
            "id": "AQMkADAw7QAAAJfygAAAAA==", "name": "Calendar", "color": "auto", "hexColor": "",
            "changeKey": "NEXywgsVrkeNsFsyVyRrtAAAAAACOg==", "canShare": true,
            "canViewPrivateItems": true, "isShared": true, "isSharedWithMe": false, "canEdit": true,
            "allowedOnlineMeetingProviders": ["teamsForBusiness"],
            "defaultOnlineMeetingProvider": "teamsForBusiness", "isTallyingResponses": true,
            "isRemovable": false,
            "owner": { "name": "Alex Wilber", "address": "AlexW@contoso.OnMicrosoft.com" }
        }))
        .unwrap();
        assert!(alexs_own.is_owned_by("AlexW@contoso.OnMicrosoft.com"));
        // "My Organization" has no address (the `get_calendarperms` example).
        let my_organization: CalendarPermission = serde_json::from_value(json!({
            "id": "RGVmYXVsdA==", "isRemovable": false, "isInsideOrganization": true,
            "role": "freeBusyRead",
            "allowedRoles": ["none", "freeBusyRead", "limitedRead", "read", "write"],
            "emailAddress": { "name": "My Organization" }
        }))
        .unwrap();
        assert_eq!(my_organization.email_address.address, None);
    }
}
