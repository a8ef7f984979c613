use std::fmt;

use serde::{Deserialize, Serialize};

/// The scalar types of KQL, spelled as Kusto spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KqlType {
    /// `string`: never null; a missing value is `""`.
    String,
    /// `int`: 32-bit signed integer.
    Int,
    /// `long`: 64-bit signed integer.
    Long,
    /// `real`: 64-bit float.
    Real,
    /// `decimal`: 128-bit decimal.
    Decimal,
    /// `bool`.
    Bool,
    /// `datetime`: an instant with 100 ns precision, UTC.
    Datetime,
    /// `timespan`: a duration with 100 ns precision.
    Timespan,
    /// `guid`.
    Guid,
    /// `dynamic`: any JSON value.
    Dynamic,
}

impl KqlType {
    /// Parses a type name as it appears in KQL (`long`, `int64`, `datetime`, `date`, `bool`, …).
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name.to_ascii_lowercase().as_str() {
            "string" => Self::String,
            "int" | "int32" => Self::Int,
            "long" | "int64" => Self::Long,
            "real" | "double" | "float" => Self::Real,
            "decimal" => Self::Decimal,
            "bool" | "boolean" => Self::Bool,
            "datetime" | "date" => Self::Datetime,
            "timespan" | "time" => Self::Timespan,
            "guid" | "uniqueid" => Self::Guid,
            "dynamic" => Self::Dynamic,
            _ => return None,
        })
    }

    /// The canonical KQL name.
    pub fn name(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Int => "int",
            Self::Long => "long",
            Self::Real => "real",
            Self::Decimal => "decimal",
            Self::Bool => "bool",
            Self::Datetime => "datetime",
            Self::Timespan => "timespan",
            Self::Guid => "guid",
            Self::Dynamic => "dynamic",
        }
    }

    /// The CLR-style name used by the hunting API schema (`String`, `Int64`, `DateTime`, …).
    pub fn clr_name(self) -> &'static str {
        match self {
            Self::String => "String",
            Self::Int => "Int32",
            Self::Long => "Int64",
            Self::Real => "Double",
            Self::Decimal => "Decimal",
            Self::Bool => "Boolean",
            Self::Datetime => "DateTime",
            Self::Timespan => "TimeSpan",
            Self::Guid => "Guid",
            Self::Dynamic => "Object",
        }
    }
}

impl fmt::Display for KqlType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
