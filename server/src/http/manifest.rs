//! The Outlook add-in manifest (`manifest.xml` at the repository root), rendered for a server's
//! public URL.
//!
//! The file in the repository is itself a valid manifest for a development server at
//! [`TEMPLATE_ORIGIN`]; rendering replaces that origin everywhere it occurs.

use crate::http::public_url::PublicUrl;

/// The manifest as shipped.
pub const TEMPLATE: &str = include_str!("../../../manifest.xml");

/// The origin the shipped manifest points at.
pub const TEMPLATE_ORIGIN: &str = "https://localhost:3000";

/// The manifest with every URL pointing at `public_url`.
pub fn render(public_url: &PublicUrl) -> String {
    render_with(public_url, None)
}

/// The end of the VersionOverrides 1.1 block, where `WebApplicationInfo` goes (after
/// `Resources`, as the schema orders it).
const OVERRIDES_1_1_END: &str = "      </Resources>\n    </VersionOverrides>";

/// The manifest for `public_url`, with Office SSO (`WebApplicationInfo`) when Liaison's app
/// registration — client id and Application ID URI — is known.
pub fn render_with(public_url: &PublicUrl, web_application: Option<&(String, String)>) -> String {
    let xml = TEMPLATE.replace(
        TEMPLATE_ORIGIN,
        &crate::http::markup::escape(public_url.as_str()),
    );
    match web_application {
        None => xml,
        Some((client_id, app_id_uri)) => xml.replacen(
            OVERRIDES_1_1_END,
            &format!(
                "      </Resources>\n      <WebApplicationInfo>\n        <Id>{}</Id>\n        \
                 <Resource>{}</Resource>\n        <Scopes>\n          <Scope>openid</Scope>\n          \
                 <Scope>profile</Scope>\n        </Scopes>\n      </WebApplicationInfo>\n    \
                 </VersionOverrides>",
                crate::http::markup::escape(client_id),
                crate::http::markup::escape(app_id_uri)
            ),
            1,
        ),
    }
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
    fn office_sso_is_declared_when_the_app_registration_is_known() {
        let url: PublicUrl = "https://crm.contoso.com".parse().unwrap();
        assert!(!render(&url).contains("WebApplicationInfo"));
        let app = (
            "3f6d1b2e-5c4a-4e8f-9b7d-2a1c0e9f8d71".to_owned(),
            "api://crm.contoso.com/3f6d1b2e-5c4a-4e8f-9b7d-2a1c0e9f8d71".to_owned(),
        );
        let xml = render_with(&url, Some(&app));
        assert!(xml.contains("<Id>3f6d1b2e-5c4a-4e8f-9b7d-2a1c0e9f8d71</Id>"));
        assert!(xml.contains(
            "<Resource>api://crm.contoso.com/3f6d1b2e-5c4a-4e8f-9b7d-2a1c0e9f8d71</Resource>"
        ));
    }

    #[test]
    fn the_template_asks_for_shared_folders_and_mailbox_1_8() {
        assert!(TEMPLATE.contains("<SupportsSharedFolders>true</SupportsSharedFolders>"));
        assert!(TEMPLATE.contains(r#"DefaultMinVersion="1.8""#));
    }

    #[test]
    fn url_characters_that_break_xml_are_escaped() {
        assert_eq!(crate::http::markup::escape("a&b'c"), "a&amp;b&apos;c");
    }
}
