//! `panoptes bench ingest`: generated DeviceProcessEvents written as native NDJSON and as
//! streaming-API records, each ingested by `panoptes ingest` run as its own process into a fresh
//! store; prints durable events per second (wall and per CPU-second), bytes on disk per million
//! events and peak memory.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use panoptes_eventstore::arrow::array::{Array, AsArray, RecordBatch};
use panoptes_eventstore::arrow::datatypes::{DataType, Int32Type, Int64Type, TimestampNanosecondType};
use panoptes_generator::{GeneratorConfig, generate_tenant_day, tenants};
use serde_json::{Map, Value};

use super::measure::{child_peak_rss, children_cpu_seconds, mib};

#[derive(Debug, Args)]
pub(crate) struct IngestBenchArgs {
    /// Working directory for the input files and stores (removed afterwards).
    #[arg(long, default_value = "bench-ingest")]
    dir: PathBuf,
    /// DeviceProcessEvents rows per run.
    #[arg(long, default_value_t = 500_000)]
    rows: usize,
    /// Ingests of each file; the run of median CPU time is printed (one run on a busy machine
    /// can be a third off).
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Keep the generated input files (e.g. to profile `panoptes ingest` on them).
    #[arg(long)]
    keep_inputs: bool,
}

pub(crate) fn run(args: IngestBenchArgs) -> anyhow::Result<std::process::ExitCode> {
    std::fs::create_dir_all(&args.dir).with_context(|| format!("creating {}", args.dir.display()))?;
    let batches = process_rows(args.rows)?;
    let native = args.dir.join("DeviceProcessEvents.json");
    let stream = args.dir.join("stream.json");
    let bytes = write_inputs(&batches, &native, &stream)?;
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    // Only the files are needed from here; memory held on would count against ingest.
    drop(batches);
    println!("{rows} DeviceProcessEvents rows, {} bytes per row as NDJSON", bytes / rows.max(1) as u64);
    println!(
        "{:<16} {:>10} {:>12} {:>14} {:>14} {:>9}",
        "format", "seconds", "events/s", "events/cpu-s", "bytes/M events", "peak MiB"
    );
    for (name, file) in [("native NDJSON", &native), ("streaming API", &stream)] {
        let store = args.dir.join(format!("store-{}", name.replace(' ', "-")));
        let mut runs = Vec::new();
        let mut disk = 0;
        for _ in 0..args.runs.max(1) {
            let _ = std::fs::remove_dir_all(&store);
            runs.push(ingest_process(&store, file)?);
            disk = parquet_bytes(&store.join("events"))?;
        }
        runs.sort_by(|a, b| a.cpu.unwrap_or(a.seconds).total_cmp(&b.cpu.unwrap_or(b.seconds)));
        let run = &runs[runs.len() / 2];
        println!(
            "{name:<16} {:>10.2} {:>12.0} {:>14} {:>14.0} {:>9}",
            run.seconds,
            rows as f64 / run.seconds,
            run.cpu.map_or("?".into(), |c| format!("{:.0}", rows as f64 / c)),
            disk as f64 * 1e6 / rows as f64,
            mib(run.peak)
        );
        std::fs::remove_dir_all(&store).ok();
    }
    println!("target: 150000 durable events/s per core for DeviceProcessEvents-sized rows");
    if !args.keep_inputs {
        std::fs::remove_file(&native).ok();
        std::fs::remove_file(&stream).ok();
    }
    Ok(std::process::ExitCode::SUCCESS)
}

/// What one `panoptes ingest` run took.
struct IngestRun {
    seconds: f64,
    cpu: Option<f64>,
    peak: Option<u64>,
}

/// Runs `panoptes ingest` on `file` as its own process, as an operator would (none of this
/// process's memory or allocator state counts against it): wall time, CPU time, and peak
/// memory (sampled every 10 ms while it runs).
fn ingest_process(store: &Path, file: &Path) -> anyhow::Result<IngestRun> {
    let exe = std::env::current_exe().context("finding the panoptes executable")?;
    let cpu_before = children_cpu_seconds();
    let start = Instant::now();
    let mut child = std::process::Command::new(exe)
        .args(["ingest", "--tenant", "bench", "--data"])
        .arg(store)
        .arg(file)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .context("starting panoptes ingest")?;
    let mut peak = None;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        peak = child_peak_rss(child.id()).or(peak);
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    let seconds = start.elapsed().as_secs_f64();
    anyhow::ensure!(status.success(), "panoptes ingest of {} failed ({status})", file.display());
    let cpu = children_cpu_seconds().zip(cpu_before).map(|(after, before)| after - before);
    Ok(IngestRun { seconds, cpu, peak })
}

/// About `rows` generated process events of one tenant.
fn process_rows(rows: usize) -> anyhow::Result<Vec<RecordBatch>> {
    let devices = 100;
    let config = GeneratorConfig {
        seed: 7,
        tenants: 1,
        devices,
        days: 1,
        rate: rows.div_ceil(devices),
        end_ns: 1_795_132_800_000_000_000,
        attacks: false,
        threads: 1,
    };
    let tenant = &tenants(&config)[0];
    let day = config.end_ns - 86_400_000_000_000;
    let (batches, _) = generate_tenant_day(&config, tenant, day)?;
    let mut out = Vec::new();
    let mut left = rows;
    for (table, batch) in batches {
        if table == "DeviceProcessEvents" {
            let take = left.min(batch.num_rows());
            out.push(batch.slice(0, take));
            left -= take;
        }
    }
    Ok(out)
}

/// Writes both input files; returns the native file's size.
fn write_inputs(batches: &[RecordBatch], native: &Path, stream: &Path) -> anyhow::Result<u64> {
    let mut a = BufWriter::new(std::fs::File::create(native)?);
    let mut b = BufWriter::new(std::fs::File::create(stream)?);
    for batch in batches {
        for row in 0..batch.num_rows() {
            let (record, time) = row_json(batch, row);
            let line = serde_json::to_string(&record)?;
            writeln!(a, "{line}")?;
            writeln!(
                b,
                r#"{{"time":"{time}","tenantId":"bench","operationName":"Publish","category":"AdvancedHunting-DeviceProcessEvents","properties":{line}}}"#
            )?;
        }
    }
    // On disk before the clock starts: writing them back must not count against ingest.
    for file in [a, b] {
        file.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    }
    Ok(std::fs::metadata(native)?.len())
}

/// One row as Defender-schema JSON, and its time.
fn row_json(batch: &RecordBatch, row: usize) -> (Map<String, Value>, String) {
    let mut record = Map::new();
    let mut time = String::new();
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        if column.is_null(row) {
            continue;
        }
        let value = match column.data_type() {
            DataType::Int64 => Value::from(column.as_primitive::<Int64Type>().value(row)),
            DataType::Int32 => Value::from(column.as_primitive::<Int32Type>().value(row)),
            DataType::Boolean => Value::from(column.as_boolean().value(row)),
            DataType::Timestamp(..) => {
                let ns = column.as_primitive::<TimestampNanosecondType>().value(row);
                let text =
                    chrono::DateTime::from_timestamp_nanos(ns).to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
                if field.name() == "Timestamp" {
                    time = text.clone();
                }
                Value::from(text)
            }
            _ => Value::from(column.as_string::<i32>().value(row)),
        };
        record.insert(field.name().clone(), value);
    }
    (record, time)
}

fn parquet_bytes(dir: &Path) -> anyhow::Result<u64> {
    let mut total = 0;
    if !dir.exists() {
        return Ok(0);
    }
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if path.is_dir() {
            total += parquet_bytes(&path)?;
        } else if path.extension().is_some_and(|e| e == "parquet") {
            total += entry.metadata()?.len();
        }
    }
    Ok(total)
}
