//! The task pane in headless Chromium, served by the real server, inside the simulated Outlook
//! host (`/dev/outlook`) whose Office.js stand-in gives the pane the selected item: delegates at
//! each level. (Organizers, compose mode and sign-in: `taskpane_organizer.rs`.)

use fantoccini::Locator;
use liaison_e2e::pane::*;
use liaison_e2e::{Browser, TestApp, require_built_task_pane};

use liaison_e2e::people::items::{
    ARTHURS_FOLLOW_UP, OLGAS_PRIVATE, OLGAS_REVIEW, OTTOS_BOARD_PREP,
};
use liaison_e2e::people::seeded;

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

    assert!(
        text(client, ".lz-card--notice")
            .await
            .contains("Open this in Outlook")
    );
    assert_eq!(text(client, "h1").await, "Liaison");
    assert_eq!(
        text(client, ".lz-status--ok").await,
        format!(
            "Connected to the Liaison server {}",
            env!("CARGO_PKG_VERSION")
        )
    );
    browser.close().await;
}

#[tokio::test]
async fn an_editor_links_a_contact_and_saves_the_organizers_event() {
    require_built_task_pane();
    let app = TestApp::spawn().await;
    let browser = Browser::start().await;
    let client = browser.client();
    open_pane(&app, &browser, "ann@contoso.com", OLGAS_REVIEW, "light").await;

    assert_eq!(
        text(client, ".lz-mailbox__address").await,
        "ann@contoso.com"
    );
    assert_eq!(attribute(client, ".lz-level", "data-level").await, "Editor");
    assert_eq!(text(client, ".lz-whose").await, "Olga Organizer's calendar");
    let search = client
        .wait()
        .for_element(Locator::Css(".lz-search input"))
        .await
        .unwrap();
    search.send_keys("nan").await.unwrap();
    click(client, "button[aria-label='Link Nancy Davolio']").await;
    assert!(text(client, ".lz-chosen").await.contains("Nancy Davolio"));
    click(client, ".lz-save__button").await;

    assert_saved_with_nancy(client).await;
    let event = olgas_review_in_the_crm(&app).await;
    assert_eq!(event.created_by_mailbox, "ann@contoso.com");
    browser.close().await;
}

#[tokio::test]
async fn an_editor_links_saves_and_unlinks_by_keyboard_in_a_320_px_pane() {
    require_built_task_pane();
    let app = TestApp::spawn().await;
    let browser = Browser::start().await;
    let client = browser.client();
    open_pane(&app, &browser, "ann@contoso.com", OLGAS_REVIEW, "light").await;
    assert_eq!(text(client, ".lz-whose").await, "Olga Organizer's calendar");

    // Outlook's task pane is 320 px wide: nothing may scroll sideways.
    let widths = client
        .execute(
            "const root = document.documentElement; \
             return [window.innerWidth, root.scrollWidth <= root.clientWidth];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(widths[0], 320, "the host gives the pane 320 px");
    assert_eq!(widths[1], true, "the pane scrolls sideways");

    // Keyboard only, once the pane has the focus (a click on its title): Tab to the search
    // box, type, Tab to the result's Link, Enter, then Tab to Save, Enter.
    click(client, ".lz-pane__title").await;
    tab_to(client, "Search contacts, accounts, leads, opportunities").await;
    client
        .active_element()
        .await
        .unwrap()
        .send_keys("nan")
        .await
        .unwrap();
    text(client, "button[aria-label='Link Nancy Davolio']").await;
    tab_to(client, "Link Nancy Davolio").await;
    press(client, fantoccini::key::Key::Enter).await;
    assert!(text(client, ".lz-chosen").await.contains("Nancy Davolio"));
    tab_to(client, "Save to CRM").await;
    press(client, fantoccini::key::Key::Enter).await;
    // The context is read again after the save and re-rendered; the focus stayed on Save, and
    // it shows.
    assert_saved_with_nancy(client).await;
    assert_eq!(
        focused(client).await,
        ("button".into(), "Save to CRM".into())
    );
    let outline = client
        .execute(
            "return getComputedStyle(document.activeElement).outlineStyle;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(outline, "solid", "no visible focus on the focused control");

    // Unlink, again from the keyboard: the record leaves the pane and the CRM event.
    tab_back_to(client, "Unlink Nancy Davolio").await;
    press(client, fantoccini::key::Key::Enter).await;
    assert_eq!(
        text(client, "section[aria-labelledby=lz-linked-title] .lz-empty").await,
        "None yet."
    );
    // Its button is gone: the focus is on the list's heading, not lost to the page.
    assert_eq!(
        focused(client).await,
        ("h3".into(), "Linked CRM records".into())
    );
    let event = olgas_review_in_the_crm(&app).await;
    assert!(event.records.is_empty(), "{:?}", event.records);
    browser.close().await;
}

#[tokio::test]
async fn an_author_is_refused_on_the_organizers_item_and_saves_their_own() {
    require_built_task_pane();
    let app = TestApp::spawn().await;
    let browser = Browser::start().await;
    let client = browser.client();

    open_pane(&app, &browser, "arthur@contoso.com", OLGAS_REVIEW, "light").await;
    assert_eq!(
        attribute(client, ".lz-refusal", "data-code").await,
        "author_not_creator"
    );
    assert!(client.find(Locator::Css(".lz-save__button")).await.is_err());

    client.enter_parent_frame().await.unwrap();
    open_pane(
        &app,
        &browser,
        "arthur@contoso.com",
        ARTHURS_FOLLOW_UP,
        "light",
    )
    .await;
    click(client, ".lz-save__button").await;
    assert_eq!(
        text(client, ".lz-result--ok").await,
        "Saved to olga@contoso.com's CRM calendar"
    );
    browser.close().await;
}

#[tokio::test]
async fn a_reviewer_sees_the_read_only_sidebar() {
    require_built_task_pane();
    let app = TestApp::spawn().await;
    let browser = Browser::start().await;
    let client = browser.client();

    open_pane(&app, &browser, "rita@contoso.com", OLGAS_REVIEW, "light").await;

    assert_eq!(
        attribute(client, ".lz-level", "data-level").await,
        "Reviewer"
    );
    assert_eq!(
        attribute(client, ".lz-refusal", "data-code").await,
        "reviewer_read_only"
    );
    assert!(client.find(Locator::Css(".lz-save__button")).await.is_err());
    assert!(
        client
            .find(Locator::Css(".lz-category button"))
            .await
            .is_err()
    );
    browser.close().await;
}

#[tokio::test]
async fn a_private_item_stays_hidden_from_a_delegate_who_may_not_see_private_items() {
    require_built_task_pane();
    let app = TestApp::spawn().await;
    let browser = Browser::start().await;
    let client = browser.client();

    open_pane(&app, &browser, "arthur@contoso.com", OLGAS_PRIVATE, "light").await;

    assert_eq!(
        attribute(client, ".lz-refusal", "data-code").await,
        "private_item"
    );
    assert!(client.find(Locator::Css(".lz-search")).await.is_err());
    // Outlook opens it as "Private appointment": its subject reaches neither the pane nor the
    // host's view of the item.
    assert_eq!(
        text(client, ".lz-item__subject").await,
        "Private appointment"
    );
    client.enter_parent_frame().await.unwrap();
    let opened = text(client, "#ol-item").await;
    assert!(!opened.contains("Doctor"), "{opened}");
    let listed = text(
        client,
        &format!("button[data-event='{}']", seeded(OLGAS_PRIVATE)),
    )
    .await;
    assert_eq!(listed, "Private appointment", "the host hides it too");
    browser.close().await;
}

#[tokio::test]
async fn organizer_sync_off_gives_the_exact_message() {
    require_built_task_pane();
    let app = TestApp::spawn().await;
    let browser = Browser::start().await;
    let client = browser.client();

    open_pane(&app, &browser, "ann@contoso.com", OTTOS_BOARD_PREP, "light").await;

    assert_eq!(
        attribute(client, ".lz-refusal", "data-code").await,
        "organizer_sync_disabled"
    );
    assert_eq!(
        text(client, ".lz-refusal").await,
        "Sync is not enabled for the Organizer"
    );
    browser.close().await;
}

#[tokio::test]
async fn the_pane_follows_outlooks_dark_theme() {
    require_built_task_pane();
    let app = TestApp::spawn().await;
    let browser = Browser::start().await;
    let client = browser.client();

    open_pane(&app, &browser, "ann@contoso.com", OLGAS_REVIEW, "dark").await;
    text(client, ".lz-level").await;

    let theme = client
        .execute(
            "return document.documentElement.getAttribute('data-theme');",
            vec![],
        )
        .await
        .unwrap();
    let background = client
        .execute(
            "return getComputedStyle(document.body).backgroundColor;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(theme, "dark");
    assert_eq!(background, "rgb(41, 41, 41)");
    browser.close().await;
}

#[tokio::test]
async fn an_item_outlook_gives_no_id_for_is_found_by_its_times_and_the_pane_says_so() {
    require_built_task_pane();
    let app = TestApp::spawn().await;
    let browser = Browser::start().await;
    let client = browser.client();
    // Rita reads Olga's review in a shared calendar, where Outlook gives no itemId (the
    // stand-in plays OfficeDev/office-js #5939).
    open_host(
        &app,
        &browser,
        &format!(
            "mailbox=rita@contoso.com&item={}&idbug=missing",
            seeded(OLGAS_REVIEW)
        ),
    )
    .await;
    assert_eq!(
        attribute(client, ".lz-level", "data-level").await,
        "Reviewer"
    );
    assert!(
        text(client, ".lz-notice")
            .await
            .contains("found it in Olga Organizer's calendar"),
        "the pane says how the item was found"
    );
    assert!(
        client.find(Locator::Css(".lz-unsaved")).await.is_err(),
        "not taken for a new meeting"
    );
    browser.close().await;
}
