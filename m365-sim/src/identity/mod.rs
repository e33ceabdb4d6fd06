//! The Microsoft identity platform, simulated: OpenID discovery, the keys document, the
//! authorize page (pick a seeded user, consent), the token endpoint (authorization code + PKCE,
//! refresh with rotation, On-Behalf-Of) with AADSTS errors, admin consent, and the add-in SSO
//! token Office hands a task pane.

mod admin_consent;
mod authorize;
mod common;
mod discovery;
mod token;

pub use admin_consent::{admin_consent_page, admin_consent_submit};
pub use authorize::{authorize_page, authorize_submit};
pub use common::{AuthorizeDecision, escape, pkce_matches, random_token};
pub use discovery::{keys, openid_configuration, v1_keys, v1_openid_configuration};
pub use token::{TokenForm, client_credentials, office_sso_token, token};
