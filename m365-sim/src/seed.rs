//! The tenants, users and delegate grants a simulator starts with.
//!
//! [`Seed::contoso`] is the demo's world: one Organizer and a delegate at every level Outlook
//! offers, so that every permission rule can be tried without a Microsoft tenant.

use serde::Serialize;

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
    /// Weekly occurrences when this is a series (its occurrences follow the first one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weekly_occurrences: Option<u8>,
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

/// An hour-long event in `owner`'s calendar, created by `creator` (a mailbox name at
/// contoso.com, with its display name); organized by the owner, as Exchange does for items made
/// in the owner's calendar.
fn event(
    n: u8,
    owner: &str,
    subject: &str,
    start: &str,
    creator: (&str, &str),
    sensitivity: &str,
) -> Event {
    // `start` is `YYYY-MM-DDTHH:MM:SSZ` before 23:00: the end is the next hour.
    let hour: u8 = start[11..13].parse().expect("an hour");
    let end = format!("{}{:02}{}", &start[..11], hour + 1, &start[13..]);
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
        start: start.into(),
        end,
        time_zone: "W. Europe Standard Time".into(),
        location: "Teams meeting".into(),
        organizer: format!("{owner}@contoso.com"),
        organizer_name: owner_name.into(),
        created_by: format!("{}@contoso.com", creator.0),
        created_by_name: creator.1.into(),
        attendees: vec!["nancy.davolio@northwind.example".into()],
        sensitivity: sensitivity.into(),
        categories: Vec::new(),
        weekly_occurrences: None,
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

impl Seed {
    /// The demo's tenant: Olga (Organizer, sync on) and her delegates at each level, and Otto
    /// (Organizer, sync off) whom Ann also assists.
    pub fn contoso() -> Self {
        let tenant_id = "6f1c2a5e-2b1d-4c1e-9a57-7c0d3e1b9a01";
        let user = |n: u8, name: &str, mail: &str| User {
            id: format!("0000000{n}-aaaa-4bbb-8ccc-00000000000{n}"),
            display_name: name.into(),
            mail: mail.into(),
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
                        "2026-11-23T09:00:00Z",
                        ("olga", "Olga Organizer"),
                        "normal",
                    ),
                    // Made by Ann in Olga's calendar: organized by Olga, created by Ann.
                    event(
                        2,
                        "olga",
                        "Adventure Works intro call",
                        "2026-11-23T13:00:00Z",
                        ("ann", "Ann Editor"),
                        "normal",
                    ),
                    event(
                        3,
                        "olga",
                        "Tailspin lead follow-up",
                        "2026-11-24T10:00:00Z",
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
                            "2026-11-24T15:00:00Z",
                            ("olga", "Olga Organizer"),
                            "normal",
                        )
                    },
                    event(
                        5,
                        "olga",
                        "Doctor's appointment",
                        "2026-11-25T08:00:00Z",
                        ("olga", "Olga Organizer"),
                        "private",
                    ),
                    event(
                        6,
                        "otto",
                        "Board preparation",
                        "2026-11-25T14:00:00Z",
                        ("otto", "Otto Organizer"),
                        "normal",
                    ),
                    event(
                        7,
                        "ann",
                        "Ann's planning session",
                        "2026-11-26T09:00:00Z",
                        ("ann", "Ann Editor"),
                        "normal",
                    ),
                    event(
                        8,
                        "arthur",
                        "Arthur's pipeline review",
                        "2026-11-26T11:00:00Z",
                        ("arthur", "Arthur Author"),
                        "normal",
                    ),
                    Event {
                        weekly_occurrences: Some(4),
                        ..event(
                            9,
                            "olga",
                            "Weekly pipeline sync",
                            "2026-11-27T08:00:00Z",
                            ("olga", "Olga Organizer"),
                            "normal",
                        )
                    },
                ],
            }],
            google_accounts: vec![GoogleAccount {
                sub: "110248495921238986420".into(),
                email: "olga@contoso-workspace.example".into(),
                name: "Olga Organizer".into(),
                events: vec![("Lunch with Northwind".into(), "2026-11-23T12:00:00Z".into())],
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

    #[test]
    fn seeded_events_last_an_hour_and_belong_to_seeded_mailboxes() {
        let seed = Seed::contoso();
        let tenant = &seed.tenants[0];
        for event in &tenant.events {
            assert_eq!(&event.end[..11], &event.start[..11], "{}", event.subject);
            let hours = |t: &str| t[11..13].parse::<u8>().unwrap();
            assert_eq!(hours(&event.end), hours(&event.start) + 1);
            assert!(tenant.users.iter().any(|u| u.mail == event.calendar_owner));
        }
        let review = tenant
            .events
            .iter()
            .find(|e| e.subject.contains("pipeline"))
            .unwrap();
        assert_eq!(review.end, "2026-11-26T12:00:00Z");
    }
}
