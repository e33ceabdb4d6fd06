//! `POST /api/admin/crm/import`: what a CSV import did, or (a dry run) would do; and
//! `GET /api/crm/changes`, the CRM's change feed.

use serde::{Deserialize, Serialize};

use super::items::RecordKind;

/// The report of an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    pub kind: RecordKind,
    /// Nothing was written: the counts say what an import would do.
    pub dry_run: bool,
    /// Data rows read (the header not counted).
    pub rows: u64,
    pub created: u64,
    /// Rows whose external id named a record already there: merged into it.
    pub updated: u64,
    pub rejected: u64,
    /// Each header and the field it fills; columns no field takes are in `ignoredColumns`.
    pub columns: Vec<ImportColumn>,
    pub ignored_columns: Vec<String>,
    /// The rejected rows' reasons, the first 1,000.
    pub errors: Vec<ImportLineError>,
}

/// A header of the file and the record field it fills.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ImportColumn {
    pub header: String,
    pub field: String,
}

/// Why one row was not imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ImportLineError {
    /// The line of the file (the header is line 1).
    pub line: u64,
    pub field: String,
    pub message: String,
}

/// One change of `GET /api/crm/changes`: what changed, how, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ChangeLine {
    /// Where this change stands in the feed: pass the last one read as `after` to go on.
    pub cursor: String,
    /// When it was committed (RFC 3339).
    pub at: String,
    /// `record` or `event`.
    pub entity: String,
    pub id: String,
    /// `created`, `updated` or `deleted`.
    pub change: String,
    /// The version it reached, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
}

/// A page of the change feed, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ChangePage {
    pub changes: Vec<ChangeLine>,
    /// The cursor to ask `after` next (the last change's, or the one given when there was
    /// nothing new).
    pub cursor: String,
}
