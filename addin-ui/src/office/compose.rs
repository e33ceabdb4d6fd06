//! What the pane needs of an item being composed to offer the Organizer's times: who it is from
//! — a message's From (`item.from.getAsync`, Mailbox 1.7) or a meeting's organizer
//! (`item.organizer.getAsync`, Mailbox 1.7) — and inserting a link into its body where the
//! cursor is (`item.body.setSelectedDataAsync`, Mailbox 1.2, compose mode only), as HTML or
//! text as the body is (`body.getTypeAsync`, Mailbox 1.1).

use js_sys::{Object, Reflect};
use wasm_bindgen::JsValue;

use super::bridge::{Mailbox, OfficeError, call_async, get, office_error, path, string};

/// A message being composed: the pane offers the Organizer's times to insert into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComposedMessage {
    /// Its From as Office.js reports it (the delegate's own address, or the owner's when they
    /// send on the owner's behalf).
    pub from: Option<Mailbox>,
}

/// `item.<field>.getAsync()`'s `EmailAddressDetails`, read as a mailbox.
pub(super) async fn address_of(item: &JsValue, field: &str) -> Option<Mailbox> {
    let details = call_async(&get(item, field), "getAsync", &[]).await.ok()?;
    let email_address = string(&details, "emailAddress").filter(|a| !a.is_empty())?;
    Some(Mailbox {
        display_name: string(&details, "displayName").unwrap_or_default(),
        email_address,
    })
}

/// Whether the selected item is a message (`itemType`, `Office.MailboxEnums.ItemType`).
pub(super) fn is_message(item: &JsValue) -> bool {
    string(item, "itemType").as_deref() == Some("message")
}

/// Escapes text for HTML (`&`, `<`, `>`, `"`).
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Inserts `text` and the link `url` at the cursor of the item being composed.
pub async fn insert_link(text: &str, url: &str) -> Result<(), OfficeError> {
    let body = path(
        &get(&js_sys::global(), "Office"),
        &["context", "mailbox", "item", "body"],
    );
    let html = call_async(&body, "getTypeAsync", &[])
        .await
        .ok()
        .and_then(|t| t.as_string())
        .is_some_and(|t| t == "html");
    let data = if html {
        format!(
            "<p>{} <a href=\"{}\">{}</a></p>",
            escape(text),
            escape(url),
            escape(url)
        )
    } else {
        format!("{text} {url}")
    };
    let options = Object::new();
    let coercion = if html { "html" } else { "text" };
    let _ = Reflect::set(&options, &"coercionType".into(), &coercion.into());
    call_async(
        &body,
        "setSelectedDataAsync",
        &[JsValue::from_str(&data), options.into()],
    )
    .await
    .map(drop)
    .map_err(office_error)
}
