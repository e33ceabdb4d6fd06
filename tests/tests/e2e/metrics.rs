//! `/metrics`: Prometheus' text format for a scraper holding the metrics token, and what the
//! server counts — requests by route class, Graph's answers and throttling, sync sessions,
//! saves, refusals, the work waiting. The tests in this binary share one recorder (it is the
//! process's), so each reads differences, never absolute values.

use liaison_e2e::people::items::OLGAS_REVIEW;
use liaison_e2e::people::{ANN, OLGA, RITA, save, seeded_item};
use liaison_e2e::{METRICS_TOKEN, TestApp, sample};
use m365_sim::{Fault, FaultRule};
use serde_json::json;

#[tokio::test]
async fn only_a_scraper_with_the_token_reads_the_metrics() {
    let app = TestApp::spawn().await;
    let url = format!("{}/metrics", app.url);
    let http = reqwest::Client::new();
    for token in [None, Some("wrong"), Some(&METRICS_TOKEN[1..])] {
        let mut request = http.get(&url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let res = request.send().await.unwrap();
        assert_eq!(res.status(), 401, "{token:?}");
        let body = res.text().await.unwrap();
        assert!(!body.contains("liaison_"), "nothing is shown: {body}");
    }
    // A signed-in user's session is not the token either.
    let res = app.get_as(ANN, "/metrics").await;
    assert_eq!(res.status(), 401);

    let res = http
        .get(&url)
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let text = res.text().await.unwrap();
    assert!(
        text.contains("# TYPE liaison_http_requests_total counter"),
        "{text}"
    );
    assert!(
        text.contains("# TYPE liaison_sync_jobs_due gauge"),
        "{text}"
    );
}

#[tokio::test]
async fn requests_are_counted_and_timed_by_route_class() {
    let app = TestApp::spawn().await;
    let series = r#"liaison_http_requests_total{class="health",status="200"}"#;
    let before = sample(&app.metrics().await, series);
    for _ in 0..3 {
        assert_eq!(app.get("/healthz").await.status(), 200);
    }
    let missing = r#"liaison_http_requests_total{class="api",status="404"}"#;
    let missing_before = sample(&app.metrics().await, missing);
    assert_eq!(app.get("/api/no/such/thing").await.status(), 404);

    let text = app.metrics().await;
    assert!(sample(&text, series) >= before + 3.0, "{text}");
    assert!(sample(&text, missing) > missing_before);
    assert!(
        sample(
            &text,
            r#"liaison_http_request_duration_seconds_count{class="health"}"#
        ) >= 3.0
    );
    // No path or id ever becomes a label.
    assert!(!text.contains("/healthz") && !text.contains("no/such"));
}

#[tokio::test]
async fn saves_refusals_sessions_and_graphs_throttling_are_counted() {
    let app = TestApp::spawn().await;
    let before = app.metrics().await;
    let synced = r#"liaison_saves_total{outcome="synced"}"#;
    let refused = r#"liaison_saves_total{outcome="refused"}"#;
    let refusal = r#"liaison_refusals_total{action="items.save",reason="reviewer_read_only"}"#;
    let sessions_ok = r#"liaison_sync_sessions_total{result="ok"}"#;
    let throttled = "liaison_graph_throttled_total";
    let answered_429 = r#"liaison_graph_requests_total{status="429"}"#;
    let retry_after_waits = r#"liaison_graph_retry_wait_seconds_count{source="retry_after"}"#;

    let body = save(seeded_item(OLGA, OLGAS_REVIEW), &[]);
    assert_eq!(
        app.post_as(ANN, "/api/items/save", &body, None)
            .await
            .status(),
        200
    );
    // Rita reviews Olga's calendar: she may read it, not save from it.
    assert_eq!(
        app.post_as(RITA, "/api/items/save", &body, None)
            .await
            .status(),
        403
    );
    // Graph throttles Olga's sync once; the session waits what Retry-After says and goes on.
    app.simulator.inject(FaultRule::new(
        "calendarView/delta",
        1,
        Fault::Status {
            status: 429,
            retry_after: Some("0.1".into()),
        },
    ));
    let run = app.post_as(OLGA, "/api/sync/run", &json!({}), None).await;
    assert_eq!(run.status(), 200);

    let after = app.metrics().await;
    let grew = |series: &str| sample(&after, series) - sample(&before, series);
    assert!(grew(synced) >= 1.0, "{after}");
    assert!(grew(refused) >= 1.0 && grew(refusal) >= 1.0, "{after}");
    assert!(grew(sessions_ok) >= 1.0);
    assert!(grew(throttled) >= 1.0 && grew(answered_429) >= 1.0);
    assert!(grew(retry_after_waits) >= 1.0);
    assert!(grew(r#"liaison_graph_requests_total{status="200"}"#) >= 2.0);
}

#[tokio::test]
async fn without_a_token_configured_there_is_no_metrics_endpoint() {
    let app = TestApp::builder().without_metrics().spawn().await;
    let res = app
        .http
        .get(format!("{}/metrics", app.url))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}
