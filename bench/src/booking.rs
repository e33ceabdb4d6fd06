//! The public booking page (issue 28) through the real server and the Microsoft 365 simulator,
//! on SQLite: time to first byte p50/p99 of `GET /book/{secret}` while `--invitees` invitees open
//! it at once and again, beside `GET /healthz` timed the same way in the same run; then the
//! Graph requests one page view and one booking cost (the simulator's journal, identity aside).
//! Each page view reads the Organizer's free/busy once (the page is never cached: it shows what
//! is free now).

use std::sync::Arc;
use std::time::{Duration, Instant};

use liaison_e2e::TestApp;
use liaison_e2e::people::{ANN, OLGA, day};
use serde_json::json;

use crate::context::graph_requests;

pub async fn report(seconds: u64, invitees: usize) -> anyhow::Result<()> {
    // Rate limits out of the way: the figures are the page's, not the limiter's.
    let app = TestApp::builder().rate_limit(1_000_000_000).spawn().await;
    let date = |days: i64| {
        let seconds = day(days);
        let civil = m365_sim::clock::rfc3339(seconds);
        civil[..10].to_owned()
    };
    let created: serde_json::Value = app
        .post_as(
            ANN,
            "/api/booking-links",
            &json!({
                "item": { "owner": OLGA }, "from": ANN, "subject": "Intro call",
                "offer": { "kind": "availability", "meetingMinutes": 30, "timeZone": "UTC",
                    "firstDay": date(1), "lastDay": date(14),
                    "workingHours": { "start": "09:00", "end": "17:00", "days": [1, 2, 3, 4, 5] } },
            }),
            None,
        )
        .await
        .json()
        .await?;
    let url = created["url"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("no link: {created}"))?
        .to_owned();
    let path = url[url.find("/book/").unwrap_or(0)..].to_owned();

    println!("Graph requests (the simulator's journal, identity aside):");
    app.simulator.clear_journal();
    let page = app.get(&path).await.text().await?;
    println!("  one page view: {}", graph_requests(&app));
    let value = |name: &str| {
        let marker = format!("name=\"{name}\" value=\"");
        page.find(&marker).map(|i| {
            let rest = &page[i + marker.len()..];
            rest[..rest.find('"').unwrap_or(0)].to_owned()
        })
    };
    let (slot, attempt) = (
        value("slot").unwrap_or_default(),
        value("attempt").unwrap_or_default(),
    );
    app.simulator.clear_journal();
    let booked = app
        .http
        .post(format!("{}{path}", app.url))
        .form(&[
            ("slot", slot.as_str()),
            ("attempt", attempt.as_str()),
            ("name", "Grace Hopper"),
            ("email", "grace@hopper.example"),
        ])
        .send()
        .await?;
    let status = booked.status();
    println!(
        "  one booking ({status}): {} (free/busy again, the meeting, and the CRM save's read)",
        graph_requests(&app)
    );

    println!();
    println!(
        "{:<44} {:>9} {:>9} {:>10} {:>10}",
        "time to first byte", "requests", "req/s", "p50", "p99"
    );
    let mut shared = String::new();
    for (label, target) in [
        ("GET /healthz (baseline)", "/healthz".to_owned()),
        ("GET /book/{secret}", path),
    ] {
        app.simulator.clear_journal();
        let (count, elapsed, mut times) =
            drive(&app.url, &target, invitees, Duration::from_secs(seconds)).await;
        if target.starts_with("/book/") {
            let reads = graph_requests(&app);
            shared = format!(
                "Under that load, {reads} Graph requests for {count} page views ({:.2} each): views \
                 asking while a free/busy read is under way share it.",
                reads as f64 / count.max(1) as f64
            );
        }
        times.sort();
        let at = |p: f64| {
            times
                .get(((times.len() as f64 - 1.0) * p) as usize)
                .copied()
                .unwrap_or_default()
        };
        println!(
            "{:<44} {:>9} {:>9.0} {:>8.2}ms {:>8.2}ms",
            label,
            count,
            count as f64 / elapsed.as_secs_f64(),
            at(0.50).as_secs_f64() * 1000.0,
            at(0.99).as_secs_f64() * 1000.0,
        );
    }
    println!("{shared}");
    println!(
        "{invitees} invitees at once, {seconds} s each; server, simulator and load generator in one \
         release process on loopback, SQLite store, a 14-day link of 30-minute slots, {} CPU cores.",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    Ok(())
}

/// `clients` clients each GETting `path` again and again for `duration`: the requests made, the
/// time taken, and each request's time to its first byte (the answer's head).
async fn drive(
    base: &str,
    path: &str,
    clients: usize,
    duration: Duration,
) -> (usize, Duration, Vec<Duration>) {
    let url = Arc::new(format!("{base}{path}"));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut times = Vec::new();
            while started.elapsed() < duration {
                let sent = Instant::now();
                let Ok(answer) = client.get(url.as_str()).send().await else {
                    continue;
                };
                times.push(sent.elapsed());
                let _ = answer.bytes().await;
            }
            times
        }));
    }
    let mut times = Vec::new();
    for task in tasks {
        times.extend(task.await.unwrap_or_default());
    }
    (times.len(), started.elapsed(), times)
}
