//! `GET /`: the server's front page for people: what this is, the manifest to deploy, and in the
//! demo, one link per seeded mailbox that opens the task pane as that person.

use axum::extract::State;
use axum::response::Html;

use crate::http::markup::escape;
use crate::http::pages::layout;
use crate::state::AppState;

pub async fn get_home(State(state): State<AppState>) -> Html<String> {
    let base = state.public_url.as_str();
    let mut body = format!(
        "<h1>Liaison</h1>\
         <p>A CRM sidebar for Outlook: link calendar items, including those of calendars you \
         manage as a delegate, to CRM records.</p>\
         <h2>Deploy</h2>\
         <ul>\
         <li><a href=\"{base}/manifest.xml\">manifest.xml</a>: sideload it in Outlook \
         (My add-ins → Add a custom add-in → Add from file) or upload it in the Microsoft 365 \
         admin center (Integrated apps)</li>\
         <li><a href=\"{base}/taskpane.html\">The task pane</a>, as Outlook loads it</li>\
         <li><a href=\"{base}/diagnostics/permissions\">Permission check</a>: why can't a \
         delegate do something?</li>\
         <li><a href=\"{base}/healthz\">Health</a></li>\
         </ul>"
    );
    if let Some(demo) = &state.demo {
        body.push_str(
            "<h2>Demo</h2><p><a href=\"/dev/outlook\">Open the simulated Outlook</a>: pick a \
             person, open an item of their calendar or of one they manage, and use Liaison \
             beside it. Or open the bare task pane as one of the simulated tenant's people:</p><ul>",
        );
        for mailbox in &demo.mailboxes {
            let query = format!(
                "host=simulator&mailbox={}&name={}",
                url_encode(&mailbox.address),
                url_encode(&mailbox.display_name)
            );
            body.push_str(&format!(
                "<li><a href=\"{base}/taskpane.html?{}\">{}</a> &lt;{}&gt;</li>",
                escape(&query),
                escape(&mailbox.display_name),
                escape(&mailbox.address),
            ));
        }
        body.push_str(&format!(
            "</ul><p>Microsoft 365 simulator: <code>{}</code></p>",
            escape(&demo.simulator_url)
        ));
    }
    Html(layout("Home", "", &body))
}

fn url_encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
