//! Cross-tenant detection rules (T17): one query over several tenants' data, an alert in each
//! tenant involved holding only its own rows, and one provider incident linking them.

use axum::http::StatusCode;
use panoptes_domain::{TenantId, TenantScope};
use panoptes_eventstore::ingest::{Format, IngestOptions, convert_records, split_records};
use serde_json::json;

use super::{
    ADMIN_PASSWORD, Client, Instance, PASSWORD, START_NS, instance, make_guest, provider_user, tenant_with_events,
};

/// Failed logons from `ip` against `account` on a device of the tenant.
fn spray(instance: &Instance, tenant: &str, ip: &str, account: &str) {
    let lines: String = (0..3)
        .map(|i| {
            let row = json!({"Timestamp": format!("2026-11-19T11:0{i}:00Z"), "DeviceId": format!("{tenant}-dc"),
                "DeviceName": "dc01", "ReportId": i, "ActionType": "LogonFailed", "AccountName": account,
                "RemoteIP": ip});
            format!("{row}\n")
        })
        .collect();
    let options = IngestOptions {
        format: Format::Native,
        table: Some("DeviceLogonEvents".into()),
        external_tenant_id: None,
        received_ns: START_NS,
        tenant: tenant.to_string(),
    };
    let converted = convert_records(split_records(&lines), &options).expect("convert");
    let batches: Vec<(&str, _)> = converted.batches.iter().map(|(t, b)| (t.as_str(), b.clone())).collect();
    instance.app.events().append(&TenantScope::local_operator([TenantId::new(tenant)]), &batches).expect("append");
}

const SPRAY: &str = "DeviceLogonEvents | where ActionType == 'LogonFailed' \
    | summarize Tenants = dcount(TenantId) by RemoteIP | where Tenants >= 3 \
    | join kind=inner (DeviceLogonEvents | where ActionType == 'LogonFailed') on RemoteIP \
    | project Timestamp, DeviceId, DeviceName, ReportId, AccountName, RemoteIP, TenantId";

#[tokio::test]
async fn a_password_spray_over_three_tenants_alerts_each_with_its_own_rows_and_links_them_for_the_provider() {
    let instance = instance().await;
    let admin = Client::sign_in(&instance.router, "admin@provider", ADMIN_PASSWORD).await;
    let home = admin.get("/api/v1/me").await.body["homeTenantId"].as_str().unwrap_or_default().to_string();
    let carol_id = provider_user(&admin, "carol@provider", &["detectionEngineer"]).await;
    provider_user(&admin, "dave@provider", &["detectionEngineer"]).await;
    let mut customers = Vec::new();
    for (name, account) in [("alpha", "a.admin"), ("beta", "b.admin"), ("gamma", "c.admin")] {
        let (id, customer_admin) = tenant_with_events(&instance, &admin, name, &[]).await;
        spray(&instance, &id, "198.51.100.7", account);
        make_guest(&instance, &customer_admin, &id, "carol@provider", &["analyst", "crossTenant.analytics"]).await;
        // Dave may hunt but has no cross-tenant consent.
        make_guest(&instance, &customer_admin, &id, "dave@provider", &["analyst"]).await;
        customers.push((id, customer_admin, account));
    }
    let ids: Vec<&str> = customers.iter().map(|(id, _, _)| id.as_str()).collect();
    let rule = json!({
        "tenantId": home, "displayName": "Password spray across customers",
        "queryCondition": {"queryText": SPRAY, "mode": "combined", "tenantIds": ids},
        "schedule": {"period": "24H", "lookback": "2d"},
        "detectionAction": {"alertTemplate": {"title": "Password spray from {{RemoteIP}}", "severity": "high",
            "category": "CredentialAccess", "mitreTechniques": ["T1110.003"]}},
    });
    let dave = Client::sign_in(&instance.router, "dave@provider", PASSWORD).await;
    let refused = dave.post("/api/v1/security/rules/detectionRules", rule.clone()).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(refused.body["error"]["message"].as_str().unwrap_or_default().contains("crossTenant.analytics"));
    let carol = Client::sign_in(&instance.router, "carol@provider", PASSWORD).await;
    let created = carol.post("/api/v1/security/rules/detectionRules", rule).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let rule_id = created.body["id"].as_str().expect("id").to_string();
    let run = carol.post(&format!("/api/v1/security/rules/detectionRules/{rule_id}/run"), json!({})).await;
    assert_eq!(
        (run.body["status"].as_str(), run.body["alertCount"].as_i64()),
        (Some("completed"), Some(10)),
        "{}",
        run.body
    );

    // Each customer sees one incident holding only its own account, and a count of the others.
    for (id, customer_admin, account) in &customers {
        let incidents = customer_admin.get("/api/v1/security/incidents?$expand=alerts").await;
        assert_eq!(incidents.body["@odata.count"], 1, "{}", incidents.body);
        let text = incidents.body.to_string();
        assert!(text.contains(account), "{text}");
        for (other, _, other_account) in &customers {
            if other != id {
                assert!(!text.contains(*other_account) && !text.contains(other.as_str()), "{other} leaked: {text}");
            }
        }
        assert!(text.contains("also fired in 2 other tenants"), "{text}");
    }
    // The provider's incident links the three customers' incidents.
    let provider = carol.get(&format!("/api/v1/security/incidents?tenantIds={home}")).await;
    assert_eq!(provider.body["@odata.count"], 1, "{}", provider.body);
    let links: Vec<&str> = provider.body["value"][0]["systemTags"]
        .as_array()
        .map(|t| t.iter().filter_map(|v| v.as_str()).filter(|v| v.starts_with("incident:")).collect())
        .unwrap_or_default();
    assert_eq!(links.len(), 3, "{}", provider.body);

    // When one customer withdraws consent, the rule leaves it out and says so.
    let (gamma, gamma_admin, _) = &customers[2];
    let guests = gamma_admin.get(&format!("/api/v1/tenants/{gamma}/guests")).await;
    let carol_guest = guests.body["value"]
        .as_array()
        .and_then(|g| g.iter().find(|g| g["userId"] == carol_id.as_str()))
        .and_then(|g| g["id"].as_str())
        .expect("carol is a guest")
        .to_string();
    let removed = gamma_admin.send("DELETE", &format!("/api/v1/tenants/{gamma}/guests/{carol_guest}"), None).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.body);
    let rerun = carol.post(&format!("/api/v1/security/rules/detectionRules/{rule_id}/run"), json!({})).await;
    assert_eq!(rerun.body["status"], "partiallyFailed", "{}", rerun.body);
    assert!(rerun.body["failureReason"].as_str().unwrap_or_default().contains("1 tenants were left out"));
}
