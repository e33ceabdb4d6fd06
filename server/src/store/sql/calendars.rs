//! [`CalendarStore`] in SQL.

use async_trait::async_trait;
use liaison_domain::api::CrmRecord;

use super::db::{Pool, sql};
use super::records::{RECORD_COLUMNS, RecordRow, VISIBLE_TO_VIEWER};
use super::{SqlStore, placeholders};
use crate::store::calendars::{
    CalendarEventRow, CalendarEventsQuery, CalendarStore, ReadableCalendar,
};
use crate::store::error::StoreError;
use crate::store::ids::{TenantId, UserId};

/// A linked record, and the event it is linked to.
#[derive(sqlx::FromRow)]
struct LinkedRow {
    event_id: String,
    #[sqlx(flatten)]
    record: RecordRow,
}

/// When an event starts, in UTC ms: an all-day one at midnight UTC of its date.
pub(super) fn start_ms_of(pool: &Pool) -> &'static str {
    if matches!(pool, Pool::Postgres(_)) {
        "COALESCE(e.starts_at_ms, (EXTRACT(EPOCH FROM CAST(e.start_date AS date)) * 1000)::bigint, 0)"
    } else {
        "COALESCE(e.starts_at_ms, CAST(strftime('%s', e.start_date) AS INTEGER) * 1000, 0)"
    }
}

#[async_trait]
impl CalendarStore for SqlStore {
    async fn readable_calendars(
        &self,
        tenant_id: &TenantId,
        viewer_id: &UserId,
        all: bool,
    ) -> Result<Vec<ReadableCalendar>, StoreError> {
        sql("SELECT u.mailbox, u.display_name, \
             CASE WHEN u.id = $2 THEN 'owner' WHEN s.access IS NOT NULL THEN s.access \
             ELSE 'admin' END AS access \
             FROM users u LEFT JOIN crm_calendar_shares s ON s.tenant_id = u.tenant_id \
             AND s.organizer_id = u.id AND s.delegate_id = $2 \
             WHERE u.tenant_id = $1 AND (u.id = $2 OR s.access IS NOT NULL OR ($3 AND EXISTS \
             (SELECT 1 FROM crm_events e WHERE e.tenant_id = u.tenant_id \
             AND e.organizer_id = u.id AND e.deleted_at_ms IS NULL))) \
             ORDER BY CASE WHEN u.id = $2 THEN 0 ELSE 1 END, u.display_name, u.mailbox")
        .bind(tenant_id)
        .bind(viewer_id)
        .bind(all)
        .fetch_all(&self.pool)
        .await
    }

    async fn calendar_events(
        &self,
        query: &CalendarEventsQuery<'_>,
    ) -> Result<Vec<CalendarEventRow>, StoreError> {
        let start = start_ms_of(&self.pool);
        sql(format!(
            "SELECT * FROM (SELECT e.id AS event_id, e.subject, e.is_private, e.starts_at_ms, \
             e.ends_at_ms, e.start_date, e.end_date, c.mailbox AS created_by_mailbox, \
             e.created_at_ms, e.via_category, e.cancelled_at_ms IS NOT NULL AS cancelled, \
             {start} AS sort_ms FROM crm_events e \
             JOIN users c ON c.tenant_id = e.tenant_id AND c.id = e.created_by_id \
             WHERE e.tenant_id = $1 AND e.organizer_id = $2 AND e.deleted_at_ms IS NULL) q \
             WHERE q.sort_ms >= $3 AND q.sort_ms < $4 \
             ORDER BY q.sort_ms, q.event_id LIMIT $5"
        ))
        .bind(query.tenant_id)
        .bind(query.organizer_id)
        .bind(query.from_ms)
        .bind(query.to_ms)
        .bind(i64::from(query.limit))
        .fetch_all(&self.pool)
        .await
    }

    async fn linked_records(
        &self,
        tenant_id: &TenantId,
        viewer_id: &UserId,
        event_ids: &[String],
    ) -> Result<Vec<(String, CrmRecord)>, StoreError> {
        if event_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut statement = sql(format!(
            "SELECT l.event_id, {RECORD_COLUMNS} FROM crm_event_records l \
             JOIN crm_records r ON r.tenant_id = l.tenant_id AND r.id = l.record_id \
             WHERE l.tenant_id = $1 AND {VISIBLE_TO_VIEWER} AND r.deleted_at_ms IS NULL \
             AND l.event_id IN ({}) ORDER BY r.name, r.id",
            placeholders(3, event_ids.len())
        ))
        .bind(tenant_id)
        .bind(viewer_id);
        for id in event_ids {
            statement = statement.bind(id);
        }
        let rows: Vec<LinkedRow> = statement.fetch_all(&self.pool).await?;
        rows.into_iter()
            .map(|row| Ok((row.event_id, CrmRecord::try_from(row.record)?)))
            .collect()
    }
}
