//! The analytic operators with grammars of their own: `make-series`, `top-nested`, `scan`.

use super::{PResult, Parser};
use crate::ast::{MakeSeries, Operator, ScanOp, ScanStep, TopNestedLevel};

impl Parser {
    pub(super) fn make_series(&mut self) -> PResult<Operator> {
        let options = self.options()?;
        let mut aggregates = Vec::new();
        loop {
            let named = self.named_expr()?;
            let default = if self.eat_word("default") {
                self.expect_sym("=")?;
                Some(self.or_expr()?)
            } else {
                None
            };
            aggregates.push((named, default));
            if !self.eat_sym(",") {
                break;
            }
        }
        self.expect_word("on")?;
        // The axis stops before `in range(...)`, so parse below the `in` operator.
        let on = self.additive_expr()?;
        let (mut from, mut to, mut step) = (None, None, None);
        if self.eat_word("in") {
            self.expect_word("range")?;
            self.expect_sym("(")?;
            from = Some(self.or_expr()?);
            self.expect_sym(",")?;
            to = Some(self.or_expr()?);
            self.expect_sym(",")?;
            step = Some(self.or_expr()?);
            self.expect_sym(")")?;
        } else {
            if self.eat_word("from") {
                from = Some(self.or_expr()?);
            }
            if self.eat_word("to") {
                to = Some(self.or_expr()?);
            }
            if self.eat_word("step") {
                step = Some(self.or_expr()?);
            }
        }
        let step = step.ok_or_else(|| self.unexpected("`step` in make-series"))?;
        let by = if self.eat_word("by") { self.named_exprs()? } else { Vec::new() };
        Ok(Operator::MakeSeries(MakeSeries { aggregates, on, from, to, step, by, options }))
    }

    pub(super) fn top_nested(&mut self) -> PResult<Operator> {
        let mut levels = Vec::new();
        loop {
            let count = if self.at_word("of") { None } else { Some(self.or_expr()?) };
            self.expect_word("of")?;
            let of = self.named_expr()?;
            let others = if self.eat_word("with") {
                self.expect_word("others")?;
                self.expect_sym("=")?;
                Some(self.or_expr()?)
            } else {
                None
            };
            self.expect_word("by")?;
            let by = self.named_expr()?;
            let asc = if self.eat_word("asc") {
                true
            } else {
                self.eat_word("desc");
                false
            };
            levels.push(TopNestedLevel { count, of, others, by, asc });
            if !(self.eat_sym(",") && self.eat_word("top-nested")) {
                return Ok(Operator::TopNested(levels));
            }
        }
    }

    pub(super) fn scan(&mut self) -> PResult<Operator> {
        let mut match_id = None;
        let mut declare = Vec::new();
        if self.at_word("with_match_id") {
            self.bump();
            self.expect_sym("=")?;
            match_id = Some(self.ident()?);
        }
        if self.eat_word("declare") {
            declare = self.column_decls()?;
        }
        self.expect_word("with")?;
        self.expect_sym("(")?;
        let mut steps = Vec::new();
        while self.eat_word("step") {
            let name = self.ident()?;
            let mut output = None;
            if self.eat_word("output") {
                self.expect_sym("=")?;
                output = Some(self.ident()?.name);
            }
            self.expect_sym(":")?;
            let condition = self.or_expr()?;
            let mut assignments = Vec::new();
            if self.eat_sym("=>") {
                loop {
                    let target = self.ident()?;
                    self.expect_sym("=")?;
                    assignments.push((target, self.or_expr()?));
                    if !self.eat_sym(",") {
                        break;
                    }
                }
            }
            self.expect_sym(";")?;
            steps.push(ScanStep { name, output, condition, assignments });
        }
        self.expect_sym(")")?;
        Ok(Operator::Scan(ScanOp { match_id, declare, steps }))
    }
}
