//! `top-nested` (hierarchical top-N), `top-hitters` and `sample-distinct`, planned on
//! `summarize`, joins and ranked windows.

use datafusion::common::{Column, JoinType, NullEquality};
use datafusion::functions_window::expr_fn::row_number;
use datafusion::logical_expr::{Expr, ExprFunctionExt, LogicalPlan, LogicalPlanBuilder, SortExpr, lit};
use panoptes_kql::ast::{Expr as Ast, ExprKind, Ident, NamedExpr, TopNestedLevel};
use panoptes_kql::{Diagnostic, Span};

use super::operators::default_name;
use super::{PResult, Planner, build, col, schema_names};

impl Planner<'_> {
    /// Each level groups by its own and the enclosing levels' values, keeps the enclosing
    /// levels' survivors, and keeps its top N per enclosing group.
    pub(super) fn top_nested(
        &mut self,
        input: LogicalPlan,
        levels: &[TopNestedLevel],
        span: Span,
    ) -> PResult<LogicalPlan> {
        let mut keys: Vec<String> = Vec::new();
        let mut previous: Option<LogicalPlan> = None;
        for level in levels {
            let key =
                level.of.names.first().map(|n| n.name.clone()).or_else(|| default_name(&level.of.expr)).ok_or_else(
                    || {
                        Diagnostic::error(
                            "KQL_TOP_NESTED",
                            "name the `of` expression: `of Name = expr`",
                            level.of.expr.span,
                        )
                    },
                )?;
            let aggregate_name =
                level.by.names.first().map(|n| n.name.clone()).unwrap_or_else(|| format!("aggregated_{key}"));
            let mut by: Vec<NamedExpr> =
                keys.iter().map(|k| named(k, Ast::new(ExprKind::Name(k.clone()), span))).collect();
            by.push(named(&key, level.of.expr.clone()));
            let aggregate = vec![named(&aggregate_name, level.by.expr.clone())];
            let grouped = self.summarize(input.clone(), &aggregate, &by, span)?;
            // Keep only groups whose enclosing values survived the previous level.
            let grouped = match &previous {
                None => grouped,
                Some(prev) => self.semi_join(grouped, prev.clone(), &keys, span)?,
            };
            let count = match &level.count {
                Some(c) => Some(self.constant_count(c, "top-nested")?),
                None => None,
            };
            let ranked = match count {
                Some(n) => self.keep_top(grouped, &keys, &aggregate_name, level.asc, n, span)?,
                None => grouped,
            };
            // Carry the enclosing levels' aggregate columns.
            let ranked = match &previous {
                None => ranked,
                Some(prev) => self.attach(ranked, prev.clone(), &keys, span)?,
            };
            keys.push(key);
            previous = Some(ranked);
        }
        previous.ok_or_else(|| Diagnostic::error("KQL_TOP_NESTED", "top-nested needs a level", span))
    }

    fn keep_top(
        &mut self,
        plan: LogicalPlan,
        partition: &[String],
        by: &str,
        asc: bool,
        n: usize,
        span: Span,
    ) -> PResult<LogicalPlan> {
        let names = schema_names(plan.schema());
        let rank = self.fresh("rank");
        let window = row_number()
            .partition_by(partition.iter().map(|k| col(k)).collect())
            .order_by(vec![SortExpr::new(col(by), asc, !asc)])
            .build()
            .map_err(|e| super::df_error(e, span))?;
        let ranked = build(LogicalPlanBuilder::from(plan).window(vec![window.alias(&rank)]), span)?;
        let kept = build(LogicalPlanBuilder::from(ranked).filter(col(&rank).lt_eq(lit(n as u64))), span)?;
        build(LogicalPlanBuilder::from(kept).project(names.iter().map(|n| col(n))), span)
    }

    fn semi_join(&mut self, plan: LogicalPlan, keep: LogicalPlan, keys: &[String], span: Span) -> PResult<LogicalPlan> {
        let names = schema_names(plan.schema());
        let joined = self.join_on_keys(plan, keep, keys, JoinType::LeftSemi, span)?;
        build(
            LogicalPlanBuilder::from(joined)
                .project(names.iter().map(|n| Expr::Column(Column::new(Some("__l"), n)).alias(n))),
            span,
        )
    }

    fn attach(
        &mut self,
        plan: LogicalPlan,
        previous: LogicalPlan,
        keys: &[String],
        span: Span,
    ) -> PResult<LogicalPlan> {
        let level_names: Vec<String> = schema_names(plan.schema()).into_iter().filter(|n| !keys.contains(n)).collect();
        let previous_names = schema_names(previous.schema());
        let joined = self.join_on_keys(plan, previous, keys, JoinType::Inner, span)?;
        // The enclosing levels' keys and aggregates first (in their order), then this level's.
        let mut exprs: Vec<Expr> =
            previous_names.iter().map(|n| Expr::Column(Column::new(Some("__r"), n)).alias(n)).collect();
        exprs.extend(level_names.iter().map(|n| Expr::Column(Column::new(Some("__l"), n)).alias(n)));
        build(LogicalPlanBuilder::from(joined).project(exprs), span)
    }

    fn join_on_keys(
        &mut self,
        left: LogicalPlan,
        right: LogicalPlan,
        keys: &[String],
        kind: JoinType,
        span: Span,
    ) -> PResult<LogicalPlan> {
        let l = build(LogicalPlanBuilder::from(left).alias("__l"), span)?;
        let r = build(LogicalPlanBuilder::from(right).alias("__r"), span)?;
        let left_keys: Vec<Column> = keys.iter().map(|k| Column::new(Some("__l"), k)).collect();
        let right_keys: Vec<Column> = keys.iter().map(|k| Column::new(Some("__r"), k)).collect();
        build(
            LogicalPlanBuilder::from(l).join_detailed(
                r,
                kind,
                (left_keys, right_keys),
                None,
                NullEquality::NullEqualsNull,
            ),
            span,
        )
    }

    /// `top-hitters N of Col [by Weight]`: the N values of `Col` with the highest count (or sum).
    pub(super) fn top_hitters(
        &mut self,
        input: LogicalPlan,
        count: &Ast,
        of: &Ast,
        by: Option<&Ast>,
        span: Span,
    ) -> PResult<LogicalPlan> {
        let key = default_name(of).unwrap_or_else(|| "Column1".into());
        let (name, aggregate) = match by {
            Some(weight) => (
                format!("approximate_sum_{}", default_name(weight).unwrap_or_default()),
                Ast::new(ExprKind::Call { name: "sum".into(), args: vec![weight.clone()], named: vec![] }, span),
            ),
            None => (
                format!("approximate_count_{key}"),
                Ast::new(ExprKind::Call { name: "count".into(), args: vec![], named: vec![] }, span),
            ),
        };
        let grouped = self.summarize(input, &[named(&name, aggregate)], &[named(&key, of.clone())], span)?;
        let n = self.constant_count(count, "top-hitters")?;
        build(
            LogicalPlanBuilder::from(grouped).sort_with_limit(vec![SortExpr::new(col(&name), false, false)], Some(n)),
            span,
        )
    }

    /// `sample-distinct N of Col`: up to N distinct values.
    pub(super) fn sample_distinct(
        &mut self,
        input: LogicalPlan,
        count: &Ast,
        column: &Ast,
        span: Span,
    ) -> PResult<LogicalPlan> {
        let key = default_name(column).unwrap_or_else(|| "Column1".into());
        let grouped = self.summarize(input, &[], &[named(&key, column.clone())], span)?;
        let n = self.constant_count(count, "sample-distinct")?;
        build(LogicalPlanBuilder::from(grouped).limit(0, Some(n)), span)
    }
}

fn named(name: &str, expr: Ast) -> NamedExpr {
    NamedExpr { names: vec![Ident { name: name.to_string(), span: expr.span }], expr }
}
