//! Row values: the bridge between Arrow arrays and KQL's scalar semantics. Row-wise functions
//! read [`Val`]s out of arrays and build arrays back; the hot string predicates have vectorized
//! kernels of their own (`functions::strops`).

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanBuilder, Decimal128Array, DurationNanosecondBuilder, Float64Builder, Int32Builder,
    Int64Builder, LargeStringBuilder, StringBuilder, TimestampNanosecondBuilder,
};
use datafusion::arrow::datatypes::{
    DataType, DurationNanosecondType, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type,
    TimestampNanosecondType, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use serde_json::Value as Json;

use crate::types::{DATETIME, TIMESPAN};

/// One KQL value. Datetimes and timespans are in nanoseconds (Kusto's 100 ns ticks × 100).
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// A typed null.
    Null,
    /// `bool`.
    Bool(bool),
    /// `int`.
    Int(i32),
    /// `long`.
    Long(i64),
    /// `real`.
    Real(f64),
    /// `string`.
    Str(String),
    /// `datetime`, nanoseconds since the Unix epoch.
    Datetime(i64),
    /// `timespan`, nanoseconds.
    Timespan(i64),
    /// `dynamic`.
    Dyn(Json),
}

impl Val {
    /// Is this a null (a dynamic JSON null counts)?
    pub fn is_null(&self) -> bool {
        matches!(self, Val::Null | Val::Dyn(Json::Null))
    }

    /// KQL `tostring`: strings as they are, dynamic strings unquoted, everything else in Kusto's
    /// text form; null is `""`.
    pub fn to_kql_string(&self) -> String {
        match self {
            Val::Null => String::new(),
            Val::Bool(b) => if *b { "True" } else { "False" }.into(),
            Val::Int(i) => i.to_string(),
            Val::Long(i) => i.to_string(),
            Val::Real(r) => format_real(*r),
            Val::Str(s) => s.clone(),
            Val::Datetime(ns) => crate::format::datetime(*ns),
            Val::Timespan(ns) => crate::format::timespan(*ns),
            Val::Dyn(Json::String(s)) => s.clone(),
            Val::Dyn(Json::Null) => String::new(),
            Val::Dyn(json) => json.to_string(),
        }
    }

    /// `tolong` semantics: numbers truncate, strings parse (decimal or 0x hex), else null.
    pub fn to_long(&self) -> Option<i64> {
        match self {
            Val::Bool(b) => Some(i64::from(*b)),
            Val::Int(i) => Some(i64::from(*i)),
            Val::Long(i) => Some(*i),
            // A real beyond the long range converts as .NET's unchecked cast does: to the minimum.
            Val::Real(r) if r.is_finite() && (*r >= i64::MAX as f64 || *r < i64::MIN as f64) => Some(i64::MIN),
            Val::Real(r) if r.is_finite() => Some(*r as i64),
            Val::Datetime(ns) => Some(ns / 100 + UNIX_EPOCH_TICKS),
            Val::Timespan(ns) => Some(ns / 100),
            Val::Str(s) => parse_long(s),
            Val::Dyn(Json::Number(n)) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
            Val::Dyn(Json::String(s)) => parse_long(s),
            Val::Dyn(Json::Bool(b)) => Some(i64::from(*b)),
            _ => None,
        }
    }

    /// `todouble` semantics.
    pub fn to_real(&self) -> Option<f64> {
        match self {
            Val::Bool(b) => Some(f64::from(u8::from(*b))),
            Val::Int(i) => Some(f64::from(*i)),
            Val::Long(i) => Some(*i as f64),
            Val::Real(r) => Some(*r),
            Val::Datetime(ns) => Some(*ns as f64 / 100.0 + UNIX_EPOCH_TICKS as f64),
            Val::Timespan(ns) => Some(*ns as f64 / 100.0),
            Val::Str(s) => parse_real(s),
            Val::Dyn(Json::Number(n)) => n.as_f64(),
            Val::Dyn(Json::String(s)) => parse_real(s),
            Val::Dyn(Json::Bool(b)) => Some(f64::from(u8::from(*b))),
            _ => None,
        }
    }

    /// `tobool` semantics.
    pub fn to_bool(&self) -> Option<bool> {
        match self {
            Val::Bool(b) => Some(*b),
            Val::Int(i) => Some(*i != 0),
            Val::Long(i) => Some(*i != 0),
            Val::Real(r) => Some(*r != 0.0),
            // "true"/"false" in any case, or integer text (nonzero is true: `tobool("-1")`).
            Val::Str(s) | Val::Dyn(Json::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
                "true" => Some(true),
                "false" => Some(false),
                other => parse_long(other).map(|v| v != 0),
            },
            Val::Dyn(Json::Bool(b)) => Some(*b),
            Val::Dyn(Json::Number(n)) => n.as_f64().map(|f| f != 0.0),
            _ => None,
        }
    }

    /// `todatetime` semantics (nanoseconds).
    pub fn to_datetime(&self) -> Option<i64> {
        match self {
            Val::Datetime(ns) => Some(*ns),
            Val::Str(s) | Val::Dyn(Json::String(s)) => crate::format::parse_datetime(s),
            Val::Long(ticks) => ticks_to_unix_ns(*ticks),
            Val::Dyn(Json::Number(n)) => n.as_i64().and_then(ticks_to_unix_ns),
            _ => None,
        }
    }

    /// `totimespan` semantics (nanoseconds).
    pub fn to_timespan(&self) -> Option<i64> {
        match self {
            Val::Timespan(ns) => Some(*ns),
            Val::Str(s) | Val::Dyn(Json::String(s)) => crate::format::parse_timespan(s),
            Val::Long(ticks) => ticks.checked_mul(100),
            Val::Int(ticks) => Some(i64::from(*ticks) * 100),
            Val::Real(ticks) => Some((*ticks * 100.0) as i64),
            Val::Dyn(Json::Number(n)) => n.as_i64().and_then(|t| t.checked_mul(100)),
            _ => None,
        }
    }

    /// `todynamic` of a value: JSON as is; strings stay strings (use `parse_json` to parse).
    pub fn to_json(&self) -> Json {
        match self {
            Val::Null => Json::Null,
            Val::Bool(b) => Json::Bool(*b),
            Val::Int(i) => Json::from(*i),
            Val::Long(i) => Json::from(*i),
            Val::Real(r) => {
                serde_json::Number::from_f64(*r).map_or_else(|| Json::String(nonfinite_text(*r).into()), Json::Number)
            }
            Val::Str(s) => Json::String(s.clone()),
            Val::Datetime(_) | Val::Timespan(_) => Json::String(self.to_kql_string()),
            Val::Dyn(json) => json.clone(),
        }
    }

    /// A dynamic value's natural scalar: numbers as long or real, strings, bools; else dynamic.
    pub fn from_json(json: Json) -> Val {
        Val::Dyn(json)
    }
}

/// Ticks (100 ns) from 0001-01-01 to 1970-01-01.
const UNIX_EPOCH_TICKS: i64 = 621_355_968_000_000_000;

/// Kusto ticks (100 ns since 0001-01-01) to Unix nanoseconds.
pub fn ticks_to_unix_ns(ticks: i64) -> Option<i64> {
    ticks.checked_sub(UNIX_EPOCH_TICKS)?.checked_mul(100)
}

fn parse_long(s: &str) -> Option<i64> {
    let t = s.trim();
    if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        return u64::from_str_radix(hex, 16).ok().map(|v| v as i64);
    }
    // Only integer text converts (`tolong("5.9")` is null); one that does not fit is null too.
    t.parse::<i64>().ok()
}

fn parse_real(s: &str) -> Option<f64> {
    let t = s.trim();
    // `NaN` and `Infinity` in any case, as .NET reads them; `inf` only as Kusto writes it.
    match (t, t.to_ascii_lowercase().as_str()) {
        (_, "nan") => return Some(f64::NAN),
        ("inf" | "+inf", _) | (_, "infinity" | "+infinity") => return Some(f64::INFINITY),
        ("-inf", _) | (_, "-infinity") => return Some(f64::NEG_INFINITY),
        // Rust would read `INF` and `nAn` too.
        (_, lower) if lower.contains("inf") || lower.contains("nan") => return None,
        _ => {}
    }
    t.parse().ok()
}

/// `tostring` of a real as Kusto writes it: a whole number keeps one decimal (`1500.0`,
/// `-0.0`), others the shortest text that reads back the same; `NaN`, `inf`, `-inf`.
pub fn format_real(r: f64) -> String {
    if r.is_nan() {
        return "NaN".into();
    }
    if r.is_infinite() {
        return if r > 0.0 { "inf" } else { "-inf" }.into();
    }
    if r == r.trunc() && r.abs() < 1e15 {
        return format!("{r:.1}");
    }
    let text = format!("{r}");
    if text.contains('e') { format!("{r:E}") } else { text }
}

/// A NaN or infinite real in JSON results and dynamic values, which have no number for it:
/// `"NaN"`, `"Infinity"`, `"-Infinity"`.
pub fn nonfinite_text(r: f64) -> &'static str {
    match r {
        r if r.is_nan() => "NaN",
        r if r > 0.0 => "Infinity",
        _ => "-Infinity",
    }
}

/// Reads row `row` of `array` as a [`Val`].
pub fn val_at(array: &dyn Array, row: usize) -> Val {
    if array.is_null(row) {
        return Val::Null;
    }
    match array.data_type() {
        DataType::Boolean => Val::Bool(array.as_boolean().value(row)),
        DataType::Int32 => Val::Int(array.as_primitive::<Int32Type>().value(row)),
        DataType::Int64 => Val::Long(array.as_primitive::<Int64Type>().value(row)),
        DataType::Int8 => Val::Int(i32::from(array.as_primitive::<Int8Type>().value(row))),
        DataType::Int16 => Val::Int(i32::from(array.as_primitive::<Int16Type>().value(row))),
        DataType::UInt8 => Val::Int(i32::from(array.as_primitive::<UInt8Type>().value(row))),
        DataType::UInt16 => Val::Int(i32::from(array.as_primitive::<UInt16Type>().value(row))),
        DataType::UInt32 => Val::Long(i64::from(array.as_primitive::<UInt32Type>().value(row))),
        DataType::UInt64 => Val::Long(array.as_primitive::<UInt64Type>().value(row) as i64),
        DataType::Float64 => Val::Real(array.as_primitive::<Float64Type>().value(row)),
        DataType::Float32 => Val::Real(f64::from(array.as_primitive::<Float32Type>().value(row))),
        DataType::Utf8 => Val::Str(array.as_string::<i32>().value(row).to_string()),
        DataType::Utf8View => Val::Str(array.as_string_view().value(row).to_string()),
        DataType::LargeUtf8 => Val::Dyn(parse_dynamic_text(array.as_string::<i64>().value(row))),
        DataType::Timestamp(_, _) => Val::Datetime(array.as_primitive::<TimestampNanosecondType>().value(row)),
        DataType::Duration(_) => Val::Timespan(array.as_primitive::<DurationNanosecondType>().value(row)),
        DataType::Decimal128(_, scale) => {
            let raw = array.as_any().downcast_ref::<Decimal128Array>().map_or(0, |a| a.value(row));
            Val::Real(raw as f64 / 10f64.powi(i32::from(*scale)))
        }
        DataType::List(_) | DataType::LargeList(_) => {
            let list =
                if let Some(l) = array.as_list_opt::<i32>() { l.value(row) } else { array.as_list::<i64>().value(row) };
            Val::Dyn(Json::Array((0..list.len()).map(|i| val_at(list.as_ref(), i).to_json()).collect()))
        }
        _ => Val::Null,
    }
}

/// Parses stored dynamic text; text that is not JSON stays a JSON string.
pub fn parse_dynamic_text(text: &str) -> Json {
    serde_json::from_str(text).unwrap_or_else(|_| Json::String(text.to_string()))
}

/// Builds an array of `data_type` from values, coercing each (a value that does not fit is null;
/// strings are never null).
pub fn build_array(data_type: &DataType, values: &[Val]) -> ArrayRef {
    match data_type {
        DataType::Boolean => {
            let mut b = BooleanBuilder::with_capacity(values.len());
            values.iter().for_each(|v| b.append_option(v.to_bool()));
            Arc::new(b.finish())
        }
        DataType::Int32 => {
            let mut b = Int32Builder::with_capacity(values.len());
            values.iter().for_each(|v| b.append_option(v.to_long().map(|x| x as i32)));
            Arc::new(b.finish())
        }
        DataType::Int64 => {
            let mut b = Int64Builder::with_capacity(values.len());
            values.iter().for_each(|v| b.append_option(v.to_long()));
            Arc::new(b.finish())
        }
        DataType::Float64 => {
            let mut b = Float64Builder::with_capacity(values.len());
            values.iter().for_each(|v| b.append_option(v.to_real()));
            Arc::new(b.finish())
        }
        DataType::Timestamp(_, _) => {
            let mut b = TimestampNanosecondBuilder::with_capacity(values.len());
            values.iter().for_each(|v| b.append_option(v.to_datetime()));
            Arc::new(b.finish())
        }
        DataType::Duration(_) => {
            let mut b = DurationNanosecondBuilder::with_capacity(values.len());
            values.iter().for_each(|v| b.append_option(v.to_timespan()));
            Arc::new(b.finish())
        }
        DataType::LargeUtf8 => {
            let mut b = LargeStringBuilder::with_capacity(values.len(), values.len() * 8);
            for v in values {
                match v {
                    Val::Null | Val::Dyn(Json::Null) => b.append_null(),
                    other => b.append_value(other.to_json().to_string()),
                }
            }
            Arc::new(b.finish())
        }
        _ => {
            let mut b = StringBuilder::with_capacity(values.len(), values.len() * 8);
            values.iter().for_each(|v| b.append_value(v.to_kql_string()));
            Arc::new(b.finish())
        }
    }
}

/// The Arrow type that holds values of `val`'s kind.
pub fn data_type_of(val: &Val) -> DataType {
    match val {
        Val::Null | Val::Dyn(_) => crate::types::DYNAMIC,
        Val::Bool(_) => DataType::Boolean,
        Val::Int(_) => DataType::Int32,
        Val::Long(_) => DataType::Int64,
        Val::Real(_) => DataType::Float64,
        Val::Str(_) => DataType::Utf8,
        Val::Datetime(_) => DATETIME,
        Val::Timespan(_) => TIMESPAN,
    }
}
