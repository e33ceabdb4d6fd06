//! The task pane in headless Chromium, served by the real server.

use fantoccini::Locator;
use liaison_e2e::{Browser, TestApp, require_built_task_pane};

#[tokio::test]
async fn outside_outlook_the_task_pane_says_to_open_it_in_outlook() {
    require_built_task_pane();
    let app = TestApp::spawn().await;
    let browser = Browser::start().await;
    let client = browser.client();

    client
        .goto(&format!("{}/taskpane.html", app.url))
        .await
        .unwrap();

    let notice = client
        .wait()
        .for_element(Locator::Css(".lz-card--notice"))
        .await
        .unwrap();
    assert!(
        notice
            .text()
            .await
            .unwrap()
            .contains("Open this in Outlook")
    );
    let title = client.find(Locator::Css("h1")).await.unwrap();
    assert_eq!(title.text().await.unwrap(), "Liaison");
    browser.close().await;
}

#[tokio::test]
async fn in_outlook_the_task_pane_shows_the_signed_in_mailbox_and_reaches_the_server() {
    require_built_task_pane();
    let app = TestApp::spawn().await;
    let browser = Browser::start().await;
    let client = browser.client();

    client
        .goto(&app.task_pane_in_simulated_outlook("ann@contoso.com", "Ann Editor"))
        .await
        .unwrap();

    let address = client
        .wait()
        .for_element(Locator::Css(".lz-mailbox__address"))
        .await
        .unwrap();
    assert_eq!(address.text().await.unwrap(), "ann@contoso.com");
    let name = client
        .find(Locator::Css(".lz-mailbox__name"))
        .await
        .unwrap();
    assert_eq!(name.text().await.unwrap(), "Ann Editor");
    let status = client
        .wait()
        .for_element(Locator::Css(".lz-status--ok"))
        .await
        .unwrap();
    assert_eq!(
        status.text().await.unwrap(),
        format!(
            "Connected to the Liaison server {}",
            env!("CARGO_PKG_VERSION")
        )
    );
    browser.close().await;
}
