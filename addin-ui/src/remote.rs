//! Calls that take time (to Liaison's server, to Office.js) as signals the views read: the
//! latest call's answer and whether a call is under way.
//!
//! Leptos's resources and actions do this too, but each answer type gets its own copy of their
//! async machinery (async-derived signals, suspense, send wrappers): a third of the pane's
//! WebAssembly. Here every call runs as the same boxed task, so the per-type code is two
//! signals; views show their own loading state where a resource would have used `<Suspense>`.

use std::future::Future;
use std::pin::Pin;

use leptos::prelude::*;

/// The answer of the latest call, and whether a call is running. `Copy`, like a signal.
pub struct Remote<T: Send + Sync + 'static> {
    answer: RwSignal<Option<T>>,
    running: RwSignal<bool>,
    /// Numbers the calls, so that an earlier call finishing late never replaces a later answer.
    latest: StoredValue<u32>,
}

impl<T: Send + Sync + 'static> Clone for Remote<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Remote<T> {}

impl<T: Send + Sync + 'static> Default for Remote<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Send + Sync + 'static> Remote<T> {
    /// No call made yet: no answer, not running.
    pub fn new() -> Self {
        Self {
            answer: RwSignal::new(None),
            running: RwSignal::new(false),
            latest: StoredValue::new(0),
        }
    }

    /// Starts `call`; its answer replaces the previous one, unless another call started since.
    /// Until then the previous answer stays readable, so a reload does not blank the view.
    pub fn run(self, call: impl Future<Output = T> + 'static) {
        let Some(number) = self.latest.try_update_value(|n| {
            *n = n.wrapping_add(1);
            *n
        }) else {
            return;
        };
        self.running.set(true);
        spawn(Box::pin(async move {
            let answer = call.await;
            // The view that made the call may be gone by now: then nothing is written.
            if self.latest.try_get_value() == Some(number) {
                self.answer.try_set(Some(answer));
                self.running.try_set(false);
            }
        }));
    }

    /// Replaces the answer with one learnt another way (a write that answered the new state).
    pub fn set_answer(self, answer: T) {
        self.answer.try_set(Some(answer));
    }

    /// Forgets the answer (it no longer holds) and any call still under way.
    pub fn forget(self) {
        self.latest.try_update_value(|n| *n = n.wrapping_add(1));
        self.answer.try_set(None);
        self.running.try_set(false);
    }

    /// Whether a call is under way (tracked).
    pub fn running(self) -> bool {
        self.running.get()
    }
}

impl<T: Clone + Send + Sync + 'static> Remote<T> {
    /// The latest answer, `None` before the first one arrives (tracked).
    pub fn answer(self) -> Option<T> {
        self.answer.get()
    }
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

/// Every call runs as this one task type: one copy of the spawning code for all of them.
fn spawn(task: Pin<Box<dyn Future<Output = ()>>>) {
    leptos::task::spawn_local(task);
}

/// In a real browser (`scripts/test` runs them with wasm-bindgen-test): calls race as they do
/// when someone types in the search box or clicks twice.
#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests {
    use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

    use super::sleep;
    use super::*;

    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    async fn an_earlier_call_answering_late_never_replaces_the_latest_answer() {
        // Mounting sets up Leptos's task executor, as the pane's `main` does.
        leptos::mount::mount_to_body(|| ());
        let remote = Remote::<&'static str>::new();
        assert_eq!((remote.answer(), remote.running()), (None, false));

        remote.run(async {
            sleep(80).await;
            "first, slow"
        });
        remote.run(async {
            sleep(10).await;
            "second, fast"
        });
        assert!(remote.running());
        sleep(40).await;
        assert_eq!(remote.answer(), Some("second, fast"));
        assert!(!remote.running());
        sleep(80).await;
        assert_eq!(
            remote.answer(),
            Some("second, fast"),
            "the slow call landed late"
        );

        // A new call keeps the previous answer readable until its own arrives.
        remote.run(async {
            sleep(20).await;
            "third"
        });
        assert_eq!(remote.answer(), Some("second, fast"));
        assert!(remote.running());
        sleep(60).await;
        assert_eq!(remote.answer(), Some("third"));

        // Forgetting clears the answer, and a call still under way never lands.
        remote.run(async {
            sleep(20).await;
            "fourth"
        });
        remote.forget();
        assert_eq!((remote.answer(), remote.running()), (None, false));
        sleep(60).await;
        assert_eq!(remote.answer(), None);
    }
}
