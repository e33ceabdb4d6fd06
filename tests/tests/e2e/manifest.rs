//! The add-in manifest against Microsoft's official schemas, as shipped and as served.

use liaison_e2e::{TestApp, validate_manifest};

#[test]
fn the_shipped_manifest_validates_against_the_official_schemas() {
    let xml =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../manifest.xml")).unwrap();
    validate_manifest(&xml).unwrap();
}

/// The schema copy is only worth something if Microsoft's own Outlook manifests pass it:
/// Script Lab (shared folders, organizer surfaces) and the categories sample
/// (tests/data/sample-manifests/SOURCES.md).
#[test]
fn microsofts_own_outlook_manifests_validate_against_the_kept_schemas() {
    let samples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample-manifests");
    let mut checked = 0;
    for entry in std::fs::read_dir(&samples).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "xml") {
            let xml = std::fs::read_to_string(&path).unwrap();
            let xml = xml.trim_start_matches('\u{feff}');
            validate_manifest(xml).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            checked += 1;
        }
    }
    assert_eq!(checked, 2);
}

#[test]
fn a_manifest_with_a_schema_error_is_refused() {
    let xml = liaison_server::http::manifest::TEMPLATE.replace(
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
    assert!(!xml.contains(liaison_server::http::manifest::TEMPLATE_ORIGIN));
}

#[test]
fn a_manifest_rendered_for_a_public_url_validates() {
    let url = "https://liaison.contoso.com".parse().unwrap();
    let xml = liaison_server::http::manifest::render(&url);
    validate_manifest(&xml).unwrap();
    assert!(xml.contains("https://liaison.contoso.com/assets/icon-16.png"));
}
