//! Booking links in headless Chromium (issue 28): in the simulated Outlook, Ann (Editor) composes
//! a message, the sidebar inserts a link to Olga's free times into it, an invitee opens the link
//! and books a time, and the meeting lands in Olga's simulated calendar — Ann named as its
//! initiator — and in Olga's CRM calendar. Rita (Reviewer) and Sam (send on behalf only) are
//! refused with their reasons; a From of Olga's makes Olga the initiator; time slots offer only
//! what the sender picked; a meeting Ann composes in Olga's calendar offers Olga's times from
//! Olga; an administrator withdraws a link from the console; an invitee whose time was taken
//! after the page opened is told so.

use fantoccini::{Client, Locator};
use liaison_e2e::pane::*;
use liaison_e2e::people::{ANN, OLGA, OLGA_ID, RITA, SAM};
use liaison_e2e::{Browser, TestApp, require_built_task_pane};

/// Opens the simulated Outlook as `mailbox` composing a new message (From `from`, when given).
async fn compose_message(app: &TestApp, browser: &Browser, mailbox: &str, from: Option<&str>) {
    let from = from.map(|f| format!("&from={f}")).unwrap_or_default();
    open_host(
        app,
        browser,
        &format!("mailbox={mailbox}&compose=message{from}&theme=light"),
    )
    .await;
}

/// Picks `owner`'s calendar in the sidebar once the list has it.
async fn choose_calendar(client: &Client, owner: &str) {
    let option = format!("#lz-booking-calendar option[value='{owner}']");
    client
        .wait()
        .for_element(Locator::Css(&option))
        .await
        .unwrap();
    client
        .find(Locator::Css("#lz-booking-calendar"))
        .await
        .unwrap()
        .select_by_value(owner)
        .await
        .unwrap();
}

/// The booking link the sidebar inserted into the message's body (in the host, outside the
/// pane's frame), then back into the pane.
async fn inserted_link(client: &Client) -> String {
    client.clone().enter_parent_frame().await.unwrap();
    let body = text_when(client, "#ol-body", |t| t.contains("/book/")).await;
    client.enter_frame(0).await.unwrap();
    let start = body.find("http").expect("a link in the body");
    let link = &body[start..];
    let end = link.find(['"', ' ', '<']).unwrap_or(link.len());
    link[..end].to_owned()
}

/// On the booking page: the first time offered, a name and an address, *Book this time*.
async fn book_first_time(page: &Client, name: &str, email: &str) {
    click(page, "input[name=slot]").await;
    for (field, value) in [("#name", name), ("#email", email)] {
        page.find(Locator::Css(field))
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }
    click(page, "#book button[type=submit]").await;
}

/// The booking page at `link`, as a browser without JavaScript gets it.
async fn page_text(app: &TestApp, link: &str) -> String {
    app.http
        .get(link)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// *Insert link*, once the sidebar says it is in: the link it inserted.
async fn insert_link(client: &Client) -> String {
    click(client, "#lz-booking-insert").await;
    text_when(client, "#lz-booking-done", |t| t.contains("inserted")).await;
    inserted_link(client).await
}

#[tokio::test]
async fn ann_inserts_olgas_availability_and_an_invitee_books_a_time_that_reaches_the_crm() {
    require_built_task_pane();
    let app = TestApp::spawn().await;
    let browser = Browser::start().await;
    let client = browser.client();
    compose_message(&app, &browser, ANN, None).await;
    let from = attribute(client, ".lz-booking__from", "data-from").await;
    assert_eq!(from, ANN, "the message is from Ann");
    choose_calendar(client, OLGA).await;
    click(client, "#lz-booking-insert").await;
    let done = text_when(client, "#lz-booking-done", |t| t.contains("inserted")).await;
    assert!(done.contains("Link inserted"), "{done}");
    let link = inserted_link(client).await;

    // The invitee, in another browser.
    let invitee = Browser::start().await;
    let page = invitee.client();
    page.goto(&link).await.unwrap();
    let initiator = text(page, "#initiator").await;
    assert!(
        initiator.contains("Ann Editor, on behalf of Olga Organizer"),
        "{initiator}"
    );
    let slot = attribute(page, "input[name=slot]", "value").await;
    book_first_time(page, "Grace Hopper", "grace@hopper.example").await;
    let booked = text(page, "#booked").await;
    assert!(booked.contains("You are booked"), "{booked}");

    let at = slot.trim_end_matches('Z');
    let meetings: Vec<_> = app
        .simulator
        .outlook()
        .events_of(OLGA)
        .into_iter()
        .filter(|e| !e.deleted && e.start.starts_with(at))
        .collect();
    assert_eq!(meetings.len(), 1, "one meeting at {slot}");
    assert!(
        meetings[0]
            .body
            .contains("Ann Editor, on behalf of Olga Organizer")
    );
    assert_eq!(
        meetings[0].attendees,
        vec!["grace@hopper.example".to_owned()]
    );
    assert!(
        app.crm_event(OLGA_ID, &meetings[0].ical_uid)
            .await
            .is_some(),
        "the booked meeting is in Olga's CRM calendar"
    );
    // Ann's sidebar lists the link with its booking after a reload.
    client.refresh().await.unwrap();
    client.enter_frame(0).await.unwrap();
    // (In a closed <details>: read its text content, not what is rendered.)
    let listed = read(client, ".lz-booking__links li", |element| async move {
        element
            .prop("textContent")
            .await
            .map(Option::unwrap_or_default)
    })
    .await;
    assert!(listed.contains("1 booked"), "{listed}");
    invitee.close().await;
    browser.close().await;
}

#[tokio::test]
async fn a_reviewer_and_a_send_on_behalf_delegate_are_refused_in_the_sidebar() {
    require_built_task_pane();
    let app = TestApp::spawn().await;
    let browser = Browser::start().await;
    let client = browser.client();
    compose_message(&app, &browser, RITA, None).await;
    choose_calendar(client, OLGA).await;
    click(client, "#lz-booking-insert").await;
    let refusal = attribute(client, ".lz-booking__refusal", "data-code").await;
    assert_eq!(refusal, "reviewer_read_only");

    // Sam may send as Olga but opens nothing of her calendar: his From picks it.
    compose_message(&app, &browser, SAM, Some(OLGA)).await;
    let from = attribute(client, ".lz-booking__from", "data-from").await;
    assert_eq!(from, OLGA);
    click(client, "#lz-booking-insert").await;
    let refusal = attribute(client, ".lz-booking__refusal", "data-code").await;
    assert_eq!(refusal, "no_calendar_access");
    let message = text(client, ".lz-booking__refusal").await;
    assert!(!message.is_empty());
    browser.close().await;
}

#[tokio::test]
async fn a_message_from_olgas_mailbox_makes_olga_the_initiator() {
    require_built_task_pane();
    let app = TestApp::spawn().await;
    let browser = Browser::start().await;
    let client = browser.client();
    compose_message(&app, &browser, ANN, Some(OLGA)).await;
    // The From decides the calendar offered first.
    choose_calendar(client, OLGA).await;
    let link = insert_link(client).await;
    client.goto(&link).await.unwrap();
    let initiator = text(client, "#initiator").await;
    assert_eq!(initiator, "Sent by Olga Organizer.");
    browser.close().await;
}

#[tokio::test]
async fn time_slots_offer_only_the_times_the_sender_picked() {
    require_built_task_pane();
    let app = TestApp::spawn().await;
    let browser = Browser::start().await;
    let client = browser.client();
    compose_message(&app, &browser, ANN, None).await;
    choose_calendar(client, OLGA).await;
    click(client, "#lz-booking-slots").await;
    click(client, "#lz-booking-find").await;
    client
        .wait()
        .for_element(Locator::Css(".lz-booking__slot-list input"))
        .await
        .unwrap();
    let boxes = client
        .find_all(Locator::Css(".lz-booking__slot-list input"))
        .await
        .unwrap();
    let mut picked = Vec::new();
    for checkbox in boxes.iter().take(2) {
        picked.push(checkbox.attr("data-slot").await.unwrap().unwrap());
        checkbox.click().await.unwrap();
    }
    let link = insert_link(client).await;
    let page = page_text(&app, &link).await;
    let offered = super::offered(&page).0;
    picked.sort();
    assert_eq!(offered, picked);
    browser.close().await;
}

#[tokio::test]
async fn an_administrator_withdraws_a_link_from_the_console() {
    require_built_task_pane();
    let app = TestApp::spawn().await;
    let (_, created) = super::make_link(&app, ANN, ANN, super::availability(1, 3, 30)).await;
    let link = created["url"].as_str().unwrap().to_owned();
    let id = created["link"]["id"].as_str().unwrap().to_owned();
    let browser = Browser::start().await;
    let client = browser.client();
    crate::admin_console::sign_in_at(&app, client, liaison_e2e::people::ADELE, "/admin").await;
    click(client, "#tab-booking").await;
    let row = format!("#booking-table tr[data-link='{id}']");
    let shown = text_when(client, &row, |t| t.contains("Active")).await;
    assert!(
        shown.contains("Ann Editor, on behalf of Olga Organizer"),
        "{shown}"
    );
    click(client, &format!("{row} button")).await;
    let after = text_when(client, &row, |t| t.contains("revoked")).await;
    assert!(after.contains("revoked"), "{after}");
    let page = app.http.get(&link).send().await.unwrap();
    assert_eq!(page.status(), reqwest::StatusCode::GONE);
    browser.close().await;
}

#[tokio::test]
async fn an_invitee_whose_time_was_taken_after_the_page_opened_is_told_so() {
    require_built_task_pane();
    let app = TestApp::spawn().await;
    let (_, created) = super::make_link(&app, ANN, ANN, super::availability(2, 2, 30)).await;
    let link = created["url"].as_str().unwrap().to_owned();
    let browser = Browser::start().await;
    let page = browser.client();
    page.goto(&link).await.unwrap();
    let slot = attribute(page, "input[name=slot]", "value").await;
    // Olga fills that time in Outlook while the invitee reads the page.
    let start = slot.parse::<jiff::Timestamp>().unwrap().as_second();
    app.simulator.outlook().create(
        OLGA,
        &m365_sim::outlook::NewMeeting::new("Taken meanwhile", start, 30),
    );
    book_first_time(page, "Late Invitee", "late@example.com").await;
    let message = text(page, "#message").await;
    assert!(message.contains("That time was just taken"), "{message}");
    // The page offers the other times again, without the taken one, and keeps what was typed.
    let name = attribute(page, "#name", "value").await;
    assert_eq!(name, "Late Invitee");
    let offered = attribute(page, "input[name=slot]", "value").await;
    assert_ne!(offered, slot);
    browser.close().await;
}

#[tokio::test]
async fn a_meeting_ann_composes_in_olgas_calendar_offers_olgas_times_from_olga() {
    require_built_task_pane();
    let app = TestApp::spawn().await;
    let browser = Browser::start().await;
    let client = browser.client();
    open_host(
        &app,
        &browser,
        &format!("mailbox={ANN}&compose={OLGA}&theme=light"),
    )
    .await;
    // The meeting's calendar decides (Olga's, no choice), and its organizer is its From.
    let from = attribute(client, ".lz-booking__from", "data-from").await;
    assert_eq!(from, OLGA);
    let calendar = attribute(client, "#lz-booking-calendar", "disabled").await;
    assert!(!calendar.is_empty(), "the calendar is the meeting's");
    let link = insert_link(client).await;
    let page = page_text(&app, &link).await;
    assert!(
        page.contains("Sent by <strong>Olga Organizer</strong>"),
        "{page}"
    );
    browser.close().await;
}
