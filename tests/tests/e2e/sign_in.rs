//! Sign-in with Office SSO against the Microsoft 365 simulator: On-Behalf-Of, v1 and v2 tokens,
//! app roles, every token forgery of the security checklist, key rollover, "needs reconnect",
//! and Graph retries proven from the simulator's journal. (The code flows: `sign_in_flows.rs`.)

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use liaison_domain::api::{ErrorBody, ErrorCode};
use liaison_e2e::TestApp;
use liaison_e2e::redirects::*;
use m365_sim::{Claims, Fault, FaultRule, GRAPH_APP_ID, LIAISON_CLIENT_ID};
use serde_json::Value;

const ANN: &str = "ann@contoso.com";
const ANN_ID: &str = "00000002-aaaa-4bbb-8ccc-000000000002";
const OLGA_ID: &str = "00000001-aaaa-4bbb-8ccc-000000000001";

#[tokio::test]
async fn office_sso_signs_a_seeded_user_in_and_keeps_the_refresh_token_sealed() {
    let app = TestApp::spawn().await;
    let res = sso(&app, &app.office_sso_token(ANN).await).await;
    assert_eq!(res.status(), 200);
    let grant: Value = res.json().await.unwrap();
    assert_eq!(grant["me"]["mailbox"], ANN);
    assert_eq!(grant["me"]["connections"]["microsoft"], "connected");
    let token = grant["token"].as_str().unwrap();
    assert!(token.starts_with("lsn_"));

    let me = app
        .http
        .get(format!("{}/api/me", app.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);

    // At rest: a sealed envelope, never the refresh token the simulator issued.
    let connection = app
        .store
        .connection(
            &app.user(ANN_ID),
            liaison_server::store::Provider::Microsoft,
        )
        .await
        .unwrap()
        .unwrap();
    let sealed = connection.refresh_token.unwrap();
    assert!(sealed.starts_with("v1:"), "{sealed}");
    assert!(!sealed.contains("sim.rt."));

    // Signing out ends the session.
    let out = app
        .http
        .delete(format!("{}/api/session", app.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    let after = app
        .http
        .get(format!("{}/api/me", app.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 401);
}

#[tokio::test]
async fn office_sso_accepts_the_v1_and_v2_tokens_entra_issues_as_the_registration_says() {
    let app = TestApp::spawn().await;
    // A registration made as README says (no requestedAccessTokenVersion): v1.0 tokens.
    let v1 = app.office_sso_token(ANN).await;
    let res = sso(&app, &v1).await;
    assert_eq!(res.status(), 200);
    let grant: Value = res.json().await.unwrap();
    assert_eq!(grant["me"]["mailbox"], ANN, "the user's name from upn");

    app.simulator
        .configure_app(|registration| registration.access_token_version = Some(2));
    let v2 = app.office_sso_token(ANN).await;
    assert_eq!(sso(&app, &v2).await.status(), 200);

    // The same rigour for both: each version's issuer template, and only its own.
    let tid = app.tenant_id().to_string();
    let sim = &app.simulator;
    let aud = sim.app().app_id_uri;
    let v1_claims = || sim.v1_claims_for(&tid, ANN_ID, &aud, Some("access_as_user"));
    let v2_claims = || sim.claims_for(&tid, ANN_ID, LIAISON_CLIENT_ID, Some("access_as_user"));
    let forgeries = [
        (
            "v1 token claiming 2.0",
            sim.sign(&Claims {
                ver: "2.0".into(),
                ..v1_claims()
            }),
        ),
        (
            "v2 token claiming 1.0",
            sim.sign(&Claims {
                ver: "1.0".into(),
                ..v2_claims()
            }),
        ),
        (
            "v1 issuer of another tenant",
            sim.sign(&Claims {
                iss: "https://sts.windows.net/11111111-2222-4333-8444-555555555555/".into(),
                ..v1_claims()
            }),
        ),
        (
            "v1 from another issuer host",
            sim.sign(&Claims {
                iss: format!("https://sts.evil.example/{tid}/"),
                ..v1_claims()
            }),
        ),
        (
            "v1 without access_as_user",
            sim.sign(&Claims {
                scp: Some("User.Read".into()),
                ..v1_claims()
            }),
        ),
        (
            "v1 for another API",
            sim.sign(&Claims {
                aud: "api://someone-else".into(),
                ..v1_claims()
            }),
        ),
    ];
    for (name, token) in forgeries {
        assert_eq!(sso(&app, &token).await.status(), 401, "{name}");
    }
    assert_eq!(sso(&app, &sim.sign(&v1_claims())).await.status(), 200);
}

#[tokio::test]
async fn liaisons_administrators_are_who_entra_assigns_the_app_role() {
    let app = TestApp::spawn().await;
    let adele = app.token("adele@contoso.com").await;
    let ann = app.token(ANN).await;
    let get = |token: String| {
        app.http
            .get(format!("{}/api/admin/audit?limit=5", app.url))
            .bearer_auth(token)
            .send()
    };
    assert_eq!(get(adele.clone()).await.unwrap().status(), 200);
    let refused = get(ann.clone()).await.unwrap();
    assert_eq!(refused.status(), 403);
    let body: ErrorBody = refused.json().await.unwrap();
    assert_eq!(body.code, ErrorCode::AdminRequired);

    // An admin changes the organization's settings; a delegate may not.
    let settings = serde_json::json!({ "crmCategoryName": "Sales CRM",
        "crmCategoryColor": "Preset7", "instaSync": false, "syncIntervalMinutes": 30 });
    let put = |token: String, body: Value| {
        app.http
            .put(format!("{}/api/admin/settings", app.url))
            .bearer_auth(token)
            .json(&body)
            .send()
    };
    assert_eq!(put(ann, settings.clone()).await.unwrap().status(), 403);
    let changed: Value = put(adele.clone(), settings)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(changed["crmCategoryName"], "Sales CRM");
    let tenant = app.store.tenant(&app.tenant_id()).await.unwrap().unwrap();
    assert!(!tenant.insta_sync);
    let bad = put(
        adele,
        serde_json::json!({ "crmCategoryName": "", "crmCategoryColor": "Preset7",
            "instaSync": true, "syncIntervalMinutes": 30 }),
    )
    .await
    .unwrap();
    assert_eq!(bad.status(), 400);
}

/// Every forged SSO token of the checklist gets 401 and creates no session.
#[tokio::test]
async fn every_forged_token_is_refused() {
    let app = TestApp::spawn().await;
    let sim = &app.simulator;
    let tid = app.tenant_id().to_string();
    let good = || sim.claims_for(&tid, ANN_ID, LIAISON_CLIENT_ID, Some("access_as_user"));
    let now = good().iat;
    let mut forgeries: Vec<(&str, String)> = vec![
        (
            "wrong audience",
            sim.sign(&Claims {
                aud: "api://someone-else".into(),
                ..good()
            }),
        ),
        (
            "wrong issuer",
            sim.sign(&Claims {
                iss: "https://evil.example/v2.0".into(),
                ..good()
            }),
        ),
        (
            "tid not the issuer's",
            sim.sign(&Claims {
                tid: "11111111-2222-4333-8444-555555555555".into(),
                ..good()
            }),
        ),
        ("tid not a GUID", {
            let c = good();
            sim.sign(&Claims {
                iss: c.iss.replace(&tid, "common"),
                tid: "common".into(),
                ..c
            })
        }),
        (
            "expired",
            sim.sign(&Claims {
                exp: now - 600,
                iat: now - 4000,
                nbf: now - 4000,
                ..good()
            }),
        ),
        (
            "not yet valid",
            sim.sign(&Claims {
                nbf: now + 600,
                ..good()
            }),
        ),
        (
            "no access_as_user",
            sim.sign(&Claims {
                scp: Some("User.Read".into()),
                ..good()
            }),
        ),
        (
            "meant for Graph",
            sim.graph_token(&tid, ANN_ID, "User.Read"),
        ),
        (
            "a Graph-audience token with the API scope",
            sim.sign(&Claims {
                aud: GRAPH_APP_ID.into(),
                ..good()
            }),
        ),
    ];
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&good()).unwrap());
    forgeries.push((
        "alg none",
        format!(
            "{}.{payload}.",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#)
        ),
    ));
    let (n, _) = sim.public_key_components();
    let mut hs = Header::new(Algorithm::HS256);
    hs.kid = Some("irrelevant".into());
    forgeries.push((
        "HS256 signed with the public key",
        jsonwebtoken::encode(&hs, &good(), &EncodingKey::from_secret(n.as_bytes())).unwrap(),
    ));
    let valid = sim.sign(&good());
    let kid_of = |jwt: &str| {
        let header: Value = serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(jwt.split('.').next().unwrap())
                .unwrap(),
        )
        .unwrap();
        header["kid"].as_str().unwrap().to_owned()
    };
    let real_kid = kid_of(&valid);
    let mut parts: Vec<String> = valid.split('.').map(str::to_owned).collect();
    parts[0] = URL_SAFE_NO_PAD.encode(format!(
        r#"{{"alg":"RS256","typ":"JWT","kid":"{real_kid}x"}}"#
    ));
    forgeries.push(("unknown kid", parts.join(".")));
    let mut tampered: Vec<String> = valid.split('.').map(str::to_owned).collect();
    tampered[1] = URL_SAFE_NO_PAD.encode(
        serde_json::to_vec(&Claims {
            oid: OLGA_ID.into(),
            ..good()
        })
        .unwrap(),
    );
    forgeries.push((
        "payload swapped under a valid signature",
        tampered.join("."),
    ));
    forgeries.push(("garbage", "not-a-jwt".into()));

    for (name, token) in &forgeries {
        let res = sso(&app, token).await;
        assert_eq!(res.status(), 401, "{name}");
        let body: ErrorBody = res.json().await.unwrap();
        assert_eq!(body.code, ErrorCode::Unauthenticated, "{name}");
        // The same token as a session credential is refused too.
        let me = app
            .http
            .get(format!("{}/api/me", app.url))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(me.status(), 401, "{name} as a session");
    }
    // No forgery signed anyone in; the refusals are in the audit log of the tenant they name,
    // one line per kind of refusal (however many tokens), and none holds any of a token.
    let lines = app.store.audit_log(&app.tenant_id(), 500).await.unwrap();
    assert!(
        lines.iter().all(|l| l.action == "sign_in.sso.refused"),
        "no sign-in"
    );
    let mut reasons: Vec<&str> = lines.iter().filter_map(|l| l.reason.as_deref()).collect();
    reasons.sort_unstable();
    let kinds = reasons.len();
    reasons.dedup();
    assert_eq!(kinds, reasons.len(), "one line per kind: {reasons:?}");
    assert!(
        reasons.contains(&"invalid") && reasons.contains(&"scope"),
        "{reasons:?}"
    );
    for line in &lines {
        let text = format!("{line:?}");
        assert!(
            forgeries.iter().all(|(_, token)| {
                token
                    .split('.')
                    .all(|part| part.len() < 16 || !text.contains(part))
            }),
            "{text}"
        );
    }
    // The genuine token still works.
    assert_eq!(sso(&app, &valid).await.status(), 200);
}

#[tokio::test]
async fn keys_rotate_and_old_keys_keep_working_while_the_keys_endpoint_fails() {
    let app = TestApp::spawn().await;
    let signed_with_the_old_key = app.office_sso_token(ANN).await;
    assert_eq!(sso(&app, &signed_with_the_old_key).await.status(), 200);

    // A new key signs: the unknown kid makes Liaison fetch the keys once more.
    app.simulator.rotate_keys();
    assert_eq!(
        sso(&app, &app.office_sso_token(ANN).await).await.status(),
        200
    );
    let fetches = app
        .simulator
        .journal()
        .iter()
        .filter(|e| e.uri.contains("/discovery/keys"))
        .count();
    assert_eq!(fetches, 2);
    // During the overlap Microsoft publishes both keys: a token signed with the old one, sent
    // after the rotation, still validates (from the refreshed set, without another fetch).
    assert_eq!(sso(&app, &signed_with_the_old_key).await.status(), 200);

    // The keys endpoint breaks: the cached keys still validate.
    app.simulator.inject(FaultRule::new(
        "/discovery/keys",
        100,
        Fault::Status {
            status: 500,
            retry_after: None,
        },
    ));
    assert_eq!(
        sso(&app, &app.office_sso_token(ANN).await).await.status(),
        200
    );

    // Another unknown kid within five minutes is not worth another fetch (a forger cannot
    // make Liaison hammer the keys endpoint): refused, and the keys are not fetched again.
    app.simulator.retire_old_keys();
    app.simulator.rotate_keys();
    assert_eq!(
        sso(&app, &app.office_sso_token(ANN).await).await.status(),
        401
    );
    let fetches_after = app
        .simulator
        .journal()
        .iter()
        .filter(|e| e.uri.contains("/discovery/keys"))
        .count();
    assert_eq!(fetches_after, 2);
}

#[tokio::test]
async fn a_revoked_grant_puts_the_connection_in_needs_reconnect() {
    let app = TestApp::spawn().await;
    let token = app.token(ANN).await;
    let check = || async {
        app.http
            .post(format!("{}/api/connections/microsoft/check", app.url))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    };
    assert_eq!(check().await["connections"]["microsoft"], "connected");

    // An administrator revokes Ann's grants; her next access token needs a refresh.
    app.simulator.revoke_grants(ANN_ID);
    let me = check().await;
    assert_eq!(me["connections"]["microsoft"], "needs_reconnect");
    let audit = app.store.audit_log(&app.tenant_id(), 20).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|a| a.action == "connection.needs_reconnect")
    );
}

#[tokio::test]
async fn graph_throttling_is_retried_as_retry_after_says_and_the_journal_proves_it() {
    let app = TestApp::spawn().await;
    let token = app.token(ANN).await;
    app.simulator.clear_journal();
    app.simulator.inject(FaultRule::new(
        "/v1.0/users/me",
        1,
        Fault::Status {
            status: 429,
            retry_after: Some("0.2".into()),
        },
    ));
    app.simulator.inject(FaultRule::new(
        "/v1.0/users/me",
        1,
        Fault::Status {
            status: 503,
            retry_after: Some("1".into()),
        },
    ));
    let res = app
        .http
        .post(format!("{}/api/connections/microsoft/check", app.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let graph: Vec<_> = app
        .simulator
        .journal()
        .into_iter()
        .filter(|e| e.uri.starts_with("/v1.0/users/me"))
        .collect();
    let seen: Vec<(u16, Option<String>)> = graph
        .iter()
        .map(|e| (e.status, e.retry_attempt.clone()))
        .collect();
    assert_eq!(
        seen,
        [
            (429, None),
            (503, Some("1".into())),
            (200, Some("2".into()))
        ],
        "one request, then a retry per failure, counted in Retry-Attempt"
    );

    // A 400 is not retried; four failures in a row give up after three retries.
    app.simulator.clear_journal();
    app.simulator.inject(FaultRule::new(
        "/v1.0/users/me",
        4,
        Fault::Status {
            status: 504,
            retry_after: Some("0".into()),
        },
    ));
    let res = app
        .http
        .post(format!("{}/api/connections/microsoft/check", app.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 503);
    let attempts = app
        .simulator
        .journal()
        .iter()
        .filter(|e| e.uri.starts_with("/v1.0/users/me"))
        .count();
    assert_eq!(attempts, 4, "the first attempt and three retries");
}
