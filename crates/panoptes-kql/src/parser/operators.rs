//! Tabular operators (after `|`) and tabular sources (`datatable`, `range`, `print`, `union`, ...).

use super::{PResult, Parser};
use crate::ast::{Expr, ExprKind, Ident, JoinCondition, MvExpandColumn, Operator, OptionArg, ParsePart, SortKey};
use crate::diagnostic::Diagnostic;
use crate::lexer::Tok;

impl Parser {
    /// One operator after `|`.
    pub(super) fn operator(&mut self) -> PResult<Operator> {
        let start = self.span();
        let Tok::Ident(word) = self.peek().clone() else {
            return Err(self.unexpected("a tabular operator such as `where`, `project` or `summarize`"));
        };
        self.bump();
        let op = match word.as_str() {
            "where" | "filter" => Operator::Where(self.or_expr()?),
            "project" => Operator::Project(self.named_exprs()?),
            "extend" => Operator::Extend(self.named_exprs()?),
            "project-away" => Operator::ProjectAway(self.name_patterns()?),
            "project-keep" => Operator::ProjectKeep(self.name_patterns()?),
            "project-rename" => {
                let mut pairs = Vec::new();
                loop {
                    let new = self.ident()?;
                    self.expect_sym("=")?;
                    let old = self.ident()?;
                    pairs.push((new, old));
                    if !self.eat_sym(",") {
                        break;
                    }
                }
                Operator::ProjectRename(pairs)
            }
            "project-reorder" => {
                let mut items = Vec::new();
                loop {
                    let name = self.name_patterns_single()?;
                    let order = if self.eat_word("asc") || self.eat_word("granny-asc") {
                        Some(true)
                    } else if self.eat_word("desc") || self.eat_word("granny-desc") {
                        Some(false)
                    } else {
                        None
                    };
                    items.push((name, order));
                    if !self.eat_sym(",") {
                        break;
                    }
                }
                Operator::ProjectReorder(items)
            }
            "project-smart" => Operator::Project(Vec::new()),
            "summarize" => {
                let options = self.options()?;
                let aggregates = if self.at_word("by") { Vec::new() } else { self.named_exprs()? };
                let by = if self.eat_word("by") { self.named_exprs()? } else { Vec::new() };
                Operator::Summarize { aggregates, by, options }
            }
            "count" => {
                let name = if self.eat_word("as") { Some(self.ident()?) } else { None };
                Operator::Count { name }
            }
            "take" | "limit" => {
                self.options()?;
                Operator::Take(self.or_expr()?)
            }
            "top" => {
                let count = self.or_expr()?;
                self.expect_word("by")?;
                let by = self.sort_key()?;
                let with_others = false;
                Operator::Top { count, by, with_others }
            }
            "top-nested" => self.top_nested()?,
            "sort" | "order" => {
                self.options()?;
                self.expect_word("by")?;
                let mut keys = vec![self.sort_key()?];
                while self.eat_sym(",") {
                    keys.push(self.sort_key()?);
                }
                Operator::Sort(keys)
            }
            "distinct" => Operator::Distinct(self.named_exprs()?),
            "join" | "lookup" => {
                let options = self.options()?;
                let right = self.or_expr()?;
                let on = if self.eat_word("on") { self.join_conditions()? } else { Vec::new() };
                if word == "join" {
                    Operator::Join { options, right, on }
                } else {
                    Operator::Lookup { options, right, on }
                }
            }
            "union" => self.union_body()?,
            "mv-expand" | "mvexpand" => {
                let options = self.options()?;
                let columns = self.mv_columns()?;
                let limit = if self.eat_word("limit") { Some(self.or_expr()?) } else { None };
                Operator::MvExpand { options, columns, limit }
            }
            "mv-apply" | "mvapply" => {
                let options = self.options()?;
                let columns = self.mv_columns()?;
                let limit = if self.eat_word("limit") { Some(self.or_expr()?) } else { None };
                self.expect_word("on")?;
                let subquery = self.subquery_body()?;
                Operator::MvApply { options, columns, subquery, limit }
            }
            "parse" | "parse-where" => {
                let options = self.options()?;
                let source = self.or_expr()?;
                self.expect_word("with")?;
                let pattern = self.parse_pattern()?;
                Operator::Parse { kind_where: word == "parse-where", options, source, pattern }
            }
            "parse-kv" => {
                let source = self.or_expr()?;
                self.expect_word("as")?;
                let columns = self.column_decls()?;
                let options = if self.eat_word("with") { self.paren_options()? } else { Vec::new() };
                Operator::ParseKv { source, columns, options }
            }
            "make-series" => self.make_series()?,
            "evaluate" => self.evaluate_body()?,
            "invoke" => Operator::Invoke(self.or_expr()?),
            "as" => {
                let options = self.options()?;
                Operator::As { name: self.ident()?, options }
            }
            "serialize" => {
                if self.at_sym("|") || self.at_eof() || self.at_sym(";") || self.at_sym(")") {
                    Operator::Serialize(Vec::new())
                } else {
                    Operator::Serialize(self.named_exprs()?)
                }
            }
            "render" => {
                let kind = self.ident()?.name;
                let mut properties = Vec::new();
                if self.eat_word("with") {
                    properties = self.paren_options()?;
                } else {
                    // Legacy form: `render timechart kind=stacked`.
                    while self.at_ident() && self.at_sym_ahead(1, "=") {
                        properties.push(self.option()?);
                    }
                }
                Operator::Render { kind, properties }
            }
            "getschema" => Operator::GetSchema,
            "sample" => Operator::Sample { count: self.or_expr()? },
            "top-hitters" => {
                let count = self.or_expr()?;
                self.expect_word("of")?;
                let of = self.or_expr()?;
                let by = if self.eat_word("by") { Some(self.or_expr()?) } else { None };
                Operator::TopHitters { count, of, by }
            }
            "sample-distinct" => {
                let count = self.or_expr()?;
                self.expect_word("of")?;
                Operator::SampleDistinct { count, column: self.or_expr()? }
            }
            "search" => self.search_body()?,
            "find" => self.find_body()?,
            "partition" => {
                let options = self.options()?;
                self.expect_word("by")?;
                let by = self.ident()?;
                let options = [options, self.options()?].concat();
                let subquery = if self.at_sym("{") {
                    self.bump();
                    let body = self.pipeline_tail()?;
                    self.expect_sym("}")?;
                    body
                } else {
                    self.subquery_body()?
                };
                Operator::Partition { options, by, subquery }
            }
            "scan" => self.scan()?,
            "reduce" => {
                self.options()?;
                self.expect_word("by")?;
                let by = self.or_expr()?;
                let mut options = Vec::new();
                if self.eat_word("with") {
                    loop {
                        options.push(self.option()?);
                        if !self.eat_sym(",") {
                            break;
                        }
                    }
                }
                Operator::Reduce { by, options }
            }
            "fork" => {
                let mut branches = Vec::new();
                while self.at_sym("(") || (self.at_ident() && self.at_sym_ahead(1, "=")) {
                    if !self.at_sym("(") {
                        self.ident()?;
                        self.bump();
                    }
                    branches.push(self.subquery_body()?);
                }
                Operator::Fork(branches)
            }
            "facet" => {
                self.expect_word("by")?;
                let by = self.name_patterns()?;
                let with = if self.eat_word("with") { Some(self.subquery_body()?) } else { None };
                Operator::Facet { by, with }
            }
            "consume" => {
                self.options()?;
                Operator::Consume
            }
            "datatable" | "range" | "print" | "externaldata" => {
                return Err(Diagnostic::error(
                    "KQL_SYNTAX",
                    format!("`{word}` starts a query; it cannot follow `|`"),
                    start,
                ));
            }
            _ => {
                let known = [
                    "where",
                    "project",
                    "extend",
                    "summarize",
                    "count",
                    "take",
                    "limit",
                    "top",
                    "sort",
                    "order",
                    "distinct",
                    "join",
                    "lookup",
                    "union",
                    "mv-expand",
                    "mv-apply",
                    "parse",
                    "parse-where",
                    "parse-kv",
                    "make-series",
                    "evaluate",
                    "invoke",
                    "as",
                    "serialize",
                    "render",
                    "getschema",
                    "project-away",
                    "project-rename",
                    "project-reorder",
                    "project-keep",
                    "sample",
                    "search",
                    "find",
                    "partition",
                    "scan",
                    "top-nested",
                    "reduce",
                    "fork",
                    "facet",
                    "sample-distinct",
                    "top-hitters",
                ];
                let mut diagnostic =
                    Diagnostic::error("KQL_UNKNOWN_OPERATOR", format!("unknown tabular operator `{word}`"), start);
                if let Some(hint) = crate::diagnostic::closest(&word, known) {
                    diagnostic = diagnostic.with_help(format!("did you mean `{hint}`?"));
                }
                return Err(diagnostic);
            }
        };
        Ok(op)
    }

    /// `name=value` options (`kind=inner`, `hint.strategy=shuffle`, `withsource=T`).
    pub(super) fn options(&mut self) -> PResult<Vec<OptionArg>> {
        let mut options = Vec::new();
        while self.at_option_name() && self.option_ahead() {
            options.push(self.option()?);
        }
        Ok(options)
    }

    /// Operator options are a closed set, so `x = expr` after them is never mistaken for one.
    pub(super) fn at_option_name(&self) -> bool {
        let Tok::Ident(word) = self.peek() else {
            return false;
        };
        let word = word.to_ascii_lowercase();
        word.starts_with("hint")
            || matches!(
                word.as_str(),
                "kind"
                    | "withsource"
                    | "with_source"
                    | "with_itemindex"
                    | "bagexpansion"
                    | "isfuzzy"
                    | "flags"
                    | "decodeblocks"
                    | "bin_legacy"
                    | "threshold"
                    | "characters"
                    | "with_match_id"
            )
    }

    /// Is `a.b.c =` (a dotted option name) ahead?
    pub(super) fn option_ahead(&self) -> bool {
        let mut i = 1;
        while self.at_sym_ahead(i, ".") && matches!(self.peek_at(i + 1), Tok::Ident(_)) {
            i += 2;
        }
        self.at_sym_ahead(i, "=")
    }

    pub(super) fn option(&mut self) -> PResult<OptionArg> {
        let mut name = self.ident()?.name;
        while self.eat_sym(".") {
            name.push('.');
            name.push_str(&self.ident()?.name);
        }
        self.expect_sym("=")?;
        // A bare word is the value itself (`kind=inner (...)` must not parse as a call).
        let value = match self.peek().clone() {
            Tok::Ident(word) if !self.at_sym_ahead(1, ".") => {
                let span = self.bump().span;
                Expr::new(ExprKind::Name(word), span)
            }
            _ => self.or_expr()?,
        };
        Ok(OptionArg { name, value })
    }

    /// `(name = value, ...)`.
    pub(super) fn paren_options(&mut self) -> PResult<Vec<OptionArg>> {
        self.delimited("(", ")", Self::option)
    }

    /// Names with `*` wildcards: `Col*, *Id, Exact`.
    pub(super) fn name_patterns(&mut self) -> PResult<Vec<Ident>> {
        let mut names = vec![self.name_patterns_single()?];
        while self.eat_sym(",") {
            names.push(self.name_patterns_single()?);
        }
        Ok(names)
    }

    pub(super) fn sort_key(&mut self) -> PResult<SortKey> {
        let expr = self.or_expr()?;
        let asc = if self.eat_word("asc") {
            true
        } else {
            self.eat_word("desc");
            false
        };
        let nulls_first = if self.eat_word("nulls") {
            if self.eat_word("first") {
                Some(true)
            } else {
                self.expect_word("last")?;
                Some(false)
            }
        } else {
            None
        };
        Ok(SortKey { expr, asc, nulls_first })
    }

    fn join_conditions(&mut self) -> PResult<Vec<JoinCondition>> {
        let mut conditions = Vec::new();
        loop {
            let expr = self.or_expr()?;
            flatten_join_condition(expr, &mut conditions);
            if !self.eat_sym(",") {
                return Ok(conditions);
            }
        }
    }

    pub(super) fn name_patterns_single(&mut self) -> PResult<Ident> {
        let start = self.span();
        let mut name = String::new();
        loop {
            match self.peek().clone() {
                Tok::Ident(w) | Tok::QuotedIdent(w) if name.is_empty() || name.ends_with('*') => {
                    self.bump();
                    name.push_str(&w);
                }
                Tok::Sym("*") => {
                    self.bump();
                    name.push('*');
                }
                // `*1` (columns ending in 1, as left by join).
                Tok::Int(digits) if name.ends_with('*') => {
                    self.bump();
                    name.push_str(&digits.to_string());
                }
                _ => break,
            }
            if self.span().start != self.prev_span().end {
                break;
            }
        }
        if name.is_empty() {
            return Err(self.unexpected("a table name"));
        }
        Ok(Ident { name, span: start.to(self.prev_span()) })
    }

    fn mv_columns(&mut self) -> PResult<Vec<MvExpandColumn>> {
        let mut columns = Vec::new();
        loop {
            let named = self.named_expr()?;
            let to_type = if self.eat_word("to") {
                self.expect_word("typeof")?;
                self.expect_sym("(")?;
                let t = self.ident()?.name;
                self.expect_sym(")")?;
                Some(t)
            } else {
                None
            };
            columns.push(MvExpandColumn { name: named.names.into_iter().next(), expr: named.expr, to_type });
            if !self.eat_sym(",") {
                return Ok(columns);
            }
        }
    }

    /// `( subquery )` whose input is the outer row set: starts with operators, not a table.
    pub(super) fn subquery_body(&mut self) -> PResult<Expr> {
        self.expect_sym("(")?;
        let body = self.pipeline_tail()?;
        self.expect_sym(")")?;
        Ok(body)
    }

    /// `op | op | ...` applied to an implicit input named `$input`.
    pub(super) fn pipeline_tail(&mut self) -> PResult<Expr> {
        let start = self.span();
        let mut expr = Expr::new(ExprKind::Name("$input".into()), start);
        self.eat_sym("|");
        loop {
            let op = self.operator()?;
            expr = Expr::new(ExprKind::Pipe(Box::new(expr), Box::new(op)), start.to(self.prev_span()));
            if !self.eat_sym("|") {
                return Ok(expr);
            }
        }
    }

    fn parse_pattern(&mut self) -> PResult<Vec<ParsePart>> {
        let mut parts = Vec::new();
        loop {
            match self.peek().clone() {
                Tok::Str(s) => {
                    self.bump();
                    parts.push(ParsePart::Text(s));
                }
                Tok::Sym("*") => {
                    self.bump();
                    parts.push(ParsePart::Wildcard);
                }
                Tok::Ident(_) | Tok::QuotedIdent(_) => {
                    let name = self.new_name()?;
                    let type_name = if self.eat_sym(":") { Some(self.ident()?.name) } else { None };
                    parts.push(ParsePart::Column(name, type_name));
                }
                _ => return Ok(parts),
            }
        }
    }
}

/// Splits `$left.A == $right.B and C` into key pairs and names.
fn flatten_join_condition(expr: Expr, out: &mut Vec<JoinCondition>) {
    use crate::ast::BinaryOp;
    match expr.kind {
        ExprKind::Binary(BinaryOp::And, left, right) => {
            flatten_join_condition(*left, out);
            flatten_join_condition(*right, out);
        }
        ExprKind::Name(name) => out.push(JoinCondition::Column(Ident { name, span: expr.span })),
        ExprKind::Binary(BinaryOp::Eq, ref left, ref right) => match (side_column(left), side_column(right)) {
            (Some(("$left", l)), Some(("$right", r))) => out.push(JoinCondition::Pair { left: l, right: r }),
            (Some(("$right", r)), Some(("$left", l))) => out.push(JoinCondition::Pair { left: l, right: r }),
            _ => out.push(JoinCondition::Expr(expr)),
        },
        _ => out.push(JoinCondition::Expr(expr)),
    }
}

fn side_column(expr: &Expr) -> Option<(&'static str, String)> {
    if let ExprKind::Member(base, name) = &expr.kind {
        match base.as_name() {
            Some("$left") => return Some(("$left", name.clone())),
            Some("$right") => return Some(("$right", name.clone())),
            _ => {}
        }
    }
    None
}
