//! Fitting batches to a table's schema: missing columns become nulls, other types are cast,
//! `TimeGenerated` follows `Timestamp`, and the store sets `TenantId` itself.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, StringArray, new_null_array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use panoptes_domain::TenantId;

use crate::error::{Result, StoreError};

/// `batch` with exactly `schema`'s columns, and `TenantId` set to `tenant` on every row.
pub fn conform(table: &str, batch: &RecordBatch, schema: &SchemaRef, tenant: &TenantId) -> Result<RecordBatch> {
    let mismatch = |reason: String| StoreError::SchemaMismatch { table: table.to_string(), reason };
    for field in batch.schema().fields() {
        if schema.index_of(field.name()).is_err() {
            return Err(mismatch(format!("column `{}` is not in the table", field.name())));
        }
    }
    let rows = batch.num_rows();
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
    for field in schema.fields() {
        if field.name() == "TenantId" {
            columns.push(Arc::new(StringArray::from(vec![tenant.as_str(); rows])));
            continue;
        }
        let column = match batch.schema().index_of(field.name()) {
            Ok(i) if batch.column(i).data_type() == field.data_type() => batch.column(i).clone(),
            Ok(i) => cast(batch.column(i), field.data_type())
                .map_err(|e| mismatch(format!("column `{}`: {e}", field.name())))?,
            // `TimeGenerated` is defined equal to `Timestamp` where a table has both.
            Err(_) if field.name() == "TimeGenerated" => match batch.schema().index_of("Timestamp") {
                Ok(i) => cast(batch.column(i), field.data_type()).map_err(|e| mismatch(e.to_string()))?,
                Err(_) => new_null_array(field.data_type(), rows),
            },
            Err(_) => new_null_array(field.data_type(), rows),
        };
        columns.push(column);
    }
    RecordBatch::try_new(schema.clone(), columns).map_err(|e| mismatch(e.to_string()))
}

/// The column that holds each row's event time: `Timestamp`, or `TimeGenerated` for tables
/// that have only that.
pub fn time_column(schema: &SchemaRef) -> Option<usize> {
    schema.index_of("Timestamp").or_else(|_| schema.index_of("TimeGenerated")).ok()
}
