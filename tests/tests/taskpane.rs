//! The task pane in headless Chromium, served by the real server, inside the simulated Outlook
//! host (`/dev/outlook`) whose Office.js stand-in gives the pane the selected item.

use fantoccini::{Client, Locator};
use liaison_e2e::{Browser, TestApp, require_built_task_pane};

use liaison_e2e::people::items::{
    ARTHURS_FOLLOW_UP, FABRIKAM_INVITATION, OLGAS_PRIVATE, OLGAS_REVIEW, OTTOS_BOARD_PREP,
};
use liaison_e2e::people::seeded;

/// Opens the simulated Outlook (on the web) as `mailbox` on seeded item `n` and enters the
/// task pane's frame.
async fn open_pane(app: &TestApp, browser: &Browser, mailbox: &str, n: u8, theme: &str) {
    open_host(
        app,
        browser,
        &format!("mailbox={mailbox}&item={}&theme={theme}", seeded(n)),
    )
    .await;
}

/// Opens the simulated Outlook with `query` and enters the task pane's frame.
async fn open_host(app: &TestApp, browser: &Browser, query: &str) {
    open_host_at(&app.url, browser, query).await;
}

/// The server's public address (`http://localhost:…`, where the identity platform sends the
/// sign-in dialog back): Office passes the dialog's message only to a pane of that origin.
fn public_url(app: &TestApp) -> String {
    app.url.replace("127.0.0.1", "localhost")
}

/// Opens the simulated Outlook served at `base` with `query` and enters the task pane's frame.
async fn open_host_at(base: &str, browser: &Browser, query: &str) {
    let client = browser.client();
    client
        .goto(&format!("{base}/dev/outlook?{query}"))
        .await
        .unwrap();
    // The host sets the pane's address once it has loaded its world; enter the frame by index,
    // which (unlike an element reference) survives the host re-rendering around it.
    client
        .wait()
        .for_element(Locator::Css("#ol-pane[src*='taskpane']"))
        .await
        .unwrap();
    client.enter_frame(0).await.unwrap();
}

/// The text of the element `css` selects, once it is there. The pane re-renders after every
/// change, so an element found a moment ago may be replaced: read it again when it went stale.
async fn text(client: &Client, css: &str) -> String {
    read(client, css, |element| async move { element.text().await }).await
}

/// The text of the element `css` selects once `ready` holds for it (a call the pane is waiting
/// on has answered), or as it is after 10 s, for the caller's assertion to say what it shows.
async fn text_when(client: &Client, css: &str, ready: impl Fn(&str) -> bool) -> String {
    let mut shown = String::new();
    for _ in 0..100 {
        shown = text(client, css).await;
        if ready(&shown) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    shown
}

async fn attribute(client: &Client, css: &str, name: &str) -> String {
    read(client, css, |element| async move {
        element.attr(name).await.map(Option::unwrap_or_default)
    })
    .await
}

/// Clicks the element `css` selects, once it is there.
async fn click(client: &Client, css: &str) {
    client
        .wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

/// In the sign-in dialog the pane opened (a popup window, as Office opens it): picks
/// `mailbox`'s account on the identity platform's page and accepts; then, once the dialog has
/// messaged the pane and closed, goes back into the pane's frame.
async fn sign_in_through_the_dialog(client: &Client, mailbox: &str) {
    let host_window = client.window().await.unwrap();
    let mut dialog = None;
    for _ in 0..100 {
        let windows = client.windows().await.unwrap();
        dialog = windows.into_iter().find(|w| *w != host_window);
        if dialog.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let dialog = dialog.expect("the pane opened no sign-in dialog");
    client.switch_to_window(dialog).await.unwrap();
    click(client, &format!("input[name=user][value='{mailbox}']")).await;
    // The dialog may close before the click's navigation settles: only the outcome counts.
    let accept = client
        .wait()
        .for_element(Locator::Css("#accept"))
        .await
        .unwrap();
    let _ = accept.click().await;
    let mut open = usize::MAX;
    for _ in 0..100 {
        open = client.windows().await.unwrap().len();
        if open == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        open, 1,
        "the pane did not close the dialog after its message"
    );
    client.switch_to_window(host_window).await.unwrap();
    client.enter_frame(0).await.unwrap();
}

async fn read<F, Fut>(client: &Client, css: &str, get: F) -> String
where
    F: Fn(fantoccini::elements::Element) -> Fut,
    Fut: std::future::Future<Output = Result<String, fantoccini::error::CmdError>>,
{
    let mut last_error = None;
    for _ in 0..20 {
        let element = client
            .wait()
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
        match get(element).await {
            Ok(value) => return value,
            Err(e) => last_error = Some(e),
        }
    }
    panic!("{css} kept going stale: {last_error:?}")
}

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

/// After a Save of Olga's review with Nancy Davolio: the pane says where it went, and the
/// context, read again, shows the link and the synced state.
async fn assert_saved_with_nancy(client: &Client) {
    assert_eq!(
        text(client, ".lz-result--ok").await,
        "Saved to olga@contoso.com's CRM calendar"
    );
    assert_eq!(
        text(client, ".lz-linked li .lz-record__name").await,
        "Nancy Davolio"
    );
    assert_eq!(attribute(client, ".lz-sync", "data-state").await, "synced");
}

/// The CRM event of Olga's review (the demo's first event), which must exist.
async fn olgas_review_in_the_crm(app: &TestApp) -> liaison_server::store::StoredEvent {
    app.crm_event("00000001-aaaa-4bbb-8ccc-000000000001", &ical_uid(1))
        .await
        .expect("the CRM event of Olga's review")
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

/// Presses `key` once, on whatever has the keyboard focus (as a person would).
async fn press(client: &Client, key: fantoccini::key::Key) {
    chord(client, &[key]).await;
}

/// Presses `keys` together (held down in order, released in reverse).
async fn chord(client: &Client, keys: &[fantoccini::key::Key]) {
    use fantoccini::actions::{InputSource, KeyAction, KeyActions};
    let mut actions = KeyActions::new("keyboard".into());
    for key in keys {
        actions = actions.then(KeyAction::Down {
            value: (*key).into(),
        });
    }
    for key in keys.iter().rev() {
        actions = actions.then(KeyAction::Up {
            value: (*key).into(),
        });
    }
    client.perform_actions(actions).await.unwrap();
}

/// The focused element's tag and accessible name (its `aria-label`, else its `<label>`'s text,
/// else its own text).
async fn focused(client: &Client) -> (String, String) {
    let answer = client
        .execute(
            "const e = document.activeElement; \
             const label = e.labels && e.labels.length ? e.labels[0].textContent : e.textContent; \
             return [e.tagName.toLowerCase(), e.getAttribute('aria-label') || label.trim()];",
            vec![],
        )
        .await
        .unwrap();
    let tag = answer[0].as_str().unwrap_or_default().to_owned();
    let name = answer[1].as_str().unwrap_or_default().to_owned();
    (tag, name)
}

/// Presses Tab until the focus is on the control named `name`; every stop on the way must be a
/// real control with a name (what a screen reader announces).
async fn tab_to(client: &Client, name: &str) {
    tab_through(client, name, &[fantoccini::key::Key::Tab]).await;
}

/// As [`tab_to`], backwards (Shift+Tab).
async fn tab_back_to(client: &Client, name: &str) {
    use fantoccini::key::Key;
    tab_through(client, name, &[Key::Shift, Key::Tab]).await;
}

async fn tab_through(client: &Client, name: &str, keys: &[fantoccini::key::Key]) {
    let mut stops = Vec::new();
    for _ in 0..30 {
        chord(client, keys).await;
        let (tag, label) = focused(client).await;
        assert!(
            ["button", "input", "a", "summary"].contains(&tag.as_str()),
            "focus went to a <{tag}>: {stops:?}"
        );
        assert!(!label.is_empty(), "a <{tag}> without a name: {stops:?}");
        if label == name {
            return;
        }
        stops.push(label);
    }
    panic!("Tab never reached {name}: {stops:?}");
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
    client.enter_parent_frame().await.unwrap();
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

/// The seeded event number `n`'s iCalUId.
fn ical_uid(n: u8) -> String {
    format!("040000008200E00074C5B7101A82E0080000000000000000000000000000{n:04}")
}

#[tokio::test]
async fn an_organizer_turns_sync_on_from_the_sidebar() {
    require_built_task_pane();
    let app = TestApp::spawn().await;
    let browser = Browser::start().await;
    let client = browser.client();

    open_pane(
        &app,
        &browser,
        "otto@contoso.com",
        OTTOS_BOARD_PREP,
        "light",
    )
    .await;
    assert!(
        text(client, ".lz-settings .lz-status")
            .await
            .starts_with("Off")
    );
    click(client, ".lz-switch input").await;

    let on = text_when(client, ".lz-settings .lz-status", |t| t.starts_with("On")).await;
    assert!(on.starts_with("On"), "{on}");
    let otto = app
        .store
        .user_by_mailbox(&app.tenant_id(), "otto@contoso.com")
        .await
        .unwrap()
        .unwrap();
    assert!(otto.sync_enabled);
    browser.close().await;
}

#[tokio::test]
async fn a_send_on_behalf_delegate_saves_only_what_they_compose() {
    require_built_task_pane();
    let app = TestApp::spawn().await;
    let browser = Browser::start().await;
    let client = browser.client();

    // Sam cannot open Olga's calendar: her meeting is closed to him.
    open_pane(&app, &browser, "sam@contoso.com", OLGAS_REVIEW, "light").await;
    assert_eq!(
        attribute(client, ".lz-refusal", "data-code").await,
        "no_calendar_access"
    );

    client.enter_parent_frame().await.unwrap();
    open_host(
        &app,
        &browser,
        "mailbox=sam@contoso.com&compose=olga@contoso.com",
    )
    .await;
    assert_eq!(
        attribute(client, ".lz-level", "data-level").await,
        "SendOnBehalf"
    );
    // Not saved in Outlook yet: Save saves it there first (Office.js saveAsync).
    assert!(text(client, ".lz-unsaved").await.contains("not saved yet"));
    click(client, ".lz-save__button").await;
    assert_eq!(
        text(client, ".lz-result--ok").await,
        "Saved to olga@contoso.com's CRM calendar"
    );
    let composed = app
        .simulator
        .outlook()
        .events_of("olga@contoso.com")
        .into_iter()
        .find(|e| e.subject == "New meeting")
        .expect("Outlook saved the meeting in Olga's calendar");
    assert_eq!(composed.creator_name, "Sam SendOnBehalf");
    let event = app
        .crm_event("00000001-aaaa-4bbb-8ccc-000000000001", &composed.ical_uid)
        .await
        .expect("in Olga's CRM calendar");
    assert_eq!(event.created_by_mailbox, "sam@contoso.com");
    browser.close().await;
}

/// The categories of one of Olga's items as the simulator stores them, once `ready` holds.
async fn olgas_categories(app: &TestApp, n: u8, ready: impl Fn(&[String]) -> bool) -> Vec<String> {
    let mut stored = Vec::new();
    for _ in 0..50 {
        stored = app
            .simulator
            .outlook()
            .events_of("olga@contoso.com")
            .into_iter()
            .find(|e| e.has_id(&seeded(n)))
            .unwrap()
            .categories;
        if ready(&stored) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    stored
}

#[tokio::test]
async fn the_crm_category_is_added_by_office_js_in_read_mode_and_through_graph_in_compose_mode() {
    require_built_task_pane();
    let app = TestApp::spawn().await;
    let browser = Browser::start().await;
    let client = browser.client();

    // Read mode (an invitation Olga received): Office.js adds the category, Outlook shows it.
    open_pane(
        &app,
        &browser,
        "ann@contoso.com",
        FABRIKAM_INVITATION,
        "light",
    )
    .await;
    click(client, ".lz-category button").await;
    assert!(
        text(client, ".lz-category .lz-status")
            .await
            .contains("has the CRM category")
    );
    client.enter_parent_frame().await.unwrap();
    assert!(
        text(client, "#ol-item dl").await.contains("CRM"),
        "Outlook shows the category"
    );
    assert_eq!(
        olgas_categories(&app, FABRIKAM_INVITATION, |c| !c.is_empty()).await,
        ["CRM"]
    );

    // Organizer (compose) mode in Outlook on the web cannot change categories from the pane:
    // the server writes it through Graph with Olga's connection.
    open_pane(&app, &browser, "ann@contoso.com", OLGAS_REVIEW, "light").await;
    click(client, ".lz-category button").await;
    assert!(
        text(client, ".lz-category .lz-status")
            .await
            .contains("has the CRM category")
    );
    assert_eq!(
        olgas_categories(&app, OLGAS_REVIEW, |c| !c.is_empty()).await,
        ["CRM"]
    );
    // Olga's next sync session brings both into the CRM, no Save needed.
    let olga = app.token("olga@contoso.com").await;
    let run: serde_json::Value = app
        .http
        .post(format!("{}/api/sync/run", app.url))
        .bearer_auth(olga)
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(run["report"]["upserted"].as_u64() >= Some(2), "{run}");
    olgas_review_in_the_crm(&app).await;

    // A tenant category the mailbox's list lacks: the server adds it to Olga's list first.
    let mut tenant = app.store.tenant(&app.tenant_id()).await.unwrap().unwrap();
    tenant.crm_category_name = "Sales CRM".into();
    app.store.upsert_tenant(&tenant).await.unwrap();
    client.enter_parent_frame().await.unwrap();
    open_pane(&app, &browser, "ann@contoso.com", OLGAS_REVIEW, "light").await;
    click(client, ".lz-category button").await;
    assert!(
        text(client, ".lz-category .lz-status")
            .await
            .contains("has the Sales CRM category")
    );
    assert!(
        app.simulator
            .outlook()
            .master_categories("olga@contoso.com")
            .contains(&"Sales CRM".to_owned())
    );
    browser.close().await;
}

#[tokio::test]
async fn outlook_clients_that_answer_null_categories_or_refuse_them_in_compose_mode_still_work() {
    require_built_task_pane();
    let app = TestApp::spawn().await;
    let browser = Browser::start().await;
    let client = browser.client();

    // Classic Outlook: `categories.getAsync` answers `null` for an item without categories.
    open_host(
        &app,
        &browser,
        &format!(
            "mailbox=ann@contoso.com&item={}&flavour=classic",
            seeded(OLGAS_REVIEW)
        ),
    )
    .await;
    assert_eq!(attribute(client, ".lz-level", "data-level").await, "Editor");
    // …and it lets the pane add the category in compose mode itself.
    click(client, ".lz-category button").await;
    assert!(
        text(client, ".lz-category .lz-status")
            .await
            .contains("has the CRM category")
    );
    client.enter_parent_frame().await.unwrap();
    assert!(text(client, "#ol-item dl").await.contains("CRM"));
    browser.close().await;
}

#[tokio::test]
async fn an_organizers_own_meeting_opens_in_organizer_mode_and_saves_by_its_saved_id() {
    require_built_task_pane();
    let app = TestApp::spawn().await;
    let browser = Browser::start().await;
    let client = browser.client();

    open_pane(&app, &browser, "olga@contoso.com", OLGAS_REVIEW, "light").await;
    assert_eq!(text(client, ".lz-whose").await, "Your calendar");
    let mode = client
        .execute(
            "return typeof Office.context.mailbox.item.subject.getAsync;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(mode, "function", "organizer (compose) mode");
    assert!(client.find(Locator::Css(".lz-unsaved")).await.is_err());
    click(client, ".lz-save__button").await;
    assert_eq!(
        text(client, ".lz-result--ok").await,
        "Saved to olga@contoso.com's CRM calendar"
    );
    let event = olgas_review_in_the_crm(&app).await;
    // Graph's original time zone (Outlook's userProfile gives a Windows zone name too).
    assert_eq!(event.write.time_zone, "W. Europe Standard Time");
    browser.close().await;
}

#[tokio::test]
async fn a_new_meeting_is_saved_in_outlook_first_then_in_the_crm() {
    require_built_task_pane();
    let app = TestApp::spawn().await;
    let browser = Browser::start().await;
    let client = browser.client();

    open_host(
        &app,
        &browser,
        "mailbox=ann@contoso.com&compose=olga@contoso.com",
    )
    .await;
    assert!(text(client, ".lz-unsaved").await.contains("not saved yet"));
    assert_eq!(attribute(client, ".lz-level", "data-level").await, "Editor");
    click(client, ".lz-save__button").await;
    assert_eq!(
        text(client, ".lz-result--ok").await,
        "Saved to olga@contoso.com's CRM calendar"
    );
    // Now it has an id: the context is read again by it, and the notice is gone.
    let status = text_when(client, ".lz-sync", |t| t.starts_with("Synced")).await;
    assert!(status.starts_with("Synced"), "{status}");
    assert!(client.find(Locator::Css(".lz-unsaved")).await.is_err());
    let composed = app
        .simulator
        .outlook()
        .events_of("olga@contoso.com")
        .into_iter()
        .find(|e| e.subject == "New meeting")
        .unwrap();
    assert_eq!(composed.creator_name, "Ann Editor");
    assert_eq!(composed.organizer_address, "olga@contoso.com");
    browser.close().await;
}

#[tokio::test]
async fn closing_the_sign_in_dialog_gives_the_button_back() {
    require_built_task_pane();
    let app = TestApp::builder().without_consent().spawn().await;
    let browser = Browser::start().await;
    let client = browser.client();
    open_host_at(
        &public_url(&app),
        &browser,
        &format!("mailbox=olga@contoso.com&item={}", seeded(OLGAS_REVIEW)),
    )
    .await;
    text(client, "section[role=alert]").await;
    click(client, "section[role=alert] .lz-button--primary").await;

    // The person closes the dialog: Office raises DialogEventReceived (12006).
    let host_window = client.window().await.unwrap();
    let mut dialog = None;
    for _ in 0..100 {
        dialog = client
            .windows()
            .await
            .unwrap()
            .into_iter()
            .find(|w| *w != host_window);
        if dialog.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    client
        .switch_to_window(dialog.expect("a dialog"))
        .await
        .unwrap();
    client.close_window().await.unwrap();
    client.switch_to_window(host_window).await.unwrap();
    client.enter_frame(0).await.unwrap();

    let card = text_when(client, "section[role=alert]", |t| t.contains("closed")).await;
    assert!(card.contains("The sign-in window was closed"), "{card}");
    let disabled = attribute(
        client,
        "section[role=alert] .lz-button--primary",
        "disabled",
    )
    .await;
    assert_eq!(disabled, "", "the Sign in button works again");
    browser.close().await;
}

#[tokio::test]
async fn an_organizer_syncs_now_and_is_told_when_the_connection_needs_reconnecting() {
    require_built_task_pane();
    let app = TestApp::spawn().await;
    let browser = Browser::start().await;
    let client = browser.client();
    app.simulator.outlook().create(
        "olga@contoso.com",
        &m365_sim::outlook::NewMeeting::new(
            "Tagged in Outlook",
            liaison_server::clock::now_ms() / 1000 + 86_400,
            30,
        )
        .category("CRM"),
    );

    // On the public address: Reconnect's sign-in dialog comes back there.
    open_host_at(
        &public_url(&app),
        &browser,
        &format!(
            "mailbox=olga@contoso.com&item={}&theme=light",
            seeded(OLGAS_REVIEW)
        ),
    )
    .await;
    click(client, ".lz-sync-now").await;
    let result = text_when(client, ".lz-sync-result", |t| !t.is_empty()).await;
    assert!(result.starts_with("Synced: 1 saved to the CRM"), "{result}");

    // Olga's grant is revoked and Graph refuses the token: the pane says to reconnect.
    app.simulator
        .revoke_grants("00000001-aaaa-4bbb-8ccc-000000000001");
    app.simulator.inject(m365_sim::FaultRule::new(
        "calendarView/delta",
        1,
        m365_sim::Fault::Status {
            status: 401,
            retry_after: None,
        },
    ));
    click(client, ".lz-sync-now").await;
    let alert = text(client, ".lz-reconnect").await;
    assert!(alert.contains("sign in again"), "{alert}");
    assert!(alert.contains("Reconnect"));

    // Reconnect: Olga signs in again in the dialog; the connection is fresh, Sync now works.
    click(client, ".lz-reconnect button").await;
    sign_in_through_the_dialog(client, "olga@contoso.com").await;
    click(client, ".lz-sync-now").await;
    let result = text_when(client, ".lz-sync-result", |t| t.starts_with("Synced")).await;
    assert!(result.starts_with("Synced: "), "{result}");
    assert!(
        client.find(Locator::Css(".lz-reconnect")).await.is_err(),
        "the Reconnect prompt stays after reconnecting"
    );
    browser.close().await;
}

#[tokio::test]
async fn a_first_sign_in_consents_in_the_dialog_then_office_sso_is_enough() {
    require_built_task_pane();
    let app = TestApp::builder().without_consent().spawn().await;
    let browser = Browser::start().await;
    let client = browser.client();
    let query = format!(
        "mailbox=olga@contoso.com&item={}&theme=light",
        seeded(OLGAS_REVIEW)
    );

    // No consent in the tenant: Office SSO cannot sign Olga in, the pane asks her to.
    open_host_at(&public_url(&app), &browser, &query).await;
    let card = text(client, "section[role=alert]").await;
    assert!(card.starts_with("Sign in to Liaison"), "{card}");
    // Nothing failed: nobody has consented yet, and the card says so as an instruction.
    assert!(
        card.contains("Liaison needs consent first: sign in and accept, or ask your administrator")
            && !card.contains("did not work"),
        "{card}"
    );
    click(client, "section[role=alert] .lz-button--primary").await;
    sign_in_through_the_dialog(client, "olga@contoso.com").await;
    assert_eq!(text(client, ".lz-whose").await, "Your calendar");
    // Signed in, and nothing of it in the browser's storage: the session lives in the pane's
    // memory, the flow cookie was HttpOnly and is gone.
    let stored = client
        .execute(
            "return [localStorage.length, sessionStorage.length, document.cookie];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(stored, serde_json::json!([0, 0, ""]), "the pane's storage");

    // She consented in the dialog: the next time the pane opens, SSO signs her in silently.
    open_host_at(&public_url(&app), &browser, &query).await;
    assert_eq!(text(client, ".lz-whose").await, "Your calendar");
    assert_eq!(
        client.windows().await.unwrap().len(),
        1,
        "no dialog this time"
    );
    browser.close().await;
}
