use panoptes_eventstore::{EventStore, StoreConfig, StoreError};

use crate::fixtures::{DAY_15, HOUR, data_files, longs, open, process_rows, scope};

const REPORT_IDS: &str = "select \"ReportId\" from t";

#[tokio::test]
async fn a_bulk_load_is_invisible_until_committed_and_then_durable() {
    let dir = tempfile::tempdir().expect("temp dir");
    // A small flush size, so the load writes files before it commits.
    let config = StoreConfig { flush_rows: 2, ..StoreConfig::default() };
    let store = EventStore::open(dir.path(), config.clone()).expect("opens").0;
    let contoso = scope("contoso");
    let mut load = store.bulk_load(&contoso).expect("starts");
    load.add("DeviceProcessEvents", &process_rows(&[(1, 0), (2, HOUR)], "d1")).expect("adds");
    assert!(data_files(dir.path()) > 0, "files written before the commit");
    // The second flush adds to the first day's file and starts the second day's.
    load.add("DeviceProcessEvents", &process_rows(&[(3, 30 * HOUR), (4, 2 * HOUR)], "d1")).expect("adds");
    assert_eq!(load.rows(), 4);
    assert!(longs(&store, &contoso, "DeviceProcessEvents", REPORT_IDS).await.is_empty(), "invisible before commit");
    let files = load.commit().expect("commits");
    let mut shape: Vec<_> = files.iter().map(|f| (f.day.clone(), f.rows, f.min_time, f.max_time)).collect();
    shape.sort();
    let day = |hours: i64| DAY_15 + hours * HOUR;
    assert_eq!(shape[0].1, 3, "one file for a day across flushes: {shape:?}");
    assert_eq!((shape[0].2, shape[0].3), (day(0), day(2)), "its time range spans both flushes");
    assert_eq!((shape.len(), shape[1].1), (2, 1), "{shape:?}");
    assert_eq!(longs(&store, &contoso, "DeviceProcessEvents", REPORT_IDS).await, [1, 2, 3, 4]);
    drop(store);
    let store = EventStore::open(dir.path(), config).expect("reopens").0;
    assert_eq!(longs(&store, &contoso, "DeviceProcessEvents", REPORT_IDS).await, [1, 2, 3, 4], "durable");
}

#[tokio::test]
async fn an_import_writes_each_day_as_one_sorted_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    // However small the flush size: the caller holds the rows already.
    let store = EventStore::open(dir.path(), StoreConfig { flush_rows: 1, ..StoreConfig::default() }).expect("opens").0;
    let rows = process_rows(&[(1, 2 * HOUR), (2, 0), (3, HOUR)], "d1");
    let files = store.import(&scope("contoso"), &[("DeviceProcessEvents", rows)]).expect("imports");
    assert_eq!(files.len(), 1);
    let (row_groups, order) = report_ids_in_file(&dir.path().join(&files[0].path));
    assert_eq!(row_groups, 1, "one row group");
    assert_eq!(order, [2, 3, 1], "in time order");
}

/// Rows already in time order are written as they lie and scattered ones gathered: either
/// way the file is in time order, and long command lines, ids and hashes carry no min/max.
#[tokio::test]
async fn runs_in_time_order_and_scattered_rows_are_written_in_order() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    let second = 1_000_000_000;
    let run = |from: i64| -> Vec<(i64, i64)> { (from..from + 300).map(|i| (i, i * second)).collect() };
    // Two devices' events interleave in time: 1000, 1001 from `odd`, 1002, 1003 from `even`...
    let interleaved = |parity: i64| -> Vec<(i64, i64)> {
        (1000..1020).filter(|i| i % 2 == parity).map(|i| (i, (300 + i - 1000) * second)).collect()
    };
    let batches = [
        ("DeviceProcessEvents", process_rows(&interleaved(1), "odd")),
        ("DeviceProcessEvents", process_rows(&run(0), "first")),
        ("DeviceProcessEvents", process_rows(&run(2000), "last")),
        ("DeviceProcessEvents", process_rows(&interleaved(0), "even")),
    ];
    let files = store.import(&scope("contoso"), &batches).expect("imports");
    assert_eq!(files.len(), 1, "one day");
    let path = dir.path().join(&files[0].path);
    let (_, order) = report_ids_in_file(&path);
    let expected: Vec<i64> = (0..300).chain(1000..1020).chain(2000..2300).collect();
    assert_eq!(order, expected);
    let reader =
        datafusion::parquet::file::reader::SerializedFileReader::new(std::fs::File::open(&path).expect("file"))
            .expect("parquet");
    let metadata = datafusion::parquet::file::reader::FileReader::metadata(&reader);
    let statistics = |name: &str| {
        let columns = metadata.file_metadata().schema_descr().columns().to_vec();
        let index = columns.iter().position(|c| c.name() == name).expect("column");
        metadata.row_group(0).column(index).statistics().is_some()
    };
    assert!(statistics("Timestamp") && statistics("DeviceName"));
    assert!(!statistics("ProcessCommandLine"), "free text has no min/max");
    assert!(!statistics("SHA256") && !statistics("DeviceId"), "ids and hashes prune by bloom filter, not min/max");
}

/// The row groups of a data file and its ReportIds in file order.
fn report_ids_in_file(path: &std::path::Path) -> (usize, Vec<i64>) {
    use datafusion::arrow::array::AsArray;
    use datafusion::arrow::datatypes::Int64Type;
    use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let file = std::fs::File::open(path).expect("file");
    let reader = ParquetRecordBatchReaderBuilder::try_new(file).expect("parquet");
    let row_groups = reader.metadata().num_row_groups();
    let mut order = Vec::new();
    for batch in reader.build().expect("reader") {
        let batch = batch.expect("batch");
        let ids = batch.column_by_name("ReportId").expect("ReportId").as_primitive::<Int64Type>().clone();
        order.extend(ids.values().iter().copied());
    }
    (row_groups, order)
}

#[tokio::test]
async fn an_abandoned_bulk_load_leaves_nothing_behind() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = StoreConfig { flush_rows: 1, ..StoreConfig::default() };
    let store = EventStore::open(dir.path(), config).expect("opens").0;
    let mut load = store.bulk_load(&scope("contoso")).expect("starts");
    load.add("DeviceProcessEvents", &process_rows(&[(1, 0)], "d1")).expect("adds");
    assert!(data_files(dir.path()) > 0);
    drop(load);
    assert_eq!(data_files(dir.path()), 0, "its files removed");
    assert!(longs(&store, &scope("contoso"), "DeviceProcessEvents", REPORT_IDS).await.is_empty());
}

#[tokio::test]
async fn a_bulk_load_writes_its_scopes_tenant_only() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    // The rows claim TenantId "spoofed"; the load is contoso's.
    store.import(&scope("contoso"), &[("DeviceProcessEvents", process_rows(&[(1, 0)], "d1"))]).expect("imports");
    let count = "select count(*) from t";
    assert_eq!(longs(&store, &scope("contoso"), "DeviceProcessEvents", count).await, [1]);
    assert_eq!(longs(&store, &scope("spoofed"), "DeviceProcessEvents", count).await, [0], "not the rows' tenant");
    assert_eq!(longs(&store, &scope("fabrikam"), "DeviceProcessEvents", count).await, [0]);
    let two = panoptes_domain::TenantScope::local_operator([
        panoptes_domain::TenantId::new("contoso"),
        panoptes_domain::TenantId::new("fabrikam"),
    ]);
    assert!(matches!(store.bulk_load(&two), Err(StoreError::WriteScope(2))), "a load writes one tenant");
    let unknown = store.bulk_load(&scope("contoso")).expect("starts").add("NoSuchTable", &process_rows(&[(1, 0)], "d"));
    assert!(matches!(unknown, Err(StoreError::UnknownTable(_))), "{unknown:?}");
}

/// A load's flushes share a row group (each flush's rows in time order) until it holds 128k
/// rows: a row group per flush would leave a load of many days with tiny ones.
#[tokio::test]
async fn flushes_share_a_row_group_until_it_is_full() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = StoreConfig { flush_rows: 3, ..StoreConfig::default() };
    let store = EventStore::open(dir.path(), config).expect("opens").0;
    let mut load = store.bulk_load(&scope("contoso")).expect("starts");
    // Each flush's rows out of time order.
    load.add("DeviceProcessEvents", &process_rows(&[(1, 3 * HOUR), (2, HOUR), (3, 2 * HOUR)], "d1")).expect("adds");
    load.add("DeviceProcessEvents", &process_rows(&[(4, 5 * HOUR), (5, 4 * HOUR), (6, 0)], "d1")).expect("adds");
    let files = load.commit().expect("commits");
    let (row_groups, order) = report_ids_in_file(&dir.path().join(&files[0].path));
    assert_eq!(row_groups, 1, "two flushes, one row group");
    assert_eq!(order, [2, 3, 1, 6, 5, 4], "each flush's rows in time order");

    let dir = tempfile::tempdir().expect("temp dir");
    let config = StoreConfig { flush_rows: 50_000, ..StoreConfig::default() };
    let store = EventStore::open(dir.path(), config).expect("opens").0;
    let mut load = store.bulk_load(&scope("contoso")).expect("starts");
    for flush in 0..4 {
        let rows: Vec<(i64, i64)> = (0..50_000).map(|i| (flush * 50_000 + i, i * 1_000_000)).collect();
        load.add("DeviceProcessEvents", &process_rows(&rows, "d1")).expect("adds");
    }
    let files = load.commit().expect("commits");
    let file = std::fs::File::open(dir.path().join(&files[0].path)).expect("file");
    let reader = datafusion::parquet::file::reader::SerializedFileReader::new(file).expect("parquet");
    let metadata = datafusion::parquet::file::reader::FileReader::metadata(&reader);
    let sizes: Vec<i64> = metadata.row_groups().iter().map(|g| g.num_rows()).collect();
    assert_eq!(sizes, [150_000, 50_000], "a row group ends at the first flush past 128k rows");
}

/// The row groups of a load's open files share one memory budget: past it, they are written
/// out early (here after every flush), however few rows they hold.
#[tokio::test]
async fn a_loads_open_row_groups_share_one_memory_budget() {
    let row_groups_per_file = |row_group_memory: usize| {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = StoreConfig { flush_rows: 4, row_group_memory, ..StoreConfig::default() };
        let store = EventStore::open(dir.path(), config).expect("opens").0;
        let mut load = store.bulk_load(&scope("contoso")).expect("starts");
        for flush in 0..3 {
            // Two rows on each of two days.
            let rows = [(flush * 4, 0), (flush * 4 + 1, HOUR), (flush * 4 + 2, 25 * HOUR), (flush * 4 + 3, 26 * HOUR)];
            load.add("DeviceProcessEvents", &process_rows(&rows, "d1")).expect("adds");
        }
        let files = load.commit().expect("commits");
        let mut counts: Vec<(usize, usize)> = files
            .iter()
            .map(|file| {
                let (row_groups, rows) = report_ids_in_file(&dir.path().join(&file.path));
                (row_groups, rows.len())
            })
            .collect();
        counts.sort();
        counts
    };
    assert_eq!(row_groups_per_file(64 << 20), [(1, 6), (1, 6)], "within the budget: one row group per file");
    assert_eq!(row_groups_per_file(1), [(3, 6), (3, 6)], "over it: each flush ends every file's row group");
}
