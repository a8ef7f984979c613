//! `panoptes bench hunt`: generated multi-tenant telemetry, then each hunting query run as KQL,
//! as hand-written DataFusion SQL over the same Parquet files, and as SQL in DuckDB; medians,
//! ratios with their geometric means, peak memory, and a check that all three agree.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use panoptes_domain::{TenantId, TenantScope};
use panoptes_eventstore::arrow::array::{Array, AsArray, RecordBatch};
use panoptes_eventstore::arrow::datatypes::{DataType, Int64Type};
use panoptes_eventstore::{EventStore, StoreConfig};
use panoptes_generator::GroundTruth;
use panoptes_query::baseline::SqlBaseline;
use panoptes_query::{Engine, ExecuteOptions, StoreCatalog};
use serde_json::json;

use super::measure::{geomean, mib, time_runs};
use super::queries::QUERIES;
use crate::cli::generate::{GROUND_TRUTH_FILE, GenerateArgs, generate_into};

#[derive(Debug, Args)]
pub(crate) struct HuntArgs {
    /// Data directory; generated on first use and reused after.
    #[arg(long, default_value = "bench-data")]
    data: PathBuf,
    /// Data size: 1.0 is 50 tenants x 40 devices x 7 days, about 20 million process and
    /// network events; the device count scales with it.
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    /// Timed runs per query and engine (after one warm-up); the median is reported.
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// The Python with the `duckdb` package.
    #[arg(long, default_value = "python3")]
    python: String,
    /// Rows for the string-kernel measurement.
    #[arg(long, default_value_t = 10_000_000)]
    kernel_rows: usize,
    /// Also write the results as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
}

/// One engine's figures for one query.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Figures {
    pub ms: f64,
    pub peak: Option<u64>,
    pub rows: usize,
    pub sum: Option<i64>,
}

pub(crate) fn run(args: HuntArgs) -> anyhow::Result<std::process::ExitCode> {
    let truth = ensure_data(&args)?;
    let end = chrono::DateTime::parse_from_rfc3339(&truth.end).context("ground truth end time")?;
    let end_ns = end.timestamp_nanos_opt().context("end time out of range")?;
    let end_sql = end.format("%Y-%m-%d %H:%M:%S").to_string();
    let tenant = truth.tenants.first().map(|t| t.id.clone()).context("no tenants generated")?;
    let (store, _) = EventStore::open(&args.data, StoreConfig::default())
        .with_context(|| format!("opening {}", args.data.display()))?;
    let store = Arc::new(store);
    let all = StoreCatalog::new(store.clone(), TenantScope::local_operator(store.tenants()));
    let one = StoreCatalog::new(store.clone(), TenantScope::local_operator([TenantId::new(&tenant)]));
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let tables = ["DeviceProcessEvents", "DeviceNetworkEvents"];
    let engine = Engine::default();
    let memory = engine.limits().memory_bytes;
    let baseline = runtime.block_on(SqlBaseline::over_store(&args.data, &tables, memory))?;
    let rows: u64 = store
        .files(&TenantScope::local_operator(store.tenants()))
        .iter()
        .filter(|f| tables.contains(&f.table.as_str()))
        .map(|f| f.rows)
        .sum();
    println!(
        "data: {} tenants, {rows} DeviceProcessEvents + DeviceNetworkEvents rows, window ending {}",
        truth.tenants.len(),
        truth.end
    );

    let fill = |sql: &str| sql.replace("{end}", &end_sql).replace("{tenant}", &tenant);
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for query in QUERIES {
        let catalog = if query.single_tenant { &one } else { &all };
        let options = ExecuteOptions { now_ns: Some(end_ns), ..Default::default() };
        let (ms, peak, result) = time_runs(args.runs, || {
            runtime
                .block_on(engine.execute(query.kql, catalog, &options))
                .map_err(|e| anyhow::anyhow!("{}: KQL: {e}", query.name))
        })?;
        let (rows, sum) = fingerprint(&result.batches);
        ours.push(Figures { ms, peak, rows, sum });
        let sql = fill(query.sql);
        let (ms, peak, result) = time_runs(args.runs, || {
            runtime.block_on(baseline.run(&sql)).map_err(|e| anyhow::anyhow!("{}: DataFusion SQL: {e}", query.name))
        })?;
        let (rows, sum) = fingerprint(&result);
        theirs.push(Figures { ms, peak, rows, sum });
    }
    let duck = duckdb(&args, &tables, &fill)?;
    let report = report(&ours, &theirs, &duck);
    let kernels = super::kernels::measure(&runtime, &store, args.kernel_rows, args.runs)?;
    println!("{}", kernels.text);
    if let Some(path) = &args.json {
        let doc =
            json!({ "queries": report.json, "kernels": kernels.json, "rows": rows, "tenants": truth.tenants.len() });
        std::fs::write(path, serde_json::to_string_pretty(&doc)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(if report.agree { std::process::ExitCode::SUCCESS } else { std::process::ExitCode::from(3) })
}

/// Uses the generated data in the directory, or generates it at the requested scale.
fn ensure_data(args: &HuntArgs) -> anyhow::Result<GroundTruth> {
    let truth_path = args.data.join(GROUND_TRUTH_FILE);
    let devices = ((40.0 * args.scale).round() as usize).max(4);
    if let Ok(text) = std::fs::read_to_string(&truth_path) {
        let truth: GroundTruth =
            serde_json::from_str(&text).with_context(|| format!("reading {}", truth_path.display()))?;
        if truth.tenants.first().is_some_and(|t| t.devices.len() == devices) {
            return Ok(truth);
        }
        anyhow::bail!(
            "{} holds data of another scale; remove it or choose another --data directory",
            args.data.display()
        );
    }
    println!("generating benchmark data in {} (once; reused by later runs)", args.data.display());
    let generate = GenerateArgs {
        data: args.data.clone(),
        tenants: 50,
        devices,
        days: 7,
        rate: 720,
        seed: 20_261_120,
        end: Some("2026-11-20T00:00:00Z".into()),
        no_attacks: false,
        threads: None,
    };
    let (store, _) = EventStore::open(&args.data, StoreConfig::default())?;
    generate_into(&store, &generate)
}

/// Row count, and the sum of the last column when it is an integer.
fn fingerprint(batches: &[RecordBatch]) -> (usize, Option<i64>) {
    let rows = batches.iter().map(RecordBatch::num_rows).sum();
    let mut sum = Some(0i64);
    for batch in batches {
        let Some(last) = batch.columns().last() else { return (rows, None) };
        match last.data_type() {
            DataType::Int64 => {
                let values = last.as_primitive::<Int64Type>();
                sum = sum.map(|s| s + values.iter().flatten().sum::<i64>());
            }
            _ => sum = None,
        }
    }
    (rows, if rows == 0 { None } else { sum })
}

fn duckdb(args: &HuntArgs, tables: &[&str], fill: &dyn Fn(&str) -> String) -> anyhow::Result<Vec<Option<Figures>>> {
    let script = std::env::temp_dir().join(format!("panoptes-duckdb-{}.py", std::process::id()));
    std::fs::write(&script, include_str!("duckdb_runner.py")).context("writing the DuckDB runner")?;
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let root = std::fs::canonicalize(&args.data)?;
    let queries: Vec<_> =
        QUERIES.iter().map(|q| json!({ "name": q.name, "sql": fill(q.duckdb.unwrap_or(q.sql)) })).collect();
    let job = json!({ "root": root, "tables": tables, "runs": args.runs, "threads": threads, "queries": queries });
    let mut child =
        Command::new(&args.python).arg(&script).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().with_context(
            || format!("starting {} for DuckDB; install Python 3 and `pip install duckdb`", args.python),
        )?;
    child.stdin.take().context("DuckDB runner stdin")?.write_all(job.to_string().as_bytes())?;
    let output = child.wait_with_output()?;
    let _ = std::fs::remove_file(&script);
    let mut out = Vec::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let value: serde_json::Value =
            serde_json::from_str(line).with_context(|| format!("DuckDB runner said {line:?}"))?;
        if let Some(error) = value.get("error").and_then(|e| e.as_str()) {
            if value.get("name").is_none() {
                anyhow::bail!("DuckDB: {error}");
            }
            eprintln!("DuckDB {}: {error}", value["name"]);
            out.push(None);
            continue;
        }
        out.push(Some(Figures {
            ms: value["ms"].as_f64().unwrap_or(f64::NAN),
            peak: value["peak"].as_u64(),
            rows: value["rows"].as_u64().unwrap_or(0) as usize,
            sum: value["sum"].as_i64(),
        }));
    }
    anyhow::ensure!(
        out.len() == QUERIES.len(),
        "the DuckDB runner answered {} of {} queries",
        out.len(),
        QUERIES.len()
    );
    Ok(out)
}

struct Report {
    json: serde_json::Value,
    agree: bool,
}

fn report(ours: &[Figures], sql: &[Figures], duck: &[Option<Figures>]) -> Report {
    println!(
        "{:<22} {:>9} {:>9} {:>9} {:>8} {:>8} {:>8} {:>8} {:>8}  agree",
        "query", "KQL ms", "DF ms", "Duck ms", "KQL/DF", "KQL/Duck", "KQL MiB", "DF MiB", "Duck MiB"
    );
    let mut df_ratios = Vec::new();
    let mut duck_ratios = Vec::new();
    let mut rows = Vec::new();
    let mut agree = true;
    for (i, query) in QUERIES.iter().enumerate() {
        let (k, d) = (ours[i], sql[i]);
        let u = duck[i].unwrap_or(Figures { ms: f64::NAN, ..Default::default() });
        let same = k.rows == d.rows && k.sum == d.sum && duck[i].is_some_and(|u| u.rows == k.rows && u.sum == k.sum);
        agree &= same;
        let (r_df, r_duck) = (k.ms / d.ms, k.ms / u.ms);
        df_ratios.push(r_df);
        duck_ratios.push(r_duck);
        println!(
            "{:<22} {:>9.1} {:>9.1} {:>9.1} {:>8.2} {:>8.2} {:>8} {:>8} {:>8}  {}",
            query.name,
            k.ms,
            d.ms,
            u.ms,
            r_df,
            r_duck,
            mib(k.peak),
            mib(d.peak),
            mib(u.peak),
            if same {
                "yes".to_string()
            } else {
                format!("NO (rows {} / {} / {}, sums {:?} / {:?} / {:?})", k.rows, d.rows, u.rows, k.sum, d.sum, u.sum)
            }
        );
        rows.push(json!({ "name": query.name, "kql_ms": k.ms, "datafusion_ms": d.ms, "duckdb_ms": u.ms,
            "kql_peak_bytes": k.peak, "datafusion_peak_bytes": d.peak, "duckdb_peak_bytes": u.peak, "rows": k.rows, "agree": same }));
    }
    let (g_df, g_duck) = (geomean(&df_ratios), geomean(&duck_ratios));
    println!("geometric mean: KQL/DataFusion-SQL {g_df:.2} (target <= 1.15), KQL/DuckDB {g_duck:.2} (target <= 1.5)");
    if !agree {
        println!("some engines disagree on results: see the agree column");
    }
    Report {
        json: json!({ "per_query": rows, "geomean_kql_over_datafusion": g_df, "geomean_kql_over_duckdb": g_duck }),
        agree,
    }
}
