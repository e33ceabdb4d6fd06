//! The item context (`POST /api/items/context`): what opening the sidebar on an item costs now
//! that the server reads the item from Graph with the user's token and verifies the delegation
//! with Microsoft. Through the real server and the Microsoft 365 simulator answering at once
//! (zero latency), on SQLite: latency p50/p99 and requests/s, beside `GET /healthz` on the same
//! server, and the Graph requests each context costs — cold (the delegation not yet verified)
//! and warm (verified, kept for `--delegation-cache-seconds`; the goal is 1: the item itself).

use std::time::Duration;

use liaison_e2e::TestApp;
use liaison_e2e::people::{ANN, OLGA, item, items, seeded};

use crate::load::{Load, Report, Request};

const WARM_CONTEXTS: usize = 100;

pub async fn report(seconds: u64, connections: usize) -> anyhow::Result<()> {
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
    let res = app
        .http
        .post(format!("{}/api/items/context", app.url))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await?;
    anyhow::ensure!(res.status().is_success(), "context: {}", res.text().await?);
    Ok(graph_requests(app))
}

fn graph_requests(app: &TestApp) -> usize {
    app.simulator
        .journal()
        .iter()
        .filter(|e| e.uri.starts_with("/v1.0/"))
        .count()
}
