//! Signing people in and connecting their accounts: Office SSO (validate Office's token,
//! exchange it On-Behalf-Of), the authorization code flow with PKCE (the sign-in dialog, Google
//! connections, admin consent), one-time dialog codes, and sessions.
//!
//! Every redirect is remembered under the SHA-256 of a one-time `state`, its PKCE verifier
//! sealed; the callback takes it once (a replay finds nothing), and a code is redeemed only
//! with the provider that started the flow. Admin consent: the administrator signs in, then
//! Microsoft's admin consent endpoint asks them ([`crate::auth::admin_consent`]).

use crate::auth::refused::RefusedTokens;
use std::sync::Arc;

use secrecy::SecretString;

use crate::auth::connections::{NewConnection, Refresh, TokenError, TokenSource};
use crate::auth::scopes;
use crate::auth::secrets::{Aad, Keyring};
use crate::auth::sessions;
use crate::clock::now_ms;
use crate::graph::client::{GraphClient, GraphError};
use crate::identity::oauth::{self, OAuthError, TokenSet};
use crate::identity::tokens::TokenClaims;
use crate::identity::{Google, Identity, Microsoft};
use crate::store::{
    AuditAction, AuditEntry, FlowPurpose, LiveSession, Provider, SignInFlow, Store, StoreError,
    Tenant, TenantId, User, UserId, UserKey,
};

/// Liaison's app role for its administrators, assigned in Entra (the `roles` claim).
pub const ADMIN_ROLE: &str = "Liaison.Admin";

/// Why a sign-in did not complete.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("sign in to use this: the credentials did not hold")]
    Unauthenticated,
    #[error("Liaison needs consent first: sign in and accept, or ask your administrator")]
    ConsentRequired,
    #[error("sign in again: your organization requires an interactive sign-in")]
    InteractionRequired { claims: Option<String> },
    #[error("the identity provider is unavailable")]
    ProviderUnavailable,
    #[error("sign-in with {0} is not configured on this server")]
    NotConfigured(&'static str),
    /// A redirect that cannot be finished: its `state` unknown, used or another provider's…
    #[error("{0}")]
    Invalid(&'static str),
    #[error("no such identity provider")]
    UnknownProvider,
    #[error("a sealed sign-in secret does not open: {0}")]
    Sealed(String),
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<OAuthError> for SignInError {
    fn from(error: OAuthError) -> Self {
        match error {
            OAuthError::InvalidGrant { consent: true } => Self::ConsentRequired,
            OAuthError::InvalidGrant { consent: false } => Self::Unauthenticated,
            OAuthError::InteractionRequired { claims } => Self::InteractionRequired { claims },
            other => {
                tracing::warn!(error = %other, "an exchange with the identity provider failed");
                Self::ProviderUnavailable
            }
        }
    }
}

/// Someone signed in: who, and whether they hold Liaison's administrator role.
pub struct SignedIn {
    pub user: User,
    pub is_admin: bool,
    /// The Office SSO token signed in with, if that was the way.
    pub sso_token: Option<String>,
}

/// What a finished redirect came to, for the page the browser lands on.
pub enum Finished {
    /// Signed in; in the dialog, with the one-time code the pane trades for a session.
    SignedIn {
        user: User,
        dialog_code: Option<String>,
    },
    /// A Google account came back: `code` is for the pane that asked, to confirm it with
    /// ([`crate::auth::google`]).
    GoogleAwaitsPane {
        code: String,
        dialog: bool,
    },
    AdminConsented,
    /// Signed in for the administrators' console or the CRM page: `token` goes in the browser
    /// session's cookie ([`crate::auth::sessions::CONSOLE_COOKIE`]) until `expires_at_ms`, and
    /// the browser back to `return_to` (one of the two pages' paths).
    ConsoleSignedIn {
        user: User,
        token: String,
        expires_at_ms: i64,
        return_to: &'static str,
    },
    /// The administrator signed in: on to Microsoft's admin consent page, in this browser.
    Continue(crate::auth::flow_cookie::StartedFlow),
    /// The provider ended the flow with an error (cancelled, refused).
    Refused {
        error: String,
        dialog: bool,
    },
}

/// The answer of a provider's redirect back to Liaison.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    /// The admin consent endpoint's answer: `True`, with the consenting `tenant`.
    pub admin_consent: Option<String>,
    pub tenant: Option<String>,
}

/// Sign-in as a service: what the sign-in routes call.
pub struct SignIn {
    pub store: Arc<dyn Store>,
    pub identity: Arc<Identity>,
    pub tokens: Arc<TokenSource>,
    pub keyring: Arc<Keyring>,
    pub graph: Option<Arc<GraphClient>>,
    /// The server's public URL, where the providers send people back.
    pub public_url: String,
    /// Refused SSO tokens already written to the audit log lately.
    pub refused: RefusedTokens,
}

/// How long sign-in waits for the optional profile from Graph.
const PROFILE_BUDGET: std::time::Duration = std::time::Duration::from_secs(5);

pub(super) fn verifier_aad(state_hash: &str) -> Aad<'_> {
    Aad {
        tenant_id: "-",
        owner_id: state_hash,
        column: "sign_in_flows.code_verifier",
    }
}

/// Whether the token says the user holds Liaison's app role `Liaison.Admin`.
fn is_admin(claims: &TokenClaims) -> bool {
    claims.roles.iter().any(|r| r == ADMIN_ROLE)
}

/// The (tenant, user) a Microsoft token names.
fn person_of(claims: &TokenClaims) -> Result<UserKey, SignInError> {
    match (&claims.tid, &claims.oid) {
        (Some(tid), Some(oid)) => Ok(UserKey::new(
            TenantId::new(tid.as_str()),
            UserId::new(oid.as_str()),
        )),
        _ => Err(SignInError::Unauthenticated),
    }
}

impl SignIn {
    pub(super) fn microsoft(&self) -> Result<&Microsoft, SignInError> {
        self.identity
            .microsoft
            .as_ref()
            .ok_or(SignInError::NotConfigured("Microsoft"))
    }

    pub(super) fn google(&self) -> Result<&Google, SignInError> {
        self.identity
            .google
            .as_ref()
            .ok_or(SignInError::NotConfigured("Google"))
    }

    pub(super) fn callback_url(&self, provider: Provider) -> String {
        format!("{}/auth/{}/callback", self.public_url, provider.as_str())
    }

    /// Office SSO: validates the token Office gave the pane, exchanges it On-Behalf-Of for
    /// Graph, keeps the refresh token sealed.
    pub async fn with_office_sso(&self, token: &str) -> Result<SignedIn, SignInError> {
        let ms = self.microsoft()?;
        let claims = match ms.validate_sso_token(token).await {
            Ok(claims) => claims,
            Err(reason) => {
                tracing::info!(%reason, "refused an SSO token");
                self.refused
                    .note(self.store.as_ref(), token, &reason)
                    .await?;
                return Err(SignInError::Unauthenticated);
            }
        };
        let person = person_of(&claims)?;
        let mut wanted = scopes::graph_permissions();
        wanted.push("offline_access".into());
        let wanted: Vec<&str> = wanted.iter().map(String::as_str).collect();
        let tokens = oauth::on_behalf_of(
            &self.identity.http,
            &ms.tenant_token_url(person.tenant_id.as_str()),
            &ms.settings.client_id,
            &ms.settings.client_secret,
            token,
            &wanted,
        )
        .await?;
        let mailbox = claims.username().unwrap_or_default().to_owned();
        let user = self
            .upsert_person(&person, &mailbox, claims.name.as_deref().unwrap_or(""))
            .await?;
        self.connect_microsoft(&user, &tokens).await?;
        crate::crash::point("sign_in.connected");
        self.store
            .append_audit(&AuditEntry::allowed(
                &user.tenant_id,
                &user.id,
                AuditAction::SignInSso,
                &user.mailbox,
            ))
            .await?;
        Ok(SignedIn {
            is_admin: is_admin(&claims),
            user,
            sso_token: Some(token.to_owned()),
        })
    }

    /// A new session for someone signed in: its token and when it ends (UTC ms).
    pub async fn start_session(&self, signed_in: &SignedIn) -> Result<(String, i64), SignInError> {
        Ok(sessions::start(
            self.store.as_ref(),
            &signed_in.user.key(),
            signed_in.is_admin,
            signed_in.sso_token.as_deref(),
        )
        .await?)
    }

    /// Trades the dialog's one-time code (once) for who signed in.
    pub async fn exchange_dialog_code(&self, code: &str) -> Result<SignedIn, SignInError> {
        let grant = self
            .store
            .take_dialog_code(&sessions::hash(code), now_ms())
            .await?
            .ok_or(SignInError::Unauthenticated)?;
        let user = self
            .store
            .user(&grant.tenant_id, &grant.user_id)
            .await?
            .ok_or(SignInError::Unauthenticated)?;
        Ok(SignedIn {
            user,
            is_admin: grant.is_admin,
            sso_token: None,
        })
    }

    /// Finishes a redirect `provider` sent back.
    /// `browser` is the flow cookie the browser presented (see [`crate::auth::flows`]).
    pub async fn finish(
        &self,
        provider: &str,
        callback: Callback,
        browser: Option<&str>,
    ) -> Result<Finished, SignInError> {
        let provider = Provider::parse(provider).ok_or(SignInError::UnknownProvider)?;
        let presented = callback
            .state
            .as_deref()
            .ok_or(SignInError::Invalid("the sign-in state is missing"))?;
        let flow = self.take_flow(presented, browser).await?;
        if flow.provider != provider {
            // Mix-up defence: a code is only redeemed with the provider that started the flow.
            return Err(SignInError::Invalid(
                "this sign-in was started with another provider",
            ));
        }
        if let Some(error) = callback.error {
            tracing::info!(provider = provider.as_str(), %error, "the identity provider ended a sign-in with an error");
            return Ok(Finished::Refused {
                error,
                dialog: flow.dialog,
            });
        }
        if flow.purpose == FlowPurpose::AdminConsentGrant {
            return self.finish_tenant_consent(&flow, &callback).await;
        }
        let code = callback
            .code
            .as_deref()
            .ok_or(SignInError::Invalid("the sign-in code is missing"))?;
        let verifier = self
            .keyring
            .open(&flow.code_verifier, verifier_aad(&flow.state_hash))
            .map_err(|e| SignInError::Sealed(e.to_string()))?;
        match provider {
            Provider::Microsoft => self.finish_microsoft(&flow, code, &verifier).await,
            Provider::Google => self.hand_google_to_pane(&flow, code, &verifier).await,
        }
    }

    async fn finish_microsoft(
        &self,
        flow: &SignInFlow,
        code: &str,
        verifier: &SecretString,
    ) -> Result<Finished, SignInError> {
        let ms = self.microsoft()?;
        let (tokens, id_token) = self
            .redeem(&ms.oauth(), Provider::Microsoft, code, verifier)
            .await?;
        let claims = ms
            .validate_id_token(&id_token, &flow.nonce)
            .await
            .map_err(|reason| {
                tracing::info!(%reason, "refused an ID token");
                SignInError::Unauthenticated
            })?;
        let person = person_of(&claims)?;
        if flow.purpose == FlowPurpose::AdminConsent {
            return self.ask_tenant_consent(&claims, &person).await;
        }
        let graph = self
            .graph
            .as_deref()
            .ok_or(SignInError::NotConfigured("Microsoft"))?;
        // The profile only improves the address and name the ID token gives: sign-in waits for
        // it a few seconds at most, never for Graph's retries (which can take minutes).
        let profile = match tokio::time::timeout(
            PROFILE_BUDGET,
            graph.me(&tokens.access_token, person.user_id.as_str()),
        )
        .await
        {
            Ok(Ok(profile)) => Some(profile),
            Ok(Err(error)) => {
                tracing::warn!(%error, "reading the profile from Graph failed; using the ID token");
                None
            }
            Err(_) => {
                tracing::warn!("Graph was slow to give the profile; using the ID token");
                None
            }
        };
        let mailbox = profile
            .as_ref()
            .and_then(|p| p.mail.clone().or_else(|| p.user_principal_name.clone()))
            .or_else(|| claims.preferred_username.clone())
            .unwrap_or_default();
        let name = profile
            .and_then(|p| p.display_name)
            .or(claims.name.clone())
            .unwrap_or_default();
        let user = self.upsert_person(&person, &mailbox, &name).await?;
        self.connect_microsoft(&user, &tokens).await?;
        self.store
            .append_audit(&AuditEntry::allowed(
                &user.tenant_id,
                &user.id,
                AuditAction::SignInCode,
                &user.mailbox,
            ))
            .await?;
        if flow.return_to == sessions::CONSOLE_PATH || flow.return_to == sessions::CRM_PAGE_PATH {
            let (token, expires_at_ms) =
                sessions::start(self.store.as_ref(), &user.key(), is_admin(&claims), None).await?;
            return Ok(Finished::ConsoleSignedIn {
                user,
                token,
                expires_at_ms,
                return_to: if flow.return_to == sessions::CRM_PAGE_PATH {
                    sessions::CRM_PAGE_PATH
                } else {
                    sessions::CONSOLE_PATH
                },
            });
        }
        let dialog_code = if flow.dialog {
            let dialog_code = sessions::new_token("ldc_");
            let grant = LiveSession {
                tenant_id: user.tenant_id.clone(),
                user_id: user.id.clone(),
                is_admin: is_admin(&claims),
            };
            self.store
                .put_dialog_code(
                    &sessions::hash(&dialog_code),
                    &grant,
                    now_ms() + sessions::DIALOG_CODE_MS,
                )
                .await?;
            Some(dialog_code)
        } else {
            None
        };
        Ok(Finished::SignedIn { user, dialog_code })
    }

    /// Refreshes the user's Microsoft connection and reads their profile: a revoked grant
    /// turns the connection to "needs reconnect" (which is not a failure of the check).
    pub async fn check_microsoft(&self, user: &User) -> Result<(), SignInError> {
        let key = user.key();
        let token = match self
            .tokens
            .access_token(&key, Provider::Microsoft, Refresh::Force)
            .await
        {
            Ok(token) => token,
            Err(TokenError::NeedsReconnect) => return Ok(()),
            Err(other) => return Err(other.into()),
        };
        let graph = self
            .graph
            .as_deref()
            .ok_or(SignInError::NotConfigured("Microsoft"))?;
        match graph.me(&token, user.id.as_str()).await {
            Ok(_) | Err(GraphError::Forbidden { .. }) => Ok(()),
            Err(GraphError::Unauthorized) => {
                self.tokens.forget(&key, Provider::Microsoft).await;
                Ok(())
            }
            Err(error) => {
                tracing::warn!(%error, "checking a connection against Graph failed");
                Err(SignInError::ProviderUnavailable)
            }
        }
    }

    /// Redeems a sign-in code; a sign-in without an ID token is no sign-in.
    pub(super) async fn redeem(
        &self,
        endpoints: &oauth::Endpoints,
        provider: Provider,
        code: &str,
        verifier: &SecretString,
    ) -> Result<(TokenSet, String), SignInError> {
        let tokens = oauth::exchange_code(
            &self.identity.http,
            endpoints,
            &self.callback_url(provider),
            code,
            verifier,
        )
        .await?;
        let id_token = tokens
            .id_token
            .clone()
            .ok_or(SignInError::Unauthenticated)?;
        Ok((tokens, id_token))
    }

    async fn connect_microsoft(&self, user: &User, tokens: &TokenSet) -> Result<(), SignInError> {
        self.tokens
            .save(&NewConnection {
                user: &user.key(),
                provider: Provider::Microsoft,
                account: user.id.as_str(),
                account_email: &user.mailbox,
                tokens,
            })
            .await?;
        Ok(())
    }

    /// The tenant a validated Microsoft token names, created on first sight (named after the
    /// domain of `mailbox`) — a fresh installation knows none; its settings are kept.
    pub(super) async fn ensure_tenant(
        &self,
        tenant_id: &TenantId,
        mailbox: &str,
    ) -> Result<(), StoreError> {
        if self.store.tenant(tenant_id).await?.is_none() {
            let domain = mailbox
                .rsplit_once('@')
                .map_or(tenant_id.as_str(), |(_, d)| d);
            self.store
                .upsert_tenant(&Tenant::new(tenant_id, domain))
                .await?;
        }
        Ok(())
    }

    /// The tenant and the user a validated Microsoft token names, created on first sight; the
    /// user's Liaison settings are kept.
    pub(super) async fn upsert_person(
        &self,
        person: &UserKey,
        mailbox: &str,
        name: &str,
    ) -> Result<User, StoreError> {
        let tenant_id = &person.tenant_id;
        self.ensure_tenant(tenant_id, mailbox).await?;
        let existing = self.store.user(tenant_id, &person.user_id).await?;
        // No address in the token (no `preferred_username`, `upn` or `unique_name`) or the
        // profile: a placeholder that is unique and names no mailbox.
        let mailbox = if mailbox.trim().is_empty() {
            format!("{}@unknown.invalid", person.user_id)
        } else {
            mailbox.trim().to_lowercase()
        };
        let user = User {
            tenant_id: tenant_id.clone(),
            id: person.user_id.clone(),
            mailbox: mailbox.clone(),
            display_name: if name.is_empty() {
                mailbox
            } else {
                name.to_owned()
            },
            sync_enabled: existing.as_ref().is_some_and(|u| u.sync_enabled),
        };
        if existing.as_ref() != Some(&user) {
            self.store.upsert_user(&user).await?;
        }
        Ok(user)
    }
}
