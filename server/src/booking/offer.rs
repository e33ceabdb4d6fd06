//! What a booking link offers, checked ([`Offer::read`]), and the times it leaves free
//! ([`Offer::free_slots`]): the candidate times — each working day's hours in the link's time
//! zone, stepped, or the slots the sender picked — less those in the past and those that
//! overlap a time the Organizer's free/busy shows tentative, busy or away.

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use liaison_domain::api::{BookingKind, BookingOffer, Slot, WorkingHours};

use crate::graph::schedule::Busy;

/// The longest range one link offers: Exchange's availability service answers at most 42
/// days at once by default (EWS `TimeWindow`: "The maximum value for this time period is 42
/// days"), and one free/busy read per page view covers the whole range.
pub const MAX_RANGE_DAYS: i64 = 42;
/// Most slots a time-slots link offers.
pub const MAX_SLOTS: usize = 20;

/// A checked offer.
#[derive(Debug, Clone)]
pub struct Offer {
    pub kind: BookingKind,
    pub length: SignedDuration,
    pub zone: TimeZone,
    pub zone_name: String,
    pub candidates: Candidates,
}

#[derive(Debug, Clone)]
pub enum Candidates {
    Days {
        first: Date,
        last: Date,
        start: Time,
        end: Time,
        days: Vec<Weekday>,
    },
    Slots(Vec<Timestamp>),
}

/// A field of the offer that is wrong: its dotted path under `offer`, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferError {
    pub field: &'static str,
    pub message: String,
}

fn wrong(field: &'static str, message: impl Into<String>) -> OfferError {
    OfferError {
        field,
        message: message.into(),
    }
}

/// The zone named `name` (IANA, e.g. `Europe/Paris`).
pub fn zone(name: &str) -> Option<TimeZone> {
    if name.is_empty() || name.len() > 64 {
        return None;
    }
    TimeZone::get(name).ok()
}

fn hour_minute(text: &str, field: &'static str) -> Result<Time, OfferError> {
    let valid = text.len() == 5 && text.as_bytes()[2] == b':';
    valid
        .then(|| text.parse::<Time>().ok())
        .flatten()
        .ok_or_else(|| wrong(field, "a time of day as HH:MM, e.g. 09:00"))
}

fn weekday(iso: u8) -> Option<Weekday> {
    Weekday::from_monday_one_offset(i8::try_from(iso).ok()?).ok()
}

impl Offer {
    /// Checks `offer` as of `now`.
    pub fn read(offer: &BookingOffer, now: Timestamp) -> Result<Self, OfferError> {
        let minutes = offer.meeting_minutes;
        if !(15..=480).contains(&minutes) || !minutes.is_multiple_of(5) {
            return Err(wrong(
                "offer.meetingMinutes",
                "a meeting of 15 to 480 minutes, in steps of 5",
            ));
        }
        let length = SignedDuration::from_mins(i64::from(minutes));
        let zone = zone(&offer.time_zone).ok_or_else(|| {
            wrong(
                "offer.timeZone",
                "an IANA time zone, e.g. Europe/Paris or America/New_York",
            )
        })?;
        let candidates = match offer.kind {
            BookingKind::Availability => {
                if !offer.slots.is_empty() {
                    return Err(wrong(
                        "offer.slots",
                        "an availability link offers days, not slots",
                    ));
                }
                let day = |text: &Option<String>, field| {
                    text.as_deref()
                        .and_then(|t| t.parse::<Date>().ok())
                        .ok_or_else(|| wrong(field, "a day as YYYY-MM-DD"))
                };
                let first = day(&offer.first_day, "offer.firstDay")?;
                let last = day(&offer.last_day, "offer.lastDay")?;
                let today = now.to_zoned(zone.clone()).date();
                if last < first || last < today {
                    return Err(wrong(
                        "offer.lastDay",
                        "the last day must be today or later, and not before the first",
                    ));
                }
                if first
                    .until(last)
                    .map_or(true, |span| span.get_days() >= MAX_RANGE_DAYS as i32)
                {
                    return Err(wrong(
                        "offer.lastDay",
                        format!("a link offers at most {MAX_RANGE_DAYS} days"),
                    ));
                }
                let hours = offer.working_hours.clone().unwrap_or_else(|| WorkingHours {
                    start: "09:00".into(),
                    end: "17:00".into(),
                    days: vec![1, 2, 3, 4, 5],
                });
                let start = hour_minute(&hours.start, "offer.workingHours.start")?;
                let end = hour_minute(&hours.end, "offer.workingHours.end")?;
                if end <= start || start.duration_until(end).as_mins() < i64::from(minutes) {
                    return Err(wrong(
                        "offer.workingHours.end",
                        "the hours must end after they start, with room for one meeting",
                    ));
                }
                let mut days = Vec::new();
                for iso in &hours.days {
                    let day = weekday(*iso).ok_or_else(|| {
                        wrong("offer.workingHours.days", "ISO weekdays, 1 (Monday) to 7")
                    })?;
                    if !days.contains(&day) {
                        days.push(day);
                    }
                }
                if days.is_empty() {
                    return Err(wrong("offer.workingHours.days", "at least one weekday"));
                }
                Candidates::Days {
                    first: first.max(today),
                    last,
                    start,
                    end,
                    days,
                }
            }
            BookingKind::Slots => Candidates::Slots(slots(offer, length, now)?),
        };
        Ok(Self {
            kind: offer.kind,
            length,
            zone,
            zone_name: offer.time_zone.clone(),
            candidates,
        })
    }

    /// The span free/busy must cover, from `now` on; `None` when nothing is left to offer.
    pub fn window(&self, now: Timestamp) -> Option<(Timestamp, Timestamp)> {
        let (start, end) = match &self.candidates {
            Candidates::Days { first, last, .. } => {
                let midnight = |d: Date| d.to_zoned(self.zone.clone()).ok().map(|z| z.timestamp());
                (midnight(*first)?, midnight(last.tomorrow().ok()?)?)
            }
            Candidates::Slots(starts) => {
                (*starts.iter().min()?, *starts.iter().max()? + self.length)
            }
        };
        let start = start.max(now);
        (start < end).then_some((start, end))
    }

    /// Every start the offer makes, free or not.
    pub fn candidates(&self) -> Vec<Timestamp> {
        match &self.candidates {
            Candidates::Slots(starts) => starts.clone(),
            Candidates::Days {
                first,
                last,
                start,
                end,
                days,
            } => {
                // Every half hour (every quarter for shorter meetings).
                let step = SignedDuration::from_mins(self.length.as_mins().min(30));
                let mut starts = Vec::new();
                let mut day = *first;
                while day <= *last {
                    if days.contains(&day.weekday()) {
                        let at = |t: Time| day.to_datetime(t).to_zoned(self.zone.clone()).ok();
                        if let (Some(open), Some(close)) = (at(*start), at(*end)) {
                            let (mut t, close) = (open.timestamp(), close.timestamp());
                            while t + self.length <= close {
                                starts.push(t);
                                t += step;
                            }
                        }
                    }
                    let Ok(next) = day.tomorrow() else { break };
                    day = next;
                }
                starts
            }
        }
    }

    /// The starts still free: not before `now`, and overlapping none of `busy`.
    pub fn free_slots(&self, busy: &[Busy], now: Timestamp) -> Vec<Timestamp> {
        self.candidates()
            .into_iter()
            .filter(|start| *start >= now && self.is_free(*start, busy))
            .collect()
    }

    /// Whether the meeting starting at `start` overlaps none of `busy`.
    pub fn is_free(&self, start: Timestamp, busy: &[Busy]) -> bool {
        let end = start + self.length;
        !busy.iter().any(|b| b.start < end && b.end > start)
    }

    /// Whether the offer makes `start` at all.
    pub fn offers(&self, start: Timestamp) -> bool {
        self.candidates().contains(&start)
    }
}

/// The sender's slots: each `length` long, in the future, on five-minute marks, at most
/// [`MAX_SLOTS`], within [`MAX_RANGE_DAYS`] of one another.
fn slots(
    offer: &BookingOffer,
    length: SignedDuration,
    now: Timestamp,
) -> Result<Vec<Timestamp>, OfferError> {
    if offer.first_day.is_some() || offer.last_day.is_some() || offer.working_hours.is_some() {
        return Err(wrong(
            "offer.kind",
            "a time-slots link offers slots, not days or hours",
        ));
    }
    if offer.slots.is_empty() || offer.slots.len() > MAX_SLOTS {
        return Err(wrong("offer.slots", format!("1 to {MAX_SLOTS} slots")));
    }
    let mut starts = Vec::new();
    for Slot { start, end } in &offer.slots {
        let (Ok(start), Ok(end)) = (start.parse::<Timestamp>(), end.parse::<Timestamp>()) else {
            return Err(wrong(
                "offer.slots",
                "each slot's start and end in RFC 3339",
            ));
        };
        if end.duration_since(start) != length {
            return Err(wrong("offer.slots", "each slot is one meeting long"));
        }
        if start < now {
            return Err(wrong("offer.slots", "a slot is in the past"));
        }
        if start.as_second() % 300 != 0 || start.subsec_nanosecond() != 0 {
            return Err(wrong("offer.slots", "slots start on five-minute marks"));
        }
        if !starts.contains(&start) {
            starts.push(start);
        }
    }
    starts.sort();
    if let (Some(first), Some(last)) = (starts.first(), starts.last())
        && last.duration_since(*first) > SignedDuration::from_hours(24 * MAX_RANGE_DAYS)
    {
        return Err(wrong(
            "offer.slots",
            format!("the slots lie within {MAX_RANGE_DAYS} days"),
        ));
    }
    Ok(starts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn days(first: &str, last: &str, minutes: u32) -> BookingOffer {
        BookingOffer {
            kind: BookingKind::Availability,
            meeting_minutes: minutes,
            time_zone: "Europe/Paris".into(),
            first_day: Some(first.into()),
            last_day: Some(last.into()),
            working_hours: None,
            slots: vec![],
        }
    }

    #[test]
    fn working_hours_are_read_in_the_links_zone() {
        // Monday 2026-12-07; Paris is UTC+1 in December: 09:00 there is 08:00Z.
        let now = at("2026-12-07T00:00:00Z");
        let offer = Offer::read(&days("2026-12-07", "2026-12-07", 60), now).unwrap();
        let starts = offer.candidates();
        assert_eq!(starts.first(), Some(&at("2026-12-07T08:00:00Z")));
        // The last hour-long meeting starts at 16:00 Paris.
        assert_eq!(starts.last(), Some(&at("2026-12-07T15:00:00Z")));
        assert_eq!(starts.len(), 15, "every half hour from 09:00 to 16:00");
    }

    #[test]
    fn weekends_are_not_offered_by_default() {
        let now = at("2026-12-07T00:00:00Z");
        let offer = Offer::read(&days("2026-12-12", "2026-12-13", 30), now).unwrap();
        assert!(offer.candidates().is_empty());
    }

    #[test]
    fn busy_times_and_the_past_are_left_out() {
        let now = at("2026-12-07T10:10:00Z");
        let offer = Offer::read(&days("2026-12-07", "2026-12-07", 30), now).unwrap();
        let busy = [Busy {
            start: at("2026-12-07T12:00:00Z"),
            end: at("2026-12-07T13:00:00Z"),
        }];
        let free = offer.free_slots(&busy, now);
        assert_eq!(free.first(), Some(&at("2026-12-07T10:30:00Z")));
        assert!(!free.contains(&at("2026-12-07T12:00:00Z")));
        assert!(!free.contains(&at("2026-12-07T12:30:00Z")));
        assert!(
            free.contains(&at("2026-12-07T11:30:00Z")),
            "ends as the busy time starts"
        );
        assert!(free.contains(&at("2026-12-07T13:00:00Z")));
    }

    #[test]
    fn a_range_longer_than_the_availability_service_answers_is_refused() {
        let now = at("2026-12-07T00:00:00Z");
        let error = Offer::read(&days("2026-12-07", "2027-01-30", 30), now).unwrap_err();
        assert_eq!(error.field, "offer.lastDay");
        assert!(Offer::read(&days("2026-12-07", "2027-01-17", 30), now).is_ok());
    }

    #[test]
    fn slots_must_be_one_meeting_long_in_the_future_and_on_five_minute_marks() {
        let now = at("2026-12-07T00:00:00Z");
        let slots = |start: &str, end: &str| BookingOffer {
            kind: BookingKind::Slots,
            meeting_minutes: 30,
            time_zone: "UTC".into(),
            first_day: None,
            last_day: None,
            working_hours: None,
            slots: vec![Slot {
                start: start.into(),
                end: end.into(),
            }],
        };
        assert!(Offer::read(&slots("2026-12-08T09:00:00Z", "2026-12-08T09:30:00Z"), now).is_ok());
        for (start, end) in [
            ("2026-12-08T09:00:00Z", "2026-12-08T10:00:00Z"),
            ("2026-12-06T09:00:00Z", "2026-12-06T09:30:00Z"),
            ("2026-12-08T09:02:00Z", "2026-12-08T09:32:00Z"),
            ("tomorrow", "2026-12-08T09:30:00Z"),
        ] {
            assert_eq!(
                Offer::read(&slots(start, end), now).unwrap_err().field,
                "offer.slots",
                "{start}"
            );
        }
    }

    #[test]
    fn a_bad_zone_or_length_names_its_field() {
        let now = at("2026-12-07T00:00:00Z");
        let mut offer = days("2026-12-07", "2026-12-08", 30);
        offer.time_zone = "Mars/Olympus".into();
        assert_eq!(
            Offer::read(&offer, now).unwrap_err().field,
            "offer.timeZone"
        );
        let offer = days("2026-12-07", "2026-12-08", 7);
        assert_eq!(
            Offer::read(&offer, now).unwrap_err().field,
            "offer.meetingMinutes"
        );
    }

    proptest::proptest! {
        /// Whatever the Organizer's calendar holds, a time offered as free overlaps nothing
        /// busy and is not past, and a time held back does one or the other.
        #[test]
        fn free_times_are_exactly_the_candidates_nothing_blocks(
            busy in proptest::collection::vec((0i64..7 * 24 * 60, 5i64..240), 0..12),
            minutes in proptest::sample::select(vec![15u32, 30, 45, 60, 90]),
            now_minute in 0i64..3 * 24 * 60,
        ) {
            let origin = at("2026-12-07T00:00:00Z");
            let minute = |m: i64| origin + SignedDuration::from_mins(m);
            let offer = Offer::read(&days("2026-12-07", "2026-12-13", minutes), origin).unwrap();
            let busy: Vec<Busy> = busy
                .iter()
                .map(|(start, length)| Busy { start: minute(*start), end: minute(start + length) })
                .collect();
            let now = minute(now_minute);
            let free = offer.free_slots(&busy, now);
            let length = SignedDuration::from_mins(i64::from(minutes));
            for start in offer.candidates() {
                let blocked = busy.iter().any(|b| b.start < start + length && b.end > start);
                proptest::prop_assert_eq!(free.contains(&start), !blocked && start >= now);
            }
        }
    }
}
