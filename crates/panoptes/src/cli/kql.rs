//! `panoptes kql run | batch | check`: the hunting engine from the command line, and the batch
//! contract the conformance scorer drives (`../shared/tools/README.md`).

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use panoptes_domain::TenantScope;
use panoptes_eventstore::EventStore;
use panoptes_query::render;
use panoptes_query::{
    Engine, ExecuteOptions, MemoryCatalog, QueryError, QueryLimits, ResultTable, SchemaCatalog, StoreCatalog,
    TableCatalog,
};
use serde_json::{Value as Json, json};

#[derive(Debug, Args)]
pub(crate) struct KqlArgs {
    #[command(subcommand)]
    command: KqlCommand,
}

#[derive(Debug, Subcommand)]
enum KqlCommand {
    /// Run one query and print its result.
    Run {
        /// A Panoptes data directory to query.
        #[arg(long)]
        data: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
        /// Run as of this instant (`now()` and `ago()` count from it), e.g. to replay a
        /// recorded attack: 2020-10-19T00:00:00Z.
        #[arg(long)]
        now: Option<String>,
        /// Print the query's plans instead of its result; `analyze` runs it and adds each
        /// operator's rows and time.
        #[arg(long, value_enum)]
        explain: Option<Explain>,
        /// The KQL query.
        query: String,
    },
    /// Answer a JSONL file of `{"id", "query"}` records, one JSON line each (the scorer's contract).
    Batch {
        /// The JSONL input.
        #[arg(long)]
        input: PathBuf,
        /// Only parse and plan against the Defender schema.
        #[arg(long)]
        plan_only: bool,
        /// A Panoptes data directory to query.
        #[arg(long)]
        data: Option<PathBuf>,
        /// Per-query time limit in seconds.
        #[arg(long, default_value_t = 30)]
        timeout: u64,
    },
    /// Check a file of KQL and print diagnostics.
    Check {
        /// The file.
        file: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Explain {
    Plan,
    Analyze,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
    Csv,
}

pub(crate) fn run(args: KqlArgs) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread().thread_stack_size(64 << 20).enable_all().build()?;
    match args.command {
        KqlCommand::Run { data, format, now, explain, query } => {
            let catalog = catalog(data.as_deref())?;
            let engine = Engine::default();
            let now_ns = match now {
                Some(text) => Some(
                    chrono::DateTime::parse_from_rfc3339(&text)
                        .ok()
                        .and_then(|t| t.timestamp_nanos_opt())
                        .with_context(|| {
                            format!("--now {text}: expected an ISO-8601 instant such as 2020-10-19T00:00:00Z")
                        })?,
                ),
                None => None,
            };
            if let Some(explain) = explain {
                let now_ns = now_ns.unwrap_or_else(|| chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0));
                let analyze = explain == Explain::Analyze;
                return match runtime.block_on(engine.explain(&query, catalog.as_ref(), now_ns, analyze)) {
                    Ok(text) => {
                        println!("{text}");
                        Ok(ExitCode::SUCCESS)
                    }
                    Err(error) => {
                        eprint!("{}", describe(&error, &query));
                        Ok(ExitCode::FAILURE)
                    }
                };
            }
            let options = ExecuteOptions { now_ns, ..ExecuteOptions::default() };
            match runtime.block_on(engine.execute(&query, catalog.as_ref(), &options)) {
                Ok(table) => {
                    print_table(&table, format)?;
                    Ok(ExitCode::SUCCESS)
                }
                Err(error) => {
                    eprint!("{}", describe(&error, &query));
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        KqlCommand::Batch { input, plan_only, data, timeout } => {
            let catalog = catalog(data.as_deref())?;
            runtime.block_on(batch(&input, plan_only, catalog, Duration::from_secs(timeout)))?;
            Ok(ExitCode::SUCCESS)
        }
        KqlCommand::Check { file } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            match Engine::default().plan(&text, &SchemaCatalog, 0) {
                Ok(_) => {
                    println!("{}: ok", file.display());
                    Ok(ExitCode::SUCCESS)
                }
                Err(error) => {
                    eprint!("{}", describe(&error, &text));
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
}

/// The event store in `data` with every tenant in scope (the operator holds the directory),
/// or empty Defender tables.
fn catalog(data: Option<&std::path::Path>) -> anyhow::Result<Arc<dyn TableCatalog>> {
    let Some(dir) = data else {
        return Ok(Arc::new(MemoryCatalog::default()));
    };
    anyhow::ensure!(
        dir.is_dir(),
        "data directory {} does not exist; create it with `panoptes ingest --data {}`",
        dir.display(),
        dir.display()
    );
    let (store, _) = EventStore::open(dir, Default::default()).with_context(|| format!("opening {}", dir.display()))?;
    let scope = TenantScope::local_operator(store.tenants());
    Ok(Arc::new(StoreCatalog::new(Arc::new(store), scope)))
}

/// An error with its caret excerpt when it has a position.
fn describe(error: &QueryError, query: &str) -> String {
    match error.diagnostic() {
        Some(d) => d.render(query),
        None => format!("error[{}]: {error}\n", error.code()),
    }
}

async fn batch(
    input: &std::path::Path,
    plan_only: bool,
    catalog: Arc<dyn TableCatalog>,
    timeout: Duration,
) -> anyhow::Result<()> {
    let file = std::fs::File::open(input).with_context(|| format!("opening {}", input.display()))?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let limits = QueryLimits { timeout, ..QueryLimits::default() };
    let engine = Engine::new(limits);
    // Kusto's `now()` for batch answers: one instant for the whole run.
    let options = ExecuteOptions::default();
    for (line_number, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("reading line {}", line_number + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let record: Json = match serde_json::from_str(&line) {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(line = line_number + 1, error = %e, "skipping a malformed input line");
                continue;
            }
        };
        let id = record["id"].as_str().unwrap_or_default().to_string();
        let query = record["query"].as_str().unwrap_or_default().to_string();
        let answer = answer_one(&engine, &id, &query, plan_only, catalog.clone(), &options).await;
        serde_json::to_writer(&mut out, &answer)?;
        out.write_all(b"\n")?;
        out.flush()?;
    }
    out.flush()?;
    Ok(())
}

async fn answer_one(
    engine: &Engine,
    id: &str,
    query: &str,
    plan_only: bool,
    catalog: Arc<dyn TableCatalog>,
    options: &ExecuteOptions,
) -> Json {
    let engine = engine.clone();
    let query_text = query.to_string();
    let options = options.clone();
    // Each query runs in its own task so a panic in one answers as an error, not a crash.
    let task = tokio::spawn(async move {
        if plan_only {
            let planned = engine.plan(&query_text, &SchemaCatalog, 0)?;
            let columns = planned
                .plan
                .schema()
                .fields()
                .iter()
                .map(|f| json!({"name": f.name(), "type": panoptes_query::types::kql_type(f.data_type()).name()}))
                .collect::<Vec<_>>();
            return Ok::<_, QueryError>((columns, Vec::new()));
        }
        let table = engine.execute(&query_text, catalog.as_ref(), &options).await?;
        Ok((columns_json(&table), render::rows(&table)))
    });
    match task.await {
        Ok(Ok((columns, rows))) => {
            json!({"id": id, "ok": true, "stage": null, "error": null, "columns": columns, "rows": rows})
        }
        Ok(Err(error)) => {
            json!({"id": id, "ok": false, "stage": error.stage(), "error": error.to_string(), "columns": [], "rows": []})
        }
        Err(join) => {
            json!({"id": id, "ok": false, "stage": "execute", "error": format!("internal error: {join}"), "columns": [], "rows": []})
        }
    }
}

fn columns_json(table: &ResultTable) -> Vec<Json> {
    table.columns.iter().map(|(n, t)| json!({"name": n, "type": t.name()})).collect()
}

fn print_table(table: &ResultTable, format: Format) -> anyhow::Result<()> {
    let rows = render::rows(table);
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => {
            let objects: Vec<Json> = rows
                .iter()
                .map(|r| Json::Object(table.columns.iter().map(|(n, _)| n.clone()).zip(r.iter().cloned()).collect()))
                .collect();
            serde_json::to_writer_pretty(&mut out, &objects)?;
            writeln!(out)?;
        }
        Format::Csv => {
            writeln!(out, "{}", table.columns.iter().map(|(n, _)| csv_field(n)).collect::<Vec<_>>().join(","))?;
            for row in &rows {
                writeln!(out, "{}", row.iter().map(|v| csv_field(&render::text(v))).collect::<Vec<_>>().join(","))?;
            }
        }
        Format::Table => {
            let header: Vec<String> = table.columns.iter().map(|(n, _)| n.clone()).collect();
            let cells: Vec<Vec<String>> = rows.iter().map(|r| r.iter().map(render::text).collect()).collect();
            let widths: Vec<usize> = (0..header.len())
                .map(|i| cells.iter().map(|r| r[i].chars().count()).chain([header[i].len()]).max().unwrap_or(0).min(60))
                .collect();
            let line = |values: &[String]| {
                values
                    .iter()
                    .zip(&widths)
                    .map(|(v, w)| {
                        let v: String = v.chars().take(*w).collect();
                        format!("{v:<w$}")
                    })
                    .collect::<Vec<_>>()
                    .join(" | ")
            };
            writeln!(out, "{}", line(&header))?;
            writeln!(out, "{}", widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join("-+-"))?;
            for row in &cells {
                writeln!(out, "{}", line(row))?;
            }
            writeln!(out, "({} rows{})", rows.len(), if table.truncated { ", truncated" } else { "" })?;
        }
    }
    Ok(())
}

fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n']) { format!("\"{}\"", value.replace('"', "\"\"")) } else { value.to_string() }
}
