//! List-producing UDFs behind `mv-expand`: a dynamic value becomes the list of its elements
//! (an array's items, a bag's single-key pairs, a scalar as itself, null as one null), and the
//! matching list of item indexes.

use std::sync::Arc;

use datafusion::arrow::array::{Int64Builder, LargeStringBuilder, ListBuilder};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::common::Result as DfResult;
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use serde_json::Value as Json;

use crate::value::val_at;

#[derive(Debug, PartialEq, Eq, Hash)]
struct MvList {
    indexes: bool,
    signature: Signature,
}

/// The elements of a dynamic value as a list of dynamic values.
pub fn to_list(expr: Expr) -> Expr {
    ScalarUDF::new_from_impl(MvList { indexes: false, signature: Signature::any(1, Volatility::Immutable) })
        .call(vec![expr])
}

/// The indexes `0..n` of a dynamic value's elements.
pub fn list_indexes(expr: Expr) -> Expr {
    ScalarUDF::new_from_impl(MvList { indexes: true, signature: Signature::any(1, Volatility::Immutable) })
        .call(vec![expr])
}

fn elements(value: Json) -> Vec<Json> {
    match value {
        Json::Array(items) => items,
        Json::Object(map) => map
            .into_iter()
            .map(|(k, v)| {
                let mut single = serde_json::Map::new();
                single.insert(k, v);
                Json::Object(single)
            })
            .collect(),
        other => vec![other],
    }
}

impl ScalarUDFImpl for MvList {
    fn name(&self) -> &str {
        if self.indexes { "kql_mv_indexes" } else { "kql_mv_list" }
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> DfResult<DataType> {
        let item = if self.indexes { DataType::Int64 } else { DataType::LargeUtf8 };
        Ok(DataType::List(Arc::new(Field::new("item", item, true))))
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let array = args.args[0].to_array(args.number_rows)?;
        if self.indexes {
            let mut builder = ListBuilder::new(Int64Builder::new());
            for row in 0..array.len() {
                let n = elements(val_at(array.as_ref(), row).to_json()).len();
                for i in 0..n {
                    builder.values().append_value(i as i64);
                }
                builder.append(true);
            }
            return Ok(ColumnarValue::Array(Arc::new(builder.finish())));
        }
        let mut builder = ListBuilder::new(LargeStringBuilder::new());
        for row in 0..array.len() {
            for item in elements(val_at(array.as_ref(), row).to_json()) {
                match item {
                    Json::Null => builder.values().append_null(),
                    other => builder.values().append_value(other.to_string()),
                }
            }
            builder.append(true);
        }
        Ok(ColumnarValue::Array(Arc::new(builder.finish())))
    }
}
