//! A sync session's writes, in few statements: consecutive upserts go to the store as one
//! multi-row statement per table (CRM events, Graph links, item status) instead of three
//! statements per event; the other changes (cancel, unfollow, became a series) one by one, in
//! their order among the upserts. Same transaction, same outcome as writing them one by one.

use std::collections::HashMap;

use super::db::{Tx, sql};
use crate::store::crm::{EventTime, ItemSyncState};
use crate::store::error::StoreError;
use crate::store::ids::{EventId, UserKey};
use crate::store::sync::{SyncWrite, SyncedItem};

/// Rows per multi-row statement: 500 events × 19 values stays well under both backends'
/// parameter limits (SQLite 32,766, PostgreSQL 65,535).
const ROWS: usize = 500;

/// Writes `writes` in order.
pub(super) async fn apply(
    tx: &mut Tx,
    organizer: &UserKey,
    writes: &[SyncWrite],
    now: i64,
) -> Result<(), StoreError> {
    let mut upserts: Vec<&SyncedItem> = Vec::new();
    for write in writes {
        match write {
            SyncWrite::Upsert(item) => upserts.push(item),
            other => {
                upsert_all(tx, organizer, &upserts, now).await?;
                upserts.clear();
                apply_one(tx, organizer, other, now).await?;
            }
        }
    }
    upsert_all(tx, organizer, &upserts, now).await
}

/// Creates or updates the CRM events of `items` (never one deleted in the CRM), follows their
/// Graph items and marks them synced.
async fn upsert_all(
    tx: &mut Tx,
    organizer: &UserKey,
    items: &[&SyncedItem],
    now: i64,
) -> Result<(), StoreError> {
    for rows in items.chunks(ROWS) {
        // One row per meeting and per Graph item: a key twice in one statement is an error
        // on PostgreSQL, and the later write wins, as it would one by one.
        let by_uid = last_per_key(rows, |item| item.ical_uid.as_str());
        let event_ids = upsert_events(tx, organizer, &by_uid, now).await?;
        let links: Vec<(&SyncedItem, &EventId)> = last_per_key(rows, |item| item.graph_id.as_str())
            .into_iter()
            .filter_map(|item| event_ids.get(item.ical_uid.as_str()).map(|id| (item, id)))
            .collect();
        follow(tx, organizer, &links).await?;
        let synced: Vec<&str> = by_uid
            .iter()
            .map(|item| item.ical_uid.as_str())
            .filter(|uid| event_ids.contains_key(*uid))
            .collect();
        mark_synced(tx, organizer, &synced, now).await?;
    }
    Ok(())
}

/// The last item of `rows` for each key, in the order of their last appearance.
fn last_per_key<'a>(
    rows: &[&'a SyncedItem],
    key: impl Fn(&SyncedItem) -> &str,
) -> Vec<&'a SyncedItem> {
    let mut last: HashMap<&str, usize> = HashMap::with_capacity(rows.len());
    for (i, item) in rows.iter().enumerate() {
        last.insert(key(item), i);
    }
    rows.iter()
        .enumerate()
        .filter(|(i, item)| last.get(key(item)) == Some(i))
        .map(|(_, item)| *item)
        .collect()
}

/// `($a, $b, …), (…), …` for `rows` rows of `columns` values each, numbered from `$1`.
fn values(rows: usize, columns: usize) -> String {
    (0..rows)
        .map(|r| {
            let row: Vec<String> = (1..=columns)
                .map(|c| format!("${}", r * columns + c))
                .collect();
            format!("({})", row.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The CRM events of `items`, created or updated in one statement; the id of each one written,
/// by `iCalUId` (an event deleted in the CRM is not written, so not in the map).
async fn upsert_events(
    tx: &mut Tx,
    organizer: &UserKey,
    items: &[&SyncedItem],
    now: i64,
) -> Result<HashMap<String, EventId>, StoreError> {
    if items.is_empty() {
        return Ok(HashMap::new());
    }
    let mut statement = sql(format!(
        "INSERT INTO crm_events (tenant_id, id, organizer_id, ical_uid, subject, starts_at_ms, \
         ends_at_ms, start_date, end_date, time_zone, location, is_private, created_by_id, \
         modified_by_id, created_at_ms, updated_at_ms, event_type, series_master_graph_id, \
         attendees) VALUES {} \
         ON CONFLICT (tenant_id, organizer_id, ical_uid) DO UPDATE SET \
         subject = excluded.subject, starts_at_ms = excluded.starts_at_ms, \
         ends_at_ms = excluded.ends_at_ms, start_date = excluded.start_date, \
         end_date = excluded.end_date, time_zone = excluded.time_zone, \
         location = excluded.location, is_private = excluded.is_private, \
         attendees = excluded.attendees, \
         modified_by_id = excluded.modified_by_id, updated_at_ms = excluded.updated_at_ms, \
         event_type = excluded.event_type, \
         series_master_graph_id = excluded.series_master_graph_id, \
         cancelled_at_ms = NULL, version = crm_events.version + 1 \
         WHERE crm_events.deleted_at_ms IS NULL \
         RETURNING id, ical_uid",
        values(items.len(), 19)
    ));
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
        statement = statement
            .bind(&organizer.tenant_id)
            .bind(uuid::Uuid::new_v4().to_string())
            .bind(&organizer.user_id)
            .bind(item.ical_uid.as_str())
            .bind(write.subject.as_str())
            .bind(starts)
            .bind(ends)
            .bind(start_date)
            .bind(end_date)
            .bind(write.time_zone.as_str())
            .bind(write.location.as_str())
            .bind(write.is_private)
            .bind(&organizer.user_id)
            .bind(&organizer.user_id)
            .bind(now)
            .bind(now)
            .bind(item.event_type.as_str())
            .bind(item.series_master_graph_id.as_deref())
            .bind(serde_json::to_string(&write.attendees).unwrap_or_else(|_| "[]".into()));
    }
    let written: Vec<(EventId, String)> = statement.fetch_all(tx).await?;
    Ok(written.into_iter().map(|(id, uid)| (uid, id)).collect())
}

/// Links the Graph items to their CRM events and follows their changes.
async fn follow(
    tx: &mut Tx,
    organizer: &UserKey,
    links: &[(&SyncedItem, &EventId)],
) -> Result<(), StoreError> {
    if links.is_empty() {
        return Ok(());
    }
    let mut statement = sql(format!(
        "INSERT INTO graph_event_links (tenant_id, mailbox_id, graph_event_id, event_id, \
         via_category, following) VALUES {} \
         ON CONFLICT (tenant_id, mailbox_id, graph_event_id) DO UPDATE SET \
         event_id = excluded.event_id, following = excluded.following, \
         via_category = graph_event_links.via_category OR excluded.via_category",
        values(links.len(), 6)
    ));
    for (item, event_id) in links {
        statement = statement
            .bind(&organizer.tenant_id)
            .bind(&organizer.user_id)
            .bind(item.graph_id.as_str())
            .bind(*event_id)
            .bind(item.via_category)
            .bind(true);
    }
    statement.execute(tx).await?;
    Ok(())
}

/// The items' status: synced now, no error.
async fn mark_synced(
    tx: &mut Tx,
    organizer: &UserKey,
    ical_uids: &[&str],
    now: i64,
) -> Result<(), StoreError> {
    if ical_uids.is_empty() {
        return Ok(());
    }
    let mut statement = sql(format!(
        "INSERT INTO item_sync_status (tenant_id, organizer_id, ical_uid, state, synced_at_ms, \
         updated_at_ms) VALUES {} \
         ON CONFLICT (tenant_id, organizer_id, ical_uid) DO UPDATE SET \
         state = excluded.state, synced_at_ms = excluded.synced_at_ms, \
         error_code = NULL, error_message = NULL, updated_at_ms = excluded.updated_at_ms",
        values(ical_uids.len(), 6)
    ));
    for uid in ical_uids {
        statement = statement
            .bind(&organizer.tenant_id)
            .bind(&organizer.user_id)
            .bind(*uid)
            .bind(ItemSyncState::Synced.as_str())
            .bind(now)
            .bind(now);
    }
    statement.execute(tx).await?;
    Ok(())
}

/// Writes one change of a sync session (upserts usually go in batches).
async fn apply_one(
    tx: &mut Tx,
    organizer: &UserKey,
    write: &SyncWrite,
    now: i64,
) -> Result<(), StoreError> {
    let tenant = &organizer.tenant_id;
    let mailbox = &organizer.user_id;
    match write {
        SyncWrite::Upsert(item) => upsert_all(tx, organizer, &[item], now).await?,
        SyncWrite::Cancel { graph_id } => {
            sql(
                "UPDATE crm_events SET cancelled_at_ms = $1, updated_at_ms = $1, \
                 version = version + 1 WHERE tenant_id = $2 AND cancelled_at_ms IS NULL \
                 AND id = (SELECT event_id FROM graph_event_links WHERE tenant_id = $2 \
                 AND mailbox_id = $3 AND graph_event_id = $4 AND following)",
            )
            .bind(now)
            .bind(tenant)
            .bind(mailbox)
            .bind(graph_id)
            .execute(tx)
            .await?;
        }
        SyncWrite::Unfollow { graph_id } => {
            sql(
                "UPDATE graph_event_links SET following = FALSE WHERE tenant_id = $1 \
                 AND mailbox_id = $2 AND graph_event_id = $3",
            )
            .bind(tenant)
            .bind(mailbox)
            .bind(graph_id)
            .execute(tx)
            .await?;
        }
        SyncWrite::BecameSeries { graph_id } => {
            sql(
                "UPDATE crm_events SET event_type = 'seriesMaster', updated_at_ms = $1, \
                 version = version + 1 WHERE tenant_id = $2 \
                 AND event_type <> 'seriesMaster' \
                 AND id = (SELECT event_id FROM graph_event_links WHERE tenant_id = $2 \
                 AND mailbox_id = $3 AND graph_event_id = $4)",
            )
            .bind(now)
            .bind(tenant)
            .bind(mailbox)
            .bind(graph_id)
            .execute(tx)
            .await?;
        }
    }
    Ok(())
}
