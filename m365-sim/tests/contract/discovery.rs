//! The simulator's contract: OpenID discovery and Graph users, over real HTTP.

use m365_sim::{Seed, Simulator};

#[tokio::test]
async fn openid_configuration_names_the_tenant_issuer_and_endpoints() {
    let sim = Simulator::start(Seed::contoso()).await.unwrap();
    let tenant = &Seed::contoso().tenants[0];

    let doc: serde_json::Value = reqwest::get(format!(
        "{}/{}/v2.0/.well-known/openid-configuration",
        sim.url(),
        tenant.domain
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();

    assert_eq!(doc["issuer"], format!("{}/{}/v2.0", sim.url(), tenant.id));
    assert_eq!(
        doc["token_endpoint"],
        format!("{}/{}/oauth2/v2.0/token", sim.url(), tenant.id)
    );
    assert_eq!(doc["id_token_signing_alg_values_supported"][0], "RS256");
}

#[tokio::test]
async fn an_unknown_tenant_gets_the_aadsts_error() {
    let sim = Simulator::start(Seed::contoso()).await.unwrap();

    let res = reqwest::get(format!(
        "{}/fabrikam.com/v2.0/.well-known/openid-configuration",
        sim.url()
    ))
    .await
    .unwrap();

    assert_eq!(res.status(), 400);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"], "invalid_tenant");
}

#[tokio::test]
async fn users_lists_every_seeded_mailbox() {
    let sim = Simulator::start(Seed::contoso()).await.unwrap();

    let body: serde_json::Value = reqwest::get(format!("{}/v1.0/users", sim.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    let mails: Vec<_> = body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["mail"].as_str().unwrap().to_owned())
        .collect();
    assert!(mails.contains(&"olga@contoso.com".to_owned()));
    assert_eq!(mails.len(), Seed::contoso().tenants[0].users.len());
}
