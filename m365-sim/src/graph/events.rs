//! Events: list, `calendarView`, create, read (REST or immutable ids, `Prefer: IdType`, the
//! creator's `PidTagCreatorName` or `PidTagCreatorEntryId` on `$expand`), update with `If-Match`,
//! delete and `permanentDelete`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;

use crate::state::{SimState, now_rfc3339};
use crate::traffic::graph_error;
use crate::world::{CreatorProperty, GraphEvent, IdForm, World};

use super::access::*;

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
        .map(|e| e.to_json(access.limited(e), IdForm::of(&headers), None))
        .collect();
    let skip = query.get("$skip").and_then(|s| s.parse().ok()).unwrap_or(0);
    let base = format!("{}/v1.0/users/{}/events", state.base_url, access.owner);
    Ok(Json(page(items, skip, page_size(&world, &headers), |n| {
        format!("{base}?$skip={n}")
    }))
    .into_response())
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
        .map(|e| e.to_json(access.limited(e), form, expanded(&query, access.limited(e))))
        .collect();
    let skip = query.get("$skip").and_then(|s| s.parse().ok()).unwrap_or(0);
    let base = format!(
        "{}/v1.0/users/{}/calendarView",
        state.base_url, access.owner
    );
    let (qs, qe) = (query["startDateTime"].clone(), query["endDateTime"].clone());
    Ok(Json(page(items, skip, page_size(&world, &headers), |n| {
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
    show_as: Option<String>,
    body: Option<BodyWrite>,
    transaction_id: Option<String>,
    attendees: Option<Vec<Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct BodyWrite {
    #[serde(default)]
    content: String,
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
            Json(existing.to_json(false, IdForm::of(&headers), None)),
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
        // Graph's default for a new event.
        show_as: write.show_as.unwrap_or_else(|| "busy".into()),
        body: write.body.map(|b| b.content).unwrap_or_default(),
        categories: write.categories.unwrap_or_default(),
        kind: "singleInstance",
        series_master_id: None,
        transaction_id: write.transaction_id,
        deleted: false,
        seq,
        created: now.clone(),
        last_modified: now,
    };
    let json = event.to_json(false, IdForm::of(&headers), None);
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

/// The creator's property `$expand` asks for, as Microsoft documents the query: one
/// `singleValueExtendedProperties($filter=id eq '…')` (ids compare without case). What a caller
/// may not see of a private item (`limited`) carries none.
fn expanded(query: &HashMap<String, String>, limited: bool) -> Option<CreatorProperty> {
    let expand = query.get("$expand")?.to_ascii_lowercase().replace(' ', "");
    let filter = expand
        .strip_prefix("singlevalueextendedproperties($filter=id")?
        .strip_suffix(')')?;
    let property = match filter {
        "eq'string0x3ff8'" => CreatorProperty::Name,
        "eq'binary0x3ff9'" => CreatorProperty::EntryId,
        _ => return None,
    };
    (!limited).then_some(property)
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
    if limited && world.private_item_read == crate::world::PrivateItemRead::Refused {
        return Err(denied());
    }
    Ok(
        Json(event.to_json(limited, IdForm::of(&headers), expanded(&query, limited)))
            .into_response(),
    )
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
    Ok(Json(world.events[index].to_json(false, IdForm::of(&headers), None)).into_response())
}

/// `DELETE /v1.0/users/{user}/events/{id}`: `204`. Deleting a series master deletes its
/// occurrences.
pub async fn delete_event(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    Path((user, id)): Path<(String, String)>,
) -> GraphResult {
    remove_event(&state, &headers, &user, &id)
}

/// `POST /v1.0/users/{user}/events/{id}/permanentDelete`: as delete (204), and the item is not
/// kept among deleted items (the simulator keeps none anyway).
pub async fn permanent_delete_event(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    Path((user, id)): Path<(String, String)>,
) -> GraphResult {
    remove_event(&state, &headers, &user, &id)
}

fn remove_event(state: &SimState, headers: &HeaderMap, user: &str, id: &str) -> GraphResult {
    let claims = caller(state, headers)?;
    let mut world = state.world();
    let access = Access::resolve(&world, &claims, user, true)?;
    let index = find_event(&world, &access.owner, id)?;
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
