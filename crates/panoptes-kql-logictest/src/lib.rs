//! The golden KQL suite: `.slt` files under `test_files/` define what Panoptes KQL means. Each
//! file runs on a fresh [`KqlDb`] whose tables are loaded from `test_files/data/<Table>.jsonl`.
//! A `statement ok` record `tenant <id>` narrows the database to one tenant's rows, the way a
//! per-tenant hunt sees them, so files can check that one tenant never sees another's data.

use std::path::Path;

use panoptes_domain::TenantId;
use panoptes_query::render;
use panoptes_query::{Engine, ExecuteOptions, MemoryCatalog, QueryError};
use sqllogictest::{DBOutput, DefaultColumnType};

/// `now()` in golden files: 2024-01-15T12:00:00Z, so `ago()` is reproducible.
pub const FIXED_NOW_NS: i64 = 1_705_320_000_000_000_000;

/// The database behind one `.slt` file.
pub struct KqlDb {
    engine: Engine,
    all: MemoryCatalog,
    scoped: Option<MemoryCatalog>,
}

/// A failure of one record.
#[derive(Debug, thiserror::Error)]
pub enum LogicError {
    /// The query failed.
    #[error("{0}")]
    Query(#[from] QueryError),
    /// A fixture or directive is wrong.
    #[error("{0}")]
    Setup(String),
}

impl KqlDb {
    /// A database with every fixture table under `data_dir`.
    pub fn new(data_dir: &Path) -> Result<Self, LogicError> {
        let mut all = MemoryCatalog::default();
        if let Ok(entries) = std::fs::read_dir(data_dir) {
            for entry in entries.flatten() {
                let path = entry.path();
                if path.extension().is_some_and(|e| e == "jsonl") {
                    let table = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
                    let text = std::fs::read_to_string(&path)
                        .map_err(|e| LogicError::Setup(format!("{}: {e}", path.display())))?;
                    all.load_ndjson(&table, &text)
                        .map_err(|e| LogicError::Setup(format!("{}: {e}", path.display())))?;
                }
            }
        }
        Ok(Self { engine: Engine::default(), all, scoped: None })
    }
}

#[async_trait::async_trait]
impl sqllogictest::AsyncDB for KqlDb {
    type Error = LogicError;
    type ColumnType = DefaultColumnType;

    async fn run(&mut self, query: &str) -> Result<DBOutput<Self::ColumnType>, Self::Error> {
        let trimmed = query.trim();
        if let Some(tenant) = trimmed.strip_prefix("tenant ") {
            self.scoped = Some(self.all.for_tenant(&TenantId::new(tenant.trim())));
            return Ok(DBOutput::StatementComplete(0));
        }
        if trimmed == "all tenants" {
            self.scoped = None;
            return Ok(DBOutput::StatementComplete(0));
        }
        let catalog = self.scoped.as_ref().unwrap_or(&self.all);
        let options = ExecuteOptions { now_ns: Some(FIXED_NOW_NS), ..ExecuteOptions::default() };
        let table = self.engine.execute(query, catalog, &options).await?;
        let types = table
            .columns
            .iter()
            .map(|(_, t)| match t {
                panoptes_domain::KqlType::Int | panoptes_domain::KqlType::Long => DefaultColumnType::Integer,
                panoptes_domain::KqlType::Real | panoptes_domain::KqlType::Decimal => DefaultColumnType::FloatingPoint,
                panoptes_domain::KqlType::String => DefaultColumnType::Text,
                _ => DefaultColumnType::Any,
            })
            .collect();
        let rows = render::rows(&table)
            .iter()
            .map(|row| {
                row.iter()
                    .map(|v| match v {
                        serde_json::Value::Null => "NULL".to_string(),
                        serde_json::Value::String(s) if s.is_empty() => "(empty)".to_string(),
                        other => render::text(other),
                    })
                    .collect()
            })
            .collect();
        Ok(DBOutput::Rows { types, rows })
    }

    async fn shutdown(&mut self) {}

    fn engine_name(&self) -> &str {
        "panoptes"
    }
}
