//! Where the task pane's files come from: compiled into the binary (`cargo build --release`
//! after `scripts/build-ui` embeds trunk's `addin-ui/dist`), or a folder named with `--ui-dir`.
//!
//! Embedded, because one file is then the whole deployment: `liaison serve` works from any
//! folder, a container image needs nothing beside the binary, and the pane can never be out of
//! step with the server that serves it. In a debug build rust-embed reads the same folder from
//! disk instead (its documented behaviour without `debug-embed`), so a rebuilt pane shows
//! without rebuilding the server.

use std::path::PathBuf;

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::Embed;

/// trunk's output, as it was when the server was compiled (none if it was not built: the
/// server then says so, and serves `--ui-dir`).
#[derive(Embed)]
#[folder = "../addin-ui/dist/"]
#[allow_missing = true]
struct Embedded;

/// The folder the pane is read from when none is named and none is embedded.
pub const DEFAULT_UI_DIR: &str = "addin-ui/dist";

/// The task pane's files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaneFiles {
    /// The files compiled into the binary.
    Embedded,
    /// The files of a folder.
    Dir(PathBuf),
}

impl PaneFiles {
    /// `ui_dir` when given; else the embedded files, if the binary has them; else
    /// [`DEFAULT_UI_DIR`].
    pub fn choose(ui_dir: Option<PathBuf>) -> Self {
        match ui_dir {
            Some(dir) => Self::Dir(dir),
            None if Embedded::get("index.html").is_some() => Self::Embedded,
            None => Self::Dir(PathBuf::from(DEFAULT_UI_DIR)),
        }
    }

    /// Where the files come from, in words.
    pub fn describe(&self) -> String {
        match self {
            Self::Embedded => "the task pane built into this binary".to_owned(),
            Self::Dir(dir) => dir.display().to_string(),
        }
    }

    /// The pane's page, or why it cannot be read.
    pub fn index(&self) -> Result<String, String> {
        match self {
            Self::Embedded => Embedded::get("index.html")
                .and_then(|file| String::from_utf8(file.data.into_owned()).ok())
                .ok_or_else(|| "the embedded task pane has no index.html".to_owned()),
            Self::Dir(dir) => {
                let index = dir.join("index.html");
                std::fs::read_to_string(&index)
                    .map_err(|e| format!("{} cannot be read ({e})", index.display()))
            }
        }
    }
}

/// Answers a request for one of the embedded files (the wasm, its JavaScript, the stylesheet),
/// by path; names carry content hashes, so they may be cached for long.
pub async fn serve_embedded(request: Request) -> Response {
    let path = request.uri().path().trim_start_matches('/');
    let Some(file) = Embedded::get(path).filter(|_| !path.is_empty()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let content_type = HeaderValue::from_str(file.metadata.mimetype())
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    (
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
        ],
        file.data.into_owned(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_named_folder_wins_and_says_what_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let files = PaneFiles::choose(Some(dir.path().to_path_buf()));
        assert_eq!(files, PaneFiles::Dir(dir.path().to_path_buf()));
        assert!(
            files
                .index()
                .unwrap_err()
                .contains("index.html cannot be read")
        );
    }
}
