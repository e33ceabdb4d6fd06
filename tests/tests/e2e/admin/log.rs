//! The audit log's filters, paging and exports; the diagnostic on a real delegate and item;
//! what deploying takes.

use liaison_domain::api::AuditPage;
use liaison_domain::permissions::Level;
use liaison_e2e::TestApp;
use liaison_e2e::people::items::OLGAS_REVIEW;
use liaison_e2e::people::{ADELE, ANN, OLGA, RITA, save, seeded_item};
use liaison_e2e::test_db::backends;
use reqwest::Method;

use super::call;

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
