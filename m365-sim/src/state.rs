//! [`SimState`]: the world, the signing keys and the traffic controls every route shares, and
//! the claims of the tokens the simulator mints.

use std::sync::{Mutex, MutexGuard, OnceLock, RwLock, RwLockReadGuard};

use axum::Router;
use axum::http::{HeaderMap, header};
use serde::{Deserialize, Serialize};

use crate::keys::KeySet;
use crate::traffic::Traffic;
use crate::world::World;

/// Microsoft Graph's application id: the audience of Graph access tokens.
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
/// Outlook's client id: the `azp` of the add-in SSO tokens Office asks for.
pub const OUTLOOK_CLIENT_ID: &str = "ea5a67f6-b6f3-4338-b240-c655ddc3cc8e";
/// The role template id of Global Administrator, carried in `wids`.
pub const GLOBAL_ADMIN_ROLE: &str = "62e90394-69f5-4237-9190-012177145e10";
/// The issuer prefix of v1.0 access tokens: `https://sts.windows.net/{tid}/` (Microsoft,
/// "Access tokens in the Microsoft identity platform": v1.0 and v2.0 tokens).
pub const V1_ISSUER: &str = "https://sts.windows.net";
/// Liaison's app role for its administrators, assigned in Entra and sent in `roles`.
pub const LIAISON_ADMIN_ROLE: &str = "Liaison.Admin";

pub struct SimState {
    world: Mutex<World>,
    keys: RwLock<KeySet>,
    pub traffic: Traffic,
    /// The base URL (`http://127.0.0.1:PORT`), known once the socket is bound.
    pub base_url: String,
    /// The routes, for `$batch` to run its inner requests through.
    pub router: OnceLock<Router>,
}

/// The claims of every token the simulator signs (ID tokens, API tokens, Graph tokens).
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub tid: String,
    pub oid: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub ver: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scp: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub azp: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub wids: Vec<String>,
    /// App roles assigned to the user for the token's audience (an array of strings).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub roles: Vec<String>,
    /// v1.0 tokens: the client (`azp` in v2.0), the user principal name and its older twin.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unique_name: Option<String>,
}

/// The client the simulator calls subscribers' webhooks with. It accepts the self-signed
/// certificate of a local `liaison demo --tls-self-signed` (this is a simulator, on loopback).
pub fn webhook_client() -> reqwest::Client {
    reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap_or_default()
}

pub use crate::clock::{now_s, rfc3339};

/// Now as Graph writes it (`2026-11-22T10:00:00Z`).
pub fn now_rfc3339() -> String {
    rfc3339(now_s())
}

/// `2026-11-22T10:00:00` (a trailing `Z` or fraction is ignored) as seconds since the Unix
/// epoch, UTC: the inverse of [`rfc3339`].
pub fn epoch_seconds(time: &str) -> Option<i64> {
    let n = |r: std::ops::Range<usize>| time.get(r).and_then(|s| s.parse::<i64>().ok());
    let (y, m, d, h, min, s) = (
        n(0..4)?,
        n(5..7)?,
        n(8..10)?,
        n(11..13)?,
        n(14..16)?,
        n(17..19)?,
    );
    Some(crate::clock::days_from_civil(y, m, d) * 86_400 + h * 3600 + min * 60 + s)
}

impl SimState {
    pub fn new(world: World, base_url: String) -> Self {
        Self {
            world: Mutex::new(world),
            keys: RwLock::new(KeySet::new()),
            traffic: Traffic::default(),
            base_url,
            router: OnceLock::new(),
        }
    }

    pub fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn keys(&self) -> RwLockReadGuard<'_, KeySet> {
        self.keys.read().unwrap_or_else(|p| p.into_inner())
    }

    pub fn rotate_keys(&self) -> String {
        self.keys
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .rotate()
    }

    pub fn retire_old_keys(&self) {
        self.keys
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .retire_old();
    }

    /// The v2.0 issuer of `tenant_id`.
    pub fn issuer(&self, tenant_id: &str) -> String {
        format!("{}/{tenant_id}/v2.0", self.base_url)
    }

    /// Mints a token for `user_id` of `tenant_id` with `aud`, `scp` and a lifetime in seconds.
    pub fn mint(
        &self,
        tenant_id: &str,
        user_id: &str,
        aud: &str,
        scp: Option<&str>,
        lifetime: i64,
    ) -> String {
        self.sign(&self.claims_for(tenant_id, user_id, aud, scp, lifetime))
    }

    /// The claims the identity platform would put in a token for this user and audience.
    pub fn claims_for(
        &self,
        tenant_id: &str,
        user_id: &str,
        aud: &str,
        scp: Option<&str>,
        lifetime: i64,
    ) -> Claims {
        let now = now_s();
        let world = self.world();
        let user = world.find_user(user_id).map(|(_, u)| u);
        let tenant = world.tenant(tenant_id);
        let holds = |list: fn(&crate::seed::Tenant) -> &Vec<String>| {
            tenant
                .zip(user.as_ref())
                .is_some_and(|(t, u)| list(t).iter().any(|a| a.eq_ignore_ascii_case(&u.mail)))
        };
        // `wids` only when the app registration asks for directory roles
        // (`groupMembershipClaims`); app roles go to tokens for the app's own audiences.
        let admin = world.app.group_membership_claims && holds(|t| &t.admins);
        let for_the_app = aud == world.app.client_id || aud == world.app.app_id_uri;
        let liaison_admin = for_the_app && holds(|t| &t.liaison_admins);
        Claims {
            iss: self.issuer(tenant_id),
            aud: aud.to_owned(),
            sub: pairwise_sub(aud, user_id),
            tid: tenant_id.to_owned(),
            oid: user_id.to_owned(),
            iat: now,
            nbf: now,
            exp: now + lifetime,
            ver: "2.0".into(),
            scp: scp.map(str::to_owned),
            azp: None,
            name: user.as_ref().map(|u| u.display_name.clone()),
            preferred_username: user.as_ref().map(|u| u.mail.clone()),
            email: user.as_ref().map(|u| u.mail.clone()),
            nonce: None,
            wids: if admin {
                vec![GLOBAL_ADMIN_ROLE.into()]
            } else {
                Vec::new()
            },
            roles: if liaison_admin {
                vec![LIAISON_ADMIN_ROLE.into()]
            } else {
                Vec::new()
            },
            appid: None,
            upn: None,
            unique_name: None,
        }
    }

    /// The claims of a v1.0 access token for `aud`: `iss` `https://sts.windows.net/{tid}/`,
    /// `ver` `1.0`, the user's name in `upn` and `unique_name` (no `preferred_username`), the
    /// client in `appid` (Microsoft's access token claims reference).
    pub fn v1_claims_for(
        &self,
        tenant_id: &str,
        user_id: &str,
        aud: &str,
        scp: Option<&str>,
        lifetime: i64,
    ) -> Claims {
        let v2 = self.claims_for(tenant_id, user_id, aud, scp, lifetime);
        Claims {
            iss: format!("{V1_ISSUER}/{tenant_id}/"),
            ver: "1.0".into(),
            upn: v2.preferred_username.clone(),
            unique_name: v2.preferred_username.clone(),
            preferred_username: None,
            email: None,
            ..v2
        }
    }

    /// Signs arbitrary claims with the current key.
    pub fn sign(&self, claims: &Claims) -> String {
        self.keys().sign(claims)
    }

    /// The Graph caller of a request: the verified Graph token's claims.
    pub fn graph_caller(&self, headers: &HeaderMap) -> Option<Claims> {
        let token = headers
            .get(header::AUTHORIZATION)?
            .to_str()
            .ok()?
            .strip_prefix("Bearer ")?;
        let claims: Claims = self.keys().verify(token)?;
        (claims.aud == GRAPH_APP_ID).then_some(claims)
    }

    /// The user id behind a request's Graph token, lower-case.
    pub fn caller_id(&self, headers: &HeaderMap) -> Option<String> {
        self.graph_caller(headers).map(|c| c.oid.to_lowercase())
    }
}

/// `sub` is pairwise: the same user has a different subject in each application.
pub fn pairwise_sub(app: &str, user_id: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("{app}|{user_id}"));
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16])
}

impl crate::traffic::Host for SimState {
    fn traffic(&self) -> &crate::traffic::Traffic {
        &self.traffic
    }

    fn caller_id(&self, headers: &HeaderMap) -> Option<String> {
        SimState::caller_id(self, headers)
    }
}
