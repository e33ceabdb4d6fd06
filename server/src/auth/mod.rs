//! Liaison's own credentials: who a session belongs to, the connected accounts' tokens, and how
//! people sign in.
//!
//! - [`sessions`]: opaque session tokens and one-time values (only their SHA-256 is stored).
//! - [`connections`]: [`connections::TokenSource`], access tokens from sealed refresh tokens.
//! - [`sign_in`]: [`sign_in::SignIn`], Office SSO, the code flow.
//! - [`admin_consent`]: an administrator's consent for the tenant (sign-in, then Microsoft's
//!   admin consent endpoint).
//! - [`flows`]: starting a code flow, bound to the browser that starts it; [`flow_cookie`]:
//!   that cookie; [`cookies`]: how every cookie is written and found.
//! - [`google`]: connecting Google Workspace, bound to the session that asked for it.
//! - [`refused`]: refused Office SSO tokens in the audit log, bounded.
//! - [`secrets`]: the encryption envelope of secrets at rest and key rotation.
//! - [`scopes`]: the scope registry — what is asked for and why.
//!
//! The identity providers' protocols (token validation, OAuth exchanges) are in
//! [`crate::identity`]; the HTTP side of a caller in [`crate::http::caller`].

pub mod admin_consent;
pub mod connections;
pub mod cookies;
pub mod flow_cookie;
pub mod flows;
pub mod google;
pub mod refused;
pub mod scopes;
pub mod secrets;
pub mod sessions;
pub mod sign_in;
