//! Writing and reading partition files: rows split by day, sorted by event time, zstd, with
//! statistics for pruning and bloom filters on the id and hash columns hunts look up.

use std::fs::File;
use std::path::{Path, PathBuf};

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::compute::{concat_batches, interleave_record_batch};
use datafusion::arrow::datatypes::{DataType, SchemaRef, TimestampNanosecondType};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use datafusion::parquet::basic::{Compression, Encoding, ZstdLevel};
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

/// Columns whose values are nearly all different (ids of a single event or process run).
const UNIQUE_COLUMNS: &[&str] = &[
    "ReportId",
    "ProcessId",
    "InitiatingProcessId",
    "InitiatingProcessParentId",
    "ProcessCommandLine",
    "InitiatingProcessCommandLine",
    "NetworkMessageId",
    "InternetMessageId",
];

/// Long free text, searched for words and substrings, never by range: min/max statistics of it
/// prune nothing and cost a comparison of long values per row.
const FREE_TEXT_COLUMNS: &[&str] = &["ProcessCommandLine", "InitiatingProcessCommandLine", "AdditionalFields"];

/// Scattered rows gathered into one batch at a time: a slice this size keeps the copy in cache
/// and never materialises a whole partition (which cost fresh pages and peak memory).
const WRITE_SLICE: usize = 8192;

/// Rows of a row group made of several writes (each in time order); a bulk load may end one
/// sooner to stay within its memory (`StoreConfig::row_group_memory`).
const ROW_GROUP_ROWS: usize = 128 * 1024;

/// Consecutive rows of one batch that are written as they lie (a zero-copy slice) rather than
/// gathered: streamed input arrives roughly in time order, so its days are mostly long runs.
const LONG_RUN: usize = 256;

/// One UTC day of rows from a set of same-schema batches, in event-time order.
#[derive(Debug, Clone)]
pub struct DayRows {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// (batch, row) pairs in time order.
    pub rows: Vec<(usize, usize)>,
    /// Earliest and latest event time (nanoseconds; the full range when no row has a time).
    pub time_range: (i64, i64),
}

/// The rows of same-schema batches split by the UTC day of their event time, each day in time
/// order (null times first, in day 1970-01-01). Only indices: [`write_partition_file`] gathers
/// the rows slice by slice as it writes.
pub fn sorted_days(schema: &SchemaRef, batches: &[RecordBatch]) -> Result<Vec<DayRows>> {
    const DAY_NS: i64 = 86_400 * 1_000_000_000;
    let all_rows = || batches.iter().enumerate().flat_map(|(b, batch)| (0..batch.num_rows()).map(move |r| (b, r)));
    let Some(time) = time_column(schema) else {
        let rows: Vec<(usize, usize)> = all_rows().collect();
        return Ok(vec![DayRows { day: "1970-01-01".into(), rows, time_range: (i64::MIN, i64::MAX) }]);
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
    if !order.is_sorted_by_key(|&(day, time, ..)| (day, time)) {
        order.sort_unstable_by_key(|&(day, time, b, row)| (day, time, b, row));
    }
    let mut days = Vec::new();
    let mut start = 0;
    while start < order.len() {
        let day = order[start].0;
        let end = start + order[start..].partition_point(|&(d, ..)| d == day);
        let part = &order[start..end];
        let mut timed = part.iter().filter(|&&(_, time, ..)| time != i64::MIN);
        let time_range = match (timed.clone().next(), timed.next_back()) {
            (Some(first), Some(last)) => (first.1, last.1),
            _ => (i64::MIN, i64::MAX),
        };
        let rows = part.iter().map(|&(.., b, row)| (b, row)).collect();
        days.push(DayRows { day: day_of(day * DAY_NS), rows, time_range });
        start = end;
    }
    Ok(days)
}

/// Writes one day of one tenant's table as a new Parquet file (to a temporary name, then
/// renamed into place) and describes it for the manifest.
pub fn write_partition_file(
    root: &Path,
    table: &str,
    tenant: &TenantId,
    part: &DayRows,
    batches: &[RecordBatch],
) -> Result<DataFile> {
    let mut writer = PartitionWriter::create(root, table, tenant, &part.day, batches)?;
    writer.write(part, batches)?;
    writer.finish()
}

/// A partition file being written: each [`PartitionWriter::write`] adds its rows in time order,
/// so a bulk load can write one file per day however many times it flushes (a row group holds
/// the sorted runs of several writes). Nothing is in place until [`PartitionWriter::finish`].
#[derive(Debug)]
pub struct PartitionWriter {
    writer: ArrowWriter<File>,
    temporary: PathBuf,
    path: PathBuf,
    file: DataFile,
}

impl PartitionWriter {
    /// Starts a file for `day` of the tenant's table, with the schema of `batches`.
    pub fn create(root: &Path, table: &str, tenant: &TenantId, day: &str, batches: &[RecordBatch]) -> Result<Self> {
        let schema = match batches.first() {
            Some(batch) => batch.schema(),
            None => return Err(StoreError::Engine("no rows to write".into())),
        };
        let relative = partition_dir(table, tenant, day)?.join(format!("{}.parquet", uuid::Uuid::new_v4().simple()));
        let path = root.join(&relative);
        let folder = path.parent().unwrap_or(root);
        std::fs::create_dir_all(folder).map_err(StoreError::io(folder))?;
        let temporary = path.with_extension("parquet.tmp");
        let file = File::create(&temporary).map_err(StoreError::io(&temporary))?;
        let writer =
            ArrowWriter::try_new(file, schema.clone(), Some(writer_properties(&schema))).map_err(StoreError::engine)?;
        let file = DataFile {
            path: relative.to_string_lossy().into_owned(),
            table: table.to_string(),
            tenant: tenant.clone(),
            day: day.to_string(),
            rows: 0,
            bytes: 0,
            // Empty: widened by every write.
            min_time: i64::MAX,
            max_time: i64::MIN,
        };
        Ok(Self { writer, temporary, path, file })
    }

    /// Adds the rows `part` names to this file, in their (time) order.
    pub fn write(&mut self, part: &DayRows, batches: &[RecordBatch]) -> Result<()> {
        let mut scattered: Vec<(usize, usize)> = Vec::new();
        for run in runs(&part.rows) {
            if run.len() >= LONG_RUN {
                self.write_gathered(batches, &mut scattered)?;
                let (b, first) = run[0];
                self.writer.write(&batches[b].slice(first, run.len())).map_err(StoreError::engine)?;
            } else {
                scattered.extend_from_slice(run);
                if scattered.len() >= WRITE_SLICE {
                    self.write_gathered(batches, &mut scattered)?;
                }
            }
        }
        self.write_gathered(batches, &mut scattered)?;
        // Writes share a row group until it is big enough: a bulk load writes a little of each
        // day at every flush, and row groups that small would compress and scan worse.
        if self.writer.in_progress_rows() >= ROW_GROUP_ROWS {
            self.end_row_group()?;
        }
        self.file.rows += part.rows.len() as u64;
        self.file.min_time = self.file.min_time.min(part.time_range.0);
        self.file.max_time = self.file.max_time.max(part.time_range.1);
        Ok(())
    }

    /// The memory the row group being written holds.
    pub fn memory_size(&self) -> usize {
        self.writer.memory_size()
    }

    /// Writes out the row group being written, if it has rows.
    pub fn end_row_group(&mut self) -> Result<()> {
        self.writer.flush().map_err(StoreError::engine)
    }

    /// Gathers the `rows` into one batch, writes it and empties `rows`.
    fn write_gathered(&mut self, batches: &[RecordBatch], rows: &mut Vec<(usize, usize)>) -> Result<()> {
        if !rows.is_empty() {
            let sources: Vec<&RecordBatch> = batches.iter().collect();
            let gathered = interleave_record_batch(&sources, rows).map_err(StoreError::engine)?;
            self.writer.write(&gathered).map_err(StoreError::engine)?;
            rows.clear();
        }
        Ok(())
    }

    /// The temporary file (removed when a load is abandoned).
    pub fn temporary(&self) -> &Path {
        &self.temporary
    }

    /// Closes the file, makes it durable, moves it into place and describes it for the manifest.
    pub fn finish(self) -> Result<DataFile> {
        let Self { writer, temporary, path, mut file } = self;
        let written = writer.into_inner().map_err(StoreError::engine)?;
        written.sync_all().map_err(StoreError::io(&temporary))?;
        std::fs::rename(&temporary, &path).map_err(StoreError::io(&path))?;
        sync_dir(path.parent().unwrap_or(&path))?;
        file.bytes = std::fs::metadata(&path).map_err(StoreError::io(&path))?.len();
        Ok(file)
    }
}

/// `rows` split where one row is not the next of the same batch.
fn runs(rows: &[(usize, usize)]) -> impl Iterator<Item = &[(usize, usize)]> {
    rows.chunk_by(|a, b| *b == (a.0, a.1 + 1))
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
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(1).unwrap_or_default()))
        // Row-group min/max for every column; the page index only for times, the one order
        // a file has, so only there can a page be skipped.
        .set_statistics_enabled(EnabledStatistics::Chunk)
        .set_max_row_group_row_count(Some(256 * 1024));
    for name in BLOOM_COLUMNS {
        if schema.index_of(name).is_ok() {
            builder = builder.set_column_bloom_filter_enabled(ColumnPath::from(*name), true);
        }
    }
    // Times and the columns named in `UNIQUE_COLUMNS` hardly repeat within a row group: a
    // dictionary of them costs a hash per value and saves nothing.
    for field in schema.fields() {
        let path = ColumnPath::from(field.name().as_str());
        let time = matches!(field.data_type(), DataType::Timestamp(..));
        if time || UNIQUE_COLUMNS.contains(&field.name().as_str()) {
            builder = builder.set_column_dictionary_enabled(path.clone(), false);
        }
        if time {
            builder = builder.set_column_encoding(path.clone(), Encoding::DELTA_BINARY_PACKED);
            builder = builder.set_column_statistics_enabled(path, EnabledStatistics::Page);
        }
    }
    // Ids and hashes are random, so their min/max spans every row group; their bloom filters
    // are what prunes a lookup.
    for name in FREE_TEXT_COLUMNS.iter().chain(BLOOM_COLUMNS) {
        if schema.index_of(name).is_ok() {
            builder = builder.set_column_statistics_enabled(ColumnPath::from(*name), EnabledStatistics::None);
        }
    }
    builder.build()
}
