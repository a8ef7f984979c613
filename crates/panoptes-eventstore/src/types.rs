//! KQL types as Arrow types. Each KQL type has its own Arrow type, so a plan's schema alone tells
//! the KQL type of every column: `dynamic` is JSON text in `LargeUtf8` (plain `string` is `Utf8`),
//! `timespan` is `Duration(ns)`, `datetime` is `Timestamp(ns, UTC)`.

use datafusion::arrow::datatypes::{DataType, TimeUnit};
use panoptes_domain::KqlType;

/// Arrow type of `datetime`.
pub const DATETIME: DataType = DataType::Timestamp(TimeUnit::Nanosecond, None);
/// Arrow type of `timespan`.
pub const TIMESPAN: DataType = DataType::Duration(TimeUnit::Nanosecond);
/// Arrow type of `dynamic` (JSON text).
pub const DYNAMIC: DataType = DataType::LargeUtf8;

/// The Arrow type for a KQL type.
pub fn arrow_type(kql: KqlType) -> DataType {
    match kql {
        KqlType::String | KqlType::Guid => DataType::Utf8,
        KqlType::Int => DataType::Int32,
        KqlType::Long => DataType::Int64,
        KqlType::Real | KqlType::Decimal => DataType::Float64,
        KqlType::Bool => DataType::Boolean,
        KqlType::Datetime => DATETIME,
        KqlType::Timespan => TIMESPAN,
        KqlType::Dynamic => DYNAMIC,
    }
}

/// The KQL type of an Arrow type (integers narrower than 32 bits read as `int`).
pub fn kql_type(data_type: &DataType) -> KqlType {
    match data_type {
        DataType::Utf8 | DataType::Utf8View => KqlType::String,
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::UInt8 | DataType::UInt16 => KqlType::Int,
        DataType::Int64 | DataType::UInt32 | DataType::UInt64 => KqlType::Long,
        DataType::Float16 | DataType::Float32 | DataType::Float64 => KqlType::Real,
        DataType::Decimal128(..) | DataType::Decimal256(..) => KqlType::Decimal,
        DataType::Boolean => KqlType::Bool,
        DataType::Timestamp(..) | DataType::Date32 | DataType::Date64 => KqlType::Datetime,
        DataType::Duration(_) => KqlType::Timespan,
        _ => KqlType::Dynamic,
    }
}

/// Is this a numeric KQL type?
pub fn is_numeric(data_type: &DataType) -> bool {
    matches!(kql_type(data_type), KqlType::Int | KqlType::Long | KqlType::Real | KqlType::Decimal)
}
