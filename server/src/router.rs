//! Every route of the server, by path.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{get, post};
use tower_http::services::ServeDir;
use tower_http::trace::TraceLayer;

use crate::headers::{Https, security_headers};
use crate::limits::{MAX_BODY_BYTES, time_limit};
use crate::rate_limit::{ClientRateLimit, limit_per_client};
use crate::routes::{
    admin, assets, auth, crm, diagnostics, fallback, health, home, items, manifest, me,
    permissions, simulator, sync, taskpane,
};
use crate::state::AppState;

pub fn build(
    state: AppState,
    ui_dir: &std::path::Path,
    https: bool,
    rate_limit: ClientRateLimit,
) -> Router<()> {
    // Endpoints that need no session, limited per client.
    let public_api = Router::new()
        .route(
            "/permissions/resolve",
            post(permissions::resolve_permissions),
        )
        .route("/session/sso", post(auth::post_sso))
        .route("/session/exchange", post(auth::post_exchange))
        // Microsoft Graph's webhooks (validated by clientState, not by a session).
        .route(
            "/graph/notifications",
            post(crate::sync::notifications::post_notifications),
        )
        .route(
            "/graph/lifecycle",
            post(crate::sync::notifications::post_lifecycle),
        )
        .route_layer(middleware::from_fn_with_state(rate_limit, limit_per_client));
    // Endpoints of the signed-in user; each takes `auth::Caller`.
    let user_api = Router::new()
        .route("/items/context", post(items::get_item_context))
        .route("/items/save", post(items::save_item))
        .route("/items/unlink", post(items::unlink_item))
        .route("/items/categorize", post(items::categorize_item))
        .route("/items/status", get(items::get_item_status))
        .route("/crm/records", get(crm::search_records))
        .route("/me", get(me::get_me))
        .route("/me/sync", axum::routing::put(me::set_sync))
        .route("/sync", get(sync::get_status))
        .route("/sync/run", post(sync::post_run))
        .route(
            "/crm/events/{id}",
            axum::routing::delete(sync::delete_event),
        )
        .route("/session", axum::routing::delete(auth::delete_session))
        .route(
            "/admin/settings",
            get(admin::get_settings).put(admin::put_settings),
        )
        .route("/admin/audit", get(admin::get_audit))
        .route("/connections/google", post(auth::post_connect_google))
        .route(
            "/connections/microsoft/check",
            post(auth::post_check_microsoft),
        );
    let api = Router::new()
        .merge(public_api)
        .merge(user_api)
        .fallback(fallback::api_not_found)
        .method_not_allowed_fallback(fallback::api_method_not_allowed);

    Router::new()
        .route("/", get(home::get_home))
        .route("/healthz", get(health::get_health))
        .route("/manifest.xml", get(manifest::get_manifest))
        .route("/taskpane.html", get(taskpane::get_task_pane))
        .route("/assets/{name}", get(assets::get_asset))
        .route("/dev/office.js", get(simulator::get_office_js))
        .route("/dev/outlook", get(simulator::get_outlook))
        .route("/dev/outlook.js", get(simulator::get_outlook_js))
        .route("/dev/outlook.css", get(simulator::get_outlook_css))
        .route("/dev/outlook/world.json", get(simulator::get_world))
        .route("/dev/office/sso-token", get(simulator::get_sso_token))
        .route(
            "/dev/outlook/categories",
            axum::routing::put(simulator::put_categories),
        )
        .route("/dev/outlook/events", post(simulator::post_composed))
        .route("/auth/microsoft/start", get(auth::get_microsoft_start))
        .route("/auth/{provider}/callback", get(auth::get_callback))
        .route("/auth/dialog.js", get(auth::get_dialog_js))
        .route("/admin/consent", get(auth::get_admin_consent))
        .route("/permissions", get(auth::get_permissions_page))
        .route(
            "/diagnostics/permissions",
            get(diagnostics::get_permission_diagnostics),
        )
        .nest("/api", api)
        // The task pane's wasm, JS and CSS, as trunk built them (names carry content hashes).
        .fallback_service(ServeDir::new(ui_dir))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn(time_limit))
        .layer(middleware::from_fn_with_state(Https(https), security_headers))
        .layer(
            // Spans name the method and path only: query strings can carry OAuth codes.
            // Failures are logged once, where they happen (`ApiError`), not again here.
            TraceLayer::new_for_http()
                .make_span_with(|req: &axum::extract::Request| {
                    tracing::debug_span!("request", method = %req.method(), path = %req.uri().path())
                })
                .on_failure(()),
        )
        .with_state(state)
}
