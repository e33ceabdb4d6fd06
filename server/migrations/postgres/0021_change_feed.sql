-- The CRM's change feed (issue 27): every record and CRM event created, updated or deleted, in
-- commit order for `GET /api/crm/changes?after=`. A sequence is not commit order by itself (a
-- later number can commit first): a transaction appends its changes last, under its tenant's
-- advisory lock held to its commit (`sql/changes.rs`), so within a tenant numbers are taken in
-- commit order. A change names what changed; the reader reads it.
CREATE TABLE crm_changes (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    entity TEXT NOT NULL CHECK (entity IN ('record', 'event')),
    entity_id TEXT NOT NULL,
    change TEXT NOT NULL CHECK (change IN ('created', 'updated', 'deleted')),
    version BIGINT
);
CREATE INDEX crm_changes_by_tenant ON crm_changes (tenant_id, seq);
