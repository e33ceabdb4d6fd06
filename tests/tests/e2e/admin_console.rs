//! The administrators' console in headless Chromium, as an administrator uses it in an
//! ordinary browser: signing in by redirect, changing the CRM category (the next sync session
//! uses it), resuming a stopped sync, exporting the audit log, importing a CSV of records (a dry
//! run, then for real), the keyboard and the dark theme;
//! and a delegate who signs in is shown why they see nothing.

use std::time::Duration;

use fantoccini::{Client, Locator};
use liaison_domain::api::SyncRun;
use liaison_e2e::pane::{click, public_url, text_when};
use liaison_e2e::people::items::OLGAS_REVIEW;
use liaison_e2e::people::{ADELE, ANN, OLGA, day, save, seeded_item};
use liaison_e2e::{Browser, TestApp, require_built_task_pane};
use m365_sim::outlook::NewMeeting;
use serde_json::json;

/// Opens the console and signs in as `mailbox` by redirect, through the identity platform.
pub(crate) async fn sign_in(app: &TestApp, client: &Client, mailbox: &str) {
    sign_in_at(app, client, mailbox, "/admin").await;
}

/// Opens `page` (the console, or the CRM page) and signs in as `mailbox` by redirect; the
/// browser comes back to `page`.
pub(crate) async fn sign_in_at(app: &TestApp, client: &Client, mailbox: &str, page: &str) {
    client
        .goto(&format!("{}{page}", public_url(app)))
        .await
        .unwrap();
    click(client, &format!("#signed-out a[href='{page}/sign-in']")).await;
    click(client, &format!("input[name=user][value='{mailbox}']")).await;
    click(client, "#accept").await;
    let who = text_when(client, "#who", |t| t.contains(mailbox)).await;
    assert!(who.contains(mailbox), "signed in: {who}");
    assert!(
        client.current_url().await.unwrap().path().ends_with(page),
        "back on {page}"
    );
}

async fn visible(client: &Client, css: &str) -> bool {
    client
        .execute(
            "const e = document.querySelector(arguments[0]); return !!e && !e.closest('[hidden]');",
            vec![json!(css)],
        )
        .await
        .unwrap()
        .as_bool()
        .unwrap_or(false)
}

pub(crate) async fn type_into(client: &Client, css: &str, text: &str) {
    let input = client.find(Locator::Css(css)).await.unwrap();
    input.clear().await.unwrap();
    input.send_keys(text).await.unwrap();
}

async fn sync_now(app: &TestApp) -> liaison_domain::api::SyncReport {
    let (status, body) = app.sync_when_free(OLGA).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str::<SyncRun>(&body)
        .unwrap()
        .report
        .unwrap()
}

#[tokio::test]
async fn adele_renames_the_crm_category_and_the_next_sync_session_uses_it() {
    require_built_task_pane();
    let app = TestApp::spawn().await;
    sync_now(&app).await;
    let browser = Browser::start().await;
    let client = browser.client();
    sign_in(&app, client, ADELE).await;
    assert!(visible(client, "#console").await);
    let name = text_when(client, "#settings-form", |_| true).await;
    assert!(name.contains("CRM category name"));

    // A value outside its rule is named beside its field, and nothing is saved.
    type_into(client, "#syncIntervalMinutes", "0").await;
    click(client, "#settings-form button[type=submit]").await;
    let error = text_when(client, "#syncIntervalMinutes-error", |t| !t.is_empty()).await;
    assert_eq!(error, "1 to 1440 minutes");
    let invalid = client
        .find(Locator::Css("#syncIntervalMinutes"))
        .await
        .unwrap()
        .attr("aria-invalid")
        .await
        .unwrap();
    assert_eq!(invalid.as_deref(), Some("true"));

    type_into(client, "#syncIntervalMinutes", "15").await;
    type_into(client, "#breakerThresholdPercent", "250").await;
    click(client, "#settings-form button[type=submit]").await;
    let error = text_when(client, "#breakerThresholdPercent-error", |t| !t.is_empty()).await;
    assert_eq!(error, "1 to 100 percent");
    type_into(client, "#breakerThresholdPercent", "40").await;
    type_into(client, "#crmCategoryName", "Client work").await;
    click(client, "#settings-form button[type=submit]").await;
    let status = text_when(client, "#status", |t| t.starts_with("Settings saved")).await;
    assert!(status.starts_with("Settings saved"), "{status}");
    let tenant = app.store.tenant(&app.tenant_id()).await.unwrap().unwrap();
    assert_eq!(tenant.crm_category_name, "Client work");
    assert_eq!(tenant.breaker_percent, Some(40));
    assert_eq!(
        tenant.sync_days_ahead,
        Some(365),
        "shown as it was, saved as it was"
    );

    let outlook = app.simulator.outlook();
    let marked = outlook.create(
        OLGA,
        &NewMeeting::new("Fabrikam pricing", day(3), 30).category("Client work"),
    );
    // The next session (this one, or one Graph's change notification started first) reads
    // Olga's calendar in a full round and finds the category by its new name.
    sync_now(&app).await;
    assert!(
        outlook
            .master_categories(OLGA)
            .contains(&"Client work".to_owned()),
        "the new category is in Olga's list"
    );
    let uid = outlook
        .events_of(OLGA)
        .into_iter()
        .find(|e| e.has_id(&marked))
        .unwrap()
        .ical_uid;
    assert!(
        app.crm_event(liaison_e2e::people::OLGA_ID, &uid)
            .await
            .is_some(),
        "the meeting marked with the new category is in the CRM"
    );
    browser.close().await;
}

#[tokio::test]
async fn adele_resumes_a_stopped_sync_from_the_console() {
    require_built_task_pane();
    let app = TestApp::spawn().await;
    app.stop_olgas_sync().await;

    let browser = Browser::start().await;
    let client = browser.client();
    sign_in(&app, client, ADELE).await;
    click(client, "#tab-sync").await;
    let resume = "button[aria-label='Resume the sync of olga@contoso.com']";
    click(client, resume).await;
    let status = text_when(client, "#status", |t| t.contains("runs again")).await;
    assert_eq!(status, "The sync of olga@contoso.com runs again.");
    let list = text_when(client, "#stopped", |t| t.starts_with("None")).await;
    assert!(list.starts_with("None"), "{list}");
    let sessions = text_when(client, "#sessions-table tbody", |t| {
        t.contains("sync_stopped")
    })
    .await;
    assert!(sessions.contains("olga@contoso.com") && sessions.contains("sync_stopped"));
    let line = &app.store.audit_log(&app.tenant_id(), 1).await.unwrap()[0];
    assert_eq!(line.action, "admin.sync_resume");
    // It runs again ("Sync now" once the session Graph's notifications started is done).
    let (status, body) = app.sync_when_free(OLGA).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        app.store
            .active_synced_events(&app.user(liaison_e2e::people::OLGA_ID))
            .await
            .unwrap(),
        15,
        "the cancellations went through"
    );
    browser.close().await;
}

#[tokio::test]
async fn the_exported_audit_log_holds_the_last_save() {
    require_built_task_pane();
    let app = TestApp::spawn().await;
    let body = save(seeded_item(OLGA, OLGAS_REVIEW), &[]);
    assert_eq!(
        app.post_as(ANN, "/api/items/save", &body, None)
            .await
            .status(),
        200
    );
    let browser = Browser::start().await;
    let client = browser.client();
    sign_in(&app, client, ADELE).await;
    click(client, "#tab-audit").await;
    type_into(client, "#audit-actor", ANN).await;
    click(client, "#audit-form button[type=submit]").await;
    let shown = text_when(client, "#audit-table tbody", |t| t.contains("items.save")).await;
    assert!(
        shown.contains("items.save") && shown.contains(OLGA),
        "{shown}"
    );

    // The export link, fetched by the page as a download would be: the console's cookie,
    // its filters.
    let href = client
        .find(Locator::Css("#export-csv"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    assert!(
        href.contains("format=csv") && href.contains("actor=ann%40contoso.com"),
        "{href}"
    );
    let csv = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch(document.querySelector('#export-csv').href).then(r => r.text()).then(done);",
            vec![],
        )
        .await
        .unwrap();
    let csv = csv.as_str().unwrap();
    let rows: Vec<&str> = csv.split("\r\n").filter(|r| !r.is_empty()).collect();
    assert_eq!(
        rows[0],
        "at,actor,on_behalf_of,action,target,outcome,reason,detail"
    );
    let last_save = rows
        .iter()
        .find(|r| r.contains(",items.save,"))
        .expect("the save is in the file");
    assert!(last_save.contains("ann@contoso.com,olga@contoso.com,items.save,olga@contoso.com/"));
    assert!(last_save.contains(",allowed,"));
    browser.close().await;
}

#[tokio::test]
async fn the_console_works_by_keyboard_and_in_the_dark_and_a_delegate_is_told_why_it_is_empty() {
    require_built_task_pane();
    let app = TestApp::spawn().await;
    let browser = Browser::start().await;
    let client = browser.client();
    sign_in(&app, client, ADELE).await;

    // The tabs follow the WAI-ARIA pattern: arrows move the selection and the focus.
    client
        .find(Locator::Css("#tab-settings"))
        .await
        .unwrap()
        .send_keys("\u{E014}")
        .await
        .unwrap();
    let focused = client
        .execute("return document.activeElement.id;", vec![])
        .await
        .unwrap();
    assert_eq!(focused, "tab-people");
    assert!(visible(client, "#panel-people").await && !visible(client, "#panel-settings").await);
    let people = text_when(client, "#people-table tbody", |t| t.contains(ANN)).await;
    assert!(people.contains(OLGA) && people.contains(ANN), "{people}");

    click(client, "#theme").await;
    let theme = client
        .execute(
            "return [document.documentElement.dataset.theme, getComputedStyle(document.body).backgroundColor];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(theme, json!(["dark", "rgb(31, 31, 31)"]));

    click(client, "#sign-out").await;
    assert!(
        text_when(client, "#status", |t| t == "Signed out.").await == "Signed out."
            && visible(client, "#signed-out").await
    );

    // A delegate signs in: no administrator rights, and the page says why.
    sign_in(&app, client, ANN).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(visible(client, "#not-admin").await && !visible(client, "#console").await);
    browser.close().await;
}

#[tokio::test]
async fn adele_checks_then_imports_a_csv_of_contacts_from_the_console() {
    require_built_task_pane();
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("contacts.csv");
    std::fs::write(
        &file,
        "Full Name,E-mail,External ID\r\nAda Lovelace,ada@analytical.example,C-1\r\n\
         ,nobody@example.org,C-2\r\n",
    )
    .unwrap();

    let browser = Browser::start().await;
    let client = browser.client();
    sign_in(&app, client, ADELE).await;
    click(client, "#tab-records").await;
    let input = client.find(Locator::Css("#import-file")).await.unwrap();
    input.send_keys(file.to_str().unwrap()).await.unwrap();
    click(client, "#import-form button[type=submit]").await;
    let report = text_when(client, "#import-report", |t| t.contains("refused")).await;
    assert!(report.contains("1 would be created"), "{report}");
    assert!(report.contains("name"), "the refused row's field: {report}");
    let (_, found) = {
        let res = app.get_as(ADELE, "/api/crm/records?q=lovelace").await;
        (res.status(), res.json::<serde_json::Value>().await.unwrap())
    };
    assert_eq!(found["records"], json!([]), "a dry run writes nothing");

    click(client, "#import-dry-run").await;
    click(client, "#import-form button[type=submit]").await;
    let report = text_when(client, "#import-report", |t| t.contains("were created")).await;
    assert!(report.contains("1 were created"), "{report}");
    let found: serde_json::Value = app
        .get_as(ADELE, "/api/crm/records?q=lovelace")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["records"][0]["name"], "Ada Lovelace");
    browser.close().await;
}
