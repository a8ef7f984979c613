use panoptes_query::hunt::{hunt_combined, hunt_per_tenant};
use panoptes_query::{Engine, ExecuteOptions, MemoryCatalog, QueryLimits, render};

use crate::fixtures::{sources, tenant, two_tenants};

fn texts(table: &panoptes_query::ResultTable) -> Vec<Vec<String>> {
    let mut rows: Vec<Vec<String>> = render::rows(table).iter().map(|r| r.iter().map(render::text).collect()).collect();
    rows.sort();
    rows
}

#[tokio::test]
async fn per_tenant_mode_runs_once_per_tenant_and_adds_tenant_columns() {
    let catalog = two_tenants();
    let result = hunt_per_tenant(
        &Engine::default(),
        "DeviceProcessEvents | summarize n = count()",
        &sources(&catalog),
        &ExecuteOptions::default(),
    )
    .await;
    let table = result.table.expect("rows");
    let names: Vec<&str> = table.columns.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["TenantId", "TenantName", "n"]);
    assert_eq!(texts(&table), [["t-alpha", "t-alpha name", "2"], ["t-beta", "t-beta name", "1"]]);
    assert!(result.tenant_status.iter().all(|s| s.status == "ok"), "{:?}", result.tenant_status);
}

#[tokio::test]
async fn a_tenant_never_sees_another_tenants_rows_whatever_the_query_says() {
    let catalog = two_tenants();
    let alpha = catalog.for_tenant(&tenant("t-alpha"));
    for query in [
        "DeviceProcessEvents | where TenantId == 't-beta'",
        "DeviceProcessEvents | where ProcessCommandLine has 'Get-Process'",
        "union DeviceProcessEvents, (DeviceProcessEvents | where TenantId != 't-alpha') | where TenantId == 't-beta'",
        "search 'Get-Process'",
    ] {
        let table = Engine::default().execute(query, &alpha, &ExecuteOptions::default()).await.expect(query);
        assert_eq!(table.row_count(), 0, "{query} leaked another tenant's rows");
    }
}

#[tokio::test]
async fn per_tenant_join_does_not_cross_tenants_on_colliding_keys() {
    let catalog = two_tenants();
    let query = "DeviceProcessEvents | join kind=inner (DeviceProcessEvents | project DeviceId, Other = TenantId) on DeviceId | where TenantId != Other | count";
    let result = hunt_per_tenant(&Engine::default(), query, &sources(&catalog), &ExecuteOptions::default()).await;
    let table = result.table.expect("rows");
    assert!(texts(&table).iter().all(|r| r[2] == "0"), "{:?}", texts(&table));
}

#[tokio::test]
async fn combined_mode_joins_across_tenants() {
    let catalog = two_tenants();
    // The same device id in two tenants: only combined mode can see both.
    let query =
        "DeviceProcessEvents | summarize tenants = dcount(TenantId) by DeviceId | where tenants > 1 | project DeviceId";
    let combined = hunt_combined(&Engine::default(), query, &sources(&catalog), &ExecuteOptions::default()).await;
    assert_eq!(texts(&combined.table.expect("rows")), [["dev1"]]);
    let per_tenant = hunt_per_tenant(&Engine::default(), query, &sources(&catalog), &ExecuteOptions::default()).await;
    assert_eq!(per_tenant.table.map(|t| t.row_count()).unwrap_or(0), 0);
}

#[tokio::test]
async fn one_failing_tenant_is_reported_beside_the_others_rows() {
    let catalog = two_tenants();
    let mut tenants = sources(&catalog);
    // A tenant whose data lacks the table's rows still answers; a broken query answers per tenant.
    tenants.push(panoptes_query::hunt::TenantSource {
        tenant_id: tenant("t-empty"),
        tenant_name: "empty".into(),
        catalog: std::sync::Arc::new(MemoryCatalog::default()),
    });
    let ok =
        hunt_per_tenant(&Engine::default(), "DeviceProcessEvents | count", &tenants, &ExecuteOptions::default()).await;
    assert_eq!(ok.tenant_status.len(), 3);
    assert_eq!(ok.table.expect("rows").row_count(), 3);
    let bad = hunt_per_tenant(
        &Engine::default(),
        "DeviceProcessEvents | where nosuch == 1",
        &tenants,
        &ExecuteOptions::default(),
    )
    .await;
    assert!(
        bad.tenant_status.iter().all(|s| s.status == "error" && s.error_code.as_deref() == Some("KQL_UNKNOWN_COLUMN"))
    );
}

#[tokio::test]
async fn per_tenant_row_cap_is_shared_and_flagged() {
    let catalog = two_tenants();
    let engine = Engine::new(QueryLimits { max_rows: 2, ..QueryLimits::default() });
    let result = hunt_per_tenant(&engine, "DeviceProcessEvents", &sources(&catalog), &ExecuteOptions::default()).await;
    let alpha = result.tenant_status.iter().find(|s| s.tenant_id == "t-alpha").expect("alpha");
    assert!(alpha.truncated && alpha.status == "partial" && alpha.row_count == 1, "{alpha:?}");
}
