//! Reaching PostgreSQL as an operator sets it up (`store/sql/postgres_setup.rs`): over TLS as
//! the URL's `sslmode` asks — `require` encrypts, `verify-full` checks the certificate and
//! refuses one no trusted CA signed (here the self-signed certificate Debian gives a new
//! cluster, `scripts/test-postgres`) —, and a role that may not create tables told why.

use liaison_e2e::test_db::{Backend, TestDatabase, backends};
use liaison_server::store::{self, DatabaseUrl, StoreError, TenantId};

fn with_query(url: &DatabaseUrl, query: &str) -> DatabaseUrl {
    let mut url = url::Url::parse(url.expose()).unwrap();
    url.set_query(Some(query));
    url.as_str().parse().unwrap()
}

#[tokio::test]
async fn postgresql_is_reached_over_tls_with_the_certificate_checked_when_asked() {
    for backend in backends() {
        let Backend::Postgres(admin_url) = &backend else {
            continue;
        };
        let admin = sqlx::PgPool::connect(admin_url).await.unwrap();
        let (ssl,): (String,) = sqlx::query_as("SHOW ssl").fetch_one(&admin).await.unwrap();
        assert_eq!(
            ssl, "on",
            "this test needs a PostgreSQL server that offers TLS, as the cluster \
             scripts/test-postgres starts does"
        );
        let db = TestDatabase::create(&backend).await;
        let database = db.url.expose().rsplit('/').next().unwrap().to_owned();

        // `require`: the store works, and every connection it holds is encrypted.
        let store = store::connect(&with_query(&db.url, "sslmode=require"))
            .await
            .expect("sslmode=require connects to a server that offers TLS");
        store.migrate().await.unwrap();
        store.tenant(&TenantId::new("tenant-a")).await.unwrap();
        let (plain, encrypted): (i64, i64) = sqlx::query_as(
            "SELECT count(*) FILTER (WHERE NOT s.ssl), count(*) FILTER (WHERE s.ssl) \
             FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) \
             WHERE a.datname = $1 AND a.application_name = 'liaison'",
        )
        .bind(&database)
        .fetch_one(&admin)
        .await
        .unwrap();
        assert!(
            encrypted > 0,
            "the store's connections, named liaison, use TLS"
        );
        assert_eq!(plain, 0, "no connection of the store is in clear");
        drop(store);

        // `verify-full`: a certificate no trusted CA signed is refused, before any statement.
        let refused = store::connect(&with_query(&db.url, "sslmode=verify-full")).await;
        match refused {
            // The same server answered `require` a moment ago: only its certificate differs.
            Err(StoreError::Unavailable(error)) if error.to_string().contains("certificate") => {}
            Err(other) => panic!("refused for its certificate, not: {other:?}"),
            Ok(_) => panic!("a self-signed certificate passed verify-full"),
        }
        admin.close().await;
    }
}

#[tokio::test]
async fn a_role_that_may_not_create_tables_is_told_why() {
    for backend in backends() {
        let Backend::Postgres(admin_url) = &backend else {
            continue;
        };
        // The database TEST_DATABASE_URL names (`postgres` for scripts/test-postgres), which
        // the test role does not own: from PostgreSQL 15 it may not create tables there.
        let admin = sqlx::PgPool::connect(admin_url).await.unwrap();
        let (may_create,): (bool,) =
            sqlx::query_as("SELECT has_schema_privilege('public', 'CREATE')")
                .fetch_one(&admin)
                .await
                .unwrap();
        admin.close().await;
        assert!(
            !may_create,
            "this test needs TEST_DATABASE_URL to name a database whose public schema the role \
             may not create in, as scripts/test-postgres's does"
        );
        let url: DatabaseUrl = admin_url.parse().unwrap();
        let store = store::connect(&url).await.unwrap();
        let error = store.migrate().await.expect_err("no CREATE on public");
        let message = error.to_string();
        assert!(matches!(error, StoreError::Setup(_)), "{error:?}");
        for needed in [
            "permission denied for schema public",
            "OWNER",
            "liaison migrate",
        ] {
            assert!(message.contains(needed), "{needed} in: {message}");
        }
    }
}
