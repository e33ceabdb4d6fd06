//! The outbox step of a sync session: the saves queued for the Organizer are carried out, each
//! behind the lease fence, each judged again on Microsoft's facts with its requester's token.
//!
//! A session carries out at most [`SESSION_BUDGET`] of them, after its own sync is written, so
//! queued saves can never starve the sync. A queued save is never retried forever. One that
//! fails [`MAX_ATTEMPTS`] sessions in a row, or whose meeting has not appeared in the calendar
//! after [`NEVER_SEEN_WAIT_MS`] (Graph never showed it) or [`MAX_WAIT_MS`], is dead-lettered:
//! removed from the outbox, the item's status turns `failed` (`queued_save_failed`, with the
//! reason in words) where the sidebar shows it, an audit line records it, and the Outlook item
//! gets the category [`FAILED_CATEGORY`] (PRODUCT.md §7: after repeated failures the item shows
//! as failed in Outlook too); it comes off when the item reaches the CRM (a sidebar save, or a
//! session syncing it through the CRM category: `Items::clear_failed_flag`). A connection that
//! needs a new sign-in is not a failure: the saves wait for it.

use liaison_domain::api::SyncReport;
use secrecy::SecretString;

use crate::auth::connections::TokenError;
use crate::clock::now_ms;
use crate::crash;
use crate::graph::client::GraphClient;
use crate::graph::model::same_category;
use crate::items::{FAILED_CATEGORY, ItemError, QueuedOutcome};
use crate::store::{AuditAction, AuditEntry, QueuedSave, StoreError, SyncJob, User};
use crate::sync::engine::SyncEngine;
use crate::sync::error::SyncError;

/// Sessions in a row a queued save may fail before it is dead-lettered.
pub const MAX_ATTEMPTS: i32 = 5;
/// How long a queued save whose meeting Graph did see (insta-sync off) may wait for a session.
pub const MAX_WAIT_MS: i64 = 7 * 24 * 60 * 60 * 1000;
/// How long a queued save may wait for a meeting Graph has never shown: Outlook in cached
/// mode uploads a saved item within minutes; an id Graph never finds is most likely made up.
pub const NEVER_SEEN_WAIT_MS: i64 = 24 * 60 * 60 * 1000;
/// The queued saves one session carries out at most (each costs Graph reads): the rest wait
/// for the next session, and the session's own sync was written before them.
pub const SESSION_BUDGET: i64 = 50;

impl SyncEngine {
    /// Carries out the Organizer's oldest queued saves, at most [`SESSION_BUDGET`].
    pub(super) async fn carry_out_outbox(
        &self,
        job: &SyncJob,
        organizer: &User,
        token: &SecretString,
        report: &mut SyncReport,
    ) -> Result<(), SyncError> {
        let store = self.store.as_ref();
        for queued in store.queued_saves(&job.organizer, SESSION_BUDGET).await? {
            self.fence(job).await?;
            let reason = match self.items.carry_out_queued(organizer, &queued).await {
                Ok(QueuedOutcome::Written) => {
                    crash::point("sync.queued_save_written");
                    report.queued_saves_written += 1;
                    continue;
                }
                Ok(QueuedOutcome::Refused | QueuedOutcome::Taken) => continue,
                Ok(QueuedOutcome::Waiting) => match waited_too_long(&queued, now_ms()) {
                    Some(reason) => reason,
                    None => continue,
                },
                // The requester's connection needs a new sign-in: the saves wait for it.
                Err(ItemError::Token(
                    TokenError::NeedsReconnect | TokenError::InteractionRequired { .. },
                )) => continue,
                Err(ItemError::Store(error @ StoreError::Unavailable(_))) => {
                    return Err(error.into());
                }
                Err(error) => {
                    let words = failure_in_words(&error);
                    tracing::warn!(%error, outbox_id = %queued.id, "carrying out a queued save failed");
                    let attempts = store
                        .note_queued_save_failure(&organizer.tenant_id, &queued.id, &words)
                        .await?;
                    if attempts < MAX_ATTEMPTS {
                        continue;
                    }
                    format!("it failed {attempts} times ({words})")
                }
            };
            self.dead_letter(organizer, token, &queued, &reason).await?;
        }
        Ok(())
    }

    /// Gives up on `queued`: outbox row gone, item failed, audited; then the Outlook flag.
    async fn dead_letter(
        &self,
        organizer: &User,
        token: &SecretString,
        queued: &QueuedSave,
        reason: &str,
    ) -> Result<(), SyncError> {
        let message = format!(
            "Liaison gave up on this item's queued save: {reason}. Save it again from the \
             sidebar."
        );
        let mut audit = AuditEntry::allowed(
            &organizer.tenant_id,
            &queued.requested_by_id,
            AuditAction::ItemSaveDeadLettered,
            if queued.ical_uid.is_empty() {
                queued.item_id.as_deref().unwrap_or(&queued.id)
            } else {
                &queued.ical_uid
            },
        );
        audit.allowed = false;
        audit.on_behalf_of_id = Some(organizer.id.clone());
        audit.reason = Some("queued_save_failed".into());
        audit.detail = Some(message.clone());
        if !self
            .store
            .dead_letter_queued_save(&organizer.key(), queued, &message, &audit)
            .await?
        {
            return Ok(());
        }
        tracing::warn!(outbox_id = %queued.id, %reason, "a queued save was dead-lettered");
        crash::point("sync.queued_save_dead_lettered");
        if let (Some(item_id), Ok(graph)) = (&queued.item_id, self.graph()) {
            flag_failed(graph, token, organizer, item_id).await;
        }
        Ok(())
    }
}

/// Adds [`FAILED_CATEGORY`] to the Outlook item (the Organizer's own token, the only write
/// Liaison makes to items besides the CRM category). Best effort: the item's status and the
/// audit already say it failed.
async fn flag_failed(graph: &GraphClient, token: &SecretString, organizer: &User, item_id: &str) {
    let mailbox = organizer.id.as_str();
    let flagged = async {
        let mut categories = graph.event_categories(token, mailbox, item_id).await?;
        if !categories.iter().any(|c| same_category(c, FAILED_CATEGORY)) {
            categories.push(FAILED_CATEGORY.to_owned());
            graph
                .write_categories(token, mailbox, item_id, &categories)
                .await?;
        }
        Ok::<_, crate::graph::client::GraphError>(())
    };
    if let Err(error) = flagged.await {
        tracing::info!(%error, "could not flag a failed item in Outlook");
    }
}

/// Why a queued save still waiting for its meeting is given up on at `now`, if it is: one whose
/// meeting Graph has never shown waits a day, one whose meeting it did show seven.
fn waited_too_long(queued: &QueuedSave, now: i64) -> Option<String> {
    let (wait, within) = if queued.ical_uid.is_empty() {
        (NEVER_SEEN_WAIT_MS, "a day")
    } else {
        (MAX_WAIT_MS, "seven days")
    };
    (now - queued.created_at_ms >= wait)
        .then(|| format!("the meeting did not appear in the calendar within {within}"))
}

/// Why carrying out a queued save failed, in words for the item's status (never a lower
/// layer's text).
fn failure_in_words(error: &ItemError) -> String {
    match error {
        ItemError::GraphUnavailable => "Microsoft Graph did not answer".into(),
        ItemError::Store(_) => "the CRM store refused the write".into(),
        ItemError::Token(_) => "the requester's Microsoft connection failed".into(),
        ItemError::NotConfigured => "Microsoft 365 is not configured".into(),
        ItemError::Refused(reason) => reason.message().to_owned(),
        ItemError::Invalid { message, .. } | ItemError::NotFoundField { message, .. } => {
            message.clone()
        }
        ItemError::NotFound => "the item or its owner is no longer there".into(),
        ItemError::IdempotencyKeyReused => "the save could not be replayed".into(),
        ItemError::TooManyQueued(message) => message.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_save_for_a_meeting_graph_never_showed_is_given_up_on_sooner() {
        const HOUR: i64 = 60 * 60 * 1000;
        let queued = |ical_uid: &str| QueuedSave {
            id: "q".into(),
            requested_by_id: crate::store::UserId::new("ann"),
            payload: "{}".into(),
            ical_uid: ical_uid.into(),
            item_id: Some("AAMk-x=".into()),
            attempts: 0,
            created_at_ms: 0,
        };
        let never_seen = queued("");
        let seen = queued("040000008200E00074C5B7101A82E008");
        assert_eq!(waited_too_long(&never_seen, 23 * HOUR), None);
        assert!(
            waited_too_long(&never_seen, 25 * HOUR)
                .is_some_and(|why| why.ends_with("within a day"))
        );
        assert_eq!(waited_too_long(&seen, 25 * HOUR), None);
        assert!(waited_too_long(&seen, 8 * 24 * HOUR).is_some());
    }

    #[test]
    fn failures_are_told_without_a_lower_layers_text() {
        let database = ItemError::Store(StoreError::Other(sqlx::Error::Protocol(
            "relation \"save_outbox\" at 10.0.0.5".into(),
        )));
        let words = failure_in_words(&database);
        assert!(
            !words.contains("save_outbox") && !words.contains("10.0.0"),
            "{words}"
        );
    }
}
