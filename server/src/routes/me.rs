//! `GET /api/me` and `PUT /api/me/sync`: the signed-in user, their connections and their own
//! settings. Turning sync on is what lets delegates create CRM events for the user's items;
//! every change is audited, and turning it on schedules the first sync session.

use axum::Json;
use axum::extract::State;
use liaison_domain::api::{ConnectionState, Connections, Me, SyncSetting};

use crate::http::caller::Caller;
use crate::http::error::Result;
use crate::http::extract::AppJson;
use crate::state::AppState;
use crate::store::{AuditAction, AuditEntry, ConnectionStatus, Provider, User};

pub async fn get_me(State(state): State<AppState>, caller: Caller) -> Result<Json<Me>> {
    Ok(Json(me(&state, &caller.user).await?))
}

pub async fn set_sync_setting(
    State(state): State<AppState>,
    caller: Caller,
    AppJson(setting): AppJson<SyncSetting>,
) -> Result<Json<Me>> {
    let mut user = caller.user.clone();
    user.sync_enabled = setting.sync_enabled;
    state.store.upsert_user(&user).await?;
    let mut audit = AuditEntry::allowed(
        &user.tenant_id,
        &user.id,
        AuditAction::SettingsSync,
        &user.mailbox,
    );
    audit.detail = Some(if setting.sync_enabled { "on" } else { "off" }.into());
    state.store.append_audit(&audit).await?;
    if user.sync_enabled {
        state.sync.schedule(&user.key()).await?;
    }
    Ok(Json(me(&state, &user).await?))
}

/// The user as the API shows them, with the state of their connections.
pub async fn me(state: &AppState, user: &User) -> Result<Me> {
    let mut connections = Connections::default();
    for (provider, slot) in [
        (Provider::Microsoft, &mut connections.microsoft),
        (Provider::Google, &mut connections.google),
    ] {
        *slot = match state.store.connection(&user.key(), provider).await? {
            None => ConnectionState::NotConnected,
            Some(c) if c.status == ConnectionStatus::NeedsReconnect => {
                ConnectionState::NeedsReconnect
            }
            Some(_) => ConnectionState::Connected,
        };
    }
    Ok(Me {
        mailbox: user.mailbox.clone(),
        display_name: user.display_name.clone(),
        sync_enabled: user.sync_enabled,
        connections,
    })
}
