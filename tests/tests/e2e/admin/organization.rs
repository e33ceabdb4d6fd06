//! The organization as administrators see and set it: its people, its sync health and a
//! stopped sync resumed, its own synced window and circuit-breaker threshold.

use liaison_domain::api::{OrgSettings, SyncOverview, UserPage};
use liaison_domain::permissions::Level;
use liaison_e2e::TestApp;
use liaison_e2e::people::items::OLGAS_REVIEW;
use liaison_e2e::people::{ADELE, ANN, OLGA, day, seeded_item};
use liaison_e2e::test_db::backends;
use m365_sim::outlook::NewMeeting;
use reqwest::Method;
use serde_json::{Value, json};

use super::call;

/// On every store backend.
#[tokio::test]
async fn the_people_show_organizers_delegates_and_who_needs_attention() {
    for backend in backends() {
        let app = TestApp::builder().backend(backend).spawn().await;
        the_people_show_organizers_delegates_and_who_needs_attention_on(&app).await;
    }
}

async fn the_people_show_organizers_delegates_and_who_needs_attention_on(app: &TestApp) {
    let adele = app.token(ADELE).await;
    // Ann opens Olga's item: Microsoft is asked, and the answer is kept.
    let context = app
        .post_as(
            ANN,
            "/api/items/context",
            &seeded_item(OLGA, OLGAS_REVIEW),
            None,
        )
        .await;
    assert_eq!(context.status(), 200);
    // Olga's connection was revoked: Liaison marked it when a refresh failed.
    app.store
        .set_connection_status(
            &app.user(liaison_e2e::people::OLGA_ID),
            liaison_server::store::Provider::Microsoft,
            liaison_server::store::ConnectionStatus::NeedsReconnect,
            Some("invalid_grant"),
        )
        .await
        .unwrap();

    let page: UserPage = call(app, Some(&adele), Method::GET, "/api/admin/users", None)
        .await
        .json()
        .await
        .unwrap();
    let person = |mailbox: &str| {
        page.users
            .iter()
            .find(|u| u.mailbox == mailbox)
            .unwrap_or_else(|| panic!("{mailbox} is listed"))
            .clone()
    };
    let mailboxes: Vec<&str> = page.users.iter().map(|u| u.mailbox.as_str()).collect();
    let mut sorted = mailboxes.clone();
    sorted.sort();
    assert_eq!(mailboxes, sorted, "by mailbox");
    let olga = person(OLGA);
    assert_eq!(
        olga.organizer.connection,
        liaison_domain::api::ConnectionState::NeedsReconnect
    );
    assert!(olga.needs_attention);
    let ann = person(ANN);
    assert_eq!(ann.delegate_of.len(), 1);
    assert_eq!(ann.delegate_of[0].owner, OLGA);
    assert_eq!(ann.delegate_of[0].level, Level::Editor);
    assert!(!ann.delegate_of[0].conflict);
    assert!(!ann.needs_attention);

    let attention: UserPage = call(
        app,
        Some(&adele),
        Method::GET,
        "/api/admin/users?attention=true",
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(attention.users.iter().all(|u| u.needs_attention));
    assert!(attention.users.iter().any(|u| u.mailbox == OLGA));
    assert!(!attention.users.iter().any(|u| u.mailbox == ANN));

    // Paging: two at a time, every person once.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            None => "/api/admin/users?limit=2".to_owned(),
            Some(c) => format!("/api/admin/users?limit=2&cursor={c}"),
        };
        let page: UserPage = call(app, Some(&adele), Method::GET, &path, None)
            .await
            .json()
            .await
            .unwrap();
        assert!(page.users.len() <= 2);
        seen.extend(page.users.into_iter().map(|u| u.mailbox));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, sorted);
}

/// On every store backend.
#[tokio::test]
async fn a_stopped_sync_is_shown_resumed_by_an_admin_audited_and_its_sessions_listed() {
    for backend in backends() {
        let app = TestApp::builder().backend(backend).spawn().await;
        a_stopped_sync_is_shown_resumed_by_an_admin_audited_and_its_sessions_listed_on(&app).await;
    }
}

async fn a_stopped_sync_is_shown_resumed_by_an_admin_audited_and_its_sessions_listed_on(
    app: &TestApp,
) {
    let adele = app.token(ADELE).await;
    app.stop_olgas_sync().await;

    let overview: SyncOverview = call(app, Some(&adele), Method::GET, "/api/admin/sync", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(overview.stopped.len(), 1);
    assert_eq!(overview.stopped[0].organizer, OLGA);
    let results: Vec<&str> = overview
        .sessions
        .iter()
        .map(|s| s.result.as_str())
        .collect();
    assert_eq!(results, ["sync_stopped", "ok"], "newest first");
    let first = &overview.sessions[1];
    // Her 40 new meetings, and the demo's items already in her calendar.
    assert_eq!(first.organizer, OLGA);
    assert!(first.events_in >= 40 && first.events_out >= 40, "{first:?}");
    assert!(first.full_round && first.graph_requests >= 2 && first.duration_ms >= 0);

    let resumed = call(
        app,
        Some(&adele),
        Method::POST,
        "/api/admin/sync/olga@contoso.com/resume",
        None,
    )
    .await;
    assert_eq!(resumed.status(), 204);
    let line = &app.store.audit_log(&app.tenant_id(), 1).await.unwrap()[0];
    assert_eq!(
        (line.action.as_str(), line.target.as_str()),
        ("admin.sync_resume", OLGA)
    );
    // It runs again: "Sync now", or the session Graph's change notifications start first
    // (then "Sync now" waits its turn).
    let again = app.sync_when_free(OLGA).await;
    assert_eq!(again.0, 200, "it runs again: {}", again.1);
    assert_eq!(
        app.store
            .active_synced_events(&app.user(liaison_e2e::people::OLGA_ID))
            .await
            .unwrap(),
        15,
        "the cancellations went through"
    );
    let overview: SyncOverview = call(
        app,
        Some(&adele),
        Method::GET,
        "/api/admin/sync?organizer=olga@contoso.com&limit=1",
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(overview.stopped.is_empty());
    assert_eq!(overview.sessions.len(), 1);
    assert_eq!(overview.sessions[0].result, "ok");
    let older: SyncOverview = call(
        app,
        Some(&adele),
        Method::GET,
        &format!(
            "/api/admin/sync?limit=5&before={}",
            overview.next_before.expect("older sessions")
        ),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    // The one the breaker stopped and the first are among the older ones (Graph's change
    // notifications may have started one more).
    assert!(older.sessions.len() >= 2);
    assert!(older.sessions.iter().any(|s| s.result == "sync_stopped"));
}

/// The organization's synced window and circuit-breaker threshold, set by an administrator,
/// apply from each Organizer's next session and to the sidebar's item status; a change that
/// leaves them out keeps them.
#[tokio::test]
async fn the_organizations_window_and_breaker_threshold_apply_from_the_next_session() {
    let app = TestApp::spawn().await;
    let adele = app.token(ADELE).await;
    let outlook = app.simulator.outlook();
    let put = |body: Value| {
        let adele = adele.clone();
        let app = &app;
        async move {
            call(
                app,
                Some(&adele),
                Method::PUT,
                "/api/admin/settings",
                Some(&body),
            )
            .await
        }
    };
    let settings: OrgSettings = call(&app, Some(&adele), Method::GET, "/api/admin/settings", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            settings.synced_days_back,
            settings.synced_days_ahead,
            settings.breaker_threshold_percent
        ),
        (Some(30), Some(365), Some(30)),
        "the server's defaults"
    );
    let changed = put(
        json!({ "crmCategoryName": "CRM", "crmCategoryColor": "Preset7",
        "instaSync": true, "syncIntervalMinutes": 15, "syncedDaysBack": 7,
        "syncedDaysAhead": 10, "breakerThresholdPercent": 70 }),
    )
    .await;
    assert_eq!(changed.status(), 200);

    // A meeting 20 days ahead lies outside the organization's window now.
    let far = outlook.create(
        OLGA,
        &NewMeeting::new("Kickoff in three weeks", day(20), 60).category("CRM"),
    );
    let near: Vec<String> = (0..40)
        .map(|n| {
            outlook.create(
                OLGA,
                &NewMeeting::new(&format!("Account call {n}"), day(1 + n % 9), 60).category("CRM"),
            )
        })
        .collect();
    let nothing = json!({});
    let run = || app.post_as(OLGA, "/api/sync/run", &nothing, None);
    assert_eq!(run().await.status(), 200);
    let uid = |id: &str| {
        outlook
            .events_of(OLGA)
            .into_iter()
            .find(|e| e.has_id(id))
            .unwrap()
            .ical_uid
    };
    assert!(
        app.crm_event(liaison_e2e::people::OLGA_ID, &uid(&far))
            .await
            .is_none(),
        "outside the window: not brought in"
    );
    let status: liaison_domain::api::ItemStatus = app
        .get_as(ANN, &format!("/api/items/status?owner={OLGA}&itemId={far}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status.state, liaison_domain::api::SyncState::OutsideWindow);
    assert!(
        status
            .error_message
            .unwrap_or_default()
            .contains("7 days back to 10 days ahead"),
        "the organization's window is the one shown"
    );

    // 25 of 40 cancelled is 62 %: under the organization's 70 %, the session goes on.
    for id in &near[..25] {
        outlook.delete(id);
    }
    let (status, body) = app.sync_when_free(OLGA).await;
    assert_eq!(status, 200, "under the threshold: {body}");
    assert_eq!(
        app.store
            .active_synced_events(&app.user(liaison_e2e::people::OLGA_ID))
            .await
            .unwrap(),
        15
    );

    // A change that leaves them out keeps them.
    put(
        json!({ "crmCategoryName": "CRM", "crmCategoryColor": "Preset7",
        "instaSync": true, "syncIntervalMinutes": 20 }),
    )
    .await;
    let tenant = app.store.tenant(&app.tenant_id()).await.unwrap().unwrap();
    assert_eq!(
        (
            tenant.sync_days_back,
            tenant.sync_days_ahead,
            tenant.breaker_percent
        ),
        (Some(7), Some(10), Some(70))
    );
}
