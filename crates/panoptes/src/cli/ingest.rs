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
use panoptes_eventstore::ingest::{Converted, Format, IngestOptions, RecordError, convert_records, split_records};
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

/// Ingests one file; returns how many records it refused.
fn ingest_file(store: &EventStore, scope: &TenantScope, args: &IngestArgs, file: &Path) -> anyhow::Result<usize> {
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let options = options(args, Some(file));
    let records = split_records(&text);
    let total = records.len();
    if args.strict {
        let errors = convert_records(records.clone(), &options).map_err(anyhow::Error::msg)?.errors;
        if !errors.is_empty() {
            report(file, 0, &errors);
            eprintln!("{}: --strict: nothing stored from this file", file.display());
            return Ok(errors.len());
        }
    }
    let progress = ProgressBar::new(total as u64).with_message(file.display().to_string());
    progress.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} records {per_sec} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut accepted = 0;
    let mut errors = Vec::new();
    let mut records = records.into_iter();
    loop {
        let chunk: Vec<_> = records.by_ref().take(CHUNK).collect();
        if chunk.is_empty() {
            break;
        }
        let size = chunk.len();
        let converted = convert_records(chunk, &options).map_err(anyhow::Error::msg)?;
        accepted += append(store, scope, converted, &mut errors)?;
        progress.inc(size as u64);
        if store.flush_due() {
            store.flush().context("flushing to Parquet")?;
        }
    }
    progress.finish_and_clear();
    report(file, accepted, &errors);
    Ok(errors.len())
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
    loop {
        let line = input.next().transpose().context("reading stdin")?;
        let done = line.is_none();
        lines.extend(line);
        if lines.len() >= args.batch_lines.max(1) || (done && !lines.is_empty()) {
            let converted = convert_records(split_records(&lines.join("\n")), &options).map_err(anyhow::Error::msg)?;
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
