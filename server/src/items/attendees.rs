//! The meeting's people as Graph showed the item to the user — its organizer, then its
//! attendees, each once — with the contact or lead each one's address matches among the
//! records the user may see. Nothing for those who may not see the item's details. Graph's
//! `attendee` resource gives each one's `emailAddress` ("the name and SMTP address of the
//! attendee") and `type`; a `resource` (a room, equipment) is nobody to have a record of, and
//! is left out (learn.microsoft.com/graph/api/resources/attendee).

use liaison_domain::api::{Attendee, email_address};

use crate::graph::model::{GraphEvent, Recipient};
use crate::items::error::ItemError;
use crate::items::facts::Gathered;
use crate::items::service::Items;
use crate::store::User;

/// People shown at most: a meeting of hundreds is a broadcast, not a list to link from.
const MAX_ATTENDEES: usize = 100;

impl Items {
    pub(super) async fn attendees(
        &self,
        caller: &User,
        gathered: &Gathered,
    ) -> Result<Vec<Attendee>, ItemError> {
        let Some(event) = gathered
            .event_seen()
            .filter(|_| gathered.resolution.shows_item_status())
        else {
            return Ok(Vec::new());
        };
        let people = people(event);
        let addresses: Vec<String> = people.iter().map(|p| p.address.clone()).collect();
        let matches = self
            .store
            .records_by_address(&caller.tenant_id, &caller.id, &addresses)
            .await?;
        Ok(people
            .into_iter()
            .map(|mut person| {
                // By name: the first record with the address.
                person.record = matches
                    .iter()
                    .find(|(address, _)| *address == person.address)
                    .map(|(_, record)| record.clone());
                person
            })
            .collect())
    }
}

/// The organizer, then the attendees, each address once (lower-case), at most
/// [`MAX_ATTENDEES`].
fn people(event: &GraphEvent) -> Vec<Attendee> {
    let organizer = event.organizer.iter().map(|r| (r, true));
    let attendees = event
        .attendees
        .iter()
        .filter(|r| r.kind.as_deref() != Some("resource"))
        .map(|r| (r, false));
    let mut people: Vec<Attendee> = Vec::new();
    for (recipient, is_organizer) in organizer.chain(attendees) {
        let Some((address, name)) = named_address(recipient) else {
            continue;
        };
        if people.len() < MAX_ATTENDEES && !people.iter().any(|p| p.address == address) {
            people.push(Attendee {
                address,
                name,
                is_organizer,
                record: None,
            });
        }
    }
    people
}

fn named_address(recipient: &Recipient) -> Option<(String, String)> {
    let email = recipient.email_address.as_ref()?;
    let address = email_address(email.address.as_deref()?)?;
    let name = email.name.clone().unwrap_or_default().trim().to_owned();
    Some((address, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_organizer_comes_first_and_each_address_once() {
        let event: GraphEvent = serde_json::from_value(serde_json::json!({
            "id": "AAMk",
            "organizer": { "emailAddress": { "name": "Olga", "address": "Olga@Contoso.com" } },
            "attendees": [
                { "type": "required", "emailAddress": { "name": "Olga", "address": "olga@contoso.com" } },
                { "type": "required", "emailAddress": { "name": "Ada", "address": "ADA@analytical.example" } },
                { "type": "optional", "emailAddress": { "name": "No address" } },
                { "type": "optional", "emailAddress": { "address": "not an address" } },
                { "type": "resource", "emailAddress": { "name": "Room 1", "address": "room1@contoso.com" } }
            ]
        }))
        .unwrap();
        let people = people(&event);
        let shown: Vec<(&str, bool)> = people
            .iter()
            .map(|p| (p.address.as_str(), p.is_organizer))
            .collect();
        assert_eq!(
            shown,
            [
                ("olga@contoso.com", true),
                ("ada@analytical.example", false)
            ]
        );
        assert_eq!(people[1].name, "Ada");
    }
}
