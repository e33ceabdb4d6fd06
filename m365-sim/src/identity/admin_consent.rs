//! The legacy admin consent endpoint (`/adminconsent`): an administrator grants consent for
//! the whole tenant.

use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::state::SimState;

use super::common::*;

#[derive(Debug, Deserialize)]
pub struct AdminConsentParams {
    client_id: Option<String>,
    redirect_uri: Option<String>,
    scope: Option<String>,
    state: Option<String>,
}

/// `GET /{tenant}/v2.0/adminconsent`: an administrator grants consent for the whole tenant.
pub async fn admin_consent_page(
    State(state): State<Arc<SimState>>,
    Path(tenant): Path<String>,
    Query(params): Query<AdminConsentParams>,
) -> Response {
    if let Err(page) = check_admin_consent(&state, &tenant, &params) {
        return page;
    }
    let users: String = tenant_users(&state, &tenant)
        .iter()
        .map(|(_, u)| {
            format!(
                "<li><label><input type=radio name=user value=\"{mail}\"> {name}</label></li>",
                mail = escape(&u.mail),
                name = escape(&u.display_name)
            )
        })
        .collect();
    Html(format!(
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Permissions requested \
         — accept for your organization</title></head><body><h1>Permissions requested — \
         accept for your organization</h1><p>Scope: <code>{}</code></p>\
         <p>Only a tenant administrator can accept for everyone in the organization.</p>\
         <form method=post><ul id=accounts>{users}</ul>\
         <button id=accept name=decision value=accept>Accept</button> \
         <button id=cancel name=decision value=cancel>Cancel</button></form></body></html>",
        escape(params.scope.as_deref().unwrap_or(""))
    ))
    .into_response()
}

fn check_admin_consent(
    state: &SimState,
    tenant: &str,
    params: &AdminConsentParams,
) -> Result<String, Response> {
    if tenant == "common" {
        return Err(error_page(
            StatusCode::BAD_REQUEST,
            90130,
            "Admin consent is not supported on the /common endpoint.",
        ));
    }
    let world = state.world();
    if world.tenant(tenant).is_none() {
        return Err(error_page(
            StatusCode::BAD_REQUEST,
            90002,
            "Tenant not found.",
        ));
    }
    if params.client_id.as_deref() != Some(world.app.client_id.as_str()) {
        return Err(error_page(
            StatusCode::BAD_REQUEST,
            700016,
            "Application not found.",
        ));
    }
    let redirect_uri = params.redirect_uri.clone().unwrap_or_default();
    if !world.app.redirect_uris.contains(&redirect_uri) {
        return Err(error_page(
            StatusCode::BAD_REQUEST,
            50011,
            "The redirect URI does not match.",
        ));
    }
    Ok(redirect_uri)
}

/// `POST /{tenant}/v2.0/adminconsent`
pub async fn admin_consent_submit(
    State(state): State<Arc<SimState>>,
    Path(tenant): Path<String>,
    Query(params): Query<AdminConsentParams>,
    Form(decision): Form<AuthorizeDecision>,
) -> Response {
    let redirect_uri = match check_admin_consent(&state, &tenant, &params) {
        Ok(uri) => uri,
        Err(page) => return page,
    };
    let (tenant_id, is_admin) = {
        let world = state.world();
        let Some(t) = world.tenant(&tenant) else {
            return error_page(StatusCode::BAD_REQUEST, 90002, "Tenant not found.");
        };
        (
            t.id.clone(),
            t.admins
                .iter()
                .any(|a| a.eq_ignore_ascii_case(&decision.user)),
        )
    };
    let mut url = match url::Url::parse(&redirect_uri) {
        Ok(url) => url,
        Err(_) => return error_page(StatusCode::BAD_REQUEST, 50011, "Bad redirect URI."),
    };
    {
        let mut query = url.query_pairs_mut();
        query.append_pair("admin_consent", "True");
        if decision.decision != "accept" {
            query.append_pair("error", "access_denied");
            query.append_pair(
                "error_description",
                "AADSTS65004: User declined to consent.",
            );
        } else if !is_admin {
            query.append_pair("error", "consent_required");
            query.append_pair(
                "error_description",
                "AADSTS90094: An administrator must grant permission for this app.",
            );
        } else {
            state.world().admin_consents.insert(tenant_id.clone());
            query.append_pair("tenant", &tenant_id);
            query.append_pair("scope", params.scope.as_deref().unwrap_or(""));
        }
        if let Some(s) = &params.state {
            query.append_pair("state", s);
        }
    }
    Redirect::to(url.as_str()).into_response()
}
