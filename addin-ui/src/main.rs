//! The task pane's entry point: mounts [`liaison_addin_ui::App`] on the page.

fn main() {
    // A defect says what it was in the browser's console. The message only: a full panic hook
    // (location, formatted payload) weighed a kilobyte of every user's download.
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("a defect in the task pane");
        let mut line = String::from("Liaison: ");
        line.push_str(message);
        web_sys::console::error_1(&line.into());
    }));
    leptos::mount::mount_to_body(liaison_addin_ui::App);
}
