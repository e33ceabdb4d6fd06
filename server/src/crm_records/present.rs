//! The store's records and history rows as the API shows them, and the history's cursor.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use liaison_domain::api::{Person, RecordDetail, RecordEvent, RecordShare, ShareAccess};
use liaison_domain::permissions::{CrmAccess, RecordRights};

use super::error::RecordError;
use crate::clock::to_rfc3339;
use crate::store::{RecordEventRow, StoredRecord, UserId};

pub fn detail(
    record: &StoredRecord,
    rights: RecordRights,
    shares: Vec<RecordShare>,
) -> RecordDetail {
    let f = &record.fields;
    RecordDetail {
        id: record.id.clone(),
        kind: f.kind,
        name: f.name.clone(),
        emails: f.emails.clone(),
        phone: f.phone.clone(),
        account_id: f.account_id.clone(),
        domain: f.domain.clone(),
        company: f.company.clone(),
        stage: f.stage,
        amount: f.amount_text(),
        currency: f.currency.clone(),
        close_date: f.close_date.clone(),
        status: f.status,
        external_id: f.external_id.clone(),
        owner: Person {
            mailbox: record.owner_mailbox.clone(),
            display_name: record.owner_name.clone(),
        },
        version: record.version,
        created_at: to_rfc3339(record.created_at_ms),
        updated_at: to_rfc3339(record.updated_at_ms),
        deleted: record.deleted,
        access: if rights.access == CrmAccess::Edit {
            ShareAccess::Edit
        } else {
            ShareAccess::View
        },
        shares,
    }
}

/// A meeting's start and end as the API writes them — RFC 3339 instants, or the dates of an
/// all-day one — and whether it is all-day.
pub fn span(
    (starts_at_ms, ends_at_ms): (Option<i64>, Option<i64>),
    (start_date, end_date): (&Option<String>, &Option<String>),
) -> (String, String, bool) {
    match (starts_at_ms, ends_at_ms) {
        (Some(start), Some(end)) => (to_rfc3339(start), to_rfc3339(end), false),
        _ => (
            start_date.clone().unwrap_or_default(),
            end_date.clone().unwrap_or_default(),
            true,
        ),
    }
}

/// A meeting's subject for a reader: a private one's only for its Organizer (`own`).
pub fn subject(subject: &str, is_private: bool, own: bool) -> String {
    if is_private && !own {
        "Private appointment".to_owned()
    } else {
        subject.to_owned()
    }
}

/// One meeting of a record's history; a private one shows its subject to its Organizer only.
pub fn event(row: &RecordEventRow, reader: &UserId) -> RecordEvent {
    let (start, end, _) = span(
        (row.starts_at_ms, row.ends_at_ms),
        (&row.start_date, &row.end_date),
    );
    let own = row.organizer_id == reader.as_str();
    RecordEvent {
        event_id: row.event_id.clone(),
        subject: subject(&row.subject, row.is_private, own),
        start,
        end,
        organizer: row.organizer_mailbox.clone(),
        saved_by: row.saved_by_mailbox.clone(),
        on_behalf_of: (row.saved_by_mailbox != row.organizer_mailbox)
            .then(|| row.organizer_mailbox.clone()),
        saved_at: to_rfc3339(row.saved_at_ms),
        cancelled: row.cancelled,
    }
}

pub fn encode_cursor(row: &RecordEventRow) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&(row.sort_ms, &row.event_id)).unwrap_or_default())
}

pub fn decode_cursor(cursor: &str) -> Result<(i64, String), RecordError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| RecordError::invalid("cursor", "not a cursor this API gave out"))
}
