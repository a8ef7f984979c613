//! `mv-apply`: expands arrays per row, runs a subquery over each row's items, and joins the
//! subquery's output back to that row. Each input row gets an id; the subquery's grouping
//! operators (`summarize`, `project`, `distinct`) carry it, and the result joins on it.

use datafusion::common::{Column, JoinType};
use datafusion::functions_window::expr_fn::row_number;
use datafusion::logical_expr::{Expr, LogicalPlan, LogicalPlanBuilder};
use panoptes_kql::ast::{Expr as Ast, ExprKind, MvExpandColumn, NamedExpr, Operator, OptionArg};
use panoptes_kql::{Diagnostic, Span};

use super::{Binding, PResult, Planner, build, col, schema_names};

const ROW_ID: &str = "__row_id";

impl Planner<'_> {
    pub(super) fn mv_apply(
        &mut self,
        input: LogicalPlan,
        options: &[OptionArg],
        columns: &[MvExpandColumn],
        subquery: &Ast,
        span: Span,
    ) -> PResult<LogicalPlan> {
        let input_names = schema_names(input.schema());
        let number = row_number();
        let numbered = build(LogicalPlanBuilder::from(input).window(vec![number.alias(ROW_ID)]), span)?;
        let expanded = self.mv_expand(numbered.clone(), options, columns, span)?;
        let mut body = subquery.clone();
        carry_row_id(&mut body);
        self.scopes.push(std::collections::HashMap::from([("$input".to_string(), Binding::Table(expanded))]));
        let result = self.tabular(&body);
        self.scopes.pop();
        let result = result?;
        let result_names = schema_names(result.schema());
        if !result_names.iter().any(|n| n == ROW_ID) {
            return Err(Diagnostic::error(
                "KQL_MV_APPLY",
                "the mv-apply subquery must keep its rows' identity (avoid project-away of all columns)",
                span,
            ));
        }
        let expanded_names: Vec<String> = columns
            .iter()
            .filter_map(|c| c.name.as_ref().map(|n| n.name.clone()).or_else(|| c.expr.as_name().map(str::to_string)))
            .collect();
        let left_names: Vec<String> =
            input_names.iter().filter(|n| !result_names.contains(n) && !expanded_names.contains(n)).cloned().collect();
        let mut left_exprs: Vec<Expr> = left_names.iter().map(|n| col(n)).collect();
        left_exprs.push(col(ROW_ID));
        let left = build(LogicalPlanBuilder::from(numbered).project(left_exprs), span)?;
        let l = build(LogicalPlanBuilder::from(left).alias("__l"), span)?;
        let r = build(LogicalPlanBuilder::from(result).alias("__r"), span)?;
        let joined = build(
            LogicalPlanBuilder::from(l).join_on(
                r,
                JoinType::Inner,
                vec![Expr::Column(Column::new(Some("__l"), ROW_ID)).eq(Expr::Column(Column::new(Some("__r"), ROW_ID)))],
            ),
            span,
        )?;
        let mut outputs: Vec<Expr> =
            left_names.iter().map(|n| Expr::Column(Column::new(Some("__l"), n)).alias(n)).collect();
        outputs.extend(
            result_names.iter().filter(|n| *n != ROW_ID).map(|n| Expr::Column(Column::new(Some("__r"), n)).alias(n)),
        );
        build(LogicalPlanBuilder::from(joined).project(outputs), span)
    }
}

/// Makes the subquery's grouping operators keep the row id.
fn carry_row_id(expr: &mut Ast) {
    let ExprKind::Pipe(input, op) = &mut expr.kind else {
        return;
    };
    carry_row_id(input);
    let row_id = || NamedExpr { names: Vec::new(), expr: Ast::new(ExprKind::Name(ROW_ID.into()), Span::default()) };
    match op.as_mut() {
        Operator::Summarize { by, .. } => by.push(row_id()),
        Operator::Project(items) | Operator::Distinct(items) => items.push(row_id()),
        Operator::ProjectKeep(names) => {
            names.push(panoptes_kql::ast::Ident { name: ROW_ID.into(), span: Span::default() })
        }
        _ => {}
    }
}
