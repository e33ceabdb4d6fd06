//! What every request lives within, and the HTTP side of everything: errors as JSON with
//! stable codes, the JSON body extractor, the signed-in caller, security headers, limits, the
//! server's pages, the task pane page, the manifest, TLS.
//!
//! - [`error`]: [`error::ApiError`], the one way a handler fails; each layer's own error
//!   converts into it here, and only here.
//! - [`extract`]: `AppJson<T>`, naming the bad field of a body; [`caller`]: `Caller`;
//!   [`console`]: the administrators' callers (a bearer token, or the console's cookie).
//! - [`headers`] (CSP, HSTS per route class), [`limits`] (body size, time), [`rate_limit`],
//!   [`fetch_metadata`] (the sign-in pages take cross-site navigations only), [`measure`]
//!   (every request counted and timed for the metrics, by route class).
//! - [`pages`]: the one HTML layout; [`markup`]: escaping; [`taskpane`]: the task pane page;
//!   [`pane_files`]: the pane's files, built into the binary or from `--ui-dir`;
//!   [`manifest`]: `manifest.xml` for a public URL; [`unified_manifest`]: the same add-in in
//!   the unified JSON manifest; [`tls`]: certificates.

pub mod accept;
pub mod caller;
pub mod console;
pub mod error;
pub mod extract;
pub mod fetch_metadata;
pub mod headers;
pub mod limits;
pub mod manifest;
pub mod markup;
pub mod measure;
pub mod pages;
pub mod pane_files;
pub mod public_url;
pub mod rate_limit;
pub mod taskpane;
pub mod tls;
pub mod unified_manifest;
