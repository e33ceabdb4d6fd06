//! The administrators' API under load, on each store: `GET /api/admin/users` with 10,000 people
//! (p50/p99, beside `/healthz` in the same run), and the audit export of 1,000,000 lines (lines
//! per second, and the server's resident memory while it streams: it must not grow with the
//! log, so a tenth of the log is exported too).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use liaison_e2e::test_db::{Backend, TestDatabase};
use liaison_server::auth::sessions;
use liaison_server::store::{self, Backend as StoreBackend, Tenant, User, UserKey};

use crate::load::{Load, Report, Request};
use crate::server::Server;

const TENANT: &str = "bench-tenant";

pub async fn report(
    users: usize,
    lines: usize,
    seconds: u64,
    postgres: Option<String>,
    server_bin: Option<PathBuf>,
) -> anyhow::Result<()> {
    let mut backends = vec![("SQLite", Backend::Sqlite)];
    match postgres {
        Some(url) => backends.push(("PostgreSQL", Backend::Postgres(url))),
        None => println!("(PostgreSQL skipped: set TEST_DATABASE_URL or pass --postgres URL)"),
    }
    for (name, backend) in backends {
        println!("\n== {name}: {users} people, {lines} audit lines");
        let db = TestDatabase::create(&backend).await;
        let started = Instant::now();
        let token = prepare(&db, users, lines).await?;
        println!("prepared in {:.1} s", started.elapsed().as_secs_f64());
        let url = db.url.expose().to_owned();
        let server = Server::start_with(
            server_bin.clone(),
            &[
                "--database",
                &url,
                "--rate-limit",
                "1000000000",
                "--user-rate-limit",
                "1000000000",
            ],
        )
        .await?;
        let load = Load {
            duration: Duration::from_secs(seconds),
            connections: 8,
        };
        println!("{}", Report::header());
        let baseline = load.run(&server.url, Request::get("/healthz")).await?;
        println!("{}", baseline.line("GET /healthz (baseline)"));
        for (label, path) in [
            (
                "GET /api/admin/users (first 50)",
                "/api/admin/users?limit=50".to_owned(),
            ),
            (
                "GET /api/admin/users (50 after the 5,000th)",
                format!("/api/admin/users?limit=50&cursor={}", mailbox(users / 2)),
            ),
            (
                "GET /api/admin/users?attention=true",
                "/api/admin/users?limit=50&attention=true".to_owned(),
            ),
        ] {
            let report = load
                .run(&server.url, Request::get(&path).bearer(&token))
                .await?;
            println!("{}", report.line(label));
        }
        let pid = server.pid().unwrap_or(0);
        for (label, query) in [
            (
                "a tenth of the log",
                format!("format=csv&before={}", lines / 10 + 1),
            ),
            ("the whole log", "format=csv".to_owned()),
        ] {
            let (exported, elapsed, peak_kb, before_kb) =
                export(&server.url, &token, &query, pid).await?;
            println!(
                "audit export, {label}: {exported} lines in {:.1} s = {:.0} lines/s; server \
                 resident memory {:.1} MB before, {:.1} MB at most during it",
                elapsed.as_secs_f64(),
                exported as f64 / elapsed.as_secs_f64(),
                before_kb as f64 / 1024.0,
                peak_kb as f64 / 1024.0
            );
        }
        server.stop().await;
    }
    Ok(())
}

fn mailbox(n: usize) -> String {
    format!("person-{n:06}@bench.example")
}

/// The tenant, `users` people (every tenth with sync on), an administrator's session, and
/// `lines` audit lines written by SQL in a few statements; the administrator's session token.
async fn prepare(db: &TestDatabase, users: usize, lines: usize) -> anyhow::Result<String> {
    let store = store::connect(&db.url).await?;
    store.migrate().await?;
    store
        .upsert_tenant(&Tenant::new(&TENANT.into(), "Bench"))
        .await?;
    for n in 0..users {
        store
            .upsert_user(&User {
                tenant_id: TENANT.into(),
                id: format!("person-{n:06}").as_str().into(),
                mailbox: mailbox(n),
                display_name: format!("Person {n}"),
                sync_enabled: n % 10 == 0,
            })
            .await?;
    }
    let admin = UserKey::new(TENANT.into(), "person-000000".into());
    let (token, _) = sessions::start(store.as_ref(), &admin, true, None).await?;
    // Lines from ten actors, half of them on someone's behalf, one in five refused.
    let generate = match store.backend() {
        StoreBackend::Sqlite => {
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
             INSERT INTO audit_log (at_ms, tenant_id, actor_id, on_behalf_of_id, action, target, \
             outcome, reason, detail) SELECT 1790000000000 + i * 1000, 'bench-tenant', \
             printf('person-%06d', i % 10), CASE WHEN i % 2 = 0 THEN 'person-000001' END, \
             'items.save', printf('olga@contoso.com/uid-%d', i), \
             CASE WHEN i % 5 = 0 THEN 'refused' ELSE 'allowed' END, \
             CASE WHEN i % 5 = 0 THEN 'reviewer_read_only' END, 'synced' FROM n"
        }
        StoreBackend::Postgres => {
            "INSERT INTO audit_log (at_ms, tenant_id, actor_id, on_behalf_of_id, action, target, \
             outcome, reason, detail) SELECT 1790000000000 + i * 1000, 'bench-tenant', \
             'person-' || lpad((i % 10)::text, 6, '0'), CASE WHEN i % 2 = 0 THEN 'person-000001' END, \
             'items.save', 'olga@contoso.com/uid-' || i, \
             CASE WHEN i % 5 = 0 THEN 'refused' ELSE 'allowed' END, \
             CASE WHEN i % 5 = 0 THEN 'reviewer_read_only' END, 'synced' \
             FROM generate_series(1, $1::bigint) AS i"
        }
    };
    let url = db.url.expose();
    if url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(url).await?;
        sqlx::query(generate)
            .bind(lines as i64)
            .execute(&pool)
            .await?;
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(url).await?;
        sqlx::query(generate)
            .bind(lines as i64)
            .execute(&pool)
            .await?;
        sqlx::query("ANALYZE").execute(&pool).await?;
        pool.close().await;
    }
    Ok(token)
}

/// Streams one export, counting its lines while sampling the server's resident memory; the
/// lines, the time, the peak and the memory before it (kB).
async fn export(
    url: &str,
    token: &str,
    query: &str,
    pid: u32,
) -> anyhow::Result<(usize, Duration, u64, u64)> {
    let before = resident_kb(pid);
    let sampler = tokio::spawn(async move {
        let mut peak = 0;
        loop {
            peak = peak.max(resident_kb(pid));
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        #[allow(unreachable_code)]
        peak
    });
    let started = Instant::now();
    let mut response = reqwest::Client::new()
        .get(format!("{url}/api/admin/audit?{query}"))
        .bearer_auth(token)
        .send()
        .await?
        .error_for_status()?;
    let mut newlines = 0;
    let mut peak = before;
    while let Some(chunk) = response.chunk().await? {
        newlines += chunk.iter().filter(|b| **b == b'\n').count();
        peak = peak.max(resident_kb(pid));
    }
    let elapsed = started.elapsed();
    sampler.abort();
    // The header row is not a line of the log.
    Ok((newlines.saturating_sub(1), elapsed, peak, before))
}

/// The process's resident set (`VmRSS`, kB), 0 when it cannot be read.
fn resident_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
