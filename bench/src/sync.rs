//! Sync sessions: a full sync of an Organizer's calendar (events/s, Graph requests and requests
//! per 1,000 events), then a quiet incremental session (Graph requests: must be 1), on SQLite
//! and PostgreSQL, through the real server and the Microsoft 365 simulator answering each delta
//! page after a set latency and again at once; then the store's part alone (`apply_sync`),
//! beside the store's raw batched insert rate of as many rows.

use std::time::{Duration, Instant};

use crate::context::graph_requests;
use liaison_domain::api::{SyncReport, SyncRun, SyncStatus};
use liaison_e2e::TestApp;
use liaison_e2e::test_db::{Backend, TestDatabase};
use liaison_server::clock::now_ms;
use liaison_server::store::{
    EventTime, EventType, EventWrite, Lease, Store, SyncCursor, SyncWindow, SyncWrite, SyncedItem,
    TenantId, UserId, UserKey,
};
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
        "{:<12} {:>7} {:>8} {:>10} {:>9} {:>12} {:>7} {:>10} {:>13} {:>11} {:>8}",
        "store",
        "events",
        "full s",
        "events/s",
        "requests",
        "req/1000 ev",
        "quiet",
        "0 ms: ev/s",
        "store: ev/s",
        "raw rows/s",
        "store/raw"
    );
    for (name, backend) in backends {
        let slow = full_sync(&backend, events, page_latency_ms).await?;
        let fast = full_sync(&backend, events, 0).await?;
        // The store alone and the raw inserts, in turns on fresh databases: the medians of
        // ROUNDS each (single runs on this shared machine vary by up to a fifth).
        let (mut store_rates, mut raw_rates) = (Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            let db = TestDatabase::create(&backend).await;
            let store = crate::store::prepared(&db).await?;
            store_rates.push(store_events_per_second(store.as_ref(), events).await?);
            let db = TestDatabase::create(&backend).await;
            crate::store::prepared(&db).await?;
            raw_rates.push(crate::store::raw_rows_per_second(&db, events).await?);
        }
        let (store_rate, raw) = (median(store_rates), median(raw_rates));
        let share = 100.0 * store_rate / raw;
        println!(
            "{name:<12} {events:>7} {:>8.2} {:>10.0} {:>9} {:>12.1} {:>7} {:>10.0} {store_rate:>13.0} {raw:>11.0} {share:>6.0} %",
            slow.seconds,
            events as f64 / slow.seconds,
            slow.requests,
            slow.requests as f64 * 1000.0 / events as f64,
            slow.quiet_requests,
            events as f64 / fast.seconds,
        );
    }
    println!(
        "\nFull sync: one session through `POST /api/sync/run` (delta pages answered after \
         {page_latency_ms} ms — and again at 0 ms —, the master category list, CRM writes in \
         transactions of 500 with the cursor in the last). Quiet: Graph requests of the next \
         session, nothing changed. Store: the same {events} upserts through `apply_sync` alone. \
         Raw: multi-row INSERTs of the same rows. Store and raw: medians of {ROUNDS} runs each, \
         in turns."
    );
    Ok(())
}

/// Runs of the store alone and of the raw inserts, each.
const ROUNDS: usize = 3;

fn median(mut rates: Vec<f64>) -> f64 {
    rates.sort_by(f64::total_cmp);
    rates[rates.len() / 2]
}

struct FullSync {
    seconds: f64,
    requests: usize,
    quiet_requests: usize,
}

/// A full sync of `events` meetings through the server, each delta page answered after
/// `page_latency_ms`, then a quiet one.
async fn full_sync(
    backend: &Backend,
    events: usize,
    page_latency_ms: u64,
) -> anyhow::Result<FullSync> {
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
    if page_latency_ms > 0 {
        app.simulator.inject(FaultRule::every(
            "calendarView/delta",
            1,
            Fault::Delay(Duration::from_millis(page_latency_ms)),
        ));
    }
    app.token(OLGA).await;
    app.simulator.clear_journal();
    let started = Instant::now();
    let full = sync(&app).await?;
    let seconds = started.elapsed().as_secs_f64();
    let requests = graph_requests(&app);
    anyhow::ensure!(
        full.upserted as usize == events,
        "the full sync wrote {}",
        full.upserted
    );
    app.simulator.clear_journal();
    let quiet = sync(&app).await?;
    anyhow::ensure!(quiet.upserted == 0);
    Ok(FullSync {
        seconds,
        requests,
        quiet_requests: graph_requests(&app),
    })
}

/// `events` new CRM events written through `SyncStore::apply_sync` in chunks of 500 (the cursor
/// with the last), as a session writes them: the store's part of a full sync alone.
async fn store_events_per_second(store: &dyn Store, events: usize) -> anyhow::Result<f64> {
    let organizer = UserKey::new(
        TenantId::new(crate::store::TENANT),
        UserId::new("organizer"),
    );
    let window = SyncWindow {
        start: "2026-01-01T00:00:00Z".into(),
        end: "2027-01-01T00:00:00Z".into(),
    };
    store.ensure_sync_job(&organizer, &window, 0).await?;
    let lease = Lease {
        worker: "bench".into(),
        until_ms: now_ms() + 600_000,
    };
    let job = store
        .claim_sync_job(Some(&organizer), &lease, now_ms())
        .await?
        .ok_or_else(|| anyhow::anyhow!("the job could not be claimed"))?;
    let writes: Vec<SyncWrite> = (0..events)
        .map(|n| {
            SyncWrite::Upsert(Box::new(SyncedItem {
                graph_id: format!("graph-{n}"),
                ical_uid: format!("uid-{n}"),
                write: EventWrite {
                    subject: format!("Meeting {n}"),
                    time: EventTime::Timed {
                        start_ms: 1_795_420_800_000 + n as i64 * 60_000,
                        end_ms: 1_795_424_400_000 + n as i64 * 60_000,
                    },
                    time_zone: "UTC".into(),
                    location: String::new(),
                    attendees: vec!["nancy@northwind.example".into()],
                    is_private: false,
                },
                event_type: EventType::SingleInstance,
                series_master_graph_id: None,
                via_category: true,
                organizer_address: None,
                link_addresses: Vec::new(),
            }))
        })
        .collect();
    let cursor = SyncCursor {
        delta_link: "delta".into(),
        window,
        category_id: "category".into(),
        category_name: "CRM".into(),
    };
    let chunks: Vec<&[SyncWrite]> = writes.chunks(500).collect();
    let last = chunks.len() - 1;
    let started = Instant::now();
    for (i, chunk) in chunks.into_iter().enumerate() {
        let now = now_ms();
        let held = store
            .apply_sync(
                &job,
                chunk,
                (i == last).then_some(&cursor),
                now + 600_000,
                now,
            )
            .await?;
        anyhow::ensure!(held, "the lease was lost");
    }
    Ok(events as f64 / started.elapsed().as_secs_f64())
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
