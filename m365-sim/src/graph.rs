//! Microsoft Graph, simulated: users, calendars, `calendarPermissions`, events CRUD (with
//! `iCalUId`, `changeKey`, series and occurrences), `calendarView` and `calendarView/delta`,
//! master categories, `getSchedule` and `$batch`. Delegated access follows the seeded delegate
//! grants and the token's scopes, as Exchange would.

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::HashMap;
use tower::ServiceExt;

use crate::state::{Claims, SimState, now_rfc3339};
use crate::traffic::graph_error;
use crate::world::{Category, GraphEvent, IdForm, World};

/// Office `DelegatePermissions` bits.
const READ: u8 = 1;
const WRITE: u8 = 2;
const DELETE_OWN: u8 = 4;
const DELETE_ALL: u8 = 8;
const EDIT_OWN: u8 = 16;
const EDIT_ALL: u8 = 32;
const DEFAULT_PAGE_SIZE: usize = 50;
const MAX_BATCH: usize = 20;

type GraphResult = Result<Response, Response>;

fn denied() -> Response {
    graph_error(
        StatusCode::FORBIDDEN,
        "ErrorAccessDenied",
        "Access is denied. Check credentials and try again.",
        None,
    )
}

fn not_found() -> Response {
    graph_error(
        StatusCode::NOT_FOUND,
        "ErrorItemNotFound",
        "The specified object was not found in the store.",
        None,
    )
}

fn bad_request(code: &str, message: &str) -> Response {
    graph_error(StatusCode::BAD_REQUEST, code, message, None)
}

/// Rewrites `/v1.0/me/…` to `/v1.0/users/me/…`, so one set of routes serves both.
pub fn rewrite_me(mut request: Request<Body>) -> Request<Body> {
    let path = request.uri().path();
    if path == "/v1.0/me" || path.starts_with("/v1.0/me/") {
        let rest = &path["/v1.0/me".len()..];
        let query = request
            .uri()
            .query()
            .map(|q| format!("?{q}"))
            .unwrap_or_default();
        if let Ok(uri) = format!("/v1.0/users/me{rest}{query}").parse::<Uri>() {
            *request.uri_mut() = uri;
        }
    }
    request
}

/// The verified caller of a Graph request.
fn caller(state: &SimState, headers: &HeaderMap) -> Result<Claims, Response> {
    state.graph_caller(headers).ok_or_else(|| {
        graph_error(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            "Access token is empty, invalid or expired.",
            None,
        )
    })
}

fn has_scope(claims: &Claims, any_of: &[&str]) -> bool {
    claims
        .scp
        .as_deref()
        .unwrap_or("")
        .split_whitespace()
        .any(|s| any_of.contains(&s))
}

/// What the caller may do in the mailbox `owner`.
struct Access {
    owner: String,
    own: bool,
    bits: u8,
    private: bool,
}

impl Access {
    fn resolve(world: &World, claims: &Claims, user: &str, write: bool) -> Result<Self, Response> {
        let owner = if user == "me" {
            claims.oid.clone()
        } else {
            match world.find_user(user) {
                Some((tenant, u)) if tenant == claims.tid => u.id,
                _ => return Err(not_found()),
            }
        };
        if owner == claims.oid {
            let scopes: &[&str] = if write {
                &["Calendars.ReadWrite"]
            } else {
                &["Calendars.Read", "Calendars.ReadWrite"]
            };
            if !has_scope(claims, scopes) {
                return Err(denied());
            }
            return Ok(Self {
                owner,
                own: true,
                bits: 63,
                private: true,
            });
        }
        let shared: &[&str] = if write {
            &["Calendars.ReadWrite.Shared"]
        } else {
            &["Calendars.Read.Shared", "Calendars.ReadWrite.Shared"]
        };
        if !has_scope(claims, shared) {
            return Err(denied());
        }
        let (bits, private) = world.delegation(&owner, &claims.oid).unwrap_or((0, false));
        if bits & READ == 0 {
            return Err(denied());
        }
        Ok(Self {
            owner,
            own: false,
            bits,
            private,
        })
    }

    fn limited(&self, event: &GraphEvent) -> bool {
        event.is_private() && !self.private
    }

    fn may_edit(&self, event: &GraphEvent, caller: &str) -> bool {
        self.own
            || self.bits & EDIT_ALL != 0
            || (self.bits & EDIT_OWN != 0 && event.created_by == caller)
    }

    fn may_delete(&self, event: &GraphEvent, caller: &str) -> bool {
        self.own
            || self.bits & DELETE_ALL != 0
            || (self.bits & DELETE_OWN != 0 && event.created_by == caller)
    }
}

fn page_size(headers: &HeaderMap) -> usize {
    headers
        .get("prefer")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(',')
                .find_map(|p| p.trim().strip_prefix("odata.maxpagesize="))
                .and_then(|n| n.trim().parse().ok())
        })
        .filter(|n| *n > 0)
        .unwrap_or(DEFAULT_PAGE_SIZE)
}

/// `GET /v1.0/users/{user}` (and `/me`).
pub async fn get_user(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    Path(user): Path<String>,
) -> GraphResult {
    let claims = caller(&state, &headers)?;
    let world = state.world();
    let id = if user == "me" {
        claims.oid.as_str()
    } else {
        user.as_str()
    };
    let Some((tenant, u)) = world.find_user(id).filter(|(t, _)| *t == claims.tid) else {
        return Err(graph_error(
            StatusCode::NOT_FOUND,
            "Request_ResourceNotFound",
            "Resource does not exist.",
            None,
        ));
    };
    let _ = tenant;
    Ok(Json(json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity",
        "id": u.id,
        "displayName": u.display_name,
        "mail": u.mail,
        "userPrincipalName": u.mail,
        "businessPhones": [],
        "givenName": u.display_name.split(' ').next(),
        "surname": u.display_name.split(' ').nth(1),
        "jobTitle": null, "mobilePhone": null, "officeLocation": null, "preferredLanguage": "en-US",
    }))
    .into_response())
}

/// `GET /v1.0/users` (the directory, for the simulator's own pages).
pub async fn list_users(State(state): State<Arc<SimState>>) -> Json<Value> {
    let world = state.world();
    let users: Vec<_> = world
        .seed
        .tenants
        .iter()
        .flat_map(|t| &t.users)
        .map(|u| json!({ "id": u.id, "displayName": u.display_name, "mail": u.mail, "userPrincipalName": u.mail }))
        .collect();
    Json(
        json!({ "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users", "value": users }),
    )
}

/// `GET /v1.0/users/{user}/calendar`
pub async fn get_calendar(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    Path(user): Path<String>,
) -> GraphResult {
    let claims = caller(&state, &headers)?;
    let world = state.world();
    let access = Access::resolve(&world, &claims, &user, false)?;
    let (_, owner) = world.find_user(&access.owner).ok_or_else(not_found)?;
    Ok(Json(json!({
        "id": format!("AAMkCalendar-{}", owner.id),
        "name": "Calendar",
        "color": "auto",
        "hexColor": "",
        "changeKey": "CKcal",
        "isDefaultCalendar": true,
        "isRemovable": false,
        "isTallyingResponses": true,
        "canShare": access.own,
        "canEdit": access.own || access.bits & WRITE != 0,
        "canViewPrivateItems": access.private,
        "owner": { "name": owner.display_name, "address": owner.mail },
        "allowedOnlineMeetingProviders": ["teamsForBusiness"],
        "defaultOnlineMeetingProvider": "teamsForBusiness",
    }))
    .into_response())
}

/// The Graph role Exchange would report for an Outlook delegate grant.
fn role_of(bits: u8, private: bool) -> &'static str {
    match (bits, private) {
        (63, true) => "delegateWithPrivateEventAccess",
        (63, false) => "delegateWithoutPrivateEventAccess",
        (1, _) => "read",
        (0, _) => "none",
        _ => "custom",
    }
}

/// `GET /v1.0/users/{user}/calendar/calendarPermissions`: the owner sees every entry; anyone
/// else gets an empty collection.
pub async fn calendar_permissions(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    Path(user): Path<String>,
) -> GraphResult {
    let claims = caller(&state, &headers)?;
    let world = state.world();
    let access = Access::resolve(&world, &claims, &user, false)?;
    let mut value = Vec::new();
    if access.own {
        value.push(json!({
            "id": "RGVmYXVsdA==",
            "isRemovable": false,
            "isInsideOrganization": true,
            "role": "freeBusyRead",
            "allowedRoles": ["none", "freeBusyRead", "limitedRead", "read"],
            "emailAddress": { "name": "My Organization" },
        }));
        let (tenant_id, owner) = world.find_user(&access.owner).ok_or_else(not_found)?;
        if let Some(tenant) = world.tenant(&tenant_id) {
            for grant in tenant
                .delegations
                .iter()
                .filter(|d| d.owner.eq_ignore_ascii_case(&owner.mail) && d.calendar_bits != 0)
            {
                let name = tenant
                    .users
                    .iter()
                    .find(|u| u.mail == grant.delegate)
                    .map(|u| u.display_name.clone())
                    .unwrap_or_default();
                value.push(json!({
                    "id": URL_SAFE_NO_PAD.encode(format!("delegate:{}", grant.delegate)),
                    "isRemovable": true,
                    "isInsideOrganization": true,
                    "role": role_of(grant.calendar_bits, grant.can_view_private),
                    "allowedRoles": ["none", "freeBusyRead", "limitedRead", "read", "write",
                        "delegateWithoutPrivateEventAccess", "delegateWithPrivateEventAccess"],
                    "emailAddress": { "name": name, "address": grant.delegate },
                }));
            }
        }
    }
    Ok(Json(json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('{}')/calendar/calendarPermissions",
        "value": value,
    }))
    .into_response())
}

/// A collection page: `items[skip..skip+size]` and a next link when more follow.
fn page(items: Vec<Value>, skip: usize, size: usize, next: impl Fn(usize) -> String) -> Value {
    let total = items.len();
    let value: Vec<Value> = items.into_iter().skip(skip).take(size).collect();
    let mut body = json!({ "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#events", "value": value });
    if skip + size < total {
        body["@odata.nextLink"] = json!(next(skip + size));
    }
    body
}

fn encode_query(pairs: &[(&str, &str)]) -> String {
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        serializer.append_pair(k, v);
    }
    serializer.finish()
}

/// `GET /v1.0/users/{user}/events`: single instances and series masters.
pub async fn list_events(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    Path(user): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> GraphResult {
    let claims = caller(&state, &headers)?;
    let world = state.world();
    let access = Access::resolve(&world, &claims, &user, false)?;
    let items: Vec<Value> = world
        .events
        .iter()
        .filter(|e| e.mailbox == access.owner && !e.deleted && e.kind != "occurrence")
        .map(|e| e.to_json(access.limited(e), IdForm::of(&headers), false))
        .collect();
    let skip = query.get("$skip").and_then(|s| s.parse().ok()).unwrap_or(0);
    let base = format!("{}/v1.0/users/{}/events", state.base_url, access.owner);
    Ok(Json(page(items, skip, page_size(&headers), |n| {
        format!("{base}?$skip={n}")
    }))
    .into_response())
}

/// Graph times in a query (`2026-11-23T00:00:00Z`, with or without offset/fraction) as the
/// world's fixed format.
fn window_time(value: Option<&String>, name: &str) -> Result<String, Response> {
    let value = value.ok_or_else(|| {
        bad_request("ErrorInvalidParameter", &format!("This request requires a time window specified by the query string parameters StartDateTime and EndDateTime; {name} is missing."))
    })?;
    if value.len() < 19 || value.as_bytes()[10] != b'T' {
        return Err(bad_request(
            "ErrorInvalidParameter",
            &format!("The value of {name} is not a valid date and time."),
        ));
    }
    Ok(value[..19].to_owned())
}

/// `GET /v1.0/users/{user}/calendarView?startDateTime=…&endDateTime=…`: instances in a window.
pub async fn calendar_view(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    Path(user): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> GraphResult {
    let claims = caller(&state, &headers)?;
    let start = window_time(query.get("startDateTime"), "startDateTime")?;
    let end = window_time(query.get("endDateTime"), "endDateTime")?;
    let world = state.world();
    let access = Access::resolve(&world, &claims, &user, false)?;
    let mut events: Vec<&GraphEvent> = world
        .events
        .iter()
        .filter(|e| {
            e.mailbox == access.owner
                && !e.deleted
                && e.kind != "seriesMaster"
                && e.overlaps(&start, &end)
        })
        .collect();
    events.sort_by(|a, b| (&a.start, &a.id).cmp(&(&b.start, &b.id)));
    let form = IdForm::of(&headers);
    let items = events
        .iter()
        .map(|e| e.to_json(access.limited(e), form, false))
        .collect();
    let skip = query.get("$skip").and_then(|s| s.parse().ok()).unwrap_or(0);
    let base = format!(
        "{}/v1.0/users/{}/calendarView",
        state.base_url, access.owner
    );
    let (qs, qe) = (query["startDateTime"].clone(), query["endDateTime"].clone());
    Ok(Json(page(items, skip, page_size(&headers), |n| {
        format!(
            "{base}?{}",
            encode_query(&[
                ("startDateTime", &qs),
                ("endDateTime", &qe),
                ("$skip", &n.to_string())
            ])
        )
    }))
    .into_response())
}

/// The state a delta link carries (opaque to clients: base64url JSON).
#[derive(Debug, Serialize, Deserialize)]
struct DeltaState {
    /// Window.
    s: String,
    e: String,
    /// Changes after this sequence number…
    since: u64,
    /// …up to this one belong to the round.
    upto: u64,
    /// Items of the round already returned.
    skip: usize,
}

fn encode_state(state: &DeltaState) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(state).unwrap_or_default())
}

fn decode_state(token: &str) -> Option<DeltaState> {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(token).ok()?).ok()
}

/// `GET /v1.0/users/{user}/calendarView/delta`: a round of changes, paged by `@odata.nextLink`,
/// closed by `@odata.deltaLink`; an evicted token answers `410 Gone`.
pub async fn calendar_view_delta(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    Path(user): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> GraphResult {
    let claims = caller(&state, &headers)?;
    let world = state.world();
    let access = Access::resolve(&world, &claims, &user, false)?;
    let base = format!(
        "{}/v1.0/users/{}/calendarView/delta",
        state.base_url, access.owner
    );
    let round = if let Some(token) = query.get("$skiptoken").or_else(|| query.get("$deltatoken")) {
        let Some(mut round) = decode_state(token) else {
            return Err(bad_request(
                "BadRequest",
                "The delta or skip token is malformed.",
            ));
        };
        if round.since > 0 && round.since < world.delta_horizon {
            let mut gone = graph_error(
                StatusCode::GONE,
                "syncStateNotFound",
                "The sync state generation is not found. Please start a new sync.",
                None,
            );
            let restart = format!(
                "{base}?{}",
                encode_query(&[
                    ("startDateTime", &format!("{}Z", round.s)),
                    ("endDateTime", &format!("{}Z", round.e))
                ])
            );
            if let Ok(value) = HeaderValue::from_str(&restart) {
                gone.headers_mut().insert(header::LOCATION, value);
            }
            return Err(gone);
        }
        if query.contains_key("$deltatoken") {
            round = DeltaState {
                since: round.upto,
                upto: world.seq,
                skip: 0,
                ..round
            };
        }
        round
    } else {
        let start = window_time(query.get("startDateTime"), "startDateTime")?;
        let end = window_time(query.get("endDateTime"), "endDateTime")?;
        DeltaState {
            s: start,
            e: end,
            since: 0,
            upto: world.seq,
            skip: 0,
        }
    };
    let mut changed: Vec<&GraphEvent> = world
        .events
        .iter()
        .filter(|e| {
            e.mailbox == access.owner
                && e.kind != "seriesMaster"
                && e.seq > round.since
                && e.seq <= round.upto
        })
        .filter(|e| round.since > 0 || (!e.deleted && e.overlaps(&round.s, &round.e)))
        .collect();
    changed.sort_by(|a, b| (a.seq, &a.id).cmp(&(b.seq, &b.id)));
    let size = page_size(&headers);
    let form = IdForm::of(&headers);
    let value: Vec<Value> = changed
        .iter()
        .skip(round.skip)
        .take(size)
        .map(|e| {
            // Microsoft: within a window-bound round, `@removed` (reason `deleted`) also stands
            // for events outside the window that changed; only the id comes.
            if e.deleted || !e.overlaps(&round.s, &round.e) {
                json!({ "@odata.type": "#microsoft.graph.event", "id": e.id_in(form), "@removed": { "reason": "deleted" } })
            } else {
                e.to_json(access.limited(e), form, false)
            }
        })
        .collect();
    let mut body = json!({ "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(event)", "value": value });
    if round.skip + size < changed.len() {
        let next = DeltaState {
            skip: round.skip + size,
            ..round
        };
        body["@odata.nextLink"] = json!(format!("{base}?$skiptoken={}", encode_state(&next)));
    } else {
        let done = DeltaState {
            since: round.upto,
            skip: 0,
            ..round
        };
        body["@odata.deltaLink"] = json!(format!("{base}?$deltatoken={}", encode_state(&done)));
    }
    Ok(Json(body).into_response())
}

/// The fields of an event a client may write.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventWrite {
    subject: Option<String>,
    start: Option<DateTimeZone>,
    end: Option<DateTimeZone>,
    location: Option<LocationWrite>,
    categories: Option<Vec<String>>,
    sensitivity: Option<String>,
    transaction_id: Option<String>,
    attendees: Option<Vec<Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DateTimeZone {
    date_time: String,
    #[allow(dead_code)]
    time_zone: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LocationWrite {
    display_name: String,
}

fn parse_write(body: &[u8]) -> Result<EventWrite, Response> {
    serde_json::from_slice(body).map_err(|e| {
        bad_request(
            "RequestBodyRead",
            &format!("Cannot read the request body: {e}"),
        )
    })
}

fn time_of(value: &DateTimeZone) -> Result<String, Response> {
    if value.date_time.len() < 19 {
        return Err(bad_request(
            "ErrorInvalidRequest",
            "dateTime is not a valid date and time.",
        ));
    }
    Ok(value.date_time[..19].to_owned())
}

/// `POST /v1.0/users/{user}/events`: `201` and the event. A repeated `transactionId` returns
/// the event the first request created.
pub async fn create_event(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    Path(user): Path<String>,
    body: axum::body::Bytes,
) -> GraphResult {
    let claims = caller(&state, &headers)?;
    let write = parse_write(&body)?;
    let mut world = state.world();
    let access = Access::resolve(&world, &claims, &user, true)?;
    if !access.own && access.bits & WRITE == 0 {
        return Err(denied());
    }
    if let Some(tx) = &write.transaction_id
        && let Some(existing) = world
            .events
            .iter()
            .find(|e| e.mailbox == access.owner && e.transaction_id.as_ref() == Some(tx))
    {
        return Ok((
            StatusCode::CREATED,
            Json(existing.to_json(false, IdForm::of(&headers), false)),
        )
            .into_response());
    }
    let (Some(start), Some(end), Some(subject)) = (&write.start, &write.end, &write.subject) else {
        return Err(bad_request(
            "ErrorInvalidRequest",
            "An event needs a subject, a start and an end.",
        ));
    };
    let (start, end) = (time_of(start)?, time_of(end)?);
    let (_, owner) = world.find_user(&access.owner).ok_or_else(not_found)?;
    let creator_name = world
        .find_user(&claims.oid)
        .map(|(_, u)| u.display_name)
        .unwrap_or_default();
    let now = now_rfc3339();
    world.seq += 1;
    let seq = world.seq;
    let id = crate::world::new_rest_id();
    let event = GraphEvent {
        immutable_id: crate::seed::immutable_id(&id),
        id,
        tenant_id: claims.tid.clone(),
        mailbox: access.owner.clone(),
        ical_uid: format!(
            "040000008200E00074C5B7101A82E008{}",
            uuid::Uuid::new_v4().simple()
        )
        .to_uppercase(),
        change_key: seq,
        subject: subject.clone(),
        start,
        end,
        time_zone: "UTC".into(),
        location: write.location.map(|l| l.display_name).unwrap_or_default(),
        organizer_name: owner.display_name.clone(),
        organizer_address: owner.mail.clone(),
        owner_address: owner.mail.clone(),
        created_by: claims.oid.clone(),
        creator_name,
        attendees: write
            .attendees
            .unwrap_or_default()
            .iter()
            .filter_map(|a| a["emailAddress"]["address"].as_str().map(str::to_owned))
            .collect(),
        sensitivity: write.sensitivity.unwrap_or_else(|| "normal".into()),
        categories: write.categories.unwrap_or_default(),
        kind: "singleInstance",
        series_master_id: None,
        transaction_id: write.transaction_id,
        deleted: false,
        seq,
        created: now.clone(),
        last_modified: now,
    };
    let json = event.to_json(false, IdForm::of(&headers), false);
    world.events.push(event);
    world.notify(world.events.len() - 1, "created");
    Ok((StatusCode::CREATED, Json(json)).into_response())
}

fn find_event(world: &World, owner: &str, id: &str) -> Result<usize, Response> {
    world
        .events
        .iter()
        .position(|e| e.mailbox == owner && e.has_id(id) && !e.deleted)
        .ok_or_else(not_found)
}

/// Whether `$expand` asks for the creator's name, Exchange's `PidTagCreatorName`:
/// `singleValueExtendedProperties($filter=id eq 'String 0x3FF8')` (ids compare without case).
fn expands_creator(query: &HashMap<String, String>) -> bool {
    query.get("$expand").is_some_and(|expand| {
        let expand = expand.to_ascii_lowercase().replace(' ', "");
        expand.starts_with("singlevalueextendedproperties(") && expand.contains("'string0x3ff8'")
    })
}

/// `GET /v1.0/users/{user}/events/{id}`: by either id form; the answer's ids in the form the
/// `Prefer` header asks for.
pub async fn get_event(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    Path((user, id)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> GraphResult {
    let claims = caller(&state, &headers)?;
    let world = state.world();
    let access = Access::resolve(&world, &claims, &user, false)?;
    let index = find_event(&world, &access.owner, &id)?;
    let event = &world.events[index];
    let limited = access.limited(event);
    Ok(Json(event.to_json(
        limited,
        IdForm::of(&headers),
        !limited && expands_creator(&query),
    ))
    .into_response())
}

/// `PATCH /v1.0/users/{user}/events/{id}`: only the fields sent change; `categories` is
/// replaced whole. Honours `If-Match` (412 when the change key moved).
pub async fn update_event(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    Path((user, id)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> GraphResult {
    let claims = caller(&state, &headers)?;
    let write = parse_write(&body)?;
    let mut world = state.world();
    let access = Access::resolve(&world, &claims, &user, true)?;
    let index = find_event(&world, &access.owner, &id)?;
    if !access.may_edit(&world.events[index], &claims.oid) || access.limited(&world.events[index]) {
        return Err(denied());
    }
    if let Some(expected) = headers.get(header::IF_MATCH).and_then(|v| v.to_str().ok())
        && expected != format!("W/\"{}\"", world.events[index].change_key())
    {
        return Err(graph_error(
            StatusCode::PRECONDITION_FAILED,
            "ErrorIrresolvableConflict",
            "The change key passed in the request does not match the current change key for the item.",
            None,
        ));
    }
    let start = write.start.as_ref().map(time_of).transpose()?;
    let end = write.end.as_ref().map(time_of).transpose()?;
    {
        let event = &mut world.events[index];
        if let Some(subject) = write.subject {
            event.subject = subject;
        }
        if let Some(start) = start {
            event.start = start;
        }
        if let Some(end) = end {
            event.end = end;
        }
        if let Some(location) = write.location {
            event.location = location.display_name;
        }
        if let Some(categories) = write.categories {
            event.categories = categories;
        }
        if let Some(sensitivity) = write.sensitivity {
            event.sensitivity = sensitivity;
        }
        if event.kind == "occurrence" {
            event.kind = "exception";
        }
    }
    world.touch(index, &now_rfc3339());
    Ok(Json(world.events[index].to_json(false, IdForm::of(&headers), false)).into_response())
}

/// `DELETE /v1.0/users/{user}/events/{id}`: `204`. Deleting a series master deletes its
/// occurrences.
pub async fn delete_event(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    Path((user, id)): Path<(String, String)>,
) -> GraphResult {
    let claims = caller(&state, &headers)?;
    let mut world = state.world();
    let access = Access::resolve(&world, &claims, &user, true)?;
    let index = find_event(&world, &access.owner, &id)?;
    if !access.may_delete(&world.events[index], &claims.oid) {
        return Err(denied());
    }
    let now = now_rfc3339();
    let master = world.events[index].id.clone();
    let doomed: Vec<usize> = world
        .events
        .iter()
        .enumerate()
        .filter(|(i, e)| *i == index || e.series_master_id.as_deref() == Some(master.as_str()))
        .map(|(i, _)| i)
        .collect();
    for i in doomed {
        world.events[i].deleted = true;
        world.touch(i, &now);
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /v1.0/users/{user}/outlook/masterCategories` (the owner only: there is no `.Shared`
/// mailbox-settings scope).
pub async fn list_categories(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    Path(user): Path<String>,
) -> GraphResult {
    let claims = caller(&state, &headers)?;
    if !(user == "me" || user == claims.oid) {
        return Err(denied());
    }
    if !has_scope(
        &claims,
        &["MailboxSettings.Read", "MailboxSettings.ReadWrite"],
    ) {
        return Err(denied());
    }
    let world = state.world();
    let value: Vec<Value> = world
        .categories
        .get(&claims.oid)
        .into_iter()
        .flatten()
        .map(|c| json!({ "id": c.id, "displayName": c.display_name, "color": c.color }))
        .collect();
    Ok(Json(json!({ "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('me')/outlook/masterCategories", "value": value })).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CategoryWrite {
    display_name: String,
    color: Option<String>,
}

/// `POST /v1.0/users/{user}/outlook/masterCategories`: `201`; a taken name is `409`.
pub async fn create_category(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    Path(user): Path<String>,
    body: axum::body::Bytes,
) -> GraphResult {
    let claims = caller(&state, &headers)?;
    if !(user == "me" || user == claims.oid) || !has_scope(&claims, &["MailboxSettings.ReadWrite"])
    {
        return Err(denied());
    }
    let write: CategoryWrite = serde_json::from_slice(&body)
        .map_err(|e| bad_request("RequestBodyRead", &e.to_string()))?;
    let mut world = state.world();
    let list = world.categories.entry(claims.oid.clone()).or_default();
    if list
        .iter()
        .any(|c| c.display_name.eq_ignore_ascii_case(&write.display_name))
    {
        return Err(graph_error(
            StatusCode::CONFLICT,
            "ErrorDuplicateCategoryName",
            "A category with that name already exists.",
            None,
        ));
    }
    let category = Category {
        id: uuid::Uuid::new_v4().to_string(),
        display_name: write.display_name,
        color: write.color.unwrap_or_else(|| "none".into()),
    };
    let json =
        json!({ "id": category.id, "displayName": category.display_name, "color": category.color });
    list.push(category);
    Ok((StatusCode::CREATED, Json(json)).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleRequest {
    schedules: Vec<String>,
    start_time: DateTimeZone,
    end_time: DateTimeZone,
    availability_view_interval: Option<u32>,
}

/// Minutes since the epoch of a fixed-format UTC time (for slot arithmetic only).
fn minutes(time: &str) -> i64 {
    let n =
        |r: std::ops::Range<usize>| time.get(r).and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
    let (y, m, d) = (n(0..4), n(5..7), n(8..10));
    let days_before_month = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    let leap = |y: i64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let mut days = (1970..y)
        .map(|y| if leap(y) { 366 } else { 365 })
        .sum::<i64>();
    days += days_before_month[(m.clamp(1, 12) - 1) as usize] + d - 1;
    if m > 2 && leap(y) {
        days += 1;
    }
    days * 1440 + n(11..13) * 60 + n(14..16)
}

/// `POST /v1.0/users/{user}/calendar/getSchedule`: free/busy per slot for each address.
pub async fn get_schedule(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    Path(_user): Path<String>,
    body: axum::body::Bytes,
) -> GraphResult {
    let claims = caller(&state, &headers)?;
    if !has_scope(&claims, &["Calendars.Read", "Calendars.ReadWrite"]) {
        return Err(denied());
    }
    let request: ScheduleRequest = serde_json::from_slice(&body)
        .map_err(|e| bad_request("RequestBodyRead", &e.to_string()))?;
    let interval = i64::from(request.availability_view_interval.unwrap_or(30));
    if !(5..=1440).contains(&interval) {
        return Err(bad_request(
            "ErrorInvalidParameter",
            "availabilityViewInterval must be between 5 and 1440.",
        ));
    }
    let (start, end) = (time_of(&request.start_time)?, time_of(&request.end_time)?);
    let (from, to) = (minutes(&start), minutes(&end));
    if to <= from {
        return Err(bad_request(
            "ErrorInvalidParameter",
            "The end time must be after the start time.",
        ));
    }
    let world = state.world();
    let value: Vec<Value> = request
        .schedules
        .iter()
        .map(|address| {
            let Some((_, user)) = world.find_user(address).filter(|(t, _)| *t == claims.tid) else {
                return json!({ "scheduleId": address, "availabilityView": "", "scheduleItems": [],
                    "error": { "message": "The user is not in the organization.", "responseCode": "ErrorMailRecipientNotFound" } });
            };
            let busy: Vec<&GraphEvent> = world.events.iter()
                .filter(|e| e.mailbox == user.id && !e.deleted && e.kind != "seriesMaster" && e.overlaps(&start, &end))
                .collect();
            let view: String = (0..((to - from + interval - 1) / interval))
                .map(|slot| {
                    let (a, b) = (from + slot * interval, from + (slot + 1) * interval);
                    if busy.iter().any(|e| minutes(&e.start) < b && minutes(&e.end) > a) { '2' } else { '0' }
                })
                .collect();
            json!({
                "scheduleId": address,
                "availabilityView": view,
                "scheduleItems": busy.iter().map(|e| json!({
                    "isPrivate": e.is_private(),
                    "status": "busy",
                    "start": { "dateTime": format!("{}.0000000", e.start), "timeZone": "UTC" },
                    "end": { "dateTime": format!("{}.0000000", e.end), "timeZone": "UTC" },
                })).collect::<Vec<_>>(),
                "workingHours": { "daysOfWeek": ["monday","tuesday","wednesday","thursday","friday"],
                    "startTime": "08:00:00.0000000", "endTime": "17:00:00.0000000", "timeZone": { "name": "UTC" } },
            })
        })
        .collect();
    Ok(Json(json!({ "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(microsoft.graph.scheduleInformation)", "value": value })).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchRequest {
    requests: Vec<BatchItem>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct BatchItem {
    id: String,
    method: String,
    url: String,
    #[serde(default)]
    headers: HashMap<String, String>,
    body: Option<Value>,
    #[serde(default)]
    depends_on: Vec<String>,
}

/// `POST /v1.0/$batch`: up to 20 requests, each through the same routes (and so the same
/// throttling) as if sent alone; unordered batches run at most 4 at a time, `dependsOn` runs in
/// order and a failed dependency gives `424`.
pub async fn batch(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> GraphResult {
    let request: BatchRequest = serde_json::from_slice(&body)
        .map_err(|e| bad_request("BadRequest", &format!("Invalid batch payload: {e}")))?;
    if request.requests.len() > MAX_BATCH {
        return Err(bad_request(
            "BadRequest",
            "Batch request exceeds the limit of 20 requests.",
        ));
    }
    let mut ids: Vec<String> = request
        .requests
        .iter()
        .map(|r| r.id.to_lowercase())
        .collect();
    ids.sort();
    if ids.windows(2).any(|w| w[0] == w[1]) {
        return Err(bad_request(
            "BadRequest",
            "Batch request ids must be unique.",
        ));
    }
    let Some(router) = state.router.get().cloned() else {
        return Err(graph_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "serviceNotAvailable",
            "Starting.",
            None,
        ));
    };
    let authorization = headers.get(header::AUTHORIZATION).cloned();
    let run = |item: BatchItem| {
        let router = router.clone();
        let authorization = authorization.clone();
        async move {
            let mut builder = Request::builder()
                .method(Method::from_bytes(item.method.as_bytes()).unwrap_or(Method::GET))
                .uri(format!("/v1.0{}", item.url));
            if let Some(auth) = authorization {
                builder = builder.header(header::AUTHORIZATION, auth);
            }
            for (name, value) in &item.headers {
                builder = builder.header(name.as_str(), value.as_str());
            }
            let body = item
                .body
                .as_ref()
                .map(|b| Body::from(b.to_string()))
                .unwrap_or_else(Body::empty);
            let response = match builder.body(body) {
                Ok(req) => router
                    .oneshot(rewrite_me(req))
                    .await
                    .unwrap_or_else(|e| match e {}),
                Err(_) => bad_request("BadRequest", "Invalid inner request."),
            };
            let status = response.status().as_u16();
            let mut inner_headers = serde_json::Map::new();
            for name in [header::CONTENT_TYPE, header::RETRY_AFTER, header::LOCATION] {
                if let Some(v) = response.headers().get(&name).and_then(|v| v.to_str().ok()) {
                    inner_headers.insert(name.to_string(), json!(v));
                }
            }
            let bytes = axum::body::to_bytes(response.into_body(), 4 << 20)
                .await
                .unwrap_or_default();
            let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            (item.id, status, Value::Object(inner_headers), body)
        }
    };
    let sequential = request.requests.iter().any(|r| !r.depends_on.is_empty());
    let mut results = Vec::new();
    if sequential {
        let mut failed: Vec<String> = Vec::new();
        for item in request.requests {
            if item.depends_on.iter().any(|d| failed.contains(d)) {
                failed.push(item.id.clone());
                results.push((item.id, 424, json!({}), json!({ "error": { "code": "FailedDependency", "message": "A dependency failed." } })));
                continue;
            }
            let result = run(item).await;
            if result.1 >= 400 {
                failed.push(result.0.clone());
            }
            results.push(result);
        }
    } else {
        results = futures::stream::iter(request.requests.into_iter().map(run))
            .buffer_unordered(crate::traffic::MAX_IN_FLIGHT_PER_MAILBOX as usize)
            .collect()
            .await;
    }
    let responses: Vec<Value> = results
        .into_iter()
        .map(|(id, status, headers, body)| json!({ "id": id, "status": status, "headers": headers, "body": body }))
        .collect();
    Ok(Json(json!({ "responses": responses })).into_response())
}

/// Anything else under Graph.
pub async fn not_found_route() -> Response {
    graph_error(
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
        "Resource not found for the segment.",
        None,
    )
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionWrite {
    change_type: Option<String>,
    notification_url: Option<String>,
    lifecycle_notification_url: Option<String>,
    resource: Option<String>,
    expiration_date_time: Option<String>,
    client_state: Option<String>,
}

/// Events subscriptions live at most 4,230 minutes (Graph's limit for Outlook resources).
const MAX_SUBSCRIPTION_SECONDS: i64 = 4230 * 60;

/// Seconds since the epoch of an RFC 3339 UTC time, clamped to Graph's maximum lifetime.
fn expiry(text: Option<&str>) -> Result<i64, Response> {
    let now = crate::state::now_s();
    let parsed = text.and_then(crate::state::epoch_seconds).ok_or_else(|| {
        bad_request(
            "InvalidRequest",
            "expirationDateTime is missing or malformed.",
        )
    })?;
    if parsed <= now {
        return Err(bad_request(
            "InvalidRequest",
            "expirationDateTime must be in the future.",
        ));
    }
    Ok(parsed.min(now + MAX_SUBSCRIPTION_SECONDS))
}

fn subscription_json(sub: &crate::world::Subscription) -> Value {
    json!({
        "id": sub.id,
        "resource": sub.resource,
        "changeType": "created,updated,deleted",
        "notificationUrl": sub.notification_url,
        "lifecycleNotificationUrl": sub.lifecycle_url,
        "clientState": sub.client_state,
        "expirationDateTime": crate::state::rfc3339(sub.expires_s),
    })
}

/// `POST /v1.0/subscriptions`: validates the notification URL (it must echo `validationToken`
/// as `text/plain` within 10 s), then `201`.
pub async fn create_subscription(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> GraphResult {
    let claims = caller(&state, &headers)?;
    let write: SubscriptionWrite = serde_json::from_slice(&body)
        .map_err(|e| bad_request("RequestBodyRead", &e.to_string()))?;
    let resource = write.resource.clone().unwrap_or_default();
    let path = resource.trim_start_matches('/');
    let mailbox = match path.split('/').collect::<Vec<_>>().as_slice() {
        ["me", "events"] => claims.oid.clone(),
        ["users", user, "events"] if *user == claims.oid => claims.oid.clone(),
        _ => {
            return Err(bad_request(
                "ExtensionError",
                "Only the caller's own events may be subscribed to here.",
            ));
        }
    };
    if !has_scope(&claims, &["Calendars.Read", "Calendars.ReadWrite"]) {
        return Err(denied());
    }
    let Some(url) = write
        .notification_url
        .clone()
        .filter(|u| u.starts_with("http"))
    else {
        return Err(bad_request(
            "InvalidRequest",
            "notificationUrl is required.",
        ));
    };
    if write.change_type.as_deref().is_none_or(str::is_empty) {
        return Err(bad_request("InvalidRequest", "changeType is required."));
    }
    let expires_s = expiry(write.expiration_date_time.as_deref())?;
    let token = crate::identity::random_token("validation-");
    let validated = crate::state::webhook_client()
        .post(&url)
        .query(&[("validationToken", &token)])
        .timeout(std::time::Duration::from_secs(10))
        .send()
        .await;
    let echoed = match validated {
        Ok(res) if res.status() == StatusCode::OK => res.text().await.unwrap_or_default() == token,
        _ => false,
    };
    if !echoed {
        return Err(bad_request(
            "ValidationError",
            "Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.",
        ));
    }
    let sub = crate::world::Subscription {
        id: uuid::Uuid::new_v4().to_string(),
        tenant_id: claims.tid.clone(),
        mailbox,
        resource,
        notification_url: url,
        lifecycle_url: write.lifecycle_notification_url,
        client_state: write.client_state,
        expires_s,
        id_form: IdForm::of(&headers),
    };
    let json = subscription_json(&sub);
    state.world().subscriptions.insert(sub.id.clone(), sub);
    Ok((StatusCode::CREATED, Json(json)).into_response())
}

/// `PATCH /v1.0/subscriptions/{id}`: renews (`expirationDateTime` only).
pub async fn renew_subscription(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> GraphResult {
    let claims = caller(&state, &headers)?;
    let write: SubscriptionWrite = serde_json::from_slice(&body)
        .map_err(|e| bad_request("RequestBodyRead", &e.to_string()))?;
    let expires_s = expiry(write.expiration_date_time.as_deref())?;
    let mut world = state.world();
    let Some(sub) = world
        .subscriptions
        .get_mut(&id)
        .filter(|s| s.mailbox == claims.oid)
    else {
        return Err(not_found());
    };
    sub.expires_s = expires_s;
    Ok(Json(subscription_json(sub)).into_response())
}

/// `DELETE /v1.0/subscriptions/{id}`: `204`.
pub async fn delete_subscription(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> GraphResult {
    let claims = caller(&state, &headers)?;
    let mut world = state.world();
    if world
        .subscriptions
        .get(&id)
        .is_none_or(|s| s.mailbox != claims.oid)
    {
        return Err(not_found());
    }
    world.subscriptions.remove(&id);
    Ok(StatusCode::NO_CONTENT.into_response())
}
