//! Scalar expressions: literals, names, member access, operators, `in`, `between`.

use datafusion::common::{DFSchema, ScalarValue};
use datafusion::logical_expr::expr::InList;
use datafusion::logical_expr::{Expr, ExprSchemable, Subquery};
use panoptes_kql::ast::{BinaryOp, DynLiteral, Expr as Ast, ExprKind, Literal};
use panoptes_kql::{Diagnostic, Span, closest};
use serde_json::Value as Json;

use super::{Binding, PResult, Planned, Planner, col, schema_names};
use crate::format::{parse_datetime, parse_timespan};
use crate::functions::{self, strops};
use crate::types::{DYNAMIC, kql_type};
use panoptes_domain::KqlType;

impl Planner<'_> {
    /// Plans a scalar expression against the input row `schema`.
    pub(crate) fn scalar(&mut self, expr: &Ast, schema: &DFSchema) -> PResult<Expr> {
        self.depth += 1;
        if self.depth > 300 {
            return Err(Diagnostic::error("KQL_TOO_DEEP", "the expression nests too deeply", expr.span));
        }
        let result = self.scalar_inner(expr, schema);
        self.depth -= 1;
        result
    }

    fn scalar_inner(&mut self, expr: &Ast, schema: &DFSchema) -> PResult<Expr> {
        let span = expr.span;
        match &expr.kind {
            ExprKind::Literal(literal) => literal_expr(literal, span),
            ExprKind::Name(name) => self.resolve_name(name, span, schema),
            ExprKind::Star => Err(Diagnostic::error("KQL_SYNTAX", "`*` is not a value here", span)),
            ExprKind::Member(base, key) => {
                if let Some(side @ ("$left" | "$right")) = base.as_name() {
                    return Err(Diagnostic::error(
                        "KQL_SYNTAX",
                        format!("`{side}.{key}` is only valid in a join condition"),
                        span,
                    ));
                }
                // `T.Column` style qualified names resolve to the column when it exists.
                if let Some(base_name) = base.as_name()
                    && !has_column(schema, base_name)
                    && has_column(schema, key)
                    && self.lookup(base_name).is_none()
                {
                    return Ok(col(key));
                }
                let base = self.scalar(base, schema)?;
                let base = self.as_dynamic(base, schema);
                Ok(functions::row_call("get", KqlType::Dynamic, functions::dynamic_get, vec![base, lit_str(key)]))
            }
            ExprKind::Index(base, index) => {
                let base = self.scalar(base, schema)?;
                let base = self.as_dynamic(base, schema);
                let index = self.scalar(index, schema)?;
                Ok(functions::row_call("get", KqlType::Dynamic, functions::dynamic_get, vec![base, index]))
            }
            ExprKind::Call { name, args, named } => self.call(name, args, named, span, schema),
            ExprKind::Neg(inner) => {
                let inner = self.scalar(inner, schema)?;
                self.negate(inner, schema, span)
            }
            // `where * has "x"`: any column (as text) has it; `!has` none does.
            ExprKind::Binary(BinaryOp::Str(op, negated), left, right) if matches!(left.kind, ExprKind::Star) => {
                let ExprKind::Literal(Literal::String(needle)) = &right.kind else {
                    return Err(Diagnostic::error("KQL_SYNTAX", "`*` must be compared with a string constant", span));
                };
                let any = super::search::any_column_op(schema, *op, needle).unwrap_or(datafusion::prelude::lit(false));
                Ok(if *negated { Expr::Not(Box::new(any)) } else { any })
            }
            ExprKind::Binary(op, left, right) => self.binary(*op, left, right, span, schema),
            ExprKind::In { expr, list, negated, ci } => self.plan_in(expr, list, *negated, *ci, schema, span),
            ExprKind::HasAnyAll { expr, list, all, cs } => {
                let hay = self.scalar(expr, schema)?;
                let hay = self.as_string(hay, schema);
                let needles = self.list_as_dynamic(list, schema)?;
                let predicate =
                    if *all { strops::StrPredicate::HasAll(*cs) } else { strops::StrPredicate::HasAny(*cs) };
                Ok(strops::call(predicate, hay, needles))
            }
            ExprKind::Between { expr, low, high, negated } => {
                let value = self.scalar(expr, schema)?;
                let low_expr = self.scalar(low, schema)?;
                let mut high_expr = self.scalar(high, schema)?;
                let value_type = kql_type(&self.type_of(&value, schema));
                if value_type == KqlType::Datetime && kql_type(&self.type_of(&high_expr, schema)) == KqlType::Timespan {
                    high_expr = self.arith(BinaryOp::Add, low_expr.clone(), high_expr, schema, span)?;
                }
                let ge = self.compare(BinaryOp::GtEq, value.clone(), low_expr, schema, span)?;
                let le = self.compare(BinaryOp::LtEq, value, high_expr, schema, span)?;
                let both = ge.and(le);
                Ok(if *negated { Expr::Not(Box::new(both)) } else { both })
            }
            ExprKind::Lambda { .. } => Err(Diagnostic::error("KQL_SYNTAX", "a function body is not a value", span)),
            ExprKind::Pipe(..) | ExprKind::Source(_) | ExprKind::Block(_) => match self.any(expr)? {
                Planned::Scalar(e) => Ok(e),
                Planned::Table(_) => {
                    Err(Diagnostic::error("KQL_EXPECTED_SCALAR", "expected a scalar here, found a table", span)
                        .with_help("wrap the table in `toscalar(...)` to use its first value"))
                }
            },
        }
    }

    fn resolve_name(&mut self, name: &str, span: Span, schema: &DFSchema) -> PResult<Expr> {
        if has_column(schema, name) {
            return Ok(col(name));
        }
        match self.lookup(name).cloned() {
            Some(Binding::Scalar(expr)) => return Ok(expr),
            Some(Binding::Lambda(lambda)) if lambda.params.is_empty() => {
                return match self.invoke_lambda(&lambda, &[], None, span, schema)? {
                    Planned::Scalar(e) => Ok(e),
                    Planned::Table(_) => Err(Diagnostic::error(
                        "KQL_EXPECTED_SCALAR",
                        format!("`{name}` is a table, not a scalar"),
                        span,
                    )),
                };
            }
            Some(_) => {
                return Err(Diagnostic::error(
                    "KQL_EXPECTED_SCALAR",
                    format!("`{name}` is a table, not a scalar value"),
                    span,
                )
                .with_help(format!("use `toscalar({name})` or `in ({name})`")));
            }
            None => {}
        }
        // Watchlist rows keep their user-defined columns in one bag.
        if has_column(schema, WATCHLIST_ITEM) {
            return Ok(functions::row_call(
                "get",
                KqlType::Dynamic,
                functions::dynamic_get,
                vec![col(WATCHLIST_ITEM), lit_str(name)],
            ));
        }
        if self.open_schema {
            return Ok(Expr::Literal(super::calls::typed_null(KqlType::Dynamic), None));
        }
        let columns = schema_names(schema);
        let mut d = Diagnostic::error("KQL_UNKNOWN_COLUMN", format!("unknown column or name `{name}`"), span);
        if let Some(hint) = closest(name, columns.iter().map(String::as_str)) {
            d = d.with_help(format!("did you mean `{hint}`?"));
        }
        Err(d)
    }

    /// The Arrow type of a planned expression (dynamic when it cannot be told).
    pub(crate) fn type_of(&self, expr: &Expr, schema: &DFSchema) -> datafusion::arrow::datatypes::DataType {
        match expr.get_type(schema) {
            Ok(t) => t,
            Err(_) if !self.pending_windows.is_empty() => {
                self.with_window_columns(schema).and_then(|s| expr.get_type(&s).ok()).unwrap_or(DYNAMIC)
            }
            Err(_) => DYNAMIC,
        }
    }

    /// The schema with the queued window functions' future columns, so that an expression
    /// over one (`todouble(row_cumsum(x)) / n`) has a type before the Window node exists.
    fn with_window_columns(&self, schema: &DFSchema) -> Option<DFSchema> {
        let mut extended = schema.clone();
        for (window, name, _) in &self.pending_windows {
            let data_type = window.get_type(&extended).unwrap_or(DYNAMIC);
            let field = datafusion::arrow::datatypes::Field::new(name, data_type, true);
            let column = DFSchema::from_unqualified_fields(vec![field].into(), Default::default()).ok()?;
            extended = extended.join(&column).ok()?;
        }
        Some(extended)
    }

    /// Converts to dynamic: strings are parsed as JSON (as `parse_json` would).
    pub(crate) fn as_dynamic(&self, expr: Expr, schema: &DFSchema) -> Expr {
        match kql_type(&self.type_of(&expr, schema)) {
            KqlType::Dynamic => expr,
            _ => functions::row_call("todynamic", KqlType::Dynamic, functions::parse_json_fn, vec![expr]),
        }
    }

    /// Converts to string with `tostring` semantics (strings pass unchanged).
    pub(crate) fn as_string(&self, expr: Expr, schema: &DFSchema) -> Expr {
        match kql_type(&self.type_of(&expr, schema)) {
            KqlType::String => expr,
            _ => functions::row_call("tostring", KqlType::String, functions::tostring_fn, vec![expr]),
        }
    }

    /// A list of scalars (or one dynamic array) as one dynamic array expression.
    fn list_as_dynamic(&mut self, list: &[Ast], schema: &DFSchema) -> PResult<Expr> {
        let mut literal_items = Vec::new();
        let mut all_literal = true;
        for item in list {
            match literal_json(item) {
                Some(Json::Array(items)) => literal_items.extend(items),
                Some(value) => literal_items.push(value),
                None => {
                    all_literal = false;
                    break;
                }
            }
        }
        if all_literal {
            return Ok(Expr::Literal(ScalarValue::LargeUtf8(Some(Json::Array(literal_items).to_string())), None));
        }
        let mut exprs = Vec::new();
        for item in list {
            if self.is_tabular(item) {
                exprs.push(self.table_as_list(item)?);
                continue;
            }
            exprs.push(self.scalar(item, schema)?);
        }
        if exprs.len() == 1 && kql_type(&self.type_of(&exprs[0], schema)) == KqlType::Dynamic {
            return Ok(exprs.remove(0));
        }
        Ok(functions::row_call("pack_array", KqlType::Dynamic, functions::flat_array_fn, exprs))
    }

    fn plan_in(
        &mut self,
        expr: &Ast,
        list: &[Ast],
        negated: bool,
        ci: bool,
        schema: &DFSchema,
        span: Span,
    ) -> PResult<Expr> {
        let value = self.scalar(expr, schema)?;
        let value_type = self.type_of(&value, schema);
        // `x in (T | project y)`: a subquery.
        if list.len() == 1 && self.is_tabular(&list[0]) {
            let plan = self.tabular(&list[0])?;
            if plan.schema().fields().is_empty() {
                return Err(Diagnostic::error("KQL_PLAN", "the `in` subquery has no columns", span));
            }
            let first = plan.schema().field(0).name().clone();
            // A name of its own: DataFusion's decorrelation fails when the subquery's column
            // has the outer column's name (`where h in (T | distinct h)`).
            self.next_id += 1;
            let alias = format!("__in_{}", self.next_id);
            let plan = super::build(
                datafusion::logical_expr::LogicalPlanBuilder::from(plan).project(vec![col(&first).alias(alias)]),
                span,
            )?;
            let subquery =
                Subquery { subquery: std::sync::Arc::new(plan), outer_ref_columns: vec![], spans: Default::default() };
            let value = if ci { self.lower(value, schema) } else { value };
            return Ok(Expr::InSubquery(datafusion::logical_expr::expr::InSubquery::new(
                Box::new(value),
                subquery,
                negated,
            )));
        }
        let needles = self.list_as_dynamic(list, schema)?;
        if ci {
            let hay = self.as_string(value, schema);
            let found = strops::call(strops::StrPredicate::InCi, hay, needles);
            return Ok(if negated { Expr::Not(Box::new(found)) } else { found });
        }
        if let Expr::Literal(ScalarValue::LargeUtf8(Some(text)), _) = &needles
            && let Ok(Json::Array(items)) = serde_json::from_str::<Json>(text)
            && !items.is_empty()
            && kql_type(&value_type) != KqlType::Dynamic
        {
            // A constant list: plain SQL IN over the value's type.
            let target = kql_type(&value_type);
            let list: Vec<Expr> = items.iter().map(|i| super::binary::json_literal(i, target)).collect();
            // Kusto: a null is in no list, so `!in` keeps it.
            let found = Expr::InList(InList::new(Box::new(value.clone()), list, false));
            let found = super::binary::known_equal(found, &[&value], schema);
            return Ok(if negated { Expr::Not(Box::new(found)) } else { found });
        }
        let hay = self.as_string(value, schema);
        let found = functions::row_call("in", KqlType::Bool, functions::in_array_fn, vec![hay, needles]);
        Ok(if negated { Expr::Not(Box::new(found)) } else { found })
    }

    /// A table's first column as one dynamic array (a scalar subquery), for `has_any (T)`.
    fn table_as_list(&mut self, table: &Ast) -> PResult<Expr> {
        let span = table.span;
        let plan = self.tabular(table)?;
        let Some(first) = plan.schema().fields().first().map(|f| f.name().clone()) else {
            return Err(Diagnostic::error("KQL_PLAN", "the table has no columns", span));
        };
        let values = datafusion::functions_aggregate::expr_fn::array_agg(col(&first));
        let values = datafusion::logical_expr::ExprFunctionExt::distinct(values)
            .build()
            .map_err(|e| super::df_error(e, span))?;
        let list =
            functions::row_call("to_dynamic", KqlType::Dynamic, functions::list_to_dynamic_fn, vec![col("__values")]);
        let plan = super::build(
            datafusion::logical_expr::LogicalPlanBuilder::from(plan)
                .aggregate(Vec::<Expr>::new(), vec![values.alias("__values")])
                .and_then(|b| b.project(vec![list.alias("__list")])),
            span,
        )?;
        Ok(super::scalar_subquery(plan))
    }

    pub(crate) fn lower(&self, expr: Expr, schema: &DFSchema) -> Expr {
        let expr = self.as_string(expr, schema);
        datafusion::functions::string::expr_fn::lower(expr)
    }
}

/// The bag column of watchlist rows; names not found elsewhere resolve into it.
pub(crate) const WATCHLIST_ITEM: &str = "WatchlistItem";

fn has_column(schema: &DFSchema, name: &str) -> bool {
    schema.fields().iter().any(|f| f.name() == name)
}

pub(crate) fn lit_str(text: &str) -> Expr {
    Expr::Literal(ScalarValue::Utf8(Some(text.to_string())), None)
}

/// A KQL literal as a typed DataFusion literal.
pub(crate) fn literal_expr(literal: &Literal, span: Span) -> PResult<Expr> {
    let value = match literal {
        Literal::Null => ScalarValue::LargeUtf8(None),
        Literal::Bool(b) => ScalarValue::Boolean(Some(*b)),
        Literal::Long(v) => ScalarValue::Int64(Some(*v)),
        Literal::Real(v) => ScalarValue::Float64(Some(*v)),
        Literal::String(s) => ScalarValue::Utf8(Some(s.clone())),
        Literal::Timespan(ticks) => ScalarValue::DurationNanosecond(Some(ticks.saturating_mul(100))),
        Literal::Typed { kind, raw } => typed_literal(kind, raw, span)?,
        Literal::Dynamic(value) => match dyn_json(value) {
            Json::Null => ScalarValue::LargeUtf8(None),
            json => ScalarValue::LargeUtf8(Some(json.to_string())),
        },
    };
    Ok(Expr::Literal(value, None))
}

fn typed_literal(kind: &str, raw: &str, span: Span) -> PResult<ScalarValue> {
    let is_null = raw.is_empty() || raw == "null";
    match kind {
        "datetime" | "date" => {
            if is_null {
                return Ok(ScalarValue::TimestampNanosecond(None, None));
            }
            parse_datetime(raw).map(|ns| ScalarValue::TimestampNanosecond(Some(ns), None)).ok_or_else(|| {
                Diagnostic::error("KQL_BAD_LITERAL", format!("`{raw}` is not a valid datetime"), span)
                    .with_help("write datetimes as `datetime(2024-01-31 13:45:00)`")
            })
        }
        "timespan" | "time" => {
            if is_null {
                return Ok(ScalarValue::DurationNanosecond(None));
            }
            parse_timespan(raw).map(|ns| ScalarValue::DurationNanosecond(Some(ns))).ok_or_else(|| {
                Diagnostic::error("KQL_BAD_LITERAL", format!("`{raw}` is not a valid timespan"), span)
                    .with_help("write timespans as `timespan(1.02:03:04)` or `1d`, `2h`, `30m`")
            })
        }
        _ => Ok(ScalarValue::Utf8(if is_null { None } else { Some(raw.to_string()) })),
    }
}

/// The JSON value of a `dynamic(...)` literal.
pub(crate) fn dyn_json(value: &DynLiteral) -> Json {
    match value {
        DynLiteral::Null => Json::Null,
        DynLiteral::Bool(b) => Json::Bool(*b),
        DynLiteral::Long(v) => Json::from(*v),
        DynLiteral::Real(v) => serde_json::Number::from_f64(*v).map_or(Json::Null, Json::Number),
        DynLiteral::String(s) => Json::String(s.clone()),
        DynLiteral::Timespan(t) => Json::String(crate::format::timespan(t.saturating_mul(100))),
        DynLiteral::Typed { kind, raw } => match kind.as_str() {
            "datetime" | "date" => {
                parse_datetime(raw).map_or(Json::Null, |ns| Json::String(crate::format::datetime(ns)))
            }
            "timespan" | "time" => {
                parse_timespan(raw).map_or(Json::Null, |ns| Json::String(crate::format::timespan(ns)))
            }
            _ => Json::String(raw.clone()),
        },
        DynLiteral::Array(items) => Json::Array(items.iter().map(dyn_json).collect()),
        DynLiteral::Object(entries) => Json::Object(entries.iter().map(|(k, v)| (k.clone(), dyn_json(v))).collect()),
    }
}

/// A literal list item as JSON, for constant `in`/`has_any` lists.
fn literal_json(item: &Ast) -> Option<Json> {
    match &item.kind {
        ExprKind::Literal(Literal::String(s)) => Some(Json::String(s.clone())),
        ExprKind::Literal(Literal::Long(v)) => Some(Json::from(*v)),
        ExprKind::Literal(Literal::Real(v)) => serde_json::Number::from_f64(*v).map(Json::Number),
        ExprKind::Literal(Literal::Bool(b)) => Some(Json::Bool(*b)),
        ExprKind::Literal(Literal::Dynamic(d)) => Some(dyn_json(d)),
        _ => None,
    }
}
