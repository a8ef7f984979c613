//! Recursive-descent parser: tokens → [`Query`]. Split by grammar level: this file holds the
//! token cursor and statements, `expr.rs` scalar expressions, `operators.rs` tabular operators.

mod analytics;
mod expr;
mod operators;
mod sources;

use crate::ast::{ColumnDecl, Expr, ExprKind, Ident, Query, Statement};
use crate::diagnostic::{Diagnostic, Span};
use crate::lexer::{Tok, Token, lex};

/// Words Kusto refuses as unquoted column names.
const RESERVED: &[&str] = &["first", "last", "asc", "desc", "true", "false", "has", "to", "missing"];

/// Nesting deeper than this is refused rather than risking the stack.
const MAX_DEPTH: usize = 200;

/// Parses a whole query.
pub fn parse(source: &str) -> Result<Query, Diagnostic> {
    let tokens = lex(source)?;
    let mut parser = Parser { tokens, pos: 0, depth: 0, in_values: false };
    let statements = parser.statements(&[])?;
    if !parser.at_eof() {
        return Err(parser.unexpected("end of query"));
    }
    if !statements.iter().any(|s| matches!(s, Statement::Expr(_))) {
        return Err(Diagnostic::error(
            "KQL_SYNTAX",
            "the query has no tabular expression to return",
            Span::new(source.len(), source.len()),
        )
        .with_help("end the query with a table expression, e.g. `DeviceInfo | take 10`"));
    }
    Ok(Query { statements })
}

pub(crate) struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
    /// Inside `datatable(...)[...]` values, the one place Kusto takes `-9223372036854775808`.
    in_values: bool,
}

type PResult<T> = Result<T, Diagnostic>;

impl Parser {
    fn peek(&self) -> &Tok {
        &self.tokens[self.pos.min(self.tokens.len() - 1)].tok
    }

    fn peek_at(&self, ahead: usize) -> &Tok {
        &self.tokens[(self.pos + ahead).min(self.tokens.len() - 1)].tok
    }

    fn span(&self) -> Span {
        self.tokens[self.pos.min(self.tokens.len() - 1)].span
    }

    fn prev_span(&self) -> Span {
        self.tokens[self.pos.saturating_sub(1)].span
    }

    fn bump(&mut self) -> Token {
        let token = self.tokens[self.pos.min(self.tokens.len() - 1)].clone();
        if self.pos < self.tokens.len() - 1 {
            self.pos += 1;
        }
        token
    }

    fn line_start(&self) -> bool {
        self.tokens[self.pos.min(self.tokens.len() - 1)].line_start
    }

    fn at_eof(&self) -> bool {
        matches!(self.peek(), Tok::Eof)
    }

    fn at_sym(&self, sym: &str) -> bool {
        matches!(self.peek(), Tok::Sym(s) if *s == sym)
    }

    fn at_sym_ahead(&self, ahead: usize, sym: &str) -> bool {
        matches!(self.peek_at(ahead), Tok::Sym(s) if *s == sym)
    }

    fn eat_sym(&mut self, sym: &str) -> bool {
        if self.at_sym(sym) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn expect_sym(&mut self, sym: &str) -> PResult<Span> {
        if self.at_sym(sym) { Ok(self.bump().span) } else { Err(self.unexpected(&format!("`{sym}`"))) }
    }

    /// Is the next token the keyword `word` (case-sensitive, as KQL is)?
    fn at_word(&self, word: &str) -> bool {
        matches!(self.peek(), Tok::Ident(w) if w == word)
    }

    fn at_word_ahead(&self, ahead: usize, word: &str) -> bool {
        matches!(self.peek_at(ahead), Tok::Ident(w) if w == word)
    }

    fn eat_word(&mut self, word: &str) -> bool {
        if self.at_word(word) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn expect_word(&mut self, word: &str) -> PResult<()> {
        if self.eat_word(word) { Ok(()) } else { Err(self.unexpected(&format!("`{word}`"))) }
    }

    fn unexpected(&self, expected: &str) -> Diagnostic {
        let found = match self.peek() {
            Tok::Eof => "end of query".to_string(),
            Tok::Ident(w) | Tok::QuotedIdent(w) => format!("`{w}`"),
            Tok::Str(s) => format!("string \"{s}\""),
            Tok::Int(i) => format!("number {i}"),
            Tok::Real(r) => format!("number {r}"),
            Tok::Timespan(_) => "timespan literal".to_string(),
            Tok::Typed { kind, .. } => format!("{kind} literal"),
            Tok::Sym(s) => format!("`{s}`"),
        };
        Diagnostic::error("KQL_SYNTAX", format!("expected {expected}, found {found}"), self.span())
    }

    /// `open item, item, ... close` (a trailing comma is allowed).
    fn delimited<T>(
        &mut self,
        open: &str,
        close: &str,
        mut item: impl FnMut(&mut Self) -> PResult<T>,
    ) -> PResult<Vec<T>> {
        self.expect_sym(open)?;
        let mut items = Vec::new();
        while !self.at_sym(close) {
            items.push(item(self)?);
            if !self.eat_sym(",") {
                break;
            }
        }
        self.expect_sym(close)?;
        Ok(items)
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Diagnostic::error("KQL_TOO_DEEP", "the query nests too deeply", self.span())
                .with_help("split the query with `let` statements"));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// An identifier (plain or quoted). Keywords are allowed where a name is expected.
    fn ident(&mut self) -> PResult<Ident> {
        match self.peek().clone() {
            Tok::Ident(name) | Tok::QuotedIdent(name) => {
                let span = self.bump().span;
                Ok(Ident { name, span })
            }
            _ => Err(self.unexpected("a name")),
        }
    }

    /// A name that is being defined (a column, a `let`, a parameter): reserved words must be
    /// quoted as `['first']`.
    fn new_name(&mut self) -> PResult<Ident> {
        if let Tok::Ident(word) = self.peek()
            && RESERVED.contains(&word.as_str())
        {
            return Err(Diagnostic::error(
                "KQL_RESERVED",
                format!("`{word}` is a reserved word and cannot name a column"),
                self.span(),
            )
            .with_help(format!("quote it: ['{word}']")));
        }
        self.ident()
    }

    fn at_ident(&self) -> bool {
        matches!(self.peek(), Tok::Ident(_) | Tok::QuotedIdent(_))
    }

    /// Statements up to EOF or one of `terminators` (e.g. `}` for lambda bodies).
    fn statements(&mut self, terminators: &[&str]) -> PResult<Vec<Statement>> {
        let mut statements = Vec::new();
        loop {
            while self.eat_sym(";") {}
            if self.at_eof() || terminators.iter().any(|t| self.at_sym(t)) {
                return Ok(statements);
            }
            statements.push(self.statement()?);
            // Hunting files often hold several queries without `;`: a name or `let` at the start
            // of a line after a complete statement begins the next one.
            if !(self.eat_sym(";") || self.line_start() && self.at_ident()) {
                return Ok(statements);
            }
        }
    }

    fn statement(&mut self) -> PResult<Statement> {
        if self.at_word("let") && !self.at_sym_ahead(1, "=") {
            self.bump();
            let name = self.new_name()?;
            self.expect_sym("=")?;
            let value = self.let_value()?;
            return Ok(Statement::Let { name, value });
        }
        if self.at_word("set") && matches!(self.peek_at(1), Tok::Ident(_)) {
            self.bump();
            let mut name = self.ident()?.name;
            while self.eat_sym(".") {
                name.push('.');
                name.push_str(&self.ident()?.name);
            }
            let value = if self.eat_sym("=") { Some(self.or_expr()?) } else { None };
            return Ok(Statement::Set { name, value });
        }
        if self.at_word("declare") && self.at_word_ahead(1, "query_parameters") {
            self.bump();
            self.bump();
            let start = self.span();
            let params = self.column_decls()?;
            let names = params.iter().map(|p| p.name.name.clone()).collect::<Vec<_>>().join(", ");
            return Err(Diagnostic::error(
                "KQL_UNSUPPORTED",
                format!("query parameters ({names}) must be bound by the caller"),
                start.to(self.prev_span()),
            ));
        }
        Ok(Statement::Expr(self.pipeline()?))
    }

    fn let_value(&mut self) -> PResult<Expr> {
        let start = self.span();
        let is_view = self.at_word("view") && self.at_sym_ahead(1, "(");
        if is_view {
            self.bump();
        }
        if self.at_sym("(") && self.looks_like_lambda() {
            let params = self.column_decls()?;
            self.expect_sym("{")?;
            let body = self.statements(&["}"])?;
            self.expect_sym("}")?;
            return Ok(Expr::new(ExprKind::Lambda { params, body }, start.to(self.prev_span())));
        }
        self.pipeline()
    }

    /// `(` `)` `{`, or `(` name `:` — a lambda's parameter list.
    fn looks_like_lambda(&self) -> bool {
        if self.at_sym_ahead(1, ")") {
            return self.at_sym_ahead(2, "{");
        }
        matches!(self.peek_at(1), Tok::Ident(_) | Tok::QuotedIdent(_)) && self.at_sym_ahead(2, ":")
    }

    /// `(name: type [= default], ...)`; a tabular parameter is `(*)` or `(col:type, *)`.
    fn column_decls(&mut self) -> PResult<Vec<ColumnDecl>> {
        self.expect_sym("(")?;
        let mut decls = Vec::new();
        while !self.at_sym(")") {
            let name = self.new_name()?;
            self.expect_sym(":")?;
            let type_name = if self.at_sym("(") {
                // Tabular parameter: (col:type, ...) or (*).
                let mut depth = 0;
                loop {
                    if self.at_sym("(") {
                        depth += 1;
                    } else if self.at_sym(")") {
                        depth -= 1;
                        if depth == 0 {
                            self.bump();
                            break;
                        }
                    } else if self.at_eof() {
                        return Err(self.unexpected("`)`"));
                    }
                    self.bump();
                }
                "*".to_string()
            } else {
                self.ident()?.name
            };
            let default = if self.eat_sym("=") { Some(self.or_expr()?) } else { None };
            decls.push(ColumnDecl { name, type_name, default });
            if !self.eat_sym(",") {
                break;
            }
        }
        self.expect_sym(")")?;
        Ok(decls)
    }

    /// A tabular-or-scalar expression with `|` operators.
    fn pipeline(&mut self) -> PResult<Expr> {
        self.enter()?;
        let result = self.pipeline_inner();
        self.leave();
        result
    }

    fn pipeline_inner(&mut self) -> PResult<Expr> {
        let start = self.span();
        let mut expr = match self.source_operator()? {
            Some(op) => Expr::new(ExprKind::Source(Box::new(op)), start.to(self.prev_span())),
            None => self.or_expr()?,
        };
        while self.eat_sym("|") {
            let op = self.operator()?;
            expr = Expr::new(ExprKind::Pipe(Box::new(expr), Box::new(op)), start.to(self.prev_span()));
        }
        Ok(expr)
    }
}

#[cfg(test)]
mod tests;
