-- CRM records become the API's (issue 27): each kind's fields, a version for optimistic
-- concurrency, who changed a record last and when, a soft delete an administrator can undo,
-- and the id a record has in another system (CSV imports match on it, per kind).
ALTER TABLE crm_records ADD COLUMN phone TEXT;
ALTER TABLE crm_records ADD COLUMN account_id TEXT;
ALTER TABLE crm_records ADD COLUMN domain TEXT;
ALTER TABLE crm_records ADD COLUMN stage TEXT;
ALTER TABLE crm_records ADD COLUMN amount_minor BIGINT;
ALTER TABLE crm_records ADD COLUMN currency TEXT;
ALTER TABLE crm_records ADD COLUMN close_date TEXT;
ALTER TABLE crm_records ADD COLUMN lead_status TEXT;
ALTER TABLE crm_records ADD COLUMN external_id TEXT;
ALTER TABLE crm_records ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE crm_records ADD COLUMN updated_at_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE crm_records ADD COLUMN updated_by_id TEXT;
ALTER TABLE crm_records ADD COLUMN deleted_at_ms BIGINT;
UPDATE crm_records SET updated_at_ms = created_at_ms, updated_by_id = owner_id;

-- Not led by tenant_id (migration 0005: foreign-key checks must only find the primary key).
CREATE UNIQUE INDEX crm_records_by_external_id ON crm_records (external_id, kind, tenant_id)
    WHERE external_id IS NOT NULL;

-- Every address of a record (a contact has several), the first its main one (`email`):
-- attendees are matched to records by address.
CREATE TABLE crm_record_emails (
    tenant_id TEXT NOT NULL,
    record_id TEXT NOT NULL,
    email TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, record_id, email),
    FOREIGN KEY (tenant_id, record_id) REFERENCES crm_records (tenant_id, id)
);
CREATE INDEX crm_record_emails_by_email ON crm_record_emails (email, tenant_id);
INSERT INTO crm_record_emails (tenant_id, record_id, email, position)
    SELECT tenant_id, id, lower(email), 0 FROM crm_records WHERE email IS NOT NULL AND email <> '';
