//! The item's sync status: not synced, queued, synced (when, in the user's time zone), failed
//! (why), outside the synced window (why, and what to do).

use leptos::prelude::*;
use liaison_domain::api::{ItemStatus, SyncState};
use wasm_bindgen::JsValue;

/// `at` (RFC 3339, as the server writes it: UTC) as `YYYY-MM-DD HH:MM` in the browser's time
/// zone — the user's, as Outlook's own times are; `None` for a time the browser cannot read.
pub fn local_minute(at: &str) -> Option<String> {
    let date = js_sys::Date::new(&JsValue::from_str(at));
    if date.get_time().is_nan() {
        return None;
    }
    Some(format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        date.get_full_year(),
        date.get_month() + 1,
        date.get_date(),
        date.get_hours(),
        date.get_minutes()
    ))
}

#[component]
pub fn Status(
    /// The item's sync status, as the server answered it.
    status: ItemStatus,
) -> impl IntoView {
    let text = match status.state {
        SyncState::NotSynced => "Not in the CRM yet".to_owned(),
        SyncState::Queued => "Queued for the next sync session".to_owned(),
        SyncState::Synced => match status.synced_at.as_deref().and_then(local_minute) {
            Some(at) => format!("Synced to the CRM ({at})"),
            None => "Synced to the CRM".to_owned(),
        },
        SyncState::Failed => format!(
            "Sync failed: {}",
            status
                .error_message
                .unwrap_or_else(|| status.error_code.unwrap_or_default())
        ),
        SyncState::OutsideWindow => status
            .error_message
            .unwrap_or_else(|| "Outside the synced window".to_owned()),
    };
    view! { <p class="lz-sync" data-state=status.state.as_str()>{text}</p> }
}

/// Component tests in a real browser (`scripts/test-pane-components`: wasm-bindgen-test in
/// headless Chromium): each component mounted alone, its DOM read back.
#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests {
    use liaison_domain::api::{ErrorBody, ErrorCode, SaveItemResponse, SyncState};
    use wasm_bindgen::JsCast;
    use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

    use super::*;
    use crate::api::ApiFailure;
    use crate::views::item::save::SaveResult;
    use crate::views::item::scope::SaveAnswer;
    use liaison_domain::api::SaveOutcome;

    wasm_bindgen_test_configure!(run_in_browser);

    /// Mounts `view` in a fresh element and returns that element.
    fn mount<V: IntoView + 'static>(view: impl FnOnce() -> V + 'static) -> web_sys::HtmlElement {
        let document = web_sys::window().unwrap().document().unwrap();
        let host: web_sys::HtmlElement = document.create_element("div").unwrap().unchecked_into();
        document.body().unwrap().append_child(&host).unwrap();
        // The mounted view lives as long as the test page.
        std::mem::forget(leptos::mount::mount_to(host.clone(), view));
        host
    }

    fn one(host: &web_sys::HtmlElement, css: &str) -> web_sys::Element {
        host.query_selector(css)
            .unwrap()
            .unwrap_or_else(|| panic!("no {css}"))
    }

    fn status(state: SyncState) -> ItemStatus {
        ItemStatus {
            state,
            synced_at: Some("2026-11-23T09:15:00Z".into()),
            error_code: Some("category_not_removed".into()),
            error_message: Some("Remove the CRM category by hand.".into()),
        }
    }

    #[wasm_bindgen_test]
    fn the_item_status_names_each_state_and_a_failure_says_why() {
        for (state, code, text) in [
            (SyncState::NotSynced, "notSynced", "Not in the CRM yet"),
            (
                SyncState::Queued,
                "queued",
                "Queued for the next sync session",
            ),
            (
                SyncState::Synced,
                "synced",
                // In the zone the browser runs in (UTC in CI, see the zone tests below).
                &*format!(
                    "Synced to the CRM ({})",
                    local_minute("2026-11-23T09:15:00Z").unwrap()
                ),
            ),
            (
                SyncState::Failed,
                "failed",
                "Sync failed: Remove the CRM category by hand.",
            ),
            (
                SyncState::OutsideWindow,
                "outsideWindow",
                "Remove the CRM category by hand.",
            ),
        ] {
            let host = mount(move || view! { <Status status=status(state) /> });
            let p = one(&host, ".lz-sync");
            assert_eq!(p.get_attribute("data-state").as_deref(), Some(code));
            assert_eq!(p.text_content().unwrap_or_default(), text);
        }
    }

    #[wasm_bindgen_test]
    fn a_time_shows_in_the_browsers_zone_to_the_minute() {
        // The offset the browser's zone has at that instant, in minutes (positive west of UTC).
        let at = "2026-12-06T15:00:00Z";
        let offset = js_sys::Date::new(&JsValue::from_str(at)).get_timezone_offset();
        let shown = local_minute(at).unwrap();
        let expected = match offset as i32 {
            0 => "2026-12-06 15:00",
            -540 => "2026-12-07 00:00", // Asia/Tokyo
            480 => "2026-12-06 07:00",  // America/Los_Angeles
            other => panic!("a zone this test does not know: {other}"),
        };
        assert_eq!(shown, expected);
        assert_eq!(local_minute("2026-12-06T15:00:00.250Z").unwrap(), expected);
        assert_eq!(local_minute("not a time"), None);
    }

    #[wasm_bindgen_test]
    fn a_queued_save_says_so_and_a_refusal_is_an_alert_with_its_code() {
        let queued: SaveAnswer = Ok(SaveItemResponse {
            outcome: SaveOutcome::Queued,
            crm_event: None,
            status: status(SyncState::Queued),
        });
        let host = mount(move || view! { <SaveResult result=queued /> });
        let p = one(&host, ".lz-result--ok");
        assert_eq!(p.get_attribute("role").as_deref(), Some("status"));
        assert!(p.text_content().unwrap_or_default().starts_with("Queued"));

        let refused: SaveAnswer = Err(ApiFailure::Server(ErrorBody {
            code: ErrorCode::AuthorNotCreator,
            message: "Authors can only save items they created".into(),
            field: None,
        }));
        let host = mount(move || view! { <SaveResult result=refused /> });
        let p = one(&host, ".lz-result--error");
        assert_eq!(p.get_attribute("role").as_deref(), Some("alert"));
        assert_eq!(
            p.get_attribute("data-code").as_deref(),
            Some("author_not_creator")
        );
        assert!(
            p.text_content()
                .unwrap_or_default()
                .contains("Authors can only save")
        );
    }

    #[wasm_bindgen_test]
    async fn the_debounce_timer_waits_then_resumes() {
        let before = js_sys::Date::now();
        crate::remote::sleep(30).await;
        assert!(js_sys::Date::now() >= before + 25.0);
    }
}
