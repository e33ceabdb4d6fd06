//! CSV import and export (administrators): a dry run reports every bad row and writes nothing;
//! a real run writes the valid rows only and reports the others; a re-import updates by
//! external id (or Liaison's id) instead of duplicating; an export imports back unchanged. On both stores.

use liaison_e2e::TestApp;
use liaison_e2e::people::{ADELE, OLGA};
use liaison_e2e::test_db::backends;
use liaison_server::store::{AuditFilter, CountedTable};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::call;

async fn import(app: &TestApp, who: &str, query: &str, csv: &str) -> (StatusCode, Value) {
    let res = app
        .http
        .post(format!("{}/api/admin/crm/import?{query}", app.url))
        .bearer_auth(app.token(who).await)
        .header("content-type", "text/csv")
        .body(csv.to_owned())
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn export(app: &TestApp, query: &str) -> String {
    let res = app
        .http
        .get(format!("{}/api/admin/crm/export?{query}", app.url))
        .bearer_auth(app.token(ADELE).await)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    res.text().await.unwrap()
}

async fn records(app: &TestApp) -> i64 {
    app.store
        .count_rows(CountedTable::CrmRecords)
        .await
        .unwrap()
}

/// Three good contacts and three bad rows (lines 3, 5 and 7).
const CONTACTS: &str = "External ID,Full Name,E-mail,Phone,Account Id,Notes\r\n\
C-1,Ada Lovelace,ada@analytical.example,+44 20 7946 0000,demo-acc-northwind,first\r\n\
C-2,,nobody@example.org,,,no name\r\n\
C-3,Charles Babbage,charles@analytical.example;cb@example.org,,,\r\n\
C-4,Bad Mail,not-an-address,,,\r\n\
C-5,\"Grace Hopper, RADM\",grace@navy.example,,,\r\n\
C-6,No Account,x@example.org,,no-such-account,\r\n";

#[tokio::test]
async fn an_import_writes_its_valid_rows_reports_the_others_and_a_reimport_updates() {
    for backend in backends() {
        let app = TestApp::builder().backend(backend).spawn().await;
        let before = records(&app).await;

        let (status, dry) = import(&app, ADELE, "kind=contact&dryRun=true", CONTACTS).await;
        assert_eq!(status, StatusCode::OK, "{dry}");
        assert_eq!(
            (
                dry["rows"].clone(),
                dry["created"].clone(),
                dry["rejected"].clone()
            ),
            (json!(6), json!(3), json!(3)),
            "{dry}"
        );
        let errors: Vec<(u64, &str)> = dry["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["line"].as_u64().unwrap(), e["field"].as_str().unwrap()))
            .collect();
        assert_eq!(
            errors,
            [(3, "name"), (5, "emails.0"), (7, "accountId")],
            "{dry}"
        );
        assert_eq!(dry["ignoredColumns"], json!(["Notes"]));
        assert_eq!(records(&app).await, before, "a dry run writes nothing");

        let (status, done) = import(&app, ADELE, "kind=contact", CONTACTS).await;
        assert_eq!(status, StatusCode::OK, "{done}");
        assert_eq!(
            (done["created"].clone(), done["rejected"].clone()),
            (json!(3), json!(3))
        );
        assert_eq!(records(&app).await, before + 3, "only the valid rows");
        let (_, found) = {
            let (s, b, _) = call(
                &app,
                ADELE,
                Method::GET,
                "/api/crm/records?q=grace",
                None,
                &[],
            )
            .await;
            (s, b)
        };
        assert_eq!(found["records"][0]["name"], "Grace Hopper, RADM");

        // Again, with one row changed and a column left out: updated, not duplicated; the
        // column not in the file keeps its value.
        let again = "External ID,Full Name,E-mail\r\n\
C-1,Ada King,ada@analytical.example\r\n\
C-3,Charles Babbage,charles@analytical.example\r\n";
        let (status, report) = import(&app, ADELE, "kind=contact", again).await;
        assert_eq!(status, StatusCode::OK, "{report}");
        assert_eq!(
            (report["created"].clone(), report["updated"].clone()),
            (json!(0), json!(2))
        );
        assert_eq!(records(&app).await, before + 3);
        let csv = export(&app, "kind=contact").await;
        let ada = csv.lines().find(|l| l.contains("C-1")).unwrap();
        assert!(
            ada.contains("Ada King")
                && ada.contains("'+44 20 7946 0000")
                && ada.contains("demo-acc-northwind"),
            "{ada}"
        );
        let charles = csv.lines().find(|l| l.contains("C-3")).unwrap();
        assert!(
            !charles.contains("cb@example.org"),
            "the addresses are the file's: {charles}"
        );

        // The export imports back: every record updated, none created, none refused.
        let (status, back) = import(&app, ADELE, "kind=contact", &csv).await;
        assert_eq!(status, StatusCode::OK, "{back}");
        assert_eq!(back["rejected"], 0, "{back}");
        // Each line names its record by Liaison's id: all updated, none created.
        let exported = csv.lines().count() as u64 - 1;
        assert_eq!(
            (back["created"].clone(), back["updated"].clone()),
            (json!(0), json!(exported)),
            "{back}"
        );
        assert_eq!(records(&app).await, before + 3);
        let reexported = export(&app, "kind=contact").await;
        let ada_again = reexported.lines().find(|l| l.contains("C-1")).unwrap();
        assert!(ada_again.contains("'+44 20 7946 0000"), "{ada_again}");

        let filter = AuditFilter {
            action: Some("crm.record.import".into()),
            ..AuditFilter::default()
        };
        let lines = app
            .store
            .audit_lines(&app.tenant_id(), &filter, None, 100)
            .await
            .unwrap();
        assert!(
            lines.len() >= 3,
            "each batch written has its audit line: {lines:?}"
        );
    }
}

#[tokio::test]
async fn imports_are_for_administrators_and_bad_requests_name_their_field() {
    let app = TestApp::spawn().await;
    let before = records(&app).await;
    let (status, body) = import(&app, OLGA, "kind=contact", CONTACTS).await;
    assert_eq!(
        (status, &body["code"]),
        (StatusCode::FORBIDDEN, &json!("admin_required"))
    );
    for (query, csv, field) in [
        ("", CONTACTS, "kind"),
        ("kind=ship", CONTACTS, "kind"),
        ("kind=contact&dryRun=maybe", CONTACTS, "dryRun"),
        ("kind=contact&mapping=%5B1%5D", CONTACTS, "mapping"),
        (
            "kind=contact&mapping=%7B%22Full%20Name%22%3A%22colour%22%7D",
            CONTACTS,
            "mapping",
        ),
        (
            "kind=contact&mapping=%7B%22Nope%22%3A%22name%22%7D",
            CONTACTS,
            "mapping",
        ),
        ("kind=contact", "Id,Mail\r\n1,a@b.example\r\n", "mapping"),
    ] {
        let (status, body) = import(&app, ADELE, query, csv).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(body["field"], field, "{query}: {body}");
    }
    // A Liaison id names an existing record; an unknown one is refused, never created.
    let (status, body) = import(&app, ADELE, "kind=contact", "id,name\r\nno-such-id,X\r\n").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["rejected"].clone(), body["errors"][0]["field"].clone()),
        (json!(1), json!("id"))
    );
    // A column mapped by hand.
    let (status, body) = import(
        &app,
        ADELE,
        "kind=lead&mapping=%7B%22Who%22%3A%22name%22%7D",
        "Who,Company,Status\r\nLinus,Example Corp,working\r\n",
    )
    .await;
    assert_eq!(
        (status, body["created"].clone()),
        (StatusCode::OK, json!(1)),
        "{body}"
    );
    let res = app
        .http
        .post(format!("{}/api/admin/crm/import?kind=contact", app.url))
        .bearer_auth(app.token(ADELE).await)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(records(&app).await, before + 1);
}
