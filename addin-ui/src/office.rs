//! The boundary to Office.js: the only module that reads `window.Office`.
//!
//! Office.js is loaded by a script tag before the pane starts. Outside Outlook (a plain browser
//! tab) either the script is absent or `Office.onReady` reports no host; both become
//! [`OfficeHost::Outside`]. Every value read here is feature-detected, never assumed.

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Where the pane is running.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OfficeHost {
    /// Inside Outlook (or the simulated Outlook host), with the signed-in user's mailbox when
    /// Outlook reports it.
    Outlook { mailbox: Option<Mailbox> },
    /// In a browser tab or another Office application.
    Outside,
}

/// The signed-in user (the delegate, when the item belongs to someone else's calendar).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    pub display_name: String,
    pub email_address: String,
}

/// Waits for Office.js and tells where the pane runs.
pub async fn connect() -> OfficeHost {
    match try_connect().await {
        Ok(host) => host,
        Err(_) => OfficeHost::Outside,
    }
}

async fn try_connect() -> Result<OfficeHost, JsValue> {
    let office = Reflect::get(&js_sys::global(), &"Office".into())?;
    if office.is_undefined() || office.is_null() {
        return Ok(OfficeHost::Outside);
    }
    let on_ready: Function = Reflect::get(&office, &"onReady".into())?.dyn_into()?;
    let ready: Promise = on_ready.call0(&office)?.dyn_into()?;
    let info = JsFuture::from(ready).await?;
    if string_at(&info, &["host"]).as_deref() != Some("Outlook") {
        return Ok(OfficeHost::Outside);
    }
    let profile = ["context", "mailbox", "userProfile"];
    let mailbox = string_at(&office, &[&profile[..], &["emailAddress"]].concat())
        .filter(|address| !address.is_empty())
        .map(|email_address| Mailbox {
            display_name: string_at(&office, &[&profile[..], &["displayName"]].concat())
                .unwrap_or_default(),
            email_address,
        });
    Ok(OfficeHost::Outlook { mailbox })
}

/// The string at `path` below `root`, if every step exists.
fn string_at(root: &JsValue, path: &[&str]) -> Option<String> {
    let mut value = root.clone();
    for key in path {
        if value.is_undefined() || value.is_null() {
            return None;
        }
        value = Reflect::get(&value, &(*key).into()).ok()?;
    }
    value.as_string()
}
