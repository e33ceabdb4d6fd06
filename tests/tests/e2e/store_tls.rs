//! PostgreSQL over TLS, as the URL's `sslmode` asks (`store/sql/postgres_tls.rs`): `require`
//! encrypts, `verify-full` checks the certificate and refuses one no trusted CA signed — here
//! the self-signed certificate Debian gives a new cluster (`scripts/test-postgres`).

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
             FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.datname = $1",
        )
        .bind(&database)
        .fetch_one(&admin)
        .await
        .unwrap();
        assert!(encrypted > 0, "the store's connections use TLS");
        assert_eq!(plain, 0, "no connection of the store is in clear");
        drop(store);

        // `verify-full`: a certificate no trusted CA signed is refused, before any statement.
        let refused = store::connect(&with_query(&db.url, "sslmode=verify-full")).await;
        match refused {
            // rustls' refusal, which sqlx hands on as an I/O error.
            Err(StoreError::Unavailable(error))
                if format!("{error:?}").contains("InvalidCertificate(UnknownIssuer)") => {}
            Err(other) => panic!("refused for its certificate, not: {other:?}"),
            Ok(_) => panic!("a self-signed certificate passed verify-full"),
        }
        admin.close().await;
    }
}
