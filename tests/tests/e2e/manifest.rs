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

/// Microsoft's unified app manifest schema of the version the server writes, from the npm
/// package `@microsoft/app-manifest` (pinned in package.json, installed by scripts/setup).
fn unified_schema() -> jsonschema::Validator {
    let version = liaison_server::http::unified_manifest::MANIFEST_VERSION;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!(
        "../node_modules/@microsoft/app-manifest/build/json-schemas/teams/v{version}/MicrosoftTeams.schema.json"
    ));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{} cannot be read ({e}): run scripts/setup, which installs @microsoft/app-manifest",
            path.display()
        )
    });
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).expect("Microsoft's schema compiles")
}

fn schema_errors(validator: &jsonschema::Validator, manifest: &serde_json::Value) -> Vec<String> {
    validator
        .iter_errors(manifest)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// The unified manifest, as served (with Office SSO's app registration) and as printed,
/// validates against Microsoft's published JSON schema; the checker is not a rubber stamp (a
/// manifest that breaks the schema fails it); the app package holds it and its icons.
#[tokio::test]
async fn the_unified_manifest_validates_against_microsofts_json_schema() {
    let validator = unified_schema();
    let app = TestApp::builder()
        .public_url("https://liaison.contoso.com")
        .spawn()
        .await;
    let res = app.get("/manifest.json").await;
    assert_eq!(res.status(), 200);
    let served: serde_json::Value = res.json().await.unwrap();
    assert_eq!(schema_errors(&validator, &served), Vec::<String>::new());
    assert!(
        served["webApplicationInfo"]["id"].is_string(),
        "SSO's app registration is named"
    );
    assert_eq!(
        served["extensions"][0]["runtimes"][0]["code"]["page"],
        "https://liaison.contoso.com/taskpane.html"
    );

    let printed = liaison_server::http::unified_manifest::render(
        &"https://crm.fabrikam.example".parse().unwrap(),
        None,
    );
    assert_eq!(schema_errors(&validator, &printed), Vec::<String>::new());

    let mut broken = served.clone();
    broken["extensions"][0]["ribbons"][0]["contexts"] = serde_json::json!(["calendarWeek"]);
    broken.as_object_mut().unwrap().remove("developer");
    assert_eq!(
        schema_errors(&validator, &broken).len(),
        2,
        "two breaks, two errors"
    );

    let package = app.get("/manifest.zip").await;
    assert_eq!(package.status(), 200);
    assert_eq!(package.headers()["content-type"], "application/zip");
    let bytes = package.bytes().await.unwrap();
    assert!(bytes.starts_with(b"PK\x03\x04"), "a zip");
}
