//! The PostgreSQL pool after the database dropped its connections (a restart, a failover, an
//! idle timeout somewhere between): the store answers again at once. Connections in steady use
//! are not pinged before each statement (`store/sql/mod.rs`, `ping_if_idle`), so a call that
//! meets a dropped one fails — `503`, the store unavailable, never a panic or a `500` — and
//! that connection is replaced; a connection idle for longer is pinged and replaced before it
//! is used.

use liaison_e2e::test_db::{Backend, TestDatabase, backends};
use liaison_server::store::{self, StoreError, TenantId};

#[tokio::test]
async fn the_store_answers_again_after_postgresql_drops_its_connections() {
    for backend in backends() {
        let Backend::Postgres(admin_url) = &backend else {
            continue;
        };
        let db = TestDatabase::create(&backend).await;
        let store = store::connect(&db.url).await.unwrap();
        store.migrate().await.unwrap();
        // Several connections in the pool, all recently used.
        let pings = tokio::join!(store.ping(), store.ping(), store.ping(), store.ping());
        for ping in [pings.0, pings.1, pings.2, pings.3] {
            ping.unwrap();
        }
        let database = db.url.expose().rsplit('/').next().unwrap().to_owned();
        let admin = sqlx::PgPool::connect(admin_url).await.unwrap();
        let dropped: Vec<(bool,)> = sqlx::query_as(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = $1 AND pid <> pg_backend_pid()",
        )
        .bind(&database)
        .fetch_all(&admin)
        .await
        .unwrap();
        assert!(!dropped.is_empty(), "the pool held connections to drop");
        admin.close().await;
        // Each dropped connection fails one call at most; then the pool has new ones.
        let mut failed = 0;
        let mut answered = false;
        for _ in 0..=dropped.len() {
            match store.tenant(&TenantId::new("tenant-a")).await {
                Ok(_) => {
                    answered = true;
                    break;
                }
                Err(error) => {
                    assert!(
                        matches!(error, StoreError::Unavailable(_)),
                        "a dropped connection is the store unavailable (503), not a failed \
                         statement (500): {error:?}"
                    );
                    failed += 1;
                }
            }
        }
        assert!(
            answered,
            "the store answered again ({failed} calls failed first)"
        );
        // And keeps answering.
        for _ in 0..20 {
            store.ping().await.unwrap();
        }
    }
}
