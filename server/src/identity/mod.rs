//! Who people are: the identity providers (Microsoft identity platform, Google), their
//! configuration, and the checks of every token Liaison receives.
//!
//! - [`jwks`]: signing keys, cached with Microsoft's rollover rules.
//! - [`tokens`]: validation of SSO tokens and ID tokens.
//! - [`oauth`]: code + PKCE, refresh and On-Behalf-Of exchanges.
//!
//! Every base URL is configuration: production points at Microsoft and Google, the demo and the
//! tests at the simulator.

pub mod jwks;
pub mod oauth;
pub mod tokens;

use secrecy::SecretString;

use jwks::JwksCache;
use oauth::Endpoints;
use tokens::{Expectation, IssuerRule, TokenClaims, TokenError};

/// The scope the add-in's SSO token must carry (exposed by Liaison's app registration).
pub const ACCESS_AS_USER: &str = "access_as_user";

/// Liaison's registration with the Microsoft identity platform.
#[derive(Debug, Clone)]
pub struct MicrosoftSettings {
    /// e.g. `https://login.microsoftonline.com`.
    pub authority: String,
    /// e.g. `https://graph.microsoft.com/v1.0`.
    pub graph_url: String,
    pub client_id: String,
    pub client_secret: SecretString,
    /// The Application ID URI the add-in's manifest names, e.g. `api://liaison.contoso.com/{id}`.
    pub app_id_uri: String,
    /// The issuer prefix of v1.0 access tokens (`https://sts.windows.net`, Entra's own for every
    /// cloud's v1.0 tokens unless configured otherwise): `{prefix}/{tid}/`.
    pub v1_issuer: String,
    /// How long a delegation Microsoft confirmed is trusted before it is asked again (at most
    /// five minutes: a delegate removed in Outlook loses access in Liaison within that time).
    pub delegation_ttl: std::time::Duration,
}

/// The longest a verified delegation is kept.
pub const MAX_DELEGATION_TTL: std::time::Duration = std::time::Duration::from_secs(300);

/// Liaison's OAuth client with Google.
#[derive(Debug, Clone)]
pub struct GoogleSettings {
    /// `https://accounts.google.com`.
    pub issuer: String,
    pub auth_url: String,
    pub token_url: String,
    pub jwks_url: String,
    /// e.g. `https://www.googleapis.com/calendar/v3`.
    pub calendar_url: String,
    pub client_id: String,
    pub client_secret: SecretString,
}

#[derive(Debug, Clone, Default)]
pub struct IdentitySettings {
    pub microsoft: Option<MicrosoftSettings>,
    pub google: Option<GoogleSettings>,
}

pub struct Microsoft {
    pub settings: MicrosoftSettings,
    /// The v2.0 metadata's keys (`/common/discovery/v2.0/keys`): v2.0 tokens and ID tokens.
    keys: JwksCache,
    /// The v1.0 metadata's keys (`/common/discovery/keys`), whose issuer is the v1.0 one.
    v1_keys: JwksCache,
}

pub struct Google {
    pub settings: GoogleSettings,
    keys: JwksCache,
}

/// The configured providers, ready to use.
pub struct Identity {
    pub microsoft: Option<Microsoft>,
    pub google: Option<Google>,
    /// For identity-provider calls: no redirects followed (no SSRF through a provider).
    pub http: reqwest::Client,
}

/// An HTTP client for identity and Graph calls.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .user_agent(concat!("Liaison/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("a TLS-capable HTTP client")
}

impl Identity {
    pub fn new(settings: IdentitySettings, http: reqwest::Client) -> Self {
        Self {
            microsoft: settings.microsoft.map(|settings| Microsoft {
                keys: JwksCache::new(
                    format!("{}/common/discovery/v2.0/keys", settings.authority),
                    http.clone(),
                ),
                v1_keys: JwksCache::new(
                    format!("{}/common/discovery/keys", settings.authority),
                    http.clone(),
                ),
                settings,
            }),
            google: settings.google.map(|settings| Google {
                keys: JwksCache::new(settings.jwks_url.clone(), http.clone()),
                settings,
            }),
            http,
        }
    }
}

impl Microsoft {
    /// The endpoints of the multi-tenant (`organizations`) authority.
    pub fn endpoints(&self) -> (String, String) {
        let base = &self.settings.authority;
        (
            format!("{base}/organizations/oauth2/v2.0/authorize"),
            format!("{base}/organizations/oauth2/v2.0/token"),
        )
    }

    pub fn oauth(&self) -> Endpoints {
        let (auth_url, token_url) = self.endpoints();
        Endpoints {
            auth_url,
            token_url,
            client_id: self.settings.client_id.clone(),
            client_secret: self.settings.client_secret.clone(),
        }
    }

    /// The token endpoint of one tenant (On-Behalf-Of runs against the user's tenant).
    pub fn tenant_token_url(&self, tenant_id: &str) -> String {
        format!("{}/{tenant_id}/oauth2/v2.0/token", self.settings.authority)
    }

    /// The admin consent URL for `tenant_id`.
    pub fn admin_consent_url(&self, tenant_id: &str) -> String {
        format!("{}/{tenant_id}/v2.0/adminconsent", self.settings.authority)
    }

    /// Checks the add-in's SSO token: an access token for Liaison's API with `access_as_user`,
    /// of either version (the registration's `requestedAccessTokenVersion` decides which Entra
    /// issues); its audience is the client id or the App ID URI.
    pub async fn validate_sso_token(&self, token: &str) -> Result<TokenClaims, TokenError> {
        let audiences = [
            self.settings.client_id.as_str(),
            self.settings.app_id_uri.as_str(),
        ];
        let (keys, issuer) = match tokens::claimed_version(token).as_deref() {
            Some("1.0") => (
                &self.v1_keys,
                IssuerRule::MicrosoftV1 {
                    prefix: &self.settings.v1_issuer,
                },
            ),
            _ => (
                &self.keys,
                IssuerRule::MicrosoftTemplate {
                    authority: &self.settings.authority,
                },
            ),
        };
        tokens::validate(
            token,
            keys,
            &Expectation {
                audiences: &audiences,
                issuer,
                nonce: None,
                scope: Some(ACCESS_AS_USER),
            },
        )
        .await
    }

    /// Checks a sign-in's ID token, with the nonce the flow sent.
    pub async fn validate_id_token(
        &self,
        token: &str,
        nonce: &str,
    ) -> Result<TokenClaims, TokenError> {
        tokens::validate(
            token,
            &self.keys,
            &Expectation {
                audiences: &[self.settings.client_id.as_str()],
                issuer: IssuerRule::MicrosoftTemplate {
                    authority: &self.settings.authority,
                },
                nonce: Some(nonce),
                scope: None,
            },
        )
        .await
    }
}

impl Google {
    pub fn oauth(&self) -> Endpoints {
        Endpoints {
            auth_url: self.settings.auth_url.clone(),
            token_url: self.settings.token_url.clone(),
            client_id: self.settings.client_id.clone(),
            client_secret: self.settings.client_secret.clone(),
        }
    }

    /// Checks a Google ID token; Google's legacy issuer spelling is accepted for the real one.
    pub async fn validate_id_token(
        &self,
        token: &str,
        nonce: &str,
    ) -> Result<TokenClaims, TokenError> {
        let legacy = self
            .settings
            .issuer
            .strip_prefix("https://")
            .unwrap_or(&self.settings.issuer);
        let issuers = [self.settings.issuer.as_str(), legacy];
        let claims = tokens::validate(
            token,
            &self.keys,
            &Expectation {
                audiences: &[self.settings.client_id.as_str()],
                issuer: IssuerRule::Exact(&issuers),
                nonce: Some(nonce),
                scope: None,
            },
        )
        .await?;
        if claims
            .azp
            .as_deref()
            .is_some_and(|azp| azp != self.settings.client_id)
        {
            return Err(TokenError::Invalid("azp".into()));
        }
        Ok(claims)
    }
}
