//! The tabular operators after `|`: dispatch plus the simple ones (where, project family,
//! extend, sort, take, top, distinct, count, serialize, render, getschema).

use std::collections::HashMap;

use datafusion::common::{DFSchema, ScalarValue};
use datafusion::logical_expr::{Expr, LogicalPlan, LogicalPlanBuilder, SortExpr};
use panoptes_kql::ast::{Expr as Ast, ExprKind, Ident, NamedExpr, Operator, SortKey};
use panoptes_kql::{Diagnostic, Span};

use super::{Binding, PResult, Planner, RenderHint, build, col, schema_names};

impl Planner<'_> {
    /// Plans one operator and works out whether its output rows are serialized: `sort`, `top`
    /// and `serialize` serialize them; grouping, joining and merging operators end that.
    pub(super) fn operator(&mut self, input: LogicalPlan, op: &Operator, span: Span) -> PResult<LogicalPlan> {
        if matches!(op, Operator::Serialize(_)) {
            self.serialized = true;
        }
        let serialized = self.serialized;
        let plan = self.apply(input, op, span)?;
        self.serialized = match op {
            Operator::Sort(_) | Operator::Top { .. } | Operator::GetSchema | Operator::TopHitters { .. } => true,
            Operator::Summarize { .. }
            | Operator::Count { .. }
            | Operator::Distinct(_)
            | Operator::Join { .. }
            | Operator::Lookup { .. }
            | Operator::Union { .. }
            | Operator::TopNested(_)
            | Operator::MakeSeries(_)
            | Operator::Reduce { .. }
            | Operator::Partition { .. }
            | Operator::SampleDistinct { .. } => false,
            _ => serialized,
        };
        Ok(plan)
    }

    fn apply(&mut self, input: LogicalPlan, op: &Operator, span: Span) -> PResult<LogicalPlan> {
        match op {
            Operator::Where(predicate) => {
                let schema = input.schema().clone();
                let predicate = self.scalar(predicate, &schema)?;
                let predicate = super::binary::cast_to(predicate, panoptes_domain::KqlType::Bool, &schema);
                let input = self.with_windows(input, span)?;
                let filtered = build(LogicalPlanBuilder::from(input).filter(predicate), span)?;
                self.drop_internal(filtered, span)
            }
            Operator::Project(items) => self.project(input, items, span, false),
            Operator::Extend(items) => self.project(input, items, span, true),
            Operator::ProjectAway(patterns) => {
                let names = schema_names(input.schema());
                let keep: Vec<Expr> =
                    names.iter().filter(|n| !patterns.iter().any(|p| wildcard(&p.name, n))).map(|n| col(n)).collect();
                self.check_patterns(&names, patterns)?;
                build(LogicalPlanBuilder::from(input).project(keep), span)
            }
            Operator::ProjectKeep(patterns) => {
                let names = schema_names(input.schema());
                self.check_patterns(&names, patterns)?;
                let keep: Vec<Expr> =
                    names.iter().filter(|n| patterns.iter().any(|p| wildcard(&p.name, n))).map(|n| col(n)).collect();
                build(LogicalPlanBuilder::from(input).project(keep), span)
            }
            Operator::ProjectRename(pairs) => {
                let names = schema_names(input.schema());
                for (_, old) in pairs {
                    if !names.contains(&old.name) {
                        return Err(unknown_column(&old.name, &names, old.span));
                    }
                }
                let exprs: Vec<Expr> = names
                    .iter()
                    .map(|n| match pairs.iter().find(|(_, old)| &old.name == n) {
                        Some((new, _)) => col(n).alias(&new.name),
                        None => col(n),
                    })
                    .collect();
                build(LogicalPlanBuilder::from(input).project(exprs), span)
            }
            Operator::ProjectReorder(items) => {
                let names = schema_names(input.schema());
                let mut ordered: Vec<String> = Vec::new();
                for (pattern, order) in items {
                    let mut matched: Vec<String> =
                        names.iter().filter(|n| wildcard(&pattern.name, n) && !ordered.contains(n)).cloned().collect();
                    match order {
                        Some(true) => matched.sort(),
                        Some(false) => matched.sort_by(|a, b| b.cmp(a)),
                        None => {}
                    }
                    ordered.extend(matched);
                }
                ordered.extend(names.iter().filter(|n| !ordered.contains(n)).cloned().collect::<Vec<_>>());
                build(LogicalPlanBuilder::from(input).project(ordered.iter().map(|n| col(n))), span)
            }
            Operator::Sort(keys) => self.sort(input, keys, span, None),
            Operator::Top { count, by, .. } => {
                let n = self.constant_count(count, "top")?;
                self.sort(input, std::slice::from_ref(by), span, Some(n))
            }
            Operator::Take(count) => {
                let n = self.constant_count(count, "take")?;
                build(LogicalPlanBuilder::from(input).limit(0, Some(n)), span)
            }
            Operator::Sample { count } => {
                let n = self.constant_count(count, "sample")?;
                build(LogicalPlanBuilder::from(input).limit(0, Some(n)), span)
            }
            Operator::Distinct(items) => {
                if items.len() == 1 && matches!(items[0].expr.kind, ExprKind::Star) {
                    return build(LogicalPlanBuilder::from(input).distinct(), span);
                }
                let projected = self.project(input, items, span, false)?;
                build(LogicalPlanBuilder::from(projected).distinct(), span)
            }
            Operator::Count { name } => {
                let count =
                    datafusion::functions_aggregate::expr_fn::count(Expr::Literal(ScalarValue::Int64(Some(1)), None));
                let alias = name.as_ref().map_or("Count", |n| n.name.as_str());
                build(LogicalPlanBuilder::from(input).aggregate(Vec::<Expr>::new(), vec![count.alias(alias)]), span)
            }
            Operator::Serialize(items) => {
                if items.is_empty() {
                    Ok(input)
                } else {
                    self.project(input, items, span, true)
                }
            }
            Operator::As { name, .. } => {
                self.bind(&name.name, Binding::Table(input.clone()));
                Ok(input)
            }
            Operator::Render { kind, properties } => {
                let properties = properties.iter().map(|p| (p.name.clone(), render_value(&p.value))).collect();
                self.render = Some(RenderHint { kind: kind.clone(), properties });
                Ok(input)
            }
            Operator::GetSchema => self.getschema(&input, span),
            Operator::Summarize { aggregates, by, .. } => self.summarize(input, aggregates, by, span),
            Operator::Join { options, right, on } => self.join(input, options, right, on, span, false),
            Operator::Lookup { options, right, on } => self.join(input, options, right, on, span, true),
            Operator::Union { options, tables } => self.union(Some(input), options, tables, span),
            Operator::MvExpand { options, columns, .. } => self.mv_expand(input, options, columns, span),
            Operator::Parse { kind_where, options, source, pattern } => {
                self.parse_op(input, *kind_where, options, source, pattern, span)
            }
            Operator::ParseKv { source, columns, options } => self.parse_kv(input, source, columns, options, span),
            Operator::Invoke(call) => self.invoke(input, call, span),
            Operator::Evaluate { plugin, schema, .. } => self.evaluate(input, plugin, schema.as_deref(), span),
            Operator::Search { tables, predicate, options } => {
                let predicate = super::search::SearchPredicate::new(predicate, options);
                self.search(Some(input), tables, predicate, &[], "$table", span)
            }
            Operator::MvApply { options, columns, subquery, .. } => {
                self.mv_apply(input, options, columns, subquery, span)
            }
            Operator::TopNested(levels) => self.top_nested(input, levels, span),
            Operator::TopHitters { count, of, by } => self.top_hitters(input, count, of, by.as_ref(), span),
            Operator::SampleDistinct { count, column } => self.sample_distinct(input, count, column, span),
            Operator::MakeSeries(series) => self.make_series(input, series, span),
            Operator::Scan(scan) => self.scan(input, scan, span),
            Operator::Partition { by, subquery, .. } => self.partition(input, by, subquery, span),
            Operator::Consume => build(LogicalPlanBuilder::from(input).limit(0, Some(0)), span),
            other => Err(Diagnostic::error(
                "KQL_UNSUPPORTED",
                format!("the `{}` operator is not supported yet", operator_name(other)),
                span,
            )),
        }
    }

    fn check_patterns(&self, names: &[String], patterns: &[Ident]) -> PResult<()> {
        for p in patterns {
            if !p.name.contains('*') && !names.contains(&p.name) {
                return Err(unknown_column(&p.name, names, p.span));
            }
        }
        Ok(())
    }

    /// `project` (only the listed columns) and `extend` (all columns plus the listed ones).
    pub(super) fn project(
        &mut self,
        input: LogicalPlan,
        items: &[NamedExpr],
        span: Span,
        extend: bool,
    ) -> PResult<LogicalPlan> {
        let schema = input.schema().clone();
        let existing = schema_names(&schema);
        let mut outputs: Vec<(String, Expr)> = Vec::new();
        if extend {
            outputs.extend(existing.iter().map(|n| (n.clone(), col(n))));
        }
        // Later items may use names defined by earlier ones.
        self.scopes.push(HashMap::new());
        let mut column_number = 0;
        let result = (|| {
            for item in items {
                if matches!(item.expr.kind, ExprKind::Star) && !extend {
                    for n in &existing {
                        outputs.push((n.clone(), col(n)));
                    }
                    continue;
                }
                if item.names.len() > 1 {
                    // `(a, b, c) = f(...)`: a function with several results, one column each.
                    let expr = self.multi_result(&item.expr, &schema)?;
                    for (i, name) in item.names.iter().enumerate() {
                        let index = Expr::Literal(ScalarValue::Int64(Some(i as i64)), None);
                        let part = crate::functions::row_call(
                            "get",
                            panoptes_domain::KqlType::Dynamic,
                            crate::functions::dynamic_get,
                            vec![expr.clone(), index],
                        );
                        let part = match super::calls::multi_result_type(&item.expr, i) {
                            Some(t) => super::binary::cast_to(part, t, &schema),
                            None => part,
                        };
                        self.bind(&name.name, Binding::Scalar(part.clone()));
                        match outputs.iter_mut().find(|(n, _)| *n == name.name) {
                            Some(slot) => slot.1 = part,
                            None => outputs.push((name.name.clone(), part)),
                        }
                    }
                    continue;
                }
                let item = &unnest_named_argument(item);
                let expr = self.scalar(&item.expr, &schema)?;
                let name = match item.names.first() {
                    Some(n) => n.name.clone(),
                    None => match default_name(&item.expr).or_else(|| conversion_name(&item.expr)) {
                        Some(n) => n,
                        None => loop {
                            column_number += 1;
                            let candidate = format!("Column{column_number}");
                            if !outputs.iter().any(|(n, _)| *n == candidate) {
                                break candidate;
                            }
                        },
                    },
                };
                self.bind(&name, Binding::Scalar(expr.clone()));
                let taken = outputs.iter().any(|(n, _)| *n == name);
                let name = if taken && !extend && item.names.is_empty() {
                    let used: Vec<String> = outputs.iter().map(|(n, _)| n.clone()).collect();
                    super::summarize::unique(&name, &used)
                } else {
                    name
                };
                match outputs.iter_mut().find(|(n, _)| *n == name) {
                    Some(slot) if extend => slot.1 = expr,
                    Some(_) => {
                        return Err(Diagnostic::error(
                            "KQL_DUPLICATE_COLUMN",
                            format!("column `{name}` is projected twice"),
                            item.expr.span,
                        ));
                    }
                    None => outputs.push((name, expr)),
                }
            }
            Ok(())
        })();
        self.scopes.pop();
        result?;
        let input = self.with_windows(input, span)?;
        self.project_outputs(input, outputs, span)
    }

    /// Projects `(name, expr)` outputs. A column redefined from itself (`x = x + 1`) is computed
    /// under a fresh name and renamed in a second projection: DataFusion 55's projection merging
    /// confuses chained identical self-redefinitions (`extend x = x + 1 | extend x = x + 1`).
    pub(super) fn project_outputs(
        &mut self,
        input: LogicalPlan,
        outputs: Vec<(String, Expr)>,
        span: Span,
    ) -> PResult<LogicalPlan> {
        let redefines = |name: &str, expr: &Expr| {
            !matches!(expr, Expr::Column(c) if c.name == name) && expr.column_refs().iter().any(|c| c.name == name)
        };
        if !outputs.iter().any(|(name, expr)| redefines(name, expr)) {
            let exprs: Vec<Expr> = outputs.into_iter().map(|(name, expr)| alias_if_needed(expr, &name)).collect();
            return build(LogicalPlanBuilder::from(input).project(exprs), span);
        }
        let mut first = Vec::new();
        let mut second = Vec::new();
        for (name, expr) in outputs {
            if redefines(&name, &expr) {
                let temp = self.fresh("redef");
                first.push(expr.alias(&temp));
                second.push(col(&temp).alias(&name));
            } else {
                first.push(alias_if_needed(expr, &name));
                second.push(col(&name));
            }
        }
        let computed = build(LogicalPlanBuilder::from(input).project(first), span)?;
        build(LogicalPlanBuilder::from(computed).project(second), span)
    }

    /// Adds pending window functions as a Window node under the next projection.
    pub(super) fn with_windows(&mut self, input: LogicalPlan, span: Span) -> PResult<LogicalPlan> {
        if self.pending_windows.is_empty() {
            return Ok(input);
        }
        let mut pending: Vec<(Expr, String, usize)> = self.pending_windows.drain(..).collect();
        pending.sort_by_key(|(_, _, level)| *level);
        let mut plan = input;
        let mut start = 0;
        while start < pending.len() {
            let level = pending[start].2;
            let end = pending[start..].iter().position(|(_, _, l)| *l != level).map_or(pending.len(), |p| start + p);
            let windows: Vec<Expr> = pending[start..end].iter().map(|(e, name, _)| e.clone().alias(name)).collect();
            plan = build(LogicalPlanBuilder::from(plan).window(windows), span)?;
            start = end;
        }
        Ok(plan)
    }

    /// Drops internal `__` columns (window results) after a filter.
    fn drop_internal(&mut self, plan: LogicalPlan, span: Span) -> PResult<LogicalPlan> {
        let names = schema_names(plan.schema());
        if !names.iter().any(|n| n.starts_with("__w")) {
            return Ok(plan);
        }
        let keep: Vec<Expr> = names.iter().filter(|n| !n.starts_with("__w")).map(|n| col(n)).collect();
        build(LogicalPlanBuilder::from(plan).project(keep), span)
    }

    fn sort(&mut self, input: LogicalPlan, keys: &[SortKey], span: Span, limit: Option<usize>) -> PResult<LogicalPlan> {
        let schema = input.schema().clone();
        let mut sorts = Vec::new();
        for key in keys {
            let expr = self.scalar(&key.expr, &schema)?;
            // Kusto: nulls first ascending, last descending, unless told.
            let nulls_first = key.nulls_first.unwrap_or(key.asc);
            sorts.push(SortExpr::new(expr, key.asc, nulls_first));
        }
        let input = self.with_windows(input, span)?;
        self.order = sorts.clone();
        let plan = build(LogicalPlanBuilder::from(input).sort_with_limit(sorts, limit), span)?;
        self.drop_internal(plan, span)
    }

    /// A constant row count (`take 10`, `top 5 by ...`).
    pub(super) fn constant_count(&mut self, expr: &Ast, operator: &str) -> PResult<usize> {
        let planned = self.scalar(expr, &DFSchema::empty())?;
        match super::sources::constant_value(planned).and_then(|v| v.to_long()) {
            Some(n) if n >= 0 => Ok(n as usize),
            _ => Err(Diagnostic::error(
                "KQL_ARGUMENTS",
                format!("`{operator}` needs a constant non-negative row count"),
                expr.span,
            )),
        }
    }

    fn getschema(&mut self, input: &LogicalPlan, span: Span) -> PResult<LogicalPlan> {
        let rows: Vec<Vec<Expr>> = input
            .schema()
            .fields()
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let t = crate::types::kql_type(f.data_type());
                vec![
                    super::scalar::lit_str(f.name()),
                    Expr::Literal(ScalarValue::Int32(Some(i as i32)), None),
                    // Kusto stores a bool as a signed byte, and getschema says so.
                    super::scalar::lit_str(&match t {
                        panoptes_domain::KqlType::Bool => "System.SByte".to_string(),
                        _ => format!("System.{}", t.clr_name()),
                    }),
                    super::scalar::lit_str(t.name()),
                ]
            })
            .collect();
        if rows.is_empty() {
            return Err(Diagnostic::error("KQL_PLAN", "getschema of a table without columns", span));
        }
        let values = build(LogicalPlanBuilder::values(rows), span)?;
        let names = schema_names(values.schema());
        let exprs = names
            .iter()
            .zip(["ColumnName", "ColumnOrdinal", "DataType", "ColumnType"])
            .map(|(n, alias)| col(n).alias(alias));
        build(LogicalPlanBuilder::from(values).project(exprs), span)
    }
}

/// `f(Name = expr)` as an output item means `Name = f(expr)` (seen in real queries).
pub(crate) fn unnest_named_argument(item: &NamedExpr) -> NamedExpr {
    if let ExprKind::Call { name, args, named } = &item.expr.kind
        && item.names.is_empty()
        && args.is_empty()
        && named.len() == 1
    {
        let inner = Ast::new(
            ExprKind::Call { name: name.clone(), args: vec![named[0].value.clone()], named: vec![] },
            item.expr.span,
        );
        let ident = Ident { name: named[0].name.clone(), span: item.expr.span };
        return NamedExpr { names: vec![ident], expr: inner };
    }
    item.clone()
}

/// The output name KQL gives an unnamed expression: a column keeps its name, `d.key` becomes
/// `d_key`; anything else gets `ColumnN`.
pub(crate) fn default_name(expr: &Ast) -> Option<String> {
    match &expr.kind {
        ExprKind::Name(name) => Some(name.clone()),
        ExprKind::Member(base, key) => match base.as_name() {
            Some("$left") | Some("$right") => Some(key.clone()),
            _ => default_name(base).map(|b| format!("{b}_{key}")),
        },
        ExprKind::Index(base, index) => match (&index.kind, default_name(base)) {
            (ExprKind::Literal(panoptes_kql::ast::Literal::String(k)), Some(b)) => Some(format!("{b}_{k}")),
            (ExprKind::Literal(panoptes_kql::ast::Literal::Long(i)), Some(b)) => Some(format!("{b}_{i}")),
            _ => None,
        },
        _ => None,
    }
}

/// Kusto names an unnamed type conversion after what it converts: `tostring(d.key)` is `d_key`.
fn conversion_name(expr: &Ast) -> Option<String> {
    const CONVERSIONS: &[&str] = &[
        "tostring",
        "toint",
        "tolong",
        "todouble",
        "toreal",
        "tobool",
        "toboolean",
        "todatetime",
        "totimespan",
        "todynamic",
        "toguid",
        "todecimal",
        "parse_json",
    ];
    match &expr.kind {
        ExprKind::Call { name, args, named } if args.len() == 1 && named.is_empty() => {
            CONVERSIONS.contains(&name.to_ascii_lowercase().as_str()).then(|| default_name(&args[0])).flatten()
        }
        _ => None,
    }
}

pub(crate) fn alias_if_needed(expr: Expr, name: &str) -> Expr {
    match &expr {
        Expr::Column(c) if c.name == name && c.relation.is_none() => expr,
        _ => expr.alias(name),
    }
}

/// `*` wildcard match on column names.
pub(crate) fn wildcard(pattern: &str, name: &str) -> bool {
    if !pattern.contains('*') {
        return pattern == name;
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut rest = name;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(p) => rest = &rest[p + part.len()..],
                None => return false,
            }
        }
    }
    true
}

pub(crate) fn unknown_column(name: &str, names: &[String], span: Span) -> Diagnostic {
    let mut d = Diagnostic::error("KQL_UNKNOWN_COLUMN", format!("unknown column `{name}`"), span);
    if let Some(hint) = panoptes_kql::closest(name, names.iter().map(String::as_str)) {
        d = d.with_help(format!("did you mean `{hint}`?"));
    }
    d
}

fn render_value(expr: &Ast) -> String {
    match &expr.kind {
        ExprKind::Name(n) => n.clone(),
        ExprKind::Literal(panoptes_kql::ast::Literal::String(s)) => s.clone(),
        ExprKind::Literal(panoptes_kql::ast::Literal::Long(v)) => v.to_string(),
        ExprKind::Literal(panoptes_kql::ast::Literal::Bool(b)) => b.to_string(),
        ExprKind::Call { args, .. } => args.iter().map(render_value).collect::<Vec<_>>().join(","),
        _ => String::new(),
    }
}

fn operator_name(op: &Operator) -> &'static str {
    match op {
        Operator::TopNested(_) => "top-nested",
        Operator::MvApply { .. } => "mv-apply",
        Operator::MakeSeries(_) => "make-series",
        Operator::SampleDistinct { .. } => "sample-distinct",
        Operator::Search { .. } => "search",
        Operator::Find { .. } => "find",
        Operator::Partition { .. } => "partition",
        Operator::Scan(_) => "scan",
        Operator::Reduce { .. } => "reduce",
        Operator::Fork(_) => "fork",
        Operator::Facet { .. } => "facet",
        _ => "operator",
    }
}
