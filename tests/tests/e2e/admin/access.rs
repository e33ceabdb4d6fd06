//! Who may call the administrators' API — every route, not one — and the console's cookie
//! session (its sign-in by redirect, its CSRF defence); bad input named, nothing written.

use liaison_domain::api::{ConsoleUser, ErrorBody, ErrorCode, OrgSettings};
use liaison_e2e::people::{ADELE, ANN};
use liaison_e2e::redirects::{browser, location, public, through_simulator};
use liaison_e2e::{TestApp, error_body};
use liaison_server::store::CountedTable;
use reqwest::Method;
use serde_json::json;

use super::{admin_routes, call};

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
