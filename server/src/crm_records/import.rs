//! CSV import of one kind of record, streamed: rows are read as they arrive and written 500 at
//! a time, each batch in one transaction with its audit line, so memory holds a batch, not the
//! file. A row is a create, or — when its external id names a record of the kind already — a
//! `PATCH` of that record: the same rules (`RecordInput::apply`) as the API's. A dry run reads
//! and checks everything and writes nothing.

use std::collections::{HashMap, HashSet};

use futures::StreamExt;
use liaison_domain::api::{
    ImportColumn, ImportLineError, ImportReport, LeadStatus, OpportunityStage, RecordFields,
    RecordInput, RecordKind,
};
use tokio::io::AsyncRead;

use super::error::RecordError;
use super::service::Records;
use crate::store::{AuditAction, AuditEntry, ImportWrite, StoreError, StoredRecord, User};

/// Rows per transaction.
const BATCH: usize = 500;
/// Reasons kept in the report.
const MAX_ERRORS: usize = 1000;

/// The record fields a column can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Column {
    /// Liaison's own id (an export's first column): the row changes that record.
    Id,
    Name,
    Emails,
    Phone,
    AccountId,
    Domain,
    Company,
    Stage,
    Amount,
    Currency,
    CloseDate,
    Status,
    ExternalId,
}

liaison_domain::wire_names!(Column {
    Id => "id",
    Name => "name",
    Emails => "emails",
    Phone => "phone",
    AccountId => "accountId",
    Domain => "domain",
    Company => "company",
    Stage => "stage",
    Amount => "amount",
    Currency => "currency",
    CloseDate => "closeDate",
    Status => "status",
    ExternalId => "externalId",
});

/// The field a header names by itself: its letters and digits, lower-case, against each
/// field's usual names (so `E-mail`, `Email Address` and `emails` are all addresses).
fn column_of(header: &str) -> Option<Column> {
    let key: String = header
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_lowercase();
    Some(match key.as_str() {
        "id" => Column::Id,
        "name" | "fullname" | "accountname" | "opportunityname" => Column::Name,
        "email" | "emails" | "emailaddress" | "emailaddresses" | "mail" => Column::Emails,
        "phone" | "phonenumber" | "telephone" | "mobile" => Column::Phone,
        "accountid" => Column::AccountId,
        "domain" | "website" => Column::Domain,
        "company" | "companyname" | "organization" | "organisation" => Column::Company,
        "stage" => Column::Stage,
        "amount" => Column::Amount,
        "currency" => Column::Currency,
        "closedate" => Column::CloseDate,
        "status" | "leadstatus" => Column::Status,
        "externalid" => Column::ExternalId,
        _ => return None,
    })
}

/// What to import: the kind, whether to write, and headers mapped by hand (over the
/// automatic mapping; a field name, or `""` to leave a column out).
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub kind: Option<RecordKind>,
    pub dry_run: bool,
    pub mapping: HashMap<String, String>,
}

/// The file's columns: for each position, the field it fills; as the report shows them; the
/// headers no field takes.
struct Columns {
    at: Vec<Option<Column>>,
    shown: Vec<ImportColumn>,
    ignored: Vec<String>,
}

/// The file's columns, from its header line and the mapping given.
fn map_columns(
    headers: &csv_async::StringRecord,
    options: &ImportOptions,
) -> Result<Columns, RecordError> {
    let mut used = HashSet::new();
    let mut columns = Vec::new();
    let mut shown = Vec::new();
    let mut ignored = Vec::new();
    for header in headers.iter() {
        let header = header.trim().trim_start_matches('\u{feff}');
        let column = match options.mapping.get(header) {
            Some(field) if field.is_empty() => None,
            Some(field) => Some(Column::parse(field).ok_or_else(|| {
                RecordError::invalid(
                    "mapping",
                    &format!("{field:?} (for column {header:?}) is not a record field"),
                )
            })?),
            None => column_of(header),
        };
        let column = column.filter(|c| used.insert(*c));
        match column {
            Some(c) => shown.push(ImportColumn {
                header: header.to_owned(),
                field: c.as_str().to_owned(),
            }),
            None => ignored.push(header.to_owned()),
        }
        columns.push(column);
    }
    if !used.contains(&Column::Name) {
        return Err(RecordError::invalid(
            "mapping",
            "no column gives the records' names: name one `name`, or map it",
        ));
    }
    for header in options.mapping.keys() {
        if !headers.iter().any(|h| h.trim() == header) {
            return Err(RecordError::invalid(
                "mapping",
                &format!("the file has no column {header:?}"),
            ));
        }
    }
    Ok(Columns {
        at: columns,
        shown,
        ignored,
    })
}

/// A row: the Liaison id it names, if any, and a write of the API (each mapped cell set; an
/// empty one clears, as in `PATCH`).
fn input_of(
    kind: RecordKind,
    columns: &[Option<Column>],
    row: &csv_async::StringRecord,
) -> Result<(Option<String>, RecordInput), (String, String)> {
    let mut id = None;
    let mut input = RecordInput {
        kind: Some(kind),
        ..RecordInput::default()
    };
    for (n, column) in columns.iter().enumerate() {
        let Some(column) = column else { continue };
        let cell = crate::csv_text::read(row.get(n).unwrap_or("").trim()).to_owned();
        let invalid = |message: &str| (column.as_str().to_owned(), message.to_owned());
        match column {
            Column::Id => id = Some(cell).filter(|c| !c.is_empty()),
            Column::Name => input.name = Some(cell),
            Column::Emails => {
                input.emails = Some(
                    cell.split([';', ','])
                        .map(str::trim)
                        .filter(|a| !a.is_empty())
                        .map(str::to_owned)
                        .collect(),
                )
            }
            Column::Phone => input.phone = Some(cell),
            Column::AccountId => input.account_id = Some(cell),
            Column::Domain => input.domain = Some(cell),
            Column::Company => input.company = Some(cell),
            Column::Amount => input.amount = Some(cell),
            Column::Currency => input.currency = Some(cell),
            Column::CloseDate => input.close_date = Some(cell),
            Column::ExternalId => input.external_id = Some(cell),
            Column::Stage if cell.is_empty() => {}
            Column::Stage => {
                input.stage = Some(
                    OpportunityStage::ALL
                        .into_iter()
                        .find(|s| s.as_str().eq_ignore_ascii_case(&cell.replace(' ', "")))
                        .ok_or_else(|| invalid("not a stage (prospecting … closedLost)"))?,
                )
            }
            Column::Status if cell.is_empty() => {}
            Column::Status => {
                input.status = Some(
                    LeadStatus::ALL
                        .into_iter()
                        .find(|s| s.as_str().eq_ignore_ascii_case(&cell))
                        .ok_or_else(|| invalid("not a lead status (new … disqualified)"))?,
                )
            }
        }
    }
    Ok((id, input))
}

/// The running import: its counts and the batch being gathered.
struct Run<'a> {
    records: &'a Records,
    admin: &'a User,
    kind: RecordKind,
    dry_run: bool,
    report: ImportReport,
    /// (line, Liaison id, input) of the rows read since the last batch.
    pending: Vec<(u64, Option<String>, RecordInput)>,
    /// A dry run's new external ids: a later row naming one counts as an update.
    dry_created: HashSet<String>,
    /// The previous batch's write, running while the next batch's rows are read; settled
    /// before the next batch looks up the records it names (so it sees the previous batch's).
    writing: Option<tokio::task::JoinHandle<Result<usize, StoreError>>>,
}

impl Run<'_> {
    fn reject(&mut self, line: u64, field: String, message: String) {
        self.report.rejected += 1;
        if self.report.errors.len() < MAX_ERRORS {
            self.report.errors.push(ImportLineError {
                line,
                field,
                message,
            });
        }
    }

    /// Checks and writes (unless a dry run) the rows gathered.
    async fn flush(&mut self) -> Result<(), RecordError> {
        let rows = std::mem::take(&mut self.pending);
        if rows.is_empty() {
            return Ok(());
        }
        self.settle().await?;
        let tenant = &self.admin.tenant_id;
        let (by_id, by_external) = self.existing(&rows).await?;
        // The batch's writes, by the record they name (a repeat merges into the earlier one).
        let mut writes: Vec<(u64, ImportWrite)> = Vec::new();
        let mut named: HashMap<String, usize> = HashMap::new();
        for (line, id, input) in rows {
            let external = input
                .external_id
                .as_deref()
                .map(str::trim)
                .filter(|e| !e.is_empty());
            let key = match (&id, external) {
                (Some(id), _) => Some(format!("id {id}")),
                (None, Some(external)) => Some(format!("external {external}")),
                (None, None) => None,
            };
            let earlier = key.as_ref().and_then(|k| named.get(k).copied());
            let stored = match (&id, external) {
                (Some(id), _) => match by_id.get(id) {
                    Some(record) => Some(record),
                    None => {
                        self.reject(
                            line,
                            "id".into(),
                            format!(
                                "no {} with this id (a new record gets its id from Liaison: leave the cell empty)",
                                self.kind
                            ),
                        );
                        continue;
                    }
                },
                (None, Some(external)) => by_external.get(external),
                (None, None) => None,
            };
            let (base, record_id, was_there, owner_id) = match (earlier, stored) {
                (Some(at), _) => {
                    let (_, write) = &writes[at];
                    (
                        write.fields.clone(),
                        write.id.clone(),
                        write.existing,
                        write.owner_id.clone(),
                    )
                }
                (None, Some(record)) if record.deleted => {
                    self.reject(
                        line,
                        if id.is_some() { "id" } else { "externalId" }.into(),
                        "this record is deleted: an administrator restores it first".into(),
                    );
                    continue;
                }
                (None, Some(record)) => (
                    record.fields.clone(),
                    record.id.clone(),
                    true,
                    record.owner_id.clone(),
                ),
                (None, None) => (
                    RecordFields::empty(self.kind),
                    uuid::Uuid::now_v7().to_string(),
                    false,
                    self.admin.id.clone(),
                ),
            };
            let creating = earlier.is_none() && !was_there;
            let fields = match input.apply(&base, creating) {
                Ok(fields) => fields,
                Err(error) => {
                    self.reject(line, error.field, error.message);
                    continue;
                }
            };
            let write = ImportWrite {
                id: record_id,
                fields,
                existing: was_there,
                owner_id,
            };
            match earlier {
                Some(at) => writes[at] = (line, write),
                None => {
                    if let Some(key) = key {
                        named.insert(key, writes.len());
                    }
                    writes.push((line, write));
                }
            }
        }
        self.check_accounts(&mut writes).await?;
        for (_, write) in &writes {
            let dry_repeat = self.dry_run
                && write
                    .fields
                    .external_id
                    .as_ref()
                    .is_some_and(|e| !self.dry_created.insert(e.clone()));
            if write.existing || dry_repeat {
                self.report.updated += 1;
            } else {
                self.report.created += 1;
            }
        }
        if self.dry_run || writes.is_empty() {
            return Ok(());
        }
        let (first, last) = (writes[0].0, writes[writes.len() - 1].0);
        let batch: Vec<ImportWrite> = writes.into_iter().map(|(_, w)| w).collect();
        let audit = AuditEntry {
            detail: Some(format!(
                "lines {first}–{last}: {} records of kind {}",
                batch.len(),
                self.kind
            )),
            ..AuditEntry::allowed(
                tenant,
                &self.admin.id,
                AuditAction::CrmRecordImport,
                self.kind.as_str(),
            )
        };
        let store = self.records.records.clone();
        let (tenant, admin) = (tenant.clone(), self.admin.id.clone());
        self.writing = Some(tokio::spawn(async move {
            store
                .import_records(&tenant, &admin, &batch, &audit)
                .await
                .map(|()| batch.len())
        }));
        Ok(())
    }

    /// Waits for the batch being written, if any.
    async fn settle(&mut self) -> Result<(), RecordError> {
        let Some(writing) = self.writing.take() else {
            return Ok(());
        };
        let written = writing.await.map_err(|error| {
            StoreError::Setup(format!("an import batch's write ended: {error}"))
        })??;
        // An import can multiply a table's size as it goes: the planner learns it
        // (`GrowthWatch`), or it plans the next batches' lookups as if the tables were empty.
        if self.records.growth.wrote(written as u64)
            && let Err(error) = self.records.maintenance.refresh_statistics().await
        {
            tracing::warn!(%error, "the store's statistics could not be refreshed");
        }
        Ok(())
    }

    /// The stored records the batch's rows name: by Liaison id, and by external id.
    async fn existing(
        &self,
        rows: &[(u64, Option<String>, RecordInput)],
    ) -> Result<(HashMap<String, StoredRecord>, HashMap<String, StoredRecord>), RecordError> {
        let tenant = &self.admin.tenant_id;
        let distinct = |values: Vec<String>| -> Vec<String> {
            values
                .into_iter()
                .collect::<HashSet<_>>()
                .into_iter()
                .collect()
        };
        let ids = distinct(rows.iter().filter_map(|(_, id, _)| id.clone()).collect());
        let externals = distinct(
            rows.iter()
                .filter_map(|(_, _, input)| input.external_id.as_deref())
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .map(str::to_owned)
                .collect(),
        );
        let store = &self.records.records;
        let by_id = store
            .records_by_ids(tenant, self.kind, &ids)
            .await?
            .into_iter()
            .map(|r| (r.id.clone(), r))
            .collect();
        let by_external = store
            .records_by_external_ids(tenant, self.kind, &externals)
            .await?
            .into_iter()
            .filter_map(|r| Some((r.fields.external_id.clone()?, r)))
            .collect();
        Ok((by_id, by_external))
    }

    /// Rejects the writes whose account is not a live account of the tenant.
    async fn check_accounts(
        &mut self,
        writes: &mut Vec<(u64, ImportWrite)>,
    ) -> Result<(), RecordError> {
        let wanted: Vec<String> = writes
            .iter()
            .filter_map(|(_, w)| w.fields.account_id.clone())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        if wanted.is_empty() {
            return Ok(());
        }
        let found = self
            .records
            .records
            .live_accounts(&self.admin.tenant_id, &wanted)
            .await?;
        let (keep, refused): (Vec<_>, Vec<_>) =
            std::mem::take(writes).into_iter().partition(|(_, w)| {
                w.fields
                    .account_id
                    .as_ref()
                    .is_none_or(|a| found.contains(a))
            });
        *writes = keep;
        for (line, _) in refused {
            self.reject(line, "accountId".into(), "no account with this id".into());
        }
        Ok(())
    }
}

/// Rows written past which an import ends with the store's statistics refreshed.
const LARGE_IMPORT: u64 = 2_000;

impl Records {
    /// Imports the CSV `body` as records of one kind, owned by the administrator who imports.
    pub async fn import(
        &self,
        admin: &User,
        options: &ImportOptions,
        body: impl AsyncRead + Unpin + Send,
    ) -> Result<ImportReport, RecordError> {
        let kind = options.kind.ok_or_else(|| {
            RecordError::invalid("kind", "required: account, contact, lead or opportunity")
        })?;
        let mut reader = csv_async::AsyncReaderBuilder::new()
            .flexible(true)
            .create_reader(body);
        let headers = reader
            .headers()
            .await
            .map_err(|e| RecordError::invalid("body", &format!("the header line: {e}")))?
            .clone();
        let Columns {
            at: columns,
            shown,
            ignored,
        } = map_columns(&headers, options)?;
        let mut run = Run {
            records: self,
            admin,
            kind,
            dry_run: options.dry_run,
            report: ImportReport {
                kind,
                dry_run: options.dry_run,
                rows: 0,
                created: 0,
                updated: 0,
                rejected: 0,
                columns: shown,
                ignored_columns: ignored,
                errors: Vec::new(),
            },
            pending: Vec::new(),
            dry_created: HashSet::new(),
            writing: None,
        };
        let mut rows = reader.records();
        let mut line = 1;
        while let Some(row) = rows.next().await {
            line += 1;
            run.report.rows += 1;
            let row = match row {
                Ok(row) => row,
                Err(error) if error.is_io_error() => {
                    return Err(RecordError::invalid(
                        "body",
                        &format!("the upload stopped at line {line}: {error}"),
                    ));
                }
                Err(error) => {
                    run.reject(line, "body".into(), format!("not a CSV row: {error}"));
                    continue;
                }
            };
            if row.iter().all(|cell| cell.trim().is_empty()) {
                run.report.rows -= 1;
                continue;
            }
            match input_of(kind, &columns, &row) {
                Ok((id, input)) => run.pending.push((line, id, input)),
                Err((field, message)) => run.reject(line, field, message),
            }
            if run.pending.len() >= BATCH {
                run.flush().await?;
            }
        }
        run.flush().await?;
        run.settle().await?;
        // A large import changed the tables a lot since their statistics were last refreshed
        // (at most half of them, `GrowthWatch`): the searches that follow are planned, and
        // read, on what is there now.
        let written = run.report.created + run.report.updated;
        if !options.dry_run
            && written >= LARGE_IMPORT
            && let Err(error) = self.maintenance.refresh_statistics().await
        {
            tracing::warn!(%error, "the store's statistics could not be refreshed");
        }
        Ok(run.report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_people_write_find_their_fields() {
        for (header, column) in [
            ("E-mail", Column::Emails),
            ("Email Address", Column::Emails),
            ("Full Name", Column::Name),
            ("External ID", Column::ExternalId),
            ("close_date", Column::CloseDate),
        ] {
            assert_eq!(column_of(header), Some(column), "{header}");
        }
        assert_eq!(column_of("Favourite colour"), None);
        // Every field can be named by its own wire name.
        for column in Column::ALL {
            assert_eq!(column_of(column.as_str()), Some(column));
        }
    }
}
