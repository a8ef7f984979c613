//! `search` and `find`: a predicate over many tables. Tables where the predicate does not
//! bind (a column it names is missing) are skipped, as in Kusto; a bare string searches every
//! string column for the term.

use datafusion::common::DFSchema;
use datafusion::logical_expr::{Expr, LogicalPlan, LogicalPlanBuilder};
use panoptes_kql::ast::{Expr as Ast, ExprKind, Ident, Literal, NamedExpr, StringOp};
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
        let mut filtered = Vec::new();
        for (name, plan) in sources {
            let schema = plan.schema().clone();
            let condition = match &predicate.kind {
                ExprKind::Literal(Literal::String(term)) => term_predicate(&schema, term),
                _ => match self.scalar(predicate, &schema) {
                    Ok(e) => Some(super::binary::cast_to(e, panoptes_domain::KqlType::Bool, &schema)),
                    Err(d) if d.code == "KQL_UNKNOWN_COLUMN" => None,
                    Err(d) => return Err(d),
                },
            };
            let Some(condition) = condition else { continue };
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
