//! Input formats to Arrow batches. Native NDJSON (one row of one table per line) and the
//! Defender streaming-API format (`{"time", "tenantId", "category": "AdvancedHunting-<Table>",
//! "properties": {...}}`, one per line or wrapped in `{"records": [...]}`) and Windows event
//! logs (Sysmon, Security, System, PowerShell, Defender AV; see `windows` and `windows_map`).
//! Bad records are reported with their position and skipped; good records in the same input
//! are kept.

mod cell;
mod columns;
mod evtx_file;
mod lines;
mod windows;
mod windows_map;

use std::collections::BTreeMap;

use datafusion::arrow::record_batch::RecordBatch;
use serde_json::Value as Json;

pub use columns::{FieldError, TableBuilder, Typing, parse_time};
pub use evtx_file::evtx_records;
pub use lines::convert_text;

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
    /// Windows event logs as JSON (evtx_dump, HELK, NXLog or winlogbeat shapes).
    Windows,
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
#[derive(Debug, Clone, PartialEq, Eq)]
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
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()).peekable();
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
        Some(value) if windows::looks_like_windows_event(value) => Format::Windows,
        _ => Format::Native,
    }
}

/// Converts records to batches per table; refused records are listed, not fatal.
pub fn convert_records(records: Vec<RawRecord>, options: &IngestOptions) -> Result<Converted, String> {
    let format = match options.format {
        Format::Auto => detect_format(&records),
        other => other,
    };
    let mut builders: BTreeMap<String, TableBuilder> = BTreeMap::new();
    let mut converted = Converted::default();
    if format == Format::Windows {
        convert_windows(records, options, &mut builders, &mut converted);
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
        return Err(format!("unknown table `{table}`"));
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
        _ => native_row(value, options),
    });
    let (table, row) = match outcome {
        Ok(found) => found,
        Err(message) => {
            converted.errors.push(RecordError { position, message });
            return;
        }
    };
    let typing = if format == Format::DefenderStream { Typing::Lenient } else { Typing::Strict };
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

/// Windows events: normalized, time-corrected, mapped; plus a DeviceInfo row per host.
fn convert_windows(
    records: Vec<RawRecord>,
    options: &IngestOptions,
    builders: &mut BTreeMap<String, TableBuilder>,
    converted: &mut Converted,
) {
    let mut events = Vec::new();
    for (position, record) in records {
        match record.map(windows::normalize) {
            Ok(Some(event)) => events.push((position, event)),
            Ok(None) => converted.errors.push(RecordError { position, message: "not a Windows event record".into() }),
            Err(message) => converted.errors.push(RecordError { position, message }),
        }
    }
    let all: Vec<windows::WinEvent> = events.iter().map(|(_, e)| e.clone()).collect();
    let offset = windows::measure_offset(&all);
    if offset != 0 {
        converted.notes.push(format!(
            "logged times run {:+} h from Sysmon's UtcTime: corrected on events without UtcTime",
            offset / 3_600_000_000_000
        ));
    }
    // 4672 (special privileges) marks the logon sessions that are local admins.
    let admin_logons: std::collections::HashSet<(String, i64)> = all
        .iter()
        .filter(|e| e.channel == "security" && e.event_id == 4672)
        .filter_map(|e| Some((e.computer.clone(), e.data.get("SubjectLogonId").and_then(windows::as_i64)?)))
        .collect();
    let mut hosts: BTreeMap<String, i64> = BTreeMap::new();
    for (position, event) in events {
        let time = event.utc_time.or(event.logged_time.map(|t| t - offset)).unwrap_or(options.received_ns);
        let rows = windows_map::map_event(&event, time, &options.tenant);
        if rows.is_empty() {
            *converted.skipped.entry(format!("{} {}", event.channel, event.event_id)).or_default() += 1;
            continue;
        }
        if !event.computer.is_empty() {
            let first = hosts.entry(event.computer.clone()).or_insert(time);
            *first = (*first).min(time);
        }
        let mut stored = true;
        for (table, mut row) in rows {
            if table == "DeviceLogonEvents" {
                let logon = row.get("LogonId").and_then(windows::as_i64);
                let admin = logon.is_some_and(|id| admin_logons.contains(&(event.computer.clone(), id)));
                row.insert("IsLocalAdmin".into(), Json::Bool(admin));
            }
            let entry = (position.clone(), table.to_string(), row);
            stored &= push_row(builders, converted, entry, Typing::Lenient, options.received_ns);
        }
        if stored {
            converted.accepted += 1;
        }
    }
    for (host, time) in hosts {
        // A derived row, not an input record: not counted as accepted.
        let (table, row) = windows_map::device_info(&host, time, &options.tenant);
        push_row(
            builders,
            converted,
            (format!("host {host}"), table.to_string(), row),
            Typing::Lenient,
            options.received_ns,
        );
    }
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
