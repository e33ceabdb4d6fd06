//! The CRM records API through the real server (issue 27): a record created under an
//! idempotency key, read with its version, changed only at the version read, deleted softly and
//! restored by an administrator; bad input named and nothing written; records nobody shared,
//! and other tenants' ids, "not found" with nothing written; shares; a record's history; the
//! CRM calendar shares. On SQLite and (when `TEST_DATABASE_URL` is set) PostgreSQL.

use liaison_e2e::TestApp;
use liaison_e2e::people::{ADELE, ANN, OLGA};
use liaison_e2e::test_db::backends;
use liaison_server::store::{AuditFilter, CountedTable};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Sends `body` (if any) to `path` as `mailbox`, with extra headers; the status and the JSON.
pub(super) async fn call(
    app: &TestApp,
    mailbox: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> (StatusCode, Value, reqwest::header::HeaderMap) {
    let token = app.token(mailbox).await;
    call_with(app, &token, method, path, body, headers).await
}

pub(super) async fn call_with(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> (StatusCode, Value, reqwest::header::HeaderMap) {
    let mut request = app
        .http
        .request(method, format!("{}{path}", app.url))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let res = request.send().await.expect("the server answers");
    let status = res.status();
    let headers = res.headers().clone();
    let text = res.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::Null),
        headers,
    )
}

async fn records(app: &TestApp) -> i64 {
    app.store
        .count_rows(CountedTable::CrmRecords)
        .await
        .unwrap()
}

pub(super) fn ada() -> Value {
    json!({
        "kind": "contact",
        "name": "Ada Lovelace",
        "emails": ["Ada@Analytical.example", "ada.l@example.org"],
        "phone": "+44 20 7946 0000",
        "accountId": "demo-acc-northwind"
    })
}

/// Olga's new contact: its id.
pub(super) async fn olgas_contact(app: &TestApp) -> String {
    let (status, body, _) = call(
        app,
        OLGA,
        Method::POST,
        "/api/crm/records",
        Some(ada()),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_record_is_created_once_changed_at_its_version_deleted_softly_and_restored() {
    for backend in backends() {
        let app = TestApp::builder().backend(backend).spawn().await;
        let before = records(&app).await;
        let key = [("idempotency-key", "create-ada-1")];
        let (status, created, headers) = call(
            &app,
            ANN,
            Method::POST,
            "/api/crm/records",
            Some(ada()),
            &key,
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        assert_eq!(created["version"], 1);
        assert_eq!(
            created["emails"],
            json!(["ada@analytical.example", "ada.l@example.org"])
        );
        assert_eq!(created["owner"]["mailbox"], ANN);
        assert_eq!(created["access"], "edit");
        assert_eq!(headers["etag"], "\"1\"");
        let id = created["id"].as_str().unwrap().to_owned();
        assert_eq!(
            headers["location"],
            format!("/api/crm/records/{id}").as_str()
        );

        // The same key and body: the first answer, nothing new. Another body: refused.
        let (status, replayed, _) = call(
            &app,
            ANN,
            Method::POST,
            "/api/crm/records",
            Some(ada()),
            &key,
        )
        .await;
        assert_eq!((status, &replayed), (StatusCode::CREATED, &created));
        let other = json!({ "kind": "lead", "name": "Someone else" });
        let (status, body, _) = call(
            &app,
            ANN,
            Method::POST,
            "/api/crm/records",
            Some(other),
            &key,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["code"], "idempotency_key_reused");
        assert_eq!(records(&app).await, before + 1);

        // A change names the version it read; a stale one changes nothing.
        let path = format!("/api/crm/records/{id}");
        let change = json!({ "phone": "", "company": "Analytical Engines" });
        let (status, body, _) =
            call(&app, ANN, Method::PATCH, &path, Some(change.clone()), &[]).await;
        assert_eq!(status, StatusCode::PRECONDITION_REQUIRED, "{body}");
        assert_eq!(body["code"], "precondition_required");
        let (status, changed, headers) = call(
            &app,
            ANN,
            Method::PATCH,
            &path,
            Some(change.clone()),
            &[("if-match", "\"1\"")],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{changed}");
        assert_eq!(changed["version"], 2);
        assert_eq!(headers["etag"], "\"2\"");
        assert!(
            changed.get("phone").is_none(),
            "an empty string clears: {changed}"
        );
        assert_eq!(changed["company"], "Analytical Engines");
        let stale = json!({ "name": "Ada King" });
        let (status, body, _) = call(
            &app,
            ANN,
            Method::PATCH,
            &path,
            Some(stale),
            &[("if-match", "\"1\"")],
        )
        .await;
        assert_eq!(status, StatusCode::PRECONDITION_FAILED, "{body}");
        assert_eq!(body["code"], "precondition_failed");
        let (_, read, _) = call(&app, ANN, Method::GET, &path, None, &[]).await;
        assert_eq!(
            read["name"], "Ada Lovelace",
            "the stale change wrote nothing"
        );
        assert_eq!(read["version"], 2);

        // Deleted: gone for its owner; an administrator sees it and restores it.
        let (status, _, _) = call(
            &app,
            ANN,
            Method::DELETE,
            &path,
            None,
            &[("if-match", "\"1\"")],
        )
        .await;
        assert_eq!(status, StatusCode::PRECONDITION_FAILED);
        let (status, _, _) = call(
            &app,
            ANN,
            Method::DELETE,
            &path,
            None,
            &[("if-match", "\"2\"")],
        )
        .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _, _) = call(&app, ANN, Method::GET, &path, None, &[]).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (_, found, _) = call(&app, ANN, Method::GET, "/api/crm/records?q=ada", None, &[]).await;
        assert_eq!(
            found["records"],
            json!([]),
            "search leaves deleted records out"
        );
        let (status, body, _) = call(
            &app,
            ANN,
            Method::POST,
            &format!("{path}/restore"),
            None,
            &[],
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        let (status, seen, _) = call(&app, ADELE, Method::GET, &path, None, &[]).await;
        assert_eq!((status, &seen["deleted"]), (StatusCode::OK, &json!(true)));
        let (status, restored, _) = call(
            &app,
            ADELE,
            Method::POST,
            &format!("{path}/restore"),
            None,
            &[],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{restored}");
        assert_eq!(
            (restored["deleted"].clone(), restored["version"].clone()),
            (json!(false), json!(4))
        );
        let (status, _, _) = call(&app, ANN, Method::GET, &path, None, &[]).await;
        assert_eq!(status, StatusCode::OK);
        let (_, found, _) = call(&app, ANN, Method::GET, "/api/crm/records?q=ada", None, &[]).await;
        assert_eq!(
            found["records"][0]["id"],
            json!(id),
            "a restored record is found again"
        );

        // Every write has its audit line.
        let filter = AuditFilter {
            target: Some(id.clone()),
            ..AuditFilter::default()
        };
        let lines = app
            .store
            .audit_lines(&app.tenant_id(), &filter, None, 100)
            .await
            .unwrap();
        let actions: Vec<&str> = lines.iter().map(|l| l.action.as_str()).collect();
        for action in [
            "crm.record.create",
            "crm.record.update",
            "crm.record.delete",
            "crm.record.restore",
        ] {
            assert!(actions.contains(&action), "{action} in {actions:?}");
        }
    }
}

#[tokio::test]
async fn bad_input_names_its_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let before = records(&app).await;
    let cases = [
        (json!({ "name": "No kind" }), "kind"),
        (json!({ "kind": "contact", "name": "" }), "name"),
        (
            json!({ "kind": "contact", "name": "A", "emails": ["nope"] }),
            "emails.0",
        ),
        (
            json!({ "kind": "contact", "name": "A", "domain": "a.example" }),
            "domain",
        ),
        (
            json!({ "kind": "opportunity", "name": "A", "amount": "1,5", "currency": "EUR" }),
            "amount",
        ),
        (
            json!({ "kind": "opportunity", "name": "A", "amount": "10" }),
            "currency",
        ),
        (
            json!({ "kind": "opportunity", "name": "A", "closeDate": "2026-13-01" }),
            "closeDate",
        ),
        (
            json!({ "kind": "contact", "name": "A", "accountId": "no-such-account" }),
            "accountId",
        ),
        (
            json!({ "kind": "contact", "name": "A", "accountId": "demo-con-ada" }),
            "accountId",
        ),
        (
            json!({ "kind": "contact", "name": "A", "favouriteColour": "red" }),
            "favouriteColour",
        ),
        (json!({ "kind": "ship", "name": "A" }), "kind"),
    ];
    for (body, field) in cases {
        let (status, answer, _) = call(
            &app,
            OLGA,
            Method::POST,
            "/api/crm/records",
            Some(body.clone()),
            &[],
        )
        .await;
        assert!(
            status == StatusCode::BAD_REQUEST || status == StatusCode::NOT_FOUND,
            "{body}: {status} {answer}"
        );
        assert_eq!(answer["field"], field, "{body}: {answer}");
    }
    let (status, answer, _) = call(
        &app,
        OLGA,
        Method::POST,
        "/api/crm/records",
        Some(ada()),
        &[("idempotency-key", "")],
    )
    .await;
    assert_eq!(
        (status, &answer["field"]),
        (StatusCode::BAD_REQUEST, &json!("Idempotency-Key"))
    );
    let id = olgas_contact(&app).await;
    let path = format!("/api/crm/records/{id}");
    for (body, if_match, field) in [
        (json!({ "kind": "lead" }), "\"1\"", "kind"),
        (
            json!({ "emails": ["a@b.example", 3] }),
            "\"1\"",
            "emails[1]",
        ),
        (json!({ "name": "A" }), "yesterday", "If-Match"),
    ] {
        let (status, answer, _) = call(
            &app,
            OLGA,
            Method::PATCH,
            &path,
            Some(body.clone()),
            &[("if-match", if_match)],
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert!(
            answer["field"]
                .as_str()
                .unwrap_or_default()
                .starts_with(field.split('[').next().unwrap()),
            "{body}: {answer}"
        );
    }
    let (_, read, _) = call(&app, OLGA, Method::GET, &path, None, &[]).await;
    assert_eq!(read["version"], 1, "no bad change was written");
    assert_eq!(records(&app).await, before + 1);
}

mod changes;
mod import;
mod linking;
mod sharing;
mod webhooks;

/// An installation upgraded to the search's words index (migration 0020) finds its records:
/// the server fills the index after migrating — once: then it is marked done (0024), and a
/// start does not look for records without words again.
#[tokio::test]
async fn records_written_before_the_words_index_are_found_after_migrating() {
    for backend in backends() {
        let app = TestApp::builder().backend(backend).spawn().await;
        let url = app.database_url().expose().to_owned();
        let run = |statement: &'static str| {
            let url = url.clone();
            async move {
                if url.starts_with("postgres") {
                    let pool = sqlx::PgPool::connect(&url).await.unwrap();
                    sqlx::query(statement).execute(&pool).await.unwrap();
                } else {
                    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
                    sqlx::query(statement).execute(&pool).await.unwrap();
                }
            }
        };
        let nancy = || async {
            let (_, found, _) = call(
                &app,
                OLGA,
                Method::GET,
                "/api/crm/records?q=nancy",
                None,
                &[],
            )
            .await;
            found["records"].clone()
        };
        // Words lost after the backfill was done: a start does not look again.
        run("DELETE FROM crm_record_words").await;
        app.store.migrate().await.unwrap();
        assert_eq!(nancy().await, json!([]), "no words, no match");
        // The index as a database migrated before 0020 holds it: empty, and no backfill done.
        run("DELETE FROM store_upkeep").await;
        app.store.migrate().await.unwrap();
        assert_eq!(nancy().await[0]["id"], "demo-con-nancy");
    }
}
