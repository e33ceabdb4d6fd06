//! The record search: the records a user owns or was shared whose words start with every
//! word of the query, by name, a page at a time. Two plans, chosen per query by how many
//! records the rarest word's prefix names in the words index (`record_words.rs`): up to
//! [`WORDS_DRIVEN_MAX`], the page is found in that index alone — its entries carry each
//! record's name, owner and kind (migration 0023), so the candidates are filtered and sorted
//! there and only the page's records are read; past it (a word most records have), the
//! records are walked in name order and the first page that matches is soon found. Measured
//! with 100,000 records (`scripts/bench records`): a scan of the tenant's records was
//! 120–200 ms for a word that matches nothing; reading every candidate record, 42 ms on
//! PostgreSQL for a word of 5,000 records; the index alone, 5 ms.

use liaison_domain::api::{CrmRecord, RecordKind};

use super::db::{Pool, Sql, sql};
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
    let words: Vec<String> = query.words.iter().map(|w| w.to_lowercase()).collect();
    // How many index entries each word names (up to one past the limit): the rarest leads.
    let mut counts = Vec::with_capacity(words.len());
    for word in &words {
        counts.push(candidates(pool, tenant_id, word).await?);
    }
    match counts.iter().enumerate().min_by_key(|(_, count)| **count) {
        Some((anchor, count)) if *count <= WORDS_DRIVEN_MAX => {
            let plan = WordsPlan {
                words: &words,
                counts: &counts,
                anchor,
            };
            by_words(pool, tenant_id, viewer_id, query, plan).await
        }
        _ => by_name(pool, tenant_id, viewer_id, query, &words).await,
    }
}

/// The query's words, how many index entries each names, and which one leads.
struct WordsPlan<'a> {
    words: &'a [String],
    counts: &'a [i64],
    anchor: usize,
}

/// `text` with the parameters both plans share bound: the tenant ($1), the viewer ($2), the
/// kind ($3) and the cursor (name $4, id $5).
fn searching<'a>(
    text: String,
    tenant_id: &'a TenantId,
    viewer_id: &'a UserId,
    query: &'a RecordQuery,
) -> Sql<'a> {
    let after = query.after.as_ref();
    sql(text)
        .bind(tenant_id)
        .bind(viewer_id)
        .bind(query.kind.map(RecordKind::as_str))
        .bind(after.map(|a| a.name.as_str()))
        .bind(after.map(|a| a.id.as_str()))
}

/// The bounds of the words that start with `prefix`.
fn range(prefix: &str) -> (String, String) {
    (prefix.to_owned(), format!("{prefix}{}", char::MAX))
}

/// The anchor word's records from the words index — filtered by who may see them, their kind,
/// the cursor and the other words, and put in name order there (migration 0023) — then only
/// the page's records read.
async fn by_words(
    pool: &Pool,
    tenant_id: &TenantId,
    viewer_id: &UserId,
    query: &RecordQuery,
    plan: WordsPlan<'_>,
) -> Result<Vec<CrmRecord>, StoreError> {
    let WordsPlan {
        words,
        counts,
        anchor,
    } = plan;
    let mut text = String::from(
        "WITH c AS MATERIALIZED (SELECT DISTINCT w.name, w.record_id FROM crm_record_words w \
         WHERE w.tenant_id = $1 AND w.word >= $6 AND w.word < $7 \
         AND (w.owner_id = $2 OR EXISTS (SELECT 1 FROM crm_record_shares s \
           WHERE s.tenant_id = $1 AND s.record_id = w.record_id AND s.user_id = $2)) \
         AND ($3 IS NULL OR w.kind = $3) \
         AND ($4 IS NULL OR w.name > $4 OR (w.name = $4 AND w.record_id > $5))",
    );
    let others: Vec<(&String, i64)> = words
        .iter()
        .zip(counts)
        .enumerate()
        .filter(|(n, _)| *n != anchor)
        .map(|(_, (w, c))| (w, *c))
        .collect();
    for (n, (_, count)) in others.iter().enumerate() {
        let at = 9 + 2 * n;
        // Another word's records as a set when they are few enough to gather; else each
        // candidate's own words are looked at.
        text.push_str(&if *count <= WORDS_DRIVEN_MAX {
            format!(
                " AND w.record_id IN (SELECT o.record_id FROM crm_record_words o \
                 WHERE o.tenant_id = $1 AND o.word >= ${at} AND o.word < ${})",
                at + 1
            )
        } else {
            format!(
                " AND EXISTS (SELECT 1 FROM crm_record_words o WHERE o.tenant_id = $1 \
                 AND o.record_id = w.record_id AND o.word >= ${at} AND o.word < ${})",
                at + 1
            )
        });
    }
    text.push_str(&format!(
        " ORDER BY w.name, w.record_id LIMIT $8) \
         SELECT {RECORD_COLUMNS} FROM c JOIN crm_records r \
         ON r.tenant_id = $1 AND r.id = c.record_id ORDER BY c.name, c.record_id"
    ));
    let (from, to) = range(&words[anchor]);
    let mut statement = searching(text, tenant_id, viewer_id, query)
        .bind(from)
        .bind(to)
        .bind(i64::from(query.limit));
    for (word, _) in others {
        let (from, to) = range(word);
        statement = statement.bind(from).bind(to);
    }
    records(statement.fetch_all(pool).await?)
}

/// The records the viewer may see walked in name order, each checked against every word: for
/// no words, or a word too many records have (the first page is soon found).
async fn by_name(
    pool: &Pool,
    tenant_id: &TenantId,
    viewer_id: &UserId,
    query: &RecordQuery,
    words: &[String],
) -> Result<Vec<CrmRecord>, StoreError> {
    let mut text = format!(
        "SELECT {RECORD_COLUMNS} FROM crm_records r WHERE r.tenant_id = $1 \
         AND {VISIBLE_TO_VIEWER} AND r.deleted_at_ms IS NULL \
         AND ($3 IS NULL OR r.kind = $3) \
         AND ($4 IS NULL OR r.name > $4 OR (r.name = $4 AND r.id > $5))"
    );
    for n in 0..words.len() {
        text.push_str(&format!(" AND r.search_text LIKE ${} ESCAPE '\\'", n + 7));
    }
    text.push_str(" ORDER BY r.name, r.id LIMIT $6");
    let mut statement = searching(text, tenant_id, viewer_id, query).bind(i64::from(query.limit));
    for word in words {
        statement = statement.bind(format!("% {}%", escape_like(word)));
    }
    records(statement.fetch_all(pool).await?)
}
