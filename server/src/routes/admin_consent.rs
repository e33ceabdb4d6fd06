//! `GET /admin/consent`: an administrator signs in on Microsoft's admin consent page
//! (`prompt=admin_consent`) and consents for the organization. Microsoft decides who may; the
//! callback (`GET /auth/microsoft/callback`) records the consent from the validated ID token.

use axum::extract::State;
use axum::response::Response;

use crate::http::error::Result;
use crate::routes::sign_in::to_provider;
use crate::state::AppState;
use crate::store::{FlowPurpose, Provider};

pub async fn start_admin_consent(State(state): State<AppState>) -> Result<Response> {
    let started = state
        .sign_in
        .start(Provider::Microsoft, FlowPurpose::AdminConsent, false, None)
        .await?;
    Ok(to_provider(&state, started))
}
