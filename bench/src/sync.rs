//! Sync sessions: a full sync of an Organizer's calendar (events/s and Graph requests), then a
//! quiet incremental session (Graph requests: must be 1), on SQLite and PostgreSQL, through the
//! real server and the Microsoft 365 simulator answering each delta page after a set latency,
//! beside the store's raw batched insert rate of as many rows.

use std::time::{Duration, Instant};

use liaison_domain::api::{SyncReport, SyncRun, SyncStatus};
use liaison_e2e::TestApp;
use liaison_e2e::test_db::{Backend, TestDatabase};
use liaison_server::clock::now_ms;
use m365_sim::outlook::NewMeeting;
use m365_sim::{Fault, FaultRule};
use serde_json::json;

const OLGA: &str = "olga@contoso.com";

pub async fn report(
    events: usize,
    page_latency_ms: u64,
    postgres: Option<String>,
) -> anyhow::Result<()> {
    let mut backends = vec![("SQLite", Backend::Sqlite)];
    match postgres {
        Some(url) => backends.push(("PostgreSQL", Backend::Postgres(url))),
        None => println!("(PostgreSQL skipped: set TEST_DATABASE_URL or pass --postgres URL)"),
    }
    println!(
        "{:<12} {:>8} {:>10} {:>12} {:>16} {:>20} {:>18}",
        "store", "events", "full s", "events/s", "Graph requests", "quiet: requests", "raw rows/s"
    );
    for (name, backend) in backends {
        let app = TestApp::builder().backend(backend.clone()).spawn().await;
        let base = (now_ms() / 86_400_000 + 1) * 86_400;
        let meetings: Vec<NewMeeting> = (0..events)
            .map(|n| {
                NewMeeting::new(
                    &format!("Meeting {n:05}"),
                    base + (n as i64 % 300) * 86_400,
                    30,
                )
                .category("CRM")
            })
            .collect();
        app.simulator.outlook().create_many(OLGA, &meetings);
        app.simulator.inject(FaultRule::every(
            "calendarView/delta",
            1,
            Fault::Delay(Duration::from_millis(page_latency_ms)),
        ));
        app.token(OLGA).await;
        app.simulator.clear_journal();
        let started = Instant::now();
        let full = sync(&app).await?;
        let seconds = started.elapsed().as_secs_f64();
        let full_requests = graph_requests(&app);
        anyhow::ensure!(
            full.upserted as usize == events,
            "the full sync wrote {}",
            full.upserted
        );

        app.simulator.clear_journal();
        let quiet = sync(&app).await?;
        anyhow::ensure!(quiet.upserted == 0);
        let quiet_requests = graph_requests(&app);

        let raw = {
            let db = TestDatabase::create(&backend).await;
            crate::store::prepared(&db).await?;
            crate::store::raw_rows_per_second(&db, events).await?
        };
        println!(
            "{name:<12} {events:>8} {seconds:>10.2} {:>12.0} {full_requests:>16} {quiet_requests:>20} {raw:>18.0}",
            events as f64 / seconds
        );
    }
    println!(
        "\nFull sync: one session through `POST /api/sync/run` (delta pages of 100, each answered \
         after {page_latency_ms} ms, the master category list, CRM writes in transactions of 500 \
         with the cursor in the last). Quiet: the next session with nothing changed."
    );
    Ok(())
}

/// Graph requests the simulator saw (identity endpoints aside).
fn graph_requests(app: &TestApp) -> usize {
    app.simulator
        .journal()
        .iter()
        .filter(|e| e.uri.starts_with("/v1.0/"))
        .count()
}

/// Runs a session through "Sync now", waiting for it if it outlives the request.
async fn sync(app: &TestApp) -> anyhow::Result<SyncReport> {
    let res = app.post_as(OLGA, "/api/sync/run", &json!({}), None).await;
    anyhow::ensure!(res.status().is_success(), "sync: {}", res.text().await?);
    match res.json::<SyncRun>().await?.report {
        Some(report) => Ok(report),
        None => loop {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let status: SyncStatus = app.get_as(OLGA, "/api/sync").await.json().await?;
            if !status.running {
                anyhow::bail!("the session outlived the request; its report is not kept");
            }
        },
    }
}
