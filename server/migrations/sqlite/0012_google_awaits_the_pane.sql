-- A Google account that came back from Google's consent page is connected only when the pane
-- whose session asked for it confirms it: until then its authorization code waits, sealed, in a
-- flow of purpose 'connect_pending' keyed by the one-time code the dialog hands the pane.
-- An administrator's consent for the tenant is asked on Microsoft's admin consent endpoint once
-- they signed in: that second redirect is a flow of purpose 'admin_consent_grant'.
-- SQLite cannot change a CHECK constraint, so the table is made again; it holds only flows of
-- the last few minutes, which an upgrade may drop (whoever was signing in starts again).
DROP TABLE sign_in_flows;
CREATE TABLE sign_in_flows (
    state_hash TEXT PRIMARY KEY,
    provider TEXT NOT NULL CHECK (provider IN ('microsoft', 'google')),
    purpose TEXT NOT NULL
        CHECK (purpose IN ('sign_in', 'connect', 'connect_pending', 'admin_consent', 'admin_consent_grant')),
    code_verifier TEXT NOT NULL,               -- PKCE verifier, sealed
    nonce TEXT NOT NULL,
    return_to TEXT NOT NULL,                   -- a path on this server, checked when stored
    dialog BOOLEAN NOT NULL,                   -- ends with a one-time code for the task pane
    tenant_id TEXT,                            -- who started it, when signed in already
    user_id TEXT,
    expires_at_ms BIGINT NOT NULL,
    browser_hash TEXT,                         -- see 0007_flow_browser.sql
    authorization_code TEXT                    -- 'connect_pending' only: the provider's code, sealed
);
