//! The change feed: every record and CRM event created, updated or deleted, in commit order,
//! resumable from a cursor — after the server's store is opened again, nothing missed and
//! nothing repeated — for administrators only.

use liaison_e2e::TestApp;
use liaison_e2e::people::items::OLGAS_REVIEW;
use liaison_e2e::people::{ADELE, OLGA, save, seeded_item};
use liaison_e2e::test_db::backends;
use liaison_server::store;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{ada, call};

async fn page(app: &TestApp, after: &str, limit: u32) -> Value {
    let (status, page, _) = call(
        app,
        ADELE,
        Method::GET,
        &format!("/api/crm/changes?after={after}&limit={limit}"),
        None,
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page
}

fn lines(page: &Value) -> Vec<String> {
    page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{} {} {}",
                c["entity"].as_str().unwrap(),
                c["change"].as_str().unwrap(),
                c["id"].as_str().unwrap()
            )
        })
        .collect()
}

#[tokio::test]
async fn the_change_feed_gives_every_change_once_in_order_and_resumes_from_a_cursor() {
    for backend in backends() {
        let app = TestApp::builder().backend(backend).spawn().await;
        let start = page(&app, "", 1000).await["cursor"]
            .as_str()
            .unwrap()
            .to_owned();

        let (_, created, _) = call(
            &app,
            OLGA,
            Method::POST,
            "/api/crm/records",
            Some(ada()),
            &[],
        )
        .await;
        let id = created["id"].as_str().unwrap().to_owned();
        let path = format!("/api/crm/records/{id}");
        call(
            &app,
            OLGA,
            Method::PATCH,
            &path,
            Some(json!({ "name": "Ada King" })),
            &[("if-match", "\"1\"")],
        )
        .await;
        let saved: Value = app
            .post_as(
                OLGA,
                "/api/items/save",
                &save(seeded_item(OLGA, OLGAS_REVIEW), &[&id]),
                None,
            )
            .await
            .json()
            .await
            .unwrap();
        let event_id = saved["crmEvent"]["id"].as_str().unwrap().to_owned();
        let (status, _, _) = call(&app, OLGA, Method::DELETE, &path, None, &[]).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let expected = [
            format!("record created {id}"),
            format!("record updated {id}"),
            format!("event created {event_id}"),
            format!("record deleted {id}"),
        ];

        // Two at a time from the cursor, then the store opened again (as after a restart):
        // the rest, nothing repeated.
        // (Only this test's record and event: a sync session may write other events meanwhile.)
        let ours = |lines: Vec<String>| -> Vec<String> {
            lines
                .into_iter()
                .filter(|l| l.ends_with(&id) || l.ends_with(&event_id))
                .collect()
        };
        let all = page(&app, &start, 1000).await;
        assert_eq!(ours(lines(&all)), expected);
        // The cursor of the second of ours: what a reader that stopped there holds.
        let second = all["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["change"] == "updated" && c["id"] == json!(id))
            .unwrap();
        let cursor: i64 = second["cursor"].as_str().unwrap().parse().unwrap();
        let reopened = store::connect(app.database_url()).await.unwrap();
        let rest = reopened
            .changes_after(&app.tenant_id(), cursor, 100)
            .await
            .unwrap();
        let rest: Vec<String> = rest
            .iter()
            .map(|c| format!("{} {} {}", c.entity, c.change, c.entity_id))
            .collect();
        assert_eq!(ours(rest), expected[2..]);
        let again = page(&app, &cursor.to_string(), 100).await;
        assert_eq!(ours(lines(&again)), expected[2..]);
        let done = page(&app, again["cursor"].as_str().unwrap(), 100).await;
        assert_eq!(done["changes"], json!([]), "nothing after the last");

        // Administrators only; a cursor the feed did not give is named.
        let (status, body, _) = call(&app, OLGA, Method::GET, "/api/crm/changes", None, &[]).await;
        assert_eq!(
            (status, &body["code"]),
            (StatusCode::FORBIDDEN, &json!("admin_required"))
        );
        let (status, body, _) = call(
            &app,
            ADELE,
            Method::GET,
            "/api/crm/changes?after=soon",
            None,
            &[],
        )
        .await;
        assert_eq!(
            (status, &body["field"]),
            (StatusCode::BAD_REQUEST, &json!("after"))
        );
    }
}
