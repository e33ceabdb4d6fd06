//! Idempotent saves over real HTTP, on every store backend: the same key and body replay the
//! first answer byte for byte, another body with the key is refused, and concurrent identical
//! saves are carried out once.

use liaison_domain::api::ErrorCode;
use liaison_e2e::people::items::OLGAS_REVIEW;
use liaison_e2e::people::{ANN, OLGA, new_meeting, save, seeded_item};
use liaison_e2e::test_db::backends;
use liaison_e2e::{TestApp, error_body as error};
use liaison_server::store::CountedTable;
use serde_json::Value;

async fn events(app: &TestApp) -> i64 {
    app.crm_event_count().await
}

#[tokio::test]
async fn the_same_key_and_body_replay_the_first_answer_and_another_body_is_refused() {
    for backend in backends() {
        let app = TestApp::builder().backend(backend).spawn().await;
        let body = save(seeded_item(OLGA, OLGAS_REVIEW), &["demo-con-nancy"]);

        let first = app
            .post_as(ANN, "/api/items/save", &body, Some("key-1"))
            .await;
        let first = (first.status(), first.text().await.unwrap());
        let again = app
            .post_as(ANN, "/api/items/save", &body, Some("key-1"))
            .await;
        let again = (again.status(), again.text().await.unwrap());
        let other = save(seeded_item(OLGA, OLGAS_REVIEW), &["demo-con-andrew"]);
        let reused = app
            .post_as(ANN, "/api/items/save", &other, Some("key-1"))
            .await;

        assert_eq!(first.0, 200);
        assert_eq!(
            again, first,
            "the replay is the first answer, byte for byte"
        );
        let (status, error) = error(reused).await;
        assert_eq!(status, 422);
        assert_eq!(error.code, ErrorCode::IdempotencyKeyReused);
        assert_eq!(events(&app).await, 1);
        let audit = app.store.audit_log(&app.tenant_id(), 10).await.unwrap();
        let saves = audit
            .iter()
            .filter(|a| !a.action.starts_with("sign_in"))
            .count();
        assert_eq!(saves, 1, "a replay does not act again");
    }
}

#[tokio::test]
async fn concurrent_identical_saves_make_one_crm_event() {
    for backend in backends() {
        let app = TestApp::builder().backend(backend).spawn().await;
        let body = save(
            new_meeting(&app, "A race"),
            &["demo-con-nancy", "demo-acc-northwind"],
        );

        let (with_key, without_key) = tokio::join!(
            futures(&app, &body, Some("same-key"), 5),
            futures(&app, &body, None, 5),
        );

        for status in with_key.iter().chain(&without_key) {
            assert_eq!(*status, 200);
        }
        assert_eq!(events(&app).await, 1);
        assert_eq!(
            app.store
                .count_rows(CountedTable::CrmEventRecords)
                .await
                .unwrap(),
            2
        );
        // The five with one key were carried out once (the others replayed its answer); the
        // five without a key each once: six saves, not ten — the key, not only the unique
        // event, makes a retry harmless.
        let saves = app
            .store
            .audit_log(&app.tenant_id(), 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|line| line.action == "items.save")
            .count();
        assert_eq!(saves, 6);
    }
}

/// `n` identical saves by Ann, all in flight at once; their statuses.
async fn futures(app: &TestApp, body: &Value, key: Option<&str>, n: usize) -> Vec<u16> {
    let token = app.token(ANN).await;
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let mut request = app
                .http
                .post(format!("{}/api/items/save", app.url))
                .bearer_auth(&token)
                .json(body);
            if let Some(key) = key {
                request = request.header("idempotency-key", key);
            }
            tokio::spawn(async move { request.send().await.map(|r| r.status().as_u16()) })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap().unwrap());
    }
    statuses
}
