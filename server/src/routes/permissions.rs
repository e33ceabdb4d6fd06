//! `POST /api/permissions/resolve`: the permission rules as a pure service. It reads no data and
//! needs no session: given the facts, it answers the level, the capabilities and every action's
//! verdict. Admins and support use it to answer "why can't this delegate save this?".

use axum::Json;
use liaison_domain::api::{ErrorCode, FieldError, ResolveRequest, ResolveResponse};
use liaison_domain::permissions::resolve;

use crate::http::error::{ApiError, Result};
use crate::http::extract::AppJson;

#[utoipa::path(
    post,
    path = "/permissions/resolve",
    tag = "permissions",
    request_body = liaison_domain::api::ResolveRequest,
    responses((status = 200, body = liaison_domain::api::ResolveResponse), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody))
)]
pub async fn resolve_permissions(
    AppJson(request): AppJson<ResolveRequest>,
) -> Result<Json<ResolveResponse>> {
    let facts = request.to_facts().map_err(invalid_value)?;
    Ok(Json(resolve(&facts).into()))
}

/// A field whose value the rules do not accept: `400 invalid_value` naming it.
pub fn invalid_value(error: FieldError) -> ApiError {
    ApiError::BadRequest {
        code: ErrorCode::InvalidValue,
        message: error.message,
        field: Some(error.field),
    }
}
