//! Driving the task pane in headless Chromium inside the simulated Outlook host
//! (`/dev/outlook`): opening it on an item, reading and clicking what it shows, the keyboard, the
//! sign-in dialog — for the task pane suites (`tests/taskpane*.rs`).

use fantoccini::{Client, Locator};

use crate::people::seeded;
use crate::{Browser, TestApp};

/// Opens the simulated Outlook (on the web) as `mailbox` on seeded item `n` and enters the
/// task pane's frame.
pub async fn open_pane(app: &TestApp, browser: &Browser, mailbox: &str, n: u8, theme: &str) {
    open_host(
        app,
        browser,
        &format!("mailbox={mailbox}&item={}&theme={theme}", seeded(n)),
    )
    .await;
}

/// Opens the simulated Outlook with `query` and enters the task pane's frame.
pub async fn open_host(app: &TestApp, browser: &Browser, query: &str) {
    open_host_at(&app.url, browser, query).await;
}

/// The server's public address (`http://localhost:…`, where the identity platform sends the
/// sign-in dialog back): Office passes the dialog's message only to a pane of that origin.
pub fn public_url(app: &TestApp) -> String {
    app.url.replace("127.0.0.1", "localhost")
}

/// Opens the simulated Outlook served at `base` with `query` and enters the task pane's frame.
pub async fn open_host_at(base: &str, browser: &Browser, query: &str) {
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
pub async fn text(client: &Client, css: &str) -> String {
    read(client, css, |element| async move { element.text().await }).await
}

/// The text of the element `css` selects once `ready` holds for it (a call the pane is waiting
/// on has answered), or as it is after 10 s, for the caller's assertion to say what it shows.
pub async fn text_when(client: &Client, css: &str, ready: impl Fn(&str) -> bool) -> String {
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

pub async fn attribute(client: &Client, css: &str, name: &str) -> String {
    read(client, css, |element| async move {
        element.attr(name).await.map(Option::unwrap_or_default)
    })
    .await
}

/// Clicks the element `css` selects, once it is there.
pub async fn click(client: &Client, css: &str) {
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
pub async fn sign_in_through_the_dialog(client: &Client, mailbox: &str) {
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

pub async fn read<F, Fut>(client: &Client, css: &str, get: F) -> String
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

/// Presses `key` once, on whatever has the keyboard focus (as a person would).
pub async fn press(client: &Client, key: fantoccini::key::Key) {
    chord(client, &[key]).await;
}

/// Presses `keys` together (held down in order, released in reverse).
pub async fn chord(client: &Client, keys: &[fantoccini::key::Key]) {
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
pub async fn focused(client: &Client) -> (String, String) {
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
pub async fn tab_to(client: &Client, name: &str) {
    tab_through(client, name, &[fantoccini::key::Key::Tab]).await;
}

/// As [`tab_to`], backwards (Shift+Tab).
pub async fn tab_back_to(client: &Client, name: &str) {
    use fantoccini::key::Key;
    tab_through(client, name, &[Key::Shift, Key::Tab]).await;
}

pub async fn tab_through(client: &Client, name: &str, keys: &[fantoccini::key::Key]) {
    let mut stops = Vec::new();
    for _ in 0..30 {
        chord(client, keys).await;
        let (tag, label) = focused(client).await;
        assert!(
            ["button", "input", "select", "a", "summary"].contains(&tag.as_str()),
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

/// After a Save of Olga's review with Nancy Davolio: the pane says where it went, and the
/// context, read again, shows the link and the synced state.
pub async fn assert_saved_with_nancy(client: &Client) {
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
pub async fn olgas_review_in_the_crm(app: &TestApp) -> liaison_server::store::StoredEvent {
    app.crm_event("00000001-aaaa-4bbb-8ccc-000000000001", &ical_uid(1))
        .await
        .expect("the CRM event of Olga's review")
}

/// The seeded event number `n`'s iCalUId.
pub fn ical_uid(n: u8) -> String {
    format!("040000008200E00074C5B7101A82E0080000000000000000000000000000{n:04}")
}
