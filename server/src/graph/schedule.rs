//! The booking links' Graph calls, both with the Organizer's own connection: their free/busy
//! (`getSchedule`, which shows times and a status, never a meeting's subject or people), and
//! the meeting an invitee books (`POST /me/events`: Graph sends the attendees the invitation
//! as it creates the meeting, so no mail scope is needed).

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use reqwest::Method;
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::json;

use crate::graph::client::{GraphClient, GraphError, Operation};
use crate::graph::model::DateTimeZone;

/// A time the Organizer is not free.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy {
    pub start: Timestamp,
    pub end: Timestamp,
}

/// The meeting an invitee books.
#[derive(Debug, Clone)]
pub struct BookedMeeting<'a> {
    pub subject: &'a str,
    /// Plain text: who initiated the meeting, and through what.
    pub body: &'a str,
    pub start: Timestamp,
    pub end: Timestamp,
    pub invitee_name: &'a str,
    pub invitee_address: &'a str,
    pub categories: &'a [String],
    /// Of the link and the booking form: Graph creates one meeting however often it is posted.
    pub transaction_id: &'a str,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScheduleItem {
    #[serde(default)]
    status: String,
    start: DateTimeZone,
    end: DateTimeZone,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScheduleInformation {
    #[serde(default)]
    schedule_items: Vec<ScheduleItem>,
    #[serde(default)]
    error: Option<serde_json::Value>,
}

/// Graph's `dateTime` (`2026-12-08T09:00:00.0000000`) in `timeZone`, which Liaison asks to be
/// UTC (`Prefer: outlook.timezone="UTC"`); another zone is not read rather than guessed.
fn utc_instant(value: &DateTimeZone) -> Result<Timestamp, GraphError> {
    let zone = value.time_zone.as_deref().unwrap_or("UTC");
    if !zone.eq_ignore_ascii_case("UTC") {
        return Err(GraphError::Decode(format!(
            "a free/busy time came in {zone}, not the UTC asked for"
        )));
    }
    value
        .date_time
        .parse::<DateTime>()
        .and_then(|civil| civil.to_zoned(TimeZone::UTC))
        .map(|zoned| zoned.timestamp())
        .map_err(|e| GraphError::Decode(format!("a free/busy time: {e}")))
}

/// Whether a schedule item's status leaves the time bookable. scheduleItem's `status` is one
/// of `free`, `tentative`, `busy`, `oof`, `workingElsewhere`, `unknown` (Graph's
/// `freeBusyStatus`; its examples capitalize them); `workingElsewhere` counts as free, as
/// `availabilityView` does ("0 = free or working elsewhere"). `unknown` blocks: a time Microsoft
/// cannot vouch for is not offered.
fn leaves_free(status: &str) -> bool {
    status.eq_ignore_ascii_case("free") || status.eq_ignore_ascii_case("workingElsewhere")
}

fn graph_time(at: Timestamp) -> serde_json::Value {
    json!({ "dateTime": at.strftime("%Y-%m-%dT%H:%M:%S").to_string(), "timeZone": "UTC" })
}

impl GraphClient {
    /// The times `mailbox` (the token's owner) is tentative, busy or away between `start` and
    /// `end` (`POST /me/calendar/getSchedule` for their own address). Recurring meetings count
    /// through their occurrences, as Exchange's free/busy shows them.
    pub async fn busy_times(
        &self,
        token: &SecretString,
        mailbox: &str,
        (start, end): (Timestamp, Timestamp),
    ) -> Result<Vec<Busy>, GraphError> {
        let body = json!({
            "schedules": [mailbox],
            "startTime": graph_time(start),
            "endTime": graph_time(end),
            "availabilityViewInterval": 15,
        });
        let value = self
            .send(
                Operation::FreeBusy,
                token,
                mailbox,
                Method::POST,
                "/me/calendar/getSchedule",
                Some(&body),
            )
            .await?;
        let schedules: Vec<ScheduleInformation> = serde_json::from_value(value["value"].clone())
            .map_err(|e| GraphError::Decode(format!("getSchedule's answer: {e}")))?;
        let [schedule] = schedules.as_slice() else {
            return Err(GraphError::Decode(
                "getSchedule answered for other than the one calendar asked".into(),
            ));
        };
        if let Some(error) = &schedule.error {
            return Err(GraphError::Decode(format!(
                "getSchedule could not read the calendar: {}",
                error["message"].as_str().unwrap_or("no reason given")
            )));
        }
        schedule
            .schedule_items
            .iter()
            .filter(|item| !leaves_free(&item.status))
            .map(|item| {
                Ok(Busy {
                    start: utc_instant(&item.start)?,
                    end: utc_instant(&item.end)?,
                })
            })
            .collect()
    }

    /// Creates the booked meeting in `mailbox`'s calendar (the token's owner organizes it; the
    /// invitee is a required attendee, whom Graph invites). Its id.
    pub async fn create_booked_meeting(
        &self,
        token: &SecretString,
        mailbox: &str,
        meeting: &BookedMeeting<'_>,
    ) -> Result<String, GraphError> {
        let body = json!({
            "subject": meeting.subject,
            "body": { "contentType": "text", "content": meeting.body },
            "start": graph_time(meeting.start),
            "end": graph_time(meeting.end),
            "attendees": [{
                "emailAddress": { "address": meeting.invitee_address, "name": meeting.invitee_name },
                "type": "required",
            }],
            "categories": meeting.categories,
            "showAs": "busy",
            "transactionId": meeting.transaction_id,
        });
        let value = self
            .send(
                Operation::BookedMeeting,
                token,
                mailbox,
                Method::POST,
                "/me/events",
                Some(&body),
            )
            .await?;
        value["id"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| GraphError::Decode("the created meeting has no id".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_and_working_elsewhere_leave_a_time_free_and_the_rest_block_it() {
        for status in ["free", "Free", "workingElsewhere"] {
            assert!(leaves_free(status), "{status}");
        }
        for status in ["tentative", "Busy", "oof", "unknown", ""] {
            assert!(!leaves_free(status), "{status}");
        }
    }

    #[test]
    fn graphs_example_schedule_reads() {
        // The answer of "Get free/busy schedule of Outlook calendar users and resources"
        // (learn.microsoft.com/graph/outlook-get-free-busy-schedule), in UTC.
        let answer = json!([{
            "scheduleId": "AlexW@contoso.com",
            "availabilityView": "111111002222222200000000000000000000",
            "scheduleItems": [
                { "status": "Tentative",
                  "start": { "dateTime": "2018-08-06T09:00:00.0000000", "timeZone": "UTC" },
                  "end": { "dateTime": "2018-08-06T10:30:00.0000000", "timeZone": "UTC" } },
                { "status": "Busy",
                  "start": { "dateTime": "2018-08-06T11:00:00.0000000", "timeZone": "UTC" },
                  "end": { "dateTime": "2018-08-06T13:00:00.0000000", "timeZone": "UTC" } }
            ],
            "workingHours": { "daysOfWeek": ["monday"], "startTime": "08:00:00.0000000",
                "endTime": "17:00:00.0000000", "timeZone": { "name": "Pacific Standard Time" } }
        }]);
        let schedules: Vec<ScheduleInformation> = serde_json::from_value(answer).unwrap();
        let items = &schedules[0].schedule_items;
        assert_eq!(items.len(), 2);
        assert_eq!(
            utc_instant(&items[0].start).unwrap().to_string(),
            "2018-08-06T09:00:00Z"
        );
        let other_zone = DateTimeZone {
            date_time: "2018-08-06T09:00:00".into(),
            time_zone: Some("Pacific Standard Time".into()),
        };
        assert!(utc_instant(&other_zone).is_err());
    }
}
