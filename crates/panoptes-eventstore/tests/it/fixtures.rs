use datafusion::arrow::array::AsArray;
use datafusion::arrow::datatypes::Int64Type;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::prelude::SessionContext;
use panoptes_domain::{TenantId, TenantScope};
use panoptes_eventstore::EventStore;
use panoptes_eventstore::ingest::{IngestOptions, convert_records, split_records};

/// Unix ns of 2024-01-15T00:00:00Z.
pub(crate) const DAY_15: i64 = 1_705_276_800_000_000_000;
pub(crate) const HOUR: i64 = 3_600_000_000_000;

pub(crate) fn scope(tenant: &str) -> TenantScope {
    TenantScope::local_operator([TenantId::new(tenant)])
}

/// DeviceProcessEvents rows as a batch, one per (report id, time offset from 2024-01-15).
pub(crate) fn process_rows(rows: &[(i64, i64)], device: &str) -> RecordBatch {
    let text: String = rows
        .iter()
        .map(|(report, offset)| {
            let time = chrono::DateTime::from_timestamp_nanos(DAY_15 + offset).to_rfc3339();
            format!(
                r#"{{"Timestamp":"{time}","DeviceId":"{device}","DeviceName":"{device}.example","FileName":"cmd.exe","ProcessCommandLine":"cmd /c whoami","ReportId":{report},"TenantId":"spoofed"}}"#
            ) + "\n"
        })
        .collect();
    let options = IngestOptions {
        format: panoptes_eventstore::ingest::Format::Native,
        table: Some("DeviceProcessEvents".into()),
        external_tenant_id: None,
        received_ns: DAY_15,
        tenant: "test".into(),
    };
    let converted = convert_records(split_records(&text), &options).expect("converts");
    assert!(converted.errors.is_empty(), "{:?}", converted.errors);
    converted.batches.into_iter().next().expect("one batch").1
}

/// Runs SQL over the scope's view of `table` (registered as `t`); the first column's values
/// as i64, sorted.
pub(crate) async fn longs(store: &EventStore, scope: &TenantScope, table: &str, sql: &str) -> Vec<i64> {
    let ctx = SessionContext::new();
    ctx.register_table("t", store.table(scope, table).expect("table")).expect("registers");
    let batches = ctx.sql(sql).await.expect("plans").collect().await.expect("runs");
    let mut out = Vec::new();
    for batch in batches {
        let column = batch.column(0);
        let values = column.as_primitive::<Int64Type>();
        for i in 0..values.len() {
            out.push(values.value(i));
        }
    }
    out.sort();
    out
}

pub(crate) fn open(dir: &std::path::Path) -> EventStore {
    EventStore::open(dir, Default::default()).expect("opens").0
}

/// Parquet files under the store's events directory.
pub(crate) fn data_files(root: &std::path::Path) -> usize {
    let mut count = 0;
    let mut stack = vec![root.join("events")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                count += 1;
            }
        }
    }
    count
}
