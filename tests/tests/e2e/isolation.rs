//! Tenant isolation and object references on every route that names something: a signed-in
//! person of another tenant who names Contoso's mailboxes, items, records or CRM events learns
//! nothing (`404 not_found`, the same answer as for what does not exist) and changes nothing
//! (saves and records on every store backend).

use liaison_domain::api::{ErrorBody, ErrorCode, RecordKind, RecordPage, SaveItemResponse};
use liaison_e2e::people::items::OLGAS_REVIEW;
use liaison_e2e::people::{ANN, FABRIKAM, FIONA_ID, OLGA, fiona, item, save, seeded};
use liaison_e2e::test_db::backends;
use liaison_e2e::{TestApp, error_body};
use liaison_server::store::{CountedTable, NewRecord, TenantId, UserId};
use serde_json::json;

async fn counts(app: &TestApp) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in [
        CountedTable::CrmEvents,
        CountedTable::CrmEventRecords,
        CountedTable::SaveOutbox,
    ] {
        counts.push(app.store.count_rows(table).await.unwrap());
    }
    counts
}

#[tokio::test]
async fn another_tenants_person_naming_contosos_items_and_events_gets_404_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let review = item(OLGA, &seeded(OLGAS_REVIEW));
    // Ann saves Olga's review: a CRM event exists, linked to the item.
    let saved: SaveItemResponse = app
        .post_as(ANN, "/api/items/save", &save(review.clone(), &[]), None)
        .await
        .json()
        .await
        .unwrap();
    let event_id = saved.crm_event.expect("a CRM event").id;
    let token = fiona(&app).await;
    let before = counts(&app).await;

    let post = |path: &'static str, body: serde_json::Value| {
        let (app, token) = (&app, &token);
        async move {
            app.http
                .post(format!("{}{path}", app.url))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let probes = [
        ("context", post("/api/items/context", review.clone()).await),
        (
            "save",
            post("/api/items/save", save(review.clone(), &[])).await,
        ),
        (
            "unlink",
            post("/api/items/unlink", json!({ "item": review.clone() })).await,
        ),
        (
            "categorize",
            post("/api/items/categorize", review.clone()).await,
        ),
        (
            "status",
            app.http
                .get(format!("{}/api/items/status", app.url))
                .query(&[("owner", OLGA), ("itemId", &seeded(OLGAS_REVIEW))])
                .bearer_auth(&token)
                .send()
                .await
                .unwrap(),
        ),
        (
            "delete event",
            app.http
                .delete(format!("{}/api/crm/events/{event_id}", app.url))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap(),
        ),
    ];
    for (probe, res) in probes {
        let status = res.status().as_u16();
        let body: ErrorBody = res.json().await.unwrap_or_else(|e| panic!("{probe}: {e}"));
        assert_eq!((probe, status), (probe, 404), "{probe}: {body:?}");
        assert_eq!(body.code, ErrorCode::NotFound, "{probe}");
        assert!(
            !body.message.contains("Olga") && !body.message.contains("review"),
            "{probe} names nothing of Contoso's: {}",
            body.message
        );
    }
    assert_eq!(counts(&app).await, before, "nothing changed");
    let context: serde_json::Value = app
        .post_as(ANN, "/api/items/context", &review, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        context["crmEvent"]["id"], event_id,
        "the event is still there for those who may see it"
    );
}

#[tokio::test]
async fn another_tenants_mailboxes_and_records_answer_404_and_change_nothing() {
    for backend in backends() {
        let app = TestApp::builder().backend(backend).spawn().await;
        // Fabrikam: a tenant of its own, with a record of its own.
        let fiona = fiona(&app).await;
        app.store
            .insert_record(
                &TenantId::new(FABRIKAM),
                &NewRecord {
                    id: "fab-secret".into(),
                    kind: RecordKind::Account,
                    name: "Fabrikam secret account".into(),
                    email: None,
                    company: None,
                    owner_id: UserId::new(FIONA_ID),
                },
            )
            .await
            .unwrap();
        let before = (
            app.crm_event_count().await,
            app.store
                .count_rows(CountedTable::CrmEventRecords)
                .await
                .unwrap(),
        );

        // Fiona (Fabrikam) names Contoso's Olga; Ann (Contoso) names Fabrikam's record.
        let cross_owner = app
            .http
            .post(format!("{}/api/items/save", app.url))
            .bearer_auth(&fiona)
            .json(&save(item(OLGA, &seeded(OLGAS_REVIEW)), &[]))
            .send()
            .await
            .unwrap();
        let cross_record = app
            .post_as(
                ANN,
                "/api/items/save",
                &save(item(OLGA, &seeded(OLGAS_REVIEW)), &["fab-secret"]),
                None,
            )
            .await;
        let unknown_record = app
            .post_as(
                ANN,
                "/api/items/save",
                &save(item(OLGA, &seeded(OLGAS_REVIEW)), &["no-such-id"]),
                None,
            )
            .await;
        let search = app.get_as(ANN, "/api/crm/records?q=fabrikam").await;

        for res in [cross_owner, cross_record, unknown_record] {
            let (status, error) = error_body(res).await;
            assert_eq!(status, 404);
            assert_eq!(error.code, ErrorCode::NotFound);
        }
        let page: RecordPage = search.json().await.unwrap();
        assert!(page.records.iter().all(|r| r.id != "fab-secret"));
        let after = (
            app.crm_event_count().await,
            app.store
                .count_rows(CountedTable::CrmEventRecords)
                .await
                .unwrap(),
        );
        assert_eq!(before, after);
        let fabrikam_audit = app
            .store
            .audit_log(&TenantId::new(FABRIKAM), 10)
            .await
            .unwrap();
        assert_eq!(
            fabrikam_audit.len(),
            1,
            "Fiona's attempt is audited in her own tenant"
        );
        assert!(!fabrikam_audit[0].allowed());
        let contoso_audit = app.store.audit_log(&app.tenant_id(), 10).await.unwrap();
        assert_eq!(contoso_audit.iter().filter(|l| !l.allowed()).count(), 2);
    }
}
