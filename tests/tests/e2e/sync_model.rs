//! A state-machine property test of sync: random stories of Outlook operations (create, edit,
//! move, delete, give or take the CRM category), CRM deletions, evicted delta links and sync
//! sessions run through the real server against the simulator, checked after every session
//! against a model that states the rules on whole states, not on deltas:
//!
//! - a live item carrying the category is in the CRM as it is now, followed;
//! - a followed item that lost the category stays as last synced, no longer followed;
//! - a followed item that is gone is cancelled, never erased;
//! - a CRM-deleted event is never brought back, and its item loses the category in Outlook.

use std::collections::HashMap;

use liaison_domain::api::SyncRun;
use liaison_e2e::TestApp;
use liaison_server::store::EventTime;
use m365_sim::outlook::NewMeeting;
use proptest::prelude::*;
use serde_json::json;

const OLGA: &str = "olga@contoso.com";
const OLGA_ID: &str = "00000001-aaaa-4bbb-8ccc-000000000001";

#[derive(Debug, Clone)]
enum Op {
    Create { tagged: bool },
    Edit(usize),
    Move(usize),
    Delete(usize),
    Tag(usize),
    Untag(usize),
    DeleteInCrm(usize),
    EvictDeltaLinks,
    Sync,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => any::<bool>().prop_map(|tagged| Op::Create { tagged }),
        2 => (0..12usize).prop_map(Op::Edit),
        1 => (0..12usize).prop_map(Op::Move),
        1 => (0..12usize).prop_map(Op::Delete),
        1 => (0..12usize).prop_map(Op::Tag),
        1 => (0..12usize).prop_map(Op::Untag),
        1 => (0..12usize).prop_map(Op::DeleteInCrm),
        1 => Just(Op::EvictDeltaLinks),
        3 => Just(Op::Sync),
    ]
}

/// An Outlook item as the model sees it.
#[derive(Debug, Clone)]
struct Item {
    graph_id: String,
    ical_uid: String,
    alive: bool,
    tagged: bool,
    subject: String,
    start_s: i64,
}

/// What the CRM should hold for an item.
#[derive(Debug, Clone, PartialEq)]
struct Crm {
    subject: String,
    start_s: i64,
    cancelled: bool,
    following: bool,
    deleted: bool,
}

/// The rules, applied to the whole state at a session.
fn model_sync(items: &mut [Item], crm: &mut HashMap<usize, Crm>) {
    for (i, item) in items.iter_mut().enumerate() {
        match crm.get_mut(&i) {
            // Down-sync: the category comes off the Outlook item.
            Some(c) if c.deleted && item.alive => item.tagged = false,
            Some(c) if c.deleted => {}
            Some(c) if !item.alive && c.following => c.cancelled = true,
            Some(_) if !item.alive => {}
            _ if item.alive && item.tagged => {
                crm.insert(
                    i,
                    Crm {
                        subject: item.subject.clone(),
                        start_s: item.start_s,
                        cancelled: false,
                        following: true,
                        deleted: false,
                    },
                );
            }
            Some(c) if c.following => c.following = false,
            _ => {}
        }
    }
}

async fn sync_now(app: &TestApp) {
    let res = app.post_as(OLGA, "/api/sync/run", &json!({}), None).await;
    assert_eq!(res.status(), 200);
    let run: SyncRun = res.json().await.unwrap();
    assert!(run.report.is_some());
}

async fn check(app: &TestApp, items: &[Item], crm: &HashMap<usize, Crm>) -> Result<(), String> {
    for (i, item) in items.iter().enumerate() {
        let stored = app.crm_event(OLGA_ID, &item.ical_uid).await;
        let link = app
            .store
            .graph_links(
                &app.user(OLGA_ID),
                &[m365_sim::seed::immutable_id(&item.graph_id)],
            )
            .await
            .unwrap()
            .pop()
            .map(|(_, l)| l);
        let actual = stored.zip(link).map(|(event, link)| {
            let EventTime::Timed { start_ms, .. } = event.write.time else {
                unreachable!("timed")
            };
            Crm {
                subject: event.write.subject,
                start_s: start_ms / 1000,
                cancelled: event.cancelled,
                following: link.following,
                deleted: link.deleted,
            }
        });
        if actual.as_ref() != crm.get(&i) {
            return Err(format!(
                "item {i} ({item:?}): CRM {actual:?}, model {:?}",
                crm.get(&i)
            ));
        }
    }
    Ok(())
}

async fn story(ops: Vec<Op>) -> Result<(), String> {
    let app = TestApp::spawn().await;
    let outlook = app.simulator.outlook();
    let base = (liaison_server::clock::now_ms() / 86_400_000 + 2) * 86_400 + 9 * 3600;
    let mut items: Vec<Item> = Vec::new();
    let mut crm: HashMap<usize, Crm> = HashMap::new();
    let mut edits = 0;
    for op in ops.into_iter().chain([Op::Sync]) {
        let target = |n: usize| (!items.is_empty()).then(|| n % items.len());
        match op {
            Op::Create { tagged } => {
                let n = items.len();
                let subject = format!("Meeting {n}");
                let start_s = base + n as i64 * 86_400;
                let mut meeting = NewMeeting::new(&subject, start_s, 30);
                if tagged {
                    meeting = meeting.category("CRM");
                }
                let graph_id = outlook.create(OLGA, &meeting);
                let ical_uid = outlook
                    .events_of(OLGA)
                    .into_iter()
                    .find(|e| e.has_id(&graph_id))
                    .map(|e| e.ical_uid)
                    .unwrap();
                items.push(Item {
                    graph_id,
                    ical_uid,
                    alive: true,
                    tagged,
                    subject,
                    start_s,
                });
            }
            Op::Edit(n) | Op::Move(n) | Op::Tag(n) | Op::Untag(n) | Op::Delete(n)
                if target(n).is_some_and(|i| !items[i].alive) => {}
            Op::Edit(n) => {
                if let Some(i) = target(n) {
                    edits += 1;
                    let subject = format!("Meeting {i} v{edits}");
                    items[i].subject = subject.clone();
                    outlook.edit(&items[i].graph_id, |e| e.subject = subject);
                }
            }
            Op::Move(n) => {
                if let Some(i) = target(n) {
                    items[i].start_s += 3600;
                    outlook.shift(&items[i].graph_id, 60);
                }
            }
            Op::Delete(n) => {
                if let Some(i) = target(n) {
                    items[i].alive = false;
                    outlook.delete(&items[i].graph_id);
                }
            }
            Op::Tag(n) | Op::Untag(n) => {
                if let Some(i) = target(n) {
                    let tag = matches!(op, Op::Tag(_));
                    items[i].tagged = tag;
                    outlook.set_categories(&items[i].graph_id, if tag { &["CRM"] } else { &[] });
                }
            }
            Op::DeleteInCrm(n) => {
                if let Some(i) = target(n)
                    && let Some(c) = crm.get_mut(&i).filter(|c| !c.deleted)
                {
                    let event = app.crm_event(OLGA_ID, &items[i].ical_uid).await.unwrap();
                    let res = app
                        .http
                        .delete(format!("{}/api/crm/events/{}", app.url, event.id))
                        .bearer_auth(app.token(OLGA).await)
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(res.status(), 204);
                    c.deleted = true;
                    c.following = false;
                }
            }
            Op::EvictDeltaLinks => app.simulator.expire_delta_tokens(),
            Op::Sync => {
                sync_now(&app).await;
                model_sync(&mut items, &mut crm);
                check(&app, &items, &crm).await?;
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn sync_sessions_keep_the_crm_equal_to_the_model(ops in prop::collection::vec(op(), 1..40)) {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let outcome = runtime.block_on(story(ops));
        prop_assert!(outcome.is_ok(), "{}", outcome.unwrap_err());
    }
}
