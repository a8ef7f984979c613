//! `panoptes ingest`: files (or a stream on stdin) into one tenant of an event store, with a
//! progress bar, a report of refused records and their positions, and `--strict` to store
//! nothing from a file that has any bad record.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use panoptes_domain::{TenantId, TenantScope};
use panoptes_eventstore::ingest::{
    Converted, Format, IngestOptions, RawRecord, RecordError, convert_records, evtx_records, parse_line, split_records,
};
use panoptes_eventstore::{EventStore, StoreConfig};

/// Records converted and appended at a time (one write-ahead log commit each).
const CHUNK: usize = 20_000;
/// Refused records listed in the report; the rest are counted.
const SHOWN_ERRORS: usize = 20;

#[derive(Debug, Args)]
pub(crate) struct IngestArgs {
    /// The data directory of the event store.
    #[arg(long, env = "PANOPTES_DATA")]
    data: PathBuf,
    /// The tenant the records belong to (every row gets this TenantId).
    #[arg(long)]
    tenant: String,
    /// The table of native NDJSON rows (default: the file name, e.g. DeviceProcessEvents.jsonl).
    #[arg(long)]
    table: Option<String>,
    /// Input layout.
    #[arg(long, value_enum, default_value = "auto")]
    format: InputFormat,
    /// Store nothing from a file that has any bad record.
    #[arg(long)]
    strict: bool,
    /// The tenant id streaming-API records must carry.
    #[arg(long)]
    external_tenant_id: Option<String>,
    /// Flush buffered rows to Parquet once this many are waiting.
    #[arg(long, default_value_t = 500_000)]
    flush_rows: usize,
    /// With `-` (stdin): lines per durable batch; after each, `acked <rows>` is printed.
    #[arg(long, default_value_t = 1000)]
    batch_lines: usize,
    /// Files to ingest; `-` reads a stream from stdin.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum InputFormat {
    Auto,
    Native,
    DefenderStream,
    Windows,
}

pub(crate) fn run(args: IngestArgs) -> anyhow::Result<ExitCode> {
    let config = StoreConfig { flush_rows: args.flush_rows, ..StoreConfig::default() };
    let (store, report) = EventStore::open(&args.data, config)
        .with_context(|| format!("opening the event store in {}", args.data.display()))?;
    if report.replayed_rows > 0 {
        eprintln!("recovered {} acknowledged rows from the write-ahead log", report.replayed_rows);
    }
    let scope = TenantScope::local_operator([TenantId::new(&args.tenant)]);
    let mut refused = 0;
    for file in &args.files {
        refused += if file.as_os_str() == "-" {
            ingest_stdin(&store, &scope, &args)?
        } else {
            ingest_file(&store, &scope, &args, file)?
        };
    }
    store.flush().context("flushing to Parquet")?;
    Ok(if refused == 0 { ExitCode::SUCCESS } else { ExitCode::from(2) })
}

fn options(args: &IngestArgs, file: Option<&Path>) -> IngestOptions {
    let from_name = file.and_then(|f| f.file_stem()).and_then(|s| s.to_str()).map(str::to_string);
    IngestOptions {
        format: match args.format {
            InputFormat::Auto => Format::Auto,
            InputFormat::Native => Format::Native,
            InputFormat::DefenderStream => Format::DefenderStream,
            InputFormat::Windows => Format::Windows,
        },
        table: args.table.clone().or(from_name),
        external_tenant_id: args.external_tenant_id.clone(),
        received_ns: chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0),
        tenant: args.tenant.clone(),
    }
}

/// Ingests one file; returns how many records it refused. NDJSON streams through in chunks
/// (memory stays flat whatever the file size); a single JSON document is read whole.
fn ingest_file(store: &EventStore, scope: &TenantScope, args: &IngestArgs, file: &Path) -> anyhow::Result<usize> {
    let options = options(args, Some(file));
    let evtx = file.extension().is_some_and(|e| e.eq_ignore_ascii_case("evtx"));
    let ndjson = !evtx && is_ndjson(file)?;
    let chunks = || -> anyhow::Result<Chunks> {
        if evtx {
            let records = evtx_records(file).map_err(anyhow::Error::msg)?;
            let bytes = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
            return Ok(Box::new(std::iter::once(Ok((records, bytes)))));
        }
        if ndjson {
            return Ok(Box::new(line_chunks(file)?));
        }
        let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        let bytes = text.len() as u64;
        Ok(Box::new(std::iter::once(Ok((split_records(&text), bytes)))))
    };
    if args.strict {
        let mut errors = Vec::new();
        for chunk in chunks()? {
            errors.extend(convert_records(chunk?.0, &options).map_err(anyhow::Error::msg)?.errors);
        }
        if !errors.is_empty() {
            report(file, 0, &errors);
            eprintln!("{}: --strict: nothing stored from this file", file.display());
            return Ok(errors.len());
        }
    }
    let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    let progress = ProgressBar::new(size).with_message(file.display().to_string());
    progress.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut accepted = 0;
    let mut errors = Vec::new();
    for chunk in chunks()? {
        let (records, bytes) = chunk?;
        let converted = convert_records(records, &options).map_err(anyhow::Error::msg)?;
        accepted += append(store, scope, converted, &mut errors)?;
        progress.inc(bytes);
        if store.flush_due() {
            store.flush().context("flushing to Parquet")?;
        }
    }
    progress.finish_and_clear();
    report(file, accepted, &errors);
    Ok(errors.len())
}

/// Records in chunks, each with the input bytes it covers.
type Chunks = Box<dyn Iterator<Item = anyhow::Result<(Vec<RawRecord>, u64)>>>;

/// Is the file line-delimited JSON (its first non-empty line a complete JSON value)?
fn is_ndjson(file: &Path) -> anyhow::Result<bool> {
    let reader =
        std::io::BufReader::new(std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?);
    for line in reader.lines() {
        let line = line.with_context(|| format!("reading {}", file.display()))?;
        if !line.trim().is_empty() {
            return Ok(serde_json::from_str::<serde_json::Value>(&line).is_ok());
        }
    }
    Ok(true)
}

/// The file's records, `CHUNK` lines at a time, with the bytes each chunk read.
fn line_chunks(file: &Path) -> anyhow::Result<impl Iterator<Item = anyhow::Result<(Vec<RawRecord>, u64)>> + 'static> {
    let reader =
        std::io::BufReader::new(std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?);
    let mut lines = reader.lines().enumerate();
    let name = file.display().to_string();
    Ok(std::iter::from_fn(move || {
        let mut records = Vec::new();
        let mut bytes = 0u64;
        for (index, line) in lines.by_ref() {
            match line {
                Ok(line) => {
                    bytes += line.len() as u64 + 1;
                    parse_line(index + 1, &line, &mut records);
                }
                Err(e) => return Some(Err(anyhow::anyhow!("reading {name}: {e}"))),
            }
            if records.len() >= CHUNK {
                break;
            }
        }
        (bytes > 0).then_some(Ok((records, bytes)))
    }))
}

/// Reads NDJSON from stdin in batches of `--batch-lines`, printing `acked <rows>` once each
/// batch is durable (the crash test relies on it). Returns the records refused.
fn ingest_stdin(store: &EventStore, scope: &TenantScope, args: &IngestArgs) -> anyhow::Result<usize> {
    let options = options(args, None);
    let mut acked = 0;
    let mut errors = Vec::new();
    let mut lines = Vec::new();
    let stdin = std::io::stdin();
    let mut input = stdin.lock().lines();
    let mut line_number = 0;
    loop {
        let line = input.next().transpose().context("reading stdin")?;
        let done = line.is_none();
        line_number += 1;
        lines.extend(line.map(|l| (line_number, l)));
        if lines.len() >= args.batch_lines.max(1) || (done && !lines.is_empty()) {
            let mut records = Vec::with_capacity(lines.len());
            for (number, line) in &lines {
                parse_line(*number, line, &mut records);
            }
            let converted = convert_records(records, &options).map_err(anyhow::Error::msg)?;
            acked += append(store, scope, converted, &mut errors)?;
            println!("acked {acked}");
            lines.clear();
            if store.flush_due() {
                store.flush().context("flushing to Parquet")?;
            }
        }
        if done {
            break;
        }
    }
    report(Path::new("stdin"), acked, &errors);
    Ok(errors.len())
}

fn append(
    store: &EventStore,
    scope: &TenantScope,
    converted: Converted,
    errors: &mut Vec<RecordError>,
) -> anyhow::Result<usize> {
    let batches: Vec<(&str, _)> = converted.batches.iter().map(|(t, b)| (t.as_str(), b.clone())).collect();
    store.append(scope, &batches).context("storing the batch")?;
    errors.extend(converted.errors);
    Ok(converted.accepted)
}

fn report(file: &Path, accepted: usize, errors: &[RecordError]) {
    eprintln!("{}: {accepted} records stored, {} refused", file.display(), errors.len());
    for error in errors.iter().take(SHOWN_ERRORS) {
        eprintln!("  {error}");
    }
    if errors.len() > SHOWN_ERRORS {
        eprintln!("  ... and {} more", errors.len() - SHOWN_ERRORS);
    }
}
