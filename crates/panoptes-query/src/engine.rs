//! Runs KQL: parse → plan → execute on DataFusion with limits (timeout, row cap, memory pool,
//! cancellation), and turns results into typed tables.

use std::sync::Arc;
use std::time::Duration;

use datafusion::arrow::record_batch::RecordBatch;
use datafusion::datasource::{MemTable, TableProvider};
use datafusion::execution::cache::cache_manager::{CacheManager, CacheManagerConfig};
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::{SessionConfig, SessionContext};
use futures::StreamExt;
use panoptes_domain::KqlType;
use tokio_util_cancel::CancelFlag;

use crate::error::{QueryError, Result};
use crate::plan::{PlannedQuery, Planner, RenderHint};

/// Where the planner finds tables. Implementations decide which tenant's rows a table holds;
/// the event store builds them only from an authorized tenant scope.
pub trait TableCatalog: Send + Sync {
    /// The table called `name`, if it exists.
    fn table(&self, name: &str) -> Option<Arc<dyn TableProvider>>;
    /// Every table name, for wildcards and "did you mean" hints.
    fn table_names(&self) -> Vec<String>;
    /// False for schema-only catalogs: data-driven plugins then leave their columns open
    /// instead of querying for them.
    fn has_data(&self) -> bool {
        true
    }
}

/// The Defender hunting schema with empty tables: for planning and checking queries.
#[derive(Debug, Default, Clone, Copy)]
pub struct SchemaCatalog;

impl TableCatalog for SchemaCatalog {
    fn table(&self, name: &str) -> Option<Arc<dyn TableProvider>> {
        let schema = crate::catalog::defender_tables().get(name)?.arrow_schema();
        MemTable::try_new(schema, vec![vec![]]).ok().map(|t| Arc::new(t) as Arc<dyn TableProvider>)
    }

    fn table_names(&self) -> Vec<String> {
        crate::catalog::defender_tables().keys().cloned().collect()
    }

    fn has_data(&self) -> bool {
        false
    }
}

/// Per-query limits (SPEC §5.4 defaults).
#[derive(Debug, Clone)]
pub struct QueryLimits {
    /// Wall-clock limit.
    pub timeout: Duration,
    /// Rows returned at most; more are truncated and flagged.
    pub max_rows: usize,
    /// Memory pool per query, in bytes.
    pub memory_bytes: usize,
}

impl Default for QueryLimits {
    fn default() -> Self {
        Self { timeout: Duration::from_secs(600), max_rows: 100_000, memory_bytes: 4 << 30 }
    }
}

/// A query's result: typed columns and Arrow batches.
#[derive(Debug, Clone)]
pub struct ResultTable {
    /// Column names and KQL types.
    pub columns: Vec<(String, KqlType)>,
    /// The rows.
    pub batches: Vec<RecordBatch>,
    /// True when the row cap cut the result.
    pub truncated: bool,
    /// The `render` hint, if any.
    pub render: Option<RenderHint>,
    /// Rows the plan's sources produced (after partition and row-group pruning).
    pub rows_scanned: usize,
}

impl ResultTable {
    /// Number of rows.
    pub fn row_count(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }
}

/// Options for one execution.
#[derive(Debug, Clone, Default)]
pub struct ExecuteOptions {
    /// `now()` for the query, Unix nanoseconds; the current time when `None`.
    pub now_ns: Option<i64>,
    /// Cancels the query when set.
    pub cancel: CancelFlag,
}

/// The KQL engine: one DataFusion session configuration shared by all queries.
#[derive(Debug, Clone)]
pub struct Engine {
    limits: QueryLimits,
    caches: SharedCaches,
}

/// Parquet footers and file statistics cached across queries (files are immutable: new data
/// and compaction always write new file names), so a hunt does not re-read every footer.
#[derive(Clone)]
struct SharedCaches(CacheManagerConfig);

impl SharedCaches {
    fn new() -> SharedCaches {
        let base = CacheManager::try_new(&CacheManagerConfig::default()).ok();
        let config = match base {
            Some(base) => CacheManagerConfig::default()
                .with_file_metadata_cache(Some(base.get_file_metadata_cache()))
                .with_file_statistics_cache(base.get_file_statistic_cache()),
            None => CacheManagerConfig::default(),
        };
        SharedCaches(config)
    }

    /// A per-query runtime (its own memory limit) over the shared caches.
    fn runtime(&self, memory_bytes: usize) -> Result<Arc<RuntimeEnv>> {
        RuntimeEnvBuilder::new()
            .with_memory_limit(memory_bytes, 1.0)
            .with_cache_manager(self.0.clone())
            .build_arc()
            .map_err(|e| QueryError::Execute(e.to_string()))
    }
}

impl std::fmt::Debug for SharedCaches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedCaches")
    }
}

impl Engine {
    /// An engine with these limits.
    pub fn new(limits: QueryLimits) -> Self {
        Self { limits, caches: SharedCaches::new() }
    }

    /// The limits in force.
    pub fn limits(&self) -> &QueryLimits {
        &self.limits
    }

    /// Parses and plans without running.
    pub fn plan(&self, query: &str, catalog: &dyn TableCatalog, now_ns: i64) -> Result<PlannedQuery> {
        let ast = panoptes_kql::parse(query).map_err(QueryError::Parse)?;
        let probe = KeyProbe { memory_bytes: self.limits.memory_bytes, timeout: self.limits.timeout };
        let planner = Planner::new(catalog, now_ns);
        let planner = if catalog.has_data() { planner.with_probe(&probe) } else { planner };
        planner.plan_query(&ast).map_err(QueryError::Plan)
    }

    /// Parses, plans and runs a query.
    pub async fn execute(
        &self,
        query: &str,
        catalog: &dyn TableCatalog,
        options: &ExecuteOptions,
    ) -> Result<ResultTable> {
        let now_ns = options.now_ns.unwrap_or_else(current_time_ns);
        let planned = self.plan(query, catalog, now_ns)?;
        self.run(planned, options).await
    }

    /// The optimized logical and physical plans of a query; with `analyze`, runs it and adds
    /// each operator's rows and time (DataFusion's EXPLAIN ANALYZE).
    pub async fn explain(&self, query: &str, catalog: &dyn TableCatalog, now_ns: i64, analyze: bool) -> Result<String> {
        let planned = self.plan(query, catalog, now_ns)?;
        let runtime = self.caches.runtime(self.limits.memory_bytes)?;
        let ctx = session_context(session_config_for(&planned.plan), runtime);
        let frame = ctx.execute_logical_plan(planned.plan).await.map_err(execution_error)?;
        let batches =
            frame.explain(false, analyze).map_err(execution_error)?.collect().await.map_err(execution_error)?;
        let text = datafusion::arrow::util::pretty::pretty_format_batches(&batches)
            .map_err(|e| QueryError::Execute(e.to_string()))?;
        Ok(text.to_string())
    }

    /// Runs a planned query.
    pub async fn run(&self, planned: PlannedQuery, options: &ExecuteOptions) -> Result<ResultTable> {
        let runtime = self.caches.runtime(self.limits.memory_bytes)?;
        let ctx = session_context(session_config_for(&planned.plan), runtime);
        let columns = planned.columns();
        let max_rows = self.limits.max_rows;
        let work = async {
            let frame = ctx.execute_logical_plan(planned.plan).await.map_err(execution_error)?;
            let physical = frame.create_physical_plan().await.map_err(execution_error)?;
            let mut stream =
                datafusion::physical_plan::execute_stream(physical.clone(), ctx.task_ctx()).map_err(execution_error)?;
            let mut batches = Vec::new();
            let mut rows = 0usize;
            let mut truncated = false;
            while let Some(batch) = stream.next().await {
                if options.cancel.is_cancelled() {
                    return Err(QueryError::Cancelled);
                }
                let batch = batch.map_err(execution_error)?;
                if rows + batch.num_rows() > max_rows {
                    batches.push(batch.slice(0, max_rows - rows));
                    truncated = true;
                    break;
                }
                rows += batch.num_rows();
                batches.push(batch);
            }
            Ok((batches, truncated, rows_scanned(physical.as_ref())))
        };
        let (batches, truncated, rows_scanned) = tokio::time::timeout(self.limits.timeout, work)
            .await
            .map_err(|_| QueryError::Timeout(self.limits.timeout))??;
        Ok(ResultTable { columns, batches, truncated, render: planned.render, rows_scanned })
    }
}

/// Rows the leaves of an executed plan (its table scans) produced. In-memory sources (the event
/// store's buffered rows) keep no metrics: all their rows count as scanned.
fn rows_scanned(plan: &dyn datafusion::physical_plan::ExecutionPlan) -> usize {
    use datafusion::datasource::memory::MemorySourceConfig;
    use datafusion::datasource::source::DataSourceExec;
    let children = plan.children();
    if !children.is_empty() {
        return children.into_iter().map(|child| rows_scanned(child.as_ref())).sum();
    }
    if let Some(rows) = plan.metrics().and_then(|m| m.output_rows()) {
        return rows;
    }
    plan.downcast_ref::<DataSourceExec>()
        .and_then(|exec| exec.data_source().downcast_ref::<MemorySourceConfig>())
        .map_or(0, |memory| memory.partitions().iter().flatten().map(|batch| batch.num_rows()).sum())
}

/// The session settings every query runs with (the SQL baseline uses them too, so benchmark
/// comparisons are like for like): one partition per core.
pub(crate) fn session_config() -> SessionConfig {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut config = SessionConfig::new().with_target_partitions(cores).with_batch_size(8192);
    // A rewrite that fails leaves the plan as it was: DataFusion's common-subexpression rule
    // fails on window nodes whose functions share an argument expression (two restarting
    // `row_cumsum`/`row_rank_*` over one flag), and a valid query must not fail for it.
    config.options_mut().optimizer.skip_failed_rules = true;
    config
}

/// A session with the given settings. DataFusion's physical rules run as they are, except
/// `aggregate_statistics`, a shortcut only: where it fails (statistics of a `make_list` over an
/// earlier aggregate's one row) the plan runs without it instead of failing the query.
pub(crate) fn session_context(config: SessionConfig, runtime: Arc<RuntimeEnv>) -> SessionContext {
    use datafusion::physical_optimizer::PhysicalOptimizerRule;
    use datafusion::physical_optimizer::optimizer::PhysicalOptimizer;
    let rules = PhysicalOptimizer::new()
        .rules
        .into_iter()
        .map(|rule| match rule.name() {
            "aggregate_statistics" => Arc::new(Optional(rule)) as Arc<dyn PhysicalOptimizerRule + Send + Sync>,
            _ => rule,
        })
        .collect();
    let state = datafusion::execution::SessionStateBuilder::new()
        .with_config(config)
        .with_runtime_env(runtime)
        .with_default_features()
        .with_physical_optimizer_rules(rules)
        .build();
    SessionContext::new_with_state(state)
}

/// A physical rule whose failure leaves the plan as it was.
#[derive(Debug)]
struct Optional(Arc<dyn datafusion::physical_optimizer::PhysicalOptimizerRule + Send + Sync>);

impl datafusion::physical_optimizer::PhysicalOptimizerRule for Optional {
    fn optimize(
        &self,
        plan: Arc<dyn datafusion::physical_plan::ExecutionPlan>,
        config: &datafusion::config::ConfigOptions,
    ) -> datafusion::error::Result<Arc<dyn datafusion::physical_plan::ExecutionPlan>> {
        let optimized = self.0.optimize(Arc::clone(&plan), config);
        Ok(optimized.unwrap_or_else(|e| self.skipped(e, plan)))
    }

    fn optimize_with_context(
        &self,
        plan: Arc<dyn datafusion::physical_plan::ExecutionPlan>,
        context: &dyn datafusion::physical_optimizer::PhysicalOptimizerContext,
    ) -> datafusion::error::Result<Arc<dyn datafusion::physical_plan::ExecutionPlan>> {
        let optimized = self.0.optimize_with_context(Arc::clone(&plan), context);
        Ok(optimized.unwrap_or_else(|e| self.skipped(e, plan)))
    }

    fn name(&self) -> &str {
        self.0.name()
    }

    fn schema_check(&self) -> bool {
        self.0.schema_check()
    }
}

impl Optional {
    fn skipped(
        &self,
        error: datafusion::error::DataFusionError,
        plan: Arc<dyn datafusion::physical_plan::ExecutionPlan>,
    ) -> Arc<dyn datafusion::physical_plan::ExecutionPlan> {
        tracing::debug!(rule = self.0.name(), %error, "physical optimizer rule skipped");
        plan
    }
}

/// In-memory rows (datatables, loaded tables) up to which a query runs on one partition.
const SMALL_INPUT_ROWS: usize = 1 << 20;

/// The settings for one plan. A plan that reads only small in-memory tables runs on one
/// partition: its answer is then the same on every run (groups, distinct values and join rows
/// in the order their input first gives them, as Kusto gives them on small inputs), and
/// splitting a few rows across cores costs more than it saves.
fn session_config_for(plan: &LogicalPlan) -> SessionConfig {
    let config = session_config();
    if in_memory_rows(plan).is_some_and(|rows| rows <= SMALL_INPUT_ROWS) {
        config.with_target_partitions(1)
    } else {
        config
    }
}

/// Rows of the plan's table scans when all of them are in-memory tables; `None` when any
/// scan reads something else (the event store's files).
fn in_memory_rows(plan: &LogicalPlan) -> Option<usize> {
    use datafusion::common::tree_node::TreeNodeRecursion;
    use datafusion::datasource::source_as_provider;
    let mut rows = Some(0usize);
    let _ = plan.apply_with_subqueries(|node| {
        if let LogicalPlan::TableScan(scan) = node {
            let table_rows = source_as_provider(&scan.source)
                .ok()
                .and_then(|provider| provider.downcast_ref::<MemTable>().and_then(mem_table_rows));
            rows = rows.zip(table_rows).map(|(sum, n)| sum + n);
            if rows.is_none() {
                return Ok(TreeNodeRecursion::Stop);
            }
        }
        Ok(TreeNodeRecursion::Continue)
    });
    rows
}

fn mem_table_rows(table: &MemTable) -> Option<usize> {
    let mut rows = 0;
    for partition in &table.batches {
        rows += partition.try_read().ok()?.iter().map(RecordBatch::num_rows).sum::<usize>();
    }
    Some(rows)
}

impl Default for Engine {
    fn default() -> Self {
        Self::new(QueryLimits::default())
    }
}

/// Runs the key-finding queries of data-driven plugins during planning. Planning is
/// synchronous and may itself run inside an async task, so each probe gets its own thread and
/// single-threaded runtime.
struct KeyProbe {
    memory_bytes: usize,
    timeout: Duration,
}

impl crate::plan::DataProbe for KeyProbe {
    fn distinct_strings(
        &self,
        plan: datafusion::logical_expr::LogicalPlan,
        limit: usize,
    ) -> std::result::Result<Vec<String>, String> {
        let run = || -> std::result::Result<Vec<String>, String> {
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_time().build().map_err(|e| e.to_string())?;
            let env = RuntimeEnvBuilder::new()
                .with_memory_limit(self.memory_bytes, 1.0)
                .build_arc()
                .map_err(|e| e.to_string())?;
            let ctx = session_context(session_config_for(&plan), env);
            let work = async {
                let frame = ctx.execute_logical_plan(plan).await?.limit(0, Some(limit))?;
                frame.collect().await
            };
            let batches = runtime
                .block_on(async { tokio::time::timeout(self.timeout, work).await })
                .map_err(|_| format!("timed out after {:?}", self.timeout))?
                .map_err(|e| e.to_string())?;
            let mut values = Vec::new();
            for batch in &batches {
                let column =
                    datafusion::arrow::compute::cast(batch.column(0), &datafusion::arrow::datatypes::DataType::Utf8)
                        .map_err(|e| e.to_string())?;
                let Some(strings) = column.as_any().downcast_ref::<datafusion::arrow::array::StringArray>() else {
                    continue;
                };
                values.extend(strings.iter().flatten().map(str::to_string));
            }
            Ok(values)
        };
        std::thread::scope(|scope| scope.spawn(run).join().unwrap_or_else(|_| Err("the probe panicked".into())))
    }
}

fn execution_error(error: datafusion::error::DataFusionError) -> QueryError {
    let text = error.to_string();
    if text.contains("Resources exhausted") {
        return QueryError::MemoryLimit(text);
    }
    let message = text.lines().next().unwrap_or("").trim_start_matches("Execution error: ").to_string();
    QueryError::Execute(message)
}

/// The current time in Unix nanoseconds. The engine's one clock read: queries take `now` from
/// their options so rules and tests can fix it.
fn current_time_ns() -> i64 {
    chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0)
}

/// A cooperative cancellation flag, cheap to clone.
mod tokio_util_cancel {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// Set it to cancel the queries that share it.
    #[derive(Debug, Clone, Default)]
    pub struct CancelFlag(Arc<AtomicBool>);

    impl CancelFlag {
        /// Requests cancellation.
        pub fn cancel(&self) {
            self.0.store(true, Ordering::SeqCst);
        }

        /// Was cancellation requested?
        pub fn is_cancelled(&self) -> bool {
            self.0.load(Ordering::SeqCst)
        }
    }
}

pub use tokio_util_cancel::CancelFlag as Cancel;
