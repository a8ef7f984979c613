//! Tables held in memory as Arrow batches: datatable-sized test data, fixtures loaded from
//! NDJSON, and per-tenant views of them (rows filtered by `TenantId`).

use std::collections::BTreeMap;
use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, BooleanArray};
use datafusion::arrow::compute::filter_record_batch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::datasource::{MemTable, TableProvider};
use panoptes_domain::TenantId;
use serde_json::Value as Json;

use crate::catalog::defender_tables;
use crate::engine::{SchemaCatalog, TableCatalog};
use crate::types::arrow_type;
use crate::value::{Val, build_array};

/// Tables held in memory as Arrow batches; missing Defender tables read as empty.
#[derive(Debug, Default, Clone)]
pub struct MemoryCatalog {
    tables: BTreeMap<String, (SchemaRef, Vec<RecordBatch>)>,
}

impl MemoryCatalog {
    /// Adds (or appends to) a table.
    pub fn insert(&mut self, name: &str, schema: SchemaRef, batches: Vec<RecordBatch>) {
        let entry = self.tables.entry(name.to_string()).or_insert_with(|| (schema, Vec::new()));
        entry.1.extend(batches);
    }

    /// The batches of a table.
    pub fn batches(&self, name: &str) -> Option<&[RecordBatch]> {
        self.tables.get(name).map(|(_, b)| b.as_slice())
    }
}

impl TableCatalog for MemoryCatalog {
    fn table(&self, name: &str) -> Option<Arc<dyn TableProvider>> {
        match self.tables.get(name) {
            Some((schema, batches)) => MemTable::try_new(schema.clone(), vec![batches.clone()])
                .ok()
                .map(|t| Arc::new(t) as Arc<dyn TableProvider>),
            None => SchemaCatalog.table(name),
        }
    }

    fn table_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.tables.keys().cloned().collect();
        names.extend(SchemaCatalog.table_names().into_iter().filter(|n| !self.tables.contains_key(n)));
        names
    }
}

/// Why NDJSON did not load.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The table is not in the hunting schema.
    #[error("unknown table `{0}`; tables come from the Defender schema")]
    UnknownTable(String),
    /// A line is not a JSON object.
    #[error("line {line}: {message}")]
    BadLine {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

impl MemoryCatalog {
    /// Loads NDJSON rows of a Defender table (one object per line, columns by name; fields the
    /// schema lacks are kept in `AdditionalFields`).
    pub fn load_ndjson(&mut self, table: &str, text: &str) -> Result<usize, LoadError> {
        let schema = defender_tables().get(table).ok_or_else(|| LoadError::UnknownTable(table.to_string()))?;
        let mut columns: Vec<Vec<Val>> = vec![Vec::new(); schema.columns.len()];
        let mut rows = 0;
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let object = match serde_json::from_str::<Json>(line) {
                Ok(Json::Object(map)) => map,
                Ok(_) => {
                    return Err(LoadError::BadLine { line: i + 1, message: "expected a JSON object".into() });
                }
                Err(e) => {
                    return Err(LoadError::BadLine { line: i + 1, message: e.to_string() });
                }
            };
            let mut extra = serde_json::Map::new();
            for (key, value) in &object {
                if !schema.columns.iter().any(|(n, _)| n == key) {
                    extra.insert(key.clone(), value.clone());
                }
            }
            for (slot, (name, _)) in columns.iter_mut().zip(&schema.columns) {
                let value = match object.get(name) {
                    None | Some(Json::Null) if name == "AdditionalFields" && !extra.is_empty() => {
                        Val::Dyn(Json::Object(extra.clone()))
                    }
                    None | Some(Json::Null) => Val::Null,
                    Some(Json::String(s)) => Val::Str(s.clone()),
                    Some(other) => Val::Dyn(other.clone()),
                };
                slot.push(value);
            }
            rows += 1;
        }
        let arrow_schema = schema.arrow_schema();
        let arrays = schema
            .columns
            .iter()
            .zip(&columns)
            .map(|((_, t), values)| build_array(&arrow_type(*t), &typed(values, *t)))
            .collect();
        let batch = RecordBatch::try_new(arrow_schema.clone(), arrays)
            .map_err(|e| LoadError::BadLine { line: 0, message: e.to_string() })?;
        self.insert(table, arrow_schema, vec![batch]);
        Ok(rows)
    }

    /// Only `tenant`'s rows of every table: the view one tenant's hunt sees.
    pub fn for_tenant(&self, tenant: &TenantId) -> MemoryCatalog {
        let mut out = MemoryCatalog::default();
        for (name, (schema, batches)) in &self.tables {
            let Ok(index) = schema.index_of("TenantId") else {
                continue;
            };
            let filtered = batches
                .iter()
                .filter_map(|batch| {
                    let ids = batch.column(index);
                    let ids = ids.as_string_opt::<i32>()?;
                    let keep: BooleanArray =
                        (0..ids.len()).map(|i| Some(ids.is_valid(i) && ids.value(i) == tenant.as_str())).collect();
                    filter_record_batch(batch, &keep).ok()
                })
                .collect();
            out.insert(name, schema.clone(), filtered);
        }
        out
    }

    /// The tenant ids present in any table.
    pub fn tenants(&self) -> Vec<TenantId> {
        let mut ids: Vec<String> = Vec::new();
        for (schema, batches) in self.tables.values() {
            let Ok(index) = schema.index_of("TenantId") else {
                continue;
            };
            for batch in batches {
                if let Some(column) = batch.column(index).as_string_opt::<i32>() {
                    for value in column.iter().flatten() {
                        if !ids.iter().any(|i| i == value) {
                            ids.push(value.to_string());
                        }
                    }
                }
            }
        }
        ids.sort();
        ids.into_iter().map(TenantId::new).collect()
    }
}

/// Converts loaded JSON values to the column's type (JSON strings stay text for string columns).
fn typed(values: &[Val], t: panoptes_domain::KqlType) -> Vec<Val> {
    use panoptes_domain::KqlType;
    values
        .iter()
        .map(|v| match (v, t) {
            (Val::Null, _) => Val::Null,
            (_, KqlType::Dynamic) => match v {
                Val::Str(s) => Val::Dyn(crate::value::parse_dynamic_text(s)),
                other => Val::Dyn(other.to_json()),
            },
            (Val::Dyn(Json::Number(n)), KqlType::Datetime) => n.as_i64().map_or(Val::Null, Val::Datetime),
            _ => v.clone(),
        })
        .collect()
}
