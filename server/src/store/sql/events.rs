//! The CRM event writes a save and a sync session share, and the save itself: one transaction
//! for the CRM event (created or updated), its links, the item's status, the audit line and
//! the answer kept under the idempotency key.

use super::audit;
use super::auto_link::link_by_address;
use super::changes;
use super::db::{Batch, On, Pool, Sql, Tx, sql};
use super::idempotency::{claim_key, kept_answer, replay};
use super::records::{RecordRow, records};
use crate::clock::{from_rfc3339, now_ms};
use crate::store::audit::AuditEntry;
use crate::store::changes::Change;
use crate::store::crm::{
    EventKey, EventTime, EventType, EventWrite, Idempotent, ItemSyncState, Respond, SaveCommand,
    StoredEvent, StoredResponse, StoredStatus,
};
use crate::store::error::StoreError;
use crate::store::ids::{EventId, TenantId, UserId, UserKey};

#[derive(sqlx::FromRow)]
struct EventRow {
    id: EventId,
    ical_uid: String,
    subject: String,
    starts_at_ms: Option<i64>,
    ends_at_ms: Option<i64>,
    start_date: Option<String>,
    end_date: Option<String>,
    time_zone: String,
    location: String,
    is_private: bool,
    cancelled_at_ms: Option<i64>,
    deleted_at_ms: Option<i64>,
    attendees: String,
    organizer_mailbox: String,
    created_by_mailbox: Option<String>,
    modified_by_mailbox: Option<String>,
    synced_at_ms: Option<i64>,
    status_state: Option<String>,
    status_synced_at_ms: Option<i64>,
    status_error_code: Option<String>,
    status_error_message: Option<String>,
}

impl EventRow {
    /// The item's status as [`load_status`] reads it: an exception (queued, failed) if there is
    /// one, with when the event was last synced; otherwise "synced" when it was written.
    fn status(&self) -> Result<Option<StoredStatus>, StoreError> {
        let Some(state) = &self.status_state else {
            return Ok(self.synced_at_ms.map(|at| StoredStatus {
                state: ItemSyncState::Synced,
                synced_at_ms: Some(at),
                error_code: None,
                error_message: None,
            }));
        };
        let state = ItemSyncState::parse(state)
            .ok_or_else(|| StoreError::Setup(format!("unknown item sync state {state}")))?;
        Ok(Some(StoredStatus {
            state,
            synced_at_ms: self.synced_at_ms.or(self.status_synced_at_ms),
            error_code: self.status_error_code.clone(),
            error_message: self.status_error_message.clone(),
        }))
    }
}

#[derive(sqlx::FromRow)]
struct EventWithRecord {
    #[sqlx(flatten)]
    event: EventRow,
    record_id: Option<String>,
    record_kind: Option<String>,
    record_name: Option<String>,
    record_email: Option<String>,
    record_company: Option<String>,
}

pub(super) async fn save_item(
    pool: &Pool,
    cmd: &SaveCommand,
    entry: &AuditEntry,
    respond: &Respond,
) -> Result<Idempotent<StoredResponse>, StoreError> {
    let mut tx = pool.begin().await?;
    if let Some(idempotency) = &cmd.idempotency
        && !claim_key(&mut tx, &cmd.tenant_id, &cmd.actor_id, idempotency).await?
    {
        tx.rollback().await?;
        return replay(pool, &cmd.tenant_id, &cmd.actor_id, idempotency).await;
    }
    let now = now_ms();
    let key = EventKey {
        tenant_id: &cmd.tenant_id,
        organizer_id: &cmd.organizer_id,
        ical_uid: &cmd.ical_uid,
    };
    // The writes after the event's own go in one batch: one round trip on PostgreSQL.
    let mut writes = Batch::default();
    writes.push(audit::append_statement(entry));
    let mut changed = Vec::new();
    let event = match &cmd.queue {
        Some(queued) => {
            writes.push(
                sql(
                    "INSERT INTO save_outbox (tenant_id, id, organizer_id, ical_uid, \
                     requested_by_id, payload, created_at_ms, item_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                     ON CONFLICT (tenant_id, organizer_id, item_id) DO UPDATE SET \
                     ical_uid = excluded.ical_uid, requested_by_id = excluded.requested_by_id, \
                     payload = excluded.payload, created_at_ms = excluded.created_at_ms, \
                     attempts = 0, last_error = NULL",
                )
                .bind(&cmd.tenant_id)
                .bind(uuid::Uuid::new_v4().to_string())
                .bind(&cmd.organizer_id)
                .bind(&cmd.ical_uid)
                .bind(&cmd.actor_id)
                .bind(&queued.payload)
                .bind(now)
                .bind(&queued.item_id),
            );
            if !cmd.ical_uid.is_empty() {
                writes.push(queued_statement(key, now));
            }
            writes.execute(&mut tx).await?;
            None
        }
        None => {
            // A queued save is carried out once: taking its outbox row is the transaction's
            // first write, so a second session carrying out the same save writes nothing.
            if let Some(outbox_id) = &cmd.outbox_id
                && !take_outbox_row(&mut tx, &cmd.tenant_id, outbox_id).await?
            {
                tx.rollback().await?;
                return Err(StoreError::OutboxTaken);
            }
            let Some((event_id, version)) = upsert_event(
                &mut tx,
                key,
                &cmd.event,
                &cmd.actor_id,
                (cmd.event_type, cmd.series_master_graph_id.as_deref()),
                cmd.graph_event_id.as_deref(),
                now,
            )
            .await?
            else {
                // Deleted in the CRM meanwhile: it stays deleted.
                tx.rollback().await?;
                return Err(StoreError::Deleted);
            };
            if let Some(links) = record_links(cmd, &event_id, now) {
                writes.push(links);
                // Linked by hand again: automatic linking may match it again too.
                let mut relinked = sql(format!(
                    "DELETE FROM crm_event_unlinks WHERE tenant_id = $1 AND event_id = $2 \
                     AND record_id IN ({})",
                    super::placeholders(3, cmd.link_record_ids.len())
                ))
                .bind(&cmd.tenant_id)
                .bind(event_id.clone());
                for record_id in &cmd.link_record_ids {
                    relinked = relinked.bind(record_id);
                }
                writes.push(relinked);
            }
            // Synced now (the event's `synced_at_ms`): any queued or failed status is over.
            writes.push(clear_status_statement(key));
            writes.execute(&mut tx).await?;
            // After the batch: a record linked by hand and by address is one link.
            let pairs: Vec<(String, String)> = cmd
                .link_addresses
                .iter()
                .map(|a| (event_id.as_str().to_owned(), a.clone()))
                .collect();
            let organizer = UserKey::new(cmd.tenant_id.clone(), cmd.organizer_id.clone());
            link_by_address(&mut tx, &organizer, cmd.actor_id.as_str(), &pairs, now).await?;
            changed.push(Change::event(
                event_id.as_str(),
                Change::kind_of(version),
                Some(version),
            ));
            load_event(&mut tx, key).await?
        }
    };
    let status = if event.is_some() {
        // Just written: synced now, no error.
        StoredStatus {
            state: ItemSyncState::Synced,
            synced_at_ms: Some(now),
            error_code: None,
            error_message: None,
        }
    } else {
        // A save waiting for its item has no status row yet (its iCalUId is not known).
        load_status(&mut tx, key).await?.unwrap_or(StoredStatus {
            state: ItemSyncState::Queued,
            synced_at_ms: None,
            error_code: None,
            error_message: None,
        })
    };
    let response = respond(event.as_ref(), &status);
    let answer = kept_answer(
        &cmd.tenant_id,
        &cmd.actor_id,
        cmd.idempotency.as_ref(),
        &response,
    );
    changes::append_with(&mut tx, &cmd.tenant_id, &changed, answer).await?;
    tx.commit().await?;
    Ok(Idempotent::Fresh(response))
}

/// The statement linking the command's records to the event (each once; a link that exists
/// stays as it was); `None` when there are none.
fn record_links<'a>(cmd: &'a SaveCommand, event_id: &EventId, now: i64) -> Option<Sql<'a>> {
    if cmd.link_record_ids.is_empty() {
        return None;
    }
    let rows: Vec<String> = (0..cmd.link_record_ids.len())
        .map(|n| {
            let p = n * 5;
            format!(
                "(${}, ${}, ${}, ${}, ${})",
                p + 1,
                p + 2,
                p + 3,
                p + 4,
                p + 5
            )
        })
        .collect();
    let mut statement = sql(format!(
        "INSERT INTO crm_event_records (tenant_id, event_id, record_id, linked_by_id, \
         linked_at_ms) VALUES {} ON CONFLICT (tenant_id, event_id, record_id) DO NOTHING",
        rows.join(", ")
    ));
    for record_id in &cmd.link_record_ids {
        statement = statement
            .bind(&cmd.tenant_id)
            .bind(event_id.clone())
            .bind(record_id)
            .bind(&cmd.actor_id)
            .bind(now);
    }
    Some(statement)
}

/// Creates or updates the one CRM event of (organizer, iCalUId) from Graph's account of the
/// meeting (so a live item lifts a cancellation), following `graph_event_id` when given (a
/// new item: followed, not through the category; the same item: as it was); returns its id
/// and version.
/// Never brings back an event deleted in the CRM (`None`).
pub(super) async fn upsert_event(
    tx: &mut Tx,
    key: EventKey<'_>,
    write: &EventWrite,
    actor_id: &UserId,
    (event_type, series_master): (EventType, Option<&str>),
    graph_event_id: Option<&str>,
    now: i64,
) -> Result<Option<(EventId, i64)>, StoreError> {
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
    let attendees = serde_json::to_string(&write.attendees).unwrap_or_else(|_| "[]".into());
    sql(
        "INSERT INTO crm_events (tenant_id, id, organizer_id, ical_uid, subject, starts_at_ms, \
         ends_at_ms, start_date, end_date, time_zone, location, is_private, created_by_id, \
         modified_by_id, created_at_ms, updated_at_ms, event_type, series_master_graph_id, \
         attendees, synced_at_ms, graph_event_id, following) VALUES ($1, $2, $3, $4, $5, $6, \
         $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $16, $20, $21) \
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
         following = CASE WHEN excluded.graph_event_id IS NULL \
         OR crm_events.graph_event_id = excluded.graph_event_id \
         THEN crm_events.following ELSE TRUE END, \
         via_category = CASE WHEN excluded.graph_event_id IS NULL \
         OR crm_events.graph_event_id = excluded.graph_event_id \
         THEN crm_events.via_category ELSE FALSE END, \
         graph_event_id = COALESCE(excluded.graph_event_id, crm_events.graph_event_id), \
         cancelled_at_ms = NULL, version = crm_events.version + 1 \
         WHERE crm_events.deleted_at_ms IS NULL \
         RETURNING id, version",
    )
    .bind(key.tenant_id)
    .bind(new_event_id())
    .bind(key.organizer_id)
    .bind(key.ical_uid)
    .bind(&write.subject)
    .bind(starts)
    .bind(ends)
    .bind(start_date)
    .bind(end_date)
    .bind(&write.time_zone)
    .bind(&write.location)
    .bind(write.is_private)
    .bind(actor_id)
    .bind(actor_id)
    .bind(now)
    .bind(now)
    .bind(event_type.as_str())
    .bind(series_master)
    .bind(attendees)
    // A save that names its Graph item follows it (the same item: as it was; see the update).
    .bind(graph_event_id)
    .bind(graph_event_id.is_some())
    .fetch_optional::<(String, i64)>(tx)
    .await
    .map(|row| row.map(|(id, version)| (EventId::new(id), version)))
}

/// The statement that marks the item's save queued (clearing any error; when it was last
/// synced stays on its CRM event).
fn queued_statement(key: EventKey<'_>, now: i64) -> Sql<'_> {
    sql(
        "INSERT INTO item_sync_status (tenant_id, organizer_id, ical_uid, state, \
         error_code, error_message, attempts, updated_at_ms) \
         VALUES ($1, $2, $3, $4, NULL, NULL, 0, $5) \
         ON CONFLICT (tenant_id, organizer_id, ical_uid) DO UPDATE SET \
         state = excluded.state, error_code = NULL, error_message = NULL, \
         updated_at_ms = excluded.updated_at_ms",
    )
    .bind(key.tenant_id)
    .bind(key.organizer_id)
    .bind(key.ical_uid)
    .bind(ItemSyncState::Queued.as_str())
    .bind(now)
}

/// The statement that ends the item's exceptional status (queued, failed): it is synced.
pub(super) fn clear_status_statement(key: EventKey<'_>) -> Sql<'_> {
    sql("DELETE FROM item_sync_status \
         WHERE tenant_id = $1 AND organizer_id = $2 AND ical_uid = $3")
    .bind(key.tenant_id)
    .bind(key.organizer_id)
    .bind(key.ical_uid)
}

pub(super) async fn load_event(
    on: impl Into<On<'_>>,
    key: EventKey<'_>,
) -> Result<Option<StoredEvent>, StoreError> {
    // One statement: the event, its people, the item's status, and one row per linked record
    // (or one row of NULLs).
    // The people are looked up by primary key: as joins, PostgreSQL hashed every user of the
    // tenant for each event read (EXPLAIN ANALYZE), the most expensive statement under load.
    let rows: Vec<EventWithRecord> = sql(
        "SELECT e.id, e.ical_uid, e.subject, e.starts_at_ms, e.ends_at_ms, e.start_date, \
         e.end_date, e.time_zone, e.location, e.is_private, e.cancelled_at_ms, e.deleted_at_ms, \
         e.attendees, e.synced_at_ms, s.state AS status_state, \
         s.synced_at_ms AS status_synced_at_ms, s.error_code AS status_error_code, \
         s.error_message AS status_error_message, \
         (SELECT mailbox FROM users WHERE tenant_id = e.tenant_id AND id = e.organizer_id) \
           AS organizer_mailbox, \
         (SELECT mailbox FROM users WHERE tenant_id = e.tenant_id AND id = e.created_by_id) \
           AS created_by_mailbox, \
         (SELECT mailbox FROM users WHERE tenant_id = e.tenant_id AND id = e.modified_by_id) \
           AS modified_by_mailbox, \
         r.id AS record_id, r.kind AS record_kind, \
         r.name AS record_name, r.email AS record_email, r.company AS record_company \
         FROM crm_events e \
         LEFT JOIN item_sync_status s ON s.tenant_id = e.tenant_id \
           AND s.organizer_id = e.organizer_id AND s.ical_uid = e.ical_uid \
         LEFT JOIN crm_event_records l ON l.tenant_id = e.tenant_id AND l.event_id = e.id \
         LEFT JOIN crm_records r ON r.tenant_id = l.tenant_id AND r.id = l.record_id \
           AND r.deleted_at_ms IS NULL \
         WHERE e.tenant_id = $1 AND e.organizer_id = $2 AND e.ical_uid = $3 \
         ORDER BY r.name, r.id",
    )
    .bind(key.tenant_id)
    .bind(key.organizer_id)
    .bind(key.ical_uid)
    .fetch_all(on)
    .await?;
    let mut linked = Vec::new();
    let mut event = None;
    for row in rows {
        if let (Some(id), Some(kind), Some(name)) =
            (row.record_id, row.record_kind, row.record_name)
        {
            linked.push(RecordRow {
                id,
                kind,
                name,
                email: row.record_email,
                company: row.record_company,
            });
        }
        event.get_or_insert(row.event);
    }
    let Some(row) = event else {
        return Ok(None);
    };
    let status = row.status()?;
    let time = match (
        row.starts_at_ms,
        row.ends_at_ms,
        row.start_date,
        row.end_date,
    ) {
        (Some(start_ms), Some(end_ms), _, _) => EventTime::Timed { start_ms, end_ms },
        (_, _, Some(start_date), Some(end_date)) => EventTime::AllDay {
            start_date,
            end_date,
        },
        _ => {
            return Err(StoreError::Setup(format!(
                "CRM event {} has no time",
                row.id
            )));
        }
    };
    Ok(Some(StoredEvent {
        organizer_mailbox: row.organizer_mailbox,
        ical_uid: row.ical_uid,
        write: EventWrite {
            subject: row.subject,
            time,
            time_zone: row.time_zone,
            location: row.location,
            attendees: serde_json::from_str(&row.attendees).unwrap_or_default(),
            is_private: row.is_private,
        },
        cancelled: row.cancelled_at_ms.is_some(),
        deleted: row.deleted_at_ms.is_some(),
        created_by_mailbox: row.created_by_mailbox.unwrap_or_default(),
        modified_by_mailbox: row.modified_by_mailbox.unwrap_or_default(),
        records: records(linked)?,
        status,
        id: row.id,
    }))
}

pub(super) async fn load_status(
    on: impl Into<On<'_>>,
    key: EventKey<'_>,
) -> Result<Option<StoredStatus>, StoreError> {
    // An exception (queued, failed) if there is one, with when the event was last synced;
    // otherwise "synced" when the CRM event was last written by a save or a sync.
    sql(
        "SELECT s.state, COALESCE(e.synced_at_ms, s.synced_at_ms) AS synced_at_ms, \
         s.error_code, s.error_message FROM item_sync_status s \
         LEFT JOIN crm_events e ON e.tenant_id = s.tenant_id \
         AND e.organizer_id = s.organizer_id AND e.ical_uid = s.ical_uid \
         WHERE s.tenant_id = $1 AND s.organizer_id = $2 AND s.ical_uid = $3 \
         UNION ALL \
         SELECT 'synced', e.synced_at_ms, NULL, NULL FROM crm_events e \
         WHERE e.tenant_id = $1 AND e.organizer_id = $2 AND e.ical_uid = $3 \
         AND e.synced_at_ms IS NOT NULL AND NOT EXISTS (SELECT 1 FROM item_sync_status s \
         WHERE s.tenant_id = $1 AND s.organizer_id = $2 AND s.ical_uid = $3)",
    )
    .bind(key.tenant_id)
    .bind(key.organizer_id)
    .bind(key.ical_uid)
    .fetch_optional(on)
    .await
}

/// A new CRM event's id: a time-ordered UUID (v7), so new events land at the end of the
/// primary-key index rather than on a random page of it (a full sync writes thousands at once).
pub(super) fn new_event_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// When a CRM event starts: its UTC instant, or midnight UTC of an all-day event's date.
pub(super) fn starts_at_ms(starts_at_ms: Option<i64>, start_date: Option<&str>) -> Option<i64> {
    starts_at_ms.or_else(|| start_date.and_then(|d| from_rfc3339(&format!("{d}T00:00:00Z"))))
}

/// Takes (deletes) a queued save's outbox row; whether it was still there. Whoever takes it
/// carries the save out, drops or dead-letters it — once.
pub(super) async fn take_outbox_row(
    on: impl Into<On<'_>>,
    tenant_id: &TenantId,
    outbox_id: &str,
) -> Result<bool, StoreError> {
    let taken = sql("DELETE FROM save_outbox WHERE tenant_id = $1 AND id = $2")
        .bind(tenant_id)
        .bind(outbox_id)
        .execute(on)
        .await?;
    Ok(taken == 1)
}
