//! A browser through Liaison's sign-in pages and the simulator's identity pages, for the
//! sign-in suites: a client that keeps cookies (the flow cookie) and follows no redirect, the
//! server's public URL, the simulator's consent, the dialog's message, Office SSO.

use serde_json::Value;

use crate::TestApp;

pub fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub async fn sso(app: &TestApp, token: &str) -> reqwest::Response {
    app.http
        .post(format!("{}/api/session/sso", app.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

pub fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

/// A browser that follows no redirects and keeps cookies (the flow cookie a start page sets).
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap()
}

/// The server as a browser reaches it: its public URL (`localhost`), where callbacks land.
pub fn public(app: &TestApp) -> String {
    app.url.replace("127.0.0.1", "localhost")
}

/// Follows a server redirect to the simulator's page, picks `mailbox`, accepts, and returns
/// the callback URL the simulator sends the browser back to.
pub async fn through_simulator(authorize_url: &str, mailbox: &str) -> String {
    let res = no_redirects()
        .post(authorize_url)
        .form(&[("user", mailbox), ("decision", "accept")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "the simulator redirects back");
    location(&res)
}

/// Opens the one-time start link `POST /api/connections/google` answered in `browser`: the
/// redirect to Google's consent page.
pub async fn open_start_link(browser: &reqwest::Client, connect: &Value) -> String {
    let link = connect["authorizeUrl"].as_str().unwrap();
    assert!(link.contains("/auth/google/start?code="), "{link}");
    let res = browser.get(link).send().await.unwrap();
    assert_eq!(res.status(), 303, "{:?}", res.text().await);
    location(&res)
}

/// The dialog's message (`data-dialog-message`) on the page a callback answers.
pub fn dialog_message(page: &str) -> String {
    let start = page.find("data-dialog-message=\"").expect("a dialog page") + 21;
    page[start..start + page[start..].find('"').unwrap()].to_owned()
}

/// `url` with its query parameter `name` set to `value`.
pub fn with_param(url: &str, name: &str, value: &str) -> String {
    let mut url = url::Url::parse(url).unwrap();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == name {
                value.to_owned()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    url.to_string()
}

/// `POST /api/connections/google` as the session `token`: the answer with the start link.
pub async fn connect_google(app: &TestApp, token: &str) -> Value {
    app.http
        .post(format!("{}/api/connections/google", app.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// `POST /api/connections/google/confirm` as the session `token` with the code `page` (the
/// Google callback's page) hands the dialog's parent.
pub async fn confirm_google(app: &TestApp, token: &str, page: &str) -> reqwest::Response {
    app.http
        .post(format!("{}/api/connections/google/confirm", app.url))
        .bearer_auth(token)
        .json(&serde_json::json!({ "code": dialog_message(page) }))
        .send()
        .await
        .unwrap()
}

/// Tenant-wide consent as an administrator gives it, in `browser`: `/admin/consent`, the
/// simulator's sign-in as `signs_in`, then Microsoft's admin consent page where `consents`
/// accepts. The page the callback answers at the end.
pub async fn admin_consent(
    app: &TestApp,
    browser: &reqwest::Client,
    signs_in: &str,
    consents: &str,
) -> reqwest::Response {
    let start = browser
        .get(format!("{}/admin/consent", public(app)))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), 303, "{:?}", start.text().await);
    let signed_in = through_simulator(&location(&start), signs_in).await;
    let on_to_consent = browser.get(&signed_in).send().await.unwrap();
    assert_eq!(
        on_to_consent.status(),
        303,
        "{:?}",
        on_to_consent.text().await
    );
    let consent_page = location(&on_to_consent);
    assert!(
        consent_page.contains("/v2.0/adminconsent?"),
        "{consent_page}"
    );
    let back = through_simulator(&consent_page, consents).await;
    browser.get(&back).send().await.unwrap()
}
