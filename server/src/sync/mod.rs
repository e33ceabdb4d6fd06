//! The sync engine: brings Organizers' Outlook calendars into the CRM and keeps them in step.
//!
//! - [`plan`]: the rules, pure — what a delta round means for the CRM, and the circuit breaker.
//! - [`session`]: one session for one Organizer (outbox, delta round, category, writes with
//!   the cursor, down-sync).
//! - [`Sync`] (here): the settings, the worker that runs due jobs on an interval, and "Sync
//!   now". Jobs are leased in the store (`claim_sync_job`): several server instances on one
//!   PostgreSQL store share the work, a job never runs twice at once, and a dead worker's job
//!   is taken over when its lease expires.

pub mod notifications;
pub mod plan;
pub mod session;

use std::sync::Arc;
use std::time::Duration;

use liaison_domain::api::SyncReport;
use tokio::sync::Notify;

use crate::instant::to_rfc3339;
use crate::state::AppState;
use crate::store::model::{Lease, SyncJob, SyncWindow};
use crate::store::{StoreError, now_ms};
pub use session::SyncError;

/// How sync runs on this server.
#[derive(Debug, Clone)]
pub struct SyncSettings {
    /// Run the background worker (off in tests that drive sessions themselves).
    pub worker: bool,
    /// How often the worker looks for due jobs (a "Sync now" or sync turned on wakes it early).
    pub poll: Duration,
    /// How long a claimed job stays leased without a renewal; every committed batch renews it.
    pub lease: Duration,
    /// The calendarView window: this many days back and ahead of today.
    pub days_back: i64,
    pub days_ahead: i64,
}

impl Default for SyncSettings {
    fn default() -> Self {
        Self {
            worker: true,
            poll: Duration::from_secs(30),
            lease: Duration::from_secs(120),
            days_back: 30,
            days_ahead: 365,
        }
    }
}

impl SyncSettings {
    pub fn lease_ms(&self) -> i64 {
        i64::try_from(self.lease.as_millis()).unwrap_or(i64::MAX)
    }

    /// The window wanted at `now_ms`, from midnight UTC `days_back` ago to `days_ahead` on.
    pub fn window(&self, now_ms: i64) -> SyncWindow {
        const DAY_MS: i64 = 86_400_000;
        let midnight = now_ms.div_euclid(DAY_MS) * DAY_MS;
        SyncWindow {
            start: to_rfc3339(midnight - self.days_back * DAY_MS),
            end: to_rfc3339(midnight + self.days_ahead * DAY_MS),
        }
    }
}

/// The sync engine as the server holds it.
pub struct Sync {
    pub settings: SyncSettings,
    /// This process's worker name in leases.
    pub worker_id: String,
    /// Where Graph sends change notifications (`{public URL}/api/graph`), when it can reach
    /// this server: an HTTPS public URL, or the demo's simulator. `None`: polling only.
    pub notification_base: Option<String>,
    wake: Notify,
}

impl Sync {
    pub fn new(settings: SyncSettings, notification_base: Option<String>) -> Self {
        Self {
            settings,
            notification_base,
            worker_id: format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple()),
            wake: Notify::new(),
        }
    }

    fn lease(&self) -> Lease {
        Lease {
            worker: self.worker_id.clone(),
            until_ms: now_ms() + self.settings.lease_ms(),
        }
    }

    /// Wakes the worker (a job became due).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Makes sure the Organizer has a job and wakes the worker for it.
    pub async fn schedule(
        &self,
        state: &AppState,
        tenant_id: &str,
        organizer_id: &str,
    ) -> Result<(), StoreError> {
        let now = now_ms();
        state
            .store
            .ensure_sync_job(tenant_id, organizer_id, &self.settings.window(now), now)
            .await?;
        self.wake.notify_one();
        Ok(())
    }

    /// Leases the Organizer's job now, due or not; `None` when another worker holds it.
    pub async fn claim(
        &self,
        state: &AppState,
        tenant_id: &str,
        organizer_id: &str,
    ) -> Result<Option<SyncJob>, StoreError> {
        self.schedule(state, tenant_id, organizer_id).await?;
        state
            .store
            .claim_sync_job(Some((tenant_id, organizer_id)), &self.lease(), now_ms())
            .await
    }

    /// Runs every due job this worker can lease, one after the other; how many ran.
    pub async fn run_due(&self, state: &AppState) -> Result<usize, StoreError> {
        let mut ran = 0;
        while let Some(job) = state
            .store
            .claim_sync_job(None, &self.lease(), now_ms())
            .await?
        {
            ran += 1;
            if let Err(error) = session::run(state, &self.settings, job).await {
                tracing::debug!(%error, "a sync session ended early");
            }
        }
        Ok(ran)
    }

    /// Runs a claimed job (the worker's or "Sync now"'s).
    pub async fn run(&self, state: &AppState, job: SyncJob) -> Result<SyncReport, SyncError> {
        session::run(state, &self.settings, job).await
    }
}

/// Starts the background worker when the settings ask for it.
pub fn spawn_worker(state: AppState) {
    let sync: Arc<Sync> = state.sync.clone();
    if !sync.settings.worker {
        return;
    }
    tokio::spawn(async move {
        loop {
            if let Err(error) = sync.run_due(&state).await {
                tracing::warn!(%error, "the sync worker could not read its jobs");
            }
            tokio::select! {
                () = tokio::time::sleep(sync.settings.poll) => {}
                () = sync.wake.notified() => {}
            }
        }
    });
}
