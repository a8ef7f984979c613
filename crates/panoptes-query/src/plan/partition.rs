//! `partition by Column (subquery)`: the subquery runs over the rows of each value of the
//! column and the results are put together. The values come from the data (the planner's
//! [`DataProbe`](super::DataProbe) asks for them); planning on schema alone plans the
//! subquery once over the whole input, which has the same output columns.

use std::collections::HashMap;

use datafusion::logical_expr::{LogicalPlan, LogicalPlanBuilder};
use panoptes_kql::ast::{Expr as Ast, ExprKind, Ident, Literal};
use panoptes_kql::{Diagnostic, Span};

use super::{Binding, PResult, Planner, build};

/// More partitions than this are refused: each one reads the input again.
const MAX_PARTITIONS: usize = 1_000;

impl Planner<'_> {
    pub(super) fn partition(
        &mut self,
        input: LogicalPlan,
        by: &Ident,
        subquery: &Ast,
        span: Span,
    ) -> PResult<LogicalPlan> {
        let schema = input.schema().clone();
        if schema.field_with_unqualified_name(&by.name).is_err() {
            return Err(super::operators::unknown_column(&by.name, &super::schema_names(&schema), by.span));
        }
        let Some(probe) = self.probe else {
            return self.partition_body(input, subquery);
        };
        let key = Ast::new(
            ExprKind::Call {
                name: "tostring".into(),
                args: vec![Ast::new(ExprKind::Name(by.name.clone()), by.span)],
                named: vec![],
            },
            by.span,
        );
        let key_expr = self.scalar(&key, &schema)?;
        let keys_plan = build(
            LogicalPlanBuilder::from(input.clone()).project(vec![key_expr.alias("value")]).and_then(|b| b.distinct()),
            span,
        )?;
        let mut values = probe
            .distinct_strings(keys_plan, MAX_PARTITIONS + 1)
            .map_err(|e| Diagnostic::error("KQL_EXECUTE", format!("finding the partitions failed: {e}"), span))?;
        if values.len() > MAX_PARTITIONS {
            return Err(Diagnostic::error(
                "KQL_LIMIT",
                format!("`{}` takes more than {MAX_PARTITIONS} values: too many partitions", by.name),
                by.span,
            )
            .with_help("partition by a column with fewer values, or use `summarize ... by` instead"));
        }
        values.sort();
        let mut parts: Vec<LogicalPlan> = Vec::new();
        for value in values {
            let equals = Ast::new(
                ExprKind::Binary(
                    panoptes_kql::ast::BinaryOp::Eq,
                    Box::new(key.clone()),
                    Box::new(Ast::new(ExprKind::Literal(Literal::String(value)), by.span)),
                ),
                by.span,
            );
            let condition = self.scalar(&equals, &schema)?;
            let rows = build(LogicalPlanBuilder::from(input.clone()).filter(condition), span)?;
            parts.push(self.partition_body(rows, subquery)?);
        }
        let mut parts = parts.into_iter();
        let Some(first) = parts.next() else {
            // No rows: the subquery over the empty input gives the output's columns.
            let empty = build(LogicalPlanBuilder::from(input).limit(0, Some(0)), span)?;
            return self.partition_body(empty, subquery);
        };
        parts.try_fold(first, |all, part| build(LogicalPlanBuilder::from(all).union(part), span))
    }

    /// The subquery over one partition's rows (its `$input`), in a pipeline of its own.
    fn partition_body(&mut self, rows: LogicalPlan, subquery: &Ast) -> PResult<LogicalPlan> {
        let (serialized, order) = (self.serialized, self.order.clone());
        self.scopes.push(HashMap::from([("$input".to_string(), Binding::Table(rows))]));
        let result = self.tabular(subquery);
        self.scopes.pop();
        (self.serialized, self.order) = (serialized, order);
        result
    }
}
