//! Who sees a record: unshared records and other tenants' ids are "not found" and nothing is
//! written; shares; a record's history by whose CRM calendar it is in; CRM calendar shares.

use liaison_e2e::TestApp;
use liaison_e2e::people::{ADELE, ANN, OLGA, OTTO, RITA, fiona, items, save, seeded_item};
use liaison_server::store::CountedTable;
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::{call, call_with, olgas_contact};

#[tokio::test]
async fn unshared_records_and_other_tenants_ids_are_not_found_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let id = olgas_contact(&app).await;
    let path = format!("/api/crm/records/{id}");
    let change = json!({ "name": "Mallory" });
    let fiona = fiona(&app).await;
    app.token(RITA).await; // her sign-in is audited before the count
    let audit_before = app.store.count_rows(CountedTable::AuditLog).await.unwrap();
    for (method, body, headers) in [
        (Method::GET, None, vec![]),
        (
            Method::PATCH,
            Some(change.clone()),
            vec![("if-match", "\"1\"")],
        ),
        (Method::DELETE, None, vec![]),
        (Method::POST, None, vec![]),
    ] {
        let target = if method == Method::POST {
            format!("{path}/restore")
        } else {
            path.clone()
        };
        let (status, body_rita, _) =
            call(&app, RITA, method.clone(), &target, body.clone(), &headers).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "Rita {method} {body_rita}");
        let (status, body_fiona, _) = call_with(
            &app,
            &fiona,
            method.clone(),
            &target,
            body.clone(),
            &headers,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "Fiona {method} {body_fiona}");
    }
    let (status, _, _) = call_with(
        &app,
        &fiona,
        Method::GET,
        &format!("{path}/events"),
        None,
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = call_with(
        &app,
        &fiona,
        Method::PUT,
        &format!("{path}/shares/fiona@fabrikam.com"),
        Some(json!({ "access": "edit" })),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.store.count_rows(CountedTable::AuditLog).await.unwrap(),
        audit_before
    );
    let (_, read, _) = call(&app, OLGA, Method::GET, &path, None, &[]).await;
    assert_eq!(
        (read["name"].clone(), read["version"].clone()),
        (json!("Ada Lovelace"), json!(1))
    );

    // Shared to view: Rita reads and finds it, may not change, share or delete it.
    let (status, shared, _) = call(
        &app,
        OLGA,
        Method::PUT,
        &format!("{path}/shares/{RITA}"),
        Some(json!({ "access": "view" })),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{shared}");
    assert_eq!(
        shared["shares"],
        json!([{ "mailbox": RITA, "access": "view" }])
    );
    let (status, seen, _) = call(&app, RITA, Method::GET, &path, None, &[]).await;
    assert_eq!(
        (status, &seen["access"], &seen["shares"]),
        (StatusCode::OK, &json!("view"), &json!([]))
    );
    let (_, found, _) = call(
        &app,
        RITA,
        Method::GET,
        "/api/crm/records?q=lovelace",
        None,
        &[],
    )
    .await;
    assert_eq!(found["records"][0]["id"], json!(id));
    let (status, body, _) = call(
        &app,
        RITA,
        Method::PATCH,
        &path,
        Some(change.clone()),
        &[("if-match", "\"1\"")],
    )
    .await;
    assert_eq!(
        (status, &body["code"]),
        (StatusCode::FORBIDDEN, &json!("crm_read_only"))
    );
    let (status, body, _) = call(&app, RITA, Method::DELETE, &path, None, &[]).await;
    assert_eq!(
        (status, &body["code"]),
        (StatusCode::FORBIDDEN, &json!("crm_no_access"))
    );
    let (status, _, _) = call(
        &app,
        RITA,
        Method::PUT,
        &format!("{path}/shares/{OTTO}"),
        Some(json!({ "access": "edit" })),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Shared to edit: she changes it; the share ended: not found again.
    call(
        &app,
        OLGA,
        Method::PUT,
        &format!("{path}/shares/{RITA}"),
        Some(json!({ "access": "edit" })),
        &[],
    )
    .await;
    let (status, body, _) = call(
        &app,
        RITA,
        Method::PATCH,
        &path,
        Some(change),
        &[("if-match", "\"1\"")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body, _) = call(
        &app,
        OLGA,
        Method::DELETE,
        &format!("{path}/shares/{RITA}"),
        None,
        &[],
    )
    .await;
    assert_eq!((status, &body["shares"]), (StatusCode::OK, &json!([])));
    let (status, _, _) = call(&app, RITA, Method::GET, &path, None, &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_records_history_shows_who_saved_each_meeting_on_whose_behalf() {
    let app = TestApp::spawn().await;
    let id = olgas_contact(&app).await;
    // Olga shares the contact with Ann, who saves Olga's meeting with it (Ann is Olga's Editor).
    call(
        &app,
        OLGA,
        Method::PUT,
        &format!("/api/crm/records/{id}/shares/{ANN}"),
        Some(json!({ "access": "view" })),
        &[],
    )
    .await;
    let res = app
        .post_as(
            ANN,
            "/api/items/save",
            &save(seeded_item(OLGA, items::ANNS_CALL_FOR_OLGA), &[&id]),
            None,
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    for reader in [OLGA, ANN] {
        let (status, history, _) = call(
            &app,
            reader,
            Method::GET,
            &format!("/api/crm/records/{id}/events"),
            None,
            &[],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{history}");
        let events = history["events"].as_array().unwrap();
        assert_eq!(events.len(), 1, "{history}");
        assert_eq!(events[0]["savedBy"], ANN);
        assert_eq!(events[0]["organizer"], OLGA);
        assert_eq!(events[0]["onBehalfOf"], OLGA);
    }
    // Otto sees no meeting of Olga's CRM calendar, even on a record shared with him.
    call(
        &app,
        OLGA,
        Method::PUT,
        &format!("/api/crm/records/{id}/shares/{OTTO}"),
        Some(json!({ "access": "view" })),
        &[],
    )
    .await;
    let (_, history, _) = call(
        &app,
        OTTO,
        Method::GET,
        &format!("/api/crm/records/{id}/events"),
        None,
        &[],
    )
    .await;
    assert_eq!(history["events"], json!([]));
    let (status, body, _) = call(
        &app,
        OLGA,
        Method::GET,
        &format!("/api/crm/records/{id}/events?limit=0"),
        None,
        &[],
    )
    .await;
    assert_eq!(
        (status, &body["field"]),
        (StatusCode::BAD_REQUEST, &json!("limit"))
    );
    let (status, body, _) = call(
        &app,
        OLGA,
        Method::GET,
        &format!("/api/crm/records/{id}/events?cursor=zzz"),
        None,
        &[],
    )
    .await;
    assert_eq!(
        (status, &body["field"]),
        (StatusCode::BAD_REQUEST, &json!("cursor"))
    );
}

#[tokio::test]
async fn an_organizer_shares_their_crm_calendar_and_only_administrators_name_another() {
    let app = TestApp::spawn().await;
    let (status, shares, _) = call(
        &app,
        OLGA,
        Method::PUT,
        &format!("/api/crm/calendar-shares/{OTTO}"),
        Some(json!({ "access": "view" })),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{shares}");
    assert_eq!(shares["organizer"], OLGA);
    assert!(
        shares["shares"]
            .as_array()
            .unwrap()
            .contains(&json!({ "mailbox": OTTO, "access": "view" }))
    );
    let (status, body, _) = call(
        &app,
        OTTO,
        Method::PUT,
        &format!("/api/crm/calendar-shares/{OTTO}?organizer={OLGA}"),
        Some(json!({ "access": "edit" })),
        &[],
    )
    .await;
    assert_eq!(
        (status, &body["code"]),
        (StatusCode::FORBIDDEN, &json!("admin_required"))
    );
    let (status, shares, _) = call(
        &app,
        ADELE,
        Method::DELETE,
        &format!("/api/crm/calendar-shares/{OTTO}?organizer={OLGA}"),
        None,
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{shares}");
    assert!(!shares["shares"].to_string().contains(OTTO));
    let (status, body, _) = call(
        &app,
        OLGA,
        Method::PUT,
        "/api/crm/calendar-shares/nobody@contoso.com",
        Some(json!({ "access": "view" })),
        &[],
    )
    .await;
    assert_eq!(
        (status, &body["field"]),
        (StatusCode::NOT_FOUND, &json!("mailbox"))
    );
    let (status, body, _) = call(
        &app,
        OLGA,
        Method::PUT,
        &format!("/api/crm/calendar-shares/{OTTO}"),
        Some(json!({ "access": "admin" })),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}
