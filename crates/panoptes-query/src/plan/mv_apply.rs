//! `mv-apply`: expands arrays per row, runs a subquery over each row's items, and joins the
//! subquery's output back to that row. Each input row gets an id; the subquery's grouping
//! operators (`summarize`, `project`, `distinct`) carry it, and the result joins on it.

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
        let numbered = build(LogicalPlanBuilder::from(input).window(vec![row_number().alias(ROW_ID)]), span)?;
        let expanded = self.mv_expand(numbered, options, columns, span)?;
        let expanded_names: Vec<String> = columns
            .iter()
            .filter_map(|c| c.name.as_ref().map(|n| n.name.clone()).or_else(|| c.expr.as_name().map(str::to_string)))
            .collect();
        // The subquery's grouping operators carry the row id and the row's other columns, so its
        // output already holds them: no join back (which would evaluate the input twice).
        let carried: Vec<String> = input_names.iter().filter(|n| !expanded_names.contains(n)).cloned().collect();
        let mut keys = vec![ROW_ID.to_string()];
        keys.extend(carried.iter().cloned());
        let mut body = subquery.clone();
        carry_columns(&mut body, &keys);
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
        // Input columns first, then what the subquery added.
        let mut outputs: Vec<Expr> = carried.iter().filter(|n| result_names.contains(n)).map(|n| col(n)).collect();
        outputs.extend(result_names.iter().filter(|n| *n != ROW_ID && !carried.contains(n)).map(|n| col(n)));
        build(LogicalPlanBuilder::from(result).project(outputs), span)
    }
}

/// Makes the subquery's grouping operators keep `columns` (the row id and the row's columns).
fn carry_columns(expr: &mut Ast, columns: &[String]) {
    let ExprKind::Pipe(input, op) = &mut expr.kind else { return };
    carry_columns(input, columns);
    let name = |n: &String| NamedExpr { names: Vec::new(), expr: Ast::new(ExprKind::Name(n.clone()), Span::default()) };
    let mentioned = |items: &[NamedExpr], n: &String| {
        items.iter().any(|i| i.names.iter().any(|x| &x.name == n) || i.expr.as_name() == Some(n.as_str()))
    };
    match op.as_mut() {
        Operator::Summarize { by, .. } => {
            for c in columns {
                if !mentioned(by, c) {
                    by.push(name(c));
                }
            }
        }
        Operator::Project(items) | Operator::Distinct(items) => {
            for c in columns {
                if !mentioned(items, c) {
                    items.push(name(c));
                }
            }
        }
        Operator::ProjectKeep(names) => {
            names.extend(columns.iter().map(|c| panoptes_kql::ast::Ident { name: c.clone(), span: Span::default() }));
        }
        _ => {}
    }
}
