//! Aggregate functions of `summarize`: each KQL aggregate becomes DataFusion aggregate
//! expressions plus a post-step (zero for empty sums, JSON for lists and sets, ...).

use datafusion::common::{DFSchema, ScalarValue};
use datafusion::functions_aggregate::expr_fn as agg;
use datafusion::logical_expr::{Expr, ExprFunctionExt, SortExpr, lit};
use panoptes_domain::KqlType;
use panoptes_kql::ast::{Expr as Ast, ExprKind};
use panoptes_kql::{Diagnostic, Span};

use super::binary::cast_to;
use super::operators::default_name;
use super::{PResult, Planner, col};
use crate::functions;
use crate::types::kql_type;

/// One output column of an aggregate call.
pub(crate) struct AggPart {
    /// The DataFusion aggregate.
    pub(crate) agg: Expr,
    /// What to do with its value.
    pub(crate) post: Post,
    /// The default output name.
    pub(crate) name: String,
}

/// The step after aggregation.
#[derive(Clone)]
pub(crate) enum Post {
    /// Use as is.
    None,
    /// Null becomes 0 (sums and counts over nothing).
    ZeroIfNull,
    /// Null becomes NaN (the average of nothing).
    NanIfNull,
    /// A list becomes a dynamic array.
    ToDynamic,
    /// A list becomes a dynamic array without duplicates, in first-seen order.
    ToDynamicSet,
    /// `make_list(x, n)`: at most n items.
    ToDynamicCapped(usize),
    /// `make_set(x, n)`: at most n distinct items.
    ToDynamicSetCapped(usize),
    /// A list of bags merges into one bag.
    MergeBags,
    /// A list of sets merges into one set (hll_merge).
    MergeSets,
    /// The nearest-rank percentile of a list, cast back to the input type.
    Percentile(f64, KqlType),
    /// Cast to a KQL type.
    Cast(KqlType),
}

impl Planner<'_> {
    /// Plans an aggregate call; `keys` are the by-key names (excluded from `*`).
    pub(crate) fn aggregate_call(
        &mut self,
        name: &str,
        args: &[Ast],
        span: Span,
        schema: &DFSchema,
        keys: &[String],
    ) -> PResult<Vec<AggPart>> {
        // `sum(toint(v))` is named `sum_v`: the name follows the column inside calls.
        let arg_name = |i: usize| args.get(i).and_then(aggregate_argument_name).unwrap_or_default();
        let need = |n: usize| -> PResult<()> {
            if args.len() < n {
                return Err(Diagnostic::error(
                    "KQL_ARGUMENTS",
                    format!("`{name}` needs at least {n} argument(s)"),
                    span,
                ));
            }
            Ok(())
        };
        let part = |agg: Expr, post: Post, name: String| AggPart { agg, post, name };
        match name {
            "count" => {
                // Kusto's count(x) counts rows, like count(), but is named `count_x`.
                let mut name = "count_".to_string();
                if let Some(a) = args.first().filter(|a| !matches!(a.kind, ExprKind::Star)) {
                    self.scalar(a, schema)?;
                    name.push_str(&arg_name(0));
                }
                let agg = agg::count(lit(1i64));
                Ok(vec![part(agg, Post::None, name)])
            }
            "countif" => {
                need(1)?;
                let p = self.predicate(&args[0], schema)?;
                let name = format!("countif_{}", args[0].as_name().unwrap_or_default());
                Ok(vec![part(filtered(agg::count(lit(1i64)), p, span)?, Post::ZeroIfNull, name)])
            }
            "dcount" | "count_distinct" => {
                need(1)?;
                let x = self.scalar(&args[0], schema)?;
                Ok(vec![part(agg::count_distinct(x), Post::None, format!("{name}_{}", arg_name(0)))])
            }
            "dcountif" | "count_distinctif" => {
                need(2)?;
                let x = self.scalar(&args[0], schema)?;
                let p = self.predicate(&args[1], schema)?;
                Ok(vec![part(
                    filtered(agg::count_distinct(x), p, span)?,
                    Post::ZeroIfNull,
                    format!("{name}_{}", arg_name(0)),
                )])
            }
            "sum" | "sumif" => {
                need(1)?;
                let x = self.scalar(&args[0], schema)?;
                let t = kql_type(&self.type_of(&x, schema));
                let (x, post) = match t {
                    KqlType::Timespan => (cast_to(x, KqlType::Long, schema), Post::Cast(KqlType::Timespan)),
                    KqlType::Dynamic | KqlType::String => (cast_to(x, KqlType::Real, schema), Post::ZeroIfNull),
                    _ => (x, Post::ZeroIfNull),
                };
                let mut a = agg::sum(x);
                if name == "sumif" {
                    need(2)?;
                    let p = self.predicate(&args[1], schema)?;
                    a = filtered(a, p, span)?;
                }
                Ok(vec![part(a, post, format!("{name}_{}", arg_name(0)))])
            }
            "avg" | "avgif" => {
                need(1)?;
                let x = self.scalar(&args[0], schema)?;
                let x = match kql_type(&self.type_of(&x, schema)) {
                    KqlType::Dynamic | KqlType::String | KqlType::Timespan | KqlType::Datetime => {
                        cast_to(x, KqlType::Real, schema)
                    }
                    _ => x,
                };
                let mut a = agg::avg(x);
                if name == "avgif" {
                    need(2)?;
                    a = filtered(a, self.predicate(&args[1], schema)?, span)?;
                }
                Ok(vec![part(a, Post::NanIfNull, format!("{name}_{}", arg_name(0)))])
            }
            "min" | "max" | "minif" | "maxif" => {
                need(1)?;
                let x = self.scalar(&args[0], schema)?;
                let condition = if name.ends_with("if") {
                    need(2)?;
                    Some(self.predicate(&args[1], schema)?)
                } else {
                    None
                };
                let max = name.starts_with("max");
                let a = if kql_type(&self.type_of(&x, schema)) == KqlType::Real {
                    // DataFusion's min and max pass over NaN (Kusto: any NaN is the answer) and
                    // start from the largest finite real (the min of +inf alone came out 1.8e308).
                    let present = x.clone().is_not_null();
                    let condition = condition.map_or(present.clone(), |c| c.and(present));
                    ordered_first(x.clone(), &real_extreme_order(x, max), condition, span)?
                } else {
                    let a = if max { agg::max(x) } else { agg::min(x) };
                    match condition {
                        Some(c) => filtered(a, c, span)?,
                        None => a,
                    }
                };
                Ok(vec![part(a, Post::None, format!("{name}_{}", arg_name(0)))])
            }
            "stdev" | "stdevp" | "variance" | "variancep" | "stdevif" | "varianceif" => {
                need(1)?;
                let x = cast_to(self.scalar(&args[0], schema)?, KqlType::Real, schema);
                let mut a = match name {
                    "stdev" | "stdevif" => agg::stddev(x),
                    "stdevp" => agg::stddev_pop(x),
                    "variance" | "varianceif" => agg::var_sample(x),
                    _ => agg::var_pop(x),
                };
                if name.ends_with("if") {
                    need(2)?;
                    a = filtered(a, self.predicate(&args[1], schema)?, span)?;
                }
                Ok(vec![part(a, Post::ZeroIfNull, format!("{name}_{}", arg_name(0)))])
            }
            "make_set"
            | "makeset"
            | "make_set_if"
            | "make_list"
            | "makelist"
            | "make_list_if"
            | "make_list_with_nulls"
            | "hll" => {
                need(1)?;
                let x = self.scalar(&args[0], schema)?;
                let is_set = name.contains("set") || name == "hll";
                // A list of dynamic values keeps their nulls too (Kusto): only typed nulls drop.
                let dynamic = kql_type(&self.type_of(&x, schema)) == KqlType::Dynamic;
                let with_nulls = name == "make_list_with_nulls" || (dynamic && !is_set);
                // Lists keep the order of serialized input (`sort ... | summarize make_list(x)`).
                let order = self.current_order(schema);
                let base = if order.is_empty() {
                    agg::array_agg(x.clone())
                } else {
                    agg::array_agg(x.clone()).order_by(order.clone()).build().map_err(|e| super::df_error(e, span))?
                };
                let mut condition = if with_nulls { None } else { Some(x.clone().is_not_null()) };
                if name.ends_with("_if") {
                    need(2)?;
                    let p = self.predicate(&args[1], schema)?;
                    condition = Some(match condition {
                        Some(c) => c.and(p),
                        None => p,
                    });
                }
                // Sets keep first-seen order: collect everything, de-duplicate afterwards.
                let a = match condition {
                    Some(c) if order.is_empty() => filtered(base, c, span)?,
                    Some(c) => agg::array_agg(x.clone())
                        .order_by(order)
                        .filter(c)
                        .build()
                        .map_err(|e| super::df_error(e, span))?,
                    None => base,
                };
                let prefix = if name == "hll" {
                    "hll"
                } else if is_set {
                    "set"
                } else {
                    "list"
                };
                // An optional maximum size: the last argument (after the predicate of `_if`).
                let size_arg = if name.ends_with("_if") { args.get(2) } else { args.get(1) };
                let max_size = match size_arg {
                    Some(a) => Some(self.constant_count(a, name)?),
                    None => None,
                };
                let post = match (is_set, max_size) {
                    (true, Some(n)) => Post::ToDynamicSetCapped(n),
                    (true, None) => Post::ToDynamicSet,
                    (false, Some(n)) => Post::ToDynamicCapped(n),
                    (false, None) => Post::ToDynamic,
                };
                Ok(vec![part(a, post, format!("{prefix}_{}", arg_name(0)))])
            }
            "make_bag" | "make_bag_if" | "hll_merge" => {
                need(1)?;
                let planned = self.scalar(&args[0], schema)?;
                let x = self.as_dynamic(planned, schema);
                let mut a = filtered(agg::array_agg(x.clone()), x.clone().is_not_null(), span)?;
                if name == "make_bag_if" {
                    need(2)?;
                    a = filtered(
                        agg::array_agg(x.clone()),
                        x.is_not_null().and(self.predicate(&args[1], schema)?),
                        span,
                    )?;
                }
                let post = if name == "hll_merge" { Post::MergeSets } else { Post::MergeBags };
                let prefix = if name == "hll_merge" { "hll_merge" } else { "bag" };
                Ok(vec![part(a, post, format!("{prefix}_{}", arg_name(0)))])
            }
            "percentile" | "percentiles" | "percentilew" => {
                need(2)?;
                let x = self.scalar(&args[0], schema)?;
                let t = kql_type(&self.type_of(&x, schema));
                let list = filtered(agg::array_agg(x.clone()), x.is_not_null(), span)?;
                let mut parts = Vec::new();
                for p in &args[1..] {
                    let value = match self.scalar(p, schema)? {
                        Expr::Literal(ScalarValue::Int64(Some(v)), _) => v as f64,
                        Expr::Literal(ScalarValue::Float64(Some(v)), _) => v,
                        _ => {
                            return Err(Diagnostic::error(
                                "KQL_ARGUMENTS",
                                "percentile needs constant percentages",
                                p.span,
                            ));
                        }
                    };
                    let label = match &p.kind {
                        ExprKind::Literal(panoptes_kql::ast::Literal::Real(r)) => r.to_string().replace('.', "_"),
                        _ => format!("{value}"),
                    };
                    parts.push(part(
                        list.clone(),
                        Post::Percentile(value, t),
                        format!("percentile_{}_{label}", arg_name(0)),
                    ));
                }
                Ok(parts)
            }
            "take_any" | "any" | "take_anyif" | "anyif" => {
                need(1)?;
                let with_if = name.ends_with("if");
                let value_args = if with_if { &args[..1] } else { args };
                let condition = if with_if {
                    need(2)?;
                    Some(self.predicate(&args[1], schema)?)
                } else {
                    None
                };
                let mut parts = Vec::new();
                for (i, a) in value_args.iter().enumerate() {
                    if matches!(a.kind, ExprKind::Star) {
                        for field in schema.fields() {
                            if !keys.contains(field.name()) {
                                let mut x = agg::first_value(col(field.name()), vec![]);
                                if let Some(c) = &condition {
                                    x = filtered(x, c.clone(), span)?;
                                }
                                parts.push(part(x, Post::None, field.name().clone()));
                            }
                        }
                        continue;
                    }
                    let x = self.scalar(a, schema)?;
                    let mut x = agg::first_value(x.clone(), vec![]);
                    if let Some(c) = &condition {
                        x = filtered(x, c.clone(), span)?;
                    }
                    // The old name `any(x)` names its column `any_x`; `take_any(x)` keeps `x`.
                    let default = match (i, value_args.len(), name) {
                        (0, 1, "any") => format!("any_{}", arg_name(0)),
                        (0, 1, _) => arg_name(0),
                        _ => default_name(a).unwrap_or_default(),
                    };
                    parts.push(part(x, Post::None, if default.is_empty() { format!("{name}_") } else { default }));
                }
                Ok(parts)
            }
            "arg_max" | "arg_min" | "argmax" | "argmin" => {
                need(1)?;
                let by = self.scalar(&args[0], schema)?;
                let desc = name.contains("max");
                let not_null = by.clone().is_not_null();
                let (order, extreme) = if kql_type(&self.type_of(&by, schema)) == KqlType::Real {
                    let order = real_extreme_order(by.clone(), desc);
                    let extreme = ordered_first(by.clone(), &order, not_null.clone(), span)?;
                    (order, extreme)
                } else {
                    let extreme = if desc { agg::max(by.clone()) } else { agg::min(by.clone()) };
                    (vec![SortExpr::new(by.clone(), !desc, false)], extreme)
                };
                let mut parts = vec![part(extreme, Post::None, arg_name(0))];
                let first_name = arg_name(0);
                // Nulls sort last, so a group whose `by` is all null still yields one of its rows.
                let any_row = lit(true);
                for a in &args[1..] {
                    if matches!(a.kind, ExprKind::Star) {
                        for field in schema.fields() {
                            let n = field.name();
                            if keys.contains(n) || *n == first_name {
                                continue;
                            }
                            let x = ordered_first(col(n), &order, any_row.clone(), span)?;
                            parts.push(part(x, Post::None, n.clone()));
                        }
                        continue;
                    }
                    let x = self.scalar(a, schema)?;
                    let x = ordered_first(x, &order, any_row.clone(), span)?;
                    parts.push(part(x, Post::None, default_name(a).unwrap_or_else(|| format!("{name}_"))));
                }
                Ok(parts)
            }
            _ => Err(Diagnostic::error("KQL_UNSUPPORTED", format!("aggregate `{name}` is not supported yet"), span)),
        }
    }

    fn predicate(&mut self, expr: &Ast, schema: &DFSchema) -> PResult<Expr> {
        let p = self.scalar(expr, schema)?;
        Ok(cast_to(p, KqlType::Bool, schema))
    }
}

/// `first_value(x ORDER BY ...) FILTER (WHERE ...)` built in one step (rebuilding an aggregate
/// to add a filter drops its ordering).
fn ordered_first(x: Expr, order: &[SortExpr], condition: Expr, span: Span) -> PResult<Expr> {
    agg::first_value(x, vec![]).order_by(order.to_vec()).filter(condition).build().map_err(|e| super::df_error(e, span))
}

/// The order whose first row holds a real's extreme as Kusto picks it: a NaN if there is one
/// (for min and max alike), else the least or greatest value.
fn real_extreme_order(x: Expr, max: bool) -> Vec<SortExpr> {
    let nan = datafusion::functions::math::expr_fn::isnan(x.clone());
    vec![SortExpr::new(nan, false, false), SortExpr::new(x, !max, false)]
}

/// Adds a FILTER clause to an aggregate.
fn filtered(aggregate: Expr, predicate: Expr, span: Span) -> PResult<Expr> {
    aggregate.filter(predicate).build().map_err(|e| super::df_error(e, span))
}

/// The column an aggregate's output is named after: `sum(v)` and `sum(toint(v))` give `v`;
/// calls of several arguments give no name (`make_bag(bag_pack(k, v))` is `bag_`).
fn aggregate_argument_name(expr: &Ast) -> Option<String> {
    match &expr.kind {
        ExprKind::Call { args, .. } if args.len() == 1 => aggregate_argument_name(&args[0]),
        ExprKind::Call { .. } => None,
        _ => default_name(expr),
    }
}

/// The first `n` items of a dynamic array.
fn capped(array: Expr, n: usize) -> Expr {
    let args = vec![array, lit(0i64), lit(n as i64 - 1)];
    functions::row_call("array_slice", KqlType::Dynamic, functions::array_slice_fn, args)
}

/// Applies the post-step to an aggregated column.
pub(crate) fn apply_post(post: &Post, value: Expr, schema: &DFSchema) -> Expr {
    match post {
        Post::None => value,
        Post::ZeroIfNull => {
            let zero = match value.get_type_of(schema) {
                Some(t) if crate::types::kql_type(&t) == KqlType::Real => lit(0.0f64),
                _ => lit(0i64),
            };
            datafusion::functions::core::expr_fn::coalesce(vec![value, zero])
        }
        Post::NanIfNull => datafusion::functions::core::expr_fn::coalesce(vec![value, lit(f64::NAN)]),
        Post::ToDynamic => {
            functions::row_call("to_dynamic", KqlType::Dynamic, functions::list_to_dynamic_fn, vec![value])
        }
        Post::ToDynamicSet => {
            functions::row_call("to_dynamic_set", KqlType::Dynamic, functions::list_to_dynamic_set_fn, vec![value])
        }
        Post::ToDynamicCapped(n) => {
            capped(functions::row_call("to_dynamic", KqlType::Dynamic, functions::list_to_dynamic_fn, vec![value]), *n)
        }
        Post::ToDynamicSetCapped(n) => capped(
            functions::row_call("to_dynamic_set", KqlType::Dynamic, functions::list_to_dynamic_set_fn, vec![value]),
            *n,
        ),
        Post::MergeBags => functions::row_call("merge_bags", KqlType::Dynamic, functions::merge_bags_fn, vec![value]),
        Post::MergeSets => functions::row_call("merge_sets", KqlType::Dynamic, functions::merge_sets_fn, vec![value]),
        Post::Percentile(p, t) => {
            let rank = Expr::Literal(ScalarValue::Float64(Some(*p)), None);
            let v = functions::row_call("percentile", KqlType::Real, functions::percentile_fn, vec![value, rank]);
            cast_to(v, *t, schema)
        }
        Post::Cast(t) => cast_to(value, *t, schema),
    }
}

trait TypeOf {
    fn get_type_of(&self, schema: &DFSchema) -> Option<datafusion::arrow::datatypes::DataType>;
}

impl TypeOf for Expr {
    fn get_type_of(&self, schema: &DFSchema) -> Option<datafusion::arrow::datatypes::DataType> {
        use datafusion::logical_expr::ExprSchemable;
        self.get_type(schema).ok()
    }
}
