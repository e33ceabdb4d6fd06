//! The tenants, users and delegate grants a simulator starts with.
//!
//! [`Seed::contoso`] is the demo's world: one Organizer and a delegate at every level Outlook
//! offers, so that every permission rule can be tried without a Microsoft tenant. Its meetings
//! are placed in the week the simulator starts in, never on fixed dates, so the demo and the
//! tests tell the same story on any day of any year.

use serde::Serialize;

use crate::clock::{DAY_S, monday_of, now_s, rfc3339, w_europe};

/// Everything a simulator knows at start.
#[derive(Debug, Clone, Serialize)]
pub struct Seed {
    pub tenants: Vec<Tenant>,
    /// Accounts of the Google Workspace surface (a smaller world: people and their events).
    pub google_accounts: Vec<GoogleAccount>,
}

/// A Google Workspace account with a primary calendar.
#[derive(Debug, Clone, Serialize)]
pub struct GoogleAccount {
    /// The stable subject (`sub`) Google gives the account.
    pub sub: String,
    pub email: String,
    pub name: String,
    /// Summaries and UTC start times of the primary calendar's events.
    pub events: Vec<(String, String)>,
}

/// A directory (Entra ID) tenant.
#[derive(Debug, Clone, Serialize)]
pub struct Tenant {
    /// The tenant id (`tid`), a GUID.
    pub id: String,
    pub display_name: String,
    /// The verified domain, e.g. `contoso.com`.
    pub domain: String,
    pub users: Vec<User>,
    /// Mailboxes holding the Global Administrator role (they may grant tenant-wide consent).
    pub admins: Vec<String>,
    /// Mailboxes assigned Liaison's app role `Liaison.Admin` in Entra (enterprise application →
    /// users and groups): tokens issued to Liaison for them carry it in `roles`.
    pub liaison_admins: Vec<String>,
    /// Who manages whose calendar, as Outlook's delegate settings say.
    pub delegations: Vec<Delegation>,
    /// Calendar items, in their owners' calendars.
    pub events: Vec<Event>,
}

/// A calendar item in one mailbox's calendar.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    /// The item's REST id (Graph's default id form, what Office.js `convertToRestId` gives) in
    /// the calendar owner's mailbox. Its immutable id is another string ([`immutable_id`]).
    pub id: String,
    /// The meeting's iCalendar UID, the same in every mailbox that has a copy.
    pub ical_uid: String,
    /// Whose calendar the item is in.
    pub calendar_owner: String,
    pub subject: String,
    /// RFC 3339, UTC.
    pub start: String,
    pub end: String,
    pub time_zone: String,
    pub location: String,
    /// Who organizes it. As in Exchange, an item created in the owner's calendar — by the owner
    /// or by a delegate on their behalf — is organized by the owner; an invitation received from
    /// someone else is organized by them.
    pub organizer: String,
    pub organizer_name: String,
    /// Who created the item (Exchange's `PidTagCreatorName`, read through Graph as the extended
    /// property `String 0x3FF8`): the owner, a delegate, or the sender of an invitation.
    pub created_by: String,
    pub created_by_name: String,
    pub attendees: Vec<String>,
    /// Graph's `sensitivity`: `normal`, `personal`, `private` or `confidential`.
    pub sensitivity: String,
    pub categories: Vec<String>,
    /// The occurrences of a series, first to last (empty for a single item).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub occurrences: Vec<Occurrence>,
    /// When the item was created in Exchange (RFC 3339, UTC): Graph's `createdDateTime`.
    pub created: String,
}

/// One occurrence of a seeded series: RFC 3339, UTC.
#[derive(Debug, Clone, Serialize)]
pub struct Occurrence {
    pub start: String,
    pub end: String,
}

/// Outlook delegate access of one user to another's calendar.
#[derive(Debug, Clone, Serialize)]
pub struct Delegation {
    /// The calendar owner's mailbox.
    pub owner: String,
    /// The delegate's mailbox.
    pub delegate: String,
    /// Office.js `DelegatePermissions` bits: 63 Editor, 23 Author, 1 Reviewer, 0 none.
    pub calendar_bits: u8,
    /// "Delegate can see my private items".
    pub can_view_private: bool,
    pub send_on_behalf: bool,
}

/// A user with a mailbox.
#[derive(Debug, Clone, Serialize)]
pub struct User {
    /// The directory object id (`oid`), a GUID.
    pub id: String,
    pub display_name: String,
    /// The SMTP address, which is also the user principal name here.
    pub mail: String,
}

/// The REST id of the demo's seeded event `n` (`AAMkADemo-0001_A=`): like a real REST id it holds
/// characters (`-`, `_`) that Office.js's EWS form writes differently (`/`, `+`).
pub fn demo_event_id(n: u8) -> String {
    format!("AAMkADemo-{n:04}_A=")
}

/// The immutable id Graph gives the item whose REST id is `rest_id` when asked with
/// `Prefer: IdType="ImmutableId"`: another string for the same item ("restImmutableEntryId").
pub fn immutable_id(rest_id: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    let digest = sha2::Sha256::digest(rest_id.as_bytes());
    format!(
        "AAkALgAA{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..24])
    )
}

/// When a seeded meeting takes place: a day of the story's week and a wall-clock hour in the
/// tenant's zone ([`w_europe`]), as people plan meetings ("Monday at ten").
#[derive(Debug, Clone, Copy)]
struct Slot {
    /// 0 for the week's Monday, 4 for its Friday.
    weekday: i64,
    /// The local hour it starts at; it lasts an hour.
    hour: i64,
}

const fn at(weekday: i64, hour: i64) -> Slot {
    Slot { weekday, hour }
}

/// The demo's week: its Monday (a day counted from 1970-01-01), from which every seeded time
/// is placed, so the story reads the same on any day it is told.
#[derive(Debug, Clone, Copy)]
struct Week {
    monday: i64,
}

impl Week {
    /// `slot`, `weeks_later` weeks on, as its UTC start and end.
    fn span(self, slot: Slot, weeks_later: i64) -> (String, String) {
        let day = self.monday + slot.weekday + 7 * weeks_later;
        let start = w_europe::to_utc(day * DAY_S + slot.hour * 3600);
        let end = w_europe::to_utc(day * DAY_S + (slot.hour + 1) * 3600);
        (rfc3339(start), rfc3339(end))
    }

    /// When the seeded items were created in Exchange: three weeks before the story's week.
    fn created(self) -> String {
        rfc3339((self.monday - 21) * DAY_S + 8 * 3600)
    }
}

/// An hour-long event in `owner`'s calendar at `slot`, created by `creator` (a mailbox name at
/// contoso.com, with its display name); organized by the owner, as Exchange does for items made
/// in the owner's calendar.
fn event(
    week: Week,
    n: u8,
    owner: &str,
    subject: &str,
    slot: Slot,
    creator: (&str, &str),
    sensitivity: &str,
) -> Event {
    let (start, end) = week.span(slot, 0);
    let owner_name = match owner {
        "olga" => "Olga Organizer",
        "otto" => "Otto Organizer",
        "ann" => "Ann Editor",
        "arthur" => "Arthur Author",
        _ => owner,
    };
    Event {
        id: demo_event_id(n),
        ical_uid: format!("040000008200E00074C5B7101A82E0080000000000000000000000000000{n:04}"),
        calendar_owner: format!("{owner}@contoso.com"),
        subject: subject.into(),
        start,
        end,
        time_zone: w_europe::NAME.into(),
        location: "Teams meeting".into(),
        organizer: format!("{owner}@contoso.com"),
        organizer_name: owner_name.into(),
        created_by: format!("{}@contoso.com", creator.0),
        created_by_name: creator.1.into(),
        attendees: vec!["nancy.davolio@northwind.example".into()],
        sensitivity: sensitivity.into(),
        categories: Vec::new(),
        occurrences: Vec::new(),
        created: week.created(),
    }
}

/// `event` as a weekly series of `count` occurrences, each at the series' wall-clock time (so
/// an occurrence after a change to or from summer time starts an hour apart in UTC).
fn weekly(week: Week, slot: Slot, count: i64, event: Event) -> Event {
    Event {
        occurrences: (0..count)
            .map(|n| {
                let (start, end) = week.span(slot, n);
                Occurrence { start, end }
            })
            .collect(),
        ..event
    }
}

fn grant(owner: &str, delegate: &str, bits: u8, private: bool, on_behalf: bool) -> Delegation {
    Delegation {
        owner: format!("{owner}@contoso.com"),
        delegate: format!("{delegate}@contoso.com"),
        calendar_bits: bits,
        can_view_private: private,
        send_on_behalf: on_behalf,
    }
}

/// The seeded meetings' times: Monday to Friday of the story's week, in Contoso's zone.
mod slots {
    use super::{Slot, at};
    pub const NORTHWIND_REVIEW: Slot = at(0, 10);
    pub const ADVENTURE_WORKS: Slot = at(0, 14);
    pub const TAILSPIN: Slot = at(1, 11);
    pub const FABRIKAM: Slot = at(1, 16);
    pub const DOCTOR: Slot = at(2, 9);
    pub const BOARD: Slot = at(2, 15);
    pub const ANNS_PLANNING: Slot = at(3, 10);
    pub const ARTHURS_PIPELINE: Slot = at(3, 12);
    pub const WEEKLY_PIPELINE: Slot = at(4, 9);
    pub const GOOGLE_LUNCH: Slot = at(0, 13);
}

impl Seed {
    /// The demo's tenant in the current week: see [`Seed::contoso_at`].
    pub fn contoso() -> Self {
        Self::contoso_at(now_s())
    }

    /// The demo's tenant, told in the week holding `now_s` (UTC seconds): Olga (Organizer, sync
    /// on) and her delegates at each level, and Otto (Organizer, sync off) whom Ann also assists.
    /// Their meetings fall from that week's Monday to its Friday at the same wall-clock hours in
    /// Western Europe whatever the date, and the weekly series runs four weeks from the Friday;
    /// every one of them lies inside Liaison's default synced window (30 days back, 365 ahead).
    pub fn contoso_at(now_s: i64) -> Self {
        let week = Week {
            monday: monday_of(now_s.div_euclid(DAY_S)),
        };
        let tenant_id = "6f1c2a5e-2b1d-4c1e-9a57-7c0d3e1b9a01";
        let user = |n: u8, name: &str, mail: &str| User {
            id: format!("0000000{n}-aaaa-4bbb-8ccc-00000000000{n}"),
            display_name: name.into(),
            mail: mail.into(),
        };
        let event = |n, owner, subject, slot, creator, sensitivity| {
            event(week, n, owner, subject, slot, creator, sensitivity)
        };
        Self {
            tenants: vec![Tenant {
                id: tenant_id.into(),
                display_name: "Contoso".into(),
                domain: "contoso.com".into(),
                users: vec![
                    user(1, "Olga Organizer", "olga@contoso.com"),
                    user(2, "Ann Editor", "ann@contoso.com"),
                    user(3, "Arthur Author", "arthur@contoso.com"),
                    user(4, "Rita Reviewer", "rita@contoso.com"),
                    user(5, "Sam SendOnBehalf", "sam@contoso.com"),
                    user(6, "Otto Organizer", "otto@contoso.com"),
                    user(7, "Adele Admin", "adele@contoso.com"),
                ],
                admins: vec!["adele@contoso.com".into()],
                liaison_admins: vec!["adele@contoso.com".into()],
                delegations: vec![
                    grant("olga", "ann", 63, true, true),
                    grant("olga", "arthur", 23, false, true),
                    grant("olga", "rita", 1, false, false),
                    grant("olga", "sam", 0, false, true),
                    grant("otto", "ann", 63, false, true),
                ],
                events: vec![
                    event(
                        1,
                        "olga",
                        "Northwind quarterly review",
                        slots::NORTHWIND_REVIEW,
                        ("olga", "Olga Organizer"),
                        "normal",
                    ),
                    // Made by Ann in Olga's calendar: organized by Olga, created by Ann.
                    event(
                        2,
                        "olga",
                        "Adventure Works intro call",
                        slots::ADVENTURE_WORKS,
                        ("ann", "Ann Editor"),
                        "normal",
                    ),
                    event(
                        3,
                        "olga",
                        "Tailspin lead follow-up",
                        slots::TAILSPIN,
                        ("arthur", "Arthur Author"),
                        "normal",
                    ),
                    // An invitation Olga received: organized and created by Margaret.
                    Event {
                        organizer: "margaret@fabrikam.example".into(),
                        organizer_name: "Margaret Peacock".into(),
                        created_by: "margaret@fabrikam.example".into(),
                        created_by_name: "Margaret Peacock".into(),
                        ..event(
                            4,
                            "olga",
                            "Fabrikam partnership (invitation)",
                            slots::FABRIKAM,
                            ("olga", "Olga Organizer"),
                            "normal",
                        )
                    },
                    event(
                        5,
                        "olga",
                        "Doctor's appointment",
                        slots::DOCTOR,
                        ("olga", "Olga Organizer"),
                        "private",
                    ),
                    event(
                        6,
                        "otto",
                        "Board preparation",
                        slots::BOARD,
                        ("otto", "Otto Organizer"),
                        "normal",
                    ),
                    event(
                        7,
                        "ann",
                        "Ann's planning session",
                        slots::ANNS_PLANNING,
                        ("ann", "Ann Editor"),
                        "normal",
                    ),
                    event(
                        8,
                        "arthur",
                        "Arthur's pipeline review",
                        slots::ARTHURS_PIPELINE,
                        ("arthur", "Arthur Author"),
                        "normal",
                    ),
                    weekly(
                        week,
                        slots::WEEKLY_PIPELINE,
                        4,
                        event(
                            9,
                            "olga",
                            "Weekly pipeline sync",
                            slots::WEEKLY_PIPELINE,
                            ("olga", "Olga Organizer"),
                            "normal",
                        ),
                    ),
                ],
            }],
            google_accounts: vec![GoogleAccount {
                sub: "110248495921238986420".into(),
                email: "olga@contoso-workspace.example".into(),
                name: "Olga Organizer".into(),
                events: vec![(
                    "Lunch with Northwind".into(),
                    week.span(slots::GOOGLE_LUNCH, 0).0,
                )],
            }],
        }
    }

    /// The tenant a mailbox belongs to, and the user.
    pub fn user_by_mail(&self, mail: &str) -> Option<(&Tenant, &User)> {
        self.tenants.iter().find_map(|t| {
            t.users
                .iter()
                .find(|u| u.mail.eq_ignore_ascii_case(mail))
                .map(|u| (t, u))
        })
    }

    /// Finds a tenant by id or domain.
    pub fn tenant(&self, id_or_domain: &str) -> Option<&Tenant> {
        self.tenants
            .iter()
            .find(|t| t.id == id_or_domain || t.domain.eq_ignore_ascii_case(id_or_domain))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::days_from_civil;
    use crate::state::epoch_seconds;

    fn noon(y: i64, m: i64, d: i64) -> i64 {
        days_from_civil(y, m, d) * DAY_S + 12 * 3600
    }

    /// What a person reading the demo sees of a meeting: its weekday in the story's week and its
    /// wall-clock time in Contoso's zone, never a date.
    fn story(seed: &Seed) -> Vec<(String, i64, String)> {
        let monday = seed.tenants[0]
            .events
            .iter()
            .map(|e| epoch_seconds(&e.start).unwrap().div_euclid(DAY_S))
            .min()
            .unwrap();
        let local = |t: &str| {
            let utc = epoch_seconds(t).unwrap();
            utc + w_europe::offset_s(utc)
        };
        let mut told = Vec::new();
        for e in &seed.tenants[0].events {
            let times = std::iter::once((e.start.clone(), e.end.clone())).chain(
                e.occurrences
                    .iter()
                    .map(|o| (o.start.clone(), o.end.clone())),
            );
            for (start, end) in times {
                let (start, end) = (local(&start), local(&end));
                assert_eq!(end - start, 3600, "{} lasts an hour", e.subject);
                let clock = rfc3339(start)[11..16].to_owned();
                told.push((e.subject.clone(), start.div_euclid(DAY_S) - monday, clock));
            }
        }
        told
    }

    #[test]
    fn the_demo_tells_the_same_story_on_any_day_including_a_year_boundary_and_a_clock_change() {
        let told = story(&Seed::contoso_at(noon(2026, 11, 25)));
        assert!(told.contains(&("Northwind quarterly review".into(), 0, "10:00".into())));
        assert!(told.contains(&("Weekly pipeline sync".into(), 25, "09:00".into())));
        for today in [
            // A Sunday: the week began six days ago.
            noon(2026, 12, 6),
            // New Year's Eve: the week and its series run into the next year.
            noon(2027, 12, 31),
            // The week before summer time: the series crosses the change.
            noon(2027, 3, 24),
            noon(2028, 2, 29),
        ] {
            let seed = Seed::contoso_at(today);
            assert_eq!(story(&seed), told, "on {}", rfc3339(today));
        }
    }

    #[test]
    fn a_series_keeps_its_wall_clock_hour_across_a_change_to_summer_time() {
        let seed = Seed::contoso_at(noon(2027, 3, 24));
        let series = seed.tenants[0]
            .events
            .iter()
            .find(|e| !e.occurrences.is_empty())
            .unwrap();
        let starts: Vec<&str> = series
            .occurrences
            .iter()
            .map(|o| o.start.as_str())
            .collect();
        assert_eq!(
            starts,
            [
                "2027-03-26T08:00:00Z",
                "2027-04-02T07:00:00Z",
                "2027-04-09T07:00:00Z",
                "2027-04-16T07:00:00Z"
            ]
        );
        assert_eq!(series.start, series.occurrences[0].start);
    }

    #[test]
    fn every_seeded_time_lies_inside_the_default_synced_window_on_any_day() {
        // Liaison's default window: from midnight UTC 30 days back to 365 days ahead.
        let mut today = noon(2026, 12, 1);
        while today < noon(2028, 1, 15) {
            let seed = Seed::contoso_at(today);
            let midnight = today.div_euclid(DAY_S) * DAY_S;
            let window = midnight - 30 * DAY_S..midnight + 365 * DAY_S;
            for e in &seed.tenants[0].events {
                for t in std::iter::once(&e.start).chain(e.occurrences.iter().map(|o| &o.start)) {
                    let at = epoch_seconds(t).unwrap();
                    assert!(window.contains(&at), "{} on {}", e.subject, rfc3339(today));
                }
                assert!(epoch_seconds(&e.created).unwrap() < epoch_seconds(&e.start).unwrap());
            }
            assert!(
                seed.tenants[0]
                    .users
                    .iter()
                    .any(|u| u.mail == "olga@contoso.com")
            );
            today += 5 * DAY_S + 3600;
        }
    }
}
