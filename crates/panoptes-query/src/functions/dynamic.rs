//! Dynamic (JSON) functions: arrays, property bags and sets (row-wise).

use serde_json::{Map, Value as Json};

use super::string::{long, s};
use crate::value::Val;

fn json(a: &[Val], i: usize) -> Json {
    match a.get(i) {
        Some(Val::Str(text)) => serde_json::from_str(text).unwrap_or(Json::Null),
        Some(v) => v.to_json(),
        None => Json::Null,
    }
}

fn array(a: &[Val], i: usize) -> Option<Vec<Json>> {
    match json(a, i) {
        Json::Array(items) => Some(items),
        _ => None,
    }
}

/// Member or index access: `d.key`, `d["key"]`, `d[i]` (negative from the end).
pub(crate) fn get(a: &[Val]) -> Val {
    let base = json(a, 0);
    let value = match (a.get(1), &base) {
        (Some(Val::Int(_) | Val::Long(_)), Json::Array(items)) => {
            let i = a[1].to_long().unwrap_or(0);
            let i = if i < 0 { items.len() as i64 + i } else { i };
            usize::try_from(i).ok().and_then(|i| items.get(i).cloned())
        }
        (Some(key), Json::Object(map)) => map.get(&key.to_kql_string()).cloned(),
        (Some(Val::Dyn(Json::Number(n))), Json::Array(items)) => {
            n.as_i64().and_then(|i| usize::try_from(i).ok()).and_then(|i| items.get(i).cloned())
        }
        _ => None,
    };
    value.map_or(Val::Null, Val::Dyn)
}

pub(super) fn array_length(a: &[Val]) -> Val {
    array(a, 0).map_or(Val::Null, |items| Val::Long(items.len() as i64))
}

pub(super) fn pack_array(a: &[Val]) -> Val {
    Val::Dyn(Json::Array(a.iter().map(Val::to_json).collect()))
}

pub(super) fn bag_pack(a: &[Val]) -> Val {
    let mut map = Map::new();
    for pair in a.chunks(2) {
        if let [key, value] = pair {
            map.insert(key.to_kql_string(), value.to_json());
        }
    }
    Val::Dyn(Json::Object(map))
}

pub(super) fn bag_keys(a: &[Val]) -> Val {
    match json(a, 0) {
        Json::Object(map) => Val::Dyn(Json::Array(map.keys().map(|k| Json::String(k.clone())).collect())),
        _ => Val::Null,
    }
}

pub(super) fn bag_has_key(a: &[Val]) -> Val {
    match json(a, 0) {
        Json::Object(map) => Val::Bool(map.contains_key(&s(a, 1))),
        _ => Val::Bool(false),
    }
}

pub(super) fn bag_merge(a: &[Val]) -> Val {
    let mut out = Map::new();
    for i in 0..a.len() {
        if let Json::Object(map) = json(a, i) {
            for (k, v) in map {
                out.entry(k).or_insert(v);
            }
        }
    }
    Val::Dyn(Json::Object(out))
}

pub(super) fn bag_remove_keys(a: &[Val]) -> Val {
    let Json::Object(mut map) = json(a, 0) else {
        return Val::Null;
    };
    for key in array(a, 1).unwrap_or_default() {
        map.remove(&Val::Dyn(key).to_kql_string());
    }
    Val::Dyn(Json::Object(map))
}

pub(super) fn bag_set_key(a: &[Val]) -> Val {
    let Json::Object(mut map) = json(a, 0) else {
        return Val::Null;
    };
    map.insert(s(a, 1), json(a, 2));
    Val::Dyn(Json::Object(map))
}

pub(super) fn array_concat(a: &[Val]) -> Val {
    // Arguments that are not arrays (null, a bag, a scalar) add nothing, as in Kusto.
    let items = (0..a.len()).filter_map(|i| array(a, i)).flatten();
    Val::Dyn(Json::Array(items.collect()))
}

pub(super) fn array_slice(a: &[Val]) -> Val {
    let Some(items) = array(a, 0) else {
        return Val::Null;
    };
    let len = items.len() as i64;
    let norm = |i: i64| if i < 0 { (len + i).max(0) } else { i.min(len) };
    let start = norm(long(a, 1).unwrap_or(0));
    let end = norm(long(a, 2).unwrap_or(-1)) + 1;
    let end = end.min(len);
    if start >= end {
        return Val::Dyn(Json::Array(Vec::new()));
    }
    Val::Dyn(Json::Array(items[start as usize..end as usize].to_vec()))
}

pub(super) fn array_index_of(a: &[Val]) -> Val {
    let Some(items) = array(a, 0) else {
        return Val::Null;
    };
    let needle = a.get(1).map(Val::to_json).unwrap_or(Json::Null);
    Val::Long(items.iter().position(|i| json_eq(i, &needle)).map_or(-1, |p| p as i64))
}

fn json_eq(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn sort_key(v: &Json) -> (u8, f64, String) {
    match v {
        Json::Null => (9, 0.0, String::new()),
        Json::Bool(b) => (1, f64::from(u8::from(*b)), String::new()),
        Json::Number(n) => (0, n.as_f64().unwrap_or(0.0), String::new()),
        Json::String(s) => (2, 0.0, s.clone()),
        other => (3, 0.0, other.to_string()),
    }
}

fn sorted(a: &[Val], asc: bool) -> Val {
    let Some(mut items) = array(a, 0) else {
        return Val::Null;
    };
    let nulls_last = a.get(1).and_then(Val::to_bool).unwrap_or(true);
    let (nulls, mut rest): (Vec<Json>, Vec<Json>) = items.drain(..).partition(Json::is_null);
    rest.sort_by(|x, y| {
        let (kx, ky) = (sort_key(x), sort_key(y));
        let ord = kx.0.cmp(&ky.0).then(kx.1.total_cmp(&ky.1)).then(kx.2.cmp(&ky.2));
        if asc { ord } else { ord.reverse() }
    });
    let out = if nulls_last { [rest, nulls].concat() } else { [nulls, rest].concat() };
    Val::Dyn(Json::Array(out))
}

pub(super) fn array_sort_asc(a: &[Val]) -> Val {
    sorted(a, true)
}

pub(super) fn array_sort_desc(a: &[Val]) -> Val {
    sorted(a, false)
}

pub(super) fn array_reverse(a: &[Val]) -> Val {
    array(a, 0).map_or(Val::Null, |mut items| {
        items.reverse();
        Val::Dyn(Json::Array(items))
    })
}

/// `array_rotate_left(arr, n)`; `right` rotates the other way (a negative `n` reverses both).
fn rotate(a: &[Val], right: bool) -> Val {
    let Some(mut items) = array(a, 0) else { return Val::Null };
    if items.is_empty() {
        return Val::Dyn(Json::Array(items));
    }
    let n = long(a, 1).unwrap_or(0);
    let left = if right { n.wrapping_neg() } else { n };
    let by = left.rem_euclid(items.len() as i64) as usize;
    items.rotate_left(by);
    Val::Dyn(Json::Array(items))
}

pub(super) fn array_rotate_left(a: &[Val]) -> Val {
    rotate(a, false)
}

pub(super) fn array_rotate_right(a: &[Val]) -> Val {
    rotate(a, true)
}

/// `array_shift_left(arr, n [, fill])`: elements move `n` places, the freed places take `fill`
/// (null by default); `right` shifts the other way, and a negative `n` reverses both.
fn shift(a: &[Val], right: bool) -> Val {
    let Some(items) = array(a, 0) else { return Val::Null };
    let n = long(a, 1).unwrap_or(0);
    let left = if right { n.wrapping_neg() } else { n };
    let fill = match a.get(2) {
        Some(v) => v.to_json(),
        None => Json::Null,
    };
    let len = items.len() as i64;
    let out = (0..len)
        .map(|i| {
            let from = i.saturating_add(left);
            usize::try_from(from).ok().and_then(|from| items.get(from).cloned()).unwrap_or_else(|| fill.clone())
        })
        .collect();
    Val::Dyn(Json::Array(out))
}

pub(super) fn array_shift_left(a: &[Val]) -> Val {
    shift(a, false)
}

pub(super) fn array_shift_right(a: &[Val]) -> Val {
    shift(a, true)
}

/// `array_split(arr, i)` or `array_split(arr, [i, j, ...])`: the pieces between the indices
/// (negative ones count from the end; out-of-range ones clamp).
pub(super) fn array_split(a: &[Val]) -> Val {
    let Some(items) = array(a, 0) else { return Val::Null };
    let len = items.len() as i64;
    let cuts: Vec<i64> = match json(a, 1) {
        Json::Array(list) => list.iter().filter_map(Json::as_i64).collect(),
        Json::Number(n) => n.as_i64().into_iter().collect(),
        _ => return Val::Null,
    };
    let mut pieces = Vec::new();
    let mut start = 0usize;
    for cut in cuts {
        let at = (if cut < 0 { len + cut } else { cut }).clamp(0, len) as usize;
        let end = at.max(start);
        pieces.push(Json::Array(items[start..end].to_vec()));
        start = end;
    }
    pieces.push(Json::Array(items[start..].to_vec()));
    Val::Dyn(Json::Array(pieces))
}

pub(super) fn array_sum(a: &[Val]) -> Val {
    array(a, 0).map_or(Val::Null, |items| Val::Real(items.iter().filter_map(Json::as_f64).sum()))
}

pub(super) fn array_iff(a: &[Val]) -> Val {
    let Some(cond) = array(a, 0) else {
        return Val::Null;
    };
    // Either branch may be one scalar, which stands for every element.
    let branch = |k: usize| array(a, k).ok_or_else(|| a.get(k).map(Val::to_json).unwrap_or(Json::Null));
    let (yes, no) = (branch(1), branch(2));
    let element = |side: &Result<Vec<Json>, Json>, i: usize| match side {
        Ok(items) => items.get(i).cloned().unwrap_or(Json::Null),
        Err(scalar) => scalar.clone(),
    };
    let out = cond
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let pick = Val::Dyn(c.clone()).to_bool().unwrap_or(false);
            element(if pick { &yes } else { &no }, i)
        })
        .collect();
    Val::Dyn(Json::Array(out))
}

pub(super) fn strcat_array(a: &[Val]) -> Val {
    let items = array(a, 0).unwrap_or_default();
    let delim = s(a, 1);
    Val::Str(items.into_iter().map(|i| Val::Dyn(i).to_kql_string()).collect::<Vec<_>>().join(&delim))
}

pub(super) fn set_has_element(a: &[Val]) -> Val {
    let needle = a.get(1).map(Val::to_json).unwrap_or(Json::Null);
    Val::Bool(array(a, 0).unwrap_or_default().iter().any(|i| json_eq(i, &needle)))
}

fn dedup(items: Vec<Json>) -> Vec<Json> {
    let mut out: Vec<Json> = Vec::new();
    for item in items {
        if !out.iter().any(|o| json_eq(o, &item)) {
            out.push(item);
        }
    }
    out
}

pub(super) fn set_union(a: &[Val]) -> Val {
    let mut all = Vec::new();
    for i in 0..a.len() {
        all.extend(array(a, i).unwrap_or_default());
    }
    Val::Dyn(Json::Array(dedup(all)))
}

pub(super) fn set_intersect(a: &[Val]) -> Val {
    let mut acc = dedup(array(a, 0).unwrap_or_default());
    for i in 1..a.len() {
        let other = array(a, i).unwrap_or_default();
        acc.retain(|x| other.iter().any(|o| json_eq(o, x)));
    }
    Val::Dyn(Json::Array(acc))
}

pub(super) fn set_difference(a: &[Val]) -> Val {
    let mut acc = dedup(array(a, 0).unwrap_or_default());
    for i in 1..a.len() {
        let other = array(a, i).unwrap_or_default();
        acc.retain(|x| !other.iter().any(|o| json_eq(o, x)));
    }
    Val::Dyn(Json::Array(acc))
}

pub(super) fn jaccard_index(a: &[Val]) -> Val {
    let x = dedup(array(a, 0).unwrap_or_default());
    let y = dedup(array(a, 1).unwrap_or_default());
    let inter = x.iter().filter(|i| y.iter().any(|o| json_eq(o, i))).count();
    let union = x.len() + y.len() - inter;
    Val::Real(if union == 0 { 0.0 } else { inter as f64 / union as f64 })
}

pub(super) fn zip(a: &[Val]) -> Val {
    let arrays: Vec<Vec<Json>> = (0..a.len()).map(|i| array(a, i).unwrap_or_default()).collect();
    let len = arrays.iter().map(Vec::len).max().unwrap_or(0);
    let out = (0..len)
        .map(|i| Json::Array(arrays.iter().map(|arr| arr.get(i).cloned().unwrap_or(Json::Null)).collect()))
        .collect();
    Val::Dyn(Json::Array(out))
}

pub(super) fn dynamic_to_json(a: &[Val]) -> Val {
    Val::Str(json(a, 0).to_string())
}

/// `extract_json(path, json_text [, type])` with a `$.a.b[0]` path.
pub(super) fn extract_json(a: &[Val]) -> Val {
    let path = s(a, 0);
    let mut current = match a.get(1) {
        Some(Val::Dyn(Json::String(text))) | Some(Val::Str(text)) => serde_json::from_str(text).unwrap_or(Json::Null),
        Some(v) => v.to_json(),
        None => Json::Null,
    };
    let rest = path.trim().trim_start_matches('$');
    for segment in rest.split(['.', '[']).filter(|s| !s.is_empty()) {
        let key = segment.trim_end_matches(']').trim_matches(|c| c == '\'' || c == '"');
        current = match current {
            Json::Object(mut map) => map.remove(key).unwrap_or(Json::Null),
            Json::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i).cloned()).unwrap_or(Json::Null),
            _ => Json::Null,
        };
    }
    let value = Val::Dyn(current);
    match a.get(2) {
        Some(Val::Str(type_name)) => super::convert::convert_to(&value, type_name),
        _ => Val::Str(value.to_kql_string()),
    }
}

pub(super) fn treepath(a: &[Val]) -> Val {
    fn walk(prefix: &str, value: &Json, out: &mut Vec<Json>) {
        match value {
            Json::Object(map) => {
                for (k, v) in map {
                    let path = format!("{prefix}['{k}']");
                    out.push(Json::String(path.clone()));
                    walk(&path, v, out);
                }
            }
            Json::Array(items) => {
                if let Some(first) = items.first() {
                    let path = format!("{prefix}[0]");
                    walk(&path, first, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk("", &json(a, 0), &mut out);
    Val::Dyn(Json::Array(out))
}
