//! The browser's `fetch`, as the pane uses it: a method, a same-origin URL, a few headers, an
//! optional JSON body; the answer's status and text. (A general HTTP crate brought a streaming
//! body layer and its futures machinery the pane never uses: 5 KB of its download.)

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// A request not sent yet.
pub struct Request {
    method: &'static str,
    url: String,
    headers: Vec<(&'static str, String)>,
    body: Option<String>,
}

/// What the server answered.
pub struct Answer {
    pub status: u16,
    pub body: String,
}

impl Answer {
    /// A 2xx status.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

impl Request {
    fn new(method: &'static str, url: &str) -> Self {
        Self {
            method,
            url: url.to_owned(),
            headers: Vec::new(),
            body: None,
        }
    }

    pub fn get(url: &str) -> Self {
        Self::new("GET", url)
    }

    pub fn post(url: &str) -> Self {
        Self::new("POST", url)
    }

    pub fn put(url: &str) -> Self {
        Self::new("PUT", url)
    }

    pub fn delete(url: &str) -> Self {
        Self::new("DELETE", url)
    }

    pub fn header(mut self, name: &'static str, value: String) -> Self {
        self.headers.push((name, value));
        self
    }

    /// `body`, already JSON, with its content type.
    pub fn json_body(self, body: String) -> Self {
        let mut request = self.header("Content-Type", "application/json".to_owned());
        request.body = Some(body);
        request
    }

    /// Sends the request and reads the whole answer; a failure says why in words (the network,
    /// or a browser that refused the request).
    pub async fn send(self) -> Result<Answer, String> {
        let window = web_sys::window().ok_or("no browser window")?;
        let init = web_sys::RequestInit::new();
        init.set_method(self.method);
        let headers = web_sys::Headers::new().map_err(describe)?;
        for (name, value) in &self.headers {
            headers.set(name, value).map_err(describe)?;
        }
        init.set_headers(&headers);
        if let Some(body) = &self.body {
            init.set_body(&JsValue::from_str(body));
        }
        let response = JsFuture::from(window.fetch_with_str_and_init(&self.url, &init))
            .await
            .map_err(describe)?;
        let response: web_sys::Response = response.dyn_into().map_err(describe)?;
        let text = response.text().map_err(describe)?;
        let body = JsFuture::from(text).await.map_err(describe)?;
        Ok(Answer {
            status: response.status(),
            body: body.as_string().unwrap_or_default(),
        })
    }
}

/// A JavaScript failure (`TypeError: Failed to fetch`, …) as text.
fn describe(error: JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "the browser refused the request".to_owned())
}
