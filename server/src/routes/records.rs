//! The CRM records API: `/api/crm/records/{id}` (create, read, change at a version, delete,
//! restore), its shares and its history of meetings, and `/api/crm/calendar-shares` (who may
//! see or edit an Organizer's CRM events). Each handler extracts, calls `Records`, maps.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use liaison_domain::api::{
    CalendarShares, ErrorCode, RecordDetail, RecordEvents, RecordInput, ShareRequest,
};
use serde::Deserialize;

use crate::crm_records::Reader;
use crate::http::caller::Caller;
use crate::http::console::ConsoleCaller;
use crate::http::error::{ApiError, Result};
use crate::http::extract::{AppJson, AppQuery};
use crate::state::AppState;

pub(crate) fn reader(caller: &Caller) -> Reader<'_> {
    Reader {
        user: &caller.user,
        is_admin: caller.is_admin,
    }
}

/// The version `If-Match` names: `"3"`, `W/"3"` or `3`; `None` when absent.
fn if_match(headers: &HeaderMap) -> Result<Option<i64>> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .map(|v| v.trim().trim_start_matches("W/").trim_matches('"'))
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|v| *v > 0)
        .map(Some)
        .ok_or_else(|| ApiError::BadRequest {
            code: ErrorCode::InvalidValue,
            message: "If-Match must name a version this API gave out as an ETag, e.g. \"3\"".into(),
            field: Some("If-Match".into()),
        })
}

/// A record with its version as the `ETag`.
fn with_etag(status: StatusCode, detail: &RecordDetail) -> Response {
    let etag = HeaderValue::from_str(&format!("\"{}\"", detail.version))
        .unwrap_or(HeaderValue::from_static("\"0\""));
    (status, [(header::ETAG, etag)], Json(detail)).into_response()
}

/// `POST /api/crm/records`, with an optional `Idempotency-Key` header.
#[utoipa::path(
    post,
    path = "/crm/records",
    tag = "crm",
    params(("Idempotency-Key" = Option<String>, Header, description = "replays the first answer to the same key and body")),
    request_body = liaison_domain::api::RecordInput,
    responses((status = 201, body = liaison_domain::api::RecordDetail), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []))
)]
pub async fn create_record(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    AppJson(input): AppJson<RecordInput>,
) -> Result<Response> {
    // A key that is not visible ASCII becomes "\0", which the key's validation refuses (400).
    let key = headers
        .get("idempotency-key")
        .map(|v| v.to_str().unwrap_or("\u{0}"));
    let stored = state.records.create(reader(&caller), &input, key).await?;
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::CREATED);
    let mut response = (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        stored.body.clone(),
    )
        .into_response();
    if let Ok(detail) = serde_json::from_str::<RecordDetail>(&stored.body) {
        let headers = response.headers_mut();
        if let Ok(etag) = HeaderValue::from_str(&format!("\"{}\"", detail.version)) {
            headers.insert(header::ETAG, etag);
        }
        if let Ok(location) = HeaderValue::from_str(&format!("/api/crm/records/{}", detail.id)) {
            headers.insert(header::LOCATION, location);
        }
    }
    Ok(response)
}

/// `GET /api/crm/records/{id}`
#[utoipa::path(
    get,
    path = "/crm/records/{id}",
    tag = "crm",
    params(("id" = String, Path)),
    responses((status = 200, body = liaison_domain::api::RecordDetail), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []), ("console" = []))
)]
pub async fn get_record(
    State(state): State<AppState>,
    ConsoleCaller { caller, .. }: ConsoleCaller,
    Path(id): Path<String>,
) -> Result<Response> {
    let detail = state.records.get(reader(&caller), &id).await?;
    Ok(with_etag(StatusCode::OK, &detail))
}

/// `PATCH /api/crm/records/{id}` with `If-Match: "<version>"`.
#[utoipa::path(
    patch,
    path = "/crm/records/{id}",
    tag = "crm",
    params(("id" = String, Path), ("If-Match" = String, Header, description = "the version read (the ETag)")),
    request_body = liaison_domain::api::RecordInput,
    responses((status = 200, body = liaison_domain::api::RecordDetail), (status = 412, description = "the record changed since", body = liaison_domain::api::ErrorBody), (status = 428, description = "no If-Match", body = liaison_domain::api::ErrorBody), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []))
)]
pub async fn update_record(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    AppJson(input): AppJson<RecordInput>,
) -> Result<Response> {
    let version = if_match(&headers)?.ok_or(ApiError::PreconditionRequired)?;
    let detail = state
        .records
        .update(reader(&caller), &id, &input, version)
        .await?;
    Ok(with_etag(StatusCode::OK, &detail))
}

/// `DELETE /api/crm/records/{id}` (optionally `If-Match`): a soft delete.
#[utoipa::path(
    delete,
    path = "/crm/records/{id}",
    tag = "crm",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "the version read (the ETag)")),
    responses((status = 204, description = "deleted; an administrator can restore it"), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []))
)]
pub async fn delete_record(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode> {
    let version = if_match(&headers)?;
    state.records.delete(reader(&caller), &id, version).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/crm/records/{id}/restore` (administrators).
#[utoipa::path(
    post,
    path = "/crm/records/{id}/restore",
    tag = "crm",
    params(("id" = String, Path)),
    responses((status = 200, body = liaison_domain::api::RecordDetail), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []))
)]
pub async fn restore_record(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response> {
    let detail = state.records.restore(reader(&caller), &id).await?;
    Ok(with_etag(StatusCode::OK, &detail))
}

/// `PUT /api/crm/records/{id}/shares/{mailbox}`
#[utoipa::path(
    put,
    path = "/crm/records/{id}/shares/{mailbox}",
    tag = "crm",
    params(("id" = String, Path), ("mailbox" = String, Path)),
    request_body = liaison_domain::api::ShareRequest,
    responses((status = 200, body = liaison_domain::api::RecordDetail), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []))
)]
pub async fn share_record(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, mailbox)): Path<(String, String)>,
    AppJson(request): AppJson<ShareRequest>,
) -> Result<Json<RecordDetail>> {
    let detail = state
        .records
        .share(reader(&caller), &id, &mailbox, Some(request.access))
        .await?;
    Ok(Json(detail))
}

/// `DELETE /api/crm/records/{id}/shares/{mailbox}`
#[utoipa::path(
    delete,
    path = "/crm/records/{id}/shares/{mailbox}",
    tag = "crm",
    params(("id" = String, Path), ("mailbox" = String, Path)),
    responses((status = 200, body = liaison_domain::api::RecordDetail), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []))
)]
pub async fn unshare_record(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, mailbox)): Path<(String, String)>,
) -> Result<Json<RecordDetail>> {
    let detail = state
        .records
        .share(reader(&caller), &id, &mailbox, None)
        .await?;
    Ok(Json(detail))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HistoryQuery {
    limit: Option<u32>,
    cursor: Option<String>,
}

/// `GET /api/crm/records/{id}/events?limit=&cursor=`: the record's meetings, newest first.
#[utoipa::path(
    get,
    path = "/crm/records/{id}/events",
    tag = "crm",
    params(("id" = String, Path), ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = liaison_domain::api::RecordEvents), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []), ("console" = []))
)]
pub async fn record_history(
    State(state): State<AppState>,
    ConsoleCaller { caller, .. }: ConsoleCaller,
    Path(id): Path<String>,
    AppQuery(query): AppQuery<HistoryQuery>,
) -> Result<Json<RecordEvents>> {
    let events = state
        .records
        .history(
            reader(&caller),
            &id,
            query.limit,
            query.cursor.as_deref().filter(|c| !c.is_empty()),
        )
        .await?;
    Ok(Json(events))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrganizerQuery {
    organizer: Option<String>,
}

/// `GET /api/crm/calendar-shares?organizer=`: the caller's own, or (administrators) anyone's.
#[utoipa::path(
    get,
    path = "/crm/calendar-shares",
    tag = "crm",
    params(("organizer" = Option<String>, Query)),
    responses((status = 200, body = liaison_domain::api::CalendarShares), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []))
)]
pub async fn get_calendar_shares(
    State(state): State<AppState>,
    caller: Caller,
    AppQuery(query): AppQuery<OrganizerQuery>,
) -> Result<Json<CalendarShares>> {
    let shares = state
        .records
        .calendar_shares(reader(&caller), query.organizer.as_deref())
        .await?;
    Ok(Json(shares))
}

/// `PUT /api/crm/calendar-shares/{mailbox}?organizer=`
#[utoipa::path(
    put,
    path = "/crm/calendar-shares/{mailbox}",
    tag = "crm",
    params(("mailbox" = String, Path), ("organizer" = Option<String>, Query)),
    request_body = liaison_domain::api::ShareRequest,
    responses((status = 200, body = liaison_domain::api::CalendarShares), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []))
)]
pub async fn share_calendar(
    State(state): State<AppState>,
    caller: Caller,
    Path(mailbox): Path<String>,
    AppQuery(query): AppQuery<OrganizerQuery>,
    AppJson(request): AppJson<ShareRequest>,
) -> Result<Json<CalendarShares>> {
    let shares = state
        .records
        .share_calendar(
            reader(&caller),
            query.organizer.as_deref(),
            &mailbox,
            Some(request.access),
        )
        .await?;
    Ok(Json(shares))
}

/// `DELETE /api/crm/calendar-shares/{mailbox}?organizer=`
#[utoipa::path(
    delete,
    path = "/crm/calendar-shares/{mailbox}",
    tag = "crm",
    params(("mailbox" = String, Path), ("organizer" = Option<String>, Query)),
    responses((status = 200, body = liaison_domain::api::CalendarShares), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []))
)]
pub async fn unshare_calendar(
    State(state): State<AppState>,
    caller: Caller,
    Path(mailbox): Path<String>,
    AppQuery(query): AppQuery<OrganizerQuery>,
) -> Result<Json<CalendarShares>> {
    let shares = state
        .records
        .share_calendar(reader(&caller), query.organizer.as_deref(), &mailbox, None)
        .await?;
    Ok(Json(shares))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChangesQuery {
    after: Option<String>,
    limit: Option<u32>,
}

/// `GET /api/crm/changes?after=&limit=` (administrators): the CRM's changes in commit order.
#[utoipa::path(
    get,
    path = "/crm/changes",
    tag = "crm",
    params(("after" = Option<String>, Query, description = "the cursor of the last change read"), ("limit" = Option<u32>, Query, description = "1–1000, 100 by default")),
    responses((status = 200, body = liaison_domain::api::ChangePage), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []), ("console" = []))
)]
pub async fn get_changes(
    State(state): State<AppState>,
    caller: Caller,
    AppQuery(query): AppQuery<ChangesQuery>,
) -> Result<Json<liaison_domain::api::ChangePage>> {
    let page = state
        .records
        .changes(reader(&caller), query.after.as_deref(), query.limit)
        .await?;
    Ok(Json(page))
}
