//! The spanned syntax tree. Tabular and scalar expressions share one [`Expr`] type because KQL's
//! grammar does too (`let x = T | where ...` and `let y = 5` look alike until binding).

use crate::diagnostic::Span;

/// A whole query: `let` and `set` statements, then one or more tabular expressions.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// Statements in order.
    pub statements: Vec<Statement>,
}

/// One `;`-separated statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    /// `let name = value`.
    Let { name: Ident, value: Expr },
    /// `set option = value` (accepted and recorded).
    Set { name: String, value: Option<Expr> },
    /// A query expression whose result is returned.
    Expr(Expr),
}

/// A name with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    /// The name as written (quotes removed).
    pub name: String,
    /// Where.
    pub span: Span,
}

/// A literal value.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `null` as a bare word (only inside dynamic literals).
    Null,
    /// `true`/`false`.
    Bool(bool),
    /// An integer.
    Long(i64),
    /// A real.
    Real(f64),
    /// A string.
    String(String),
    /// A timespan in ticks.
    Timespan(i64),
    /// `datetime(raw)`, `timespan(raw)`, `guid(raw)` with the raw text.
    Typed { kind: String, raw: String },
    /// `dynamic(...)` with its parsed JSON-like value.
    Dynamic(DynLiteral),
}

/// The value inside `dynamic(...)`.
#[derive(Debug, Clone, PartialEq)]
pub enum DynLiteral {
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Long(i64),
    /// A real.
    Real(f64),
    /// A string.
    String(String),
    /// A typed literal such as `datetime(...)` inside a dynamic value.
    Typed { kind: String, raw: String },
    /// A timespan in ticks.
    Timespan(i64),
    /// An array.
    Array(Vec<DynLiteral>),
    /// An object, keys in order.
    Object(Vec<(String, DynLiteral)>),
}

/// Binary operators, including KQL's word operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    /// `=~`
    EqCi,
    /// `!~`
    NotEqCi,
    /// A string predicate (`has`, `contains`, `!startswith_cs`, ...).
    Str(StringOp, bool),
    /// `matches regex`
    MatchesRegex,
}

/// The string predicate family; the `bool` beside it in [`BinaryOp::Str`] is negation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StringOp {
    Has,
    HasCs,
    HasPrefix,
    HasPrefixCs,
    HasSuffix,
    HasSuffixCs,
    Contains,
    ContainsCs,
    StartsWith,
    StartsWithCs,
    EndsWith,
    EndsWithCs,
}

impl StringOp {
    /// Parses an operator word without its `!`.
    pub fn from_word(word: &str) -> Option<Self> {
        Some(match word {
            "has" => Self::Has,
            "has_cs" => Self::HasCs,
            "hasprefix" => Self::HasPrefix,
            "hasprefix_cs" => Self::HasPrefixCs,
            "hassuffix" => Self::HasSuffix,
            "hassuffix_cs" => Self::HasSuffixCs,
            "contains" => Self::Contains,
            "contains_cs" => Self::ContainsCs,
            "startswith" => Self::StartsWith,
            "startswith_cs" => Self::StartsWithCs,
            "endswith" => Self::EndsWith,
            "endswith_cs" => Self::EndsWithCs,
            _ => return None,
        })
    }
}

/// A sort key.
#[derive(Debug, Clone, PartialEq)]
pub struct SortKey {
    /// The expression.
    pub expr: Expr,
    /// Ascending? KQL's default is descending.
    pub asc: bool,
    /// Nulls first? `None` means the KQL default for the direction.
    pub nulls_first: Option<bool>,
}

/// A possibly named expression (`Name = expr`, or `(A, B) = expr`).
#[derive(Debug, Clone, PartialEq)]
pub struct NamedExpr {
    /// Output names, if given.
    pub names: Vec<Ident>,
    /// The expression.
    pub expr: Expr,
}

/// `name:type` in `datatable`, `externaldata`, `parse` and lambdas.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnDecl {
    /// Column name.
    pub name: Ident,
    /// Type name as written (`long`, `string`, ...); `*` for a tabular parameter.
    pub type_name: String,
    /// Default value (lambda parameters).
    pub default: Option<Expr>,
}

/// A `name=value` option such as `kind=inner` or `hint.strategy=shuffle`.
#[derive(Debug, Clone, PartialEq)]
pub struct OptionArg {
    /// The option name, lowercase as written.
    pub name: String,
    /// Its value.
    pub value: Expr,
}

/// An expression (scalar or tabular) with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// The node.
    pub kind: ExprKind,
    /// Where.
    pub span: Span,
}

/// Expression nodes.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A literal.
    Literal(Literal),
    /// A name: column, let binding or table.
    Name(String),
    /// `*` (in `arg_max(T, *)`, `count(*)`, ...).
    Star,
    /// `a.b`
    Member(Box<Expr>, String),
    /// `a[i]`
    Index(Box<Expr>, Box<Expr>),
    /// `f(args)`, with named arguments as `OptionArg`s.
    Call { name: String, args: Vec<Expr>, named: Vec<OptionArg> },
    /// `-x`, `+x`
    Neg(Box<Expr>),
    /// `a op b`
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `a in (list)`, `a !in~ (list)`
    In { expr: Box<Expr>, list: Vec<Expr>, negated: bool, ci: bool },
    /// `a has_any (list)` / `has_all`
    HasAnyAll { expr: Box<Expr>, list: Vec<Expr>, all: bool, cs: bool },
    /// `a between (lo .. hi)`
    Between { expr: Box<Expr>, low: Box<Expr>, high: Box<Expr>, negated: bool },
    /// A lambda `(params) { body }`, used by `let f = ...`.
    Lambda { params: Vec<ColumnDecl>, body: Vec<Statement> },
    /// `input | operator`
    Pipe(Box<Expr>, Box<Operator>),
    /// A tabular source that is not a name: `datatable`, `range`, `print`, `union`, ...
    Source(Box<Operator>),
    /// `(T1; T2)` in `fork`-like positions and subqueries with statements.
    Block(Vec<Statement>),
}

/// `on` clause of join/lookup.
#[derive(Debug, Clone, PartialEq)]
pub enum JoinCondition {
    /// `on A, B` (same name on both sides).
    Column(Ident),
    /// `$left.A == $right.B`.
    Pair { left: String, right: String },
    /// A condition not decomposable into key pairs.
    Expr(Expr),
}

/// A tabular operator (after `|`) or a tabular source.
#[derive(Debug, Clone, PartialEq)]
pub enum Operator {
    Where(Expr),
    Project(Vec<NamedExpr>),
    ProjectAway(Vec<Ident>),
    ProjectKeep(Vec<Ident>),
    ProjectRename(Vec<(Ident, Ident)>),
    ProjectReorder(Vec<(Ident, Option<bool>)>),
    Extend(Vec<NamedExpr>),
    Summarize { aggregates: Vec<NamedExpr>, by: Vec<NamedExpr>, options: Vec<OptionArg> },
    Count { name: Option<Ident> },
    Take(Expr),
    Top { count: Expr, by: SortKey, with_others: bool },
    TopNested(Vec<TopNestedLevel>),
    Sort(Vec<SortKey>),
    Distinct(Vec<NamedExpr>),
    Join { options: Vec<OptionArg>, right: Expr, on: Vec<JoinCondition> },
    Lookup { options: Vec<OptionArg>, right: Expr, on: Vec<JoinCondition> },
    Union { options: Vec<OptionArg>, tables: Vec<Expr> },
    MvExpand { options: Vec<OptionArg>, columns: Vec<MvExpandColumn>, limit: Option<Expr> },
    MvApply { options: Vec<OptionArg>, columns: Vec<MvExpandColumn>, subquery: Expr, limit: Option<Expr> },
    Parse { kind_where: bool, options: Vec<OptionArg>, source: Expr, pattern: Vec<ParsePart> },
    ParseKv { source: Expr, columns: Vec<ColumnDecl>, options: Vec<OptionArg> },
    MakeSeries(MakeSeries),
    Evaluate { options: Vec<OptionArg>, plugin: Expr, schema: Option<Vec<ColumnDecl>> },
    Invoke(Expr),
    As { name: Ident, options: Vec<OptionArg> },
    Serialize(Vec<NamedExpr>),
    Render { kind: String, properties: Vec<OptionArg> },
    GetSchema,
    Sample { count: Expr },
    TopHitters { count: Expr, of: Expr, by: Option<Expr> },
    SampleDistinct { count: Expr, column: Expr },
    Search { options: Vec<OptionArg>, tables: Vec<Ident>, predicate: Expr },
    Find { tables: Vec<Ident>, predicate: Expr, project: Vec<NamedExpr> },
    Partition { options: Vec<OptionArg>, by: Ident, subquery: Expr },
    Scan(ScanOp),
    Reduce { by: Expr, options: Vec<OptionArg> },
    Fork(Vec<Expr>),
    Facet { by: Vec<Ident>, with: Option<Expr> },
    Consume,
    Datatable { columns: Vec<ColumnDecl>, values: Vec<Expr> },
    ExternalData { columns: Vec<ColumnDecl>, urls: Vec<Expr> },
    Range { name: Ident, from: Expr, to: Expr, step: Expr },
    Print(Vec<NamedExpr>),
}

/// One level of `top-nested`.
#[derive(Debug, Clone, PartialEq)]
pub struct TopNestedLevel {
    /// `top-nested N`, if given.
    pub count: Option<Expr>,
    /// `of Expr` with an optional name.
    pub of: NamedExpr,
    /// `with others = X`.
    pub others: Option<Expr>,
    /// `by Aggregate` with an optional name.
    pub by: NamedExpr,
    /// `asc` or `desc` (default desc).
    pub asc: bool,
}

/// A column of `mv-expand` / `mv-apply`: `[Name =] expr [to typeof(T)]`.
#[derive(Debug, Clone, PartialEq)]
pub struct MvExpandColumn {
    /// Output name.
    pub name: Option<Ident>,
    /// What to expand.
    pub expr: Expr,
    /// `to typeof(T)`.
    pub to_type: Option<String>,
}

/// A piece of a `parse` pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum ParsePart {
    /// A literal text to match.
    Text(String),
    /// `*`: skip anything.
    Wildcard,
    /// A column to extract, with an optional type.
    Column(Ident, Option<String>),
}

/// `make-series`.
#[derive(Debug, Clone, PartialEq)]
pub struct MakeSeries {
    /// Aggregates with optional `default = v`.
    pub aggregates: Vec<(NamedExpr, Option<Expr>)>,
    /// `on` axis.
    pub on: Expr,
    /// `in range(start, stop, step)` or `from .. to .. step`.
    pub from: Option<Expr>,
    /// End.
    pub to: Option<Expr>,
    /// Step.
    pub step: Expr,
    /// `by` keys.
    pub by: Vec<NamedExpr>,
    /// `kind=nonempty` etc.
    pub options: Vec<OptionArg>,
}

/// `scan`.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanOp {
    /// `with_match_id = Name`.
    pub match_id: Option<Ident>,
    /// `declare (...)`.
    pub declare: Vec<ColumnDecl>,
    /// `with (step ...)`.
    pub steps: Vec<ScanStep>,
}

/// One `step` of `scan`.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanStep {
    /// Step name.
    pub name: Ident,
    /// `output=all|last|none`.
    pub output: Option<String>,
    /// Condition.
    pub condition: Expr,
    /// Assignments `=> a = x, b = y`.
    pub assignments: Vec<(Ident, Expr)>,
}

impl Expr {
    /// Builds an expression.
    pub fn new(kind: ExprKind, span: Span) -> Self {
        Self { kind, span }
    }

    /// The name when this is a plain name.
    pub fn as_name(&self) -> Option<&str> {
        match &self.kind {
            ExprKind::Name(n) => Some(n),
            _ => None,
        }
    }
}
