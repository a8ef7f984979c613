//! Column-wise row building for one table: each table writer declares its columns once, then
//! pushes every row's cells in that order straight into Arrow builders (no per-row maps or
//! allocations), which keeps generation of tens of millions of rows cheap.

use std::sync::Arc;

use panoptes_eventstore::arrow::array::{
    ArrayBuilder, ArrayRef, BooleanBuilder, Float64Builder, Int32Builder, Int64Builder, StringBuilder,
    TimestampNanosecondBuilder,
};
use panoptes_eventstore::arrow::datatypes::{DataType, Field, Schema};
use panoptes_eventstore::arrow::record_batch::RecordBatch;
use panoptes_eventstore::{StoreError, table_schema};

enum Col {
    Text(StringBuilder),
    Long(Int64Builder),
    Int(Int32Builder),
    Real(Float64Builder),
    Bool(BooleanBuilder),
    Time(TimestampNanosecondBuilder),
}

impl Col {
    fn for_type(data_type: &DataType) -> Col {
        match data_type {
            DataType::Int64 => Col::Long(Int64Builder::new()),
            DataType::Int32 => Col::Int(Int32Builder::new()),
            DataType::Float64 => Col::Real(Float64Builder::new()),
            DataType::Boolean => Col::Bool(BooleanBuilder::new()),
            DataType::Timestamp(..) => Col::Time(TimestampNanosecondBuilder::new()),
            // Strings, and anything else the store casts from text (dynamic, timespan).
            _ => Col::Text(StringBuilder::new()),
        }
    }

    fn null(&mut self) {
        match self {
            Col::Text(b) => b.append_null(),
            Col::Long(b) => b.append_null(),
            Col::Int(b) => b.append_null(),
            Col::Real(b) => b.append_null(),
            Col::Bool(b) => b.append_null(),
            Col::Time(b) => b.append_null(),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Col::Text(b) => Arc::new(b.finish()),
            Col::Long(b) => Arc::new(b.finish()),
            Col::Int(b) => Arc::new(b.finish()),
            Col::Real(b) => Arc::new(b.finish()),
            Col::Bool(b) => Arc::new(b.finish()),
            Col::Time(b) => Arc::new(b.finish()),
        }
    }

    fn len(&self) -> usize {
        match self {
            Col::Text(b) => b.len(),
            Col::Long(b) => b.len(),
            Col::Int(b) => b.len(),
            Col::Real(b) => b.len(),
            Col::Bool(b) => b.len(),
            Col::Time(b) => b.len(),
        }
    }
}

/// The rows of one table being generated.
pub(crate) struct Rows {
    table: &'static str,
    names: Vec<&'static str>,
    cols: Vec<Col>,
    /// The first row that did not fit the declared columns (a generator bug, reported by `finish`).
    fault: Option<String>,
}

impl Rows {
    /// A builder for `table` with these columns (in push order), typed from the table schema.
    pub(crate) fn new(table: &'static str, groups: &[&[&'static str]]) -> Result<Rows, StoreError> {
        let schema = table_schema(table)?;
        let mut names = Vec::new();
        let mut cols = Vec::new();
        for name in groups.iter().flat_map(|g| g.iter()) {
            let field = schema.field_with_name(name).map_err(|_| StoreError::SchemaMismatch {
                table: table.to_string(),
                reason: format!("the generator writes a column `{name}` the table lacks"),
            })?;
            names.push(*name);
            cols.push(Col::for_type(field.data_type()));
        }
        Ok(Rows { table, names, cols, fault: None })
    }

    /// Starts a row; the returned cursor must be given one cell per column, in order.
    pub(crate) fn row(&mut self) -> Row<'_> {
        Row { cols: self.cols.iter_mut(), names: self.names.iter(), fault: &mut self.fault }
    }

    pub(crate) fn len(&self) -> usize {
        self.cols.first().map_or(0, Col::len)
    }

    /// The rows so far as a batch (the store fills the table's other columns with nulls).
    pub(crate) fn finish(&mut self) -> Result<(&'static str, RecordBatch), StoreError> {
        if let Some(fault) = self.fault.take() {
            return Err(StoreError::SchemaMismatch { table: self.table.to_string(), reason: fault });
        }
        let arrays: Vec<ArrayRef> = self.cols.iter_mut().map(Col::finish).collect();
        let fields: Vec<Field> = self
            .names
            .iter()
            .zip(&arrays)
            .map(|(name, array)| Field::new(*name, array.data_type().clone(), true))
            .collect();
        let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).map_err(|e| {
            StoreError::SchemaMismatch { table: self.table.to_string(), reason: format!("generated rows: {e}") }
        })?;
        Ok((self.table, batch))
    }
}

/// A cursor over one row's cells. A cell of the wrong kind for its column, or too few or too
/// many cells, is a generator bug: the cell becomes a null and `Rows::finish` fails.
pub(crate) struct Row<'a> {
    cols: std::slice::IterMut<'a, Col>,
    names: std::slice::Iter<'a, &'static str>,
    fault: &'a mut Option<String>,
}

macro_rules! cell {
    ($method:ident, $variant:ident, $ty:ty) => {
        pub(crate) fn $method(mut self, value: $ty) -> Self {
            let name = self.names.next();
            match self.cols.next() {
                Some(Col::$variant(b)) => b.append_value(value),
                Some(other) => {
                    self.fault.get_or_insert_with(|| format!("column {name:?} is not {}", stringify!($variant)));
                    other.null();
                }
                None => {
                    self.fault.get_or_insert_with(|| "a row has more cells than columns".to_string());
                }
            }
            self
        }
    };
}

impl Row<'_> {
    cell!(s, Text, &str);
    cell!(l, Long, i64);
    cell!(i, Int, i32);
    cell!(b, Bool, bool);
    cell!(t, Time, i64);

    /// A null cell.
    pub(crate) fn n(mut self) -> Self {
        self.names.next();
        if let Some(col) = self.cols.next() {
            col.null();
        }
        self
    }

    /// An optional text cell.
    pub(crate) fn os(self, value: Option<&str>) -> Self {
        match value {
            Some(v) => self.s(v),
            None => self.n(),
        }
    }
}

impl Drop for Row<'_> {
    fn drop(&mut self) {
        // Every column must get a cell, or the columns would drift out of step.
        if self.cols.len() > 0 {
            let missing: Vec<&str> = self.names.clone().copied().collect();
            self.fault.get_or_insert_with(|| format!("a row left columns unfilled: {missing:?}"));
        }
        for col in self.cols.by_ref() {
            col.null();
        }
    }
}
