//! Function calls in scalar position: special forms (`iff`, `case`, `isempty`, `ago`,
//! `toscalar`, typed constructors, window functions), user functions, then the registry.

use datafusion::common::{DFSchema, ScalarValue};
use datafusion::logical_expr::{Expr, LogicalPlanBuilder, when};
use panoptes_domain::KqlType;
use panoptes_kql::ast::{Expr as Ast, ExprKind, Literal, OptionArg};
use panoptes_kql::{Diagnostic, Span, closest};

use super::binary::cast_to;
use super::{Binding, PResult, Planned, Planner, col};
use crate::functions::{self, Ret};
use crate::types::kql_type;

/// Aggregate function names: valid only in `summarize`, `make-series` and similar.
pub(crate) const AGGREGATES: &[&str] = &[
    "count",
    "countif",
    "dcount",
    "dcountif",
    "sum",
    "sumif",
    "avg",
    "avgif",
    "min",
    "max",
    "minif",
    "maxif",
    "make_set",
    "make_set_if",
    "make_list",
    "make_list_if",
    "make_list_with_nulls",
    "make_bag",
    "make_bag_if",
    "arg_max",
    "arg_min",
    "take_any",
    "take_anyif",
    "any",
    "anyif",
    "stdev",
    "stdevif",
    "stdevp",
    "variance",
    "varianceif",
    "variancep",
    "percentile",
    "percentiles",
    "percentilew",
    "percentiles_array",
    "hll",
    "hll_merge",
    "dcount_hll",
    "makeset",
    "makelist",
    "count_distinct",
    "count_distinctif",
    "binary_all_or",
    "binary_all_and",
    "binary_all_xor",
    "tdigest",
    "tdigest_merge",
    "argmax",
    "argmin",
];

impl Planner<'_> {
    pub(super) fn call(
        &mut self,
        name: &str,
        args: &[Ast],
        _named: &[OptionArg],
        span: Span,
        schema: &DFSchema,
    ) -> PResult<Expr> {
        // User functions shadow built-ins.
        if let Some(Binding::Lambda(lambda)) = self.lookup(name).cloned() {
            return match self.invoke_lambda(&lambda, args, None, span, schema)? {
                Planned::Scalar(e) => Ok(e),
                Planned::Table(_) => Err(Diagnostic::error(
                    "KQL_EXPECTED_SCALAR",
                    format!("`{name}()` returns a table, not a scalar"),
                    span,
                )
                .with_help(format!("use `toscalar({name}(...))`"))),
            };
        }
        let arity = |min: usize, max: usize| -> PResult<()> {
            if args.len() < min || args.len() > max {
                let expected = if min == max { format!("{min}") } else { format!("{min} to {max}") };
                return Err(Diagnostic::error(
                    "KQL_ARGUMENTS",
                    format!("`{name}` takes {expected} arguments, got {}", args.len()),
                    span,
                ));
            }
            Ok(())
        };
        match name {
            "iff" | "iif" => {
                arity(3, 3)?;
                let cond = self.scalar(&args[0], schema)?;
                let cond = cast_to(cond, KqlType::Bool, schema);
                let (yes, no) = self.common_pair(&args[1], &args[2], schema)?;
                return when(cond, yes).otherwise(no).map_err(|e| super::df_error(e, span));
            }
            "case" => {
                if args.len() < 3 || args.len().is_multiple_of(2) {
                    return Err(Diagnostic::error(
                        "KQL_ARGUMENTS",
                        "`case` takes predicate/value pairs and a final else value",
                        span,
                    ));
                }
                let mut values: Vec<Expr> = Vec::new();
                let mut conds = Vec::new();
                for pair in args[..args.len() - 1].chunks(2) {
                    let c = self.scalar(&pair[0], schema)?;
                    conds.push(cast_to(c, KqlType::Bool, schema));
                    values.push(self.scalar(&pair[1], schema)?);
                }
                values.push(self.scalar(&args[args.len() - 1], schema)?);
                self.same_types(&values, schema, span)?;
                let values = self.unify(values, schema);
                let mut builder = when(conds[0].clone(), values[0].clone());
                for (c, v) in conds.iter().zip(&values).skip(1) {
                    builder = builder.when(c.clone(), v.clone());
                }
                return builder.otherwise(values[values.len() - 1].clone()).map_err(|e| super::df_error(e, span));
            }
            "coalesce" => {
                arity(1, 64)?;
                let values = args.iter().map(|a| self.scalar(a, schema)).collect::<PResult<Vec<_>>>()?;
                self.same_types(&values, schema, span)?;
                let values = self.unify(values, schema);
                let all_strings = values.iter().all(|v| kql_type(&self.type_of(v, schema)) == KqlType::String);
                if all_strings {
                    // Empty strings count as missing for strings.
                    let mut builder: Option<datafusion::logical_expr::conditional_expressions::CaseBuilder> = None;
                    for v in &values[..values.len() - 1] {
                        let present = v.clone().is_not_null().and(v.clone().not_eq(super::scalar::lit_str("")));
                        builder = Some(match builder {
                            None => when(present, v.clone()),
                            Some(mut b) => b.when(present, v.clone()),
                        });
                    }
                    let last = values[values.len() - 1].clone();
                    return match builder {
                        Some(mut b) => b.otherwise(last).map_err(|e| super::df_error(e, span)),
                        None => Ok(last),
                    };
                }
                return Ok(datafusion::functions::core::expr_fn::coalesce(values));
            }
            "isnull" | "isnotnull" => {
                arity(1, 1)?;
                let v = self.scalar(&args[0], schema)?;
                let null = if kql_type(&self.type_of(&v, schema)) == KqlType::String {
                    Expr::Literal(ScalarValue::Boolean(Some(false)), None)
                } else {
                    v.is_null()
                };
                return Ok(if name == "isnull" { null } else { Expr::Not(Box::new(null)) });
            }
            "isempty" | "isnotempty" | "notempty" => {
                arity(1, 1)?;
                let v = self.scalar(&args[0], schema)?;
                let text = self.as_string(v.clone(), schema);
                let empty = v.is_null().or(text.eq(super::scalar::lit_str("")));
                return Ok(if name == "isempty" { empty } else { Expr::Not(Box::new(empty)) });
            }
            "isnotnull_or_empty" => {}
            "not" => {
                arity(1, 1)?;
                let v = self.scalar(&args[0], schema)?;
                // Equality with null is false in Kusto, so its negation is true; so is any
                // comparison of strings (never null: a missing one is empty). An ordering of a
                // null number stays null, and so does its negation.
                let v = match v {
                    Expr::BinaryExpr(ref b)
                        if b.op == datafusion::logical_expr::Operator::Eq
                            || matches!(
                                b.op,
                                datafusion::logical_expr::Operator::Lt
                                    | datafusion::logical_expr::Operator::LtEq
                                    | datafusion::logical_expr::Operator::Gt
                                    | datafusion::logical_expr::Operator::GtEq
                            ) && [&b.left, &b.right]
                                .iter()
                                .any(|side| kql_type(&self.type_of(side, schema)) == KqlType::String) =>
                    {
                        datafusion::functions::core::expr_fn::coalesce(vec![v, datafusion::logical_expr::lit(false)])
                    }
                    other => cast_to(other, KqlType::Bool, schema),
                };
                return Ok(Expr::Not(Box::new(v)));
            }
            "now" => {
                arity(0, 1)?;
                let offset = match args.first() {
                    Some(a) => self.scalar(a, schema)?,
                    None => Expr::Literal(ScalarValue::DurationNanosecond(Some(0)), None),
                };
                let now = Expr::Literal(ScalarValue::TimestampNanosecond(Some(self.now_ns), None), None);
                return self.arith(panoptes_kql::ast::BinaryOp::Add, now, offset, schema, span);
            }
            "ago" => {
                arity(1, 1)?;
                let offset = self.scalar(&args[0], schema)?;
                let offset = cast_to(offset, KqlType::Timespan, schema);
                let now = Expr::Literal(ScalarValue::TimestampNanosecond(Some(self.now_ns), None), None);
                return self.arith(panoptes_kql::ast::BinaryOp::Sub, now, offset, schema, span);
            }
            "ingestion_time" => {
                arity(0, 0)?;
                return Ok(Expr::Literal(ScalarValue::TimestampNanosecond(None, None), None));
            }
            "toscalar" => {
                arity(1, 1)?;
                let plan = match self.tabular(&args[0]) {
                    Ok(plan) => plan,
                    // `toscalar(1)`: a scalar is its own value.
                    Err(d) if d.code == "KQL_EXPECTED_TABLE" => {
                        return self.scalar(&args[0], &DFSchema::empty());
                    }
                    Err(d) => return Err(d),
                };
                let Some(first) = plan.schema().fields().first().map(|f| f.name().clone()) else {
                    return Err(Diagnostic::error("KQL_PLAN", "toscalar of a table without columns", span));
                };
                let plan = super::build(
                    LogicalPlanBuilder::from(plan).project(vec![col(&first)]).and_then(|b| b.limit(0, Some(1))),
                    span,
                )?;
                return Ok(super::scalar_subquery(plan));
            }
            "long" | "int" | "real" | "double" | "bool" | "boolean" | "string" | "decimal" | "guid" => {
                arity(1, 1)?;
                let target = KqlType::from_name(name).unwrap_or(KqlType::String);
                if let ExprKind::Neg(inner) = &args[0].kind
                    && inner.as_name() == Some("inf")
                {
                    return Ok(Expr::Literal(ScalarValue::Float64(Some(f64::NEG_INFINITY)), None));
                }
                if let ExprKind::Name(word) = &args[0].kind {
                    let value = match (word.as_str(), target) {
                        ("null", t) => Some(crate::value::Val::Null).map(|_| typed_null(t)),
                        ("nan", _) => Some(ScalarValue::Float64(Some(f64::NAN))),
                        ("inf", _) => Some(ScalarValue::Float64(Some(f64::INFINITY))),
                        _ => None,
                    };
                    if let Some(value) = value {
                        return Ok(Expr::Literal(value, None));
                    }
                }
                let v = self.scalar(&args[0], schema)?;
                return Ok(cast_to(v, target, schema));
            }
            "column_ifexists" => {
                arity(2, 2)?;
                if let ExprKind::Literal(Literal::String(column)) = &args[0].kind
                    && schema.fields().iter().any(|f| f.name() == column)
                {
                    return Ok(col(column));
                }
                return self.scalar(&args[1], schema);
            }
            "typeof" => {
                return Err(Diagnostic::error("KQL_SYNTAX", "`typeof()` is only valid as a type argument", span));
            }
            "row_number" | "prev" | "next" | "row_cumsum" | "row_rank_dense" | "row_rank_min" => {
                return self.window_call(name, args, span, schema);
            }
            "extract" if args.len() == 4 => {
                let type_name = type_argument(&args[3]).ok_or_else(|| {
                    Diagnostic::error("KQL_ARGUMENTS", "the 4th argument of extract is `typeof(T)`", args[3].span)
                })?;
                let target = KqlType::from_name(&type_name).unwrap_or(KqlType::String);
                let mut planned = args[..3].iter().map(|a| self.scalar(a, schema)).collect::<PResult<Vec<_>>>()?;
                planned.push(super::scalar::lit_str(target.name()));
                return Ok(functions::row_call("extract_typed", target, functions::extract_typed_fn, planned));
            }
            "pack_all" => {
                // Every column of the row as one bag.
                let mut planned = Vec::new();
                for field in schema.fields() {
                    planned.push(super::scalar::lit_str(field.name()));
                    planned.push(col(field.name()));
                }
                return Ok(functions::row_call("bag_pack", KqlType::Dynamic, functions::bag_pack_fn, planned));
            }
            "bag_pack_columns" => {
                // Keys are the column names.
                let mut planned = Vec::new();
                for a in args {
                    let key = super::operators::default_name(a).ok_or_else(|| {
                        Diagnostic::error("KQL_ARGUMENTS", "bag_pack_columns takes column names", a.span)
                    })?;
                    planned.push(super::scalar::lit_str(&key));
                    planned.push(self.scalar(a, schema)?);
                }
                return Ok(functions::row_call("bag_pack", KqlType::Dynamic, functions::bag_pack_fn, planned));
            }
            "new_guid" => {
                arity(0, 0)?;
                return Ok(datafusion::functions::string::expr_fn::uuid());
            }
            "rand" => {
                arity(0, 1)?;
                return Ok(datafusion::functions::math::expr_fn::random());
            }
            _ => {}
        }
        if AGGREGATES.contains(&name) {
            return Err(Diagnostic::error(
                "KQL_AGGREGATE_CONTEXT",
                format!("aggregate function `{name}()` is only valid in summarize"),
                span,
            ));
        }
        // `typeof(T)` arguments (extract_json's third) become type names; the result takes the type.
        if let Some(type_name) = args.iter().find_map(type_argument)
            && matches!(name, "extract_json" | "extractjson")
        {
            arity(3, 3)?;
            let target = KqlType::from_name(&type_name).unwrap_or(KqlType::String);
            let mut planned = args[..2].iter().map(|a| self.scalar(a, schema)).collect::<PResult<Vec<_>>>()?;
            planned.push(super::scalar::lit_str(target.name()));
            return Ok(functions::row_call("extract_json_typed", target, functions::extract_json_typed_fn, planned));
        }
        self.check_literal_arguments(name, args)?;
        let Some(spec) = functions::lookup(name) else {
            let mut d = Diagnostic::error("KQL_UNKNOWN_FUNCTION", format!("unknown function `{name}`"), span);
            let candidates = functions::names().iter().copied().chain(AGGREGATES.iter().copied());
            if let Some(hint) = closest(name, candidates) {
                d = d.with_help(format!("did you mean `{hint}`?"));
            }
            if matches!(name, "cluster" | "database" | "workspace" | "app" | "adx") {
                d = Diagnostic::error(
                    "KQL_UNSUPPORTED",
                    format!("`{name}()` is not supported: tenants are chosen by scope, never inside the query"),
                    span,
                );
            }
            return Err(d);
        };
        arity(spec.min, spec.max)?;
        let planned = args.iter().map(|a| self.scalar(a, schema)).collect::<PResult<Vec<_>>>()?;
        let ret = match spec.ret {
            Ret::Fixed(t) => t,
            Ret::Arg(i) => planned.get(i).map_or(KqlType::Dynamic, |e| kql_type(&self.type_of(e, schema))),
            Ret::ArgAsLong(i) => match planned.get(i).map(|e| kql_type(&self.type_of(e, schema))) {
                Some(KqlType::Int) => KqlType::Long,
                other => other.unwrap_or(KqlType::Dynamic),
            },
            Ret::Widest => {
                let types: Vec<KqlType> = planned.iter().map(|e| kql_type(&self.type_of(e, schema))).collect();
                let rank = |t: &KqlType| [KqlType::Int, KqlType::Long, KqlType::Real].iter().position(|n| n == t);
                match types.iter().all(|t| rank(t).is_some()) {
                    true => types.iter().copied().max_by_key(rank).unwrap_or(KqlType::Long),
                    false => types.first().copied().unwrap_or(KqlType::Dynamic),
                }
            }
        };
        // Only a dynamic value's type depends on the row: any other column has its type even
        // when null (`gettype(toint("x"))` is "int").
        if name == "gettype"
            && let Some(arg) = planned.first()
        {
            let arg_type = kql_type(&self.type_of(arg, schema));
            if arg_type != KqlType::Dynamic {
                return Ok(super::scalar::lit_str(arg_type.name()));
            }
        }
        // Fast paths on DataFusion's own kernels where the semantics match exactly.
        if name == "tostring" && kql_type(&self.type_of(&planned[0], schema)) == KqlType::String {
            return Ok(planned.into_iter().next().unwrap_or_else(|| super::scalar::lit_str("")));
        }
        if name == "tolower" && kql_type(&self.type_of(&planned[0], schema)) == KqlType::String {
            return Ok(datafusion::functions::string::expr_fn::lower(planned[0].clone()));
        }
        if name == "toupper" && kql_type(&self.type_of(&planned[0], schema)) == KqlType::String {
            return Ok(datafusion::functions::string::expr_fn::upper(planned[0].clone()));
        }
        Ok(functions::row_call(name, ret, spec.eval, planned))
    }

    /// A function with several results (`series_decompose_anomalies`, ...) as one dynamic array
    /// of its results; other expressions are taken as they are.
    pub(crate) fn multi_result(&mut self, expr: &Ast, schema: &DFSchema) -> PResult<Expr> {
        if let ExprKind::Call { name, args, .. } = &expr.kind {
            let all: Option<(&str, RowEval)> = match name.as_str() {
                "series_decompose_anomalies" | "series_decompose" | "series_outliers" => {
                    Some(("series_decompose_all", functions::series_decompose_all_fn))
                }
                "series_stats" => Some(("series_stats_all", functions::series_ops::stats_all)),
                "series_fit_line" => Some(("series_fit_line_all", functions::series_ops::fit_line_all)),
                _ => None,
            };
            if let Some((all_name, eval)) = all {
                let planned = args.iter().map(|a| self.scalar(a, schema)).collect::<PResult<Vec<_>>>()?;
                return Ok(functions::row_call(all_name, KqlType::Dynamic, eval, planned));
            }
        }
        self.scalar(expr, schema)
    }

    /// Plan-time checks of constant arguments that Kusto rejects before running.
    fn check_literal_arguments(&self, name: &str, args: &[Ast]) -> PResult<()> {
        let literal = |i: usize| match args.get(i).map(|a| &a.kind) {
            Some(ExprKind::Literal(Literal::String(s))) => Some(s.as_str()),
            _ => None,
        };
        match name {
            "extract_all" | "extractall" => {
                if let Some(pattern) = literal(0) {
                    let groups = regex::Regex::new(pattern).map(|re| re.captures_len()).unwrap_or(0);
                    if groups < 2 {
                        return Err(Diagnostic::error(
                            "KQL_ARGUMENTS",
                            "extract_all needs a regular expression with at least one capturing group",
                            args[0].span,
                        )
                        .with_help("wrap what to extract in parentheses, e.g. @\"(\\d+)\""));
                    }
                }
            }
            "format_timespan" => {
                if let Some(format) = literal(1)
                    && (matches!(format, "c" | "g" | "G") || format.starts_with('%'))
                {
                    return Err(Diagnostic::error(
                        "KQL_ARGUMENTS",
                        format!("`{format}` is not a supported timespan format"),
                        args[1].span,
                    )
                    .with_help("use custom specifiers such as 'd.hh:mm:ss.fff'"));
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Plans two branches and casts them to one type (`iff`).
    fn common_pair(&mut self, a: &Ast, b: &Ast, schema: &DFSchema) -> PResult<(Expr, Expr)> {
        let span = a.span.to(b.span);
        let a = self.scalar(a, schema)?;
        let b = self.scalar(b, schema)?;
        self.same_types(&[a.clone(), b.clone()], schema, span)?;
        let mut unified = self.unify(vec![a, b], schema);
        let b = unified.pop().unwrap_or(Expr::Literal(ScalarValue::Null, None));
        let a = unified.pop().unwrap_or(Expr::Literal(ScalarValue::Null, None));
        Ok((a, b))
    }

    /// Kusto requires `iff`/`case`/`coalesce` branches of one type (null literals excepted).
    fn same_types(&self, values: &[Expr], schema: &DFSchema, span: Span) -> PResult<()> {
        let mut seen: Option<KqlType> = None;
        for v in values {
            if matches!(v, Expr::Literal(value, _) if value.is_null()) {
                continue;
            }
            let t = kql_type(&self.type_of(v, schema));
            match seen {
                None => seen = Some(t),
                Some(s) if s == t => {}
                Some(s) if matches!((s, t), (KqlType::Int, KqlType::Long) | (KqlType::Long, KqlType::Int)) => {}
                Some(KqlType::Dynamic) | Some(_) if t == KqlType::Dynamic || seen == Some(KqlType::Dynamic) => {}
                Some(s) => {
                    return Err(Diagnostic::error(
                        "KQL_TYPE",
                        format!("all branches must have the same type, found {s} and {t}"),
                        span,
                    )
                    .with_help("convert the branches, e.g. with `todouble()` or `tostring()`"));
                }
            }
        }
        Ok(())
    }

    /// Casts branch values to one KQL type: the first non-null-literal's type, widened over
    /// numbers (int < long < real).
    pub(crate) fn unify(&self, values: Vec<Expr>, schema: &DFSchema) -> Vec<Expr> {
        let types: Vec<Option<KqlType>> = values
            .iter()
            .map(|v| match v {
                Expr::Literal(ScalarValue::Null, _) => None,
                _ => Some(kql_type(&self.type_of(v, schema))),
            })
            .collect();
        let known: Vec<KqlType> = types.iter().flatten().copied().collect();
        let Some(first) = known.first().copied() else {
            return values;
        };
        let target = if known.iter().all(|t| matches!(t, KqlType::Int | KqlType::Long | KqlType::Real)) {
            if known.contains(&KqlType::Real) {
                KqlType::Real
            } else if known.contains(&KqlType::Long) {
                KqlType::Long
            } else {
                KqlType::Int
            }
        } else {
            first
        };
        values
            .into_iter()
            .map(|v| match v {
                Expr::Literal(ScalarValue::Null, _) => Expr::Literal(typed_null(target), None),
                other => cast_to(other, target, schema),
            })
            .collect()
    }

    /// Table-valued calls: `materialize(T)`, `view`, user functions returning tables.
    pub(super) fn tabular_call(
        &mut self,
        name: &str,
        args: &[Ast],
        span: Span,
    ) -> PResult<datafusion::logical_expr::LogicalPlan> {
        if let Some(Binding::Lambda(lambda)) = self.lookup(name).cloned() {
            return match self.invoke_lambda(&lambda, args, None, span, &DFSchema::empty())? {
                Planned::Table(plan) => Ok(plan),
                Planned::Scalar(_) => {
                    Err(Diagnostic::error("KQL_EXPECTED_TABLE", format!("`{name}()` returns a scalar"), span))
                }
            };
        }
        match name {
            "materialize" | "view" | "table" if args.len() == 1 => {
                if let ExprKind::Literal(Literal::String(table)) = &args[0].kind {
                    return self.tabular(&Ast::new(ExprKind::Name(table.clone()), args[0].span));
                }
                self.tabular(&args[0])
            }
            "_GetWatchlist" => {
                // Watchlists are IOC lists; none is configured here, so the list is empty.
                let names =
                    ["SearchKey".to_string(), super::scalar::WATCHLIST_ITEM.to_string(), "_DTItemId".to_string()];
                let types = [KqlType::String, KqlType::Dynamic, KqlType::String];
                self.memory_table(&names, &types, &[vec![], vec![], vec![]], span)
            }
            "cluster" | "database" | "workspace" | "app" | "adx" => Err(Diagnostic::error(
                "KQL_UNSUPPORTED",
                format!("`{name}()` is not supported: tenants are chosen by scope, never inside the query"),
                span,
            )),
            _ => Err(Diagnostic::error("KQL_UNKNOWN_FUNCTION", format!("unknown tabular function `{name}`"), span)),
        }
    }
}

/// The type name inside `typeof(T)`.
pub(crate) fn type_argument(arg: &Ast) -> Option<String> {
    match &arg.kind {
        ExprKind::Call { name, args, .. } if name == "typeof" => {
            args.first().and_then(|a| a.as_name()).map(str::to_string)
        }
        _ => None,
    }
}

/// A typed null literal.
pub(crate) fn typed_null(t: KqlType) -> ScalarValue {
    match t {
        KqlType::Bool => ScalarValue::Boolean(None),
        KqlType::Int => ScalarValue::Int32(None),
        KqlType::Long => ScalarValue::Int64(None),
        KqlType::Real | KqlType::Decimal => ScalarValue::Float64(None),
        KqlType::Datetime => ScalarValue::TimestampNanosecond(None, None),
        KqlType::Timespan => ScalarValue::DurationNanosecond(None),
        KqlType::Dynamic => ScalarValue::LargeUtf8(None),
        KqlType::String | KqlType::Guid => ScalarValue::Utf8(None),
    }
}

/// A row-wise function's evaluation.
type RowEval = fn(&[crate::value::Val]) -> crate::value::Val;

/// The type of the `i`-th result of a function with several results, where Kusto types it
/// (`series_stats`: numbers with long indexes; `series_fit_line`: numbers, then the line).
pub(crate) fn multi_result_type(expr: &Ast, i: usize) -> Option<KqlType> {
    let ExprKind::Call { name, .. } = &expr.kind else { return None };
    match (name.as_str(), i) {
        ("series_stats", 1 | 3) => Some(KqlType::Long),
        ("series_stats", 0..=6) | ("series_fit_line", 0..=4) => Some(KqlType::Real),
        _ => None,
    }
}
