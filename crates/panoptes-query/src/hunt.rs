//! Multi-tenant hunting (DESIGN 1.2). Per-tenant mode runs the query once per tenant and
//! concatenates, adding `TenantId`/`TenantName`; one tenant's failure is reported beside the
//! rows, never hiding the others. Combined mode runs one plan over the union of the tenants'
//! tables, so joins and aggregates span tenants. Callers pass catalogs already scoped to one
//! tenant each; the event store builds them only from an authorized scope.

use std::sync::Arc;
use std::time::Instant;

use datafusion::arrow::array::{ArrayRef, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::datasource::{TableProvider, ViewTable, provider_as_source};
use datafusion::logical_expr::LogicalPlanBuilder;
use panoptes_domain::{KqlType, TenantId};
use serde::Serialize;
use tokio::sync::mpsc;

use crate::engine::{Engine, ExecuteOptions, ResultTable, TableCatalog};

/// One tenant's data for a hunt.
#[derive(Clone)]
pub struct TenantSource {
    /// The tenant.
    pub tenant_id: TenantId,
    /// Its display name.
    pub tenant_name: String,
    /// Its tables, holding only its rows.
    pub catalog: Arc<dyn TableCatalog>,
}

/// How one tenant's part of a hunt went.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantStatus {
    /// The tenant.
    pub tenant_id: String,
    /// Its name.
    pub tenant_name: String,
    /// `ok`, `partial`, `timeout` or `error`.
    pub status: String,
    /// A stable code when not ok.
    pub error_code: Option<String>,
    /// What went wrong.
    pub message: Option<String>,
    /// Time spent.
    pub latency_ms: u64,
    /// Rows contributed.
    pub row_count: usize,
    /// Cut by the row cap.
    pub truncated: bool,
}

/// A multi-tenant hunt result.
#[derive(Debug, Clone)]
pub struct HuntResult {
    /// The combined rows (absent when every tenant failed).
    pub table: Option<ResultTable>,
    /// Per-tenant outcome.
    pub tenant_status: Vec<TenantStatus>,
}

/// One tenant's part of a hunt, as soon as it is known: its status and, when it answered, its
/// rows (`TenantId` and `TenantName` first in per-tenant mode).
pub struct TenantOutcome {
    /// How it went.
    pub status: TenantStatus,
    /// Its rows.
    pub table: Option<ResultTable>,
}

/// Runs `query` once per tenant, in order, and sends each tenant's outcome the moment it has
/// it, so the first rows reach the caller while later tenants still run. Stops early when the
/// receiver is gone (the caller cancelled).
pub async fn hunt_each_tenant(
    engine: &Engine,
    query: &str,
    tenants: &[TenantSource],
    options: &ExecuteOptions,
    sink: &mpsc::Sender<TenantOutcome>,
) {
    let share = (engine.limits().max_rows / tenants.len().max(1)).max(1);
    let mut limits = engine.limits().clone();
    limits.max_rows = share;
    let per_tenant = Engine::new(limits);
    for source in tenants {
        let started = Instant::now();
        let result = per_tenant.execute(query, source.catalog.as_ref(), options).await;
        let latency_ms = started.elapsed().as_millis() as u64;
        let outcome = match result {
            Ok(table) => TenantOutcome {
                status: TenantStatus {
                    tenant_id: source.tenant_id.to_string(),
                    tenant_name: source.tenant_name.clone(),
                    status: if table.truncated { "partial" } else { "ok" }.into(),
                    error_code: None,
                    message: table.truncated.then(|| format!("truncated at {share} rows")),
                    latency_ms,
                    row_count: table.row_count(),
                    truncated: table.truncated,
                },
                table: Some(with_tenant_columns(table, source)),
            },
            Err(error) => TenantOutcome {
                status: TenantStatus {
                    tenant_id: source.tenant_id.to_string(),
                    tenant_name: source.tenant_name.clone(),
                    status: if error.code() == "QueryTimeout" { "timeout" } else { "error" }.into(),
                    error_code: Some(error.code().into()),
                    message: Some(error.to_string()),
                    latency_ms,
                    row_count: 0,
                    truncated: false,
                },
                table: None,
            },
        };
        if sink.send(outcome).await.is_err() {
            return;
        }
    }
}

/// Folds tenants' outcomes into one answer: the first tenant that answered fixes the columns;
/// a tenant whose columns differ is reported as an error beside the rows, never dropped silently.
#[derive(Default)]
pub struct OutcomeFold {
    columns: Option<Vec<(String, KqlType)>>,
    /// Every tenant's status so far, in arrival order.
    pub statuses: Vec<TenantStatus>,
}

impl OutcomeFold {
    /// Takes one outcome; returns its rows when they fit the answer's columns.
    pub fn accept(&mut self, outcome: TenantOutcome) -> Option<ResultTable> {
        let TenantOutcome { mut status, table } = outcome;
        let table = table?;
        let fits = match &self.columns {
            None => {
                self.columns = Some(table.columns.clone());
                true
            }
            Some(columns) => *columns == table.columns,
        };
        if !fits {
            status.status = "error".into();
            status.error_code = Some("ColumnsDiffer".into());
            status.message = Some("its result columns differ from the other tenants'; hunt in it alone".into());
            status.row_count = 0;
        }
        self.statuses.push(status);
        fits.then_some(table)
    }
}

/// Runs `query` once per tenant and concatenates, `TenantId` and `TenantName` first.
pub async fn hunt_per_tenant(
    engine: &Engine,
    query: &str,
    tenants: &[TenantSource],
    options: &ExecuteOptions,
) -> HuntResult {
    let (sink, mut outcomes) = mpsc::channel(4);
    let produce = async move { hunt_each_tenant(engine, query, tenants, options, &sink).await };
    let collect = async {
        let mut fold = OutcomeFold::default();
        let mut combined: Option<ResultTable> = None;
        while let Some(outcome) = outcomes.recv().await {
            if let Some(table) = fold.accept(outcome) {
                combined = Some(match combined {
                    None => table,
                    Some(mut acc) => {
                        acc.batches.extend(table.batches);
                        acc.truncated |= table.truncated;
                        acc.rows_scanned += table.rows_scanned;
                        acc
                    }
                });
            }
        }
        HuntResult { table: combined, tenant_status: fold.statuses }
    };
    let ((), result) = tokio::join!(produce, collect);
    result
}

/// Prepends `TenantId` and `TenantName` unless the output already has them.
fn with_tenant_columns(table: ResultTable, source: &TenantSource) -> ResultTable {
    let has_id = table.columns.iter().any(|(n, _)| n == "TenantId");
    let has_name = table.columns.iter().any(|(n, _)| n == "TenantName");
    let mut columns = Vec::new();
    if !has_id {
        columns.push(("TenantId".to_string(), KqlType::String));
    }
    if !has_name {
        columns.push(("TenantName".to_string(), KqlType::String));
    }
    columns.extend(table.columns.iter().cloned());
    let batches = table
        .batches
        .iter()
        .filter_map(|batch| {
            let rows = batch.num_rows();
            let mut arrays: Vec<ArrayRef> = Vec::new();
            let mut fields: Vec<Field> = Vec::new();
            if !has_id {
                arrays.push(Arc::new(StringArray::from(vec![source.tenant_id.as_str(); rows])));
                fields.push(Field::new("TenantId", DataType::Utf8, true));
            }
            if !has_name {
                arrays.push(Arc::new(StringArray::from(vec![source.tenant_name.as_str(); rows])));
                fields.push(Field::new("TenantName", DataType::Utf8, true));
            }
            arrays.extend(batch.columns().iter().cloned());
            fields.extend(batch.schema().fields().iter().map(|f| f.as_ref().clone()));
            RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).ok()
        })
        .collect();
    ResultTable { columns, batches, truncated: table.truncated, render: table.render, rows_scanned: table.rows_scanned }
}

/// A catalog whose tables are the union of several tenants' tables.
pub struct CombinedCatalog {
    tenants: Vec<TenantSource>,
}

impl CombinedCatalog {
    /// Combines tenants (the caller has checked cross-tenant consent for each).
    pub fn new(tenants: Vec<TenantSource>) -> Self {
        Self { tenants }
    }
}

impl TableCatalog for CombinedCatalog {
    fn table(&self, name: &str) -> Option<Arc<dyn TableProvider>> {
        let mut builder: Option<LogicalPlanBuilder> = None;
        for source in &self.tenants {
            let provider = source.catalog.table(name)?;
            let scan = LogicalPlanBuilder::scan(name, provider_as_source(provider), None).ok()?.build().ok()?;
            builder = Some(match builder {
                None => LogicalPlanBuilder::from(scan),
                Some(b) => b.union(scan).ok()?,
            });
        }
        let plan = builder?.build().ok()?;
        Some(Arc::new(ViewTable::new(plan, None)))
    }

    fn table_names(&self) -> Vec<String> {
        self.tenants.first().map(|t| t.catalog.table_names()).unwrap_or_default()
    }
}

/// Runs `query` once over the union of the tenants' data.
pub async fn hunt_combined(
    engine: &Engine,
    query: &str,
    tenants: &[TenantSource],
    options: &ExecuteOptions,
) -> HuntResult {
    let catalog = CombinedCatalog::new(tenants.to_vec());
    let started = Instant::now();
    let result = engine.execute(query, &catalog, options).await;
    let latency_ms = started.elapsed().as_millis() as u64;
    let status_of = |source: &TenantSource, status: &str, code: Option<String>, message: Option<String>| TenantStatus {
        tenant_id: source.tenant_id.to_string(),
        tenant_name: source.tenant_name.clone(),
        status: status.into(),
        error_code: code,
        message,
        latency_ms,
        row_count: 0,
        truncated: false,
    };
    match result {
        Ok(table) => {
            let status = if table.truncated { "partial" } else { "ok" };
            let statuses = tenants.iter().map(|t| status_of(t, status, None, None)).collect();
            HuntResult { table: Some(table), tenant_status: statuses }
        }
        Err(error) => {
            let statuses = tenants
                .iter()
                .map(|t| status_of(t, "error", Some(error.code().into()), Some(error.to_string())))
                .collect();
            HuntResult { table: None, tenant_status: statuses }
        }
    }
}
