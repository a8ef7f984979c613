//! Saved hunting queries: personal stays with its owner, shared follows hunting access, and
//! nothing crosses to a tenant the caller cannot hunt in.

use axum::http::StatusCode;
use serde_json::json;

use super::{ADMIN_PASSWORD, Client, PASSWORD, instance, make_guest, provider_user, tenant_with_events};

fn names(answer: &super::Answer) -> Vec<String> {
    let list = answer.body["value"].as_array().cloned().unwrap_or_default();
    list.iter().filter_map(|q| q["name"].as_str().map(str::to_string)).collect()
}

#[tokio::test]
async fn personal_and_shared_queries_are_seen_only_where_they_belong() {
    let instance = instance().await;
    let admin = Client::sign_in(&instance.router, "admin@provider", ADMIN_PASSWORD).await;
    let (contoso, contoso_admin) = tenant_with_events(&instance, &admin, "contoso", &["cmd.exe"]).await;
    let (fabrikam, fabrikam_admin) = tenant_with_events(&instance, &admin, "fabrikam", &["cmd.exe"]).await;
    provider_user(&admin, "alice@provider", &["analyst"]).await;
    provider_user(&admin, "bob@provider", &["analyst"]).await;
    make_guest(&instance, &contoso_admin, &contoso, "alice@provider", &["analyst"]).await;
    let alice = Client::sign_in(&instance.router, "alice@provider", PASSWORD).await;
    let bob = Client::sign_in(&instance.router, "bob@provider", PASSWORD).await;
    let save = |client: &Client, body: serde_json::Value| {
        let client = client.clone();
        async move { client.post("/api/v1/security/savedQueries", body).await }
    };

    let mine = save(&alice, json!({"name": "mine", "query": "DeviceInfo | take 1"})).await;
    assert_eq!(mine.status, StatusCode::CREATED, "{}", mine.body);
    assert_eq!(mine.body["sharing"], "personal");
    let shared =
        save(&alice, json!({"name": "for contoso", "query": "print 1", "sharing": "tenant", "tenantId": contoso}))
            .await;
    assert_eq!(shared.status, StatusCode::CREATED, "{}", shared.body);
    let home = admin.get("/api/v1/me").await.body["homeTenantId"].as_str().unwrap_or_default().to_string();
    let team = save(&alice, json!({"name": "team", "query": "print 2", "sharing": "tenant", "tenantId": home})).await;
    assert_eq!(team.status, StatusCode::CREATED, "{}", team.body);

    // Sharing in a tenant the caller cannot hunt in answers as if the tenant did not exist.
    let refused =
        save(&alice, json!({"name": "x", "query": "print 3", "sharing": "tenant", "tenantId": fabrikam})).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND, "{}", refused.body);
    let bad = save(&alice, json!({"name": "x", "query": "print 3", "sharing": "tenant"})).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    assert_eq!(names(&alice.get("/api/v1/security/savedQueries").await), ["for contoso", "mine", "team"]);
    // Bob, a colleague without access to Contoso, sees the team's query only.
    assert_eq!(names(&bob.get("/api/v1/security/savedQueries").await), ["team"]);
    // Contoso's admin sees the query shared in Contoso, not the MSSP's.
    assert_eq!(names(&contoso_admin.get("/api/v1/security/savedQueries").await), ["for contoso"]);
    assert!(names(&fabrikam_admin.get("/api/v1/security/savedQueries").await).is_empty());

    // Another's personal query cannot be deleted or even confirmed; a shared one needs its
    // owner or a settings manager; the tenant's ledger records the sharing.
    let mine_id = mine.body["id"].as_str().unwrap_or_default();
    assert_eq!(
        bob.send("DELETE", &format!("/api/v1/security/savedQueries/{mine_id}"), None).await.status,
        StatusCode::NOT_FOUND
    );
    let team_id = team.body["id"].as_str().unwrap_or_default();
    assert_eq!(
        bob.send("DELETE", &format!("/api/v1/security/savedQueries/{team_id}"), None).await.status,
        StatusCode::FORBIDDEN
    );
    let shared_id = shared.body["id"].as_str().unwrap_or_default();
    assert_eq!(
        fabrikam_admin.send("DELETE", &format!("/api/v1/security/savedQueries/{shared_id}"), None).await.status,
        StatusCode::NOT_FOUND
    );
    let ledger = contoso_admin.get(&format!("/api/v1/tenants/{contoso}/audit")).await;
    assert!(ledger.body.to_string().contains("savedQuery.create"), "{}", ledger.body);
    assert_eq!(
        contoso_admin.send("DELETE", &format!("/api/v1/security/savedQueries/{shared_id}"), None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        alice.send("DELETE", &format!("/api/v1/security/savedQueries/{mine_id}"), None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(names(&alice.get("/api/v1/security/savedQueries").await), ["team"]);
}
