//! What Office.js answers is outside input to the pane: in Chromium, seeded random values of
//! every JavaScript type, where Office.js gives an object, a list or a number, never panic the
//! readers, and permission bits come only from a number.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

use super::{
    category_names, dialog_message_from, get, path, permission_bits, shared_properties, string,
};

wasm_bindgen_test_configure!(run_in_browser);

/// SplitMix64: the same values on every run.
struct Values(u64);

impl Values {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % n.max(1)
    }

    fn any(&mut self, depth: u32) -> JsValue {
        let numbers = [
            0.0,
            1.0,
            63.0,
            64.0,
            -1.0,
            0.5,
            1e300,
            f64::NAN,
            f64::INFINITY,
            4294967296.0,
        ];
        let texts = [
            "",
            "olga@contoso.com",
            "CRM",
            "#292929",
            "é\u{0}\u{202e}",
            "63",
        ];
        let keys = [
            "owner",
            "delegatePermissions",
            "displayName",
            "emailAddress",
            "x",
        ];
        match self.below(if depth == 0 { 6 } else { 8 }) {
            0 => JsValue::UNDEFINED,
            1 => JsValue::NULL,
            2 => JsValue::from_bool(self.below(2) == 0),
            3 => JsValue::from_f64(numbers[self.below(numbers.len() as u64) as usize]),
            4 => JsValue::from_str(texts[self.below(texts.len() as u64) as usize]),
            5 => JsValue::from_f64(self.below(1 << 20) as f64 - 1000.0),
            6 => {
                let list = Array::new();
                for _ in 0..self.below(4) {
                    list.push(&self.any(depth - 1));
                }
                list.into()
            }
            _ => {
                let object = Object::new();
                for _ in 0..self.below(4) {
                    let key = keys[self.below(keys.len() as u64) as usize];
                    let _ = Reflect::set(&object, &key.into(), &self.any(depth - 1));
                }
                object.into()
            }
        }
    }
}

#[wasm_bindgen_test]
fn a_dialog_message_counts_only_from_the_panes_own_origin() {
    let event = |message: &str, origin: Option<&str>| {
        let event = Object::new();
        let _ = Reflect::set(&event, &"message".into(), &message.into());
        if let Some(origin) = origin {
            let _ = Reflect::set(&event, &"origin".into(), &origin.into());
        }
        JsValue::from(event)
    };
    let own = "https://liaison.contoso.example";
    assert_eq!(
        dialog_message_from(&event("ldc_1", Some(own)), own).as_deref(),
        Some("ldc_1")
    );
    assert_eq!(
        dialog_message_from(&event("ldc_1", Some("https://evil.example")), own),
        None
    );
    // Without DialogOrigin 1.1 Office gives no origin (and delivers same-domain messages).
    assert_eq!(
        dialog_message_from(&event("ldc_1", None), own).as_deref(),
        Some("ldc_1")
    );
}

#[wasm_bindgen_test]
fn any_value_office_js_answers_is_read_without_panicking() {
    let mut values = Values(2026);
    for _ in 0..2_000 {
        let value = values.any(3);
        if let Some(shared) = shared_properties(&value) {
            assert!(!shared.owner.is_empty());
        }
        assert!(permission_bits(&value) == 0 || value.as_f64().is_some());
        let _ = category_names(&value);
        let _ = (
            string(&value, "owner"),
            get(&value, "x"),
            path(&value, &["a", "b"]),
        );
    }
    assert_eq!(permission_bits(&JsValue::from_f64(f64::NAN)), 0);
    assert_eq!(permission_bits(&JsValue::from_f64(-1.0)), 0);
    assert_eq!(permission_bits(&JsValue::from_f64(1e300)), 0);
    assert_eq!(permission_bits(&JsValue::from_f64(63.0)), 63);
}
