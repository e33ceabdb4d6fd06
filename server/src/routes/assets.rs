//! `GET /assets/{name}`: the add-in icons the manifest names and the site stylesheet, compiled
//! into the binary so a deployment needs no asset directory.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "icon-16.png",
        "image/png",
        include_bytes!("../../../assets/icon-16.png"),
    ),
    (
        "icon-32.png",
        "image/png",
        include_bytes!("../../../assets/icon-32.png"),
    ),
    (
        "icon-64.png",
        "image/png",
        include_bytes!("../../../assets/icon-64.png"),
    ),
    (
        "icon-80.png",
        "image/png",
        include_bytes!("../../../assets/icon-80.png"),
    ),
    (
        "icon-128.png",
        "image/png",
        include_bytes!("../../../assets/icon-128.png"),
    ),
    (
        "book.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../assets/book.js"),
    ),
    (
        "console.css",
        "text/css; charset=utf-8",
        include_bytes!("../../../assets/console.css"),
    ),
    (
        "console.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../assets/console.js"),
    ),
    (
        "crm.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../assets/crm.js"),
    ),
    (
        "page.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../assets/page.js"),
    ),
    (
        "site.css",
        "text/css; charset=utf-8",
        include_bytes!("../../../assets/site.css"),
    ),
];

pub async fn get_asset(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, content_type, bytes)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            *bytes,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
