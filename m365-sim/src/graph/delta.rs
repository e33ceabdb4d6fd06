//! `calendarView/delta`: pages, `@removed`, the delta link as opaque state, `410` for a
//! state Graph evicted.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::HashMap;

use crate::state::SimState;
use crate::traffic::graph_error;
use crate::world::{GraphEvent, IdForm};

use super::access::*;

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
    let size = page_size(&world, &headers);
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
                e.to_json(access.limited(e), form, None)
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
