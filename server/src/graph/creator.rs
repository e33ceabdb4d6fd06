//! The caller's identity in Exchange's address book, learned the one documented way Liaison
//! found: `PidTagCreatorEntryId` is set by Exchange to whoever creates an item (MS-OXPROPS
//! 2.655), so an item the caller creates in their own calendar with their own token carries
//! theirs. Graph gives no user's address-book DN (`legacyExchangeDN` is not a property of
//! Graph's `user`), and a display name is not an identity.
//!
//! The probe item is made to pass unnoticed: in the year 2000, a quarter of an hour, free, no
//! reminder, private, no attendees (nothing is sent) — and permanently deleted at once
//! (`permanentDelete`, `Calendars.ReadWrite`), so it does not even wait in Deleted Items.

use reqwest::Method;
use secrecy::SecretString;
use serde_json::json;

use crate::graph::calendar::{creator_expansion, decoded, encode_segment};
use crate::graph::client::{GraphClient, GraphError, Operation};
use crate::graph::entry_id::AddressBookId;
use crate::graph::model::GraphEvent;

/// The probe's subject, which says what it is to anyone who sees it in a mailbox audit.
pub const PROBE_SUBJECT: &str = "Liaison identity check (deleted at once)";

impl GraphClient {
    /// Who the caller is in Exchange's address book: creates the probe item in their own
    /// calendar, reads its creator, deletes it. `None` when Exchange gave no address-book
    /// EntryID. A probe that cannot be deleted is logged (it stays, free, in the year 2000).
    pub async fn my_address_book_id(
        &self,
        token: &SecretString,
        mailbox: &str,
    ) -> Result<Option<AddressBookId>, GraphError> {
        let probe = json!({
            "subject": PROBE_SUBJECT,
            "body": {
                "contentType": "text",
                "content": "Liaison created this item to learn who you are in Exchange's address \
                            book, and deleted it at once.",
            },
            "start": { "dateTime": "2000-01-01T00:00:00", "timeZone": "UTC" },
            "end": { "dateTime": "2000-01-01T00:15:00", "timeZone": "UTC" },
            "showAs": "free",
            "isReminderOn": false,
            "sensitivity": "private",
        });
        let created = self
            .send(
                Operation::IdentityProbe,
                token,
                mailbox,
                Method::POST,
                "/me/events",
                Some(&probe),
            )
            .await?;
        let id = created["id"]
            .as_str()
            .ok_or_else(|| GraphError::Decode("the created item has no id".into()))?
            .to_owned();
        let path = format!(
            "/me/events/{}?$select=id&$expand={}",
            encode_segment(&id),
            creator_expansion()
        );
        let read = self
            .send(
                Operation::OwnEvent,
                token,
                mailbox,
                Method::GET,
                &path,
                None,
            )
            .await;
        let delete = format!("/me/events/{}/permanentDelete", encode_segment(&id));
        if let Err(error) = self
            .send(
                Operation::IdentityProbe,
                token,
                mailbox,
                Method::POST,
                &delete,
                None,
            )
            .await
        {
            tracing::warn!(%error, "the identity probe item could not be deleted");
        }
        let event: GraphEvent = decoded(read?)?;
        Ok(event.creator_id())
    }
}
