//! `evaluate` plugins. `bag_unpack` and `pivot` make columns out of data: with a declared
//! output schema they plan from it; otherwise the planner asks its [`DataProbe`] for the keys
//! (a small query run during planning, as Kusto does). Planning against the schema alone has
//! no data to ask, so the output is left open: later references to unknown columns bind as
//! dynamic nulls instead of failing.

use datafusion::logical_expr::{Expr, LogicalPlan, LogicalPlanBuilder};
use panoptes_domain::KqlType;
use panoptes_kql::ast::{ColumnDecl, Expr as Ast, ExprKind, Ident, Literal, NamedExpr};
use panoptes_kql::{Diagnostic, Span};

use super::binary::cast_to;
use super::operators::default_name;
use super::scalar::lit_str;
use super::{PResult, Planner, build, col, schema_names};
use crate::functions;

/// Most columns a data-driven plugin may add.
const MAX_DATA_COLUMNS: usize = 2_000;

/// Runs a query during planning for operators whose columns depend on the data.
pub trait DataProbe {
    /// The distinct values of the plan's single string column, at most `limit` of them.
    fn distinct_strings(&self, plan: LogicalPlan, limit: usize) -> Result<Vec<String>, String>;
}

impl Planner<'_> {
    pub(super) fn evaluate(
        &mut self,
        input: LogicalPlan,
        plugin: &Ast,
        declared: Option<&[ColumnDecl]>,
        span: Span,
    ) -> PResult<LogicalPlan> {
        let ExprKind::Call { name, args, .. } = &plugin.kind else {
            return Err(Diagnostic::error("KQL_SYNTAX", "`evaluate` needs a plugin call", span));
        };
        match name.as_str() {
            "bag_unpack" => self.bag_unpack(input, args, declared, span),
            "pivot" => self.pivot(input, args, declared, span),
            "python" | "r" => Err(Diagnostic::error(
                "KQL_UNSUPPORTED",
                format!("evaluate {name}() is not supported: Panoptes never runs code inside queries"),
                span,
            )),
            other => Err(Diagnostic::error(
                "KQL_UNSUPPORTED",
                format!("evaluate plugin `{other}` is not supported yet"),
                span,
            )),
        }
    }

    /// The distinct values `plan`'s one column takes, or `None` when planning has no data.
    fn probe(&mut self, plan: LogicalPlan, span: Span) -> PResult<Option<Vec<String>>> {
        let Some(probe) = self.probe else {
            self.open_schema = true;
            return Ok(None);
        };
        let mut values = probe
            .distinct_strings(plan, MAX_DATA_COLUMNS + 1)
            .map_err(|e| Diagnostic::error("KQL_EXECUTE", format!("finding the output columns failed: {e}"), span))?;
        if values.len() > MAX_DATA_COLUMNS {
            return Err(Diagnostic::error(
                "KQL_LIMIT",
                format!("the data would make more than {MAX_DATA_COLUMNS} columns"),
                span,
            )
            .with_help(
                "filter the input first, or declare the output schema: `evaluate plugin(...) : (Col:type, ...)`",
            ));
        }
        values.retain(|v| !v.is_empty());
        values.sort();
        Ok(Some(values))
    }

    /// `bag_unpack(bag [, prefix])`: one column per key of the bag.
    fn bag_unpack(
        &mut self,
        input: LogicalPlan,
        args: &[Ast],
        declared: Option<&[ColumnDecl]>,
        span: Span,
    ) -> PResult<LogicalPlan> {
        let schema = input.schema().clone();
        let Some(bag) = args.first() else {
            return Err(Diagnostic::error("KQL_ARGUMENTS", "bag_unpack needs a column", span));
        };
        let bag_name = default_name(bag).unwrap_or_default();
        let bag_expr = self.scalar(bag, &schema)?;
        let bag_expr = self.as_dynamic(bag_expr, &schema);
        let prefix = match args.get(1).map(|a| &a.kind) {
            Some(ExprKind::Literal(Literal::String(p))) => p.clone(),
            _ => String::new(),
        };
        let names = schema_names(&schema);
        let get = |key: &str| {
            functions::row_call("get", KqlType::Dynamic, functions::dynamic_get, vec![bag_expr.clone(), lit_str(key)])
        };
        let mut outputs: Vec<Expr> = names.iter().filter(|n| **n != bag_name).map(|n| col(n)).collect();
        if let Some(declared) = declared {
            outputs.clear();
            for c in declared {
                let t = KqlType::from_name(&c.type_name).unwrap_or(KqlType::Dynamic);
                if names.contains(&c.name.name) && c.name.name != bag_name {
                    outputs.push(cast_to(col(&c.name.name), t, &schema).alias(&c.name.name));
                } else {
                    let key = c.name.name.strip_prefix(prefix.as_str()).unwrap_or(&c.name.name);
                    outputs.push(cast_to(get(key), t, &schema).alias(&c.name.name));
                }
            }
            return build(LogicalPlanBuilder::from(input).project(outputs), span);
        }
        let keys_json = functions::row_call("bag_keys", KqlType::Dynamic, functions::bag_keys, vec![bag_expr.clone()]);
        let probe_plan = build(
            LogicalPlanBuilder::from(input.clone()).project(vec![keys_json.alias("keys")]).and_then(|b| b.distinct()),
            span,
        )?;
        let Some(key_lists) = self.probe(probe_plan, span)? else {
            return build(LogicalPlanBuilder::from(input).project(outputs), span);
        };
        let mut keys: Vec<String> = Vec::new();
        for list in key_lists {
            if let Ok(serde_json::Value::Array(items)) = serde_json::from_str(&list) {
                keys.extend(items.iter().filter_map(|k| k.as_str().map(str::to_string)));
            }
        }
        keys.sort();
        keys.dedup();
        let mut used: Vec<String> = names.iter().filter(|n| **n != bag_name).cloned().collect();
        for key in keys {
            let name = super::summarize::unique(&format!("{prefix}{key}"), &used);
            outputs.push(get(&key).alias(&name));
            used.push(name);
        }
        build(LogicalPlanBuilder::from(input).project(outputs), span)
    }

    /// `pivot(column [, aggregate [, by...]])`: one row per `by` group, one column per value of
    /// `column`, each holding the aggregate (default `count()`) over that value's rows.
    fn pivot(
        &mut self,
        input: LogicalPlan,
        args: &[Ast],
        declared: Option<&[ColumnDecl]>,
        span: Span,
    ) -> PResult<LogicalPlan> {
        let schema = input.schema().clone();
        let Some(pivot) = args.first() else {
            return Err(Diagnostic::error("KQL_ARGUMENTS", "pivot needs the column to pivot on", span));
        };
        let pivot_name = default_name(pivot).unwrap_or_default();
        let aggregate = args.get(1).cloned().unwrap_or_else(|| call("count", vec![], span));
        let by: Vec<Ast> = if args.len() > 2 {
            args[2..].to_vec()
        } else {
            let used = aggregate_columns(&aggregate);
            schema_names(&schema)
                .into_iter()
                .filter(|n| *n != pivot_name && !used.contains(n))
                .map(|n| Ast::new(ExprKind::Name(n), span))
                .collect()
        };
        let by_names: Vec<String> = by.iter().filter_map(default_name).collect();
        let values = match declared {
            Some(declared) => {
                Some(declared.iter().map(|c| c.name.name.clone()).filter(|n| !by_names.contains(n)).collect())
            }
            None => {
                let text = self.scalar(&call("tostring", vec![pivot.clone()], span), &schema)?;
                let probe_plan = build(
                    LogicalPlanBuilder::from(input.clone())
                        .project(vec![text.alias("value")])
                        .and_then(|b| b.distinct()),
                    span,
                )?;
                self.probe(probe_plan, span)?
            }
        };
        let mut aggregates = Vec::new();
        for value in values.unwrap_or_default() {
            let condition = Ast::new(
                ExprKind::Binary(
                    panoptes_kql::ast::BinaryOp::Eq,
                    Box::new(call("tostring", vec![pivot.clone()], span)),
                    Box::new(Ast::new(ExprKind::Literal(Literal::String(value.clone())), span)),
                ),
                span,
            );
            aggregates.push(NamedExpr {
                names: vec![Ident { name: value, span }],
                expr: conditional(&aggregate, condition, span)?,
            });
        }
        let by: Vec<NamedExpr> = by.into_iter().map(|expr| NamedExpr { names: vec![], expr }).collect();
        self.summarize(input, &aggregates, &by, span)
    }
}

fn call(name: &str, args: Vec<Ast>, span: Span) -> Ast {
    Ast::new(ExprKind::Call { name: name.to_string(), args, named: vec![] }, span)
}

/// `sum(x)` over the rows where `condition` holds: `sumif(x, condition)`.
fn conditional(aggregate: &Ast, condition: Ast, span: Span) -> PResult<Ast> {
    let ExprKind::Call { name, args, .. } = &aggregate.kind else {
        return Err(Diagnostic::error("KQL_ARGUMENTS", "pivot's second argument must be an aggregate call", span));
    };
    let conditional = match name.as_str() {
        "count" => "countif",
        "sum" => "sumif",
        "avg" => "avgif",
        "min" => "minif",
        "max" => "maxif",
        "dcount" => "dcountif",
        "count_distinct" => "count_distinctif",
        "stdev" => "stdevif",
        "variance" => "varianceif",
        "take_any" | "any" => "take_anyif",
        "make_set" => "make_set_if",
        "make_list" => "make_list_if",
        "make_bag" => "make_bag_if",
        other => {
            return Err(Diagnostic::error(
                "KQL_UNSUPPORTED",
                format!("pivot cannot aggregate with `{other}`"),
                aggregate.span,
            )
            .with_help("use count, sum, avg, min, max, dcount, take_any, make_set, make_list or make_bag"));
        }
    };
    let mut args = if name == "count" { vec![] } else { args.clone() };
    args.push(condition);
    Ok(call(conditional, args, aggregate.span))
}

/// The columns an aggregate call reads (they are not group keys by default).
fn aggregate_columns(aggregate: &Ast) -> Vec<String> {
    match &aggregate.kind {
        ExprKind::Call { args, .. } => args.iter().filter_map(default_name).collect(),
        _ => vec![],
    }
}
