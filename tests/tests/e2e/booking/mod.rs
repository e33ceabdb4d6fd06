//! Booking links through the real server (issue 28), on SQLite and (when `TEST_DATABASE_URL` is
//! set) PostgreSQL, against the simulator's free/busy and calendars: who may make a link (the
//! permission core's `sendAvailability` on Microsoft's facts) and whose From counts as the
//! initiator; the public page's free times (tentative, busy and recurring meetings block, free
//! ones don't); a booking made once however often it is sent; a time taken after the page
//! opened; two invitees racing for one time; expired, withdrawn and unknown links; rate limits.
//! `pane.rs`: the same in Chromium, from a composed message in the simulated Outlook.

mod pane;

use liaison_e2e::TestApp;
use liaison_e2e::people::{ANN, OLGA, RITA, SAM};
use liaison_e2e::test_db::backends;
use m365_sim::outlook::NewMeeting;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Sends `body` to `path` as `mailbox`: the status and the JSON.
pub(super) async fn call(
    app: &TestApp,
    mailbox: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let (status, json, _) = crate::records::call(app, mailbox, method, path, body, &[]).await;
    (status, json)
}

/// The day `days` from today (UTC), as `YYYY-MM-DD`.
pub(super) fn date(days: i64) -> String {
    let at = jiff::Timestamp::from_second(liaison_e2e::people::day(days)).unwrap();
    at.strftime("%Y-%m-%d").to_string()
}

/// An availability offer in UTC: days `first..=last` from today, 09:00–17:00 every day.
pub(super) fn availability(first: i64, last: i64, minutes: u32) -> Value {
    json!({
        "kind": "availability", "meetingMinutes": minutes, "timeZone": "UTC",
        "firstDay": date(first), "lastDay": date(last),
        "workingHours": { "start": "09:00", "end": "17:00", "days": [1, 2, 3, 4, 5, 6, 7] },
    })
}

/// `mailbox` asks for a link to Olga's calendar, sent from `from`.
pub(super) async fn make_link(
    app: &TestApp,
    mailbox: &str,
    from: &str,
    offer: Value,
) -> (StatusCode, Value) {
    call(
        app,
        mailbox,
        Method::POST,
        "/api/booking-links",
        Some(json!({ "item": { "owner": OLGA }, "from": from, "subject": "Intro call", "offer": offer })),
    )
    .await
}

/// The page's path of a made link.
pub(super) fn page_path(created: &Value) -> String {
    let url = created["url"].as_str().expect("the link's URL");
    url[url.find("/book/").expect("a booking path")..].to_owned()
}

/// The page's offered times and its form key.
pub(super) fn offered(page: &str) -> (Vec<String>, String) {
    let values = |name: &str| {
        let marker = format!("name=\"{name}\" value=\"");
        page.match_indices(&marker)
            .map(|(i, _)| {
                let rest = &page[i + marker.len()..];
                rest[..rest.find('"').unwrap()].to_owned()
            })
            .collect::<Vec<_>>()
    };
    let attempt = values("attempt").pop().unwrap_or_default();
    (values("slot"), attempt)
}

async fn open_page(app: &TestApp, path: &str) -> (StatusCode, String) {
    let res = app.get(path).await;
    (res.status(), res.text().await.unwrap())
}

async fn book(
    app: &TestApp,
    path: &str,
    slot: &str,
    attempt: &str,
    email: &str,
) -> (StatusCode, String) {
    let res = app
        .http
        .post(format!("{}{path}", app.url))
        .form(&[
            ("slot", slot),
            ("attempt", attempt),
            ("name", "Grace Hopper"),
            ("email", email),
            ("tz", "UTC"),
        ])
        .send()
        .await
        .expect("the server answers");
    (res.status(), res.text().await.unwrap())
}

/// Olga's meetings starting at `start` (RFC 3339) in the simulator.
fn olgas_meetings_at(app: &TestApp, start: &str) -> Vec<m365_sim::world::GraphEvent> {
    let at = start.trim_end_matches('Z');
    app.simulator
        .outlook()
        .events_of(OLGA)
        .into_iter()
        .filter(|e| !e.deleted && e.start.starts_with(at))
        .collect()
}

#[tokio::test]
async fn ann_books_olgas_time_for_an_invitee_who_lands_in_the_crm() {
    for backend in backends() {
        let app = TestApp::builder().backend(backend).spawn().await;
        // The invitee is a contact Olga may see.
        let (status, contact) = call(
            &app,
            OLGA,
            Method::POST,
            "/api/crm/records",
            Some(json!({ "kind": "contact", "name": "Grace Hopper", "emails": ["grace@hopper.example"] })),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{contact}");
        let (status, created) = make_link(&app, ANN, ANN, availability(1, 3, 30)).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        assert_eq!(created["link"]["initiator"]["mailbox"], ANN);
        assert_eq!(created["link"]["state"], "active");
        let path = page_path(&created);
        let (status, page) = open_page(&app, &path).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(
            page.contains("Ann Editor, on behalf of Olga Organizer"),
            "{page}"
        );
        let (slots, attempt) = offered(&page);
        assert!(!slots.is_empty() && !attempt.is_empty());
        let slot = slots[0].clone();

        let (status, booked) = book(&app, &path, &slot, &attempt, "Grace@Hopper.example").await;
        assert_eq!(status, StatusCode::OK, "{booked}");
        assert!(booked.contains("You are booked"), "{booked}");
        let meetings = olgas_meetings_at(&app, &slot);
        assert_eq!(meetings.len(), 1, "one meeting at {slot}");
        let meeting = &meetings[0];
        assert_eq!(meeting.organizer_address, OLGA, "Olga organizes it");
        assert_eq!(meeting.attendees, vec!["grace@hopper.example".to_owned()]);
        assert!(
            meeting
                .body
                .contains("Ann Editor, on behalf of Olga Organizer"),
            "{}",
            meeting.body
        );
        // In Olga's CRM calendar, linked to the contact.
        let event = app
            .crm_event(liaison_e2e::people::OLGA_ID, &meeting.ical_uid)
            .await
            .expect("the booked meeting is in the CRM");
        assert!(
            event
                .records
                .iter()
                .any(|r| r.id == contact["id"].as_str().unwrap()),
            "{:?}",
            event.records
        );

        // The same form again books nothing more.
        let (status, again) = book(&app, &path, &slot, &attempt, "grace@hopper.example").await;
        assert_eq!(status, StatusCode::OK, "{again}");
        assert_eq!(olgas_meetings_at(&app, &slot).len(), 1);
        // The booked time is offered no more.
        let (_, page) = open_page(&app, &path).await;
        assert!(!offered(&page).0.contains(&slot));
        // Ann sees the link and its booking.
        let (_, links) = call(&app, ANN, Method::GET, "/api/booking-links", None).await;
        assert_eq!(links["links"][0]["bookings"], 1, "{links}");
    }
}

#[tokio::test]
async fn a_reviewer_and_a_send_on_behalf_delegate_are_refused_with_their_reasons() {
    let app = TestApp::spawn().await;
    let (status, body) = make_link(&app, RITA, RITA, availability(1, 2, 30)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["code"], "reviewer_read_only");
    let (status, body) = make_link(&app, SAM, SAM, availability(1, 2, 30)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["code"], "no_calendar_access");
    // Neither may look up Olga's free times either.
    let (status, _) = call(
        &app,
        RITA,
        Method::POST,
        "/api/booking-links/free-slots",
        Some(json!({ "item": { "owner": OLGA }, "offer": availability(1, 2, 30) })),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_initiator_is_the_from_the_caller_may_send_as() {
    let app = TestApp::spawn().await;
    // Ann sends from Olga's mailbox (an Editor creates invitations on Olga's behalf): Olga
    // initiates, and the page names her alone.
    let (status, created) = make_link(&app, ANN, OLGA, availability(1, 2, 30)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["link"]["initiator"]["mailbox"], OLGA);
    assert_eq!(created["link"]["createdBy"]["mailbox"], ANN);
    let (_, page) = open_page(&app, &page_path(&created)).await;
    assert!(
        page.contains("Sent by <strong>Olga Organizer</strong>"),
        "{page}"
    );
    // Someone else's From is not Ann's to give.
    let (status, body) = make_link(&app, ANN, "arthur@contoso.com", availability(1, 2, 30)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["code"], "from_not_yours");
}

#[tokio::test]
async fn busy_tentative_and_recurring_meetings_block_times_and_free_ones_do_not() {
    let app = TestApp::spawn().await;
    let outlook = app.simulator.outlook();
    let day = liaison_e2e::people::day(5); // 09:00 UTC in five days
    outlook.create(OLGA, &NewMeeting::new("Busy", day + 3600, 30));
    outlook.create(
        OLGA,
        &NewMeeting::new("Maybe", day + 2 * 3600, 30).show_as("tentative"),
    );
    outlook.create(
        OLGA,
        &NewMeeting::new("Free", day + 3 * 3600, 30).show_as("free"),
    );
    let weekly = outlook.create(
        OLGA,
        &NewMeeting::new("Weekly", day - 7 * 86_400 + 4 * 3600, 30),
    );
    outlook.make_weekly_series(&weekly, 3);
    let (status, free) = call(
        &app,
        ANN,
        Method::POST,
        "/api/booking-links/free-slots",
        Some(json!({ "item": { "owner": OLGA }, "offer": availability(5, 5, 30) })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{free}");
    let starts: Vec<&str> = free["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["start"].as_str().unwrap())
        .collect();
    let at = |hours: i64| {
        jiff::Timestamp::from_second(day + hours * 3600)
            .unwrap()
            .to_string()
    };
    assert!(!starts.contains(&at(1).as_str()), "busy blocks: {starts:?}");
    assert!(!starts.contains(&at(2).as_str()), "tentative blocks");
    assert!(starts.contains(&at(3).as_str()), "free does not block");
    assert!(
        !starts.contains(&at(4).as_str()),
        "the series' occurrence blocks"
    );
    assert!(starts.contains(&at(5).as_str()));
}

#[tokio::test]
async fn a_time_taken_after_the_page_opened_is_refused_at_booking() {
    let app = TestApp::spawn().await;
    let (_, created) = make_link(&app, ANN, ANN, availability(2, 2, 30)).await;
    let path = page_path(&created);
    let (_, page) = open_page(&app, &path).await;
    let (slots, attempt) = offered(&page);
    let slot = slots[0].clone();
    // Olga fills that time in Outlook meanwhile.
    let start = slot.parse::<jiff::Timestamp>().unwrap().as_second();
    app.simulator
        .outlook()
        .create(OLGA, &NewMeeting::new("Taken meanwhile", start, 30));
    let (status, answer) = book(&app, &path, &slot, &attempt, "late@example.com").await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert!(answer.contains("That time was just taken"), "{answer}");
    assert_eq!(
        olgas_meetings_at(&app, &slot).len(),
        1,
        "only Olga's own meeting"
    );
}

#[tokio::test]
async fn two_invitees_racing_for_one_time_make_one_meeting() {
    for backend in backends() {
        let app = TestApp::builder().backend(backend).spawn().await;
        let (_, created) = make_link(&app, ANN, ANN, availability(3, 3, 60)).await;
        let path = page_path(&created);
        let (_, first) = open_page(&app, &path).await;
        let (_, second) = open_page(&app, &path).await;
        let ((slots, a), (_, b)) = (offered(&first), offered(&second));
        let slot = slots[0].clone();
        let (one, two) = tokio::join!(
            book(&app, &path, &slot, &a, "one@example.com"),
            book(&app, &path, &slot, &b, "two@example.com"),
        );
        let mut statuses = [one.0, two.0];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::OK, StatusCode::CONFLICT],
            "{} / {}",
            one.1,
            two.1
        );
        assert_eq!(olgas_meetings_at(&app, &slot).len(), 1);
    }
}

#[tokio::test]
async fn expired_withdrawn_and_unknown_links_answer_a_clear_page() {
    let app = TestApp::spawn().await;
    let (_, created) = make_link(&app, ANN, ANN, availability(1, 2, 30)).await;
    let path = page_path(&created);
    let id = created["link"]["id"].as_str().unwrap().to_owned();
    // Olga (whose calendar it offers) withdraws it.
    let (status, revoked) = call(
        &app,
        OLGA,
        Method::DELETE,
        &format!("/api/booking-links/{id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{revoked}");
    assert_eq!(revoked["state"], "revoked");
    let (status, page) = open_page(&app, &path).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(
        page.contains("This booking link was withdrawn") && page.contains("Ask Ann Editor"),
        "{page}"
    );
    // A booking through it is refused the same way.
    let res = app
        .http
        .post(format!("{}{path}", app.url))
        .form(&[("slot", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::GONE);

    // Expired: a link whose time is up.
    let (_, created) = make_link(&app, ANN, ANN, availability(1, 2, 30)).await;
    let id = created["link"]["id"].as_str().unwrap();
    app.store
        .expire_booking_link_for_tests(&app.tenant_id(), id)
        .await
        .unwrap();
    let (status, page) = open_page(&app, &page_path(&created)).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(page.contains("This booking link has expired"), "{page}");

    let (status, page) = open_page(&app, "/book/bk_not-a-link").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("This booking link is not valid"));
    // Rita may not withdraw Ann's link to Olga's calendar: it is not hers to see.
    let (_, created) = make_link(&app, ANN, ANN, availability(1, 2, 30)).await;
    let id = created["link"]["id"].as_str().unwrap();
    let (status, _) = call(
        &app,
        RITA,
        Method::DELETE,
        &format!("/api/booking-links/{id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_public_page_is_rate_limited_per_client() {
    let app = TestApp::builder().rate_limit(2).spawn().await;
    let (_, created) = make_link(&app, ANN, ANN, availability(1, 1, 30)).await;
    let path = page_path(&created);
    let mut limited = false;
    for _ in 0..10 {
        let res = app.get(&path).await;
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(res.headers().contains_key("retry-after"));
            limited = true;
            break;
        }
    }
    assert!(limited, "ten page views at once are limited");
}

#[tokio::test]
async fn bad_offers_name_their_field() {
    let app = TestApp::spawn().await;
    let mut offer = availability(1, 2, 30);
    offer["timeZone"] = json!("Mars/Olympus");
    let (status, body) = make_link(&app, ANN, ANN, offer).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["field"], "offer.timeZone");
    let (status, body) = make_link(&app, ANN, ANN, availability(1, 60, 30)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["field"], "offer.lastDay");
}

#[tokio::test]
async fn one_link_is_rate_limited_whoever_asks() {
    // Each request from another client (as a trusted proxy names them): only the link's own
    // budget can stop them.
    let app = TestApp::builder()
        .rate_limit(2)
        .trusted_proxy("127.0.0.1".parse().unwrap())
        .spawn()
        .await;
    let (_, created) = make_link(&app, ANN, ANN, availability(1, 1, 30)).await;
    let url = format!("{}{}", app.url, page_path(&created));
    let mut limited = false;
    for n in 0..10 {
        let res = app
            .http
            .get(&url)
            .header("x-forwarded-for", format!("198.51.100.{n}"))
            .send()
            .await
            .unwrap();
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = true;
            break;
        }
    }
    assert!(limited, "ten clients on one link at once are limited");
}

#[tokio::test]
async fn only_offered_times_are_booked_and_the_page_shows_no_meetings_details() {
    let app = TestApp::spawn().await;
    let day = liaison_e2e::people::day(2);
    app.simulator.outlook().create(
        OLGA,
        &NewMeeting::new("Secret board meeting", day + 3600, 60),
    );
    let (_, created) = make_link(&app, ANN, ANN, availability(2, 2, 30)).await;
    let path = page_path(&created);
    let (_, page) = open_page(&app, &path).await;
    assert!(
        !page.contains("Secret board meeting"),
        "only free times are shown"
    );
    let (_, attempt) = offered(&page);
    // A time outside the link's days, one off its half-hour marks, and one Olga is busy in.
    let outside = jiff::Timestamp::from_second(day + 5 * 86_400)
        .unwrap()
        .to_string();
    let off_mark = jiff::Timestamp::from_second(day + 600).unwrap().to_string();
    let busy = jiff::Timestamp::from_second(day + 3600)
        .unwrap()
        .to_string();
    for slot in [outside.as_str(), off_mark.as_str(), "not a time"] {
        let (status, answer) = book(&app, &path, slot, &attempt, "x@example.com").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{slot}: {answer}");
        assert!(
            answer.contains("Choose one of the times offered"),
            "{answer}"
        );
    }
    let (status, _) = book(&app, &path, &busy, &attempt, "x@example.com").await;
    assert_eq!(status, StatusCode::CONFLICT, "a busy time is refused");
    assert_eq!(
        olgas_meetings_at(&app, &busy).len(),
        1,
        "only Olga's own meeting"
    );
    // A bad address or no name: nothing booked, the form says what to fix.
    let (_, page) = open_page(&app, &path).await;
    let (slots, attempt) = offered(&page);
    let (status, answer) = book(&app, &path, &slots[0], &attempt, "not-an-address").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.contains("e-mail address"), "{answer}");
    assert!(olgas_meetings_at(&app, &slots[0]).is_empty());
}
