use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use panoptes_query::hunt::{
    OutcomeFold, TenantOutcome, TenantSource, TenantStatus, hunt_combined, hunt_each_tenant, hunt_per_tenant,
};
use panoptes_query::{Engine, ExecuteOptions, MemoryCatalog, QueryLimits, TableCatalog, render};

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

/// Records how far the hunt got: planning a tenant's query asks for its tables.
struct Counting {
    inner: MemoryCatalog,
    position: usize,
    started: Arc<AtomicUsize>,
}

impl TableCatalog for Counting {
    fn table(&self, name: &str) -> Option<Arc<dyn datafusion::datasource::TableProvider>> {
        if name == "DeviceProcessEvents" {
            self.started.fetch_max(self.position + 1, Ordering::SeqCst);
        }
        self.inner.table(name)
    }

    fn table_names(&self) -> Vec<String> {
        self.inner.table_names()
    }
}

#[tokio::test]
async fn each_tenant_answers_as_soon_as_it_is_done_not_after_the_last_one() {
    let catalog = two_tenants();
    let started = Arc::new(AtomicUsize::new(0));
    let tenants: Vec<TenantSource> = (0..8)
        .map(|i| TenantSource {
            tenant_id: tenant(&format!("t-{i}")),
            tenant_name: format!("tenant {i}"),
            catalog: Arc::new(Counting {
                inner: catalog.for_tenant(&tenant("t-alpha")),
                position: i,
                started: started.clone(),
            }),
        })
        .collect();
    let (sink, mut outcomes) = tokio::sync::mpsc::channel(1);
    let producer = tokio::spawn(async move {
        let query = "DeviceProcessEvents | summarize n = count()";
        hunt_each_tenant(&Engine::default(), query, &tenants, &ExecuteOptions::default(), &sink).await;
    });
    let first = outcomes.recv().await.expect("a first outcome");
    assert_eq!(first.status.tenant_name, "tenant 0");
    assert!(first.table.is_some_and(|t| t.row_count() == 1));
    // With room for one outcome in flight, at most the next two tenants can have started.
    assert!(
        started.load(Ordering::SeqCst) <= 3,
        "{} tenants ran before the first answer",
        started.load(Ordering::SeqCst)
    );
    let mut rest = 0;
    while outcomes.recv().await.is_some() {
        rest += 1;
    }
    assert_eq!(rest, 7);
    producer.await.expect("producer");
}

#[tokio::test]
async fn a_tenant_whose_columns_differ_is_reported_not_dropped_silently() {
    let mut fold = OutcomeFold::default();
    let catalog = two_tenants();
    let alpha = catalog.for_tenant(&tenant("t-alpha"));
    let engine = Engine::default();
    let options = ExecuteOptions::default();
    for (name, query) in
        [("a", "DeviceProcessEvents | project DeviceName"), ("b", "DeviceProcessEvents | project FileName")]
    {
        let table = engine.execute(query, &alpha, &options).await.expect(query);
        let status = TenantStatus {
            tenant_id: name.into(),
            tenant_name: name.into(),
            status: "ok".into(),
            error_code: None,
            message: None,
            latency_ms: 0,
            row_count: table.row_count(),
            truncated: false,
        };
        let accepted = fold.accept(TenantOutcome { status, table: Some(table) });
        assert_eq!(accepted.is_some(), name == "a");
    }
    assert_eq!(fold.statuses[1].status, "error");
    assert_eq!(fold.statuses[1].error_code.as_deref(), Some("ColumnsDiffer"));
}
