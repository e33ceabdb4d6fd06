//! Calls to Liaison's server, which serves the pane, so every URL is same-origin. The session
//! token lives in memory only: never in localStorage or a cookie.

use std::fmt;

use liaison_domain::api::{
    BookingCalendars, BookingLinkRequest, CrmRecord, DialogCode, ErrorBody, ErrorCode, FreeSlots,
    FreeSlotsRequest, Health, ItemContext, ItemRef, Me, Person, RecordKind, RecordPage,
    SaveItemRequest, SaveItemResponse, SessionGrant, SyncRun, SyncSetting, UnlinkRequest,
};

use crate::http::Request;
use crate::json;
use crate::office;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Why a call to the server failed, in words a person can act on.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiFailure {
    /// The server could not be reached at all.
    Network(String),
    /// The server answered with an error body.
    Server(ErrorBody),
    /// The server answered something this pane does not understand.
    Unexpected(String),
    /// Office (single sign-on, the dialog) refused or failed.
    Office(String),
}

impl ApiFailure {
    /// Whether this only asks the person to sign in interactively (nobody has consented yet, or
    /// the identity provider wants them at its page) rather than reporting a fault.
    pub fn asks_to_sign_in(&self) -> bool {
        matches!(self, Self::Server(body)
            if matches!(body.code, ErrorCode::ConsentRequired | ErrorCode::InteractionRequired))
    }
}

impl fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Network(e) => write!(f, "the Liaison server cannot be reached ({e})"),
            Self::Server(body) => f.write_str(&body.message),
            Self::Unexpected(e) => write!(f, "the Liaison server gave an unexpected answer ({e})"),
            Self::Office(e) => write!(f, "Outlook said: {e}"),
        }
    }
}

/// `GET /healthz`
pub async fn health() -> Result<Health, ApiFailure> {
    parse(send(Ok(Request::get("/healthz"))).await)
}

/// A signed-in session: the bearer token the server gave, held in memory.
#[derive(Clone, PartialEq)]
pub struct Session {
    token: String,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Session(..)")
    }
}

impl Session {
    /// Signs in silently with Office SSO: the token Office gives goes to the server, which
    /// answers a session. Fails (e.g. `consent_required`) when an interactive sign-in is needed.
    pub async fn sign_in() -> Result<Self, ApiFailure> {
        let sso = office::sso_token()
            .await
            .map_err(|e| ApiFailure::Office(e.message))?;
        let request =
            Request::post("/api/session/sso").header("Authorization", format!("Bearer {sso}"));
        let grant: SessionGrant = parse(send(Ok(request)).await)?;
        Ok(Self { token: grant.token })
    }

    /// Signs in through the Office dialog (Microsoft's sign-in and consent pages); the dialog
    /// hands back a one-time code, never a token, which the server trades for a session.
    pub async fn sign_in_with_dialog() -> Result<Self, ApiFailure> {
        let origin = web_sys::window()
            .and_then(|w| w.location().origin().ok())
            .unwrap_or_default();
        let code = office::dialog_message(&format!("{origin}/auth/microsoft/start?dialog=1"))
            .await
            .map_err(|e| ApiFailure::Office(e.message))?;
        let request = json_request(
            Request::post("/api/session/exchange"),
            to_json(&DialogCode { code }),
        );
        let grant: SessionGrant = parse(send(request).await)?;
        Ok(Self { token: grant.token })
    }

    /// `POST /api/items/context`
    pub async fn context(&self, item: &ItemRef) -> Result<ItemContext, ApiFailure> {
        parse(send(self.post("/api/items/context", to_json(item), None)).await)
    }

    /// `POST /api/items/save` under `idempotency_key`.
    pub async fn save(
        &self,
        request: &SaveItemRequest,
        idempotency_key: &str,
    ) -> Result<SaveItemResponse, ApiFailure> {
        let body = to_json(request);
        parse(send(self.post("/api/items/save", body, Some(idempotency_key))).await)
    }

    /// `POST /api/items/unlink`
    pub async fn unlink(&self, request: &UnlinkRequest) -> Result<ItemContext, ApiFailure> {
        parse(send(self.post("/api/items/unlink", to_json(request), None)).await)
    }

    /// `POST /api/items/categorize`: the server gives the item the CRM category through Graph
    /// (where Outlook does not let the pane: compose mode on the web, a delegate's mailbox).
    pub async fn categorize(&self, item: &ItemRef) -> Result<ItemContext, ApiFailure> {
        parse(send(self.post("/api/items/categorize", to_json(item), None)).await)
    }

    /// `PUT /api/me/sync`: turns sync of the user's own calendar on or off.
    pub async fn set_sync(&self, sync_enabled: bool) -> Result<Me, ApiFailure> {
        let request = json_request(
            self.authorized(Request::put("/api/me/sync")),
            to_json(&SyncSetting { sync_enabled }),
        );
        parse(send(request).await)
    }

    /// `POST /api/sync/run`: "Sync now" for the user's own calendar (an empty JSON object).
    pub async fn sync_now(&self) -> Result<SyncRun, ApiFailure> {
        parse(send(self.post("/api/sync/run", Ok("{}".to_owned()), None)).await)
    }

    /// `GET /api/me`
    pub async fn me(&self) -> Result<Me, ApiFailure> {
        parse(send(Ok(self.authorized(Request::get("/api/me")))).await)
    }

    /// `GET /api/crm/records?q=&kind=`
    pub async fn search(
        &self,
        query: &str,
        kind: Option<RecordKind>,
    ) -> Result<RecordPage, ApiFailure> {
        let url = format!(
            "/api/crm/records?limit=8&q={}&kind={}",
            String::from(js_sys::encode_uri_component(query)),
            kind.map_or("", RecordKind::as_str)
        );
        parse(send(Ok(self.authorized(Request::get(&url)))).await)
    }

    /// `POST /api/crm/records` under `idempotency_key`: a record the user owns. Read as the
    /// [`CrmRecord`] the pane shows (the answer's other fields are left unread).
    pub async fn create_record(
        &self,
        input: &NewRecord<'_>,
        idempotency_key: &str,
    ) -> Result<CrmRecord, ApiFailure> {
        parse(send(self.post("/api/crm/records", to_json(input), Some(idempotency_key))).await)
    }

    /// `GET /api/booking-links/calendars`: the calendars the user may offer.
    pub async fn booking_calendars(&self) -> Result<BookingCalendars, ApiFailure> {
        parse(
            send(Ok(
                self.authorized(Request::get("/api/booking-links/calendars"))
            ))
            .await,
        )
    }

    /// `POST /api/booking-links/free-slots`
    pub async fn free_slots(&self, request: &FreeSlotsRequest) -> Result<FreeSlots, ApiFailure> {
        parse(send(self.post("/api/booking-links/free-slots", to_json(request), None)).await)
    }

    /// `POST /api/booking-links`
    pub async fn create_booking_link(
        &self,
        request: &BookingLinkRequest,
    ) -> Result<MadeLink, ApiFailure> {
        parse(send(self.post("/api/booking-links", to_json(request), None)).await)
    }

    /// `GET /api/booking-links`
    pub async fn booking_links(&self) -> Result<LinkList, ApiFailure> {
        parse(send(Ok(self.authorized(Request::get("/api/booking-links")))).await)
    }

    /// `DELETE /api/booking-links/{id}`
    pub async fn revoke_booking_link(&self, id: &str) -> Result<LinkLine, ApiFailure> {
        let url = format!(
            "/api/booking-links/{}",
            String::from(js_sys::encode_uri_component(id))
        );
        parse(send(Ok(self.authorized(Request::delete(&url)))).await)
    }

    /// A JSON `POST` with the session, under an idempotency key when there is one.
    fn post(
        &self,
        url: &str,
        body: Result<String, ApiFailure>,
        idempotency_key: Option<&str>,
    ) -> Result<Request, ApiFailure> {
        let mut builder = self.authorized(Request::post(url));
        if let Some(key) = idempotency_key {
            builder = builder.header("Idempotency-Key", key.to_owned());
        }
        json_request(builder, body)
    }

    fn authorized(&self, request: Request) -> Request {
        request.header("Authorization", format!("Bearer {}", self.token))
    }
}

// Waiting on the network is one function for every call, not one copy per answer type (a
// generic async function is compiled once per type, which the pane's download pays for):
// the generic parts — writing a body, reading an answer — stay synchronous.

/// Sends `request`: the body of a successful answer; an error answer as its [`ErrorBody`].
async fn send(request: Result<Request, ApiFailure>) -> Result<String, ApiFailure> {
    let answer = request?.send().await.map_err(ApiFailure::Network)?;
    if answer.is_success() {
        return Ok(answer.body);
    }
    match parse::<ErrorBody>(Ok(answer.body.clone())) {
        Ok(body) => Err(ApiFailure::Server(body)),
        Err(_) => Err(ApiFailure::Unexpected(format!("HTTP {}", answer.status))),
    }
}

// JSON goes through the pane's own small reader and writer (`crate::json`), not a general
// JSON library: see that module for what it saves every user's download.

/// Reads an answer's body as `T`.
fn parse<T: DeserializeOwned>(body: Result<String, ApiFailure>) -> Result<T, ApiFailure> {
    json::parse(&body?).map_err(|e| ApiFailure::Unexpected(e.to_string()))
}

/// `body` written as JSON.
fn to_json<B: Serialize>(body: &B) -> Result<String, ApiFailure> {
    json::to_string(body).map_err(|e| ApiFailure::Unexpected(e.to_string()))
}

/// A request with `body`, already written as JSON (by [`to_json`]), as its body.
fn json_request(request: Request, body: Result<String, ApiFailure>) -> Result<Request, ApiFailure> {
    Ok(request.json_body(body?))
}

/// The fields of `POST /api/crm/records` the pane sends: the server's `RecordInput` has a dozen
/// more, whose writer the pane's download would carry for nothing.
#[derive(Serialize)]
pub struct NewRecord<'a> {
    pub kind: RecordKind,
    pub name: &'a str,
    pub emails: &'a [&'a str],
    #[serde(skip_serializing_if = "str::is_empty")]
    pub company: &'a str,
}

// What the pane reads of a booking link: the server's `BookingLink` has a dozen more fields
// (its whole offer), whose reader the pane's download would carry for nothing.

/// A link as the sender's list shows it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LinkLine {
    pub id: String,
    pub subject: String,
    /// `active`, `expired` or `revoked`.
    pub state: String,
    pub bookings: i64,
    pub organizer: Person,
}

/// `GET /api/booking-links`, as the pane reads it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct LinkList {
    pub links: Vec<LinkLine>,
}

/// `POST /api/booking-links`'s answer, as the pane reads it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct MadeLink {
    pub url: String,
    pub link: MadeLinkHead,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MadeLinkHead {
    pub expires_at: String,
    pub organizer: Person,
}

/// A fresh key for one Save: a retry of the same click reuses it, the next click gets another.
pub fn new_idempotency_key() -> String {
    let crypto = js_sys::Reflect::get(&js_sys::global(), &"crypto".into()).ok();
    crypto
        .and_then(|c| {
            let uuid = js_sys::Reflect::get(&c, &"randomUUID".into()).ok()?;
            let uuid: js_sys::Function = wasm_bindgen::JsCast::dyn_into(uuid).ok()?;
            uuid.call0(&c).ok()?.as_string()
        })
        // Whole milliseconds: formatting a float would add a float printer to the pane.
        .unwrap_or_else(|| format!("save-{}", js_sys::Date::now() as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(code: ErrorCode) -> ApiFailure {
        ApiFailure::Server(ErrorBody {
            code,
            message: "m".into(),
            field: None,
        })
    }

    #[test]
    fn only_consent_and_interaction_ask_to_sign_in() {
        assert!(server(ErrorCode::ConsentRequired).asks_to_sign_in());
        assert!(server(ErrorCode::InteractionRequired).asks_to_sign_in());
        assert!(!server(ErrorCode::Unauthenticated).asks_to_sign_in());
        assert!(!ApiFailure::Office("13001".into()).asks_to_sign_in());
        assert!(!ApiFailure::Network("offline".into()).asks_to_sign_in());
    }

    #[test]
    fn an_office_failure_is_not_blamed_on_the_server() {
        let said = ApiFailure::Office("The user is not signed in to Office".into()).to_string();
        assert_eq!(said, "Outlook said: The user is not signed in to Office");
    }
}

/// The JSON path in a real browser (`JSON.parse` and `crate::json`): what the
/// server writes with serde_json reads back the same, and requests are the JSON it expects.
#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests {
    use liaison_domain::api::SaveItemRequest;
    use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

    use super::*;

    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    fn an_error_body_reads_with_or_without_its_field_and_ignores_what_it_does_not_know() {
        let body: ErrorBody = parse(Ok(
            r#"{"code":"invalid_value","message":"No","field":"item.owner","extra":1}"#.into(),
        ))
        .unwrap();
        assert_eq!(body.code, ErrorCode::InvalidValue);
        assert_eq!(body.field.as_deref(), Some("item.owner"));
        let bare: ErrorBody =
            parse(Ok(r#"{"code":"rate_limited","message":"Wait"}"#.into())).unwrap();
        assert_eq!((bare.code, bare.field), (ErrorCode::RateLimited, None));
        assert!(matches!(
            parse::<ErrorBody>(Ok("<html>".into())),
            Err(ApiFailure::Unexpected(_))
        ));
    }

    #[wasm_bindgen_test]
    fn a_request_is_written_in_the_servers_field_names_without_absent_options() {
        let request = SaveItemRequest {
            item: ItemRef {
                owner: "olga@contoso.com".into(),
                item_id: Some("AAMk-1".into()),
                office_delegate_permissions: None,
                lookup: None,
            },
            link_record_ids: vec!["r1".into()],
        };
        assert_eq!(
            to_json(&request).unwrap(),
            r#"{"item":{"owner":"olga@contoso.com","itemId":"AAMk-1"},"linkRecordIds":["r1"]}"#
        );
    }

    #[wasm_bindgen_test]
    fn a_new_record_is_written_as_the_records_api_reads_it() {
        let contact = NewRecord {
            kind: RecordKind::Contact,
            name: "Grace Hopper",
            emails: &["grace@hopper.example"],
            company: "",
        };
        assert_eq!(
            to_json(&contact).unwrap(),
            r#"{"kind":"contact","name":"Grace Hopper","emails":["grace@hopper.example"]}"#
        );
        let lead = NewRecord {
            kind: RecordKind::Lead,
            company: "Hopper Labs",
            ..contact
        };
        assert!(
            to_json(&lead)
                .unwrap()
                .ends_with(r#""company":"Hopper Labs"}"#)
        );
    }
}
