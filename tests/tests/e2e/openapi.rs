//! `GET /api/openapi.json`: an OpenAPI 3.1 document generated from the code, describing every
//! `/api` route the server serves — checked both ways: each operation it describes is served
//! (not the API's "no such endpoint" nor a wrong method), and the router adds no `/api` route
//! that bypasses its description (`router.rs`'s unit test). Every operation says what it
//! answers, errors included.

use liaison_e2e::TestApp;
use reqwest::Method;
use serde_json::Value;

#[tokio::test]
async fn every_described_operation_is_served_and_says_what_it_answers() {
    let app = TestApp::spawn().await;
    let res = app.get("/api/openapi.json").await;
    assert_eq!(res.status(), 200);
    let document: Value = res.json().await.unwrap();
    assert!(
        document["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        document["openapi"]
    );
    let paths = document["paths"].as_object().unwrap();
    assert!(paths.len() >= 28, "{} paths", paths.len());
    let mut operations = 0;
    for (path, item) in paths {
        assert!(path.starts_with("/api/"), "{path}");
        for (method, operation) in item.as_object().unwrap() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            operations += 1;
            let responses = operation["responses"].as_object().unwrap();
            assert!(
                responses.keys().any(|s| s.starts_with('2')),
                "{method} {path} describes its answer"
            );
            // (The document itself fails only with the server.)
            assert!(
                responses.contains_key("4XX") || path == "/api/openapi.json",
                "{method} {path} describes its errors"
            );
            // Served: anything but the API's own "no such endpoint" or "wrong method".
            let url = format!("{}{}", app.url, path.replace(['{', '}'], ""));
            let answer = app
                .http
                .request(method.clone(), &url)
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .await
                .unwrap();
            let status = answer.status().as_u16();
            let body = answer.text().await.unwrap();
            assert_ne!(status, 405, "{method} {path} is not served: {body}");
            assert!(
                !body.contains("no such API endpoint"),
                "{method} {path} is not served: {body}"
            );
        }
    }
    assert!(operations >= 30, "{operations} operations");
    // The JSON types are described once, as components.
    let schemas = document["components"]["schemas"].as_object().unwrap();
    for name in [
        "ItemContext",
        "SaveItemRequest",
        "ErrorBody",
        "UserPage",
        "Reason",
        "Level",
    ] {
        assert!(schemas.contains_key(name), "{name} is described");
    }
    assert_eq!(
        schemas["Level"]["enum"],
        serde_json::json!([
            "Owner",
            "Editor",
            "Author",
            "Reviewer",
            "SendOnBehalf",
            "Custom",
            "None"
        ])
    );
    // An unknown path says where the list is.
    let unknown = app.get("/api/no/such/thing").await;
    assert_eq!(unknown.status(), 404);
    assert!(unknown.text().await.unwrap().contains("/api/openapi.json"));
}
