-- Liaison's record store, SQLite. Instants are UTC milliseconds since the Unix epoch (`*_ms`).
-- Every row belongs to a tenant and every key starts with the tenant id.

CREATE TABLE tenants (
    id TEXT PRIMARY KEY,                       -- directory (Entra ID) tenant id, `tid`
    name TEXT NOT NULL,
    crm_category_name TEXT NOT NULL DEFAULT 'CRM',
    crm_category_color TEXT NOT NULL DEFAULT 'Preset7',   -- Office CategoryColor; Preset7 is blue
    insta_sync BOOLEAN NOT NULL DEFAULT TRUE,
    sync_interval_minutes INTEGER NOT NULL DEFAULT 15 CHECK (sync_interval_minutes BETWEEN 1 AND 1440),
    created_at_ms BIGINT NOT NULL
);

CREATE TABLE users (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,                          -- directory object id, `oid`
    mailbox TEXT NOT NULL,                     -- lower-case SMTP address, for display and look-up
    display_name TEXT NOT NULL,
    sync_enabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at_ms BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, mailbox)
);

-- Outlook delegate access as the server verified it (Graph calendarPermissions, EWS, an admin).
CREATE TABLE calendar_delegations (
    tenant_id TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    delegate_id TEXT NOT NULL,
    calendar_bits INTEGER NOT NULL CHECK (calendar_bits BETWEEN 0 AND 63),  -- Office DelegatePermissions
    can_view_private BOOLEAN NOT NULL DEFAULT FALSE,
    send_on_behalf BOOLEAN NOT NULL DEFAULT FALSE,
    verified_at_ms BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, owner_id, delegate_id),
    FOREIGN KEY (tenant_id, owner_id) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, delegate_id) REFERENCES users (tenant_id, id)
);

CREATE TABLE crm_records (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('account', 'contact', 'lead', 'opportunity')),
    name TEXT NOT NULL,
    email TEXT,
    company TEXT,
    owner_id TEXT NOT NULL,
    search_text TEXT NOT NULL,                 -- ' ' + the lower-case words of name, email, company
    created_at_ms BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, owner_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX crm_records_by_name ON crm_records (tenant_id, name, id);

CREATE TABLE crm_record_shares (
    tenant_id TEXT NOT NULL,
    record_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    access TEXT NOT NULL CHECK (access IN ('view', 'edit')),
    PRIMARY KEY (tenant_id, record_id, user_id),
    FOREIGN KEY (tenant_id, record_id) REFERENCES crm_records (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX crm_record_shares_by_user ON crm_record_shares (tenant_id, user_id);

-- An Organizer lets a Delegate see or edit the events of their CRM calendar.
CREATE TABLE crm_calendar_shares (
    tenant_id TEXT NOT NULL,
    organizer_id TEXT NOT NULL,
    delegate_id TEXT NOT NULL,
    access TEXT NOT NULL CHECK (access IN ('view', 'edit')),
    PRIMARY KEY (tenant_id, organizer_id, delegate_id),
    FOREIGN KEY (tenant_id, organizer_id) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, delegate_id) REFERENCES users (tenant_id, id)
);

-- One CRM event per meeting: the Organizer's mailbox and the meeting's iCalUId.
CREATE TABLE crm_events (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    organizer_id TEXT NOT NULL,
    ical_uid TEXT NOT NULL,
    subject TEXT NOT NULL,
    starts_at_ms BIGINT,                       -- timed events: UTC instants
    ends_at_ms BIGINT,
    start_date TEXT,                           -- all-day events: dates (YYYY-MM-DD)
    end_date TEXT,
    time_zone TEXT NOT NULL,                   -- the event's original time zone
    location TEXT NOT NULL DEFAULT '',
    is_private BOOLEAN NOT NULL DEFAULT FALSE,
    cancelled_at_ms BIGINT,
    created_by_id TEXT NOT NULL,
    modified_by_id TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, organizer_id, ical_uid),
    FOREIGN KEY (tenant_id, organizer_id) REFERENCES users (tenant_id, id)
);

CREATE TABLE crm_event_records (
    tenant_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    record_id TEXT NOT NULL,
    linked_by_id TEXT NOT NULL,
    linked_at_ms BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, event_id, record_id),
    FOREIGN KEY (tenant_id, event_id) REFERENCES crm_events (tenant_id, id),
    FOREIGN KEY (tenant_id, record_id) REFERENCES crm_records (tenant_id, id)
);

-- Graph event ids differ per mailbox (the Organizer's copy, each attendee's): all lead to one event.
CREATE TABLE graph_event_links (
    tenant_id TEXT NOT NULL,
    mailbox_id TEXT NOT NULL,
    graph_event_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    PRIMARY KEY (tenant_id, mailbox_id, graph_event_id),
    FOREIGN KEY (tenant_id, event_id) REFERENCES crm_events (tenant_id, id)
);

CREATE TABLE item_sync_status (
    tenant_id TEXT NOT NULL,
    organizer_id TEXT NOT NULL,
    ical_uid TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'synced', 'failed')),
    synced_at_ms BIGINT,
    error_code TEXT,
    error_message TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    updated_at_ms BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, organizer_id, ical_uid)
);

-- Saves accepted while insta-sync is off: the next sync session writes them (transactional outbox).
CREATE TABLE save_outbox (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    organizer_id TEXT NOT NULL,
    ical_uid TEXT NOT NULL,
    requested_by_id TEXT NOT NULL,
    payload TEXT NOT NULL,                     -- the save, as JSON
    created_at_ms BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

-- Append-only: who did what, on whose behalf, with which outcome.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms BIGINT NOT NULL,
    tenant_id TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    on_behalf_of_id TEXT,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('allowed', 'refused')),
    reason TEXT,
    detail TEXT
);
CREATE INDEX audit_log_by_tenant ON audit_log (tenant_id, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

-- The first answer to a save under an Idempotency-Key, replayed for the same key and body.
CREATE TABLE idempotency_keys (
    tenant_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER NOT NULL,
    response TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, user_id, key)
);
