//! Tabular sources: `datatable`, `range`, `print`, `union`, `externaldata`, wildcard table names.

use std::sync::Arc;

use datafusion::arrow::datatypes::{Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::{DFSchema, ScalarValue};
use datafusion::datasource::{MemTable, provider_as_source};
use datafusion::logical_expr::{Expr, LogicalPlan, LogicalPlanBuilder};
use panoptes_domain::KqlType;
use panoptes_kql::ast::{Expr as Ast, ExprKind, Operator, OptionArg};
use panoptes_kql::{Diagnostic, Span};

use super::operators::wildcard;
use super::{PResult, Planner, build, col, schema_names, unqualify};
use crate::types::arrow_type;
use crate::value::{Val, build_array, val_at};

/// `range` refuses to generate more rows than this.
const MAX_RANGE_ROWS: usize = 10_000_000;

impl Planner<'_> {
    pub(super) fn source(&mut self, op: &Operator, span: Span) -> PResult<LogicalPlan> {
        match op {
            Operator::Datatable { columns, values } => {
                if columns.is_empty() {
                    return Err(Diagnostic::error("KQL_DATATABLE", "datatable needs at least one column", span));
                }
                if values.len() % columns.len() != 0 {
                    return Err(Diagnostic::error(
                        "KQL_DATATABLE",
                        format!(
                            "datatable has {} values, not a multiple of its {} columns",
                            values.len(),
                            columns.len()
                        ),
                        span,
                    ));
                }
                let mut types = Vec::new();
                for c in columns {
                    let t = KqlType::from_name(&c.type_name).ok_or_else(|| {
                        Diagnostic::error("KQL_TYPE", format!("unknown type `{}`", c.type_name), c.name.span)
                    })?;
                    types.push(t);
                }
                let mut cells: Vec<Vec<Val>> = vec![Vec::new(); columns.len()];
                for (i, value) in values.iter().enumerate() {
                    if !is_literal_ast(value) {
                        return Err(Diagnostic::error(
                            "KQL_DATATABLE",
                            "datatable values must be literals",
                            value.span,
                        )
                        .with_help("compute values after the datatable with `extend`"));
                    }
                    let column = i % columns.len();
                    let v = self.constant(value)?;
                    let v = coerce_cell(v, types[column], value.span)?;
                    cells[column].push(v);
                }
                let names: Vec<String> = columns.iter().map(|c| c.name.name.clone()).collect();
                self.memory_table(&names, &types, &cells, span)
            }
            Operator::Range { name, from, to, step } => {
                let (from, to, step) = (self.constant(from)?, self.constant(to)?, self.constant(step)?);
                let (values, t) =
                    range_values(&from, &to, &step).map_err(|m| Diagnostic::error("KQL_RANGE", m, span))?;
                self.memory_table(std::slice::from_ref(&name.name), &[t], &[values], span)
            }
            Operator::Print(items) => {
                let empty = DFSchema::empty();
                let mut exprs = Vec::new();
                let mut used: Vec<String> = Vec::new();
                // Later items may use names defined by earlier ones.
                self.scopes.push(std::collections::HashMap::new());
                let result = (|| {
                    for (i, item) in items.iter().enumerate() {
                        let expr = self.scalar(&item.expr, &empty)?;
                        let name = item.names.first().map(|n| n.name.clone()).unwrap_or_else(|| format!("print_{i}"));
                        let name = super::summarize::unique(&name, &used);
                        used.push(name.clone());
                        self.bind(&name, super::Binding::Scalar(expr.clone()));
                        exprs.push(expr.alias(name));
                    }
                    Ok::<(), Diagnostic>(())
                })();
                self.scopes.pop();
                result?;
                let base = LogicalPlanBuilder::empty(true).build().map_err(|e| super::df_error(e, span))?;
                let base = self.with_windows(base, span)?;
                build(LogicalPlanBuilder::from(base).project(exprs), span)
            }
            Operator::Union { options, tables } => self.union(None, options, tables, span),
            Operator::ExternalData { columns, .. } => {
                let mut exprs = Vec::new();
                for c in columns {
                    let t = KqlType::from_name(&c.type_name).unwrap_or(KqlType::String);
                    exprs.push(Expr::Literal(super::calls::typed_null(t), None).alias(&c.name.name));
                }
                let base = LogicalPlanBuilder::empty(true).build().map_err(|e| super::df_error(e, span))?;
                let refused = crate::functions::externaldata_disabled();
                build(LogicalPlanBuilder::from(base).filter(refused).and_then(|b| b.project(exprs)), span)
            }
            Operator::Search { tables, predicate, options } => {
                let predicate = super::search::SearchPredicate::new(predicate, options);
                self.search(None, tables, predicate, &[], "$table", span)
            }
            Operator::Find { tables, predicate, project } => {
                let predicate = super::search::SearchPredicate::new(predicate, &[]);
                self.search(None, tables, predicate, project, "source_", span)
            }
            Operator::Evaluate { plugin, schema, .. } => {
                let base = LogicalPlanBuilder::empty(true).build().map_err(|e| super::df_error(e, span))?;
                self.evaluate(base, plugin, schema.as_deref(), span)
            }
            _ => Err(Diagnostic::error("KQL_UNSUPPORTED", "this source is not supported yet", span)),
        }
    }

    /// Evaluates a constant expression at plan time.
    pub(super) fn constant(&mut self, expr: &Ast) -> PResult<Val> {
        let planned = self.scalar(expr, &DFSchema::empty())?;
        constant_value(planned)
            .ok_or_else(|| Diagnostic::error("KQL_NOT_CONSTANT", "expected a constant value here", expr.span))
    }

    pub(super) fn memory_table(
        &mut self,
        names: &[String],
        types: &[KqlType],
        cells: &[Vec<Val>],
        span: Span,
    ) -> PResult<LogicalPlan> {
        let fields: Vec<Field> = names.iter().zip(types).map(|(n, t)| Field::new(n, arrow_type(*t), true)).collect();
        let schema = Arc::new(Schema::new(fields));
        let arrays = types.iter().zip(cells).map(|(t, values)| build_array(&arrow_type(*t), values)).collect();
        let batch = RecordBatch::try_new(schema.clone(), arrays)
            .map_err(|e| Diagnostic::error("KQL_DATATABLE", e.to_string(), span))?;
        let table = MemTable::try_new(schema, vec![vec![batch]]).map_err(|e| super::df_error(e, span))?;
        let name = self.fresh("datatable");
        let plan = build(LogicalPlanBuilder::scan(name, provider_as_source(Arc::new(table)), None), span)?;
        unqualify(plan, span)
    }

    /// Unions planned inputs by column name: a name with different types in different inputs
    /// splits into `name_type` columns; `source_column` names each row's input.
    pub(super) fn union_plans(
        &mut self,
        inputs: Vec<(String, LogicalPlan)>,
        source_column: Option<&str>,
        inner: bool,
        span: Span,
    ) -> PResult<LogicalPlan> {
        let mut inputs = inputs;
        self.union_inputs(&mut inputs, source_column.map(str::to_string), inner, span)
    }

    /// `union`: outer by default (columns by name, missing ones null), `kind=inner` keeps only
    /// common columns, `withsource=Name` adds the source table's name.
    pub(super) fn union(
        &mut self,
        input: Option<LogicalPlan>,
        options: &[OptionArg],
        tables: &[Ast],
        span: Span,
    ) -> PResult<LogicalPlan> {
        let option = |name: &str| options.iter().find(|o| o.name.eq_ignore_ascii_case(name)).map(|o| &o.value);
        let source_column =
            option("withsource").or_else(|| option("with_source")).and_then(|v| v.as_name().map(str::to_string));
        let inner = option("kind").and_then(|v| v.as_name()) == Some("inner");
        let mut inputs: Vec<(String, LogicalPlan)> = Vec::new();
        if let Some(plan) = input {
            inputs.push(("union_arg0".into(), plan));
        }
        for table in tables {
            match &table.kind {
                ExprKind::Name(name) if name.contains('*') => {
                    for t in self.catalog.table_names() {
                        if wildcard(name, &t) {
                            let plan = self.table_by_name(&t, table.span)?;
                            inputs.push((t, plan));
                        }
                    }
                }
                ExprKind::Name(name) => {
                    let plan = self.table_by_name(name, table.span)?;
                    // Tables keep their names; let-bound and other tabular expressions are
                    // `union_argN`, as Kusto names them.
                    let label =
                        if self.lookup(name).is_some() { format!("union_arg{}", inputs.len()) } else { name.clone() };
                    inputs.push((label, plan));
                }
                _ => {
                    let plan = self.tabular(table)?;
                    inputs.push((format!("union_arg{}", inputs.len()), plan));
                }
            }
        }
        self.union_inputs(&mut inputs, source_column, inner, span)
    }

    fn union_inputs(
        &mut self,
        inputs: &mut Vec<(String, LogicalPlan)>,
        source_column: Option<String>,
        inner: bool,
        span: Span,
    ) -> PResult<LogicalPlan> {
        let inputs = std::mem::take(inputs);
        if inputs.is_empty() {
            return Err(Diagnostic::error("KQL_UNION", "union has no tables", span));
        }
        let common: Vec<String> = if inner {
            let first = schema_names(inputs[0].1.schema());
            first
                .into_iter()
                .filter(|n| inputs.iter().all(|(_, p)| p.schema().fields().iter().any(|f| f.name() == n)))
                .collect()
        } else {
            Vec::new()
        };
        // A column name with different types in different inputs splits into `name_type` columns.
        let mut types_of: std::collections::HashMap<String, Vec<KqlType>> = std::collections::HashMap::new();
        for (_, plan) in &inputs {
            for f in plan.schema().fields() {
                let t = crate::types::kql_type(f.data_type());
                let entry = types_of.entry(f.name().clone()).or_default();
                if !entry.contains(&t) {
                    entry.push(t);
                }
            }
        }
        let mut result: Option<LogicalPlanBuilder> = None;
        for (name, plan) in inputs {
            let mut exprs: Vec<Expr> = Vec::new();
            if let Some(source) = &source_column {
                exprs.push(super::scalar::lit_str(&name).alias(source));
            }
            let columns = if inner { common.clone() } else { schema_names(plan.schema()) };
            for c in &columns {
                let conflicting = types_of.get(c).is_some_and(|t| t.len() > 1);
                match plan.schema().field_with_unqualified_name(c) {
                    Ok(f) if conflicting => {
                        let t = crate::types::kql_type(f.data_type());
                        exprs.push(col(c).alias(format!("{c}_{}", t.name())));
                    }
                    _ => exprs.push(col(c)),
                }
            }
            let plan = build(LogicalPlanBuilder::from(plan).project(exprs), span)?;
            result = Some(match result {
                None => LogicalPlanBuilder::from(plan),
                Some(builder) => builder.union_by_name(plan).map_err(|e| super::df_error(e, span))?,
            });
        }
        let builder = result.ok_or_else(|| Diagnostic::error("KQL_UNION", "union has no tables", span))?;
        let plan = build(Ok(builder), span)?;
        unqualify(plan, span)
    }

    pub(super) fn union_of_pattern(&mut self, pattern: &str, span: Span) -> PResult<LogicalPlan> {
        let table = Ast::new(ExprKind::Name(pattern.to_string()), span);
        self.union(None, &[], std::slice::from_ref(&table), span)
    }
}

/// Literals as datatable accepts them: plain and typed literals, negated numbers, `long(null)`.
fn is_literal_ast(expr: &Ast) -> bool {
    match &expr.kind {
        ExprKind::Literal(_) => true,
        ExprKind::Neg(inner) => is_literal_ast(inner),
        ExprKind::Call { name, args, .. } => {
            matches!(
                name.as_str(),
                "long"
                    | "int"
                    | "real"
                    | "double"
                    | "bool"
                    | "boolean"
                    | "string"
                    | "decimal"
                    | "guid"
                    | "dynamic"
                    | "datetime"
                    | "timespan"
                    | "time"
            ) && args.len() == 1
                && (is_literal_ast(&args[0])
                    || matches!(&args[0].kind, ExprKind::Name(n) if matches!(n.as_str(), "null" | "nan" | "inf"))
                    || matches!(&args[0].kind, ExprKind::Neg(inner) if inner.as_name() == Some("inf")))
        }
        _ => false,
    }
}

/// The value of a constant expression, folding immutable functions.
pub(crate) fn constant_value(expr: Expr) -> Option<Val> {
    use datafusion::logical_expr::simplify::SimplifyContext;
    use datafusion::optimizer::simplify_expressions::ExprSimplifier;
    let expr = match expr {
        Expr::Literal(..) => expr,
        other => {
            let context = SimplifyContext::default();
            ExprSimplifier::new(context).simplify(other).ok()?
        }
    };
    match expr {
        Expr::Literal(value, _) => scalar_to_val(&value),
        _ => None,
    }
}

pub(crate) fn scalar_to_val(value: &ScalarValue) -> Option<Val> {
    if value.is_null() {
        return Some(Val::Null);
    }
    let array = value.to_array().ok()?;
    Some(val_at(array.as_ref(), 0))
}

fn coerce_cell(v: Val, t: KqlType, span: Span) -> PResult<Val> {
    let converted = match (&v, t) {
        (Val::Null, _) => Val::Null,
        (Val::Dyn(serde_json::Value::Null), KqlType::Dynamic) => Val::Null,
        (_, KqlType::Dynamic) => Val::Dyn(v.to_json()),
        (_, KqlType::String) => Val::Str(v.to_kql_string()),
        _ => crate::functions::convert_value(&v, t.name()),
    };
    if converted.is_null() && !v.is_null() {
        return Err(Diagnostic::error(
            "KQL_DATATABLE",
            format!("value `{}` does not fit the column type {t}", v.to_kql_string()),
            span,
        ));
    }
    Ok(converted)
}

fn range_values(from: &Val, to: &Val, step: &Val) -> Result<(Vec<Val>, KqlType), String> {
    let mut out = Vec::new();
    match (from, to) {
        (Val::Datetime(a), _) | (_, Val::Datetime(a)) if matches!(from, Val::Datetime(_)) => {
            let _ = a;
            let (Some(a), Some(b), Some(s)) = (from.to_datetime(), to.to_datetime(), step.to_timespan()) else {
                return Err("range over datetimes needs a timespan step".into());
            };
            if s <= 0 && a < b || s == 0 {
                return Err("range step must move from the start toward the end".into());
            }
            let mut v = a;
            while (s > 0 && v <= b) || (s < 0 && v >= b) {
                out.push(Val::Datetime(v));
                v += s;
                if out.len() > MAX_RANGE_ROWS {
                    return Err(format!("range produces more than {MAX_RANGE_ROWS} rows"));
                }
            }
            Ok((out, KqlType::Datetime))
        }
        (Val::Timespan(_), _) => {
            let (Some(a), Some(b), Some(s)) = (from.to_timespan(), to.to_timespan(), step.to_timespan()) else {
                return Err("range over timespans needs a timespan step".into());
            };
            if s == 0 {
                return Err("range step must not be zero".into());
            }
            let mut v = a;
            while (s > 0 && v <= b) || (s < 0 && v >= b) {
                out.push(Val::Timespan(v));
                v += s;
                if out.len() > MAX_RANGE_ROWS {
                    return Err(format!("range produces more than {MAX_RANGE_ROWS} rows"));
                }
            }
            Ok((out, KqlType::Timespan))
        }
        _ => {
            let is_real = [from, to, step].iter().any(|v| matches!(v, Val::Real(_)));
            if is_real {
                let (Some(a), Some(b), Some(s)) = (from.to_real(), to.to_real(), step.to_real()) else {
                    return Err("range needs numeric bounds".into());
                };
                if s == 0.0 {
                    return Err("range step must not be zero".into());
                }
                let mut i = 0.0;
                loop {
                    let v = a + i * s;
                    if (s > 0.0 && v > b) || (s < 0.0 && v < b) {
                        break;
                    }
                    out.push(Val::Real(v));
                    i += 1.0;
                    if out.len() > MAX_RANGE_ROWS {
                        return Err(format!("range produces more than {MAX_RANGE_ROWS} rows"));
                    }
                }
                return Ok((out, KqlType::Real));
            }
            let (Some(a), Some(b), Some(s)) = (from.to_long(), to.to_long(), step.to_long()) else {
                return Err("range needs numeric bounds".into());
            };
            if s == 0 {
                return Err("range step must not be zero".into());
            }
            let mut v = a;
            while (s > 0 && v <= b) || (s < 0 && v >= b) {
                out.push(Val::Long(v));
                v = match v.checked_add(s) {
                    Some(n) => n,
                    None => break,
                };
                if out.len() > MAX_RANGE_ROWS {
                    return Err(format!("range produces more than {MAX_RANGE_ROWS} rows"));
                }
            }
            Ok((out, KqlType::Long))
        }
    }
}
