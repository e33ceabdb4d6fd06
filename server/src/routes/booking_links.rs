//! Booking links: the sidebar makes them (`POST /api/booking-links`, after
//! `POST /api/booking-links/free-slots` to pick times), lists and withdraws them
//! (`GET /api/booking-links`, `DELETE /api/booking-links/{id}`); administrators list and withdraw
//! the tenant's (`/api/admin/booking-links`). The work is in [`crate::booking`].

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use liaison_domain::api::{
    BookingCalendars, BookingLink, BookingLinkCreated, BookingLinkRequest, BookingLinks, FreeSlots,
    FreeSlotsRequest,
};

use crate::http::caller::Caller;
use crate::http::console::AdminCaller;
use crate::http::error::Result;
use crate::http::extract::AppJson;
use crate::state::AppState;

/// `POST /api/booking-links/free-slots`: the Organizer's free times in days and hours, for the
/// sender to pick a link's slots from (judged as making a link is).
#[utoipa::path(
    post,
    path = "/booking-links/free-slots",
    tag = "booking",
    request_body = liaison_domain::api::FreeSlotsRequest,
    responses((status = 200, body = liaison_domain::api::FreeSlots), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []))
)]
pub async fn free_slots(
    State(state): State<AppState>,
    caller: Caller,
    AppJson(request): AppJson<FreeSlotsRequest>,
) -> Result<Json<FreeSlots>> {
    Ok(Json(
        state.bookings.free_slots(&caller.user, &request).await?,
    ))
}

/// `POST /api/booking-links`: a link to the Organizer's free times for the item being composed.
/// Refused `403` with the rule's code unless the caller may send the calendar's availability
/// (Editor, Author, the Organizer), and `403 from_not_yours` when the item's From is someone
/// they may not send for. The answer carries the link's URL, shown this once.
#[utoipa::path(
    post,
    path = "/booking-links",
    tag = "booking",
    request_body = liaison_domain::api::BookingLinkRequest,
    responses((status = 201, body = liaison_domain::api::BookingLinkCreated), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []))
)]
pub async fn create_link(
    State(state): State<AppState>,
    caller: Caller,
    AppJson(request): AppJson<BookingLinkRequest>,
) -> Result<(StatusCode, Json<BookingLinkCreated>)> {
    let (link, secret) = state.bookings.create_link(&caller.user, &request).await?;
    let link = state
        .bookings
        .present(&link, &mut Default::default())
        .await?;
    let url = format!(
        "{}/book/{secret}",
        state.public_url.as_str().trim_end_matches('/')
    );
    Ok((StatusCode::CREATED, Json(BookingLinkCreated { link, url })))
}

/// `GET /api/booking-links/calendars`: the calendars the caller may choose to offer — their
/// own, and those they added in Outlook of people who use Liaison.
#[utoipa::path(
    get,
    path = "/booking-links/calendars",
    tag = "booking",
    responses((status = 200, body = liaison_domain::api::BookingCalendars), (status = "4XX", description = "the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []))
)]
pub async fn list_calendars(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<BookingCalendars>> {
    let calendars = state.bookings.calendars(&caller.user).await?;
    Ok(Json(BookingCalendars { calendars }))
}

/// `GET /api/booking-links`: the links the caller made, and those offering their calendar.
#[utoipa::path(
    get,
    path = "/booking-links",
    tag = "booking",
    responses((status = 200, body = liaison_domain::api::BookingLinks), (status = "4XX", description = "the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []))
)]
pub async fn list_links(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<BookingLinks>> {
    let links = state.bookings.links(&caller.user, false).await?;
    Ok(Json(BookingLinks { links }))
}

/// `DELETE /api/booking-links/{id}`: withdraws a link the caller made or that offers their
/// calendar; its page then says so.
#[utoipa::path(
    delete,
    path = "/booking-links/{id}",
    tag = "booking",
    params(("id" = String, Path)),
    responses((status = 200, body = liaison_domain::api::BookingLink), (status = "4XX", description = "unknown: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []))
)]
pub async fn revoke_link(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<BookingLink>> {
    Ok(Json(state.bookings.revoke(&caller.user, &id, false).await?))
}

/// `GET /api/admin/booking-links`: the tenant's links, newest first.
#[utoipa::path(
    get,
    path = "/admin/booking-links",
    tag = "admin",
    responses((status = 200, body = liaison_domain::api::BookingLinks), (status = "4XX", description = "refused: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []), ("console" = []))
)]
pub async fn admin_list_links(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
) -> Result<Json<BookingLinks>> {
    let links = state.bookings.links(&caller.user, true).await?;
    Ok(Json(BookingLinks { links }))
}

/// `DELETE /api/admin/booking-links/{id}`: an administrator withdraws any of the tenant's links.
#[utoipa::path(
    delete,
    path = "/admin/booking-links/{id}",
    tag = "admin",
    params(("id" = String, Path)),
    responses((status = 200, body = liaison_domain::api::BookingLink), (status = "4XX", description = "refused or unknown: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []), ("console" = []))
)]
pub async fn admin_revoke_link(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    Path(id): Path<String>,
) -> Result<Json<BookingLink>> {
    Ok(Json(state.bookings.revoke(&caller.user, &id, true).await?))
}
