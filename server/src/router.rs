//! Every route of the server, by path.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{delete, get, post, put};
use tower_http::services::ServeDir;
use tower_http::trace::TraceLayer;

use crate::http::fetch_metadata::navigations_only;
use crate::http::headers::{Https, security_headers};
use crate::http::limits::{MAX_BODY_BYTES, time_limit};
use crate::http::measure::measure;
use crate::http::pane_files::{PaneFiles, serve_embedded};
use crate::http::rate_limit::{RouteClass, limit_route_class};
use crate::routes::{
    admin, admin_consent, assets, connections, console, crm, diagnostics, fallback, graph_webhooks,
    health, home, items, manifest, me, metrics, pages, permissions, sign_in, sync, taskpane,
};
use crate::state::AppState;

pub fn build(
    state: AppState,
    pane_files: &PaneFiles,
    https: bool,
    request_timeout: std::time::Duration,
) -> Router<()> {
    // Endpoints that need no session, limited per client and class: flooding one class never
    // starves another.
    let limited = |class: RouteClass| {
        middleware::from_fn_with_state((state.limits.clone(), class), limit_route_class)
    };
    let resolve = Router::new()
        .route(
            "/permissions/resolve",
            post(permissions::resolve_permissions),
        )
        .route_layer(limited(RouteClass::Resolve));
    let sign_in_api = Router::new()
        .route("/session/sso", post(sign_in::start_sso_session))
        .route("/session/exchange", post(sign_in::exchange_dialog_code))
        .route_layer(limited(RouteClass::SignIn));
    // Microsoft Graph's webhooks (validated by clientState, not by a session).
    let webhooks = Router::new()
        .route(
            "/graph/notifications",
            post(graph_webhooks::receive_notifications),
        )
        .route("/graph/lifecycle", post(graph_webhooks::receive_lifecycle))
        .route_layer(limited(RouteClass::Webhooks));
    let public_api = Router::new()
        .merge(resolve)
        .merge(sign_in_api)
        .merge(webhooks);
    // Endpoints of the signed-in user; each takes `http::caller::Caller`.
    let user_api = Router::new()
        .route("/items/context", post(items::read_item_context))
        .route("/items/save", post(items::save_item))
        .route("/items/unlink", post(items::unlink_item))
        .route("/items/categorize", post(items::categorize_item))
        .route("/items/status", get(items::get_item_status))
        .route("/crm/records", get(crm::search_records))
        .route("/crm/events/{id}", delete(sync::delete_event))
        .route("/me", get(me::get_me))
        .route("/me/sync", put(me::set_sync_setting))
        .route("/sync", get(sync::get_sync_status))
        .route("/sync/run", post(sync::run_sync_now))
        .route("/session", delete(sign_in::end_session))
        .route("/admin/me", get(admin::get_me))
        .route("/admin/session", delete(admin::end_session))
        .route(
            "/admin/settings",
            get(admin::get_settings).put(admin::put_settings),
        )
        .route("/admin/users", get(admin::get_users))
        .route("/admin/sync", get(admin::get_sync))
        .route("/admin/sync/{mailbox}/resume", post(admin::resume_sync))
        .route("/admin/audit", get(admin::get_audit))
        .route("/admin/diagnose", get(admin::diagnose))
        .route("/admin/deploy", get(admin::get_deployment))
        .route("/connections/google", post(connections::connect_google))
        .route(
            "/connections/google/confirm",
            post(connections::confirm_google),
        )
        .route(
            "/connections/microsoft/check",
            post(connections::check_microsoft),
        );
    let api = Router::new()
        .merge(public_api)
        .merge(user_api)
        .fallback(fallback::api_not_found)
        .method_not_allowed_fallback(fallback::api_method_not_allowed);

    // Pages that start or finish a sign-in write to the store without a session; another
    // site may only navigate to them (`Sec-Fetch-*`), and that is rate limited.
    let sign_in_pages = Router::new()
        .route(
            "/auth/microsoft/start",
            get(sign_in::start_microsoft_sign_in),
        )
        .route("/auth/google/start", get(sign_in::start_google_connect))
        .route("/auth/{provider}/callback", get(sign_in::finish_sign_in))
        .route("/admin/consent", get(admin_consent::start_admin_consent))
        .route("/admin/sign-in", get(sign_in::start_console_sign_in))
        .route_layer(limited(RouteClass::SignIn))
        .route_layer(middleware::from_fn(navigations_only));

    let router = Router::new()
        .route("/", get(home::get_home))
        .route("/admin", get(console::get_console))
        .route("/healthz", get(health::get_health))
        .route("/metrics", get(metrics::get_metrics))
        .route("/manifest.xml", get(manifest::get_manifest))
        .route("/taskpane.html", get(taskpane::get_task_pane))
        .route("/assets/{name}", get(assets::get_asset))
        .merge(sign_in_pages)
        .route("/auth/dialog.js", get(pages::get_dialog_js))
        .route("/permissions", get(pages::get_permissions_page))
        .route(
            "/diagnostics/permissions",
            get(diagnostics::get_permission_diagnostics),
        )
        .nest("/api", api);
    // The simulated Outlook exists only in a demo build, and answers only in the demo.
    #[cfg(feature = "demo")]
    let router = if state.demo.is_some() {
        router.nest("/dev", crate::routes::simulator::router())
    } else {
        router
    };
    // The task pane's wasm, JS and CSS, as trunk built them (names carry content hashes).
    let router = match pane_files {
        PaneFiles::Dir(dir) => router.fallback_service(ServeDir::new(dir)),
        PaneFiles::Embedded => router.fallback(serve_embedded),
    };
    router
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(request_timeout, time_limit))
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
        .layer(middleware::from_fn(measure))
        .with_state(state)
}
