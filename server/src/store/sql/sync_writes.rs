//! A sync session's writes, in few statements: consecutive upserts go to the store as one
//! multi-row statement (see [`super::rows`]: one on PostgreSQL) writing each CRM event with the
//! Graph item it follows, and one statement ends the exceptional statuses (queued, failed) of
//! the items written; the other changes (cancel, unfollow, became a series) one by one, in their
//! order among the upserts. Same transaction, same outcome as writing them one by one.

use std::collections::HashMap;

use super::auto_link::link_by_address;
use super::changes;
use super::db::{Tx, Value, sql};
use super::events::new_event_id;
use super::rows::{Kind, Rows};
use crate::store::changes::{Change, ChangeKind};
use crate::store::crm::EventTime;
use crate::store::error::StoreError;
use crate::store::ids::UserKey;
use crate::store::sync::{SyncWrite, SyncedItem};

/// Events per group of statements (a session's chunk is 500).
const ROWS: usize = 500;

/// Writes `writes` in order.
pub(super) async fn apply(
    tx: &mut Tx,
    organizer: &UserKey,
    writes: &[SyncWrite],
    now: i64,
) -> Result<(), StoreError> {
    let mut upserts: Vec<&SyncedItem> = Vec::new();
    let mut changed = Vec::new();
    for write in writes {
        match write {
            SyncWrite::Upsert(item) => upserts.push(item),
            other => {
                upsert_all(tx, organizer, &upserts, now, &mut changed).await?;
                upserts.clear();
                apply_one(tx, organizer, other, now, &mut changed).await?;
            }
        }
    }
    upsert_all(tx, organizer, &upserts, now, &mut changed).await?;
    changes::append(tx, &organizer.tenant_id, &changed).await
}

/// Creates or updates the CRM events of `items` (never one deleted in the CRM), each marked
/// synced now and following its Graph item, and ends their exceptional statuses.
async fn upsert_all(
    tx: &mut Tx,
    organizer: &UserKey,
    items: &[&SyncedItem],
    now: i64,
    changed: &mut Vec<Change>,
) -> Result<(), StoreError> {
    for rows in items.chunks(ROWS) {
        // One row per meeting: a key twice in one statement is an error on PostgreSQL, and the
        // later write wins, as it would one by one.
        let written = upsert_events(tx, organizer, &last_per_meeting(rows), now, changed).await?;
        clear_statuses(tx, organizer, &written).await?;
    }
    Ok(())
}

/// The last item of `rows` for each meeting (`iCalUId`), in the order of their last appearance.
fn last_per_meeting<'a>(rows: &[&'a SyncedItem]) -> Vec<&'a SyncedItem> {
    let mut last: HashMap<&str, usize> = HashMap::with_capacity(rows.len());
    for (i, item) in rows.iter().enumerate() {
        last.insert(&item.ical_uid, i);
    }
    rows.iter()
        .enumerate()
        .filter(|(i, item)| last.get(item.ical_uid.as_str()) == Some(i))
        .map(|(_, item)| *item)
        .collect()
}

/// The CRM events of `items`, created or updated, each following its Graph item (one item per
/// meeting: Graph's `iCalUId` "is different for each occurrence in a recurring series", and an
/// immutable id lasts as long as the item stays in the mailbox — Microsoft Graph, event resource
/// and "Obtain immutable identifiers for Outlook resources"); the `iCalUId`s written (an event
/// deleted in the CRM is not written).
async fn upsert_events(
    tx: &mut Tx,
    organizer: &UserKey,
    items: &[&SyncedItem],
    now: i64,
    changed: &mut Vec<Change>,
) -> Result<Vec<String>, StoreError> {
    use Kind::{BigInt, Bool, Text};
    const KINDS: &[Kind] = &[
        Text, Text, Text, Text, Text, BigInt, BigInt, Text, Text, Text, Text, Bool, Text, Text,
        BigInt, BigInt, Text, Text, Text, BigInt, Text, Bool, Bool,
    ];
    let mut rows = Rows::new(KINDS);
    for item in items {
        let write = &item.write;
        let (starts, ends, start_date, end_date) = match &write.time {
            EventTime::Timed { start_ms, end_ms } => (Some(*start_ms), Some(*end_ms), None, None),
            EventTime::AllDay {
                start_date,
                end_date,
            } => (
                None,
                None,
                Some(start_date.as_str()),
                Some(end_date.as_str()),
            ),
        };
        rows.push([
            Value::from(&organizer.tenant_id),
            Value::from(new_event_id()),
            Value::from(&organizer.user_id),
            Value::from(item.ical_uid.as_str()),
            Value::from(write.subject.as_str()),
            Value::from(starts),
            Value::from(ends),
            Value::from(start_date),
            Value::from(end_date),
            Value::from(write.time_zone.as_str()),
            Value::from(write.location.as_str()),
            Value::from(write.is_private),
            Value::from(&organizer.user_id),
            Value::from(&organizer.user_id),
            Value::from(now),
            Value::from(now),
            Value::from(item.event_type.as_str()),
            Value::from(item.series_master_graph_id.as_deref()),
            Value::from(serde_json::to_string(&write.attendees).unwrap_or_else(|_| "[]".into())),
            Value::from(now),
            Value::from(item.graph_id.as_str()),
            Value::from(item.via_category),
            Value::from(true),
        ]);
    }
    let mut written = Vec::with_capacity(items.len());
    for statement in rows.statements(tx.is_postgres(), |source| {
        format!(
            "INSERT INTO crm_events (tenant_id, id, organizer_id, ical_uid, subject, \
             starts_at_ms, ends_at_ms, start_date, end_date, time_zone, location, is_private, \
             created_by_id, modified_by_id, created_at_ms, updated_at_ms, event_type, \
             series_master_graph_id, attendees, synced_at_ms, graph_event_id, \
             via_category, following) {source} \
             ON CONFLICT (tenant_id, organizer_id, ical_uid) DO UPDATE SET \
             subject = excluded.subject, starts_at_ms = excluded.starts_at_ms, \
             ends_at_ms = excluded.ends_at_ms, start_date = excluded.start_date, \
             end_date = excluded.end_date, time_zone = excluded.time_zone, \
             location = excluded.location, is_private = excluded.is_private, \
             attendees = excluded.attendees, \
             modified_by_id = excluded.modified_by_id, updated_at_ms = excluded.updated_at_ms, \
             event_type = excluded.event_type, \
             series_master_graph_id = excluded.series_master_graph_id, \
             synced_at_ms = excluded.synced_at_ms, \
             via_category = excluded.via_category OR (crm_events.via_category \
             AND COALESCE(crm_events.graph_event_id = excluded.graph_event_id, FALSE)), \
             graph_event_id = excluded.graph_event_id, following = excluded.following, \
             cancelled_at_ms = NULL, version = crm_events.version + 1 \
             WHERE crm_events.deleted_at_ms IS NULL \
             RETURNING ical_uid, id, version"
        )
    }) {
        let rows: Vec<(String, String, i64)> = statement.fetch_all(&mut *tx).await?;
        for (uid, id, version) in rows {
            changed.push(Change::event(&id, Change::kind_of(version), Some(version)));
            written.push((uid, id));
        }
    }
    // Automatic linking: each written event's addresses (the session applied the policy).
    let addresses: HashMap<&str, &[String]> = items
        .iter()
        .map(|item| (item.ical_uid.as_str(), item.link_addresses.as_slice()))
        .collect();
    let pairs: Vec<(String, String)> = written
        .iter()
        .flat_map(|(uid, id)| {
            addresses
                .get(uid.as_str())
                .into_iter()
                .flat_map(|list| list.iter())
                .map(move |a| (id.clone(), a.clone()))
        })
        .collect();
    link_by_address(tx, organizer, organizer.user_id.as_str(), &pairs, now).await?;
    Ok(written.into_iter().map(|(uid, _)| uid).collect())
}

/// Ends the exceptional statuses (queued, failed) of the items just synced: an item without
/// one shows as synced when its CRM event was last written. Usually there is nothing to delete,
/// which costs an index probe per item.
async fn clear_statuses(
    tx: &mut Tx,
    organizer: &UserKey,
    ical_uids: &[String],
) -> Result<(), StoreError> {
    use Kind::Text;
    let mut rows = Rows::new(&[Text, Text, Text]);
    for uid in ical_uids {
        rows.push([
            Value::from(&organizer.tenant_id),
            Value::from(&organizer.user_id),
            Value::from(uid.as_str()),
        ]);
    }
    for statement in rows.statements(tx.is_postgres(), |source| {
        format!(
            "DELETE FROM item_sync_status \
             WHERE (tenant_id, organizer_id, ical_uid) IN ({source})"
        )
    }) {
        statement.execute(&mut *tx).await?;
    }
    Ok(())
}

/// Writes one change of a sync session (upserts usually go in batches).
async fn apply_one(
    tx: &mut Tx,
    organizer: &UserKey,
    write: &SyncWrite,
    now: i64,
    changed: &mut Vec<Change>,
) -> Result<(), StoreError> {
    let tenant = &organizer.tenant_id;
    let mailbox = &organizer.user_id;
    match write {
        SyncWrite::Upsert(item) => upsert_all(tx, organizer, &[item], now, changed).await?,
        SyncWrite::Cancel { graph_id } => {
            let rows: Vec<(String, i64)> = sql(
                "UPDATE crm_events SET cancelled_at_ms = $1, updated_at_ms = $1, \
                 version = version + 1 WHERE tenant_id = $2 AND organizer_id = $3 \
                 AND graph_event_id = $4 AND following AND cancelled_at_ms IS NULL \
                 RETURNING id, version",
            )
            .bind(now)
            .bind(tenant)
            .bind(mailbox)
            .bind(graph_id)
            .fetch_all(tx)
            .await?;
            changed.extend(
                rows.iter()
                    .map(|(id, version)| Change::event(id, ChangeKind::Updated, Some(*version))),
            );
        }
        SyncWrite::Unfollow { graph_id } => {
            sql(
                "UPDATE crm_events SET following = FALSE WHERE tenant_id = $1 \
                 AND organizer_id = $2 AND graph_event_id = $3",
            )
            .bind(tenant)
            .bind(mailbox)
            .bind(graph_id)
            .execute(tx)
            .await?;
        }
        SyncWrite::BecameSeries { graph_id } => {
            let rows: Vec<(String, i64)> = sql(
                "UPDATE crm_events SET event_type = 'seriesMaster', updated_at_ms = $1, \
                 version = version + 1 WHERE tenant_id = $2 \
                 AND event_type <> 'seriesMaster' AND organizer_id = $3 \
                 AND graph_event_id = $4 RETURNING id, version",
            )
            .bind(now)
            .bind(tenant)
            .bind(mailbox)
            .bind(graph_id)
            .fetch_all(tx)
            .await?;
            changed.extend(
                rows.iter()
                    .map(|(id, version)| Change::event(id, ChangeKind::Updated, Some(*version))),
            );
        }
    }
    Ok(())
}
