//! Sign-in, connections and admin consent.
//!
//! - `POST /api/session/sso`: Office SSO. The task pane sends the token Office gave it; the
//!   server validates it, exchanges it On-Behalf-Of for Graph, keeps the refresh token sealed,
//!   and answers a session. Missing consent answers `403 consent_required`: the pane then opens
//!   the sign-in dialog.
//! - `GET /auth/microsoft/start?dialog=1`: the dialog's first page (on this server, as Office
//!   requires): redirects to Microsoft with code + PKCE + a one-time `state` + nonce.
//! - `GET /auth/{provider}/callback`: one callback per provider (a code sent to the wrong one is
//!   refused). Ends the dialog with a one-time code, never a token.
//! - `POST /api/session/exchange`: the pane trades that code for a session.
//! - `POST /api/connections/google`: a signed-in Organizer connects Google Workspace.
//! - `POST /api/connections/microsoft/check`: uses the connection (refresh + `GET /me`); an
//!   `invalid_grant` turns it to "needs reconnect".
//! - `GET /admin/consent`: the authorization code flow with `prompt=admin_consent`: Microsoft
//!   checks who may consent for the organization; the consent recorded is the validated ID
//!   token's tenant and the scopes the token response says were granted — never what a
//!   callback's query string claims (`admin_consent=True&tenant=…` can be forged).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use liaison_domain::api::{DialogCode, SessionGrant};
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::json;

use crate::auth::Caller;
use crate::connections;
use crate::error::{ApiError, Result};
use crate::extract::AppJson;
use crate::graph::client::GraphError;
use crate::identity::oauth::{self, OAuthError};
use crate::identity::tokens::TokenClaims;
use crate::markup::escape;
use crate::routes::me::me;
use crate::scopes;
use crate::secrets::Aad;
use crate::sessions;
use crate::state::AppState;
use crate::store::model::{
    AdminConsent, AuditEntry, FlowPurpose, Provider, SignInFlow, Tenant, User,
};
use crate::store::now_ms;

/// Liaison's app role for its administrators, assigned in Entra (the `roles` claim).
pub const ADMIN_ROLE: &str = "Liaison.Admin";
/// Where Microsoft serves Office.js (the dialog's last page loads it to message the pane).
const OFFICE_JS: &str = "https://appsforoffice.microsoft.com/lib/1/hosted/office.js";

fn verifier_aad(state_hash: &str) -> Aad<'_> {
    Aad {
        tenant_id: "-",
        owner_id: state_hash,
        column: "sign_in_flows.code_verifier",
    }
}

fn audit(
    tenant_id: &str,
    actor_id: &str,
    action: &str,
    target: &str,
    allowed: bool,
    reason: Option<&str>,
) -> AuditEntry {
    AuditEntry {
        tenant_id: tenant_id.to_owned(),
        actor_id: actor_id.to_owned(),
        on_behalf_of_id: None,
        action: action.to_owned(),
        target: target.to_owned(),
        allowed,
        reason: reason.map(str::to_owned),
        detail: None,
    }
}

/// The tenant and the user a validated Microsoft token names, created on first sight; the
/// user's Liaison settings are kept.
async fn upsert_person(
    state: &AppState,
    tid: &str,
    oid: &str,
    mailbox: &str,
    name: &str,
) -> Result<User> {
    if state.store.tenant(tid).await?.is_none() {
        let domain = mailbox.rsplit_once('@').map(|(_, d)| d).unwrap_or(tid);
        state.store.upsert_tenant(&Tenant::new(tid, domain)).await?;
    }
    let existing = state.store.user(tid, oid).await?;
    let user = User {
        tenant_id: tid.to_owned(),
        id: oid.to_owned(),
        mailbox: mailbox.to_lowercase(),
        display_name: if name.is_empty() {
            mailbox.to_owned()
        } else {
            name.to_owned()
        },
        sync_enabled: existing.as_ref().is_some_and(|u| u.sync_enabled),
    };
    if existing.as_ref() != Some(&user) {
        state.store.upsert_user(&user).await?;
    }
    Ok(user)
}

fn oauth_error(error: OAuthError) -> ApiError {
    match error {
        OAuthError::InvalidGrant { consent: true } => ApiError::ConsentRequired,
        OAuthError::InvalidGrant { consent: false } => ApiError::Unauthenticated,
        OAuthError::InteractionRequired { claims } => ApiError::InteractionRequired { claims },
        other => {
            tracing::warn!(error = %other, "an exchange with the identity provider failed");
            ApiError::IdentityUnavailable
        }
    }
}

/// `POST /api/session/sso`
pub async fn post_sso(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<SessionGrant>> {
    let token = crate::auth::bearer(&headers).ok_or(ApiError::Unauthenticated)?;
    let ms = state.microsoft()?;
    let claims = ms.validate_sso_token(token).await.map_err(|reason| {
        tracing::info!(%reason, "refused an SSO token");
        ApiError::Unauthenticated
    })?;
    let (tid, oid) = ids(&claims)?;
    let mut wanted = scopes::graph_permissions();
    wanted.push("offline_access".into());
    let wanted: Vec<&str> = wanted.iter().map(String::as_str).collect();
    let tokens = oauth::on_behalf_of(
        &state.identity.http,
        &ms.tenant_token_url(&tid),
        &ms.settings.client_id,
        &ms.settings.client_secret,
        token,
        &wanted,
    )
    .await
    .map_err(oauth_error)?;
    let mailbox = claims.username().unwrap_or_default().to_owned();
    let user = upsert_person(
        &state,
        &tid,
        &oid,
        &mailbox,
        claims.name.as_deref().unwrap_or(""),
    )
    .await?;
    connections::save(
        &state,
        &tid,
        &oid,
        Provider::Microsoft,
        &oid,
        &user.mailbox,
        &tokens,
    )
    .await?;
    state
        .store
        .append_audit(&audit(&tid, &oid, "sign_in.sso", &user.mailbox, true, None))
        .await?;
    grant(&state, &user, is_admin(&claims)).await
}

/// Whether the token says the user holds Liaison's app role `Liaison.Admin`.
fn is_admin(claims: &TokenClaims) -> bool {
    claims.roles.iter().any(|r| r == ADMIN_ROLE)
}

async fn grant(state: &AppState, user: &User, is_admin: bool) -> Result<Json<SessionGrant>> {
    if user.sync_enabled {
        // An Organizer with sync on who signs in (again) gets their sessions going.
        state
            .sync
            .schedule(state, &user.tenant_id, &user.id)
            .await?;
    }
    let (token, expires_at_ms) =
        sessions::start(state.store.as_ref(), &user.tenant_id, &user.id, is_admin).await?;
    Ok(Json(SessionGrant {
        token,
        expires_at_ms,
        me: me(state, user).await?,
    }))
}

fn ids(claims: &TokenClaims) -> Result<(String, String)> {
    match (&claims.tid, &claims.oid) {
        (Some(tid), Some(oid)) => Ok((tid.clone(), oid.clone())),
        _ => Err(ApiError::Unauthenticated),
    }
}

#[derive(Debug, Deserialize)]
pub struct StartParams {
    #[serde(default)]
    dialog: Option<String>,
}

fn callback_url(state: &AppState, provider: Provider) -> String {
    format!("{}/auth/{}/callback", state.public_url, provider.as_str())
}

/// Starts a redirect to `provider` and remembers it under its one-time state.
async fn start_flow(
    state: &AppState,
    provider: Provider,
    purpose: FlowPurpose,
    dialog: bool,
    started_by: Option<(String, String)>,
) -> Result<url::Url> {
    let nonce = sessions::new_token("");
    let redirect_uri = callback_url(state, provider);
    let authorization = match provider {
        Provider::Microsoft => {
            let ms = state.microsoft()?;
            let scopes = scopes::requested(Provider::Microsoft);
            // Admin consent: the same sign-in, with Microsoft's admin consent page, where the
            // identity platform decides who may consent for the organization.
            let extra: &[(&str, &str)] = if purpose == FlowPurpose::AdminConsent {
                &[("prompt", "admin_consent")]
            } else {
                &[]
            };
            oauth::authorize(&ms.oauth(), &redirect_uri, &scopes, &nonce, extra)
        }
        Provider::Google => {
            let google = state.google()?;
            let scopes = scopes::requested(Provider::Google);
            oauth::authorize(
                &google.oauth(),
                &redirect_uri,
                &scopes,
                &nonce,
                &[("access_type", "offline"), ("prompt", "consent")],
            )
        }
    }
    .map_err(oauth_error)?;
    remember_flow(
        state,
        &authorization.state,
        authorization.verifier.expose_secret(),
        nonce,
        (provider, purpose),
        dialog,
        started_by,
    )
    .await?;
    Ok(authorization.url)
}

/// Stores a redirect under way by the hash of its one-time `state`, its verifier sealed.
async fn remember_flow(
    state: &AppState,
    one_time_state: &str,
    verifier: &str,
    nonce: String,
    (provider, purpose): (Provider, FlowPurpose),
    dialog: bool,
    started_by: Option<(String, String)>,
) -> Result<()> {
    let state_hash = sessions::hash(one_time_state);
    state
        .store
        .put_sign_in_flow(&SignInFlow {
            code_verifier: state.keyring.seal(verifier, verifier_aad(&state_hash)),
            state_hash,
            provider,
            purpose,
            nonce,
            return_to: "/".into(),
            dialog,
            started_by,
            expires_at_ms: now_ms() + sessions::FLOW_MS,
        })
        .await?;
    Ok(())
}

/// `GET /auth/microsoft/start`
pub async fn get_microsoft_start(
    State(state): State<AppState>,
    Query(params): Query<StartParams>,
) -> Result<Response> {
    let dialog = params.dialog.as_deref() == Some("1");
    let url = start_flow(
        &state,
        Provider::Microsoft,
        FlowPurpose::SignIn,
        dialog,
        None,
    )
    .await?;
    Ok(Redirect::to(url.as_str()).into_response())
}

/// `POST /api/connections/google`: the URL a signed-in person opens to connect Google.
pub async fn post_connect_google(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<serde_json::Value>> {
    let started_by = Some((caller.user.tenant_id.clone(), caller.user.id.clone()));
    let url = start_flow(
        &state,
        Provider::Google,
        FlowPurpose::Connect,
        true,
        started_by,
    )
    .await?;
    Ok(Json(json!({ "authorizeUrl": url.as_str() })))
}

/// `GET /admin/consent`: an administrator signs in and consents for the organization.
pub async fn get_admin_consent(State(state): State<AppState>) -> Result<Response> {
    let url = start_flow(
        &state,
        Provider::Microsoft,
        FlowPurpose::AdminConsent,
        false,
        None,
    )
    .await?;
    Ok(Redirect::to(url.as_str()).into_response())
}

#[derive(Debug, Deserialize)]
pub struct CallbackParams {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /auth/{provider}/callback`
pub async fn get_callback(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    Query(params): Query<CallbackParams>,
) -> Response {
    match callback(&state, &provider, params).await {
        Ok(response) => response,
        Err(error) => {
            let status = error.status();
            page(
                &state,
                status,
                "Sign-in did not complete",
                &error.to_string(),
                None,
            )
        }
    }
}

async fn callback(state: &AppState, provider: &str, params: CallbackParams) -> Result<Response> {
    let provider = Provider::parse(provider).ok_or(ApiError::NotFound)?;
    let presented = params
        .state
        .as_deref()
        .ok_or(ApiError::InvalidSignIn("the sign-in state is missing"))?;
    let flow = state
        .store
        .take_sign_in_flow(&sessions::hash(presented), now_ms())
        .await?
        .ok_or(ApiError::InvalidSignIn(
            "this sign-in is unknown, expired or already used: start again",
        ))?;
    if flow.provider != provider {
        // Mix-up defence: a code is only redeemed with the provider that started the flow.
        return Err(ApiError::InvalidSignIn(
            "this sign-in was started with another provider",
        ));
    }
    if let Some(error) = &params.error {
        tracing::info!(provider = provider.as_str(), error = %error, "the identity provider ended a sign-in with an error");
        return Ok(page(
            state,
            StatusCode::BAD_REQUEST,
            "Sign-in did not complete",
            &format!("The sign-in was cancelled or refused ({error})."),
            flow.dialog.then_some("error"),
        ));
    }
    let code = params
        .code
        .as_deref()
        .ok_or(ApiError::InvalidSignIn("the sign-in code is missing"))?;
    let verifier = state
        .keyring
        .open(&flow.code_verifier, verifier_aad(&flow.state_hash))
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("a sign-in verifier: {e}")))?;
    let redirect_uri = callback_url(state, provider);
    match provider {
        Provider::Microsoft => {
            let ms = state.microsoft()?;
            let (tokens, id_token) =
                redeem(state, &ms.oauth(), &redirect_uri, code, &verifier).await?;
            let claims = ms
                .validate_id_token(&id_token, &flow.nonce)
                .await
                .map_err(|reason| {
                    tracing::info!(%reason, "refused an ID token");
                    ApiError::Unauthenticated
                })?;
            let (tid, oid) = ids(&claims)?;
            if flow.purpose == FlowPurpose::AdminConsent {
                return finish_admin_consent(state, &claims, &tid, &oid, &tokens).await;
            }
            let profile = match state.graph()?.me(&tokens.access_token, &oid).await {
                Ok(profile) => Some(profile),
                Err(error) => {
                    tracing::warn!(%error, "reading the profile from Graph failed; using the ID token");
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
            let user = upsert_person(state, &tid, &oid, &mailbox, &name).await?;
            connections::save(
                state,
                &tid,
                &oid,
                Provider::Microsoft,
                &oid,
                &user.mailbox,
                &tokens,
            )
            .await?;
            state
                .store
                .append_audit(&audit(
                    &tid,
                    &oid,
                    "sign_in.code",
                    &user.mailbox,
                    true,
                    None,
                ))
                .await?;
            if flow.dialog {
                let dialog_code = sessions::new_token("ldc_");
                state
                    .store
                    .put_dialog_code(
                        &sessions::hash(&dialog_code),
                        &tid,
                        &oid,
                        is_admin(&claims),
                        now_ms() + sessions::DIALOG_CODE_MS,
                    )
                    .await?;
                return Ok(page(
                    state,
                    StatusCode::OK,
                    "Signed in",
                    &format!("Signed in as {}. Returning to Outlook…", user.display_name),
                    Some(&dialog_code),
                ));
            }
            Ok(page(
                state,
                StatusCode::OK,
                "Signed in",
                &format!(
                    "Signed in as {} and your calendar is connected. You can close this window.",
                    user.display_name
                ),
                None,
            ))
        }
        Provider::Google => {
            let google = state.google()?;
            let (tid, uid) = flow
                .started_by
                .clone()
                .ok_or(ApiError::InvalidSignIn("connect Google from the sidebar"))?;
            let (tokens, id_token) =
                redeem(state, &google.oauth(), &redirect_uri, code, &verifier).await?;
            let claims = google
                .validate_id_token(&id_token, &flow.nonce)
                .await
                .map_err(|reason| {
                    tracing::info!(%reason, "refused a Google ID token");
                    ApiError::Unauthenticated
                })?;
            let account = format!("{}|{}", claims.iss, claims.sub);
            let email = claims.email.clone().unwrap_or_default();
            connections::save(
                state,
                &tid,
                &uid,
                Provider::Google,
                &account,
                &email,
                &tokens,
            )
            .await?;
            state
                .store
                .append_audit(&audit(&tid, &uid, "connection.google", &email, true, None))
                .await?;
            Ok(page(
                state,
                StatusCode::OK,
                "Google Workspace connected",
                &format!("{email} is connected. You can close this window."),
                flow.dialog.then_some("connected"),
            ))
        }
    }
}

/// Redeems a sign-in code; a sign-in without an ID token is no sign-in.
async fn redeem(
    state: &AppState,
    endpoints: &oauth::Endpoints,
    redirect_uri: &str,
    code: &str,
    verifier: &secrecy::SecretString,
) -> Result<(oauth::TokenSet, String)> {
    let tokens = oauth::exchange_code(
        &state.identity.http,
        endpoints,
        redirect_uri,
        code,
        verifier,
    )
    .await
    .map_err(oauth_error)?;
    let id_token = tokens.id_token.clone().ok_or(ApiError::Unauthenticated)?;
    Ok((tokens, id_token))
}

/// The administrator consented on Microsoft's page and signed in: the consent recorded is
/// their validated tenant and the scopes the token response says were granted.
async fn finish_admin_consent(
    state: &AppState,
    claims: &TokenClaims,
    tid: &str,
    oid: &str,
    tokens: &oauth::TokenSet,
) -> Result<Response> {
    let wanted = scopes::graph_permissions();
    let bare = |scope: &str| {
        scope
            .rsplit_once('/')
            .map_or(scope.to_owned(), |(_, name)| name.to_owned())
    };
    let granted: Vec<String> = tokens
        .scopes
        .iter()
        .map(|s| bare(s))
        .filter(|s| wanted.iter().any(|w| bare(w) == *s))
        .collect();
    state
        .store
        .record_admin_consent(&AdminConsent {
            tenant_id: tid.to_owned(),
            granted_by_id: oid.to_owned(),
            scopes: granted.join(" "),
            granted_at_ms: now_ms(),
        })
        .await?;
    let mut entry = audit(tid, oid, "admin.consent", tid, true, None);
    entry.detail = Some(format!(
        "granted by {}: {}",
        claims.username().unwrap_or("an administrator"),
        granted.join(" ")
    ));
    state.store.append_audit(&entry).await?;
    Ok(page(
        state,
        StatusCode::OK,
        "Consent granted",
        "Liaison may now be used by everyone in your organization. Deploy manifest.xml from the Microsoft 365 admin center.",
        None,
    ))
}

/// `POST /api/session/exchange`
pub async fn post_exchange(
    State(state): State<AppState>,
    AppJson(request): AppJson<DialogCode>,
) -> Result<Json<SessionGrant>> {
    let (tid, oid, is_admin) = state
        .store
        .take_dialog_code(&sessions::hash(&request.code), now_ms())
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    let user = state
        .store
        .user(&tid, &oid)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    grant(&state, &user, is_admin).await
}

/// `DELETE /api/session`
pub async fn delete_session(State(state): State<AppState>, caller: Caller) -> Result<StatusCode> {
    state.store.delete_session(&caller.session_hash).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/connections/microsoft/check`: refresh the connection and read the profile.
pub async fn post_check_microsoft(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<liaison_domain::api::Me>> {
    let user = &caller.user;
    let token =
        connections::access_token(&state, &user.tenant_id, &user.id, Provider::Microsoft, true)
            .await;
    match token {
        Ok(token) => match state.graph()?.me(&token, &user.id).await {
            Ok(_) | Err(GraphError::Forbidden { .. }) => {}
            Err(GraphError::Unauthorized) => {
                state
                    .access_tokens
                    .forget(&user.tenant_id, &user.id, Provider::Microsoft)
                    .await;
            }
            Err(error) => {
                tracing::warn!(%error, "checking a connection against Graph failed");
                return Err(ApiError::IdentityUnavailable);
            }
        },
        Err(ApiError::NeedsReconnect) => {}
        Err(other) => return Err(other),
    }
    Ok(Json(me(&state, user).await?))
}

/// The page a browser lands on after a redirect. In the sign-in dialog, it hands
/// `dialog_message` (a one-time code, or an outcome) to the task pane through Office.js.
fn page(
    state: &AppState,
    status: StatusCode,
    title: &str,
    text: &str,
    dialog_message: Option<&str>,
) -> Response {
    let office_js = if state.demo.is_some() {
        "/dev/office.js"
    } else {
        OFFICE_JS
    };
    let scripts = match dialog_message {
        Some(_) => format!(
            "<script src=\"{office_js}\"></script><script defer src=\"/auth/dialog.js\"></script>"
        ),
        None => String::new(),
    };
    let html = format!(
        "<!doctype html><html lang=en><head><meta charset=utf-8><meta name=viewport \
         content=\"width=device-width\"><title>{title} — Liaison</title>{scripts}</head><body>\
         <main id=result data-dialog-message=\"{message}\"><h1>{title}</h1><p>{text}</p></main>\
         </body></html>",
        title = escape(title),
        text = escape(text),
        message = escape(dialog_message.unwrap_or("")),
    );
    let mut response = (status, Html(html)).into_response();
    let csp = format!(
        "default-src 'none'; script-src 'self' {}; style-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        crate::headers::OFFICE_JS_ORIGIN
    );
    if let Ok(value) = HeaderValue::from_str(&csp) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `GET /auth/dialog.js`: hands the page's message to the task pane, then the dialog is done.
/// Loaded with `defer`: it reads `#result`, which the parser has not reached in `<head>`.
pub async fn get_dialog_js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        "Office.onReady(function () {\n  var message = document.getElementById('result').dataset.dialogMessage;\n  \
         if (message && Office.context.ui && Office.context.ui.messageParent) {\n    \
         Office.context.ui.messageParent(message);\n  }\n});\n",
    )
        .into_response()
}

/// `GET /permissions`: every scope Liaison asks for, what it allows, and why (public).
pub async fn get_permissions_page() -> Response {
    let mut rows = String::new();
    for scope in scopes::SCOPES {
        let provider = match scope.provider {
            Provider::Microsoft => "Microsoft 365",
            Provider::Google => "Google Workspace",
        };
        let used: Vec<&str> = scope.used_by.iter().map(|f| f.describe()).collect();
        rows.push_str(&format!(
            "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            provider,
            escape(scope.name),
            escape(scope.allows),
            escape(scope.why),
            escape(&used.join(", "))
        ));
    }
    Html(format!(
        "<!doctype html><html lang=en><head><meta charset=utf-8><meta name=viewport \
         content=\"width=device-width\"><title>Permissions — Liaison</title></head><body><main>\
         <h1>Permissions Liaison asks for</h1><p>Liaison asks for the least it needs: no mail \
         access, no application permissions. Each permission below is used by a feature.</p>\
         <table id=scopes><thead><tr><th>Service</th><th>Permission</th><th>What it allows</th>\
         <th>Why Liaison needs it</th><th>Used by</th></tr></thead><tbody>{rows}</tbody></table>\
         </main></body></html>"
    ))
    .into_response()
}
