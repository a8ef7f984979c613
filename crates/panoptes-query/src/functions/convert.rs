//! Conversions (`tostring`, `tolong`, `todatetime`, `parse_json`, ...) and type inspection.

use serde_json::Value as Json;

use crate::value::{Val, parse_dynamic_text};

fn first(a: &[Val]) -> &Val {
    a.first().unwrap_or(&Val::Null)
}

pub(super) fn tostring(a: &[Val]) -> Val {
    Val::Str(first(a).to_kql_string())
}

pub(super) fn tolong(a: &[Val]) -> Val {
    first(a).to_long().map_or(Val::Null, Val::Long)
}

pub(super) fn toint(a: &[Val]) -> Val {
    match first(a) {
        // Text out of int range is null; numbers narrow as Kusto casts them.
        Val::Str(_) | Val::Dyn(serde_json::Value::String(_)) => {
            first(a).to_long().and_then(|v| i32::try_from(v).ok()).map_or(Val::Null, Val::Int)
        }
        // A real saturates at the int range; a long wraps (as Kusto casts each).
        Val::Real(r) if r.is_finite() => Val::Int(*r as i32),
        Val::Dyn(serde_json::Value::Number(n)) if !n.is_i64() => {
            n.as_f64().filter(|r| r.is_finite()).map_or(Val::Null, |r| Val::Int(r as i32))
        }
        other => other.to_long().map_or(Val::Null, |v| Val::Int(v as i32)),
    }
}

pub(super) fn toreal(a: &[Val]) -> Val {
    first(a).to_real().map_or(Val::Null, Val::Real)
}

pub(super) fn tobool(a: &[Val]) -> Val {
    first(a).to_bool().map_or(Val::Null, Val::Bool)
}

pub(super) fn todatetime(a: &[Val]) -> Val {
    first(a).to_datetime().map_or(Val::Null, Val::Datetime)
}

pub(super) fn totimespan(a: &[Val]) -> Val {
    first(a).to_timespan().map_or(Val::Null, Val::Timespan)
}

pub(super) fn toguid(a: &[Val]) -> Val {
    let text = first(a).to_kql_string();
    let t = text.trim().trim_start_matches('{').trim_end_matches('}');
    let hex: String = t.chars().filter(|c| *c != '-').collect();
    if hex.len() == 32 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        Val::Str(t.to_ascii_lowercase())
    } else {
        Val::Null
    }
}

/// `parse_json` / `todynamic`: strings are parsed as JSON (text that is not JSON stays a
/// string); dynamic values pass through unchanged.
pub(super) fn parse_json(a: &[Val]) -> Val {
    match first(a) {
        Val::Str(text) => {
            if text.is_empty() {
                return Val::Null;
            }
            Val::Dyn(parse_dynamic_text(text))
        }
        Val::Dyn(Json::String(text)) => match serde_json::from_str::<Json>(text) {
            Ok(json) if json.is_object() || json.is_array() => Val::Dyn(json),
            _ => Val::Dyn(Json::String(text.clone())),
        },
        other => Val::Dyn(other.to_json()),
    }
}

/// `gettype`: Kusto's type names, with dynamic values reporting their JSON kind.
pub(super) fn gettype(a: &[Val]) -> Val {
    let name = match first(a) {
        Val::Null => "null",
        Val::Bool(_) => "bool",
        Val::Int(_) => "int",
        Val::Long(_) => "long",
        Val::Real(_) => "real",
        Val::Str(_) => "string",
        Val::Datetime(_) => "datetime",
        Val::Timespan(_) => "timespan",
        Val::Dyn(json) => match json {
            Json::Null => "null",
            Json::Bool(_) => "bool",
            Json::Number(n) if n.is_i64() || n.is_u64() => "long",
            Json::Number(_) => "double",
            Json::String(s) if crate::format::parse_datetime(s).is_some() && s.len() >= 10 && s.contains('-') => {
                "datetime"
            }
            Json::String(_) => "string",
            Json::Array(_) => "array",
            Json::Object(_) => "dictionary",
        },
    };
    Val::Str(name.into())
}

/// Converts to a type named in KQL (`extract(..., typeof(long))`, `mv-expand to typeof(T)`).
pub(crate) fn convert_to(value: &Val, type_name: &str) -> Val {
    let args = std::slice::from_ref(value);
    match type_name {
        "long" | "int64" => tolong(args),
        "int" | "int32" => toint(args),
        "real" | "double" => toreal(args),
        "bool" | "boolean" => tobool(args),
        "datetime" | "date" => todatetime(args),
        "timespan" | "time" => totimespan(args),
        "dynamic" => Val::Dyn(value.to_json()),
        "guid" => toguid(args),
        _ => tostring(args),
    }
}
