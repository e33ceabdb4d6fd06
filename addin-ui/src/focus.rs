//! Keeps the keyboard focus across a re-render. The item's context is rendered again after
//! every save or unlink; without this, the focus would fall back to the page's body and a
//! keyboard user would start over from the top of the pane.

use leptos::prelude::{document, request_animation_frame};
use wasm_bindgen::JsCast;

/// The id of the element that has the focus, when it has one.
pub fn focused_id() -> Option<String> {
    let id = document().active_element()?.id();
    (!id.is_empty()).then_some(id)
}

/// Once the new view is on the page (the next frame), focuses the element `id` again, or, when
/// that control is gone (an unlinked record's button), the element `fallback`.
pub fn restore(id: String, fallback: &'static str) {
    request_animation_frame(move || {
        let document = document();
        let target = document
            .get_element_by_id(&id)
            .or_else(|| document.get_element_by_id(fallback))
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(target) = target {
            let _ = target.focus();
        }
    });
}
