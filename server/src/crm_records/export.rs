//! The change feed's pages, and CSV export of the tenant's live records (of one kind, or all), streamed a page of 1,000 at
//! a time; its columns import back (`import.rs` reads them by the same names, and takes off
//! the `'` that defuses formula-like cells).

use std::sync::Arc;

use futures::Stream;
use liaison_domain::api::{ChangeLine, ChangePage, LeadStatus, OpportunityStage, RecordKind};

use crate::csv_text::field;
use crate::store::{ChangeFeed, RecordStore, StoreError, StoredRecord, TenantId};

const PAGE: u32 = 1000;

const HEADER: &str = "id,kind,externalId,name,emails,phone,accountId,domain,company,stage,\
amount,currency,closeDate,status,owner,version,updatedAt\r\n";

fn row(record: &StoredRecord) -> String {
    let f = &record.fields;
    let cells = [
        record.id.clone(),
        f.kind.as_str().to_owned(),
        f.external_id.clone().unwrap_or_default(),
        f.name.clone(),
        f.emails.join(";"),
        f.phone.clone().unwrap_or_default(),
        f.account_id.clone().unwrap_or_default(),
        f.domain.clone().unwrap_or_default(),
        f.company.clone().unwrap_or_default(),
        f.stage
            .map(OpportunityStage::as_str)
            .unwrap_or_default()
            .to_owned(),
        f.amount_text().unwrap_or_default(),
        f.currency.clone().unwrap_or_default(),
        f.close_date.clone().unwrap_or_default(),
        f.status
            .map(LeadStatus::as_str)
            .unwrap_or_default()
            .to_owned(),
        record.owner_mailbox.clone(),
        record.version.to_string(),
        crate::clock::to_rfc3339(record.updated_at_ms),
    ];
    let mut line = cells.iter().map(|c| field(c)).collect::<Vec<_>>().join(",");
    line.push_str("\r\n");
    line
}

/// Changes per page of the feed, at most.
pub const MAX_CHANGES: u32 = 1000;

/// The tenant's changes after `after` (0: from the start), at most `limit`.
pub async fn change_page(
    feed: &dyn ChangeFeed,
    tenant_id: &TenantId,
    after: i64,
    limit: u32,
) -> Result<ChangePage, StoreError> {
    let changes = feed.changes_after(tenant_id, after, limit).await?;
    let cursor = changes.last().map_or(after, |c| c.seq).to_string();
    Ok(ChangePage {
        changes: changes
            .into_iter()
            .map(|c| ChangeLine {
                cursor: c.seq.to_string(),
                at: crate::clock::to_rfc3339(c.at_ms),
                entity: c.entity.as_str().to_owned(),
                id: c.entity_id,
                change: c.change.as_str().to_owned(),
                version: c.version,
            })
            .collect(),
        cursor,
    })
}

/// The export as chunks of CSV text: the header, then a page of records per chunk.
pub fn export(
    store: Arc<dyn RecordStore>,
    tenant_id: TenantId,
    kind: Option<RecordKind>,
) -> impl Stream<Item = Result<String, StoreError>> + Send + 'static {
    struct Cursor {
        after: Option<String>,
        first: bool,
        done: bool,
    }
    let start = Cursor {
        after: None,
        first: true,
        done: false,
    };
    futures::stream::try_unfold(start, move |cursor| {
        let store = store.clone();
        let tenant_id = tenant_id.clone();
        async move {
            if cursor.done {
                return Ok(None);
            }
            let page = store
                .export_records(&tenant_id, kind, cursor.after.as_deref(), PAGE)
                .await?;
            let mut chunk = if cursor.first {
                HEADER.to_owned()
            } else {
                String::new()
            };
            for record in &page {
                chunk.push_str(&row(record));
            }
            let next = Cursor {
                after: page.last().map(|r| r.id.clone()).or(cursor.after),
                first: false,
                done: page.len() < PAGE as usize,
            };
            Ok(Some((chunk, next)))
        }
    })
}
