//! The record store: CRM event upserts per second through the real save path (one transaction
//! per save: the event, a record link, the Graph item it follows, the end of any queued or
//! failed status, the audit line), on SQLite and PostgreSQL, beside a raw batched insert of the
//! same rows into the same table — the physical limit of each backend on this machine.

use std::sync::Arc;
use std::time::Instant;

use liaison_domain::api::RecordKind;
use liaison_e2e::test_db::{Backend, TestDatabase};
use liaison_server::store::{self, Store};
use liaison_server::store::{
    AuditAction, AuditEntry, EventTime, EventType, EventWrite, NewRecord, SaveCommand,
    StoredResponse, Tenant, User,
};

pub const TENANT: &str = "bench-tenant";
const BATCH: usize = 500;

pub async fn report(events: usize, clients: usize, postgres: Option<String>) -> anyhow::Result<()> {
    let mut backends = vec![("SQLite", Backend::Sqlite)];
    match postgres {
        Some(url) => backends.push(("PostgreSQL", Backend::Postgres(url))),
        None => println!("(PostgreSQL skipped: set TEST_DATABASE_URL or pass --postgres URL)"),
    }
    println!(
        "{:<12} {:>7} {:>14} {:>12} {:>17} {:>15} {:>16}",
        "store",
        "events",
        "first saves/s",
        "updates/s",
        format!("first, {clients} clients"),
        format!("upd., {clients} cl."),
        "raw rows/s"
    );
    for (name, backend) in backends {
        let (creates, updates) = {
            let db = TestDatabase::create(&backend).await;
            let store = prepared(&db).await?;
            let creates = saves_per_second(store.clone(), events, 1).await?;
            let updates = saves_per_second(store, events, 1).await?;
            (creates, updates)
        };
        let (concurrent_creates, concurrent_updates) = {
            let db = TestDatabase::create(&backend).await;
            let store = prepared(&db).await?;
            let creates = saves_per_second(store.clone(), events, clients).await?;
            let updates = saves_per_second(store, events, clients).await?;
            (creates, updates)
        };
        let raw = {
            let db = TestDatabase::create(&backend).await;
            prepared(&db).await?;
            raw_rows_per_second(&db, events).await?
        };
        println!(
            "{name:<12} {events:>7} {creates:>14.0} {updates:>12.0} {concurrent_creates:>17.0} \
             {concurrent_updates:>15.0} {raw:>16.0}"
        );
    }
    println!(
        "\nOne save = one transaction (event upsert, record link, Graph item followed, end of any \
         queued or failed status, audit line), by one client, then by {clients} clients at once (each \
         its own events); raw = multi-row INSERTs of {BATCH} events per statement in one \
         transaction."
    );
    Ok(())
}

pub async fn prepared(db: &TestDatabase) -> anyhow::Result<Arc<dyn Store>> {
    let store = store::connect(&db.url).await?;
    store.migrate().await?;
    store
        .upsert_tenant(&Tenant::new(&TENANT.into(), "Bench"))
        .await?;
    for id in ["organizer", "delegate"] {
        store
            .upsert_user(&User {
                tenant_id: TENANT.into(),
                id: id.into(),
                mailbox: format!("{id}@bench.example"),
                display_name: id.into(),
                sync_enabled: true,
            })
            .await?;
    }
    store
        .insert_record(
            &TENANT.into(),
            &NewRecord {
                id: "record".into(),
                kind: RecordKind::Account,
                name: "Northwind".into(),
                email: None,
                company: None,
                owner_id: "organizer".into(),
            },
        )
        .await?;
    Ok(store)
}

fn command(n: usize) -> SaveCommand {
    SaveCommand {
        tenant_id: TENANT.into(),
        actor_id: "delegate".into(),
        organizer_id: "organizer".into(),
        ical_uid: format!("uid-{n}"),
        graph_event_id: Some(format!("graph-{n}")),
        event: EventWrite {
            subject: format!("Meeting {n}"),
            time: EventTime::Timed {
                start_ms: 1_795_420_800_000 + n as i64 * 3_600_000,
                end_ms: 1_795_424_400_000 + n as i64 * 3_600_000,
            },
            time_zone: "Europe/Paris".into(),
            location: String::new(),
            attendees: vec!["nancy@northwind.example".into()],
            is_private: false,
        },
        event_type: EventType::SingleInstance,
        series_master_graph_id: None,
        link_addresses: Vec::new(),
        link_record_ids: vec!["record".into()],
        queue: None,
        idempotency: None,
        outbox_id: None,
    }
}

/// `events` saves through `save_item` by `clients` concurrent clients (client `c` saves events
/// `c, c + clients, …`); saves per second.
async fn saves_per_second(
    store: Arc<dyn Store>,
    events: usize,
    clients: usize,
) -> anyhow::Result<f64> {
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|client| {
            let store = store.clone();
            tokio::spawn(async move {
                let audit = AuditEntry {
                    tenant_id: TENANT.into(),
                    actor_id: "delegate".into(),
                    on_behalf_of_id: Some("organizer".into()),
                    action: AuditAction::ItemSave,
                    target: "bench".into(),
                    allowed: true,
                    reason: None,
                    detail: None,
                };
                let respond = |_: Option<&_>, _: &_| StoredResponse {
                    status: 200,
                    body: String::new(),
                };
                for n in (client..events).step_by(clients) {
                    store.save_item(&command(n), &audit, &respond).await?;
                }
                anyhow::Ok(())
            })
        })
        .collect();
    for task in tasks {
        task.await??;
    }
    Ok(events as f64 / started.elapsed().as_secs_f64())
}

/// The same event rows, inserted `BATCH` per statement in one transaction.
pub async fn raw_rows_per_second(db: &TestDatabase, events: usize) -> anyhow::Result<f64> {
    const COLUMNS: usize = 12;
    let statement = |rows: usize| {
        let values: Vec<String> = (0..rows)
            .map(|r| {
                let p: Vec<String> = (1..=COLUMNS)
                    .map(|c| format!("${}", r * COLUMNS + c))
                    .collect();
                format!("({})", p.join(", "))
            })
            .collect();
        format!(
            "INSERT INTO crm_events (tenant_id, id, organizer_id, ical_uid, subject, starts_at_ms, \
             ends_at_ms, time_zone, created_by_id, modified_by_id, created_at_ms, updated_at_ms) \
             VALUES {}",
            values.join(", ")
        )
    };
    macro_rules! run {
        ($pool:expr) => {{
            let pool = $pool;
            let started = Instant::now();
            let mut tx = pool.begin().await?;
            let mut n = 0;
            while n < events {
                let rows = BATCH.min(events - n);
                let sql = statement(rows);
                let mut q = sqlx::query(&sql);
                for i in n..n + rows {
                    q = q
                        .bind(TENANT)
                        .bind(format!("id-{i}"))
                        .bind("organizer")
                        .bind(format!("uid-{i}"))
                        .bind(format!("Meeting {i}"))
                        .bind(1_795_420_800_000i64)
                        .bind(1_795_424_400_000i64)
                        .bind("Europe/Paris")
                        .bind("delegate")
                        .bind("delegate")
                        .bind(1_795_420_800_000i64)
                        .bind(1_795_420_800_000i64);
                }
                q.execute(&mut *tx).await?;
                n += rows;
            }
            tx.commit().await?;
            let elapsed = started.elapsed();
            pool.close().await;
            events as f64 / elapsed.as_secs_f64()
        }};
    }
    Ok(if db.is_postgres() {
        run!(sqlx::PgPool::connect(db.url.expose()).await?)
    } else {
        run!(sqlx::SqlitePool::connect(db.url.expose()).await?)
    })
}
