//! The add-in manifest against Microsoft's official schemas, as shipped and as served.

use liaison_e2e::{TestApp, validate_manifest};

#[test]
fn the_shipped_manifest_validates_against_the_official_schemas() {
    let xml =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../manifest.xml")).unwrap();
    validate_manifest(&xml).unwrap();
}

#[test]
fn a_manifest_with_a_schema_error_is_refused() {
    let xml = liaison_server::manifest::TEMPLATE.replace(
        "<Permissions>ReadWriteMailbox</Permissions>",
        "<Permissions>Everything</Permissions>",
    );
    let error = validate_manifest(&xml).unwrap_err();
    assert!(error.contains("Permissions"), "{error}");
}

#[tokio::test]
async fn the_served_manifest_validates_and_points_at_the_server() {
    let app = TestApp::spawn().await;

    let res = app.get("/manifest.xml").await;

    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/xml")
    );
    let xml = res.text().await.unwrap();
    validate_manifest(&xml).unwrap();
    let port = app.url.rsplit(':').next().unwrap();
    assert!(xml.contains(&format!("http://localhost:{port}/taskpane.html")));
    assert!(!xml.contains(liaison_server::manifest::TEMPLATE_ORIGIN));
}

#[test]
fn a_manifest_rendered_for_a_public_url_validates() {
    let url = "https://liaison.contoso.com".parse().unwrap();
    let xml = liaison_server::manifest::render(&url);
    validate_manifest(&xml).unwrap();
    assert!(xml.contains("https://liaison.contoso.com/assets/icon-16.png"));
}
