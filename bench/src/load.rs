//! A closed-loop load generator: `connections` tasks, each sending its next request when the
//! previous one is answered, over keep-alive HTTP/1.1 on loopback. It reports throughput and
//! latency percentiles; errors are counted, never hidden.

use std::time::{Duration, Instant};

use reqwest::Method;

pub struct Load {
    pub duration: Duration,
    pub connections: usize,
}

#[derive(Clone)]
pub struct Request {
    method: Method,
    path: String,
    body: Option<String>,
    bearer: Option<String>,
}

impl Request {
    pub fn get(path: &str) -> Self {
        Self {
            method: Method::GET,
            path: path.to_owned(),
            body: None,
            bearer: None,
        }
    }

    pub fn post_json(path: &str, body: String) -> Self {
        Self {
            method: Method::POST,
            path: path.to_owned(),
            body: Some(body),
            bearer: None,
        }
    }

    /// The same request with `Authorization: Bearer <token>`.
    pub fn bearer(mut self, token: &str) -> Self {
        self.bearer = Some(token.to_owned());
        self
    }
}

pub struct Report {
    requests: usize,
    errors: usize,
    elapsed: Duration,
    /// Sorted latencies in microseconds.
    latencies: Vec<u32>,
}

impl Load {
    /// Loads `base_url` (e.g. `http://127.0.0.1:3000`) with `request`.
    pub async fn run(&self, base_url: &str, request: Request) -> anyhow::Result<Report> {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(self.connections)
            .build()?;
        let url = format!("{base_url}{}", request.path);
        // Warm-up: connections open, caches fill.
        self.drive(&client, &url, &request, Duration::from_secs(1))
            .await;
        let started = Instant::now();
        let results = self.drive(&client, &url, &request, self.duration).await;
        let elapsed = started.elapsed();
        let mut latencies = Vec::new();
        let mut errors = 0;
        for (task_latencies, task_errors) in results {
            latencies.extend(task_latencies);
            errors += task_errors;
        }
        latencies.sort_unstable();
        Ok(Report {
            requests: latencies.len() + errors,
            errors,
            elapsed,
            latencies,
        })
    }

    async fn drive(
        &self,
        client: &reqwest::Client,
        url: &str,
        request: &Request,
        duration: Duration,
    ) -> Vec<(Vec<u32>, usize)> {
        let deadline = Instant::now() + duration;
        let tasks: Vec<_> = (0..self.connections)
            .map(|_| {
                let client = client.clone();
                let url = url.to_owned();
                let request = request.clone();
                tokio::spawn(async move {
                    let mut latencies = Vec::new();
                    let mut errors = 0;
                    while Instant::now() < deadline {
                        let mut builder = client.request(request.method.clone(), &url);
                        if let Some(token) = &request.bearer {
                            builder = builder.bearer_auth(token);
                        }
                        if let Some(body) = &request.body {
                            builder = builder
                                .header("content-type", "application/json")
                                .body(body.clone());
                        }
                        let sent = Instant::now();
                        let ok = match builder.send().await {
                            Ok(res) => res.status().is_success() && res.bytes().await.is_ok(),
                            Err(_) => false,
                        };
                        if ok {
                            let micros = sent.elapsed().as_micros();
                            latencies.push(u32::try_from(micros).unwrap_or(u32::MAX));
                        } else {
                            errors += 1;
                        }
                    }
                    (latencies, errors)
                })
            })
            .collect();
        let mut results = Vec::new();
        for task in tasks {
            if let Ok(result) = task.await {
                results.push(result);
            }
        }
        results
    }
}

impl Report {
    pub fn header() -> String {
        format!(
            "{:<48} {:>9} {:>10} {:>9} {:>9} {:>9} {:>7}",
            "endpoint", "requests", "req/s", "p50", "p99", "p99.9", "errors"
        )
    }

    pub fn line(&self, name: &str) -> String {
        format!(
            "{:<48} {:>9} {:>10.0} {:>9} {:>9} {:>9} {:>7}",
            name,
            self.requests,
            self.requests as f64 / self.elapsed.as_secs_f64(),
            micros(self.percentile(50.0)),
            micros(self.percentile(99.0)),
            micros(self.percentile(99.9)),
            self.errors,
        )
    }

    fn percentile(&self, p: f64) -> Option<u32> {
        if self.latencies.is_empty() {
            return None;
        }
        let rank = ((p / 100.0) * (self.latencies.len() - 1) as f64).round() as usize;
        self.latencies.get(rank).copied()
    }
}

fn micros(value: Option<u32>) -> String {
    match value {
        Some(us) if us >= 1000 => format!("{:.2} ms", f64::from(us) / 1000.0),
        Some(us) => format!("{us} µs"),
        None => "-".to_owned(),
    }
}
