//! Building one table's Arrow batch from JSON rows: each value checked against its column's
//! type (strictly for native NDJSON, leniently for the streaming API's loose typing), fields
//! the schema lacks kept in `AdditionalFields`.

use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, BooleanBuilder, Float64Builder, Int32Builder, Int64Builder, LargeStringBuilder, StringBuilder,
    TimestampNanosecondBuilder,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use panoptes_domain::KqlType;
use serde::de::DeserializeSeed;
use serde_json::{Map, Value as Json};

use super::cell::{Cell, ColumnIndex, Fields, FieldsSeed};
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

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "field `{}` must be {}, found {}", self.field, self.expected.name(), self.found)
    }
}

/// One column's values as they accumulate.
#[derive(Debug)]
enum Column {
    Text(StringBuilder),
    Json(LargeStringBuilder),
    Int(Int32Builder),
    Long(Int64Builder),
    Real(Float64Builder),
    Bool(BooleanBuilder),
    Time(TimestampNanosecondBuilder),
}

/// Accumulates rows of one table.
#[derive(Debug)]
pub struct TableBuilder {
    table: TableSchema,
    schema: SchemaRef,
    columns: Vec<Column>,
    index: ColumnIndex,
    /// Each column's part and type, worked out once rather than by name on every row.
    roles: Vec<(Role, KqlType)>,
    typing: Typing,
    rows: usize,
}

/// What a column is to a row being built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Plain,
    /// Takes the fields no other column does.
    AdditionalFields,
    /// The event time: a missing one is the time of receipt.
    EventTime,
}

impl TableBuilder {
    /// An empty builder for `table`.
    pub fn new(table: &TableSchema, typing: Typing) -> Self {
        let columns = table.columns.iter().map(|(_, t)| Column::new(*t)).collect();
        let index = ColumnIndex::new(table.columns.iter().map(|(name, _)| name.clone()).collect());
        let roles = table
            .columns
            .iter()
            .map(|(name, kql)| {
                let role = match name.as_str() {
                    "AdditionalFields" => Role::AdditionalFields,
                    "Timestamp" | "TimeGenerated" if *kql == KqlType::Datetime => Role::EventTime,
                    _ => Role::Plain,
                };
                (role, *kql)
            })
            .collect();
        Self { schema: table.arrow_schema(), table: table.clone(), columns, index, roles, typing, rows: 0 }
    }

    /// Rows added so far.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Adds one row; on a type error nothing of the row is kept. `default_time` fills a
    /// missing event time.
    pub fn push(&mut self, object: Map<String, Json>, default_time: i64) -> Result<(), FieldError> {
        let fields = self.index.place(object);
        self.push_fields(fields, default_time)
    }

    /// Parses one JSON object (an NDJSON line, or a streaming record's `properties`) straight
    /// into a row: the fast path. A syntax error or a non-object is `Err(None)`; a field of the
    /// wrong type is `Err(Some(..))` and nothing of the row is kept.
    pub fn push_json(&mut self, text: &str, default_time: i64) -> Result<(), Option<FieldError>> {
        let mut parser = serde_json::Deserializer::from_str(text);
        let fields = FieldsSeed(&self.index).deserialize(&mut parser).map_err(|_| None)?;
        parser.end().map_err(|_| None)?;
        self.push_fields(fields, default_time).map_err(Some)
    }

    fn push_fields(&mut self, fields: Fields<'_>, default_time: i64) -> Result<(), FieldError> {
        let Fields { slots, mut extra } = fields;
        // Every field is converted before any is stored, so a refused row leaves no trace.
        let mut cells = Vec::with_capacity(slots.len());
        for (i, raw) in slots.into_iter().enumerate() {
            let (role, kql) = self.roles[i];
            let cell = match role {
                Role::AdditionalFields => additional_fields(raw.into_json(), std::mem::take(&mut extra)),
                _ => raw.into_cell(kql, self.typing).map_err(|raw| FieldError {
                    field: self.table.columns[i].0.clone(),
                    expected: kql,
                    found: raw.describe(),
                })?,
            };
            cells.push(match cell {
                Cell::Null if role == Role::EventTime => Cell::Time(default_time),
                c => c,
            });
        }
        for (column, cell) in self.columns.iter_mut().zip(cells) {
            column.push(cell);
        }
        self.rows += 1;
        Ok(())
    }

    /// The rows as one batch, leaving the builder empty.
    pub fn finish(&mut self) -> Result<RecordBatch, String> {
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(self.columns.len());
        for (column, field) in self.columns.iter_mut().zip(self.schema.fields()) {
            let array = column.finish();
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

impl Column {
    fn new(kql: KqlType) -> Self {
        match kql {
            KqlType::String | KqlType::Guid => Column::Text(StringBuilder::new()),
            KqlType::Dynamic => Column::Json(LargeStringBuilder::new()),
            KqlType::Int => Column::Int(Int32Builder::new()),
            KqlType::Long | KqlType::Timespan => Column::Long(Int64Builder::new()),
            KqlType::Real | KqlType::Decimal => Column::Real(Float64Builder::new()),
            KqlType::Bool => Column::Bool(BooleanBuilder::new()),
            KqlType::Datetime => Column::Time(TimestampNanosecondBuilder::new()),
        }
    }

    /// Stores a cell already converted for this column's type; any other cell is a null.
    fn push(&mut self, cell: Cell<'_>) {
        match (self, cell) {
            (Column::Text(b), Cell::Text(s)) => b.append_value(s),
            (Column::Json(b), Cell::Json(s)) => b.append_value(s),
            (Column::Int(b), Cell::Int(i)) => b.append_value(i),
            (Column::Long(b), Cell::Long(i)) => b.append_value(i),
            (Column::Real(b), Cell::Real(r)) => b.append_value(r),
            (Column::Bool(b), Cell::Bool(v)) => b.append_value(v),
            (Column::Time(b), Cell::Time(t)) => b.append_value(t),
            (Column::Text(b), _) => b.append_null(),
            (Column::Json(b), _) => b.append_null(),
            (Column::Int(b), _) => b.append_null(),
            (Column::Long(b), _) => b.append_null(),
            (Column::Real(b), _) => b.append_null(),
            (Column::Bool(b), _) => b.append_null(),
            (Column::Time(b), _) => b.append_null(),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Column::Text(b) => Arc::new(b.finish()),
            Column::Json(b) => Arc::new(b.finish()),
            Column::Int(b) => Arc::new(b.finish()),
            Column::Long(b) => Arc::new(b.finish()),
            Column::Real(b) => Arc::new(b.finish()),
            Column::Bool(b) => Arc::new(b.finish()),
            Column::Time(b) => Arc::new(b.finish()),
        }
    }
}

/// `AdditionalFields` as given (an object, or a string holding one) with unknown fields merged in.
fn additional_fields(raw: Json, extra: Map<String, Json>) -> Cell<'static> {
    let mut base = match raw {
        Json::Null => Map::new(),
        Json::Object(map) => map,
        Json::String(text) => match serde_json::from_str::<Json>(&text) {
            Ok(Json::Object(map)) => map,
            Ok(other) if extra.is_empty() => return Cell::Json(other.to_string()),
            _ if extra.is_empty() => return Cell::Json(Json::String(text).to_string()),
            _ => {
                let mut map = Map::new();
                map.insert("AdditionalFields".into(), Json::String(text));
                map
            }
        },
        other if extra.is_empty() => return Cell::Json(other.to_string()),
        other => {
            let mut map = Map::new();
            map.insert("AdditionalFields".into(), other);
            map
        }
    };
    if base.is_empty() && extra.is_empty() {
        return Cell::Null;
    }
    base.extend(extra);
    Cell::Json(Json::Object(base).to_string())
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
