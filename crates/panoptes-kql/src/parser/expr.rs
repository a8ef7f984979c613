//! Scalar expressions by precedence: or → and → comparison/word operators → additive →
//! multiplicative → unary → postfix (`.`, `[]`) → primary.

use super::{PResult, Parser};
use crate::ast::{BinaryOp, DynLiteral, Expr, ExprKind, Ident, Literal, NamedExpr, OptionArg, StringOp};
use crate::diagnostic::Diagnostic;
use crate::lexer::Tok;

impl Parser {
    pub(super) fn or_expr(&mut self) -> PResult<Expr> {
        self.enter()?;
        let result = self.or_inner();
        self.leave();
        result
    }

    fn or_inner(&mut self) -> PResult<Expr> {
        let mut left = self.and_expr()?;
        while self.eat_word("or") {
            let right = self.and_expr()?;
            left = binary(BinaryOp::Or, left, right);
        }
        Ok(left)
    }

    fn and_expr(&mut self) -> PResult<Expr> {
        let mut left = self.comparison()?;
        while self.eat_word("and") {
            let right = self.comparison()?;
            left = binary(BinaryOp::And, left, right);
        }
        Ok(left)
    }

    fn comparison(&mut self) -> PResult<Expr> {
        let mut left = self.additive()?;
        loop {
            let symbolic = match self.peek() {
                Tok::Sym("==") => Some(BinaryOp::Eq),
                Tok::Sym("!=") | Tok::Sym("<>") => Some(BinaryOp::NotEq),
                Tok::Sym("<") => Some(BinaryOp::Lt),
                Tok::Sym("<=") => Some(BinaryOp::LtEq),
                Tok::Sym(">") => Some(BinaryOp::Gt),
                Tok::Sym(">=") => Some(BinaryOp::GtEq),
                Tok::Sym("=~") => Some(BinaryOp::EqCi),
                Tok::Sym("!~") => Some(BinaryOp::NotEqCi),
                _ => None,
            };
            if let Some(op) = symbolic {
                self.bump();
                let right = self.additive()?;
                left = binary(op, left, right);
                continue;
            }
            let Tok::Ident(word) = self.peek().clone() else {
                return Ok(left);
            };
            let (negated, bare) = match word.strip_prefix('!') {
                Some(rest) => (true, rest.to_string()),
                None => legacy_operator(&word),
            };
            if let Some(op) = StringOp::from_word(&bare) {
                self.bump();
                let right = self.additive()?;
                left = binary(BinaryOp::Str(op, negated), left, right);
                continue;
            }
            match bare.as_str() {
                "in" | "in~" => {
                    self.bump();
                    let list = self.paren_list()?;
                    let span = left.span.to(self.prev_span());
                    let ci = bare == "in~";
                    left = Expr::new(ExprKind::In { expr: Box::new(left), list, negated, ci }, span);
                }
                "has_any" | "has_all" | "has_any_cs" | "has_all_cs" if !negated => {
                    self.bump();
                    let list = self.paren_list()?;
                    let span = left.span.to(self.prev_span());
                    let all = bare.starts_with("has_all");
                    let cs = bare.ends_with("_cs");
                    left = Expr::new(ExprKind::HasAnyAll { expr: Box::new(left), list, all, cs }, span);
                }
                "between" => {
                    self.bump();
                    self.expect_sym("(")?;
                    let low = self.additive()?;
                    self.expect_sym("..")?;
                    let high = self.additive()?;
                    self.expect_sym(")")?;
                    let span = left.span.to(self.prev_span());
                    left = Expr::new(
                        ExprKind::Between { expr: Box::new(left), low: Box::new(low), high: Box::new(high), negated },
                        span,
                    );
                }
                "matches" if !negated && self.at_word_ahead(1, "regex") => {
                    self.bump();
                    self.bump();
                    let right = self.additive()?;
                    left = binary(BinaryOp::MatchesRegex, left, right);
                }
                "like" | "notlike" | "contains_any" => {
                    return Err(Diagnostic::error(
                        "KQL_SYNTAX",
                        format!("`{word}` is not a KQL operator"),
                        self.span(),
                    )
                    .with_help("use `contains`, `startswith`, `endswith` or `matches regex`"));
                }
                _ => return Ok(left),
            }
        }
    }

    /// `( item, item, ... )` where items may be pipelines (subqueries).
    pub(super) fn paren_list(&mut self) -> PResult<Vec<Expr>> {
        self.delimited("(", ")", Self::pipeline)
    }

    pub(super) fn additive_expr(&mut self) -> PResult<Expr> {
        self.additive()
    }

    fn additive(&mut self) -> PResult<Expr> {
        let mut left = self.multiplicative()?;
        loop {
            let op = match self.peek() {
                Tok::Sym("+") => BinaryOp::Add,
                Tok::Sym("-") => BinaryOp::Sub,
                _ => return Ok(left),
            };
            self.bump();
            let right = self.multiplicative()?;
            left = binary(op, left, right);
        }
    }

    fn multiplicative(&mut self) -> PResult<Expr> {
        let mut left = self.unary()?;
        loop {
            let op = match self.peek() {
                Tok::Sym("*") => BinaryOp::Mul,
                Tok::Sym("/") => BinaryOp::Div,
                Tok::Sym("%") => BinaryOp::Mod,
                _ => return Ok(left),
            };
            self.bump();
            let right = self.unary()?;
            left = binary(op, left, right);
        }
    }

    fn unary(&mut self) -> PResult<Expr> {
        let start = self.span();
        if self.eat_sym("-") {
            // The lexer reads the magnitude after `-` as i64::MIN (see `Lexer::number`).
            if matches!(self.peek(), Tok::Int(i64::MIN)) && !self.in_values {
                return Err(Diagnostic::error(
                    "KQL_SYNTAX",
                    "integer literal 9223372036854775808 is out of range for long",
                    self.span(),
                )
                .with_help("write the smallest long as `-9223372036854775807 - 1`"));
            }
            self.enter()?;
            let inner = self.unary();
            self.leave();
            let inner = inner?;
            // Fold negative literals so `-9223372036854775808`-style values stay exact.
            let kind = match inner.kind {
                ExprKind::Literal(Literal::Long(v)) => ExprKind::Literal(Literal::Long(v.wrapping_neg())),
                ExprKind::Literal(Literal::Real(v)) => ExprKind::Literal(Literal::Real(-v)),
                ExprKind::Literal(Literal::Timespan(v)) => ExprKind::Literal(Literal::Timespan(-v)),
                other => ExprKind::Neg(Box::new(Expr::new(other, inner.span))),
            };
            return Ok(Expr::new(kind, start.to(self.prev_span())));
        }
        if self.eat_sym("+") {
            return self.unary();
        }
        self.postfix()
    }

    fn postfix(&mut self) -> PResult<Expr> {
        let mut expr = self.primary()?;
        loop {
            if self.at_sym(".") && matches!(self.peek_at(1), Tok::Ident(_) | Tok::QuotedIdent(_) | Tok::Int(_)) {
                self.bump();
                let member = match self.bump().tok {
                    Tok::Ident(n) | Tok::QuotedIdent(n) => n,
                    Tok::Int(i) => i.to_string(),
                    _ => unreachable!("checked above"),
                };
                let span = expr.span.to(self.prev_span());
                expr = Expr::new(ExprKind::Member(Box::new(expr), member), span);
            } else if self.at_sym(".") && matches!(self.peek_at(1), Tok::Sym("[")) {
                self.bump();
            } else if self.at_sym("[") {
                self.bump();
                let index = self.pipeline()?;
                self.expect_sym("]")?;
                let span = expr.span.to(self.prev_span());
                expr = Expr::new(ExprKind::Index(Box::new(expr), Box::new(index)), span);
            } else if matches!(expr.kind, ExprKind::Name(_))
                && self.at_sym(":")
                && matches!(self.peek_at(1), Tok::Str(_))
            {
                // `search Column:"term"` is `Column has "term"`.
                self.bump();
                let term = self.primary()?;
                let span = expr.span.to(self.prev_span());
                let op = BinaryOp::Str(StringOp::Has, false);
                expr = Expr::new(ExprKind::Binary(op, Box::new(expr), Box::new(term)), span);
            } else if let Tok::QuotedIdent(name) = self.peek().clone() {
                // `d['key']` lexes as a quoted identifier: it is an index here.
                if !matches!(expr.kind, ExprKind::Literal(_)) {
                    self.bump();
                    let span = expr.span.to(self.prev_span());
                    let key = Expr::new(ExprKind::Literal(Literal::String(name)), self.prev_span());
                    expr = Expr::new(ExprKind::Index(Box::new(expr), Box::new(key)), span);
                } else {
                    return Ok(expr);
                }
            } else {
                return Ok(expr);
            }
        }
    }

    fn primary(&mut self) -> PResult<Expr> {
        let start = self.span();
        let literal = match self.peek().clone() {
            Tok::Int(v) => Some(Literal::Long(v)),
            Tok::Real(v) => Some(Literal::Real(v)),
            Tok::Str(s) => Some(Literal::String(s)),
            Tok::Timespan(t) => Some(Literal::Timespan(t)),
            Tok::Typed { kind, raw } => Some(Literal::Typed { kind, raw }),
            _ => None,
        };
        if let Some(mut literal) = literal {
            self.bump();
            // Adjacent string literals concatenate.
            if let Literal::String(s) = &mut literal {
                while let Tok::Str(next) = self.peek().clone() {
                    self.bump();
                    s.push_str(&next);
                }
            }
            return Ok(Expr::new(ExprKind::Literal(literal), start));
        }
        match self.peek().clone() {
            Tok::Sym("(") => {
                self.bump();
                let statements = self.statements(&[")"])?;
                self.expect_sym(")")?;
                let span = start.to(self.prev_span());
                match <[_; 1]>::try_from(statements) {
                    Ok([crate::ast::Statement::Expr(e)]) => Ok(Expr { span, ..e }),
                    Ok([other]) => Ok(Expr::new(ExprKind::Block(vec![other]), span)),
                    Err(statements) => Ok(Expr::new(ExprKind::Block(statements), span)),
                }
            }
            Tok::Sym("*") => {
                self.bump();
                Ok(Expr::new(ExprKind::Star, start))
            }
            Tok::Sym("[") => {
                // A bare array literal, as in `datatable(...)[...]` elsewhere: parse as dynamic.
                let value = self.dynamic_value()?;
                Ok(Expr::new(ExprKind::Literal(Literal::Dynamic(value)), start.to(self.prev_span())))
            }
            Tok::QuotedIdent(name) => {
                self.bump();
                Ok(Expr::new(ExprKind::Name(name), start))
            }
            Tok::Ident(word) => {
                self.bump();
                match word.as_str() {
                    "true" | "True" | "TRUE" => {
                        return Ok(Expr::new(ExprKind::Literal(Literal::Bool(true)), start));
                    }
                    "false" | "False" | "FALSE" => {
                        return Ok(Expr::new(ExprKind::Literal(Literal::Bool(false)), start));
                    }
                    "dynamic" if self.at_sym("(") => {
                        self.bump();
                        let value = self.dynamic_value()?;
                        self.expect_sym(")")?;
                        return Ok(Expr::new(ExprKind::Literal(Literal::Dynamic(value)), start.to(self.prev_span())));
                    }
                    _ => {}
                }
                if self.at_sym("(") {
                    let (args, named) = self.call_args()?;
                    let span = start.to(self.prev_span());
                    return Ok(Expr::new(ExprKind::Call { name: word, args, named }, span));
                }
                Ok(Expr::new(ExprKind::Name(word), start))
            }
            _ => Err(self.unexpected("an expression")),
        }
    }

    /// `(a, b, name = c)`: positional and named arguments.
    pub(super) fn call_args(&mut self) -> PResult<(Vec<Expr>, Vec<OptionArg>)> {
        self.expect_sym("(")?;
        let mut args = Vec::new();
        let mut named = Vec::new();
        while !self.at_sym(")") {
            if self.at_ident() && self.at_sym_ahead(1, "=") {
                let name = self.ident()?.name;
                self.bump();
                let value = self.pipeline()?;
                named.push(OptionArg { name, value });
            } else {
                args.push(self.pipeline()?);
            }
            if !self.eat_sym(",") {
                break;
            }
        }
        self.expect_sym(")")?;
        Ok((args, named))
    }

    /// A JSON-like value inside `dynamic(...)`.
    pub(super) fn dynamic_value(&mut self) -> PResult<DynLiteral> {
        self.enter()?;
        let result = self.dynamic_inner();
        self.leave();
        result
    }

    fn dynamic_inner(&mut self) -> PResult<DynLiteral> {
        let negative = self.eat_sym("-");
        let value = match self.bump().tok {
            Tok::Sym("[") => {
                let mut items = Vec::new();
                while !self.at_sym("]") {
                    items.push(self.dynamic_value()?);
                    if !self.eat_sym(",") {
                        break;
                    }
                }
                self.expect_sym("]")?;
                DynLiteral::Array(items)
            }
            Tok::Sym("{") => {
                let mut entries = Vec::new();
                while !self.at_sym("}") {
                    let key = match self.bump().tok {
                        Tok::Str(s) | Tok::Ident(s) | Tok::QuotedIdent(s) => s,
                        _ => return Err(self.unexpected_prev("an object key")),
                    };
                    self.expect_sym(":")?;
                    entries.push((key, self.dynamic_value()?));
                    if !self.eat_sym(",") {
                        break;
                    }
                }
                self.expect_sym("}")?;
                DynLiteral::Object(entries)
            }
            Tok::Str(mut s) => {
                while let Tok::Str(next) = self.peek().clone() {
                    self.bump();
                    s.push_str(&next);
                }
                DynLiteral::String(s)
            }
            // `['x']` lexes as a quoted identifier; inside dynamic it is a one-element array.
            Tok::QuotedIdent(s) => DynLiteral::Array(vec![DynLiteral::String(s)]),
            Tok::Int(i) => DynLiteral::Long(if negative { i.wrapping_neg() } else { i }),
            Tok::Real(r) => DynLiteral::Real(if negative { -r } else { r }),
            Tok::Timespan(t) => DynLiteral::Timespan(if negative { -t } else { t }),
            Tok::Typed { kind, raw } => DynLiteral::Typed { kind, raw },
            Tok::Ident(w) if w == "null" => DynLiteral::Null,
            Tok::Ident(w) if w == "true" => DynLiteral::Bool(true),
            Tok::Ident(w) if w == "false" => DynLiteral::Bool(false),
            Tok::Ident(w)
                if matches!(w.as_str(), "long" | "int" | "real" | "double" | "bool" | "string" | "dynamic") =>
            {
                // Typed scalars inside dynamic: long(5), real(null), and nested dynamic({...}).
                self.expect_sym("(")?;
                let inner = self.dynamic_value()?;
                self.expect_sym(")")?;
                inner
            }
            _ => {
                return Err(self.unexpected_prev("a dynamic value (array, object, string, number, null)"));
            }
        };
        Ok(value)
    }

    fn unexpected_prev(&mut self, expected: &str) -> Diagnostic {
        self.pos = self.pos.saturating_sub(1);
        self.unexpected(expected)
    }

    /// A list of possibly named expressions: `A = x, y, (B, C) = z`.
    pub(super) fn named_exprs(&mut self) -> PResult<Vec<NamedExpr>> {
        let mut items = Vec::new();
        loop {
            items.push(self.named_expr()?);
            if !self.eat_sym(",") {
                return Ok(items);
            }
        }
    }

    pub(super) fn named_expr(&mut self) -> PResult<NamedExpr> {
        if self.at_ident() && self.at_sym_ahead(1, "=") {
            let name = self.new_name()?;
            self.bump();
            let expr = self.or_expr()?;
            return Ok(NamedExpr { names: vec![name], expr });
        }
        if self.at_sym("(") && self.tuple_names_ahead() {
            self.bump();
            let mut names: Vec<Ident> = Vec::new();
            while !self.at_sym(")") {
                names.push(self.ident()?);
                if !self.eat_sym(",") {
                    break;
                }
            }
            self.expect_sym(")")?;
            self.expect_sym("=")?;
            let expr = self.or_expr()?;
            return Ok(NamedExpr { names, expr });
        }
        Ok(NamedExpr { names: Vec::new(), expr: self.or_expr()? })
    }

    /// `(a, b) =` ahead?
    fn tuple_names_ahead(&self) -> bool {
        let mut i = 1;
        loop {
            if !matches!(self.peek_at(i), Tok::Ident(_) | Tok::QuotedIdent(_)) {
                return false;
            }
            i += 1;
            if self.at_sym_ahead(i, ")") {
                return self.at_sym_ahead(i + 1, "=");
            }
            if !self.at_sym_ahead(i, ",") {
                return false;
            }
            i += 1;
        }
    }
}

/// Old spellings still found in real queries: `notcontains`, `containscs`, `notbetween`, ...
fn legacy_operator(word: &str) -> (bool, String) {
    match word {
        "notcontains" => (true, "contains".into()),
        "containscs" => (false, "contains_cs".into()),
        "notcontainscs" => (true, "contains_cs".into()),
        "nothas" => (true, "has".into()),
        "notbetween" => (true, "between".into()),
        "notin" => (true, "in".into()),
        "startswithcs" => (false, "startswith_cs".into()),
        "endswithcs" => (false, "endswith_cs".into()),
        _ => (false, word.to_string()),
    }
}

fn binary(op: BinaryOp, left: Expr, right: Expr) -> Expr {
    let span = left.span.to(right.span);
    Expr::new(ExprKind::Binary(op, Box::new(left), Box::new(right)), span)
}
