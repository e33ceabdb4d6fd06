//! The audit log for the administrators' console: filtered and paged, or exported whole as CSV
//! or JSON lines — streamed a page at a time, so a log of any length exports in the memory of
//! one page.

use std::sync::Arc;

use futures::Stream;
use liaison_domain::api::{AuditLine, AuditPage};

use super::settings::Invalid;
use crate::clock::{from_rfc3339, to_rfc3339};
use crate::store::{AuditFilter, AuditLog, AuditView, StoreError, TenantId};

/// Lines per page at most, shown or exported.
pub const MAX_PAGE: u32 = 500;
/// Lines per read while exporting.
const EXPORT_PAGE: u32 = 1000;

/// What a request asks of the log, as sent (every field optional).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuditRequest {
    pub actor: Option<String>,
    pub on_behalf_of: Option<String>,
    pub action: Option<String>,
    pub target: Option<String>,
    /// `allowed` or `refused`.
    pub outcome: Option<String>,
    /// RFC 3339, inclusive.
    pub from: Option<String>,
    /// RFC 3339, exclusive.
    pub to: Option<String>,
    /// A line's id from `nextBefore`: older lines only.
    pub before: Option<String>,
    pub limit: Option<u32>,
    /// `json` (a page, the default), `csv` or `jsonl` (the whole log the filters keep).
    pub format: Option<String>,
}

/// How the answer is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Page,
    Csv,
    JsonLines,
}

/// A request checked: the filter, where to start, how many, how written.
#[derive(Debug, Clone)]
pub struct Checked {
    pub filter: AuditFilter,
    pub before_id: Option<i64>,
    pub limit: u32,
    pub format: Format,
}

impl AuditRequest {
    /// The request, if every field is one the log can be read by; else the first that is not.
    pub fn check(self) -> Result<Checked, Invalid> {
        let instant = |value: Option<String>, field: &'static str| match value {
            None => Ok(None),
            Some(text) => from_rfc3339(&text).map(Some).ok_or(Invalid {
                field,
                expected: "an RFC 3339 instant, e.g. 2026-12-01T00:00:00Z",
            }),
        };
        let allowed = match self.outcome.as_deref() {
            None => None,
            Some("allowed") => Some(true),
            Some("refused") => Some(false),
            Some(_) => {
                return Err(Invalid {
                    field: "outcome",
                    expected: "allowed or refused",
                });
            }
        };
        let format = match self.format.as_deref() {
            None | Some("json") => Format::Page,
            Some("csv") => Format::Csv,
            Some("jsonl") => Format::JsonLines,
            Some(_) => {
                return Err(Invalid {
                    field: "format",
                    expected: "json, csv or jsonl",
                });
            }
        };
        let before_id = match self.before {
            None => None,
            Some(text) => Some(text.parse::<i64>().map_err(|_| Invalid {
                field: "before",
                expected: "the nextBefore of an earlier page",
            })?),
        };
        let non_empty = |value: Option<String>| value.filter(|v| !v.trim().is_empty());
        Ok(Checked {
            filter: AuditFilter {
                actor: non_empty(self.actor),
                on_behalf_of: non_empty(self.on_behalf_of),
                action: non_empty(self.action),
                target: non_empty(self.target),
                allowed,
                from_ms: instant(self.from, "from")?,
                until_ms: instant(self.to, "to")?,
            },
            before_id,
            limit: self.limit.unwrap_or(100).clamp(1, MAX_PAGE),
            format,
        })
    }
}

/// One page of lines.
pub async fn page(
    audit: &dyn AuditLog,
    tenant_id: &TenantId,
    checked: &Checked,
) -> Result<AuditPage, StoreError> {
    let mut views = audit
        .audit_lines(
            tenant_id,
            &checked.filter,
            checked.before_id,
            checked.limit + 1,
        )
        .await?;
    let more = views.len() > checked.limit as usize;
    views.truncate(checked.limit as usize);
    let next_before = more
        .then(|| views.last().map(|v| v.id.to_string()))
        .flatten();
    Ok(AuditPage {
        lines: views.into_iter().map(line).collect(),
        next_before,
    })
}

/// Every line the filter keeps (older than `before_id`, when given), newest first, written in
/// `format` (CSV with its header row), a chunk per page read.
pub fn export(
    audit: Arc<dyn AuditLog>,
    tenant_id: TenantId,
    filter: AuditFilter,
    before_id: Option<i64>,
    format: Format,
) -> impl Stream<Item = Result<String, StoreError>> + Send + 'static {
    struct Cursor {
        before_id: Option<i64>,
        first: bool,
        done: bool,
    }
    let start = Cursor {
        before_id,
        first: true,
        done: false,
    };
    futures::stream::try_unfold(start, move |cursor| {
        let audit = audit.clone();
        let tenant_id = tenant_id.clone();
        let filter = filter.clone();
        async move {
            if cursor.done {
                return Ok(None);
            }
            let views = audit
                .audit_lines(&tenant_id, &filter, cursor.before_id, EXPORT_PAGE)
                .await?;
            let mut chunk = String::new();
            if cursor.first && format == Format::Csv {
                chunk.push_str(CSV_HEADER);
            }
            let next = Cursor {
                before_id: views.last().map(|v| v.id).or(cursor.before_id),
                first: false,
                done: views.len() < EXPORT_PAGE as usize,
            };
            for view in views {
                match format {
                    Format::Csv => chunk.push_str(&csv_row(&line(view))),
                    _ => {
                        chunk.push_str(&serde_json::to_string(&line(view)).unwrap_or_default());
                        chunk.push('\n');
                    }
                }
            }
            Ok(Some((chunk, next)))
        }
    })
}

/// A line as the API shows it: people by mailbox where Liaison knows them, else by id.
fn line(view: AuditView) -> AuditLine {
    AuditLine {
        at: to_rfc3339(view.at_ms),
        actor: view
            .actor_mailbox
            .unwrap_or_else(|| view.actor_id.to_string()),
        on_behalf_of: view
            .on_behalf_of_id
            .map(|id| view.on_behalf_of_mailbox.unwrap_or_else(|| id.to_string())),
        action: view.action,
        target: view.target,
        allowed: view.outcome == "allowed",
        reason: view.reason,
        detail: view.detail,
    }
}

const CSV_HEADER: &str = "at,actor,on_behalf_of,action,target,outcome,reason,detail\r\n";

/// One CSV row (RFC 4180: CRLF, fields with a comma, quote or line break quoted, quotes
/// doubled). A field a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first)
/// is written with a leading `'` (OWASP, CSV injection): a target or detail can hold text
/// people typed.
fn csv_row(line: &AuditLine) -> String {
    let outcome = if line.allowed { "allowed" } else { "refused" };
    let fields = [
        line.at.as_str(),
        &line.actor,
        line.on_behalf_of.as_deref().unwrap_or(""),
        &line.action,
        &line.target,
        outcome,
        line.reason.as_deref().unwrap_or(""),
        line.detail.as_deref().unwrap_or(""),
    ];
    let mut row = fields.map(crate::csv_text::field).join(",");
    row.push_str("\r\n");
    row
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csv_text::field as csv_field;

    #[test]
    fn csv_fields_are_quoted_as_rfc_4180_says_and_formulas_are_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("-1"), "'-1");
        assert_eq!(csv_field("@sum"), "'@sum");
    }

    #[test]
    fn a_request_with_a_field_the_log_cannot_be_read_by_names_it() {
        let cases = [
            (
                AuditRequest {
                    outcome: Some("maybe".into()),
                    ..Default::default()
                },
                "outcome",
            ),
            (
                AuditRequest {
                    from: Some("yesterday".into()),
                    ..Default::default()
                },
                "from",
            ),
            (
                AuditRequest {
                    to: Some("2026-13-01T00:00:00Z".into()),
                    ..Default::default()
                },
                "to",
            ),
            (
                AuditRequest {
                    before: Some("abc".into()),
                    ..Default::default()
                },
                "before",
            ),
            (
                AuditRequest {
                    format: Some("xml".into()),
                    ..Default::default()
                },
                "format",
            ),
        ];
        for (request, field) in cases {
            assert_eq!(request.check().map(|_| ()).map_err(|e| e.field), Err(field));
        }
        let checked = AuditRequest {
            actor: Some("  ".into()),
            outcome: Some("refused".into()),
            from: Some("2026-12-01T00:00:00Z".into()),
            limit: Some(100_000),
            format: Some("csv".into()),
            ..Default::default()
        }
        .check()
        .unwrap();
        assert_eq!(checked.filter.actor, None);
        assert_eq!(checked.filter.allowed, Some(false));
        assert_eq!(checked.filter.from_ms, Some(1_796_083_200_000));
        assert_eq!((checked.limit, checked.format), (MAX_PAGE, Format::Csv));
    }
}
