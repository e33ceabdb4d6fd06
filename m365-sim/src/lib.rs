//! A Microsoft 365 simulator: a real HTTP server speaking the subset of the Microsoft identity
//! platform and Microsoft Graph that Liaison uses (and a smaller Google Workspace surface), over
//! seeded tenants, users, delegate grants and calendars.
//!
//! Liaison's demo and its tests point their Microsoft base URLs at [`Simulator::url`]; production
//! points them at Microsoft. Nothing here is a mock of Liaison's own code: the seam is the URL.
//! Tests steer it through [`Simulator`]: inject faults per route, read the request journal, rotate
//! the signing keys, evict delta tokens, revoke grants.
//!
//! # Layout
//! - [`seed`]: the tenants, users, delegate grants and events a simulator starts with.
//! - [`world`]: the mutable state (events with their change sequence, codes, refresh tokens,
//!   consents); [`sharing`]: who may open whose calendar (grants by any address, "My
//!   Organization", calendars a delegate added); [`state`]: the world, keys and traffic every route shares, and token claims.
//! - [`keys`]: RS256 signing keys, the JWKS document, rotation.
//! - `identity`: discovery, authorize, token (code + PKCE, refresh, On-Behalf-Of), admin
//!   consent, Office's add-in SSO token. `graph`: the Graph resources. `google`: Google.
//! - [`traffic`]: fault injection, the 4-in-flight-per-mailbox limit, the journal.
//! - [`outlook`]: what people do in Outlook (create, categorise, move, cancel, series).
//! - [`office_host`]: the stand-in for Office.js that the simulated Outlook host page uses.

// The simulator's helpers fail with the HTTP answer itself (`Result<_, Response>`), which is
// what a handler returns anyway; boxing it would only add noise.
#![expect(
    clippy::result_large_err,
    reason = "handlers fail with the HTTP answer itself; boxing it would only add noise"
)]

pub mod clock;
mod google;
mod graph;
mod identity;
pub mod keys;
pub mod office_host;
pub mod outlook;
mod routes;
pub mod seed;
pub mod sharing;
pub mod state;
pub mod traffic;
pub mod world;

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::ServiceExt;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower::Layer;

pub use seed::Seed;
pub use state::{
    Claims, GLOBAL_ADMIN_ROLE, GRAPH_APP_ID, LIAISON_ADMIN_ROLE, OUTLOOK_CLIENT_ID, V1_ISSUER,
};
pub use traffic::{Fault, FaultRule, JournalEntry};
pub use world::AppRegistration;
pub use world::MAX_PAGE_SIZE;

/// The client id of the Liaison app registration every simulator starts with.
pub const LIAISON_CLIENT_ID: &str = "3f6d1b2e-5c4a-4e8f-9b7d-2a1c0e9f8d71";
/// Its Google OAuth client id.
pub const LIAISON_GOOGLE_CLIENT_ID: &str = "liaison-sim.apps.googleusercontent.com";

/// A running simulator. Dropping it stops the server.
pub struct Simulator {
    addr: SocketAddr,
    state: Arc<state::SimState>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Simulator {
    /// Binds `127.0.0.1` on a free port and serves `seed` until dropped.
    pub async fn start(seed: Seed) -> std::io::Result<Self> {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), seed).await
    }

    /// Binds `addr` and serves `seed` until dropped.
    pub async fn start_on(addr: SocketAddr, seed: Seed) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let app = AppRegistration {
            client_id: LIAISON_CLIENT_ID.into(),
            client_secret: identity::random_token("sim-secret-"),
            app_id_uri: format!("api://{LIAISON_CLIENT_ID}"),
            redirect_uris: HashSet::new(),
            google_client_id: LIAISON_GOOGLE_CLIENT_ID.into(),
            google_client_secret: identity::random_token("sim-g-secret-"),
            access_token_version: None,
            group_membership_claims: false,
        };
        let base_url = format!("http://{addr}");
        let mut world = world::World::new(seed, app);
        let (outbox, mut outgoing) = tokio::sync::mpsc::unbounded_channel::<world::Outgoing>();
        world.outbox = Some(outbox);
        let state = Arc::new(state::SimState::new(world, base_url));
        // Change and lifecycle notifications go out in order, as Graph's webhooks would.
        let deliveries = state.clone();
        tokio::spawn(async move {
            let http = state::webhook_client();
            while let Some(message) = outgoing.recv().await {
                let status = http
                    .post(&message.url)
                    .json(&message.body)
                    .timeout(std::time::Duration::from_secs(10))
                    .send()
                    .await
                    .map_or(0, |r| r.status().as_u16());
                deliveries.traffic.delivered(&message.url, status);
            }
        });
        let router = routes::router(state.clone());
        let app = tower::util::MapRequestLayer::new(graph::rewrite_me).layer(router);
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, app.into_make_service())
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
            if let Err(error) = served {
                tracing::error!(%error, "the Microsoft 365 simulator stopped");
            }
        });
        Ok(Self {
            addr,
            state,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// The base URL, e.g. `http://127.0.0.1:41234`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Liaison's app registration (client ids, secrets, the App ID URI, redirect URIs).
    pub fn app(&self) -> AppRegistration {
        self.state.world().app.clone()
    }

    /// Changes Liaison's app registration (token version, group claims…), as an admin would in
    /// Entra; tokens minted afterwards follow it.
    pub fn configure_app(&self, change: impl FnOnce(&mut AppRegistration)) {
        change(&mut self.state.world().app);
    }

    /// Registers a redirect URI (matched exactly) for both providers.
    pub fn allow_redirect_uri(&self, uri: &str) {
        self.state.world().app.redirect_uris.insert(uri.to_owned());
    }

    /// Injects a fault into matching requests.
    pub fn inject(&self, rule: FaultRule) {
        self.state.traffic.inject(rule);
    }

    pub fn clear_faults(&self) {
        self.state.traffic.clear_faults();
    }

    /// Every request so far, in order of arrival.
    pub fn journal(&self) -> Vec<JournalEntry> {
        self.state.traffic.journal()
    }

    pub fn clear_journal(&self) {
        self.state.traffic.clear_journal();
    }

    /// The most Graph requests one mailbox (user id, lower-case) ever had in flight.
    pub fn peak_in_flight(&self, mailbox: &str) -> u32 {
        self.state.traffic.peak_in_flight(mailbox)
    }

    /// Publishes a new signing key and signs with it; returns its `kid`.
    pub fn rotate_keys(&self) -> String {
        self.state.rotate_keys()
    }

    /// Stops publishing every key but the current one.
    pub fn retire_old_keys(&self) {
        self.state.retire_old_keys();
    }

    /// Outlook, as mailbox owners use it: meetings, categories, series (changes show in delta).
    /// How a single read of another user's private item answers a delegate without private
    /// access (Microsoft does not document it: both sides are simulated).
    pub fn set_private_item_read(&self, read: world::PrivateItemRead) {
        self.state.world().private_item_read = read;
    }

    /// Whether `delegate` has added `owner`'s shared calendar to their mailbox (accepted the
    /// sharing invitation, or added a calendar open to the organization): until then it is
    /// missing from their `/me/calendars`.
    pub fn set_calendar_added(&self, delegate: &str, owner: &str, added: bool) {
        let pair = (delegate.to_ascii_lowercase(), owner.to_ascii_lowercase());
        self.state.world().calendar_added.insert(pair, added);
    }

    /// What "My Organization" may do in `owner`'s primary calendar (a `calendarRoleType`, as
    /// the owner sets it in Outlook's sharing dialog).
    pub fn set_organization_role(&self, owner: &str, role: &str) {
        self.state
            .world()
            .organization_roles
            .insert(owner.to_ascii_lowercase(), role.to_owned());
    }

    /// Gives `mailbox` another SMTP address (listed in its `proxyAddresses`).
    pub fn add_alias(&self, mailbox: &str, alias: &str) {
        self.state
            .world()
            .aliases
            .entry(mailbox.to_ascii_lowercase())
            .or_default()
            .push(alias.to_owned());
    }

    pub fn outlook(&self) -> outlook::Outlook<'_> {
        outlook::Outlook { state: &self.state }
    }

    /// Sends a subscription's lifecycle event (`reauthorizationRequired`, `subscriptionRemoved`
    /// — which also ends it — or `missed`) to its lifecycle URL.
    pub fn lifecycle_event(&self, subscription_id: &str, event: &str) {
        self.state.world().lifecycle(subscription_id, event);
    }

    /// The live subscriptions: `(id, mailbox user id, expiry in seconds since the epoch)`.
    pub fn subscriptions(&self) -> Vec<(String, String, i64)> {
        self.state
            .world()
            .subscriptions
            .values()
            .map(|s| (s.id.clone(), s.mailbox.clone(), s.expires_s))
            .collect()
    }

    /// Notifications delivered so far: `(URL, the subscriber's status)`, in order.
    pub fn deliveries(&self) -> Vec<(String, u16)> {
        self.state.traffic.deliveries()
    }

    /// Evicts every delta token handed out so far: using one answers `410 Gone`.
    pub fn expire_delta_tokens(&self) {
        let mut world = self.state.world();
        world.delta_horizon = world.seq + 1;
    }

    /// Caps every collection page at `items`, as Graph may whatever `odata.maxpagesize` asks
    /// ("different APIs might have different default and maximum page sizes", `concepts/paging.md`).
    pub fn cap_page_size(&self, items: usize) {
        self.state.world().max_page_size = items.max(1);
    }

    /// Revokes a user's refresh tokens and consent (as a password reset or an admin would).
    pub fn revoke_grants(&self, user_id: &str) {
        let mut world = self.state.world();
        world.refresh_tokens.retain(|_, g| g.user_id != user_id);
        world.user_consents.retain(|(_, u)| u != user_id);
    }

    /// A refresh token for Liaison, as if `user` (id or address) had signed in and consented to
    /// `scopes` earlier: what a demo seeds for people who "connected their calendar before".
    pub fn issue_refresh_token(&self, user: &str, scopes: &[&str]) -> Option<String> {
        let mut world = self.state.world();
        let (tenant_id, user) = world.find_user(user)?;
        let client_id = world.app.client_id.clone();
        world
            .user_consents
            .insert((tenant_id.clone(), user.id.clone()));
        let token = identity::random_token("sim.rt.");
        world.refresh_tokens.insert(
            token.clone(),
            world::Grant {
                tenant_id,
                user_id: user.id,
                client_id,
                scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
                redirect_uri: String::new(),
                code_challenge: None,
                nonce: None,
            },
        );
        Some(token)
    }

    /// Records an administrator's consent for `tenant_id` (what the admin consent flow does).
    pub fn grant_admin_consent(&self, tenant_id: &str) {
        self.state
            .world()
            .admin_consents
            .insert(tenant_id.to_owned());
    }

    /// Whether an administrator of `tenant_id` consented.
    pub fn has_admin_consent(&self, tenant_id: &str) -> bool {
        self.state.world().admin_consents.contains(tenant_id)
    }

    /// The claims the identity platform would issue to `user_id` for `aud`, to edit and sign
    /// (forgery tests start from a valid token and change one thing).
    pub fn claims_for(
        &self,
        tenant_id: &str,
        user_id: &str,
        aud: &str,
        scp: Option<&str>,
    ) -> Claims {
        self.state.claims_for(tenant_id, user_id, aud, scp, 3600)
    }

    /// The claims of a v1.0 access token (`iss` https://sts.windows.net/{tid}/, `ver` 1.0).
    pub fn v1_claims_for(
        &self,
        tenant_id: &str,
        user_id: &str,
        aud: &str,
        scp: Option<&str>,
    ) -> Claims {
        self.state.v1_claims_for(tenant_id, user_id, aud, scp, 3600)
    }

    /// Signs `claims` with the current key.
    pub fn sign(&self, claims: &Claims) -> String {
        self.state.sign(claims)
    }

    /// A Graph access token for `user_id` with `scopes` (for the simulator's own tests).
    pub fn graph_token(&self, tenant_id: &str, user_id: &str, scopes: &str) -> String {
        self.state
            .mint(tenant_id, user_id, GRAPH_APP_ID, Some(scopes), 3600)
    }

    /// The current signing key's public modulus and exponent (base64url).
    pub fn public_key_components(&self) -> (String, String) {
        let keys = self.state.keys();
        let (n, e) = keys.current().public_components();
        (n.to_owned(), e.to_owned())
    }

    /// Stops the server and waits until it has closed its socket.
    pub async fn stop(mut self) {
        self.signal_stop();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    fn signal_stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.signal_stop();
    }
}
