//! [`SyncEngine`]: the sync engine as the server holds it — its dependencies, the jobs it
//! leases, and the background worker.

use std::sync::Arc;

use liaison_domain::api::SyncReport;
use tokio::sync::Notify;

use crate::auth::connections::TokenSource;
use crate::clock::now_ms;
use crate::graph::client::GraphClient;
use crate::items::Items;
use crate::store::{
    GrowthWatch, Lease, Store, StoreError, SyncJob, SyncJobStatus, TenantId, UserKey,
};
use crate::sync::error::SyncError;
use crate::sync::settings::SyncSettings;

pub struct SyncEngine {
    pub(super) store: Arc<dyn Store>,
    /// Graph, when Microsoft is configured (sessions fail without it).
    pub(super) graph: Option<Arc<GraphClient>>,
    pub(super) tokens: Arc<TokenSource>,
    /// Carries out the saves the outbox holds.
    pub(super) items: Arc<Items>,
    pub settings: SyncSettings,
    /// This process's worker name in leases.
    pub worker_id: String,
    /// Where Graph sends change notifications (`{public URL}/api/graph`), when it can reach
    /// this server: an HTTPS public URL, or the demo's simulator. `None`: polling only.
    pub notification_base: Option<String>,
    wake: Notify,
    /// This process's CRM writes, for refreshing the planner's statistics as tables grow.
    pub(super) growth: GrowthWatch,
}

impl SyncEngine {
    pub fn new(
        store: Arc<dyn Store>,
        graph: Option<Arc<GraphClient>>,
        tokens: Arc<TokenSource>,
        items: Arc<Items>,
        settings: SyncSettings,
        notification_base: Option<String>,
    ) -> Self {
        Self {
            store,
            graph,
            tokens,
            items,
            settings,
            notification_base,
            worker_id: format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple()),
            wake: Notify::new(),
            growth: GrowthWatch::default(),
        }
    }

    pub(super) fn graph(&self) -> Result<&GraphClient, SyncError> {
        self.graph.as_deref().ok_or(SyncError::NotConfigured)
    }

    fn lease(&self) -> Lease {
        Lease {
            worker: self.worker_id.clone(),
            until_ms: now_ms() + self.settings.lease_ms(),
        }
    }

    /// Makes sure the Organizer has a job and wakes the worker for it.
    pub async fn schedule(&self, organizer: &UserKey) -> Result<(), StoreError> {
        let now = now_ms();
        self.store
            .ensure_sync_job(organizer, &self.settings.window.at(now), now)
            .await?;
        self.wake.notify_one();
        Ok(())
    }

    /// Makes the Organizer's job due now (something changed in their calendar) and wakes the
    /// worker.
    pub async fn request_now(&self, organizer: &UserKey) -> Result<(), StoreError> {
        self.schedule(organizer).await?;
        self.store.request_sync(organizer).await?;
        self.wake.notify_one();
        Ok(())
    }

    /// Lets the Organizer's sessions run again after the circuit breaker stopped them (an
    /// administrator checked), the next one at once.
    pub async fn resume(&self, organizer: &UserKey) -> Result<(), StoreError> {
        self.store.reset_sync_breaker(organizer).await?;
        self.wake.notify_one();
        Ok(())
    }

    /// The tenant's CRM category was renamed: every Organizer's next session finds it by its
    /// new name, in a full round, now.
    pub async fn crm_category_renamed(&self, tenant_id: &TenantId) -> Result<(), StoreError> {
        self.store.forget_crm_categories(tenant_id).await?;
        self.wake.notify_one();
        Ok(())
    }

    /// Where the Organizer's sync stands now (`None`: it never ran).
    pub async fn status(&self, organizer: &UserKey) -> Result<Option<SyncJobStatus>, StoreError> {
        self.store.sync_job_status(organizer, now_ms()).await
    }

    /// Leases the Organizer's job now, due or not: "Sync now". `InProgress` when another
    /// worker holds it.
    pub async fn claim(&self, organizer: &UserKey) -> Result<SyncJob, SyncError> {
        self.schedule(organizer).await?;
        self.store
            .claim_sync_job(Some(organizer), &self.lease(), now_ms())
            .await?
            .ok_or(SyncError::InProgress)
    }

    /// Runs every due job this worker can lease, up to `concurrent_sessions` at once (one slow
    /// or throttled mailbox holds up only its own session); how many ran.
    pub async fn run_due(self: &Arc<Self>) -> Result<usize, StoreError> {
        let mut running = tokio::task::JoinSet::new();
        let mut ran = 0;
        let mut claiming = true;
        loop {
            while claiming && running.len() < self.settings.concurrent_sessions.max(1) {
                match self
                    .store
                    .claim_sync_job(None, &self.lease(), now_ms())
                    .await
                {
                    Ok(Some(job)) => {
                        ran += 1;
                        let engine = self.clone();
                        running.spawn(async move { engine.run(job).await });
                    }
                    Ok(None) => claiming = false,
                    Err(error) if running.is_empty() => return Err(error),
                    Err(error) => {
                        // The sessions under way finish; the next round claims again.
                        tracing::warn!(%error, "the sync worker could not lease a job");
                        claiming = false;
                    }
                }
            }
            if running.is_empty() {
                return Ok(ran);
            }
            // A session ends (a slot is free), or jobs became due meanwhile ("Sync now", a
            // notification, the poll): look for due jobs again.
            tokio::select! {
                Some(finished) = running.join_next() => match finished {
                    Ok(Err(error)) => tracing::debug!(%error, "a sync session ended early"),
                    Err(error) => tracing::error!(%error, "a sync session ended abnormally"),
                    Ok(Ok(_)) => {}
                },
                () = self.wake.notified() => {}
                () = tokio::time::sleep(self.settings.poll) => {}
            }
            claiming = true;
        }
    }

    /// Runs a claimed job (the worker's or "Sync now"'s) and releases it with its outcome.
    pub async fn run(&self, job: SyncJob) -> Result<SyncReport, SyncError> {
        self.run_session(job).await
    }

    /// Runs `session` while renewing `job`'s lease every third of its length: it stops with
    /// [`SyncError::LeaseLost`] when another worker took the job over, and with
    /// [`SyncError::DeadlineExceeded`] past the session deadline. Work cut short this way is
    /// safe to lose: every write is a transaction, fenced by the lease, and idempotent.
    pub(super) async fn under_lease<T>(
        &self,
        job: &SyncJob,
        session: impl std::future::Future<Output = Result<T, SyncError>>,
    ) -> Result<T, SyncError> {
        let every = (self.settings.lease / 3).max(std::time::Duration::from_millis(50));
        let heartbeat = async {
            loop {
                tokio::time::sleep(every).await;
                let now = now_ms();
                match self
                    .store
                    .renew_sync_lease(job, now + self.settings.lease_ms(), now)
                    .await
                {
                    Ok(true) => {}
                    Ok(false) => return SyncError::LeaseLost,
                    // The store is briefly away: the lease has two more beats to go.
                    Err(error) => tracing::warn!(%error, "renewing a sync lease failed"),
                }
            }
        };
        tokio::select! {
            result = session => result,
            lost = heartbeat => Err(lost),
            () = tokio::time::sleep(self.settings.session_deadline) => {
                Err(SyncError::DeadlineExceeded)
            }
        }
    }

    /// The lease fence before a step outside the batched writes (the outbox, subscription
    /// upkeep, category removals): renews the lease, or stops the session if it is lost.
    pub(super) async fn fence(&self, job: &SyncJob) -> Result<(), SyncError> {
        let now = now_ms();
        if self
            .store
            .renew_sync_lease(job, now + self.settings.lease_ms(), now)
            .await?
        {
            Ok(())
        } else {
            Err(SyncError::LeaseLost)
        }
    }

    /// Starts the background worker when the settings ask for it.
    pub fn spawn_worker(self: &Arc<Self>) {
        if !self.settings.worker {
            return;
        }
        let engine = self.clone();
        tokio::spawn(async move {
            loop {
                if let Err(error) = engine.run_due().await {
                    tracing::warn!(%error, "the sync worker could not read its jobs");
                }
                tokio::select! {
                    () = tokio::time::sleep(engine.settings.poll) => {}
                    () = engine.wake.notified() => {}
                }
            }
        });
    }
}
