//! KQL AST → DataFusion `LogicalPlan`. `Planner` walks statements and pipelines; scalar
//! expressions are in `scalar.rs`, tabular operators in `operators.rs`, and the larger operators
//! in their own files. Every operator ends in a projection to plain (unqualified) column names, so
//! the next operator can refer to columns by their KQL names.

mod aggregate;
mod binary;
mod calls;
mod evaluate;
mod join;
mod mv_apply;
mod operators;
mod partition;
mod reshape;
mod scalar;
mod scan;
mod search;
mod series;
mod sources;
mod summarize;
mod top_nested;
mod window;

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use datafusion::common::{Column, DFSchema};
use datafusion::datasource::provider_as_source;
use datafusion::logical_expr::{Expr, LogicalPlan, LogicalPlanBuilder};
use panoptes_kql::ast::{ColumnDecl, Expr as Ast, ExprKind, Operator, Query, Statement};
use panoptes_kql::{Diagnostic, Span, closest};

use crate::engine::TableCatalog;
pub use evaluate::DataProbe;

pub(crate) type PResult<T> = Result<T, Diagnostic>;

/// What a name is bound to by `let` or a lambda parameter.
#[derive(Clone)]
pub(crate) enum Binding {
    /// A scalar, planned once.
    Scalar(Expr),
    /// A tabular expression.
    Table(LogicalPlan),
    /// A user function.
    Lambda(Rc<Lambda>),
}

/// A user function: `(params) { body }`.
pub(crate) struct Lambda {
    pub(crate) params: Vec<ColumnDecl>,
    pub(crate) body: Vec<Statement>,
}

/// A visualization hint from `render`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RenderHint {
    /// The chart kind (`timechart`, `columnchart`, ...).
    pub kind: String,
    /// `with (...)` properties as text.
    pub properties: Vec<(String, String)>,
}

/// A planned query.
#[derive(Debug)]
pub struct PlannedQuery {
    /// The plan of the query's (first) result.
    pub plan: LogicalPlan,
    /// The `render` hint, if any.
    pub render: Option<RenderHint>,
}

impl PlannedQuery {
    /// The result's columns with their KQL types.
    pub fn columns(&self) -> Vec<(String, panoptes_domain::KqlType)> {
        let fields = self.plan.schema().fields();
        fields.iter().map(|f| (f.name().clone(), crate::types::kql_type(f.data_type()))).collect()
    }
}

/// Plans one query against a catalog. `now_ns` fixes `now()` and `ago()` for the whole query.
pub struct Planner<'a> {
    catalog: &'a dyn TableCatalog,
    now_ns: i64,
    scopes: Vec<HashMap<String, Binding>>,
    render: Option<RenderHint>,
    /// Window expressions requested while planning one operator's expressions.
    pending_windows: Vec<(Expr, String, usize)>,
    /// Nesting level of each window column (a window over another window's result comes later).
    window_levels: HashMap<String, usize>,
    /// Sort keys of the last `sort`/`top`, used to order window functions after `serialize`.
    order: Vec<datafusion::logical_expr::SortExpr>,
    /// Are the rows of the pipeline being planned serialized (window functions need that)?
    serialized: bool,
    /// The same, for the tabular expression planned last (a pipeline's input).
    input_serialized: bool,
    depth: usize,
    next_id: usize,
    /// Runs key-finding queries for data-driven plugins; none when planning on schema alone.
    probe: Option<&'a dyn DataProbe>,
    /// A data-driven plugin ran without a probe: its columns are unknown, so unknown names
    /// bind as dynamic nulls from here on.
    open_schema: bool,
}

impl<'a> Planner<'a> {
    /// A planner over `catalog` with `now()` fixed at `now_ns` (Unix nanoseconds).
    pub fn new(catalog: &'a dyn TableCatalog, now_ns: i64) -> Self {
        Self {
            catalog,
            now_ns,
            scopes: vec![HashMap::new()],
            render: None,
            pending_windows: Vec::new(),
            window_levels: HashMap::new(),
            order: Vec::new(),
            serialized: true,
            input_serialized: true,
            depth: 0,
            next_id: 0,
            probe: None,
            open_schema: false,
        }
    }

    /// Lets data-driven plugins (`pivot`, `bag_unpack`) find their columns by running `probe`.
    pub fn with_probe(mut self, probe: &'a dyn DataProbe) -> Self {
        self.probe = Some(probe);
        self
    }

    /// Plans a parsed query; its first tabular statement is the result.
    pub fn plan_query(mut self, query: &Query) -> PResult<PlannedQuery> {
        let mut results = self.statements(&query.statements)?;
        if results.is_empty() {
            return Err(Diagnostic::error("KQL_NO_RESULT", "the query returns no table", Span::default()));
        }
        let plan = match results.swap_remove(0) {
            Planned::Table(plan) => plan,
            Planned::Scalar(expr) => {
                // A bare scalar statement: print it.
                LogicalPlanBuilder::empty(true)
                    .project(vec![expr.alias("print_0")])
                    .and_then(LogicalPlanBuilder::build)
                    .map_err(|e| df_error(e, Span::default()))?
            }
        };
        Ok(PlannedQuery { plan, render: self.render })
    }

    /// Binds `let`s in the current scope and plans expression statements.
    fn statements(&mut self, statements: &[Statement]) -> PResult<Vec<Planned>> {
        let mut results = Vec::new();
        for statement in statements {
            match statement {
                Statement::Let { name, value } => {
                    let binding = self.plan_let(value)?;
                    self.bind(&name.name, binding);
                }
                Statement::Set { .. } => {}
                Statement::Expr(expr) => results.push(self.any(expr)?),
            }
        }
        Ok(results)
    }

    fn plan_let(&mut self, value: &Ast) -> PResult<Binding> {
        if let ExprKind::Lambda { params, body } = &value.kind {
            return Ok(Binding::Lambda(Rc::new(Lambda { params: params.clone(), body: body.clone() })));
        }
        Ok(match self.any(value)? {
            Planned::Table(plan) => Binding::Table(plan),
            Planned::Scalar(expr) => Binding::Scalar(expr),
        })
    }

    fn bind(&mut self, name: &str, binding: Binding) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.insert(name.to_string(), binding);
        }
    }

    fn lookup(&self, name: &str) -> Option<&Binding> {
        self.scopes.iter().rev().find_map(|s| s.get(name))
    }

    /// Plans an expression that may be tabular or scalar.
    fn any(&mut self, expr: &Ast) -> PResult<Planned> {
        if self.is_tabular(expr) {
            return self.tabular(expr).map(Planned::Table);
        }
        let empty = DFSchema::empty();
        self.scalar(expr, &empty).map(Planned::Scalar)
    }

    /// Does this expression denote a table?
    fn is_tabular(&self, expr: &Ast) -> bool {
        match &expr.kind {
            ExprKind::Pipe(..) | ExprKind::Source(_) => true,
            ExprKind::Name(name) => match self.lookup(name) {
                Some(Binding::Table(_)) => true,
                Some(_) => false,
                None => self.catalog.table(name).is_some() || name.contains('*'),
            },
            ExprKind::Call { name, .. } => match self.lookup(name) {
                Some(Binding::Lambda(lambda)) => lambda_is_tabular(lambda, self),
                _ => matches!(
                    name.as_str(),
                    "materialize"
                        | "view"
                        | "table"
                        | "cluster"
                        | "database"
                        | "workspace"
                        | "app"
                        | "adx"
                        | "_GetWatchlist"
                ),
            },
            ExprKind::Block(statements) => {
                statements.iter().rev().find_map(|s| match s {
                    Statement::Expr(e) => Some(self.is_tabular(e)),
                    _ => None,
                }) == Some(true)
            }
            _ => false,
        }
    }

    /// Plans a tabular expression.
    fn tabular(&mut self, expr: &Ast) -> PResult<LogicalPlan> {
        self.depth += 1;
        if self.depth > 150 {
            return Err(Diagnostic::error("KQL_TOO_DEEP", "the query nests too deeply", expr.span));
        }
        // A subquery planned inside an operator's expressions leaves that pipeline's state.
        let outer = self.serialized;
        let result = self.tabular_inner(expr);
        self.input_serialized = self.serialized;
        self.serialized = outer;
        self.depth -= 1;
        result
    }

    fn tabular_inner(&mut self, expr: &Ast) -> PResult<LogicalPlan> {
        match &expr.kind {
            ExprKind::Pipe(input, op) => {
                let input = self.tabular(input)?;
                self.serialized = self.input_serialized;
                self.operator(input, op, expr.span)
            }
            ExprKind::Source(op) => {
                // Kusto serializes `range` (and a printed row); tables and datatables are not.
                self.serialized = matches!(op.as_ref(), Operator::Range { .. } | Operator::Print(_));
                self.source(op, expr.span)
            }
            ExprKind::Name(name) => {
                // A let-bound table may have been serialized where it was made.
                self.serialized = self.lookup(name).is_some();
                self.table_by_name(name, expr.span)
            }
            ExprKind::Call { name, args, .. } => self.tabular_call(name, args, expr.span),
            ExprKind::Block(statements) => {
                self.scopes.push(HashMap::new());
                let results = self.statements(statements);
                self.scopes.pop();
                match results?.into_iter().next() {
                    Some(Planned::Table(plan)) => Ok(plan),
                    _ => Err(Diagnostic::error("KQL_EXPECTED_TABLE", "expected a tabular expression", expr.span)),
                }
            }
            _ => Err(Diagnostic::error(
                "KQL_EXPECTED_TABLE",
                "expected a table here, found a scalar expression",
                expr.span,
            )),
        }
    }

    fn table_by_name(&mut self, name: &str, span: Span) -> PResult<LogicalPlan> {
        match self.lookup(name) {
            Some(Binding::Table(plan)) => return Ok(plan.clone()),
            Some(Binding::Lambda(lambda)) if lambda.params.is_empty() => {
                let lambda = lambda.clone();
                return match self.invoke_lambda(&lambda, &[], None, span, &DFSchema::empty())? {
                    Planned::Table(plan) => Ok(plan),
                    Planned::Scalar(_) => {
                        Err(Diagnostic::error("KQL_EXPECTED_TABLE", format!("`{name}` is a scalar function"), span))
                    }
                };
            }
            Some(_) => {
                return Err(Diagnostic::error(
                    "KQL_EXPECTED_TABLE",
                    format!("`{name}` is a scalar, not a table"),
                    span,
                ));
            }
            None => {}
        }
        if name.contains('*') {
            return self.union_of_pattern(name, span);
        }
        if self.catalog.table(name).is_none()
            && let Some(legacy) = crate::catalog::legacy_table(name)
        {
            return self.legacy_table(&legacy, span);
        }
        let Some(provider) = self.catalog.table(name) else {
            let names = self.catalog.table_names();
            let mut d = Diagnostic::error("KQL_UNKNOWN_TABLE", format!("unknown table or tabular name `{name}`"), span);
            if let Some(hint) = closest(name, names.iter().map(String::as_str)) {
                d = d.with_help(format!("did you mean `{hint}`?"));
            }
            return Err(d);
        };
        let plan = LogicalPlanBuilder::scan(name, provider_as_source(provider), None)
            .and_then(LogicalPlanBuilder::build)
            .map_err(|e| df_error(e, span))?;
        unqualify(plan, span)
    }

    /// A pre-rename table name: its current table, with the old column names added.
    fn legacy_table(&mut self, legacy: &crate::catalog::LegacyTable, span: Span) -> PResult<LogicalPlan> {
        let plan = self.table_by_name(legacy.current, span)?;
        let names = schema_names(plan.schema());
        let mut exprs: Vec<Expr> = names.iter().map(|n| col(n)).collect();
        for (old, new) in legacy.columns {
            if names.iter().any(|n| n == new) && !names.iter().any(|n| n == old) {
                exprs.push(col(new).alias(*old));
            }
        }
        build(LogicalPlanBuilder::from(plan).project(exprs), span)
    }

    /// The serialized order, if every column it sorts by is still in `schema`.
    pub(crate) fn current_order(&self, schema: &DFSchema) -> Vec<datafusion::logical_expr::SortExpr> {
        let available = self
            .order
            .iter()
            .all(|s| s.expr.column_refs().iter().all(|c| schema.fields().iter().any(|f| f.name() == &c.name)));
        if available { self.order.clone() } else { Vec::new() }
    }

    /// A unique internal column name.
    fn fresh(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("__{prefix}{}", self.next_id)
    }

    /// Runs a user function: binds parameters in a new scope and plans the body.
    fn invoke_lambda(
        &mut self,
        lambda: &Lambda,
        args: &[Ast],
        input: Option<LogicalPlan>,
        span: Span,
        schema: &DFSchema,
    ) -> PResult<Planned> {
        if self.depth > 100 {
            return Err(Diagnostic::error("KQL_RECURSION", "user functions recurse too deeply", span));
        }
        let mut scope = HashMap::new();
        let mut args = args.iter();
        let mut input = input;
        for param in &lambda.params {
            if param.type_name == "*" {
                let plan = match input.take() {
                    Some(plan) => plan,
                    None => match args.next() {
                        Some(arg) => self.tabular(arg)?,
                        None => {
                            return Err(Diagnostic::error(
                                "KQL_ARGUMENTS",
                                format!("missing tabular argument `{}`", param.name.name),
                                span,
                            ));
                        }
                    },
                };
                scope.insert(param.name.name.clone(), Binding::Table(plan));
                continue;
            }
            let value = match args.next() {
                Some(arg) => self.scalar(arg, schema)?,
                None => match &param.default {
                    Some(default) => self.scalar(default, &DFSchema::empty())?,
                    None => {
                        return Err(Diagnostic::error(
                            "KQL_ARGUMENTS",
                            format!("missing argument `{}`", param.name.name),
                            span,
                        ));
                    }
                },
            };
            let value = match panoptes_domain::KqlType::from_name(&param.type_name) {
                Some(t) => binary::cast_to(value, t, schema),
                None => value,
            };
            scope.insert(param.name.name.clone(), Binding::Scalar(value));
        }
        if args.next().is_some() {
            return Err(Diagnostic::error("KQL_ARGUMENTS", "too many arguments to user function", span));
        }
        self.scopes.push(scope);
        self.depth += 1;
        let result = self.lambda_body(&lambda.body, schema, span);
        self.depth -= 1;
        self.scopes.pop();
        result
    }

    fn lambda_body(&mut self, body: &[Statement], schema: &DFSchema, span: Span) -> PResult<Planned> {
        for statement in body {
            match statement {
                Statement::Let { name, value } => {
                    let binding = self.plan_let(value)?;
                    self.bind(&name.name, binding);
                }
                Statement::Set { .. } => {}
                Statement::Expr(expr) => {
                    return if self.is_tabular(expr) {
                        self.tabular(expr).map(Planned::Table)
                    } else {
                        self.scalar(expr, schema).map(Planned::Scalar)
                    };
                }
            }
        }
        Err(Diagnostic::error("KQL_EMPTY_FUNCTION", "the function body returns nothing", span))
    }
}

/// A planned expression: a table or a scalar.
pub(crate) enum Planned {
    Table(LogicalPlan),
    Scalar(Expr),
}

fn lambda_is_tabular(lambda: &Lambda, planner: &Planner<'_>) -> bool {
    lambda.params.iter().any(|p| p.type_name == "*")
        || lambda.body.iter().rev().find_map(|s| match s {
            Statement::Expr(e) => Some(planner.is_tabular(e)),
            _ => None,
        }) == Some(true)
}

/// A one-row, one-column plan as a scalar value (`toscalar`, `has_any (T)`, make-series bounds).
pub(crate) fn scalar_subquery(plan: LogicalPlan) -> Expr {
    Expr::ScalarSubquery(datafusion::logical_expr::Subquery {
        subquery: Arc::new(plan),
        outer_ref_columns: vec![],
        spans: Default::default(),
    })
}

/// A column reference by plain name.
pub(crate) fn col(name: &str) -> Expr {
    Expr::Column(Column::new_unqualified(name))
}

/// Projects every column to its plain name, dropping table qualifiers.
pub(crate) fn unqualify(plan: LogicalPlan, span: Span) -> PResult<LogicalPlan> {
    let exprs: Vec<Expr> = plan
        .schema()
        .iter()
        .map(|(qualifier, field)| Expr::Column(Column::new(qualifier.cloned(), field.name())).alias(field.name()))
        .collect();
    LogicalPlanBuilder::from(plan).project(exprs).and_then(LogicalPlanBuilder::build).map_err(|e| df_error(e, span))
}

/// A DataFusion error as a diagnostic at `span`.
pub(crate) fn df_error(error: datafusion::error::DataFusionError, span: Span) -> Diagnostic {
    let text = error.to_string();
    let message = text
        .lines()
        .next()
        .unwrap_or("")
        .trim_start_matches("Error during planning: ")
        .trim_start_matches("Schema error: ")
        .to_string();
    Diagnostic::error("KQL_PLAN", message, span)
}

pub(crate) fn schema_names(schema: &DFSchema) -> Vec<String> {
    schema.fields().iter().map(|f| f.name().clone()).collect()
}

pub(crate) fn build(builder: datafusion::error::Result<LogicalPlanBuilder>, span: Span) -> PResult<LogicalPlan> {
    builder.and_then(LogicalPlanBuilder::build).map_err(|e| df_error(e, span))
}
