//! Input formats to Arrow batches. Native NDJSON (one row of one table per line) and the
//! Defender streaming-API format (`{"time", "tenantId", "category": "AdvancedHunting-<Table>",
//! "properties": {...}}`, one per line or wrapped in `{"records": [...]}`) and Windows event
//! logs (Sysmon, Security, System, PowerShell, Defender AV; see `windows` and `windows_map`).
//! Bad records are reported with their position and skipped; good records in the same input
//! are kept.

mod bytes;
mod cell;
mod columns;
mod event_xml;
mod evtx_file;
mod export;
mod lines;
mod linux_audit;
mod logs;
mod scan;
mod sentinel;
mod sentinel_alert;
mod time;
mod windows;
mod windows_map;

use std::collections::BTreeMap;

use datafusion::arrow::record_batch::RecordBatch;
use serde_json::Value as Json;

pub use columns::{FieldError, TableBuilder, Typing};
pub use evtx_file::evtx_records;
pub use lines::convert_text;
use lines::non_empty_lines;
pub use time::parse_time;

use crate::catalog::defender_tables;

/// How the input is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Decide from the first record.
    Auto,
    /// One row per line, columns by name; the table comes from the options or the file name.
    Native,
    /// Defender streaming-API records.
    DefenderStream,
    /// Windows event logs as JSON (evtx_dump, HELK, NXLog or winlogbeat shapes) and Sentinel
    /// table exports (Windows events, Syslog, OfficeActivity, AuditLogs, VMConnection).
    Windows,
    /// Exported hunting results of several tables: each row's table is inferred from its columns.
    Export,
}

/// The format `options` ask for, decided from `records` when automatic. Rows detected as
/// native with no table named are an export whose rows say their table by their columns.
fn resolve_format(records: &[RawRecord], options: &IngestOptions) -> Format {
    match options.format {
        Format::Auto => match detect_format(records) {
            Format::Native if options.table.is_none() => Format::Export,
            detected => detected,
        },
        // Native asked for by name still needs its table (`check_native_table` says so).
        other => other,
    }
}

/// What to ingest and how.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Input layout.
    pub format: Format,
    /// The table of native NDJSON rows.
    pub table: Option<String>,
    /// The tenant id streaming-API records must carry, when this tenant has one configured.
    pub external_tenant_id: Option<String>,
    /// Fills a missing event time (Unix ns): the moment the input was received.
    pub received_ns: i64,
    /// The tenant the rows go to (Windows events derive `DeviceId` from it).
    pub tenant: String,
}

/// One refused record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RecordError {
    /// Where: `line 12`, or `line 1, record 5` inside a `records` array.
    pub position: String,
    /// Why, naming the field and the type it needs where that is the reason.
    pub message: String,
}

impl std::fmt::Display for RecordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.position, self.message)
    }
}

/// Rows converted from a piece of input.
#[derive(Debug, Default)]
pub struct Converted {
    /// One batch per table that got rows.
    pub batches: Vec<(String, RecordBatch)>,
    /// Records turned into rows.
    pub accepted: usize,
    /// Every refused record, in input order.
    pub errors: Vec<RecordError>,
    /// Well-formed records no table takes (e.g. a Windows event id that is not mapped),
    /// counted by kind.
    pub skipped: BTreeMap<String, usize>,
    /// What the conversion measured or assumed (e.g. a time offset it corrected).
    pub notes: Vec<String>,
}

/// One input record: where it was, and its JSON (or why it did not parse).
pub type RawRecord = (String, Result<Json, String>);

/// Splits text into records: NDJSON lines, or one JSON document (e.g. a pretty-printed
/// `{"records": [...]}` export) when the text is not line-delimited.
pub fn split_records(text: &str) -> Vec<RawRecord> {
    split_records_from(text, 1)
}

/// `split_records` for text whose first line is line `first_line` of its input.
fn split_records_from(text: &str, first_line: usize) -> Vec<RawRecord> {
    let mut records = Vec::new();
    let mut lines = non_empty_lines(text).peekable();
    if let Some((_, first)) = lines.peek()
        && serde_json::from_str::<Json>(first).is_err()
        && let Ok(document) = serde_json::from_str::<Json>(text)
    {
        expand("document".into(), document, &mut records);
        return records;
    }
    for (index, line) in lines {
        parse_line(index + first_line, line, &mut records);
    }
    records
}

/// CSV with a header row (e.g. a Sentinel or pandas export) as one JSON object per row: empty
/// cells and unnamed columns (a pandas index) are left out; every value is text, and the
/// lenient typing of log exports converts it.
pub fn csv_records(text: &str) -> Vec<RawRecord> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let headers = match reader.headers() {
        Ok(headers) => headers.clone(),
        Err(e) => return vec![("line 1".into(), Err(format!("not a CSV header: {e}")))],
    };
    let mut records = Vec::new();
    for row in reader.records() {
        match row {
            Ok(row) => {
                let line = row.position().map_or(0, |p| p.line());
                let object: serde_json::Map<String, Json> = headers
                    .iter()
                    .zip(row.iter())
                    .filter(|(name, value)| !name.is_empty() && !value.is_empty())
                    .map(|(name, value)| (name.to_string(), Json::String(value.to_string())))
                    .collect();
                records.push((format!("line {line}"), Ok(Json::Object(object))));
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                records.push((format!("line {line}"), Err(format!("not valid CSV: {e}"))));
            }
        }
    }
    records
}

/// Parses one NDJSON line (1-based `number`) into records; for streaming large files.
pub fn parse_line(number: usize, line: &str, out: &mut Vec<RawRecord>) {
    if line.trim().is_empty() {
        return;
    }
    let position = format!("line {number}");
    match serde_json::from_str::<Json>(line) {
        Ok(value) => expand(position, value, out),
        Err(e) => out.push((position, Err(format!("not valid JSON: {e}")))),
    }
}

/// A `{"records": [...]}` wrapper becomes its records; anything else is one record.
fn expand(position: String, value: Json, out: &mut Vec<RawRecord>) {
    match value {
        Json::Object(mut map) if map.len() == 1 && map.get("records").is_some_and(Json::is_array) => {
            if let Some(Json::Array(items)) = map.remove("records") {
                for (i, item) in items.into_iter().enumerate() {
                    out.push((format!("{position}, record {}", i + 1), Ok(item)));
                }
            }
        }
        other => out.push((position, Ok(other))),
    }
}

/// The format of records, judged from the first that parsed.
pub fn detect_format(records: &[RawRecord]) -> Format {
    let first = records.iter().find_map(|(_, r)| r.as_ref().ok());
    match first {
        Some(Json::Object(map)) if map.contains_key("category") && map.contains_key("properties") => {
            Format::DefenderStream
        }
        Some(value) if windows::looks_like_windows_event(value) || sentinel::is_sentinel_row(value) => Format::Windows,
        _ => Format::Native,
    }
}

/// Converts records to batches per table; refused records are listed, not fatal.
pub fn convert_records(records: Vec<RawRecord>, options: &IngestOptions) -> Result<Converted, String> {
    let format = resolve_format(&records, options);
    let mut builders: BTreeMap<String, TableBuilder> = BTreeMap::new();
    let mut converted = Converted::default();
    if format == Format::Windows {
        logs::convert_logs(records, options, &mut builders, &mut converted);
        return finish(builders, converted);
    }
    check_native_table(format, options)?;
    for (position, record) in records {
        convert_record(position, record, format, options, &mut builders, &mut converted);
    }
    finish(builders, converted)
}

/// Native NDJSON needs a known table named up front.
fn check_native_table(format: Format, options: &IngestOptions) -> Result<(), String> {
    if format != Format::Native {
        return Ok(());
    }
    let Some(table) = options.table.as_deref() else {
        return Err("native NDJSON needs its table: pass --table, or name the file <Table>.jsonl".into());
    };
    if !defender_tables().contains_key(table) {
        return Err(format!(
            "unknown table `{table}`: name a table of the hunting schema, or leave --table out to infer each row's table"
        ));
    }
    Ok(())
}

/// One native or streaming-API record into its table's builder, or into the errors.
fn convert_record(
    position: String,
    record: Result<Json, String>,
    format: Format,
    options: &IngestOptions,
    builders: &mut BTreeMap<String, TableBuilder>,
    converted: &mut Converted,
) {
    let outcome = record.and_then(|value| match format {
        Format::DefenderStream => stream_row(value, options),
        Format::Export => match value {
            Json::Object(row) => export::infer_table(row),
            other => Err(format!("expected an exported row object, found {}", cell::json_kind(&other))),
        },
        _ => native_row(value, options),
    });
    let (table, row) = match outcome {
        Ok(found) => found,
        Err(message) => {
            converted.errors.push(RecordError { position, message });
            return;
        }
    };
    let typing = if format == Format::Native { Typing::Strict } else { Typing::Lenient };
    if push_row(builders, converted, (position, table, row), typing, options.received_ns) {
        converted.accepted += 1;
    }
}

/// Adds a row to its table's builder, or records why it was refused; true when added.
fn push_row(
    builders: &mut BTreeMap<String, TableBuilder>,
    converted: &mut Converted,
    (position, table, row): (String, String, serde_json::Map<String, Json>),
    typing: Typing,
    received_ns: i64,
) -> bool {
    let Some(schema) = defender_tables().get(&table) else {
        converted.errors.push(RecordError { position, message: format!("unknown table `{table}`") });
        return false;
    };
    let builder = builders.entry(table).or_insert_with(|| TableBuilder::new(schema, typing));
    match builder.push(row, received_ns) {
        Ok(()) => true,
        Err(e) => {
            converted.errors.push(RecordError { position, message: e.to_string() });
            false
        }
    }
}

fn finish(builders: BTreeMap<String, TableBuilder>, mut converted: Converted) -> Result<Converted, String> {
    for (table, mut builder) in builders {
        if builder.rows() > 0 {
            converted.batches.push((table, builder.finish()?));
        }
    }
    Ok(converted)
}

fn native_row(value: Json, options: &IngestOptions) -> Result<(String, serde_json::Map<String, Json>), String> {
    let table = options.table.clone().unwrap_or_default();
    match value {
        Json::Object(map) => Ok((table, map)),
        other => Err(format!("expected a JSON object with the columns of {table}, found {}", cell::json_kind(&other))),
    }
}

fn stream_row(value: Json, options: &IngestOptions) -> Result<(String, serde_json::Map<String, Json>), String> {
    let Json::Object(mut record) = value else {
        return Err("expected a streaming-API record object".into());
    };
    let category = record.get("category").and_then(Json::as_str).unwrap_or_default().to_string();
    let Some(table) = category.strip_prefix("AdvancedHunting-") else {
        return Err(format!("category `{category}` is not AdvancedHunting-<Table>"));
    };
    check_stream_tenant(options, record.get("tenantId").and_then(Json::as_str))?;
    match record.remove("properties") {
        Some(Json::Object(properties)) => Ok((table.to_string(), properties)),
        _ => Err("`properties` must be an object of columns".into()),
    }
}

/// A streaming-API record naming another tenant than this one's configured id is refused.
fn check_stream_tenant(options: &IngestOptions, found: Option<&str>) -> Result<(), String> {
    match (&options.external_tenant_id, found) {
        (Some(expected), Some(found)) if !expected.eq_ignore_ascii_case(found) => {
            Err(format!("tenantId `{found}` is not this tenant's ({expected}); records of another tenant are refused"))
        }
        _ => Ok(()),
    }
}
