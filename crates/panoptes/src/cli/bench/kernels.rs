//! The case-insensitive string kernels against DataFusion's own string functions, on the same
//! in-memory command lines: KQL `contains`/`has`/`startswith`/`=~` should cost about what
//! case-sensitive `contains()` does, far below `ILIKE` or `contains(lower(..))`.

use std::sync::Arc;

use anyhow::Context;
use panoptes_domain::TenantScope;
use panoptes_eventstore::EventStore;
use panoptes_eventstore::arrow::array::{RecordBatch, StringArray};
use panoptes_eventstore::arrow::datatypes::{DataType, Field, Schema};
use panoptes_eventstore::arrow::util::display::array_value_to_string;
use panoptes_query::baseline::SqlBaseline;
use panoptes_query::{Engine, ExecuteOptions, MemoryCatalog, StoreCatalog};
use serde_json::json;

use super::measure::time_runs;

pub(crate) struct KernelReport {
    pub text: String,
    pub json: serde_json::Value,
}

/// Rows per in-memory batch.
const BATCH: usize = 8192;

pub(crate) fn measure(
    runtime: &tokio::runtime::Runtime,
    store: &Arc<EventStore>,
    rows: usize,
    runs: usize,
) -> anyhow::Result<KernelReport> {
    let catalog = StoreCatalog::new(store.clone(), TenantScope::local_operator(store.tenants()));
    let sample = runtime
        .block_on(Engine::default().execute(
            "DeviceProcessEvents | take 100000 | project ProcessCommandLine",
            &catalog,
            &ExecuteOptions::default(),
        ))
        .context("sampling command lines")?;
    let mut lines = Vec::new();
    for batch in &sample.batches {
        for row in 0..batch.num_rows() {
            lines.push(array_value_to_string(batch.column(0), row)?);
        }
    }
    anyhow::ensure!(!lines.is_empty(), "no command lines to measure the string kernels on");
    let schema = Arc::new(Schema::new(vec![Field::new("CommandLine", DataType::Utf8, true)]));
    let mut batches = Vec::new();
    let mut next = 0;
    while next < rows {
        let n = BATCH.min(rows - next);
        let values: Vec<&str> = (next..next + n).map(|i| lines[i % lines.len()].as_str()).collect();
        batches.push(RecordBatch::try_new(schema.clone(), vec![Arc::new(StringArray::from(values))])?);
        next += n;
    }
    let mut memory = MemoryCatalog::default();
    memory.insert("Cmd", schema, batches.clone());
    let engine = Engine::default();
    let sql = SqlBaseline::in_memory("Cmd", batches, engine.limits().memory_bytes)?;
    let run_sql = |text: &'static str| -> anyhow::Result<f64> {
        Ok(time_runs(runs, || runtime.block_on(sql.run(text)).map_err(anyhow::Error::from))?.0)
    };
    let run_kql = |text: &'static str| -> anyhow::Result<f64> {
        let options = ExecuteOptions::default();
        Ok(time_runs(runs, || runtime.block_on(engine.execute(text, &memory, &options)).map_err(anyhow::Error::from))?
            .0)
    };
    let baseline = run_sql("SELECT count(*) FROM Cmd WHERE contains(CommandLine, 'powershell')")?;
    let ilike = run_sql("SELECT count(*) FROM Cmd WHERE CommandLine ILIKE '%powershell%'")?;
    let lower = run_sql("SELECT count(*) FROM Cmd WHERE contains(lower(CommandLine), 'powershell')")?;
    let kql = [
        ("contains", run_kql(r#"Cmd | where CommandLine contains "powershell" | count"#)?),
        ("has", run_kql(r#"Cmd | where CommandLine has "powershell" | count"#)?),
        ("startswith", run_kql(r#"Cmd | where CommandLine startswith "\"c:\\program" | count"#)?),
        ("=~", run_kql(r#"Cmd | where CommandLine =~ "ipconfig  /all" | count"#)?),
        ("contains_cs", run_kql(r#"Cmd | where CommandLine contains_cs "powershell" | count"#)?),
    ];
    let mut text = format!(
        "string kernels on {rows} in-memory command lines (median ms; ratio to DataFusion's case-sensitive contains()):\n  \
         DataFusion contains() {baseline:.1}  ILIKE {ilike:.1} ({:.2}x)  contains(lower()) {lower:.1} ({:.2}x)\n ",
        ilike / baseline,
        lower / baseline
    );
    let mut entries = Vec::new();
    for (name, ms) in kql {
        text.push_str(&format!(" KQL {name} {ms:.1} ({:.2}x)", ms / baseline));
        entries.push(json!({ "operator": name, "ms": ms, "ratio_to_contains": ms / baseline }));
    }
    text.push_str("\n  target: KQL case-insensitive operators within 1.5x of case-sensitive contains()");
    let json = json!({ "rows": rows, "datafusion_contains_ms": baseline, "ilike_ms": ilike, "contains_lower_ms": lower, "kql": entries });
    Ok(KernelReport { text, json })
}
