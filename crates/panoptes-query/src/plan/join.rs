//! `join` and `lookup`: Kusto's join kinds (innerunique by default), `$left`/`$right` keys,
//! right-side clashes renamed with a `1` suffix; `lookup` drops the right keys.

use datafusion::common::{Column, JoinType, NullEquality};
use datafusion::functions_window::expr_fn::row_number;
use datafusion::logical_expr::{Expr, ExprFunctionExt, LogicalPlan, LogicalPlanBuilder, lit};
use panoptes_kql::ast::{Expr as Ast, ExprKind, JoinCondition, OptionArg};
use panoptes_kql::{Diagnostic, Span};

use super::summarize::unique;
use super::{PResult, Planner, build, col, schema_names};

impl Planner<'_> {
    pub(super) fn join(
        &mut self,
        left: LogicalPlan,
        options: &[OptionArg],
        right: &Ast,
        on: &[JoinCondition],
        span: Span,
        lookup: bool,
    ) -> PResult<LogicalPlan> {
        let kind = options
            .iter()
            .find(|o| o.name.eq_ignore_ascii_case("kind"))
            .and_then(|o| o.value.as_name().map(str::to_ascii_lowercase))
            .unwrap_or_else(|| if lookup { "leftouter".into() } else { "innerunique".into() });
        let (join_type, unique_left) = match kind.as_str() {
            "innerunique" => (JoinType::Inner, true),
            "inner" => (JoinType::Inner, false),
            "leftouter" => (JoinType::Left, false),
            "rightouter" => (JoinType::Right, false),
            "fullouter" | "outer" => (JoinType::Full, false),
            "leftanti" | "anti" | "leftantisemi" => (JoinType::LeftAnti, false),
            "rightanti" | "rightantisemi" => (JoinType::RightAnti, false),
            "leftsemi" | "semi" => (JoinType::LeftSemi, false),
            "rightsemi" => (JoinType::RightSemi, false),
            other => {
                return Err(Diagnostic::error("KQL_JOIN_KIND", format!("unknown join kind `{other}`"), span)
                    .with_help("kinds: innerunique, inner, leftouter, rightouter, fullouter, leftanti, rightanti, leftsemi, rightsemi"));
            }
        };
        if lookup && !matches!(join_type, JoinType::Inner | JoinType::Left) {
            return Err(Diagnostic::error("KQL_JOIN_KIND", "lookup supports kind=leftouter or kind=inner", span));
        }
        let right = self.tabular(right)?;
        let left_names = schema_names(left.schema());
        let right_names = schema_names(right.schema());
        let mut pairs: Vec<(String, String)> = Vec::new();
        for condition in on {
            match condition {
                JoinCondition::Column(id) => pairs.push((id.name.clone(), id.name.clone())),
                JoinCondition::Pair { left, right } => pairs.push((left.clone(), right.clone())),
                JoinCondition::Expr(e) => {
                    return Err(Diagnostic::error(
                        "KQL_JOIN_CONDITION",
                        "join conditions must be equalities of columns: `on A` or `on $left.A == $right.B`",
                        e.span,
                    ));
                }
            }
        }
        if pairs.is_empty() {
            return Err(Diagnostic::error("KQL_JOIN_CONDITION", "join needs an `on` clause", span)
                .with_help("e.g. `| join kind=inner (Other) on DeviceId`"));
        }
        for (l, r) in &pairs {
            if !left_names.contains(l) {
                return Err(
                    super::operators::unknown_column(l, &left_names, span).with_note("in the left side of the join")
                );
            }
            if !right_names.contains(r) {
                return Err(
                    super::operators::unknown_column(r, &right_names, span).with_note("in the right side of the join")
                );
            }
        }
        let left = if unique_left { self.dedup_on_keys(left, &pairs, span)? } else { left };
        // Keys of different numeric types join on a common type; Kusto matches null keys.
        let mut right_key_names = Vec::new();
        let mut right_exprs: Vec<Expr> = right_names.iter().map(|n| col(n)).collect();
        for (i, (l_key, r_key)) in pairs.iter().enumerate() {
            let lt = left.schema().field_with_unqualified_name(l_key).map(|f| f.data_type().clone());
            let rt = right.schema().field_with_unqualified_name(r_key).map(|f| f.data_type().clone());
            match (lt, rt) {
                (Ok(lt), Ok(rt)) if lt != rt => {
                    let name = format!("__key{i}");
                    right_exprs.push(datafusion::logical_expr::cast(col(r_key), lt).alias(&name));
                    right_key_names.push(name);
                }
                _ => right_key_names.push(r_key.clone()),
            }
        }
        let right = build(LogicalPlanBuilder::from(right).project(right_exprs), span)?;
        let l = build(LogicalPlanBuilder::from(left).alias("__l"), span)?;
        let r = build(LogicalPlanBuilder::from(right).alias("__r"), span)?;
        let left_keys: Vec<Column> = pairs.iter().map(|(a, _)| Column::new(Some("__l"), a)).collect();
        let right_keys: Vec<Column> = right_key_names.iter().map(|b| Column::new(Some("__r"), b)).collect();
        let joined = build(
            LogicalPlanBuilder::from(l).join_detailed(
                r,
                join_type,
                (left_keys, right_keys),
                None,
                NullEquality::NullEqualsNull,
            ),
            span,
        )?;
        let right_keys: Vec<&String> = pairs.iter().map(|(_, r)| r).collect();
        let mut used: Vec<String> = Vec::new();
        let mut exprs = Vec::new();
        let keep_left = !matches!(join_type, JoinType::RightAnti | JoinType::RightSemi);
        let keep_right = !matches!(join_type, JoinType::LeftAnti | JoinType::LeftSemi);
        if keep_left {
            for n in &left_names {
                used.push(n.clone());
                exprs.push(Expr::Column(Column::new(Some("__l"), n)).alias(n));
            }
        }
        if keep_right {
            for n in &right_names {
                if lookup && right_keys.contains(&n) {
                    continue;
                }
                let name = unique(n, &used);
                used.push(name.clone());
                exprs.push(Expr::Column(Column::new(Some("__r"), n)).alias(name));
            }
        }
        build(LogicalPlanBuilder::from(joined).project(exprs), span)
    }

    /// Keeps one left row per key (innerunique).
    fn dedup_on_keys(&mut self, left: LogicalPlan, pairs: &[(String, String)], span: Span) -> PResult<LogicalPlan> {
        let names = schema_names(left.schema());
        let rank = self.fresh("rn");
        let partition: Vec<Expr> = pairs.iter().map(|(l, _)| col(l)).collect();
        let window = row_number().partition_by(partition).build().map_err(|e| super::df_error(e, span))?;
        let ranked = build(LogicalPlanBuilder::from(left).window(vec![window.alias(&rank)]), span)?;
        let filtered = build(LogicalPlanBuilder::from(ranked).filter(col(&rank).eq(lit(1u64))), span)?;
        build(LogicalPlanBuilder::from(filtered).project(names.iter().map(|n| col(n))), span)
    }
}

#[allow(dead_code)]
fn is_name(expr: &Ast) -> bool {
    matches!(expr.kind, ExprKind::Name(_))
}
