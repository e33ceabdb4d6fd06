//! Task pane sessions and the one-time values of sign-in: opaque random tokens (256 bits) of
//! which the store keeps only the SHA-256. A session ends after [`IDLE_MS`] without use or
//! [`LIFETIME_MS`] in all; the pane keeps its token in memory only.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::Digest;

use crate::auth::cookies::CookieName;
use crate::clock::now_ms;
use crate::store::{
    IdentityStore, NewSession, SessionCutoffs, SignedIn, SsoOrigin, StoreError, UserKey,
};

/// A session's absolute lifetime.
pub const LIFETIME_MS: i64 = 8 * 60 * 60 * 1000;
/// A session unused this long is over.
pub const IDLE_MS: i64 = 60 * 60 * 1000;
/// How often a session in use is marked seen (the idle clock's resolution): a look-up is a
/// read, and at most one write a minute per session.
pub const TOUCH_MS: i64 = 60 * 1000;
/// How long a session carries the administrator's rights it was signed in with (`roles` holds
/// `Liaison.Admin`): an assignment removed in Entra takes effect within this time, as the next
/// sign-in's token no longer carries it.
pub const ADMIN_MS: i64 = 15 * 60 * 1000;

/// Where the administrators' console lives: a Microsoft sign-in started for it
/// (`SignIn::start_console`) ends with a console session in [`CONSOLE_COOKIE`], and back there.
pub const CONSOLE_PATH: &str = "/admin";
/// The CRM page (`routes/crm_calendars.rs`): its sign-in (`SignIn::start_crm_page`) ends with the
/// same browser session, back there.
pub const CRM_PAGE_PATH: &str = "/crm";

/// The administrators' console's session cookie (`SameSite=Strict`, `HttpOnly`): a console in
/// an ordinary browser carries its session there, never where a script could read it.
pub const CONSOLE_COOKIE: CookieName = CookieName {
    https: "__Host-liaison-console",
    plain: "liaison-console",
};
/// How long the sign-in dialog's one-time code may wait to be exchanged.
pub const DIALOG_CODE_MS: i64 = 2 * 60 * 1000;
/// How long a sign-in redirect may take.
pub const FLOW_MS: i64 = 10 * 60 * 1000;

/// A new random token, `prefix` + 43 base64url characters.
pub fn new_token(prefix: &str) -> String {
    let bytes: [u8; 32] = rand::random();
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// What the store keeps of a token.
pub fn hash(token: &str) -> String {
    let digest = sha2::Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Live sessions one Office SSO token may have started: Office hands a pane the same cached
/// token on every load, so a token starts a session each time — but replaying it never
/// accumulates more than these (the oldest ends).
pub const SESSIONS_PER_SSO_TOKEN: u32 = 10;

/// A session for the user (`is_admin`: they signed in holding `Liaison.Admin`; `sso_token`:
/// the Office SSO token it was started with); returns the token and when it ends (UTC ms).
pub async fn start(
    store: &dyn IdentityStore,
    user: &UserKey,
    is_admin: bool,
    sso_token: Option<&str>,
) -> Result<(String, i64), StoreError> {
    let token = new_token("lsn_");
    let expires_at_ms = now_ms() + LIFETIME_MS;
    store
        .create_session(&NewSession {
            token_hash: hash(&token),
            user: user.clone(),
            expires_at_ms,
            is_admin,
            sso: sso_token.map(|t| SsoOrigin {
                token_hash: hash(t),
                keep: SESSIONS_PER_SSO_TOKEN,
            }),
        })
        .await?;
    Ok((token, expires_at_ms))
}

/// Ends the session whose token hashes to `token_hash` (signing out).
pub async fn end(store: &dyn IdentityStore, token_hash: &str) -> Result<(), StoreError> {
    store.delete_session(token_hash).await
}

/// The live session of a token.
pub async fn resolve(
    store: &dyn IdentityStore,
    token: &str,
) -> Result<Option<SignedIn>, StoreError> {
    resolve_at(store, token, now_ms()).await
}

/// The live session of a token at the instant `now` (UTC ms): [`resolve`] with its clock.
pub async fn resolve_at(
    store: &dyn IdentityStore,
    token: &str,
    now: i64,
) -> Result<Option<SignedIn>, StoreError> {
    store
        .use_session(
            &hash(token),
            now,
            SessionCutoffs {
                idle: now - IDLE_MS,
                touch: now - TOUCH_MS,
                admin: now - ADMIN_MS,
            },
        )
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_stored_only_as_hashes() {
        let a = new_token("lsn_");
        let b = new_token("lsn_");
        assert_ne!(a, b);
        assert_eq!(a.len(), 4 + 43);
        assert_eq!(hash(&a).len(), 64);
        assert!(!hash(&a).contains(&a[4..]));
    }
}
