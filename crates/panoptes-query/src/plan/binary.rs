//! Binary operators with KQL typing: arithmetic over numbers, datetimes and timespans,
//! comparisons with dynamic coercion, the string predicate family.

use datafusion::arrow::datatypes::DataType;
use datafusion::common::{DFSchema, ScalarValue};
use datafusion::logical_expr::{BinaryExpr, Expr, ExprSchemable, Operator, cast, lit, when};
use panoptes_domain::KqlType;
use panoptes_kql::ast::{BinaryOp, Expr as Ast};
use panoptes_kql::{Diagnostic, Span};
use serde_json::Value as Json;

use super::{PResult, Planner};
use crate::functions::{self, strops};
use crate::types::{DATETIME, TIMESPAN, arrow_type, kql_type};

impl Planner<'_> {
    pub(super) fn binary(
        &mut self,
        op: BinaryOp,
        left: &Ast,
        right: &Ast,
        span: Span,
        schema: &DFSchema,
    ) -> PResult<Expr> {
        let l = self.scalar(left, schema)?;
        let r = self.scalar(right, schema)?;
        match op {
            BinaryOp::And | BinaryOp::Or => {
                let l = self.as_bool(l, schema, left.span)?;
                let r = self.as_bool(r, schema, right.span)?;
                Ok(if op == BinaryOp::And { l.and(r) } else { l.or(r) })
            }
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod => {
                self.arith(op, l, r, schema, span)
            }
            BinaryOp::Eq | BinaryOp::NotEq | BinaryOp::Lt | BinaryOp::LtEq | BinaryOp::Gt | BinaryOp::GtEq => {
                self.compare(op, l, r, schema, span)
            }
            BinaryOp::EqCi | BinaryOp::NotEqCi => {
                let l = self.as_string(l, schema);
                let r = self.as_string(r, schema);
                let eq = strops::call(strops::StrPredicate::EqualsCi, l, r);
                Ok(if op == BinaryOp::NotEqCi { Expr::Not(Box::new(eq)) } else { eq })
            }
            BinaryOp::Str(string_op, negated) => {
                let l = self.as_string(l, schema);
                let r = self.as_string(r, schema);
                let found = strops::call(strops::StrPredicate::Op(string_op), l, r);
                Ok(if negated { Expr::Not(Box::new(found)) } else { found })
            }
            BinaryOp::MatchesRegex => {
                let l = self.as_string(l, schema);
                let r = self.as_string(r, schema);
                Ok(functions::row_call("matches_regex", KqlType::Bool, functions::matches_regex_fn, vec![l, r]))
            }
        }
    }

    fn as_bool(&self, expr: Expr, schema: &DFSchema, span: Span) -> PResult<Expr> {
        match kql_type(&self.type_of(&expr, schema)) {
            KqlType::Bool => Ok(expr),
            KqlType::Dynamic => Ok(cast_to(expr, KqlType::Bool, schema)),
            other => Err(Diagnostic::error("KQL_TYPE", format!("`and`/`or` need bool operands, found {other}"), span)),
        }
    }

    /// Arithmetic with KQL's result types.
    pub(crate) fn arith(&mut self, op: BinaryOp, l: Expr, r: Expr, schema: &DFSchema, span: Span) -> PResult<Expr> {
        let (lt, rt) = (kql_type(&self.type_of(&l, schema)), kql_type(&self.type_of(&r, schema)));
        use KqlType::*;
        let operator = match op {
            BinaryOp::Add => Operator::Plus,
            BinaryOp::Sub => Operator::Minus,
            BinaryOp::Mul => Operator::Multiply,
            BinaryOp::Div => Operator::Divide,
            _ => Operator::Modulo,
        };
        let ticks = |e: Expr| cast(e, DataType::Int64);
        let raw = |a: Expr, b: Expr| Expr::BinaryExpr(BinaryExpr::new(Box::new(a), operator, Box::new(b)));
        let result = match (lt, rt, op) {
            (Datetime, Timespan, BinaryOp::Add | BinaryOp::Sub) => cast(raw(ticks(l), ticks(r)), DATETIME),
            (Timespan, Datetime, BinaryOp::Add) => cast(raw(ticks(l), ticks(r)), DATETIME),
            (Datetime, Datetime, BinaryOp::Sub) => cast(raw(ticks(l), ticks(r)), TIMESPAN),
            (Timespan, Timespan, BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mod) => {
                cast(safe_div(operator, ticks(l), ticks(r)), TIMESPAN)
            }
            (Timespan, Timespan, BinaryOp::Div) => {
                safe_div(operator, cast(l, DataType::Float64), cast(r, DataType::Float64))
            }
            (Timespan, Int | Long | Real, BinaryOp::Mul | BinaryOp::Div) => {
                cast(safe_div(operator, cast(ticks(l), DataType::Float64), cast(r, DataType::Float64)), DataType::Int64)
                    .cast_to(&TIMESPAN, schema)
                    .unwrap_or_else(|_| Expr::Literal(ScalarValue::DurationNanosecond(None), None))
            }
            (Int | Long | Real, Timespan, BinaryOp::Mul) => cast(
                cast(raw(cast(l, DataType::Float64), cast(ticks(r), DataType::Float64)), DataType::Int64),
                TIMESPAN,
            ),
            (Int | Long | Real | Decimal, Int | Long | Real | Decimal, _) => {
                // Kusto computes int arithmetic in 64 bits.
                let widen = |e: Expr, t: KqlType| {
                    if t == Int { cast(e, DataType::Int64) } else { e }
                };
                let (l, r) = (widen(l, lt), widen(r, rt));
                let real = matches!(lt, Real | Decimal) || matches!(rt, Real | Decimal);
                if op == BinaryOp::Mod {
                    kusto_mod(l, r)
                } else if real {
                    // Real division by zero gives ±infinity or NaN, as in Kusto.
                    Expr::BinaryExpr(BinaryExpr::new(Box::new(l), operator, Box::new(r)))
                } else {
                    safe_div(operator, l, r)
                }
            }
            (Dynamic, Dynamic, _) => {
                return Err(Diagnostic::error(
                    "KQL_TYPE",
                    format!("operator `{}` cannot be applied to two dynamic values", symbol(op)),
                    span,
                )
                .with_help("convert first, e.g. `toint(a) * toint(b)`"));
            }
            (Dynamic, Int | Long | Real, _) | (Int | Long | Real, Dynamic, _) => {
                let target = if matches!((lt, rt), (Real, _) | (_, Real)) { Real } else { Long };
                let l = cast_to(l, if lt == Dynamic { target } else { lt }, schema);
                let r = cast_to(r, if rt == Dynamic { target } else { rt }, schema);
                safe_div(operator, l, r)
            }
            (Datetime | Timespan, Dynamic, _) | (Dynamic, Datetime | Timespan, _) => {
                let l = cast_to(l, if lt == Dynamic { rt } else { lt }, schema);
                let r = cast_to(r, if rt == Dynamic { lt } else { rt }, schema);
                let (nl, nr) = (kql_type(&self.type_of(&l, schema)), kql_type(&self.type_of(&r, schema)));
                if nl == Dynamic || nr == Dynamic {
                    return Err(Diagnostic::error(
                        "KQL_TYPE",
                        format!("operator `{}` cannot be applied to {lt} and {rt}", symbol(op)),
                        span,
                    ));
                }
                return self.arith(op, l, r, schema, span);
            }
            _ => {
                return Err(Diagnostic::error(
                    "KQL_TYPE",
                    format!("operator `{}` cannot be applied to {lt} and {rt}", symbol(op)),
                    span,
                ));
            }
        };
        Ok(result)
    }

    /// Comparison with KQL coercions: dynamic operands take the other side's type; numbers
    /// compare across int/long/real; strings never compare with numbers.
    pub(crate) fn compare(&mut self, op: BinaryOp, l: Expr, r: Expr, schema: &DFSchema, span: Span) -> PResult<Expr> {
        use KqlType::*;
        let (lt, rt) = (kql_type(&self.type_of(&l, schema)), kql_type(&self.type_of(&r, schema)));
        let (l, r) = match (lt, rt) {
            (Dynamic, Dynamic) => {
                return Err(Diagnostic::error(
                    "KQL_TYPE",
                    format!("cannot compare two dynamic values with `{}`", symbol(op)),
                    span,
                )
                .with_help("convert one side first, e.g. `tostring(a) == tostring(b)`"));
            }
            (Bool, Int | Long) | (Int | Long, Bool) => (cast_to(l, Long, schema), cast_to(r, Long, schema)),
            (a, b) if a == b => (l, r),
            // Mixed int/real compares as real (`i between (1.5 .. 2.5)` must not truncate 1.5).
            (Int | Long, Real | Decimal) | (Real | Decimal, Int | Long) => {
                (cast(l, DataType::Float64), cast(r, DataType::Float64))
            }
            (Int | Long | Real | Decimal, Int | Long | Real | Decimal) => (l, r),
            (_, _) if converts(&r, lt, schema) => (l, cast_to(r, lt, schema)),
            (_, _) if converts(&l, rt, schema) => (cast_to(l, rt, schema), r),
            (Dynamic, other) => (cast_to(l, other, schema), r),
            (other, Dynamic) => (l, cast_to(r, other, schema)),
            (Guid, String) | (String, Guid) => (l, r),
            // Real queries compare numeric text with numbers: compare as numbers.
            (String, Int | Long | Real | Decimal) if !is_literal(&l) => (cast_to(l, rt, schema), r),
            (Int | Long | Real | Decimal, String) if !is_literal(&r) => (l, cast_to(r, lt, schema)),
            _ if is_null_literal(&l) || is_null_literal(&r) => (l, r),
            _ => {
                return Err(Diagnostic::error(
                    "KQL_TYPE",
                    format!("cannot compare {lt} with {rt} using `{}`", symbol(op)),
                    span,
                )
                .with_help("convert one side first, e.g. with `tostring()`, `tolong()` or `todatetime()`"));
            }
        };
        // Kusto has no null strings: a null (an unmatched outer-join column, say) is empty.
        let empty = |e: &Expr| matches!(e, Expr::Literal(ScalarValue::Utf8(Some(t)), _) if t.is_empty());
        if matches!(op, BinaryOp::Eq | BinaryOp::NotEq) && (empty(&l) || empty(&r)) {
            let other = if empty(&l) { r } else { l };
            let is_empty = other.clone().is_null().or(other.eq(lit("")));
            return Ok(if op == BinaryOp::Eq { is_empty } else { Expr::Not(Box::new(is_empty)) });
        }
        // Arrow orders reals totally (NaN equals NaN, and sorts above every real); Kusto
        // compares them as IEEE does: NaN equals nothing and no ordering with it holds.
        let real = [&l, &r].iter().any(|side| kql_type(&self.type_of(side, schema)) == Real);
        let not_nan = |side: &Expr| Expr::Not(Box::new(is_nan(side)));
        let operator = match op {
            BinaryOp::Eq => {
                let equal = known_equal(l.clone().eq(r.clone()), &[&l, &r], schema);
                return Ok(if real { equal.and(not_nan(&l)) } else { equal });
            }
            // Kusto: a null compared with a value is unequal, so `!=` keeps null rows.
            BinaryOp::NotEq => {
                let unequal =
                    Expr::BinaryExpr(BinaryExpr::new(Box::new(l.clone()), Operator::IsDistinctFrom, Box::new(r)));
                return Ok(if real { unequal.or(is_nan(&l)) } else { unequal });
            }
            BinaryOp::Lt => Operator::Lt,
            BinaryOp::LtEq => Operator::LtEq,
            BinaryOp::Gt => Operator::Gt,
            _ => Operator::GtEq,
        };
        // Only the side on the greater end needs the guard (`nan > 1`, `1 < nan`).
        let greater = if matches!(op, BinaryOp::Gt | BinaryOp::GtEq) { l.clone() } else { r.clone() };
        let compared = Expr::BinaryExpr(BinaryExpr::new(Box::new(l), operator, Box::new(r)));
        Ok(if real && !is_literal(&greater) { compared.and(not_nan(&greater)) } else { compared })
    }

    pub(super) fn negate(&mut self, inner: Expr, schema: &DFSchema, span: Span) -> PResult<Expr> {
        match kql_type(&self.type_of(&inner, schema)) {
            KqlType::Timespan => Ok(cast(Expr::Negative(Box::new(cast(inner, DataType::Int64))), TIMESPAN)),
            // Kusto's int arithmetic is long: `-int(-2147483648)` is 2147483648.
            KqlType::Int => Ok(Expr::Negative(Box::new(cast(inner, DataType::Int64)))),
            KqlType::Long | KqlType::Real | KqlType::Decimal => Ok(Expr::Negative(Box::new(inner))),
            KqlType::Dynamic => Ok(Expr::Negative(Box::new(cast_to(inner, KqlType::Real, schema)))),
            other => Err(Diagnostic::error("KQL_TYPE", format!("cannot negate a {other}"), span)),
        }
    }
}

/// Kusto's modulo is never negative: `-7 % 3 == 2`, `-7 % -3 == 2`.
fn kusto_mod(l: Expr, r: Expr) -> Expr {
    let abs_r = datafusion::functions::math::expr_fn::abs(r.clone());
    let first = safe_div(Operator::Modulo, l, r);
    let shifted = Expr::BinaryExpr(BinaryExpr::new(Box::new(first), Operator::Plus, Box::new(abs_r.clone())));
    safe_div(Operator::Modulo, shifted, abs_r)
}

/// Integer division and modulo by zero give null instead of failing the query.
fn safe_div(operator: Operator, l: Expr, r: Expr) -> Expr {
    let expr = Expr::BinaryExpr(BinaryExpr::new(Box::new(l), operator, Box::new(r.clone())));
    if matches!(operator, Operator::Divide | Operator::Modulo) {
        let zero = Expr::Literal(ScalarValue::Int64(Some(0)), None);
        let is_zero = cast(r, DataType::Float64).eq(cast(zero, DataType::Float64));
        when(is_zero, Expr::Literal(ScalarValue::Null, None))
            .otherwise(expr)
            .unwrap_or_else(|e| Expr::Literal(ScalarValue::Utf8(Some(e.to_string())), None))
    } else {
        expr
    }
}

fn is_literal(expr: &Expr) -> bool {
    matches!(expr, Expr::Literal(..))
}

/// Is `expr` a literal that converts to `target` without losing its value (`"443"` to long)?
fn converts(expr: &Expr, target: KqlType, schema: &DFSchema) -> bool {
    if target == KqlType::Dynamic || !matches!(expr, Expr::Literal(v, _) if !v.is_null()) {
        return false;
    }
    let converted = cast_to(expr.clone(), target, schema);
    super::sources::constant_value(converted).is_some_and(|v| !v.is_null())
}

/// An equality (or `in`) made two-valued as Kusto's is: false, not null, where a side is null,
/// so `extend b = x == 0` is false for a null `x` and `not(x == 0)` true. Kept a conjunction
/// with the plain equality so that file pruning and bloom filters still see `column = value`.
pub(super) fn known_equal(equal: Expr, sides: &[&Expr], schema: &DFSchema) -> Expr {
    let may_be_null = |side: &&&Expr| match side {
        Expr::Literal(v, _) => v.is_null(),
        other => other.nullable(schema).unwrap_or(true),
    };
    sides.iter().filter(may_be_null).fold(equal, |e, side| e.and((*side).clone().is_not_null()))
}

/// Whether a number is NaN, false (not null) for a null.
fn is_nan(expr: &Expr) -> Expr {
    datafusion::functions::expr_fn::coalesce(vec![
        datafusion::functions::math::expr_fn::isnan(cast(expr.clone(), DataType::Float64)),
        lit(false),
    ])
}

fn is_null_literal(expr: &Expr) -> bool {
    matches!(expr, Expr::Literal(v, _) if v.is_null())
}

fn symbol(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::Add => "+",
        BinaryOp::Sub => "-",
        BinaryOp::Mul => "*",
        BinaryOp::Div => "/",
        BinaryOp::Mod => "%",
        BinaryOp::Eq => "==",
        BinaryOp::NotEq => "!=",
        BinaryOp::Lt => "<",
        BinaryOp::LtEq => "<=",
        BinaryOp::Gt => ">",
        BinaryOp::GtEq => ">=",
        _ => "operator",
    }
}

/// Converts an expression to a KQL type with Kusto's conversion rules (never failing: values
/// that do not convert become null).
pub(crate) fn cast_to(expr: Expr, target: KqlType, schema: &DFSchema) -> Expr {
    let source = expr.get_type(schema).map(|t| kql_type(&t)).unwrap_or(KqlType::Dynamic);
    if source == target {
        return expr;
    }
    use KqlType::*;
    match (source, target) {
        (Int | Long | Real | Decimal | Bool, Int | Long | Real) if source != Bool || target != Real => {
            Expr::TryCast(datafusion::logical_expr::TryCast::new(Box::new(expr), arrow_type(target)))
        }
        _ => {
            let name = target.name();
            let type_literal = Expr::Literal(ScalarValue::Utf8(Some(name.to_string())), None);
            functions::row_call(&format!("to{name}"), target, functions::convert_fn, vec![expr, type_literal])
        }
    }
}

/// A JSON list item as a literal of the given KQL type.
pub(crate) fn json_literal(item: &Json, target: KqlType) -> Expr {
    let value = crate::value::Val::Dyn(item.clone());
    let scalar = match target {
        KqlType::Int | KqlType::Long => ScalarValue::Int64(value.to_long()),
        KqlType::Real | KqlType::Decimal => ScalarValue::Float64(value.to_real()),
        KqlType::Bool => ScalarValue::Boolean(value.to_bool()),
        KqlType::Datetime => ScalarValue::TimestampNanosecond(value.to_datetime(), None),
        KqlType::Timespan => ScalarValue::DurationNanosecond(value.to_timespan()),
        _ => ScalarValue::Utf8(Some(value.to_kql_string())),
    };
    Expr::Literal(scalar, None)
}
