//! String functions (row-wise).

use std::cell::RefCell;
use std::collections::HashMap;

use regex::Regex;
use serde_json::Value as Json;

use crate::value::Val;

pub(super) fn s(args: &[Val], i: usize) -> String {
    args.get(i).map(Val::to_kql_string).unwrap_or_default()
}

pub(super) fn long(args: &[Val], i: usize) -> Option<i64> {
    args.get(i).and_then(Val::to_long)
}

thread_local! {
    static REGEX_CACHE: RefCell<HashMap<String, Option<Regex>>> = RefCell::new(HashMap::new());
}

/// A compiled regex, cached per thread; `None` when the pattern does not compile.
pub(crate) fn regex(pattern: &str) -> Option<Regex> {
    REGEX_CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.len() > 256 {
            cache.clear();
        }
        cache.entry(pattern.to_string()).or_insert_with(|| Regex::new(pattern).ok()).clone()
    })
}

pub(super) fn strlen(a: &[Val]) -> Val {
    Val::Long(s(a, 0).chars().count() as i64)
}

pub(super) fn string_size(a: &[Val]) -> Val {
    Val::Long(s(a, 0).len() as i64)
}

pub(super) fn tolower(a: &[Val]) -> Val {
    Val::Str(s(a, 0).to_lowercase())
}

pub(super) fn toupper(a: &[Val]) -> Val {
    Val::Str(s(a, 0).to_uppercase())
}

pub(super) fn strcat(a: &[Val]) -> Val {
    Val::Str(a.iter().map(Val::to_kql_string).collect())
}

pub(super) fn strcat_delim(a: &[Val]) -> Val {
    let delim = s(a, 0);
    Val::Str(a[1.min(a.len())..].iter().map(Val::to_kql_string).collect::<Vec<_>>().join(&delim))
}

pub(super) fn substring(a: &[Val]) -> Val {
    let chars: Vec<char> = s(a, 0).chars().collect();
    let len = chars.len() as i64;
    let start = long(a, 1).unwrap_or(0);
    let start = if start < 0 { (len + start).max(0) } else { start.min(len) };
    let count = match a.get(2) {
        Some(v) if !v.is_null() => v.to_long().unwrap_or(0).max(0),
        _ => len,
    };
    let end = (start + count).min(len);
    Val::Str(chars[start as usize..end.max(start) as usize].iter().collect())
}

pub(super) fn split(a: &[Val]) -> Val {
    let text = s(a, 0);
    let delim = s(a, 1);
    let parts: Vec<Json> = if delim.is_empty() {
        vec![Json::String(text)]
    } else {
        text.split(delim.as_str()).map(|p| Json::String(p.to_string())).collect()
    };
    match a.get(2).and_then(Val::to_long) {
        Some(i) => match usize::try_from(i).ok().and_then(|i| parts.get(i).cloned()) {
            Some(item) => Val::Dyn(Json::Array(vec![item])),
            None => Val::Null,
        },
        None => Val::Dyn(Json::Array(parts)),
    }
}

pub(super) fn replace_string(a: &[Val]) -> Val {
    let lookup = s(a, 1);
    if lookup.is_empty() {
        return Val::Str(s(a, 0));
    }
    Val::Str(s(a, 0).replace(&lookup, &s(a, 2)))
}

pub(super) fn replace_strings(a: &[Val]) -> Val {
    let text = s(a, 0);
    let lookups = json_strings(a.get(1));
    let rewrites = json_strings(a.get(2));
    let mut out = String::new();
    let mut rest = text.as_str();
    'outer: while !rest.is_empty() {
        for (i, l) in lookups.iter().enumerate() {
            if !l.is_empty() && rest.starts_with(l.as_str()) {
                out.push_str(rewrites.get(i).map_or("", String::as_str));
                rest = &rest[l.len()..];
                continue 'outer;
            }
        }
        let c = rest.chars().next().unwrap_or(' ');
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    Val::Str(out)
}

fn json_strings(v: Option<&Val>) -> Vec<String> {
    match v.map(Val::to_json) {
        Some(Json::Array(items)) => items.iter().map(|i| Val::Dyn(i.clone()).to_kql_string()).collect(),
        _ => Vec::new(),
    }
}

/// Kusto's `$1` rewrite syntax is also Rust regex's; `\1` is translated.
fn rewrite_template(rewrite: &str) -> String {
    let re = regex(r"\\(\d)").expect("static pattern compiles");
    re.replace_all(rewrite, "$${$1}").to_string().replace("$${", "${")
}

pub(super) fn replace_regex(a: &[Val]) -> Val {
    let text = s(a, 0);
    match regex(&s(a, 1)) {
        Some(re) => Val::Str(re.replace_all(&text, rewrite_template(&s(a, 2)).as_str()).to_string()),
        None => Val::Null,
    }
}

/// Old argument order: `replace(regex, rewrite, text)`.
pub(super) fn replace_legacy(a: &[Val]) -> Val {
    replace_regex(&[a.get(2).cloned().unwrap_or(Val::Null), a[0].clone(), a.get(1).cloned().unwrap_or(Val::Null)])
}

pub(super) fn trim(a: &[Val]) -> Val {
    trim_impl(a, true, true)
}

pub(super) fn trim_start(a: &[Val]) -> Val {
    trim_impl(a, true, false)
}

pub(super) fn trim_end(a: &[Val]) -> Val {
    trim_impl(a, false, true)
}

fn trim_impl(a: &[Val], start: bool, end: bool) -> Val {
    let pattern = s(a, 0);
    let mut text = s(a, 1);
    let Some(re) = regex(&format!("^(?:{pattern})")) else {
        return Val::Null;
    };
    let Some(re_end) = regex(&format!("(?:{pattern})$")) else {
        return Val::Null;
    };
    // Kusto removes one match at each end, not repeated matches.
    if start && let Some(m) = re.find(&text) {
        text = text[m.end()..].to_string();
    }
    if end && let Some(m) = re_end.find(&text) {
        text.truncate(m.start());
    }
    Val::Str(text)
}

pub(super) fn extract(a: &[Val]) -> Val {
    let Some(re) = regex(&s(a, 0)) else {
        return Val::Null;
    };
    let group = long(a, 1).unwrap_or(0).max(0) as usize;
    let text = s(a, 2);
    let found = re.captures(&text).and_then(|c| c.get(group)).map(|m| m.as_str().to_string());
    match (found, a.get(3)) {
        (Some(text), Some(Val::Str(type_name))) => super::convert::convert_to(&Val::Str(text), type_name),
        (Some(text), _) => Val::Str(text),
        (None, Some(Val::Str(_))) => Val::Null,
        (None, _) => Val::Str(String::new()),
    }
}

pub(super) fn extract_all(a: &[Val]) -> Val {
    let Some(re) = regex(&s(a, 0)) else {
        return Val::Null;
    };
    let (groups, text) = if a.len() >= 3 {
        let groups: Vec<usize> = match a[1].to_json() {
            Json::Array(items) => items.iter().filter_map(|g| g.as_u64().map(|g| g as usize)).collect(),
            _ => Vec::new(),
        };
        (groups, s(a, 2))
    } else {
        (Vec::new(), s(a, 1))
    };
    let mut matches = Vec::new();
    for caps in re.captures_iter(&text) {
        let text_of = |i: usize| Json::String(caps.get(i).map_or("", |m| m.as_str()).to_string());
        if !groups.is_empty() {
            matches.push(Json::Array(groups.iter().map(|&g| text_of(g)).collect()));
        } else if caps.len() == 1 {
            matches.push(text_of(0));
        } else if caps.len() == 2 {
            matches.push(text_of(1));
        } else {
            matches.push(Json::Array((1..caps.len()).map(text_of).collect()));
        }
    }
    if matches.is_empty() { Val::Null } else { Val::Dyn(Json::Array(matches)) }
}

pub(super) fn indexof(a: &[Val]) -> Val {
    let text: Vec<char> = s(a, 0).chars().collect();
    let lookup: Vec<char> = s(a, 1).chars().collect();
    if lookup.is_empty() {
        return Val::Null; // Kusto: an empty lookup has no position
    }
    let start = long(a, 2).unwrap_or(0);
    let length = long(a, 3).unwrap_or(-1);
    let occurrence = long(a, 4).unwrap_or(1).max(1);
    let start = if start < 0 { (text.len() as i64 + start).max(0) } else { start } as usize;
    if start > text.len() {
        return Val::Long(-1);
    }
    let end = if length < 0 { text.len() } else { (start + length as usize).min(text.len()) };
    let mut seen = 0;
    let mut i = start;
    while i + lookup.len() <= end {
        if text[i..i + lookup.len()] == lookup[..] {
            seen += 1;
            if seen == occurrence {
                return Val::Long(i as i64);
            }
        }
        i += 1;
    }
    Val::Long(-1)
}

pub(super) fn indexof_regex(a: &[Val]) -> Val {
    let text = s(a, 0);
    let Some(re) = regex(&s(a, 1)) else {
        return Val::Null;
    };
    Val::Long(re.find(&text).map_or(-1, |m| text[..m.start()].chars().count() as i64))
}

pub(super) fn countof(a: &[Val]) -> Val {
    let text = s(a, 0);
    let search = s(a, 1);
    if s(a, 2) == "regex" {
        return Val::Long(regex(&search).map_or(0, |re| re.find_iter(&text).count() as i64));
    }
    if search.is_empty() {
        return Val::Long(0);
    }
    Val::Long(text.matches(search.as_str()).count() as i64)
}

pub(super) fn reverse(a: &[Val]) -> Val {
    Val::Str(s(a, 0).chars().rev().collect())
}

pub(super) fn strrep(a: &[Val]) -> Val {
    let times = long(a, 1).unwrap_or(0).clamp(0, 1 << 20) as usize;
    let delim = s(a, 2);
    Val::Str(vec![s(a, 0); times].join(&delim))
}

pub(super) fn strcmp(a: &[Val]) -> Val {
    Val::Long(match s(a, 0).cmp(&s(a, 1)) {
        std::cmp::Ordering::Less => -1,
        std::cmp::Ordering::Equal => 0,
        std::cmp::Ordering::Greater => 1,
    })
}

pub(super) fn translate(a: &[Val]) -> Val {
    let from: Vec<char> = s(a, 0).chars().collect();
    let to: Vec<char> = s(a, 1).chars().collect();
    let out = s(a, 2)
        .chars()
        .filter_map(|c| match from.iter().position(|f| *f == c) {
            Some(i) if to.is_empty() => {
                let _ = i;
                None
            }
            Some(i) => Some(*to.get(i).or(to.last()).unwrap_or(&c)),
            None => Some(c),
        })
        .collect();
    Val::Str(out)
}

pub(super) fn url_decode(a: &[Val]) -> Val {
    let bytes = s(a, 0).into_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                match u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"), 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                    }
                    Err(_) => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    Val::Str(String::from_utf8_lossy(&out).into_owned())
}

pub(super) fn url_encode(a: &[Val]) -> Val {
    let mut out = String::new();
    for b in s(a, 0).bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Val::Str(out)
}

pub(super) fn regex_quote(a: &[Val]) -> Val {
    Val::Str(regex::escape(&s(a, 0)))
}

pub(super) fn parse_command_line(a: &[Val]) -> Val {
    let mut args = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut has = false;
    for c in s(a, 0).chars() {
        match c {
            '"' => {
                quoted = !quoted;
                has = true;
            }
            c if c.is_whitespace() && !quoted => {
                if has {
                    args.push(Json::String(std::mem::take(&mut current)));
                    has = false;
                }
            }
            c => {
                current.push(c);
                has = true;
            }
        }
    }
    if has {
        args.push(Json::String(current));
    }
    Val::Dyn(Json::Array(args))
}

pub(super) fn unicode_codepoints_from_string(a: &[Val]) -> Val {
    Val::Dyn(Json::Array(s(a, 0).chars().map(|c| Json::from(c as u32)).collect()))
}

pub(super) fn unicode_codepoints_to_string(a: &[Val]) -> Val {
    match a.first().map(Val::to_json) {
        Some(Json::Array(items)) => {
            Val::Str(items.iter().filter_map(|i| i.as_u64().and_then(|c| char::from_u32(c as u32))).collect())
        }
        _ => Val::Str(String::new()),
    }
}

pub(super) fn format_bytes(a: &[Val]) -> Val {
    let Some(value) = a.first().and_then(Val::to_real) else {
        return Val::Str(String::new());
    };
    let precision = long(a, 1).unwrap_or(0).clamp(0, 10) as usize;
    let units = ["Bytes", "KB", "MB", "GB", "TB", "PB"];
    let mut v = value;
    let mut unit = 0;
    while v.abs() >= 1024.0 && unit + 1 < units.len() {
        v /= 1024.0;
        unit += 1;
    }
    Val::Str(format!("{v:.precision$} {}", units[unit]))
}

/// `parse_csv`: one CSV record's fields, honouring double quotes.
pub(super) fn parse_csv(a: &[Val]) -> Val {
    let text = s(a, 0);
    let mut fields = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                current.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(Json::String(std::mem::take(&mut current))),
            '\n' | '\r' if !quoted => break,
            c => current.push(c),
        }
    }
    fields.push(Json::String(current));
    Val::Dyn(Json::Array(fields))
}
