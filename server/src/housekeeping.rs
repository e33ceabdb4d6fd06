//! Housekeeping: what has run its course leaves the store — idempotency keys after two days
//! (answers are replayed for at least one), sessions past their end or idle limit, expired
//! dialog codes and sign-in flows, delegation checks and sync sessions' lines after 30 days.
//! Runs every ten minutes in each instance (the deletes are idempotent, so instances need not
//! agree).

use std::sync::Arc;
use std::time::Duration;

use crate::auth::sessions::IDLE_MS;
use crate::clock::now_ms;
use crate::store::{PurgeBefore, Purged, Store, StoreError};

/// How long an idempotency key and its answer are kept.
pub const IDEMPOTENCY_KEY_MS: i64 = 48 * 60 * 60 * 1000;
/// How long a sync session's line, and a delegation check, are kept for the administrators'
/// console. A check is trusted far shorter ([`crate::identity::MAX_DELEGATION_TTL`]): its age
/// is compared when it is read, whatever is kept.
pub const KEPT_FOR_THE_CONSOLE_MS: i64 = 30 * 24 * 60 * 60 * 1000;
const EVERY: Duration = Duration::from_secs(600);

/// Purges once, as of `now_ms`.
pub async fn purge_once(store: &dyn Store, now_ms: i64) -> Result<Purged, StoreError> {
    store
        .purge(PurgeBefore {
            idempotency_keys_ms: now_ms - IDEMPOTENCY_KEY_MS,
            now_ms,
            idle_sessions_ms: now_ms - IDLE_MS,
            delegation_checks_ms: now_ms - KEPT_FOR_THE_CONSOLE_MS,
            sync_sessions_ms: now_ms - KEPT_FOR_THE_CONSOLE_MS,
        })
        .await
}

/// Purges now and every ten minutes, for as long as the server runs.
pub fn spawn(store: Arc<dyn Store>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        loop {
            tick.tick().await;
            match purge_once(store.as_ref(), now_ms()).await {
                Ok(purged) => tracing::debug!(?purged, "housekeeping"),
                Err(error) => tracing::warn!(%error, "housekeeping failed; trying again later"),
            }
        }
    });
}
