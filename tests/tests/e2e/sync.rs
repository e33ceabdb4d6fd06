//! Sync sessions end to end: the real server and store, the Microsoft 365 simulator playing
//! Outlook (people create, categorise, move and cancel meetings there), "Sync now" over HTTP.
//! The category path needs no sidebar at all.

use std::collections::BTreeMap;

use liaison_domain::api::{ErrorBody, ErrorCode, SyncRun, SyncStatus};
use liaison_e2e::TestApp;
use liaison_e2e::people::{OTTO, RITA, day};
use liaison_e2e::test_db::backends;
use liaison_server::store::CountedTable;
use liaison_server::store::{EventTime, EventType, StoredEvent};
use m365_sim::outlook::NewMeeting;
use m365_sim::seed::immutable_id;
use m365_sim::{Fault, FaultRule};
use serde_json::{Value, json};

const OLGA: &str = "olga@contoso.com";
const ANN: &str = "ann@contoso.com";
const OLGA_ID: &str = "00000001-aaaa-4bbb-8ccc-000000000001";

fn meeting(subject: &str, days: i64) -> NewMeeting {
    NewMeeting::new(subject, day(days), 60)
}

async fn sync_now(app: &TestApp) -> liaison_domain::api::SyncReport {
    let res = app.post_as(OLGA, "/api/sync/run", &json!({}), None).await;
    assert_eq!(
        res.status(),
        200,
        "the session finishes: {:?}",
        res.text().await
    );
    res.json::<SyncRun>()
        .await
        .unwrap()
        .report
        .expect("a small session finishes within the request")
}

async fn sync_error(app: &TestApp) -> (u16, ErrorBody) {
    let res = app.post_as(OLGA, "/api/sync/run", &json!({}), None).await;
    (res.status().as_u16(), res.json().await.unwrap())
}

/// The CRM event of one of Olga's meetings, by its Graph id.
async fn crm_event(app: &TestApp, graph_id: &str) -> Option<StoredEvent> {
    let uid = app
        .simulator
        .outlook()
        .events_of(OLGA)
        .into_iter()
        .find(|e| e.has_id(graph_id))
        .map(|e| e.ical_uid)?;
    app.crm_event(OLGA_ID, &uid).await
}

async fn events(app: &TestApp) -> i64 {
    app.store.count_rows(CountedTable::CrmEvents).await.unwrap()
}

fn start_ms(event: &StoredEvent) -> i64 {
    match event.write.time {
        EventTime::Timed { start_ms, .. } => start_ms,
        EventTime::AllDay { .. } => panic!("timed"),
    }
}

#[tokio::test]
async fn a_meeting_given_the_crm_category_in_outlook_syncs_with_no_sidebar() {
    for backend in backends() {
        let app = TestApp::builder().backend(backend).spawn().await;
        let outlook = app.simulator.outlook();
        let tagged = outlook.create(OLGA, &meeting("Contoso renewal", 2).category("CRM"));
        let plain = outlook.create(OLGA, &meeting("Lunch", 2));

        let report = sync_now(&app).await;

        assert!(report.full);
        assert_eq!(report.upserted, 1);
        let event = crm_event(&app, &tagged).await.expect("synced");
        assert_eq!(event.write.subject, "Contoso renewal");
        assert_eq!(start_ms(&event), day(2) * 1000);
        assert!(crm_event(&app, &plain).await.is_none());
        assert!(
            outlook.master_categories(OLGA).iter().any(|c| c == "CRM"),
            "the CRM category is created in the Organizer's master list"
        );
        let status: Value = app
            .get_as(
                OLGA,
                &format!("/api/items/status?owner=olga%40contoso.com&itemId={tagged}"),
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(status["state"], "synced");

        // A quiet incremental session: one Graph request, nothing written.
        app.simulator.clear_journal();
        let quiet = sync_now(&app).await;
        assert!(!quiet.full);
        assert_eq!((quiet.changed_items, quiet.upserted), (0, 0));
        let graph_requests: Vec<_> = app
            .simulator
            .journal()
            .into_iter()
            .filter(|e| e.uri.starts_with("/v1.0/"))
            .collect();
        assert_eq!(graph_requests.len(), 1, "{graph_requests:?}");
        assert!(
            graph_requests[0].uri.contains("deltatoken="),
            "{graph_requests:?}"
        );
    }
}

#[tokio::test]
async fn changes_follow_removing_the_category_keeps_the_event_and_deleting_cancels_it() {
    let app = TestApp::spawn().await;
    let outlook = app.simulator.outlook();
    let moved = outlook.create(OLGA, &meeting("Pipeline review", 3).category("CRM"));
    let untagged = outlook.create(OLGA, &meeting("Partner call", 4).category("CRM"));
    let cancelled = outlook.create(OLGA, &meeting("Demo", 5).category("CRM"));
    sync_now(&app).await;

    outlook.shift(&moved, 120);
    outlook.edit(&moved, |e| e.subject = "Pipeline review (moved)".into());
    outlook.set_categories(&untagged, &[]);
    outlook.edit(&untagged, |e| {
        e.subject = "Partner call, renamed after".into()
    });
    outlook.delete(&cancelled);
    let before = events(&app).await;
    let report = sync_now(&app).await;

    assert_eq!(
        (report.upserted, report.unfollowed, report.cancelled),
        (1, 1, 1)
    );
    let event = crm_event(&app, &moved).await.unwrap();
    assert_eq!(event.write.subject, "Pipeline review (moved)");
    assert_eq!(start_ms(&event), day(3) * 1000 + 2 * 3_600_000);
    let kept = crm_event(&app, &untagged).await.expect("kept");
    assert_eq!(kept.write.subject, "Partner call", "no longer followed");
    assert!(!kept.cancelled);
    assert_eq!(events(&app).await, before, "nothing erased");

    // The cancelled one: found through the store's own list (it left Outlook).
    let cancelled_events = app
        .store
        .graph_links(&app.user(OLGA_ID), &[immutable_id(&cancelled)])
        .await
        .unwrap();
    let uid = &cancelled_events[0].1.ical_uid;
    let event = app.crm_event(OLGA_ID, uid).await.unwrap();
    assert!(
        event.cancelled,
        "deleting in Outlook marks the CRM event cancelled"
    );
}

#[tokio::test]
async fn recurring_meetings_single_becomes_series_shifted_moved_and_cancelled_occurrences() {
    let app = TestApp::spawn().await;
    let outlook = app.simulator.outlook();
    let single = outlook.create(OLGA, &meeting("Weekly pipeline", 1).category("CRM"));
    sync_now(&app).await;
    assert_eq!(events(&app).await, 1);

    // Single becomes series: the item turns series master, occurrences appear.
    let occurrences = outlook.make_weekly_series(&single, 3);
    let report = sync_now(&app).await;
    assert_eq!((report.upserted, report.cancelled), (3, 0), "{report:?}");
    assert_eq!(
        events(&app).await,
        4,
        "the master's CRM event stays; one per occurrence"
    );
    let master = app
        .store
        .graph_links(&app.user(OLGA_ID), &[immutable_id(&single)])
        .await
        .unwrap();
    assert_eq!(master[0].1.event_type, EventType::SeriesMaster);
    let first = crm_event(&app, &occurrences[0]).await.unwrap();
    assert_eq!(start_ms(&first), day(1) * 1000);

    // Series shifted by an hour: every occurrence follows.
    outlook.shift(&single, 60);
    assert_eq!(sync_now(&app).await.upserted, 3);
    for (n, id) in occurrences.iter().enumerate() {
        let event = crm_event(&app, id).await.unwrap();
        assert_eq!(
            start_ms(&event),
            (day(1) + n as i64 * 7 * 86_400 + 3600) * 1000
        );
    }

    // One occurrence moved (an exception), another cancelled.
    outlook.shift(&occurrences[1], 30);
    outlook.delete(&occurrences[2]);
    let report = sync_now(&app).await;
    assert_eq!((report.upserted, report.cancelled), (1, 1));
    let immutable: Vec<String> = occurrences.iter().map(|id| immutable_id(id)).collect();
    let links = app
        .store
        .graph_links(&app.user(OLGA_ID), &immutable)
        .await
        .unwrap();
    let by_id: BTreeMap<_, _> = links.into_iter().collect();
    assert_eq!(by_id[&immutable[1]].event_type, EventType::Exception);
    let cancelled = app
        .crm_event(OLGA_ID, &by_id[&immutable[2]].ical_uid)
        .await
        .unwrap();
    assert!(cancelled.cancelled);
    assert!(!crm_event(&app, &occurrences[0]).await.unwrap().cancelled);
}

#[tokio::test]
async fn a_queued_save_is_written_by_the_next_session_and_waits_while_the_connection_needs_reconnect()
 {
    let app = TestApp::spawn().await;
    let mut tenant = app.store.tenant(&app.tenant_id()).await.unwrap().unwrap();
    tenant.insta_sync = false;
    app.store.upsert_tenant(&tenant).await.unwrap();
    let save = |n: u8| {
        json!({ "item": { "owner": OLGA, "itemId": m365_sim::seed::demo_event_id(n) },
                "linkRecordIds": [] })
    };
    let res = app.post_as(ANN, "/api/items/save", &save(1), None).await;
    assert_eq!(res.status(), 200);
    sync_now(&app).await; // The first session runs and writes what waited.
    let outbox = || async {
        app.store
            .count_rows(CountedTable::SaveOutbox)
            .await
            .unwrap()
    };
    assert_eq!(outbox().await, 0);
    let event = crm_event(&app, &m365_sim::seed::demo_event_id(1)).await;
    assert_eq!(
        event.unwrap().created_by_mailbox,
        ANN,
        "written for Ann, judged again on Graph's facts"
    );

    // Olga's grant is revoked; Graph refuses the cached token: needs reconnect, save kept.
    app.post_as(ANN, "/api/items/save", &save(2), None).await;
    app.simulator.revoke_grants(OLGA_ID);
    app.simulator.inject(FaultRule::new(
        "calendarView/delta",
        1,
        Fault::Status {
            status: 401,
            retry_after: None,
        },
    ));
    let (status, body) = sync_error(&app).await;
    assert_eq!((status, body.code), (409, ErrorCode::NeedsReconnect));
    assert_eq!(outbox().await, 1, "the queued save waits");
    let me: Value = app.get_as(OLGA, "/api/me").await.json().await.unwrap();
    assert_eq!(me["connections"]["microsoft"], "needs_reconnect");
    let sync: SyncStatus = app.get_as(OLGA, "/api/sync").await.json().await.unwrap();
    assert_eq!(sync.error_code.as_deref(), Some("needs_reconnect"));
}

/// Microsoft publishes no page maximum for `calendarView/delta` and may send fewer items than
/// asked (`concepts/paging.md`); large pages "may trigger the gateway timeout (HTTP 504)"
/// (`user-list-messages.md`). Liaison asks for 1000, pages by nextLink whatever comes, and a
/// retry asks for half.
#[tokio::test]
async fn a_full_sync_asks_for_large_pages_follows_a_smaller_cap_and_shrinks_the_page_after_a_gateway_timeout()
 {
    let app = TestApp::spawn().await;
    let outlook = app.simulator.outlook();
    let meetings: Vec<NewMeeting> = (0..250)
        .map(|n| meeting(&format!("Meeting {n}"), 1 + n % 20).category("CRM"))
        .collect();
    outlook.create_many(OLGA, &meetings);
    app.simulator.cap_page_size(100);
    app.simulator.inject(FaultRule::new(
        "/calendarView/delta",
        1,
        Fault::Status {
            status: 504,
            retry_after: None,
        },
    ));
    app.simulator.clear_journal();

    let report = sync_now(&app).await;

    assert_eq!(report.upserted, 250);
    assert_eq!(events(&app).await, 250);
    let delta: Vec<(u16, String)> = app
        .simulator
        .journal()
        .into_iter()
        .filter(|e| e.uri.contains("/calendarView/delta"))
        .map(|e| {
            let prefer = e.prefer.unwrap_or_default();
            let size = prefer
                .split("odata.maxpagesize=")
                .nth(1)
                .unwrap_or_default()
                .to_owned();
            (e.status, size)
        })
        .collect();
    let expected: Vec<(u16, String)> = [(504, "1000"), (200, "500"), (200, "1000"), (200, "1000")]
        .into_iter()
        .map(|(status, size)| (status, size.to_owned()))
        .collect();
    assert_eq!(
        delta, expected,
        "1000 asked, a smaller retry after the 504, three pages of the simulator's 100"
    );
}

#[tokio::test]
async fn an_evicted_delta_link_means_a_full_round_without_duplicates() {
    let app = TestApp::spawn().await;
    let outlook = app.simulator.outlook();
    let ids: Vec<String> = (0..30)
        .map(|n| {
            outlook.create(
                OLGA,
                &meeting(&format!("Meeting {n}"), 1 + n % 20).category("CRM"),
            )
        })
        .collect();
    sync_now(&app).await;
    assert_eq!(events(&app).await, 30);

    app.simulator.expire_delta_tokens();
    outlook.edit(&ids[7], |e| e.subject = "Meeting 7, changed".into());
    let report = sync_now(&app).await;

    assert!(report.full, "Graph's 410 restarted the round in full");
    assert_eq!(events(&app).await, 30, "no duplicates");
    assert_eq!(
        crm_event(&app, &ids[7]).await.unwrap().write.subject,
        "Meeting 7, changed"
    );
    let gone = app
        .simulator
        .journal()
        .iter()
        .filter(|e| e.status == 410)
        .count();
    assert_eq!(gone, 1);
    assert!(!sync_now(&app).await.full, "the new link works");
}

#[tokio::test]
async fn a_session_that_would_cancel_an_unusual_share_stops_until_an_admin_resumes_it() {
    let app = TestApp::spawn().await;
    let outlook = app.simulator.outlook();
    let ids: Vec<String> = (0..40)
        .map(|n| {
            outlook.create(
                OLGA,
                &meeting(&format!("Account call {n}"), 1 + n % 30).category("CRM"),
            )
        })
        .collect();
    sync_now(&app).await;
    for id in &ids[..25] {
        outlook.delete(id);
    }

    let (status, body) = sync_error(&app).await;

    assert_eq!((status, body.code), (409, ErrorCode::SyncStopped));
    assert_eq!(
        app.store
            .active_synced_events(&app.user(OLGA_ID))
            .await
            .unwrap(),
        40,
        "nothing cancelled"
    );
    let sync: SyncStatus = app.get_as(OLGA, "/api/sync").await.json().await.unwrap();
    assert!(sync.stopped);
    assert_eq!(
        sync_error(&app).await.1.code,
        ErrorCode::SyncStopped,
        "stays stopped"
    );

    app.store
        .reset_sync_breaker(&app.user(OLGA_ID))
        .await
        .unwrap();
    let report = sync_now(&app).await;
    assert_eq!(
        report.cancelled, 25,
        "the cursor had not moved: the same deletions come again"
    );
    assert_eq!(
        app.store
            .active_synced_events(&app.user(OLGA_ID))
            .await
            .unwrap(),
        15
    );
}

#[tokio::test]
async fn a_crm_event_deleted_in_the_crm_loses_its_category_in_outlook_or_the_item_says_why() {
    let app = TestApp::spawn().await;
    let outlook = app.simulator.outlook();
    let removed = outlook.create(
        OLGA,
        &meeting("Old deal", 2)
            .category("CRM")
            .category("Red category"),
    );
    let refused = outlook.create(OLGA, &meeting("Other deal", 3).category("CRM"));
    sync_now(&app).await;
    // The event exists. Otto (no share of Olga's CRM calendar) may not delete it and learns
    // nothing; Rita (a view share) sees it and is refused. It stays.
    let event = crm_event(&app, &removed).await.unwrap();
    for (who, answer) in [(OTTO, 404), (RITA, 403)] {
        let res = app
            .http
            .delete(format!("{}/api/crm/events/{}", app.url, event.id))
            .bearer_auth(app.token(who).await)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), answer, "{who}");
    }
    assert!(!crm_event(&app, &removed).await.unwrap().deleted);
    for id in [&removed, &refused] {
        let event = crm_event(&app, id).await.unwrap();
        let res = app
            .http
            .delete(format!("{}/api/crm/events/{}", app.url, event.id))
            .bearer_auth(app.token(OLGA).await)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 204);
    }
    // Outlook refuses the write on the second item (once: the session's PATCH, in order).
    app.simulator.inject(
        FaultRule::new(
            &immutable_id(&refused),
            1,
            Fault::Status {
                status: 403,
                retry_after: None,
            },
        )
        .on(reqwest::Method::PATCH),
    );
    let report = sync_now(&app).await;

    assert_eq!(report.categories_removed, 1);
    let categories = |id: &str| {
        outlook
            .events_of(OLGA)
            .into_iter()
            .find(|e| e.has_id(id))
            .unwrap()
            .categories
    };
    assert_eq!(categories(&removed), vec!["Red category".to_owned()]);
    assert_eq!(categories(&refused), vec!["CRM".to_owned()]);
    let status: Value = app
        .get_as(
            OLGA,
            &format!("/api/items/status?owner=olga%40contoso.com&itemId={refused}"),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status["state"], "failed");
    assert_eq!(status["errorCode"], "category_not_removed");

    // The next session retries, and the deleted event is never brought back.
    let report = sync_now(&app).await;
    assert_eq!(report.categories_removed, 1);
    assert_eq!(report.upserted, 0);
    assert_eq!(categories(&refused), Vec::<String>::new());
}

/// Waits (up to 20 s) until `done` holds.
async fn eventually<F, Fut>(what: &str, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..200 {
        if done().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{what} did not happen within 20 s");
}

#[tokio::test]
async fn change_notifications_start_a_session_and_lifecycle_events_keep_the_subscription() {
    // The worker runs, but its poll is an hour: only notifications can bring it early.
    let app = TestApp::builder()
        .sync(liaison_server::sync::SyncSettings {
            worker: true,
            poll: std::time::Duration::from_secs(3600),
            ..Default::default()
        })
        .spawn()
        .await;
    app.token(OLGA).await; // signing in schedules Olga's first session
    let runs = || async {
        let status: SyncStatus = app.get_as(OLGA, "/api/sync").await.json().await.unwrap();
        (status.runs, status.running)
    };
    eventually("the first session", || async { runs().await == (1, false) }).await;
    let subscriptions = app.simulator.subscriptions();
    assert_eq!(
        subscriptions.len(),
        1,
        "validated and created by the first session"
    );
    assert_eq!(subscriptions[0].1, OLGA_ID);

    let id = app
        .simulator
        .outlook()
        .create(OLGA, &meeting("Booked by phone", 2).category("CRM"));
    eventually("the notified session", || async {
        crm_event(&app, &id).await.is_some()
    })
    .await;
    assert!(
        app.simulator
            .deliveries()
            .iter()
            .any(|(url, status)| url.ends_with("/api/graph/notifications") && *status == 202),
        "{:?}",
        app.simulator.deliveries()
    );

    // A forged notification (wrong clientState) is ignored.
    let before = runs().await.0;
    let forged = app
        .post_json(
            "/api/graph/notifications",
            json!({ "value": [{ "subscriptionId": subscriptions[0].0, "clientState": "guess" }] })
                .to_string(),
        )
        .await;
    assert_eq!(forged.status(), 202);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(
        runs().await.0,
        before,
        "no session for a forged notification"
    );

    // Graph removes the subscription: the next session (started by the lifecycle event)
    // subscribes again.
    app.simulator
        .lifecycle_event(&subscriptions[0].0, "subscriptionRemoved");
    eventually("a new subscription", || async {
        let now = app.simulator.subscriptions();
        now.len() == 1 && now[0].0 != subscriptions[0].0
    })
    .await;
}
