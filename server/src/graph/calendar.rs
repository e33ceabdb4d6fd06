//! The Graph calls Liaison makes, each on [`GraphClient::send`] with its [`Operation`]: the
//! user's profile, an Organizer's delegates, an event, a delegate's calendar list, delta
//! pages, categories, change-notification subscriptions.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::Method;
use secrecy::SecretString;
use serde_json::json;

use crate::graph::client::{GraphClient, GraphError, Operation};
use crate::graph::model::{
    CREATOR_ENTRY_ID_PROPERTY, Calendar, CalendarPermission, DeltaPage, GraphEvent, GraphUser,
    MasterCategory, is_exchange_id,
};

/// The fields of an event the item facts read (`$select`).
const EVENT_FIELDS: &str = "id,iCalUId,type,seriesMasterId,sensitivity,isOrganizer,organizer,\
     subject,start,end,originalStartTimeZone,isAllDay,location,attendees,isCancelled,categories";

/// What [`encode_segment`] leaves as it is: RFC 3986's unreserved characters (letters, digits,
/// `-`, `.`, `_`, `~`). A segment `.` or `..` would still be a dot segment, encoded or not (the
/// URL standard reads `%2E%2E` as `..`), so item ids are checked first ([`is_exchange_id`]).
const SEGMENT_KEEPS: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes `text` as one path segment or query value: ids may hold `/`, `+`, `=`; a
/// space is `%20`, as Microsoft's examples write the spaces of a `$filter` ("Make sure you apply
/// URL encoding to the space characters in the filter string", singlevaluelegacyextendedproperty-
/// get.md).
pub(crate) fn encode_segment(text: &str) -> String {
    utf8_percent_encode(text, SEGMENT_KEEPS).to_string()
}

/// A Graph answer read as `T`; what does not read is `GraphError::Decode`.
pub(crate) fn decoded<T: serde::de::DeserializeOwned>(
    value: serde_json::Value,
) -> Result<T, GraphError> {
    serde_json::from_value(value).map_err(|e| GraphError::Decode(e.to_string()))
}

/// Whose events a read names, and the limiter's operation: `/me` for the caller's own,
/// `/users/{owner}` for another's (read with the caller's token either way).
fn whose_events(owner: &str, caller_is_owner: bool) -> (Operation, String) {
    if caller_is_owner {
        (Operation::OwnEvent, "me".to_owned())
    } else {
        (
            Operation::SharedEvent,
            format!("users/{}", encode_segment(owner)),
        )
    }
}

/// The fields an item read asks for, with the creator's identity Exchange keeps.
fn event_query() -> String {
    format!("$select={EVENT_FIELDS}&$expand={}", creator_expansion())
}

/// `$expand` of the creator's `PidTagCreatorEntryId`, encoded.
pub(crate) fn creator_expansion() -> String {
    encode_segment(&format!(
        "singleValueExtendedProperties($filter=id eq '{CREATOR_ENTRY_ID_PROPERTY}')"
    ))
}

impl GraphClient {
    /// `GET /me`.
    pub async fn me(&self, token: &SecretString, mailbox: &str) -> Result<GraphUser, GraphError> {
        let value = self
            .send(Operation::Me, token, mailbox, Method::GET, "/me", None)
            .await?;
        decoded(value)
    }

    /// The caller's SMTP addresses (`GET /me?$select=mail,proxyAddresses`, `User.Read`).
    pub async fn my_addresses(
        &self,
        token: &SecretString,
        mailbox: &str,
    ) -> Result<Vec<String>, GraphError> {
        let value = self
            .send(
                Operation::Me,
                token,
                mailbox,
                Method::GET,
                "/me?$select=id,mail,proxyAddresses",
                None,
            )
            .await?;
        let user: GraphUser = decoded(value)?;
        Ok(user.smtp_addresses())
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
        items.into_iter().map(decoded).collect()
    }

    /// One event of the calendar of `owner` (a user id) by its id of either form, read with
    /// the caller's token (`/me/events/…` when the caller is the owner, `caller_is_owner`):
    /// Graph answers only what the caller may see (404 or 403 otherwise; a private item without
    /// private access comes without its details). The answer's ids are immutable (the `Prefer`
    /// header every call sends), and it carries the creator's identity Exchange keeps
    /// ([`CREATOR_ENTRY_ID_PROPERTY`]). Throttling is per mailbox: the owner's limiter, whoever asks.
    pub async fn event(
        &self,
        token: &SecretString,
        owner: &str,
        caller_is_owner: bool,
        event_id: &str,
    ) -> Result<GraphEvent, GraphError> {
        if !is_exchange_id(event_id) {
            // Not an id Exchange gives: no such item (and no path a dot segment could rewrite).
            return Err(GraphError::NotFound {
                code: "ErrorInvalidIdMalformed".into(),
            });
        }
        let (op, user) = whose_events(owner, caller_is_owner);
        let path = format!(
            "/{user}/events/{}?{}",
            encode_segment(event_id),
            event_query()
        );
        let value = self
            .send(op, token, owner, Method::GET, &path, None)
            .await?;
        decoded(value)
    }

    /// The events of `owner`'s calendar from `start` to `end` (RFC 3339), read with the caller's
    /// token as `event` reads one (`/users/{owner}/calendarView`, or `/me/…` for the owner:
    /// "Get shared or delegated Outlook calendar events", `Calendars.Read.Shared`), all pages.
    pub async fn events_between(
        &self,
        token: &SecretString,
        owner: &str,
        caller_is_owner: bool,
        (start, end): (&str, &str),
    ) -> Result<Vec<GraphEvent>, GraphError> {
        let (op, user) = whose_events(owner, caller_is_owner);
        let path = format!(
            "/{user}/calendarView?startDateTime={}&endDateTime={}&{}",
            encode_segment(start),
            encode_segment(end),
            event_query()
        );
        let items = self.all_pages(op, token, owner, &path).await?;
        items.into_iter().map(decoded).collect()
    }

    /// The caller's calendars (`/me/calendars`), all pages: their own, and their copies of the
    /// calendars shared with or delegated to them that they added in Outlook.
    pub async fn my_calendars(
        &self,
        token: &SecretString,
        mailbox: &str,
    ) -> Result<Vec<Calendar>, GraphError> {
        let items = self
            .all_pages(
                Operation::MyCalendars,
                token,
                mailbox,
                "/me/calendars?$select=id,name,canEdit,canViewPrivateItems,owner",
            )
            .await?;
        items.into_iter().map(decoded).collect()
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
        decoded(value)
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
        items.into_iter().map(decoded).collect()
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
        decoded(value)
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

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use axum::extract::State;
    use axum::http::Uri;
    use tokio::sync::Semaphore;

    use super::*;

    #[test]
    fn an_id_is_one_path_segment_and_spaces_are_percent_twenty() {
        assert_eq!(encode_segment("AAMk+a/b=_-~"), "AAMk%2Ba%2Fb%3D_-~");
        assert!(is_exchange_id("AAMkADemo-0001_A="));
        assert!(is_exchange_id("AAMk+a/b=="));
        for not_an_id in ["", ".", "..", "a.b", "a%2E", "a b", "a?b", "a#b", "a\\b"] {
            assert!(!is_exchange_id(not_an_id), "{not_an_id}");
        }
        assert_eq!(encode_segment("id eq 'x'"), "id%20eq%20%27x%27");
    }

    /// A Graph stand-in that records every request's path and query and answers an event only
    /// once `release` hands out a permit.
    #[derive(Clone)]
    struct Held {
        seen: Arc<Mutex<Vec<String>>>,
        release: Arc<Semaphore>,
    }

    async fn held(State(held): State<Held>, uri: Uri) -> axum::Json<serde_json::Value> {
        held.seen.lock().unwrap().push(uri.to_string());
        held.release.acquire().await.unwrap().forget();
        axum::Json(json!({ "id": "AAkALgAA-1" }))
    }

    #[tokio::test]
    async fn reads_of_different_mailboxes_own_items_do_not_share_one_limiter() {
        let state = Held {
            seen: Arc::default(),
            release: Arc::new(Semaphore::new(0)),
        };
        let app = axum::Router::new().fallback(held).with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/v1.0", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        let client = Arc::new(GraphClient::new(reqwest::Client::new(), &base));
        let token = SecretString::from("token");
        let read = |owner: &'static str, id: &'static str| {
            let (client, token) = (client.clone(), token.clone());
            tokio::spawn(async move { client.event(&token, owner, true, id).await })
        };
        // An id Exchange never gives is no item, and no request is sent.
        assert!(matches!(
            client.event(&token, "olga-id", true, "..").await,
            Err(GraphError::NotFound { .. })
        ));
        // Four reads of Olga's own items fill her mailbox's in-flight limit...
        let olga: Vec<_> = (0..4).map(|_| read("olga-id", "AAMk-olga=")).collect();
        // ...and Otto's own read is not held behind them (it used to share one "me" limiter
        // with every mailbox of every tenant).
        let otto = read("otto-id", "AAMk-otto=");
        let arrived = async {
            while state.seen.lock().unwrap().len() < 5 {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        };
        let all_in = tokio::time::timeout(Duration::from_secs(10), arrived).await;
        state.release.add_permits(5);
        assert!(all_in.is_ok(), "Otto's read waited for Olga's mailbox");
        for read in olga {
            read.await.unwrap().unwrap();
        }
        otto.await.unwrap().unwrap();
        let seen = state.seen.lock().unwrap().clone();
        // Each id is one segment, and the creator filter's spaces are `%20`.
        assert!(
            seen.iter()
                .any(|uri| uri.starts_with("/v1.0/me/events/AAMk-olga%3D?")),
            "{seen:?}"
        );
        assert!(
            seen.iter()
                .all(|uri| uri.contains("id%20eq%20%27Binary%200x3FF9%27")),
            "{seen:?}"
        );
    }

    /// A server that counts the requests it gets and answers `page` to every one.
    async fn answering(page: serde_json::Value) -> (String, Arc<Mutex<Vec<String>>>) {
        let seen: Arc<Mutex<Vec<String>>> = Arc::default();
        let recorded = seen.clone();
        let app = axum::Router::new().fallback(move |uri: Uri| {
            let (recorded, page) = (recorded.clone(), page.clone());
            async move {
                recorded.lock().unwrap().push(uri.to_string());
                axum::Json(page)
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (url, seen)
    }

    /// A `nextLink` or a stored `deltaLink` that points anywhere but the configured Graph — another
    /// port, a look-alike path, credentials before the host — is never followed: the token stays.
    #[tokio::test]
    async fn links_to_anywhere_but_the_configured_graph_are_never_followed() {
        let (elsewhere, elsewhere_seen) = answering(json!({ "value": [] })).await;
        let foreign = [
            format!("{elsewhere}/v1.0/me/calendarView/delta?$skiptoken=x"),
            format!("{elsewhere}/v1.0evil/x"),
        ];
        for link in &foreign {
            let (graph, graph_seen) =
                answering(json!({ "value": [], "@odata.nextLink": link })).await;
            let client = GraphClient::new(reqwest::Client::new(), &format!("{graph}/v1.0"));
            let token = SecretString::from("token");
            // A page of Graph's own that names the foreign link next.
            let paged = client
                .all_pages(
                    Operation::CalendarPermissions,
                    &token,
                    "olga-id",
                    "/me/calendar/calendarPermissions",
                )
                .await;
            assert!(matches!(paged, Err(GraphError::Decode(_))), "{link}");
            assert_eq!(graph_seen.lock().unwrap().len(), 1);
            // A delta link as if it had been stored tampered with.
            let delta = client
                .delta_page(&token, "olga-id", Some(link), ("", ""))
                .await;
            assert!(matches!(delta, Err(GraphError::Decode(_))), "{link}");
            // A look-alike path on Graph's own host and port.
            let look_alike = format!("{graph}/v1.0evil/me");
            let delta = client
                .delta_page(&token, "olga-id", Some(&look_alike), ("", ""))
                .await;
            assert!(matches!(delta, Err(GraphError::Decode(_))), "{look_alike}");
            assert_eq!(graph_seen.lock().unwrap().len(), 1);
        }
        let with_credentials = "http://graph.example@127.0.0.1:1/v1.0/me";
        let client = GraphClient::new(reqwest::Client::new(), "http://graph.example/v1.0");
        let delta = client
            .delta_page(
                &SecretString::from("t"),
                "m",
                Some(with_credentials),
                ("", ""),
            )
            .await;
        assert!(matches!(delta, Err(GraphError::Decode(_))));
        assert!(
            elsewhere_seen.lock().unwrap().is_empty(),
            "the token went elsewhere"
        );
    }
}
