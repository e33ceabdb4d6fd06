//! A database of its own for each test: a temporary SQLite file, or a PostgreSQL database
//! created on the server `TEST_DATABASE_URL` names and dropped when the test ends.

use std::path::PathBuf;

use liaison_server::store::DatabaseUrl;

/// Which backends the store story runs on: SQLite always; PostgreSQL when `TEST_DATABASE_URL`
/// is set. Under CI (`CI=true`) a missing `TEST_DATABASE_URL` fails rather than skipping.
pub fn backends() -> Vec<Backend> {
    let postgres = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty());
    if postgres.is_none() && std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "CI must run the store tests on PostgreSQL too: set TEST_DATABASE_URL (scripts/test does)"
        );
    }
    let mut backends = vec![Backend::Sqlite];
    backends.extend(postgres.map(Backend::Postgres));
    backends
}

#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    /// The URL of a server where this role may create databases.
    Postgres(String),
}

/// A database that lives as long as this value.
pub struct TestDatabase {
    pub url: DatabaseUrl,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[expect(dead_code, reason = "held for its Drop")] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDatabase {
    pub async fn create(backend: &Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("a temporary directory");
                let path: PathBuf = dir.path().join("liaison.db");
                Self {
                    url: DatabaseUrl::sqlite_file(&path).unwrap(),
                    cleanup: Cleanup::Sqlite(dir),
                }
            }
            Backend::Postgres(admin_url) => {
                let name = format!("liaison_test_{}", uuid::Uuid::new_v4().simple());
                let admin = sqlx::PgPool::connect(admin_url)
                    .await
                    .unwrap_or_else(|e| panic!("cannot reach TEST_DATABASE_URL: {e}"));
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&admin)
                    .await
                    .expect("CREATE DATABASE");
                admin.close().await;
                let mut url = url::Url::parse(admin_url).expect("TEST_DATABASE_URL is a URL");
                url.set_path(&name);
                Self {
                    url: url.as_str().parse().expect("a postgres URL"),
                    cleanup: Cleanup::Postgres {
                        admin_url: admin_url.clone(),
                        name,
                    },
                }
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.cleanup, Cleanup::Postgres { .. })
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin_url, name } = &self.cleanup {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs inside the test's runtime: use a thread with its own.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime");
                runtime.block_on(async {
                    if let Ok(admin) = sqlx::PgPool::connect(&admin_url).await {
                        let _ =
                            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                                .execute(&admin)
                                .await;
                    }
                });
            })
            .join();
        }
    }
}
