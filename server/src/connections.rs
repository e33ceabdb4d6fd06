//! Connected calendar accounts: storing their refresh tokens sealed, and turning them into
//! access tokens — one refresh in flight per account, the rotated refresh token written only if
//! the one it replaces is still current, and `invalid_grant` putting the account in "needs
//! reconnect" (shown to the user; nothing is dropped).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};

use crate::error::ApiError;
use crate::identity::oauth::{self, OAuthError, TokenSet};
use crate::scopes;
use crate::secrets::Aad;
use crate::state::AppState;
use crate::store::model::{AuditEntry, Connection, ConnectionStatus, Provider};

/// The column sealed refresh tokens are bound to.
const COLUMN: &str = "connections.refresh_token";

/// The associated data of `user`'s `provider` refresh token.
pub fn aad<'a>(tenant_id: &'a str, owner: &'a str) -> Aad<'a> {
    Aad {
        tenant_id,
        owner_id: owner,
        column: COLUMN,
    }
}

/// `user_id/provider`: the owner a sealed refresh token is bound to.
pub fn owner_key(user_id: &str, provider: Provider) -> String {
    format!("{user_id}/{}", provider.as_str())
}

type Slot = Arc<tokio::sync::Mutex<Option<(SecretString, Instant)>>>;

/// Per-account locks and the access tokens they guard (in memory only).
#[derive(Default)]
pub struct AccessTokens {
    slots: Mutex<HashMap<String, Slot>>,
}

impl AccessTokens {
    fn slot(&self, key: String) -> Slot {
        self.slots
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(key)
            .or_default()
            .clone()
    }

    /// Forgets a cached access token (after Graph refused it).
    pub async fn forget(&self, tenant_id: &str, user_id: &str, provider: Provider) {
        let slot = self.slot(format!("{tenant_id}/{}", owner_key(user_id, provider)));
        *slot.lock().await = None;
    }
}

/// Stores (or replaces) a connection with its tokens, sealed.
#[allow(clippy::too_many_arguments)]
pub async fn save(
    state: &AppState,
    tenant_id: &str,
    user_id: &str,
    provider: Provider,
    account: &str,
    account_email: &str,
    tokens: &TokenSet,
) -> Result<(), ApiError> {
    let owner = owner_key(user_id, provider);
    let sealed = tokens.refresh_token.as_ref().map(|rt| {
        state
            .keyring
            .seal(rt.expose_secret(), aad(tenant_id, &owner))
    });
    state
        .store
        .upsert_connection(&Connection {
            tenant_id: tenant_id.to_owned(),
            user_id: user_id.to_owned(),
            provider,
            account: account.to_owned(),
            account_email: account_email.to_owned(),
            refresh_token: sealed,
            scopes: tokens.scopes.join(" "),
            status: ConnectionStatus::Connected,
            status_reason: None,
        })
        .await?;
    if let Some(expires_in) = tokens.expires_in {
        let slot = state.access_tokens.slot(format!("{tenant_id}/{owner}"));
        *slot.lock().await = Some((tokens.access_token.clone(), Instant::now() + expires_in));
    }
    Ok(())
}

/// An access token for the user's `provider` account, refreshing it when needed (or always,
/// with `force`: checking a connection must ask the provider).
pub async fn access_token(
    state: &AppState,
    tenant_id: &str,
    user_id: &str,
    provider: Provider,
    force: bool,
) -> Result<SecretString, ApiError> {
    let owner = owner_key(user_id, provider);
    let slot = state.access_tokens.slot(format!("{tenant_id}/{owner}"));
    // One refresh in flight per account: the others wait here and reuse its result.
    let mut cached = slot.lock().await;
    if !force
        && let Some((token, until)) = cached.as_ref()
        && *until > Instant::now() + Duration::from_secs(60)
    {
        return Ok(token.clone());
    }
    let connection = state
        .store
        .connection(tenant_id, user_id, provider)
        .await?
        .ok_or(ApiError::NeedsReconnect)?;
    if connection.status == ConnectionStatus::NeedsReconnect {
        return Err(ApiError::NeedsReconnect);
    }
    let sealed = connection
        .refresh_token
        .clone()
        .ok_or(ApiError::NeedsReconnect)?;
    let refresh_token = state
        .keyring
        .open(&sealed, aad(tenant_id, &owner))
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("a stored refresh token: {e}")))?;
    let outcome = match provider {
        Provider::Microsoft => {
            let ms = state.microsoft()?;
            let wanted: Vec<String> = scopes::graph_permissions();
            let wanted: Vec<&str> = wanted.iter().map(String::as_str).collect();
            oauth::refresh(&state.identity.http, &ms.oauth(), &refresh_token, &wanted).await
        }
        Provider::Google => {
            let google = state.google()?;
            oauth::refresh(&state.identity.http, &google.oauth(), &refresh_token, &[]).await
        }
    };
    let tokens = match outcome {
        Ok(tokens) => tokens,
        Err(OAuthError::InvalidGrant { .. }) => {
            mark_needs_reconnect(state, &connection, "invalid_grant").await?;
            return Err(ApiError::NeedsReconnect);
        }
        Err(OAuthError::InteractionRequired { claims }) => {
            return Err(ApiError::InteractionRequired { claims });
        }
        Err(error) => {
            tracing::warn!(%error, provider = provider.as_str(), "refreshing a connection failed");
            return Err(ApiError::IdentityUnavailable);
        }
    };
    crate::crash::point("connections.refreshed");
    if let Some(rotated) = &tokens.refresh_token {
        let new_sealed = state
            .keyring
            .seal(rotated.expose_secret(), aad(tenant_id, &owner));
        let replaced = state
            .store
            .replace_refresh_token(tenant_id, user_id, provider, Some(&sealed), &new_sealed)
            .await?;
        if !replaced {
            tracing::warn!(
                provider = provider.as_str(),
                "the refresh token changed meanwhile; keeping the newer one"
            );
        }
    }
    let lifetime = tokens.expires_in.unwrap_or(Duration::from_secs(300));
    *cached = Some((tokens.access_token.clone(), Instant::now() + lifetime));
    Ok(tokens.access_token)
}

async fn mark_needs_reconnect(
    state: &AppState,
    connection: &Connection,
    reason: &str,
) -> Result<(), ApiError> {
    state
        .store
        .set_connection_status(
            &connection.tenant_id,
            &connection.user_id,
            connection.provider,
            ConnectionStatus::NeedsReconnect,
            Some(reason),
        )
        .await?;
    state
        .store
        .append_audit(&AuditEntry {
            tenant_id: connection.tenant_id.clone(),
            actor_id: connection.user_id.clone(),
            on_behalf_of_id: None,
            action: "connection.needs_reconnect".into(),
            target: connection.provider.as_str().into(),
            allowed: false,
            reason: Some(reason.into()),
            detail: None,
        })
        .await?;
    tracing::info!(
        provider = connection.provider.as_str(),
        "a connection needs a new sign-in"
    );
    Ok(())
}
