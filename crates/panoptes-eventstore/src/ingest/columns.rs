//! Building one table's Arrow batch from JSON rows: each value checked against its column's
//! type (strictly for native NDJSON, leniently for the streaming API's loose typing), fields
//! the schema lacks kept in `AdditionalFields`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, BooleanBuilder, Float64Builder, Int32Builder, Int64Builder, LargeStringBuilder, StringBuilder,
    TimestampNanosecondBuilder,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use panoptes_domain::KqlType;
use serde_json::{Map, Value as Json};

use super::cell::{Cell, ColumnIndex, Fields};
use super::scan::scan_object;
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
    index: Arc<ColumnIndex>,
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
        let (rows, bytes) = LAST_SIZE.with_borrow(|sizes| sizes.get(&table.name).cloned()).unwrap_or_default();
        let columns = table
            .columns
            .iter()
            .enumerate()
            .map(|(i, (_, t))| Column::new(*t, rows, bytes.get(i).copied().unwrap_or_default()))
            .collect();
        let index = Arc::new(ColumnIndex::new(table.columns.iter().map(|(name, _)| name.clone()).collect()));
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
        let fields = scan_object(text, &self.index).ok_or(None)?;
        self.push_fields(fields, default_time).map_err(Some)
    }

    /// The columns by name, for a scanner to place fields by.
    pub(super) fn columns(&self) -> Arc<ColumnIndex> {
        Arc::clone(&self.index)
    }

    /// Adds one row of fields placed by [`TableBuilder::columns`].
    pub(super) fn push_fields(&mut self, fields: Fields<'_>, default_time: i64) -> Result<(), FieldError> {
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
        self.rows = 0;
        RecordBatch::try_new(self.schema.clone(), arrays).map_err(|e| e.to_string())
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
    if let Some(t) = parse_utc_fast(text.as_bytes()) {
        return Some(t);
    }
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

/// `YYYY-MM-DDTHH:MM:SS[.fffffffff]Z`, the form nearly every exported event time has, read
/// without a general parser (four of them per process event). Anything else is `None`, for
/// [`parse_time`] to read the slow way.
fn parse_utc_fast(text: &[u8]) -> Option<i64> {
    let field = |range: std::ops::Range<usize>| -> Option<i64> {
        text.get(range)?.iter().try_fold(0i64, |n, &b| b.is_ascii_digit().then(|| n * 10 + i64::from(b - b'0')))
    };
    let separators = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if text.len() < 20 || separators.iter().any(|&(i, c)| text[i] != c) || text.last() != Some(&b'Z') {
        return None;
    }
    let (year, month, day) = (field(0..4)?, field(5..7)?, field(8..10)?);
    let (hour, minute, second) = (field(11..13)?, field(14..16)?, field(17..19)?);
    let fraction = &text[19..text.len() - 1];
    let nanos = match fraction {
        [] => 0,
        [b'.', digits @ ..] if (1..=9).contains(&digits.len()) => {
            field(20..20 + digits.len())? * 10i64.pow(9 - digits.len() as u32)
        }
        _ => return None,
    };
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let seconds = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
    seconds.checked_mul(1_000_000_000)?.checked_add(nanos)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::{parse_time, parse_utc_fast};

    /// The fast reading agrees with chrono wherever it answers.
    #[test]
    fn fast_utc_times_agree_with_chrono() {
        for text in [
            "2026-11-19T00:01:01.992134060Z",
            "1970-01-01T00:00:00Z",
            "2000-02-29T23:59:59.5Z",
            "1969-12-31T23:59:59.999999999Z",
            "2024-12-31T12:00:00.1234Z",
            "1601-01-01T00:00:00Z",
        ] {
            let slow = chrono::DateTime::parse_from_rfc3339(text).ok().and_then(|t| t.timestamp_nanos_opt());
            assert_eq!(parse_utc_fast(text.as_bytes()), slow, "{text}");
        }
        for text in [
            "2023-02-29T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-01-01T24:00:00Z",
            "2024-01-01T00:00:00.Z",
            "2024-01-01T00:00:00.1234567890Z",
            "2024-01-01 00:00:00Z",
            "2024-01-01T00:00:00+01:00",
            "2024-1-01T00:00:00Z",
        ] {
            assert_eq!(parse_utc_fast(text.as_bytes()), None, "{text}");
        }
        // Forms the fast reading leaves alone still parse.
        assert_eq!(parse_time("2024-01-01 00:00:00"), parse_time("2024-01-01T00:00:00Z"));
        assert_eq!(parse_time("2024-01-01T01:00:00+01:00"), parse_time("2024-01-01T00:00:00Z"));
    }
}
