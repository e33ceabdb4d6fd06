//! What the operators' and administrators' suites need of a test server: its metrics as a
//! scraper reads them, "Sync now" once no other session runs, an Organizer's sync stopped by
//! the circuit breaker.

use crate::{TestApp, people};

/// The token the test servers' `/metrics` asks for.
pub const METRICS_TOKEN: &str = "test-metrics-token-0123456789abcdef";

/// The value of the sample `series` (name and labels, as Prometheus writes them) in `text`, 0
/// when absent (a counter not counted yet).
pub fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .filter_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .filter_map(|value| value.trim().parse::<f64>().ok())
        .sum()
}

impl TestApp {
    /// The server's metrics, as a scraper holding the token reads them.
    pub async fn metrics(&self) -> String {
        let res = self
            .http
            .get(format!("{}/metrics", self.url))
            .bearer_auth(METRICS_TOKEN)
            .send()
            .await
            .expect("the server answers");
        assert_eq!(res.status(), 200, "/metrics");
        res.text().await.expect("a body")
    }

    /// "Sync now" as `mailbox` once no other session of theirs runs (one Graph's change
    /// notifications started may be under way, and "Sync now" then answers `409
    /// sync_in_progress`): the status and body of the answer.
    pub async fn sync_when_free(&self, mailbox: &str) -> (u16, String) {
        let mut answer = (0, String::new());
        for _ in 0..100 {
            let res = self
                .post_as(mailbox, "/api/sync/run", &serde_json::json!({}), None)
                .await;
            answer = (res.status().as_u16(), res.text().await.unwrap_or_default());
            if answer.0 != 409 || !answer.1.contains("sync_in_progress") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        answer
    }

    /// Has the circuit breaker stop Olga's sync: 40 meetings with the CRM category come into
    /// the CRM, then 25 of them are deleted in Outlook, and the next session stops rather than
    /// cancel 62 % of her CRM events.
    pub async fn stop_olgas_sync(&self) {
        let outlook = self.simulator.outlook();
        let ids: Vec<String> = (0..40)
            .map(|n| {
                outlook.create(
                    people::OLGA,
                    &m365_sim::outlook::NewMeeting::new(
                        &format!("Account call {n}"),
                        people::day(1 + n % 30),
                        60,
                    )
                    .category("CRM"),
                )
            })
            .collect();
        let (status, body) = self.sync_when_free(people::OLGA).await;
        assert_eq!(status, 200, "{body}");
        for id in &ids[..25] {
            outlook.delete(id);
        }
        // "Sync now" (or the session Graph's change notifications started first; "Sync now"
        // then waits for it and is told the sync is stopped).
        let (status, body) = self.sync_when_free(people::OLGA).await;
        assert_eq!(status, 409, "the circuit breaker stops it: {body}");
        assert!(body.contains("sync_stopped"), "{body}");
    }
}
