//! What the load-time benchmark (`scripts/bench pane`) reads from the page.

/// Marks when the item context is on screen, for the load-time benchmark.
pub fn mark_context_shown() {
    let now = js_sys::Reflect::get(&js_sys::global(), &"performance".into())
        .ok()
        .and_then(|p| {
            let now: js_sys::Function =
                wasm_bindgen::JsCast::dyn_into(js_sys::Reflect::get(&p, &"now".into()).ok()?)
                    .ok()?;
            now.call0(&p).ok()
        });
    if let Some(now) = now {
        let _ = js_sys::Reflect::set(&js_sys::global(), &"__liaisonContextShownAt".into(), &now);
    }
}
