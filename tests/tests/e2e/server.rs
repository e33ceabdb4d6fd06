//! The server over real HTTP: health, JSON errors, security headers, TLS, static files.

use liaison_domain::api::{ErrorBody, ErrorCode, Health, HealthStatus};
use liaison_e2e::{TestApp, require_built_task_pane};
use liaison_server::config::Tls;

#[tokio::test]
async fn healthz_reports_the_store_and_the_version() {
    let app = TestApp::spawn().await;

    let res = app.get("/healthz").await;

    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let health: Health = res.json().await.unwrap();
    assert_eq!(health.status, HealthStatus::Ok);
    assert_eq!(health.store, HealthStatus::Ok);
    assert_eq!(health.version, env!("CARGO_PKG_VERSION"));
}

/// `liaison health-check`, the container's health check: success while the server answers,
/// failure when nothing does.
#[tokio::test]
async fn the_health_check_command_asks_the_running_server() {
    use clap::Parser;
    let app = TestApp::spawn().await;
    let check = |url: String| {
        let cli =
            liaison_server::config::Cli::parse_from(["liaison", "health-check", "--url", &url]);
        liaison_server::cli::run(cli)
    };
    check(format!("{}/healthz", app.url)).await.unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    assert!(check(format!("http://{closed}/healthz")).await.is_err());
    assert!(check(format!("{}/no-such-page", app.url)).await.is_err());
}

#[tokio::test]
async fn an_unknown_api_path_gets_a_json_404() {
    let app = TestApp::spawn().await;

    let res = app.get("/api/no/such/thing").await;

    assert_eq!(res.status(), 404);
    let body: ErrorBody = res.json().await.unwrap();
    assert_eq!(body.code, ErrorCode::NotFound);
}

#[tokio::test]
async fn the_task_pane_may_be_framed_only_by_outlook_and_runs_only_its_own_scripts() {
    require_built_task_pane();
    let app = TestApp::spawn().await;

    let res = app.get("/taskpane.html").await;

    assert_eq!(res.status(), 200);
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("frame-ancestors 'self' https://outlook.office.com"),
        "{csp}"
    );
    assert!(
        csp.contains("'sha256-"),
        "trunk's inline loader is allowed by hash: {csp}"
    );
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    let html = res.text().await.unwrap();
    assert!(html.contains(liaison_server::http::taskpane::OFFICE_JS_CDN));
}

#[tokio::test]
async fn only_the_demo_serves_the_office_js_stand_in() {
    require_built_task_pane();
    let demo = TestApp::spawn().await;
    let deployment = TestApp::spawn_with(Tls::Off, false).await;
    let simulated = "/taskpane.html?host=simulator&mailbox=ann%40contoso.com";

    let demo_page = demo.get(simulated).await.text().await.unwrap();
    let deployed_page = deployment.get(simulated).await.text().await.unwrap();

    assert!(demo_page.contains("/dev/office.js"));
    assert!(!deployed_page.contains("/dev/office.js"));
    assert_eq!(deployment.get("/dev/office.js").await.status(), 404);
    assert_eq!(demo.get("/dev/office.js").await.status(), 200);
}

#[tokio::test]
async fn no_cross_origin_caller_is_allowed_to_read_the_api() {
    let app = TestApp::spawn().await;

    let res = app
        .http
        .get(format!("{}/healthz", app.url))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();

    assert!(res.headers().get("access-control-allow-origin").is_none());
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");

    // A browser's preflight for a signed-in write from another origin (even an Outlook host's:
    // the pane is served from this origin and calls it directly) is allowed nothing.
    for origin in ["https://evil.example", "https://outlook.office.com", "null"] {
        for path in ["/api/items/save", "/api/me", "/api/session/sso"] {
            let preflight = app
                .http
                .request(reqwest::Method::OPTIONS, format!("{}{path}", app.url))
                .header("origin", origin)
                .header("access-control-request-method", "POST")
                .header(
                    "access-control-request-headers",
                    "authorization, content-type",
                )
                .send()
                .await
                .unwrap();
            for header in [
                "access-control-allow-origin",
                "access-control-allow-headers",
                "access-control-allow-methods",
                "access-control-allow-credentials",
            ] {
                assert!(
                    preflight.headers().get(header).is_none(),
                    "{origin} {path}: {header}"
                );
            }
            assert!(
                preflight.status().is_client_error(),
                "{path}: {}",
                preflight.status()
            );
        }
    }
}

#[tokio::test]
async fn the_icons_the_manifest_names_are_served() {
    let app = TestApp::spawn().await;
    for size in [16, 32, 64, 80, 128] {
        let res = app.get(&format!("/assets/icon-{size}.png")).await;
        assert_eq!(res.status(), 200, "icon-{size}.png");
        assert_eq!(res.headers()["content-type"], "image/png");
        let bytes = res.bytes().await.unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
        assert_eq!(width, size, "icon-{size}.png has the size its name says");
    }
}

#[tokio::test]
async fn with_a_self_signed_certificate_the_server_speaks_https_and_sends_hsts() {
    let app = TestApp::spawn_with(Tls::SelfSigned { dir: "".into() }, true).await;
    assert!(app.url.starts_with("https://"), "{}", app.url);

    let res = app.get("/healthz").await;

    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["strict-transport-security"],
        "max-age=31536000"
    );
    assert!(app.data_dir().join("tls/localhost.crt").exists());
}

#[tokio::test]
async fn behind_a_tls_proxy_the_server_still_sends_hsts_and_on_plain_http_it_does_not() {
    let proxied = TestApp::builder()
        .public_url("https://liaison.contoso.example")
        .spawn()
        .await;
    let res = proxied.get("/healthz").await;
    assert_eq!(
        res.headers()["strict-transport-security"],
        "max-age=31536000"
    );

    let plain = TestApp::spawn().await;
    let res = plain.get("/healthz").await;
    assert!(res.headers().get("strict-transport-security").is_none());
}

#[tokio::test]
async fn each_route_class_gets_its_security_headers() {
    let app = TestApp::spawn().await;
    let csp = |res: &reqwest::Response| {
        res.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned()
    };
    // The API: nothing may frame or load it, nothing is cached, no referrer leaves.
    for res in [app.get("/api/me").await, app.get("/healthz").await] {
        assert_eq!(
            csp(&res),
            "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
        );
        assert_eq!(res.headers()["cache-control"], "no-store");
        assert_eq!(res.headers()["referrer-policy"], "no-referrer");
        assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    }
    // Pages (sign-in results, the front page): this origin only, never framed.
    for path in ["/", "/permissions"] {
        let res = app.get(path).await;
        let policy = csp(&res);
        assert!(
            policy.contains("frame-ancestors 'none'"),
            "{path}: {policy}"
        );
        assert!(policy.contains("object-src 'none'"), "{path}: {policy}");
        assert_eq!(res.headers()["referrer-policy"], "no-referrer", "{path}");
    }
}

#[tokio::test]
async fn the_front_page_lists_the_demo_people() {
    let app = TestApp::spawn().await;

    let html = app.get("/").await.text().await.unwrap();

    assert!(html.contains("manifest.xml"));
    assert!(html.contains("Ann Editor"));
    assert!(html.contains("host=simulator&amp;mailbox=ann%40contoso.com"));
}

/// The task pane's and the console's static files go gzipped to a client that takes it; an API
/// answer or a page never does (it may hold a secret beside what the request sent: BREACH).
#[tokio::test]
async fn static_files_are_gzipped_and_answers_with_secrets_are_not() {
    require_built_task_pane();
    let app = TestApp::spawn().await;
    let page = app.get("/taskpane.html").await.text().await.unwrap();
    let wasm = page
        .split(['"', '\'', ' '])
        .find(|w| w.ends_with("_bg.wasm"))
        .expect("the page names its wasm")
        .trim_start_matches('.')
        .to_owned();
    let encoding = |path: String| {
        let app = &app;
        async move {
            let res = app
                .http
                .get(format!("{}{path}", app.url))
                .header("accept-encoding", "gzip")
                .send()
                .await
                .unwrap();
            assert!(res.status().is_success(), "{path}: {}", res.status());
            res.headers()
                .get("content-encoding")
                .map(|v| v.to_str().unwrap().to_owned())
        }
    };
    for path in [
        wasm,
        "/assets/console.js".into(),
        "/assets/console.css".into(),
    ] {
        assert_eq!(
            encoding(path.clone()).await.as_deref(),
            Some("gzip"),
            "{path}"
        );
    }
    for path in [
        "/api/openapi.json",
        "/admin",
        "/taskpane.html",
        "/manifest.xml",
        "/healthz",
    ] {
        assert_eq!(encoding(path.into()).await, None, "{path}");
    }
}
