//! The few ways the pane talks to Office.js — reading a property, calling an `…Async` method
//! and waiting for its `AsyncResult`, reading Office's errors — and the values every part of
//! `office` shares (a mailbox, an Office error). The leaf of `office`: it imports nothing of it.

use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    pub display_name: String,
    pub email_address: String,
}

/// An Office.js call that failed, with Office's error name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeError {
    pub name: String,
    pub message: String,
}

impl std::fmt::Display for OfficeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

pub(super) fn office_error(error: JsValue) -> OfficeError {
    OfficeError {
        name: string(&error, "name").unwrap_or_else(|| "Failed".into()),
        message: string(&error, "message")
            .or_else(|| error.as_string())
            .unwrap_or_else(|| "Office reported an error".into()),
    }
}

/// Calls an Office.js `…Async(args…, callback)` method and waits for its `AsyncResult`: the
/// value when it succeeded, the error object when not (also when the method is missing).
pub(super) async fn call_async(
    target: &JsValue,
    method: &str,
    args: &[JsValue],
) -> Result<JsValue, JsValue> {
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

pub(super) fn get(target: &JsValue, key: &str) -> JsValue {
    if target.is_undefined() || target.is_null() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(target, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

pub(super) fn path(root: &JsValue, keys: &[&str]) -> JsValue {
    keys.iter()
        .fold(root.clone(), |value, key| get(&value, key))
}

pub(super) fn string(target: &JsValue, key: &str) -> Option<String> {
    get(target, key).as_string()
}
