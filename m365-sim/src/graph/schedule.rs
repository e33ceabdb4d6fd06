//! `getSchedule`: free/busy of the people a caller may see.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::state::SimState;
use crate::world::GraphEvent;

use super::access::*;

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
            // Free items are not free/busy's business; the others show with their status
            // (a recurring series through its occurrences: the master is not a time).
            let busy: Vec<&GraphEvent> = world.events.iter()
                .filter(|e| e.mailbox == user.id && !e.deleted && e.kind != "seriesMaster"
                    && !e.show_as.eq_ignore_ascii_case("free") && e.overlaps(&start, &end))
                .collect();
            // availabilityView: "0 = free or working elsewhere, 1 = tentative, 2 = busy,
            // 3 = out of office" (scheduleInformation); the busiest item of a slot wins.
            let digit = |e: &GraphEvent| match e.show_as.to_ascii_lowercase().as_str() {
                "tentative" => '1',
                "oof" => '3',
                "workingelsewhere" => '0',
                _ => '2',
            };
            let view: String = (0..((to - from + interval - 1) / interval))
                .map(|slot| {
                    let (a, b) = (from + slot * interval, from + (slot + 1) * interval);
                    busy.iter()
                        .filter(|e| minutes(&e.start) < b && minutes(&e.end) > a)
                        .map(|e| digit(e))
                        .max()
                        .unwrap_or('0')
                })
                .collect();
            json!({
                "scheduleId": address,
                "availabilityView": view,
                "scheduleItems": busy.iter().map(|e| json!({
                    "isPrivate": e.is_private(),
                    "status": e.show_as,
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
