//! Writing and reading partition files: rows split by day, sorted by event time, zstd, with
//! statistics for pruning and bloom filters on the id and hash columns hunts look up.

use std::fs::File;
use std::path::Path;

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::compute::{concat_batches, interleave_record_batch};
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

/// Rows of same-schema batches split by the UTC day of their event time, each part sorted by
/// time (nulls first, in day 1970-01-01). One gather copies the rows once; input already in
/// order is only sliced.
pub fn sorted_days(schema: &SchemaRef, batches: &[RecordBatch]) -> Result<Vec<(String, RecordBatch)>> {
    const DAY_NS: i64 = 86_400 * 1_000_000_000;
    let Some(time) = time_column(schema) else {
        return Ok(vec![("1970-01-01".to_string(), concat_batches(schema, batches).map_err(StoreError::engine)?)]);
    };
    // (day, time, batch, row): a null time sorts first into day 0.
    let mut order: Vec<(i64, i64, usize, usize)> = Vec::with_capacity(batches.iter().map(RecordBatch::num_rows).sum());
    for (b, batch) in batches.iter().enumerate() {
        let times = batch.column(time).as_primitive_opt::<TimestampNanosecondType>().ok_or_else(|| {
            StoreError::Engine(format!("time column has type {}, expected timestamp", batch.column(time).data_type()))
        })?;
        for row in 0..batch.num_rows() {
            order.push(match times.is_valid(row) {
                true => (times.value(row).div_euclid(DAY_NS), times.value(row), b, row),
                false => (0, i64::MIN, b, row),
            });
        }
    }
    let in_order = order.is_sorted_by_key(|&(day, time, ..)| (day, time));
    let all = if in_order {
        concat_batches(schema, batches).map_err(StoreError::engine)?
    } else {
        order.sort_by_key(|&(day, time, ..)| (day, time));
        let sources: Vec<&RecordBatch> = batches.iter().collect();
        let indices: Vec<(usize, usize)> = order.iter().map(|&(.., b, row)| (b, row)).collect();
        interleave_record_batch(&sources, &indices).map_err(StoreError::engine)?
    };
    let mut parts = Vec::new();
    let mut start = 0;
    while start < order.len() {
        let day = order[start].0;
        let end = start + order[start..].partition_point(|&(d, ..)| d == day);
        parts.push((day_of(day * DAY_NS), all.slice(start, end - start)));
        start = end;
    }
    Ok(parts)
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
