//! The task pane page: trunk's `index.html`, loaded once at start-up, with the CSP that lets
//! only Outlook frame it and allows trunk's inline loader by its hash.
//!
//! In Outlook the page loads Microsoft's Office.js from its CDN. In the demo and in tests, the
//! same page loading the simulator's Office.js stand-in instead is kept beside it, served from
//! this origin; deployments never serve it.

use axum::http::HeaderValue;
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::http::headers::task_pane_csp;
use crate::http::pane_files::PaneFiles;

/// The script tag `addin-ui/index.html` loads Office.js with.
pub const OFFICE_JS_CDN: &str = "https://appsforoffice.microsoft.com/lib/1/hosted/office.js";

/// Where the demo serves the simulator's Office.js stand-in.
pub const OFFICE_JS_STAND_IN: &str = "/dev/office.js";

/// The built task pane page, or why there is none.
#[derive(Debug)]
pub enum TaskPane {
    Built {
        /// The page as built, loading Office.js from Microsoft.
        outlook: String,
        /// The page loading the Office.js stand-in (served only in the demo and tests).
        simulated: String,
        csp: HeaderValue,
    },
    Missing {
        reason: String,
    },
}

impl TaskPane {
    /// Reads trunk's `index.html` from where the pane's files are.
    pub fn load(files: &PaneFiles) -> Self {
        let html = match files.index() {
            Ok(html) => html,
            Err(why) => {
                return Self::Missing {
                    reason: format!(
                        "{why}. Build the task pane with scripts/build-ui (a release build then \
                         carries it), or point --ui-dir at trunk's output"
                    ),
                };
            }
        };
        if !html.contains(OFFICE_JS_CDN) {
            return Self::Missing {
                reason: format!(
                    "the index.html of {} does not load Office.js from {OFFICE_JS_CDN}",
                    files.describe()
                ),
            };
        }
        let csp = task_pane_csp(&inline_script_hashes(&html));
        Self::Built {
            simulated: html.replace(OFFICE_JS_CDN, OFFICE_JS_STAND_IN),
            outlook: html,
            csp: HeaderValue::from_str(&csp).expect("a CSP built from hashes is a valid header"),
        }
    }
}

/// The `sha256-…` CSP sources of every inline `<script>` in `html` (trunk's wasm loader).
fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        rest = &rest[start..];
        let Some(tag_end) = rest.find('>') else { break };
        let tag = &rest[..tag_end];
        let Some(close) = rest.find("</script>") else {
            break;
        };
        if !tag.contains(" src=") && close > tag_end {
            let body = &rest[tag_end + 1..close];
            let digest = Sha256::digest(body.as_bytes());
            hashes.push(format!(
                "sha256-{}",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ));
        }
        rest = &rest[close + "</script>".len()..];
    }
    hashes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_are_hashed_and_external_ones_are_not() {
        let html =
            r#"<script src="https://x/office.js"></script><script type="module">init()</script>"#;
        let hashes = inline_script_hashes(html);
        assert_eq!(hashes.len(), 1);
        let expected = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(b"init()"));
        assert_eq!(hashes[0], format!("sha256-{expected}"));
    }

    #[test]
    fn a_missing_build_says_how_to_build_it() {
        let dir = tempfile::tempdir().unwrap();
        let files = PaneFiles::Dir(dir.path().to_path_buf());
        let TaskPane::Missing { reason } = TaskPane::load(&files) else {
            panic!("expected a missing task pane")
        };
        assert!(reason.contains("scripts/build-ui"));
    }
}
