//! The delegate's own view of the owner's calendar is their copy of it among their calendars
//! (`/me/calendars`), the one place Microsoft documents a delegate's `canEdit` and
//! `canViewPrivateItems`; `GET /users/{owner}/calendar` is the owner's calendar with the owner's
//! values (the simulator answers those to everyone, as the documentation shows them), and
//! grants nothing. A calendar the delegate has not added yet rules everything out, and the
//! sidebar says why.

use liaison_domain::api::{ErrorBody, ErrorCode, ItemContext};
use liaison_domain::permissions::{Action, Reason};
use liaison_e2e::TestApp;
use liaison_e2e::people::items::*;
use liaison_e2e::people::{ANN, ARTHUR, OLGA, OTTO, RITA, day, item, save, seeded};
use liaison_server::store::{AuditAction, CountedTable};
use m365_sim::outlook::NewMeeting;
use serde_json::Value;

async fn context(app: &TestApp, who: &str, item: &Value) -> ItemContext {
    let res = app.post_as(who, "/api/items/context", item, None).await;
    assert_eq!(res.status(), 200, "{who}: {:?}", res.text().await);
    res.json().await.unwrap()
}

#[tokio::test]
async fn a_calendar_the_delegate_has_not_added_grants_nothing_and_the_sidebar_says_why() {
    let app = TestApp::builder()
        .delegation_ttl(std::time::Duration::ZERO)
        .spawn()
        .await;
    // Olga shared her calendar with Rita (Reviewer) and made Ann her delegate, but neither has
    // accepted the invitation: Olga's calendar is not among theirs.
    app.simulator.set_calendar_added(RITA, OLGA, false);
    app.simulator.set_calendar_added(ANN, OLGA, false);
    let review = item(OLGA, &seeded(OLGAS_REVIEW));
    let rita = context(&app, RITA, &review).await;
    assert_eq!(
        rita.permissions.actions[&Action::ViewDetails].reason,
        Some(Reason::NoCalendarAccess)
    );
    assert!(rita.crm_event.is_none());
    let notice = rita.notice.unwrap_or_default();
    assert!(notice.contains("not among your calendars"), "{notice}");
    // Ann may still send on Olga's behalf (a mailbox right), so the rules call her save
    // compose-only; either way nothing is written, and the sidebar says why.
    let ann = context(&app, ANN, &review).await;
    assert!(!ann.permissions.actions[&Action::SaveToCrm].allowed);
    assert!(
        ann.notice
            .unwrap_or_default()
            .contains("not among your calendars")
    );
    let refused = app
        .post_as(ANN, "/api/items/save", &save(review.clone(), &[]), None)
        .await;
    assert_eq!(refused.status(), 403);
    let body: ErrorBody = refused.json().await.unwrap();
    assert!(
        matches!(
            body.code,
            ErrorCode::NoCalendarAccess | ErrorCode::ComposeOnly
        ),
        "{body:?}"
    );
    assert_eq!(
        app.store.count_rows(CountedTable::CrmEvents).await.unwrap(),
        0
    );
    // Olga's list names Ann as a delegate while Ann has no view: a disagreement, audited.
    let audit = app.store.audit_log(&app.tenant_id(), 50).await.unwrap();
    assert!(
        audit.iter().any(
            |line| line.action == AuditAction::DelegationConflict.as_str()
                && line
                    .detail
                    .as_deref()
                    .unwrap_or("")
                    .contains("not among theirs")
        ),
        "{audit:?}"
    );

    // Once Ann has added the calendar, the same save goes through.
    app.simulator.set_calendar_added(ANN, OLGA, true);
    let saved = app
        .post_as(ANN, "/api/items/save", &save(review, &[]), None)
        .await;
    assert_eq!(saved.status(), 200, "{:?}", saved.text().await);
}

#[tokio::test]
async fn the_owners_values_on_the_owners_calendar_do_not_open_private_items() {
    // Otto's delegate list cannot be read (he never connected): the delegate's own view is
    // the only word on private items.
    let app = TestApp::builder()
        .without_connected_organizers()
        .spawn()
        .await;
    // Ann is Otto's delegate without private access. Otto's own calendar says
    // `canViewPrivateItems: true` (the owner's value, whoever reads it); Ann's copy says false.
    let private = app.simulator.outlook().create(
        OTTO,
        &NewMeeting::new("Salary talk", day(2), 30).sensitivity("private"),
    );
    let seen = context(&app, ANN, &item(OTTO, &private)).await;
    assert_eq!(
        seen.permissions.actions[&Action::ViewDetails].reason,
        Some(Reason::PrivateItem)
    );
    assert!(seen.crm_event.is_none());
}

#[tokio::test]
async fn rights_given_to_the_whole_organization_count_for_someone_the_list_does_not_name() {
    let app = TestApp::builder()
        .delegation_ttl(std::time::Duration::ZERO)
        .spawn()
        .await;
    let review = item(OLGA, &seeded(OLGAS_REVIEW));
    // Otto is not in Olga's list. "My Organization" may only see her free/busy times (the
    // default): Otto sees no item.
    let before = context(&app, OTTO, &review).await;
    assert_eq!(
        before.permissions.actions[&Action::ViewDetails].reason,
        Some(Reason::NoCalendarAccess)
    );
    // Olga opens her calendar to the organization to read, and Otto adds it in Outlook.
    app.simulator.set_organization_role(OLGA, "read");
    app.simulator.set_calendar_added(OTTO, OLGA, true);
    let after = context(&app, OTTO, &review).await;
    assert!(after.permissions.actions[&Action::ViewDetails].allowed);
    assert_eq!(
        after.permissions.actions[&Action::SaveToCrm].reason,
        Some(Reason::ReviewerReadOnly)
    );
}

#[tokio::test]
async fn a_delegate_named_by_another_of_their_addresses_is_that_delegate() {
    let app = TestApp::builder()
        .delegation_ttl(std::time::Duration::ZERO)
        .spawn()
        .await;
    // Olga's list names Arthur by an alias of his mailbox, as Editor.
    app.simulator.add_alias(ARTHUR, "a.author@contoso.com");
    let outlook = app.simulator.outlook();
    outlook.remove_delegate(OLGA, ARTHUR);
    outlook.set_delegate(OLGA, "a.author@contoso.com", 63, false, true);
    let review = item(OLGA, &seeded(OLGAS_REVIEW));
    let seen = context(&app, ARTHUR, &review).await;
    assert!(
        seen.permissions.actions[&Action::SaveToCrm].allowed,
        "{:?}",
        seen.permissions
    );
    let saved = app
        .post_as(ARTHUR, "/api/items/save", &save(review, &[]), None)
        .await;
    assert_eq!(saved.status(), 200, "{:?}", saved.text().await);
}

#[tokio::test]
async fn a_namesake_is_another_person_the_creator_is_known_by_identity() {
    // Olga has a second delegate named "Arthur Author", who never signed in to Liaison.
    let mut seed = m365_sim::Seed::contoso();
    let tenant = &mut seed.tenants[0];
    tenant.users.push(m365_sim::seed::User {
        id: "00000009-aaaa-4bbb-8ccc-000000000009".into(),
        display_name: "Arthur Author".into(),
        mail: "arthur.a@contoso.com".into(),
    });
    tenant.delegations.push(m365_sim::seed::Delegation {
        owner: OLGA.into(),
        delegate: "arthur.a@contoso.com".into(),
        calendar_bits: 63,
        can_view_private: false,
        send_on_behalf: false,
    });
    let app = TestApp::builder().seed(seed).spawn().await;
    let outlook = app.simulator.outlook();
    // The namesake's meeting in Olga's calendar bears the creator name "Arthur Author" too.
    let namesakes = outlook.create_by(
        OLGA,
        "arthur.a@contoso.com",
        &NewMeeting::new("The other Arthur's", day(2), 60),
    );
    app.simulator.clear_journal();
    let refused = app
        .post_as(
            ARTHUR,
            "/api/items/save",
            &save(item(OLGA, &namesakes), &[]),
            None,
        )
        .await;
    let (status, body) = (
        refused.status().as_u16(),
        refused.json::<ErrorBody>().await.unwrap(),
    );
    // Arthur's own follow-up is his, namesake or not.
    let follow_up = item(OLGA, &seeded(ARTHURS_FOLLOW_UP));
    let own = app
        .post_as(ARTHUR, "/api/items/save", &save(follow_up, &[]), None)
        .await;

    assert_eq!((status, body.code), (403, ErrorCode::AuthorNotCreator));
    assert_eq!(own.status(), 200, "{:?}", own.text().await);
    assert_eq!(
        app.store.count_rows(CountedTable::CrmEvents).await.unwrap(),
        1
    );
    // Arthur's identity was learned once, from an item made in his own calendar and removed.
    let probes: Vec<_> = app
        .simulator
        .journal()
        .into_iter()
        .filter(|e| e.method == "POST" && e.uri.split('?').next().unwrap().ends_with("/events"))
        .collect();
    assert_eq!(probes.len(), 1, "{probes:?}");
    assert!(
        outlook
            .events_of(ARTHUR)
            .iter()
            .all(|e| !e.subject.contains("identity check")),
        "the probe item stays in Arthur's calendar"
    );
    // An Editor may process any item: who created it changes nothing, and nothing is probed.
    app.simulator.clear_journal();
    let ann = app
        .post_as(
            ANN,
            "/api/items/save",
            &save(item(OLGA, &namesakes), &[]),
            None,
        )
        .await;
    assert_eq!(ann.status(), 200, "{:?}", ann.text().await);
    assert!(
        app.simulator
            .journal()
            .iter()
            .all(|e| e.method != "POST" || !e.uri.split('?').next().unwrap().ends_with("/events")),
        "an Editor's save probed"
    );
}
