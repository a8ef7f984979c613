//! `search` and `find`: a predicate over many tables, with union semantics: a column that some
//! searched tables lack reads as null there; a table is skipped only when the predicate names a
//! column no searched table has. A bare string searches every string column for the term.

use datafusion::common::DFSchema;
use datafusion::logical_expr::{Expr, LogicalPlan, LogicalPlanBuilder};
use panoptes_kql::ast::{BinaryOp, Expr as Ast, ExprKind, Ident, Literal, NamedExpr, OptionArg, StringOp};
use panoptes_kql::{Diagnostic, Span};

use super::operators::wildcard;
use super::{PResult, Planner, build, col, schema_names};
use crate::functions::strops;
use crate::types::kql_type;

/// The predicate of `search`/`find`, and whether its bare terms match case (`kind=case_sensitive`).
pub(super) struct SearchPredicate<'a> {
    pub expr: &'a Ast,
    pub case_sensitive: bool,
}

impl<'a> SearchPredicate<'a> {
    pub(super) fn new(expr: &'a Ast, options: &[OptionArg]) -> Self {
        let case_sensitive = options.iter().any(|o| o.name == "kind" && o.value.as_name() == Some("case_sensitive"));
        Self { expr, case_sensitive }
    }
}

impl Planner<'_> {
    pub(super) fn search(
        &mut self,
        input: Option<LogicalPlan>,
        tables: &[Ident],
        predicate: SearchPredicate<'_>,
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
            let Some((plan, condition)) = self.search_condition(plan, &predicate, &known, span)? else { continue };
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
        predicate: &SearchPredicate<'_>,
        known: &[(String, panoptes_domain::KqlType)],
        span: Span,
    ) -> PResult<Option<(LogicalPlan, Expr)>> {
        let cs = predicate.case_sensitive;
        if let ExprKind::Literal(Literal::String(term)) = &predicate.expr.kind {
            return Ok(term_predicate(plan.schema(), term, cs).map(|c| (plan, c)));
        }
        for _ in 0..=known.len() {
            match self.search_predicate(predicate.expr, cs, plan.schema()) {
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
    fn search_predicate(&mut self, predicate: &Ast, cs: bool, schema: &DFSchema) -> PResult<Expr> {
        match &predicate.kind {
            ExprKind::Literal(Literal::String(term)) => {
                Ok(term_predicate(schema, term, cs).unwrap_or(datafusion::prelude::lit(false)))
            }
            // A bare number is a term of text: it matches string columns that have it, not
            // numeric columns (Kusto: `search "x" or 2.71` passes over a real column of 2.71).
            ExprKind::Literal(Literal::Long(n)) => Ok(text_term(schema, &n.to_string(), cs)),
            ExprKind::Literal(Literal::Real(r)) => Ok(text_term(schema, &r.to_string(), cs)),
            // `not("term")`: no column has it.
            ExprKind::Call { name, args, .. }
                if name == "not"
                    && matches!(args.as_slice(), [a] if matches!(a.kind, ExprKind::Literal(Literal::String(_)))) =>
            {
                Ok(Expr::Not(Box::new(self.search_predicate(&args[0], cs, schema)?)))
            }
            ExprKind::Binary(op @ (BinaryOp::And | BinaryOp::Or), left, right) => {
                let (l, r) = (self.search_predicate(left, cs, schema)?, self.search_predicate(right, cs, schema)?);
                Ok(if *op == BinaryOp::And { l.and(r) } else { l.or(r) })
            }
            _ => {
                let e = self.scalar(predicate, schema)?;
                Ok(super::binary::cast_to(e, panoptes_domain::KqlType::Bool, schema))
            }
        }
    }
}

/// `search "term"`: any column has the term. Wildcards as Kusto reads them: `err*` is a term
/// prefix, `*err` a suffix, `*err*` contains, and `Lo*ng` a regex over a whole term.
fn term_predicate(schema: &DFSchema, term: &str, cs: bool) -> Option<Expr> {
    let inner = term.trim_matches('*');
    if inner.contains('*') {
        let parts: Vec<String> = inner.split('*').map(regex::escape).collect();
        let pattern = format!(r"{}\b{}\b", if cs { "" } else { "(?i)" }, parts.join(".*"));
        return any_column(schema, &pattern, |column, needle| {
            crate::functions::row_call(
                "matches_regex",
                panoptes_domain::KqlType::Bool,
                crate::functions::matches_regex_fn,
                vec![column, needle],
            )
        });
    }
    let (op, needle) = match (term.starts_with('*'), term.ends_with('*') && term.len() > 1) {
        (true, true) => (StringOp::Contains, inner),
        (false, true) => (StringOp::HasPrefix, inner),
        (true, false) => (StringOp::HasSuffix, inner),
        (false, false) => (StringOp::Has, term),
    };
    let op = match (cs, op) {
        (false, op) => op,
        (true, StringOp::Contains) => StringOp::ContainsCs,
        (true, StringOp::HasPrefix) => StringOp::HasPrefixCs,
        (true, StringOp::HasSuffix) => StringOp::HasSuffixCs,
        (true, _) => StringOp::HasCs,
    };
    any_column_op(schema, op, needle)
}

/// A term searched in the string columns only.
fn text_term(schema: &DFSchema, term: &str, cs: bool) -> Expr {
    let op = if cs { StringOp::HasCs } else { StringOp::Has };
    schema
        .fields()
        .iter()
        .filter(|f| matches!(kql_type(f.data_type()), panoptes_domain::KqlType::String))
        .map(|f| strops::call(strops::StrPredicate::Op(op), col(f.name()), super::scalar::lit_str(term)))
        .reduce(Expr::or)
        .unwrap_or(datafusion::prelude::lit(false))
}

/// `where * has "x"`: the string predicate over every column that could hold the term.
pub(super) fn any_column_op(schema: &DFSchema, op: StringOp, needle: &str) -> Option<Expr> {
    any_column(schema, needle, |column, needle| strops::call(strops::StrPredicate::Op(op), column, needle))
}

/// `matches(column as text, needle)` over each column whose text could contain `needle`
/// (strings and dynamic values always; numbers, times and bools only when the term is made of
/// characters their text has, so a word search never formats every number), or'ed together.
fn any_column(schema: &DFSchema, needle: &str, matches: impl Fn(Expr, Expr) -> Expr) -> Option<Expr> {
    use panoptes_domain::KqlType;
    let numeric = !needle.is_empty() && needle.chars().all(|c| c.is_ascii_digit() || "+-.eE".contains(c));
    let temporal = !needle.is_empty() && needle.chars().all(|c| c.is_ascii_digit() || "-:.TZ ".contains(c));
    let boolean = needle.eq_ignore_ascii_case("true") || needle.eq_ignore_ascii_case("false");
    schema
        .fields()
        .iter()
        .filter_map(|f| {
            let kind = kql_type(f.data_type());
            let searched = match kind {
                KqlType::String | KqlType::Guid => return Some(col(f.name())),
                KqlType::Dynamic => true,
                KqlType::Int | KqlType::Long | KqlType::Real | KqlType::Decimal => numeric,
                KqlType::Datetime | KqlType::Timespan => temporal,
                KqlType::Bool => boolean,
            };
            searched.then(|| {
                crate::functions::row_call(
                    "tostring",
                    KqlType::String,
                    crate::functions::tostring_fn,
                    vec![col(f.name())],
                )
            })
        })
        .map(|column| matches(column, super::scalar::lit_str(needle)))
        .reduce(Expr::or)
}
