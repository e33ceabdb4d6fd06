//! `records`: the CRM record store at size, on SQLite and PostgreSQL. A CSV of 100,000 contacts
//! imported through the real server (`POST /api/admin/crm/import`) — rows/s — beside a raw
//! batched insert of the same rows into the same tables (multi-row `INSERT`s of 500, one
//! transaction, as each backend takes them best: the backend's limit on this machine); then the record search
//! (`GET /api/crm/records?q=`) over them, one request at a time: p50/p99 for words that match
//! many records, few, and none, as their owner and as someone they are not shared with.

use std::time::Instant;

use liaison_e2e::TestApp;
use liaison_e2e::people::{ADELE, OLGA};
use liaison_e2e::test_db::{Backend, TestDatabase};

const FIRST: &[&str] = &[
    "Ada", "Grace", "Alan", "Barbara", "Edsger", "Donald", "Frances", "John", "Margaret",
    "Niklaus", "Ken", "Radia", "Tim", "Leslie", "Shafi", "Butler", "Adele", "Dennis", "Sophie",
    "Bjarne",
];
const LAST: &[&str] = &[
    "Lovelace",
    "Hopper",
    "Turing",
    "Liskov",
    "Dijkstra",
    "Knuth",
    "Allen",
    "Backus",
    "Hamilton",
    "Wirth",
    "Thompson",
    "Perlman",
    "Lee",
    "Lamport",
    "Goldwasser",
    "Lampson",
    "Goldberg",
    "Ritchie",
    "Wilson",
    "Stroustrup",
];

/// Row `n` of the file: a contact with a name, an address, a phone, a company, an external id.
fn contact(n: usize) -> [String; 5] {
    let first = FIRST[n % FIRST.len()];
    let last = LAST[(n / FIRST.len()) % LAST.len()];
    [
        format!("X-{n}"),
        format!("{first} {last} {n}"),
        format!(
            "{}.{}{n}@example{}.org",
            first.to_lowercase(),
            last.to_lowercase(),
            n % 97
        ),
        format!("+1 555 {:04}", n % 10_000),
        format!("Company {}", n % 1000),
    ]
}

fn csv(rows: usize) -> String {
    let mut text = String::from("External ID,Name,Email,Phone,Company\r\n");
    for n in 0..rows {
        text.push_str(&contact(n).join(","));
        text.push_str("\r\n");
    }
    text
}

pub async fn report(rows: usize, queries: usize, postgres: Option<String>) -> anyhow::Result<()> {
    let mut backends = vec![("SQLite", Backend::Sqlite)];
    match postgres {
        Some(url) => backends.push(("PostgreSQL", Backend::Postgres(url))),
        None => println!("(PostgreSQL skipped: set TEST_DATABASE_URL or pass --postgres URL)"),
    }
    let file = csv(rows);
    println!(
        "{rows} contacts, {:.1} MB of CSV; search: {queries} requests per line, one at a time",
        file.len() as f64 / 1e6
    );
    for (name, backend) in backends {
        println!("\n== {name}");
        let raw = raw_rows_per_second(&backend, rows, false).await?;
        let raw_batched = raw_rows_per_second(&backend, rows, true).await?;
        let app = TestApp::builder().backend(backend).spawn().await;
        let token = app.token(ADELE).await;
        let started = Instant::now();
        let res = app
            .http
            .post(format!("{}/api/admin/crm/import?kind=contact", app.url))
            .bearer_auth(&token)
            .header("content-type", "text/csv")
            .body(file.clone())
            .send()
            .await?;
        let status = res.status();
        let report: serde_json::Value = res.json().await?;
        let elapsed = started.elapsed().as_secs_f64();
        anyhow::ensure!(
            status.is_success() && report["created"] == rows,
            "import: {status} {report}"
        );
        let rate = rows as f64 / elapsed;
        println!(
            "CSV import through the server: {rate:>9.0} rows/s   raw batched insert: {raw:>9.0} rows/s   ({:.0} %)",
            100.0 * rate / raw
        );
        println!(
            "  raw, committed every {IMPORT_BATCH} rows as the import commits: {raw_batched:>9.0} rows/s   ({:.0} %)",
            100.0 * rate / raw_batched
        );
        println!(
            "{:<44} {:>9} {:>9} {:>9}",
            "search", "matches", "p50", "p99"
        );
        let olga = app.token(OLGA).await;
        let one = contact(77_777)[2]
            .split('@')
            .next()
            .unwrap_or_default()
            .to_owned();
        for (label, who, q) in [
            ("many matches (ada), the owner", &token, "ada"),
            ("two words (grace hop), the owner", &token, "grace hop"),
            (
                "one match (row 77,777's address), the owner",
                &token,
                one.as_str(),
            ),
            ("no match (zzz), the owner", &token, "zzz"),
            ("empty query (first page), the owner", &token, ""),
            ("many matches (ada), not shared with", &olga, "ada"),
        ] {
            let (matches, p50, p99) = search(&app, who, q, queries).await?;
            println!("{label:<44} {matches:>9} {p50:>7.2}ms {p99:>7.2}ms");
        }
    }
    println!(
        "\nThe search answers a page of 20 (limit 21 read); p50/p99 over sequential requests \
         through the server on loopback."
    );
    Ok(())
}

/// `queries` searches for `q`: how many records the first page held, p50 and p99 in ms.
async fn search(
    app: &TestApp,
    token: &str,
    q: &str,
    queries: usize,
) -> anyhow::Result<(usize, f64, f64)> {
    let url = format!("{}/api/crm/records?q={}", app.url, q.replace(' ', "%20"));
    let mut times = Vec::with_capacity(queries);
    let mut matches = 0;
    for _ in 0..queries {
        let started = Instant::now();
        let res = app.http.get(&url).bearer_auth(token).send().await?;
        anyhow::ensure!(res.status().is_success(), "search: {}", res.status());
        let page: serde_json::Value = res.json().await?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        matches = page["records"].as_array().map_or(0, Vec::len);
    }
    times.sort_by(f64::total_cmp);
    let at = |p: f64| times[((p / 100.0) * (times.len() - 1) as f64).round() as usize];
    Ok((matches, at(50.0), at(99.0)))
}

/// Rows an import writes per transaction (`crm_records/import.rs`): it commits each batch, so
/// other writers (the sidebar's saves, sync sessions) wait at most one batch.
const IMPORT_BATCH: usize = 500;

/// A file row as the raw insert writes it: id, external id, name, e-mail, phone, company,
/// search text.
type Row = (String, String, String, String, String, String, String);

/// The same rows written by hand into an empty store's tables, as each backend takes them
/// best (PostgreSQL: one array per column and `UNNEST`, 1,000 rows a statement; SQLite:
/// `VALUES` of 50 rows, past which its prepare time outgrows the rows), in one transaction or
/// (`commit_per_batch`) one per [`IMPORT_BATCH`] rows as the import commits: the
/// records, their addresses, their search words (with the record's name, owner and kind) and
/// their changes in the feed — what the import stores.
async fn raw_rows_per_second(
    backend: &Backend,
    rows: usize,
    commit_per_batch: bool,
) -> anyhow::Result<f64> {
    let db = TestDatabase::create(backend).await;
    drop(crate::store::prepared(&db).await?);
    let tenant = crate::store::TENANT;
    let record = |i: usize| {
        let [external, name, email, phone, company] = contact(i);
        let search = format!(
            " {} {email} {email} {}",
            name.to_lowercase(),
            company.to_lowercase()
        );
        (
            format!("id-{i}"),
            external,
            name,
            email,
            phone,
            company,
            search,
        )
    };
    let started = Instant::now();
    if db.is_postgres() {
        let pool = sqlx::PgPool::connect(db.url.expose()).await?;
        let mut tx = pool.begin().await?;
        let step = if commit_per_batch { IMPORT_BATCH } else { 1000 };
        for start in (0..rows).step_by(step) {
            if commit_per_batch && start > 0 {
                tx.commit().await?;
                tx = pool.begin().await?;
            }
            let batch: Vec<_> = (start..rows.min(start + step)).map(record).collect();
            let column =
                |f: &dyn Fn(&Row) -> String| -> Vec<String> { batch.iter().map(f).collect() };
            sqlx::query(
                "INSERT INTO crm_records (tenant_id, id, kind, name, email, company, phone, \
                 owner_id, search_text, external_id, created_at_ms, updated_at_ms) \
                 SELECT $1, id, 'contact', name, email, company, phone, 'organizer', search, \
                 external, 0, 0 FROM UNNEST($2::text[], $3::text[], $4::text[], $5::text[], \
                 $6::text[], $7::text[], $8::text[]) AS t(id, name, email, company, phone, \
                 search, external)",
            )
            .bind(tenant)
            .bind(column(&|r| r.0.clone()))
            .bind(column(&|r| r.2.clone()))
            .bind(column(&|r| r.3.clone()))
            .bind(column(&|r| r.5.clone()))
            .bind(column(&|r| r.4.clone()))
            .bind(column(&|r| r.6.clone()))
            .bind(column(&|r| r.1.clone()))
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO crm_record_emails (tenant_id, record_id, email, position) \
                 SELECT $1, id, email, 0 FROM UNNEST($2::text[], $3::text[]) AS t(id, email)",
            )
            .bind(tenant)
            .bind(column(&|r| r.0.clone()))
            .bind(column(&|r| r.3.clone()))
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO crm_changes (tenant_id, at_ms, entity, entity_id, change, version) \
                 SELECT $1, 0, 'record', id, 'created', 1 FROM UNNEST($2::text[]) AS t(id)",
            )
            .bind(tenant)
            .bind(column(&|r| r.0.clone()))
            .execute(&mut *tx)
            .await?;
            let (mut ids, mut words, mut names) = (Vec::new(), Vec::new(), Vec::new());
            for r in &batch {
                let mut seen = std::collections::HashSet::new();
                for word in r.6.split_whitespace().filter(|w| seen.insert(*w)) {
                    ids.push(r.0.clone());
                    words.push(word.to_owned());
                    names.push(r.2.clone());
                }
            }
            sqlx::query(
                "INSERT INTO crm_record_words (tenant_id, record_id, word, name, owner_id, kind) \
                 SELECT $1, id, word, name, 'organizer', 'contact' \
                 FROM UNNEST($2::text[], $3::text[], $4::text[]) AS t(id, word, name)",
            )
            .bind(tenant)
            .bind(ids)
            .bind(words)
            .bind(names)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        pool.close().await;
    } else {
        let pool = sqlx::SqlitePool::connect(db.url.expose()).await?;
        let mut tx = pool.begin().await?;
        let values = |rows: usize, columns: usize| -> String {
            (0..rows)
                // Anonymous parameters, as the store writes many rows (`sql/rows.rs`).
                .map(|_| format!("({})", vec!["?"; columns].join(", ")))
                .collect::<Vec<_>>()
                .join(", ")
        };
        for start in (0..rows).step_by(50) {
            if commit_per_batch && start > 0 && start % IMPORT_BATCH == 0 {
                tx.commit().await?;
                tx = pool.begin().await?;
            }
            let batch: Vec<_> = (start..rows.min(start + 50)).map(record).collect();
            let sql = format!(
                "INSERT INTO crm_records (tenant_id, id, kind, name, email, company, phone, \
                 owner_id, search_text, external_id, created_at_ms, updated_at_ms) VALUES {}",
                values(batch.len(), 12)
            );
            let mut q = sqlx::query(&sql);
            for r in &batch {
                q = q
                    .bind(tenant)
                    .bind(&r.0)
                    .bind("contact")
                    .bind(&r.2)
                    .bind(&r.3)
                    .bind(&r.5)
                    .bind(&r.4)
                    .bind("organizer")
                    .bind(&r.6)
                    .bind(&r.1)
                    .bind(0i64)
                    .bind(0i64);
            }
            q.execute(&mut *tx).await?;
            let sql = format!(
                "INSERT INTO crm_record_emails (tenant_id, record_id, email, position) VALUES {}",
                values(batch.len(), 4)
            );
            let mut q = sqlx::query(&sql);
            for r in &batch {
                q = q.bind(tenant).bind(&r.0).bind(&r.3).bind(0i32);
            }
            q.execute(&mut *tx).await?;
            let sql = format!(
                "INSERT INTO crm_changes (tenant_id, at_ms, entity, entity_id, change, version) \
                 VALUES {}",
                values(batch.len(), 6)
            );
            let mut q = sqlx::query(&sql);
            for r in &batch {
                q = q
                    .bind(tenant)
                    .bind(0i64)
                    .bind("record")
                    .bind(&r.0)
                    .bind("created")
                    .bind(1i64);
            }
            q.execute(&mut *tx).await?;
            let words: Vec<(&str, &str, &str)> = batch
                .iter()
                .flat_map(|r| {
                    let mut seen = std::collections::HashSet::new();
                    r.6.split_whitespace()
                        .filter(move |w| seen.insert(*w))
                        .map(move |w| (r.0.as_str(), w, r.2.as_str()))
                        .collect::<Vec<_>>()
                })
                .collect();
            for chunk in words.chunks(50) {
                let sql = format!(
                    "INSERT INTO crm_record_words (tenant_id, record_id, word, name, owner_id, \
                     kind) VALUES {}",
                    values(chunk.len(), 6)
                );
                let mut q = sqlx::query(&sql);
                for (id, word, name) in chunk {
                    q = q
                        .bind(tenant)
                        .bind(*id)
                        .bind(*word)
                        .bind(*name)
                        .bind("organizer")
                        .bind("contact");
                }
                q.execute(&mut *tx).await?;
            }
        }
        tx.commit().await?;
        pool.close().await;
    }
    Ok(rows as f64 / started.elapsed().as_secs_f64())
}
