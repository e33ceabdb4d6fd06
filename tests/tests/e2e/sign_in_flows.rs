//! The authorization code flows against the simulator: the sign-in dialog (PKCE, one-time state
//! and dialog code), Google connect, admin consent — each bound to the browser that started it,
//! each provider's code only at its own callback, each ID token only with its flow's nonce — and
//! no secret of them in the database file.

use liaison_domain::api::{ErrorBody, ErrorCode};
use liaison_e2e::redirects::*;
use liaison_e2e::{TestApp, error_body};
use serde_json::{Value, json};

const ANN: &str = "ann@contoso.com";
const OLGA: &str = "olga@contoso.com";
const ADELE: &str = "adele@contoso.com";
const ANN_ID: &str = "00000002-aaaa-4bbb-8ccc-000000000002";

#[tokio::test]
async fn no_secret_is_in_the_database_file_in_the_clear() {
    let app = TestApp::spawn().await;
    // Every way a secret reaches the store: SSO (a Microsoft refresh token), a session, a
    // refresh (a rotated token), the dialog (a one-time code, a PKCE verifier), Google.
    let ann = app.token(ANN).await;
    let check = app
        .http
        .post(format!("{}/api/connections/microsoft/check", app.url))
        .bearer_auth(&ann)
        .send()
        .await
        .unwrap();
    assert_eq!(check.status(), 200);
    let dialog = browser();
    let started = dialog
        .get(format!("{}/auth/microsoft/start?dialog=1", public(&app)))
        .send()
        .await
        .unwrap();
    // A flow left unfinished: its verifier stays in the store until it expires.
    browser()
        .get(format!("{}/auth/microsoft/start?dialog=1", public(&app)))
        .send()
        .await
        .unwrap();
    let callback = through_simulator(&location(&started), ANN).await;
    let page = dialog
        .get(&callback)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let code = dialog_message(&page);
    let connect = connect_google(&app, &ann).await;
    let google = browser();
    let authorize = open_start_link(&google, &connect).await;
    let back = through_simulator(&authorize, "olga@contoso-workspace.example").await;
    let page = google
        .get(&back)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(confirm_google(&app, &ann, &page).await.status(), 200);
    // A Google account that came back and waits for its pane: its code stays sealed.
    let connect = connect_google(&app, &ann).await;
    let authorize = open_start_link(&google, &connect).await;
    let back = through_simulator(&authorize, "olga@contoso-workspace.example").await;
    assert_eq!(google.get(&back).send().await.unwrap().status(), 200);

    let url = app.database_url().expose().to_owned();
    let path = url
        .trim_start_matches("sqlite://")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let mut bytes = std::fs::read(&path).unwrap();
    if let Ok(wal) = std::fs::read(format!("{path}-wal")) {
        bytes.extend(wal);
    }
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        text.contains("olga@contoso-workspace.example"),
        "the scan reads the data just written"
    );
    for secret in [
        "sim.rt.",     // Microsoft refresh tokens
        "sim.g.rt.",   // Google refresh tokens
        "sim.g.at.",   // Google access tokens
        "sim.g.code.", // Google authorization codes waiting for the pane
        ann.as_str(),
        code.as_str(),
    ] {
        assert!(!text.contains(secret), "{secret} is in the database file");
    }
    // Any JWT (access and ID tokens): a JSON header and payload, `eyJ….eyJ`. Not `eyJ` alone,
    // which a random sealed value contains now and then.
    let jwt = text.match_indices("eyJ").any(|(at, _)| {
        let rest = &text[at..];
        let header = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(rest.len());
        rest[header..].starts_with(".eyJ")
    });
    assert!(!jwt, "a JWT is in the database file");
}

#[tokio::test]
async fn without_consent_sso_says_so_and_the_dialog_flow_signs_in_with_a_one_time_code() {
    let app = TestApp::builder().without_consent().spawn().await;
    let res = sso(&app, &app.office_sso_token(ANN).await).await;
    assert_eq!(res.status(), 403);
    let body: ErrorBody = res.json().await.unwrap();
    assert_eq!(body.code, ErrorCode::ConsentRequired);

    // The dialog's first page is on Liaison's origin; it redirects to the identity platform
    // and binds the flow to this browser.
    let dialog = browser();
    let start = dialog
        .get(format!("{}/auth/microsoft/start?dialog=1", public(&app)))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), 303);
    let cookie = start.headers()["set-cookie"].to_str().unwrap();
    assert!(
        cookie.starts_with("liaison-flow=") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    let authorize = location(&start);
    let query: std::collections::HashMap<String, String> = url::Url::parse(&authorize)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    assert_eq!(query["code_challenge_method"], "S256");
    assert_eq!(
        query["redirect_uri"],
        format!(
            "{}/auth/microsoft/callback",
            app.url.replace("127.0.0.1", "localhost")
        )
    );
    assert!(query.contains_key("nonce") && query.contains_key("state"));

    let callback = through_simulator(&authorize, ANN).await;
    let page = dialog.get(&callback).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let code = dialog_message(&html);
    assert!(
        code.starts_with("ldc_"),
        "the dialog carries a one-time code, not a token"
    );

    let exchange = |code: String| {
        let app = &app;
        async move {
            app.http
                .post(format!("{}/api/session/exchange", app.url))
                .json(&serde_json::json!({ "code": code }))
                .send()
                .await
                .unwrap()
        }
    };
    let first = exchange(code.clone()).await;
    assert_eq!(first.status(), 200);
    assert_eq!(exchange(code).await.status(), 401, "the code works once");

    // The callback's state is one-time too: replaying it is refused.
    let replay = dialog.get(&callback).send().await.unwrap();
    assert_eq!(replay.status(), 400);
    // And consenting once is enough for SSO from now on.
    assert_eq!(
        sso(&app, &app.office_sso_token(ANN).await).await.status(),
        200
    );
}

#[tokio::test]
async fn a_code_sent_to_the_other_providers_callback_is_refused() {
    let app = TestApp::spawn().await;
    let token = app.token(ANN).await;
    let connect = connect_google(&app, &token).await;
    let dialog = browser();
    let authorize = open_start_link(&dialog, &connect).await;
    let google_callback = through_simulator(&authorize, "olga@contoso-workspace.example").await;
    // Mix-up: the Google code and state, delivered to the Microsoft callback.
    let swapped = google_callback.replace("/auth/google/callback", "/auth/microsoft/callback");
    let res = dialog.get(&swapped).send().await.unwrap();
    assert_eq!(res.status(), 400);

    // Started again and delivered where it belongs, Google connects.
    let connect = connect_google(&app, &token).await;
    let authorize = open_start_link(&dialog, &connect).await;
    let callback = through_simulator(&authorize, "olga@contoso-workspace.example").await;
    let res = dialog.get(&callback).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    // The callback connects nothing by itself: the pane that asked confirms.
    assert_eq!(google_state(&app, &token).await, "not_connected");
    let confirmed = confirm_google(&app, &token, &page).await;
    assert_eq!(confirmed.status(), 200);
    let me: Value = confirmed.json().await.unwrap();
    assert_eq!(me["connections"]["google"], "connected");
    // Once only.
    assert_eq!(confirm_google(&app, &token, &page).await.status(), 400);
}

/// The state of `token`'s Google connection, as `GET /api/me` says.
async fn google_state(app: &TestApp, token: &str) -> String {
    let me: Value = app
        .http
        .get(format!("{}/api/me", app.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    me["connections"]["google"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_forwarded_google_start_link_connects_nobodys_account() {
    // On both stores: the code waits in the store, sealed, between the callback and the pane.
    for backend in liaison_e2e::test_db::backends() {
        let app = TestApp::builder().backend(backend).spawn().await;
        let mallory = app.token(ANN).await;
        let victor = app.token("rita@contoso.com").await;
        // Mallory asks for a start link and sends it on; Victor opens it in his own browser and
        // consents with his Google account: his browser started the flow, so the callback is his.
        let connect = connect_google(&app, &mallory).await;
        let victors_browser = browser();
        let authorize = open_start_link(&victors_browser, &connect).await;
        let callback = through_simulator(&authorize, "olga@contoso-workspace.example").await;
        let res = victors_browser.get(&callback).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let page = res.text().await.unwrap();
        assert!(page.contains("nothing is connected"), "the page says so");
        // Nothing is connected until the pane that asked confirms — and only Mallory's session
        // may, but the code is on Victor's screen. Victor confirming it with his own session gets
        // a refusal, and the code is spent.
        assert_eq!(google_state(&app, &mallory).await, "not_connected");
        let (status, body) = error_body(confirm_google(&app, &victor, &page).await).await;
        assert_eq!((status, body.code), (400, ErrorCode::InvalidSignIn));
        assert_eq!(confirm_google(&app, &mallory, &page).await.status(), 400);
        assert_eq!(google_state(&app, &mallory).await, "not_connected");
        assert_eq!(google_state(&app, &victor).await, "not_connected");
        // Made-up and start-link codes are no confirmation either.
        let fake = "<p data-dialog-message=\"lgp_made-up\">";
        assert_eq!(confirm_google(&app, &mallory, fake).await.status(), 400);
        let connect = connect_google(&app, &mallory).await;
        let link = connect["authorizeUrl"].as_str().unwrap();
        let start_code = link.split("code=").nth(1).unwrap();
        let start_as_page = format!("<p data-dialog-message=\"{start_code}\">");
        assert_eq!(
            confirm_google(&app, &mallory, &start_as_page)
                .await
                .status(),
            400
        );
    }
}

#[tokio::test]
async fn a_flow_completed_in_another_browser_connects_nothing() {
    let app = TestApp::spawn().await;
    let mallory = app.token(ANN).await;
    // Mallory starts connecting Google in her own browser and sends the consent link on.
    let connect = connect_google(&app, &mallory).await;
    let mallorys_browser = browser();
    let authorize = open_start_link(&mallorys_browser, &connect).await;
    // Victor consents with his Google account; his browser comes back to Liaison.
    let victors_browser = browser();
    let callback = through_simulator(&authorize, "olga@contoso-workspace.example").await;
    let res = victors_browser.get(&callback).send().await.unwrap();
    assert_eq!(res.status(), 400);
    assert!(
        res.text().await.unwrap().contains("another browser"),
        "the page says why"
    );
    let connection = app
        .store
        .connection(&app.user(ANN_ID), liaison_server::store::Provider::Google)
        .await
        .unwrap();
    assert!(connection.is_none(), "nothing was connected to Mallory");

    // The start link itself works once, for two minutes at most.
    let link = connect["authorizeUrl"].as_str().unwrap();
    assert_eq!(browser().get(link).send().await.unwrap().status(), 400);

    // A Microsoft sign-in started in one browser and finished in another: no dialog code.
    let started = browser()
        .get(format!("{}/auth/microsoft/start?dialog=1", public(&app)))
        .send()
        .await
        .unwrap();
    let callback = through_simulator(&location(&started), ANN).await;
    let page = browser().get(&callback).send().await.unwrap();
    assert_eq!(page.status(), 400);
    assert!(
        !page
            .text()
            .await
            .unwrap()
            .contains("data-dialog-message=\"ldc_")
    );
}

#[tokio::test]
async fn an_id_token_for_another_nonce_and_a_code_at_the_wrong_callback_are_refused() {
    let app = TestApp::spawn().await;
    let ann = app.token(ANN).await;
    // The nonce sent to the identity platform was changed on the way: the ID token that comes
    // back carries it, not the flow's own, and signs nobody in.
    let dialog = browser();
    let started = dialog
        .get(format!("{}/auth/microsoft/start?dialog=1", public(&app)))
        .send()
        .await
        .unwrap();
    let tampered = with_param(&location(&started), "nonce", "a-nonce-of-the-attackers");
    let callback = through_simulator(&tampered, ANN).await;
    let page = dialog.get(&callback).send().await.unwrap();
    assert!(page.status().is_client_error(), "{}", page.status());
    assert!(
        !page
            .text()
            .await
            .unwrap()
            .contains("data-dialog-message=\"ldc_")
    );

    // The same for Google: the account is not connected.
    let connect = connect_google(&app, &ann).await;
    let google = browser();
    let authorize = open_start_link(&google, &connect).await;
    let tampered = with_param(&authorize, "nonce", "a-nonce-of-the-attackers");
    let callback = through_simulator(&tampered, "olga@contoso-workspace.example").await;
    let page = google
        .get(&callback)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // The code is redeemed, and the ID token checked, when Ann's pane confirms.
    let confirmed = confirm_google(&app, &ann, &page).await;
    assert!(
        confirmed.status().is_client_error(),
        "{}",
        confirmed.status()
    );
    let google_connection = app
        .store
        .connection(&app.user(ANN_ID), liaison_server::store::Provider::Google)
        .await
        .unwrap();
    assert!(google_connection.is_none());

    // Mix-up the other way: a Microsoft code and state delivered to the Google callback.
    let dialog = browser();
    let started = dialog
        .get(format!("{}/auth/microsoft/start?dialog=1", public(&app)))
        .send()
        .await
        .unwrap();
    let callback = through_simulator(&location(&started), ANN).await;
    let swapped = callback.replace("/auth/microsoft/callback", "/auth/google/callback");
    let page = dialog.get(&swapped).send().await.unwrap();
    assert_eq!(page.status(), 400);
    assert!(
        !page
            .text()
            .await
            .unwrap()
            .contains("data-dialog-message=\"ldc_")
    );
}

#[tokio::test]
async fn only_an_administrator_grants_tenant_consent_and_the_tenant_comes_from_the_sign_in() {
    let app = TestApp::builder().without_consent().spawn().await;
    let not_consented = || async {
        app.store
            .admin_consent(&app.tenant_id())
            .await
            .unwrap()
            .is_none()
    };
    // Olga signs in, and Microsoft's admin consent page refuses her: not an administrator.
    let refused = admin_consent(&app, &browser(), OLGA, OLGA).await;
    assert_eq!(refused.status(), 400);
    assert!(not_consented().await);

    // A callback's query string proves nothing: `admin_consent=True&tenant=…` with a live
    // sign-in state but no code from the identity platform records nothing.
    let admin_browser = browser();
    let start = admin_browser
        .get(format!("{}/admin/consent", public(&app)))
        .send()
        .await
        .unwrap();
    let authorize = location(&start);
    assert!(
        !authorize.contains("prompt=admin_consent"),
        "no undocumented prompt: {authorize}"
    );
    let state = url::Url::parse(&authorize)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let forged = format!(
        "{}/auth/microsoft/callback?admin_consent=True&tenant={}&state={state}",
        public(&app),
        app.tenant_id()
    );
    assert_eq!(
        admin_browser.get(&forged).send().await.unwrap().status(),
        400
    );
    assert!(not_consented().await);

    // Adele signs in; the consent answer names another tenant: refused, nothing recorded.
    let adeles_browser = browser();
    let start = adeles_browser
        .get(format!("{}/admin/consent", public(&app)))
        .send()
        .await
        .unwrap();
    let signed_in = through_simulator(&location(&start), ADELE).await;
    let on_to_consent = adeles_browser.get(&signed_in).send().await.unwrap();
    let consent_page = location(&on_to_consent);
    let back = through_simulator(&consent_page, ADELE).await;
    let elsewhere = with_param(&back, "tenant", "11111111-2222-4333-8444-555555555555");
    assert_eq!(
        adeles_browser
            .get(&elsewhere)
            .send()
            .await
            .unwrap()
            .status(),
        400
    );
    assert!(not_consented().await);

    // Adele, a Global Administrator, signs in and consents on Microsoft's admin consent page:
    // the tenant is her validated sign-in's.
    let granted = admin_consent(&app, &browser(), ADELE, ADELE).await;
    assert_eq!(granted.status(), 200);
    assert!(granted.text().await.unwrap().contains("Consent granted"));
    let recorded = app
        .store
        .admin_consent(&app.tenant_id())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        recorded.granted_by_id,
        "00000007-aaaa-4bbb-8ccc-000000000007"
    );
    assert!(recorded.scopes.contains("Calendars.ReadWrite"));
    assert!(app.simulator.has_admin_consent(app.tenant_id().as_str()));
    // Now Office SSO signs anyone in without a dialog.
    assert_eq!(
        sso(&app, &app.office_sso_token(ANN).await).await.status(),
        200
    );
}

/// A fresh installation, on each store from empty: the tenant's administrator consents (the
/// first step of a real rollout, for a tenant Liaison has never seen), then the first person
/// signs in through Office SSO and runs the first sync.
#[tokio::test]
async fn a_fresh_install_takes_admin_consent_a_first_sign_in_and_a_first_sync() {
    for backend in liaison_e2e::test_db::backends() {
        let app = TestApp::builder()
            .backend(backend.clone())
            .fresh_install()
            .spawn()
            .await;
        assert!(app.store.tenant(&app.tenant_id()).await.unwrap().is_none());
        let consented = admin_consent(&app, &browser(), ADELE, ADELE).await;
        assert_eq!(consented.status(), 200, "{backend:?}");
        let tenant = app.store.tenant(&app.tenant_id()).await.unwrap();
        assert_eq!(tenant.map(|t| t.name), Some("contoso.com".to_owned()));
        assert!(
            app.store
                .admin_consent(&app.tenant_id())
                .await
                .unwrap()
                .is_some()
        );

        // Olga's first sign-in creates her; she turns sync on and her first session runs.
        let signed_in = sso(&app, &app.office_sso_token("olga@contoso.com").await).await;
        assert_eq!(signed_in.status(), 200, "{backend:?}");
        let on = app
            .http
            .put(format!("{}/api/me/sync", app.url))
            .bearer_auth(app.token("olga@contoso.com").await)
            .json(&json!({ "syncEnabled": true }))
            .send()
            .await
            .unwrap();
        assert_eq!(on.status(), 200, "{backend:?}");
        let run = app
            .post_as("olga@contoso.com", "/api/sync/run", &json!({}), None)
            .await;
        assert_eq!(run.status(), 200, "{backend:?}");
        let run: Value = run.json().await.unwrap();
        assert!(run["report"].is_object(), "{run}");
    }
}

/// `Sec-Fetch-*` as a browser sends them for a request another site's page made.
fn from_another_site(mode: &str, dest: &str) -> reqwest::header::HeaderMap {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("sec-fetch-site", "cross-site".parse().unwrap());
    headers.insert("sec-fetch-mode", mode.parse().unwrap());
    headers.insert("sec-fetch-dest", dest.parse().unwrap());
    headers
}

#[tokio::test]
async fn another_site_may_navigate_to_the_sign_in_pages_but_not_load_fetch_or_frame_them() {
    let app = TestApp::spawn().await;
    let ann = app.token(ANN).await;
    let connect = connect_google(&app, &ann).await;
    let link = connect["authorizeUrl"].as_str().unwrap();
    let dialog = browser();
    // An image or a frame on another site pointing at the start link: refused before the
    // link is taken, so it still works afterwards.
    for (mode, dest) in [
        ("no-cors", "image"),
        ("navigate", "iframe"),
        ("cors", "empty"),
    ] {
        let res = dialog
            .get(link)
            .headers(from_another_site(mode, dest))
            .send()
            .await
            .unwrap();
        let (status, body) = error_body(res).await;
        assert_eq!(
            (status, body.code),
            (403, ErrorCode::CrossSiteRequest),
            "{dest}"
        );
    }
    let started = dialog
        .get(format!("{}/auth/microsoft/start?dialog=1", public(&app)))
        .headers(from_another_site("no-cors", "script"))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 403);
    // Navigations from another site are how these pages are reached: Office's dialog window,
    // and the identity provider sending the browser back.
    let started = dialog
        .get(link)
        .headers(from_another_site("navigate", "document"))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 303);
    let callback = through_simulator(&location(&started), "olga@contoso-workspace.example").await;
    let framed = dialog
        .get(&callback)
        .headers(from_another_site("navigate", "iframe"))
        .send()
        .await
        .unwrap();
    assert_eq!(framed.status(), 403, "a framed callback is refused");
    let page = dialog
        .get(&callback)
        .headers(from_another_site("navigate", "document"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        page.status(),
        200,
        "and the callback was not taken by the refused one"
    );
    let page = page.text().await.unwrap();
    assert_eq!(confirm_google(&app, &ann, &page).await.status(), 200);
}
