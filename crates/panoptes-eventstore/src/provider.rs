//! Tables as DataFusion sees them, built only from a [`TenantScope`]: the scope's committed
//! Parquet files of the table (pruned by the manifest's time ranges for the query's time
//! filters, then by Parquet statistics and bloom filters) plus its rows still in memory.

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::Session;
use datafusion::common::ScalarValue;
use datafusion::common::stats::{Precision, Statistics};
use datafusion::datasource::file_format::FileFormat;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::{FileGroup, FileScanConfigBuilder, ParquetSource};
use datafusion::datasource::{MemTable, TableProvider, TableType};
use datafusion::error::Result as DfResult;
use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::logical_expr::{BinaryExpr, Expr, Operator, TableProviderFilterPushDown};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::union::UnionExec;
use panoptes_domain::TenantScope;

use crate::error::Result;
use crate::manifest::DataFile;
use crate::schema::time_column;
use crate::store::{EventStore, table_schema};

impl EventStore {
    /// The rows of `table` that belong to the scope's tenants, as of now.
    pub fn table(&self, scope: &TenantScope, table: &str) -> Result<Arc<dyn TableProvider>> {
        let schema = table_schema(table)?;
        let state = self.read_state();
        let files =
            state.manifest.files.iter().filter(|f| f.table == table && scope.contains(&f.tenant)).cloned().collect();
        let buffered = state
            .buffer
            .iter()
            .filter(|b| b.table == table && scope.contains(&b.tenant))
            .map(|b| b.batch.clone())
            .collect();
        Ok(Arc::new(ScopedTable { root: self.root().to_path_buf(), schema, files, buffered }))
    }
}

/// One table's rows for one scope: a snapshot of files and buffered batches.
#[derive(Debug)]
struct ScopedTable {
    root: std::path::PathBuf,
    schema: SchemaRef,
    files: Vec<DataFile>,
    buffered: Vec<RecordBatch>,
}

#[async_trait]
impl TableProvider for ScopedTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    fn supports_filters_pushdown(&self, filters: &[&Expr]) -> DfResult<Vec<TableProviderFilterPushDown>> {
        // Filters prune files and row groups; DataFusion still applies them to the rows.
        Ok(vec![TableProviderFilterPushDown::Inexact; filters.len()])
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let (from, to) = time_bounds(&self.schema, filters);
        let files: Vec<&DataFile> = self.files.iter().filter(|f| f.max_time >= from && f.min_time <= to).collect();
        let mut parts: Vec<Arc<dyn ExecutionPlan>> = Vec::new();
        if !files.is_empty() {
            parts.push(self.scan_files(state, &files, projection, limit).await?);
        }
        if !self.buffered.is_empty() || parts.is_empty() {
            let memory = MemTable::try_new(self.schema.clone(), vec![self.buffered.clone()])?;
            parts.push(memory.scan(state, projection, filters, limit).await?);
        }
        UnionExec::try_new(parts)
    }
}

impl ScopedTable {
    /// A Parquet scan of exactly these files. The manifest already knows each file's path, size
    /// and row count, so nothing is listed or opened while planning; files are spread over the
    /// session's partitions by size. Filters reach the scan through DataFusion's physical filter
    /// pushdown (row-group statistics, page index, bloom filters).
    async fn scan_files(
        &self,
        state: &dyn Session,
        files: &[&DataFile],
        projection: Option<&Vec<usize>>,
        limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let partitions = state.config().target_partitions().max(1);
        let mut groups: Vec<(u64, Vec<PartitionedFile>)> = vec![(0, Vec::new()); partitions.min(files.len())];
        let mut by_size: Vec<&&DataFile> = files.iter().collect();
        by_size.sort_by_key(|f| std::cmp::Reverse(f.bytes));
        for file in by_size {
            let path = self.root.join(&file.path);
            let location = path.to_string_lossy().trim_start_matches('/').to_string();
            let stats = Statistics::new_unknown(&self.schema).with_num_rows(Precision::Exact(file.rows as usize));
            let part = PartitionedFile::new(location, file.bytes).with_statistics(Arc::new(stats));
            if let Some(lightest) = groups.iter_mut().min_by_key(|(bytes, _)| *bytes) {
                lightest.0 += file.bytes;
                lightest.1.push(part);
            }
        }
        let rows: u64 = files.iter().map(|f| f.rows).sum();
        let statistics = Statistics::new_unknown(&self.schema).with_num_rows(Precision::Exact(rows as usize));
        let source = Arc::new(ParquetSource::new(self.schema.clone()));
        let config = FileScanConfigBuilder::new(ObjectStoreUrl::local_filesystem(), source)
            .with_file_groups(groups.into_iter().map(|(_, files)| FileGroup::new(files)).collect())
            .with_statistics(statistics)
            .with_projection_indices(projection.cloned())?
            .with_limit(limit)
            .build();
        let format = ParquetFormat::default().with_options(state.table_options().parquet.clone());
        format.create_physical_plan(state, config).await
    }
}

/// The event-time window the filters allow, inclusive, in Unix ns (unbounded sides are
/// `i64::MIN` / `i64::MAX`). Only plain comparisons of the time column with a literal count.
fn time_bounds(schema: &SchemaRef, filters: &[Expr]) -> (i64, i64) {
    let Some(index) = time_column(schema) else {
        return (i64::MIN, i64::MAX);
    };
    let time = schema.field(index).name();
    let mut bounds = (i64::MIN, i64::MAX);
    for filter in filters {
        narrow(filter, time, &mut bounds);
    }
    bounds
}

fn narrow(filter: &Expr, time: &str, bounds: &mut (i64, i64)) {
    let Expr::BinaryExpr(BinaryExpr { left, op, right }) = filter else {
        return;
    };
    if *op == Operator::And {
        narrow(left, time, bounds);
        narrow(right, time, bounds);
        return;
    }
    let (op, value) = match (column_name(left), literal_ns(right), column_name(right), literal_ns(left)) {
        (Some(c), Some(v), _, _) if c == time => (*op, v),
        (_, _, Some(c), Some(v)) if c == time => match op.swap() {
            Some(swapped) => (swapped, v),
            None => return,
        },
        _ => return,
    };
    match op {
        Operator::Gt | Operator::GtEq => bounds.0 = bounds.0.max(value),
        Operator::Lt | Operator::LtEq => bounds.1 = bounds.1.min(value),
        Operator::Eq => {
            bounds.0 = bounds.0.max(value);
            bounds.1 = bounds.1.min(value);
        }
        _ => {}
    }
}

fn column_name(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Column(c) => Some(c.name.as_str()),
        Expr::Cast(cast) => column_name(&cast.expr),
        _ => None,
    }
}

fn literal_ns(expr: &Expr) -> Option<i64> {
    match expr {
        Expr::Literal(ScalarValue::TimestampNanosecond(Some(v), _), _) => Some(*v),
        Expr::Cast(cast) => literal_ns(&cast.expr),
        _ => None,
    }
}
