//! The task pane in headless Chromium for Organizers: sync on and "Sync now" from the sidebar,
//! organizer (compose) mode and new meetings, the CRM category through Office.js or Graph, Outlook
//! clients' differences, and the sign-in dialog.

use fantoccini::Locator;
use liaison_e2e::pane::*;
use liaison_e2e::{Browser, TestApp, require_built_task_pane};

use liaison_domain::api::{ItemStatus, SaveItemResponse, SyncState};
use liaison_e2e::people::items::{FABRIKAM_INVITATION, OLGAS_REVIEW, OTTOS_BOARD_PREP};
use liaison_e2e::people::{OLGA_ID, day, save, seeded, seeded_item};

#[tokio::test]
async fn an_organizer_turns_sync_on_from_the_sidebar() {
    require_built_task_pane();
    let app = TestApp::spawn().await;
    let browser = Browser::start().await;
    let client = browser.client();

    open_pane(
        &app,
        &browser,
        "otto@contoso.com",
        OTTOS_BOARD_PREP,
        "light",
    )
    .await;
    assert!(
        text(client, ".lz-settings .lz-status")
            .await
            .starts_with("Off")
    );
    click(client, ".lz-switch input").await;

    let on = text_when(client, ".lz-settings .lz-status", |t| t.starts_with("On")).await;
    assert!(on.starts_with("On"), "{on}");
    let otto = app
        .store
        .user_by_mailbox(&app.tenant_id(), "otto@contoso.com")
        .await
        .unwrap()
        .unwrap();
    assert!(otto.sync_enabled);
    browser.close().await;
}

#[tokio::test]
async fn a_delegate_who_only_sends_on_behalf_gets_no_rights_in_a_calendar_microsoft_gives_none() {
    require_built_task_pane();
    let app = TestApp::spawn().await;
    let browser = Browser::start().await;
    let client = browser.client();

    // Sam cannot open Olga's calendar: her meeting is closed to him.
    open_pane(&app, &browser, "sam@contoso.com", OLGAS_REVIEW, "light").await;
    assert_eq!(
        attribute(client, ".lz-refusal", "data-code").await,
        "no_calendar_access"
    );
    // Outlook shows him neither her calendar nor a way to create a meeting in it: sending on
    // her behalf creates nothing there (MS-OXCPERM `Create`).
    client.enter_parent_frame().await.unwrap();
    let calendars = text(client, "#ol-calendars").await;
    assert!(!calendars.contains("Olga"), "{calendars}");

    // A meeting he would compose there (a deep link past Outlook's own checks) is not his to
    // save: no Microsoft source confirms a right to create in her calendar.
    open_host(
        &app,
        &browser,
        "mailbox=sam@contoso.com&compose=olga@contoso.com",
    )
    .await;
    assert_eq!(
        attribute(client, ".lz-refusal", "data-code").await,
        "no_calendar_access"
    );
    assert!(
        client
            .find(fantoccini::Locator::Css(".lz-save__button"))
            .await
            .is_err()
    );
    browser.close().await;
}

/// The categories of one of Olga's items as the simulator stores them, once `ready` holds.
async fn olgas_categories(app: &TestApp, n: u8, ready: impl Fn(&[String]) -> bool) -> Vec<String> {
    let mut stored = Vec::new();
    for _ in 0..50 {
        stored = app
            .simulator
            .outlook()
            .events_of("olga@contoso.com")
            .into_iter()
            .find(|e| e.has_id(&seeded(n)))
            .unwrap()
            .categories;
        if ready(&stored) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    stored
}

#[tokio::test]
async fn the_crm_category_is_added_by_office_js_in_read_mode_and_through_graph_in_compose_mode() {
    require_built_task_pane();
    let app = TestApp::spawn().await;
    let browser = Browser::start().await;
    let client = browser.client();

    // Read mode (an invitation Olga received): Office.js adds the category, Outlook shows it.
    open_pane(
        &app,
        &browser,
        "ann@contoso.com",
        FABRIKAM_INVITATION,
        "light",
    )
    .await;
    click(client, ".lz-category button").await;
    assert!(
        text(client, ".lz-category .lz-status")
            .await
            .contains("has the CRM category")
    );
    client.enter_parent_frame().await.unwrap();
    assert!(
        text(client, "#ol-item dl").await.contains("CRM"),
        "Outlook shows the category"
    );
    assert_eq!(
        olgas_categories(&app, FABRIKAM_INVITATION, |c| !c.is_empty()).await,
        ["CRM"]
    );

    // Organizer (compose) mode in Outlook on the web cannot change categories from the pane:
    // the server writes it through Graph with Olga's connection.
    open_pane(&app, &browser, "ann@contoso.com", OLGAS_REVIEW, "light").await;
    click(client, ".lz-category button").await;
    assert!(
        text(client, ".lz-category .lz-status")
            .await
            .contains("has the CRM category")
    );
    assert_eq!(
        olgas_categories(&app, OLGAS_REVIEW, |c| !c.is_empty()).await,
        ["CRM"]
    );
    // Olga's next sync session brings both into the CRM, no Save needed.
    let olga = app.token("olga@contoso.com").await;
    let run: serde_json::Value = app
        .http
        .post(format!("{}/api/sync/run", app.url))
        .bearer_auth(olga)
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(run["report"]["upserted"].as_u64() >= Some(2), "{run}");
    olgas_review_in_the_crm(&app).await;

    // A tenant category the mailbox's list lacks: the server adds it to Olga's list first.
    let mut tenant = app.store.tenant(&app.tenant_id()).await.unwrap().unwrap();
    tenant.crm_category_name = "Sales CRM".into();
    app.store.upsert_tenant(&tenant).await.unwrap();
    client.enter_parent_frame().await.unwrap();
    open_pane(&app, &browser, "ann@contoso.com", OLGAS_REVIEW, "light").await;
    click(client, ".lz-category button").await;
    assert!(
        text(client, ".lz-category .lz-status")
            .await
            .contains("has the Sales CRM category")
    );
    assert!(
        app.simulator
            .outlook()
            .master_categories("olga@contoso.com")
            .contains(&"Sales CRM".to_owned())
    );
    browser.close().await;
}

#[tokio::test]
async fn outlook_clients_that_answer_null_categories_or_refuse_them_in_compose_mode_still_work() {
    require_built_task_pane();
    let app = TestApp::spawn().await;
    let browser = Browser::start().await;
    let client = browser.client();

    // Classic Outlook: `categories.getAsync` answers `null` for an item without categories.
    open_host(
        &app,
        &browser,
        &format!(
            "mailbox=ann@contoso.com&item={}&flavour=classic",
            seeded(OLGAS_REVIEW)
        ),
    )
    .await;
    assert_eq!(attribute(client, ".lz-level", "data-level").await, "Editor");
    // …and it lets the pane add the category in compose mode itself — kept only when the
    // open form is saved, which the pane does (saveAsync).
    click(client, ".lz-category button").await;
    assert!(
        text(client, ".lz-category .lz-status")
            .await
            .contains("has the CRM category")
    );
    assert_eq!(
        olgas_categories(&app, OLGAS_REVIEW, |c| !c.is_empty()).await,
        ["CRM"],
        "in the mailbox, not only in the open form"
    );
    client.enter_parent_frame().await.unwrap();
    assert!(text(client, "#ol-item dl").await.contains("CRM"));
    browser.close().await;
}

#[tokio::test]
async fn an_organizers_own_meeting_opens_in_organizer_mode_and_saves_by_its_saved_id() {
    require_built_task_pane();
    let app = TestApp::spawn().await;
    let browser = Browser::start().await;
    let client = browser.client();

    open_pane(&app, &browser, "olga@contoso.com", OLGAS_REVIEW, "light").await;
    assert_eq!(text(client, ".lz-whose").await, "Your calendar");
    let mode = client
        .execute(
            "return typeof Office.context.mailbox.item.subject.getAsync;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(mode, "function", "organizer (compose) mode");
    assert!(client.find(Locator::Css(".lz-unsaved")).await.is_err());
    click(client, ".lz-save__button").await;
    assert_eq!(
        text(client, ".lz-result--ok").await,
        "Saved to olga@contoso.com's CRM calendar"
    );
    let event = olgas_review_in_the_crm(&app).await;
    // Graph's original time zone (Outlook's userProfile gives a Windows zone name too).
    assert_eq!(event.write.time_zone, "W. Europe Standard Time");
    browser.close().await;
}

#[tokio::test]
async fn a_new_meeting_is_saved_in_outlook_first_then_in_the_crm() {
    require_built_task_pane();
    let app = TestApp::spawn().await;
    let browser = Browser::start().await;
    let client = browser.client();

    open_host(
        &app,
        &browser,
        "mailbox=ann@contoso.com&compose=olga@contoso.com",
    )
    .await;
    assert!(text(client, ".lz-unsaved").await.contains("not saved yet"));
    assert_eq!(attribute(client, ".lz-level", "data-level").await, "Editor");
    click(client, ".lz-save__button").await;
    assert_eq!(
        text(client, ".lz-result--ok").await,
        "Saved to olga@contoso.com's CRM calendar"
    );
    // Now it has an id: the context is read again by it, and the notice is gone.
    let status = text_when(client, ".lz-sync", |t| t.starts_with("Synced")).await;
    assert!(status.starts_with("Synced"), "{status}");
    assert!(client.find(Locator::Css(".lz-unsaved")).await.is_err());
    let composed = app
        .simulator
        .outlook()
        .events_of("olga@contoso.com")
        .into_iter()
        .find(|e| e.subject == "New meeting")
        .unwrap();
    assert_eq!(composed.creator_name, "Ann Editor");
    assert_eq!(composed.organizer_address, "olga@contoso.com");
    browser.close().await;
}

#[tokio::test]
async fn closing_the_sign_in_dialog_gives_the_button_back() {
    require_built_task_pane();
    let app = TestApp::builder().without_consent().spawn().await;
    let browser = Browser::start().await;
    let client = browser.client();
    open_host_at(
        &public_url(&app),
        &browser,
        &format!("mailbox=olga@contoso.com&item={}", seeded(OLGAS_REVIEW)),
    )
    .await;
    text(client, "section[role=alert]").await;
    click(client, "section[role=alert] .lz-button--primary").await;

    // The person closes the dialog: Office raises DialogEventReceived (12006).
    let host_window = client.window().await.unwrap();
    let mut dialog = None;
    for _ in 0..100 {
        dialog = client
            .windows()
            .await
            .unwrap()
            .into_iter()
            .find(|w| *w != host_window);
        if dialog.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    client
        .switch_to_window(dialog.expect("a dialog"))
        .await
        .unwrap();
    client.close_window().await.unwrap();
    client.switch_to_window(host_window).await.unwrap();
    client.enter_frame(0).await.unwrap();

    let card = text_when(client, "section[role=alert]", |t| t.contains("closed")).await;
    assert!(card.contains("The sign-in window was closed"), "{card}");
    let disabled = attribute(
        client,
        "section[role=alert] .lz-button--primary",
        "disabled",
    )
    .await;
    assert_eq!(disabled, "", "the Sign in button works again");
    browser.close().await;
}

#[tokio::test]
async fn an_organizer_syncs_now_and_is_told_when_the_connection_needs_reconnecting() {
    require_built_task_pane();
    let app = TestApp::spawn().await;
    let browser = Browser::start().await;
    let client = browser.client();
    app.simulator.outlook().create(
        "olga@contoso.com",
        &m365_sim::outlook::NewMeeting::new(
            "Tagged in Outlook",
            liaison_server::clock::now_ms() / 1000 + 86_400,
            30,
        )
        .category("CRM"),
    );

    // On the public address: Reconnect's sign-in dialog comes back there.
    open_host_at(
        &public_url(&app),
        &browser,
        &format!(
            "mailbox=olga@contoso.com&item={}&theme=light",
            seeded(OLGAS_REVIEW)
        ),
    )
    .await;
    click(client, ".lz-sync-now").await;
    let result = text_when(client, ".lz-sync-result", |t| !t.is_empty()).await;
    assert!(result.starts_with("Synced: 1 saved to the CRM"), "{result}");

    // Olga's grant is revoked and Graph refuses the token: the pane says to reconnect.
    app.simulator
        .revoke_grants("00000001-aaaa-4bbb-8ccc-000000000001");
    app.simulator.inject(m365_sim::FaultRule::new(
        "calendarView/delta",
        1,
        m365_sim::Fault::Status {
            status: 401,
            retry_after: None,
        },
    ));
    click(client, ".lz-sync-now").await;
    let alert = text(client, ".lz-reconnect").await;
    assert!(alert.contains("sign in again"), "{alert}");
    assert!(alert.contains("Reconnect"));

    // Reconnect: Olga signs in again in the dialog; the connection is fresh, Sync now works.
    click(client, ".lz-reconnect button").await;
    sign_in_through_the_dialog(client, "olga@contoso.com").await;
    click(client, ".lz-sync-now").await;
    let result = text_when(client, ".lz-sync-result", |t| t.starts_with("Synced")).await;
    assert!(result.starts_with("Synced: "), "{result}");
    assert!(
        client.find(Locator::Css(".lz-reconnect")).await.is_err(),
        "the Reconnect prompt stays after reconnecting"
    );
    browser.close().await;
}

#[tokio::test]
async fn a_first_sign_in_consents_in_the_dialog_then_office_sso_is_enough() {
    require_built_task_pane();
    let app = TestApp::builder().without_consent().spawn().await;
    let browser = Browser::start().await;
    let client = browser.client();
    let query = format!(
        "mailbox=olga@contoso.com&item={}&theme=light",
        seeded(OLGAS_REVIEW)
    );

    // No consent in the tenant: Office SSO cannot sign Olga in, the pane asks her to.
    open_host_at(&public_url(&app), &browser, &query).await;
    let card = text(client, "section[role=alert]").await;
    assert!(card.starts_with("Sign in to Liaison"), "{card}");
    // Nothing failed: nobody has consented yet, and the card says so as an instruction.
    assert!(
        card.contains("Liaison needs consent first: sign in and accept, or ask your administrator")
            && !card.contains("did not work"),
        "{card}"
    );
    click(client, "section[role=alert] .lz-button--primary").await;
    sign_in_through_the_dialog(client, "olga@contoso.com").await;
    assert_eq!(text(client, ".lz-whose").await, "Your calendar");
    // Signed in, and nothing of it in the browser's storage: the session lives in the pane's
    // memory, the flow cookie was HttpOnly and is gone.
    let stored = client
        .execute(
            "return [localStorage.length, sessionStorage.length, document.cookie];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(stored, serde_json::json!([0, 0, ""]), "the pane's storage");

    // She consented in the dialog: the next time the pane opens, SSO signs her in silently.
    open_host_at(&public_url(&app), &browser, &query).await;
    assert_eq!(text(client, ".lz-whose").await, "Your calendar");
    assert_eq!(
        client.windows().await.unwrap().len(),
        1,
        "no dialog this time"
    );
    browser.close().await;
}

/// Adds to `seed` a copy of Olga's review (organized and created by her) as seeded item `n`,
/// `days` from today, and returns its REST id.
fn olgas_meeting_on(seed: &mut m365_sim::Seed, n: u8, subject: &str, days: i64) -> String {
    let start = day(days);
    let mut event = seed.tenants[0].events[0].clone();
    event.id = seeded(n);
    event.ical_uid = ical_uid(n);
    event.subject = subject.into();
    event.start = m365_sim::clock::rfc3339(start);
    event.end = m365_sim::clock::rfc3339(start + 3600);
    event.occurrences.clear();
    seed.tenants[0].events.push(event);
    seeded(n)
}

/// The item's status as the API answers it to `mailbox`.
async fn status_of(app: &TestApp, mailbox: &str, item_id: &str) -> ItemStatus {
    let res = app
        .get_as(
            mailbox,
            &format!("/api/items/status?owner=olga@contoso.com&itemId={item_id}"),
        )
        .await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

#[tokio::test]
async fn an_item_outside_the_synced_window_says_why_and_so_does_the_category_added_to_it() {
    require_built_task_pane();
    let mut seed = m365_sim::Seed::contoso();
    let last_quarter = olgas_meeting_on(&mut seed, 20, "Renewal (last quarter)", -60);
    let next_year = olgas_meeting_on(&mut seed, 21, "Kickoff (next year)", 400);
    let app = TestApp::builder().seed(seed).spawn().await;
    let browser = Browser::start().await;
    let client = browser.client();

    // Ann opens a meeting of two months ago: the sidebar says it lies outside the window, and
    // what that means for the category.
    open_host(
        &app,
        &browser,
        &format!("mailbox=ann@contoso.com&item={last_quarter}&theme=light"),
    )
    .await;
    assert_eq!(
        attribute(client, ".lz-sync", "data-state").await,
        "outsideWindow"
    );
    let status = text(client, ".lz-sync").await;
    assert!(
        status.starts_with("Outside the synced window (30 days back to 365 days ahead)")
            && status.contains("too far in the past")
            && status.contains("Saving it from the sidebar puts it in the CRM now"),
        "{status}"
    );
    click(client, ".lz-category button").await;
    let said = text(client, ".lz-category .lz-status").await;
    assert!(
        said.contains("outside the synced window, so sync does not bring it into the CRM now"),
        "{said}"
    );
    assert_eq!(olgas_categories(&app, 20, |c| !c.is_empty()).await, ["CRM"]);

    // Olga's sync session does not read it, and its status still says why, not "Not in the
    // CRM yet" with no word.
    let run = app
        .post_as(
            "olga@contoso.com",
            "/api/sync/run",
            &serde_json::json!({}),
            None,
        )
        .await;
    assert_eq!(run.status(), 200);
    assert!(app.crm_event(OLGA_ID, &ical_uid(20)).await.is_none());
    let status = status_of(&app, "ann@contoso.com", &last_quarter).await;
    assert_eq!(status.state, SyncState::OutsideWindow);
    assert_eq!(status.error_code.as_deref(), Some("outside_sync_window"));

    // A meeting more than a year ahead comes in once the window reaches it.
    let ahead = status_of(&app, "olga@contoso.com", &next_year).await;
    assert_eq!(ahead.state, SyncState::OutsideWindow);
    assert!(
        ahead
            .error_message
            .unwrap()
            .contains("once it is less than 365 days ahead")
    );
    // Inside the window nothing changes: not in the CRM yet.
    let inside = status_of(&app, "olga@contoso.com", &seeded(OLGAS_REVIEW)).await;
    assert_eq!(inside.state, SyncState::NotSynced);

    // Saved from the sidebar, it is in the CRM whatever the window.
    open_host(
        &app,
        &browser,
        &format!("mailbox=ann@contoso.com&item={last_quarter}&theme=light"),
    )
    .await;
    click(client, ".lz-save__button").await;
    let synced = text_when(client, ".lz-sync", |t| t.starts_with("Synced")).await;
    assert!(synced.starts_with("Synced to the CRM ("), "{synced}");
    assert!(app.crm_event(OLGA_ID, &ical_uid(20)).await.is_some());
    browser.close().await;
}

#[tokio::test]
async fn the_pane_shows_times_in_the_users_zone_across_the_date_line() {
    require_built_task_pane();
    let app = TestApp::spawn().await;
    let saved: SaveItemResponse = app
        .post_as(
            "ann@contoso.com",
            "/api/items/save",
            &save(seeded_item("olga@contoso.com", OLGAS_REVIEW), &[]),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    let synced_at = saved.status.synced_at.expect("a save says when");
    assert!(synced_at.ends_with('Z'), "the API speaks UTC: {synced_at}");
    let utc = m365_sim::state::epoch_seconds(&synced_at).unwrap();
    // Tokyo is UTC+9 all year (no summer time).
    for (zone, offset_s) in [("Asia/Tokyo", 9 * 3600), ("UTC", 0)] {
        let browser = Browser::start_in_zone(zone).await;
        let client = browser.client();
        open_pane(&app, &browser, "ann@contoso.com", OLGAS_REVIEW, "light").await;
        let local = m365_sim::clock::rfc3339(utc + offset_s)[..16].replace('T', " ");
        assert_eq!(
            text(client, ".lz-sync").await,
            format!("Synced to the CRM ({local})"),
            "in {zone}"
        );
        browser.close().await;
    }
}
