//! The OAuth 2.0 exchanges, on the `oauth2` crate where it has them (authorization code + PKCE,
//! refresh) and by hand where it has not (On-Behalf-Of). Every token comes back as a
//! [`SecretString`]; errors keep the provider's `error` code and drop its description from
//! anything a client sees.

use std::time::Duration;

use oauth2::basic::{
    BasicErrorResponse, BasicErrorResponseType, BasicRevocationErrorResponse,
    BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    ExtraTokenFields, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken,
    RequestTokenError, Scope, StandardRevocableToken, StandardTokenResponse, TokenResponse,
    TokenUrl,
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// The `id_token` beside the standard fields.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IdTokenField {
    #[serde(default)]
    pub id_token: Option<String>,
}

impl ExtraTokenFields for IdTokenField {}

type TokenResponseWithId = StandardTokenResponse<IdTokenField, BasicTokenType>;

type Client = oauth2::Client<
    BasicErrorResponse,
    TokenResponseWithId,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// A provider's endpoints and this app's credentials there.
pub struct Endpoints {
    pub auth_url: String,
    pub token_url: String,
    pub client_id: String,
    pub client_secret: SecretString,
}

/// Tokens a provider handed out.
pub struct TokenSet {
    pub access_token: SecretString,
    pub refresh_token: Option<SecretString>,
    pub id_token: Option<String>,
    pub expires_in: Option<Duration>,
    pub scopes: Vec<String>,
}

impl std::fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSet")
            .field("scopes", &self.scopes)
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}

/// Why an exchange failed.
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    /// The grant (code, refresh token, assertion) is no longer good: sign in again. `consent`
    /// is set when the reason is missing consent (`AADSTS65001`).
    #[error("invalid_grant")]
    InvalidGrant { consent: bool },
    /// Conditional Access wants the user in front of a sign-in page; `claims` goes back to them.
    #[error("interaction_required")]
    InteractionRequired { claims: Option<String> },
    /// Anything else the provider answered (`invalid_client`, `invalid_scope`…).
    #[error("the identity provider refused: {0}")]
    Refused(String),
    /// The provider could not be reached or answered nonsense.
    #[error("the identity provider is unavailable: {0}")]
    Unavailable(String),
}

fn client(endpoints: &Endpoints, redirect_uri: Option<&str>) -> Result<Client, OAuthError> {
    let bad = |e: url::ParseError| OAuthError::Unavailable(format!("bad endpoint URL: {e}"));
    let mut client = oauth2::Client::new(ClientId::new(endpoints.client_id.clone()))
        .set_client_secret(ClientSecret::new(
            endpoints.client_secret.expose_secret().to_owned(),
        ))
        .set_auth_uri(AuthUrl::new(endpoints.auth_url.clone()).map_err(bad)?)
        .set_token_uri(TokenUrl::new(endpoints.token_url.clone()).map_err(bad)?);
    if let Some(uri) = redirect_uri {
        client = client.set_redirect_uri(RedirectUrl::new(uri.to_owned()).map_err(bad)?);
    }
    Ok(client)
}

/// A sign-in redirect: the URL, and the values to remember for the callback.
pub struct Authorization {
    pub url: url::Url,
    pub state: String,
    pub verifier: SecretString,
}

/// Builds the authorize URL: code flow, PKCE S256, a fresh `state`, the `nonce`, and
/// `extra` parameters (e.g. Google's `access_type=offline`).
pub fn authorize(
    endpoints: &Endpoints,
    redirect_uri: &str,
    scopes: &[&str],
    nonce: &str,
    extra: &[(&str, &str)],
) -> Result<Authorization, OAuthError> {
    let client = client(endpoints, Some(redirect_uri))?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(CsrfToken::new_random)
        .add_scopes(scopes.iter().map(|s| Scope::new((*s).to_owned())))
        .set_pkce_challenge(challenge)
        .add_extra_param("nonce", nonce);
    for (name, value) in extra {
        request = request.add_extra_param(*name, *value);
    }
    let (url, state) = request.url();
    Ok(Authorization {
        url,
        state: state.secret().clone(),
        verifier: SecretString::from(verifier.secret().clone()),
    })
}

/// Redeems an authorization code with its PKCE verifier.
pub async fn exchange_code(
    http: &reqwest::Client,
    endpoints: &Endpoints,
    redirect_uri: &str,
    code: &str,
    verifier: &SecretString,
) -> Result<TokenSet, OAuthError> {
    let response = client(endpoints, Some(redirect_uri))?
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .set_pkce_verifier(PkceCodeVerifier::new(verifier.expose_secret().to_owned()))
        .request_async(http)
        .await
        .map_err(map_error)?;
    Ok(token_set(&response))
}

/// Trades a refresh token for new tokens (Microsoft rotates the refresh token; Google keeps it).
pub async fn refresh(
    http: &reqwest::Client,
    endpoints: &Endpoints,
    refresh_token: &SecretString,
    scopes: &[&str],
) -> Result<TokenSet, OAuthError> {
    let response = client(endpoints, None)?
        .exchange_refresh_token(&RefreshToken::new(refresh_token.expose_secret().to_owned()))
        .add_scopes(scopes.iter().map(|s| Scope::new((*s).to_owned())))
        .request_async(http)
        .await
        .map_err(map_error)?;
    Ok(token_set(&response))
}

fn token_set(response: &TokenResponseWithId) -> TokenSet {
    TokenSet {
        access_token: SecretString::from(response.access_token().secret().clone()),
        refresh_token: response
            .refresh_token()
            .map(|t| SecretString::from(t.secret().clone())),
        id_token: response.extra_fields().id_token.clone(),
        expires_in: response.expires_in(),
        scopes: response
            .scopes()
            .map(|s| s.iter().map(|s| s.to_string()).collect())
            .unwrap_or_default(),
    }
}

fn map_error<E: std::error::Error>(error: RequestTokenError<E, BasicErrorResponse>) -> OAuthError {
    match error {
        RequestTokenError::ServerResponse(response) => {
            let description = response.error_description().cloned().unwrap_or_default();
            match response.error() {
                BasicErrorResponseType::InvalidGrant => OAuthError::InvalidGrant {
                    consent: description.contains("AADSTS65001"),
                },
                BasicErrorResponseType::Extension(code) if code == "interaction_required" => {
                    OAuthError::InteractionRequired { claims: None }
                }
                other => OAuthError::Refused(other.to_string()),
            }
        }
        RequestTokenError::Request(e) => OAuthError::Unavailable(e.to_string()),
        RequestTokenError::Parse(e, _) => OAuthError::Unavailable(e.to_string()),
        RequestTokenError::Other(e) => OAuthError::Unavailable(e),
    }
}

/// The token endpoint's error JSON (what On-Behalf-Of reads by hand).
#[derive(Debug, Deserialize)]
struct ErrorBody {
    error: String,
    #[serde(default)]
    error_codes: Vec<u64>,
    #[serde(default)]
    claims: Option<String>,
}

#[derive(Deserialize)]
struct OboResponse {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    scope: Option<String>,
}

/// On-Behalf-Of: exchanges the add-in's SSO token (`assertion`, validated by the caller) for a
/// Graph token of the same user.
pub async fn on_behalf_of(
    http: &reqwest::Client,
    token_url: &str,
    client_id: &str,
    client_secret: &SecretString,
    assertion: &str,
    scopes: &[&str],
) -> Result<TokenSet, OAuthError> {
    let scope = scopes.join(" ");
    let response = http
        .post(token_url)
        .timeout(Duration::from_secs(30))
        .form(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("client_id", client_id),
            ("client_secret", client_secret.expose_secret()),
            ("assertion", assertion),
            ("scope", &scope),
            ("requested_token_use", "on_behalf_of"),
        ])
        .send()
        .await
        .map_err(|e| OAuthError::Unavailable(e.without_url().to_string()))?;
    let status = response.status();
    let body = response
        .bytes()
        .await
        .map_err(|e| OAuthError::Unavailable(e.without_url().to_string()))?;
    if !status.is_success() {
        let error: ErrorBody = serde_json::from_slice(&body)
            .map_err(|_| OAuthError::Unavailable(format!("token endpoint answered {status}")))?;
        return Err(match error.error.as_str() {
            "invalid_grant" | "consent_required" => OAuthError::InvalidGrant {
                consent: error.error == "consent_required" || error.error_codes.contains(&65001),
            },
            "interaction_required" => OAuthError::InteractionRequired {
                claims: error.claims,
            },
            other => OAuthError::Refused(other.to_owned()),
        });
    }
    let ok: OboResponse = serde_json::from_slice(&body)
        .map_err(|e| OAuthError::Unavailable(format!("unreadable token response: {e}")))?;
    Ok(TokenSet {
        access_token: SecretString::from(ok.access_token),
        refresh_token: ok.refresh_token.map(SecretString::from),
        id_token: None,
        expires_in: ok.expires_in.map(Duration::from_secs),
        scopes: ok
            .scope
            .map(|s| s.split(' ').map(str::to_owned).collect())
            .unwrap_or_default(),
    })
}
