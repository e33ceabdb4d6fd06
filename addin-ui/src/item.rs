//! From what Office.js shows of an item to what the server's item API takes: the owner's
//! mailbox and the item's REST id, with the Office.js delegate bits (which may only lower the
//! server's verdict). Everything else the server learns from Microsoft Graph. Pure.

use liaison_domain::api::{ItemLookup, ItemRef, SaveItemRequest};

use crate::office::{Appointment, Mailbox};

/// The item as the server's API names it.
pub fn item_ref(item: &Appointment, user: &Mailbox) -> ItemRef {
    let owner = item
        .shared
        .as_ref()
        .map(|s| s.owner.clone())
        .unwrap_or_else(|| user.email_address.clone());
    // An item in read mode exists, id or not; in organizer mode only one with an id surely
    // does (without one it may be a new meeting): only those may be looked up by their times.
    let exists = !item.is_compose || item.rest_id.is_some();
    let lookup = match (&item.start, &item.end) {
        (Some(start), Some(end)) if exists => Some(ItemLookup {
            start: start.clone(),
            end: end.clone(),
            subject: item.subject.clone(),
        }),
        _ => None,
    };
    ItemRef {
        owner,
        item_id: item.rest_id.clone(),
        office_delegate_permissions: item.shared.as_ref().map(|s| s.delegate_permissions),
        lookup,
    }
}

/// The Save request for the item with these records linked.
pub fn save_request(target: ItemRef, records: Vec<String>) -> SaveItemRequest {
    SaveItemRequest {
        item: target,
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
        }
    }

    fn item(shared_owner: Option<&str>) -> Appointment {
        Appointment {
            rest_id: Some("AAMk-1".into()),
            subject: "Review".into(),
            is_compose: false,
            shared: shared_owner.map(|o| SharedProperties {
                owner: o.into(),
                delegate_permissions: 63,
            }),
            categories: Vec::new(),
            start: None,
            end: None,
            organizer: None,
        }
    }

    #[test]
    fn an_item_of_a_delegated_calendar_names_its_owner_and_the_clients_bits() {
        let r = item_ref(&item(Some("olga@contoso.com")), &user());
        assert_eq!(r.owner, "olga@contoso.com");
        assert_eq!(r.item_id.as_deref(), Some("AAMk-1"));
        assert_eq!(r.office_delegate_permissions, Some(63));
    }

    #[test]
    fn an_item_of_ones_own_calendar_is_ones_own_and_states_nothing_else() {
        let r = item_ref(&item(None), &user());
        assert_eq!(r.owner, "ann@contoso.com");
        assert_eq!(r.office_delegate_permissions, None);
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(
            json,
            serde_json::json!({ "owner": "ann@contoso.com", "itemId": "AAMk-1" })
        );
    }

    #[test]
    fn a_new_meeting_not_saved_yet_has_no_id() {
        let mut new = item(Some("olga@contoso.com"));
        new.is_compose = true;
        new.rest_id = None;
        assert_eq!(item_ref(&new, &user()).item_id, None);
    }

    #[test]
    fn an_existing_item_comes_with_its_times_to_be_found_by_and_a_new_meeting_does_not() {
        let times = |mut a: Appointment| {
            a.start = Some("2026-12-07T09:00:00.000Z".into());
            a.end = Some("2026-12-07T10:00:00.000Z".into());
            a
        };
        // Read mode without an id (an Outlook issue in shared calendars): it exists.
        let mut read = times(item(Some("olga@contoso.com")));
        read.rest_id = None;
        let lookup = item_ref(&read, &user()).lookup.unwrap();
        assert_eq!(
            (lookup.start.as_str(), lookup.subject.as_str()),
            ("2026-12-07T09:00:00.000Z", "Review")
        );
        // Organizer mode with an id: it exists too.
        let mut composed = times(item(Some("olga@contoso.com")));
        composed.is_compose = true;
        assert!(item_ref(&composed, &user()).lookup.is_some());
        // Organizer mode without an id: perhaps a new meeting, never looked up.
        composed.rest_id = None;
        assert_eq!(item_ref(&composed, &user()).lookup, None);
    }
}
