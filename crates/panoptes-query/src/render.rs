//! Result values in the forms Kusto prints: datetimes as ISO 8601 with 7 fractional digits,
//! timespans as `d.hh:mm:ss.fffffff`, dynamic as JSON, strings never null, non-finite reals as
//! `"NaN"`/`"Infinity"`.

use serde_json::Value as Json;

use crate::engine::ResultTable;
use crate::value::{Val, val_at};

/// One cell as JSON.
pub fn cell(array: &dyn datafusion::arrow::array::Array, row: usize) -> Json {
    match val_at(array, row) {
        Val::Null => match array.data_type() {
            datafusion::arrow::datatypes::DataType::Utf8 => Json::String(String::new()),
            _ => Json::Null,
        },
        Val::Real(r) if !r.is_finite() => Json::String(crate::value::nonfinite_text(r).into()),
        Val::Real(r) => serde_json::Number::from_f64(r).map_or(Json::Null, Json::Number),
        Val::Datetime(ns) => Json::String(crate::format::datetime(ns)),
        Val::Timespan(ns) => Json::String(crate::format::timespan(ns)),
        other => other.to_json(),
    }
}

/// All rows as JSON arrays.
pub fn rows(table: &ResultTable) -> Vec<Vec<Json>> {
    let mut out = Vec::with_capacity(table.row_count());
    for batch in &table.batches {
        for row in 0..batch.num_rows() {
            out.push(batch.columns().iter().map(|c| cell(c.as_ref(), row)).collect());
        }
    }
    out
}

/// A cell as display text (for the CLI table).
pub fn text(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        Json::Null => String::new(),
        other => other.to_string(),
    }
}
