//! `GET /admin/consent`: an administrator signs in on Microsoft's admin consent page
//! (`prompt=admin_consent`) and consents for the organization. Microsoft decides who may; the
//! callback (`GET /auth/microsoft/callback`) records the consent from the validated ID token.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

use crate::http::error::Result;
use crate::state::AppState;
use crate::store::{FlowPurpose, Provider};

pub async fn start_admin_consent(State(state): State<AppState>) -> Result<Response> {
    let url = state
        .sign_in
        .start(Provider::Microsoft, FlowPurpose::AdminConsent, false, None)
        .await?;
    Ok(Redirect::to(url.as_str()).into_response())
}
