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

mod bridge;
mod compose;

pub use bridge::{Mailbox, OfficeError};
use bridge::{call_async, get, office_error, path, string};
pub use compose::{ComposedMessage, insert_link};

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
    /// The message being composed, when that is what is open.
    pub message: Option<ComposedMessage>,
    /// Outlook's theme colours (Mailbox 1.14), when it gives them.
    pub theme: Option<Theme>,
}

/// A calendar item as Office.js shows it. Office.js has no `iCalUId`, and the pane needs none:
/// it names the item to the server (owner and REST id), which learns the rest from Graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appointment {
    /// The REST id (`convertToRestId` of `itemId` in read mode, or of `getItemIdAsync` in
    /// organizer mode), never the raw EWS id; `None` for a new meeting not saved yet.
    pub rest_id: Option<String>,
    pub subject: String,
    /// Organizer (compose) mode: the organizer's own meetings, and a new meeting, open this way.
    pub is_compose: bool,
    /// Present when the item is in a shared (delegated) calendar.
    pub shared: Option<SharedProperties>,
    pub categories: Vec<String>,
    /// Its start and end as Outlook shows them (RFC 3339, UTC), when Office.js gives them.
    pub start: Option<String>,
    pub end: Option<String>,
    /// Organizer mode: the organizer (`organizer.getAsync`), whom a meeting is from.
    pub organizer: Option<Mailbox>,
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
        });
    let item = get(&mailbox, "item");
    let composing_message =
        item.is_object() && compose::is_message(&item) && !get(&item, "subject").is_string();
    let message = if composing_message {
        Some(ComposedMessage {
            from: compose::address_of(&item, "from").await,
        })
    } else {
        None
    };
    let item = if item.is_object() && !composing_message {
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
        message,
        theme,
    })))
}

async fn appointment(mailbox: &JsValue, item: &JsValue) -> Result<Appointment, JsValue> {
    // Read mode has plain values; organizer (compose) mode has objects read with getAsync.
    let is_compose = !get(item, "subject").is_string();
    let item_id = if is_compose {
        // No itemId in organizer mode: `getItemIdAsync` (Mailbox 1.8) gives it once the item is
        // saved, and answers `ItemNotSaved` for a new meeting.
        call_async(item, "getItemIdAsync", &[])
            .await
            .ok()
            .and_then(|id| id.as_string())
    } else {
        string(item, "itemId")
    };
    let rest_id = item_id.and_then(|id| rest_id(mailbox, &id));
    // Present on items of shared folders; elsewhere it may be absent or fail.
    let shared = if get(item, "getSharedPropertiesAsync").is_function() {
        call_async(item, "getSharedPropertiesAsync", &[])
            .await
            .ok()
            .and_then(|v| shared_properties(&v))
    } else {
        None
    };
    // `null` or `[]` for an item without categories, depending on the Outlook version; in
    // compose mode Outlook on the web refuses the call.
    let categories = call_async(&get(item, "categories"), "getAsync", &[])
        .await
        .map(|list| category_names(&list))
        .unwrap_or_default();
    let subject = if is_compose {
        call_async(&get(item, "subject"), "getAsync", &[])
            .await
            .ok()
            .and_then(|s| s.as_string())
    } else {
        string(item, "subject")
    };
    // `start`/`end`: a `Date` in read mode, `Time.getAsync` (a `Date`) in organizer mode.
    let time = |name: &str| {
        let field = get(item, name);
        async move {
            let date = if is_compose {
                call_async(&field, "getAsync", &[]).await.ok()?
            } else {
                field
            };
            date.dyn_into::<js_sys::Date>()
                .ok()
                .filter(|d| !d.get_time().is_nan())
                .and_then(|d| d.to_iso_string().as_string())
        }
    };
    let (start, end) = (time("start").await, time("end").await);
    let organizer = if is_compose {
        compose::address_of(item, "organizer").await
    } else {
        None
    };
    Ok(Appointment {
        organizer,
        rest_id,
        subject: subject.unwrap_or_default(),
        is_compose,
        shared,
        categories,
        start,
        end,
    })
}

/// What `getSharedPropertiesAsync` answered, when it names an owner.
fn shared_properties(value: &JsValue) -> Option<SharedProperties> {
    if !value.is_object() {
        return None;
    }
    Some(SharedProperties {
        owner: string(value, "owner").unwrap_or_default(),
        delegate_permissions: permission_bits(&get(value, "delegatePermissions")),
    })
    .filter(|s| !s.owner.is_empty())
}

/// `delegatePermissions` as its bits: a flags number (`Office.MailboxEnums.DelegatePermissions`,
/// six bits); anything else — not a number, negative, fractional, too large — is no bits.
fn permission_bits(value: &JsValue) -> u32 {
    value
        .as_f64()
        .filter(|n| n.is_finite() && *n >= 0.0 && n.fract() == 0.0 && *n <= f64::from(u32::MAX))
        .map_or(0, |n| n as u32)
}

/// The category names of what `categories.getAsync` answered (`null`, `[]` or a list).
fn category_names(list: &JsValue) -> Vec<String> {
    if !Array::is_array(list) {
        return Vec::new();
    }
    Array::from(list)
        .iter()
        .filter_map(|c| string(&c, "displayName"))
        .collect()
}

/// `mailbox.convertToRestId(id, v2.0)`: Graph takes REST ids, Office.js gives EWS ids.
fn rest_id(mailbox: &JsValue, ews_id: &str) -> Option<String> {
    let convert = get(mailbox, "convertToRestId")
        .dyn_into::<Function>()
        .ok()?;
    convert
        .call2(mailbox, &ews_id.into(), &"v2.0".into())
        .ok()
        .and_then(|v| v.as_string())
        .filter(|id| !id.is_empty())
}

/// Saves the meeting being composed (`saveAsync`, Mailbox 1.3: "the item is saved as a normal
/// appointment on the user's calendar"; a new one sends no invitation) and gives its REST id.
pub async fn save_composed_item() -> Result<String, OfficeError> {
    let mailbox = path(&get(&js_sys::global(), "Office"), &["context", "mailbox"]);
    let item = get(&mailbox, "item");
    let ews_id = call_async(&item, "saveAsync", &[])
        .await
        .map_err(office_error)?
        .as_string()
        .unwrap_or_default();
    rest_id(&mailbox, &ews_id).ok_or_else(|| OfficeError {
        name: "ItemNotSaved".into(),
        message: "Outlook did not give the saved meeting's id".into(),
    })
}

/// Office SSO (`Office.auth.getAccessToken`): a token for Liaison's own API, which the server
/// validates and exchanges. Fails when the host has no SSO or the user must consent first.
pub async fn sso_token() -> Result<String, OfficeError> {
    let office = office_global().ok_or_else(|| failure("Office.js is not loaded"))?;
    let auth = get(&office, "auth");
    let Ok(get_token) = get(&auth, "getAccessToken").dyn_into::<Function>() else {
        return Err(failure("this Office host has no single sign-on"));
    };
    let options = js_sys::Object::new();
    let _ = Reflect::set(&options, &"allowSignInPrompt".into(), &JsValue::TRUE);
    let _ = Reflect::set(&options, &"allowConsentPrompt".into(), &JsValue::TRUE);
    let promise: Promise = get_token
        .call1(&auth, &options)
        .and_then(|p| p.dyn_into())
        .map_err(office_error)?;
    JsFuture::from(promise)
        .await
        .map_err(office_error)?
        .as_string()
        .ok_or_else(|| failure("Office returned no token"))
}

/// Office's dialog (`displayDialogAsync`, never in an iframe: identity providers refuse to be
/// framed): opens `url` and resolves with the first message the dialog sends, then closes it.
/// When the person closes the window, Office raises `DialogEventReceived` (12006): that ends
/// the wait with an error, so the pane never waits for a message that will not come.
pub async fn dialog_message(url: &str) -> Result<String, OfficeError> {
    let office = office_global().ok_or_else(|| failure("Office.js is not loaded"))?;
    let ui = path(&office, &["context", "ui"]);
    let Ok(display) = get(&ui, "displayDialogAsync").dyn_into::<Function>() else {
        return Err(failure("this Office host cannot open dialogs"));
    };
    let message_event = path(&office, &["EventType", "DialogMessageReceived"]);
    let closed_event = path(&office, &["EventType", "DialogEventReceived"]);
    let url = url.to_owned();
    let promise = Promise::new(&mut |resolve, reject| {
        let options = js_sys::Object::new();
        let _ = Reflect::set(&options, &"height".into(), &JsValue::from(60));
        let _ = Reflect::set(&options, &"width".into(), &JsValue::from(30));
        let (message_event, closed_event) = (message_event.clone(), closed_event.clone());
        let on_open = Closure::once_into_js(move |result: JsValue| {
            let dialog = get(&result, "value");
            if get(&result, "status").as_string().as_deref() != Some("succeeded") {
                let _ = reject.call1(&JsValue::NULL, &get(&result, "error"));
                return;
            }
            let closer = dialog.clone();
            let own_origin = web_sys::window()
                .and_then(|w| w.location().origin().ok())
                .unwrap_or_default();
            let reject_message = reject.clone();
            let on_message = Closure::once_into_js(move |arg: JsValue| {
                if let Ok(close) = get(&closer, "close").dyn_into::<Function>() {
                    let _ = close.call0(&closer);
                }
                match dialog_message_from(&arg, &own_origin) {
                    Some(message) => {
                        let _ = resolve.call1(&JsValue::NULL, &message.into());
                    }
                    None => {
                        let _ = reject_message.call1(
                            &JsValue::NULL,
                            &failure_value("the sign-in window answered from another site"),
                        );
                    }
                }
            });
            let on_event = Closure::once_into_js(move |arg: JsValue| {
                let _ = reject.call1(&JsValue::NULL, &dialog_event(&get(&arg, "error")));
            });
            if let Ok(add) = get(&dialog, "addEventHandler").dyn_into::<Function>() {
                let _ = add.call2(&dialog, &message_event, &on_message);
                let _ = add.call2(&dialog, &closed_event, &on_event);
            }
        });
        let _ = display.call3(&ui, &JsValue::from_str(&url), &options, &on_open);
    });
    JsFuture::from(promise)
        .await
        .map_err(office_error)?
        .as_string()
        .ok_or_else(|| failure("the dialog sent no message"))
}

/// The message of a `DialogMessageReceived` event, if it came from the pane's own origin.
/// Office gives the sender's `origin` where it supports DialogOrigin 1.1 (and, without it,
/// delivers only messages of the pane's own domain): a message from any other origin is not
/// Liaison's sign-in page and is ignored.
fn dialog_message_from(arg: &JsValue, own_origin: &str) -> Option<String> {
    let message = get(arg, "message").as_string()?;
    match get(arg, "origin").as_string() {
        Some(origin) if origin != own_origin => None,
        _ => Some(message),
    }
}

/// An error object with `message`, as the dialog's rejections carry.
fn failure_value(message: &str) -> JsValue {
    let error = js_sys::Object::new();
    let _ = Reflect::set(&error, &"message".into(), &message.into());
    error.into()
}

/// An error object for a `DialogEventReceived` code, in Office's words.
fn dialog_event(code: &JsValue) -> JsValue {
    let code = code.as_f64().unwrap_or(0.0) as u32;
    let message = match code {
        12006 => "The sign-in window was closed",
        12002 => "The sign-in page could not be loaded",
        12003 => "The sign-in page was not served over HTTPS",
        _ => "The sign-in window ended",
    };
    let error = js_sys::Object::new();
    let _ = Reflect::set(&error, &"name".into(), &format!("Dialog{code}").into());
    let _ = Reflect::set(&error, &"message".into(), &message.into());
    let _ = Reflect::set(&error, &"code".into(), &JsValue::from(code));
    error.into()
}

fn failure(message: &str) -> OfficeError {
    OfficeError {
        name: "Unavailable".into(),
        message: message.into(),
    }
}

fn office_global() -> Option<JsValue> {
    let window = web_sys::window()?;
    let office = Reflect::get(&window, &"Office".into()).ok()?;
    (!office.is_undefined()).then_some(office)
}

/// The names in the mailbox's master category list (Mailbox 1.8). Delegates can read it but
/// not add to it; an item can only be given a category that is in it.
pub async fn master_categories() -> Result<Vec<String>, OfficeError> {
    let masters = path(
        &get(&js_sys::global(), "Office"),
        &["context", "mailbox", "masterCategories"],
    );
    call_async(&masters, "getAsync", &[])
        .await
        .map(|list| {
            if !Array::is_array(&list) {
                return Vec::new();
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        /// `officeTheme` colours are Outlook's to send: any text reads as dark or not.
        #[test]
        fn any_theme_colour_reads_as_dark_or_not(background in ".{0,12}") {
            let _ = Theme { body_background: background, body_foreground: String::new() }.is_dark();
        }
    }

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

/// What Office.js answers is outside input to the pane (`office_values.rs`).
#[cfg(all(test, target_arch = "wasm32"))]
#[path = "../office_values.rs"]
mod office_values;
