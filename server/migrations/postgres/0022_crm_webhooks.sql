-- Signed webhooks that follow the change feed (issue 27). Each webhook delivers its tenant's
-- changes after `delivered_seq`, in order, in batches; a batch a receiver keeps refusing goes to the
-- dead letters (which an administrator replays) and the webhook goes on. One worker at a time
-- delivers a webhook: the lease. The signing secret is sealed with the server's keyring.
CREATE TABLE crm_webhooks (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    url TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    secret_sealed TEXT NOT NULL,
    created_by_id TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    delivered_seq BIGINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    -- The last change of the batch being retried: a retry posts the same batch.
    batch_last_seq BIGINT,
    next_attempt_at_ms BIGINT NOT NULL DEFAULT 0,
    last_status INTEGER,
    last_error TEXT,
    last_delivered_at_ms BIGINT,
    lease_worker TEXT,
    lease_until_ms BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, id)
);
CREATE TABLE crm_webhook_dead_letters (
    tenant_id TEXT NOT NULL,
    webhook_id TEXT NOT NULL,
    first_seq BIGINT NOT NULL,
    last_seq BIGINT NOT NULL,
    attempts INTEGER NOT NULL,
    last_status INTEGER,
    last_error TEXT NOT NULL,
    failed_at_ms BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, webhook_id, first_seq)
);
