//! KQL built-in scalar functions. Most are row-wise: a plain `fn(&[Val]) -> Val` wrapped in one
//! DataFusion UDF type ([`RowFn`]); the hot string predicates are vectorized kernels in
//! [`strops`]. The registry ([`lookup`]) gives each function its arity and result type, so
//! arity and type errors surface at plan time.

mod convert;
mod datetime;
mod dynamic;
mod encoding;
mod math;
pub mod mvexpand;
mod network;
mod registry;
pub mod scan;
mod series;
pub(crate) mod series_ops;
mod string;
pub(crate) mod strops;
mod strscan;

use std::hash::{Hash, Hasher};

use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result as DfResult, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature, Volatility,
};
use panoptes_domain::KqlType;

pub use registry::{FnSpec, Ret, lookup, names};

use crate::types::arrow_type;
use crate::value::{Val, build_array, val_at};

/// `d.key` / `d[i]` on dynamic values.
pub fn dynamic_get(args: &[Val]) -> Val {
    dynamic::get(args)
}

/// `bag_keys` semantics: the keys of a bag as a JSON array.
pub fn bag_keys(args: &[Val]) -> Val {
    dynamic::bag_keys(args)
}

/// `parse_json` semantics.
pub fn parse_json_fn(args: &[Val]) -> Val {
    convert::parse_json(args)
}

/// `tostring` semantics.
pub fn tostring_fn(args: &[Val]) -> Val {
    convert::tostring(args)
}

/// Packs arguments into one array, flattening array arguments (for `has_any` lists).
pub fn flat_array_fn(args: &[Val]) -> Val {
    let mut items = Vec::new();
    for arg in args {
        match arg.to_json() {
            serde_json::Value::Array(inner) => items.extend(inner),
            other => items.push(other),
        }
    }
    Val::Dyn(serde_json::Value::Array(items))
}

/// `value in (array)`: compares as text, so `"1"` matches `1`.
pub fn in_array_fn(args: &[Val]) -> Val {
    let needle = args.first().map(Val::to_kql_string).unwrap_or_default();
    let found = match args.get(1).map(Val::to_json) {
        Some(serde_json::Value::Array(items)) => items.into_iter().any(|i| Val::Dyn(i).to_kql_string() == needle),
        Some(other) => Val::Dyn(other).to_kql_string() == needle,
        None => false,
    };
    Val::Bool(found)
}

/// Converts to a named KQL type (`convert_to` with the type as the second argument).
pub fn convert_fn(args: &[Val]) -> Val {
    let target = args.get(1).map(Val::to_kql_string).unwrap_or_default();
    convert::convert_to(args.first().unwrap_or(&Val::Null), &target)
}

/// A row-wise KQL function as a DataFusion scalar UDF.
#[derive(Debug)]
pub struct RowFn {
    name: String,
    signature: Signature,
    return_type: DataType,
    eval: fn(&[Val]) -> Val,
}

impl PartialEq for RowFn {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.return_type == other.return_type
    }
}

impl Eq for RowFn {}

impl Hash for RowFn {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
        self.return_type.hash(state);
    }
}

/// Calls the row-wise function `eval` named `name` returning `ret` over `args`.
pub fn row_call(name: &str, ret: KqlType, eval: fn(&[Val]) -> Val, args: Vec<Expr>) -> Expr {
    let udf = RowFn {
        name: format!("kql_{name}"),
        signature: Signature::one_of(vec![TypeSignature::VariadicAny, TypeSignature::Nullary], Volatility::Immutable),
        return_type: arrow_type(ret),
        eval,
    };
    ScalarUDF::new_from_impl(udf).call(args)
}

impl ScalarUDFImpl for RowFn {
    fn name(&self) -> &str {
        &self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(self.return_type.clone())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let all_scalar = args.args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let rows = if all_scalar { 1 } else { args.number_rows };
        let arrays = args.args.iter().map(|a| a.to_array(rows)).collect::<DfResult<Vec<_>>>()?;
        let mut row_args = Vec::with_capacity(arrays.len());
        let mut out = Vec::with_capacity(rows);
        for row in 0..rows {
            row_args.clear();
            row_args.extend(arrays.iter().map(|a| val_at(a.as_ref(), row)));
            out.push((self.eval)(&row_args));
        }
        let array = build_array(&self.return_type, &out);
        if all_scalar {
            Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&array, 0)?))
        } else {
            Ok(ColumnarValue::Array(array))
        }
    }
}

/// `matches regex`: an invalid pattern matches nothing.
pub fn matches_regex_fn(args: &[Val]) -> Val {
    let text = args.first().map(Val::to_kql_string).unwrap_or_default();
    let pattern = args.get(1).map(Val::to_kql_string).unwrap_or_default();
    Val::Bool(string::regex(&pattern).is_some_and(|re| re.is_match(&text)))
}

/// `extract(regex, group, text, typeof(T))`: the type name arrives as the 4th argument.
pub fn extract_typed_fn(args: &[Val]) -> Val {
    let target = args.get(3).map(Val::to_kql_string).unwrap_or_default();
    let text = string::extract(&args[..3.min(args.len())]);
    match text {
        Val::Str(s) if s.is_empty() => Val::Null,
        other => convert::convert_to(&other, &target),
    }
}

/// A list value from `array_agg` as a dynamic array.
pub fn list_to_dynamic_fn(args: &[Val]) -> Val {
    match args.first() {
        Some(Val::Null) | None => Val::Dyn(serde_json::Value::Array(Vec::new())),
        Some(v) => Val::Dyn(flatten_arrays(v.to_json())),
    }
}

/// `make_list`/`make_set` of dynamic arrays concatenate them, as Kusto does.
fn flatten_arrays(list: serde_json::Value) -> serde_json::Value {
    match list {
        serde_json::Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    serde_json::Value::Array(inner) => out.extend(inner),
                    other => out.push(other),
                }
            }
            serde_json::Value::Array(out)
        }
        other => other,
    }
}

/// Merges a list of property bags (`make_bag`): the first value of a key wins.
pub fn merge_bags_fn(args: &[Val]) -> Val {
    let mut out = serde_json::Map::new();
    if let Some(serde_json::Value::Array(items)) = args.first().map(Val::to_json) {
        for item in items {
            if let serde_json::Value::Object(map) = item {
                for (k, v) in map {
                    out.entry(k).or_insert(v);
                }
            }
        }
    }
    Val::Dyn(serde_json::Value::Object(out))
}

/// Merges a list of sets into one set (`hll_merge`).
pub fn merge_sets_fn(args: &[Val]) -> Val {
    let mut out: Vec<serde_json::Value> = Vec::new();
    if let Some(serde_json::Value::Array(items)) = args.first().map(Val::to_json) {
        for item in items {
            if let serde_json::Value::Array(inner) = item {
                for v in inner {
                    if !out.contains(&v) {
                        out.push(v);
                    }
                }
            }
        }
    }
    Val::Dyn(serde_json::Value::Array(out))
}

/// Nearest-rank percentile of a list of numbers.
pub fn percentile_fn(args: &[Val]) -> Val {
    let p = args.get(1).and_then(Val::to_real).unwrap_or(50.0);
    let mut values: Vec<f64> = match args.first().map(Val::to_json) {
        Some(serde_json::Value::Array(items)) => items.iter().filter_map(serde_json::Value::as_f64).collect(),
        _ => Vec::new(),
    };
    if values.is_empty() {
        return Val::Null;
    }
    values.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * values.len() as f64).ceil().max(1.0) as usize;
    Val::Real(values[rank.min(values.len()) - 1])
}

/// Converts a value to the KQL type named `type_name`.
pub fn convert_value(value: &Val, type_name: &str) -> Val {
    convert::convert_to(value, type_name)
}

/// A filter that fails when executed: `externaldata` plans from its declared schema, but
/// fetching is disabled on this instance.
pub fn externaldata_disabled() -> Expr {
    #[derive(Debug, PartialEq, Eq, Hash)]
    struct Disabled {
        signature: Signature,
    }
    impl ScalarUDFImpl for Disabled {
        fn name(&self) -> &str {
            "kql_externaldata"
        }
        fn signature(&self) -> &Signature {
            &self.signature
        }
        fn return_type(&self, _: &[DataType]) -> DfResult<DataType> {
            Ok(DataType::Boolean)
        }
        fn invoke_with_args(&self, _: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
            datafusion::common::exec_err!(
                "externaldata is disabled on this instance; an administrator can allow HTTPS sources by allow-list"
            )
        }
    }
    ScalarUDF::new_from_impl(Disabled { signature: Signature::nullary(Volatility::Volatile) }).call(vec![])
}

/// Does this regex compile?
pub fn compiles(pattern: &str) -> Option<()> {
    string::regex(pattern).map(|_| ())
}

/// One capture group of a `parse` regex, converted to the column type (args: text, regex,
/// group, type name).
pub fn parse_group_fn(args: &[Val]) -> Val {
    let text = args.first().map(Val::to_kql_string).unwrap_or_default();
    let pattern = args.get(1).map(Val::to_kql_string).unwrap_or_default();
    let group = args.get(2).and_then(Val::to_long).unwrap_or(1).max(0) as usize;
    let type_name = args.get(3).map(Val::to_kql_string).unwrap_or_default();
    let found = string::regex(&pattern)
        .and_then(|re| re.captures(&text).and_then(|c| c.get(group)).map(|m| m.as_str().to_string()));
    match found {
        Some(value) => convert::convert_to(&Val::Str(value), &type_name),
        None if type_name == "string" => Val::Str(String::new()),
        None => Val::Null,
    }
}

/// One key of `parse-kv` (args: text, key, pair delimiter, kv delimiter, quote, type name).
pub fn parse_kv_fn(args: &[Val]) -> Val {
    let arg = |i: usize| args.get(i).map(Val::to_kql_string).unwrap_or_default();
    let (text, key, pair, kv, quote, type_name) = (arg(0), arg(1), arg(2), arg(3), arg(4), arg(5));
    let quote = quote.chars().next();
    let mut found = None;
    for item in kv_items(&text, &pair, &kv, quote) {
        if let Some((k, v)) = item.split_once(kv.as_str())
            && k.trim() == key
        {
            let v = match quote {
                Some(q) => v.trim_matches(q),
                None => v,
            };
            found = Some(v.to_string());
            break;
        }
    }
    match found {
        Some(v) => convert::convert_to(&Val::Str(v), &type_name),
        None if type_name == "string" => Val::Str(String::new()),
        None => Val::Null,
    }
}

/// The `key<kv>value` items of `parse-kv` text: split at the pair delimiter except inside
/// quotes, with white space around the key-value delimiter dropped (`key = value`).
fn kv_items(text: &str, pair: &str, kv: &str, quote: Option<char>) -> Vec<String> {
    let (mut items, mut item) = (Vec::new(), String::new());
    let mut quoted = false;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if Some(c) == quote {
            quoted = !quoted;
        } else if !quoted && !kv.is_empty() && rest.starts_with(kv) {
            item.truncate(item.trim_end().len());
            item.push_str(kv);
            rest = rest[kv.len()..].trim_start();
            continue;
        } else if !quoted && !kv.is_empty() && c.is_whitespace() && rest.trim_start().starts_with(kv) {
            // White space (even a white-space pair delimiter) before the key-value delimiter.
            rest = rest.trim_start();
            continue;
        } else if !quoted && !pair.is_empty() && rest.starts_with(pair) {
            items.push(std::mem::take(&mut item));
            rest = &rest[pair.len()..];
            continue;
        }
        item.push(c);
        rest = &rest[c.len_utf8()..];
    }
    items.push(item);
    items
}

/// `mv-expand kind=array`: a bag becomes an array of `[key, value]` pairs.
pub fn bag_to_pairs_fn(args: &[Val]) -> Val {
    match args.first().map(Val::to_json) {
        Some(serde_json::Value::Object(map)) => Val::Dyn(serde_json::Value::Array(
            map.into_iter().map(|(k, v)| serde_json::Value::Array(vec![serde_json::Value::String(k), v])).collect(),
        )),
        Some(other) => Val::Dyn(other),
        None => Val::Null,
    }
}

/// `extract_json(path, text, typeof(T))` with the type name as the third argument.
pub fn extract_json_typed_fn(args: &[Val]) -> Val {
    dynamic::extract_json(args)
}

/// make-series: the slot of a row.
pub fn series_slot_fn(args: &[Val]) -> Val {
    series::slot(args)
}

/// make-series: the number of slots.
pub fn series_count_fn(args: &[Val]) -> Val {
    series::count(args)
}

/// make-series: values laid out in their slots.
pub fn series_layout_fn(args: &[Val]) -> Val {
    series::layout(args)
}

/// make-series: the axis values.
pub fn series_axis_fn(args: &[Val]) -> Val {
    series::axis(args)
}

/// `series_decompose_anomalies` with all its results: `[flags, scores, baseline]`.
pub fn series_decompose_all_fn(args: &[Val]) -> Val {
    series::decompose_all(args)
}

/// `bag_pack(key, value, ...)`.
pub fn bag_pack_fn(args: &[Val]) -> Val {
    dynamic::bag_pack(args)
}

/// A list value as a dynamic array without duplicates, first occurrence first (`make_set`).
pub fn list_to_dynamic_set_fn(args: &[Val]) -> Val {
    let mut out: Vec<serde_json::Value> = Vec::new();
    if let serde_json::Value::Array(items) =
        flatten_arrays(args.first().map(Val::to_json).unwrap_or(serde_json::Value::Null))
    {
        for item in items {
            if !out.contains(&item) {
                out.push(item);
            }
        }
    }
    Val::Dyn(serde_json::Value::Array(out))
}

/// `array_slice(array, start, end)`.
pub fn array_slice_fn(args: &[Val]) -> Val {
    dynamic::array_slice(args)
}
