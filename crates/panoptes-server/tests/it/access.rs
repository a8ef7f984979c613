use std::time::Duration;

use super::*;

fn rows_by_tenant(answer: &Answer) -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = answer.body["results"]
        .as_array()
        .unwrap_or_else(|| panic!("no results in {}", answer.body))
        .iter()
        .map(|r| {
            (
                r["TenantName"].as_str().unwrap_or_default().to_string(),
                r["FileName"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    rows.sort();
    rows
}

fn status_of(answer: &Answer, tenant: &str) -> String {
    answer.body["tenantStatus"]
        .as_array()
        .unwrap_or_else(|| panic!("no tenantStatus in {}", answer.body))
        .iter()
        .find(|s| s["tenantId"] == tenant)
        .map(|s| s["status"].as_str().unwrap_or_default().to_string())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guest_hunts_only_where_invited_and_every_read_lands_in_that_tenants_ledger() {
    let instance = instance().await;
    let admin = Client::sign_in(&instance.router, "admin@provider", ADMIN_PASSWORD).await;
    let (a, a_admin) = tenant_with_events(&instance, &admin, "alpha", &["a.exe", "mimikatz.exe"]).await;
    let (b, _b_admin) = tenant_with_events(&instance, &admin, "beta", &["b.exe"]).await;
    provider_user(&admin, "ana@provider", &["analyst"]).await;
    make_guest(&instance, &a_admin, &a, "ana@provider", &["analyst"]).await;
    let ana = Client::sign_in(&instance.router, "ana@provider", PASSWORD).await;

    let query = json!({"Query": "DeviceProcessEvents | project FileName", "tenantIds": [a, b]});
    // A spoofed tenant header changes nothing: tenants come only from grants.
    let answer = ana.send_with("POST", "/api/v1/security/runHuntingQuery", Some(query), &[("x-tenant-id", &b)]).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(rows_by_tenant(&answer), [("alpha".into(), "a.exe".into()), ("alpha".into(), "mimikatz.exe".into())]);
    assert_eq!(status_of(&answer, &a), "ok");
    assert_eq!(status_of(&answer, &b), "noPermission");
    assert_eq!(answer.body["schema"][0]["name"], "TenantId");

    // Combined mode needs the tenant's explicit cross-tenant consent.
    let combined = json!({"Query": "DeviceProcessEvents | count", "mode": "combined"});
    let answer = ana.post("/api/v1/security/runHuntingQuery", combined.clone()).await;
    assert_eq!(status_of(&answer, &a), "noPermission", "{}", answer.body);

    // Objects of a tenant without a grant answer 404, with a grant but no permission 403.
    assert_eq!(ana.get(&format!("/api/v1/tenants/{b}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(ana.get(&format!("/api/v1/tenants/{b}/users")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(ana.get(&format!("/api/v1/tenants/{a}/users")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(ana.get(&format!("/api/v1/tenants/{a}/audit")).await.status, StatusCode::FORBIDDEN);

    let ledger = a_admin.get(&format!("/api/v1/tenants/{a}/audit")).await;
    assert_eq!(ledger.status, StatusCode::OK);
    let entries = ledger.body["value"].as_array().expect("entries");
    let hunt = entries.iter().find(|e| e["action"] == "hunting.run").expect("the guest's hunt is in alpha's ledger");
    assert_eq!(hunt["via"], "guest");
    assert!(hunt["detail"]["query"].as_str().expect("query").contains("DeviceProcessEvents"));
    let verify = a_admin.get(&format!("/api/v1/tenants/{a}/audit/verify")).await;
    assert_eq!(verify.body["intact"], true);
    let b_ledger = instance.app.db().conn().await.expect("conn");
    drop(b_ledger);

    // Removing the guest ends access with the next request.
    let guests = a_admin.get(&format!("/api/v1/tenants/{a}/guests")).await;
    let guest_id = guests.body["value"][0]["id"].as_str().expect("guest").to_string();
    let removed = a_admin.send("DELETE", &format!("/api/v1/tenants/{a}/guests/{guest_id}"), None).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    let answer =
        ana.post("/api/v1/security/runHuntingQuery", json!({"Query": "DeviceProcessEvents", "tenantIds": [a]})).await;
    assert_eq!(rows_by_tenant(&answer), Vec::<(String, String)>::new());
    assert_eq!(status_of(&answer, &a), "noPermission");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delegated_access_starts_on_approval_and_ends_on_expiry_or_revocation() {
    let instance = instance().await;
    let admin = Client::sign_in(&instance.router, "admin@provider", ADMIN_PASSWORD).await;
    let (c, c_admin) = tenant_with_events(&instance, &admin, "gamma", &["g.exe"]).await;
    let ana_id = provider_user(&admin, "ana@provider", &["analyst"]).await;
    let me = admin.get("/api/v1/me").await;
    let home = me.body["homeTenantId"].as_str().expect("home").to_string();
    let group = admin
        .post(&format!("/api/v1/tenants/{home}/groups"), json!({"displayName": "SOC", "memberIds": [ana_id]}))
        .await;
    assert_eq!(group.status, StatusCode::CREATED, "{}", group.body);
    let group_id = group.body["id"].as_str().expect("group");
    let foreign = json!({"principalKind": "group", "principalId": group_id, "roles": ["reader"]});
    let refused = c_admin.post(&format!("/api/v1/tenants/{c}/roleAssignments"), foreign).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND, "another tenant's group takes no role here: {}", refused.body);
    let request = json!({"customerTenantId": c, "groupId": group_id, "roles": ["analyst", "crossTenant.analytics"], "durationDays": 1});
    let requested = admin.post("/api/v1/delegations", request).await;
    assert_eq!(requested.status, StatusCode::CREATED, "{}", requested.body);
    assert_eq!(requested.body["status"], "requested");
    let id = requested.body["id"].as_str().expect("id").to_string();
    // The customer's admin sees by name whom the request is from, though it cannot reach that tenant.
    let provider = admin.get("/api/v1/tenants").await.body["value"]
        .as_array()
        .and_then(|ts| ts.iter().find(|t| t["tenantId"] == home.as_str()).cloned())
        .expect("the provider's own tenant");
    let listed = c_admin.get(&format!("/api/v1/tenants/{c}/delegations")).await;
    assert_eq!(listed.body["value"][0]["partnerTenantName"], provider["tenantName"], "{}", listed.body);
    assert_eq!(listed.body["value"][0]["customerTenantName"], "gamma");

    let ana = Client::sign_in(&instance.router, "ana@provider", PASSWORD).await;
    let unrelated = ana.get(&format!("/api/v1/tenants/{c}/delegations")).await;
    assert_eq!(unrelated.status, StatusCode::NOT_FOUND, "no role in the customer, no listing: {}", unrelated.body);
    let hunt = json!({"Query": "DeviceProcessEvents | project FileName", "tenantIds": [c]});
    let before = ana.post("/api/v1/security/runHuntingQuery", hunt.clone()).await;
    assert_eq!(status_of(&before, &c), "noPermission", "a request grants nothing");
    let forged = admin.post(&format!("/api/v1/tenants/{c}/delegations/{id}/approve"), json!({})).await;
    assert_eq!(forged.status, StatusCode::NOT_FOUND, "the partner cannot approve its own request");
    let approved = c_admin.post(&format!("/api/v1/tenants/{c}/delegations/{id}/approve"), json!({})).await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    let during = ana.post("/api/v1/security/runHuntingQuery", hunt.clone()).await;
    assert_eq!(rows_by_tenant(&during), [("gamma".into(), "g.exe".into())]);
    let combined = ana
        .post(
            "/api/v1/security/runHuntingQuery",
            json!({"Query": "DeviceProcessEvents | count", "mode": "combined", "tenantIds": [c]}),
        )
        .await;
    assert_eq!(status_of(&combined, &c), "ok", "{}", combined.body);
    let ledger = c_admin.get(&format!("/api/v1/tenants/{c}/audit")).await;
    assert!(ledger.body["value"].as_array().expect("entries").iter().any(|e| e["via"] == format!("delegation:{id}")));

    instance.clock.advance(Duration::from_secs(86_400 + 1));
    // Sessions idled out too: sign in again.
    let ana = Client::sign_in(&instance.router, "ana@provider", PASSWORD).await;
    let admin = Client::sign_in(&instance.router, "admin@provider", ADMIN_PASSWORD).await;
    let c_admin = Client::sign_in(&instance.router, "admin@gamma", PASSWORD).await;
    let after = ana.post("/api/v1/security/runHuntingQuery", hunt.clone()).await;
    assert_eq!(status_of(&after, &c), "accessExpired", "{}", after.body);
    assert_eq!(ana.get(&format!("/api/v1/tenants/{c}")).await.status, StatusCode::NOT_FOUND);
    let tenants = ana.get("/api/v1/tenants").await;
    let gamma = tenants.body["value"].as_array().expect("tenants").iter().find(|t| t["tenantId"] == c).cloned();
    assert_eq!(gamma.expect("listed")["status"], "accessExpired");

    // A second relationship, revoked by the customer: access ends at once.
    let request = json!({"customerTenantId": c, "groupId": group_id, "roles": ["reader"], "durationDays": 30});
    let id = admin.post("/api/v1/delegations", request).await.body["id"].as_str().expect("id").to_string();
    c_admin.post(&format!("/api/v1/tenants/{c}/delegations/{id}/approve"), json!({})).await;
    assert_eq!(ana.get(&format!("/api/v1/tenants/{c}")).await.status, StatusCode::OK);
    let revoked = c_admin.post(&format!("/api/v1/tenants/{c}/delegations/{id}/revoke"), json!({})).await;
    assert_eq!(revoked.body["status"], "revoked");
    assert_eq!(ana.get(&format!("/api/v1/tenants/{c}")).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_principal_tokens_are_scoped_expiring_and_revocable() {
    let instance = instance().await;
    let admin = Client::sign_in(&instance.router, "admin@provider", ADMIN_PASSWORD).await;
    let (a, a_admin) = tenant_with_events(&instance, &admin, "alpha", &["a.exe"]).await;
    let sp = a_admin
        .post(&format!("/api/v1/tenants/{a}/servicePrincipals"), json!({"displayName": "soar", "roles": ["analyst"]}))
        .await;
    assert_eq!(sp.status, StatusCode::CREATED, "{}", sp.body);
    let sp_id = sp.body["id"].as_str().expect("id");
    let issued = a_admin.post("/api/v1/tokens", json!({"servicePrincipalId": sp_id, "expiresInDays": 1})).await;
    assert_eq!(issued.status, StatusCode::CREATED, "{}", issued.body);
    let secret = issued.body["token"].as_str().expect("secret").to_string();
    let token_id = issued.body["id"].as_str().expect("id").to_string();
    let mut conn = instance.app.db().conn().await.expect("conn");
    let stored = panoptes_db::tokens_of(&mut conn, &TenantScope::local_operator([TenantId::new(a.clone())]))
        .await
        .expect("tokens");
    drop(conn);
    assert!(stored.iter().all(|t| t.token_hash != secret && !t.token_hash.contains(&secret)), "only a hash is kept");

    let robot = Client::bearer(&instance.router, &secret);
    let hunt = json!({"Query": "DeviceProcessEvents | project FileName"});
    let answer = robot.post("/api/v1/security/runHuntingQuery", hunt.clone()).await;
    assert_eq!(rows_by_tenant(&answer), [("alpha".into(), "a.exe".into())], "{}", answer.body);
    let scoped =
        a_admin.post("/api/v1/tokens", json!({"servicePrincipalId": sp_id, "scopes": ["securityData.read"]})).await;
    let narrow = Client::bearer(&instance.router, scoped.body["token"].as_str().expect("secret"));
    let answer = narrow.post("/api/v1/security/runHuntingQuery", hunt.clone()).await;
    assert_eq!(status_of(&answer, &a), "noPermission", "the token's scope leaves out hunting");

    let outsider = admin.send("DELETE", &format!("/api/v1/tenants/{a}/tokens/{token_id}"), None).await;
    assert_eq!(outsider.status, StatusCode::NOT_FOUND, "another tenant's admin cannot revoke it");
    let revoked = a_admin.send("DELETE", &format!("/api/v1/tenants/{a}/tokens/{token_id}"), None).await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    assert_eq!(robot.post("/api/v1/security/runHuntingQuery", hunt.clone()).await.status, StatusCode::UNAUTHORIZED);
    instance.clock.advance(Duration::from_secs(31 * 86_400));
    assert_eq!(narrow.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED, "expired");
    assert_eq!(Client::bearer(&instance.router, "pnp_forged").get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenants_are_created_with_a_plan_and_deleted_with_their_data_after_confirmation() {
    let instance = instance().await;
    let admin = Client::sign_in(&instance.router, "admin@provider", ADMIN_PASSWORD).await;
    let (a, a_admin) = tenant_with_events(&instance, &admin, "alpha", &["a.exe"]).await;
    let not_admin = a_admin.post("/api/v1/tenants", json!({"displayName": "sneaky"})).await;
    assert_eq!(not_admin.status, StatusCode::FORBIDDEN);
    let unknown = admin.post("/api/v1/tenants", json!({"displayName": "x", "capabilities": ["teleportation"]})).await;
    assert!(unknown.body["error"]["message"].as_str().expect("message").contains("hunting"));
    let plan =
        admin.send("PATCH", &format!("/api/v1/tenants/{a}"), Some(json!({"capabilities": ["detections"]}))).await;
    assert_eq!(plan.status, StatusCode::OK, "{}", plan.body);
    let answer = a_admin.post("/api/v1/security/runHuntingQuery", json!({"Query": "DeviceProcessEvents"})).await;
    assert_eq!(status_of(&answer, &a), "notInPlan");
    let unconfirmed = admin.send("DELETE", &format!("/api/v1/tenants/{a}"), None).await;
    assert_eq!(unconfirmed.status, StatusCode::BAD_REQUEST);
    let deleted = admin.send("DELETE", &format!("/api/v1/tenants/{a}?confirm=alpha"), None).await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    assert_eq!(deleted.body["eventsDeleted"], 1);
    assert!(instance.app.events().tenants().iter().all(|t| t.as_str() != a), "its events are gone");
    assert_eq!(a_admin.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED, "its users are gone");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timespan_limits_the_rows_a_hunt_sees() {
    let instance = instance().await;
    let admin = Client::sign_in(&instance.router, "admin@provider", ADMIN_PASSWORD).await;
    let (_, a_admin) = tenant_with_events(&instance, &admin, "alpha", &["a.exe"]).await;
    // The events are at 2026-11-19T10:00Z; the clock shows 2026-11-20T00:00Z.
    let hunt = |timespan: &str| json!({"Query": "DeviceProcessEvents | project FileName", "Timespan": timespan});
    let day = a_admin.post("/api/v1/security/runHuntingQuery", hunt("P1D")).await;
    assert_eq!(rows_by_tenant(&day), [("alpha".into(), "a.exe".into())], "{}", day.body);
    let hour = a_admin.post("/api/v1/security/runHuntingQuery", hunt("PT1H")).await;
    assert_eq!(rows_by_tenant(&hour), Vec::<(String, String)>::new());
    let bounded =
        a_admin.post("/api/v1/security/runHuntingQuery", hunt("2026-11-19T09:00:00Z/2026-11-19T11:00:00Z")).await;
    assert_eq!(rows_by_tenant(&bounded).len(), 1);
    let bad = a_admin.post("/api/v1/security/runHuntingQuery", hunt("last tuesday")).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body["error"]["message"].as_str().expect("message").contains("Timespan"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hunt_streams_as_lines_when_asked_and_keeps_its_tenant_status() {
    let instance = instance().await;
    let admin = Client::sign_in(&instance.router, "admin@provider", ADMIN_PASSWORD).await;
    let files: Vec<String> = (0..2500).map(|i| format!("tool{i}.exe")).collect();
    let files: Vec<&str> = files.iter().map(String::as_str).collect();
    let (a, a_admin) = tenant_with_events(&instance, &admin, "alpha", &files).await;
    let (b, _) = tenant_with_events(&instance, &admin, "beta", &["b.exe"]).await;
    let hunt = json!({"Query": "DeviceProcessEvents | project FileName", "tenantIds": [a, b]});
    let whole = a_admin.post("/api/v1/security/runHuntingQuery", hunt.clone()).await;
    let streamed = a_admin
        .send_with("POST", "/api/v1/security/runHuntingQuery", Some(hunt), &[("accept", "application/x-ndjson")])
        .await;
    assert_eq!(streamed.status, StatusCode::OK);
    assert_eq!(
        streamed.headers.get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()),
        Some("application/x-ndjson")
    );
    let text = streamed.body.as_str().expect("lines, not one JSON document");
    let lines: Vec<serde_json::Value> =
        text.lines().map(|l| serde_json::from_str(l).expect("each line is JSON")).collect();
    assert_eq!(lines[0]["schema"], whole.body["schema"]);
    let rows: Vec<&serde_json::Value> = lines.iter().filter_map(|l| l.get("row")).collect();
    assert_eq!(rows.len(), 2500, "every row of alpha, none of beta (no grant there)");
    assert_eq!(rows.len(), whole.body["results"].as_array().map_or(0, Vec::len));
    let last = lines.last().expect("a last line");
    let outcome = |status: &serde_json::Value| {
        let list = status.as_array().expect("statuses");
        list.iter()
            .map(|s| (s["tenantId"].to_string(), s["status"].to_string(), s["rowCount"].clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(outcome(&last["tenantStatus"]), outcome(&whole.body["tenantStatus"]));
    assert!(last["tenantStatus"].as_array().expect("statuses").iter().any(|s| s["tenantId"] == b));
}
