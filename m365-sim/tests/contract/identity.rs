//! The simulated identity platform over real HTTP: sign-in with code + PKCE, refresh rotation,
//! On-Behalf-Of, admin consent, and their AADSTS errors.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use m365_sim::{Seed, Simulator};
use serde_json::Value;
use sha2::Digest;

const TENANT: &str = "6f1c2a5e-2b1d-4c1e-9a57-7c0d3e1b9a01";
const REDIRECT: &str = "https://liaison.test/auth/microsoft/callback";

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn query_of(location: &str) -> std::collections::HashMap<String, String> {
    url::Url::parse(location)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

/// Walks the authorize page as `mailbox` and returns the redirect's query.
async fn authorize(
    sim: &Simulator,
    mailbox: &str,
    scope: &str,
    verifier: &str,
) -> std::collections::HashMap<String, String> {
    let challenge = URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
    let url = format!(
        "{}/organizations/oauth2/v2.0/authorize?client_id={}&response_type=code&redirect_uri={}&scope={}&state=s1&nonce=n1&code_challenge={challenge}&code_challenge_method=S256",
        sim.url(),
        m365_sim::LIAISON_CLIENT_ID,
        urlencode(REDIRECT),
        urlencode(scope),
    );
    let page = client().get(&url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains(mailbox));
    let res = client()
        .post(&url)
        .form(&[("user", mailbox), ("decision", "accept")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(REDIRECT), "{location}");
    query_of(&location)
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn token(sim: &Simulator, form: &[(&str, &str)]) -> (u16, Value) {
    let app = sim.app();
    let mut fields: Vec<(&str, &str)> = form.to_vec();
    fields.push(("client_id", &app.client_id));
    fields.push(("client_secret", &app.client_secret));
    let res = client()
        .post(format!("{}/{TENANT}/oauth2/v2.0/token", sim.url()))
        .form(&fields)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

#[tokio::test]
async fn code_with_pkce_signs_in_once_and_refresh_tokens_rotate() {
    let sim = Simulator::start(Seed::contoso()).await.unwrap();
    sim.allow_redirect_uri(REDIRECT);
    let verifier = "a-verifier-of-at-least-forty-three-characters-123456";
    let q = authorize(
        &sim,
        "olga@contoso.com",
        "openid profile offline_access User.Read",
        verifier,
    )
    .await;
    assert_eq!(q["state"], "s1");

    let (status, body) = token(
        &sim,
        &[
            ("grant_type", "authorization_code"),
            ("code", &q["code"]),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let id = claims(body["id_token"].as_str().unwrap());
    assert_eq!(id["tid"], TENANT);
    assert_eq!(id["nonce"], "n1");
    assert_eq!(id["aud"], m365_sim::LIAISON_CLIENT_ID);
    assert_eq!(id["iss"], format!("{}/{TENANT}/v2.0", sim.url()));
    assert_eq!(
        claims(body["access_token"].as_str().unwrap())["aud"],
        m365_sim::GRAPH_APP_ID
    );

    // The code works once.
    let (status, again) = token(
        &sim,
        &[
            ("grant_type", "authorization_code"),
            ("code", &q["code"]),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
        ],
    )
    .await;
    assert_eq!(
        (status, again["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(again["error_codes"][0], 54005);

    // Refresh rotates: the new token works, the old one does not.
    let first = body["refresh_token"].as_str().unwrap().to_owned();
    let (status, refreshed) = token(
        &sim,
        &[("grant_type", "refresh_token"), ("refresh_token", &first)],
    )
    .await;
    assert_eq!(status, 200);
    let second = refreshed["refresh_token"].as_str().unwrap();
    assert_ne!(second, first);
    let (status, reused) = token(
        &sim,
        &[("grant_type", "refresh_token"), ("refresh_token", &first)],
    )
    .await;
    assert_eq!(
        (status, reused["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn a_wrong_verifier_or_redirect_uri_is_refused() {
    let sim = Simulator::start(Seed::contoso()).await.unwrap();
    sim.allow_redirect_uri(REDIRECT);
    let verifier = "the-right-verifier-0123456789-0123456789-0123456789";
    let q = authorize(&sim, "ann@contoso.com", "openid User.Read", verifier).await;
    let (status, body) = token(
        &sim,
        &[
            ("grant_type", "authorization_code"),
            ("code", &q["code"]),
            ("redirect_uri", REDIRECT),
            (
                "code_verifier",
                "another-verifier-0123456789-0123456789-01234567",
            ),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error_codes"][0].as_u64()),
        (400, Some(501481))
    );

    // An unregistered redirect URI never gets a redirect.
    let res = client()
        .get(format!("{}/organizations/oauth2/v2.0/authorize?client_id={}&response_type=code&redirect_uri=https%3A%2F%2Fevil.example%2Fcb&scope=openid", sim.url(), m365_sim::LIAISON_CLIENT_ID))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("AADSTS50011"));
}

#[tokio::test]
async fn on_behalf_of_needs_consent_and_a_token_meant_for_the_app() {
    let sim = Simulator::start(Seed::contoso()).await.unwrap();
    let sso: Value = client()
        .get(format!(
            "{}/_office/sso-token?mailbox=ann@contoso.com&resource={}",
            sim.url(),
            urlencode(&sim.app().app_id_uri)
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let assertion = sso["token"].as_str().unwrap().to_owned();
    assert_eq!(claims(&assertion)["scp"], "access_as_user");
    let obo = |assertion: String| {
        let sim = &sim;
        async move {
            token(
                sim,
                &[
                    ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                    ("assertion", &assertion),
                    (
                        "scope",
                        "https://graph.microsoft.com/Calendars.ReadWrite.Shared offline_access",
                    ),
                    ("requested_token_use", "on_behalf_of"),
                ],
            )
            .await
        }
    };
    let (status, body) = obo(assertion.clone()).await;
    assert_eq!(
        (status, body["error_codes"][0].as_u64()),
        (400, Some(65001)),
        "{body}"
    );

    sim.grant_admin_consent(TENANT);
    let (status, body) = obo(assertion).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["refresh_token"].is_string());
    let graph_token = body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(claims(&graph_token)["scp"], "Calendars.ReadWrite.Shared");

    // A token meant for Graph is not an assertion for this app.
    let (status, body) = obo(graph_token).await;
    assert_eq!(
        (status, body["error_codes"][0].as_u64()),
        (400, Some(50013))
    );
}

#[tokio::test]
async fn admin_consent_is_recorded_only_for_an_administrator() {
    let sim = Simulator::start(Seed::contoso()).await.unwrap();
    sim.allow_redirect_uri(REDIRECT);
    let url = format!(
        "{}/{TENANT}/v2.0/adminconsent?client_id={}&scope={}&redirect_uri={}&state=xyz",
        sim.url(),
        m365_sim::LIAISON_CLIENT_ID,
        urlencode("https://graph.microsoft.com/.default"),
        urlencode(REDIRECT)
    );
    let res = client()
        .post(&url)
        .form(&[("user", "olga@contoso.com"), ("decision", "accept")])
        .send()
        .await
        .unwrap();
    let q = query_of(res.headers()["location"].to_str().unwrap());
    assert_eq!(q["error"], "consent_required");
    assert!(!sim.has_admin_consent(TENANT));

    let res = client()
        .post(&url)
        .form(&[("user", "adele@contoso.com"), ("decision", "accept")])
        .send()
        .await
        .unwrap();
    let q = query_of(res.headers()["location"].to_str().unwrap());
    assert_eq!(
        (
            q["admin_consent"].as_str(),
            q["tenant"].as_str(),
            q["state"].as_str()
        ),
        ("True", TENANT, "xyz")
    );
    assert!(sim.has_admin_consent(TENANT));
}

#[tokio::test]
async fn keys_rotate_and_stay_published_until_retired() {
    let sim = Simulator::start(Seed::contoso()).await.unwrap();
    let jwks = |sim: &Simulator| {
        let url = format!("{}/{TENANT}/discovery/v2.0/keys", sim.url());
        async move {
            reqwest::get(url)
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    assert_eq!(jwks(&sim).await["keys"].as_array().unwrap().len(), 1);
    let kid = sim.rotate_keys();
    let keys = jwks(&sim).await;
    assert_eq!(keys["keys"].as_array().unwrap().len(), 2);
    assert_eq!(keys["keys"][0]["kid"], kid.as_str());
    assert_eq!(
        keys["keys"][0]["issuer"],
        format!("{}/{{tenantid}}/v2.0", sim.url())
    );
    sim.retire_old_keys();
    assert_eq!(jwks(&sim).await["keys"].as_array().unwrap().len(), 1);
}

/// The SSO token Office would hand the add-in for `mailbox`.
async fn sso_token(sim: &Simulator, mailbox: &str) -> Value {
    let body: Value = client()
        .get(format!("{}/_office/sso-token", sim.url()))
        .query(&[("mailbox", mailbox), ("resource", &sim.app().app_id_uri)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    claims(body["token"].as_str().unwrap())
}

#[tokio::test]
async fn the_registration_chooses_the_access_token_version_v1_unless_it_asks_for_v2() {
    // Microsoft, "Access tokens": an API's registration picks v1.0 or v2.0; one that never
    // sets `requestedAccessTokenVersion` gets v1.0 (`iss` https://sts.windows.net/{tid}/).
    let sim = Simulator::start(Seed::contoso()).await.unwrap();
    let v1 = sso_token(&sim, "ann@contoso.com").await;
    assert_eq!(v1["ver"], "1.0");
    assert_eq!(v1["iss"], format!("https://sts.windows.net/{TENANT}/"));
    assert_eq!(v1["aud"], sim.app().app_id_uri);
    assert_eq!(v1["upn"], "ann@contoso.com");
    assert!(v1.get("preferred_username").is_none());
    assert_eq!(v1["appid"], m365_sim::OUTLOOK_CLIENT_ID);
    assert_eq!(v1["scp"], "access_as_user");

    sim.configure_app(|app| app.access_token_version = Some(2));
    let v2 = sso_token(&sim, "ann@contoso.com").await;
    assert_eq!(v2["ver"], "2.0");
    assert_eq!(v2["iss"], format!("{}/{TENANT}/v2.0", sim.url()));
    assert_eq!(v2["aud"], m365_sim::LIAISON_CLIENT_ID);
    assert_eq!(v2["preferred_username"], "ann@contoso.com");

    // Both metadata documents publish the same keys, each with its own issuer template.
    let keys = |path: &'static str| {
        let url = format!("{}{path}", sim.url());
        async move {
            client()
                .get(url)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let v2_keys = keys("/common/discovery/v2.0/keys").await;
    let v1_keys = keys("/common/discovery/keys").await;
    assert_eq!(v1_keys["keys"][0]["kid"], v2_keys["keys"][0]["kid"]);
    assert_eq!(
        v1_keys["keys"][0]["issuer"],
        "https://sts.windows.net/{tenantid}/"
    );
}

#[tokio::test]
async fn app_roles_come_in_roles_and_directory_roles_only_when_the_registration_asks() {
    let sim = Simulator::start(Seed::contoso()).await.unwrap();
    let adele = sso_token(&sim, "adele@contoso.com").await;
    let ann = sso_token(&sim, "ann@contoso.com").await;
    assert_eq!(adele["roles"], serde_json::json!(["Liaison.Admin"]));
    assert!(ann.get("roles").is_none());
    assert!(
        adele.get("wids").is_none(),
        "no wids without groupMembershipClaims"
    );
    sim.configure_app(|app| app.group_membership_claims = true);
    let adele = sso_token(&sim, "adele@contoso.com").await;
    assert_eq!(adele["wids"][0], m365_sim::GLOBAL_ADMIN_ROLE);
}

/// Microsoft's v2 authorize endpoint documents `prompt` = `login`, `none`, `consent`,
/// `select_account` (and `create`): `admin_consent` is none of them, and consent for the
/// organization is the admin consent endpoint's. Whoever signs in consents for themselves only.
#[tokio::test]
async fn prompt_admin_consent_grants_nothing_for_the_organization() {
    let sim = Simulator::start(Seed::contoso()).await.unwrap();
    sim.allow_redirect_uri(REDIRECT);
    let url = format!(
        "{}/organizations/oauth2/v2.0/authorize?client_id={}&response_type=code&redirect_uri={}&scope={}&state=s1&nonce=n1&prompt=admin_consent",
        sim.url(),
        m365_sim::LIAISON_CLIENT_ID,
        urlencode(REDIRECT),
        urlencode("openid Calendars.ReadWrite"),
    );
    for who in ["olga@contoso.com", "adele@contoso.com"] {
        let answer = client()
            .post(&url)
            .form(&[("user", who), ("decision", "accept")])
            .send()
            .await
            .unwrap();
        let location = answer.headers()["location"].to_str().unwrap().to_owned();
        assert!(query_of(&location).contains_key("code"), "{who}");
        assert!(!sim.has_admin_consent(TENANT), "{who}");
    }
}
