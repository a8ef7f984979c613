//! Series functions over dynamic arrays: the layout helpers behind `make-series` and the
//! `series_*` functions real queries use.

use serde_json::Value as Json;

use crate::value::Val;

pub(super) fn numbers(v: Option<&Val>) -> Option<Vec<Option<f64>>> {
    match v.map(Val::to_json) {
        Some(Json::Array(items)) => Some(items.iter().map(Json::as_f64).collect()),
        _ => None,
    }
}

pub(super) fn to_json_number(x: Option<f64>, integral: bool) -> Json {
    match x {
        Some(v) if integral && v.fract() == 0.0 && v.abs() < 9e15 => Json::from(v as i64),
        Some(v) => serde_json::Number::from_f64(v).map_or(Json::Null, Json::Number),
        None => Json::Null,
    }
}

pub(super) fn is_integral(v: Option<&Val>) -> bool {
    match v.map(Val::to_json) {
        Some(Json::Array(items)) => items.iter().all(|i| i.is_null() || i.is_i64() || i.is_u64()),
        _ => false,
    }
}

/// Slot of a row: floor((axis - from) / step); args in ticks or reals.
pub(crate) fn slot(a: &[Val]) -> Val {
    match (a[0].to_real(), a[1].to_real(), a[2].to_real()) {
        (Some(x), Some(from), Some(step)) if step > 0.0 => Val::Long(((x - from) / step).floor() as i64),
        _ => Val::Null,
    }
}

/// Number of slots from `from` to `to` (exclusive when `to` was given, else inclusive).
pub(crate) fn count(a: &[Val]) -> Val {
    let exclusive = a.get(3).and_then(Val::to_bool).unwrap_or(true);
    match (a[0].to_real(), a[1].to_real(), a[2].to_real()) {
        (Some(from), Some(to), Some(step)) if step > 0.0 && to >= from => {
            let n = ((to - from) / step).ceil() as i64;
            let n = if exclusive { n } else { ((to - from) / step).floor() as i64 + 1 };
            Val::Long(n.clamp(0, 1_000_000))
        }
        _ => Val::Long(0),
    }
}

/// Places values at their slots, filling the rest with the default.
pub(crate) fn layout(a: &[Val]) -> Val {
    let n = a.get(2).and_then(Val::to_long).unwrap_or(0).max(0) as usize;
    let default = a.get(3).map(Val::to_json).unwrap_or(Json::Null);
    let mut out = vec![default; n];
    if let (Some(Json::Array(slots)), Some(Json::Array(values))) =
        (a.first().map(Val::to_json), a.get(1).map(Val::to_json))
    {
        for (s, v) in slots.iter().zip(values) {
            if let Some(i) = s.as_i64().and_then(|i| usize::try_from(i).ok())
                && i < n
            {
                out[i] = v;
            }
        }
    }
    Val::Dyn(Json::Array(out))
}

/// The axis values: `from + i * step`, as datetimes, timespans or numbers.
pub(crate) fn axis(a: &[Val]) -> Val {
    let (Some(from), Some(step)) = (a[0].to_real(), a[1].to_real()) else {
        return Val::Dyn(Json::Array(vec![]));
    };
    let n = a.get(2).and_then(Val::to_long).unwrap_or(0).max(0);
    let kind = a.get(3).map(Val::to_kql_string).unwrap_or_default();
    let values = (0..n)
        .map(|i| {
            let v = from + i as f64 * step;
            match kind.as_str() {
                "datetime" => Json::String(crate::format::datetime((v as i64).saturating_mul(1))),
                "timespan" => Json::String(crate::format::timespan(v as i64)),
                "long" | "int" => Json::from(v as i64),
                _ => serde_json::Number::from_f64(v).map_or(Json::Null, Json::Number),
            }
        })
        .collect();
    Val::Dyn(Json::Array(values))
}

pub(crate) fn fill_forward(a: &[Val]) -> Val {
    fill(a, true)
}

pub(crate) fn fill_backward(a: &[Val]) -> Val {
    fill(a, false)
}

fn fill(a: &[Val], forward: bool) -> Val {
    let Some(mut values) = numbers(a.first()) else {
        return Val::Null;
    };
    let integral = is_integral(a.first());
    let mut last: Option<f64> = None;
    let indexes: Vec<usize> = if forward { (0..values.len()).collect() } else { (0..values.len()).rev().collect() };
    for i in indexes {
        match values[i] {
            Some(v) => last = Some(v),
            None => values[i] = last,
        }
    }
    Val::Dyn(Json::Array(values.into_iter().map(|v| to_json_number(v, integral)).collect()))
}

pub(crate) fn fill_const(a: &[Val]) -> Val {
    let Some(values) = numbers(a.first()) else {
        return Val::Null;
    };
    let constant = a.get(1).and_then(Val::to_real).unwrap_or(0.0);
    let integral = is_integral(a.first()) && constant.fract() == 0.0;
    Val::Dyn(Json::Array(values.into_iter().map(|v| to_json_number(Some(v.unwrap_or(constant)), integral)).collect()))
}

pub(crate) fn fill_linear(a: &[Val]) -> Val {
    let Some(mut values) = numbers(a.first()) else {
        return Val::Null;
    };
    let known: Vec<usize> = (0..values.len()).filter(|&i| values[i].is_some()).collect();
    for w in known.windows(2) {
        let (i, j) = (w[0], w[1]);
        let (vi, vj) = (values[i].unwrap_or(0.0), values[j].unwrap_or(0.0));
        for (offset, slot) in values[i + 1..j].iter_mut().enumerate() {
            let k = i + 1 + offset;
            *slot = Some(vi + (vj - vi) * (k - i) as f64 / (j - i) as f64);
        }
    }
    Val::Dyn(Json::Array(values.into_iter().map(|v| to_json_number(v, false)).collect()))
}

fn elementwise(a: &[Val], op: fn(f64, f64) -> f64) -> Val {
    let (Some(x), Some(y)) = (
        numbers(a.first()),
        numbers(a.get(1)).or_else(|| a.get(1).and_then(Val::to_real).map(|c| vec![Some(c); 1 << 20])),
    ) else {
        return Val::Null;
    };
    let integral = is_integral(a.first()) && is_integral(a.get(1));
    let out = x
        .iter()
        .zip(y.iter())
        .map(|(p, q)| match (p, q) {
            (Some(p), Some(q)) => to_json_number(Some(op(*p, *q)), integral),
            _ => Json::Null,
        })
        .collect();
    Val::Dyn(Json::Array(out))
}

pub(crate) fn add(a: &[Val]) -> Val {
    elementwise(a, |p, q| p + q)
}

pub(crate) fn subtract(a: &[Val]) -> Val {
    elementwise(a, |p, q| p - q)
}

pub(crate) fn multiply(a: &[Val]) -> Val {
    elementwise(a, |p, q| p * q)
}

pub(crate) fn divide(a: &[Val]) -> Val {
    let (Some(x), Some(y)) = (numbers(a.first()), numbers(a.get(1))) else {
        return Val::Null;
    };
    let out = x
        .iter()
        .zip(y.iter())
        .map(|(p, q)| match (p, q) {
            (Some(p), Some(q)) => to_json_number(Some(p / q), false),
            _ => Json::Null,
        })
        .collect();
    Val::Dyn(Json::Array(out))
}

/// `series_stats_dynamic`: min, max, avg, stdev, variance of a series as a bag.
pub(crate) fn stats_dynamic(a: &[Val]) -> Val {
    let values: Vec<f64> = numbers(a.first()).unwrap_or_default().into_iter().flatten().collect();
    let n = values.len() as f64;
    let mut map = serde_json::Map::new();
    if values.is_empty() {
        return Val::Dyn(Json::Object(map));
    }
    let avg = values.iter().sum::<f64>() / n;
    let variance = if n > 1.0 { values.iter().map(|v| (v - avg).powi(2)).sum::<f64>() / (n - 1.0) } else { 0.0 };
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let min_idx = values.iter().position(|v| *v == min).unwrap_or(0);
    let max_idx = values.iter().position(|v| *v == max).unwrap_or(0);
    for (k, v) in [
        ("min", min),
        ("min_idx", min_idx as f64),
        ("max", max),
        ("max_idx", max_idx as f64),
        ("avg", avg),
        ("stdev", variance.sqrt()),
        ("variance", variance),
    ] {
        map.insert(k.into(), to_json_number(Some(v), k.ends_with("idx")));
    }
    Val::Dyn(Json::Object(map))
}

/// `series_decompose_anomalies`: a robust z-score per point (deviation from the median over
/// the median absolute deviation); +1 / -1 beyond the threshold (default 1.5), else 0. Kusto
/// also removes seasonality and trend first; this simpler score is documented as a deviation.
pub(crate) fn decompose_anomalies(a: &[Val]) -> Val {
    let values: Vec<Option<f64>> = numbers(a.first()).unwrap_or_default();
    let threshold = a.get(1).and_then(Val::to_real).unwrap_or(1.5);
    let mut present: Vec<f64> = values.iter().flatten().copied().collect();
    present.sort_by(f64::total_cmp);
    let median = |v: &[f64]| if v.is_empty() { 0.0 } else { v[v.len() / 2] };
    let m = median(&present);
    let mut deviations: Vec<f64> = present.iter().map(|v| (v - m).abs()).collect();
    deviations.sort_by(f64::total_cmp);
    let mad = median(&deviations).max(1e-9) * 1.4826;
    let flags = values
        .iter()
        .map(|v| match v {
            Some(v) if (v - m) / mad > threshold => Json::from(1),
            Some(v) if (v - m) / mad < -threshold => Json::from(-1),
            _ => Json::from(0),
        })
        .collect();
    Val::Dyn(Json::Array(flags))
}

/// `range(start, stop, step)` as an array.
pub(crate) fn range(a: &[Val]) -> Val {
    let (Some(start), Some(stop)) = (a.first().and_then(Val::to_real), a.get(1).and_then(Val::to_real)) else {
        return Val::Null;
    };
    let step = a.get(2).and_then(Val::to_real).unwrap_or(1.0);
    if step == 0.0 {
        return Val::Null;
    }
    let integral = a.iter().all(|v| matches!(v, Val::Int(_) | Val::Long(_)));
    let mut out = Vec::new();
    let mut v = start;
    while (step > 0.0 && v <= stop) || (step < 0.0 && v >= stop) {
        out.push(to_json_number(Some(v), integral));
        v += step;
        if out.len() >= 1_048_576 {
            break;
        }
    }
    Val::Dyn(Json::Array(out))
}

/// `[flags, scores, baseline]` for tuple assignment of `series_decompose_anomalies`.
pub(crate) fn decompose_all(a: &[Val]) -> Val {
    let values: Vec<Option<f64>> = numbers(a.first()).unwrap_or_default();
    let mut present: Vec<f64> = values.iter().flatten().copied().collect();
    present.sort_by(f64::total_cmp);
    let median = if present.is_empty() { 0.0 } else { present[present.len() / 2] };
    let mut deviations: Vec<f64> = present.iter().map(|v| (v - median).abs()).collect();
    deviations.sort_by(f64::total_cmp);
    let mad = if deviations.is_empty() { 1e-9 } else { deviations[deviations.len() / 2].max(1e-9) * 1.4826 };
    let scores: Vec<Json> = values.iter().map(|v| to_json_number(v.map(|v| (v - median) / mad), false)).collect();
    let baseline: Vec<Json> = values.iter().map(|_| to_json_number(Some(median), false)).collect();
    let Val::Dyn(flags) = decompose_anomalies(a) else {
        return Val::Null;
    };
    Val::Dyn(Json::Array(vec![flags, Json::Array(scores), Json::Array(baseline)]))
}
