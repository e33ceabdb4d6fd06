//! Calls to Liaison's server, which serves the pane, so every URL is same-origin. The session
//! token lives in memory only: never in localStorage or a cookie.

use std::fmt;

use gloo_net::http::{Request, RequestBuilder, Response};
use liaison_domain::api::{
    DialogCode, ErrorBody, Health, ItemContext, ItemRef, Me, RecordPage, SaveItemRequest,
    SaveItemResponse, SessionGrant, SyncRun, SyncSetting, UnlinkRequest,
};

use crate::office;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Why a call to the server failed, in words a person can act on.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiFailure {
    /// The server could not be reached at all.
    Network(String),
    /// The server answered with an error body.
    Server(ErrorBody),
    /// The server answered something this pane does not understand.
    Unexpected(String),
}

impl fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Network(e) => write!(f, "the Liaison server cannot be reached ({e})"),
            Self::Server(body) => f.write_str(&body.message),
            Self::Unexpected(e) => write!(f, "the Liaison server gave an unexpected answer ({e})"),
        }
    }
}

/// `GET /healthz`
pub async fn health() -> Result<Health, ApiFailure> {
    read(Request::get("/healthz").send().await).await
}

/// A signed-in session: the bearer token the server gave, held in memory.
#[derive(Clone, PartialEq)]
pub struct Session {
    token: String,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Session(..)")
    }
}

impl Session {
    /// Signs in silently with Office SSO: the token Office gives goes to the server, which
    /// answers a session. Fails (e.g. `consent_required`) when an interactive sign-in is needed.
    pub async fn sign_in() -> Result<Self, ApiFailure> {
        let sso = office::sso_token().await.map_err(ApiFailure::Unexpected)?;
        let grant: SessionGrant = read(
            Request::post("/api/session/sso")
                .header("Authorization", &format!("Bearer {sso}"))
                .send()
                .await,
        )
        .await?;
        Ok(Self { token: grant.token })
    }

    /// Signs in through the Office dialog (Microsoft's sign-in and consent pages); the dialog
    /// hands back a one-time code, never a token, which the server trades for a session.
    pub async fn sign_in_with_dialog() -> Result<Self, ApiFailure> {
        let origin = web_sys::window()
            .and_then(|w| w.location().origin().ok())
            .unwrap_or_default();
        let code = office::dialog_message(&format!("{origin}/auth/microsoft/start?dialog=1"))
            .await
            .map_err(ApiFailure::Unexpected)?;
        let request = Request::post("/api/session/exchange")
            .json(&DialogCode { code })
            .map_err(|e| ApiFailure::Unexpected(e.to_string()))?;
        let grant: SessionGrant = read(request.send().await).await?;
        Ok(Self { token: grant.token })
    }

    /// `POST /api/items/context`
    pub async fn context(&self, item: &ItemRef) -> Result<ItemContext, ApiFailure> {
        self.post("/api/items/context", item, None).await
    }

    /// `POST /api/items/save` under `idempotency_key`.
    pub async fn save(
        &self,
        request: &SaveItemRequest,
        idempotency_key: &str,
    ) -> Result<SaveItemResponse, ApiFailure> {
        self.post("/api/items/save", request, Some(idempotency_key))
            .await
    }

    /// `POST /api/items/unlink`
    pub async fn unlink(&self, request: &UnlinkRequest) -> Result<ItemContext, ApiFailure> {
        self.post("/api/items/unlink", request, None).await
    }

    /// `PUT /api/me/sync`: turns sync of the user's own calendar on or off.
    pub async fn set_sync(&self, sync_enabled: bool) -> Result<Me, ApiFailure> {
        let request = self
            .authorized(Request::put("/api/me/sync"))
            .json(&SyncSetting { sync_enabled })
            .map_err(|e| ApiFailure::Unexpected(e.to_string()))?;
        read(request.send().await).await
    }

    /// `POST /api/sync/run`: "Sync now" for the user's own calendar (an empty JSON object).
    pub async fn sync_now(&self) -> Result<SyncRun, ApiFailure> {
        self.post("/api/sync/run", &NoBody {}, None).await
    }

    /// `GET /api/me`
    pub async fn me(&self) -> Result<Me, ApiFailure> {
        read(self.authorized(Request::get("/api/me")).send().await).await
    }

    /// `GET /api/crm/records?q=`
    pub async fn search(&self, query: &str) -> Result<RecordPage, ApiFailure> {
        let url = format!(
            "/api/crm/records?limit=8&q={}",
            String::from(js_sys::encode_uri_component(query))
        );
        read(self.authorized(Request::get(&url)).send().await).await
    }

    async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        url: &str,
        body: &B,
        idempotency_key: Option<&str>,
    ) -> Result<T, ApiFailure> {
        let mut builder = self.authorized(Request::post(url));
        if let Some(key) = idempotency_key {
            builder = builder.header("Idempotency-Key", key);
        }
        let request = builder
            .json(body)
            .map_err(|e| ApiFailure::Unexpected(e.to_string()))?;
        read(request.send().await).await
    }

    fn authorized(&self, builder: RequestBuilder) -> RequestBuilder {
        builder.header("Authorization", &format!("Bearer {}", self.token))
    }
}

/// Reads an answer as `T`, or its error body as an [`ApiFailure`].
async fn read<T: DeserializeOwned>(
    sent: Result<Response, gloo_net::Error>,
) -> Result<T, ApiFailure> {
    // The waiting is not generic (one copy of it); only the parse below is per type.
    let body = read_body(sent).await?;
    serde_json::from_str(&body).map_err(|e| ApiFailure::Unexpected(e.to_string()))
}

/// The body of a successful answer; an error answer as its [`ErrorBody`].
async fn read_body(sent: Result<Response, gloo_net::Error>) -> Result<String, ApiFailure> {
    let res = sent.map_err(|e| ApiFailure::Network(e.to_string()))?;
    let body = res
        .text()
        .await
        .map_err(|e| ApiFailure::Network(e.to_string()))?;
    if res.ok() {
        return Ok(body);
    }
    match serde_json::from_str::<ErrorBody>(&body) {
        Ok(body) => Err(ApiFailure::Server(body)),
        Err(_) => Err(ApiFailure::Unexpected(format!("HTTP {}", res.status()))),
    }
}

/// A fresh key for one Save: a retry of the same click reuses it, the next click gets another.
pub fn new_idempotency_key() -> String {
    let crypto = js_sys::Reflect::get(&js_sys::global(), &"crypto".into()).ok();
    crypto
        .and_then(|c| {
            let uuid = js_sys::Reflect::get(&c, &"randomUUID".into()).ok()?;
            let uuid: js_sys::Function = wasm_bindgen::JsCast::dyn_into(uuid).ok()?;
            uuid.call0(&c).ok()?.as_string()
        })
        // Whole milliseconds: formatting a float would add a float printer to the pane.
        .unwrap_or_else(|| format!("save-{}", js_sys::Date::now() as u64))
}

/// `{}`: the body of a POST that carries nothing.
#[derive(Serialize)]
struct NoBody {}
