//! Hand-written DataFusion SQL over the same Parquet files and batches KQL runs on: the
//! baseline the hunting benchmark measures the KQL engine against, and checks it agrees with.
//! It reads every tenant's files with no `TenantScope`: a benchmark tool for the operator who
//! holds the data directory, never a way to answer an analyst's query.

use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::TableReference;
use datafusion::datasource::MemTable;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::{ParquetReadOptions, SessionContext};

use crate::engine::session_config;
use crate::error::{QueryError, Result};

/// A DataFusion SQL session over some tables.
pub struct SqlBaseline {
    ctx: SessionContext,
}

fn failed(e: impl std::fmt::Display) -> QueryError {
    QueryError::Execute(e.to_string())
}

impl SqlBaseline {
    fn session(memory_bytes: usize) -> Result<SessionContext> {
        let runtime = RuntimeEnvBuilder::new().with_memory_limit(memory_bytes, 1.0).build_arc().map_err(failed)?;
        // Identifiers keep their case, as in KQL (and DuckDB, which ignores it).
        let mut config = session_config();
        config.options_mut().sql_parser.enable_ident_normalization = false;
        Ok(crate::engine::session_context(config, runtime))
    }

    /// Each table as every Parquet file under `<root>/events/<Table>/` (all tenants, all days).
    pub async fn over_store(root: &Path, tables: &[&str], memory_bytes: usize) -> Result<SqlBaseline> {
        let ctx = Self::session(memory_bytes)?;
        for table in tables {
            let dir = root.join("events").join(table);
            let url = format!("{}/", dir.display());
            ctx.register_parquet(TableReference::bare(*table), &url, ParquetReadOptions::default())
                .await
                .map_err(failed)?;
        }
        Ok(SqlBaseline { ctx })
    }

    /// One in-memory table.
    pub fn in_memory(name: &str, batches: Vec<RecordBatch>, memory_bytes: usize) -> Result<SqlBaseline> {
        let ctx = Self::session(memory_bytes)?;
        let schema = batches.first().map(RecordBatch::schema).ok_or_else(|| failed("no batches"))?;
        let table = MemTable::try_new(schema, vec![batches]).map_err(failed)?;
        ctx.register_table(TableReference::bare(name), Arc::new(table)).map_err(failed)?;
        Ok(SqlBaseline { ctx })
    }

    /// Runs one SQL statement and collects its rows.
    pub async fn run(&self, sql: &str) -> Result<Vec<RecordBatch>> {
        let frame = self.ctx.sql(sql).await.map_err(failed)?;
        frame.collect().await.map_err(failed)
    }
}
