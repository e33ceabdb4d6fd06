//! The CRM page, outside Outlook (issue 27): a person signs in with Microsoft by redirect and
//! sees the records they may see, each with its timeline of meetings — who saved it, on whose
//! behalf, when — and the Organizers' CRM calendars shared with them. By keyboard; and the
//! calendars API refuses those a calendar is not shared with as "not found".

use fantoccini::Locator;
use fantoccini::key::Key;
use liaison_e2e::pane::{click, focused, press, text_when};
use liaison_e2e::people::items::OLGAS_REVIEW;
use liaison_e2e::people::{ANN, OLGA, OTTO, fiona, save, seeded_item};
use liaison_e2e::test_db::backends;
use liaison_e2e::{Browser, TestApp, require_built_task_pane};
use reqwest::StatusCode;

use crate::admin_console::sign_in_at;

#[tokio::test]
async fn a_records_timeline_shows_the_meeting_ann_saved_for_olga() {
    require_built_task_pane();
    let app = TestApp::spawn().await;
    let saved = app
        .post_as(
            ANN,
            "/api/items/save",
            &save(seeded_item(OLGA, OLGAS_REVIEW), &["demo-con-nancy"]),
            Some("crm-page-1"),
        )
        .await;
    assert_eq!(saved.status(), StatusCode::OK);

    let browser = Browser::start().await;
    let client = browser.client();
    sign_in_at(&app, client, ANN, "/crm").await;
    // Search by keyboard: the query, Enter; then open Nancy's record.
    let q = client.find(Locator::Css("#search-q")).await.unwrap();
    q.send_keys("nancy").await.unwrap();
    press(client, Key::Enter).await;
    text_when(client, "#records-table", |t| {
        t.contains("Nancy Davolio") && !t.contains("Andrew Fuller")
    })
    .await;
    click(client, "#records-table button.link").await;
    let timeline = text_when(client, "#timeline", |t| t.contains("saved by")).await;
    assert!(
        timeline.contains("Northwind quarterly review"),
        "the meeting's subject: {timeline}"
    );
    assert!(
        timeline.contains("saved by ann@contoso.com on behalf of olga@contoso.com"),
        "{timeline}"
    );
    // The focus moved to the record's heading, for a screen reader to announce it.
    let (tag, name) = focused(client).await;
    assert_eq!(tag, "h3");
    assert!(name.starts_with("Nancy Davolio"), "{name}");

    // Olga's CRM calendar, which she shares with Ann, lists the same meeting (Ann's own
    // calendar comes first in the list).
    click(client, "#tab-calendars").await;
    text_when(client, "#calendar-title", |t| !t.is_empty()).await;
    click(client, "#calendar-mailbox option[value='olga@contoso.com']").await;
    click(client, "#calendar-form button[type=submit]").await;
    let title = text_when(client, "#calendar-title", |t| t.contains("Olga")).await;
    assert!(title.contains("CRM calendar"), "{title}");
    let calendar = text_when(client, "#calendar-events", |t| t.contains("saved by")).await;
    assert!(
        calendar.contains("saved by ann@contoso.com on behalf of olga@contoso.com"),
        "{calendar}"
    );
    assert!(calendar.contains("Nancy Davolio (Contact)"), "{calendar}");
    browser.close().await;
}

#[tokio::test]
async fn a_crm_calendar_is_read_only_by_its_organizer_those_it_is_shared_with_and_administrators() {
    for backend in backends() {
        calendar_reads(TestApp::builder().backend(backend).spawn().await).await;
    }
}

async fn calendar_reads(app: TestApp) {
    let path = "/api/crm/calendars/olga@contoso.com/events";
    app.post_as(
        ANN,
        "/api/items/save",
        &save(seeded_item(OLGA, OLGAS_REVIEW), &["demo-con-nancy"]),
        Some("crm-page-2"),
    )
    .await;
    let week: serde_json::Value = app
        .get_as(
            OLGA,
            &format!("{path}?from={}&to={}", day_text(-7), day_text(8)),
        )
        .await
        .json()
        .await
        .unwrap();
    let review = week["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["subject"] == "Northwind quarterly review")
        .cloned()
        .unwrap_or_else(|| panic!("{week}"));
    assert_eq!(review["savedBy"], ANN);
    assert_eq!(review["onBehalfOf"], OLGA);
    assert_eq!(review["records"][0]["name"], "Nancy Davolio");
    assert_eq!(app.get_as(OLGA, path).await.status(), StatusCode::OK);
    assert_eq!(app.get_as(ANN, path).await.status(), StatusCode::OK);
    // Otto has no share of Olga's CRM calendar; Fiona is in another tenant.
    assert_eq!(app.get_as(OTTO, path).await.status(), StatusCode::NOT_FOUND);
    let fiona = fiona(&app).await;
    let other = app
        .http
        .get(format!("{}{path}", app.url))
        .bearer_auth(&fiona)
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::NOT_FOUND);
    let calendars: serde_json::Value = app
        .get_as(OTTO, "/api/crm/calendars")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        calendars
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["mailbox"] != OLGA),
        "{calendars}"
    );
    for bad in [
        "?from=2026-13-01",
        "?from=2026-12-07&to=2026-12-01",
        "?from=2026-01-01&to=2026-12-31",
    ] {
        let res = app.get_as(OLGA, &format!("{path}{bad}")).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
}

/// Today plus `days`, as `YYYY-MM-DD` (UTC).
fn day_text(days: i64) -> String {
    liaison_server::clock::to_rfc3339(liaison_server::clock::now_ms() + days * 86_400_000)[..10]
        .to_owned()
}
