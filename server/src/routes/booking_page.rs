//! The public booking page: `GET /book/{secret}` shows the Organizer's free times (server-
//! rendered, usable without JavaScript), `POST /book/{secret}` books one. No sign-in: the
//! link's secret is the credential, so every request is rate-limited per client (the route
//! class) and per link. Nothing on the page tells more of the Organizer's calendar than which
//! of the offered times are free.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Deserialize;

use crate::booking::offer::zone;
use crate::booking::{Booked, BookingError, BookingForm, LinkState, OpenLink};
use crate::http::markup::escape;
use crate::http::pages::layout;
use crate::http::rate_limit::too_many;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    tz: Option<String>,
}

/// The zone the page shows times in: the invitee's choice when it is a zone, else the link's.
fn shown_zone(open: &OpenLink, asked: Option<&str>) -> (TimeZone, String) {
    asked
        .and_then(|name| zone(name).map(|z| (z, name.to_owned())))
        .unwrap_or_else(|| (open.offer.zone.clone(), open.offer.zone_name.clone()))
}

/// A page with no caching, ever: it may show who booked.
fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let head = "<script defer src=\"/assets/book.js\"></script>";
    let mut response = (status, Html(layout(title, head, body))).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A page that only says something (an unknown, expired or withdrawn link; a failure).
fn notice(status: StatusCode, title: &str, text: &str) -> Response {
    page(
        status,
        title,
        &format!(
            "<section class=\"booking\" id=\"notice\"><h1>{}</h1><p>{}</p></section>",
            escape(title),
            escape(text)
        ),
    )
}

fn inactive(state: LinkState) -> Result<Box<OpenLink>, Box<Response>> {
    match state {
        LinkState::Active(open) => Ok(open),
        LinkState::Unknown => Err(Box::new(notice(
            StatusCode::NOT_FOUND,
            "This booking link is not valid",
            "Check that you have the whole link, or ask the person who sent it for a new one.",
        ))),
        LinkState::Expired { initiator } => Err(Box::new(notice(
            StatusCode::GONE,
            "This booking link has expired",
            &format!("Ask {initiator} for a new one."),
        ))),
        LinkState::Revoked { initiator } => Err(Box::new(notice(
            StatusCode::GONE,
            "This booking link was withdrawn",
            &format!("Ask {initiator} for a new one if you still want to meet."),
        ))),
    }
}

fn failure(open: &OpenLink, error: &BookingError) -> Response {
    tracing::warn!(%error, "a booking page could not read or write the Organizer's calendar");
    notice(
        StatusCode::SERVICE_UNAVAILABLE,
        "Please try again in a few minutes",
        &format!(
            "{}'s calendar cannot be reached right now. Nothing was booked.",
            open.organizer.display_name
        ),
    )
}

/// The active link `secret` opens, or the page to answer instead: `429` for a link asked for
/// too often, a clear page for one that is unknown, expired or withdrawn.
async fn active_link(state: &AppState, secret: &str) -> Result<Box<OpenLink>, Box<Response>> {
    let key: String = secret.chars().take(64).collect();
    if let Err(wait) = state.limits.check_booking_link(&key) {
        return Err(Box::new(too_many(wait)));
    }
    match state.bookings.open(secret).await {
        Ok(found) => inactive(found),
        Err(error) => Err(Box::new(unavailable(&error))),
    }
}

/// `GET /book/{secret}`: the free times.
pub async fn show(
    State(state): State<AppState>,
    Path(secret): Path<String>,
    Query(query): Query<PageQuery>,
) -> Response {
    let open = match active_link(&state, &secret).await {
        Ok(open) => open,
        Err(page) => return *page,
    };
    let (zone, zone_name) = shown_zone(&open, query.tz.as_deref());
    match state.bookings.page_slots(&open).await {
        Ok(slots) => offer_page(
            StatusCode::OK,
            &secret,
            &open,
            &slots,
            (&zone, &zone_name),
            None,
            &Entered::default(),
        ),
        Err(error) => failure(&open, &error),
    }
}

/// `POST /book/{secret}`: books the chosen time.
pub async fn book(
    State(state): State<AppState>,
    Path(secret): Path<String>,
    body: Bytes,
) -> Response {
    let open = match active_link(&state, &secret).await {
        Ok(open) => open,
        Err(page) => return *page,
    };
    let form: BookingForm = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let (zone, zone_name) = shown_zone(&open, form.tz.as_deref());
    let entered = Entered {
        name: form.name.clone(),
        email: form.email.clone(),
    };
    let again = |status, message: &str, slots: &[Timestamp]| {
        offer_page(
            status,
            &secret,
            &open,
            slots,
            (&zone, &zone_name),
            Some(message),
            &entered,
        )
    };
    match state.bookings.book(&open, &form).await {
        Ok(Booked::Made(booking)) => booked_page(&open, &booking, (&zone, &zone_name)),
        Ok(Booked::InProgress) => notice(
            StatusCode::ACCEPTED,
            "Your booking is being made",
            "This form was sent already and its meeting is being made: reload this page in a \
             moment to see it.",
        ),
        Ok(outcome) => {
            let (status, message) = match outcome {
                Booked::Invalid(_, message) => (StatusCode::UNPROCESSABLE_ENTITY, message),
                _ => (
                    StatusCode::CONFLICT,
                    "That time was just taken. Please choose another.".to_owned(),
                ),
            };
            match state.bookings.page_slots(&open).await {
                Ok(slots) => again(status, &message, &slots),
                Err(error) => failure(&open, &error),
            }
        }
        Err(error) => failure(&open, &error),
    }
}

fn unavailable(error: &BookingError) -> Response {
    tracing::warn!(%error, "a booking link could not be read");
    notice(
        StatusCode::SERVICE_UNAVAILABLE,
        "Please try again in a few minutes",
        "The booking service cannot answer right now. Nothing was booked.",
    )
}

/// What the invitee typed, shown again when the page comes back with a message.
#[derive(Default)]
struct Entered {
    name: String,
    email: String,
}

fn day_of(at: Timestamp, zone: &TimeZone) -> String {
    at.to_zoned(zone.clone())
        .strftime("%A %-d %B %Y")
        .to_string()
}

fn time_of(at: Timestamp, zone: &TimeZone) -> String {
    at.to_zoned(zone.clone()).strftime("%H:%M").to_string()
}

/// The page of free times, grouped by day in the invitee's zone, with the booking form.
fn offer_page(
    status: StatusCode,
    secret: &str,
    open: &OpenLink,
    slots: &[Timestamp],
    (zone, zone_name): (&TimeZone, &str),
    message: Option<&str>,
    entered: &Entered,
) -> Response {
    let minutes = open.offer.length.as_mins();
    let action = format!("/book/{}", escape(secret));
    let mut body = format!(
        "<section class=\"booking\"><h1>{}</h1>\
         <p>A {minutes}-minute meeting with {}.</p>\
         <p id=\"initiator\">Sent by <strong>{}</strong>.</p>\
         <form method=\"get\" action=\"{action}\" class=\"zone\">\
         <label for=\"tz\">Times are shown in</label> \
         <input id=\"tz\" name=\"tz\" value=\"{}\" size=\"24\" autocomplete=\"off\"> \
         <button type=\"submit\">Show in this time zone</button></form>",
        escape(&open.link.subject),
        escape(&open.organizer.display_name),
        escape(&open.initiated_by()),
        escape(zone_name),
    );
    if let Some(message) = message {
        body.push_str(&format!(
            "<p class=\"error\" role=\"alert\" id=\"message\">{}</p>",
            escape(message)
        ));
    }
    if slots.is_empty() {
        body.push_str(&format!(
            "<p id=\"no-times\">No time is free any more. Ask {} for another link.</p></section>",
            escape(&open.link.initiator_name)
        ));
        return page(status, &open.link.subject, &body);
    }
    let attempt = uuid::Uuid::new_v4().simple().to_string();
    body.push_str(&format!(
        "<form method=\"post\" action=\"{action}\" id=\"book\">\
         <input type=\"hidden\" name=\"attempt\" value=\"{attempt}\">\
         <input type=\"hidden\" name=\"tz\" value=\"{}\">",
        escape(zone_name)
    ));
    let mut day = String::new();
    for start in slots {
        let this_day = day_of(*start, zone);
        if this_day != day {
            if !day.is_empty() {
                body.push_str("</fieldset>");
            }
            body.push_str(&format!(
                "<fieldset class=\"day\"><legend>{} ({})</legend>",
                escape(&this_day),
                escape(zone_name)
            ));
            day = this_day;
        }
        body.push_str(&format!(
            "<label class=\"slot\"><input type=\"radio\" name=\"slot\" value=\"{start}\" required> \
             {}–{}</label>",
            time_of(*start, zone),
            time_of(*start + open.offer.length, zone)
        ));
    }
    body.push_str(&format!(
        "</fieldset>\
         <p><label for=\"name\">Your name</label><br>\
         <input id=\"name\" name=\"name\" required maxlength=\"200\" autocomplete=\"name\" value=\"{}\"></p>\
         <p><label for=\"email\">Your e-mail address</label><br>\
         <input id=\"email\" name=\"email\" type=\"email\" required maxlength=\"254\" \
         autocomplete=\"email\" value=\"{}\"></p>\
         <p><button type=\"submit\">Book this time</button></p></form></section>",
        escape(&entered.name),
        escape(&entered.email)
    ));
    page(status, &open.link.subject, &body)
}

/// The confirmation.
fn booked_page(
    open: &OpenLink,
    booking: &crate::store::StoredBooking,
    (zone, zone_name): (&TimeZone, &str),
) -> Response {
    let start = Timestamp::from_millisecond(booking.start_ms).unwrap_or(Timestamp::UNIX_EPOCH);
    let end = Timestamp::from_millisecond(booking.end_ms).unwrap_or(Timestamp::UNIX_EPOCH);
    let body = format!(
        "<section class=\"booking\" id=\"booked\"><h1>You are booked</h1>\
         <p><strong>{}</strong>, {}, {}–{} ({}).</p>\
         <p>The meeting is in {}'s calendar; an invitation is on its way to {}.</p>\
         <p>Sent by {}.</p></section>",
        escape(&open.link.subject),
        escape(&day_of(start, zone)),
        time_of(start, zone),
        time_of(end, zone),
        escape(zone_name),
        escape(&open.organizer.display_name),
        escape(&booking.invitee_address),
        escape(&open.initiated_by()),
    );
    page(StatusCode::OK, "You are booked", &body)
}
