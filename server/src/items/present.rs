//! The store's types as the API shows them.

use liaison_domain::api::{CrmEvent, ItemStatus, SyncState};

use crate::clock::to_rfc3339;
use crate::store::{EventTime, ItemSyncState, StoredEvent, StoredStatus};
use crate::synced_window::{SyncedWindow, WindowPosition};

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

/// The status of an item not in the CRM that lies outside the window sync reads: why the CRM
/// category alone does not bring it in, and what does.
pub fn outside_window_status(position: WindowPosition, window: &SyncedWindow) -> ItemStatus {
    let span = format!(
        "Outside the synced window ({} days back to {} days ahead)",
        window.days_back, window.days_ahead
    );
    let what = match position {
        WindowPosition::After => format!(
            "sync brings a meeting with the CRM category into the CRM once it is less than {} \
             days ahead",
            window.days_ahead
        ),
        WindowPosition::Before | WindowPosition::Inside => {
            "the meeting is too far in the past for sync, so the CRM category will not bring it \
             into the CRM"
                .to_owned()
        }
    };
    ItemStatus {
        state: SyncState::OutsideWindow,
        synced_at: None,
        error_code: Some("outside_sync_window".into()),
        error_message: Some(format!(
            "{span}: {what}. Saving it from the sidebar puts it in the CRM now; an \
             administrator can widen the window (--sync-days-back, --sync-days-ahead)."
        )),
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

    #[test]
    fn an_item_outside_the_window_says_which_side_and_what_to_do() {
        let window = SyncedWindow::default();
        let past = outside_window_status(WindowPosition::Before, &window);
        assert_eq!(past.state, SyncState::OutsideWindow);
        assert_eq!(past.error_code.as_deref(), Some("outside_sync_window"));
        let text = past.error_message.unwrap();
        assert!(text.starts_with("Outside the synced window (30 days back to 365 days ahead)"));
        assert!(text.contains("too far in the past"), "{text}");
        assert!(text.contains("Saving it from the sidebar"), "{text}");
        let future = outside_window_status(WindowPosition::After, &window);
        assert!(
            future
                .error_message
                .unwrap()
                .contains("once it is less than 365 days ahead")
        );
    }
}
