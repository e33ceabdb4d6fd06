//! Records in bulk: the ones a CSV import's rows name by external id, a batch of an import
//! written in one transaction (new and changed records in one upsert, their addresses, the
//! batch's audit line), an export's pages, and a record's meetings.

use liaison_domain::api::{LeadStatus, OpportunityStage, RecordKind};

use super::db::{Pool, Tx, Value, sql};
use super::record_words::WordsOf;
use super::rows::{Kind, Rows};
use super::{SqlStore, audit, changes, placeholders, record_words};
use crate::clock::now_ms;
use crate::store::audit::AuditEntry;
use crate::store::changes::{Change, ChangeEntity, ChangeKind};
use crate::store::crm::search_text;
use crate::store::error::StoreError;
use crate::store::ids::{TenantId, UserId};
use crate::store::records::{ImportWrite, RecordEventRow, RecordEventsQuery, StoredRecord};

use super::record_rows::{Row, records_with_emails};

const COLUMNS: &str = "tenant_id, id, kind, name, email, company, owner_id, search_text, \
     created_at_ms, phone, account_id, domain, stage, amount_minor, currency, close_date, \
     lead_status, external_id, version, updated_at_ms, updated_by_id";

const KINDS: &[Kind] = &[
    Kind::Text,   // tenant_id
    Kind::Text,   // id
    Kind::Text,   // kind
    Kind::Text,   // name
    Kind::Text,   // email
    Kind::Text,   // company
    Kind::Text,   // owner_id
    Kind::Text,   // search_text
    Kind::BigInt, // created_at_ms
    Kind::Text,   // phone
    Kind::Text,   // account_id
    Kind::Text,   // domain
    Kind::Text,   // stage
    Kind::BigInt, // amount_minor
    Kind::Text,   // currency
    Kind::Text,   // close_date
    Kind::Text,   // lead_status
    Kind::Text,   // external_id
    Kind::BigInt, // version
    Kind::BigInt, // updated_at_ms
    Kind::Text,   // updated_by_id
];

/// The record columns (`r.…`) [`Row`] reads, without a reader's share.
const READ_COLUMNS: &str = "r.id, r.kind, r.name, r.phone, r.account_id, r.domain, r.company, \
     r.stage, r.amount_minor, r.currency, r.close_date, r.lead_status, r.external_id, \
     r.owner_id, u.mailbox AS owner_mailbox, u.display_name AS owner_name, r.version, \
     r.created_at_ms, r.updated_at_ms, r.deleted_at_ms, NULL AS share";

impl SqlStore {
    /// The records of `kind` with these ids — Liaison's (`by_external: false`) or another
    /// system's — deleted ones too, with their addresses.
    pub(super) async fn by_ids(
        &self,
        tenant_id: &TenantId,
        kind: RecordKind,
        external_ids: &[String],
        by_external: bool,
    ) -> Result<Vec<StoredRecord>, StoreError> {
        if external_ids.is_empty() {
            return Ok(Vec::new());
        }
        let column = if by_external { "r.external_id" } else { "r.id" };
        let mut statement = sql(format!(
            "SELECT {READ_COLUMNS} FROM crm_records r JOIN users u \
             ON u.tenant_id = r.tenant_id AND u.id = r.owner_id \
             WHERE r.tenant_id = $1 AND r.kind = $2 AND {column} IN ({})",
            placeholders(3, external_ids.len())
        ))
        .bind(tenant_id)
        .bind(kind.as_str());
        for id in external_ids {
            statement = statement.bind(id);
        }
        let rows: Vec<Row> = statement.fetch_all(&self.pool).await?;
        records_with_emails(&self.pool, tenant_id, rows).await
    }

    /// The meetings a record is linked to that the reader may see, newest first.
    pub(super) async fn events_of_record(
        &self,
        query: &RecordEventsQuery<'_>,
    ) -> Result<Vec<RecordEventRow>, StoreError> {
        // When the meeting starts, for the order: an all-day one at midnight UTC of its date.
        let start = super::calendars::start_ms_of(&self.pool);
        let before = query.before.as_ref();
        sql(format!(
            "SELECT * FROM (SELECT e.id AS event_id, e.subject, e.is_private, e.starts_at_ms, \
             e.ends_at_ms, e.start_date, e.end_date, e.organizer_id, \
             o.mailbox AS organizer_mailbox, s.mailbox AS saved_by_mailbox, \
             l.linked_at_ms AS saved_at_ms, e.cancelled_at_ms IS NOT NULL AS cancelled, \
             {start} AS sort_ms \
             FROM crm_event_records l \
             JOIN crm_events e ON e.tenant_id = l.tenant_id AND e.id = l.event_id \
             JOIN users o ON o.tenant_id = e.tenant_id AND o.id = e.organizer_id \
             JOIN users s ON s.tenant_id = l.tenant_id AND s.id = l.linked_by_id \
             WHERE l.tenant_id = $1 AND l.record_id = $2 AND e.deleted_at_ms IS NULL \
             AND (e.organizer_id = $3 OR $4 OR EXISTS (SELECT 1 FROM crm_calendar_shares c \
               WHERE c.tenant_id = e.tenant_id AND c.organizer_id = e.organizer_id \
               AND c.delegate_id = $3))) q \
             WHERE ($5 IS NULL OR q.sort_ms < $5 OR (q.sort_ms = $5 AND q.event_id < $6)) \
             ORDER BY q.sort_ms DESC, q.event_id DESC LIMIT $7"
        ))
        .bind(query.tenant_id)
        .bind(query.record_id)
        .bind(query.viewer_id)
        .bind(query.all_organizers)
        .bind(before.map(|b| b.0))
        .bind(before.map(|b| b.1.as_str()))
        .bind(i64::from(query.limit))
        .fetch_all(&self.pool)
        .await
    }

    /// One page of the tenant's live records (of `kind`, when given) by id, after `after`.
    pub(super) async fn export_page(
        &self,
        tenant_id: &TenantId,
        kind: Option<RecordKind>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<StoredRecord>, StoreError> {
        let rows: Vec<Row> = sql(format!(
            "SELECT {READ_COLUMNS} FROM crm_records r JOIN users u \
             ON u.tenant_id = r.tenant_id AND u.id = r.owner_id \
             WHERE r.tenant_id = $1 AND ($2 IS NULL OR r.kind = $2) \
             AND ($3 IS NULL OR r.id > $3) AND r.deleted_at_ms IS NULL \
             ORDER BY r.id LIMIT $4"
        ))
        .bind(tenant_id)
        .bind(kind.map(RecordKind::as_str))
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        records_with_emails(&self.pool, tenant_id, rows).await
    }

    /// Writes one batch of an import in one transaction: every record (a new one inserted, an
    /// existing one — same id — replaced and its version raised), their addresses, the audit
    /// line.
    pub(super) async fn write_import_batch(
        &self,
        tenant_id: &TenantId,
        actor_id: &UserId,
        batch: &[ImportWrite],
        audit_entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        let postgres = matches!(self.pool, Pool::Postgres(_));
        let now = now_ms();
        let mut records = Rows::new(KINDS);
        let mut texts: Vec<(&str, String)> = Vec::with_capacity(batch.len());
        for write in batch {
            let f = &write.fields;
            let mut words: Vec<&str> = vec![&f.name];
            words.extend(f.emails.iter().map(String::as_str));
            words.extend(f.company.as_deref());
            words.extend(f.domain.as_deref());
            records.push::<21>([
                Value::from(tenant_id.as_str().to_owned()),
                Value::from(write.id.clone()),
                Value::from(f.kind.as_str()),
                Value::from(f.name.clone()),
                Value::from(f.emails.first().cloned()),
                Value::from(f.company.clone()),
                Value::from(actor_id.as_str().to_owned()),
                Value::from({
                    let text = search_text(&words);
                    texts.push((write.id.as_str(), text.clone()));
                    text
                }),
                Value::from(now),
                Value::from(f.phone.clone()),
                Value::from(f.account_id.clone()),
                Value::from(f.domain.clone()),
                Value::from(f.stage.map(OpportunityStage::as_str)),
                Value::from(f.amount_minor),
                Value::from(f.currency.clone()),
                Value::from(f.close_date.clone()),
                Value::from(f.status.map(LeadStatus::as_str)),
                Value::from(f.external_id.clone()),
                Value::from(1_i64),
                Value::from(now),
                Value::from(actor_id.as_str().to_owned()),
            ]);
        }
        let mut tx = self.pool.begin().await?;
        // The same id: a record the import changes. Owner and creation stay; the rest is the
        // merged record the service computed.
        for statement in records.statements(postgres, |source| {
            format!(
                "INSERT INTO crm_records ({COLUMNS}) {source} \
                 ON CONFLICT (tenant_id, id) DO UPDATE SET name = excluded.name, \
                 email = excluded.email, company = excluded.company, \
                 search_text = excluded.search_text, phone = excluded.phone, \
                 account_id = excluded.account_id, domain = excluded.domain, \
                 stage = excluded.stage, amount_minor = excluded.amount_minor, \
                 currency = excluded.currency, close_date = excluded.close_date, \
                 lead_status = excluded.lead_status, external_id = excluded.external_id, \
                 version = crm_records.version + 1, updated_at_ms = excluded.updated_at_ms, \
                 updated_by_id = excluded.updated_by_id"
            )
        }) {
            statement.execute(&mut tx).await?;
        }
        write_addresses(&mut tx, postgres, tenant_id, batch).await?;
        let words: Vec<WordsOf> = batch
            .iter()
            .zip(&texts)
            .map(|(write, (id, text))| WordsOf {
                id,
                search_text: text,
                name: &write.fields.name,
                owner_id: write.owner_id.as_str(),
                kind: write.fields.kind.as_str(),
            })
            .collect();
        let replacing = batch.iter().any(|w| w.existing);
        record_words::write(&mut tx, tenant_id, &words, replacing).await?;
        audit::append(&mut tx, audit_entry).await?;
        let changed: Vec<Change> = batch
            .iter()
            .map(|w| Change {
                entity: ChangeEntity::Record,
                id: w.id.clone(),
                kind: if w.existing {
                    ChangeKind::Updated
                } else {
                    ChangeKind::Created
                },
                version: (!w.existing).then_some(1),
            })
            .collect();
        changes::append(&mut tx, tenant_id, &changed).await?;
        tx.commit().await
    }
}

/// The batch's records' addresses: the changed records' old ones out, everyone's in.
async fn write_addresses(
    tx: &mut Tx,
    postgres: bool,
    tenant_id: &TenantId,
    batch: &[ImportWrite],
) -> Result<(), StoreError> {
    let changed: Vec<&ImportWrite> = batch.iter().filter(|w| w.existing).collect();
    for chunk in changed.chunks(500) {
        let mut statement = sql(format!(
            "DELETE FROM crm_record_emails WHERE tenant_id = $1 AND record_id IN ({})",
            placeholders(2, chunk.len())
        ))
        .bind(tenant_id);
        for write in chunk {
            statement = statement.bind(write.id.as_str());
        }
        statement.execute(&mut *tx).await?;
    }
    let mut emails = Rows::new(&[Kind::Text, Kind::Text, Kind::Text, Kind::BigInt]);
    for write in batch {
        for (position, email) in write.fields.emails.iter().enumerate() {
            emails.push::<4>([
                Value::from(tenant_id.as_str().to_owned()),
                Value::from(write.id.clone()),
                Value::from(email.clone()),
                Value::from(i64::try_from(position).unwrap_or(i64::MAX)),
            ]);
        }
    }
    for statement in emails.statements(postgres, |source| {
        format!("INSERT INTO crm_record_emails (tenant_id, record_id, email, position) {source}")
    }) {
        statement.execute(&mut *tx).await?;
    }
    Ok(())
}
