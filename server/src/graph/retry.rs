//! When and how long to wait before retrying a Graph request — the Graph SDKs' defaults
//! (Kiota's retry handler) made explicit and testable:
//!
//! - retry `429`, `503` and `504`; `500` and `502` only for requests that are safe to repeat
//!   (GET); never anything else;
//! - at most [`MAX_RETRIES`] retries, and never past [`MAX_TOTAL_WAIT`] in all;
//! - wait what `Retry-After` says (whole or decimal seconds, or an HTTP date), else
//!   `3 s · 2^(n−1)` plus up to 1 s of jitter.
//!
//! Pure: the caller gives the attempt, the status, the header, the clock and the jitter.

use std::time::{Duration, SystemTime};

/// Retries after the first attempt.
pub const MAX_RETRIES: u32 = 3;
/// The longest a request may spend waiting across its retries.
pub const MAX_TOTAL_WAIT: Duration = Duration::from_secs(180);
/// The first backoff without `Retry-After`.
const BASE_DELAY: Duration = Duration::from_secs(3);

/// What the caller knows about a failed attempt.
#[derive(Debug, Clone, Copy)]
pub struct Failure<'a> {
    /// 1 for the first retry, 2 for the second, …
    pub retry: u32,
    /// The HTTP status, or `None` for a timeout or a broken connection.
    pub status: Option<u16>,
    /// Whether repeating the request cannot do harm (GET, or a request with an idempotency key).
    pub idempotent: bool,
    /// The `Retry-After` header, as sent.
    pub retry_after: Option<&'a str>,
    /// How long the request has waited in earlier retries.
    pub waited: Duration,
    pub now: SystemTime,
    /// A random value in `[0, 1)`, for jitter.
    pub jitter: f64,
}

/// How long to wait before retrying, or `None` to give up and report the failure.
pub fn delay(failure: &Failure<'_>) -> Option<Duration> {
    if failure.retry == 0 || failure.retry > MAX_RETRIES || !retryable(failure) {
        return None;
    }
    let wait = failure
        .retry_after
        .and_then(|header| retry_after(header, failure.now))
        .unwrap_or_else(|| backoff(failure.retry, failure.jitter));
    (failure.waited + wait <= MAX_TOTAL_WAIT).then_some(wait)
}

fn retryable(failure: &Failure<'_>) -> bool {
    match failure.status {
        Some(429 | 503 | 504) => true,
        Some(500 | 502) | None => failure.idempotent,
        Some(_) => false,
    }
}

/// `3 s · 2^(retry−1)` plus up to one second of jitter.
fn backoff(retry: u32, jitter: f64) -> Duration {
    let exponential = BASE_DELAY.saturating_mul(1 << (retry - 1).min(16));
    exponential + Duration::from_secs_f64(jitter.clamp(0.0, 1.0))
}

/// Parses `Retry-After`: whole or decimal seconds (Graph sends both), or an HTTP date.
pub fn retry_after(header: &str, now: SystemTime) -> Option<Duration> {
    let header = header.trim();
    if let Ok(seconds) = header.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0)
            .then(|| Duration::from_secs_f64(seconds.min(MAX_TOTAL_WAIT.as_secs_f64() + 1.0)));
    }
    let at = httpdate::parse_http_date(header).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn failure(retry: u32, status: Option<u16>) -> Failure<'static> {
        Failure {
            retry,
            status,
            idempotent: false,
            retry_after: None,
            waited: Duration::ZERO,
            now: SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000),
            jitter: 0.0,
        }
    }

    #[test]
    fn throttling_and_unavailability_are_retried_three_times_with_growing_waits() {
        let waits: Vec<_> = (1..=4).map(|n| delay(&failure(n, Some(429)))).collect();
        assert_eq!(
            waits,
            [
                Some(Duration::from_secs(3)),
                Some(Duration::from_secs(6)),
                Some(Duration::from_secs(12)),
                None
            ]
        );
        assert!(delay(&failure(1, Some(503))).is_some());
        assert!(delay(&failure(1, Some(504))).is_some());
    }

    #[test]
    fn client_errors_are_never_retried_and_500s_only_when_safe_to_repeat() {
        for status in [400, 401, 403, 404, 409, 410, 422] {
            assert_eq!(delay(&failure(1, Some(status))), None, "{status}");
        }
        assert_eq!(delay(&failure(1, Some(500))), None);
        assert_eq!(delay(&failure(1, None)), None);
        let safe = Failure {
            idempotent: true,
            ..failure(1, Some(502))
        };
        assert!(delay(&safe).is_some());
    }

    #[test]
    fn retry_after_is_obeyed_in_seconds_decimal_seconds_and_http_dates() {
        let now = failure(1, None).now;
        assert_eq!(retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(retry_after("2.5", now), Some(Duration::from_millis(2500)));
        let in_ten_seconds = httpdate::fmt_http_date(now + Duration::from_secs(10));
        assert_eq!(
            retry_after(&in_ten_seconds, now),
            Some(Duration::from_secs(10))
        );
        let past = httpdate::fmt_http_date(now - Duration::from_secs(10));
        assert_eq!(retry_after(&past, now), Some(Duration::ZERO));
        assert_eq!(retry_after("soon", now), None);
        assert_eq!(retry_after("-3", now), None);

        let told = Failure {
            retry_after: Some("1.5"),
            ..failure(1, Some(429))
        };
        assert_eq!(delay(&told), Some(Duration::from_millis(1500)));
    }

    #[test]
    fn a_wait_past_the_total_budget_gives_up() {
        let late = Failure {
            waited: Duration::from_secs(179),
            ..failure(2, Some(429))
        };
        assert_eq!(delay(&late), None);
        let long = Failure {
            retry_after: Some("3600"),
            ..failure(1, Some(429))
        };
        assert_eq!(delay(&long), None);
    }

    proptest! {
        #[test]
        fn no_policy_ever_waits_past_the_budget_or_retries_a_fourth_time(
            retry in 0u32..10,
            status in prop::option::of(100u16..600),
            idempotent in any::<bool>(),
            header in prop::option::of("[0-9.a-zA-Z ,:-]{0,40}"),
            waited in 0u64..400,
            jitter in 0.0f64..1.0,
        ) {
            let failure = Failure {
                retry,
                status,
                idempotent,
                retry_after: header.as_deref(),
                waited: Duration::from_secs(waited),
                now: SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000),
                jitter,
            };
            if let Some(wait) = delay(&failure) {
                prop_assert!((1..=MAX_RETRIES).contains(&retry));
                prop_assert!(failure.waited + wait <= MAX_TOTAL_WAIT);
            }
        }
    }
}
