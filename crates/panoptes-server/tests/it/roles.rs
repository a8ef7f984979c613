//! Named custom roles (defined per tenant from the fixed permission list, assigned by name,
//! never visible or usable in another tenant, not deletable while assigned) and service principals.

use axum::http::StatusCode;
use serde_json::json;

use super::{ADMIN_PASSWORD, Client, PASSWORD, instance, make_guest, provider_user, tenant_with_events};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_role_grants_exactly_its_permissions_in_its_own_tenant() {
    let instance = instance().await;
    let admin = Client::sign_in(&instance.router, "admin@provider", ADMIN_PASSWORD).await;
    let (a, a_admin) = tenant_with_events(&instance, &admin, "alpha", &["a.exe"]).await;
    let (b, b_admin) = tenant_with_events(&instance, &admin, "beta", &["b.exe"]).await;
    let role = json!({"displayName": "Hunter", "description": "hunts, nothing else",
                      "permissions": ["securityData.read", "hunting.run"]});
    let created = a_admin.post(&format!("/api/v1/tenants/{a}/roles"), role.clone()).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let role_id = created.body["id"].as_str().expect("id").to_string();
    assert_eq!(a_admin.post(&format!("/api/v1/tenants/{a}/roles"), role.clone()).await.status, StatusCode::CONFLICT);
    let bad = json!({"displayName": "Odd", "permissions": ["hunting.run", "everything"]});
    assert_eq!(a_admin.post(&format!("/api/v1/tenants/{a}/roles"), bad).await.status, StatusCode::BAD_REQUEST);
    let clash = json!({"displayName": "analyst", "permissions": ["hunting.run"]});
    assert_eq!(a_admin.post(&format!("/api/v1/tenants/{a}/roles"), clash).await.status, StatusCode::BAD_REQUEST);

    // Alpha's role is not beta's: listed only in alpha, and not assignable in beta by name.
    let listed = a_admin.get(&format!("/api/v1/tenants/{a}/roles")).await;
    let names: Vec<&str> =
        listed.body["value"].as_array().expect("roles").iter().filter_map(|r| r["name"].as_str()).collect();
    assert!(names.contains(&"Hunter") && names.contains(&"analyst"), "{names:?}");
    let in_b = b_admin.get(&format!("/api/v1/tenants/{b}/roles")).await;
    assert!(!in_b.body.to_string().contains("Hunter"));
    assert_eq!(b_admin.get(&format!("/api/v1/tenants/{a}/roles")).await.status, StatusCode::NOT_FOUND);
    let steal = b_admin.send("DELETE", &format!("/api/v1/tenants/{b}/roles/{role_id}"), None).await;
    assert_eq!(steal.status, StatusCode::NOT_FOUND);

    provider_user(&admin, "hana@provider", &[]).await;
    make_guest(&instance, &a_admin, &a, "hana@provider", &["Hunter"]).await;
    let guest_in_b = b_admin
        .post(&format!("/api/v1/tenants/{b}/guests"), json!({"username": "hana@provider", "roles": ["Hunter"]}))
        .await;
    assert_eq!(guest_in_b.status, StatusCode::BAD_REQUEST, "{}", guest_in_b.body);

    let hana = Client::sign_in(&instance.router, "hana@provider", PASSWORD).await;
    let hunt = hana
        .post("/api/v1/security/runHuntingQuery", json!({"Query": "DeviceProcessEvents | count", "tenantIds": [a]}))
        .await;
    assert_eq!(hunt.status, StatusCode::OK, "{}", hunt.body);
    assert_eq!(hunt.body["tenantStatus"][0]["status"], "ok");
    // Hunting, yes; reading the tenant's users (authorization.read), no.
    assert_eq!(hana.get(&format!("/api/v1/tenants/{a}/users")).await.status, StatusCode::FORBIDDEN);

    let in_use = a_admin.send("DELETE", &format!("/api/v1/tenants/{a}/roles/{role_id}"), None).await;
    assert_eq!(in_use.status, StatusCode::CONFLICT, "{}", in_use.body);
    assert!(in_use.body["error"]["message"].as_str().expect("message").contains("remove those first"));
}

#[tokio::test]
async fn service_principals_and_tokens_are_listed_in_their_tenant_only_and_never_with_secrets() {
    let instance = instance().await;
    let admin = Client::sign_in(&instance.router, "admin@provider", ADMIN_PASSWORD).await;
    let (contoso, contoso_admin) = tenant_with_events(&instance, &admin, "contoso", &[]).await;
    let (fabrikam, fabrikam_admin) = tenant_with_events(&instance, &admin, "fabrikam", &[]).await;
    let path = format!("/api/v1/tenants/{contoso}/servicePrincipals");
    let created = contoso_admin.post(&path, json!({"displayName": "soar", "roles": ["reader"]})).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let principal = created.body["id"].as_str().unwrap_or_default().to_string();
    let issued =
        contoso_admin.post("/api/v1/tokens", json!({"servicePrincipalId": principal, "expiresInDays": 7})).await;
    assert_eq!(issued.status, StatusCode::CREATED, "{}", issued.body);
    let secret = issued.body["token"].as_str().unwrap_or_default().to_string();

    let listed = contoso_admin.get(&path).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.body["value"][0]["displayName"], "soar");
    assert_eq!(listed.body["tokens"][0]["principalId"], principal.as_str());
    assert_eq!(listed.body["tokens"][0]["revoked"], false);
    let text = listed.body.to_string();
    assert!(!text.contains(&secret) && !text.contains("tokenHash"), "a secret or its hash was listed: {text}");

    // Another tenant's administrator gets nothing, as if the tenant did not exist.
    assert_eq!(fabrikam_admin.get(&path).await.status, StatusCode::NOT_FOUND);
    let own = fabrikam_admin.get(&format!("/api/v1/tenants/{fabrikam}/servicePrincipals")).await;
    assert_eq!(own.body["value"], json!([]));
    assert_eq!(own.body["tokens"], json!([]));
}
