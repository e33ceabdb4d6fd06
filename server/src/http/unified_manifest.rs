//! The same add-in in Microsoft's unified app manifest for Microsoft 365 (JSON), for a server's
//! public URL: what `manifest.xml` says, in the terms of the unified schema — the task pane
//! opened from the meeting (organizer and attendee) and read-message ribbons, Mailbox 1.8, the
//! mailbox read/write and shared-folder (delegate) permissions, Office SSO's app registration.
//! Microsoft documents that the unified manifest is not supported by Outlook on Mac, mobile or
//! perpetual Office: the XML manifest stays the one for those.
//!
//! `GET /manifest.json` serves it; `GET /manifest.zip` is the app package the Microsoft 365
//! admin center takes (the manifest and its two icons); `liaison manifest --format json` prints
//! it. The test suite validates it against Microsoft's JSON schema of [`MANIFEST_VERSION`]
//! (npm `@microsoft/app-manifest`, pinned in package.json).

use serde_json::{Value, json};

use crate::http::public_url::PublicUrl;

/// The unified manifest's schema version.
pub const MANIFEST_VERSION: &str = "1.24";

/// The add-in's id: the XML manifest's, so both describe one add-in.
pub const ADD_IN_ID: &str = "5b1f6a2e-4c1d-4e8a-9f3b-2d7c8e9a0b14";

/// The app package's icons, as the manifest names them, and their bytes.
pub const PACKAGE_ICONS: [(&str, &[u8]); 2] = [
    (
        "color.png",
        include_bytes!("../../../assets/icon-color-192.png"),
    ),
    (
        "outline.png",
        include_bytes!("../../../assets/icon-outline-32.png"),
    ),
];

/// The manifest for `public_url`, with Office SSO (`webApplicationInfo`) when Liaison's app
/// registration — client id and Application ID URI — is known.
pub fn render(public_url: &PublicUrl, web_application: Option<&(String, String)>) -> Value {
    let url = public_url.as_str();
    let icons = |sizes: &[u32]| -> Vec<Value> {
        sizes
            .iter()
            .map(|size| json!({ "size": size, "url": format!("{url}/assets/icon-{size}.png") }))
            .collect()
    };
    let requirements = json!({
        "capabilities": [{ "name": "Mailbox", "minVersion": "1.8" }],
        "scopes": ["mail"],
        "formFactors": ["desktop"]
    });
    let button = json!({
        "id": "liaisonOpen",
        "type": "button",
        "label": "CRM sidebar",
        "icons": icons(&[16, 32, 80]),
        "supertip": {
            "title": "CRM sidebar",
            "description": "Link this item to CRM records and sync it to the CRM."
        },
        "actionId": "openLiaison"
    });
    let mut manifest = json!({
        "$schema": format!(
            "https://developer.microsoft.com/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
        ),
        "manifestVersion": MANIFEST_VERSION,
        "version": env!("CARGO_PKG_VERSION"),
        "id": ADD_IN_ID,
        "localizationInfo": { "defaultLanguageTag": "en-us" },
        "developer": {
            "name": "Liaison",
            "websiteUrl": format!("{url}/"),
            "privacyUrl": format!("{url}/permissions"),
            "termsOfUseUrl": format!("{url}/")
        },
        "name": { "short": "Liaison CRM", "full": "Liaison CRM sidebar for Outlook" },
        "description": {
            "short": "A CRM sidebar for Outlook.",
            "full": "Link calendar items, including those of calendars you manage as a delegate, \
                     to CRM records and sync them."
        },
        "icons": { "color": PACKAGE_ICONS[0].0, "outline": PACKAGE_ICONS[1].0 },
        "accentColor": "#0F6CBD",
        "validDomains": [host(public_url)],
        "authorization": {
            "permissions": {
                "resourceSpecific": [
                    // The XML manifest's ReadWriteMailbox ("read/write mailbox" is
                    // `Mailbox.ReadWrite.User` in the unified manifest: Microsoft's
                    // understanding-outlook-add-in-permissions) and SupportsSharedFolders
                    // (`Mailbox.SharedFolder`, delegated).
                    { "name": "Mailbox.ReadWrite.User", "type": "Delegated" },
                    { "name": "Mailbox.SharedFolder", "type": "Delegated" }
                ]
            }
        },
        "extensions": [{
            "requirements": requirements.clone(),
            "runtimes": [{
                "requirements": requirements,
                "id": "TaskPaneRuntime",
                "type": "general",
                "code": { "page": format!("{url}/taskpane.html") },
                "lifetime": "short",
                "actions": [{ "id": "openLiaison", "type": "openPage", "view": "dashboard" }]
            }],
            "ribbons": [{
                "contexts": [
                    "meetingDetailsOrganizer",
                    "meetingDetailsAttendee",
                    "mailRead",
                    "mailCompose"
                ],
                "tabs": [{
                    "builtInTabId": "TabDefault",
                    "groups": [{
                        "id": "liaisonGroup",
                        "label": "Liaison",
                        "icons": icons(&[16, 32, 80]),
                        "controls": [button]
                    }]
                }]
            }]
        }]
    });
    if let Some((client_id, app_id_uri)) = web_application {
        manifest["webApplicationInfo"] = json!({ "id": client_id, "resource": app_id_uri });
    }
    manifest
}

/// The app package: `manifest.json` and its two icons in a zip, as the Microsoft 365 admin
/// center's *Upload custom apps* takes it.
pub fn package(manifest: &Value) -> Result<Vec<u8>, zip::result::ZipError> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("manifest.json", options)?;
    zip.write_all(
        serde_json::to_string_pretty(manifest)
            .unwrap_or_default()
            .as_bytes(),
    )?;
    for (name, bytes) in PACKAGE_ICONS {
        zip.start_file(name, options)?;
        zip.write_all(bytes)?;
    }
    Ok(zip.finish()?.into_inner())
}

/// The public URL's host (and port), as `validDomains` names it.
fn host(public_url: &PublicUrl) -> String {
    url::Url::parse(public_url.as_str())
        .ok()
        .and_then(|u| {
            let host = u.host_str()?.to_owned();
            Some(match u.port() {
                Some(port) => format!("{host}:{port}"),
                None => host,
            })
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_url_is_the_public_one_and_sso_is_named_when_known() {
        let public: PublicUrl = "https://liaison.contoso.com".parse().unwrap();
        let plain = render(&public, None);
        assert!(plain.get("webApplicationInfo").is_none());
        assert_eq!(plain["validDomains"], json!(["liaison.contoso.com"]));
        let text = plain.to_string();
        assert!(!text.contains("localhost"));
        assert_eq!(
            plain["extensions"][0]["runtimes"][0]["code"]["page"],
            "https://liaison.contoso.com/taskpane.html"
        );
        let sso = render(
            &public,
            Some(&("0c1d".into(), "api://liaison.contoso.com/0c1d".into())),
        );
        assert_eq!(
            sso["webApplicationInfo"],
            json!({ "id": "0c1d", "resource": "api://liaison.contoso.com/0c1d" })
        );
        let dev: PublicUrl = "https://localhost:3000".parse().unwrap();
        assert_eq!(
            render(&dev, None)["validDomains"],
            json!(["localhost:3000"])
        );
    }

    #[test]
    fn the_package_holds_the_manifest_and_the_icons_it_names() {
        let manifest = render(&"https://liaison.contoso.com".parse().unwrap(), None);
        let bytes = package(&manifest).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut names: Vec<String> = zip.file_names().map(|n| n.unwrap().into_owned()).collect();
        names.sort();
        assert_eq!(names, ["color.png", "manifest.json", "outline.png"]);
        let inner: Value = serde_json::from_reader(zip.by_name("manifest.json").unwrap()).unwrap();
        assert_eq!(inner, manifest);
        assert_eq!(
            (
                inner["icons"]["color"].as_str(),
                inner["icons"]["outline"].as_str()
            ),
            (Some("color.png"), Some("outline.png"))
        );
    }
}
