-- Who held the lease a claim took over: the worker whose lease had expired (NULL when the job
-- was free). A released job has no holder, so a claim that finds one took over a dead worker's.
ALTER TABLE sync_jobs ADD COLUMN taken_over_from TEXT;

-- One line per finished sync session, for the administrators' console (kept 30 days).
CREATE TABLE sync_sessions (
    id TEXT PRIMARY KEY,                       -- UUIDv7: sessions sort by start
    tenant_id TEXT NOT NULL,
    organizer_id TEXT NOT NULL,
    started_at_ms BIGINT NOT NULL,
    finished_at_ms BIGINT NOT NULL,
    result TEXT NOT NULL,                      -- 'ok', or the session's error code
    full_round BOOLEAN NOT NULL,
    events_in BIGINT NOT NULL,                 -- items Graph reported changed
    events_out BIGINT NOT NULL,                -- CRM events written, saves written, categories removed
    graph_requests BIGINT NOT NULL,            -- HTTP requests sent to Graph, retries included
    throttled BIGINT NOT NULL,                 -- of them answered 429
    took_over_lease BOOLEAN NOT NULL,
    FOREIGN KEY (tenant_id, organizer_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX sync_sessions_by_organizer ON sync_sessions (tenant_id, organizer_id, started_at_ms);
CREATE INDEX sync_sessions_by_start ON sync_sessions (tenant_id, started_at_ms);

-- Whether Microsoft's two accounts of a delegation disagreed at its check (the rules took the
-- least of them). Checks are trusted a few minutes, and kept 30 days for the console.
ALTER TABLE delegation_checks ADD COLUMN sources_conflict BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX delegation_checks_by_delegate ON delegation_checks (tenant_id, delegate_id);
