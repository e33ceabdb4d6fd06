//! Connected calendar accounts: [`TokenSource`] keeps their refresh tokens sealed and turns
//! them into access tokens — one refresh in flight per account, run to its end even when the
//! request that wanted it is cancelled, the rotated refresh token written only if the one it
//! replaces is still current. `invalid_grant` first looks for a token another instance rotated
//! meanwhile; only then does it put the account in "needs reconnect" (shown to the user;
//! nothing is dropped).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};

use crate::auth::scopes;
use crate::auth::secrets::{Aad, Keyring};
use crate::identity::Identity;
use crate::identity::oauth::{self, OAuthError, TokenSet};
use crate::store::{
    AuditAction, AuditEntry, Connection, ConnectionStatus, Provider, Store, StoreError, TenantId,
    UserId, UserKey,
};

/// The column sealed refresh tokens are bound to.
const COLUMN: &str = "connections.refresh_token";

/// `user_id/provider`: the owner a sealed refresh token is bound to.
pub fn owner_key(user_id: &UserId, provider: Provider) -> String {
    format!("{user_id}/{}", provider.as_str())
}

/// The associated data a refresh token of `owner` (see [`owner_key`]) is sealed with.
pub fn aad<'a>(tenant_id: &'a TenantId, owner: &'a str) -> Aad<'a> {
    Aad {
        tenant_id: tenant_id.as_str(),
        owner_id: owner,
        column: COLUMN,
    }
}

/// Why no access token could be had.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the calendar connection expired or was revoked: connect again")]
    NeedsReconnect,
    /// `claims` is the challenge to send back to the identity provider.
    #[error("sign in again: your organization requires an interactive sign-in")]
    InteractionRequired { claims: Option<String> },
    #[error("the identity provider is unavailable")]
    ProviderUnavailable,
    #[error("sign-in with {0} is not configured on this server")]
    NotConfigured(&'static str),
    #[error("a stored refresh token does not open: {0}")]
    Sealed(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Ask the provider only when the cached token is about to expire, or always (checking a
/// connection must ask the provider).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refresh {
    IfStale,
    Force,
}

/// A connection to store: whose, which account, and the tokens the provider gave.
pub struct NewConnection<'a> {
    pub user: &'a UserKey,
    pub provider: Provider,
    /// The provider's id of the account (`oid`, or `iss|sub` for Google).
    pub account: &'a str,
    pub account_email: &'a str,
    pub tokens: &'a TokenSet,
}

type Slot = Arc<tokio::sync::Mutex<Option<(SecretString, Instant)>>>;

/// Accounts whose access token is kept in memory before unused ones are forgotten.
const REMEMBERED_ACCOUNTS: usize = 4096;

/// Access tokens for connected accounts, from their sealed refresh tokens.
pub struct TokenSource {
    store: Arc<dyn Store>,
    keyring: Arc<Keyring>,
    identity: Arc<Identity>,
    /// Per-account locks and the access tokens they guard (in memory only).
    slots: Mutex<HashMap<String, Slot>>,
}

impl TokenSource {
    pub fn new(store: Arc<dyn Store>, keyring: Arc<Keyring>, identity: Arc<Identity>) -> Self {
        Self {
            store,
            keyring,
            identity,
            slots: Mutex::default(),
        }
    }

    fn slot(&self, user: &UserKey, provider: Provider) -> Slot {
        let key = format!("{}/{}", user.tenant_id, owner_key(&user.user_id, provider));
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        if slots.len() >= REMEMBERED_ACCOUNTS {
            // Forget accounts nobody is refreshing whose access token has expired (or was
            // never fetched): memory follows the accounts in use.
            let now = Instant::now();
            slots.retain(|_, slot| {
                Arc::strong_count(slot) > 1
                    || slot.try_lock().map_or(true, |held| {
                        held.as_ref().is_some_and(|(_, until)| *until > now)
                    })
            });
        }
        slots.entry(key).or_default().clone()
    }

    /// Forgets a cached access token (after the provider refused it).
    pub async fn forget(&self, user: &UserKey, provider: Provider) {
        *self.slot(user, provider).lock().await = None;
    }

    /// Stores (or replaces) a connection with its tokens, the refresh token sealed.
    pub async fn save(&self, connection: &NewConnection<'_>) -> Result<(), TokenError> {
        let user = connection.user;
        let owner = owner_key(&user.user_id, connection.provider);
        let sealed = connection.tokens.refresh_token.as_ref().map(|rt| {
            self.keyring
                .seal(rt.expose_secret(), aad(&user.tenant_id, &owner))
        });
        self.store
            .upsert_connection(&Connection {
                tenant_id: user.tenant_id.clone(),
                user_id: user.user_id.clone(),
                provider: connection.provider,
                account: connection.account.to_owned(),
                account_email: connection.account_email.to_owned(),
                refresh_token: sealed,
                scopes: connection.tokens.scopes.join(" "),
                status: ConnectionStatus::Connected,
                status_reason: None,
            })
            .await?;
        if let Some(expires_in) = connection.tokens.expires_in {
            let slot = self.slot(user, connection.provider);
            *slot.lock().await = Some((
                connection.tokens.access_token.clone(),
                Instant::now() + expires_in,
            ));
        }
        Ok(())
    }

    /// An access token for the user's `provider` account, refreshed when needed (or always).
    ///
    /// The refresh runs in a task of its own that holds the account's lock: a caller that gives
    /// up (a cancelled request) cannot lose the refresh token the provider rotated meanwhile.
    pub async fn access_token(
        &self,
        user: &UserKey,
        provider: Provider,
        refresh: Refresh,
    ) -> Result<SecretString, TokenError> {
        // One refresh in flight per account: the others wait here and reuse its result.
        let cached = self.slot(user, provider).lock_owned().await;
        if refresh == Refresh::IfStale
            && let Some((token, until)) = cached.as_ref()
            && *until > Instant::now() + Duration::from_secs(60)
        {
            return Ok(token.clone());
        }
        let refresher = self.refresher();
        let user = user.clone();
        tokio::spawn(async move { refresher.refresh(cached, &user, provider).await })
            .await
            .map_err(|error| {
                tracing::error!(%error, "a token refresh task ended abnormally");
                TokenError::ProviderUnavailable
            })?
    }

    fn refresher(&self) -> Refresher {
        Refresher {
            store: self.store.clone(),
            keyring: self.keyring.clone(),
            identity: self.identity.clone(),
        }
    }
}

/// How long a refresh refused with `invalid_grant` waits for another instance's rotation to
/// land before it concludes the grant is gone.
const ROTATION_GRACE: Duration = Duration::from_millis(1500);

/// What a refresh needs, owned, so it can outlive the request that started it.
struct Refresher {
    store: Arc<dyn Store>,
    keyring: Arc<Keyring>,
    identity: Arc<Identity>,
}

impl Refresher {
    async fn refresh(
        &self,
        mut cached: tokio::sync::OwnedMutexGuard<Option<(SecretString, Instant)>>,
        user: &UserKey,
        provider: Provider,
    ) -> Result<SecretString, TokenError> {
        let owner = owner_key(&user.user_id, provider);
        let mut connection = self.live_connection(user, provider).await?;
        let grace_ends = Instant::now() + ROTATION_GRACE;
        let tokens = loop {
            let sealed = connection
                .refresh_token
                .clone()
                .ok_or(TokenError::NeedsReconnect)?;
            let refresh_token = self
                .keyring
                .open(&sealed, aad(&user.tenant_id, &owner))
                .map_err(|e| TokenError::Sealed(e.to_string()))?;
            match self.redeem(provider, &refresh_token).await? {
                Ok(tokens) => break (tokens, sealed),
                Err(OAuthError::InvalidGrant { .. }) => {
                    // Another instance may have redeemed the same refresh token a moment ago:
                    // its rotated one is (or is about to be) in the row. Use it, not a verdict.
                    match self
                        .rotated_since(user, provider, &sealed, grace_ends)
                        .await?
                    {
                        Some(newer) => connection = newer,
                        None => {
                            self.mark_needs_reconnect(&connection, "invalid_grant")
                                .await?;
                            return Err(TokenError::NeedsReconnect);
                        }
                    }
                }
                Err(OAuthError::InteractionRequired { claims }) => {
                    return Err(TokenError::InteractionRequired { claims });
                }
                Err(error) => {
                    tracing::warn!(%error, provider = provider.as_str(), "refreshing a connection failed");
                    return Err(TokenError::ProviderUnavailable);
                }
            }
        };
        let (tokens, sealed) = tokens;
        crate::crash::point("connections.refreshed");
        if let Some(rotated) = &tokens.refresh_token {
            let new_sealed = self
                .keyring
                .seal(rotated.expose_secret(), aad(&user.tenant_id, &owner));
            let replaced = self
                .store
                .replace_refresh_token(user, provider, Some(&sealed), &new_sealed)
                .await?;
            if !replaced {
                tracing::warn!(
                    provider = provider.as_str(),
                    "the refresh token changed meanwhile; keeping the newer one"
                );
            }
            crate::crash::point("connections.stored");
        }
        let lifetime = tokens.expires_in.unwrap_or(Duration::from_secs(300));
        *cached = Some((tokens.access_token.clone(), Instant::now() + lifetime));
        Ok(tokens.access_token)
    }

    /// The account's connection, unless it is missing or waits for a new sign-in.
    async fn live_connection(
        &self,
        user: &UserKey,
        provider: Provider,
    ) -> Result<Connection, TokenError> {
        let connection = self
            .store
            .connection(user, provider)
            .await?
            .ok_or(TokenError::NeedsReconnect)?;
        if connection.status == ConnectionStatus::NeedsReconnect {
            return Err(TokenError::NeedsReconnect);
        }
        Ok(connection)
    }

    /// The connection once its refresh token is no longer `refused` (another holder rotated it),
    /// re-read until `deadline`; `None` when it stays the refused one.
    async fn rotated_since(
        &self,
        user: &UserKey,
        provider: Provider,
        refused: &str,
        deadline: Instant,
    ) -> Result<Option<Connection>, TokenError> {
        loop {
            let current = self.live_connection(user, provider).await?;
            if current
                .refresh_token
                .as_deref()
                .is_some_and(|token| token != refused)
            {
                tracing::info!(
                    provider = provider.as_str(),
                    "another holder rotated the refresh token; using the newer one"
                );
                return Ok(Some(current));
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The provider's answer to a refresh (the outer error: the provider is not configured).
    async fn redeem(
        &self,
        provider: Provider,
        refresh_token: &SecretString,
    ) -> Result<Result<TokenSet, OAuthError>, TokenError> {
        Ok(match provider {
            Provider::Microsoft => {
                let ms = self
                    .identity
                    .microsoft
                    .as_ref()
                    .ok_or(TokenError::NotConfigured("Microsoft"))?;
                let wanted = scopes::graph_permissions();
                let wanted: Vec<&str> = wanted.iter().map(String::as_str).collect();
                oauth::refresh(&self.identity.http, &ms.oauth(), refresh_token, &wanted).await
            }
            Provider::Google => {
                let google = self
                    .identity
                    .google
                    .as_ref()
                    .ok_or(TokenError::NotConfigured("Google"))?;
                oauth::refresh(&self.identity.http, &google.oauth(), refresh_token, &[]).await
            }
        })
    }

    async fn mark_needs_reconnect(
        &self,
        connection: &Connection,
        reason: &str,
    ) -> Result<(), StoreError> {
        let user = UserKey::new(connection.tenant_id.clone(), connection.user_id.clone());
        self.store
            .set_connection_status(
                &user,
                connection.provider,
                ConnectionStatus::NeedsReconnect,
                Some(reason),
            )
            .await?;
        let mut entry = AuditEntry::allowed(
            &connection.tenant_id,
            &connection.user_id,
            AuditAction::ConnectionNeedsReconnect,
            connection.provider.as_str(),
        );
        entry.allowed = false;
        entry.reason = Some(reason.to_owned());
        self.store.append_audit(&entry).await?;
        tracing::info!(
            provider = connection.provider.as_str(),
            "a connection needs a new sign-in"
        );
        Ok(())
    }
}
