//! The record search: the records a user owns or was shared whose words start with every
//! word of the query, by name, a page at a time. Two plans, chosen per query by how many
//! records the longest word's prefix names in the words index (`record_words.rs`): up to
//! [`WORDS_DRIVEN_MAX`], the candidates come from that index range and only they are read
//! and sorted; past it (a word most records have), the records are walked in name order and
//! the first page that matches is soon found. Measured with 100,000 records
//! (`scripts/bench records`): a scan of the tenant's records was 120–200 ms for a word that
//! matches nothing.

use liaison_domain::api::{CrmRecord, RecordKind};

use super::db::{Pool, sql};
use super::escape_like;
use super::records::{RECORD_COLUMNS, VISIBLE_TO_VIEWER, records};
use crate::store::crm::RecordQuery;
use crate::store::error::StoreError;
use crate::store::ids::{TenantId, UserId};

/// Candidates past which the search walks the records by name instead.
const WORDS_DRIVEN_MAX: i64 = 20_000;

/// How many words of the tenant's records start with `prefix` (counted up to one past the
/// limit).
async fn candidates(pool: &Pool, tenant_id: &TenantId, prefix: &str) -> Result<i64, StoreError> {
    sql(
        "SELECT COUNT(*) FROM (SELECT 1 FROM crm_record_words WHERE tenant_id = $1 \
         AND word >= $2 AND word < $3 LIMIT $4) c",
    )
    .bind(tenant_id)
    .bind(prefix)
    .bind(format!("{prefix}{}", char::MAX))
    .bind(WORDS_DRIVEN_MAX + 1)
    .fetch_scalar(pool)
    .await
}

pub(super) async fn search(
    pool: &Pool,
    tenant_id: &TenantId,
    viewer_id: &UserId,
    query: &RecordQuery,
) -> Result<Vec<CrmRecord>, StoreError> {
    let anchor = query
        .words
        .iter()
        .max_by_key(|w| w.len())
        .map(|w| w.to_lowercase());
    let words_driven = match &anchor {
        Some(prefix) => candidates(pool, tenant_id, prefix).await? <= WORDS_DRIVEN_MAX,
        None => false,
    };
    let range_at = query.words.len() + 6;
    let mut text = if words_driven {
        format!(
            "WITH c AS MATERIALIZED (SELECT DISTINCT record_id FROM crm_record_words \
             WHERE tenant_id = $1 AND word >= ${range_at} AND word < ${}) \
             SELECT {RECORD_COLUMNS} FROM c JOIN crm_records r \
             ON r.tenant_id = $1 AND r.id = c.record_id WHERE r.tenant_id = $1",
            range_at + 1
        )
    } else {
        format!("SELECT {RECORD_COLUMNS} FROM crm_records r WHERE r.tenant_id = $1")
    };
    text.push_str(&format!(" AND {VISIBLE_TO_VIEWER}"));
    text.push_str(
        " AND r.deleted_at_ms IS NULL \
         AND ($3 IS NULL OR r.kind = $3) \
         AND ($4 IS NULL OR r.name > $4 OR (r.name = $4 AND r.id > $5))",
    );
    for n in 0..query.words.len() {
        text.push_str(&format!(" AND r.search_text LIKE ${} ESCAPE '\\'", n + 6));
    }
    let limit_at = range_at + if words_driven { 2 } else { 0 };
    text.push_str(&format!(" ORDER BY r.name, r.id LIMIT ${limit_at}"));
    let after = query.after.as_ref();
    let mut statement = sql(text)
        .bind(tenant_id)
        .bind(viewer_id)
        .bind(query.kind.map(RecordKind::as_str))
        .bind(after.map(|a| a.name.as_str()))
        .bind(after.map(|a| a.id.as_str()));
    for word in &query.words {
        statement = statement.bind(format!("% {}%", escape_like(&word.to_lowercase())));
    }
    if let (true, Some(prefix)) = (words_driven, anchor) {
        statement = statement
            .bind(prefix.clone())
            .bind(format!("{prefix}{}", char::MAX));
    }
    records(
        statement
            .bind(i64::from(query.limit))
            .fetch_all(pool)
            .await?,
    )
}
