//! CRM records as the SQL reads them (search, links of an event).

use liaison_domain::api::{CrmRecord, RecordKind};

use crate::store::error::StoreError;

pub(super) const RECORD_COLUMNS: &str = "r.id, r.kind, r.name, r.email, r.company";

/// The records the viewer (`$2`) may see: their own, and those shared with them.
pub(super) const VISIBLE_TO_VIEWER: &str = "(r.owner_id = $2 OR EXISTS (SELECT 1 \
     FROM crm_record_shares s WHERE s.tenant_id = r.tenant_id AND s.record_id = r.id \
     AND s.user_id = $2))";

#[derive(sqlx::FromRow)]
pub(super) struct RecordRow {
    pub(super) id: String,
    pub(super) kind: String,
    pub(super) name: String,
    pub(super) email: Option<String>,
    pub(super) company: Option<String>,
}

impl TryFrom<RecordRow> for CrmRecord {
    type Error = StoreError;

    fn try_from(row: RecordRow) -> Result<Self, StoreError> {
        Ok(CrmRecord {
            kind: RecordKind::parse(&row.kind)
                .ok_or_else(|| StoreError::Setup(format!("unknown record kind {}", row.kind)))?,
            id: row.id,
            name: row.name,
            email: row.email,
            company: row.company,
        })
    }
}

pub(super) fn records(rows: Vec<RecordRow>) -> Result<Vec<CrmRecord>, StoreError> {
    rows.into_iter().map(CrmRecord::try_from).collect()
}
