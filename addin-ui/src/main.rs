//! The task pane's entry point: mounts [`liaison_addin_ui::App`] on the page.

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(liaison_addin_ui::App);
}
