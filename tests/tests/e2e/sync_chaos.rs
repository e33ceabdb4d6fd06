//! The sync engine under faults: 10,000 events with one Graph request in ten failing (429 with
//! a decimal `Retry-After`, 503, a reset connection, an evicted delta link) must leave the CRM
//! exactly as a fault-free run does. And leases: two workers never hold one job at once, and
//! a dead worker's job is taken over when its lease expires.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use liaison_domain::api::SyncRun;
use liaison_e2e::TestApp;
use liaison_e2e::test_db::{TestDatabase, backends};
use liaison_server::clock::now_ms;
use liaison_server::store;
use liaison_server::store::{
    EventTime, JobOutcome, Lease, SyncWindow, Tenant, TenantId, User, UserId, UserKey,
};
use m365_sim::outlook::NewMeeting;
use m365_sim::{Fault, FaultRule};
use serde_json::json;

const OLGA: &str = "olga@contoso.com";
const OLGA_ID: &str = "00000001-aaaa-4bbb-8ccc-000000000001";
const EVENTS: usize = 10_000;

/// One CRM event as compared between runs: subject, start, end, cancelled.
type Row = (String, i64, i64, bool);

/// Runs sessions until one finishes (a session that fails leaves its cursor where it was).
async fn sync_until_done(app: &TestApp) -> u32 {
    for attempt in 1..=10 {
        let res = app.post_as(OLGA, "/api/sync/run", &json!({}), None).await;
        if res.status() == 200
            && matches!(
                res.json::<SyncRun>().await.unwrap(),
                SyncRun {
                    report: Some(_),
                    ..
                }
            )
        {
            return attempt;
        }
    }
    panic!("no session finished in 10 attempts");
}

/// The same Outlook story on a fresh simulator and server, with or without faults; the CRM it
/// leaves.
async fn story(faults: bool) -> (BTreeSet<Row>, u32) {
    let app = TestApp::spawn().await;
    let outlook = app.simulator.outlook();
    let base = (now_ms() / 86_400_000 + 1) * 86_400;
    let meetings: Vec<NewMeeting> = (0..EVENTS)
        .map(|n| {
            let start = base + (n as i64 % 300) * 86_400 + (n as i64 % 9) * 3600;
            let meeting = NewMeeting::new(&format!("Meeting {n:05}"), start, 30);
            if n % 10 == 9 {
                meeting
            } else {
                meeting.category("CRM")
            }
        })
        .collect();
    let ids = outlook.create_many(OLGA, &meetings);
    // Pages of 100 (Graph may cap below what Liaison asks): many pages for the faults to hit.
    app.simulator.cap_page_size(100);
    if faults {
        app.simulator.inject(FaultRule::every(
            "/v1.0/",
            10,
            Fault::Status {
                status: 429,
                retry_after: Some("0.01".into()),
            },
        ));
        app.simulator.inject(FaultRule::every(
            "/v1.0/",
            25,
            Fault::Status {
                status: 503,
                retry_after: Some("0".into()),
            },
        ));
        app.simulator
            .inject(FaultRule::new("calendarView/delta", 1, Fault::Reset));
    }
    let mut sessions = sync_until_done(&app).await;

    // People work in Outlook: edits, cancellations, categories removed and added.
    for id in ids.iter().step_by(20) {
        outlook.edit(id, |e| e.subject.push_str(" (edited)"));
    }
    for id in ids.iter().skip(3).step_by(33) {
        outlook.delete(id);
    }
    for id in ids.iter().skip(5).step_by(50) {
        outlook.set_categories(id, &[]);
    }
    for id in ids.iter().skip(9).step_by(100) {
        outlook.set_categories(id, &["CRM"]);
    }
    if faults {
        app.simulator.expire_delta_tokens();
    }
    sessions += sync_until_done(&app).await;

    let immutable: Vec<String> = ids
        .iter()
        .map(|id| m365_sim::seed::immutable_id(id))
        .collect();
    let links = app
        .store
        .graph_links(&app.user(OLGA_ID), &immutable)
        .await
        .unwrap();
    let mut crm = BTreeSet::new();
    for (_, link) in links {
        let event = app.crm_event(OLGA_ID, &link.ical_uid).await.unwrap();
        let EventTime::Timed { start_ms, end_ms } = event.write.time else {
            panic!("timed events only");
        };
        crm.insert((event.write.subject, start_ms, end_ms, event.cancelled));
    }
    let injected = app
        .simulator
        .journal()
        .iter()
        .filter(|e| e.injected.is_some())
        .count();
    if faults {
        assert!(injected > 0, "faults were injected");
    }
    (crm, sessions)
}

#[tokio::test]
async fn ten_thousand_events_with_injected_faults_end_as_a_clean_run_does() {
    let (clean, clean_sessions) = story(false).await;
    let (chaos, chaos_sessions) = story(true).await;

    assert_eq!(clean_sessions, 2, "a clean run needs one session per step");
    assert!(chaos_sessions >= 2);
    assert!(clean.len() > EVENTS * 9 / 10, "{}", clean.len());
    assert!(
        clean.iter().any(|row| row.3),
        "the story cancels some events"
    );
    assert!(clean.iter().any(|row| row.0.ends_with("(edited)")));
    let missing: Vec<_> = clean.difference(&chaos).take(5).collect();
    let extra: Vec<_> = chaos.difference(&clean).take(5).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}, extra {extra:?}"
    );
}

async fn two_stores(db: &TestDatabase) -> [Arc<dyn store::Store>; 2] {
    let a = store::connect(&db.url).await.unwrap();
    a.migrate().await.unwrap();
    let b = store::connect(&db.url).await.unwrap();
    let tenant = Tenant::new(&TenantId::new("t1"), "Contoso");
    a.upsert_tenant(&tenant).await.unwrap();
    for n in 0..4 {
        let user = User {
            tenant_id: tenant.id.clone(),
            id: UserId::new(format!("organizer-{n}")),
            mailbox: format!("o{n}@contoso.com"),
            display_name: format!("Organizer {n}"),
            sync_enabled: true,
        };
        a.upsert_user(&user).await.unwrap();
        let window = SyncWindow {
            start: "2026-01-01T00:00:00Z".into(),
            end: "2027-01-01T00:00:00Z".into(),
        };
        a.ensure_sync_job(&user.key(), &window, 0).await.unwrap();
    }
    [a, b]
}

#[tokio::test]
async fn two_workers_never_run_one_job_at_once_and_an_expired_lease_is_taken_over() {
    for backend in backends() {
        let db = TestDatabase::create(&backend).await;
        let stores = two_stores(&db).await;
        // Who holds which job, checked at every claim: a second holder is a failure.
        let holders: Arc<Mutex<std::collections::HashMap<UserKey, String>>> = Arc::default();
        let mut workers = Vec::new();
        for w in 0..6 {
            let store = stores[w % 2].clone();
            let holders = holders.clone();
            workers.push(tokio::spawn(async move {
                let worker = format!("worker-{w}");
                let mut ran = 0;
                for _ in 0..15 {
                    let lease = Lease {
                        worker: worker.clone(),
                        until_ms: now_ms() + 60_000,
                    };
                    let Some(job) = store.claim_sync_job(None, &lease, now_ms()).await.unwrap()
                    else {
                        tokio::time::sleep(Duration::from_millis(2)).await;
                        continue;
                    };
                    assert_eq!(job.taken_over_from, None, "a released job has no holder");
                    let previous = holders
                        .lock()
                        .unwrap()
                        .insert(job.organizer.clone(), worker.clone());
                    assert!(
                        previous.is_none(),
                        "{} ran twice at once",
                        job.organizer.user_id
                    );
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    holders.lock().unwrap().remove(&job.organizer);
                    let outcome = JobOutcome {
                        next_due_ms: 0,
                        error: None,
                        trip_breaker: false,
                    };
                    store
                        .finish_sync_job(&job.organizer, &worker, &outcome, now_ms())
                        .await
                        .unwrap();
                    ran += 1;
                }
                ran
            }));
        }
        let mut total = 0;
        for worker in workers {
            total += worker.await.unwrap();
        }
        assert!(
            total > 4,
            "the jobs ran, one holder at a time ({total} runs)"
        );

        // A worker dies holding a job: nobody gets it until the lease expires, then one does,
        // and the dead worker can no longer commit.
        let [a, b] = &stores;
        let organizer_0 = UserKey::new(TenantId::new("t1"), UserId::new("organizer-0"));
        let now = now_ms();
        let dead = a
            .claim_sync_job(
                Some(&organizer_0),
                &Lease {
                    worker: "dead".into(),
                    until_ms: now + 1_000,
                },
                now,
            )
            .await
            .unwrap()
            .expect("claimed");
        let alive = Lease {
            worker: "alive".into(),
            until_ms: now + 60_000,
        };
        assert!(
            b.claim_sync_job(Some(&organizer_0), &alive, now)
                .await
                .unwrap()
                .is_none()
        );
        let later = now + 2_000;
        let taken = b
            .claim_sync_job(Some(&organizer_0), &alive, later)
            .await
            .unwrap();
        assert_eq!(
            taken
                .expect("the expired lease is taken over")
                .taken_over_from
                .as_deref(),
            Some("dead"),
            "the claim names whose lease it took over"
        );
        assert_eq!(
            dead.taken_over_from, None,
            "the first claim found the job free"
        );
        assert!(
            !a.apply_sync(&dead, &[], None, later + 1_000, later)
                .await
                .unwrap(),
            "the dead worker is fenced off"
        );
    }
}
