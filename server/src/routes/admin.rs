//! `/api/admin/*`: the organization's settings and audit log, for Liaison's administrators —
//! users holding the app role `Liaison.Admin` in Entra (the `roles` claim at sign-in). The
//! tenant is the administrator's own, from the session.

use axum::Json;
use axum::extract::State;
use liaison_domain::api::{AuditLine, AuditPage, OrgSettings};
use serde::Deserialize;

use crate::clock::to_rfc3339;
use crate::http::caller::Caller;
use crate::http::error::{ApiError, Result};
use crate::http::extract::{AppJson, AppQuery};
use crate::state::AppState;
use crate::store::{AuditAction, AuditEntry, UserId};

/// `GET /api/admin/settings`
pub async fn get_settings(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<OrgSettings>> {
    caller.require_admin()?;
    let tenant = state
        .store
        .tenant(caller.tenant_id())
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(OrgSettings {
        crm_category_name: tenant.crm_category_name,
        crm_category_color: tenant.crm_category_color,
        insta_sync: tenant.insta_sync,
        sync_interval_minutes: tenant.sync_interval_minutes,
    }))
}

/// `PUT /api/admin/settings`: every change is audited.
pub async fn put_settings(
    State(state): State<AppState>,
    caller: Caller,
    AppJson(settings): AppJson<OrgSettings>,
) -> Result<Json<OrgSettings>> {
    caller.require_admin()?;
    let name = settings.crm_category_name.trim();
    if name.is_empty() || name.chars().count() > 255 {
        return Err(invalid("crmCategoryName", "1 to 255 characters"));
    }
    let color = settings.crm_category_color.trim();
    let preset = color
        .strip_prefix("Preset")
        .and_then(|n| n.parse::<u8>().ok());
    if color != "None" && preset.is_none_or(|n| n > 24) {
        return Err(invalid(
            "crmCategoryColor",
            "an Office CategoryColor: None or Preset0 to Preset24",
        ));
    }
    if !(1..=1440).contains(&settings.sync_interval_minutes) {
        return Err(invalid("syncIntervalMinutes", "1 to 1440 minutes"));
    }
    let mut tenant = state
        .store
        .tenant(caller.tenant_id())
        .await?
        .ok_or(ApiError::NotFound)?;
    tenant.crm_category_name = name.to_owned();
    tenant.crm_category_color = color.to_owned();
    tenant.insta_sync = settings.insta_sync;
    tenant.sync_interval_minutes = settings.sync_interval_minutes;
    state.store.upsert_tenant(&tenant).await?;
    state
        .store
        .append_audit(&AuditEntry {
            tenant_id: tenant.id.clone(),
            actor_id: caller.user.id.clone(),
            on_behalf_of_id: None,
            action: AuditAction::AdminSettings,
            target: tenant.id.to_string(),
            allowed: true,
            reason: None,
            detail: Some(format!(
                "category {name} ({color}), insta-sync {}, every {} min",
                if settings.insta_sync { "on" } else { "off" },
                settings.sync_interval_minutes
            )),
        })
        .await?;
    get_settings(State(state), caller).await
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
    let limit = query.limit.unwrap_or(100).clamp(1, 500);
    let records = state.store.audit_log(caller.tenant_id(), limit).await?;
    let mut lines = Vec::with_capacity(records.len());
    for record in records {
        let mailbox = |id: UserId| {
            let state = &state;
            let tenant = caller.tenant_id().clone();
            async move {
                match state.store.user(&tenant, &id).await {
                    Ok(Some(user)) => user.mailbox,
                    _ => id.into_string(),
                }
            }
        };
        let allowed = record.allowed();
        lines.push(AuditLine {
            at: to_rfc3339(record.at_ms),
            actor: mailbox(record.actor_id).await,
            on_behalf_of: match record.on_behalf_of_id {
                Some(id) => Some(mailbox(id).await),
                None => None,
            },
            action: record.action,
            target: record.target,
            allowed,
            reason: record.reason,
            detail: record.detail,
        });
    }
    Ok(Json(AuditPage { lines }))
}

fn invalid(field: &str, message: &str) -> ApiError {
    ApiError::BadRequest {
        code: liaison_domain::api::ErrorCode::InvalidValue,
        message: message.into(),
        field: Some(field.into()),
    }
}
