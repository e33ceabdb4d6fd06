//! The simulator's HTTP surface by path: the identity platform, Microsoft Graph, the Google
//! surface, and the SSO token Office hands an add-in.

use std::sync::Arc;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};

use crate::state::SimState;
use crate::{google, graph, identity, traffic};

pub(crate) fn router(state: Arc<SimState>) -> Router {
    let mut router = Router::new()
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(identity::openid_configuration),
        )
        .route("/{tenant}/discovery/v2.0/keys", get(identity::keys))
        .route(
            "/{tenant}/.well-known/openid-configuration",
            get(identity::v1_openid_configuration),
        )
        .route("/{tenant}/discovery/keys", get(identity::v1_keys))
        .route(
            "/{tenant}/oauth2/v2.0/authorize",
            get(identity::authorize_page).post(identity::authorize_submit),
        )
        .route("/{tenant}/oauth2/v2.0/token", post(identity::token))
        .route(
            "/{tenant}/v2.0/adminconsent",
            get(identity::admin_consent_page).post(identity::admin_consent_submit),
        )
        .route("/_office/sso-token", get(identity::office_sso_token))
        .route(
            "/_outlook/events/categories",
            axum::routing::put(crate::outlook::put_categories),
        )
        .route("/_outlook/events", post(crate::outlook::post_composed))
        .route("/_outlook/world.json", get(crate::outlook::world_json))
        .route(
            "/google/.well-known/openid-configuration",
            get(google::openid_configuration),
        )
        .route("/google/oauth2/v3/certs", get(google::certs))
        .route(
            "/google/o/oauth2/v2/auth",
            get(google::authorize_page).post(google::authorize_submit),
        )
        .route("/google/token", post(google::token))
        .route(
            "/google/calendar/v3/calendars/{calendar}/events",
            get(google::list_events),
        )
        .route("/v1.0/users", get(graph::list_users))
        .route("/v1.0/users/{user}", get(graph::get_user))
        .route("/v1.0/users/{user}/calendar", get(graph::get_calendar))
        .route("/v1.0/users/{user}/calendars", get(graph::list_calendars))
        .route(
            "/v1.0/users/{user}/calendar/calendarPermissions",
            get(graph::calendar_permissions),
        )
        .route(
            "/v1.0/users/{user}/outlook/masterCategories",
            get(graph::list_categories).post(graph::create_category),
        )
        .route(
            "/v1.0/users/{user}/calendar/getSchedule",
            post(graph::get_schedule),
        )
        .route("/v1.0/$batch", post(graph::batch))
        .route("/v1.0/subscriptions", post(graph::create_subscription))
        .route(
            "/v1.0/subscriptions/{id}",
            axum::routing::patch(graph::renew_subscription).delete(graph::delete_subscription),
        );
    // Graph answers the same resources under `…/events` and `…/calendar/events`.
    for prefix in ["/v1.0/users/{user}", "/v1.0/users/{user}/calendar"] {
        router = router
            .route(
                &format!("{prefix}/events"),
                get(graph::list_events).post(graph::create_event),
            )
            .route(
                &format!("{prefix}/events/{{id}}"),
                get(graph::get_event)
                    .patch(graph::update_event)
                    .delete(graph::delete_event),
            )
            .route(
                &format!("{prefix}/events/{{id}}/permanentDelete"),
                post(graph::permanent_delete_event),
            )
            .route(&format!("{prefix}/calendarView"), get(graph::calendar_view))
            .route(
                &format!("{prefix}/calendarView/delta"),
                get(graph::calendar_view_delta),
            );
    }
    let router = router
        .fallback(graph::not_found_route)
        .layer(from_fn_with_state(
            state.clone(),
            traffic::middleware::<SimState>,
        ))
        .with_state(state.clone());
    let _ = state.router.set(router.clone());
    router
}
