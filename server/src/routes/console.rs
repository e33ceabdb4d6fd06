//! `GET /admin`: the administrators' console, one page (`assets/console.html`, its script and
//! stylesheet under `/assets/`) over the administrators' API. It signs in by redirect
//! (`/admin/sign-in`) in an ordinary browser, outside Outlook.

use axum::http::header;
use axum::response::IntoResponse;

const CONSOLE: &str = include_str!("../../../assets/console.html");

pub async fn get_console() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        CONSOLE,
    )
}
