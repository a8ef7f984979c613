//! Custom detection rules, alerts and incidents through the API: checks at save, run now,
//! deduplication, correlation inside a tenant only, the cross-tenant queue with OData options,
//! bulk triage that fails item by item where the caller may not act, and moving alerts.

use axum::http::StatusCode;
use panoptes_domain::{TenantId, TenantScope};
use panoptes_eventstore::ingest::{Format, IngestOptions, convert_records, split_records};
use serde_json::{Value, json};

use super::{
    ADMIN_PASSWORD, Client, Instance, PASSWORD, START_NS, instance, make_guest, provider_user, tenant_with_events,
};

/// Stores process events (device, file, report id, minute of 2026-11-19 10:xx) in a tenant.
fn store_processes(instance: &Instance, tenant: &str, events: &[(&str, &str, i64, u32)]) {
    let lines: String = events
        .iter()
        .map(|(device, file, report, minute)| {
            let row = json!({"Timestamp": format!("2026-11-19T10:{minute:02}:00Z"), "DeviceId": format!("id-{device}"),
                "DeviceName": device, "FileName": file, "ProcessCommandLine": format!("{file} sekurlsa::logonpasswords"),
                "ReportId": report, "AccountName": format!("user-{device}"), "InitiatingProcessFileName": "cmd.exe"});
            format!("{row}\n")
        })
        .collect();
    let options = IngestOptions {
        format: Format::Native,
        table: Some("DeviceProcessEvents".into()),
        external_tenant_id: None,
        received_ns: START_NS,
        tenant: tenant.to_string(),
    };
    let converted = convert_records(split_records(&lines), &options).expect("convert");
    let batches: Vec<(&str, _)> = converted.batches.iter().map(|(t, b)| (t.as_str(), b.clone())).collect();
    let scope = TenantScope::local_operator([TenantId::new(tenant)]);
    instance.app.events().append(&scope, &batches).expect("append");
}

fn rule(tenant: &str, query: &str) -> Value {
    json!({
        "tenantId": tenant,
        "displayName": "Credential dumping tool",
        "description": "mimikatz run on a device",
        "queryCondition": {"queryText": query},
        "schedule": {"period": "1H", "lookback": "2d"},
        "detectionAction": {"alertTemplate": {
            "title": "Mimikatz on {{DeviceName}}", "description": "{{ProcessCommandLine}}",
            "severity": "high", "category": "CredentialAccess", "mitreTechniques": ["T1003.001"],
            "recommendedActions": "Isolate the device",
            "impactedAssets": [{"@odata.type": "#microsoft.graph.security.impactedDeviceAsset", "identifier": "DeviceId"}]
        }}
    })
}

const QUERY: &str = "DeviceProcessEvents | where FileName =~ 'mimikatz.exe' \
    | project Timestamp, DeviceId, DeviceName, ReportId, FileName, ProcessCommandLine, AccountName";

fn ids(answer: &super::Answer) -> Vec<String> {
    let list = answer.body["value"].as_array().cloned().unwrap_or_default();
    list.iter().filter_map(|i| i["id"].as_str().map(str::to_string)).collect()
}

#[tokio::test]
async fn a_rule_raises_each_alert_once_and_correlates_only_inside_its_tenant() {
    let instance = instance().await;
    let admin = Client::sign_in(&instance.router, "admin@provider", ADMIN_PASSWORD).await;
    let (contoso, contoso_admin) = tenant_with_events(&instance, &admin, "contoso", &[]).await;
    let (fabrikam, fabrikam_admin) = tenant_with_events(&instance, &admin, "fabrikam", &[]).await;
    store_processes(
        &instance,
        &contoso,
        &[
            ("pc1", "mimikatz.exe", 1, 0),
            ("pc1", "mimikatz.exe", 2, 5),
            ("pc2", "mimikatz.exe", 3, 9),
            ("pc2", "notepad.exe", 4, 9),
        ],
    );
    store_processes(&instance, &fabrikam, &[("pc1", "mimikatz.exe", 1, 0)]);

    // Checked at save: the missing column is named.
    let short = "DeviceProcessEvents | where FileName =~ 'mimikatz.exe' | project Timestamp, DeviceId, DeviceName";
    let refused = contoso_admin.post("/api/v1/security/rules/detectionRules", rule(&contoso, short)).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(refused.body["error"]["message"].as_str().unwrap_or_default().contains("`ReportId`"), "{}", refused.body);
    let mut bad_title = rule(&contoso, QUERY);
    bad_title["detectionAction"]["alertTemplate"]["title"] = json!("On {{Nope}}");
    let refused = contoso_admin.post("/api/v1/security/rules/detectionRules", bad_title).await;
    assert!(refused.body["error"]["message"].as_str().unwrap_or_default().contains("`Nope`"), "{}", refused.body);

    let created = contoso_admin.post("/api/v1/security/rules/detectionRules", rule(&contoso, QUERY)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["schedule"]["lookback"], "P2D");
    let rule_id = created.body["id"].as_str().expect("id").to_string();
    let run = contoso_admin.post(&format!("/api/v1/security/rules/detectionRules/{rule_id}/run"), json!({})).await;
    assert_eq!(run.status, StatusCode::OK, "{}", run.body);
    assert_eq!((run.body["status"].as_str(), run.body["alertCount"].as_i64()), (Some("completed"), Some(3)));
    // A rerun over the same window finds the same events and raises nothing new.
    let rerun = contoso_admin.post(&format!("/api/v1/security/rules/detectionRules/{rule_id}/run"), json!({})).await;
    assert!(rerun.body["rowsScanned"].as_i64().is_some_and(|n| n >= 3), "{}", rerun.body);
    assert_eq!((rerun.body["rowCount"].as_i64(), rerun.body["alertCount"].as_i64()), (Some(3), Some(0)));
    let runs = contoso_admin.get(&format!("/api/v1/security/rules/detectionRules/{rule_id}/runs")).await;
    assert_eq!(runs.body["value"].as_array().map(Vec::len), Some(2));

    // pc1's two alerts share an incident; pc2's has its own.
    let incidents = contoso_admin.get("/api/v1/security/incidents?$orderby=displayName&$expand=alerts").await;
    assert_eq!(incidents.status, StatusCode::OK, "{}", incidents.body);
    let names: Vec<(&str, usize)> = incidents.body["value"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|i| (i["displayName"].as_str().unwrap_or(""), i["alerts"].as_array().map_or(0, Vec::len)))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(names, [("Mimikatz on pc1", 2), ("Mimikatz on pc2", 1)]);
    let first = &incidents.body["value"][0];
    assert_eq!((first["severity"].as_str(), first["tenantName"].as_str()), (Some("high"), Some("contoso")));
    assert_eq!(first["alerts"][0]["detectionSource"], "customDetection");
    assert!(first["alerts"][0]["id"].as_str().unwrap_or_default().starts_with("ea"));

    // The alerts are in the tenant's AlertInfo table for hunting.
    let hunt = contoso_admin
        .post(
            "/api/v1/security/runHuntingQuery",
            json!({"Query": "AlertInfo | summarize n = count()", "tenantIds": [contoso]}),
        )
        .await;
    assert_eq!(hunt.body["results"][0]["n"], 3, "{}", hunt.body);

    // Fabrikam's alert on a device of the same name never joins Contoso's incident.
    let created = fabrikam_admin.post("/api/v1/security/rules/detectionRules", rule(&fabrikam, QUERY)).await;
    let fabrikam_rule = created.body["id"].as_str().expect("id").to_string();
    fabrikam_admin.post(&format!("/api/v1/security/rules/detectionRules/{fabrikam_rule}/run"), json!({})).await;
    let theirs = fabrikam_admin.get("/api/v1/security/incidents?$expand=alerts").await;
    assert_eq!(theirs.body["value"].as_array().map(Vec::len), Some(1), "{}", theirs.body);
    assert_eq!(theirs.body["value"][0]["alerts"].as_array().map(Vec::len), Some(1));
    assert_eq!(ids(&contoso_admin.get("/api/v1/security/incidents").await).len(), 2);
    // Another tenant's incident and rule answer 404.
    let foreign = &theirs.body["value"][0]["id"].as_str().unwrap_or_default().to_string();
    assert_eq!(contoso_admin.get(&format!("/api/v1/security/incidents/{foreign}")).await.status, StatusCode::NOT_FOUND);
    let patch = contoso_admin
        .send("PATCH", &format!("/api/v1/security/incidents/{foreign}"), Some(json!({"status": "resolved"})))
        .await;
    assert_eq!(patch.status, StatusCode::NOT_FOUND);
    let foreign_rule = contoso_admin.get(&format!("/api/v1/security/rules/detectionRules/{fabrikam_rule}")).await;
    assert_eq!(foreign_rule.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_queue_spans_tenants_and_bulk_triage_fails_only_where_it_may_not_act() {
    let instance = instance().await;
    let admin = Client::sign_in(&instance.router, "admin@provider", ADMIN_PASSWORD).await;
    let (contoso, contoso_admin) = tenant_with_events(&instance, &admin, "contoso", &[]).await;
    let (fabrikam, fabrikam_admin) = tenant_with_events(&instance, &admin, "fabrikam", &[]).await;
    store_processes(&instance, &contoso, &[("pc1", "mimikatz.exe", 1, 0), ("pc2", "mimikatz.exe", 2, 1)]);
    store_processes(&instance, &fabrikam, &[("pc7", "mimikatz.exe", 1, 0)]);
    for (tenant, client) in [(&contoso, &contoso_admin), (&fabrikam, &fabrikam_admin)] {
        let created = client.post("/api/v1/security/rules/detectionRules", rule(tenant, QUERY)).await;
        let id = created.body["id"].as_str().expect("id").to_string();
        client.post(&format!("/api/v1/security/rules/detectionRules/{id}/run"), json!({})).await;
    }
    provider_user(&admin, "alice@provider", &[]).await;
    provider_user(&admin, "bob@provider", &[]).await;
    make_guest(&instance, &contoso_admin, &contoso, "alice@provider", &["analyst"]).await;
    make_guest(&instance, &fabrikam_admin, &fabrikam, "alice@provider", &["reader"]).await;
    let alice = Client::sign_in(&instance.router, "alice@provider", PASSWORD).await;
    let bob = Client::sign_in(&instance.router, "bob@provider", PASSWORD).await;

    // One queue over both tenants, labelled; filters and paging run on the server.
    let queue = alice.get(&format!("/api/v1/security/incidents?tenantIds={contoso},{fabrikam}")).await;
    assert_eq!(queue.body["@odata.count"], 3, "{}", queue.body);
    let mut tenants: Vec<&str> =
        queue.body["value"].as_array().unwrap().iter().filter_map(|i| i["tenantName"].as_str()).collect();
    tenants.sort();
    assert_eq!(tenants, ["contoso", "contoso", "fabrikam"]);
    let filtered = alice
        .get(&format!("/api/v1/security/incidents?tenantIds={contoso},{fabrikam}&$filter=tenantId%20eq%20'{fabrikam}'%20and%20severity%20ge%20'medium'"))
        .await;
    assert_eq!(filtered.body["@odata.count"], 1, "{}", filtered.body);
    let page =
        alice.get(&format!("/api/v1/security/incidents?tenantIds={contoso},{fabrikam}&$top=2&$orderby=id")).await;
    assert_eq!(page.body["value"].as_array().map(Vec::len), Some(2));
    let next = page.body["@odata.nextLink"].as_str().expect("next link").to_string();
    assert!(next.contains("%24skip=2") || next.contains("$skip=2"), "{next}");
    let rest = alice.get(&next).await;
    assert_eq!(rest.body["value"].as_array().map(Vec::len), Some(1), "{}", rest.body);
    let wrong = alice.get("/api/v1/security/incidents?$filter=status%20eq%20'open'").await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    // Bob reaches neither tenant: his queue is empty, and the tenants he names are reported.
    let empty = bob.get(&format!("/api/v1/security/incidents?tenantIds={contoso}")).await;
    assert_eq!(
        (empty.body["@odata.count"].as_i64(), empty.body["tenantStatus"][0]["status"].as_str()),
        (Some(0), Some("noPermission"))
    );

    // Bulk: assign and classify everything; Fabrikam's item fails (reader), Contoso's succeed.
    let all = ids(&queue);
    let changes = json!({"assignedTo": "alice@provider", "classification": "truePositive", "determination": "compromisedUser", "status": "inProgress"});
    let bulk = alice.post("/api/v1/security/incidents/bulkUpdate", json!({"ids": all, "changes": changes})).await;
    assert_eq!(bulk.status, StatusCode::OK, "{}", bulk.body);
    let outcomes: Vec<(&str, &str)> = bulk.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["status"].as_str().unwrap_or(""), r["errorCode"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(outcomes.iter().filter(|(s, _)| *s == "succeeded").count(), 2, "{}", bulk.body);
    assert!(outcomes.contains(&("failed", "Forbidden")), "{}", bulk.body);
    let mine = alice
        .get(&format!("/api/v1/security/incidents?tenantIds={contoso}&$filter=assignedTo%20eq%20'alice@provider'"))
        .await;
    assert_eq!(mine.body["@odata.count"], 2, "{}", mine.body);
    assert_eq!(mine.body["value"][0]["determination"], "compromisedAccount");
    // Bob cannot be assigned in Contoso: he holds no role there.
    let one = &mine.body["value"][0]["id"].as_str().unwrap_or_default().to_string();
    let refused = alice
        .send("PATCH", &format!("/api/v1/security/incidents/{one}"), Some(json!({"assignedTo": "bob@provider"})))
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    // Each change is in its own tenant's ledger.
    let ledger = contoso_admin.get(&format!("/api/v1/tenants/{contoso}/audit")).await;
    let updates =
        ledger.body["value"].as_array().map_or(0, |e| e.iter().filter(|e| e["action"] == "incident.update").count());
    assert_eq!(updates, 2, "{}", ledger.body);

    // Moving an alert: into the other tenant's incident is refused; into a new one rolls both up.
    let incident = alice.get(&format!("/api/v1/security/incidents/{one}")).await;
    let alert = incident.body["alerts"][0]["id"].as_str().expect("alert").to_string();
    let theirs = fabrikam_admin.get("/api/v1/security/incidents").await;
    let foreign = theirs.body["value"][0]["id"].as_str().unwrap_or_default().to_string();
    let moved = alice
        .post(
            &format!("/api/v1/security/alerts_v2/{alert}/move"),
            json!({"incidentId": foreign, "reason": "same attack"}),
        )
        .await;
    assert_eq!(moved.status, StatusCode::NOT_FOUND, "{}", moved.body);
    let moved = alice
        .post(&format!("/api/v1/security/alerts_v2/{alert}/move"), json!({"new": true, "reason": "unrelated"}))
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    assert_ne!(moved.body["incidentId"].as_str(), Some(one.as_str()));
    let old = alice.get(&format!("/api/v1/security/incidents/{one}")).await;
    assert_eq!(
        (old.body["alertCount"].as_i64(), old.body["status"].as_str()),
        (Some(0), Some("resolved")),
        "{}",
        old.body
    );

    // Resolving an incident resolves its alerts; comments land in its log.
    let open = moved.body["incidentId"].as_str().unwrap_or_default().to_string();
    let done = alice
        .send(
            "PATCH",
            &format!("/api/v1/security/incidents/{open}"),
            Some(json!({"status": "resolved", "comment": "contained"})),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let resolved = alice.get(&format!("/api/v1/security/alerts_v2/{alert}")).await;
    assert_eq!(resolved.body["status"], "resolved");
    let log = alice.get(&format!("/api/v1/security/incidents/{open}")).await;
    let comments: Vec<&str> = log.body["comments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "comment")
        .filter_map(|c| c["comment"].as_str())
        .collect();
    assert_eq!(comments, ["contained"]);
    // The alert queue sees the same alerts; Bob sees none of them.
    let alerts =
        alice.get(&format!("/api/v1/security/alerts_v2?tenantIds={contoso}&$filter=status%20eq%20'resolved'")).await;
    assert_eq!(alerts.body["@odata.count"], 1, "{}", alerts.body);
    assert_eq!(bob.get(&format!("/api/v1/security/alerts_v2/{alert}")).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_scheduler_runs_due_rules_and_turned_off_rules_stay_off() {
    let instance = instance().await;
    let admin = Client::sign_in(&instance.router, "admin@provider", ADMIN_PASSWORD).await;
    let (contoso, contoso_admin) = tenant_with_events(&instance, &admin, "contoso", &[]).await;
    store_processes(&instance, &contoso, &[("pc1", "mimikatz.exe", 1, 0)]);
    let created = contoso_admin.post("/api/v1/security/rules/detectionRules", rule(&contoso, QUERY)).await;
    let id = created.body["id"].as_str().expect("id").to_string();
    assert_eq!(instance.app.run_due_rules().await.expect("tick"), 1);
    let shown = contoso_admin.get(&format!("/api/v1/security/rules/detectionRules/{id}")).await;
    assert_eq!(shown.body["lastRunDetails"]["status"], "completed", "{}", shown.body);
    assert_eq!(shown.body["schedule"]["nextRunDateTime"], "2026-11-20T01:00:00.0000000Z");
    // Not due again until the hour has passed.
    assert_eq!(instance.app.run_due_rules().await.expect("tick"), 0);
    instance.clock.advance(std::time::Duration::from_secs(3600));
    assert_eq!(instance.app.run_due_rules().await.expect("tick"), 1);
    // Turning it off stops scheduling and keeps the version; an edit bumps it.
    let off = contoso_admin
        .send("PATCH", &format!("/api/v1/security/rules/detectionRules/{id}"), Some(json!({"isEnabled": false})))
        .await;
    assert_eq!((off.body["isEnabled"].as_bool(), off.body["version"].as_i64()), (Some(false), Some(1)), "{}", off.body);
    instance.clock.advance(std::time::Duration::from_secs(7200));
    assert_eq!(instance.app.run_due_rules().await.expect("tick"), 0);
    // Two idle hours ended the session.
    let contoso_admin = Client::sign_in(&instance.router, "admin@contoso", PASSWORD).await;
    let admin = Client::sign_in(&instance.router, "admin@provider", ADMIN_PASSWORD).await;
    let edited = contoso_admin
        .send(
            "PATCH",
            &format!("/api/v1/security/rules/detectionRules/{id}"),
            Some(json!({"detectionAction": {"alertTemplate": {"severity": "low"}}})),
        )
        .await;
    assert_eq!(
        (edited.body["version"].as_i64(), edited.body["detectionAction"]["alertTemplate"]["severity"].as_str()),
        (Some(2), Some("low")),
        "{}",
        edited.body
    );
    let incidents = contoso_admin.get("/api/v1/security/incidents").await;
    assert_eq!(incidents.body["@odata.count"], 1, "one event, one alert, however many runs: {}", incidents.body);
    // A reader of the tenant cannot change rules: visible, so 403.
    provider_user(&admin, "rita@provider", &[]).await;
    make_guest(&instance, &contoso_admin, &contoso, "rita@provider", &["reader"]).await;
    let rita = Client::sign_in(&instance.router, "rita@provider", PASSWORD).await;
    let denied = rita.send("DELETE", &format!("/api/v1/security/rules/detectionRules/{id}"), None).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN, "{}", denied.body);
    assert_eq!(
        contoso_admin.send("DELETE", &format!("/api/v1/security/rules/detectionRules/{id}"), None).await.status,
        StatusCode::NO_CONTENT
    );
}
