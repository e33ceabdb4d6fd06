//! Starting an authorization code flow, bound to the browser that starts it.
//!
//! Every flow begins on a Liaison page (`/auth/microsoft/start`, `/admin/consent`,
//! `/auth/google/start`) that sets a flow cookie — a random secret, `HttpOnly`,
//! `SameSite=Lax` (the identity provider's redirect back is a top-level GET, which carries
//! it) — and stores its SHA-256 with the flow. The callback is accepted only with that cookie:
//! a callback link completed in another browser connects nothing (OAuth 2.0 Security BCP,
//! RFC 9700 §4.7: bind `state` to the user agent).
//!
//! Connecting Google starts from a one-time link a signed-in pane asked for, and ends only when
//! that pane confirms ([`crate::auth::google`]).

use secrecy::ExposeSecret;

use crate::auth::scopes;
use crate::auth::sessions::{self, CONSOLE_PATH, CRM_PAGE_PATH};
use crate::auth::sign_in::{SignIn, SignInError, verifier_aad};
use crate::clock::now_ms;
use crate::identity::oauth;
use crate::store::{FlowPurpose, Provider, SignInFlow, UserKey};

use crate::auth::flow_cookie::{BrowserBinding, StartedFlow};

impl SignIn {
    /// Starts a redirect to `provider`: the authorization URL to send the browser to, and the
    /// flow cookie to set in it. The flow is remembered under its one-time state.
    pub async fn start(
        &self,
        provider: Provider,
        purpose: FlowPurpose,
        dialog: bool,
        started_by: Option<UserKey>,
    ) -> Result<StartedFlow, SignInError> {
        self.start_flow(provider, purpose, dialog, started_by, "/")
            .await
    }

    /// Starts a Microsoft sign-in for the administrators' console, in an ordinary browser.
    pub async fn start_console(&self) -> Result<StartedFlow, SignInError> {
        self.start_flow(
            Provider::Microsoft,
            FlowPurpose::SignIn,
            false,
            None,
            CONSOLE_PATH,
        )
        .await
    }

    /// Starts a Microsoft sign-in for the CRM page, in an ordinary browser: the same browser
    /// session as the console's, back on the CRM page.
    pub async fn start_crm_page(&self) -> Result<StartedFlow, SignInError> {
        self.start_flow(
            Provider::Microsoft,
            FlowPurpose::SignIn,
            false,
            None,
            CRM_PAGE_PATH,
        )
        .await
    }

    async fn start_flow(
        &self,
        provider: Provider,
        purpose: FlowPurpose,
        dialog: bool,
        started_by: Option<UserKey>,
        return_to: &str,
    ) -> Result<StartedFlow, SignInError> {
        let nonce = sessions::new_token("");
        let redirect_uri = self.callback_url(provider);
        let authorization = match provider {
            Provider::Microsoft => {
                // Admin consent starts with the same sign-in (who, which tenant); the consent
                // itself is asked next, on Microsoft's admin consent endpoint
                // ([`crate::auth::admin_consent`]).
                let scopes = scopes::requested(Provider::Microsoft);
                oauth::authorize(
                    &self.microsoft()?.oauth(),
                    &redirect_uri,
                    &scopes,
                    &nonce,
                    &[],
                )
            }
            Provider::Google => oauth::authorize(
                &self.google()?.oauth(),
                &redirect_uri,
                &scopes::requested(Provider::Google),
                &nonce,
                &[("access_type", "offline"), ("prompt", "consent")],
            ),
        }?;
        let browser = BrowserBinding::fresh();
        let state_hash = sessions::hash(&authorization.state);
        self.store
            .put_sign_in_flow(&SignInFlow {
                code_verifier: self.keyring.seal(
                    authorization.verifier.expose_secret(),
                    verifier_aad(&state_hash),
                ),
                state_hash,
                provider,
                purpose,
                nonce,
                return_to: return_to.into(),
                dialog,
                started_by,
                browser_hash: Some(browser.hash()),
                authorization_code: None,
                expires_at_ms: now_ms() + sessions::FLOW_MS,
            })
            .await?;
        Ok(StartedFlow {
            authorize_url: authorization.url,
            browser,
        })
    }

    /// Takes the flow a callback's `state` names, if the browser finishing it started it.
    pub(super) async fn take_flow(
        &self,
        state: &str,
        browser: Option<&str>,
    ) -> Result<SignInFlow, SignInError> {
        let flow = self
            .store
            .take_sign_in_flow(&sessions::hash(state), now_ms())
            .await?
            .ok_or(SignInError::Invalid(
                "this sign-in is unknown, expired or already used: start again",
            ))?;
        let started_here = flow
            .browser_hash
            .as_deref()
            .zip(browser)
            .is_some_and(|(stored, presented)| stored == sessions::hash(presented));
        if !started_here {
            tracing::info!("a callback came from a browser that did not start its flow");
            return Err(SignInError::Invalid(
                "this sign-in was started in another browser: start again from Liaison",
            ));
        }
        Ok(flow)
    }
}
