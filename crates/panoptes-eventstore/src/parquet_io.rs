//! Writing and reading partition files: rows split by day, sorted by event time, zstd, with
//! statistics for pruning and bloom filters on the id and hash columns hunts look up.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;

use datafusion::arrow::array::{Array, AsArray, UInt32Array};
use datafusion::arrow::compute::{SortOptions, concat_batches, sort_to_indices, take_record_batch};
use datafusion::arrow::datatypes::{DataType, SchemaRef, TimeUnit, TimestampNanosecondType};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::file::properties::{EnabledStatistics, WriterProperties};
use datafusion::parquet::schema::types::ColumnPath;
use panoptes_domain::TenantId;

use crate::error::{Result, StoreError};
use crate::layout::{day_of, partition_dir};
use crate::manifest::{DataFile, sync_dir};
use crate::schema::time_column;

/// Columns analysts look up by exact value: a bloom filter lets a file or row group be skipped.
const BLOOM_COLUMNS: &[&str] = &[
    "DeviceId",
    "ReportId",
    "SHA1",
    "SHA256",
    "MD5",
    "InitiatingProcessSHA1",
    "InitiatingProcessSHA256",
    "NetworkMessageId",
    "AlertId",
    "AccountObjectId",
    "AccountSid",
    "RemoteIP",
    "FileName",
];

/// Splits rows by the UTC day of their event time; each part is sorted by time.
pub fn split_by_day(batch: &RecordBatch) -> Result<Vec<(String, RecordBatch)>> {
    let schema = batch.schema();
    let Some(time) = time_column(&schema) else {
        return Ok(vec![("1970-01-01".to_string(), batch.clone())]);
    };
    let times = batch.column(time).as_primitive_opt::<TimestampNanosecondType>().ok_or_else(|| {
        StoreError::Engine(format!("time column has type {}, expected timestamp", batch.column(time).data_type()))
    })?;
    // Keyed by day number, so the day's name is formatted once per part, not once per row.
    const DAY_NS: i64 = 86_400 * 1_000_000_000;
    let mut days: BTreeMap<i64, Vec<u32>> = BTreeMap::new();
    for row in 0..batch.num_rows() {
        let day = if times.is_valid(row) { times.value(row).div_euclid(DAY_NS) } else { 0 };
        days.entry(day).or_default().push(row as u32);
    }
    let mut parts = Vec::with_capacity(days.len());
    for (day, rows) in days {
        let part = take_record_batch(batch, &UInt32Array::from(rows)).map_err(StoreError::engine)?;
        parts.push((day_of(day * DAY_NS), sort_by_time(&part)?));
    }
    Ok(parts)
}

/// Rows sorted by event time (nulls first), the order files keep so time filters prune.
pub fn sort_by_time(batch: &RecordBatch) -> Result<RecordBatch> {
    let Some(time) = time_column(&batch.schema()) else {
        return Ok(batch.clone());
    };
    let order = sort_to_indices(batch.column(time), Some(SortOptions { descending: false, nulls_first: true }), None)
        .map_err(StoreError::engine)?;
    take_record_batch(batch, &order).map_err(StoreError::engine)
}

/// Writes one sorted day of one tenant's table as a new Parquet file (to a temporary name,
/// then renamed into place) and describes it for the manifest.
pub fn write_partition_file(
    root: &Path,
    table: &str,
    tenant: &TenantId,
    day: &str,
    batch: &RecordBatch,
) -> Result<DataFile> {
    let relative = partition_dir(table, tenant, day)?.join(format!("{}.parquet", uuid::Uuid::new_v4().simple()));
    let path = root.join(&relative);
    let folder = path.parent().unwrap_or(root);
    std::fs::create_dir_all(folder).map_err(StoreError::io(folder))?;
    let temporary = path.with_extension("parquet.tmp");
    let file = File::create(&temporary).map_err(StoreError::io(&temporary))?;
    let mut writer = ArrowWriter::try_new(file, batch.schema(), Some(writer_properties(&batch.schema())))
        .map_err(StoreError::engine)?;
    writer.write(batch).map_err(StoreError::engine)?;
    let file = writer.into_inner().map_err(StoreError::engine)?;
    file.sync_all().map_err(StoreError::io(&temporary))?;
    std::fs::rename(&temporary, &path).map_err(StoreError::io(&path))?;
    sync_dir(folder)?;
    let bytes = std::fs::metadata(&path).map_err(StoreError::io(&path))?.len();
    let (min_time, max_time) = time_range(batch);
    Ok(DataFile {
        path: relative.to_string_lossy().into_owned(),
        table: table.to_string(),
        tenant: tenant.clone(),
        day: day.to_string(),
        rows: batch.num_rows() as u64,
        bytes,
        min_time,
        max_time,
    })
}

/// Reads a whole data file back (compaction).
pub fn read_file(path: &Path, schema: &SchemaRef) -> Result<RecordBatch> {
    let damaged = |reason: String| StoreError::CorruptFile { path: path.to_path_buf(), reason };
    let file = File::open(path).map_err(|e| damaged(e.to_string()))?;
    let reader =
        ParquetRecordBatchReaderBuilder::try_new(file).and_then(|b| b.build()).map_err(|e| damaged(e.to_string()))?;
    let mut batches = Vec::new();
    for batch in reader {
        let batch = batch.map_err(|e| damaged(e.to_string()))?;
        let tenant = TenantId::new(first_tenant(&batch).unwrap_or_default());
        batches.push(crate::schema::conform("", &batch, schema, &tenant)?);
    }
    concat_batches(schema, &batches).map_err(StoreError::engine)
}

fn first_tenant(batch: &RecordBatch) -> Option<String> {
    let index = batch.schema().index_of("TenantId").ok()?;
    let column = batch.column(index).as_string_opt::<i32>()?;
    (!column.is_empty() && column.is_valid(0)).then(|| column.value(0).to_string())
}

fn writer_properties(schema: &SchemaRef) -> WriterProperties {
    let mut builder = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(3).unwrap_or_default()))
        .set_statistics_enabled(EnabledStatistics::Page)
        .set_max_row_group_row_count(Some(256 * 1024));
    for name in BLOOM_COLUMNS {
        if schema.index_of(name).is_ok() {
            builder = builder.set_column_bloom_filter_enabled(ColumnPath::from(*name), true);
        }
    }
    if let Some(time) = time_column(schema) {
        // Sorted time compresses best as deltas.
        let name = schema.field(time).name().clone();
        builder = builder.set_column_dictionary_enabled(ColumnPath::from(name), false);
    }
    builder.build()
}

fn time_range(batch: &RecordBatch) -> (i64, i64) {
    let Some(time) = time_column(&batch.schema()) else {
        return (i64::MIN, i64::MAX);
    };
    if batch.column(time).data_type() != &DataType::Timestamp(TimeUnit::Nanosecond, None) {
        return (i64::MIN, i64::MAX);
    }
    let times = batch.column(time).as_primitive::<TimestampNanosecondType>();
    let min = datafusion::arrow::compute::min(times).unwrap_or(i64::MIN);
    let max = datafusion::arrow::compute::max(times).unwrap_or(i64::MAX);
    (min, max)
}
