//! More `series_*` functions: element-wise comparisons and math, linear regression, Pearson
//! correlation, FIR and IIR filters. A missing or non-numeric element stays null.

use serde_json::Value as Json;

use super::series::{numbers, to_json_number};
use crate::value::Val;

/// The second operand of an element-wise function: a series, or one number for every element.
fn operand(value: Option<&Val>, len: usize) -> Option<Vec<Option<f64>>> {
    numbers(value).or_else(|| value.and_then(Val::to_real).map(|c| vec![Some(c); len]))
}

fn compare(a: &[Val], op: fn(f64, f64) -> bool) -> Val {
    let Some(x) = numbers(a.first()) else { return Val::Null };
    let Some(y) = operand(a.get(1), x.len()) else { return Val::Null };
    let out = x.iter().zip(&y).map(|(l, r)| match (l, r) {
        (Some(l), Some(r)) => Json::Bool(op(*l, *r)),
        _ => Json::Null,
    });
    Val::Dyn(Json::Array(out.collect()))
}

pub(crate) fn greater(a: &[Val]) -> Val {
    compare(a, |l, r| l > r)
}

pub(crate) fn greater_equals(a: &[Val]) -> Val {
    compare(a, |l, r| l >= r)
}

pub(crate) fn less(a: &[Val]) -> Val {
    compare(a, |l, r| l < r)
}

pub(crate) fn less_equals(a: &[Val]) -> Val {
    compare(a, |l, r| l <= r)
}

pub(crate) fn equals(a: &[Val]) -> Val {
    compare(a, |l, r| l == r)
}

pub(crate) fn not_equals(a: &[Val]) -> Val {
    compare(a, |l, r| l != r)
}

/// An element-wise function of one series (`series_abs`, `series_log`, ...); whole numbers
/// stay whole where the function keeps them so.
fn map(a: &[Val], keeps_integers: bool, op: fn(f64) -> f64) -> Val {
    let Some(x) = numbers(a.first()) else { return Val::Null };
    let integral = keeps_integers && super::series::is_integral(a.first());
    let out = x.into_iter().map(|v| to_json_number(v.map(op).filter(|r| !r.is_nan()), integral));
    Val::Dyn(Json::Array(out.collect()))
}

pub(crate) fn abs(a: &[Val]) -> Val {
    map(a, true, f64::abs)
}

pub(crate) fn sign(a: &[Val]) -> Val {
    map(a, true, |v| if v == 0.0 { 0.0 } else { v.signum() })
}

pub(crate) fn ceiling(a: &[Val]) -> Val {
    map(a, true, f64::ceil)
}

pub(crate) fn floor(a: &[Val]) -> Val {
    map(a, true, f64::floor)
}

pub(crate) fn exp(a: &[Val]) -> Val {
    map(a, false, f64::exp)
}

pub(crate) fn log(a: &[Val]) -> Val {
    map(a, false, f64::ln)
}

pub(crate) fn sqrt(a: &[Val]) -> Val {
    map(a, false, f64::sqrt)
}

pub(crate) fn pow(a: &[Val]) -> Val {
    let Some(x) = numbers(a.first()) else { return Val::Null };
    let Some(p) = a.get(1).and_then(Val::to_real) else { return Val::Null };
    Val::Dyn(Json::Array(x.into_iter().map(|v| to_json_number(v.map(|v| v.powf(p)), false)).collect()))
}

/// Least-squares line over the points (1, s[0]), (2, s[1]), ...: rsquare, slope, variance,
/// residual variance, interception and the fitted line.
fn fit_line(a: &[Val]) -> Option<(f64, f64, f64, f64, f64, Vec<f64>)> {
    let y: Vec<f64> = numbers(a.first())?.into_iter().map(|v| v.unwrap_or(0.0)).collect();
    let n = y.len() as f64;
    if y.is_empty() {
        return None;
    }
    let mean_x = (n + 1.0) / 2.0;
    let mean_y = y.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (i, v) in y.iter().enumerate() {
        let dx = (i + 1) as f64 - mean_x;
        sxy += dx * (v - mean_y);
        sxx += dx * dx;
        syy += (v - mean_y) * (v - mean_y);
    }
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    let interception = mean_y - slope * mean_x;
    let line: Vec<f64> = (1..=y.len()).map(|x| interception + slope * x as f64).collect();
    let residual: f64 = y.iter().zip(&line).map(|(v, f)| (v - f).powi(2)).sum();
    let divisor = if n > 1.0 { n - 1.0 } else { 1.0 };
    let rsquare = if syy > 0.0 { 1.0 - residual / syy } else { 1.0 };
    Some((rsquare, slope, syy / divisor, residual / divisor, interception, line))
}

fn number(v: f64) -> Json {
    to_json_number(Some(v), false)
}

/// `series_fit_line` as one value: its first result, the rsquare.
pub(crate) fn fit_line_first(a: &[Val]) -> Val {
    fit_line(a).map_or(Val::Null, |(rsquare, ..)| Val::Real(rsquare))
}

/// `series_fit_line` with every result, in order (for `(rsquare, slope, ...) = ...`).
pub(crate) fn fit_line_all(a: &[Val]) -> Val {
    let Some((rsquare, slope, variance, rvariance, interception, line)) = fit_line(a) else { return Val::Null };
    let line = Json::Array(line.into_iter().map(number).collect());
    let results = [rsquare, slope, variance, rvariance, interception].into_iter().map(number);
    Val::Dyn(Json::Array(results.chain([line]).collect()))
}

/// `series_fit_line_dynamic`: the same results as a property bag.
pub(crate) fn fit_line_dynamic(a: &[Val]) -> Val {
    let Val::Dyn(Json::Array(results)) = fit_line_all(a) else { return Val::Null };
    let names = ["rsquare", "slope", "variance", "rvariance", "interception", "line_fit"];
    Val::Dyn(Json::Object(names.iter().map(|n| n.to_string()).zip(results).collect()))
}

/// `series_stats` as one value: its first result, the minimum.
pub(crate) fn stats_first(a: &[Val]) -> Val {
    match super::series::stats_dynamic(a) {
        Val::Dyn(Json::Object(map)) => map.get("min").and_then(Json::as_f64).map_or(Val::Null, Val::Real),
        _ => Val::Null,
    }
}

/// `series_stats` with every result: min, min_idx, max, max_idx, avg, variance, stdev.
pub(crate) fn stats_all(a: &[Val]) -> Val {
    let Val::Dyn(Json::Object(map)) = super::series::stats_dynamic(a) else { return Val::Null };
    let names = ["min", "min_idx", "max", "max_idx", "avg", "variance", "stdev"];
    Val::Dyn(Json::Array(names.iter().map(|n| map.get(*n).cloned().unwrap_or(Json::Null)).collect()))
}

/// `series_pearson_correlation(s1, s2)`.
pub(crate) fn pearson_correlation(a: &[Val]) -> Val {
    let (Some(x), Some(y)) = (numbers(a.first()), numbers(a.get(1))) else { return Val::Null };
    let pairs: Vec<(f64, f64)> = x.iter().zip(&y).filter_map(|(l, r)| Some(((*l)?, (*r)?))).collect();
    if pairs.is_empty() {
        return Val::Null;
    }
    let n = pairs.len() as f64;
    let (mx, my) = (pairs.iter().map(|p| p.0).sum::<f64>() / n, pairs.iter().map(|p| p.1).sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (l, r) in &pairs {
        sxy += (l - mx) * (r - my);
        sxx += (l - mx) * (l - mx);
        syy += (r - my) * (r - my);
    }
    Val::Real(sxy / (sxx * syy).sqrt())
}

/// `series_fir(s, filter [, normalize = true [, center = false]])`: each element is the
/// filter's weighted sum of it and the elements before it (around it when centered); elements
/// before the start count as 0.
pub(crate) fn fir(a: &[Val]) -> Val {
    let (Some(x), Some(filter)) = (numbers(a.first()), numbers(a.get(1))) else { return Val::Null };
    let mut filter: Vec<f64> = filter.into_iter().map(|w| w.unwrap_or(0.0)).collect();
    let normalize = a.get(2).and_then(Val::to_bool).unwrap_or(true);
    let center = a.get(3).and_then(Val::to_bool).unwrap_or(false);
    let total: f64 = filter.iter().sum();
    if normalize && total != 0.0 {
        filter.iter_mut().for_each(|w| *w /= total);
    }
    let shift = if center { (filter.len().saturating_sub(1) / 2) as isize } else { 0 };
    let integral = super::series::is_integral(a.first()) && filter.iter().all(|w| w.fract() == 0.0);
    let out = (0..x.len() as isize).map(|i| {
        let sum: f64 = filter
            .iter()
            .enumerate()
            .filter_map(|(j, w)| {
                usize::try_from(i + shift - j as isize).ok().and_then(|k| x.get(k)).map(|v| w * v.unwrap_or(0.0))
            })
            .sum();
        to_json_number(Some(sum), integral)
    });
    Val::Dyn(Json::Array(out.collect()))
}

/// `series_iir(s, numerators, denominators)`: y[n] = (Σ b[i]·x[n−i] − Σ_{j≥1} a[j]·y[n−j]) / a[0].
pub(crate) fn iir(a: &[Val]) -> Val {
    let (Some(x), Some(b), Some(den)) = (numbers(a.first()), numbers(a.get(1)), numbers(a.get(2))) else {
        return Val::Null;
    };
    let b: Vec<f64> = b.into_iter().map(|v| v.unwrap_or(0.0)).collect();
    let den: Vec<f64> = den.into_iter().map(|v| v.unwrap_or(0.0)).collect();
    let Some(&a0) = den.first().filter(|a0| **a0 != 0.0) else { return Val::Null };
    let x: Vec<f64> = x.into_iter().map(|v| v.unwrap_or(0.0)).collect();
    let mut y: Vec<f64> = Vec::with_capacity(x.len());
    for n in 0..x.len() {
        let forward: f64 = b.iter().enumerate().filter(|(i, _)| *i <= n).map(|(i, w)| w * x[n - i]).sum();
        let feedback: f64 = den.iter().enumerate().skip(1).filter(|(j, _)| *j <= n).map(|(j, w)| w * y[n - j]).sum();
        y.push((forward - feedback) / a0);
    }
    let integral =
        super::series::is_integral(a.first()) && b.iter().chain(&den).all(|w| w.fract() == 0.0) && a0.abs() == 1.0;
    Val::Dyn(Json::Array(y.into_iter().map(|v| to_json_number(Some(v), integral)).collect()))
}
