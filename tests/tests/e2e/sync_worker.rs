//! The sync worker's reliability: sessions of different Organizers side by side, a lease kept
//! while Graph is slow, a deadline per session, and queued saves that keep failing
//! dead-lettered — shown on the item, audited, flagged in Outlook. Each test fails without its
//! protection in `sync/engine.rs` or `sync/outbox.rs`.

use std::time::Duration;

use liaison_domain::api::SyncStatus;
use liaison_e2e::TestApp;
use liaison_e2e::people::{ANN, OLGA, OLGA_ID, OTTO, OTTO_ID};
use liaison_server::store::{CountedTable, Lease, SyncJobStatus, UserId, UserKey};
use liaison_server::sync::SyncSettings;
use m365_sim::{Fault, FaultRule};
use serde_json::{Value, json};

fn worker(settings: SyncSettings) -> SyncSettings {
    SyncSettings {
        worker: true,
        poll: Duration::from_millis(200),
        ..settings
    }
}

async fn job(app: &TestApp, user_id: &str) -> SyncJobStatus {
    app.store
        .sync_job_status(
            &UserKey::new(app.tenant_id(), UserId::new(user_id)),
            liaison_server::clock::now_ms(),
        )
        .await
        .unwrap()
        .expect("a sync job")
}

/// Waits (20 s at most) until `done` holds.
async fn eventually<F, Fut>(what: &str, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..400 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what} did not happen within 20 s");
}

/// Graph answers the next delta request `late` (having acted at once).
fn first_delta_answers_late(app: &TestApp, late: Duration) {
    app.simulator.inject(FaultRule::new(
        "/calendarView/delta",
        1,
        Fault::DelayAnswer(late),
    ));
}

/// Turns Otto's sync on (the demo has it off), so that two Organizers have jobs.
async fn otto_syncs(app: &TestApp) {
    let res = app
        .http
        .put(format!("{}/api/me/sync", app.url))
        .bearer_auth(app.token(OTTO).await)
        .json(&json!({ "syncEnabled": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
}

#[tokio::test]
async fn a_slow_mailbox_holds_up_only_its_own_session() {
    let app = TestApp::builder()
        .sync(worker(SyncSettings {
            concurrent_sessions: 4,
            ..Default::default()
        }))
        .spawn()
        .await;
    // Olga's session starts first; its first delta request gets its answer four seconds late.
    first_delta_answers_late(&app, Duration::from_secs(4));
    app.token(OLGA).await; // signing in schedules a session
    eventually("Olga's session starting", || async {
        job(&app, OLGA_ID).await.running
    })
    .await;
    otto_syncs(&app).await;

    // Otto's session runs and finishes while Olga's still waits for Graph.
    eventually("Otto's session finishing", || async {
        job(&app, OTTO_ID).await.last_finished_at_ms.is_some()
    })
    .await;
    let olga = job(&app, OLGA_ID).await;
    assert!(
        olga.running && olga.last_finished_at_ms.is_none(),
        "Otto did not wait for Olga's slow mailbox"
    );
}

#[tokio::test]
async fn a_session_keeps_its_lease_while_graph_is_slow() {
    let app = TestApp::builder()
        .sync(worker(SyncSettings {
            lease: Duration::from_millis(900),
            ..Default::default()
        }))
        .spawn()
        .await;
    first_delta_answers_late(&app, Duration::from_secs(4));
    app.token(OLGA).await;
    eventually("the session starting", || async {
        job(&app, OLGA_ID).await.running
    })
    .await;
    // Well past the lease's length, the session still holds it: nobody else may take over.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let other = Lease {
        worker: "another-instance".into(),
        until_ms: liaison_server::clock::now_ms() + 60_000,
    };
    let olga = UserKey::new(app.tenant_id(), UserId::new(OLGA_ID));
    let taken = app
        .store
        .claim_sync_job(Some(&olga), &other, liaison_server::clock::now_ms())
        .await
        .unwrap();
    assert!(taken.is_none(), "the running session's lease was renewed");
    eventually("the session finishing", || async {
        job(&app, OLGA_ID).await.last_finished_at_ms.is_some()
    })
    .await;
    assert_eq!(job(&app, OLGA_ID).await.last_error_code, None);
}

#[tokio::test]
async fn a_session_past_its_deadline_stops_and_says_so() {
    let app = TestApp::builder()
        .sync(worker(SyncSettings {
            session_deadline: Duration::from_secs(1),
            ..Default::default()
        }))
        .spawn()
        .await;
    first_delta_answers_late(&app, Duration::from_secs(5));
    app.token(OLGA).await;
    eventually("the session stopping", || async {
        job(&app, OLGA_ID).await.last_finished_at_ms.is_some()
    })
    .await;
    let status: SyncStatus = app.get_as(OLGA, "/api/sync").await.json().await.unwrap();
    assert_eq!(status.error_code.as_deref(), Some("sync_deadline"));
    assert!(!status.running);
}

#[tokio::test]
async fn a_queued_save_that_keeps_failing_is_dead_lettered_shown_and_flagged_in_outlook() {
    let app = TestApp::spawn().await;
    let mut tenant = app.store.tenant(&app.tenant_id()).await.unwrap().unwrap();
    tenant.insta_sync = false;
    app.store.upsert_tenant(&tenant).await.unwrap();
    let item_id = m365_sim::seed::demo_event_id(3);
    let res = app
        .post_as(
            ANN,
            "/api/items/save",
            &json!({ "item": { "owner": OLGA, "itemId": item_id }, "linkRecordIds": [] }),
            None,
        )
        .await;
    assert_eq!(res.status(), 200);

    let status = || async {
        app.http
            .get(format!("{}/api/items/status", app.url))
            .query(&[("owner", OLGA), ("itemId", item_id.as_str())])
            .bearer_auth(app.token(ANN).await)
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    };
    // Each session, Graph refuses to read the item for Ann (a 400: not worth a retry).
    let sessions = liaison_server::sync::MAX_QUEUED_SAVE_ATTEMPTS;
    for session in 1..=sessions {
        app.simulator.inject(
            FaultRule::new(
                "AAMkADemo-0003",
                1,
                Fault::Status {
                    status: 400,
                    retry_after: None,
                },
            )
            .on(reqwest::Method::GET),
        );
        let res = app.post_as(OLGA, "/api/sync/run", &json!({}), None).await;
        assert_eq!(res.status(), 200, "session {session}");
        let outbox = app
            .store
            .count_rows(CountedTable::SaveOutbox)
            .await
            .unwrap();
        if session < sessions {
            assert_eq!(outbox, 1, "kept after {session} failures");
            assert_eq!(status().await["state"], "queued");
        } else {
            assert_eq!(outbox, 0, "given up after {session} failures");
        }
    }
    let shown = status().await;
    assert_eq!(shown["state"], "failed", "{shown}");
    assert_eq!(shown["errorCode"], "queued_save_failed");
    let message = shown["errorMessage"].as_str().unwrap();
    assert!(message.contains("Save it again"), "{message}");
    assert!(!message.contains("400"), "no lower layer's text: {message}");
    let audit = app.store.audit_log(&app.tenant_id(), 50).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|line| line.action == "items.save.dead_lettered"),
        "audited"
    );
    let categories = olgas_categories(&app, &item_id);
    assert!(
        categories.iter().any(|c| c == "CRM (failed)"),
        "{categories:?}"
    );

    // Saved again from the sidebar (insta-sync back on), the item reaches the CRM: the flag
    // comes off in Outlook.
    tenant.insta_sync = true;
    app.store.upsert_tenant(&tenant).await.unwrap();
    let again = app
        .post_as(
            ANN,
            "/api/items/save",
            &json!({ "item": { "owner": OLGA, "itemId": item_id }, "linkRecordIds": [] }),
            None,
        )
        .await;
    assert_eq!(again.status(), 200);
    assert_eq!(status().await["state"], "synced");
    assert_eq!(olgas_categories(&app, &item_id), Vec::<String>::new());

    // An item flagged failed that Olga tags with the CRM category syncs, and loses the flag.
    let tagged = m365_sim::seed::demo_event_id(2);
    app.simulator.outlook().edit(&tagged, |e| {
        e.categories = vec!["CRM (failed)".into(), "CRM".into()];
    });
    let res = app.post_as(OLGA, "/api/sync/run", &json!({}), None).await;
    assert_eq!(res.status(), 200);
    assert_eq!(olgas_categories(&app, &tagged), ["CRM"]);
}

fn olgas_categories(app: &TestApp, id: &str) -> Vec<String> {
    app.simulator
        .outlook()
        .events_of(OLGA)
        .into_iter()
        .find(|e| e.id == id)
        .expect("the item")
        .categories
}

/// The outbox cannot be filled to stop an Organizer's sync: one queued save per item (a later
/// save replaces it), a share per requester, and a session that writes its own sync first and
/// carries out a bounded number of queued saves after it.
#[tokio::test]
async fn the_outbox_holds_one_save_per_item_a_share_each_and_never_holds_up_the_sync() {
    use liaison_domain::api::{ErrorBody, ErrorCode, SyncRun};
    use liaison_e2e::people::{ARTHUR, day};
    use liaison_server::items::MAX_QUEUED_PER_REQUESTER;
    use liaison_server::sync::QUEUED_SAVES_PER_SESSION as SESSION_BUDGET;

    let app = TestApp::spawn().await;
    let outbox = || async {
        app.store
            .count_rows(CountedTable::SaveOutbox)
            .await
            .unwrap()
    };
    let save = |who: &'static str, n: i64, records: Vec<&'static str>| {
        let body = json!({ "item": { "owner": OLGA, "itemId": format!("AAMkNotYet-{n}=") },
                           "linkRecordIds": records });
        let app = &app;
        async move { app.post_as(who, "/api/items/save", &body, None).await }
    };
    // Ann saves one item Outlook has not uploaded yet, three times: one save waits, the last.
    for records in [vec![], vec!["demo-con-nancy"], vec![]] {
        let res = save(ANN, 0, records).await;
        assert_eq!(res.status(), 200);
    }
    assert_eq!(outbox().await, 1);

    // Her share: MAX_QUEUED_PER_REQUESTER items; one more is refused, nothing written; a save
    // of an item that waits already still replaces it.
    for n in 1..MAX_QUEUED_PER_REQUESTER {
        assert_eq!(save(ANN, n, vec![]).await.status(), 200, "item {n}");
    }
    let refused = save(ANN, MAX_QUEUED_PER_REQUESTER, vec![]).await;
    assert_eq!(refused.status(), 409);
    let body: ErrorBody = refused.json().await.unwrap();
    assert_eq!(body.code, ErrorCode::TooManyQueuedSaves);
    assert!(
        body.message
            .contains("wait for Olga Organizer's next sync session"),
        "{}",
        body.message
    );
    assert_eq!(save(ANN, 3, vec![]).await.status(), 200);
    // Arthur has a share of his own.
    for n in 100..110 {
        assert_eq!(save(ARTHUR, n, vec![]).await.status(), 200, "item {n}");
    }
    let waiting = outbox().await;
    assert_eq!(waiting, MAX_QUEUED_PER_REQUESTER + 10);

    // Olga's session writes her own sync, then reads at most SESSION_BUDGET queued items.
    app.simulator.outlook().create(
        OLGA,
        &m365_sim::outlook::NewMeeting::new("Tagged", day(2), 30).category("CRM"),
    );
    app.simulator.clear_journal();
    let res = app.post_as(OLGA, "/api/sync/run", &json!({}), None).await;
    assert_eq!(res.status(), 200);
    let run: SyncRun = res.json().await.unwrap();
    assert!(
        run.report.unwrap().upserted >= 1,
        "the session's own sync is written"
    );
    let queued_reads = app
        .simulator
        .journal()
        .iter()
        .filter(|entry| entry.uri.contains("AAMkNotYet-"))
        .count();
    assert!(
        queued_reads as i64 <= SESSION_BUDGET,
        "{queued_reads} queued items read in one session"
    );
    assert_eq!(outbox().await, waiting, "the rest wait for later sessions");
}

/// A session that writes hundreds of events into tables PostgreSQL still plans as empty
/// refreshes the planner's statistics (`GrowthWatch`, `Maintenance::refresh_statistics`):
/// without it, the item's CRM event was read by scanning the tenant's every event until
/// autovacuum came. Checked on PostgreSQL, whose statistics say when a table was analysed.
#[tokio::test]
async fn a_bulk_sync_refreshes_the_planners_statistics() {
    let Some(postgres) = liaison_e2e::test_db::backends()
        .into_iter()
        .find(|b| matches!(b, liaison_e2e::test_db::Backend::Postgres(_)))
    else {
        return;
    };
    let app = TestApp::builder().backend(postgres).spawn().await;
    let tomorrow = (liaison_server::clock::now_ms() / 86_400_000 + 1) * 86_400;
    let meetings: Vec<m365_sim::outlook::NewMeeting> = (0..600)
        .map(|n| {
            m365_sim::outlook::NewMeeting::new(
                &format!("Deal {n}"),
                tomorrow + (n % 60) * 86_400,
                30,
            )
            .category("CRM")
        })
        .collect();
    app.simulator.outlook().create_many(OLGA, &meetings);
    let db = sqlx::PgPool::connect(app.database_url().expose())
        .await
        .unwrap();
    let analysed = || async {
        sqlx::query_scalar::<_, bool>(
            "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'crm_events'",
        )
        .fetch_one(&db)
        .await
        .unwrap()
    };
    assert!(
        !analysed().await,
        "a new database's tables are not analysed yet"
    );
    let (status, body) = app.sync_when_free(OLGA).await;
    assert_eq!(status, 200, "{body}");
    eventually("the statistics refreshed after 600 events", analysed).await;
}
