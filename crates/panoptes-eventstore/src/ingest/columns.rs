//! Building one table's Arrow batch from JSON rows: each value checked against its column's
//! type (strictly for native NDJSON, leniently for the streaming API's loose typing), fields
//! the schema lacks kept in `AdditionalFields`.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, BooleanArray, BooleanBuilder, Float64Builder, Int32Builder, Int64Builder, LargeStringBuilder,
    StringBuilder, TimestampNanosecondBuilder,
};
use datafusion::arrow::compute::{cast, filter_record_batch};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use panoptes_domain::KqlType;
use serde_json::{Map, Value as Json};

use super::cell::{Cell, ColumnIndex, Raw};
use super::scan::{Row, scan_object};
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

/// Accumulates rows of one table. A row's fields go straight into their columns as they are
/// put (no intermediate row), so a refused row is finished with nulls and dropped when the
/// batch is made: refusals are rare, and the common path never copies a value twice.
#[derive(Debug)]
pub struct TableBuilder {
    table: TableSchema,
    schema: SchemaRef,
    columns: Vec<Column>,
    index: ColumnIndex,
    /// Each column's part and type, worked out once rather than by name on every row.
    roles: Vec<(Role, KqlType)>,
    typing: Typing,
    /// Rows in the columns, refused ones included.
    rows: usize,
    /// Rows to drop when the batch is made, ascending.
    refused: Vec<usize>,
    row: OpenRow,
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

/// The row being put together.
#[derive(Debug, Default)]
struct OpenRow {
    /// Per column: what the row has put there so far.
    slots: Vec<Slot>,
    /// Fields put so far.
    fields: usize,
    /// The column after the last field's.
    after: usize,
    /// `AdditionalFields` as given, merged with `extra` when the row ends.
    additional: Option<Json>,
    extra: Map<String, Json>,
    /// The row's first field of the wrong type.
    error: Option<FieldError>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Empty,
    /// The field was given, but its value waits for the row's end (null, or `AdditionalFields`).
    Deferred,
    Stored,
}

impl TableBuilder {
    /// An empty builder for `table`.
    pub fn new(table: &TableSchema, typing: Typing) -> Self {
        let (rows, bytes) = LAST_SIZE.with_borrow(|sizes| sizes.get(&table.name).cloned()).unwrap_or_default();
        let columns = table
            .columns
            .iter()
            .enumerate()
            .map(|(i, (_, t))| Column::new(*t, rows, bytes.get(i).copied().unwrap_or_default()))
            .collect();
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
        let row = OpenRow { slots: vec![Slot::Empty; table.columns.len()], ..OpenRow::default() };
        Self {
            schema: table.arrow_schema(),
            table: table.clone(),
            columns,
            index,
            roles,
            typing,
            rows: 0,
            refused: Vec::new(),
            row,
        }
    }

    /// Rows added so far (refused ones not counted).
    pub fn rows(&self) -> usize {
        self.rows - self.refused.len()
    }

    /// Adds one row; on a type error nothing of the row is kept. `default_time` fills a
    /// missing event time.
    pub fn push(&mut self, object: Map<String, Json>, default_time: i64) -> Result<(), FieldError> {
        for (key, value) in object {
            // A map holds each key once, so no field is refused as given twice.
            let _ = self.put(Cow::Owned(key), Raw::from_json(value));
        }
        self.end_row(default_time)
    }

    /// Parses the JSON object on the line that starts at `start` of `text` (NDJSON) straight
    /// into a row: the fast path. Gives where the next line starts and whether the row was
    /// taken (a field of the wrong type refuses it); `None`, with nothing of the row kept, for
    /// a line that is not one JSON object or gives a field twice. `buffer` is scratch space
    /// for unescaping, kept from line to line.
    pub(super) fn push_line(
        &mut self,
        text: &str,
        start: usize,
        default_time: i64,
        buffer: &mut String,
    ) -> Option<(usize, Result<(), FieldError>)> {
        let Some(next_line) = scan_object(text, start, self, buffer) else {
            self.abandon_row();
            return None;
        };
        Some((next_line, self.end_row(default_time)))
    }

    /// Ends the row whose fields were put: columns not given are null (the event time is
    /// `default_time`). A row with a field of the wrong type is refused, with that field's error.
    pub(super) fn end_row(&mut self, default_time: i64) -> Result<(), FieldError> {
        for ((slot, column), (role, _)) in self.row.slots.iter_mut().zip(&mut self.columns).zip(&self.roles) {
            if std::mem::replace(slot, Slot::Empty) == Slot::Stored {
                continue;
            }
            column.push(match role {
                Role::Plain => Cell::Null,
                Role::EventTime => Cell::Time(default_time),
                Role::AdditionalFields => {
                    additional_fields(self.row.additional.take(), std::mem::take(&mut self.row.extra))
                }
            });
        }
        self.rows += 1;
        self.row.fields = 0;
        self.row.after = 0;
        self.row.extra.clear();
        match self.row.error.take() {
            Some(error) => {
                self.refused.push(self.rows - 1);
                Err(error)
            }
            None => Ok(()),
        }
    }

    /// Drops the row being put together, if any.
    pub(super) fn abandon_row(&mut self) {
        if self.row.fields > 0 && self.end_row(0).is_ok() {
            self.refused.push(self.rows - 1);
        }
    }

    /// The rows as one batch, leaving the builder empty.
    pub fn finish(&mut self) -> Result<RecordBatch, String> {
        let bytes = self.columns.iter().map(Column::text_bytes).collect();
        LAST_SIZE.with_borrow_mut(|sizes| sizes.insert(self.table.name.clone(), (self.rows, bytes)));
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
        let batch = RecordBatch::try_new(self.schema.clone(), arrays).map_err(|e| e.to_string())?;
        let refused = std::mem::take(&mut self.refused);
        self.rows = 0;
        if refused.is_empty() {
            return Ok(batch);
        }
        let mut keep = vec![true; batch.num_rows()];
        refused.iter().for_each(|&row| keep[row] = false);
        filter_record_batch(&batch, &BooleanArray::from(keep)).map_err(|e| e.to_string())
    }
}

impl Row for TableBuilder {
    /// Stores the field in its column at once (or keeps it with the fields no column takes);
    /// `None` for a column given twice, which only the general path reads as JSON does.
    #[inline]
    fn put(&mut self, key: Cow<'_, str>, value: Raw<'_>) -> Option<()> {
        let ordinal = self.row.fields;
        let Some(i) = self.index.find(&key, ordinal, self.row.after) else {
            self.row.fields += 1;
            self.row.extra.insert(key.into_owned(), value.into_json());
            return Some(());
        };
        self.put_in(i, value)
    }

    fn likely_key(&self) -> &[u8] {
        self.index.likely(self.row.fields).1
    }

    #[inline]
    fn put_likely(&mut self, value: Raw<'_>) -> Option<()> {
        let (i, _) = self.index.likely(self.row.fields);
        self.put_in(i, value)
    }
}

impl TableBuilder {
    /// Stores the value of the row's next field in column `i`.
    #[inline(always)]
    fn put_in(&mut self, i: usize, value: Raw<'_>) -> Option<()> {
        self.row.fields += 1;
        self.row.after = i + 1;
        if self.row.slots[i] != Slot::Empty {
            return None;
        }
        let (role, kql) = self.roles[i];
        self.row.slots[i] = match (role, value) {
            (Role::AdditionalFields, value) => {
                self.row.additional = Some(value.into_json());
                Slot::Deferred
            }
            (_, Raw::Null) => Slot::Deferred,
            (_, value) => {
                if let Err(raw) = self.columns[i].append(value, kql, self.typing) {
                    self.columns[i].push(Cell::Null);
                    if self.row.error.is_none() {
                        let field = self.table.columns[i].0.clone();
                        self.row.error = Some(FieldError { field, expected: kql, found: raw.describe() });
                    }
                }
                Slot::Stored
            }
        };
        Some(())
    }
}

thread_local! {
    /// Per table, the rows and each column's text bytes of the last batch this thread built.
    /// A thread converts chunk after same-sized chunk, so the next builder of the table starts
    /// that size and its columns do not grow by copying.
    static LAST_SIZE: RefCell<HashMap<String, (usize, Vec<usize>)>> = RefCell::new(HashMap::new());
}

impl Column {
    /// An empty column with room for `rows` values (`bytes` of text, for text columns).
    fn new(kql: KqlType, rows: usize, bytes: usize) -> Self {
        // A little more than last time: values vary from chunk to chunk.
        let (rows, bytes) = (rows + rows / 8, bytes + bytes / 8);
        match kql {
            KqlType::String | KqlType::Guid => Column::Text(StringBuilder::with_capacity(rows, bytes)),
            KqlType::Dynamic => Column::Json(LargeStringBuilder::with_capacity(rows, bytes)),
            KqlType::Int => Column::Int(Int32Builder::with_capacity(rows)),
            KqlType::Long | KqlType::Timespan => Column::Long(Int64Builder::with_capacity(rows)),
            KqlType::Real | KqlType::Decimal => Column::Real(Float64Builder::with_capacity(rows)),
            KqlType::Bool => Column::Bool(BooleanBuilder::with_capacity(rows)),
            KqlType::Datetime => Column::Time(TimestampNanosecondBuilder::with_capacity(rows)),
        }
    }

    /// The text bytes held (0 for other columns).
    fn text_bytes(&self) -> usize {
        match self {
            Column::Text(b) => b.values_slice().len(),
            Column::Json(b) => b.values_slice().len(),
            _ => 0,
        }
    }

    /// Stores a field's value converted for this column's type, or gives it back.
    #[inline(always)]
    fn append<'a>(&mut self, raw: Raw<'a>, kql: KqlType, typing: Typing) -> Result<(), Raw<'a>> {
        self.push(raw.into_cell(kql, typing)?);
        Ok(())
    }

    /// Stores a cell already converted for this column's type; any other cell is a null.
    #[inline(always)]
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
fn additional_fields(raw: Option<Json>, extra: Map<String, Json>) -> Cell<'static> {
    let mut base = match raw.unwrap_or(Json::Null) {
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
