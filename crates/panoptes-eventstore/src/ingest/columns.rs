//! Building one table's Arrow batch from JSON rows: each value checked against its column's
//! type (strictly for native NDJSON, leniently for the streaming API's loose typing), fields
//! the schema lacks kept in `AdditionalFields`.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, BooleanArray, Float64Array, Int32Array, Int64Array, LargeStringArray, StringArray,
    TimestampNanosecondArray,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use panoptes_domain::KqlType;
use serde_json::{Map, Value as Json};

use crate::catalog::TableSchema;

/// How loosely values may be typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Typing {
    /// Native NDJSON: a value must already have its column's JSON type.
    Strict,
    /// Streaming API: numbers in strings, `""` for a missing number, `"0"`/`"1"` booleans.
    Lenient,
}

/// Why a field was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field.
    pub field: String,
    /// The column type it needs.
    pub expected: KqlType,
    /// What was there.
    pub found: String,
}

#[derive(Debug)]
enum Values {
    Text(Vec<Option<String>>),
    Json(Vec<Option<String>>),
    Int(Vec<Option<i32>>),
    Long(Vec<Option<i64>>),
    Real(Vec<Option<f64>>),
    Bool(Vec<Option<bool>>),
    Time(Vec<Option<i64>>),
}

#[derive(Debug)]
enum Value {
    Text(String),
    Json(String),
    Int(i32),
    Long(i64),
    Real(f64),
    Bool(bool),
    Time(i64),
    Null,
}

/// Accumulates rows of one table.
#[derive(Debug)]
pub struct TableBuilder {
    table: TableSchema,
    schema: SchemaRef,
    columns: Vec<Values>,
    /// Column name → position, so each field of a record is placed with one lookup.
    index: HashMap<String, usize>,
    typing: Typing,
    rows: usize,
}

impl TableBuilder {
    /// An empty builder for `table`.
    pub fn new(table: &TableSchema, typing: Typing) -> Self {
        let columns = table
            .columns
            .iter()
            .map(|(_, t)| match t {
                KqlType::String | KqlType::Guid => Values::Text(Vec::new()),
                KqlType::Dynamic => Values::Json(Vec::new()),
                KqlType::Int => Values::Int(Vec::new()),
                KqlType::Long | KqlType::Timespan => Values::Long(Vec::new()),
                KqlType::Real | KqlType::Decimal => Values::Real(Vec::new()),
                KqlType::Bool => Values::Bool(Vec::new()),
                KqlType::Datetime => Values::Time(Vec::new()),
            })
            .collect();
        let index = table.columns.iter().enumerate().map(|(i, (name, _))| (name.clone(), i)).collect();
        Self { schema: table.arrow_schema(), table: table.clone(), columns, index, typing, rows: 0 }
    }

    /// Rows added so far.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Adds one row; on a type error nothing of the row is kept. `default_time` fills a
    /// missing event time.
    pub fn push(&mut self, object: Map<String, Json>, default_time: i64) -> Result<(), FieldError> {
        // One pass over the record: known fields into their column's slot, the rest kept for
        // `AdditionalFields`.
        let mut slots = vec![Json::Null; self.table.columns.len()];
        let mut extra = Map::new();
        for (key, value) in object {
            match self.index.get(key.as_str()) {
                Some(&i) => slots[i] = value,
                None => {
                    extra.insert(key, value);
                }
            }
        }
        let mut row = Vec::with_capacity(slots.len());
        for ((name, kql), raw) in self.table.columns.iter().zip(slots) {
            let value = if name == "AdditionalFields" {
                additional_fields(raw, std::mem::take(&mut extra))
            } else {
                convert_owned(raw, *kql, self.typing).map_err(|raw| FieldError {
                    field: name.clone(),
                    expected: *kql,
                    found: describe(&raw),
                })?
            };
            let value = match value {
                Value::Null if (name == "Timestamp" || name == "TimeGenerated") && *kql == KqlType::Datetime => {
                    Value::Time(default_time)
                }
                v => v,
            };
            row.push(value);
        }
        for (column, value) in self.columns.iter_mut().zip(row) {
            match (column, value) {
                (Values::Text(v), Value::Text(s)) => v.push(Some(s)),
                (Values::Json(v), Value::Json(s)) => v.push(Some(s)),
                (Values::Int(v), Value::Int(i)) => v.push(Some(i)),
                (Values::Long(v), Value::Long(i)) => v.push(Some(i)),
                (Values::Real(v), Value::Real(r)) => v.push(Some(r)),
                (Values::Bool(v), Value::Bool(b)) => v.push(Some(b)),
                (Values::Time(v), Value::Time(t)) => v.push(Some(t)),
                (column, _) => column.push_null(),
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// The rows as one batch, leaving the builder empty.
    pub fn finish(&mut self) -> Result<RecordBatch, String> {
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(self.columns.len());
        for (values, field) in self.columns.iter_mut().zip(self.schema.fields()) {
            let array = values.take_array();
            let array = if array.data_type() == field.data_type() {
                array
            } else {
                cast(&array, field.data_type()).map_err(|e| e.to_string())?
            };
            arrays.push(array);
        }
        self.rows = 0;
        RecordBatch::try_new(self.schema.clone(), arrays).map_err(|e| e.to_string())
    }
}

impl Values {
    fn push_null(&mut self) {
        match self {
            Values::Text(v) | Values::Json(v) => v.push(None),
            Values::Int(v) => v.push(None),
            Values::Long(v) | Values::Time(v) => v.push(None),
            Values::Real(v) => v.push(None),
            Values::Bool(v) => v.push(None),
        }
    }

    fn take_array(&mut self) -> ArrayRef {
        match self {
            Values::Text(v) => Arc::new(StringArray::from(std::mem::take(v))),
            Values::Json(v) => Arc::new(LargeStringArray::from(std::mem::take(v))),
            Values::Int(v) => Arc::new(Int32Array::from(std::mem::take(v))),
            Values::Long(v) => Arc::new(Int64Array::from(std::mem::take(v))),
            Values::Real(v) => Arc::new(Float64Array::from(std::mem::take(v))),
            Values::Bool(v) => Arc::new(BooleanArray::from(std::mem::take(v))),
            Values::Time(v) => Arc::new(TimestampNanosecondArray::from(std::mem::take(v))),
        }
    }
}

/// `AdditionalFields` as given (an object, or a string holding one) with unknown fields merged in.
fn additional_fields(raw: Json, extra: Map<String, Json>) -> Value {
    let mut base = match raw {
        Json::Null => Map::new(),
        Json::Object(map) => map,
        Json::String(text) => match serde_json::from_str::<Json>(&text) {
            Ok(Json::Object(map)) => map,
            Ok(other) if extra.is_empty() => return Value::Json(other.to_string()),
            _ if extra.is_empty() => return Value::Json(Json::String(text).to_string()),
            _ => {
                let mut map = Map::new();
                map.insert("AdditionalFields".into(), Json::String(text));
                map
            }
        },
        other if extra.is_empty() => return Value::Json(other.to_string()),
        other => {
            let mut map = Map::new();
            map.insert("AdditionalFields".into(), other);
            map
        }
    };
    if base.is_empty() && extra.is_empty() {
        return Value::Null;
    }
    base.extend(extra);
    Value::Json(Json::Object(base).to_string())
}

/// Like `convert`, moving a string instead of copying it; gives the value back on a type error.
fn convert_owned(raw: Json, kql: KqlType, typing: Typing) -> Result<Value, Json> {
    match (raw, kql) {
        (Json::String(s), KqlType::String | KqlType::Guid) => Ok(Value::Text(s)),
        (raw, kql) => convert(&raw, kql, typing).ok_or(raw),
    }
}

fn convert(raw: &Json, kql: KqlType, typing: Typing) -> Option<Value> {
    let lenient = typing == Typing::Lenient;
    Some(match (raw, kql) {
        (Json::Null, _) => Value::Null,
        (Json::String(s), KqlType::String | KqlType::Guid) => Value::Text(s.clone()),
        (Json::Number(_) | Json::Bool(_), KqlType::String | KqlType::Guid) if lenient => Value::Text(raw.to_string()),
        (_, KqlType::Dynamic) => Value::Json(match raw {
            Json::String(s) => match serde_json::from_str::<Json>(s) {
                Ok(parsed @ (Json::Object(_) | Json::Array(_))) => parsed.to_string(),
                _ => raw.to_string(),
            },
            other => other.to_string(),
        }),
        (Json::String(s), KqlType::Int | KqlType::Long | KqlType::Real | KqlType::Timespan)
            if lenient && s.trim().is_empty() =>
        {
            Value::Null
        }
        (Json::Number(n), KqlType::Int) => Value::Int(i32::try_from(n.as_i64()?).ok()?),
        (Json::String(s), KqlType::Int) if lenient => Value::Int(s.trim().parse().ok()?),
        (Json::Number(n), KqlType::Long | KqlType::Timespan) => Value::Long(n.as_i64()?),
        (Json::String(s), KqlType::Long | KqlType::Timespan) if lenient => Value::Long(s.trim().parse().ok()?),
        (Json::Number(n), KqlType::Real | KqlType::Decimal) => Value::Real(n.as_f64()?),
        (Json::String(s), KqlType::Real | KqlType::Decimal) if lenient => Value::Real(s.trim().parse().ok()?),
        (Json::Bool(b), KqlType::Bool) => Value::Bool(*b),
        (Json::Number(n), KqlType::Bool) if lenient => Value::Bool(n.as_i64()? != 0),
        (Json::String(s), KqlType::Bool) if lenient => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Value::Bool(true),
            "false" | "0" => Value::Bool(false),
            "" => Value::Null,
            _ => return None,
        },
        (Json::String(s), KqlType::Datetime) => Value::Time(parse_time(s)?),
        _ => return None,
    })
}

/// ISO-8601 instants (`2024-01-15T10:00:00Z`, fractions to 100 ns, offsets, a space for `T`,
/// no zone meaning UTC) as Unix nanoseconds.
pub fn parse_time(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return t.timestamp_nanos_opt();
    }
    let spaced = text.replacen(' ', "T", 1);
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(&spaced) {
        return t.timestamp_nanos_opt();
    }
    let naive = spaced.trim_end_matches('Z');
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d"] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(naive, format) {
            return t.and_utc().timestamp_nanos_opt();
        }
        if let Ok(d) = chrono::NaiveDate::parse_from_str(naive, format) {
            return d.and_hms_opt(0, 0, 0)?.and_utc().timestamp_nanos_opt();
        }
    }
    None
}

/// What a JSON value is, for error messages: `a string`, `an object`, ...
pub(super) fn json_kind(value: &Json) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "a bool",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

/// The kind of a value and, when short, the value itself.
fn describe(value: &Json) -> String {
    let text = value.to_string();
    let kind = json_kind(value);
    if text.len() > 40 { kind.to_string() } else { format!("{kind} {text}") }
}
