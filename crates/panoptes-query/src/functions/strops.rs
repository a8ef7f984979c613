//! Vectorized kernels for the string predicates that dominate hunting: `has`, `contains`,
//! `startswith`, `endswith`, `=~` and their `_cs` forms, `has_any`/`has_all`, `in~`.
//! Whole columns are folded and searched at once (see `strscan`): ASCII data is lowercased in
//! one vectorised pass and searched with `memchr::memmem`; full Unicode folding runs only for
//! values that are not ASCII. Null strings
//! count as `""`, so results are never null.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, BooleanArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result as DfResult, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use memchr::memmem;
use panoptes_kql::ast::StringOp;

use super::strscan::{self, Edges};

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
    // Prefix and suffix tests need no folded copy: they compare in place, ignoring ASCII case.
    // (Equality keeps the folded buffer: most values fail on length before any byte compare.)
    let prefix = matches!(needles.predicate, StrPredicate::Op(StringOp::StartsWith | StringOp::StartsWithCs));
    let suffix = matches!(needles.predicate, StrPredicate::Op(StringOp::EndsWith | StringOp::EndsWithCs));
    if (prefix || suffix)
        && let (Some(raw), Some(n)) = (strscan::fold(array, false), needles.items.first())
    {
        let ci = !needles.case_sensitive;
        let hits = if prefix {
            strscan::test_rows(&raw, |v| strscan::starts_with(v, n.text.as_bytes(), ci))
        } else {
            strscan::test_rows(&raw, |v| strscan::ends_with(v, n.text.as_bytes(), ci))
        };
        return Arc::new(strscan::to_array(array, hits, needles.matches("")));
    }
    let Some(folded) = strscan::fold(array, !needles.case_sensitive) else {
        let result: BooleanArray = (0..array.len()).map(|i| Some(needles.matches(&text_at(array, i)))).collect();
        return Arc::new(result);
    };
    let term = |n: &Needle, start: bool, end: bool| strscan::find_rows(&folded, &n.finder, Some(Edges { start, end }));
    let any_of = |sets: Vec<Vec<bool>>, all: bool| -> Vec<bool> {
        let mut out = vec![all; folded.rows()];
        for set in sets {
            for (o, hit) in out.iter_mut().zip(set) {
                *o = if all { *o && hit } else { *o || hit };
            }
        }
        out
    };
    let hits = match needles.predicate {
        StrPredicate::HasAll(_) => any_of(needles.items.iter().map(|n| term(n, true, true)).collect(), true),
        StrPredicate::HasAny(_) => any_of(needles.items.iter().map(|n| term(n, true, true)).collect(), false),
        StrPredicate::InCi | StrPredicate::EqualsCi => {
            strscan::test_rows(&folded, |v| needles.items.iter().any(|n| v == n.text.as_bytes()))
        }
        StrPredicate::Op(op) => match needles.items.first() {
            None => vec![false; folded.rows()],
            Some(n) => match op {
                StringOp::Has | StringOp::HasCs => term(n, true, true),
                StringOp::HasPrefix | StringOp::HasPrefixCs => term(n, true, false),
                StringOp::HasSuffix | StringOp::HasSuffixCs => term(n, false, true),
                StringOp::Contains | StringOp::ContainsCs => strscan::find_rows(&folded, &n.finder, None),
                StringOp::StartsWith | StringOp::StartsWithCs => {
                    strscan::test_rows(&folded, |v| v.starts_with(n.text.as_bytes()))
                }
                StringOp::EndsWith | StringOp::EndsWithCs => {
                    strscan::test_rows(&folded, |v| v.ends_with(n.text.as_bytes()))
                }
            },
        },
    };
    Arc::new(strscan::to_array(array, hits, needles.matches("")))
}

/// One prepared needle: its case-folded text and a substring finder.
struct Needle {
    text: String,
    finder: memmem::Finder<'static>,
}

impl Needle {
    fn new(text: &str, case_sensitive: bool) -> Self {
        let text = if case_sensitive { text.to_string() } else { text.to_lowercase() };
        let finder = memmem::Finder::new(text.as_bytes()).into_owned();
        Self { text, finder }
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
    let edges = Edges { start: check_start, end: check_end };
    let bytes = hay.as_bytes();
    needle.text.is_empty()
        || needle.finder.find_iter(bytes).any(|at| strscan::on_boundaries(bytes, at, needle.text.as_bytes(), edges))
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
