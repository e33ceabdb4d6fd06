//! Connecting a signed-in person's Google Workspace account, bound to the session that asked.
//!
//! 1. The pane (its session, a bearer `POST /api/connections/google`) gets a one-time start
//!    link valid two minutes: the Office dialog must open on the add-in's own domain ("the
//!    initial page must be in the same domain as the parent", Office dialog API).
//! 2. The dialog opens it (`GET /auth/google/start`): the code flow starts, bound to that
//!    browser by its flow cookie ([`crate::auth::flows`]).
//! 3. Google sends the browser back (`GET /auth/google/callback`): the authorization code is
//!    *not* redeemed yet. It waits, sealed, under a new one-time code (two minutes) that the
//!    page hands the dialog's parent with `messageParent`.
//! 4. The pane confirms with that code under its session (`POST
//!    /api/connections/google/confirm`); only the person who asked in step 1 can, and only
//!    then is the code redeemed and the account connected.
//!
//! Step 4 is what makes the start link harmless to forward: whoever opens someone else's
//! link and consents with their own Google account ends on a page whose code only the asker's
//! session may use, and the asker never sees it (the page is in the other person's browser).

use secrecy::{ExposeSecret, SecretString};

use crate::auth::connections::NewConnection;
use crate::auth::secrets::Aad;
use crate::auth::sessions;
use crate::auth::sign_in::{Finished, SignIn, SignInError, verifier_aad};
use crate::clock::now_ms;
use crate::store::{AuditAction, AuditEntry, FlowPurpose, Provider, SignInFlow, UserKey};

/// How long a start link may wait to be opened, and a returned account for its pane.
const ONE_TIME_MS: i64 = 2 * 60 * 1000;

fn code_aad(state_hash: &str) -> Aad<'_> {
    Aad {
        tenant_id: "-",
        owner_id: state_hash,
        column: "sign_in_flows.authorization_code",
    }
}

const UNKNOWN_LINK: SignInError = SignInError::Invalid(
    "this link is unknown, expired or already used: connect again from Liaison",
);
const UNKNOWN_CODE: SignInError = SignInError::Invalid(
    "this Google connection is unknown, expired, already used or was asked for by someone \
     else: connect again from Liaison",
);

impl SignIn {
    /// A one-time link for `user` to connect Google in the sign-in dialog: the path of
    /// `/auth/google/start` with its code.
    pub async fn google_start_link(&self, user: &UserKey) -> Result<String, SignInError> {
        self.google()?;
        let code = sessions::new_token("lgs_");
        self.store
            .put_sign_in_flow(&SignInFlow {
                state_hash: sessions::hash(&code),
                provider: Provider::Google,
                purpose: FlowPurpose::Connect,
                code_verifier: String::new(),
                nonce: String::new(),
                return_to: "/".into(),
                dialog: true,
                started_by: Some(user.clone()),
                browser_hash: None,
                authorization_code: None,
                expires_at_ms: now_ms() + ONE_TIME_MS,
            })
            .await?;
        Ok(format!("/auth/google/start?code={code}"))
    }

    /// Opens a Google start link (once): the flow it starts is bound to this browser.
    pub async fn open_google_start_link(
        &self,
        code: &str,
    ) -> Result<crate::auth::flow_cookie::StartedFlow, SignInError> {
        let link = self
            .store
            .take_sign_in_flow(&sessions::hash(code), now_ms())
            .await?
            .filter(|link| link.browser_hash.is_none() && link.purpose == FlowPurpose::Connect)
            .ok_or(UNKNOWN_LINK)?;
        self.start(
            Provider::Google,
            FlowPurpose::Connect,
            link.dialog,
            link.started_by,
        )
        .await
    }

    /// Google sent the browser back with `code` for `flow`: the code waits for the pane.
    pub(super) async fn hand_google_to_pane(
        &self,
        flow: &SignInFlow,
        code: &str,
        verifier: &SecretString,
    ) -> Result<Finished, SignInError> {
        if flow.purpose != FlowPurpose::Connect || flow.started_by.is_none() {
            return Err(SignInError::Invalid("connect Google from the sidebar"));
        }
        let for_pane = sessions::new_token("lgp_");
        let state_hash = sessions::hash(&for_pane);
        self.store
            .put_sign_in_flow(&SignInFlow {
                code_verifier: self
                    .keyring
                    .seal(verifier.expose_secret(), verifier_aad(&state_hash)),
                authorization_code: Some(self.keyring.seal(code, code_aad(&state_hash))),
                state_hash,
                purpose: FlowPurpose::ConnectPending,
                browser_hash: None,
                expires_at_ms: now_ms() + ONE_TIME_MS,
                ..flow.clone()
            })
            .await?;
        Ok(Finished::GoogleAwaitsPane {
            code: for_pane,
            dialog: flow.dialog,
        })
    }

    /// The pane of `user` confirms the account its dialog came back with (`code`, once): the
    /// authorization code is redeemed and the account connected. Its address is returned.
    pub async fn confirm_google(&self, user: &UserKey, code: &str) -> Result<String, SignInError> {
        let google = self.google()?;
        let flow = self
            .store
            .take_sign_in_flow(&sessions::hash(code), now_ms())
            .await?
            .filter(|flow| flow.purpose == FlowPurpose::ConnectPending)
            .ok_or(UNKNOWN_CODE)?;
        if flow.started_by.as_ref() != Some(user) {
            tracing::info!("a Google connection was confirmed by someone who did not ask for it");
            return Err(UNKNOWN_CODE);
        }
        let open = |sealed: &str, aad| {
            self.keyring
                .open(sealed, aad)
                .map_err(|e| SignInError::Sealed(e.to_string()))
        };
        let verifier = open(&flow.code_verifier, verifier_aad(&flow.state_hash))?;
        let authorization_code = open(
            flow.authorization_code.as_deref().unwrap_or_default(),
            code_aad(&flow.state_hash),
        )?;
        let (tokens, id_token) = self
            .redeem(
                &google.oauth(),
                Provider::Google,
                authorization_code.expose_secret(),
                &verifier,
            )
            .await?;
        let claims = google
            .validate_id_token(&id_token, &flow.nonce)
            .await
            .map_err(|reason| {
                tracing::info!(%reason, "refused a Google ID token");
                SignInError::Unauthenticated
            })?;
        let account = format!("{}|{}", claims.iss, claims.sub);
        let email = claims.email.clone().unwrap_or_default();
        self.tokens
            .save(&NewConnection {
                user,
                provider: Provider::Google,
                account: &account,
                account_email: &email,
                tokens: &tokens,
            })
            .await?;
        self.store
            .append_audit(&AuditEntry::allowed(
                &user.tenant_id,
                &user.user_id,
                AuditAction::ConnectionGoogle,
                &email,
            ))
            .await?;
        Ok(email)
    }
}
