//! Telemetry pushed over the API by a collector's credential: it lands in the credential's
//! tenant only, is queryable at once, and a record naming another tenant is refused.

use axum::http::StatusCode;
use serde_json::json;

use crate::{ADMIN_PASSWORD, Answer, Client, instance, tenant_with_events};

/// A process event line for `DeviceProcessEvents`.
fn process(file: &str) -> String {
    json!({"Timestamp": "2026-11-19T11:00:00Z", "DeviceName": "pushed-pc", "FileName": file, "ReportId": 1}).to_string()
}

/// A Defender streaming-API record naming `tenant`.
fn streamed(tenant: &str, file: &str) -> String {
    json!({"time": "2026-11-19T11:00:01Z", "tenantId": tenant, "category": "AdvancedHunting-DeviceProcessEvents",
           "properties": {"Timestamp": "2026-11-19T11:00:00Z", "DeviceName": "streamed-pc", "FileName": file}})
    .to_string()
}

/// A submission's accepted and refused counts.
fn counts(answer: &Answer) -> (Option<u64>, Option<u64>) {
    (answer.body["accepted"].as_u64(), answer.body["refused"].as_u64())
}

/// The FileNames `client` finds for `files` in DeviceProcessEvents, sorted.
async fn found(client: &Client, files: &[&str]) -> Vec<String> {
    let list = files.iter().map(|f| format!("'{f}'")).collect::<Vec<_>>().join(", ");
    let hunt = json!({"Query": format!("DeviceProcessEvents | where FileName in ({list}) | project FileName")});
    let answer = client.post("/api/v1/security/runHuntingQuery", hunt).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let mut names: Vec<String> = answer.body["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["FileName"].as_str().map(str::to_string))
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_collector_pushes_telemetry_into_its_own_tenant_only() {
    let instance = instance().await;
    let admin = Client::sign_in(&instance.router, "admin@provider", ADMIN_PASSWORD).await;
    let (a, a_admin) = tenant_with_events(&instance, &admin, "alpha", &["a.exe"]).await;
    let (b, b_admin) = tenant_with_events(&instance, &admin, "beta", &["b.exe"]).await;
    let role = json!({"displayName": "Collector", "permissions": ["ingest.write"]});
    let created = a_admin.post(&format!("/api/v1/tenants/{a}/roles"), role).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let sp = a_admin
        .post(
            &format!("/api/v1/tenants/{a}/servicePrincipals"),
            json!({"displayName": "edr-feed", "roles": ["Collector"]}),
        )
        .await;
    assert_eq!(sp.status, StatusCode::CREATED, "{}", sp.body);
    let issued = a_admin.post("/api/v1/tokens", json!({"servicePrincipalId": sp.body["id"]})).await;
    assert_eq!(issued.status, StatusCode::CREATED, "{}", issued.body);
    let collector = Client::bearer(&instance.router, issued.body["token"].as_str().expect("secret"));

    // Native NDJSON: good lines kept, the bad one named; the tenant comes from the credential.
    let body = [process("pushed.exe"), process("pushed2.exe"), r#"{"FileName": 5}"#.to_string()].join("\n");
    let answer = collector.post_text("/api/v1/ingest?table=DeviceProcessEvents", &body).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(counts(&answer), (Some(2), Some(1)));
    assert_eq!(answer.body["tenantId"], a.as_str());
    assert_eq!(answer.body["errors"][0]["position"], "line 3");
    assert!(answer.body["errors"][0]["message"].as_str().unwrap_or_default().contains("FileName"), "{}", answer.body);
    assert_eq!(
        found(&a_admin, &["pushed.exe", "pushed2.exe"]).await,
        ["pushed.exe", "pushed2.exe"],
        "queryable at once"
    );

    // Another tenant, named in the request: not found, and nothing lands there.
    let elsewhere = collector.post_text(&format!("/api/v1/ingest?table=DeviceProcessEvents&tenantId={b}"), &body).await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND, "{}", elsewhere.body);
    assert!(found(&b_admin, &["pushed.exe", "pushed2.exe"]).await.is_empty());

    // Streamed records must name this tenant: its own id until an external id is set, then that.
    let records = [streamed(&a, "own-id.exe"), streamed(&b, "other-tenant.exe")].join("\n");
    let answer = collector.post_text("/api/v1/ingest", &records).await;
    assert_eq!(counts(&answer), (Some(1), Some(1)), "{}", answer.body);
    assert!(answer.body["errors"][0]["message"].as_str().unwrap_or_default().contains("another tenant"));
    let entra = "8d3f6c1a-0b7e-4f0e-9c43-5c2d2b9f1e77";
    let set = a_admin.send("PATCH", &format!("/api/v1/tenants/{a}"), Some(json!({"externalTenantId": entra}))).await;
    assert_eq!((set.status, set.body["externalTenantId"].as_str()), (StatusCode::OK, Some(entra)), "{}", set.body);
    let records = [streamed(entra, "entra.exe"), streamed(&a, "old-id.exe")].join("\n");
    let answer = collector.post_text("/api/v1/ingest", &records).await;
    assert_eq!(counts(&answer), (Some(1), Some(1)), "{}", answer.body);
    let stored = found(&a_admin, &["own-id.exe", "other-tenant.exe", "entra.exe", "old-id.exe"]).await;
    assert_eq!(stored, ["entra.exe", "own-id.exe"]);
    assert!(found(&b_admin, &["other-tenant.exe"]).await.is_empty());

    // Strict: one bad record and nothing is stored.
    let body = [process("strict.exe"), "not json".to_string()].join("\n");
    let answer = collector.post_text("/api/v1/ingest?table=DeviceProcessEvents&strict=true", &body).await;
    assert_eq!(counts(&answer), (Some(0), Some(1)), "{}", answer.body);
    assert!(found(&a_admin, &["strict.exe"]).await.is_empty());

    // Beta's administrator holds ingest.write only in beta: alpha is not found to it.
    let foreign = b_admin.post_text(&format!("/api/v1/ingest?table=DeviceProcessEvents&tenantId={a}"), &body).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{}", foreign.body);
    let bad_format = collector.post_text("/api/v1/ingest?format=xml", &body).await;
    assert_eq!(bad_format.status, StatusCode::BAD_REQUEST, "{}", bad_format.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submissions_have_their_own_size_limit_and_an_oversize_one_stores_nothing() {
    let mut instance = instance().await;
    let config = panoptes_server::ServerConfig {
        max_body_bytes: 1024,
        max_ingest_bytes: 4096,
        ..panoptes_server::ServerConfig::default()
    };
    instance.router = panoptes_server::router(instance.app.clone(), config);
    let admin = Client::sign_in(&instance.router, "admin@provider", ADMIN_PASSWORD).await;
    let (_, a_admin) = tenant_with_events(&instance, &admin, "alpha", &[]).await;
    let lines = |prefix: &str, count: usize| -> String {
        (0..count).map(|i| process(&format!("{prefix}{i}.exe"))).collect::<Vec<_>>().join("\n")
    };
    // Over the API's general limit, under the ingest limit: taken.
    let body = lines("fits", 20);
    assert!(body.len() > 1024 && body.len() < 4096, "{}", body.len());
    let answer = a_admin.post_text("/api/v1/ingest?table=DeviceProcessEvents", &body).await;
    assert_eq!((answer.status, answer.body["accepted"].as_u64()), (StatusCode::OK, Some(20)), "{}", answer.body);
    // Over the ingest limit: refused whole, with the fix named.
    let body = lines("toolarge", 60);
    let answer = a_admin.post_text("/api/v1/ingest?table=DeviceProcessEvents", &body).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
    assert!(answer.body.to_string().contains("smaller parts"), "{}", answer.body);
    assert!(found(&a_admin, &["toolarge0.exe"]).await.is_empty());
    assert_eq!(found(&a_admin, &["fits0.exe", "fits19.exe"]).await, ["fits0.exe", "fits19.exe"]);
}
