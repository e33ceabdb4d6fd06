//! `liaison-bench`: Liaison's benchmarks. Each prints its figures; none asserts a time, because
//! the machines are shared and noisy. Run them with `scripts/bench` (release builds).
//!
//! - `resolve`: the permission resolver in process, then the real server (a child process on
//!   loopback) under load on `POST /api/permissions/resolve`, beside its `GET /healthz` as the
//!   baseline: requests/s and p50/p99/p99.9 latency.
//! - `context`: the item context through the real server and the simulator at zero latency:
//!   p50/p99, requests/s beside `GET /healthz`, and Graph requests per context opened;
//!   `--graph-latency-ms 100`: each context timed alone against a slow Graph, beside one round
//!   trip.
//! - `pane`: the task pane's time from navigation to the item context shown, in headless
//!   Chromium (its size comes from `scripts/bundle-size`).
//! - `store`: CRM event upserts/s through the real save path on SQLite and PostgreSQL, beside a
//!   raw batched insert of the same rows.
//! - `sync`: a full sync of 10,000 events (events/s, Graph requests) and a quiet incremental
//!   session (Graph requests) on SQLite and PostgreSQL, beside the raw insert rate.
//! - `load`: 200 signed-in delegates opening items and saving for 60 s while sync sessions run,
//!   on SQLite and PostgreSQL: requests/s, p50/p99/p99.9, 5xx, lost and duplicated saves, and
//!   the CPU time per context of this process and of a local PostgreSQL (`cpu_time`).
//!   `load --abuse`: the same with the server's default protections, quiet and then under
//!   attack (idle sockets, a flood of unknown item ids, SSO replay), both runs side by side.
//!   `load --server-cpus 1`: this process on one CPU on both stores, a local PostgreSQL on the
//!   others.
//! - `booking`: the public booking page's time to first byte under many invitees at once
//!   (p50/p99, beside `/healthz` timed the same way), and the Graph requests per page view and
//!   per booking.
//! - `records`: a CSV of 100,000 contacts imported through the server (rows/s beside a raw
//!   batched insert of the same rows), then the record search over them (p50/p99), on SQLite
//!   and PostgreSQL.

mod abuse;
mod admin;
mod booking;
mod console;
mod context;
mod cpu_time;
mod cpus;
mod delegates;
mod load;
mod pane;
mod records;
mod resolver;
mod server;
mod store;
mod sync;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "liaison-bench", about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The permission resolver, in process and through the server.
    Resolve {
        /// Seconds of load per endpoint (after one second of warm-up).
        #[arg(long, default_value = "5")]
        seconds: u64,
        /// Concurrent keep-alive connections.
        #[arg(long, default_value = "16")]
        connections: usize,
        /// The `liaison` binary to start (default: beside this one).
        #[arg(long)]
        server_bin: Option<PathBuf>,
    },
    /// The item context: latency, throughput and Graph requests per context.
    Context {
        /// Seconds of load per endpoint (after one second of warm-up).
        #[arg(long, default_value = "5")]
        seconds: u64,
        /// Concurrent keep-alive connections.
        #[arg(long, default_value = "8")]
        connections: usize,
        /// Instead: every Graph answer waits this long, and each context is timed alone
        /// beside one bare Graph round trip.
        #[arg(long, default_value = "0")]
        graph_latency_ms: u64,
    },
    /// The task pane's load time to the item context, in headless Chromium.
    Pane {
        /// Measured loads (after one warm-up).
        #[arg(long, default_value = "9")]
        runs: usize,
        /// The `liaison` binary to start (default: beside this one).
        #[arg(long)]
        server_bin: Option<PathBuf>,
    },
    /// CRM event upserts per second on each store, beside raw batched inserts.
    Store {
        /// Events to save.
        #[arg(long, default_value = "5000")]
        events: usize,
        /// Concurrent clients of the concurrent run.
        #[arg(long, default_value = "32")]
        clients: usize,
        /// A PostgreSQL server where a scratch database may be created.
        #[arg(long, env = "TEST_DATABASE_URL")]
        postgres: Option<String>,
    },
    /// CSV import rows/s and record search p50/p99 with many records, on each store.
    Records {
        /// Contacts in the file.
        #[arg(long, default_value = "100000")]
        rows: usize,
        /// Search requests per query.
        #[arg(long, default_value = "200")]
        queries: usize,
        /// A PostgreSQL server where a scratch database may be created.
        #[arg(long, env = "TEST_DATABASE_URL")]
        postgres: Option<String>,
    },
    /// Many signed-in delegates opening items and saving while sync runs, on each store.
    Load {
        /// Seconds of load.
        #[arg(long, default_value = "60")]
        seconds: u64,
        /// Signed-in delegates, each a client of its own.
        #[arg(long, default_value = "200")]
        delegates: usize,
        /// Organizers whose calendars the delegates work in.
        #[arg(long, default_value = "4")]
        organizers: usize,
        /// A PostgreSQL server where a scratch database may be created.
        #[arg(long, env = "TEST_DATABASE_URL")]
        postgres: Option<String>,
        /// With the server's default protections, run the delegates twice: quiet, then while
        /// attackers hold idle sockets, flood unknown item ids and replay SSO tokens.
        #[arg(long)]
        abuse: bool,
        /// The server, the simulator and the load generator (this process) on the first N
        /// CPUs only, on both stores: the server's CPU held equal; and a PostgreSQL on this
        /// machine — a service of its own in a deployment — moved to the others while the
        /// benchmark runs (when this user may move its processes; it says so when not).
        /// Default: all CPUs, shared.
        #[arg(long)]
        server_cpus: Option<usize>,
    },
    /// The administrators' API on each store: the people list with many people, and the audit
    /// export of a long log with the server's memory.
    Admin {
        /// People in the tenant.
        #[arg(long, default_value = "10000")]
        users: usize,
        /// Audit lines in the log.
        #[arg(long, default_value = "1000000")]
        lines: usize,
        /// Seconds of load per endpoint (after one second of warm-up).
        #[arg(long, default_value = "5")]
        seconds: u64,
        /// A PostgreSQL server where a scratch database may be created.
        #[arg(long, env = "TEST_DATABASE_URL")]
        postgres: Option<String>,
        /// The `liaison` binary to start (default: beside this one).
        #[arg(long)]
        server_bin: Option<PathBuf>,
    },
    /// The administrators' console's transfer size and its time to the People list, in
    /// headless Chromium.
    Console {
        /// Measured loads (after one warm-up).
        #[arg(long, default_value = "9")]
        runs: usize,
        /// The `liaison` binary to start (default: beside this one).
        #[arg(long)]
        server_bin: Option<PathBuf>,
    },
    /// The public booking page: time to first byte with many invitees at once, and Graph
    /// requests per page view and per booking.
    Booking {
        /// Seconds of load per endpoint.
        #[arg(long, default_value = "10")]
        seconds: u64,
        /// Invitees opening the page at once.
        #[arg(long, default_value = "50")]
        invitees: usize,
    },
    /// Full and quiet sync sessions on each store, through the server and the simulator.
    Sync {
        /// Events in the Organizer's calendar.
        #[arg(long, default_value = "10000")]
        events: usize,
        /// The simulator's latency per delta page, in milliseconds.
        #[arg(long, default_value = "50")]
        page_latency_ms: u64,
        /// A PostgreSQL server where a scratch database may be created.
        #[arg(long, env = "TEST_DATABASE_URL")]
        postgres: Option<String>,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // Before the runtime starts, so that it sizes its worker threads to the CPUs it may use,
    // as a server given that many CPUs would.
    if let Command::Load {
        server_cpus: Some(cpus),
        ..
    } = cli.command
    {
        cpus::pin_this_process(cpus)?;
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run(cli.command))
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Admin {
            users,
            lines,
            seconds,
            postgres,
            server_bin,
        } => admin::report(users, lines, seconds, postgres, server_bin).await?,
        Command::Console { runs, server_bin } => console::report(runs, server_bin).await?,
        Command::Booking { seconds, invitees } => booking::report(seconds, invitees).await?,
        Command::Resolve {
            seconds,
            connections,
            server_bin,
        } => {
            resolver::report();
            let server = server::Server::start(server_bin).await?;
            let load = load::Load {
                duration: Duration::from_secs(seconds),
                connections,
            };
            println!();
            println!("{}", load::Report::header());
            let health = load
                .run(&server.url, load::Request::get("/healthz"))
                .await?;
            println!(
                "{}",
                health.line("GET /healthz (baseline: one SQLite query)")
            );
            let body = resolver::spec_request().to_string();
            let resolve = load
                .run(
                    &server.url,
                    load::Request::post_json("/api/permissions/resolve", body),
                )
                .await?;
            println!("{}", resolve.line("POST /api/permissions/resolve"));
            println!(
                "\n{connections} connections, {seconds} s each, server: {} (release), loopback, {} CPU cores",
                server.binary.display(),
                std::thread::available_parallelism().map_or(0, |n| n.get())
            );
            server.stop().await;
        }
        Command::Context {
            seconds,
            connections,
            graph_latency_ms,
        } => context::report(seconds, connections, graph_latency_ms).await?,
        Command::Store {
            events,
            clients,
            postgres,
        } => store::report(events, clients, postgres).await?,
        Command::Sync {
            events,
            page_latency_ms,
            postgres,
        } => sync::report(events, page_latency_ms, postgres).await?,
        Command::Records {
            rows,
            queries,
            postgres,
        } => records::report(rows, queries, postgres).await?,
        Command::Pane { runs, server_bin } => pane::report(runs, server_bin).await?,
        Command::Load {
            seconds,
            delegates,
            organizers,
            postgres,
            abuse,
            server_cpus,
        } => {
            // PostgreSQL on the CPUs the server leaves, as on a machine of its own.
            let _confined = match (server_cpus, &postgres) {
                (Some(cpus), Some(url)) => cpus::confine_postgres(url, cpus).await,
                _ => None,
            };
            delegates::report(
                delegates::Scenario {
                    seconds,
                    delegates,
                    organizers: organizers.max(1),
                    abuse,
                },
                postgres,
            )
            .await?
        }
    }
    Ok(())
}
