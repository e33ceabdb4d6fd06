-- Sign-in: sessions of the task pane, sign-ins under way, the dialog's one-time codes, the
-- accounts people connected (refresh tokens sealed by the server, never in plaintext) and the
-- tenants whose administrator consented.

-- A task pane's session. Only the SHA-256 of the token is kept; the pane holds the token itself.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    last_seen_at_ms BIGINT NOT NULL,
    expires_at_ms BIGINT NOT NULL,             -- absolute end; the idle limit is the server's
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX sessions_by_user ON sessions (tenant_id, user_id);

-- An OAuth redirect under way, keyed by the SHA-256 of its one-time `state`.
CREATE TABLE sign_in_flows (
    state_hash TEXT PRIMARY KEY,
    provider TEXT NOT NULL CHECK (provider IN ('microsoft', 'google')),
    purpose TEXT NOT NULL CHECK (purpose IN ('sign_in', 'connect', 'admin_consent')),
    code_verifier TEXT NOT NULL,               -- PKCE verifier, sealed
    nonce TEXT NOT NULL,
    return_to TEXT NOT NULL,                   -- a path on this server, checked when stored
    dialog BOOLEAN NOT NULL,                   -- ends with a one-time code for the task pane
    tenant_id TEXT,                            -- who started it, when signed in already
    user_id TEXT,
    expires_at_ms BIGINT NOT NULL
);

-- The one-time code the sign-in dialog hands the task pane (SHA-256 only).
CREATE TABLE dialog_codes (
    code_hash TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    expires_at_ms BIGINT NOT NULL,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

-- A calendar account a person connected: Microsoft 365 or Google Workspace.
CREATE TABLE connections (
    tenant_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    provider TEXT NOT NULL CHECK (provider IN ('microsoft', 'google')),
    account TEXT NOT NULL,                     -- the provider's subject: Microsoft `oid`, Google `iss|sub`
    account_email TEXT NOT NULL,
    refresh_token TEXT,                        -- sealed envelope `v1:<key id>:…`
    scopes TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('connected', 'needs_reconnect')),
    status_reason TEXT,
    updated_at_ms BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, user_id, provider),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

CREATE TABLE admin_consents (
    tenant_id TEXT PRIMARY KEY REFERENCES tenants (id),
    granted_by_id TEXT NOT NULL,
    scopes TEXT NOT NULL,
    granted_at_ms BIGINT NOT NULL
);
