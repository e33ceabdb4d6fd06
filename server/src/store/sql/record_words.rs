//! The record search's index: every word of a record's search text (`crm_record_words`),
//! written with the record, so the search finds a word's prefix through an index range. The
//! words are the search text's, so what the index finds is what `LIKE '% word%'` would. Each
//! word carries its record's name, owner and kind (migration 0023), given by the writer of the
//! record with it: the search filters and sorts on them without reading the records. A deleted
//! record has none ([`remove`]).

use std::collections::HashSet;

use super::db::{Pool, Tx, Value, sql};
use super::rows::{Kind, Rows};
use super::{SqlStore, placeholders};
use crate::store::error::StoreError;
use crate::store::ids::TenantId;

/// The distinct words of a search text (`" ann ann@contoso.com contoso"`).
fn words(search_text: &str) -> Vec<&str> {
    let mut seen = HashSet::new();
    search_text
        .split_whitespace()
        .filter(|w| seen.insert(*w))
        .collect()
}

/// Removes the words of a record: no search finds it (it was deleted).
pub(super) async fn remove(tx: &mut Tx, tenant_id: &TenantId, id: &str) -> Result<(), StoreError> {
    sql("DELETE FROM crm_record_words WHERE tenant_id = $1 AND record_id = $2")
        .bind(tenant_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// A record as its words carry it.
#[derive(Debug, Clone, Copy)]
pub(super) struct WordsOf<'a> {
    pub id: &'a str,
    pub search_text: &'a str,
    pub name: &'a str,
    pub owner_id: &'a str,
    pub kind: &'a str,
}

/// Replaces the words of `records` with their search texts' words.
pub(super) async fn write(
    tx: &mut Tx,
    tenant_id: &TenantId,
    records: &[WordsOf<'_>],
    replacing: bool,
) -> Result<(), StoreError> {
    if replacing {
        for chunk in records.chunks(500) {
            let mut statement = sql(format!(
                "DELETE FROM crm_record_words WHERE tenant_id = $1 AND record_id IN ({})",
                placeholders(2, chunk.len())
            ))
            .bind(tenant_id);
            for record in chunk {
                statement = statement.bind(record.id);
            }
            statement.execute(&mut *tx).await?;
        }
    }
    let mut rows = Rows::new(&[Kind::Text; 6]);
    for record in records {
        for word in words(record.search_text) {
            rows.push([
                Value::from(tenant_id.as_str().to_owned()),
                Value::from(word.to_owned()),
                Value::from(record.id.to_owned()),
                Value::from(record.name.to_owned()),
                Value::from(record.owner_id.to_owned()),
                Value::from(record.kind.to_owned()),
            ]);
        }
    }
    for statement in rows.statements(tx.is_postgres(), |source| {
        format!(
            "INSERT INTO crm_record_words (tenant_id, word, record_id, name, owner_id, kind) \
             {source} ON CONFLICT (tenant_id, word, record_id) DO NOTHING"
        )
    }) {
        statement.execute(&mut *tx).await?;
    }
    Ok(())
}

impl SqlStore {
    /// Fills the index for records written before it existed (migration 0020); run after
    /// migrating, once: done, it is marked in `store_upkeep` (migration 0024) and never looked
    /// for again (records written since 0020 get their words as they are written).
    pub(super) async fn backfill_record_words(&self) -> Result<(), StoreError> {
        let done: Option<i64> =
            sql("SELECT done_at_ms FROM store_upkeep WHERE task = 'record_words'")
                .fetch_optional_scalar(&self.pool)
                .await?;
        if done.is_some() {
            return Ok(());
        }
        backfill(&self.pool).await?;
        sql(
            "INSERT INTO store_upkeep (task, done_at_ms) VALUES ('record_words', $1) \
             ON CONFLICT (task) DO NOTHING",
        )
        .bind(crate::clock::now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

/// Fills the index for records written before it existed, a thousand at a time; nothing to
/// do once every record has its words.
async fn backfill(pool: &Pool) -> Result<(), StoreError> {
    #[derive(sqlx::FromRow)]
    struct Missing {
        tenant_id: String,
        id: String,
        search_text: String,
        name: String,
        owner_id: String,
        kind: String,
    }
    loop {
        let missing: Vec<Missing> = sql(
            "SELECT r.tenant_id, r.id, r.search_text, r.name, r.owner_id, r.kind \
             FROM crm_records r \
             WHERE NOT EXISTS (SELECT 1 FROM crm_record_words w \
             WHERE w.tenant_id = r.tenant_id AND w.record_id = r.id) \
             AND r.search_text <> '' AND r.deleted_at_ms IS NULL \
             ORDER BY r.tenant_id, r.id LIMIT 1000",
        )
        .fetch_all(pool)
        .await?;
        if missing.is_empty() {
            return Ok(());
        }
        let mut tx = pool.begin().await?;
        for record in &missing {
            let tenant_id = TenantId::new(record.tenant_id.clone());
            let words = WordsOf {
                id: &record.id,
                search_text: &record.search_text,
                name: &record.name,
                owner_id: &record.owner_id,
                kind: &record.kind,
            };
            write(&mut tx, &tenant_id, &[words], false).await?;
        }
        tx.commit().await?;
    }
}

#[cfg(test)]
mod tests {
    use super::words;

    #[test]
    fn a_search_texts_words_each_once() {
        assert_eq!(
            words(" ann lee ann@contoso.com contoso ann"),
            ["ann", "lee", "ann@contoso.com", "contoso"]
        );
    }
}
