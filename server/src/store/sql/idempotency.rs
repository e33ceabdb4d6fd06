//! Idempotency keys in SQL: a keyed write claims its key and keeps its answer inside the write's
//! own transaction, so a retry replays that answer and a key sent with another request is refused.

use super::db::{Batch, Pool, Sql, Tx, sql};
use crate::clock::now_ms;
use crate::store::crm::{IdempotencyKey, Idempotent, StoredResponse};
use crate::store::error::StoreError;
use crate::store::ids::{TenantId, UserId};

#[derive(sqlx::FromRow)]
struct KeyRow {
    request_hash: String,
    status: i32,
    response: String,
}

/// What an earlier request under `key` answered: its answer, or "reused" when it came with
/// another request; `None` when the key is new.
pub(super) async fn stored_answer(
    pool: &Pool,
    tenant_id: &TenantId,
    user_id: &UserId,
    key: &IdempotencyKey,
) -> Result<Option<Idempotent<StoredResponse>>, StoreError> {
    let row: Option<KeyRow> = sql(
        "SELECT request_hash, status, response FROM idempotency_keys \
         WHERE tenant_id = $1 AND user_id = $2 AND key = $3",
    )
    .bind(tenant_id)
    .bind(user_id)
    .bind(&key.key)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|row| {
        if row.request_hash != key.request_hash {
            return Idempotent::KeyReused;
        }
        Idempotent::Replayed(StoredResponse {
            status: u16::try_from(row.status).unwrap_or(500),
            body: row.response,
        })
    }))
}

/// The answer to replay for a key claimed before.
pub(super) async fn replay(
    pool: &Pool,
    tenant_id: &TenantId,
    user_id: &UserId,
    key: &IdempotencyKey,
) -> Result<Idempotent<StoredResponse>, StoreError> {
    Ok(stored_answer(pool, tenant_id, user_id, key)
        .await?
        .unwrap_or(Idempotent::KeyReused))
}

/// Claims `key` for this transaction; `false` when it was claimed before.
pub(super) async fn claim_key(
    tx: &mut Tx,
    tenant_id: &TenantId,
    user_id: &UserId,
    key: &IdempotencyKey,
) -> Result<bool, StoreError> {
    let claimed = sql(
        "INSERT INTO idempotency_keys (tenant_id, user_id, key, request_hash, \
         status, response, created_at_ms) VALUES ($1, $2, $3, $4, 0, '', $5) \
         ON CONFLICT (tenant_id, user_id, key) DO NOTHING",
    )
    .bind(tenant_id)
    .bind(user_id)
    .bind(&key.key)
    .bind(&key.request_hash)
    .bind(now_ms())
    .execute(tx)
    .await?;
    Ok(claimed == 1)
}

pub(super) async fn store_response(
    tx: &mut Tx,
    tenant_id: &TenantId,
    user_id: &UserId,
    key: &IdempotencyKey,
    response: &StoredResponse,
) -> Result<(), StoreError> {
    store_response_statement(tenant_id, user_id, key, response)
        .execute(tx)
        .await?;
    Ok(())
}

/// Keeping `response` as the answer to the key, if any, as a batch to send with the change
/// feed's rows (`changes::append_with`): one round trip on PostgreSQL.
pub(super) fn kept_answer<'a>(
    tenant_id: &'a TenantId,
    user_id: &'a UserId,
    key: Option<&'a IdempotencyKey>,
    response: &'a StoredResponse,
) -> Batch<'a> {
    let mut answer = Batch::default();
    if let Some(key) = key {
        answer.push(store_response_statement(tenant_id, user_id, key, response));
    }
    answer
}

/// The statement keeping `response` as the answer to the key.
fn store_response_statement<'a>(
    tenant_id: &'a TenantId,
    user_id: &'a UserId,
    key: &'a IdempotencyKey,
    response: &'a StoredResponse,
) -> Sql<'a> {
    sql("UPDATE idempotency_keys SET status = $1, response = $2 \
         WHERE tenant_id = $3 AND user_id = $4 AND key = $5")
    .bind(i32::from(response.status))
    .bind(&response.body)
    .bind(tenant_id)
    .bind(user_id)
    .bind(&key.key)
}
