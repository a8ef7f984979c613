//! `summarize`: group keys, aggregate calls (also nested inside expressions), output naming
//! as Kusto names them (`count_`, `sum_x`, arg_max keeping names, `1`-suffixed clashes).

use datafusion::common::DFSchema;
use datafusion::logical_expr::{Expr, LogicalPlan, LogicalPlanBuilder};
use panoptes_kql::Span;
use panoptes_kql::ast::{Expr as Ast, ExprKind, NamedExpr};

use super::aggregate::{AggPart, apply_post};
use super::calls::AGGREGATES;
use super::operators::default_name;
use super::{PResult, Planner, build, col};

impl Planner<'_> {
    pub(super) fn summarize(
        &mut self,
        input: LogicalPlan,
        aggregates: &[NamedExpr],
        by: &[NamedExpr],
        span: Span,
    ) -> PResult<LogicalPlan> {
        let schema = input.schema().clone();
        let mut used: Vec<String> = Vec::new();
        let mut keys = Vec::new();
        let mut column_number = 0;
        for key in by {
            let expr = self.scalar(&key.expr, &schema)?;
            let name = match key.names.first() {
                Some(n) => n.name.clone(),
                None => key_name(&key.expr).unwrap_or_else(|| {
                    column_number += 1;
                    format!("Column{column_number}")
                }),
            };
            let name = unique(&name, &used);
            used.push(name.clone());
            keys.push(expr.alias(&name));
        }
        let key_names = used.clone();

        // Aggregates: raw DataFusion aggregates `__rN`, post-processed into `__aN`.
        let mut raw: Vec<Expr> = Vec::new();
        let mut posts: Vec<(String, super::aggregate::Post, String)> = Vec::new();
        // Outputs: (name, either a direct aggregate column or a rewritten expression).
        let mut outputs: Vec<(String, Output)> = Vec::new();
        for item in aggregates {
            let item = &super::operators::unnest_named_argument(item);
            if let ExprKind::Call { name, args, .. } = &item.expr.kind
                && AGGREGATES.contains(&name.as_str())
            {
                let parts = self.aggregate_call(name, args, item.expr.span, &schema, &key_names)?;
                for (i, AggPart { agg, post, name: default }) in parts.into_iter().enumerate() {
                    let internal = self.register_agg(agg, post, &mut raw, &mut posts);
                    let chosen = if i == 0 {
                        item.names.first().map(|n| n.name.clone())
                    } else {
                        item.names.get(i).map(|n| n.name.clone())
                    };
                    let name = unique(&chosen.unwrap_or(default), &used);
                    used.push(name.clone());
                    outputs.push((name, Output::Column(internal)));
                }
                continue;
            }
            // An expression over aggregates: replace each aggregate call by its column.
            let mut rewritten = item.expr.clone();
            self.extract_aggregates(&mut rewritten, &schema, &key_names, &mut raw, &mut posts)?;
            let name = match item.names.first() {
                Some(n) => n.name.clone(),
                None => {
                    column_number += 1;
                    format!("Column{column_number}")
                }
            };
            let name = unique(&name, &used);
            used.push(name.clone());
            outputs.push((name, Output::Expr(Box::new(rewritten))));
        }

        let input = self.with_windows(input, span)?;
        // Aggregation ends any serialized order.
        self.order.clear();
        let aggregated = build(LogicalPlanBuilder::from(input).aggregate(keys, raw), span)?;
        let agg_schema = aggregated.schema().clone();
        let mut post_exprs: Vec<Expr> = key_names.iter().map(|k| col(k)).collect();
        for (raw_name, post, internal) in &posts {
            post_exprs.push(apply_post(post, col(raw_name), &agg_schema).alias(internal));
        }
        let posted = build(LogicalPlanBuilder::from(aggregated).project(post_exprs), span)?;
        let posted_schema = posted.schema().clone();
        let mut final_exprs: Vec<Expr> = key_names.iter().map(|k| col(k)).collect();
        for (name, output) in outputs {
            let expr = match output {
                Output::Column(internal) => col(&internal),
                Output::Expr(ast) => self.scalar(&ast, &posted_schema)?,
            };
            final_exprs.push(expr.alias(name));
        }
        build(LogicalPlanBuilder::from(posted).project(final_exprs), span)
    }

    fn register_agg(
        &mut self,
        agg: Expr,
        post: super::aggregate::Post,
        raw: &mut Vec<Expr>,
        posts: &mut Vec<(String, super::aggregate::Post, String)>,
    ) -> String {
        let raw_name = self.fresh("r");
        let internal = self.fresh("a");
        raw.push(agg.alias(&raw_name));
        posts.push((raw_name, post, internal.clone()));
        internal
    }

    /// Replaces aggregate calls inside `expr` by names of their (post-processed) columns.
    fn extract_aggregates(
        &mut self,
        expr: &mut Ast,
        schema: &DFSchema,
        keys: &[String],
        raw: &mut Vec<Expr>,
        posts: &mut Vec<(String, super::aggregate::Post, String)>,
    ) -> PResult<()> {
        if let ExprKind::Call { name, args, .. } = &expr.kind
            && AGGREGATES.contains(&name.as_str())
        {
            let parts = self.aggregate_call(name, args, expr.span, schema, keys)?;
            let mut internal = String::new();
            for (i, AggPart { agg, post, .. }) in parts.into_iter().enumerate() {
                let n = self.register_agg(agg, post, raw, posts);
                if i == 0 {
                    internal = n;
                }
            }
            expr.kind = ExprKind::Name(internal);
            return Ok(());
        }
        match &mut expr.kind {
            ExprKind::Call { args, .. } => {
                for a in args {
                    self.extract_aggregates(a, schema, keys, raw, posts)?;
                }
            }
            ExprKind::Binary(_, l, r) => {
                self.extract_aggregates(l, schema, keys, raw, posts)?;
                self.extract_aggregates(r, schema, keys, raw, posts)?;
            }
            ExprKind::Neg(inner) | ExprKind::Member(inner, _) => {
                self.extract_aggregates(inner, schema, keys, raw, posts)?
            }
            ExprKind::Index(a, b) => {
                self.extract_aggregates(a, schema, keys, raw, posts)?;
                self.extract_aggregates(b, schema, keys, raw, posts)?;
            }
            ExprKind::Between { expr, low, high, .. } => {
                self.extract_aggregates(expr, schema, keys, raw, posts)?;
                self.extract_aggregates(low, schema, keys, raw, posts)?;
                self.extract_aggregates(high, schema, keys, raw, posts)?;
            }
            ExprKind::In { expr, .. } | ExprKind::HasAnyAll { expr, .. } => {
                self.extract_aggregates(expr, schema, keys, raw, posts)?;
            }
            _ => {}
        }
        Ok(())
    }
}

enum Output {
    Column(String),
    Expr(Box<Ast>),
}

/// Kusto names a by-key after the column it is computed from: `bin(Timestamp, 1h)` and
/// `tostring(x)` keep `Timestamp` and `x`.
fn key_name(expr: &Ast) -> Option<String> {
    match &expr.kind {
        ExprKind::Call { args, .. } => args.first().and_then(key_name),
        _ => default_name(expr),
    }
}

/// `name`, or `name1`, `name2`, ... when taken.
pub(crate) fn unique(name: &str, used: &[String]) -> String {
    if !used.iter().any(|u| u == name) {
        return name.to_string();
    }
    (1..).map(|i| format!("{name}{i}")).find(|c| !used.contains(c)).unwrap_or_default()
}
