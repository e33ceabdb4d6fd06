//! `POST /api/admin/crm/import` (a CSV file of one kind of record, streamed; a dry run writes
//! nothing) and `GET /api/admin/crm/export` (the tenant's records as CSV, streamed), for
//! administrators — from the API or the console.

use std::collections::HashMap;

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use futures::{StreamExt, TryStreamExt};
use liaison_domain::api::{ErrorCode, ImportReport, RecordKind};
use serde::Deserialize;

use crate::crm_records::ImportOptions;
use crate::http::console::AdminCaller;
use crate::http::error::{ApiError, Result};
use crate::http::extract::AppQuery;
use crate::state::AppState;

/// The largest file an import reads: 100,000 rows of a few hundred bytes fit several times.
pub const MAX_IMPORT_BYTES: u64 = 64 * 1024 * 1024;

fn invalid(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::BadRequest {
        code: ErrorCode::InvalidValue,
        message: message.into(),
        field: Some(field.to_owned()),
    }
}

fn kind_of(text: Option<&str>) -> Result<Option<RecordKind>> {
    text.filter(|k| !k.is_empty())
        .map(|k| {
            RecordKind::parse(k)
                .ok_or_else(|| invalid("kind", "must be account, contact, lead or opportunity"))
        })
        .transpose()
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImportQuery {
    kind: Option<String>,
    dry_run: Option<String>,
    /// A JSON object: header → field name (`""` leaves the column out).
    mapping: Option<String>,
}

/// `POST /api/admin/crm/import?kind=&dryRun=&mapping=` with a `text/csv` body.
#[utoipa::path(
    post,
    path = "/admin/crm/import",
    tag = "admin",
    params(("kind" = String, Query, description = "account, contact, lead or opportunity"), ("dryRun" = Option<bool>, Query, description = "check every row, write nothing"), ("mapping" = Option<String>, Query, description = "JSON: header → field")),
    request_body(content = String, content_type = "text/csv", description = "a header line, then one record per line"),
    responses((status = 200, body = liaison_domain::api::ImportReport), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []), ("console" = []))
)]
pub async fn import_records(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    AppQuery(query): AppQuery<ImportQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<ImportReport>> {
    let kind = kind_of(query.kind.as_deref())?
        .ok_or_else(|| invalid("kind", "required: account, contact, lead or opportunity"))?;
    let dry_run = match query.dry_run.as_deref() {
        None | Some("" | "false") => false,
        Some("true") => true,
        Some(_) => return Err(invalid("dryRun", "true or false")),
    };
    let mapping: HashMap<String, String> = match query.mapping.as_deref() {
        None | Some("") => HashMap::new(),
        Some(json) => serde_json::from_str(json).map_err(|_| {
            invalid(
                "mapping",
                "a JSON object from a column's header to a field, e.g. {\"Full Name\":\"name\"}",
            )
        })?,
    };
    let is_csv = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().to_ascii_lowercase().starts_with("text/csv"));
    if !is_csv {
        return Err(invalid("Content-Type", "send the file as text/csv"));
    }
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let too_large = ApiError::BodyTooLarge {
        limit: MAX_IMPORT_BYTES as usize,
    };
    if declared.is_some_and(|n| n > MAX_IMPORT_BYTES) {
        // Refused before a row is read, so nothing is written.
        return Err(too_large);
    }
    // Past the limit without a declared length, the reading stops (the batches before stay).
    let mut read = 0u64;
    let stream = body
        .into_data_stream()
        .map_err(std::io::Error::other)
        .map(move |chunk| {
            let chunk = chunk?;
            read += chunk.len() as u64;
            if read > MAX_IMPORT_BYTES {
                return Err(std::io::Error::other("the file is larger than 64 MiB"));
            }
            Ok(chunk)
        });
    let reader = tokio_util::io::StreamReader::new(stream);
    let options = ImportOptions {
        kind: Some(kind),
        dry_run,
        mapping,
    };
    let report = state.records.import(&caller.user, &options, reader).await?;
    Ok(Json(report))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExportQuery {
    kind: Option<String>,
}

/// `GET /api/admin/crm/export?kind=`: a CSV download of the tenant's live records.
#[utoipa::path(
    get,
    path = "/admin/crm/export",
    tag = "admin",
    params(("kind" = Option<String>, Query, description = "account, contact, lead or opportunity; all when absent")),
    responses((status = 200, description = "text/csv: every live record", content_type = "text/csv"), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []), ("console" = []))
)]
pub async fn export_records(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    AppQuery(query): AppQuery<ExportQuery>,
) -> Result<Response> {
    let kind = kind_of(query.kind.as_deref())?;
    let stream = state.records.export(caller.tenant_id(), kind).map(|chunk| {
        chunk.map_err(|error| {
            // The answer has begun: a failure can only cut it short (and is logged once).
            tracing::warn!(%error, "a records export stopped");
            std::io::Error::other("the record store failed during the export")
        })
    });
    let day = crate::clock::to_rfc3339(crate::clock::now_ms());
    let filename = format!(
        "liaison-{}-{}.csv",
        kind.map_or("records", RecordKind::as_str),
        &day[..10]
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}
