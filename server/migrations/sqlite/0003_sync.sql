-- Sync sessions: one job per Organizer (its Graph delta cursor, when it is next due, who holds
-- its lease), what each Graph item is to the CRM, and the category removals owed to Outlook.

CREATE TABLE sync_jobs (
    tenant_id TEXT NOT NULL,
    organizer_id TEXT NOT NULL,
    delta_link TEXT,                           -- the @odata.deltaLink of the last complete round
    window_start TEXT NOT NULL,                -- the calendarView window the link belongs to (UTC)
    window_end TEXT NOT NULL,
    category_id TEXT,                          -- the CRM category in the Organizer's master list
    category_name TEXT,                        -- its name there (followed when renamed)
    due_at_ms BIGINT NOT NULL,
    leased_by TEXT,                            -- the worker running the job…
    lease_until_ms BIGINT,                     -- …until then (an expired lease may be taken)
    runs BIGINT NOT NULL DEFAULT 0,
    last_finished_at_ms BIGINT,
    last_error_code TEXT,
    last_error_message TEXT,
    breaker_tripped_at_ms BIGINT,              -- set: sessions stop until an admin resumes them
    breaker_confirmed BOOLEAN NOT NULL DEFAULT FALSE,  -- resumed: the next session may cancel
    PRIMARY KEY (tenant_id, organizer_id),
    FOREIGN KEY (tenant_id, organizer_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX sync_jobs_due ON sync_jobs (due_at_ms);

-- Why a Graph item is synced: the CRM category (`via_category`) or a save from the sidebar.
-- `following` turns false when the category is removed: the CRM event stays, changes stop.
ALTER TABLE graph_event_links ADD COLUMN via_category BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE graph_event_links ADD COLUMN following BOOLEAN NOT NULL DEFAULT TRUE;

-- Recurring meetings: `singleInstance`, `occurrence`, `exception` or `seriesMaster`.
ALTER TABLE crm_events ADD COLUMN event_type TEXT NOT NULL DEFAULT 'singleInstance';
ALTER TABLE crm_events ADD COLUMN series_master_graph_id TEXT;
-- Deleted in the CRM: kept (history), no longer synced; the category comes off in Outlook.
ALTER TABLE crm_events ADD COLUMN deleted_at_ms BIGINT;

-- The CRM category to take off Outlook items whose CRM event was deleted (down-sync).
CREATE TABLE category_removals (
    tenant_id TEXT NOT NULL,
    mailbox_id TEXT NOT NULL,
    graph_event_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    requested_at_ms BIGINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    PRIMARY KEY (tenant_id, mailbox_id, graph_event_id)
);

-- Graph change notifications on the Organizer's events: a hint that starts a session early
-- (the interval poll stays the safety net). The clientState is kept only as its SHA-256.
CREATE TABLE graph_subscriptions (
    tenant_id TEXT NOT NULL,
    organizer_id TEXT NOT NULL,
    subscription_id TEXT NOT NULL UNIQUE,
    client_state_hash TEXT NOT NULL,
    expires_at_ms BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, organizer_id),
    FOREIGN KEY (tenant_id, organizer_id) REFERENCES users (tenant_id, id)
);
