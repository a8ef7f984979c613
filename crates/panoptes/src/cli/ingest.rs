//! `panoptes ingest`: files (or a stream on stdin) into one tenant of an event store, with a
//! progress bar, a report of refused records and their positions, and `--strict` to store
//! nothing from a file that has any bad record.

mod pipeline;

use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use panoptes_domain::{TenantId, TenantScope};
use panoptes_eventstore::ingest::{
    Converted, Format, IngestOptions, RawRecord, RecordError, convert_records, convert_text, csv_records, evtx_records,
};
use panoptes_eventstore::{BulkLoad, EventStore, StoreConfig};
use pipeline::{Buffers, convert_pipelined};

/// NDJSON is converted about this much text at a time: chunks this small reuse the allocator's warm memory
/// (larger ones are fresh pages from the kernel each time, which costs more than the parsing).
const CHUNK_BYTES: usize = 4 << 20;
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
    /// Write rows to Parquet once this many are waiting (the memory an ingest holds: about
    /// 2 KB per process event). Sorting a smaller flush by time stays in cache: in `panoptes
    /// bench ingest`, 8,192 took 4% less CPU and 13% less memory than 25,000.
    #[arg(long, default_value_t = 8192)]
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
    /// Exported hunting results of several tables (each row's table inferred from its columns).
    Export,
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
    // A file named after a table holds that table's rows; any other name says nothing.
    let from_name = file
        .and_then(|f| f.file_stem())
        .and_then(|s| s.to_str())
        .filter(|name| panoptes_eventstore::catalog::defender_tables().contains_key(*name))
        .map(str::to_string);
    IngestOptions {
        format: match args.format {
            InputFormat::Auto => Format::Auto,
            InputFormat::Native => Format::Native,
            InputFormat::DefenderStream => Format::DefenderStream,
            InputFormat::Windows => Format::Windows,
            InputFormat::Export => Format::Export,
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
    let archive = super::archive::is_archive(file);
    let evtx = file.extension().is_some_and(|e| e.eq_ignore_ascii_case("evtx"));
    let csv = file.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let ndjson = !evtx && !csv && !archive && is_ndjson(file)?;
    let buffers = Buffers::default();
    let chunks = || -> anyhow::Result<Chunks> {
        if archive {
            // Each member is a file of its own: positions count from its first line.
            let members = super::archive::members(file)?;
            return Ok(Box::new(members.into_iter().map(|(_, text)| {
                let bytes = text.len() as u64;
                Ok((Input::Text { text, first_line: 1 }, bytes))
            })));
        }
        if evtx {
            let records = evtx_records(file).map_err(anyhow::Error::msg)?;
            let bytes = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
            return Ok(Box::new(std::iter::once(Ok((Input::Records(records), bytes)))));
        }
        if ndjson {
            return Ok(Box::new(line_chunks(file, buffers.clone())?));
        }
        if csv {
            let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
            let bytes = text.len() as u64;
            return Ok(Box::new(std::iter::once(Ok((Input::Records(csv_records(&text)), bytes)))));
        }
        let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        let bytes = text.len() as u64;
        Ok(Box::new(std::iter::once(Ok((Input::Text { text, first_line: 1 }, bytes)))))
    };
    // The file is one bulk load: stored whole when it ends, or (crash, `--strict` refusal)
    // not at all, so ingesting it again never duplicates rows.
    let mut load = store.bulk_load(scope).context("starting the load")?;
    let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    let progress = ProgressBar::new(size).with_message(file.display().to_string());
    progress.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut tally = Tally::default();
    convert_pipelined(chunks()?, &buffers, &options, |converted, bytes| {
        store_chunk(&mut load, &mut tally, converted, args.strict)?;
        progress.inc(bytes);
        Ok(())
    })?;
    if args.strict && !tally.errors.is_empty() {
        progress.finish_and_clear();
        tally.accepted = 0;
        tally.report(file);
        eprintln!("{}: --strict: nothing stored from this file", file.display());
        return Ok(tally.errors.len());
    }
    progress.set_message(format!("{}: committing", file.display()));
    load.commit().context("committing the rows to Parquet")?;
    progress.finish_and_clear();
    tally.report(file);
    Ok(tally.errors.len())
}

/// Adds a converted chunk's rows to the load and counts it. Under `--strict`, one refusal
/// dooms the file: nothing more is stored, but the rest is still checked for the report.
fn store_chunk(load: &mut BulkLoad<'_>, tally: &mut Tally, converted: Converted, strict: bool) -> anyhow::Result<()> {
    let doomed = strict && !(tally.errors.is_empty() && converted.errors.is_empty());
    if !doomed {
        for (table, batch) in &converted.batches {
            load.add(table, batch).context("storing the rows")?;
        }
    }
    tally.count(converted);
    Ok(())
}

/// A piece of input: text (NDJSON lines, or a whole JSON document), or records already read.
enum Input {
    Text { text: String, first_line: usize },
    Records(Vec<RawRecord>),
}

impl Input {
    /// The rows, and the text's buffer for reuse.
    fn convert(self, options: &IngestOptions) -> (anyhow::Result<Converted>, Option<Vec<u8>>) {
        match self {
            Input::Text { text, first_line } => {
                (convert_text(&text, first_line, options).map_err(anyhow::Error::msg), Some(text.into_bytes()))
            }
            Input::Records(records) => (convert_records(records, options).map_err(anyhow::Error::msg), None),
        }
    }
}

/// Input in chunks, each with the input bytes it covers.
type Chunks = Box<dyn Iterator<Item = anyhow::Result<(Input, u64)>> + Send>;

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

/// The file's lines, about `CHUNK_BYTES` at a time, as one text each: read in blocks and cut at
/// the last line end (a line longer than a block makes its chunk longer), not line by line.
fn line_chunks(
    file: &Path,
    buffers: Buffers,
) -> anyhow::Result<impl Iterator<Item = anyhow::Result<(Input, u64)>> + Send + 'static> {
    let mut reader = std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
    let name = file.display().to_string();
    let mut next_line = 1;
    // The start of a line the last block cut short.
    let mut carry: Vec<u8> = Vec::new();
    Ok(std::iter::from_fn(move || {
        // Sized for the whole chunk and the carried line up front (always the same size, so a
        // spent buffer always fits): growing it while reading would copy it again.
        let mut block = buffers.take(CHUNK_BYTES + (CHUNK_BYTES >> 3));
        block.append(&mut carry);
        let at_end = loop {
            let start = block.len();
            let want = CHUNK_BYTES.saturating_sub(start).max(CHUNK_BYTES / 4);
            let at_end = match (&mut reader).take(want as u64).read_to_end(&mut block) {
                Ok(read) => read < want,
                Err(e) => return Some(Err(anyhow::anyhow!("reading {name} after line {next_line}: {e}"))),
            };
            // The carried start of a line holds no line end: only the new bytes can.
            if at_end || memchr::memchr(b'\n', &block[start..]).is_some() {
                break at_end;
            }
        };
        if !at_end && let Some(cut) = memchr::memrchr(b'\n', &block) {
            carry = block.split_off(cut + 1);
        }
        if block.is_empty() {
            return None;
        }
        let first_line = next_line;
        next_line += memchr::memchr_iter(b'\n', &block).count();
        let bytes = block.len() as u64;
        match String::from_utf8(block) {
            Ok(text) => Some(Ok((Input::Text { text, first_line }, bytes))),
            Err(e) => {
                let bad = e.utf8_error().valid_up_to();
                let line = first_line + e.as_bytes()[..bad].iter().filter(|&&b| b == b'\n').count();
                Some(Err(anyhow::anyhow!("{name} line {line}: not UTF-8 text; save the file as UTF-8")))
            }
        }
    }))
}

/// Reads NDJSON from stdin in batches of `--batch-lines`, printing `acked <rows>` once each
/// batch is durable (the crash test relies on it). Returns the records refused.
fn ingest_stdin(store: &EventStore, scope: &TenantScope, args: &IngestArgs) -> anyhow::Result<usize> {
    let options = options(args, None);
    let mut tally = Tally::default();
    let mut stdin = std::io::stdin().lock();
    let mut next_line = 1;
    loop {
        let mut text = String::new();
        let first_line = next_line;
        for _ in 0..args.batch_lines.max(1) {
            if stdin.read_line(&mut text).context("reading stdin")? == 0 {
                break;
            }
            next_line += 1;
        }
        if text.is_empty() {
            break;
        }
        let converted = Input::Text { text, first_line }.convert(&options).0?;
        tally.append(store, scope, converted)?;
        println!("acked {}", tally.accepted);
        if store.flush_due() {
            store.flush().context("flushing to Parquet")?;
        }
    }
    tally.report(Path::new("stdin"));
    Ok(tally.errors.len())
}

/// What a file's ingest came to, summed over its chunks.
#[derive(Default)]
struct Tally {
    accepted: usize,
    errors: Vec<RecordError>,
    /// Well-formed records no table takes, by kind (e.g. `security 4658`).
    skipped: std::collections::BTreeMap<String, usize>,
    notes: Vec<String>,
}

impl Tally {
    /// Stores a converted chunk (durable when this returns) and counts it.
    fn append(&mut self, store: &EventStore, scope: &TenantScope, converted: Converted) -> anyhow::Result<()> {
        let batches: Vec<(&str, _)> = converted.batches.iter().map(|(t, b)| (t.as_str(), b.clone())).collect();
        store.append(scope, &batches).context("storing the batch")?;
        self.count(converted);
        Ok(())
    }

    fn count(&mut self, converted: Converted) {
        self.accepted += converted.accepted;
        self.errors.extend(converted.errors);
        for (kind, n) in converted.skipped {
            *self.skipped.entry(kind).or_default() += n;
        }
        for note in converted.notes {
            if !self.notes.contains(&note) {
                self.notes.push(note);
            }
        }
    }

    fn report(&self, source: &Path) {
        let source = source.display();
        eprintln!("{source}: {} records stored, {} refused", self.accepted, self.errors.len());
        for note in &self.notes {
            eprintln!("  note: {note}");
        }
        if !self.skipped.is_empty() {
            let total: usize = self.skipped.values().sum();
            let mut kinds: Vec<(&String, &usize)> = self.skipped.iter().collect();
            kinds.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let shown: Vec<String> = kinds.iter().take(SHOWN_ERRORS).map(|(k, n)| format!("{k} ×{n}")).collect();
            let more = if kinds.len() > SHOWN_ERRORS {
                format!(", and {} more kinds", kinds.len() - SHOWN_ERRORS)
            } else {
                String::new()
            };
            eprintln!("  {total} well-formed records skipped, no table takes them: {}{more}", shown.join(", "));
        }
        for error in self.errors.iter().take(SHOWN_ERRORS) {
            eprintln!("  {error}");
        }
        if self.errors.len() > SHOWN_ERRORS {
            eprintln!("  ... and {} more", self.errors.len() - SHOWN_ERRORS);
        }
    }
}
