//! `search` and `find`: a predicate over many tables, with union semantics: a column that some
//! searched tables lack reads as null there; a table is skipped only when the predicate names a
//! column no searched table has. A bare string searches every string column for the term.

use datafusion::common::DFSchema;
use datafusion::logical_expr::{Expr, LogicalPlan, LogicalPlanBuilder};
use panoptes_kql::ast::{BinaryOp, Expr as Ast, ExprKind, Ident, Literal, NamedExpr, StringOp};
use panoptes_kql::{Diagnostic, Span};

use super::operators::wildcard;
use super::{PResult, Planner, build, col, schema_names};
use crate::functions::strops;
use crate::types::kql_type;

impl Planner<'_> {
    pub(super) fn search(
        &mut self,
        input: Option<LogicalPlan>,
        tables: &[Ident],
        predicate: &Ast,
        project: &[NamedExpr],
        source_column: &str,
        span: Span,
    ) -> PResult<LogicalPlan> {
        let mut sources: Vec<(String, LogicalPlan)> = Vec::new();
        if let Some(plan) = input {
            sources.push(("search_arg0".to_string(), plan));
        } else {
            let names = self.catalog.table_names();
            let patterns: Vec<String> =
                if tables.is_empty() { vec!["*".into()] } else { tables.iter().map(|t| t.name.clone()).collect() };
            for pattern in patterns {
                if let Some(super::Binding::Table(plan)) = self.lookup(&pattern).cloned() {
                    sources.push((pattern.clone(), plan));
                    continue;
                }
                for name in names.iter().filter(|n| wildcard(&pattern, n)) {
                    let plan = self.table_by_name(name, span)?;
                    sources.push((name.clone(), plan));
                }
            }
        }
        // Union semantics: a column one searched table has reads as null in the others.
        let mut known: Vec<(String, panoptes_domain::KqlType)> = Vec::new();
        for (_, plan) in &sources {
            for f in plan.schema().fields() {
                if !known.iter().any(|(n, _)| n == f.name()) {
                    known.push((f.name().clone(), kql_type(f.data_type())));
                }
            }
        }
        let mut filtered = Vec::new();
        for (name, plan) in sources {
            let Some((plan, condition)) = self.search_condition(plan, predicate, &known, span)? else { continue };
            let plan = build(LogicalPlanBuilder::from(plan).filter(condition), span)?;
            let mut exprs: Vec<Expr> = vec![super::scalar::lit_str(&name).alias(source_column)];
            if project.is_empty() {
                exprs.extend(schema_names(plan.schema()).iter().map(|n| col(n)));
            } else {
                for item in project {
                    let Some(n) =
                        item.names.first().map(|n| n.name.clone()).or_else(|| item.expr.as_name().map(str::to_string))
                    else {
                        continue;
                    };
                    match self.scalar(&item.expr, plan.schema()) {
                        Ok(e) => exprs.push(e.alias(n)),
                        Err(_) => exprs.push(super::scalar::lit_str("").alias(n)),
                    }
                }
            }
            filtered.push(build(LogicalPlanBuilder::from(plan).project(exprs), span)?);
        }
        if filtered.is_empty() {
            return Err(Diagnostic::error("KQL_SEARCH", "no table has the columns the predicate names", span));
        }
        let inputs = filtered.into_iter().map(|p| (String::new(), p)).collect();
        self.union_plans(inputs, None, false, span)
        // (each filtered input already carries its source column)
    }

    /// The predicate bound over one table, after adding null columns for the names only other
    /// searched tables have; `None` when it names a column no searched table has.
    fn search_condition(
        &mut self,
        mut plan: LogicalPlan,
        predicate: &Ast,
        known: &[(String, panoptes_domain::KqlType)],
        span: Span,
    ) -> PResult<Option<(LogicalPlan, Expr)>> {
        if let ExprKind::Literal(Literal::String(term)) = &predicate.kind {
            return Ok(term_predicate(plan.schema(), term).map(|c| (plan, c)));
        }
        for _ in 0..=known.len() {
            match self.search_predicate(predicate, plan.schema()) {
                Ok(condition) => return Ok(Some((plan, condition))),
                Err(d) if d.code == "KQL_UNKNOWN_COLUMN" => {
                    let missing = d.message.split('`').nth(1).unwrap_or_default();
                    let Some((n, t)) = known.iter().find(|(n, _)| n == missing) else { return Ok(None) };
                    let mut exprs: Vec<Expr> = schema_names(plan.schema()).iter().map(|c| col(c)).collect();
                    exprs.push(Expr::Literal(super::calls::typed_null(*t), None).alias(n));
                    plan = build(LogicalPlanBuilder::from(plan).project(exprs), span)?;
                }
                Err(d) => return Err(d),
            }
        }
        Ok(None)
    }
}

impl Planner<'_> {
    /// A search predicate: bare string terms combine with `and`/`or` like conditions.
    fn search_predicate(&mut self, predicate: &Ast, schema: &DFSchema) -> PResult<Expr> {
        match &predicate.kind {
            ExprKind::Literal(Literal::String(term)) => {
                Ok(term_predicate(schema, term).unwrap_or(datafusion::prelude::lit(false)))
            }
            ExprKind::Binary(op @ (BinaryOp::And | BinaryOp::Or), left, right) => {
                let (l, r) = (self.search_predicate(left, schema)?, self.search_predicate(right, schema)?);
                Ok(if *op == BinaryOp::And { l.and(r) } else { l.or(r) })
            }
            _ => {
                let e = self.scalar(predicate, schema)?;
                Ok(super::binary::cast_to(e, panoptes_domain::KqlType::Bool, schema))
            }
        }
    }
}

/// `search "term"`: any string column has the term (`*` wildcards mean contains).
fn term_predicate(schema: &DFSchema, term: &str) -> Option<Expr> {
    let (op, needle) = if term.starts_with('*') || term.ends_with('*') {
        (StringOp::Contains, term.trim_matches('*'))
    } else {
        (StringOp::Has, term)
    };
    schema
        .fields()
        .iter()
        .filter(|f| {
            matches!(kql_type(f.data_type()), panoptes_domain::KqlType::String | panoptes_domain::KqlType::Dynamic)
        })
        .map(|f| {
            let column = if kql_type(f.data_type()) == panoptes_domain::KqlType::Dynamic {
                crate::functions::row_call(
                    "tostring",
                    panoptes_domain::KqlType::String,
                    crate::functions::tostring_fn,
                    vec![col(f.name())],
                )
            } else {
                col(f.name())
            };
            strops::call(strops::StrPredicate::Op(op), column, super::scalar::lit_str(needle))
        })
        .reduce(Expr::or)
}
