//! Sign-in when the directory is not tidy: a person re-created with a new object id, tokens
//! without an address, and a slow Graph while signing in through the dialog.

use liaison_e2e::TestApp;
use liaison_e2e::redirects::sso;
use m365_sim::{Claims, Fault, FaultRule};
use serde_json::Value;

const ANN: &str = "ann@contoso.com";
const ANN_ID: &str = "00000002-aaaa-4bbb-8ccc-000000000002";

/// An SSO token as Entra would issue it for the person `oid` (the app's audience, v2.0).
fn sso_token(app: &TestApp, oid: &str, username: Option<&str>) -> String {
    let sim = &app.simulator;
    let tid = app.tenant_id().to_string();
    let claims = sim.claims_for(
        &tid,
        ANN_ID,
        m365_sim::LIAISON_CLIENT_ID,
        Some("access_as_user"),
    );
    sim.sign(&Claims {
        oid: oid.to_owned(),
        sub: format!("sub-{oid}"),
        preferred_username: username.map(str::to_owned),
        upn: None,
        unique_name: None,
        ..claims
    })
}

#[tokio::test]
async fn a_person_re_created_with_a_new_object_id_signs_in_and_takes_over_their_mailbox() {
    let app = TestApp::spawn().await;
    app.simulator
        .configure_app(|registration| registration.access_token_version = Some(2));
    assert_eq!(
        sso(&app, &app.office_sso_token(ANN).await).await.status(),
        200
    );
    let before = app
        .store
        .user_by_mailbox(&app.tenant_id(), ANN)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(before.id.as_str(), ANN_ID);

    let new_oid = "00000099-aaaa-4bbb-8ccc-000000000099";
    let res = sso(&app, &sso_token(&app, new_oid, Some(ANN))).await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);

    let now = app
        .store
        .user_by_mailbox(&app.tenant_id(), ANN)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        now.id.as_str(),
        new_oid,
        "the mailbox follows the person who signs in"
    );
    let former = app
        .store
        .user(&app.tenant_id(), &before.id)
        .await
        .unwrap()
        .unwrap();
    assert!(
        former.mailbox.ends_with("@former.invalid"),
        "{}",
        former.mailbox
    );
}

#[tokio::test]
async fn people_whose_tokens_carry_no_address_sign_in_each_as_themselves() {
    let app = TestApp::spawn().await;
    app.simulator
        .configure_app(|registration| registration.access_token_version = Some(2));
    let mut mailboxes = Vec::new();
    for oid in [
        "00000097-aaaa-4bbb-8ccc-000000000097",
        "00000098-aaaa-4bbb-8ccc-000000000098",
    ] {
        let res = sso(&app, &sso_token(&app, oid, None)).await;
        assert_eq!(res.status(), 200, "{:?}", res.text().await);
        let grant: Value = res.json().await.unwrap();
        mailboxes.push(grant["me"]["mailbox"].as_str().unwrap().to_owned());
    }
    assert_ne!(mailboxes[0], mailboxes[1]);
    assert!(mailboxes.iter().all(|m| m.ends_with("@unknown.invalid")));
}

#[tokio::test]
async fn signing_in_through_the_dialog_does_not_wait_for_a_throttled_graph_profile() {
    let app = TestApp::spawn().await;
    // Graph throttles /me for a minute: the profile is optional, the sign-in is not.
    app.simulator.inject(FaultRule::new(
        "/v1.0/users/me",
        10,
        Fault::Status {
            status: 429,
            retry_after: Some("60".into()),
        },
    ));
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap();
    let start = no_redirects
        .get(format!(
            "{}/auth/microsoft/start?dialog=1",
            app.url.replace("127.0.0.1", "localhost")
        ))
        .send()
        .await
        .unwrap();
    let authorize = start.headers()["location"].to_str().unwrap().to_owned();
    let consent = no_redirects
        .post(&authorize)
        .form(&[("user", ANN), ("decision", "accept")])
        .send()
        .await
        .unwrap();
    let callback = consent.headers()["location"].to_str().unwrap().to_owned();

    let started = std::time::Instant::now();
    let page = no_redirects.get(&callback).send().await.unwrap();
    assert_eq!(page.status(), 200, "{:?}", page.text().await);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "well within the 30 s request limit: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn one_sso_token_replayed_keeps_at_most_ten_sessions_alive() {
    let app = TestApp::spawn().await;
    let token = app.office_sso_token(ANN).await;
    let mut sessions = Vec::new();
    for _ in 0..13 {
        // Sessions are ordered by their start (ms): one at a time.
        tokio::time::sleep(std::time::Duration::from_millis(3)).await;
        let res = sso(&app, &token).await;
        assert_eq!(
            res.status(),
            200,
            "a pane reloaded with Office's cached token signs in"
        );
        let grant: Value = res.json().await.unwrap();
        sessions.push(grant["token"].as_str().unwrap().to_owned());
    }
    let mut live = Vec::new();
    for session in &sessions {
        let me = app
            .http
            .get(format!("{}/api/me", app.url))
            .bearer_auth(session)
            .send()
            .await
            .unwrap();
        live.push(me.status() == 200);
    }
    assert_eq!(
        live,
        [[false; 3].as_slice(), [true; 10].as_slice()].concat(),
        "the three oldest ended"
    );
}
