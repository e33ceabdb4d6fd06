//! The administrators' API over real HTTP: who may call it (every route, not one), the
//! settings, the people, sync health and resuming a stopped sync, the audit log's filters,
//! paging and exports, and the console's cookie session (its sign-in and its CSRF defence).
//! The console's pages in Chromium: `admin_console.rs`.

use liaison_domain::api::{
    AuditPage, ConsoleUser, ErrorBody, ErrorCode, OrgSettings, SyncOverview, UserPage,
};
use liaison_domain::permissions::Level;
use liaison_e2e::people::items::OLGAS_REVIEW;
use liaison_e2e::people::{ADELE, ANN, OLGA, RITA, day, save, seeded_item};
use liaison_e2e::redirects::{browser, location, public, through_simulator};
use liaison_e2e::test_db::backends;
use liaison_e2e::{TestApp, error_body};
use liaison_server::store::CountedTable;
use m365_sim::outlook::NewMeeting;
use reqwest::Method;
use serde_json::{Value, json};

/// Every administrators' route, with a body where it takes one.
fn admin_routes() -> Vec<(Method, &'static str, Option<Value>)> {
    let settings = json!({ "crmCategoryName": "Taken over", "crmCategoryColor": "Preset1",
        "instaSync": true, "syncIntervalMinutes": 5 });
    vec![
        (Method::GET, "/api/admin/settings", None),
        (Method::PUT, "/api/admin/settings", Some(settings)),
        (Method::GET, "/api/admin/users", None),
        (Method::GET, "/api/admin/users?attention=true", None),
        (Method::GET, "/api/admin/sync", None),
        (
            Method::POST,
            "/api/admin/sync/olga@contoso.com/resume",
            None,
        ),
        (Method::GET, "/api/admin/audit", None),
        (Method::GET, "/api/admin/audit?format=csv", None),
        (Method::GET, "/api/admin/audit?format=jsonl", None),
        (
            Method::GET,
            "/api/admin/diagnose?delegate=ann@contoso.com&owner=olga@contoso.com&itemId=x",
            None,
        ),
        (Method::GET, "/api/admin/deploy", None),
    ]
}

async fn call(
    app: &TestApp,
    token: Option<&str>,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> reqwest::Response {
    let mut request = app.http.request(method, format!("{}{path}", app.url));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn every_admin_route_refuses_everyone_else_and_audits_each_refusal() {
    let app = TestApp::spawn().await;
    let ann = app.token(ANN).await;
    let before = app.store.tenant(&app.tenant_id()).await.unwrap().unwrap();
    for (method, path, body) in admin_routes() {
        let anonymous = call(&app, None, method.clone(), path, body.as_ref()).await;
        assert_eq!(anonymous.status(), 401, "{method} {path} without a session");
        let (status, error) =
            error_body(call(&app, Some(&ann), method.clone(), path, body.as_ref()).await).await;
        assert_eq!(
            (status, error.code),
            (403, ErrorCode::AdminRequired),
            "{method} {path} as a delegate"
        );
    }
    assert_eq!(
        app.store.tenant(&app.tenant_id()).await.unwrap().unwrap(),
        before,
        "nothing was changed"
    );
    let refusals: Vec<_> = app
        .store
        .audit_log(&app.tenant_id(), 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|line| line.action == "admin.refused")
        .collect();
    assert_eq!(
        refusals.len(),
        admin_routes().len(),
        "each refusal is audited"
    );
    assert!(refusals.iter().all(|l| !l.allowed()));
    assert!(
        refusals
            .iter()
            .any(|l| l.target == "PUT /api/admin/settings")
    );
    // Anyone signed in may ask who they are: the console says why it shows nothing.
    let me: ConsoleUser = call(&app, Some(&ann), Method::GET, "/api/admin/me", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!((me.mailbox.as_str(), me.is_admin), (ANN, false));
}

#[tokio::test]
async fn bad_input_is_refused_naming_the_field_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let adele = app.token(ADELE).await;
    let audit_lines = || async { app.store.count_rows(CountedTable::AuditLog).await.unwrap() };
    let lines_before = audit_lines().await;
    let good = json!({ "crmCategoryName": "CRM", "crmCategoryColor": "Preset7",
        "instaSync": true, "syncIntervalMinutes": 15 });
    let mut cases = Vec::new();
    for (field, value) in [
        ("crmCategoryName", json!("")),
        ("crmCategoryColor", json!("Preset99")),
        ("syncIntervalMinutes", json!(0)),
    ] {
        let mut body = good.clone();
        body[field] = value;
        cases.push((
            Method::PUT,
            "/api/admin/settings".to_owned(),
            Some(body),
            400,
            field,
        ));
    }
    for (query, field) in [
        ("outcome=maybe", "outcome"),
        ("from=yesterday", "from"),
        ("to=2026-02-30T00:00:00Z", "to"),
        ("before=last", "before"),
        ("format=xml", "format"),
    ] {
        cases.push((
            Method::GET,
            format!("/api/admin/audit?{query}"),
            None,
            400,
            field,
        ));
    }
    cases.push((
        Method::POST,
        "/api/admin/sync/nobody@contoso.com/resume".into(),
        None,
        404,
        "mailbox",
    ));
    cases.push((
        Method::POST,
        "/api/admin/sync/olga@contoso.com/resume".into(),
        None,
        404,
        "mailbox",
    ));
    cases.push((
        Method::GET,
        "/api/admin/sync?organizer=nobody@contoso.com".into(),
        None,
        404,
        "organizer",
    ));
    for (method, path, body, status, field) in cases {
        let (got, error): (u16, ErrorBody) =
            error_body(call(&app, Some(&adele), method.clone(), &path, body.as_ref()).await).await;
        assert_eq!(
            (got, error.field.as_deref()),
            (status, Some(field)),
            "{method} {path}: {}",
            error.message
        );
    }
    let (status, error) = error_body(
        call(
            &app,
            Some(&adele),
            Method::GET,
            "/api/admin/users?limit=many",
            None,
        )
        .await,
    )
    .await;
    assert_eq!((status, error.field.as_deref()), (400, Some("limit")));
    assert_eq!(audit_lines().await, lines_before, "nothing was written");
    let settings: OrgSettings = call(&app, Some(&adele), Method::GET, "/api/admin/settings", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(settings.crm_category_name, "CRM");
}

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
    let outlook = app.simulator.outlook();
    let ids: Vec<String> = (0..40)
        .map(|n| {
            outlook.create(
                OLGA,
                &NewMeeting::new(&format!("Account call {n}"), day(1 + n % 30), 60).category("CRM"),
            )
        })
        .collect();
    let nothing = json!({});
    let run = || app.post_as(OLGA, "/api/sync/run", &nothing, None);
    assert_eq!(run().await.status(), 200);
    for id in &ids[..25] {
        outlook.delete(id);
    }
    // The breaker stops it ("Sync now", or the session Graph's change notifications started
    // first; "Sync now" then waits for it and is told the sync is stopped).
    let (status, body) = app.sync_when_free(OLGA).await;
    assert_eq!(status, 409, "the circuit breaker stops it");
    assert!(body.contains("sync_stopped"), "{body}");

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

/// On every store backend.
#[tokio::test]
async fn the_audit_log_filters_pages_and_exports_as_csv_and_json_lines() {
    for backend in backends() {
        let app = TestApp::builder().backend(backend).spawn().await;
        the_audit_log_filters_pages_and_exports_as_csv_and_json_lines_on(&app).await;
    }
}

async fn the_audit_log_filters_pages_and_exports_as_csv_and_json_lines_on(app: &TestApp) {
    let adele = app.token(ADELE).await;
    let body = save(seeded_item(OLGA, OLGAS_REVIEW), &[]);
    assert_eq!(
        app.post_as(ANN, "/api/items/save", &body, None)
            .await
            .status(),
        200
    );
    assert_eq!(
        app.post_as(RITA, "/api/items/save", &body, None)
            .await
            .status(),
        403
    );
    let get = |path: String| {
        let adele = adele.clone();
        let app = &app;
        async move { call(app, Some(&adele), Method::GET, &path, None).await }
    };

    let refused: AuditPage = get("/api/admin/audit?outcome=refused&action=items.save".into())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(refused.lines.len(), 1);
    assert_eq!(refused.lines[0].actor, RITA);
    assert_eq!(refused.lines[0].on_behalf_of.as_deref(), Some(OLGA));
    let anns: AuditPage = get(format!("/api/admin/audit?actor={ANN}&action=items.save"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(anns.lines.len(), 1);
    assert!(anns.lines[0].allowed && anns.lines[0].target.starts_with("olga@contoso.com/"));
    let by_target: AuditPage = get("/api/admin/audit?target=OLGA@CONTOSO.COM/&limit=500".into())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_target.lines.len(), 2, "contains, in either case");
    let later: AuditPage = get("/api/admin/audit?from=2999-01-01T00:00:00Z".into())
        .await
        .json()
        .await
        .unwrap();
    assert!(later.lines.is_empty());

    // One line a page, every line once.
    let all: AuditPage = get("/api/admin/audit?limit=500".into())
        .await
        .json()
        .await
        .unwrap();
    let mut paged = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let path = match &before {
            None => "/api/admin/audit?limit=1".to_owned(),
            Some(b) => format!("/api/admin/audit?limit=1&before={b}"),
        };
        let page: AuditPage = get(path).await.json().await.unwrap();
        paged.extend(page.lines);
        match page.next_before {
            Some(next) => before = Some(next),
            None => break,
        }
    }
    assert_eq!(paged, all.lines);

    let csv = get("/api/admin/audit?format=csv".into()).await;
    assert_eq!(csv.status(), 200);
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"liaison-audit-")
    );
    let csv = csv.text().await.unwrap();
    let rows: Vec<&str> = csv.split("\r\n").filter(|r| !r.is_empty()).collect();
    assert_eq!(
        rows[0],
        "at,actor,on_behalf_of,action,target,outcome,reason,detail"
    );
    assert_eq!(rows.len(), all.lines.len() + 1);
    assert!(
        rows.iter()
            .any(|r| r.contains(",ann@contoso.com,olga@contoso.com,items.save,"))
    );

    let jsonl = get("/api/admin/audit?format=jsonl&actor=rita@contoso.com".into())
        .await
        .text()
        .await
        .unwrap();
    let lines: Vec<liaison_domain::api::AuditLine> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!lines.is_empty() && lines.iter().all(|l| l.actor == RITA));
    assert!(lines.iter().any(|l| !l.allowed && l.action == "items.save"));
}

#[tokio::test]
async fn the_console_signs_in_by_redirect_and_its_cookie_counts_only_from_its_own_origin() {
    let app = TestApp::spawn().await;
    let url = public(&app);
    let browser = browser();
    let start = browser
        .get(format!("{url}/admin/sign-in"))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), 303);
    let callback = through_simulator(&location(&start), ADELE).await;
    let back = browser.get(&callback).send().await.unwrap();
    assert_eq!(back.status(), 303);
    assert_eq!(location(&back), "/admin");
    let cookies: Vec<&str> = back
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    let console = cookies
        .iter()
        .find(|c| c.starts_with("liaison-console=lsn_"))
        .expect("the console cookie");
    assert!(console.contains("HttpOnly") && console.contains("SameSite=Strict"));

    let me: ConsoleUser = browser
        .get(format!("{url}/api/admin/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!((me.mailbox.as_str(), me.is_admin), (ADELE, true));
    let settings = json!({ "crmCategoryName": "From the console", "crmCategoryColor": "Preset4",
        "instaSync": true, "syncIntervalMinutes": 15 });
    let put = |origin: Option<&str>, site: Option<&str>| {
        let mut request = browser
            .put(format!("{url}/api/admin/settings"))
            .json(&settings);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        if let Some(site) = site {
            request = request.header("sec-fetch-site", site);
        }
        request.send()
    };
    for (origin, site) in [
        (None, None),
        (Some("https://evil.example"), Some("cross-site")),
        (Some(url.as_str()), Some("cross-site")),
    ] {
        let (status, error) = error_body(put(origin, site).await.unwrap()).await;
        assert_eq!(
            (status, error.code),
            (403, ErrorCode::CrossSiteRequest),
            "{origin:?} {site:?}"
        );
    }
    assert_eq!(
        app.store
            .tenant(&app.tenant_id())
            .await
            .unwrap()
            .unwrap()
            .crm_category_name,
        "CRM"
    );
    let done = put(Some(&url), Some("same-origin")).await.unwrap();
    assert_eq!(done.status(), 200);

    let out = browser
        .delete(format!("{url}/api/admin/session"))
        .header("origin", &url)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    assert!(
        out.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let after = browser
        .get(format!("{url}/api/admin/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 401, "signed out");
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

/// "Why can't this delegate…?" on a real delegate and a real item: the facts the server looks
/// up for their sidebar, every action's verdict; and what deploying takes.
#[tokio::test]
async fn the_diagnostic_runs_on_a_real_delegate_and_item_and_the_deployment_is_described() {
    let app = TestApp::spawn().await;
    let adele = app.token(ADELE).await;
    // Ann and Rita signed in once (their sidebars): Liaison holds their connections.
    app.token(ANN).await;
    app.token(RITA).await;
    let item = liaison_e2e::people::seeded(OLGAS_REVIEW);
    let diagnose = |delegate: &str| {
        let path = format!("/api/admin/diagnose?delegate={delegate}&owner={OLGA}&itemId={item}");
        let adele = adele.clone();
        let app = &app;
        async move { call(app, Some(&adele), Method::GET, &path, None).await }
    };
    let ann: liaison_domain::api::Diagnosis = diagnose(ANN).await.json().await.unwrap();
    assert_eq!(ann.delegate, ANN);
    assert_eq!(ann.context.permissions.level, Level::Editor);
    assert!(
        ann.context.permissions.actions[&liaison_domain::permissions::Action::SaveToCrm].allowed
    );
    let rita: liaison_domain::api::Diagnosis = diagnose(RITA).await.json().await.unwrap();
    assert_eq!(rita.context.permissions.level, Level::Reviewer);
    let save = &rita.context.permissions.actions[&liaison_domain::permissions::Action::SaveToCrm];
    assert!(!save.allowed && save.reason.is_some());
    let line = &app.store.audit_log(&app.tenant_id(), 1).await.unwrap()[0];
    assert_eq!(line.action, "admin.diagnose");
    assert!(
        line.target
            .starts_with("rita@contoso.com on olga@contoso.com/")
    );

    let deploy: liaison_domain::api::Deployment =
        call(&app, Some(&adele), Method::GET, "/api/admin/deploy", None)
            .await
            .json()
            .await
            .unwrap();
    assert!(deploy.manifest_xml_url.ends_with("/manifest.xml"));
    assert!(deploy.app_package_url.ends_with("/manifest.zip"));
    assert!(deploy.consent_url.ends_with("/admin/consent"));
    assert!(
        deploy
            .scopes
            .iter()
            .any(|s| s.scope == "Calendars.ReadWrite" && !s.why.is_empty())
    );
}
