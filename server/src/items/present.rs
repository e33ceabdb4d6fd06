//! The store's types as the API shows them.

use liaison_domain::api::{CrmEvent, ItemStatus, SyncState};

use crate::clock::to_rfc3339;
use crate::store::{EventTime, ItemSyncState, StoredEvent, StoredStatus};

pub fn crm_event(event: &StoredEvent) -> CrmEvent {
    let (start, end, is_all_day) = match &event.write.time {
        EventTime::Timed { start_ms, end_ms } => {
            (to_rfc3339(*start_ms), to_rfc3339(*end_ms), false)
        }
        EventTime::AllDay {
            start_date,
            end_date,
        } => (start_date.clone(), end_date.clone(), true),
    };
    CrmEvent {
        id: event.id.to_string(),
        subject: event.write.subject.clone(),
        start,
        end,
        time_zone: event.write.time_zone.clone(),
        is_all_day,
        location: event.write.location.clone(),
        attendees: event.write.attendees.clone(),
        is_private: event.write.is_private,
        cancelled: event.cancelled,
        organizer: event.organizer_mailbox.clone(),
        created_by: event.created_by_mailbox.clone(),
        modified_by: event.modified_by_mailbox.clone(),
        records: event.records.clone(),
    }
}

/// A save waiting for the next sync session (or for its item).
pub fn queued_status() -> StoredStatus {
    StoredStatus {
        state: ItemSyncState::Queued,
        synced_at_ms: None,
        error_code: None,
        error_message: None,
    }
}

pub fn item_status(status: Option<&StoredStatus>) -> ItemStatus {
    let Some(status) = status else {
        return ItemStatus {
            state: SyncState::NotSynced,
            synced_at: None,
            error_code: None,
            error_message: None,
        };
    };
    ItemStatus {
        state: match status.state {
            ItemSyncState::Queued => SyncState::Queued,
            ItemSyncState::Synced => SyncState::Synced,
            ItemSyncState::Failed => SyncState::Failed,
        },
        synced_at: status.synced_at_ms.map(to_rfc3339),
        error_code: status.error_code.clone(),
        error_message: status.error_message.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_queued_save_reads_as_queued() {
        assert_eq!(item_status(Some(&queued_status())).state, SyncState::Queued);
        assert_eq!(item_status(None).state, SyncState::NotSynced);
    }
}
