//! Subresource Integrity: the `sha384-…` hashes under which the pane's page loads its wasm and
//! its JavaScript. A file changed after trunk wrote the page must have its hash renewed there,
//! or the browser refuses it; a hash the page names that no file has fails the build instead.

use std::collections::BTreeSet;

use anyhow::{Result, ensure};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha384};

/// The integrity value of `bytes`: `sha384-` and the base64 of its SHA-384 digest.
pub fn integrity(bytes: &[u8]) -> String {
    format!("sha384-{}", STANDARD.encode(Sha384::digest(bytes)))
}

/// `html` with the integrity `old` replaced by `new`; `old` must be there.
pub fn renew(html: &str, old: &str, new: &str) -> Result<String> {
    let attribute = format!("integrity={old}");
    ensure!(html.contains(&attribute), "the page has no {attribute}");
    Ok(html.replace(&attribute, &format!("integrity={new}")))
}

/// The integrity values `html` names that none of `files` has (empty: every one checks out).
pub fn unmatched(html: &str, files: &[&[u8]]) -> BTreeSet<String> {
    let known: BTreeSet<String> = files.iter().map(|f| integrity(f)).collect();
    html.split("integrity=")
        .skip(1)
        .map(|rest| {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || "+/=-".contains(c)))
                .unwrap_or(rest.len());
            rest[..end].to_owned()
        })
        .filter(|value| !known.contains(value))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_integrity_value_is_the_base64_sha384_of_the_bytes() {
        // FIPS 180-2's SHA-384 example ("abc"), in base64.
        assert_eq!(
            integrity(b"abc"),
            "sha384-ywB1P0WjXou1oD1pmsZQBycsMqsO3tFjGotgWkP/W+2AhgcroefMI1i67KE0yCWn"
        );
    }

    #[test]
    fn a_hash_is_renewed_only_where_the_page_names_it() {
        let html = r#"<link rel="modulepreload" href="/a.js" integrity=sha384-OLD crossorigin>"#;
        let renewed = renew(html, "sha384-OLD", "sha384-NEW").unwrap();
        assert!(renewed.contains("integrity=sha384-NEW") && !renewed.contains("OLD"));
        assert!(renew(html, "sha384-OTHER", "sha384-NEW").is_err());
    }

    #[test]
    fn a_hash_no_file_has_is_found() {
        let wasm: &[u8] = b"\0asm";
        let js: &[u8] = b"export {}";
        let html = format!(
            "<link integrity={} crossorigin><link integrity={}><script integrity=sha384-stale>",
            integrity(wasm),
            integrity(js)
        );
        assert_eq!(
            unmatched(&html, &[wasm, js]),
            BTreeSet::from(["sha384-stale".to_owned()])
        );
        assert!(unmatched(&html.replace("sha384-stale", &integrity(js)), &[wasm, js]).is_empty());
    }
}
