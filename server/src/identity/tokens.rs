//! Validating the tokens Liaison receives — and only those meant for it: the add-in's SSO token
//! (an access token for Liaison's API) and the ID tokens of a sign-in. Graph tokens are never
//! inspected.
//!
//! Every check of the security checklist: RS256 only (so `alg: none` and HS256 signed with the
//! public key fail), a known `kid`, the exact issuer (Microsoft: the template of the token's
//! version filled with its `tid`, which must be a GUID, and the key's own issuer agreeing), the
//! audience, `exp` and `nbf` with a minute of leeway, the nonce for ID tokens,
//! `access_as_user` for API tokens.
//!
//! Microsoft issues two access token versions, chosen by the app registration
//! (`requestedAccessTokenVersion`; a registration that never sets it gets v1.0): v1.0 tokens
//! have `iss` `https://sts.windows.net/{tid}/` and `ver` `1.0`, v2.0 tokens
//! `https://login.microsoftonline.com/{tid}/v2.0` and `2.0` (Microsoft, "Access tokens in the
//! Microsoft identity platform"). Both are checked with the same rigour, each against its own
//! issuer template and signing-key metadata.

use jsonwebtoken::{Algorithm, Validation};
use serde::Deserialize;

use super::jwks::JwksCache;

/// Why a token was refused. Each is a 401; the variant is for logs and tests, never for clients.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("not a JWT")]
    Malformed,
    #[error("algorithm {0} is not accepted (RS256 only)")]
    Algorithm(String),
    #[error("no key with this kid")]
    UnknownKey,
    #[error("signature, audience or time check failed: {0}")]
    Invalid(String),
    #[error("the issuer does not match")]
    Issuer,
    #[error("the tenant id is not a GUID")]
    Tenant,
    #[error("the nonce does not match")]
    Nonce,
    #[error("the token does not grant access_as_user")]
    Scope,
}

impl TokenError {
    /// A short, fixed name of the refusal (for the audit log: never the token's own text).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::Algorithm(_) => "algorithm",
            Self::UnknownKey => "unknown_key",
            Self::Invalid(_) => "invalid",
            Self::Issuer => "issuer",
            Self::Tenant => "tenant",
            Self::Nonce => "nonce",
            Self::Scope => "scope",
        }
    }
}

/// The claims Liaison reads.
#[derive(Debug, Clone, Deserialize)]
pub struct TokenClaims {
    pub iss: String,
    pub sub: String,
    #[serde(default)]
    pub tid: Option<String>,
    #[serde(default)]
    pub oid: Option<String>,
    #[serde(default)]
    pub scp: Option<String>,
    #[serde(default)]
    pub azp: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub preferred_username: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub nonce: Option<String>,
    /// Directory role template ids (only when the registration asks for them).
    #[serde(default)]
    pub wids: Vec<String>,
    /// App roles assigned to the user for Liaison (`Liaison.Admin`).
    #[serde(default)]
    pub roles: Vec<String>,
    /// `1.0` or `2.0`.
    #[serde(default)]
    pub ver: Option<String>,
    /// v1.0 tokens name the user here instead of `preferred_username`.
    #[serde(default)]
    pub upn: Option<String>,
    #[serde(default)]
    pub unique_name: Option<String>,
}

impl TokenClaims {
    /// The user's sign-in name: `preferred_username` (v2.0), else `upn` or `unique_name`
    /// (v1.0). For display and look-up only: identity is (`tid`, `oid`).
    pub fn username(&self) -> Option<&str> {
        [&self.preferred_username, &self.upn, &self.unique_name]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .find(|name| !name.trim().is_empty())
    }
}

/// The version a token says it is, read before its signature is checked — only to choose which
/// issuer template and key metadata to check it against; every check then applies.
pub fn claimed_version(token: &str) -> Option<String> {
    unverified_claims(token)?.ver
}

/// A few claims of a token as it states them, before (or without) any check: for choosing how
/// to check it, and for filing a refusal where the tenant it names will see it. Never trusted.
#[derive(Debug, Default, Deserialize)]
pub struct Unverified {
    pub ver: Option<String>,
    pub tid: Option<String>,
    pub oid: Option<String>,
}

pub fn unverified_claims(token: &str) -> Option<Unverified> {
    use base64::Engine;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// What a token must be.
pub struct Expectation<'a> {
    /// Accepted `aud` values.
    pub audiences: &'a [&'a str],
    pub issuer: IssuerRule<'a>,
    /// For ID tokens: the nonce the flow sent.
    pub nonce: Option<&'a str>,
    /// For API tokens: a scope `scp` must hold.
    pub scope: Option<&'a str>,
}

/// How the issuer is checked.
pub enum IssuerRule<'a> {
    /// Microsoft multi-tenant v2.0: `{authority}/{tid}/v2.0`, with a GUID `tid`.
    MicrosoftTemplate { authority: &'a str },
    /// Microsoft multi-tenant v1.0: `{prefix}/{tid}/` (`https://sts.windows.net/{tid}/`).
    MicrosoftV1 { prefix: &'a str },
    /// One of these exact values (Google).
    Exact(&'a [&'a str]),
}

/// Validates `token` against `keys` and `expect`.
pub async fn validate(
    token: &str,
    keys: &JwksCache,
    expect: &Expectation<'_>,
) -> Result<TokenClaims, TokenError> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
    if header.alg != Algorithm::RS256 {
        return Err(TokenError::Algorithm(format!("{:?}", header.alg)));
    }
    let kid = header.kid.ok_or(TokenError::UnknownKey)?;
    let key = keys.key(&kid).await.ok_or(TokenError::UnknownKey)?;

    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(expect.audiences);
    validation.leeway = 60;
    validation.validate_nbf = true;
    validation.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
    let claims = jsonwebtoken::decode::<TokenClaims>(token, &key.decoding, &validation)
        .map_err(|e| TokenError::Invalid(e.kind_name()))?
        .claims;

    let microsoft = match &expect.issuer {
        IssuerRule::MicrosoftTemplate { authority } => {
            Some((format!("{authority}/"), "/v2.0", "2.0"))
        }
        IssuerRule::MicrosoftV1 { prefix } => Some((format!("{prefix}/"), "/", "1.0")),
        IssuerRule::Exact(_) => None,
    };
    match (&expect.issuer, microsoft) {
        (_, Some((before, after, version))) => {
            let tid = claims.tid.as_deref().ok_or(TokenError::Tenant)?;
            if !is_guid(tid) || !claims.oid.as_deref().is_some_and(is_guid) {
                return Err(TokenError::Tenant);
            }
            let expected = format!("{before}{tid}{after}");
            if claims.iss != expected || claims.ver.as_deref().is_some_and(|v| v != version) {
                return Err(TokenError::Issuer);
            }
            // A key published with a templated issuer is valid for any tenant once filled in;
            // one with a concrete issuer only for that issuer.
            if let Some(key_issuer) = &key.issuer
                && key_issuer.replace("{tenantid}", tid) != expected
            {
                return Err(TokenError::Issuer);
            }
        }
        (IssuerRule::Exact(allowed), None) => {
            if !allowed.contains(&claims.iss.as_str()) {
                return Err(TokenError::Issuer);
            }
        }
        (_, None) => return Err(TokenError::Issuer),
    }
    if let Some(nonce) = expect.nonce
        && claims.nonce.as_deref() != Some(nonce)
    {
        return Err(TokenError::Nonce);
    }
    if let Some(scope) = expect.scope
        && !claims
            .scp
            .as_deref()
            .unwrap_or("")
            .split(' ')
            .any(|s| s == scope)
    {
        return Err(TokenError::Scope);
    }
    Ok(claims)
}

/// A lower-case hyphenated GUID.
pub fn is_guid(text: &str) -> bool {
    uuid::Uuid::parse_str(text).is_ok_and(|u| u.hyphenated().to_string() == text)
}

trait KindName {
    fn kind_name(&self) -> String;
}

impl KindName for jsonwebtoken::errors::Error {
    fn kind_name(&self) -> String {
        format!("{:?}", self.kind())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

        /// A token is outside input until its signature is checked: reading its claimed
        /// version, its header, or checking it as a GUID never panics, whatever it is.
        #[test]
        fn any_token_text_is_read_or_refused(
            token in prop_oneof![
                ".{0,200}",
                "[A-Za-z0-9_=-]{0,60}\\.[A-Za-z0-9_=-]{0,200}\\.[A-Za-z0-9_=-]{0,60}",
                prop::collection::vec("[A-Za-z0-9_-]{0,40}", 0..5).prop_map(|parts| parts.join(".")),
            ],
        ) {
            let _ = claimed_version(&token);
            let _ = jsonwebtoken::decode_header(&token);
            let _ = is_guid(&token);
        }
    }

    #[test]
    fn only_canonical_guids_are_tenant_ids() {
        assert!(is_guid("6f1c2a5e-2b1d-4c1e-9a57-7c0d3e1b9a01"));
        assert!(!is_guid("6F1C2A5E-2B1D-4C1E-9A57-7C0D3E1B9A01"));
        assert!(!is_guid("6f1c2a5e2b1d4c1e9a577c0d3e1b9a01"));
        assert!(!is_guid("common"));
        assert!(!is_guid("evil/../6f1c2a5e-2b1d-4c1e-9a57-7c0d3e1b9a01"));
    }
}
