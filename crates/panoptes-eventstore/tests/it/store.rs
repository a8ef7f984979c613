use panoptes_domain::{TenantId, TenantScope};
use panoptes_eventstore::{EventStore, StoreConfig, StoreError};

use crate::fixtures::{DAY_15, HOUR, data_files, longs, open, process_rows, scope};

const REPORT_IDS: &str = "select \"ReportId\" from t";

#[tokio::test]
async fn appended_rows_are_queryable_at_once_and_after_flush_and_reopen() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    let contoso = scope("contoso");
    store.append(&contoso, &[("DeviceProcessEvents", process_rows(&[(1, 0), (2, HOUR)], "d1"))]).expect("acks");
    assert_eq!(longs(&store, &contoso, "DeviceProcessEvents", REPORT_IDS).await, [1, 2], "visible from memory");
    store.flush().expect("flushes");
    store.append(&contoso, &[("DeviceProcessEvents", process_rows(&[(3, 2 * HOUR)], "d1"))]).expect("acks");
    assert_eq!(longs(&store, &contoso, "DeviceProcessEvents", REPORT_IDS).await, [1, 2, 3], "files plus memory");
    drop(store);
    let store = open(dir.path());
    assert_eq!(longs(&store, &contoso, "DeviceProcessEvents", REPORT_IDS).await, [1, 2, 3], "after reopen, once each");
}

#[tokio::test]
async fn files_are_hive_partitioned_by_table_tenant_and_day() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    store
        .append(&scope("contoso"), &[("DeviceProcessEvents", process_rows(&[(1, 0), (2, 30 * HOUR)], "d1"))])
        .expect("acks");
    let files = store.flush().expect("flushes");
    let mut paths: Vec<String> =
        files.iter().map(|f| f.path.rsplit_once('/').map(|(d, _)| d.to_string()).unwrap_or_default()).collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "events/DeviceProcessEvents/tenant=contoso/date=2024-01-15",
            "events/DeviceProcessEvents/tenant=contoso/date=2024-01-16"
        ]
    );
}

#[tokio::test]
async fn tenant_id_comes_from_the_scope_and_scopes_never_see_each_other() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    // Both tenants use the same report ids and device names: collisions must not leak.
    store
        .append(&scope("contoso"), &[("DeviceProcessEvents", process_rows(&[(1, 0), (2, 0)], "shared"))])
        .expect("acks");
    store.flush().expect("flushes");
    store.append(&scope("fabrikam"), &[("DeviceProcessEvents", process_rows(&[(1, 0)], "shared"))]).expect("acks");
    let count = "select count(*) from t";
    assert_eq!(longs(&store, &scope("contoso"), "DeviceProcessEvents", count).await, [2]);
    assert_eq!(longs(&store, &scope("fabrikam"), "DeviceProcessEvents", count).await, [1]);
    // Filtering on another tenant's id inside a scope finds nothing: the rows are not there.
    let other = "select count(*) from t where \"TenantId\" = 'fabrikam'";
    assert_eq!(longs(&store, &scope("contoso"), "DeviceProcessEvents", other).await, [0]);
    let spoofed = "select count(*) from t where \"TenantId\" = 'spoofed'";
    assert_eq!(longs(&store, &scope("contoso"), "DeviceProcessEvents", spoofed).await, [0], "input TenantId ignored");
    let both = TenantScope::local_operator([TenantId::new("contoso"), TenantId::new("fabrikam")]);
    assert_eq!(longs(&store, &both, "DeviceProcessEvents", count).await, [3], "combined scope sees both");
}

#[test]
fn writes_need_one_valid_tenant() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    let rows = process_rows(&[(1, 0)], "d1");
    let two = TenantScope::local_operator([TenantId::new("a"), TenantId::new("b")]);
    assert!(matches!(store.append(&two, &[("DeviceProcessEvents", rows.clone())]), Err(StoreError::WriteScope(2))));
    let escape = scope("../etc");
    assert!(matches!(
        store.append(&escape, &[("DeviceProcessEvents", rows.clone())]),
        Err(StoreError::InvalidTenant(_))
    ));
    let unknown = store.append(&scope("a"), &[("NoSuchTable", rows)]).expect_err("unknown table");
    assert!(unknown.to_string().contains("NoSuchTable"), "{unknown}");
}

#[tokio::test]
async fn time_filters_prune_whole_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    let contoso = scope("contoso");
    for day in 0..3 {
        store
            .append(&contoso, &[("DeviceProcessEvents", process_rows(&[(day, day * 24 * HOUR)], "d1"))])
            .expect("acks");
        store.flush().expect("flushes");
    }
    let ctx = datafusion::prelude::SessionContext::new();
    ctx.register_table("t", store.table(&contoso, "DeviceProcessEvents").expect("table")).expect("registers");
    let frame = ctx
        .sql("select \"ReportId\" from t where \"Timestamp\" >= to_timestamp_nanos('2024-01-16T12:00:00Z')")
        .await
        .expect("plans");
    let plan = frame.create_physical_plan().await.expect("physical plan");
    let shown = datafusion::physical_plan::displayable(plan.as_ref()).indent(true).to_string();
    assert_eq!(shown.matches(".parquet").count(), 1, "only the last day's file is scanned:\n{shown}");
    assert_eq!(
        longs(
            &store,
            &contoso,
            "DeviceProcessEvents",
            "select \"ReportId\" from t where \"Timestamp\" >= to_timestamp_nanos('2024-01-16T12:00:00Z')"
        )
        .await,
        [2]
    );
}

#[tokio::test]
async fn compaction_merges_a_partitions_small_files_without_changing_rows() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    let contoso = scope("contoso");
    for report in 0..4 {
        store
            .append(&contoso, &[("DeviceProcessEvents", process_rows(&[(report, (4 - report) * HOUR)], "d1"))])
            .expect("acks");
        store.flush().expect("flushes");
    }
    assert_eq!(store.files(&scope("contoso")).len(), 4);
    let report = store.compact().expect("compacts");
    assert_eq!((report.partitions, report.files_merged), (1, 4));
    assert_eq!(store.files(&scope("contoso")).len(), 1);
    assert_eq!(longs(&store, &contoso, "DeviceProcessEvents", REPORT_IDS).await, [0, 1, 2, 3]);
    let files = data_files(dir.path());
    assert_eq!(files, 1, "old files deleted");
}

#[tokio::test]
async fn retention_drops_whole_old_days_with_per_tenant_overrides() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = StoreConfig { retention_days: 30, ..StoreConfig::default() };
    config.tenant_retention_days.insert(TenantId::new("short"), 2);
    let store = EventStore::open(dir.path(), config).expect("opens").0;
    for tenant in ["long", "short"] {
        store
            .append(&scope(tenant), &[("DeviceProcessEvents", process_rows(&[(1, 0), (2, 5 * 24 * HOUR)], "d1"))])
            .expect("acks");
    }
    store.flush().expect("flushes");
    let now = DAY_15 + 6 * 24 * HOUR;
    let report = store.apply_retention(now).expect("applies");
    assert_eq!((report.partitions_dropped, report.rows_dropped), (1, 1), "only short's day 15 is past 2 days");
    assert_eq!(longs(&store, &scope("short"), "DeviceProcessEvents", REPORT_IDS).await, [2]);
    assert_eq!(longs(&store, &scope("long"), "DeviceProcessEvents", REPORT_IDS).await, [1, 2]);
    assert!(!dir.path().join("events/DeviceProcessEvents/tenant=short/date=2024-01-15").exists());
}

#[tokio::test]
async fn a_flush_that_crashed_before_its_commit_leaves_no_duplicates() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    store.append(&scope("contoso"), &[("DeviceProcessEvents", process_rows(&[(1, 0)], "d1"))]).expect("acks");
    drop(store);
    // What a crashed flush leaves: a data file the manifest never listed.
    let stray = dir.path().join("events/DeviceProcessEvents/tenant=contoso/date=2024-01-15");
    std::fs::create_dir_all(&stray).expect("folder");
    std::fs::write(stray.join("stray.parquet"), b"half written").expect("writes");
    let (store, report) = EventStore::open(dir.path(), StoreConfig::default()).expect("opens");
    assert_eq!((report.orphan_files_removed, report.replayed_rows), (1, 1));
    assert_eq!(longs(&store, &scope("contoso"), "DeviceProcessEvents", REPORT_IDS).await, [1]);
}

#[test]
fn a_missing_data_file_is_reported_not_ignored() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    store.append(&scope("contoso"), &[("DeviceProcessEvents", process_rows(&[(1, 0)], "d1"))]).expect("acks");
    let files = store.flush().expect("flushes");
    drop(store);
    std::fs::remove_file(dir.path().join(&files[0].path)).expect("removes");
    let error = EventStore::open(dir.path(), StoreConfig::default()).expect_err("refuses to open");
    assert!(matches!(error, StoreError::CorruptFile { .. }), "{error}");
}

#[tokio::test]
async fn background_maintenance_flushes_waiting_rows_and_stops_when_dropped() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = std::sync::Arc::new(open(dir.path()));
    let plan = panoptes_eventstore::MaintenancePlan {
        flush_every: std::time::Duration::from_millis(50),
        tidy_every: std::time::Duration::from_millis(50),
    };
    let maintenance = EventStore::spawn_maintenance(store.clone(), plan, || DAY_15);
    store.append(&scope("contoso"), &[("DeviceProcessEvents", process_rows(&[(1, 0)], "d1"))]).expect("acks");
    // Wait (bounded) for the thread to flush; no speed is asserted.
    for _ in 0..200 {
        if store.buffered_rows() == 0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    assert_eq!(store.buffered_rows(), 0, "flushed in the background");
    assert_eq!(store.files(&scope("contoso")).len(), 1);
    drop(maintenance);
    assert_eq!(longs(&store, &scope("contoso"), "DeviceProcessEvents", REPORT_IDS).await, [1]);
}

/// `--data ./data`: a store opened by a relative path still finds its flushed files.
#[tokio::test]
async fn a_store_opened_by_a_relative_path_reads_its_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cwd = std::env::current_dir().expect("cwd");
    // The temp dir as seen from the working directory, without changing it (tests share it).
    let up = cwd.components().count().saturating_sub(1);
    let relative = std::iter::repeat_n("..", up)
        .collect::<std::path::PathBuf>()
        .join(dir.path().strip_prefix("/").expect("absolute temp dir"));
    assert!(relative.is_relative());
    let store = open(&relative);
    assert!(store.root().is_absolute());
    let contoso = scope("contoso");
    store.append(&contoso, &[("DeviceProcessEvents", process_rows(&[(1, 0), (2, HOUR)], "d1"))]).expect("acks");
    store.flush().expect("flushes");
    assert_eq!(longs(&store, &contoso, "DeviceProcessEvents", REPORT_IDS).await, [1, 2]);
}
