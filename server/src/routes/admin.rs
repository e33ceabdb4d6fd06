//! `/api/admin/*`: the organization's administration, for Liaison's administrators — users
//! holding the app role `Liaison.Admin` in Entra (the `roles` claim at sign-in), signed in from
//! the task pane (a bearer session) or the console (its cookie, [`crate::http::console`]).
//! Every route but `me` and `session` refuses everyone else (`403`, audited). The tenant is the
//! administrator's own, from the session; [`crate::admin::Admin`] does the work.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use liaison_domain::api::{
    ConsoleUser, Deployment, Diagnosis, OrgSettings, SyncOverview, UserPage,
};
use serde::Deserialize;

use crate::admin::AdminError;
use crate::admin::audit::{AuditRequest, Format};
use crate::auth::cookies::SameSite;
use crate::auth::sessions::{self, CONSOLE_COOKIE};
use crate::http::console::{AdminCaller, ConsoleCaller};
use crate::http::error::Result;
use crate::http::extract::{AppJson, AppQuery};
use crate::state::AppState;

/// `GET /api/admin/me`: who the console is signed in as (any signed-in person).
#[utoipa::path(
    get,
    path = "/admin/me",
    tag = "admin",
    responses((status = 200, body = liaison_domain::api::ConsoleUser), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []), ("console" = []))
)]
pub async fn get_me(console: ConsoleCaller) -> Json<ConsoleUser> {
    let caller = console.caller;
    Json(ConsoleUser {
        mailbox: caller.user.mailbox,
        display_name: caller.user.display_name,
        is_admin: caller.is_admin,
    })
}

/// `DELETE /api/admin/session`: signs the console out (the session ends, the cookie goes).
#[utoipa::path(
    delete,
    path = "/admin/session",
    tag = "admin",
    responses((status = 204), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []), ("console" = []))
)]
pub async fn end_session(
    State(state): State<AppState>,
    console: ConsoleCaller,
) -> Result<Response> {
    sessions::end(state.store.as_ref(), &console.caller.session_hash).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    if console.from_cookie {
        let clear = CONSOLE_COOKIE.set("", 0, state.public_url.is_https(), SameSite::Strict);
        if let Ok(clear) = HeaderValue::from_str(&clear) {
            response.headers_mut().insert(header::SET_COOKIE, clear);
        }
    }
    Ok(response)
}

/// `GET /api/admin/settings`
#[utoipa::path(
    get,
    path = "/admin/settings",
    tag = "admin",
    responses((status = 200, body = liaison_domain::api::OrgSettings), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []), ("console" = []))
)]
pub async fn get_settings(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
) -> Result<Json<OrgSettings>> {
    Ok(Json(state.admin.settings(caller.tenant_id()).await?))
}

/// `PUT /api/admin/settings`: every change is audited.
#[utoipa::path(
    put,
    path = "/admin/settings",
    tag = "admin",
    request_body = liaison_domain::api::OrgSettings,
    responses((status = 200, body = liaison_domain::api::OrgSettings), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []), ("console" = []))
)]
pub async fn put_settings(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    AppJson(settings): AppJson<OrgSettings>,
) -> Result<Json<OrgSettings>> {
    Ok(Json(
        state.admin.update_settings(&caller.user, &settings).await?,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DiagnoseQuery {
    delegate: String,
    owner: String,
    item_id: String,
}

/// `GET /api/admin/diagnose?delegate=&owner=&itemId=`: what the delegate's sidebar shows on
/// the item, every action's verdict and why, from the facts the server looks up.
#[utoipa::path(
    get,
    path = "/admin/diagnose",
    tag = "admin",
    params(("delegate" = String, Query), ("owner" = String, Query), ("itemId" = String, Query)),
    responses((status = 200, body = liaison_domain::api::Diagnosis), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []), ("console" = []))
)]
pub async fn diagnose(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    AppQuery(query): AppQuery<DiagnoseQuery>,
) -> Result<Json<Diagnosis>> {
    let diagnosis = state
        .admin
        .diagnose(&caller.user, &query.delegate, &query.owner, &query.item_id)
        .await?;
    Ok(Json(diagnosis))
}

/// `GET /api/admin/deploy`: the manifests, the consent link, the permissions and why.
#[utoipa::path(
    get,
    path = "/admin/deploy",
    tag = "admin",
    responses((status = 200, body = liaison_domain::api::Deployment), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []), ("console" = []))
)]
pub async fn get_deployment(
    State(state): State<AppState>,
    AdminCaller(_admin): AdminCaller,
) -> Json<Deployment> {
    Json(crate::admin::deploy::deployment(state.public_url.as_str()))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsersQuery {
    #[serde(default)]
    cursor: Option<String>,
    #[serde(default)]
    limit: Option<u32>,
    /// Only the people who need attention.
    #[serde(default)]
    attention: Option<bool>,
}

/// `GET /api/admin/users?cursor=&limit=&attention=true`: the tenant's people, by mailbox.
#[utoipa::path(
    get,
    path = "/admin/users",
    tag = "admin",
    params(("cursor" = Option<String>, Query), ("limit" = Option<u32>, Query), ("attention" = Option<bool>, Query)),
    responses((status = 200, body = liaison_domain::api::UserPage), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []), ("console" = []))
)]
pub async fn get_users(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    AppQuery(query): AppQuery<UsersQuery>,
) -> Result<Json<UserPage>> {
    let page = state
        .admin
        .people(
            caller.tenant_id(),
            query.cursor,
            query.limit.unwrap_or(50),
            query.attention.unwrap_or(false),
        )
        .await?;
    Ok(Json(page))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncQuery {
    /// Only this Organizer's sessions (a mailbox).
    #[serde(default)]
    organizer: Option<String>,
    #[serde(default)]
    before: Option<String>,
    #[serde(default)]
    limit: Option<u32>,
}

/// `GET /api/admin/sync?organizer=&before=&limit=`: stopped syncs and sessions, newest first.
#[utoipa::path(
    get,
    path = "/admin/sync",
    tag = "admin",
    params(("organizer" = Option<String>, Query), ("before" = Option<String>, Query), ("limit" = Option<u32>, Query)),
    responses((status = 200, body = liaison_domain::api::SyncOverview), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []), ("console" = []))
)]
pub async fn get_sync(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    AppQuery(query): AppQuery<SyncQuery>,
) -> Result<Json<SyncOverview>> {
    let overview = state
        .admin
        .sync_overview(
            caller.tenant_id(),
            query.organizer.as_deref(),
            query.before,
            query.limit.unwrap_or(50),
        )
        .await?;
    Ok(Json(overview))
}

/// `POST /api/admin/sync/{mailbox}/resume`: the sync the circuit breaker stopped runs again.
#[utoipa::path(
    post,
    path = "/admin/sync/{mailbox}/resume",
    tag = "admin",
    params(("mailbox" = String, Path)),
    responses((status = 204), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []), ("console" = []))
)]
pub async fn resume_sync(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    Path(mailbox): Path<String>,
) -> Result<StatusCode> {
    state.admin.resume_sync(&caller.user, &mailbox).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/admin/audit`: the tenant's audit log, newest first, filtered by `actor`,
/// `onBehalfOf` (mailboxes), `action`, `target` (contains), `outcome` (`allowed`/`refused`),
/// `from`/`to` (RFC 3339); a page (`before`, `limit`, at most 500), or with `format=csv` or
/// `format=jsonl` every line the filters keep, streamed as a download.
#[utoipa::path(
    get,
    path = "/admin/audit",
    tag = "admin",
    params(("actor" = Option<String>, Query), ("onBehalfOf" = Option<String>, Query), ("action" = Option<String>, Query), ("target" = Option<String>, Query), ("outcome" = Option<String>, Query, description = "allowed or refused"), ("from" = Option<String>, Query, description = "RFC 3339"), ("to" = Option<String>, Query, description = "RFC 3339"), ("before" = Option<String>, Query), ("limit" = Option<u32>, Query), ("format" = Option<String>, Query, description = "json (a page), csv or jsonl (every line, streamed)")),
    responses((status = 200, body = liaison_domain::api::AuditPage), (status = "2XX", description = "format=csv (text/csv) or format=jsonl (application/x-ndjson): every line the filters keep, as a download", content_type = "text/csv"), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []), ("console" = []))
)]
pub async fn get_audit(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    AppQuery(request): AppQuery<AuditRequest>,
) -> Result<Response> {
    let checked = request.check().map_err(AdminError::from)?;
    let (content_type, extension) = match checked.format {
        Format::Page => {
            let page = state.admin.audit_page(caller.tenant_id(), &checked).await?;
            return Ok(Json(page).into_response());
        }
        Format::Csv => ("text/csv; charset=utf-8", "csv"),
        Format::JsonLines => ("application/x-ndjson", "jsonl"),
    };
    let stream = state.admin.audit_export(caller.tenant_id(), checked);
    let stream = futures::StreamExt::map(stream, |chunk| {
        chunk.map_err(|error| {
            // The answer has begun: a failure can only cut it short (and is logged once).
            tracing::warn!(%error, "an audit export stopped");
            std::io::Error::other("the record store failed during the export")
        })
    });
    let day = crate::clock::to_rfc3339(crate::clock::now_ms());
    let filename = format!("liaison-audit-{}.{extension}", &day[..10]);
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}
