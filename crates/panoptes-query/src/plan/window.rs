//! Window functions of serialized rows: `row_number`, `prev`, `next`, `row_cumsum`,
//! `row_rank_dense`, `row_rank_min`. They are queued while an operator's expressions are planned
//! and added as Window nodes (in nesting levels) before the operator's projection.

use datafusion::arrow::datatypes::DataType;
use datafusion::common::{DFSchema, ScalarValue};
use datafusion::functions_window::expr_fn::{lag, lead, row_number};
use datafusion::logical_expr::{
    Expr, ExprFunctionExt, WindowFrame, WindowFrameBound, WindowFrameUnits, cast, lit, when,
};
use panoptes_domain::KqlType;
use panoptes_kql::ast::Expr as Ast;
use panoptes_kql::{Diagnostic, Span};

use super::binary::cast_to;
use super::{PResult, Planner, col};

impl Planner<'_> {
    /// `row_number()`, `prev()`, `next()`, `row_cumsum()`, `row_rank_*()` as window functions
    /// over the current (serialized) order; the operator adds them as Window nodes before
    /// projecting.
    pub(super) fn window_call(&mut self, name: &str, args: &[Ast], span: Span, schema: &DFSchema) -> PResult<Expr> {
        if !self.serialized {
            return Err(Diagnostic::error(
                "KQL_NOT_SERIALIZED",
                format!("`{name}` needs serialized rows: add `| serialize` or `| sort by ...` before it"),
                span,
            ));
        }
        let order = self.current_order(schema);
        let planned = args.iter().map(|a| self.scalar(a, schema)).collect::<PResult<Vec<_>>>()?;
        let literal = |i: usize| -> Option<ScalarValue> {
            match planned.get(i) {
                Some(Expr::Literal(v, _)) => Some(v.clone()),
                _ => None,
            }
        };
        let offset = |i: usize| -> PResult<i64> {
            match (planned.get(i), literal(i)) {
                (None, _) => Ok(1),
                (_, Some(ScalarValue::Int64(Some(n)))) if n > 0 => Ok(n),
                _ => Err(Diagnostic::error(
                    "KQL_ARGUMENTS",
                    format!("the offset of `{name}` must be a positive constant"),
                    span,
                )),
            }
        };
        let window = match name {
            "row_number" => {
                let partition = self.restart_partition(planned.get(1), &order, schema, span)?;
                let number = ordered(row_number().partition_by(partition), &order)
                    .build()
                    .map_err(|e| super::df_error(e, span))?;
                let number = self.push_window(number, schema);
                return Ok(match literal(0) {
                    Some(ScalarValue::Int64(Some(start))) => cast(number, DataType::Int64) + lit(start - 1),
                    None if planned.is_empty() => cast(number, DataType::Int64),
                    _ => {
                        return Err(Diagnostic::error("KQL_ARGUMENTS", "row_number's start must be a constant", span));
                    }
                });
            }
            "prev" | "next" => {
                let Some(value) = planned.first().cloned() else {
                    return Err(Diagnostic::error("KQL_ARGUMENTS", format!("`{name}` needs a column"), span));
                };
                let value_type = self.type_of(&value, schema);
                let default = match (planned.get(2), literal(2)) {
                    (None, _) => None,
                    (_, Some(d)) => Some(d.cast_to(&value_type).map_err(|e| super::df_error(e, span))?),
                    _ => {
                        return Err(Diagnostic::error(
                            "KQL_ARGUMENTS",
                            format!("the default of `{name}` must be a constant"),
                            span,
                        ));
                    }
                };
                let shift = offset(1)?;
                if name == "prev" { lag(value, Some(shift), default) } else { lead(value, Some(shift), default) }
            }
            "row_cumsum" => {
                let Some(value) = planned.first().cloned() else {
                    return Err(Diagnostic::error("KQL_ARGUMENTS", "`row_cumsum` needs a column", span));
                };
                let partition = self.restart_partition(planned.get(1), &order, schema, span)?;
                let sum = datafusion::functions_aggregate::expr_fn::sum(value);
                return self.running_aggregate(sum, partition, &order, schema, span);
            }
            _ => return self.row_rank(name, planned, &order, schema, span),
        };
        let built = ordered(window.partition_by(vec![]), &order).build().map_err(|e| super::df_error(e, span))?;
        Ok(self.push_window(built, schema))
    }

    /// `row_rank_dense(term [, restart])` grows by one, and `row_rank_min` jumps to the row's
    /// number, on each row whose term differs from the row before (or that starts over).
    fn row_rank(
        &mut self,
        name: &str,
        planned: Vec<Expr>,
        order: &[datafusion::logical_expr::SortExpr],
        schema: &DFSchema,
        span: Span,
    ) -> PResult<Expr> {
        let Some(term) = planned.first().cloned() else {
            return Err(Diagnostic::error("KQL_ARGUMENTS", format!("`{name}` needs a term"), span));
        };
        let partition = self.restart_partition(planned.get(1), order, schema, span)?;
        let build = |window: Expr| {
            ordered(window.partition_by(partition.clone()), order).build().map_err(|e| super::df_error(e, span))
        };
        let number = build(row_number())?;
        let number = self.push_window(number, schema);
        let before = build(lag(term.clone(), Some(1), None))?;
        let before = self.push_window(before, schema);
        let starts = number.clone().eq(lit(1u64)).or(Expr::BinaryExpr(datafusion::logical_expr::BinaryExpr::new(
            Box::new(before),
            datafusion::logical_expr::Operator::IsDistinctFrom,
            Box::new(term),
        )));
        let running = if name == "row_rank_min" {
            let start = when(starts, cast(number, DataType::Int64)).end().map_err(|e| super::df_error(e, span))?;
            datafusion::functions_aggregate::expr_fn::max(start)
        } else {
            let step = when(starts, lit(1i64)).otherwise(lit(0i64)).map_err(|e| super::df_error(e, span))?;
            datafusion::functions_aggregate::expr_fn::sum(step)
        };
        let rank = self.running_aggregate(running, partition, order, schema, span)?;
        Ok(cast(rank, DataType::Int64))
    }

    /// The partition of a window function's optional restart predicate: none, or its group.
    fn restart_partition(
        &mut self,
        restart: Option<&Expr>,
        order: &[datafusion::logical_expr::SortExpr],
        schema: &DFSchema,
        span: Span,
    ) -> PResult<Vec<Expr>> {
        match restart {
            Some(restart) => Ok(vec![self.restart_group(restart.clone(), order, schema, span)?]),
            None => Ok(vec![]),
        }
    }

    /// An aggregate over each row and all rows before it in `order` (within `partition`).
    fn running_aggregate(
        &mut self,
        aggregate: Expr,
        partition: Vec<Expr>,
        order: &[datafusion::logical_expr::SortExpr],
        schema: &DFSchema,
        span: Span,
    ) -> PResult<Expr> {
        let frame = WindowFrame::new_bounds(
            WindowFrameUnits::Rows,
            WindowFrameBound::Preceding(ScalarValue::UInt64(None)),
            WindowFrameBound::CurrentRow,
        );
        let window = aggregate_window(aggregate, span)?
            .partition_by(partition)
            .order_by(order.to_vec())
            .window_frame(frame)
            .build()
            .map_err(|e| super::df_error(e, span))?;
        Ok(self.push_window(window, schema))
    }

    /// A group number that grows by one each row where `restart` is true, so window functions
    /// partitioned by it start over (`row_cumsum(x, restart)`).
    fn restart_group(
        &mut self,
        restart: Expr,
        order: &[datafusion::logical_expr::SortExpr],
        schema: &DFSchema,
        span: Span,
    ) -> PResult<Expr> {
        let flag = when(cast_to(restart, KqlType::Bool, schema), lit(1i64))
            .otherwise(lit(0i64))
            .map_err(|e| super::df_error(e, span))?;
        self.running_aggregate(datafusion::functions_aggregate::expr_fn::sum(flag), vec![], order, schema, span)
    }

    /// Queues a window function and returns a typed reference to its future column (the
    /// column exists only once the operator adds the Window node).
    fn push_window(&mut self, window: Expr, schema: &DFSchema) -> Expr {
        let data_type = self.type_of(&window, schema);
        // The same window twice (`x - prev(x)` beside `prev(x)`) is one column: DataFusion
        // cannot plan a window node that computes an expression twice.
        if let Some((_, name, _)) = self.pending_windows.iter().find(|(pending, ..)| *pending == window) {
            return cast(col(name), data_type);
        }
        let level =
            window.column_refs().iter().filter_map(|c| self.window_levels.get(&c.name).copied()).max().unwrap_or(0) + 1;
        let name = self.fresh("w");
        self.window_levels.insert(name.clone(), level);
        self.pending_windows.push((window, name.clone(), level));
        cast(col(&name), data_type)
    }
}

/// The window ordered by `order`. Without an order (input not serialized by a sort) there is
/// none to give: an empty ORDER BY would make DataFusion's default frame a RANGE it refuses.
fn ordered(
    builder: datafusion::logical_expr::expr_fn::ExprFuncBuilder,
    order: &[datafusion::logical_expr::SortExpr],
) -> datafusion::logical_expr::expr_fn::ExprFuncBuilder {
    if order.is_empty() { builder } else { builder.order_by(order.to_vec()) }
}

/// An aggregate used as a window function.
fn aggregate_window(aggregate: Expr, span: Span) -> PResult<Expr> {
    let Expr::AggregateFunction(agg) = aggregate else {
        return Err(Diagnostic::error("KQL_PLAN", "not an aggregate", span));
    };
    Ok(Expr::from(datafusion::logical_expr::expr::WindowFunction::new(
        datafusion::logical_expr::expr::WindowFunctionDefinition::AggregateUDF(agg.func.clone()),
        agg.params.args.clone(),
    )))
}
