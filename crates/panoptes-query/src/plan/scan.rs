//! `scan`: the steps' conditions and assignments are planned against an evaluation schema
//! (the input columns, the declared columns, and one column per `Step.Column` state
//! reference), compiled to physical expressions and run by [`ScanWindow`], a window function
//! over the serialized input that gives each record its output rows; those are unnested and
//! their declared values (and match id) become columns.

use std::sync::Arc;

use datafusion::arrow::array::RecordBatchOptions;
use datafusion::arrow::datatypes::{Field, Schema};
use datafusion::common::{Column, DFSchema, ScalarValue};
use datafusion::functions::core::expr_fn::get_field;
use datafusion::logical_expr::execution_props::ExecutionProps;
use datafusion::logical_expr::physical_planning_context::PhysicalPlanningContext;
use datafusion::logical_expr::simplify::SimplifyContext;
use datafusion::logical_expr::{Expr, ExprFunctionExt, LogicalPlan, LogicalPlanBuilder};
use datafusion::optimizer::simplify_expressions::ExprSimplifier;
use datafusion::physical_expr::{PhysicalExpr, create_physical_expr};
use panoptes_domain::KqlType;
use panoptes_kql::ast::{Expr as Ast, ExprKind, OptionArg, ScanOp};
use panoptes_kql::{Diagnostic, Span};

use super::binary::cast_to;
use super::{PResult, Planner, build, col, df_error, schema_names};
use crate::functions::scan::{MATCH_ID, ScanProgram, ScanStepProgram, ScanWindow, StateRef, StateSource, StepOutput};
use crate::types::arrow_type;

/// A declared column: name, type and default.
struct Declared {
    name: String,
    kql_type: KqlType,
    default: ScalarValue,
}

impl Planner<'_> {
    pub(super) fn scan(&mut self, input: LogicalPlan, op: &ScanOp, span: Span) -> PResult<LogicalPlan> {
        if op.steps.is_empty() {
            return Err(Diagnostic::error("KQL_SYNTAX", "`scan` needs at least one `step`", span));
        }
        let steps: Vec<&str> = op.steps.iter().map(|s| s.name.name.as_str()).collect();
        if let Some((i, name)) = steps.iter().enumerate().find(|(i, n)| steps[..*i].contains(n)) {
            return Err(Diagnostic::error(
                "KQL_DUPLICATE_COLUMN",
                format!("the step name `{name}` is used twice: each step needs its own name"),
                op.steps[i].name.span,
            ));
        }
        let declared = self.declared_columns(op)?;
        let input_schema = input.schema().clone();
        // A declared column of an input column's name takes its place.
        let inputs: Vec<String> =
            schema_names(&input_schema).into_iter().filter(|n| !declared.iter().any(|d| d.name == *n)).collect();
        if inputs.is_empty() {
            return Err(Diagnostic::error("KQL_PLAN", "`scan` needs an input with columns", span));
        }

        // `Step.Column` references become columns of the evaluation schema.
        let mut references: Vec<(StateRef, String)> = Vec::new();
        let mut rewritten = Vec::new();
        for step in &op.steps {
            let condition = state_columns(&step.condition, &steps, &inputs, &declared, &mut references)?;
            let mut assignments = Vec::new();
            for (target, value) in &step.assignments {
                let Some(index) = declared.iter().position(|d| d.name == target.name) else {
                    return Err(Diagnostic::error(
                        "KQL_UNKNOWN_COLUMN",
                        format!("`{}` is not declared: add it to `declare ({}: <type>)`", target.name, target.name),
                        target.span,
                    ));
                };
                assignments.push((index, state_columns(value, &steps, &inputs, &declared, &mut references)?));
            }
            rewritten.push((condition, assignments));
        }
        let mut fields: Vec<Field> = inputs
            .iter()
            .filter_map(|n| input_schema.field_with_unqualified_name(n).ok())
            .map(|f| f.as_ref().clone().with_nullable(true))
            .collect();
        fields.extend(declared.iter().map(|d| Field::new(&d.name, d.default.data_type(), true)));
        for (reference, name) in &references {
            let data_type = match reference.source {
                StateSource::Input(i) => fields[i].data_type().clone(),
                StateSource::Declared(d) => declared[d].default.data_type(),
            };
            fields.push(Field::new(name, data_type, true));
        }
        let eval_schema = Arc::new(Schema::new(fields));
        let eval = Arc::new(DFSchema::try_from(Arc::clone(&eval_schema)).map_err(|e| df_error(e, span))?);

        let mut programs = Vec::new();
        for (step, (condition, assignments)) in op.steps.iter().zip(rewritten) {
            let condition = self.scan_expr(&condition, &eval, None)?;
            let assignments = assignments
                .iter()
                .map(|(index, value)| Ok((*index, self.scan_expr(value, &eval, Some(declared[*index].kql_type))?)))
                .collect::<PResult<Vec<_>>>()?;
            let output = match step.output.as_deref().map(str::to_ascii_lowercase).as_deref() {
                None | Some("all") => StepOutput::All,
                Some("last") => StepOutput::Last,
                Some("none") => StepOutput::None,
                Some(other) => {
                    return Err(Diagnostic::error(
                        "KQL_SYNTAX",
                        format!("`output={other}` is not a step output: use all, last or none"),
                        step.name.span,
                    ));
                }
            };
            programs.push(ScanStepProgram { output, condition, assignments });
        }
        let program = ScanProgram {
            steps: programs,
            defaults: declared.iter().map(|d| d.default.clone()).collect(),
            eval_schema,
            inputs: inputs.len(),
            state_refs: references.iter().map(|(r, _)| *r).collect(),
        };

        let name = self.fresh("scan");
        let udwf = Arc::new(ScanWindow::udwf(name.clone(), program));
        let call = udwf.call(inputs.iter().map(|n| col(n)).collect());
        let order = self.current_order(&input_schema);
        let window = match order.is_empty() {
            true => call,
            false => call.order_by(order).build().map_err(|e| df_error(e, span))?,
        };
        let windowed = build(LogicalPlanBuilder::from(input).window(vec![window.alias(&name)]), span)?;
        let unnested = build(LogicalPlanBuilder::from(windowed).unnest_column(Column::new_unqualified(&name)), span)?;
        let mut outputs: Vec<Expr> = inputs.iter().map(|n| col(n)).collect();
        for (i, d) in declared.iter().enumerate() {
            outputs.push(get_field(col(&name), format!("c{i}")).alias(&d.name));
        }
        if let Some(id) = &op.match_id {
            outputs.push(get_field(col(&name), MATCH_ID).alias(&id.name));
        }
        build(LogicalPlanBuilder::from(unnested).project(outputs), span)
    }

    fn declared_columns(&mut self, op: &ScanOp) -> PResult<Vec<Declared>> {
        let empty = Arc::new(DFSchema::empty());
        let mut declared: Vec<Declared> = Vec::new();
        for decl in &op.declare {
            let Some(kql_type) = KqlType::from_name(&decl.type_name) else {
                return Err(Diagnostic::error(
                    "KQL_UNKNOWN_TYPE",
                    format!("`{}` is not a scalar type (long, real, string, datetime, ...)", decl.type_name),
                    decl.name.span,
                ));
            };
            if declared.iter().any(|d| d.name == decl.name.name) {
                return Err(Diagnostic::error(
                    "KQL_DUPLICATE_COLUMN",
                    format!("`{}` is declared twice", decl.name.name),
                    decl.name.span,
                ));
            }
            let default = match &decl.default {
                None => ScalarValue::try_from(&arrow_type(kql_type)).map_err(|e| df_error(e, decl.name.span))?,
                Some(value) => {
                    let expr = self.scan_expr(value, &empty, Some(kql_type))?;
                    constant(&expr, value.span)?
                }
            };
            declared.push(Declared { name: decl.name.name.clone(), kql_type, default });
        }
        Ok(declared)
    }

    /// A step's condition (`target` none: true or not) or assigned value, as a physical
    /// expression over the evaluation schema.
    fn scan_expr(
        &mut self,
        ast: &Ast,
        schema: &Arc<DFSchema>,
        target: Option<KqlType>,
    ) -> PResult<Arc<dyn PhysicalExpr>> {
        let serialized = std::mem::replace(&mut self.serialized, true);
        let planned = self.scalar(ast, schema);
        self.serialized = serialized;
        let planned = cast_to(planned?, target.unwrap_or(KqlType::Bool), schema);
        if !self.pending_windows.is_empty() {
            self.pending_windows.clear();
            return Err(Diagnostic::error(
                "KQL_UNSUPPORTED",
                "window functions such as prev() cannot be used inside `scan`: read earlier records \
                 through a step's state (`StepName.Column`)",
                ast.span,
            ));
        }
        let context = SimplifyContext::builder().with_schema(Arc::clone(schema)).build();
        let coerced = ExprSimplifier::new(context).coerce(planned, schema).map_err(|e| df_error(e, ast.span))?;
        create_physical_expr(&coerced, schema, &ExecutionProps::new(), &PhysicalPlanningContext::default())
            .map_err(|e| df_error(e, ast.span))
    }
}

/// The value of a declared column's default (an expression of no columns).
fn constant(expr: &Arc<dyn PhysicalExpr>, span: Span) -> PResult<ScalarValue> {
    let options = RecordBatchOptions::new().with_row_count(Some(1));
    let batch =
        datafusion::arrow::array::RecordBatch::try_new_with_options(Arc::new(Schema::empty()), vec![], &options)
            .map_err(|e| df_error(e.into(), span))?;
    let value = expr.evaluate(&batch).and_then(|v| v.into_array(1)).map_err(|e| df_error(e, span))?;
    ScalarValue::try_from_array(&value, 0).map_err(|e| df_error(e, span))
}

/// `expr` with each `Step.Column` replaced by the name of its evaluation column (collected
/// in `references`).
fn state_columns(
    expr: &Ast,
    steps: &[&str],
    inputs: &[String],
    declared: &[Declared],
    references: &mut Vec<(StateRef, String)>,
) -> PResult<Ast> {
    let mut recurse = |e: &Ast| state_columns(e, steps, inputs, declared, references);
    let boxed = |e: Ast| Box::new(e);
    let kind = match &expr.kind {
        ExprKind::Member(base, key) if base.as_name().is_some_and(|b| steps.contains(&b)) => {
            let step = steps.iter().position(|s| Some(*s) == base.as_name()).unwrap_or_default();
            let source = match declared.iter().position(|d| d.name == *key) {
                Some(d) => StateSource::Declared(d),
                None => match inputs.iter().position(|n| n == key) {
                    Some(i) => StateSource::Input(i),
                    None => {
                        return Err(Diagnostic::error(
                            "KQL_UNKNOWN_COLUMN",
                            format!("`{key}` is neither an input column nor a declared column of `scan`"),
                            expr.span,
                        ));
                    }
                },
            };
            let name = format!("__scan_state_{step}_{key}");
            if !references.iter().any(|(_, n)| *n == name) {
                references.push((StateRef { step, source }, name.clone()));
            }
            ExprKind::Name(name)
        }
        ExprKind::Member(base, key) => ExprKind::Member(boxed(recurse(base)?), key.clone()),
        ExprKind::Index(base, index) => ExprKind::Index(boxed(recurse(base)?), boxed(recurse(index)?)),
        ExprKind::Call { name, args, named } => ExprKind::Call {
            name: name.clone(),
            args: args.iter().map(&mut recurse).collect::<PResult<_>>()?,
            named: named
                .iter()
                .map(|o| Ok(OptionArg { name: o.name.clone(), value: recurse(&o.value)? }))
                .collect::<PResult<_>>()?,
        },
        ExprKind::Neg(inner) => ExprKind::Neg(boxed(recurse(inner)?)),
        ExprKind::Binary(op, left, right) => ExprKind::Binary(*op, boxed(recurse(left)?), boxed(recurse(right)?)),
        ExprKind::In { expr: inner, list, negated, ci } => ExprKind::In {
            expr: boxed(recurse(inner)?),
            list: list.iter().map(&mut recurse).collect::<PResult<_>>()?,
            negated: *negated,
            ci: *ci,
        },
        ExprKind::HasAnyAll { expr: inner, list, all, cs } => ExprKind::HasAnyAll {
            expr: boxed(recurse(inner)?),
            list: list.iter().map(&mut recurse).collect::<PResult<_>>()?,
            all: *all,
            cs: *cs,
        },
        ExprKind::Between { expr: inner, low, high, negated } => ExprKind::Between {
            expr: boxed(recurse(inner)?),
            low: boxed(recurse(low)?),
            high: boxed(recurse(high)?),
            negated: *negated,
        },
        other => other.clone(),
    };
    Ok(Ast::new(kind, expr.span))
}
