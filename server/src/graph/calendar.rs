//! The Graph calls Liaison makes, each on [`GraphClient::send`] with its [`Operation`]: the
//! user's profile, an Organizer's delegates, an event, the delegate's view of a calendar, delta
//! pages, categories, change-notification subscriptions.

use reqwest::Method;
use secrecy::SecretString;
use serde_json::json;

use crate::graph::client::{GraphClient, GraphError, Operation};
use crate::graph::model::{
    CREATOR_NAME_PROPERTY, CalendarPermission, DeltaPage, GraphEvent, GraphUser, MasterCategory,
    SharedCalendar,
};

/// The fields of an event the item facts read (`$select`).
const EVENT_FIELDS: &str = "id,iCalUId,type,seriesMasterId,sensitivity,isOrganizer,organizer,\
     subject,start,end,originalStartTimeZone,isAllDay,location,attendees,isCancelled,categories";

/// Percent-encodes one path segment or query value (ids may hold `/`, `+`, `=`).
fn encode_segment(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

impl GraphClient {
    /// `GET /me`.
    pub async fn me(&self, token: &SecretString, mailbox: &str) -> Result<GraphUser, GraphError> {
        let value = self
            .send(Operation::Me, token, mailbox, Method::GET, "/me", None)
            .await?;
        serde_json::from_value(value).map_err(|e| GraphError::Decode(e.to_string()))
    }

    /// The Organizer's delegates and sharees (`/me/calendar/calendarPermissions`), all pages.
    pub async fn calendar_permissions(
        &self,
        token: &SecretString,
        mailbox: &str,
    ) -> Result<Vec<CalendarPermission>, GraphError> {
        let items = self
            .all_pages(
                Operation::CalendarPermissions,
                token,
                mailbox,
                "/me/calendar/calendarPermissions",
            )
            .await?;
        items
            .into_iter()
            .map(|v| serde_json::from_value(v).map_err(|e| GraphError::Decode(e.to_string())))
            .collect()
    }

    /// One event of `owner`'s calendar (`me` for the caller's own) by its id of either form,
    /// read with the caller's token: Graph answers only what the caller may see (404 or 403
    /// otherwise; a private item without private access comes without its details). The
    /// answer's ids are immutable (the `Prefer` header every call sends), and it carries the
    /// creator's name Exchange keeps ([`CREATOR_NAME_PROPERTY`]).
    pub async fn event(
        &self,
        token: &SecretString,
        owner: &str,
        event_id: &str,
    ) -> Result<GraphEvent, GraphError> {
        let (op, user) = if owner == "me" {
            (Operation::OwnEvent, "me".to_owned())
        } else {
            (
                Operation::SharedEvent,
                format!("users/{}", encode_segment(owner)),
            )
        };
        let path = format!(
            "/{user}/events/{}?$select={}&$expand={}",
            encode_segment(event_id),
            EVENT_FIELDS,
            encode_segment(&format!(
                "singleValueExtendedProperties($filter=id eq '{CREATOR_NAME_PROPERTY}')"
            )),
        );
        let value = self
            .send(op, token, owner, Method::GET, &path, None)
            .await?;
        serde_json::from_value(value).map_err(|e| GraphError::Decode(e.to_string()))
    }

    /// The owner's calendar as the delegate sees it.
    pub async fn shared_calendar(
        &self,
        token: &SecretString,
        owner_id: &str,
    ) -> Result<SharedCalendar, GraphError> {
        let path = format!("/users/{}/calendar", encode_segment(owner_id));
        let value = self
            .send(
                Operation::SharedCalendar,
                token,
                owner_id,
                Method::GET,
                &path,
                None,
            )
            .await?;
        serde_json::from_value(value).map_err(|e| GraphError::Decode(e.to_string()))
    }

    /// One page of the Organizer's `calendarView/delta`: the first round's page when `link` is
    /// `None` (for the window), else the page `link` points at.
    pub async fn delta_page(
        &self,
        token: &SecretString,
        mailbox: &str,
        link: Option<&str>,
        window: (&str, &str),
    ) -> Result<DeltaPage, GraphError> {
        let first;
        let target = match link {
            Some(link) => link,
            None => {
                first = format!(
                    "/me/calendarView/delta?startDateTime={}&endDateTime={}",
                    encode_segment(window.0),
                    encode_segment(window.1)
                );
                &first
            }
        };
        let value = self
            .send(
                Operation::CalendarViewDelta,
                token,
                mailbox,
                Method::GET,
                target,
                None,
            )
            .await?;
        serde_json::from_value(value).map_err(|e| GraphError::Decode(e.to_string()))
    }

    /// Sets an event's whole category list (the only write Liaison makes to Outlook items).
    pub async fn write_categories(
        &self,
        token: &SecretString,
        mailbox: &str,
        event_id: &str,
        categories: &[String],
    ) -> Result<(), GraphError> {
        let path = format!("/me/events/{}", encode_segment(event_id));
        self.send(
            Operation::WriteCategories,
            token,
            mailbox,
            Method::PATCH,
            &path,
            Some(&json!({ "categories": categories })),
        )
        .await
        .map(drop)
    }

    /// The categories an event of the Organizer's calendar carries now.
    pub async fn event_categories(
        &self,
        token: &SecretString,
        mailbox: &str,
        event_id: &str,
    ) -> Result<Vec<String>, GraphError> {
        let path = format!("/me/events/{}?$select=categories", encode_segment(event_id));
        let value = self
            .send(
                Operation::WriteCategories,
                token,
                mailbox,
                Method::GET,
                &path,
                None,
            )
            .await?;
        serde_json::from_value(value["categories"].clone())
            .map_err(|e| GraphError::Decode(e.to_string()))
    }

    /// The Organizer's master category list.
    pub async fn master_categories(
        &self,
        token: &SecretString,
        mailbox: &str,
    ) -> Result<Vec<MasterCategory>, GraphError> {
        let items = self
            .all_pages(
                Operation::MasterCategories,
                token,
                mailbox,
                "/me/outlook/masterCategories",
            )
            .await?;
        items
            .into_iter()
            .map(|v| serde_json::from_value(v).map_err(|e| GraphError::Decode(e.to_string())))
            .collect()
    }

    /// Adds a category to the Organizer's master list.
    pub async fn create_master_category(
        &self,
        token: &SecretString,
        mailbox: &str,
        name: &str,
        color: &str,
    ) -> Result<MasterCategory, GraphError> {
        let value = self
            .send(
                Operation::MasterCategories,
                token,
                mailbox,
                Method::POST,
                "/me/outlook/masterCategories",
                Some(&json!({ "displayName": name, "color": color.to_lowercase() })),
            )
            .await?;
        serde_json::from_value(value).map_err(|e| GraphError::Decode(e.to_string()))
    }

    /// Subscribes to change notifications on the Organizer's events; Graph first checks that
    /// `notification_url` echoes its validation token. Returns the subscription id.
    pub async fn create_subscription(
        &self,
        token: &SecretString,
        mailbox: &str,
        urls: (&str, &str),
        client_state: &str,
        expires: &str,
    ) -> Result<String, GraphError> {
        let value = self
            .send(
                Operation::Subscriptions,
                token,
                mailbox,
                Method::POST,
                "/subscriptions",
                Some(&json!({
                    "changeType": "created,updated,deleted",
                    "notificationUrl": urls.0,
                    "lifecycleNotificationUrl": urls.1,
                    "resource": "/me/events",
                    "expirationDateTime": expires,
                    "clientState": client_state,
                })),
            )
            .await?;
        value["id"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| GraphError::Decode("a subscription without an id".into()))
    }

    /// Extends a subscription to `expires`.
    pub async fn renew_subscription(
        &self,
        token: &SecretString,
        mailbox: &str,
        id: &str,
        expires: &str,
    ) -> Result<(), GraphError> {
        let path = format!("/subscriptions/{}", encode_segment(id));
        self.send(
            Operation::Subscriptions,
            token,
            mailbox,
            Method::PATCH,
            &path,
            Some(&json!({ "expirationDateTime": expires })),
        )
        .await
        .map(drop)
    }
}
