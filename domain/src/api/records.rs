//! The CRM records API's JSON (`/api/crm/records`, `/api/crm/calendar-shares`) and the one
//! home of a record's field rules: which fields each kind has, what each accepts. The server
//! applies them to every write; the pane can check a form with the same code.
//!
//! A write is a [`RecordInput`]: on create, the fields given; on `PATCH`, a merge — a field
//! absent stays as it is, an empty string (or an empty list of addresses) clears it. Either
//! way the whole result is checked again ([`RecordInput::apply`]), so no write leaves a record
//! its kind does not allow.

use serde::{Deserialize, Serialize};

use super::items::{Person, RecordKind};
pub use crate::address::email_address;

use super::resolve::FieldError;

/// Where an opportunity stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OpportunityStage {
    Prospecting,
    Qualification,
    Proposal,
    Negotiation,
    ClosedWon,
    ClosedLost,
}

crate::wire_names!(OpportunityStage {
    Prospecting => "prospecting",
    Qualification => "qualification",
    Proposal => "proposal",
    Negotiation => "negotiation",
    ClosedWon => "closedWon",
    ClosedLost => "closedLost",
});

/// Where a lead stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LeadStatus {
    New,
    Working,
    Qualified,
    Disqualified,
}

crate::wire_names!(LeadStatus {
    New => "new",
    Working => "working",
    Qualified => "qualified",
    Disqualified => "disqualified",
});

/// What a share of a record or of a CRM calendar grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ShareAccess {
    View,
    Edit,
}

crate::wire_names!(ShareAccess {
    View => "view",
    Edit => "edit",
});

/// A record's fields, checked and normalized: what the store keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordFields {
    pub kind: RecordKind,
    pub name: String,
    /// Lower-case addresses, the first the main one (contacts: up to five; leads: one).
    pub emails: Vec<String>,
    pub phone: Option<String>,
    /// The account a contact or an opportunity belongs to (its existence is the server's to
    /// check).
    pub account_id: Option<String>,
    /// An account's internet domain, lower-case.
    pub domain: Option<String>,
    /// The company, as text (any kind).
    pub company: Option<String>,
    pub stage: Option<OpportunityStage>,
    /// An opportunity's amount in minor units (cents), with its ISO 4217 currency.
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
    /// `YYYY-MM-DD`.
    pub close_date: Option<String>,
    pub status: Option<LeadStatus>,
    /// The id the record has in another system (CSV imports match on it, per kind).
    pub external_id: Option<String>,
}

impl RecordFields {
    /// A record of `kind` with nothing set yet (a create starts from it).
    pub fn empty(kind: RecordKind) -> Self {
        Self {
            kind,
            name: String::new(),
            emails: Vec::new(),
            phone: None,
            account_id: None,
            domain: None,
            company: None,
            stage: None,
            amount_minor: None,
            currency: None,
            close_date: None,
            status: None,
            external_id: None,
        }
    }

    /// The amount as a decimal (`1234.50`), as the API shows it.
    pub fn amount_text(&self) -> Option<String> {
        self.amount_minor
            .map(|minor| format!("{}.{:02}", minor / 100, minor % 100))
    }
}

/// `POST /api/crm/records` and `PATCH /api/crm/records/{id}`: the fields to write.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecordInput {
    /// Required on create; a record's kind never changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<RecordKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emails: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<OpportunityStage>,
    /// A decimal with at most two places, e.g. `"12500.00"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<String>,
    /// ISO 4217, e.g. `EUR`; required with an amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub close_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<LeadStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
}

const MAX_NAME: usize = 200;
const MAX_CONTACT_EMAILS: usize = 5;
const MAX_PHONE: usize = 40;
const MAX_TEXT: usize = 200;
const MAX_EXTERNAL_ID: usize = 100;
/// A trillion in major units: larger amounts are typing errors.
const MAX_AMOUNT_MINOR: i64 = 100_000_000_000_000;

impl RecordInput {
    /// The record this input makes: on create, from [`RecordFields::empty`] of its kind (which
    /// `kind` must name); on `PATCH`, from the record as stored. The first broken rule is
    /// named by its field.
    pub fn apply(
        &self,
        current: &RecordFields,
        creating: bool,
    ) -> Result<RecordFields, FieldError> {
        let mut next = current.clone();
        match (self.kind, creating) {
            (None, true) => {
                return Err(FieldError::new(
                    "kind",
                    "required: account, contact, lead or opportunity",
                ));
            }
            (Some(kind), false) if kind != current.kind => {
                return Err(FieldError::new("kind", "a record's kind never changes"));
            }
            _ => {}
        }
        let kind = next.kind;
        if let Some(name) = &self.name {
            next.name = single_line(name, "name", MAX_NAME)?.unwrap_or_default();
        }
        if next.name.is_empty() {
            return Err(FieldError::new(
                "name",
                format!("required: 1 to {MAX_NAME} characters"),
            ));
        }
        if let Some(emails) = &self.emails {
            next.emails = addresses(emails)?;
        }
        set(&mut next.phone, self.phone.as_deref(), phone)?;
        set(&mut next.account_id, self.account_id.as_deref(), |t| {
            single_line(t, "accountId", 64)
        })?;
        set(&mut next.domain, self.domain.as_deref(), domain)?;
        set(&mut next.company, self.company.as_deref(), |t| {
            single_line(t, "company", MAX_TEXT)
        })?;
        if let Some(stage) = self.stage {
            next.stage = Some(stage);
        }
        if let Some(amount) = &self.amount {
            next.amount_minor = if amount.trim().is_empty() {
                None
            } else {
                Some(amount_minor(amount)?)
            };
        }
        set(&mut next.currency, self.currency.as_deref(), |t| {
            currency(t)
        })?;
        set(&mut next.close_date, self.close_date.as_deref(), |t| {
            date(t)
        })?;
        if let Some(status) = self.status {
            next.status = Some(status);
        }
        set(&mut next.external_id, self.external_id.as_deref(), |t| {
            single_line(t, "externalId", MAX_EXTERNAL_ID)
        })?;
        if creating {
            // A new opportunity starts prospecting, a new lead new.
            if kind == RecordKind::Opportunity && next.stage.is_none() {
                next.stage = Some(OpportunityStage::Prospecting);
            }
            if kind == RecordKind::Lead && next.status.is_none() {
                next.status = Some(LeadStatus::New);
            }
        }
        fits_kind(&next)?;
        Ok(next)
    }
}

/// Refuses a field the record's kind does not have, naming it.
fn fits_kind(record: &RecordFields) -> Result<(), FieldError> {
    use RecordKind::*;
    let kind = record.kind;
    let not_for =
        |field: &str| FieldError::new(field, format!("a record of kind {kind} has no {field}"));
    let emails_allowed = match kind {
        Contact => MAX_CONTACT_EMAILS,
        Lead => 1,
        Account | Opportunity => 0,
    };
    if record.emails.len() > emails_allowed {
        return Err(if emails_allowed == 0 {
            not_for("emails")
        } else {
            FieldError::new("emails", format!("at most {emails_allowed} for a {kind}"))
        });
    }
    // `company` (text) is every kind's: a contact's or lead's employer, an account's legal
    // name, an opportunity's customer — records written before this API carry it too.
    let checks: [(&str, bool, &[RecordKind]); 8] = [
        ("phone", record.phone.is_some(), &[Contact, Lead]),
        (
            "accountId",
            record.account_id.is_some(),
            &[Contact, Opportunity],
        ),
        ("domain", record.domain.is_some(), &[Account]),
        ("stage", record.stage.is_some(), &[Opportunity]),
        ("amount", record.amount_minor.is_some(), &[Opportunity]),
        ("currency", record.currency.is_some(), &[Opportunity]),
        ("closeDate", record.close_date.is_some(), &[Opportunity]),
        ("status", record.status.is_some(), &[Lead]),
    ];
    for (field, present, kinds) in checks {
        if present && !kinds.contains(&kind) {
            return Err(not_for(field));
        }
    }
    if record.amount_minor.is_some() && record.currency.is_none() {
        return Err(FieldError::new(
            "currency",
            "required with an amount (ISO 4217, e.g. EUR)",
        ));
    }
    Ok(())
}

/// Writes `text` through `check` into `field`; an empty text clears it; `None` leaves it.
fn set(
    field: &mut Option<String>,
    text: Option<&str>,
    check: impl Fn(&str) -> Result<Option<String>, FieldError>,
) -> Result<(), FieldError> {
    if let Some(text) = text {
        *field = check(text)?;
    }
    Ok(())
}

/// Trimmed text of one line, at most `max` characters; `None` when empty.
fn single_line(text: &str, field: &str, max: usize) -> Result<Option<String>, FieldError> {
    let text = text.trim();
    if text.chars().count() > max {
        return Err(FieldError::new(field, format!("at most {max} characters")));
    }
    if text.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            "one line of text, without control characters",
        ));
    }
    Ok((!text.is_empty()).then(|| text.to_owned()))
}

fn addresses(list: &[String]) -> Result<Vec<String>, FieldError> {
    let mut out: Vec<String> = Vec::new();
    for (n, text) in list.iter().enumerate() {
        let address = email_address(text)
            .ok_or_else(|| FieldError::new(&format!("emails.{n}"), "not an e-mail address"))?;
        if !out.contains(&address) {
            out.push(address);
        }
    }
    Ok(out)
}

fn phone(text: &str) -> Result<Option<String>, FieldError> {
    let text = single_line(text, "phone", MAX_PHONE)?;
    if let Some(text) = &text
        && !text
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
    {
        return Err(FieldError::new(
            "phone",
            "digits, spaces and + - ( ) . only",
        ));
    }
    Ok(text)
}

fn domain(text: &str) -> Result<Option<String>, FieldError> {
    let text = text.trim().to_lowercase();
    if text.is_empty() {
        return Ok(None);
    }
    let valid = text.len() <= 253
        && text.contains('.')
        && text.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if !valid {
        return Err(FieldError::new(
            "domain",
            "an internet domain, e.g. contoso.com",
        ));
    }
    Ok(Some(text))
}

fn amount_minor(text: &str) -> Result<i64, FieldError> {
    let invalid = || FieldError::new("amount", "a decimal of at most two places, e.g. 12500.00");
    let text = text.trim();
    let (whole, cents) = match text.split_once('.') {
        Some((whole, cents)) if (1..=2).contains(&cents.len()) => (whole, cents),
        Some(_) => return Err(invalid()),
        None => (text, "0"),
    };
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !cents.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(invalid());
    }
    let cents: i64 = format!("{cents:0<2}").parse().map_err(|_| invalid())?;
    let minor = whole
        .parse::<i64>()
        .ok()
        .and_then(|w| w.checked_mul(100))
        .and_then(|w| w.checked_add(cents))
        .filter(|m| *m <= MAX_AMOUNT_MINOR)
        .ok_or_else(|| FieldError::new("amount", "too large"))?;
    Ok(minor)
}

fn currency(text: &str) -> Result<Option<String>, FieldError> {
    let text = text.trim().to_uppercase();
    if text.is_empty() {
        return Ok(None);
    }
    if text.len() != 3 || !text.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(FieldError::new(
            "currency",
            "an ISO 4217 code of three letters, e.g. EUR",
        ));
    }
    Ok(Some(text))
}

/// `YYYY-MM-DD`, a real day of the Gregorian calendar.
fn date(text: &str) -> Result<Option<String>, FieldError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let invalid = || FieldError::new("closeDate", "a date as YYYY-MM-DD");
    let parts: Vec<&str> = text.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return Err(invalid());
    };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return Err(invalid());
    }
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<u32>(), m.parse::<u32>(), d.parse::<u32>()) else {
        return Err(invalid());
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(invalid()),
    };
    if d == 0 || d > days {
        return Err(invalid());
    }
    Ok(Some(text.to_owned()))
}

/// A record as the API shows it to someone who may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RecordDetail {
    pub id: String,
    pub kind: RecordKind,
    pub name: String,
    pub emails: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<OpportunityStage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub close_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<LeadStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    pub owner: Person,
    /// Each write adds one; `PATCH` and `DELETE` name it in `If-Match` (also the `ETag`).
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
    /// Deleted (only administrators see deleted records, to restore them).
    pub deleted: bool,
    /// What the reader may do: `edit` (owner, editor, administrator) or `view`.
    pub access: ShareAccess,
    /// Who else may see it; shown to the owner and administrators only.
    pub shares: Vec<RecordShare>,
}

/// One person a record is shared with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RecordShare {
    pub mailbox: String,
    pub access: ShareAccess,
}

/// `PUT /api/crm/records/{id}/shares/{mailbox}` and `PUT /api/crm/calendar-shares/{mailbox}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ShareRequest {
    pub access: ShareAccess,
}

/// `GET /api/crm/calendar-shares`: whom the caller's CRM calendar is shared with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CalendarShares {
    pub organizer: String,
    pub shares: Vec<RecordShare>,
}

/// One meeting in a record's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RecordEvent {
    pub event_id: String,
    pub subject: String,
    /// RFC 3339 (UTC) for a timed meeting, `YYYY-MM-DD` for an all-day one.
    pub start: String,
    pub end: String,
    /// Whose calendar the meeting is in.
    pub organizer: String,
    /// Who linked the record to it.
    pub saved_by: String,
    /// The Organizer, when someone else (their delegate) saved it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_behalf_of: Option<String>,
    pub saved_at: String,
    pub cancelled: bool,
}

/// `GET /api/crm/records/{id}/events`: newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RecordEvents {
    pub events: Vec<RecordEvent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[cfg(test)]
#[path = "records_tests.rs"]
mod tests;
