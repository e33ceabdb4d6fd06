//! Rate limits: token buckets per client and route class for what needs no session, per user
//! for the signed-in API, and a small budget per client for bearer tokens that are not (or no
//! longer) a session.
//!
//! Each class has its own buckets, so a client flooding `/api/permissions/resolve` does not
//! starve sign-in, and nobody's sign-in traffic starves Graph's webhook deliveries. The client
//! is the socket's peer, or — when the peer is a configured trusted proxy — the address that
//! proxy reports ([`TrustedProxies`]). Refused requests get `429 rate_limited` with
//! `Retry-After` in whole seconds.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::http::error::ApiError;

/// The routes that need no session, each class limited on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteClass {
    /// Sign-in: `/api/session/*`, `/auth/*`, `/admin/consent`.
    SignIn,
    /// The public permission resolver.
    Resolve,
    /// Microsoft Graph's change and lifecycle notifications.
    Webhooks,
    /// The public booking pages (`/book/*`): opening one reads the Organizer's free/busy.
    Booking,
}

/// How fast clients may go.
#[derive(Debug, Clone, Copy)]
pub struct RateLimitSettings {
    /// Requests a second per client and route class without a session (bursts of twice that).
    pub anonymous: NonZeroU32,
    /// Requests a second per signed-in user (bursts of twice that).
    pub per_user: NonZeroU32,
}

/// Proxies whose word on the client's address is taken: when the socket's peer is one of
/// `proxies`, the client is the right-most address in `header` that is not itself a proxy
/// (proxies append what they saw; anything to its left came from the client and can be forged).
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies {
    pub header: Option<HeaderName>,
    pub proxies: Vec<IpAddr>,
}

impl TrustedProxies {
    /// The client's address, as far as it can be trusted.
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let Some(name) = self.header.as_ref() else {
            return peer;
        };
        if !self.proxies.contains(&peer) {
            return peer;
        }
        let mut reported = headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|a| a.trim().parse::<IpAddr>().ok())
            .collect::<Vec<_>>();
        reported.reverse();
        reported
            .into_iter()
            .find(|a| !self.proxies.contains(a))
            .unwrap_or(peer)
    }
}

type Buckets<K> = Arc<DefaultKeyedRateLimiter<K>>;

/// Most clients remembered as over their unknown-token budget at once.
const MAX_REFUSED_CLIENTS: usize = 65_536;

/// Every bucket of the server.
#[derive(Clone)]
pub struct RateLimits {
    sign_in: Buckets<IpAddr>,
    resolve: Buckets<IpAddr>,
    webhooks: Buckets<IpAddr>,
    booking: Buckets<IpAddr>,
    /// Per booking link, whoever asks: a link passed around cannot make Liaison read the
    /// Organizer's free/busy faster than this.
    booking_links: Buckets<String>,
    users: Buckets<String>,
    unknown_bearers: Buckets<IpAddr>,
    /// Clients over their unknown-token budget, until when: refused before any look-up.
    refused: Arc<Mutex<HashMap<IpAddr, Instant>>>,
    pub proxies: Arc<TrustedProxies>,
}

impl RateLimits {
    pub fn new(settings: RateLimitSettings, proxies: TrustedProxies) -> Self {
        // Unknown bearer tokens: a quarter of the anonymous rate. A pane with an expired
        // session needs one answer to know it must sign in again; a guesser needs millions.
        let unknown = NonZeroU32::new(settings.anonymous.get() / 4).unwrap_or(NonZeroU32::MIN);
        let limits = Self {
            sign_in: buckets(settings.anonymous),
            resolve: buckets(settings.anonymous),
            webhooks: buckets(settings.anonymous),
            booking: buckets(settings.anonymous),
            booking_links: buckets(settings.anonymous),
            users: buckets(settings.per_user),
            unknown_bearers: buckets(unknown),
            refused: Arc::default(),
            proxies: Arc::new(proxies),
        };
        limits.sweep_now_and_then();
        limits
    }

    /// Forgets idle clients now and then, so memory follows the active ones only.
    fn sweep_now_and_then(&self) {
        let weak = (
            Arc::downgrade(&self.sign_in),
            Arc::downgrade(&self.resolve),
            Arc::downgrade(&self.webhooks),
            Arc::downgrade(&self.users),
            Arc::downgrade(&self.unknown_bearers),
            Arc::downgrade(&self.refused),
            Arc::downgrade(&self.booking),
            Arc::downgrade(&self.booking_links),
        );
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                let (Some(a), Some(b), Some(c), Some(d), Some(e), Some(refused), Some(f), Some(g)) = (
                    weak.0.upgrade(),
                    weak.1.upgrade(),
                    weak.2.upgrade(),
                    weak.3.upgrade(),
                    weak.4.upgrade(),
                    weak.5.upgrade(),
                    weak.6.upgrade(),
                    weak.7.upgrade(),
                ) else {
                    break;
                };
                for ip_buckets in [a, b, c, e, f] {
                    ip_buckets.retain_recent();
                    ip_buckets.shrink_to_fit();
                }
                for keyed in [d, g] {
                    keyed.retain_recent();
                    keyed.shrink_to_fit();
                }
                let now = Instant::now();
                if let Ok(mut refused) = refused.lock() {
                    refused.retain(|_, until| *until > now);
                }
            }
        });
    }

    fn class(&self, class: RouteClass) -> &Buckets<IpAddr> {
        match class {
            RouteClass::SignIn => &self.sign_in,
            RouteClass::Resolve => &self.resolve,
            RouteClass::Webhooks => &self.webhooks,
            RouteClass::Booking => &self.booking,
        }
    }

    /// `Err(wait)` when `client` must wait before its next request of `class`.
    pub fn check_route(&self, class: RouteClass, client: IpAddr) -> Result<(), Duration> {
        check(self.class(class), &client)
    }

    /// `Err(wait)` when booking link `secret` was asked for too often of late.
    pub fn check_booking_link(&self, secret: &str) -> Result<(), Duration> {
        check(&self.booking_links, &secret.to_owned())
    }

    /// `Err(wait)` when the signed-in `user` (tenant and id) must wait.
    pub fn check_user(&self, user: &str) -> Result<(), Duration> {
        check(&self.users, &user.to_owned())
    }

    /// `Err(wait)` while `client` is over its budget of unknown bearer tokens: answered before
    /// any look-up.
    pub fn check_bearer_client(&self, client: IpAddr) -> Result<(), Duration> {
        let now = Instant::now();
        let refused = self.refused.lock().map_err(|_| Duration::from_secs(1))?;
        match refused.get(&client) {
            Some(until) if *until > now => Err(*until - now),
            _ => Ok(()),
        }
    }

    /// Counts an unknown bearer token against `client`; `Err(wait)` when that was one too many.
    pub fn note_unknown_bearer(&self, client: IpAddr) -> Result<(), Duration> {
        let wait = match check(&self.unknown_bearers, &client) {
            Ok(()) => return Ok(()),
            Err(wait) => wait,
        };
        if let Ok(mut refused) = self.refused.lock() {
            let now = Instant::now();
            if refused.len() >= MAX_REFUSED_CLIENTS {
                refused.retain(|_, until| *until > now);
            }
            if refused.len() < MAX_REFUSED_CLIENTS {
                refused.insert(client, now + wait);
            }
        }
        Err(wait)
    }
}

fn buckets<K: std::hash::Hash + Eq + Clone>(per_second: NonZeroU32) -> Buckets<K> {
    let burst = per_second.saturating_mul(NonZeroU32::MIN.saturating_add(1));
    Arc::new(RateLimiter::keyed(
        Quota::per_second(per_second).allow_burst(burst),
    ))
}

fn check<K: std::hash::Hash + Eq + Clone>(buckets: &Buckets<K>, key: &K) -> Result<(), Duration> {
    buckets
        .check_key(key)
        .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
}

/// `429 rate_limited` with `Retry-After` (whole seconds, at least 1).
pub fn too_many(wait: Duration) -> Response {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let mut res = ApiError::RateLimited.into_response();
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
    res
}

/// The client's address of a request (its socket peer, or what a trusted proxy reports).
pub fn client_of(limits: &RateLimits, req_headers: &HeaderMap, peer: Option<SocketAddr>) -> IpAddr {
    let peer = peer.map_or(IpAddr::from([0, 0, 0, 0]), |p| p.ip());
    limits.proxies.client_ip(peer, req_headers)
}

/// Middleware: refuses a client over its rate for `class`.
pub async fn limit_route_class(
    State((limits, class)): State<(RateLimits, RouteClass)>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
    next: Next,
) -> Response {
    let client = client_of(&limits, req.headers(), Some(peer));
    match limits.check_route(class, client) {
        Ok(()) => next.run(req).await,
        Err(wait) => too_many(wait),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(anonymous: u32) -> RateLimits {
        RateLimits::new(
            RateLimitSettings {
                anonymous: NonZeroU32::new(anonymous).unwrap(),
                per_user: NonZeroU32::new(1).unwrap(),
            },
            TrustedProxies::default(),
        )
    }

    #[tokio::test]
    async fn each_route_class_has_its_own_buckets_per_client() {
        let limits = limits(1);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        assert!(limits.check_route(RouteClass::Resolve, a).is_ok());
        assert!(limits.check_route(RouteClass::Resolve, a).is_ok());
        let wait = limits.check_route(RouteClass::Resolve, a).unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(1));
        assert!(
            limits.check_route(RouteClass::SignIn, a).is_ok(),
            "sign-in is not starved"
        );
        assert!(limits.check_route(RouteClass::Webhooks, a).is_ok());
        assert!(
            limits.check_route(RouteClass::Resolve, b).is_ok(),
            "others are not"
        );
    }

    #[tokio::test]
    async fn a_client_over_its_unknown_token_budget_is_refused_before_any_look_up() {
        let limits = limits(4);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        assert!(limits.check_bearer_client(a).is_ok());
        assert!(limits.note_unknown_bearer(a).is_ok());
        assert!(limits.note_unknown_bearer(a).is_ok());
        assert!(limits.note_unknown_bearer(a).is_err());
        assert!(limits.check_bearer_client(a).is_err());
        assert!(
            limits
                .check_bearer_client("10.0.0.2".parse().unwrap())
                .is_ok()
        );
    }

    #[test]
    fn only_a_trusted_proxy_names_the_client_and_only_its_own_entry_counts() {
        let proxy: IpAddr = "10.1.1.1".parse().unwrap();
        let proxies = TrustedProxies {
            header: Some(HeaderName::from_static("x-forwarded-for")),
            proxies: vec![proxy],
        };
        let mut headers = HeaderMap::new();
        // The client wrote "1.2.3.4" itself; the proxy appended the address it saw.
        headers.insert("x-forwarded-for", "1.2.3.4, 203.0.113.9".parse().unwrap());
        assert_eq!(
            proxies.client_ip(proxy, &headers),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
        let stranger: IpAddr = "198.51.100.7".parse().unwrap();
        assert_eq!(
            proxies.client_ip(stranger, &headers),
            stranger,
            "not a proxy"
        );
        assert_eq!(
            TrustedProxies::default().client_ip(proxy, &headers),
            proxy,
            "no header configured"
        );
        assert_eq!(proxies.client_ip(proxy, &HeaderMap::new()), proxy);
    }
}
