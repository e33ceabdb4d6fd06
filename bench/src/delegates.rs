//! `load`: a working day compressed. Hundreds of signed-in delegates, each in the calendar of
//! one of a few Organizers (Editor, with a CRM share), open items in the sidebar and save some
//! of them, each with its idempotency key, as fast as the server answers, for a minute — while
//! every Organizer's sync sessions run on a calendar that keeps changing. Through the real server
//! and the Microsoft 365 simulator (zero latency) in one process, on SQLite, then PostgreSQL.
//!
//! Reported per store: requests/s, p50/p99/p99.9 per request kind, the CPU time per context
//! (this process; a local PostgreSQL's processes), the count of 5xx answers
//! (must be 0) and of transport errors, then the saves: every save answered `200` must be in the
//! CRM (lost: must be 0), and the CRM holds exactly one event per meeting (duplicated: must be
//! 0). Beside it, the same run's baseline: `GET /healthz` at the same concurrency.
//!
//! With `--abuse` the server keeps its default protections (rate limits, connection limits),
//! every delegate is a client of its own address (`127.1.x.y`), and the delegates work twice:
//! a quiet run, then the same run while three attackers ([`crate::abuse`]) hold idle sockets,
//! flood unknown item ids and replay SSO tokens — both runs' figures side by side.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use liaison_e2e::TestApp;
use liaison_e2e::test_db::Backend;
use liaison_server::store::{CountedTable, EventKey, Share, UserId};
use m365_sim::Seed;
use m365_sim::outlook::NewMeeting;
use m365_sim::seed::{Delegation, User};
use serde_json::json;
use tokio::sync::Mutex;

use crate::abuse::{self, Attackers};
use crate::cpu_time::CpuMeter;
use crate::load::{Load, Report, Request};

/// Meetings in each Organizer's calendar the delegates work on (not CRM-tagged: they reach the
/// CRM through the delegates' saves), and CRM-tagged ones sync brings in.
const OPENED_PER_ORGANIZER: usize = 200;
const TAGGED_PER_ORGANIZER: usize = 300;

pub struct Scenario {
    pub seconds: u64,
    pub delegates: usize,
    pub organizers: usize,
    /// Default protections, a client address per delegate, and a second run under attack.
    pub abuse: bool,
}

/// One signed-in delegate: their HTTP client (their own address under `--abuse`), their
/// session, the Organizer they work for.
#[derive(Clone)]
struct Delegate {
    client: reqwest::Client,
    token: String,
    organizer: usize,
}

/// What one delegate's loop saw.
#[derive(Default)]
struct Tally {
    context_us: Vec<u32>,
    save_us: Vec<u32>,
    server_errors: usize,
    transport_errors: usize,
    other_refusals: usize,
    /// The statuses of those.
    refused_with: std::collections::BTreeMap<u16, usize>,
    /// `429` answers (each followed by the wait `Retry-After` asks for).
    rate_limited: usize,
    /// `(organizer index, item id)` of every save answered 200.
    saved: Vec<(usize, String)>,
}

pub async fn report(scenario: Scenario, postgres: Option<String>) -> anyhow::Result<()> {
    let mut backends = vec![("SQLite", Backend::Sqlite)];
    if let Some(url) = postgres {
        backends.push(("PostgreSQL", Backend::Postgres(url)));
    } else {
        println!("(no TEST_DATABASE_URL: SQLite only)");
    }
    for (name, backend) in backends {
        println!(
            "\n== {name}: {} delegates, {} Organizers, {} s",
            scenario.delegates, scenario.organizers, scenario.seconds
        );
        run(&scenario, backend).await?;
    }
    Ok(())
}

fn seed(scenario: &Scenario) -> Seed {
    let mut seed = Seed::contoso();
    let tenant = &mut seed.tenants[0];
    for k in 0..scenario.organizers {
        tenant.users.push(User {
            id: format!("0000{k:04}-0000-4000-8000-0000000000aa"),
            display_name: format!("Organizer {k}"),
            mail: format!("organizer-{k}@contoso.com"),
        });
    }
    for i in 0..scenario.delegates {
        let mail = format!("delegate-{i:04}@contoso.com");
        tenant.users.push(User {
            id: format!("d000{i:04}-0000-4000-8000-0000000000dd"),
            display_name: format!("Delegate {i}"),
            mail: mail.clone(),
        });
        tenant.delegations.push(Delegation {
            owner: format!("organizer-{}@contoso.com", i % scenario.organizers),
            delegate: mail,
            calendar_bits: 63,
            can_view_private: false,
            send_on_behalf: true,
        });
    }
    if scenario.abuse {
        abuse::add_attacker(tenant, "organizer-0@contoso.com");
    }
    seed
}

async fn run(scenario: &Scenario, backend: Backend) -> anyhow::Result<()> {
    let meter = CpuMeter::new(match &backend {
        Backend::Postgres(url) => Some(url),
        _ => None,
    })
    .await;
    let builder = TestApp::builder().seed(seed(scenario)).backend(backend);
    let builder = if scenario.abuse {
        // The server's own defaults: 20 requests/s per client and class and per user, 1,024
        // connections, 256 per address, 10 s for a request's headers.
        builder
            .rate_limit(20)
            .user_rate_limit(20)
            .connection_limits(1024, liaison_server::http::accept::HEADER_READ_TIMEOUT)
    } else {
        builder
            .rate_limit(1_000_000_000)
            .user_rate_limit(1_000_000_000)
            .connection_limits(100_000, liaison_server::http::accept::HEADER_READ_TIMEOUT)
    };
    let app = Arc::new(builder.spawn().await);
    let tenant = app.tenant_id();
    let day = 86_400;
    let tomorrow = (liaison_server::clock::now_ms() / 86_400_000 + 1) * day;
    let organizers: Vec<String> = (0..scenario.organizers)
        .map(|k| format!("organizer-{k}@contoso.com"))
        .collect();
    let mut opened: Vec<Vec<String>> = Vec::new();
    let mut tagged: Vec<Vec<String>> = Vec::new();
    let outlook = app.simulator.outlook();
    for (k, organizer) in organizers.iter().enumerate() {
        let meetings: Vec<NewMeeting> = (0..OPENED_PER_ORGANIZER)
            .map(|n| {
                NewMeeting::new(
                    &format!("Call {k}-{n}"),
                    tomorrow + (n as i64 % 60) * day,
                    30,
                )
            })
            .collect();
        opened.push(outlook.create_many(organizer, &meetings));
        let meetings: Vec<NewMeeting> = (0..TAGGED_PER_ORGANIZER)
            .map(|n| {
                NewMeeting::new(
                    &format!("Deal {k}-{n}"),
                    tomorrow + (n as i64 % 90) * day,
                    45,
                )
                .category("CRM")
            })
            .collect();
        tagged.push(outlook.create_many(organizer, &meetings));
    }

    // Everyone signs in (Office SSO); each Organizer shares their CRM calendar with their
    // delegates to edit and turns sync on.
    let started = Instant::now();
    let mut organizer_tokens = Vec::new();
    for (k, organizer) in organizers.iter().enumerate() {
        organizer_tokens.push(app.token(organizer).await);
        let res = app
            .http
            .put(format!("{}/api/me/sync", app.url))
            .bearer_auth(&organizer_tokens[k])
            .json(&json!({ "syncEnabled": true }))
            .send()
            .await?;
        anyhow::ensure!(res.status().is_success(), "sync on: {}", res.status());
    }
    let mut delegates = Vec::new();
    for i in 0..scenario.delegates {
        let k = i % scenario.organizers;
        let delegate = UserId::new(format!("d000{i:04}-0000-4000-8000-0000000000dd"));
        let organizer = UserId::new(format!("0000{k:04}-0000-4000-8000-0000000000aa"));
        app.store
            .share_crm_calendar(&tenant, &organizer, &delegate, Share::Edit)
            .await?;
        let mailbox = format!("delegate-{i:04}@contoso.com");
        let (client, token) = if scenario.abuse {
            let client = abuse::client_at(abuse::delegate_address(i))?;
            // Its own address: one sign-in is well within the address's sign-in budget.
            let token =
                liaison_e2e::sign_in_with_office_sso(&client, &app.simulator, &app.url, &mailbox)
                    .await;
            (client, token)
        } else {
            (app.http.clone(), app.token(&mailbox).await)
        };
        delegates.push(Delegate {
            client,
            token,
            organizer: k,
        });
    }
    println!(
        "{} people signed in through Office SSO in {:.1} s",
        scenario.delegates + scenario.organizers,
        started.elapsed().as_secs_f64()
    );

    // Baseline, same server, same concurrency.
    let baseline = Load {
        duration: Duration::from_secs(5),
        connections: scenario.delegates,
    }
    .run(&app.url, Request::get("/healthz"))
    .await?;

    // Sync sessions keep running: Outlook changes, each Organizer asks for a session.
    let stop = Arc::new(AtomicBool::new(false));
    let sessions = Arc::new(Mutex::new((0usize, 0usize)));
    let mut background = Vec::new();
    for (k, token) in organizer_tokens.iter().enumerate() {
        let (app, token, stop, sessions) =
            (app.clone(), token.clone(), stop.clone(), sessions.clone());
        let tagged = tagged[k].clone();
        background.push(tokio::spawn(async move {
            let mut round = 0usize;
            while !stop.load(Ordering::Relaxed) {
                for id in tagged.iter().skip(round % 10).step_by(10) {
                    app.simulator.outlook().edit(id, |e| {
                        e.subject = format!(
                            "{} (v{round})",
                            e.subject.split(" (v").next().unwrap_or_default()
                        )
                    });
                }
                let res = app
                    .http
                    .post(format!("{}/api/sync/run", app.url))
                    .bearer_auth(&token)
                    .json(&json!({}))
                    .send()
                    .await;
                let mut count = sessions.lock().await;
                match res.map(|r| r.status().as_u16()) {
                    Ok(200 | 202 | 409) => count.0 += 1,
                    _ => count.1 += 1,
                }
                drop(count);
                round += 1;
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }));
    }

    let work = |label: &'static str| {
        work(
            app.clone(),
            delegates.clone(),
            opened.clone(),
            organizers.clone(),
            Duration::from_secs(scenario.seconds),
            label,
        )
    };
    // Each run with the CPU time it took.
    let measured = |label: &'static str| {
        let run = work(label);
        let meter = &meter;
        async move {
            let before = meter.read();
            let (tally, elapsed) = run.await?;
            let cpu = meter.line(before, meter.read(), tally.context_us.len());
            anyhow::Ok((tally, elapsed, cpu))
        }
    };
    let mut runs = vec![("quiet", measured("quiet").await?)];
    let mut attacks = None;
    if scenario.abuse {
        let attackers = Attackers::start(&app, "organizer-0@contoso.com").await?;
        runs.push(("under attack", measured("under attack").await?));
        attacks = Some(attackers.stop().await);
    }
    stop.store(true, Ordering::Relaxed);
    for task in background {
        task.await?;
    }
    let (sessions_run, sessions_failed) = *sessions.lock().await;

    // One more session per Organizer, then the saves are checked against the CRM.
    for token in &organizer_tokens {
        loop {
            let res = app
                .http
                .post(format!("{}/api/sync/run", app.url))
                .bearer_auth(token)
                .json(&json!({}))
                .send()
                .await?;
            if res.status().as_u16() != 409 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    let all_saved: Vec<(usize, String)> = runs
        .iter()
        .flat_map(|(_, (tally, _, _))| tally.saved.iter().cloned())
        .collect();
    let saved: HashSet<(usize, String)> = all_saved.iter().cloned().collect();
    let mut lost = 0;
    let events = outlook_uids(&app, &organizers);
    for (k, item_id) in &saved {
        let uid = events
            .iter()
            .find(|(id, _)| id == item_id)
            .map(|(_, uid)| uid.clone());
        let found = match uid {
            Some(uid) => app
                .store
                .find_event(EventKey {
                    tenant_id: &tenant,
                    organizer_id: &UserId::new(format!("0000{k:04}-0000-4000-8000-0000000000aa")),
                    ical_uid: &uid,
                })
                .await?
                .is_some(),
            None => false,
        };
        if !found {
            lost += 1;
        }
    }
    let crm_events = app.store.count_rows(CountedTable::CrmEvents).await?;
    let expected = (TAGGED_PER_ORGANIZER * scenario.organizers + saved.len()) as i64;
    let duplicated = crm_events - expected;

    println!("{}", Report::header());
    println!(
        "{}",
        baseline.line("GET /healthz (baseline, same concurrency)")
    );
    let mut p99s = Vec::new();
    for (label, (tally, elapsed, cpu)) in &mut runs {
        p99s.push(tally.report(label, *elapsed));
        println!("{cpu}");
    }
    if let [quiet, attacked] = p99s[..] {
        println!(
            "normal users' p99 under attack / quiet: context {:.2}×, save {:.2}×",
            attacked.0 / quiet.0,
            attacked.1 / quiet.1
        );
    }
    if let Some(attacks) = attacks {
        attacks.print();
    }
    println!(
        "sync sessions asked for during the load: {sessions_run} answered, {sessions_failed} failed"
    );
    println!(
        "saves answered 200: {} ({} distinct meetings); lost: {lost}; duplicated CRM events: {duplicated} ({crm_events} CRM events for {expected} meetings)",
        all_saved.len(),
        saved.len(),
    );
    println!(
        "{} CPU cores; server, simulator and load generator in one release process on loopback",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    Ok(())
}

/// The delegates open items and save one in three, each as fast as the server answers, for
/// `duration`: what they saw, and how long it took.
async fn work(
    app: Arc<TestApp>,
    delegates: Vec<Delegate>,
    opened: Vec<Vec<String>>,
    organizers: Vec<String>,
    duration: Duration,
    label: &'static str,
) -> anyhow::Result<(Tally, Duration)> {
    let deadline = Instant::now() + duration;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (i, delegate) in delegates.into_iter().enumerate() {
        let items = opened[delegate.organizer].clone();
        let organizer = organizers[delegate.organizer].clone();
        let url = app.url.clone();
        tasks.push(tokio::spawn(async move {
            let Delegate {
                client,
                token,
                organizer: k,
            } = delegate;
            let mut tally = Tally::default();
            let mut n = i;
            while Instant::now() < deadline {
                n = n
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let item_id = &items[(n >> 33) % items.len()];
                let item = json!({ "owner": organizer, "itemId": item_id });
                let sent = Instant::now();
                let context = client
                    .post(format!("{url}/api/items/context"))
                    .bearer_auth(&token)
                    .json(&item)
                    .send()
                    .await;
                tally.count(context, sent, false).await;
                // One item in three is saved, with its own idempotency key.
                if (n >> 40) % 3 == 0 {
                    let sent = Instant::now();
                    let save = client
                        .post(format!("{url}/api/items/save"))
                        .bearer_auth(&token)
                        .header(
                            "idempotency-key",
                            format!("load-{}-{i}-{n}", label.replace(' ', "-")),
                        )
                        .json(&json!({ "item": item, "linkRecordIds": [] }))
                        .send()
                        .await;
                    if tally.count(save, sent, true).await {
                        tally.saved.push((k, item_id.clone()));
                    }
                }
            }
            tally
        }));
    }
    let mut all = Tally::default();
    for task in tasks {
        let tally = task.await?;
        all.context_us.extend(tally.context_us);
        all.save_us.extend(tally.save_us);
        all.server_errors += tally.server_errors;
        all.transport_errors += tally.transport_errors;
        all.other_refusals += tally.other_refusals;
        for (status, n) in tally.refused_with {
            *all.refused_with.entry(status).or_default() += n;
        }
        all.rate_limited += tally.rate_limited;
        all.saved.extend(tally.saved);
    }
    Ok((all, started.elapsed()))
}

/// Every item of the Organizers' calendars: `(REST id, iCalUId)`.
fn outlook_uids(app: &TestApp, organizers: &[String]) -> Vec<(String, String)> {
    organizers
        .iter()
        .flat_map(|o| app.simulator.outlook().events_of(o))
        .map(|e| (e.id, e.ical_uid))
        .collect()
}

/// The 99th percentile of sorted latencies (µs), in milliseconds.
fn p99_ms(sorted: &[u32]) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    f64::from(sorted[((0.99) * (sorted.len() - 1) as f64).round() as usize]) / 1000.0
}

fn line(name: &str, latencies: &mut [u32], elapsed: Duration) -> String {
    latencies.sort_unstable();
    let pick = |p: f64| -> String {
        if latencies.is_empty() {
            return "-".into();
        }
        let us = latencies[((p / 100.0) * (latencies.len() - 1) as f64).round() as usize];
        format!("{:.2} ms", f64::from(us) / 1000.0)
    };
    format!(
        "{:<48} {:>9} {:>10.0} {:>9} {:>9} {:>9}",
        name,
        latencies.len(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        pick(50.0),
        pick(99.0),
        pick(99.9),
    )
}

impl Tally {
    /// Prints the run's lines; its context and save p99 in milliseconds.
    fn report(&mut self, label: &str, elapsed: Duration) -> (f64, f64) {
        let requests = self.context_us.len()
            + self.save_us.len()
            + self.server_errors
            + self.transport_errors
            + self.other_refusals
            + self.rate_limited;
        println!(
            "{}",
            line(
                &format!("POST /api/items/context ({label})"),
                &mut self.context_us,
                elapsed
            )
        );
        println!(
            "{}",
            line(
                &format!("POST /api/items/save ({label})"),
                &mut self.save_us,
                elapsed
            )
        );
        println!(
            "  {label}: {requests} delegate requests in {:.1} s = {:.0} req/s; 5xx: {}; transport errors: {}; 429: {}; other refusals: {} {:?}",
            elapsed.as_secs_f64(),
            requests as f64 / elapsed.as_secs_f64(),
            self.server_errors,
            self.transport_errors,
            self.rate_limited,
            self.other_refusals,
            self.refused_with,
        );
        (p99_ms(&self.context_us), p99_ms(&self.save_us))
    }

    /// Counts an answer; `true` when it was a success.
    async fn count(
        &mut self,
        answer: Result<reqwest::Response, reqwest::Error>,
        sent: Instant,
        is_save: bool,
    ) -> bool {
        let response = match answer {
            Ok(response) => response,
            Err(_) => {
                self.transport_errors += 1;
                return false;
            }
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        let read = response.bytes().await.is_ok();
        let micros = u32::try_from(sent.elapsed().as_micros()).unwrap_or(u32::MAX);
        if status.is_server_error() {
            self.server_errors += 1;
            false
        } else if status.is_success() && read {
            if is_save {
                self.save_us.push(micros);
            } else {
                self.context_us.push(micros);
            }
            true
        } else if status == 429 {
            // As the pane does: wait as long as `Retry-After` says.
            self.rate_limited += 1;
            let wait = retry_after.unwrap_or(1);
            tokio::time::sleep(Duration::from_secs(wait)).await;
            false
        } else {
            self.other_refusals += 1;
            *self.refused_with.entry(status.as_u16()).or_default() += 1;
            false
        }
    }
}
