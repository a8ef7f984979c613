//! Vectorized kernels for the string predicates that dominate hunting: `has`, `contains`,
//! `startswith`, `endswith`, `=~` and their `_cs` forms, `has_any`/`has_all`, `in~`.
//! Case-insensitive matching lowercases ASCII haystacks into a reused buffer and searches with
//! `memchr::memmem`; full Unicode folding runs only when a value is not ASCII. Null strings
//! count as `""`, so results are never null.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result as DfResult, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use memchr::memmem;
use panoptes_kql::ast::StringOp;

/// Which predicate a kernel computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum StrPredicate {
    /// One of the `has`/`contains`/`startswith`/`endswith` family.
    Op(StringOp),
    /// `=~`
    EqualsCi,
    /// `has_any` (cs?)
    HasAny(bool),
    /// `has_all` (cs?)
    HasAll(bool),
    /// `in~`
    InCi,
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct StrPredicateUdf {
    predicate: StrPredicate,
    name: String,
    signature: Signature,
}

/// `predicate(haystack, needle)`; for the list forms the needle is a JSON array (dynamic).
pub(crate) fn call(predicate: StrPredicate, haystack: Expr, needle: Expr) -> Expr {
    let udf = StrPredicateUdf {
        name: format!("kql_{predicate:?}").to_lowercase(),
        predicate,
        signature: Signature::any(2, Volatility::Immutable),
    };
    ScalarUDF::new_from_impl(udf).call(vec![haystack, needle])
}

impl ScalarUDFImpl for StrPredicateUdf {
    fn name(&self) -> &str {
        &self.name
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Boolean)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let [haystack, needle] = args.args.as_slice() else {
            return datafusion::common::internal_err!("string predicate takes two arguments");
        };
        // The common case: a column against one constant needle.
        if let ColumnarValue::Scalar(needle) = needle {
            let needles = Needles::new(self.predicate, &scalar_text(needle));
            return match haystack {
                ColumnarValue::Scalar(h) => {
                    Ok(ColumnarValue::Scalar(ScalarValue::Boolean(Some(needles.matches(&scalar_text(h))))))
                }
                ColumnarValue::Array(array) => Ok(ColumnarValue::Array(eval_column(array, &needles))),
            };
        }
        let rows = args.number_rows;
        let hay = haystack.to_array(rows)?;
        let needle = needle.to_array(rows)?;
        // Needles usually repeat row to row (a joined list): prepare each distinct one once.
        let mut cached: Option<(String, Needles)> = None;
        let mut out = Vec::with_capacity(rows);
        for i in 0..rows {
            let text = text_at(&needle, i);
            if cached.as_ref().is_none_or(|(t, _)| *t != text) {
                cached = Some((text.clone(), Needles::new(self.predicate, &text)));
            }
            let needles = &cached.as_ref().map(|(_, n)| n);
            out.push(Some(needles.is_some_and(|n| n.matches(&text_at(&hay, i)))));
        }
        let out: BooleanArray = out.into_iter().collect();
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}

fn scalar_text(value: &ScalarValue) -> String {
    match value {
        ScalarValue::Utf8(v) | ScalarValue::LargeUtf8(v) | ScalarValue::Utf8View(v) => v.clone().unwrap_or_default(),
        ScalarValue::Null => String::new(),
        other => other.to_string(),
    }
}

fn text_at(array: &ArrayRef, row: usize) -> String {
    crate::value::val_at(array.as_ref(), row).to_kql_string()
}

fn eval_column(array: &ArrayRef, needles: &Needles) -> ArrayRef {
    let mut buffer = Vec::new();
    let result: BooleanArray = match array.data_type() {
        DataType::Utf8 => array
            .as_string::<i32>()
            .iter()
            .map(|v| Some(needles.matches_buffered(v.unwrap_or(""), &mut buffer)))
            .collect(),
        DataType::LargeUtf8 => (0..array.len()).map(|i| Some(needles.matches(&text_at(array, i)))).collect(),
        DataType::Utf8View => array
            .as_string_view()
            .iter()
            .map(|v| Some(needles.matches_buffered(v.unwrap_or(""), &mut buffer)))
            .collect(),
        _ => (0..array.len()).map(|i| Some(needles.matches(&text_at(array, i)))).collect(),
    };
    Arc::new(result)
}

/// One prepared needle: its case-folded text and a substring finder.
struct Needle {
    text: String,
    finder: memmem::Finder<'static>,
    starts_alnum: bool,
    ends_alnum: bool,
}

impl Needle {
    fn new(text: &str, case_sensitive: bool) -> Self {
        let text = if case_sensitive { text.to_string() } else { text.to_lowercase() };
        let finder = memmem::Finder::new(text.as_bytes()).into_owned();
        let starts_alnum = text.chars().next().is_some_and(char::is_alphanumeric);
        let ends_alnum = text.chars().last().is_some_and(char::is_alphanumeric);
        Self { text, finder, starts_alnum, ends_alnum }
    }
}

struct Needles {
    predicate: StrPredicate,
    case_sensitive: bool,
    items: Vec<Needle>,
}

impl Needles {
    fn new(predicate: StrPredicate, needle: &str) -> Self {
        let case_sensitive = match predicate {
            StrPredicate::Op(op) => matches!(
                op,
                StringOp::HasCs
                    | StringOp::HasPrefixCs
                    | StringOp::HasSuffixCs
                    | StringOp::ContainsCs
                    | StringOp::StartsWithCs
                    | StringOp::EndsWithCs
            ),
            StrPredicate::HasAny(cs) | StrPredicate::HasAll(cs) => cs,
            StrPredicate::EqualsCi | StrPredicate::InCi => false,
        };
        let texts: Vec<String> = match predicate {
            StrPredicate::HasAny(_) | StrPredicate::HasAll(_) | StrPredicate::InCi => {
                match serde_json::from_str::<serde_json::Value>(needle) {
                    Ok(serde_json::Value::Array(items)) => {
                        items.into_iter().map(|i| crate::value::Val::Dyn(i).to_kql_string()).collect()
                    }
                    _ => vec![needle.to_string()],
                }
            }
            _ => vec![needle.to_string()],
        };
        let items = texts.iter().map(|t| Needle::new(t, case_sensitive)).collect();
        Self { predicate, case_sensitive, items }
    }

    fn matches(&self, haystack: &str) -> bool {
        self.matches_buffered(haystack, &mut Vec::new())
    }

    /// Folds the haystack's case once into `buffer` (ASCII fast path) and tests every needle.
    fn matches_buffered(&self, haystack: &str, buffer: &mut Vec<u8>) -> bool {
        let folded_owned;
        let hay: &str = if self.case_sensitive {
            haystack
        } else if haystack.is_ascii() {
            buffer.clear();
            buffer.extend(haystack.bytes().map(|b| b.to_ascii_lowercase()));
            // ASCII lowercasing keeps the bytes valid UTF-8.
            std::str::from_utf8(buffer).unwrap_or(haystack)
        } else {
            folded_owned = haystack.to_lowercase();
            &folded_owned
        };
        match self.predicate {
            StrPredicate::HasAll(_) => self.items.iter().all(|n| has_term(hay, n, true, true)),
            StrPredicate::HasAny(_) => self.items.iter().any(|n| has_term(hay, n, true, true)),
            StrPredicate::InCi => self.items.iter().any(|n| hay == n.text),
            StrPredicate::EqualsCi => self.items.iter().any(|n| hay == n.text),
            StrPredicate::Op(op) => {
                let Some(n) = self.items.first() else {
                    return false;
                };
                match op {
                    StringOp::Has | StringOp::HasCs => has_term(hay, n, true, true),
                    StringOp::HasPrefix | StringOp::HasPrefixCs => has_term(hay, n, true, false),
                    StringOp::HasSuffix | StringOp::HasSuffixCs => has_term(hay, n, false, true),
                    StringOp::Contains | StringOp::ContainsCs => n.finder.find(hay.as_bytes()).is_some(),
                    StringOp::StartsWith | StringOp::StartsWithCs => hay.starts_with(n.text.as_str()),
                    StringOp::EndsWith | StringOp::EndsWithCs => hay.ends_with(n.text.as_str()),
                }
            }
        }
    }
}

/// Term match: an occurrence of the needle whose alphanumeric edges sit on term boundaries
/// (`check_start` / `check_end` select which edges must, for `hasprefix` / `hassuffix`).
fn has_term(hay: &str, needle: &Needle, check_start: bool, check_end: bool) -> bool {
    if needle.text.is_empty() {
        return true;
    }
    let bytes = hay.as_bytes();
    needle.finder.find_iter(bytes).any(|start| {
        let end = start + needle.text.len();
        let start_ok =
            !check_start || !needle.starts_alnum || !hay[..start].chars().next_back().is_some_and(is_term_char);
        let end_ok = !check_end || !needle.ends_alnum || !hay[end..].chars().next().is_some_and(is_term_char);
        start_ok && end_ok
    })
}

fn is_term_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// `has_any_index(source, values)`: the index in `values` of the first one `source` has as a
/// term (case-insensitive), or -1.
pub(super) fn has_any_index(a: &[crate::value::Val]) -> crate::value::Val {
    use crate::value::Val;
    let hay = a.first().map(Val::to_kql_string).unwrap_or_default().to_lowercase();
    let items: Vec<String> = match a.get(1) {
        Some(Val::Dyn(serde_json::Value::Array(items))) => {
            items.iter().map(|i| Val::Dyn(i.clone()).to_kql_string()).collect()
        }
        Some(other) => vec![other.to_kql_string()],
        None => vec![],
    };
    let found = items.iter().position(|item| !item.is_empty() && has_term(&hay, &Needle::new(item, false), true, true));
    Val::Long(found.map_or(-1, |i| i as i64))
}
