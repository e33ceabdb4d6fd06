//! One sync session for one Organizer, run by whichever worker leased the job:
//!
//! 1. one delta round of the Organizer's `calendarView` (incremental from the stored link, or
//!    full: first session, moved window, or `410`/`syncStateNotFound`), fetched completely
//!    before anything is written — a partial fetch never deletes or cancels anything; after a
//!    complete full round, followed items it did not list count as removed (deleted while the
//!    delta link was evicted);
//! 2. the outbox: saves queued while insta-sync was off are written, each in the transaction
//!    that removes it from the outbox (after Graph accepted the Organizer's connection, so
//!    with a connection that needs reconnecting they wait);
//! 3. the CRM category, found in the Organizer's master list by id (followed when renamed) or
//!    created there — only when the round has items, so a quiet session costs one request;
//! 4. the plan ([`super::plan`]), the circuit breaker, then the writes in chunks, each in a
//!    transaction that first renews the lease; the new delta link goes in the last one, so the
//!    cursor is never ahead of the changes (earlier chunks are idempotent upserts, safely
//!    written again if the session dies before the cursor);
//! 5. the change-notification subscription kept alive ([`super::notifications`]);
//! 6. down-sync: the CRM category comes off Outlook items whose CRM event was deleted.

use liaison_domain::linking::addresses_to_match;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use liaison_domain::api::SyncReport;
use secrecy::SecretString;

use crate::auth::connections::{Refresh, TokenSource};
use crate::clock::{from_rfc3339, now_ms};
use crate::crash;
use crate::graph::client::{GraphClient, GraphError};
use crate::graph::model::same_category;
use crate::graph::tally::{self, Tally};
use crate::store::{
    GraphLink, JobError, JobOutcome, Provider, SyncCursor, SyncJob, SyncSessionRecord, SyncStore,
    SyncWindow, SyncWrite, Tenant, User,
};
use crate::sync::engine::SyncEngine;
use crate::sync::error::SyncError;
use crate::sync::notifications;
use crate::sync::plan::{self, DeltaItem};
use crate::telemetry::metrics;

/// Writes per transaction: small enough not to hold SQLite's write lock for long.
const CHUNK: usize = 500;

impl SyncEngine {
    /// Runs a session on a claimed job and releases the job with its outcome.
    pub(super) async fn run_session(&self, job: SyncJob) -> Result<SyncReport, SyncError> {
        let started_at_ms = now_ms();
        if let Some(dead) = &job.taken_over_from {
            tracing::warn!(worker = %dead, "took over a sync job whose lease expired");
            metrics::lease_takeover();
        }
        let tally = Arc::new(Tally::default());
        let result = tally::counted(tally.clone(), self.run_and_release(&job)).await;
        self.record_session(&job, started_at_ms, &result, &tally)
            .await;
        result
    }

    /// Leaves the session's line for the administrators (a failure to write it is logged: the
    /// session's work stands) and counts it.
    async fn record_session(
        &self,
        job: &SyncJob,
        started_at_ms: i64,
        result: &Result<SyncReport, SyncError>,
        tally: &Tally,
    ) {
        let code = match result {
            Ok(_) => "ok",
            Err(error) => error.code(),
        };
        metrics::sync_session(code);
        let report = result.as_ref().ok();
        let count = |n: Option<u32>| i64::from(n.unwrap_or(0));
        let line = SyncSessionRecord {
            id: uuid::Uuid::now_v7().to_string(),
            organizer: job.organizer.clone(),
            started_at_ms,
            finished_at_ms: now_ms(),
            result: code.to_owned(),
            full_round: report.is_some_and(|r| r.full),
            events_in: count(report.map(|r| r.changed_items)),
            events_out: count(report.map(|r| {
                r.upserted
                    + r.cancelled
                    + r.unfollowed
                    + r.queued_saves_written
                    + r.categories_removed
            })),
            graph_requests: i64::try_from(tally.requests()).unwrap_or(i64::MAX),
            throttled: i64::try_from(tally.throttled()).unwrap_or(i64::MAX),
            took_over_lease: job.taken_over_from.is_some(),
        };
        if let Err(error) = self.store.record_sync_session(&line).await {
            tracing::warn!(%error, "a sync session's line could not be written");
        }
        // A first full round writes thousands of events into tables the planner may still think
        // empty (`Maintenance::refresh_statistics`).
        if self
            .growth
            .wrote(u64::try_from(line.events_out).unwrap_or(0))
            && let Err(error) = self.store.refresh_statistics().await
        {
            tracing::warn!(%error, "the store's statistics could not be refreshed");
        }
    }

    /// Runs the session and releases the job with its outcome.
    async fn run_and_release(&self, job: &SyncJob) -> Result<SyncReport, SyncError> {
        // Read once: the session needs the CRM category, the release the interval.
        let tenant = self.store.tenant(&job.organizer.tenant_id).await;
        let interval_ms = match &tenant {
            Ok(Some(tenant)) => i64::from(tenant.sync_interval_minutes) * 60_000,
            _ => 15 * 60_000,
        };
        let result = match tenant {
            Ok(Some(tenant)) => self.under_lease(job, self.run_claimed(job, &tenant)).await,
            Ok(None) => Err(SyncError::UnknownTenant),
            Err(error) => Err(error.into()),
        };
        let now = now_ms();
        let outcome = match &result {
            Ok(_) => JobOutcome {
                next_due_ms: now + interval_ms,
                error: None,
                trip_breaker: false,
            },
            Err(SyncError::LeaseLost) => return result,
            Err(error) => {
                tracing::warn!(code = error.code(), %error, "a sync session failed");
                JobOutcome {
                    // A failed session is tried again sooner, but never in a tight loop.
                    next_due_ms: now + (interval_ms / 3).max(60_000),
                    error: Some(JobError {
                        code: error.code().to_owned(),
                        message: error.public_message(),
                    }),
                    trip_breaker: matches!(error, SyncError::BreakerTripped { .. }),
                }
            }
        };
        self.store
            .finish_sync_job(&job.organizer, &job.lease.worker, &outcome, now)
            .await?;
        result
    }

    async fn run_claimed(&self, job: &SyncJob, tenant: &Tenant) -> Result<SyncReport, SyncError> {
        let mut report = SyncReport::default();
        let store = self.store.as_ref();
        let Some(organizer) = store
            .user(&job.organizer.tenant_id, &job.organizer.user_id)
            .await?
        else {
            return Ok(report);
        };
        if !organizer.sync_enabled {
            return Ok(report);
        }

        let graph = self.graph()?;
        let mut token = Token::get(&self.tokens, &organizer).await?;
        let desired = self
            .settings
            .window
            .with_days(tenant.sync_days_back, tenant.sync_days_ahead)
            .at(now_ms());
        let resume = job
            .delta_link
            .clone()
            .filter(|_| !window_moved(&job.window, &desired));
        let window = if resume.is_some() {
            job.window.clone()
        } else {
            desired
        };
        let (mut round, delta_link, full) = fetch_round(
            &self.tokens,
            graph,
            &mut token,
            &organizer,
            resume,
            &window,
            &mut report,
        )
        .await?;
        report.full = full;
        if full {
            // A full round lists what exists, not what was deleted: a followed item it did not
            // list (complete, so nothing was missed) is gone — deleted while Graph had evicted
            // the delta link, or before Liaison's first round with this window.
            round.extend(vanished(store, job, &window, &round).await?);
        }
        report.changed_items = u32::try_from(round.len()).unwrap_or(u32::MAX);

        let (category_id, category_name) = match (&job.category_id, &job.category_name) {
            (Some(id), Some(name)) if round.is_empty() => (id.clone(), name.clone()),
            _ => {
                crm_category(
                    graph,
                    &mut token,
                    &organizer,
                    job,
                    (&tenant.crm_category_name, &tenant.crm_category_color),
                    &mut report,
                )
                .await?
            }
        };

        crash::point("sync.category_ready");
        let ids: Vec<String> = round.iter().map(|i| i.id().to_owned()).collect();
        let links: HashMap<String, GraphLink> = store
            .graph_links(&job.organizer, &ids)
            .await?
            .into_iter()
            .collect();
        let window_ms = (
            from_rfc3339(&window.start).unwrap_or(i64::MIN),
            from_rfc3339(&window.end).unwrap_or(i64::MAX),
        );
        let mut writes = plan::plan(&round, &links, &category_name, window_ms);
        let (policy, blocked) = (tenant.auto_link_policy, &tenant.auto_link_blocked_domains.0);
        for write in &mut writes {
            if let SyncWrite::Upsert(item) = write {
                item.link_addresses = addresses_to_match(
                    policy,
                    item.organizer_address.as_deref(),
                    &item.write.attendees,
                    blocked,
                );
            }
        }
        let cancellations = writes
            .iter()
            .filter(|w| matches!(w, SyncWrite::Cancel { .. }))
            .count();
        if cancellations > 0 && !job.breaker_confirmed {
            let active = store.active_synced_events(&job.organizer).await?;
            let max_share = tenant
                .breaker_percent
                .map_or(plan::BREAKER_MAX_SHARE, |p| f64::from(p) / 100.0);
            if plan::breaker_trips(cancellations, active, max_share) {
                return Err(SyncError::BreakerTripped {
                    cancellations,
                    active,
                });
            }
        }
        for write in &writes {
            match write {
                SyncWrite::Upsert(_) => report.upserted += 1,
                SyncWrite::Cancel { .. } => report.cancelled += 1,
                SyncWrite::Unfollow { .. } => report.unfollowed += 1,
                SyncWrite::BecameSeries { .. } => {}
            }
        }
        let cursor = SyncCursor {
            delta_link,
            window,
            category_id,
            category_name: category_name.clone(),
        };
        let chunks: Vec<&[SyncWrite]> = if writes.is_empty() {
            vec![&[]]
        } else {
            writes.chunks(CHUNK).collect()
        };
        let last = chunks.len() - 1;
        for (i, chunk) in chunks.into_iter().enumerate() {
            let now = now_ms();
            let held = store
                .apply_sync(
                    job,
                    chunk,
                    (i == last).then_some(&cursor),
                    now + self.settings.lease_ms(),
                    now,
                )
                .await?;
            if !held {
                return Err(SyncError::LeaseLost);
            }
            if i == last {
                crash::point("sync.cursor_committed");
            } else {
                crash::point("sync.chunk_committed");
            }
        }

        self.fence(job).await?;
        // Queued saves come after the session's own writes (they can never starve the sync),
        // and only once Graph has answered with the Organizer's connection: with a connection
        // that needs reconnecting they wait in the outbox.
        self.carry_out_outbox(job, &organizer, &token.value, &mut report)
            .await?;
        // An item that syncs through the CRM category now loses the failed flag a given-up
        // queued save left on it.
        for item in &round {
            if let DeltaItem::Live(live) = item
                && live
                    .categories
                    .iter()
                    .any(|c| same_category(c, &category_name))
            {
                self.items
                    .clear_failed_flag(&organizer, &live.id, &live.categories)
                    .await;
            }
        }
        report.graph_requests += notifications::keep_alive(
            store,
            graph,
            self.notification_base.as_deref(),
            &token.value,
            &organizer,
        )
        .await?;
        self.fence(job).await?;
        remove_categories(
            graph,
            &mut token,
            &organizer,
            &category_name,
            store,
            &mut report,
        )
        .await?;
        Ok(report)
    }
}

/// The Organizer's Graph token, refreshed once when Graph refuses it.
struct Token {
    value: SecretString,
    refreshed: bool,
}

impl Token {
    async fn get(tokens: &TokenSource, organizer: &User) -> Result<Self, SyncError> {
        let value = tokens
            .access_token(&organizer.key(), Provider::Microsoft, Refresh::IfStale)
            .await?;
        Ok(Self {
            value,
            refreshed: false,
        })
    }

    /// After a `401`: a fresh token once (`true`), then the failure stands (`false`).
    async fn refresh(&mut self, tokens: &TokenSource, organizer: &User) -> Result<bool, SyncError> {
        if self.refreshed {
            return Ok(false);
        }
        self.refreshed = true;
        self.value = tokens
            .access_token(&organizer.key(), Provider::Microsoft, Refresh::Force)
            .await?;
        Ok(true)
    }
}

/// Fetches a whole delta round: `(items, new delta link, full?)`. A `410` on an incremental
/// round restarts it in full once.
async fn fetch_round(
    tokens: &TokenSource,
    graph: &GraphClient,
    token: &mut Token,
    organizer: &User,
    resume: Option<String>,
    window: &SyncWindow,
    report: &mut SyncReport,
) -> Result<(Vec<DeltaItem>, String, bool), SyncError> {
    let mut full = resume.is_none();
    let mut link = resume;
    let mut round = Vec::new();
    loop {
        report.graph_requests += 1;
        let page = graph
            .delta_page(
                &token.value,
                organizer.id.as_str(),
                link.as_deref(),
                (&window.start, &window.end),
            )
            .await;
        match page {
            Ok(page) => {
                crash::point("sync.page_fetched");
                round.extend(page.value.iter().map(DeltaItem::from_graph));
                if let Some(next) = page.next_link {
                    link = Some(next);
                    continue;
                }
                let delta_link = page.delta_link.ok_or_else(|| {
                    GraphError::Decode("a delta round ended without a deltaLink".into())
                })?;
                return Ok((round, delta_link, full));
            }
            Err(GraphError::SyncStateGone { .. }) if !full => {
                tracing::info!("Graph evicted the delta link; starting a full round");
                full = true;
                link = None;
                round.clear();
            }
            Err(GraphError::Unauthorized) if token.refresh(tokens, organizer).await? => {}
            Err(error) => return Err(error.into()),
        }
    }
}

/// The CRM category's `(id, current name)` in the Organizer's master list, created if missing.
async fn crm_category(
    graph: &GraphClient,
    token: &mut Token,
    organizer: &User,
    job: &SyncJob,
    (name, color): (&str, &str),
    report: &mut SyncReport,
) -> Result<(String, String), SyncError> {
    report.graph_requests += 1;
    let list = graph
        .master_categories(&token.value, organizer.id.as_str())
        .await?;
    let known = job
        .category_id
        .as_ref()
        .and_then(|id| list.iter().find(|c| &c.id == id))
        .or_else(|| {
            list.iter()
                .find(|c| c.display_name.trim().eq_ignore_ascii_case(name.trim()))
        });
    if let Some(category) = known {
        return Ok((category.id.clone(), category.display_name.clone()));
    }
    report.graph_requests += 1;
    let created = graph
        .create_master_category(&token.value, organizer.id.as_str(), name, color)
        .await?;
    Ok((created.id, created.display_name))
}

/// Takes the CRM category off the Outlook items whose CRM event was deleted; what fails stays
/// owed (and shows on the item) for the next session.
async fn remove_categories(
    graph: &GraphClient,
    token: &mut Token,
    organizer: &User,
    category: &str,
    store: &dyn SyncStore,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let owed = store.category_removals(&organizer.key()).await?;
    for removal in owed {
        report.graph_requests += 1;
        let outcome = match graph
            .event_categories(&token.value, organizer.id.as_str(), &removal.graph_event_id)
            .await
        {
            Ok(categories) => {
                let kept: Vec<String> = categories
                    .into_iter()
                    .filter(|c| !same_category(c, category))
                    .collect();
                report.graph_requests += 1;
                graph
                    .write_categories(
                        &token.value,
                        organizer.id.as_str(),
                        &removal.graph_event_id,
                        &kept,
                    )
                    .await
            }
            Err(error) => Err(error),
        };
        let failure = match outcome {
            // Gone from Outlook: nothing left to take the category off.
            Ok(()) | Err(GraphError::NotFound { .. }) => {
                crash::point("sync.category_removed");
                report.categories_removed += 1;
                None
            }
            Err(GraphError::Forbidden { .. }) => Some(
                "The CRM event was deleted, but Liaison may not remove the CRM category from \
                 this Outlook item; remove it by hand."
                    .to_owned(),
            ),
            Err(error) => Some(format!(
                "The CRM event was deleted; removing the CRM category in Outlook failed ({error}) \
                 and will be tried again."
            )),
        };
        store
            .finish_category_removal(&organizer.key(), &removal, failure.as_deref())
            .await?;
    }
    Ok(())
}

/// The followed items a complete full round did not list, as removals.
async fn vanished(
    store: &dyn SyncStore,
    job: &SyncJob,
    window: &SyncWindow,
    round: &[DeltaItem],
) -> Result<Vec<DeltaItem>, SyncError> {
    let (Some(start), Some(end)) = (from_rfc3339(&window.start), from_rfc3339(&window.end)) else {
        return Ok(Vec::new());
    };
    let listed: HashSet<&str> = round.iter().map(DeltaItem::id).collect();
    Ok(store
        .followed_in_window(&job.organizer, start, end)
        .await?
        .into_iter()
        .filter(|id| !listed.contains(id.as_str()))
        .map(|id| DeltaItem::Removed { id })
        .collect())
}

/// The stored window is a week or more behind the one wanted now: start a new full round (the
/// upserts are idempotent, so nothing duplicates).
fn window_moved(stored: &SyncWindow, desired: &SyncWindow) -> bool {
    const WEEK_MS: i64 = 7 * 86_400_000;
    match (from_rfc3339(&stored.start), from_rfc3339(&desired.start)) {
        (Some(stored), Some(desired)) => desired - stored >= WEEK_MS,
        _ => true,
    }
}
