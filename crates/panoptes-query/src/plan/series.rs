//! `make-series`: per key, one dynamic array per aggregate with a slot per step from `from`
//! (inclusive) to `to` (exclusive), missing steps filled with the default, plus the axis.

use datafusion::common::{DFSchema, ScalarValue};
use datafusion::functions_aggregate::expr_fn as agg;
use datafusion::logical_expr::{Expr, LogicalPlan, LogicalPlanBuilder, cast};
use panoptes_domain::KqlType;
use panoptes_kql::ast::{ExprKind, MakeSeries};
use panoptes_kql::{Diagnostic, Span};

use super::aggregate::apply_post;
use super::calls::AGGREGATES;
use super::operators::default_name;
use super::{PResult, Planner, build, col};
use crate::functions;
use crate::types::kql_type;

impl Planner<'_> {
    pub(super) fn make_series(&mut self, input: LogicalPlan, series: &MakeSeries, span: Span) -> PResult<LogicalPlan> {
        let schema = input.schema().clone();
        let axis = self.scalar(&series.on, &schema)?;
        let axis_type = kql_type(&self.type_of(&axis, &schema));
        let axis_name = default_name(&series.on).unwrap_or_else(|| "Column1".into());
        let step = self.scalar(&series.step, &DFSchema::empty())?;
        // Bounds: given, or the data's min and max (scalar subqueries over the input).
        let bound = |planner: &mut Self, given: &Option<panoptes_kql::ast::Expr>, max: bool| -> PResult<Expr> {
            match given {
                Some(e) => {
                    let v = planner.scalar(e, &DFSchema::empty())?;
                    Ok(super::binary::cast_to(v, axis_type, &DFSchema::empty()))
                }
                None => {
                    let aggregate = if max { agg::max(axis.clone()) } else { agg::min(axis.clone()) };
                    let plan = build(
                        LogicalPlanBuilder::from(input.clone())
                            .aggregate(Vec::<Expr>::new(), vec![aggregate.alias("__bound")]),
                        span,
                    )?;
                    Ok(super::scalar_subquery(plan))
                }
            }
        };
        let from = bound(self, &series.from, false)?;
        let to_given = series.to.is_some();
        let to = bound(self, &series.to, true)?;
        let ticks = |e: Expr| match axis_type {
            KqlType::Datetime | KqlType::Timespan => cast(e, datafusion::arrow::datatypes::DataType::Int64),
            _ => cast(e, datafusion::arrow::datatypes::DataType::Float64),
        };
        // Slot index of each row: floor((axis - from) / step).
        let slot = functions::row_call(
            "series_slot",
            KqlType::Long,
            functions::series_slot_fn,
            vec![ticks(axis.clone()), ticks(from.clone()), ticks(step.clone())],
        );
        let mut keys: Vec<Expr> = Vec::new();
        let mut key_names = Vec::new();
        for (i, key) in series.by.iter().enumerate() {
            let expr = self.scalar(&key.expr, &schema)?;
            let name = key
                .names
                .first()
                .map(|n| n.name.clone())
                .or_else(|| default_name(&key.expr))
                .unwrap_or_else(|| format!("Column{}", i + 1));
            key_names.push(name.clone());
            keys.push(expr.alias(name));
        }
        let mut filter = ticks(axis.clone()).gt_eq(ticks(from.clone()));
        if to_given {
            filter = filter.and(ticks(axis.clone()).lt(ticks(to.clone())));
        }
        let filtered = build(LogicalPlanBuilder::from(input).filter(filter), span)?;
        let mut group = keys.clone();
        group.push(slot.alias("__slot"));
        let mut aggregates = Vec::new();
        let mut outputs: Vec<(String, super::aggregate::Post, Expr)> = Vec::new();
        for (i, (item, default)) in series.aggregates.iter().enumerate() {
            let ExprKind::Call { name, args, .. } = &item.expr.kind else {
                return Err(Diagnostic::error("KQL_MAKE_SERIES", "make-series needs aggregate calls", item.expr.span));
            };
            if !AGGREGATES.contains(&name.as_str()) {
                return Err(Diagnostic::error(
                    "KQL_MAKE_SERIES",
                    format!("`{name}` is not an aggregate"),
                    item.expr.span,
                ));
            }
            let parts = self.aggregate_call(name, args, item.expr.span, &schema, &key_names)?;
            let Some(part) = parts.into_iter().next() else {
                continue;
            };
            let raw = format!("__s{i}");
            aggregates.push(part.agg.alias(&raw));
            let out_name = item.names.first().map(|n| n.name.clone()).unwrap_or(part.name);
            let default = match default {
                Some(d) => self.scalar(d, &DFSchema::empty())?,
                None => Expr::Literal(ScalarValue::Int64(Some(0)), None),
            };
            outputs.push((out_name, part.post, default));
        }
        let grouped = build(LogicalPlanBuilder::from(filtered).aggregate(group, aggregates), span)?;
        let grouped_schema = grouped.schema().clone();
        // Second pass: per key, collect (slot, value) lists and lay them out as arrays.
        let mut lists = vec![agg::array_agg(col("__slot")).alias("__slots")];
        for (i, (_, post, _)) in outputs.iter().enumerate() {
            let value = apply_post(post, col(&format!("__s{i}")), &grouped_schema);
            lists.push(agg::array_agg(value).alias(format!("__v{i}")));
        }
        let key_cols: Vec<Expr> = key_names.iter().map(|k| col(k)).collect();
        let collected = build(LogicalPlanBuilder::from(grouped).aggregate(key_cols.clone(), lists), span)?;
        let count = functions::row_call(
            "series_count",
            KqlType::Long,
            functions::series_count_fn,
            vec![
                ticks(from.clone()),
                ticks(to.clone()),
                ticks(step.clone()),
                Expr::Literal(ScalarValue::Boolean(Some(to_given)), None),
            ],
        );
        let mut final_exprs = key_cols;
        for (i, (name, _, default)) in outputs.iter().enumerate() {
            let array = functions::row_call(
                "series_layout",
                KqlType::Dynamic,
                functions::series_layout_fn,
                vec![col("__slots"), col(&format!("__v{i}")), count.clone(), default.clone()],
            );
            final_exprs.push(array.alias(name));
        }
        let axis_kind = Expr::Literal(ScalarValue::Utf8(Some(axis_type.name().to_string())), None);
        let axis_values = functions::row_call(
            "series_axis",
            KqlType::Dynamic,
            functions::series_axis_fn,
            vec![ticks(from), ticks(step), count.clone(), axis_kind],
        );
        final_exprs.push(axis_values.alias(axis_name));
        // An empty range (`from` == `to`) has no series at all, not one of no slots.
        let nonempty = count.gt(Expr::Literal(ScalarValue::Int64(Some(0)), None));
        build(LogicalPlanBuilder::from(collected).filter(nonempty).and_then(|b| b.project(final_exprs)), span)
    }
}
