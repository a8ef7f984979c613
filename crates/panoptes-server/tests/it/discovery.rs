//! Home-realm discovery: a tenant's administrators give their OpenID provider e-mail domains;
//! the public sign-in page asks which provider signs in an address and offers it. A domain
//! belongs to one provider, so another tenant cannot put its provider in front of it.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{Client, instance, tenant_with_events};

fn provider(name: &str, domains: &[&str]) -> Value {
    json!({"displayName": name, "issuer": "https://login.example.net/v2.0", "clientId": "panoptes",
           "clientSecret": "s3cret", "emailDomains": domains})
}

async fn discover(client: &Client, address: &str) -> Value {
    let answer = client.post("/api/v1/auth/discover", json!({ "username": address })).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.body["provider"].clone()
}

#[tokio::test]
async fn an_address_finds_its_domains_provider_and_no_tenant_can_take_anothers_domain() {
    let instance = instance().await;
    let admin = Client::sign_in(&instance.router, "admin@provider", super::ADMIN_PASSWORD).await;
    let (contoso, contoso_admin) = tenant_with_events(&instance, &admin, "contoso", &[]).await;
    let (fabrikam, fabrikam_admin) = tenant_with_events(&instance, &admin, "fabrikam", &[]).await;

    let path = format!("/api/v1/tenants/{contoso}/identityProviders");
    let added =
        contoso_admin.post(&path, provider("Contoso Entra ID", &["Contoso.example", "@corp.contoso.example"])).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    let id = added.body["provider"]["id"].as_str().expect("id").to_string();
    let listed = contoso_admin.get(&path).await;
    assert_eq!(listed.body["value"][0]["emailDomains"], json!(["contoso.example", "corp.contoso.example"]));

    let anonymous = Client::anonymous(&instance.router);
    let found = discover(&anonymous, "Alice@CONTOSO.example").await;
    assert_eq!(found["id"], id.as_str());
    assert_eq!(found["displayName"], "Contoso Entra ID");
    assert_eq!(found["tenantName"], "contoso");
    assert_eq!(found["signInUrl"], format!("/api/v1/auth/oidc/{id}/start"));
    assert_eq!(discover(&anonymous, "bob@corp.contoso.example").await["id"], id.as_str());
    for other in ["bob@fabrikam.example", "alice", "alice@", "contoso.example"] {
        assert!(discover(&anonymous, other).await.is_null(), "{other} found a provider");
    }

    // Fabrikam cannot claim Contoso's domain; nothing of its provider is kept.
    let theirs = format!("/api/v1/tenants/{fabrikam}/identityProviders");
    let taken =
        fabrikam_admin.post(&theirs, provider("Totally Contoso", &["fabrikam.example", "contoso.example"])).await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "{}", taken.body);
    assert!(taken.body["error"]["message"].as_str().unwrap_or_default().contains("contoso.example"), "{}", taken.body);
    assert_eq!(fabrikam_admin.get(&theirs).await.body["value"], json!([]));
    assert!(discover(&anonymous, "x@fabrikam.example").await.is_null());
    let bad = fabrikam_admin.post(&theirs, provider("Broken", &["not a domain"])).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body["error"]["message"].as_str().unwrap_or_default().contains("not a domain"), "{}", bad.body);
    // Nor read or remove Contoso's provider: it does not exist for Fabrikam.
    assert_eq!(fabrikam_admin.get(&path).await.status, StatusCode::NOT_FOUND);
    let removal = fabrikam_admin.send("DELETE", &format!("{path}/{id}"), None).await;
    assert_eq!(removal.status, StatusCode::NOT_FOUND);
    assert_eq!(discover(&anonymous, "alice@contoso.example").await["id"], id.as_str());

    // Once Contoso removes its provider the domain is free and discovery finds nothing.
    let removed = contoso_admin.send("DELETE", &format!("{path}/{id}"), None).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.body);
    assert!(discover(&anonymous, "alice@contoso.example").await.is_null());
    let claimed = fabrikam_admin.post(&theirs, provider("Fabrikam SSO", &["contoso.example"])).await;
    assert_eq!(claimed.status, StatusCode::CREATED, "{}", claimed.body);
}
