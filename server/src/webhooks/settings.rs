//! The webhooks' flags, and the settings they make.

use std::time::Duration;

use clap::Args;

#[derive(Debug, Args)]
pub struct WebhookArgs {
    /// Accept webhook receivers at `http://` URLs (development only: a receiver's changes and
    /// signatures would cross the network in clear).
    #[arg(long, env = "LIAISON_WEBHOOK_ALLOW_HTTP")]
    pub webhook_allow_http: bool,
    /// Attempts at a batch before it becomes a dead letter.
    #[arg(long, env = "LIAISON_WEBHOOK_ATTEMPTS", default_value = "10")]
    pub webhook_attempts: u32,
    /// The wait after a first failure, doubled after each (at most an hour), unless the
    /// receiver's `Retry-After` asks for longer.
    #[arg(long, env = "LIAISON_WEBHOOK_RETRY_SECONDS", default_value = "5")]
    pub webhook_retry_seconds: u64,
}

impl WebhookArgs {
    pub fn settings(&self) -> WebhookSettings {
        WebhookSettings {
            allow_http: self.webhook_allow_http,
            attempts: self.webhook_attempts.clamp(1, 50),
            first_retry: Duration::from_secs(self.webhook_retry_seconds.clamp(1, 3600)),
            ..WebhookSettings::default()
        }
    }
}

#[derive(Debug, Clone)]
pub struct WebhookSettings {
    pub allow_http: bool,
    pub attempts: u32,
    pub first_retry: Duration,
    /// The longest wait between two attempts.
    pub max_retry: Duration,
    /// How often the worker looks for webhooks with changes to deliver.
    pub poll: Duration,
    /// How long a receiver may take to answer.
    pub timeout: Duration,
    /// Changes per delivery, at most.
    pub batch: u32,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            allow_http: false,
            attempts: 10,
            first_retry: Duration::from_secs(5),
            max_retry: Duration::from_secs(3600),
            poll: Duration::from_secs(1),
            timeout: Duration::from_secs(10),
            batch: 100,
        }
    }
}

impl WebhookSettings {
    /// The wait after the `failures`-th failure in a row: `first_retry` doubled each time, at
    /// most `max_retry`, and never shorter than what the receiver asked.
    pub fn backoff(&self, failures: u32, retry_after: Option<Duration>) -> Duration {
        let doubled = self
            .first_retry
            .saturating_mul(2u32.saturating_pow(failures.saturating_sub(1)));
        doubled
            .min(self.max_retry)
            .max(retry_after.unwrap_or_default().min(self.max_retry))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_up_to_its_ceiling_and_honours_retry_after() {
        let settings = WebhookSettings::default();
        assert_eq!(settings.backoff(1, None), Duration::from_secs(5));
        assert_eq!(settings.backoff(2, None), Duration::from_secs(10));
        assert_eq!(settings.backoff(4, None), Duration::from_secs(40));
        assert_eq!(settings.backoff(40, None), Duration::from_secs(3600));
        assert_eq!(
            settings.backoff(1, Some(Duration::from_secs(120))),
            Duration::from_secs(120)
        );
        assert_eq!(
            settings.backoff(1, Some(Duration::from_secs(86_400))),
            Duration::from_secs(3600)
        );
    }
}
