//! The Outlook add-in manifest (`manifest.xml` at the repository root), rendered for a server's
//! public URL.
//!
//! The file in the repository is itself a valid manifest for a development server at
//! [`TEMPLATE_ORIGIN`]; rendering replaces that origin everywhere it occurs.

use crate::config::PublicUrl;

/// The manifest as shipped.
pub const TEMPLATE: &str = include_str!("../../manifest.xml");

/// The origin the shipped manifest points at.
pub const TEMPLATE_ORIGIN: &str = "https://localhost:3000";

/// The manifest with every URL pointing at `public_url`.
pub fn render(public_url: &PublicUrl) -> String {
    TEMPLATE.replace(TEMPLATE_ORIGIN, &crate::markup::escape(public_url.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendering_replaces_every_development_url() {
        let url: PublicUrl = "https://crm.contoso.com/liaison".parse().unwrap();
        let xml = render(&url);
        assert!(!xml.contains(TEMPLATE_ORIGIN));
        assert!(xml.contains("https://crm.contoso.com/liaison/taskpane.html"));
        assert!(xml.contains("https://crm.contoso.com/liaison/assets/icon-80.png"));
    }

    #[test]
    fn the_template_asks_for_shared_folders_and_mailbox_1_8() {
        assert!(TEMPLATE.contains("<SupportsSharedFolders>true</SupportsSharedFolders>"));
        assert!(TEMPLATE.contains(r#"DefaultMinVersion="1.8""#));
    }

    #[test]
    fn url_characters_that_break_xml_are_escaped() {
        assert_eq!(crate::markup::escape("a&b'c"), "a&amp;b&apos;c");
    }
}
