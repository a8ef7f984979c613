//! Bulk triage at scale (T9): one request assigns and classifies 500 incidents in 50 tenants;
//! items in the tenant where the caller lacks `alerts.manage` fail one by one, the rest succeed,
//! and each change lands in its own tenant's ledger.

use axum::http::StatusCode;
use panoptes_db::Incident;
use panoptes_domain::{TenantId, TenantScope};
use serde_json::json;

use super::{ADMIN_PASSWORD, Client, PASSWORD, instance, make_guest, provider_user, tenant_with_events};

fn incident(id: &str, tenant: &str) -> Incident {
    Incident {
        id: id.into(),
        tenant_id: TenantId::new(tenant),
        display_name: format!("Incident {id}"),
        description: String::new(),
        status: "active".into(),
        severity: "medium".into(),
        severity_rank: 2,
        classification: None,
        determination: None,
        assigned_to: None,
        custom_tags: "[]".into(),
        system_tags: "[]".into(),
        categories: "[]".into(),
        service_sources: "[]".into(),
        detection_sources: "[]".into(),
        impacted_assets: "[]".into(),
        active_alerts: 0,
        alert_count: 0,
        redirect_incident_id: None,
        created_ns: 1,
        last_update_ns: 1,
        first_activity_ns: 1,
        last_activity_ns: 1,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_bulk_call_triages_500_incidents_in_50_tenants_failing_only_where_it_may_not_act() {
    let mut instance = instance().await;
    // A hundred sign-ins from one address would hit the sign-in rate limit.
    let config =
        panoptes_server::ServerConfig { sign_ins_per_minute: u32::MAX, ..panoptes_server::ServerConfig::default() };
    instance.router = panoptes_server::router(instance.app.clone(), config);
    let admin = Client::sign_in(&instance.router, "admin@provider", ADMIN_PASSWORD).await;
    provider_user(&admin, "alice@provider", &[]).await;
    let mut ids = Vec::new();
    let mut first = None;
    let mut read_only = None;
    for index in 0..50 {
        let (tenant, tenant_admin) = tenant_with_events(&instance, &admin, &format!("t{index:02}"), &[]).await;
        // The last tenant lets Alice read but not triage.
        let roles: &[&str] = if index == 49 { &["reader"] } else { &["analyst"] };
        make_guest(&instance, &tenant_admin, &tenant, "alice@provider", roles).await;
        // Incidents stored directly: how they were raised is not what this checks.
        let mut conn = instance.app.db().conn().await.expect("conn");
        for k in 0..10 {
            let id = format!("{index}-{k}");
            let scope = TenantScope::authorized([TenantId::new(tenant.clone())]);
            panoptes_db::insert_incident(&mut conn, &scope, &incident(&id, &tenant)).await.expect("incident");
            ids.push(id);
        }
        if index == 0 {
            first = Some((tenant.clone(), tenant_admin));
        } else if index == 49 {
            read_only = Some(tenant);
        }
    }
    let alice = Client::sign_in(&instance.router, "alice@provider", PASSWORD).await;
    let changes = json!({"assignedTo": "alice@provider", "classification": "truePositive", "determination": "malware"});
    let bulk = alice.post("/api/v1/security/incidents/bulkUpdate", json!({"ids": ids, "changes": changes})).await;
    assert_eq!(bulk.status, StatusCode::OK, "{}", bulk.body);
    let results = bulk.body["value"].as_array().expect("results");
    assert_eq!(results.len(), 500);
    let failed: Vec<&str> =
        results.iter().filter(|r| r["status"] == "failed").filter_map(|r| r["id"].as_str()).collect();
    assert_eq!(failed.len(), 10, "{failed:?}");
    assert!(failed.iter().all(|id| id.starts_with("49-")), "{failed:?}");
    assert!(results.iter().filter(|r| r["status"] == "failed").all(|r| r["errorCode"] == "Forbidden"));
    // The read-only tenant's incidents are untouched; the others are assigned and classified.
    let read_only = read_only.expect("tenant 49");
    let untouched =
        alice.get(&format!("/api/v1/security/incidents?tenantIds={read_only}&$filter=assignedTo%20eq%20null")).await;
    assert_eq!(untouched.body["@odata.count"], 10, "{}", untouched.body);
    let done = alice.get("/api/v1/security/incidents?$filter=classification%20eq%20'truePositive'&$top=1").await;
    assert_eq!(done.body["@odata.count"], 490, "{}", done.body);
    let (tenant, tenant_admin) = first.expect("tenant 0");
    let ledger = tenant_admin.get(&format!("/api/v1/tenants/{tenant}/audit")).await;
    let updates =
        ledger.body["value"].as_array().map_or(0, |e| e.iter().filter(|e| e["action"] == "incident.update").count());
    assert_eq!(updates, 10, "each change in its own tenant's ledger");
}
