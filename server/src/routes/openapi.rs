//! `GET /api/openapi.json`: the API's OpenAPI 3.1 document, generated from the code — every
//! `/api` route is registered with its `#[utoipa::path]` (utoipa-axum's `routes!`), so a route
//! cannot be served without being described; the JSON types' schemas come from
//! `liaison_domain` (its `openapi` feature).

use std::sync::Arc;

use axum::{Extension, Json};
use utoipa::openapi::OpenApi as Document;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The document's fixed parts; the paths are added as the routes are registered.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Liaison",
        description = "The API of Liaison, a CRM sidebar for Outlook: the task pane's calls, the \
                       administrators' API, Microsoft Graph's webhooks. docs/API.md says the \
                       rules behind each answer."
    ),
    modifiers(&Credentials),
    tags(
        (name = "items", description = "The sidebar's work on a calendar item"),
        (name = "crm", description = "CRM records and events"),
        (name = "me", description = "The signed-in person's own account"),
        (name = "sync", description = "Sync sessions"),
        (name = "booking", description = "Booking links: an Organizer's free times, sent from the sidebar"),
        (name = "connections", description = "Connected calendar accounts"),
        (name = "session", description = "Signing in and out"),
        (name = "permissions", description = "The permission rules as a pure service"),
        (name = "webhooks", description = "Microsoft Graph's change and lifecycle notifications"),
        (name = "admin", description = "The administrators' API (Liaison.Admin)"),
        (name = "meta", description = "This document")
    )
)]
pub struct ApiDoc;

/// The credentials the API takes: a session token (`Authorization: Bearer lsn_…`), the
/// console's cookie, and Office's SSO token (only to start a session).
struct Credentials;

impl Modify for Credentials {
    fn modify(&self, document: &mut Document) {
        let components = document.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        components.add_security_scheme(
            "office_sso",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        components.add_security_scheme(
            "console",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("__Host-liaison-console"))),
        );
    }
}

/// `GET /api/openapi.json`
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "meta",
    responses((status = 200, description = "this OpenAPI 3.1 document", content_type = "application/json"))
)]
pub async fn get_document(Extension(document): Extension<Arc<Document>>) -> Json<Arc<Document>> {
    Json(document)
}
