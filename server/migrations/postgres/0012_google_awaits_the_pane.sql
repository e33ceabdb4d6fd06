-- A Google account that came back from Google's consent page is connected only when the pane
-- whose session asked for it confirms it: until then its authorization code waits, sealed, in a
-- flow of purpose 'connect_pending' keyed by the one-time code the dialog hands the pane.
-- An administrator's consent for the tenant is asked on Microsoft's admin consent endpoint once
-- they signed in: that second redirect is a flow of purpose 'admin_consent_grant'.
ALTER TABLE sign_in_flows DROP CONSTRAINT sign_in_flows_purpose_check;
ALTER TABLE sign_in_flows ADD CONSTRAINT sign_in_flows_purpose_check
    CHECK (purpose IN ('sign_in', 'connect', 'connect_pending', 'admin_consent', 'admin_consent_grant'));
-- 'connect_pending' only: the provider's authorization code, sealed.
ALTER TABLE sign_in_flows ADD COLUMN authorization_code TEXT;
