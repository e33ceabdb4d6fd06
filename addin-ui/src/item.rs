//! From what Office.js shows of an item to what the server's item API takes. Pure.

use liaison_domain::api::{EventDetails, ItemRef, SaveItemRequest};
use liaison_domain::permissions::{CreatedBy, ItemMode};

use crate::office::{Appointment, Mailbox};

/// The item as the server's API names it, or why it cannot be named.
pub fn item_ref(item: &Appointment, user: &Mailbox) -> Result<ItemRef, String> {
    let ical_uid = item
        .ical_uid
        .clone()
        .filter(|u| !u.is_empty())
        .ok_or("Outlook did not give this item's meeting identity (iCalUId)")?;
    let owner = item
        .shared
        .as_ref()
        .map(|s| s.owner.clone())
        .unwrap_or_else(|| user.email_address.clone());
    // A new meeting being composed (not saved yet, so no id) is the signed-in user's own.
    let created_by = if item.is_compose && item.rest_id.is_none() {
        CreatedBy::Delegate
    } else {
        created_by(&item.organizer, &owner, &user.email_address)
    };
    Ok(ItemRef {
        owner,
        ical_uid,
        graph_event_id: item.rest_id.clone(),
        office_delegate_permissions: item.shared.as_ref().map(|s| s.delegate_permissions),
        mode: if item.is_compose {
            ItemMode::Compose
        } else {
            ItemMode::Read
        },
        created_by,
        is_private: item.is_private,
        is_inbound_invite: created_by == CreatedBy::Other,
    })
}

/// Who created the item, as far as its organizer tells: the calendar owner, the signed-in
/// delegate, or someone else (an invitation).
fn created_by(organizer: &str, owner: &str, user: &str) -> CreatedBy {
    if organizer.eq_ignore_ascii_case(owner) {
        CreatedBy::Owner
    } else if organizer.eq_ignore_ascii_case(user) {
        CreatedBy::Delegate
    } else {
        CreatedBy::Other
    }
}

/// The Save request for the item with these records linked.
pub fn save_request(
    item: &Appointment,
    user: &Mailbox,
    target: ItemRef,
    records: Vec<String>,
) -> SaveItemRequest {
    SaveItemRequest {
        item: target,
        event: EventDetails {
            subject: item.subject.clone(),
            start: item.start.clone(),
            end: item.end.clone(),
            time_zone: user.time_zone.clone(),
            is_all_day: false,
            location: item.location.clone(),
        },
        link_record_ids: records,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::office::SharedProperties;

    fn user() -> Mailbox {
        Mailbox {
            display_name: "Ann".into(),
            email_address: "ann@contoso.com".into(),
            time_zone: "Europe/Paris".into(),
        }
    }

    fn item(organizer: &str, shared_owner: Option<&str>) -> Appointment {
        Appointment {
            rest_id: Some("AAMk-1".into()),
            ical_uid: Some("uid-1".into()),
            subject: "Review".into(),
            start: "2026-11-23T09:00:00.000Z".into(),
            end: "2026-11-23T10:00:00.000Z".into(),
            location: String::new(),
            organizer: organizer.into(),
            is_private: false,
            is_compose: false,
            shared: shared_owner.map(|o| SharedProperties {
                owner: o.into(),
                delegate_permissions: 63,
            }),
            categories: Vec::new(),
        }
    }

    #[test]
    fn an_item_of_a_delegated_calendar_names_its_owner_and_the_clients_bits() {
        let r = item_ref(&item("olga@contoso.com", Some("olga@contoso.com")), &user()).unwrap();
        assert_eq!(r.owner, "olga@contoso.com");
        assert_eq!(r.created_by, CreatedBy::Owner);
        assert_eq!(r.office_delegate_permissions, Some(63));
        assert!(!r.is_inbound_invite);
    }

    #[test]
    fn who_created_the_item_follows_its_organizer() {
        let mine = item_ref(&item("ann@contoso.com", Some("olga@contoso.com")), &user()).unwrap();
        let invite = item_ref(
            &item("margaret@fabrikam.example", Some("olga@contoso.com")),
            &user(),
        )
        .unwrap();
        let own_calendar = item_ref(&item("ann@contoso.com", None), &user()).unwrap();
        assert_eq!(mine.created_by, CreatedBy::Delegate);
        assert_eq!(
            (invite.created_by, invite.is_inbound_invite),
            (CreatedBy::Other, true)
        );
        assert_eq!(
            (own_calendar.owner.as_str(), own_calendar.created_by),
            ("ann@contoso.com", CreatedBy::Owner)
        );
    }

    #[test]
    fn a_new_meeting_being_composed_is_the_users_own() {
        let mut new = item("olga@contoso.com", Some("olga@contoso.com"));
        new.is_compose = true;
        new.rest_id = None;
        let r = item_ref(&new, &user()).unwrap();
        assert_eq!(
            (r.mode, r.created_by),
            (ItemMode::Compose, CreatedBy::Delegate)
        );
    }

    #[test]
    fn an_item_without_a_meeting_identity_cannot_be_named() {
        let mut no_uid = item("olga@contoso.com", None);
        no_uid.ical_uid = None;
        assert!(item_ref(&no_uid, &user()).is_err());
    }
}
