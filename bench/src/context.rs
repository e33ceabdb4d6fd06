//! The item context (`POST /api/items/context`): what opening the sidebar on an item costs now
//! that the server reads the item from Graph with the user's token and verifies the delegation
//! with Microsoft. Through the real server and the Microsoft 365 simulator answering at once
//! (zero latency), on SQLite: latency p50/p99 and requests/s, beside `GET /healthz` on the same
//! server, and the Graph requests each context costs — cold (the delegation not yet verified)
//! and warm (verified, kept for `--delegation-cache-seconds`; the goal is 1: the item itself).
//!
//! With `--graph-latency-ms N` the simulator first waits N ms before each Graph answer, and the
//! report is the time one context takes to open, one request at a time: a delegate's first
//! context (the delegation verified: the owner's list, the delegate's calendars and the item,
//! read at once), a cached one and the owner's, beside one bare Graph round trip measured the
//! same way.

use std::time::{Duration, Instant};

use liaison_e2e::TestApp;
use liaison_e2e::people::{ANN, ARTHUR, OLGA, RITA, item, items, seeded};
use m365_sim::{Fault, FaultRule};

use crate::load::{Load, Report, Request};

const WARM_CONTEXTS: usize = 100;

pub async fn report(seconds: u64, connections: usize, graph_latency_ms: u64) -> anyhow::Result<()> {
    if graph_latency_ms > 0 {
        return with_latency(Duration::from_millis(graph_latency_ms)).await;
    }
    let app = TestApp::builder().spawn().await;
    let olgas_review = item(OLGA, &seeded(items::OLGAS_REVIEW)).to_string();
    let ann = app.token(ANN).await;
    let olga = app.token(OLGA).await;

    println!("Graph requests per context opened (the simulator's journal, identity aside):");
    let delegate_cold = graph_requests_for(&app, &ann, &olgas_review).await?;
    let mut warm = 0;
    for _ in 0..WARM_CONTEXTS {
        warm += graph_requests_for(&app, &ann, &olgas_review).await?;
    }
    let delegate_warm = warm as f64 / WARM_CONTEXTS as f64;
    let owner = graph_requests_for(&app, &olga, &olgas_review).await?;
    println!("  Ann, Olga's delegate, first context (delegation verified): {delegate_cold}");
    println!(
        "  Ann, Olga's delegate, next {WARM_CONTEXTS} contexts (delegation cached): {delegate_warm:.2} each"
    );
    println!("  Olga in her own calendar:                                  {owner}");

    let load = Load {
        duration: Duration::from_secs(seconds),
        connections,
    };
    println!();
    println!("{}", Report::header());
    let health = load.run(&app.url, Request::get("/healthz")).await?;
    println!("{}", health.line("GET /healthz (baseline)"));
    let context = load
        .run(
            &app.url,
            Request::post_json("/api/items/context", olgas_review.clone()).bearer(&ann),
        )
        .await?;
    println!(
        "{}",
        context.line("POST /api/items/context (delegate, cached)")
    );
    let own = load
        .run(
            &app.url,
            Request::post_json("/api/items/context", olgas_review).bearer(&olga),
        )
        .await?;
    println!("{}", own.line("POST /api/items/context (owner)"));
    println!(
        "{connections} connections, {seconds} s each after 1 s of warm-up; server, simulator and \
         load generator in one release process on loopback, SQLite store, {} CPU cores.",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    Ok(())
}

/// Opens the context once as `token` and counts the Graph requests it made.
async fn graph_requests_for(app: &TestApp, token: &str, body: &str) -> anyhow::Result<usize> {
    app.simulator.clear_journal();
    timed_context(app, token, body).await?;
    Ok(graph_requests(app))
}

/// Graph requests the simulator saw (identity endpoints aside).
pub(crate) fn graph_requests(app: &TestApp) -> usize {
    app.simulator
        .journal()
        .iter()
        .filter(|e| e.uri.starts_with("/v1.0/"))
        .count()
}

/// Contexts opened one at a time while every Graph answer takes `latency`.
async fn with_latency(latency: Duration) -> anyhow::Result<()> {
    const RUNS: usize = 15;
    let slow = |app: &TestApp| {
        app.simulator
            .inject(FaultRule::every("/v1.0/", 1, Fault::Delay(latency)));
    };
    // Every context verifies the delegation anew (kept 0 s): a first context each time.
    let cold_app = TestApp::builder()
        .delegation_ttl(Duration::ZERO)
        .spawn()
        .await;
    let app = TestApp::builder().spawn().await;
    let review = item(OLGA, &seeded(items::OLGAS_REVIEW)).to_string();
    let delegates = [ANN, ARTHUR, RITA];
    let mut cold_tokens = Vec::new();
    for delegate in delegates {
        cold_tokens.push(cold_app.token(delegate).await);
    }
    let (ann, olga) = (app.token(ANN).await, app.token(OLGA).await);
    slow(&cold_app);
    slow(&app);

    // One bare Graph round trip: Ann's own profile, straight to the simulator.
    let graph_token = app.simulator.graph_token(
        app.tenant_id().as_str(),
        liaison_e2e::people::ANN_ID,
        "User.Read",
    );
    let mut round_trip = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let res = app
            .http
            .get(format!("{}/v1.0/me", app.simulator.url()))
            .bearer_auth(&graph_token)
            .send()
            .await?;
        anyhow::ensure!(res.status().is_success(), "GET /me: {}", res.status());
        res.bytes().await?;
        round_trip.push(started.elapsed());
    }
    let mut cold = Vec::new();
    let mut cold_requests = 0;
    for run in 0..RUNS {
        let token = &cold_tokens[run % cold_tokens.len()];
        cold_app.simulator.clear_journal();
        cold.push(timed_context(&cold_app, token, &review).await?);
        cold_requests = graph_requests(&cold_app);
    }
    timed_context(&app, &ann, &review).await?; // verifies, then the delegation is kept
    let mut cached = Vec::new();
    let mut cached_requests = 0;
    for _ in 0..RUNS {
        app.simulator.clear_journal();
        cached.push(timed_context(&app, &ann, &review).await?);
        cached_requests = graph_requests(&app);
    }
    let mut own = Vec::new();
    for _ in 0..RUNS {
        own.push(timed_context(&app, &olga, &review).await?);
    }
    let base = median(&mut round_trip);
    let line = |name: &str, times: &mut Vec<Duration>, requests: Option<usize>| {
        let m = median(times);
        println!(
            "  {name:<52} median {:>7.1} ms = {:.2}× one round trip{}",
            m.as_secs_f64() * 1000.0,
            m.as_secs_f64() / base.as_secs_f64(),
            requests.map_or(String::new(), |n| format!(", {n} Graph requests"))
        );
    };
    println!(
        "Graph answers after {} ms each; {RUNS} runs each, one request at a time:",
        latency.as_millis()
    );
    println!(
        "  {:<52} median {:>7.1} ms",
        "one bare Graph round trip (GET /me, the baseline)",
        base.as_secs_f64() * 1000.0
    );
    line(
        "a delegate's first context (delegation verified)",
        &mut cold,
        Some(cold_requests),
    );
    line(
        "a delegate's context, delegation cached",
        &mut cached,
        Some(cached_requests),
    );
    line("the owner's context", &mut own, None);
    Ok(())
}

async fn timed_context(app: &TestApp, token: &str, body: &str) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let res = app
        .http
        .post(format!("{}/api/items/context", app.url))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await?;
    anyhow::ensure!(res.status().is_success(), "context: {}", res.status());
    res.bytes().await?;
    Ok(started.elapsed())
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort_unstable();
    times[times.len() / 2]
}
