//! Named crash points for the crash-and-restart tests: with the `crash-points` feature, and
//! `LIAISON_CRASH_AT=<point>:<n>` set, the process aborts (as `kill -9` would end it: no
//! destructors, no flush) the `n`-th time it passes `<point>`. Without the feature every point
//! compiles to nothing: `cargo build -p liaison-server` (what `scripts/demo` and a deployment
//! build) has none; only builds that include the test crate turn the feature on.
//!
//! Points, one at each boundary between an external call and a store write:
//! - saves: `items.facts_read` (Graph read, nothing written), `items.saved` (the CRM write
//!   committed, the response not sent);
//! - sync sessions: `sync.page_fetched` (a delta page read, nothing committed),
//!   `sync.queued_save_written`, `sync.queued_save_dead_lettered` (before the Outlook flag),
//!   `sync.category_ready` (the master category found or created at Graph, no write yet),
//!   `sync.chunk_committed` (changes committed, the cursor not yet), `sync.cursor_committed`,
//!   `sync.category_removed` (Outlook's item written, the removal not yet marked done);
//! - subscription upkeep: `sync.subscription_created` (created at Graph, not yet stored);
//! - tokens: `connections.refreshed` (a new refresh token issued, not yet stored),
//!   `connections.stored` (stored, the access token not yet cached), `sign_in.connected` (the
//!   connection stored, no session yet).

/// Aborts here if the armed crash point is `name` and this is its armed passage.
#[cfg(feature = "crash-points")]
pub fn point(name: &str) {
    use std::sync::atomic::{AtomicU32, Ordering};
    static PASSED: AtomicU32 = AtomicU32::new(0);
    let Ok(armed) = std::env::var("LIAISON_CRASH_AT") else {
        return;
    };
    let (point, nth) = armed.split_once(':').unwrap_or((armed.as_str(), "1"));
    if point != name {
        return;
    }
    let nth: u32 = nth.parse().unwrap_or(1);
    if PASSED.fetch_add(1, Ordering::SeqCst) + 1 == nth {
        eprintln!("crash point {name} ({nth}): aborting");
        std::process::abort();
    }
}

#[cfg(not(feature = "crash-points"))]
#[inline(always)]
pub fn point(_name: &str) {}
