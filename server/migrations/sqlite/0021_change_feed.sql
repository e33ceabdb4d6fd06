-- The CRM's change feed (issue 27): every record and CRM event created, updated or deleted, in
-- commit order (SQLite has one writer at a time), for `GET /api/crm/changes?after=`. A change
-- names what changed; the reader reads it (a mirror converges, as with Graph's change
-- notifications without resource data).
CREATE TABLE crm_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    entity TEXT NOT NULL CHECK (entity IN ('record', 'event')),
    entity_id TEXT NOT NULL,
    change TEXT NOT NULL CHECK (change IN ('created', 'updated', 'deleted')),
    version BIGINT
);
CREATE INDEX crm_changes_by_tenant ON crm_changes (tenant_id, seq);
