//! `/api/admin/*`: the organization's settings and audit log, for Liaison's administrators —
//! users holding the app role `Liaison.Admin` in Entra (the `roles` claim at sign-in). The
//! tenant is the administrator's own, from the session; [`crate::admin::Admin`] does the work.

use axum::Json;
use axum::extract::State;
use liaison_domain::api::{AuditPage, OrgSettings};
use serde::Deserialize;

use crate::http::caller::Caller;
use crate::http::error::Result;
use crate::http::extract::{AppJson, AppQuery};
use crate::state::AppState;

/// `GET /api/admin/settings`
pub async fn get_settings(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<OrgSettings>> {
    caller.require_admin()?;
    Ok(Json(state.admin.settings(caller.tenant_id()).await?))
}

/// `PUT /api/admin/settings`: every change is audited.
pub async fn put_settings(
    State(state): State<AppState>,
    caller: Caller,
    AppJson(settings): AppJson<OrgSettings>,
) -> Result<Json<OrgSettings>> {
    caller.require_admin()?;
    Ok(Json(
        state.admin.update_settings(&caller.user, &settings).await?,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    #[serde(default)]
    limit: Option<u32>,
}

/// `GET /api/admin/audit?limit=`: the tenant's newest audit lines (at most 500).
pub async fn get_audit(
    State(state): State<AppState>,
    caller: Caller,
    AppQuery(query): AppQuery<AuditQuery>,
) -> Result<Json<AuditPage>> {
    caller.require_admin()?;
    let limit = query.limit.unwrap_or(100);
    Ok(Json(
        state.admin.audit_page(caller.tenant_id(), limit).await?,
    ))
}
