//! One refresh token per connected account, whatever happens around its rotation: several
//! server instances refreshing at once, a request cancelled while the provider answers, a
//! provider that sends no new refresh token. Each test here fails without its protection in
//! `auth/connections.rs` or the store's `upsert_connection`.

use std::sync::Arc;
use std::time::Duration;

use liaison_e2e::TestApp;
use liaison_e2e::people::OLGA_ID;
use liaison_server::auth::connections::{NewConnection, Refresh, TokenSource};
use liaison_server::auth::secrets::Keyring;
use liaison_server::identity::oauth::TokenSet;
use liaison_server::identity::{self, Identity};
use liaison_server::store::{ConnectionStatus, Provider};
use m365_sim::{Fault, FaultRule};
use secrecy::SecretString;

/// The identity platform's token endpoint in the simulator.
const TOKEN_ENDPOINT: &str = "/oauth2/v2.0/token";

/// A second (or third) server instance's token source: same store, same keys, same identity
/// provider, its own memory.
fn instance(app: &TestApp) -> TokenSource {
    TokenSource::new(
        app.store.clone(),
        Arc::new(Keyring::load_or_create(&app.data_dir().join("keys")).unwrap()),
        Arc::new(Identity::new(
            liaison_server::demo::app::identity_settings(&app.simulator),
            identity::http_client(),
        )),
    )
}

async fn status(app: &TestApp) -> ConnectionStatus {
    app.store
        .connection(&app.user(OLGA_ID), Provider::Microsoft)
        .await
        .unwrap()
        .expect("Olga's connection")
        .status
}

#[tokio::test]
async fn instances_refreshing_one_account_at_once_both_get_a_token_and_none_flags_it() {
    let app = TestApp::spawn().await;
    let (a, b) = (instance(&app), instance(&app));
    let olga = app.user(OLGA_ID);
    // Both read the row and present the same refresh token; the identity platform redeems it
    // once (the simulator's refresh tokens are single-use, the strictest case) and refuses the
    // other with invalid_grant. Answers are held so both requests are in flight together.
    app.simulator.inject(FaultRule::new(
        TOKEN_ENDPOINT,
        2,
        Fault::DelayAnswer(Duration::from_millis(300)),
    ));
    let (first, second) = tokio::join!(
        a.access_token(&olga, Provider::Microsoft, Refresh::Force),
        b.access_token(&olga, Provider::Microsoft, Refresh::Force),
    );
    assert!(first.is_ok(), "{first:?}");
    assert!(
        second.is_ok(),
        "the loser re-reads the rotated token: {second:?}"
    );
    assert_eq!(status(&app).await, ConnectionStatus::Connected);
    // And the stored token is the live one: a third instance refreshes with it.
    let third = instance(&app)
        .access_token(&olga, Provider::Microsoft, Refresh::Force)
        .await;
    assert!(third.is_ok(), "{third:?}");
}

#[tokio::test]
async fn a_refresh_whose_caller_gave_up_still_keeps_the_rotated_token() {
    let app = TestApp::spawn().await;
    let olga = app.user(OLGA_ID);
    // The identity platform redeems the token at once (the old one is spent) and answers late;
    // the request wanting the token is cancelled before the answer arrives.
    app.simulator.inject(FaultRule::new(
        TOKEN_ENDPOINT,
        1,
        Fault::DelayAnswer(Duration::from_millis(400)),
    ));
    let impatient = instance(&app);
    let gave_up = tokio::time::timeout(
        Duration::from_millis(100),
        impatient.access_token(&olga, Provider::Microsoft, Refresh::Force),
    )
    .await;
    assert!(gave_up.is_err(), "the caller stopped waiting");
    tokio::time::sleep(Duration::from_millis(1000)).await;

    let later = instance(&app)
        .access_token(&olga, Provider::Microsoft, Refresh::Force)
        .await;
    assert!(later.is_ok(), "the rotated token was stored: {later:?}");
    assert_eq!(status(&app).await, ConnectionStatus::Connected);
}

#[tokio::test]
async fn a_sign_in_without_a_new_refresh_token_keeps_the_stored_one() {
    let app = TestApp::spawn().await;
    let olga = app.user(OLGA_ID);
    let before = app
        .store
        .connection(&olga, Provider::Microsoft)
        .await
        .unwrap()
        .unwrap();
    // A provider may answer without `refresh_token` (Google after the first consent; Entra
    // when offline_access was not asked again): the connection's other facts update.
    instance(&app)
        .save(&NewConnection {
            user: &olga,
            provider: Provider::Microsoft,
            account: &before.account,
            account_email: &before.account_email,
            tokens: &TokenSet {
                access_token: SecretString::from("an access token"),
                refresh_token: None,
                expires_in: Some(Duration::from_secs(3600)),
                scopes: vec!["Calendars.ReadWrite".into()],
                id_token: None,
            },
        })
        .await
        .unwrap();
    let after = app
        .store
        .connection(&olga, Provider::Microsoft)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.refresh_token, before.refresh_token);
    assert_eq!(after.scopes, "Calendars.ReadWrite");
    let refreshed = instance(&app)
        .access_token(&olga, Provider::Microsoft, Refresh::Force)
        .await;
    assert!(refreshed.is_ok(), "{refreshed:?}");
}

/// Rotating the encryption key of refresh tokens at rest, as an operator does it: a new key
/// first in the keyring, `liaison doctor --rewrap`, the old key dropped, the server restarted —
/// and every connection still refreshes.
#[tokio::test]
async fn a_key_rotation_rewraps_every_token_and_the_old_key_can_then_go() {
    use liaison_server::doctor::check_secrets;
    let app = TestApp::spawn().await;
    app.token(liaison_e2e::people::ANN).await; // a second connection, sealed at sign-in
    let old = std::fs::read_to_string(app.data_dir().join("keys")).unwrap();
    let old = old.trim();
    let new = "k2:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    // The new key seals from now on; the old one still opens.
    let both = Keyring::parse(&format!("{new},{old}")).unwrap();
    let before = check_secrets(app.store.as_ref(), &both, false)
        .await
        .unwrap();
    assert!(before.healthy());
    assert!(before.per_key.keys().all(|k| k != "k2"), "{before}");
    let rewrapped = check_secrets(app.store.as_ref(), &both, true)
        .await
        .unwrap();
    assert!(rewrapped.rewrapped >= 2, "{rewrapped}");

    // The old key dropped: everything is sealed with the new one and opens.
    let only_new = Keyring::parse(new).unwrap();
    let after = check_secrets(app.store.as_ref(), &only_new, false)
        .await
        .unwrap();
    assert!(after.healthy(), "{after}");
    assert_eq!(after.per_key.keys().collect::<Vec<_>>(), ["k2"]);

    // Restarted with the new key alone, the server refreshes Olga's connection.
    let restarted = TokenSource::new(
        app.store.clone(),
        Arc::new(only_new),
        Arc::new(Identity::new(
            liaison_server::demo::app::identity_settings(&app.simulator),
            identity::http_client(),
        )),
    );
    let refreshed = restarted
        .access_token(&app.user(OLGA_ID), Provider::Microsoft, Refresh::Force)
        .await;
    assert!(refreshed.is_ok(), "{refreshed:?}");

    // Without the rewrap, dropping the old key would have stranded them: the doctor says so.
    let stranded = check_secrets(
        app.store.as_ref(),
        &Keyring::parse("k3:AQECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").unwrap(),
        false,
    )
    .await
    .unwrap();
    assert!(!stranded.healthy());
}
