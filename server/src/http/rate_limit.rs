//! Per-client rate limiting of the public API endpoints (those that need no session).
//!
//! Clients are told apart by their IP address as the socket sees it. Behind a reverse proxy every
//! client shares the proxy's address, so the limit is then per proxy: raise it accordingly.
//! Refused requests get `429 rate_limited` with `Retry-After` in whole seconds.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::http::error::ApiError;

/// A token bucket per client IP.
#[derive(Clone)]
pub struct ClientRateLimit {
    limiter: Arc<DefaultKeyedRateLimiter<IpAddr>>,
}

impl ClientRateLimit {
    /// `per_second` requests a second per client, with bursts of twice that.
    pub fn new(per_second: NonZeroU32) -> Self {
        let burst = per_second.saturating_mul(NonZeroU32::MIN.saturating_add(1));
        let quota = Quota::per_second(per_second).allow_burst(burst);
        let limiter = Arc::new(RateLimiter::keyed(quota));
        // Forget idle clients now and then, so memory follows the active ones only.
        let sweeper = Arc::downgrade(&limiter);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                let Some(limiter) = sweeper.upgrade() else {
                    break;
                };
                limiter.retain_recent();
                limiter.shrink_to_fit();
            }
        });
        Self { limiter }
    }

    /// `Err(wait)` when `client` has to wait before its next request.
    fn check(&self, client: IpAddr) -> Result<(), Duration> {
        self.limiter
            .check_key(&client)
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}

/// Middleware: refuses a client over its rate.
pub async fn limit_per_client(
    State(limit): State<ClientRateLimit>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
    next: Next,
) -> Response {
    match limit.check(peer.ip()) {
        Ok(()) => next.run(req).await,
        Err(wait) => {
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            let mut res = ApiError::RateLimited.into_response();
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
            res
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_client_over_its_burst_waits_and_others_do_not() {
        let limit = ClientRateLimit::new(NonZeroU32::new(1).unwrap());
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();

        assert!(limit.check(a).is_ok());
        assert!(limit.check(a).is_ok());
        let wait = limit.check(a).unwrap_err();

        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(1));
        assert!(limit.check(b).is_ok());
    }
}
