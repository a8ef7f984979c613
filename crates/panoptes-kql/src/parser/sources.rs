//! Tabular sources that start a pipeline (`datatable`, `externaldata`, `range`, `print`,
//! `union`, `search`, `find`, `evaluate`); `union`, `search` and `find` also follow `|`.

use super::{PResult, Parser};
use crate::ast::{Expr, ExprKind, Operator};
use crate::lexer::Tok;

impl Parser {
    /// `[v1, v2, ...]` after `datatable(...)` or `externaldata(...)`. A lone `['a']` lexes as a
    /// quoted identifier; here it is one string value.
    fn bracketed_values(&mut self) -> PResult<Vec<Expr>> {
        if let Tok::QuotedIdent(single) = self.peek().clone() {
            let span = self.bump().span;
            return Ok(vec![Expr::new(ExprKind::Literal(crate::ast::Literal::String(single)), span)]);
        }
        let outer = std::mem::replace(&mut self.in_values, true);
        let values = self.delimited("[", "]", Self::or_expr);
        self.in_values = outer;
        values
    }

    /// A source at the start of a pipeline, if one stands there.
    pub(super) fn source_operator(&mut self) -> PResult<Option<Operator>> {
        let Tok::Ident(word) = self.peek().clone() else {
            return Ok(None);
        };
        let op = match word.as_str() {
            "datatable" if self.at_sym_ahead(1, "(") => {
                self.bump();
                let columns = self.column_decls()?;
                let values = self.bracketed_values()?;
                Operator::Datatable { columns, values }
            }
            "externaldata" if self.at_sym_ahead(1, "(") => {
                self.bump();
                let columns = self.column_decls()?;
                let urls = self.bracketed_values()?;
                if self.eat_word("with") {
                    self.paren_options()?;
                }
                Operator::ExternalData { columns, urls }
            }
            "range"
                if matches!(self.peek_at(1), Tok::Ident(_) | Tok::QuotedIdent(_)) && self.at_word_ahead(2, "from") =>
            {
                self.bump();
                self.range_body()?
            }
            "print" if !self.at_sym_ahead(1, "=") => {
                self.bump();
                if self.at_sym("|") || self.at_sym(";") || self.at_eof() || self.at_sym(")") {
                    Operator::Print(Vec::new())
                } else {
                    Operator::Print(self.named_exprs()?)
                }
            }
            "union" if !self.at_sym_ahead(1, "=") => {
                self.bump();
                self.union_body()?
            }
            "search" if !self.at_sym_ahead(1, "=") && !self.at_sym_ahead(1, "(") => {
                self.bump();
                self.search_body()?
            }
            "find" if !self.at_sym_ahead(1, "=") => {
                self.bump();
                self.find_body()?
            }
            "evaluate" if matches!(self.peek_at(1), Tok::Ident(_)) => {
                self.bump();
                self.evaluate_body()?
            }
            _ => return Ok(None),
        };
        Ok(Some(op))
    }

    pub(super) fn union_body(&mut self) -> PResult<Operator> {
        let options = self.options()?;
        let mut tables = Vec::new();
        loop {
            if self.at_sym("(") {
                tables.push(self.or_expr()?);
            } else {
                let start = self.span();
                let pattern = self.name_patterns_single()?.name;
                let expr = if self.at_sym("(") {
                    let (args, named) = self.call_args()?;
                    Expr::new(ExprKind::Call { name: pattern, args, named }, start.to(self.prev_span()))
                } else {
                    Expr::new(ExprKind::Name(pattern), start.to(self.prev_span()))
                };
                tables.push(expr);
            }
            if !self.eat_sym(",") {
                return Ok(Operator::Union { options, tables });
            }
        }
    }

    pub(super) fn range_body(&mut self) -> PResult<Operator> {
        let name = self.ident()?;
        self.expect_word("from")?;
        let from = self.or_expr()?;
        self.expect_word("to")?;
        let to = self.or_expr()?;
        self.expect_word("step")?;
        let step = self.or_expr()?;
        Ok(Operator::Range { name, from, to, step })
    }

    /// The optional `in (T1, T2*, ...)` of `search` and `find`.
    fn in_tables(&mut self) -> PResult<Vec<crate::ast::Ident>> {
        if !self.eat_word("in") {
            return Ok(Vec::new());
        }
        self.delimited("(", ")", Self::name_patterns_single)
    }

    pub(super) fn search_body(&mut self) -> PResult<Operator> {
        let options = self.options()?;
        let tables = self.in_tables()?;
        let predicate = self.or_expr()?;
        Ok(Operator::Search { options, tables, predicate })
    }

    pub(super) fn find_body(&mut self) -> PResult<Operator> {
        self.options()?;
        let tables = self.in_tables()?;
        self.expect_word("where")?;
        let predicate = self.or_expr()?;
        let project =
            if self.eat_word("project") || self.eat_word("project-smart") { self.named_exprs()? } else { Vec::new() };
        Ok(Operator::Find { tables, predicate, project })
    }

    pub(super) fn evaluate_body(&mut self) -> PResult<Operator> {
        let options = self.options()?;
        let plugin = self.or_expr()?;
        let schema = if self.eat_sym(":") { Some(self.column_decls()?) } else { None };
        Ok(Operator::Evaluate { options, plugin, schema })
    }
}
