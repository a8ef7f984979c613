//! Math functions (row-wise).

use crate::value::Val;

fn real(a: &[Val], i: usize) -> Option<f64> {
    a.get(i).and_then(Val::to_real)
}

macro_rules! unary_real {
    ($($name:ident => $f:expr;)*) => {$(
        pub(super) fn $name(a: &[Val]) -> Val {
            real(a, 0).map_or(Val::Null, |x| Val::Real(($f)(x)))
        }
    )*};
}

/// Logarithms of negative numbers are null in Kusto, not NaN (`sqrt(-1)` is NaN, though).
macro_rules! unary_real_nonnegative {
    ($($name:ident => $f:expr;)*) => {$(
        pub(super) fn $name(a: &[Val]) -> Val {
            match real(a, 0) {
                Some(x) if x >= 0.0 || x.is_nan() => Val::Real(($f)(x)),
                _ => Val::Null,
            }
        }
    )*};
}

unary_real_nonnegative! {
    log => f64::ln;
    log10 => f64::log10;
    log2 => f64::log2;
}

unary_real! {
    sqrt => f64::sqrt;
    exp => f64::exp;
    exp2 => f64::exp2;
    exp10 => |x: f64| 10f64.powf(x);
    sin => f64::sin;
    cos => f64::cos;
    tan => f64::tan;
    asin => f64::asin;
    acos => f64::acos;
    atan => f64::atan;
    cot => |x: f64| 1.0 / x.tan();
    degrees => f64::to_degrees;
    radians => f64::to_radians;
    ceiling => f64::ceil;
    gamma => |x: f64| { let mut r = 1.0; let mut v = x - 1.0; while v > 1.0 { r *= v; v -= 1.0; } r };
}

pub(super) fn abs(a: &[Val]) -> Val {
    match a.first() {
        Some(Val::Int(i)) => Val::Long(i64::from(*i).abs()),
        Some(Val::Long(i)) => Val::Long(i.wrapping_abs()),
        Some(Val::Timespan(t)) => Val::Timespan(t.wrapping_abs()),
        Some(v) => v.to_real().map_or(Val::Null, |x| Val::Real(x.abs())),
        None => Val::Null,
    }
}

pub(super) fn sign(a: &[Val]) -> Val {
    match a.first() {
        Some(Val::Int(i)) => Val::Int(i.signum()),
        Some(Val::Long(i)) => Val::Long(i.signum()),
        Some(v) => v.to_real().map_or(Val::Null, |x| Val::Real(if x == 0.0 || x.is_nan() { 0.0 } else { x.signum() })),
        None => Val::Null,
    }
}

pub(super) fn round(a: &[Val]) -> Val {
    let digits = a.get(1).and_then(Val::to_long).unwrap_or(0) as i32;
    match a.first() {
        Some(Val::Int(i)) if digits >= 0 => Val::Int(*i),
        Some(Val::Long(i)) if digits >= 0 => Val::Long(*i),
        Some(v) => v.to_real().map_or(Val::Null, |x| {
            let factor = 10f64.powi(digits);
            let scaled = x * factor;
            // Round half away from zero, as .NET's MidpointRounding.AwayFromZero.
            Val::Real(scaled.round() / factor)
        }),
        None => Val::Null,
    }
}

pub(super) fn pow(a: &[Val]) -> Val {
    match (real(a, 0), real(a, 1)) {
        (Some(x), Some(y)) => Val::Real(x.powf(y)),
        _ => Val::Null,
    }
}

pub(super) fn atan2(a: &[Val]) -> Val {
    match (real(a, 0), real(a, 1)) {
        (Some(y), Some(x)) => Val::Real(y.atan2(x)),
        _ => Val::Null,
    }
}

pub(super) fn isnan(a: &[Val]) -> Val {
    real(a, 0).map_or(Val::Null, |x| Val::Bool(x.is_nan()))
}

pub(super) fn isinf(a: &[Val]) -> Val {
    real(a, 0).map_or(Val::Null, |x| Val::Bool(x.is_infinite()))
}

pub(super) fn isfinite(a: &[Val]) -> Val {
    real(a, 0).map_or(Val::Null, |x| Val::Bool(x.is_finite()))
}

pub(super) fn pi(_: &[Val]) -> Val {
    Val::Real(std::f64::consts::PI)
}

fn extreme(a: &[Val], want_max: bool) -> Val {
    let mut best: Option<&Val> = None;
    for v in a.iter().filter(|v| !v.is_null()) {
        best = match best {
            None => Some(v),
            Some(b) => {
                let ord = compare(v, b);
                if (want_max && ord == std::cmp::Ordering::Greater) || (!want_max && ord == std::cmp::Ordering::Less) {
                    Some(v)
                } else {
                    Some(b)
                }
            }
        };
    }
    best.cloned().unwrap_or(Val::Null)
}

/// Orders two values of comparable kinds (numbers by value, else by text).
pub(crate) fn compare(x: &Val, y: &Val) -> std::cmp::Ordering {
    match (x, y) {
        (Val::Datetime(p), Val::Datetime(q)) | (Val::Timespan(p), Val::Timespan(q)) => p.cmp(q),
        (Val::Str(p), Val::Str(q)) => p.cmp(q),
        _ => match (x.to_real(), y.to_real()) {
            (Some(p), Some(q)) => p.total_cmp(&q),
            _ => x.to_kql_string().cmp(&y.to_kql_string()),
        },
    }
}

pub(super) fn max_of(a: &[Val]) -> Val {
    extreme(a, true)
}

pub(super) fn min_of(a: &[Val]) -> Val {
    extreme(a, false)
}
