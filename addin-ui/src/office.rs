//! The boundary to Office.js: the only module that reads `window.Office`. Everything the rest
//! of the pane sees is a Rust type.
//!
//! Office.js is loaded by a script tag before the pane starts. Outside Outlook (a plain browser
//! tab) either the script is absent or `Office.onReady` reports no host; both become
//! [`OfficeHost::Outside`]. Every value read here is feature-detected, never assumed: an
//! absent `getSharedPropertiesAsync` means the item is in the user's own calendar.

use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Where the pane is running.
#[derive(Debug, Clone, PartialEq)]
pub enum OfficeHost {
    /// Inside Outlook (or the simulated Outlook host).
    Outlook(Box<Outlook>),
    /// In a browser tab or another Office application.
    Outside,
}

/// What Outlook tells the pane.
#[derive(Debug, Clone, PartialEq)]
pub struct Outlook {
    /// The signed-in user (the delegate, when the item belongs to someone else's calendar).
    pub mailbox: Option<Mailbox>,
    /// The selected calendar item, when there is one.
    pub item: Option<Appointment>,
    /// Outlook's theme colours (Mailbox 1.14), when it gives them.
    pub theme: Option<Theme>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    pub display_name: String,
    pub email_address: String,
    pub time_zone: String,
}

/// A calendar item as Office.js shows it in read mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appointment {
    /// The REST id (`convertToRestId(itemId, v2.0)`), never the raw EWS id.
    pub rest_id: Option<String>,
    /// The meeting's iCalendar UID, where the host gives it.
    pub ical_uid: Option<String>,
    pub subject: String,
    /// ISO 8601 UTC (`Date.toISOString`).
    pub start: String,
    pub end: String,
    pub location: String,
    pub organizer: String,
    pub is_private: bool,
    pub is_compose: bool,
    /// Present when the item is in a shared (delegated) calendar.
    pub shared: Option<SharedProperties>,
    pub categories: Vec<String>,
}

/// `item.getSharedPropertiesAsync()`: whose calendar, and what the user may do in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedProperties {
    pub owner: String,
    pub delegate_permissions: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    pub body_background: String,
    pub body_foreground: String,
}

impl Theme {
    /// Dark when the background is darker than mid-grey.
    pub fn is_dark(&self) -> bool {
        let hex = self.body_background.trim_start_matches('#');
        let channel =
            |i: usize| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("ff"), 16).unwrap_or(255);
        let luminance = 0.2126 * f64::from(channel(0))
            + 0.7152 * f64::from(channel(2))
            + 0.0722 * f64::from(channel(4));
        hex.len() == 6 && luminance < 128.0
    }
}

/// An Office.js call that failed, with Office's error name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeError {
    pub name: String,
    pub message: String,
}

/// Waits for Office.js and reads what Outlook tells.
pub async fn connect() -> OfficeHost {
    match try_connect().await {
        Ok(host) => host,
        Err(_) => OfficeHost::Outside,
    }
}

async fn try_connect() -> Result<OfficeHost, JsValue> {
    let office = get(&js_sys::global(), "Office");
    if office.is_undefined() || office.is_null() {
        return Ok(OfficeHost::Outside);
    }
    let on_ready: Function = get(&office, "onReady").dyn_into()?;
    let ready: Promise = on_ready.call0(&office)?.dyn_into()?;
    let info = JsFuture::from(ready).await?;
    if string(&info, "host").as_deref() != Some("Outlook") {
        return Ok(OfficeHost::Outside);
    }
    let mailbox = path(&office, &["context", "mailbox"]);
    let profile = get(&mailbox, "userProfile");
    let user = string(&profile, "emailAddress")
        .filter(|a| !a.is_empty())
        .map(|email_address| Mailbox {
            display_name: string(&profile, "displayName").unwrap_or_default(),
            email_address,
            time_zone: string(&profile, "timeZone").unwrap_or_else(|| "UTC".into()),
        });
    let item = get(&mailbox, "item");
    let item = if item.is_object() {
        Some(appointment(&mailbox, &item).await?)
    } else {
        None
    };
    let theme = path(&office, &["context", "officeTheme"]);
    let theme = string(&theme, "bodyBackgroundColor").map(|body_background| Theme {
        body_background,
        body_foreground: string(&theme, "bodyForegroundColor").unwrap_or_default(),
    });
    Ok(OfficeHost::Outlook(Box::new(Outlook {
        mailbox: user,
        item,
        theme,
    })))
}

async fn appointment(mailbox: &JsValue, item: &JsValue) -> Result<Appointment, JsValue> {
    // Read mode has plain values; compose mode has objects with getAsync.
    let is_compose = !get(item, "subject").is_string();
    let rest_id = match (
        string(item, "itemId"),
        get(mailbox, "convertToRestId").dyn_into::<Function>(),
    ) {
        (Some(id), Ok(convert)) => convert
            .call2(mailbox, &id.into(), &"v2.0".into())
            .ok()
            .and_then(|v| v.as_string()),
        (id, _) => id,
    };
    let shared = if get(item, "getSharedPropertiesAsync").is_function() {
        let value = call_async(item, "getSharedPropertiesAsync", &[]).await.ok();
        value.map(|v| SharedProperties {
            owner: string(&v, "owner").unwrap_or_default(),
            delegate_permissions: get(&v, "delegatePermissions").as_f64().unwrap_or(0.0) as u32,
        })
    } else {
        None
    };
    let categories = match call_async(&get(item, "categories"), "getAsync", &[]).await {
        Ok(list) => Array::from(&list)
            .iter()
            .filter_map(|c| string(&c, "displayName"))
            .collect(),
        Err(_) => Vec::new(),
    };
    // In compose mode every field is an object read with getAsync (organizer: Mailbox 1.7).
    let field = |name: &str| {
        let value = get(item, name);
        async move {
            if is_compose {
                call_async(&value, "getAsync", &[])
                    .await
                    .unwrap_or(JsValue::UNDEFINED)
            } else {
                value
            }
        }
    };
    let organizer = field("organizer").await;
    let sensitivity = field("sensitivity").await;
    Ok(Appointment {
        rest_id,
        ical_uid: string(item, "iCalUId"),
        subject: field("subject").await.as_string().unwrap_or_default(),
        start: iso(&field("start").await),
        end: iso(&field("end").await),
        location: field("location").await.as_string().unwrap_or_default(),
        organizer: string(&organizer, "emailAddress").unwrap_or_default(),
        is_private: sensitivity.as_string().as_deref() == Some("private"),
        is_compose,
        shared,
        categories,
    })
}

/// The names in the mailbox's master category list (Mailbox 1.8). Delegates can read it but
/// not add to it; an item can only be given a category that is in it.
/// Office SSO (`Office.auth.getAccessToken`): a token for Liaison's own API, which the server
/// validates and exchanges. Fails when the host has no SSO or the user must consent first.
pub async fn sso_token() -> Result<String, String> {
    let office = office_global().ok_or("Office.js is not loaded")?;
    let auth = get(&office, "auth");
    let Ok(get_token) = get(&auth, "getAccessToken").dyn_into::<Function>() else {
        return Err("this Office host has no single sign-on".into());
    };
    let options = js_sys::Object::new();
    let _ = Reflect::set(&options, &"allowSignInPrompt".into(), &JsValue::TRUE);
    let _ = Reflect::set(&options, &"allowConsentPrompt".into(), &JsValue::TRUE);
    let promise: Promise = get_token
        .call1(&auth, &options)
        .and_then(|p| p.dyn_into())
        .map_err(|e| describe(&e))?;
    JsFuture::from(promise)
        .await
        .map_err(|e| describe(&e))?
        .as_string()
        .ok_or_else(|| "Office returned no token".into())
}

/// Office's dialog (`displayDialogAsync`, never in an iframe: identity providers refuse to be
/// framed): opens `url` and resolves with the first message the dialog sends, then closes it.
pub async fn dialog_message(url: &str) -> Result<String, String> {
    let office = office_global().ok_or("Office.js is not loaded")?;
    let ui = path(&office, &["context", "ui"]);
    let Ok(display) = get(&ui, "displayDialogAsync").dyn_into::<Function>() else {
        return Err("this Office host cannot open dialogs".into());
    };
    let event = path(&office, &["EventType", "DialogMessageReceived"]);
    let url = url.to_owned();
    let promise = Promise::new(&mut |resolve, reject| {
        let options = js_sys::Object::new();
        let _ = Reflect::set(&options, &"height".into(), &JsValue::from(60));
        let _ = Reflect::set(&options, &"width".into(), &JsValue::from(30));
        let event = event.clone();
        let on_open = Closure::once_into_js(move |result: JsValue| {
            let dialog = get(&result, "value");
            if get(&result, "status").as_string().as_deref() != Some("succeeded") {
                let _ = reject.call1(&JsValue::NULL, &get(&result, "error"));
                return;
            }
            let closer = dialog.clone();
            let on_message = Closure::once_into_js(move |arg: JsValue| {
                if let Ok(close) = get(&closer, "close").dyn_into::<Function>() {
                    let _ = close.call0(&closer);
                }
                let _ = resolve.call1(&JsValue::NULL, &get(&arg, "message"));
            });
            if let Ok(add) = get(&dialog, "addEventHandler").dyn_into::<Function>() {
                let _ = add.call2(&dialog, &event, &on_message);
            }
        });
        let _ = display.call3(&ui, &JsValue::from_str(&url), &options, &on_open);
    });
    JsFuture::from(promise)
        .await
        .map_err(|e| describe(&e))?
        .as_string()
        .ok_or_else(|| "the dialog sent no message".into())
}

fn office_global() -> Option<JsValue> {
    let window = web_sys::window()?;
    let office = Reflect::get(&window, &"Office".into()).ok()?;
    (!office.is_undefined()).then_some(office)
}

fn describe(error: &JsValue) -> String {
    string(error, "message")
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "Office reported an error".into())
}

pub async fn master_categories() -> Result<Vec<String>, OfficeError> {
    let masters = path(
        &get(&js_sys::global(), "Office"),
        &["context", "mailbox", "masterCategories"],
    );
    call_async(&masters, "getAsync", &[])
        .await
        .map(|list| {
            Array::from(&list)
                .iter()
                .filter_map(|c| string(&c, "displayName"))
                .collect()
        })
        .map_err(office_error)
}

/// Gives the selected item the category `name` (which must be in the master list).
pub async fn add_category(name: &str) -> Result<(), OfficeError> {
    let item = path(
        &get(&js_sys::global(), "Office"),
        &["context", "mailbox", "item"],
    );
    let names = Array::of1(&name.into());
    call_async(&get(&item, "categories"), "addAsync", &[names.into()])
        .await
        .map(drop)
        .map_err(office_error)
}

fn office_error(error: JsValue) -> OfficeError {
    OfficeError {
        name: string(&error, "name").unwrap_or_else(|| "Failed".into()),
        message: string(&error, "message").unwrap_or_default(),
    }
}

/// Calls an Office.js `…Async(args…, callback)` method and waits for its `AsyncResult`: the
/// value when it succeeded, the error object when not.
async fn call_async(target: &JsValue, method: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let function: Function = get(target, method).dyn_into()?;
    let target = target.clone();
    let args: Vec<JsValue> = args.to_vec();
    let promise = Promise::new(&mut |resolve, reject| {
        let rejected = reject.clone();
        let callback = Closure::once_into_js(move |result: JsValue| {
            if string(&result, "status").as_deref() == Some("succeeded") {
                let _ = resolve.call1(&JsValue::NULL, &get(&result, "value"));
            } else {
                let _ = rejected.call1(&JsValue::NULL, &get(&result, "error"));
            }
        });
        let call_args = Array::new();
        for arg in &args {
            call_args.push(arg);
        }
        call_args.push(&callback);
        if let Err(error) = function.apply(&target, &call_args) {
            let _ = reject.call1(&JsValue::NULL, &error);
        }
    });
    JsFuture::from(promise).await
}

fn iso(date: &JsValue) -> String {
    date.dyn_ref::<js_sys::Date>()
        .map(|d| String::from(d.to_iso_string()))
        .unwrap_or_default()
}

fn get(target: &JsValue, key: &str) -> JsValue {
    if target.is_undefined() || target.is_null() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(target, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

fn path(root: &JsValue, keys: &[&str]) -> JsValue {
    keys.iter()
        .fold(root.clone(), |value, key| get(&value, key))
}

fn string(target: &JsValue, key: &str) -> Option<String> {
    get(target, key).as_string()
}

/// Waits `ms` milliseconds (the browser's `setTimeout`; the pane's only timer).
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dark_background_is_dark() {
        let theme = |bg: &str| Theme {
            body_background: bg.into(),
            body_foreground: String::new(),
        };
        assert!(theme("#292929").is_dark());
        assert!(!theme("#ffffff").is_dark());
        assert!(!theme("not a colour").is_dark());
    }
}
