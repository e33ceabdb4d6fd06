//! Every route of the server, by path.

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::get;
use axum::{Extension, Router};
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, Predicate};
use tower_http::services::ServeDir;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::fetch_metadata::navigations_only;
use crate::http::headers::{Https, compressible, security_headers};
use crate::http::limits::{MAX_BODY_BYTES, time_limit};
use crate::http::measure::measure;
use crate::http::pane_files::{PaneFiles, serve_embedded};
use crate::http::rate_limit::{RouteClass, limit_route_class};
use crate::routes::openapi::ApiDoc;
use crate::routes::{
    admin, admin_consent, assets, booking_links, booking_page, connections, console, crm,
    crm_calendars, crm_import, crm_webhooks, diagnostics, fallback, graph_webhooks, health, home,
    items, manifest, me, metrics, openapi, pages, permissions, records, sign_in, sync, taskpane,
};
use crate::state::AppState;

/// The API under `/api`, every route registered with its OpenAPI description (utoipa-axum's
/// `routes!`): none is served without being in `GET /api/openapi.json`, which serves the
/// document they make. (No `.route(` between the two markers: a unit test reads them.)
fn api<L>(limited: &impl Fn(RouteClass) -> L) -> Router<AppState>
where
    L: tower::Layer<axum::routing::Route> + Clone + Send + Sync + 'static,
    L::Service: tower::Service<axum::extract::Request, Error = std::convert::Infallible>
        + Clone
        + Send
        + Sync
        + 'static,
    <L::Service as tower::Service<axum::extract::Request>>::Response:
        axum::response::IntoResponse + 'static,
    <L::Service as tower::Service<axum::extract::Request>>::Future: Send + 'static,
{
    // API routes: begin
    // Endpoints that need no session, limited per client and class: flooding one class never
    // starves another.
    let resolve = OpenApiRouter::new()
        .routes(routes!(permissions::resolve_permissions))
        .route_layer(limited(RouteClass::Resolve));
    let sign_in_api = OpenApiRouter::new()
        .routes(routes!(sign_in::start_sso_session))
        .routes(routes!(sign_in::exchange_dialog_code))
        .route_layer(limited(RouteClass::SignIn));
    // Microsoft Graph's webhooks (validated by clientState, not by a session).
    let webhooks = OpenApiRouter::new()
        .routes(routes!(graph_webhooks::receive_notifications))
        .routes(routes!(graph_webhooks::receive_lifecycle))
        .route_layer(limited(RouteClass::Webhooks));
    // Endpoints of the signed-in user; each takes `http::caller::Caller` (the administrators'
    // ones `http::console::AdminCaller`).
    let user_api = OpenApiRouter::new()
        .routes(routes!(items::read_item_context))
        .routes(routes!(items::save_item))
        .routes(routes!(items::unlink_item))
        .routes(routes!(items::categorize_item))
        .routes(routes!(items::get_item_status))
        .routes(routes!(crm::search_records, records::create_record))
        .routes(routes!(
            records::get_record,
            records::update_record,
            records::delete_record
        ))
        .routes(routes!(records::restore_record))
        .routes(routes!(records::share_record, records::unshare_record))
        .routes(routes!(records::record_history))
        .routes(routes!(records::get_changes))
        .routes(routes!(records::get_calendar_shares))
        .routes(routes!(crm_calendars::list_calendars))
        .routes(routes!(crm_calendars::calendar_events))
        .routes(routes!(records::share_calendar, records::unshare_calendar))
        .routes(routes!(sync::delete_event))
        .routes(routes!(me::get_me))
        .routes(routes!(me::set_sync_setting))
        .routes(routes!(sync::get_sync_status))
        .routes(routes!(sync::run_sync_now))
        .routes(routes!(sign_in::end_session))
        .routes(routes!(admin::get_me))
        .routes(routes!(admin::end_session))
        .routes(routes!(admin::get_settings, admin::put_settings))
        .routes(routes!(admin::get_users))
        .routes(routes!(admin::get_sync))
        .routes(routes!(admin::resume_sync))
        .routes(routes!(admin::get_audit))
        .routes(routes!(admin::diagnose))
        .routes(routes!(admin::get_deployment))
        .routes(routes!(crm_import::import_records))
        .routes(routes!(crm_import::export_records))
        .routes(routes!(
            crm_webhooks::list_webhooks,
            crm_webhooks::create_webhook
        ))
        .routes(routes!(crm_webhooks::delete_webhook))
        .routes(routes!(crm_webhooks::list_dead_letters))
        .routes(routes!(crm_webhooks::replay_dead_letter))
        .routes(routes!(
            booking_links::list_links,
            booking_links::create_link
        ))
        .routes(routes!(booking_links::free_slots))
        .routes(routes!(booking_links::list_calendars))
        .routes(routes!(booking_links::revoke_link))
        .routes(routes!(booking_links::admin_list_links))
        .routes(routes!(booking_links::admin_revoke_link))
        .routes(routes!(connections::connect_google))
        .routes(routes!(connections::confirm_google))
        .routes(routes!(connections::check_microsoft))
        .routes(routes!(openapi::get_document));
    let (api, mut document) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(resolve)
        .merge(sign_in_api)
        .merge(webhooks)
        .merge(user_api)
        .split_for_parts();
    // API routes: end
    // The paths as clients call them, under `/api`.
    document.paths.paths = std::mem::take(&mut document.paths.paths)
        .into_iter()
        .map(|(path, item)| (format!("/api{path}"), item))
        .collect();
    api.layer(Extension(Arc::new(document)))
        .fallback(fallback::api_not_found)
        .method_not_allowed_fallback(fallback::api_method_not_allowed)
}

/// [`compressible`] as the function pointer tower-http's predicates take.
type Compressible = fn(
    axum::http::StatusCode,
    axum::http::Version,
    &axum::http::HeaderMap,
    &axum::http::Extensions,
) -> bool;

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
    let api = api(&limited);

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
        .route("/crm/sign-in", get(crm_calendars::start_crm_sign_in))
        .route_layer(limited(RouteClass::SignIn))
        .route_layer(middleware::from_fn(navigations_only));

    // The public booking pages: no session (the link's secret is the credential), limited per
    // client here and per link in the handler.
    let booking_pages = Router::new()
        .route(
            "/book/{secret}",
            get(booking_page::show).post(booking_page::book),
        )
        .route_layer(limited(RouteClass::Booking));

    let router = Router::new()
        .route("/", get(home::get_home))
        .route("/admin", get(console::get_console))
        .route("/crm", get(crm_calendars::get_crm_page))
        .route("/healthz", get(health::get_health))
        .route("/metrics", get(metrics::get_metrics))
        .route("/manifest.xml", get(manifest::get_manifest))
        .route("/manifest.json", get(manifest::get_unified_manifest))
        .route("/manifest.zip", get(manifest::get_app_package))
        .route("/taskpane.html", get(taskpane::get_task_pane))
        .route("/assets/{name}", get(assets::get_asset))
        .merge(sign_in_pages)
        .merge(booking_pages)
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
                    tracing::debug_span!("request", method = %req.method(), path = %logged_path(req.uri().path()))
                })
                .on_failure(()),
        )
        .layer(
            CompressionLayer::new()
                .compress_when(DefaultPredicate::new().and(compressible as Compressible)),
        )
        .layer(middleware::from_fn(measure))
        .with_state(state)
}

/// A path as logs show it: a booking link's secret (`/book/{secret}`) is a credential, and
/// never written down.
fn logged_path(path: &str) -> &str {
    if path.starts_with("/book/") {
        "/book/{secret}"
    } else {
        path
    }
}

#[cfg(test)]
mod tests {
    /// Every `/api` route goes through utoipa-axum's `routes!` (so it is in the OpenAPI
    /// document): between the markers of [`super::api`], no route is added any other way.
    #[test]
    fn no_api_route_is_added_without_its_description() {
        let source = include_str!("router.rs");
        let begin = source
            .find("// API routes: begin")
            .expect("the begin marker");
        let end = source.find("// API routes: end").expect("the end marker");
        let api = &source[begin..end];
        for undescribed in [".route(", ".nest(", ".nest_service(", ".route_service("] {
            assert!(
                !api.contains(undescribed),
                "{undescribed} among the API routes"
            );
        }
        assert!(api.matches("routes!(").count() >= 30);
    }
}
