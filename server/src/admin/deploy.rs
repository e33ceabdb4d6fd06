//! What an administrator needs to deploy Liaison: the manifests with this server's URL, the
//! consent link, and every permission Liaison asks for and why (the scope registry,
//! [`crate::auth::scopes`]).

use liaison_domain::api::{Deployment, ScopeLine};

use crate::auth::scopes::SCOPES;

/// The deployment of the server at `public_url`.
pub fn deployment(public_url: &str) -> Deployment {
    Deployment {
        manifest_xml_url: format!("{public_url}/manifest.xml"),
        manifest_json_url: format!("{public_url}/manifest.json"),
        app_package_url: format!("{public_url}/manifest.zip"),
        consent_url: format!("{public_url}/admin/consent"),
        scopes: SCOPES
            .iter()
            .map(|scope| ScopeLine {
                provider: scope.provider.as_str().to_owned(),
                scope: scope.name.to_owned(),
                allows: scope.allows.to_owned(),
                why: scope.why.to_owned(),
                admin_only: scope.admin_only,
            })
            .collect(),
    }
}
