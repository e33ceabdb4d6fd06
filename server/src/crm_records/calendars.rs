//! The Organizers' CRM calendars for the CRM page: which ones a person may read (their own,
//! those shared with them, every one for an administrator), and one calendar's meetings over a
//! span of days — who saved each, on whose behalf, when, and the records linked to it that the
//! reader may see. A calendar the reader may not read is "not found", as another tenant's is.

use liaison_domain::api::{CalendarEvent, CalendarEvents, CrmCalendar, Person};

use super::error::RecordError;
use super::present;
use super::service::{Reader, Records};
use crate::clock::{from_rfc3339, now_ms, to_rfc3339};
use crate::store::{CalendarEventRow, CalendarEventsQuery};

const DAY_MS: i64 = 86_400_000;
/// The longest span one answer covers.
const MAX_DAYS: i64 = 92;
/// The most meetings one answer holds.
const MAX_EVENTS: u32 = 500;

impl Records {
    pub async fn calendars(&self, who: Reader<'_>) -> Result<Vec<CrmCalendar>, RecordError> {
        Ok(self
            .calendars
            .readable_calendars(&who.user.tenant_id, &who.user.id, who.is_admin)
            .await?
            .into_iter()
            .map(|c| CrmCalendar {
                mailbox: c.mailbox,
                display_name: c.display_name,
                access: c.access,
            })
            .collect())
    }

    /// The meetings of `mailbox`'s CRM calendar starting from the day `from` to the day before
    /// `to` (`YYYY-MM-DD`, UTC; by default the seven days from today).
    pub async fn calendar_events(
        &self,
        who: Reader<'_>,
        mailbox: &str,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<CalendarEvents, RecordError> {
        let from_ms = match from {
            Some(day) => day_ms(day).ok_or_else(|| RecordError::invalid("from", DAY))?,
            None => now_ms() / DAY_MS * DAY_MS,
        };
        let to_ms = match to {
            Some(day) => day_ms(day).ok_or_else(|| RecordError::invalid("to", DAY))?,
            None => from_ms + 7 * DAY_MS,
        };
        if to_ms <= from_ms || to_ms - from_ms > MAX_DAYS * DAY_MS {
            return Err(RecordError::invalid(
                "to",
                &format!("must be after from, at most {MAX_DAYS} days after it"),
            ));
        }
        let organizer = self
            .identity
            .user_by_mailbox(&who.user.tenant_id, mailbox)
            .await?
            .ok_or(RecordError::NotFound)?;
        let readable = organizer.id == who.user.id
            || who.is_admin
            || self
                .crm
                .crm_calendar_share(&who.user.tenant_id, &organizer.id, &who.user.id)
                .await?
                .is_some();
        if !readable {
            return Err(RecordError::NotFound);
        }
        let mut rows = self
            .calendars
            .calendar_events(&CalendarEventsQuery {
                tenant_id: &who.user.tenant_id,
                organizer_id: &organizer.id,
                from_ms,
                to_ms,
                limit: MAX_EVENTS + 1,
            })
            .await?;
        let truncated = rows.len() > MAX_EVENTS as usize;
        rows.truncate(MAX_EVENTS as usize);
        let ids: Vec<String> = rows.iter().map(|r| r.event_id.clone()).collect();
        let linked = self
            .calendars
            .linked_records(&who.user.tenant_id, &who.user.id, &ids)
            .await?;
        let own = organizer.id == who.user.id;
        let events = rows
            .iter()
            .map(|row| {
                let mut event = present(row, &organizer.mailbox, own);
                event.records = linked
                    .iter()
                    .filter(|(id, _)| *id == row.event_id)
                    .map(|(_, record)| record.clone())
                    .collect();
                event
            })
            .collect();
        Ok(CalendarEvents {
            organizer: Person {
                mailbox: organizer.mailbox,
                display_name: organizer.display_name,
            },
            from: day_text(from_ms),
            to: day_text(to_ms),
            events,
            truncated,
        })
    }
}

const DAY: &str = "a day, YYYY-MM-DD";

/// Midnight UTC of `YYYY-MM-DD`.
fn day_ms(text: &str) -> Option<i64> {
    let text = text.trim();
    let shaped = text.len() == 10
        && text.char_indices().all(|(i, c)| {
            if i == 4 || i == 7 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }
        });
    shaped
        .then(|| from_rfc3339(&format!("{text}T00:00:00Z")))
        .flatten()
}

fn day_text(ms: i64) -> String {
    to_rfc3339(ms).chars().take(10).collect()
}

/// A meeting as the calendar shows it; another's private meeting keeps its subject to itself.
fn present(row: &CalendarEventRow, organizer: &str, own: bool) -> CalendarEvent {
    let (start, end, is_all_day) = present::span(
        (row.starts_at_ms, row.ends_at_ms),
        (&row.start_date, &row.end_date),
    );
    CalendarEvent {
        event_id: row.event_id.clone(),
        subject: present::subject(&row.subject, row.is_private, own),
        start,
        end,
        is_all_day,
        saved_by: row.created_by_mailbox.clone(),
        on_behalf_of: (row.created_by_mailbox != organizer).then(|| organizer.to_owned()),
        saved_at: to_rfc3339(row.created_at_ms),
        synced_by_category: row.via_category,
        cancelled: row.cancelled,
        records: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_is_exactly_yyyy_mm_dd() {
        assert_eq!(day_ms("2026-12-07"), Some(1_796_601_600_000));
        assert_eq!(day_text(1_796_601_600_000), "2026-12-07");
        for bad in [
            "2026-12-7",
            "2026/12/07",
            "2026-13-01",
            "07-12-2026",
            "",
            "2026-12-07T00",
        ] {
            assert_eq!(day_ms(bad), None, "{bad}");
        }
    }
}
