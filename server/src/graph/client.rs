//! The Microsoft Graph client: base URL from configuration, `Prefer: IdType="ImmutableId"` and
//! UTC times on every call, paging by `@odata.nextLink`, `$batch` in chunks of 20, retries by
//! [`super::retry`] (honouring `Retry-After`, sending `Retry-Attempt`), at most 4 requests in
//! flight per mailbox, and typed errors. Tokens are passed in per call and never logged.
//!
//! Each call names its [`Operation`], which names the one scope it needs: the scope registry
//! (`crate::scopes`) is tested against [`Operation::ALL`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use reqwest::{Method, StatusCode, header};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::Semaphore;

use super::{retry, tally};
use crate::telemetry::metrics;

/// Graph's concurrency limit per app and mailbox.
pub const MAX_IN_FLIGHT_PER_MAILBOX: usize = 4;
/// Mailboxes whose in-flight limiter is kept before idle ones are forgotten.
const REMEMBERED_MAILBOXES: usize = 1024;
/// Graph's limit of requests per `$batch`.
pub const MAX_BATCH: usize = 20;
/// Items per page asked of collections (`Prefer: odata.maxpagesize`): fewer round trips for a
/// full sync. Microsoft publishes no maximum for `calendarView/delta`; 1000 is the top of the
/// `$top` range Outlook documents for its mailbox collections (`user-list-messages.md`: "within
/// the range of 1 and 1000"), and Graph may send fewer per page (`concepts/paging.md`), which
/// paging by `@odata.nextLink` absorbs.
pub const PAGE_SIZE: usize = 1000;
/// The smallest page a retry shrinks to: Microsoft warns that a page of hundreds of full items
/// "may trigger the gateway timeout (HTTP 504)" (`user-list-messages.md`), so each retry asks
/// for half the page before (the preference is per request, nextLinks included).
const MIN_RETRY_PAGE_SIZE: usize = 100;

/// The page size a request asks for on its `retry`-th attempt.
fn page_size_for(retry: u32) -> usize {
    (PAGE_SIZE >> retry.min(8)).max(MIN_RETRY_PAGE_SIZE)
}

/// Every Graph call Liaison makes, and the delegated scope it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// `GET /me`
    Me,
    /// `GET /me/calendar/calendarPermissions` (the Organizer's delegates)
    CalendarPermissions,
    /// `GET /me/calendarView/delta` (the Organizer's sync)
    CalendarViewDelta,
    /// `PATCH /me/events/{id}` with `categories` only (the CRM category write-back)
    WriteCategories,
    /// `GET /me/calendars` (a delegate's copies of the calendars shared with them)
    MyCalendars,
    /// `GET /users/{owner}/events/{id}` as a delegate (the item the sidebar is open on)
    SharedEvent,
    /// `GET /me/events/{id}` (the sidebar on the user's own item)
    OwnEvent,
    /// `GET`/`POST /me/outlook/masterCategories` (the CRM category in the Organizer's list)
    MasterCategories,
    /// `POST`/`PATCH /subscriptions` on `/me/events` (change notifications for sync)
    Subscriptions,
    /// `POST /me/events` and `…/permanentDelete`: the item that shows Exchange's identity of
    /// the caller (`crate::graph::creator`)
    IdentityProbe,
    /// `POST /me/calendar/getSchedule` (the Organizer's free/busy, for a booking link's page)
    FreeBusy,
    /// `POST /me/events` with a `transactionId` (the meeting an invitee books)
    BookedMeeting,
}

impl Operation {
    pub const ALL: [Self; 12] = [
        Self::Me,
        Self::CalendarPermissions,
        Self::CalendarViewDelta,
        Self::WriteCategories,
        Self::MyCalendars,
        Self::SharedEvent,
        Self::OwnEvent,
        Self::MasterCategories,
        Self::Subscriptions,
        Self::IdentityProbe,
        Self::FreeBusy,
        Self::BookedMeeting,
    ];

    pub fn scope(self) -> &'static str {
        match self {
            Self::Me => "User.Read",
            Self::CalendarPermissions
            | Self::CalendarViewDelta
            | Self::WriteCategories
            | Self::OwnEvent
            | Self::Subscriptions
            | Self::IdentityProbe
            | Self::FreeBusy
            | Self::BookedMeeting => "Calendars.ReadWrite",
            Self::MyCalendars | Self::SharedEvent => "Calendars.Read.Shared",
            Self::MasterCategories => "MailboxSettings.ReadWrite",
        }
    }

    fn idempotent(self) -> bool {
        // A PATCH that sets the whole category list is safe to repeat; creating a master
        // category is not (a repeat answers 409, which the caller reads as "exists"), nor is
        // creating a probe item (a repeat after a lost answer would leave one behind). A
        // booked meeting is created with a `transactionId`, which Graph documents for exactly
        // this ("to avoid redundant POST operations in case of client retries"), and getSchedule
        // only reads.
        !matches!(
            self,
            Self::MasterCategories | Self::Subscriptions | Self::IdentityProbe
        )
    }
}

/// Why a Graph call failed (after retries).
#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    /// The token is expired or revoked: refresh and try once more, or reconnect.
    #[error("Graph refused the token (401)")]
    Unauthorized,
    #[error("Graph denied access ({code})")]
    Forbidden { code: String },
    #[error("not found in Graph ({code})")]
    NotFound { code: String },
    /// A delta link was evicted: start a full round (`location` is Graph's suggestion).
    #[error("the sync state is gone; start over")]
    SyncStateGone { location: Option<String> },
    /// Still throttled or failing after the retries the policy allows.
    #[error("Graph answered {status} ({code}) after {attempts} attempts")]
    Service {
        status: u16,
        code: String,
        attempts: u32,
    },
    #[error("Graph could not be reached: {0}")]
    Transport(String),
    #[error("Graph's answer could not be read: {0}")]
    Decode(String),
}

/// One request of a `$batch`.
#[derive(Debug, Clone)]
pub struct BatchPart {
    pub id: String,
    pub method: &'static str,
    /// Relative to the version root, e.g. `/me/events/AAMk…`.
    pub url: String,
    pub body: Option<Value>,
}

/// One answer of a `$batch`.
#[derive(Debug, Clone, Deserialize)]
pub struct BatchAnswer {
    pub id: String,
    pub status: u16,
    #[serde(default)]
    pub headers: HashMap<String, String>,
    #[serde(default)]
    pub body: Value,
}

pub struct GraphClient {
    http: reqwest::Client,
    /// e.g. `https://graph.microsoft.com/v1.0`, without a trailing slash.
    base_url: String,
    mailboxes: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl GraphClient {
    pub fn new(http: reqwest::Client, base_url: &str) -> Self {
        Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            mailboxes: Mutex::new(HashMap::new()),
        }
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    fn limiter(&self, mailbox: &str) -> Arc<Semaphore> {
        let mut mailboxes = self.mailboxes.lock().unwrap_or_else(|p| p.into_inner());
        if mailboxes.len() >= REMEMBERED_MAILBOXES {
            // Forget the mailboxes no request holds a limiter of: memory follows the busy ones.
            mailboxes.retain(|_, limiter| Arc::strong_count(limiter) > 1);
        }
        mailboxes
            .entry(mailbox.to_lowercase())
            .or_insert_with(|| Arc::new(Semaphore::new(MAX_IN_FLIGHT_PER_MAILBOX)))
            .clone()
    }

    /// Mailboxes whose in-flight limiter is kept (tests).
    #[cfg(test)]
    fn remembered_mailboxes(&self) -> usize {
        self.mailboxes.lock().map_or(0, |m| m.len())
    }

    /// Sends one request for `mailbox` (its in-flight limit applies) and retries by the policy.
    /// `path_or_url` is a path under the base URL or a full link Graph returned.
    pub async fn send(
        &self,
        op: Operation,
        token: &SecretString,
        mailbox: &str,
        method: Method,
        path_or_url: &str,
        body: Option<&Value>,
    ) -> Result<Value, GraphError> {
        let url = if path_or_url.starts_with("http://") || path_or_url.starts_with("https://") {
            // A link Graph returned (`nextLink`, `deltaLink`, possibly stored) is followed only
            // to the configured Graph base — its scheme, host and port: a tampered link never
            // receives the token.
            if !self.is_own_link(path_or_url) {
                return Err(GraphError::Decode(
                    "a link points away from the configured Microsoft Graph".into(),
                ));
            }
            path_or_url.to_owned()
        } else {
            format!("{}{path_or_url}", self.base_url)
        };
        let limiter = self.limiter(mailbox);
        let mut waited = Duration::ZERO;
        let mut retry = 0u32;
        loop {
            let outcome = {
                let _permit = limiter
                    .acquire()
                    .await
                    .map_err(|_| GraphError::Transport("the client is shutting down".into()))?;
                self.attempt(token, method.clone(), &url, body, retry).await
            };
            let (status, retry_after, error) = match outcome {
                Ok(value) => return Ok(value),
                Err(Attempt::Final(error)) => return Err(error),
                Err(Attempt::Retryable {
                    status,
                    retry_after,
                    error,
                }) => (status, retry_after, error),
            };
            retry += 1;
            let wait = retry::delay(&retry::Failure {
                retry,
                status,
                idempotent: op.idempotent() || method == Method::GET,
                retry_after: retry_after.as_deref(),
                waited,
                now: SystemTime::now(),
                jitter: rand::random::<f64>(),
            });
            let Some(wait) = wait else {
                return Err(match error {
                    GraphError::Service { status, code, .. } => GraphError::Service {
                        status,
                        code,
                        attempts: retry,
                    },
                    other => other,
                });
            };
            tracing::debug!(
                ?op,
                retry,
                wait_ms = wait.as_millis() as u64,
                ?status,
                "retrying a Graph call"
            );
            metrics::graph_retry_wait(wait, retry_after.is_some());
            tokio::time::sleep(wait).await;
            waited += wait;
        }
    }

    async fn attempt(
        &self,
        token: &SecretString,
        method: Method,
        url: &str,
        body: Option<&Value>,
        retry: u32,
    ) -> Result<Value, Attempt> {
        let mut request = self
            .http
            .request(method, url)
            .bearer_auth(token.expose_secret())
            // One header: some servers read only the first `Prefer`.
            .header(
                "Prefer",
                format!(
                    "IdType=\"ImmutableId\", outlook.timezone=\"UTC\", odata.maxpagesize={}",
                    page_size_for(retry)
                ),
            )
            .timeout(Duration::from_secs(30));
        if retry > 0 {
            request = request.header("Retry-Attempt", retry.to_string());
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|e| {
            tally::note(false);
            metrics::graph_answer(None);
            Attempt::Retryable {
                status: None,
                retry_after: None,
                error: GraphError::Transport(e.without_url().to_string()),
            }
        })?;
        let status = response.status();
        tally::note(status == StatusCode::TOO_MANY_REQUESTS);
        metrics::graph_answer(Some(status.as_u16()));
        let retry_after = response
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let location = response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = response.bytes().await.map_err(|e| Attempt::Retryable {
            status: None,
            retry_after: None,
            error: GraphError::Transport(e.without_url().to_string()),
        })?;
        if status.is_success() {
            if bytes.is_empty() {
                return Ok(Value::Null);
            }
            return serde_json::from_slice(&bytes)
                .map_err(|e| Attempt::Final(GraphError::Decode(e.to_string())));
        }
        let code = error_code(&bytes);
        Err(match status {
            StatusCode::UNAUTHORIZED => Attempt::Final(GraphError::Unauthorized),
            StatusCode::FORBIDDEN => Attempt::Final(GraphError::Forbidden { code }),
            StatusCode::NOT_FOUND => Attempt::Final(GraphError::NotFound { code }),
            StatusCode::GONE => Attempt::Final(GraphError::SyncStateGone { location }),
            _ if code.eq_ignore_ascii_case("syncStateNotFound")
                || code.eq_ignore_ascii_case("resyncRequired") =>
            {
                Attempt::Final(GraphError::SyncStateGone { location })
            }
            _ => Attempt::Retryable {
                status: Some(status.as_u16()),
                retry_after,
                error: GraphError::Service {
                    status: status.as_u16(),
                    code,
                    attempts: 1,
                },
            },
        })
    }

    /// Sends `parts` in `$batch` requests of at most 20 and returns every answer (any order).
    /// Each batch counts as one request in flight for `mailbox`; the retry policy applies to the
    /// batch, and inner `429`s come back as answers for the caller to retry.
    pub async fn batch(
        &self,
        op: Operation,
        token: &SecretString,
        mailbox: &str,
        parts: &[BatchPart],
    ) -> Result<Vec<BatchAnswer>, GraphError> {
        let mut answers = Vec::with_capacity(parts.len());
        for chunk in parts.chunks(MAX_BATCH) {
            let requests: Vec<Value> = chunk
                .iter()
                .map(|p| {
                    let mut request = json!({ "id": p.id, "method": p.method, "url": p.url });
                    if let Some(body) = &p.body {
                        request["body"] = body.clone();
                        request["headers"] = json!({ "Content-Type": "application/json" });
                    }
                    request
                })
                .collect();
            let value = self
                .send(
                    op,
                    token,
                    mailbox,
                    Method::POST,
                    "/$batch",
                    Some(&json!({ "requests": requests })),
                )
                .await?;
            #[derive(Deserialize)]
            struct Responses {
                responses: Vec<BatchAnswer>,
            }
            let responses: Responses =
                serde_json::from_value(value).map_err(|e| GraphError::Decode(e.to_string()))?;
            for answer in &responses.responses {
                // Graph throttles a batch's requests one by one.
                let throttled = answer.status == StatusCode::TOO_MANY_REQUESTS.as_u16();
                tally::note_batch_answer(throttled);
                metrics::graph_batch_answer(answer.status);
            }
            answers.extend(responses.responses);
        }
        Ok(answers)
    }

    /// Whether a link Graph returned (or a stored delta link) points at the configured Graph
    /// base: same scheme, host and port, under its path.
    fn is_own_link(&self, link: &str) -> bool {
        let (Ok(link), Ok(base)) = (url::Url::parse(link), url::Url::parse(&self.base_url)) else {
            return false;
        };
        let prefix = base.path().trim_end_matches('/');
        link.scheme() == base.scheme()
            && link.host_str() == base.host_str()
            && link.port_or_known_default() == base.port_or_known_default()
            && (link.path() == prefix || link.path().starts_with(&format!("{prefix}/")))
    }

    /// Every item of a collection, following `@odata.nextLink` verbatim.
    pub async fn all_pages(
        &self,
        op: Operation,
        token: &SecretString,
        mailbox: &str,
        path: &str,
    ) -> Result<Vec<Value>, GraphError> {
        let mut items = Vec::new();
        let mut next = Some(path.to_owned());
        while let Some(target) = next.take() {
            let mut page = self
                .send(op, token, mailbox, Method::GET, &target, None)
                .await?;
            if let Some(values) = page["value"].as_array_mut() {
                items.append(values);
            }
            next = page["@odata.nextLink"].as_str().map(str::to_owned);
        }
        Ok(items)
    }
}

/// The `error.code` of a Graph error body; empty when the body is not Graph's error shape.
fn error_code(body: &[u8]) -> String {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v["error"]["code"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// How one attempt ended, short of success.
enum Attempt {
    Final(GraphError),
    Retryable {
        status: Option<u16>,
        retry_after: Option<String>,
        error: GraphError,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_mailboxes_are_forgotten_and_busy_ones_kept() {
        let client = GraphClient::new(reqwest::Client::new(), "https://graph.example/v1.0");
        let busy = client.limiter("busy@contoso.com");
        for n in 0..3 * REMEMBERED_MAILBOXES {
            drop(client.limiter(&format!("m{n}@contoso.com")));
        }
        assert!(client.remembered_mailboxes() <= REMEMBERED_MAILBOXES + 1);
        assert!(
            Arc::ptr_eq(&busy, &client.limiter("BUSY@contoso.com")),
            "kept while held"
        );
    }

    #[test]
    fn a_retry_asks_for_a_smaller_page_down_to_a_floor() {
        let sizes: Vec<usize> = (0..6).map(page_size_for).collect();
        assert_eq!(sizes, [1000, 500, 250, 125, 100, 100]);
        assert_eq!(page_size_for(u32::MAX), MIN_RETRY_PAGE_SIZE);
    }

    mod arbitrary_errors {
        use proptest::prelude::*;

        use super::super::error_code;
        use crate::outside_input::document;

        proptest! {
            #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

            /// Graph's error bodies are outside input: any body gives a code or none.
            #[test]
            fn any_error_body_gives_a_code_or_none(bytes in document(
                serde_json::json!({ "error": { "code": "TooManyRequests", "message": "slow down",
                                               "innerError": { "date": "2026-11-29T00:00:00" } } }),
                &["error", "code", "message", "innerError"],
            )) {
                let _ = error_code(&bytes);
            }
        }
    }
}
