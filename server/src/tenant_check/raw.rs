//! The Graph requests the check makes outside Liaison's own client.

use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

/// Graph requests the check makes outside Liaison's client: what Liaison never asks.
pub(super) struct Raw<'a> {
    pub(super) http: &'a reqwest::Client,
    pub(super) base: &'a str,
}

impl Raw<'_> {
    pub(super) async fn send(
        &self,
        token: &SecretString,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<(u16, Value), String> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token.expose_secret())
            .header("Prefer", "IdType=\"ImmutableId\"");
        if let Some(body) = body {
            request = request.json(&body);
        }
        let res = request.send().await.map_err(|e| e.to_string())?;
        let status = res.status().as_u16();
        Ok((status, res.json().await.unwrap_or(Value::Null)))
    }

    /// Deletes the owner's meetings `ids` the check made (best effort: what fails stays).
    pub(super) async fn delete_events(
        &self,
        token: &SecretString,
        ids: impl IntoIterator<Item = String>,
    ) {
        for id in ids {
            let _ = self
                .send(token, Method::DELETE, &format!("/me/events/{id}"), None)
                .await;
        }
    }

    pub(super) async fn get(
        &self,
        token: &SecretString,
        path: &str,
    ) -> Result<(u16, Value), String> {
        self.send(token, Method::GET, path, None).await
    }

    /// A one-hour meeting at `start_s` in `calendar` (`/me` or `/users/{owner}`): its
    /// immutable id.
    pub(super) async fn create_event(
        &self,
        token: &SecretString,
        calendar: &str,
        subject: &str,
        sensitivity: &str,
        start_s: i64,
    ) -> Result<String, String> {
        // Graph's `dateTimeTimeZone`: a local time without offset, and its zone.
        let at = |s: i64| {
            crate::clock::to_rfc3339(s * 1000)
                .trim_end_matches('Z')
                .to_owned()
        };
        let body = json!({
            "subject": subject,
            "sensitivity": sensitivity,
            "start": { "dateTime": at(start_s), "timeZone": "UTC" },
            "end": { "dateTime": at(start_s + 3600), "timeZone": "UTC" },
        });
        match self
            .send(
                token,
                Method::POST,
                &format!("{calendar}/events"),
                Some(body),
            )
            .await?
        {
            (201 | 200, body) => body["id"]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| "no id in the answer".to_owned()),
            (status, body) => Err(format!("{status}: {}", body["error"]["code"])),
        }
    }
}
