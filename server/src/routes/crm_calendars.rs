//! The Organizers' CRM calendars, as the CRM page reads them: `GET /api/crm/calendars` and
//! `GET /api/crm/calendars/{mailbox}/events?from=&to=`; and the CRM page itself (`GET /crm`,
//! one page over these and the records API, signed in by redirect at `/crm/sign-in`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use liaison_domain::api::{CalendarEvents, CrmCalendar};
use serde::Deserialize;

use crate::http::console::ConsoleCaller;
use crate::http::error::Result;
use crate::http::extract::AppQuery;
use crate::routes::records::reader;
use crate::routes::sign_in::to_provider;
use crate::state::AppState;

const CRM_PAGE: &str = include_str!("../../../assets/crm.html");

/// `GET /crm`: the CRM page, for everyone signed in (outside Outlook).
pub async fn get_crm_page() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        CRM_PAGE,
    )
}

/// `GET /crm/sign-in`: Microsoft sign-in by redirect, back to the CRM page.
pub async fn start_crm_sign_in(State(state): State<AppState>) -> Result<Response> {
    let started = state.sign_in.start_crm_page().await?;
    Ok(to_provider(&state, started))
}

/// `GET /api/crm/calendars`: the CRM calendars the caller may read, their own first.
#[utoipa::path(
    get,
    path = "/crm/calendars",
    tag = "crm",
    responses((status = 200, body = Vec<liaison_domain::api::CrmCalendar>), (status = "4XX", description = "refused: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []), ("console" = []))
)]
pub async fn list_calendars(
    State(state): State<AppState>,
    ConsoleCaller { caller, .. }: ConsoleCaller,
) -> Result<Json<Vec<CrmCalendar>>> {
    Ok(Json(state.records.calendars(reader(&caller)).await?))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SpanQuery {
    from: Option<String>,
    to: Option<String>,
}

/// `GET /api/crm/calendars/{mailbox}/events?from=&to=`: an Organizer's CRM calendar.
#[utoipa::path(
    get,
    path = "/crm/calendars/{mailbox}/events",
    tag = "crm",
    params(("mailbox" = String, Path), ("from" = Option<String>, Query, description = "YYYY-MM-DD, UTC (today)"), ("to" = Option<String>, Query, description = "YYYY-MM-DD, excluded (from + 7 days); at most 92 days after from")),
    responses((status = 200, body = liaison_domain::api::CalendarEvents), (status = "4XX", description = "refused, unknown or invalid: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []), ("console" = []))
)]
pub async fn calendar_events(
    State(state): State<AppState>,
    ConsoleCaller { caller, .. }: ConsoleCaller,
    Path(mailbox): Path<String>,
    AppQuery(span): AppQuery<SpanQuery>,
) -> Result<Json<CalendarEvents>> {
    let filled = |v: &Option<String>| v.as_deref().filter(|t| !t.is_empty()).map(str::to_owned);
    Ok(Json(
        state
            .records
            .calendar_events(
                reader(&caller),
                &mailbox,
                filled(&span.from).as_deref(),
                filled(&span.to).as_deref(),
            )
            .await?,
    ))
}
