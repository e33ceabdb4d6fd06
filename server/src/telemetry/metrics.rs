//! Metrics, in Prometheus' text format: what the server counts and times, named once here.
//!
//! The `metrics` crate's macros record into the process's recorder, which
//! `metrics-exporter-prometheus` renders; [`install`] sets it up once per process (the tests
//! run several servers in one process: they share it, so a test reads differences). Nothing is
//! recorded until it is installed, which the server does only when `/metrics` is served
//! (`--metrics-token`).
//!
//! Labels hold bounded sets only: route classes, HTTP statuses, error and reason codes —
//! never a mailbox, a tenant or a path.

use std::sync::OnceLock;
use std::time::Duration;

use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

/// Shortest `--metrics-token` accepted: long enough that guessing it is hopeless, since the
/// endpoint sits on the public listener.
pub const MIN_TOKEN_CHARS: usize = 32;

/// Who may read `/metrics`: a scraper sending `Authorization: Bearer <token>`.
pub struct MetricsAccess {
    token_sha256: [u8; 32],
    handle: PrometheusHandle,
}

impl MetricsAccess {
    /// Installs the recorder and admits `token`.
    pub fn new(token: &SecretString) -> Self {
        Self {
            token_sha256: Sha256::digest(token.expose_secret().as_bytes()).into(),
            handle: install(),
        }
    }

    /// Whether `presented` is the token. Digests are compared, so the time taken tells nothing
    /// of how much of the token matched.
    pub fn admits(&self, presented: &str) -> bool {
        let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        digest == self.token_sha256
    }

    /// Every metric, in Prometheus' text format.
    pub fn render(&self) -> String {
        self.handle.render()
    }
}

const HTTP_REQUESTS: &str = "liaison_http_requests_total";
const HTTP_SECONDS: &str = "liaison_http_request_duration_seconds";
const GRAPH_REQUESTS: &str = "liaison_graph_requests_total";
const GRAPH_BATCH_ANSWERS: &str = "liaison_graph_batch_answers_total";
const GRAPH_THROTTLED: &str = "liaison_graph_throttled_total";
const GRAPH_RETRY_WAIT: &str = "liaison_graph_retry_wait_seconds";
const SYNC_SESSIONS: &str = "liaison_sync_sessions_total";
const LEASE_TAKEOVERS: &str = "liaison_sync_lease_takeovers_total";
const SAVES: &str = "liaison_saves_total";
const REFUSALS: &str = "liaison_refusals_total";
const JOBS_DUE: &str = "liaison_sync_jobs_due";
const QUEUED_SAVES: &str = "liaison_queued_saves";

/// Latency buckets (seconds): from a cached answer to a request that waits on Graph.
const SECONDS_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

static RECORDER: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's recorder, installed on the first call (inside a Tokio runtime: its upkeep,
/// which drains histogram samples, runs every five seconds).
pub fn install() -> PrometheusHandle {
    RECORDER
        .get_or_init(|| {
            let builder = PrometheusBuilder::new();
            let builder = builder
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), SECONDS_BUCKETS)
                .unwrap_or_else(|_| PrometheusBuilder::new());
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("another metrics recorder is installed: /metrics shows nothing");
            }
            let upkeep = handle.clone();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_secs(5));
                loop {
                    tick.tick().await;
                    upkeep.run_upkeep();
                }
            });
            describe();
            handle
        })
        .clone()
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests answered, by route class and status"
    );
    describe_histogram!(
        HTTP_SECONDS,
        "time to answer an HTTP request, by route class"
    );
    describe_counter!(
        GRAPH_REQUESTS,
        "requests sent to Microsoft Graph, by answer status"
    );
    describe_counter!(
        GRAPH_BATCH_ANSWERS,
        "answers inside Graph $batch requests, by status"
    );
    describe_counter!(
        GRAPH_THROTTLED,
        "Graph answers 429 Too Many Requests (a $batch's inner answers too)"
    );
    describe_histogram!(
        GRAPH_RETRY_WAIT,
        "waits before retrying a Graph request, by what set them (retry_after or backoff)"
    );
    describe_counter!(
        SYNC_SESSIONS,
        "sync sessions finished, by result (ok or error code)"
    );
    describe_counter!(
        LEASE_TAKEOVERS,
        "sync jobs claimed from a worker whose lease expired"
    );
    describe_counter!(
        SAVES,
        "saves from the sidebar, by outcome (synced, queued, refused)"
    );
    describe_counter!(
        REFUSALS,
        "requests a permission rule refused, by action and reason"
    );
    describe_gauge!(JOBS_DUE, "sync jobs due and not running");
    describe_gauge!(
        QUEUED_SAVES,
        "saves waiting in the outbox for a sync session"
    );
}

/// An HTTP request answered.
pub fn http_request(class: &'static str, status: u16, elapsed: Duration) {
    counter!(HTTP_REQUESTS, "class" => class, "status" => status.to_string()).increment(1);
    histogram!(HTTP_SECONDS, "class" => class).record(elapsed.as_secs_f64());
}

/// A Graph request's answer: its status, or `None` when none came (a transport failure).
pub fn graph_answer(status: Option<u16>) {
    let status = status.map_or_else(|| "none".to_owned(), |s| s.to_string());
    let throttled = status == "429";
    counter!(GRAPH_REQUESTS, "status" => status).increment(1);
    if throttled {
        counter!(GRAPH_THROTTLED).increment(1);
    }
}

/// One answer inside a Graph `$batch` (whose HTTP request [`graph_answer`] counted).
pub fn graph_batch_answer(status: u16) {
    counter!(GRAPH_BATCH_ANSWERS, "status" => status.to_string()).increment(1);
    if status == 429 {
        counter!(GRAPH_THROTTLED).increment(1);
    }
}

/// A wait before a Graph retry; `retry_after`: Graph's `Retry-After` set it.
pub fn graph_retry_wait(wait: Duration, retry_after: bool) {
    let source = if retry_after {
        "retry_after"
    } else {
        "backoff"
    };
    histogram!(GRAPH_RETRY_WAIT, "source" => source).record(wait.as_secs_f64());
}

/// A sync session finished: `ok`, or its error code.
pub fn sync_session(result: &str) {
    counter!(SYNC_SESSIONS, "result" => result.to_owned()).increment(1);
}

/// A claim took over a dead worker's expired lease.
pub fn lease_takeover() {
    counter!(LEASE_TAKEOVERS).increment(1);
}

/// A save from the sidebar: `synced`, `queued` or `refused`.
pub fn save(outcome: &'static str) {
    counter!(SAVES, "outcome" => outcome).increment(1);
}

/// A permission rule refused `action` (an audit action's code) for `reason` (its code).
pub fn refusal(action: &'static str, reason: &str) {
    counter!(REFUSALS, "action" => action, "reason" => reason.to_owned()).increment(1);
}

/// The work waiting, as the store counts it when `/metrics` is read.
pub fn queue_depth(due_jobs: i64, queued_saves: i64) {
    gauge!(JOBS_DUE).set(due_jobs as f64);
    gauge!(QUEUED_SAVES).set(queued_saves as f64);
}
