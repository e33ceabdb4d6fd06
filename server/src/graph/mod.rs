//! Microsoft Graph. So far: [`retry`], the policy every Graph call follows on throttling and
//! server errors. The client that uses it comes with sign-in (it needs the user's tokens).

pub mod retry;
