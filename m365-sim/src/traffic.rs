//! What happens to every request before and after its route: fault injection, Graph's limit of
//! 4 requests in flight per mailbox, and the request journal tests read.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;

/// What a matching request gets instead of (or before) its answer.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Answer `status` with Graph's error body; `retry_after` is sent verbatim (seconds, decimal
    /// seconds or an HTTP date).
    Status {
        status: u16,
        retry_after: Option<String>,
    },
    /// Wait this long, then answer normally.
    Delay(Duration),
    /// Handle the request at once (its effects happen), then hold the answer this long: a
    /// service that acted while its caller gave up waiting.
    DelayAnswer(Duration),
    /// Close the connection without an answer.
    Reset,
}

/// Injects `fault` into the next `times` requests whose method matches (any when `None`) and
/// whose path contains `path_contains`.
#[derive(Debug, Clone)]
pub struct FaultRule {
    pub method: Option<Method>,
    pub path_contains: String,
    pub times: u32,
    pub fault: Fault,
    /// Only every `every`-th matching request gets the fault (1: each one).
    pub every: u32,
    seen: u32,
}

impl FaultRule {
    pub fn new(path_contains: &str, times: u32, fault: Fault) -> Self {
        Self {
            method: None,
            path_contains: path_contains.to_owned(),
            times,
            fault,
            every: 1,
            seen: 0,
        }
    }

    /// Every `n`-th matching request (for the whole run) gets the fault: `n = 10` is 10 %.
    pub fn every(path_contains: &str, n: u32, fault: Fault) -> Self {
        Self {
            every: n.max(1),
            ..Self::new(path_contains, u32::MAX, fault)
        }
    }

    pub fn on(mut self, method: Method) -> Self {
        self.method = Some(method);
        self
    }
}

/// One request as the simulator saw it.
#[derive(Debug, Clone, Serialize)]
pub struct JournalEntry {
    /// Order of arrival, from 1.
    pub seq: u64,
    pub method: String,
    /// Path and query.
    pub uri: String,
    pub status: u16,
    /// The mailbox a Graph request addressed (user id or address as written), if any.
    pub mailbox: Option<String>,
    /// Set when the answer was injected: `status`, `delay`, `reset` or `mailbox_concurrency`.
    pub injected: Option<String>,
    /// The `Retry-Attempt` header the client sent (Graph SDKs count their retries with it).
    pub retry_attempt: Option<String>,
    /// The `Prefer` header the client sent (ids, time zone, page size).
    pub prefer: Option<String>,
}

/// Faults, journal and in-flight counts.
#[derive(Default)]
pub struct Traffic {
    rules: std::sync::Mutex<Vec<FaultRule>>,
    journal: std::sync::Mutex<Vec<JournalEntry>>,
    arrivals: AtomicU64,
    in_flight: std::sync::Mutex<HashMap<String, (u32, u32)>>,
    deliveries: std::sync::Mutex<Vec<(String, u16)>>,
}

/// Graph's concurrency limit per app and mailbox.
pub const MAX_IN_FLIGHT_PER_MAILBOX: u32 = 4;

impl Traffic {
    pub fn inject(&self, rule: FaultRule) {
        lock(&self.rules).push(rule);
    }

    pub fn clear_faults(&self) {
        lock(&self.rules).clear();
    }

    pub fn journal(&self) -> Vec<JournalEntry> {
        lock(&self.journal).clone()
    }

    /// Records a notification delivered to `url` and the status it got.
    pub fn delivered(&self, url: &str, status: u16) {
        lock(&self.deliveries).push((url.to_owned(), status));
    }

    pub fn deliveries(&self) -> Vec<(String, u16)> {
        lock(&self.deliveries).clone()
    }

    pub fn clear_journal(&self) {
        lock(&self.journal).clear();
    }

    /// The most requests one mailbox ever had in flight at once.
    pub fn peak_in_flight(&self, mailbox: &str) -> u32 {
        lock(&self.in_flight)
            .get(&mailbox.to_lowercase())
            .map_or(0, |(_, peak)| *peak)
    }

    fn take_fault(&self, method: &Method, uri: &str) -> Option<Fault> {
        let mut rules = lock(&self.rules);
        let index = rules.iter_mut().position(|r| {
            let matches = r.times > 0
                && r.method.as_ref().is_none_or(|m| m == method)
                && uri.contains(&r.path_contains);
            if matches {
                r.seen += 1;
            }
            matches && r.seen % r.every == 0
        })?;
        rules[index].times -= 1;
        let fault = rules[index].fault.clone();
        if rules[index].times == 0 {
            rules.remove(index);
        }
        Some(fault)
    }

    /// Counts a request in for `mailbox`; `false` when it would exceed the limit.
    fn enter(&self, mailbox: &str) -> bool {
        let mut counts = lock(&self.in_flight);
        let entry = counts.entry(mailbox.to_owned()).or_insert((0, 0));
        if entry.0 >= MAX_IN_FLIGHT_PER_MAILBOX {
            return false;
        }
        entry.0 += 1;
        entry.1 = entry.1.max(entry.0);
        true
    }

    fn leave(&self, mailbox: &str) {
        if let Some(entry) = lock(&self.in_flight).get_mut(mailbox) {
            entry.0 = entry.0.saturating_sub(1);
        }
    }

    fn record(&self, entry: JournalEntry) {
        lock(&self.journal).push(entry);
    }
}

fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// The mailbox a Graph path addresses: `/v1.0/users/{id}/…` (after `/me` was rewritten).
fn mailbox_of(path: &str) -> Option<String> {
    let rest = path.strip_prefix("/v1.0/users/")?;
    let id = rest.split('/').next()?;
    (!id.is_empty()).then(|| id.to_lowercase())
}

/// Leaves the in-flight count when the request ends, however it ends.
struct InFlight<'a> {
    traffic: &'a Traffic,
    mailbox: String,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.traffic.leave(&self.mailbox);
    }
}

/// What the middleware needs of the simulator it guards.
pub trait Host: Send + Sync + 'static {
    fn traffic(&self) -> &Traffic;
    /// Whose mailbox a request's token names (for `/me/…` paths).
    fn caller_id(&self, headers: &axum::http::HeaderMap) -> Option<String>;
}

/// The middleware around every route.
pub async fn middleware<H: Host>(
    State(state): State<Arc<H>>,
    request: Request,
    next: Next,
) -> Response {
    let traffic = state.traffic();
    let seq = traffic.arrivals.fetch_add(1, Ordering::SeqCst) + 1;
    let method = request.method().clone();
    let uri = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let retry_attempt = request
        .headers()
        .get("retry-attempt")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let prefer = request
        .headers()
        .get("prefer")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut mailbox = mailbox_of(request.uri().path());
    if let Some(me) = mailbox.as_deref().filter(|m| *m == "me") {
        let _ = me;
        mailbox = state.caller_id(request.headers());
    }
    let entry = |status: u16, injected: Option<&str>| JournalEntry {
        seq,
        method: method.to_string(),
        uri: uri.clone(),
        status,
        mailbox: mailbox.clone(),
        injected: injected.map(str::to_owned),
        retry_attempt: retry_attempt.clone(),
        prefer: prefer.clone(),
    };

    let _guard = match &mailbox {
        Some(m) if traffic.enter(m) => Some(InFlight {
            traffic,
            mailbox: m.clone(),
        }),
        Some(_) => {
            traffic.record(entry(429, Some("mailbox_concurrency")));
            return graph_error(
                StatusCode::TOO_MANY_REQUESTS,
                "ApplicationThrottled",
                "Application is over its MailboxConcurrency limit.",
                Some("1"),
            );
        }
        None => None,
    };

    match traffic.take_fault(&method, &uri) {
        Some(Fault::Status {
            status,
            retry_after,
        }) => {
            traffic.record(entry(status, Some("status")));
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            let code = if status == StatusCode::TOO_MANY_REQUESTS {
                "TooManyRequests"
            } else {
                "serviceNotAvailable"
            };
            return graph_error(
                status,
                code,
                "Injected by the simulator.",
                retry_after.as_deref(),
            );
        }
        Some(Fault::Reset) => {
            traffic.record(entry(0, Some("reset")));
            return reset();
        }
        Some(Fault::Delay(delay)) => {
            tokio::time::sleep(delay).await;
            let response = next.run(request).await;
            traffic.record(entry(response.status().as_u16(), Some("delay")));
            return response;
        }
        Some(Fault::DelayAnswer(delay)) => {
            let response = next.run(request).await;
            tokio::time::sleep(delay).await;
            traffic.record(entry(response.status().as_u16(), Some("delay-answer")));
            return response;
        }
        None => {}
    }
    let response = next.run(request).await;
    traffic.record(entry(response.status().as_u16(), None));
    response
}

/// Graph's error body.
pub fn graph_error(
    status: StatusCode,
    code: &str,
    message: &str,
    retry_after: Option<&str>,
) -> Response {
    let mut response = (
        status,
        axum::Json(json!({
            "error": {
                "code": code,
                "message": message,
                "innerError": {
                    "date": httpdate::fmt_http_date(std::time::SystemTime::now()),
                    "request-id": uuid::Uuid::new_v4().to_string(),
                    "status": status.as_u16().to_string(),
                }
            }
        })),
    )
        .into_response();
    if let Some(value) = retry_after.and_then(|v| HeaderValue::from_str(v).ok()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// A response whose body fails mid-stream, so the client sees the connection break.
fn reset() -> Response {
    let stream = futures_fail();
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, "1024")
        .body(Body::from_stream(stream))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

fn futures_fail() -> impl futures::Stream<Item = Result<axum::body::Bytes, std::io::Error>> + Send {
    struct Broken(bool);
    impl futures::Stream for Broken {
        type Item = Result<axum::body::Bytes, std::io::Error>;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            if self.0 {
                return std::task::Poll::Ready(None);
            }
            self.0 = true;
            std::task::Poll::Ready(Some(Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "injected reset",
            ))))
        }
    }
    Broken(false)
}
