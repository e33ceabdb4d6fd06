//! An administrator's consent for the whole tenant, as Microsoft documents it ("Admin consent
//! on the Microsoft identity platform", v2-admin-consent): "Recommended: Sign the user into
//! your app" first, then the admin consent endpoint `/{tenant}/v2.0/adminconsent`.
//!
//! 1. `GET /admin/consent`: the administrator signs in (the code flow, bound to the browser):
//!    Liaison learns who they are and their tenant from a validated ID token.
//! 2. The same browser is sent on to `/{that tenant}/v2.0/adminconsent` (a second flow,
//!    `admin_consent_grant`, bound to the browser and to that person), where Microsoft decides
//!    who may consent for the organization.
//! 3. Microsoft sends the browser back with `admin_consent=True&tenant=…` (or an error): the
//!    consent is recorded for the signed-in administrator's tenant, only when the answer names
//!    that very tenant — the query string confirms, it never chooses the tenant — with the
//!    permissions Liaison's registration asks for (`/.default`).

use crate::auth::flow_cookie::{BrowserBinding, StartedFlow};
use crate::auth::scopes;
use crate::auth::sessions;
use crate::auth::sign_in::{Callback, Finished, SignIn, SignInError};
use crate::clock::now_ms;
use crate::identity::tokens::TokenClaims;
use crate::store::{
    AdminConsent, AuditAction, AuditEntry, FlowPurpose, Provider, SignInFlow, UserKey,
};

/// What the admin consent endpoint is asked for: every permission of Liaison's registration.
const DEFAULT_SCOPE: &str = "https://graph.microsoft.com/.default";

impl SignIn {
    /// The administrator `person` signed in (step 1): sends the browser on to Microsoft's admin
    /// consent endpoint for their tenant (step 2).
    pub(super) async fn ask_tenant_consent(
        &self,
        claims: &TokenClaims,
        person: &UserKey,
    ) -> Result<Finished, SignInError> {
        let ms = self.microsoft()?;
        let mailbox = claims.username().unwrap_or_default();
        // The first step of an installation: the tenant may be one Liaison has never seen.
        self.ensure_tenant(&person.tenant_id, mailbox).await?;
        self.upsert_person(person, mailbox, claims.name.as_deref().unwrap_or(""))
            .await?;
        let state = sessions::new_token("");
        let browser = BrowserBinding::fresh();
        self.store
            .put_sign_in_flow(&SignInFlow {
                state_hash: sessions::hash(&state),
                provider: Provider::Microsoft,
                purpose: FlowPurpose::AdminConsentGrant,
                code_verifier: String::new(),
                nonce: String::new(),
                return_to: "/".into(),
                dialog: false,
                started_by: Some(person.clone()),
                browser_hash: Some(browser.hash()),
                authorization_code: None,
                expires_at_ms: now_ms() + sessions::FLOW_MS,
            })
            .await?;
        let mut url = url::Url::parse(&ms.admin_consent_url(person.tenant_id.as_str()))
            .map_err(|_| SignInError::NotConfigured("Microsoft"))?;
        url.query_pairs_mut()
            .append_pair("client_id", &ms.settings.client_id)
            .append_pair("scope", DEFAULT_SCOPE)
            .append_pair("redirect_uri", &self.callback_url(Provider::Microsoft))
            .append_pair("state", &state);
        Ok(Finished::Continue(StartedFlow {
            authorize_url: url,
            browser,
        }))
    }

    /// Microsoft's admin consent endpoint answered (step 3).
    pub(super) async fn finish_tenant_consent(
        &self,
        flow: &SignInFlow,
        callback: &Callback,
    ) -> Result<Finished, SignInError> {
        let person = flow
            .started_by
            .as_ref()
            .ok_or(SignInError::Invalid("start the consent again from Liaison"))?;
        let consented = callback
            .admin_consent
            .as_deref()
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        if !consented {
            return Err(SignInError::Invalid(
                "Microsoft did not confirm the consent: start again from Liaison",
            ));
        }
        if callback.tenant.as_deref() != Some(person.tenant_id.as_str()) {
            tracing::info!("an admin consent answer named another tenant than the sign-in's");
            return Err(SignInError::Invalid(
                "the consent answer is for another organization than the one you signed in to",
            ));
        }
        let granted = scopes::graph_permissions().join(" ");
        self.store
            .record_admin_consent(&AdminConsent {
                tenant_id: person.tenant_id.clone(),
                granted_by_id: person.user_id.clone(),
                scopes: granted.clone(),
                granted_at_ms: now_ms(),
            })
            .await?;
        let by = self
            .store
            .user(&person.tenant_id, &person.user_id)
            .await?
            .map_or_else(|| "an administrator".to_owned(), |u| u.mailbox);
        let mut entry = AuditEntry::allowed(
            &person.tenant_id,
            &person.user_id,
            AuditAction::AdminConsent,
            person.tenant_id.as_str(),
        );
        entry.detail = Some(format!("granted by {by}: {granted}"));
        self.store.append_audit(&entry).await?;
        Ok(Finished::AdminConsented)
    }
}
