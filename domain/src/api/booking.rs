//! The JSON of booking links (the source article's "Send calendar availability" and "Send
//! meeting time slots"): the sidebar asks for a link to the Organizer's free times while a
//! message or meeting is composed, and inserts it into the item; invitees book on a public page.

use serde::{Deserialize, Serialize};

use super::items::{ItemRef, Person};

/// What a link offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BookingKind {
    /// The Organizer's free times in a range of days, within working hours.
    Availability,
    /// A few concrete times the sender picked.
    Slots,
}

crate::wire_names!(BookingKind {
    Availability => "availability",
    Slots => "slots",
});

/// A time span, RFC 3339 at both ends (`2026-12-08T09:00:00Z`). Also an answer (free times):
/// unknown fields are not refused, so a field added later does not break a reader.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Slot {
    pub start: String,
    pub end: String,
}

/// Working hours in the link's time zone: `09:00` to `17:00` on the days named.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkingHours {
    /// `HH:MM`.
    pub start: String,
    /// `HH:MM`, after `start`.
    pub end: String,
    /// ISO weekdays, 1 (Monday) to 7 (Sunday).
    pub days: Vec<u8>,
}

/// What the offer is made of: a range of days (availability) or the slots (time slots).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BookingOffer {
    pub kind: BookingKind,
    /// The meeting's length in minutes (15 to 480, a multiple of 5).
    pub meeting_minutes: u32,
    /// The IANA time zone working hours and days are read in (`Europe/Paris`), and the page's
    /// first zone.
    pub time_zone: String,
    /// Availability: the first and last day offered (`YYYY-MM-DD`, in `timeZone`), at most 42
    /// days apart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_day: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_day: Option<String>,
    /// Availability: when in those days (default 09:00–17:00, Monday to Friday).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_hours: Option<WorkingHours>,
    /// Time slots: the times offered (1 to 20), each `meetingMinutes` long.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub slots: Vec<Slot>,
}

/// `POST /api/booking-links`: a link to the Organizer's free times, for the item being
/// composed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BookingLinkRequest {
    /// The Organizer's calendar (`owner`) and the composed item; the server judges
    /// `sendAvailability` there on Microsoft's facts.
    pub item: ItemRef,
    /// The item's From as Office.js reports it (`item.from` of a message, `item.organizer` of
    /// a meeting): the meeting's initiator. It must be the caller or the Organizer, and the
    /// Organizer only for someone Microsoft lets act on their behalf.
    pub from: String,
    /// The meeting's subject (default: "Meeting with" the Organizer).
    #[serde(default)]
    pub subject: String,
    pub offer: BookingOffer,
    /// Days until the link expires (1 to 60, default 14).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in_days: Option<u32>,
}

/// `POST /api/booking-links/free-slots`: the Organizer's free times, to pick slots from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FreeSlotsRequest {
    pub item: ItemRef,
    /// Of kind `availability`: the range and hours to look in.
    pub offer: BookingOffer,
}

/// The free times found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct FreeSlots {
    pub slots: Vec<Slot>,
}

/// A booking link as its sender, the Organizer and administrators see it (never its secret
/// part, which only [`BookingLinkCreated`] carries).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct BookingLink {
    pub id: String,
    pub subject: String,
    pub organizer: Person,
    /// Who initiated the meeting: the item's From.
    pub initiator: Person,
    /// Who made the link (the signed-in user; the initiator unless they sent as the Organizer).
    pub created_by: Person,
    pub offer: BookingOffer,
    /// RFC 3339.
    pub created_at: String,
    pub expires_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
    /// `active`, `expired` or `revoked`.
    pub state: String,
    /// Meetings booked through it.
    pub bookings: i64,
}

/// The answer to making a link: the only time its URL is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct BookingLinkCreated {
    pub link: BookingLink,
    /// The public booking page.
    pub url: String,
}

/// `GET /api/booking-links`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct BookingLinks {
    pub links: Vec<BookingLink>,
}

/// `GET /api/booking-links/calendars`: the calendars the sidebar offers to choose from (the
/// caller's own first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct BookingCalendars {
    pub calendars: Vec<Person>,
}
