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
        Some(i) => {
            match usize::try_from(i).ok().and_then(|i| parts.get(i).cloned()) {
                Some(item) => Val::Dyn(Json::Array(vec![item])),
                None => Val::Null,
            }
        }
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
    let Some(re) = regex(&format!("^(?:{pattern})")) else { return Val::Null };
    let Some(re_end) = regex(&format!("(?:{pattern})$")) else { return Val::Null };
    // Kusto removes one match at each end, not repeated matches.
    if start {
        if let Some(m) = re.find(&text) {
            text = text[m.end()..].to_string();
        }
    }
    if end {
        if let Some(m) = re_end.find(&text) {
            text.truncate(m.start());
        }
    }
    Val::Str(text)
}

pub(super) fn extract(a: &[Val]) -> Val {
    let Some(re) = regex(&s(a, 0)) else { return Val::Null };
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
    let Some(re) = regex(&s(a, 0)) else { return Val::Null };
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
    let Some(re) = regex(&s(a, 1)) else { return Val::Null };
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

pub(super) fn base64_decode_tostring(a: &[Val]) -> Val {
    match base64_decode(&s(a, 0)) {
        Some(bytes) => Val::Str(String::from_utf8_lossy(&bytes).into_owned()),
        None => Val::Str(String::new()),
    }
}

pub(super) fn base64_decode_toarray(a: &[Val]) -> Val {
    match base64_decode(&s(a, 0)) {
        Some(bytes) => Val::Dyn(Json::Array(bytes.into_iter().map(Json::from).collect())),
        None => Val::Null,
    }
}

pub(super) fn base64_encode_tostring(a: &[Val]) -> Val {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = s(a, 0).into_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    Val::Str(out)
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut buffer = 0u32;
    let mut bits = 0;
    for c in text.trim().bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            b'\r' | b'\n' | b' ' => continue,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

pub(super) fn hash_sha256(a: &[Val]) -> Val {
    let digest = sha256(s(a, 0).as_bytes());
    Val::Str(digest.iter().map(|b| format!("{b:02x}")).collect())
}

/// `hash()`: a stable 64-bit hash (xxhash64 in Kusto; here FNV-1a, stable across runs).
pub(super) fn hash(a: &[Val]) -> Val {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s(a, 0).bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let h = (h >> 1) as i64;
    match long(a, 1) {
        Some(m) if m > 0 => Val::Long(h % m),
        _ => Val::Long(h),
    }
}

fn sha256(data: &[u8]) -> [u8; 32] {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
        0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
        0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
        0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
        0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
        0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
        0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] =
        [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    let mut msg = data.to_vec();
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&((data.len() as u64) * 8).to_be_bytes());
    for chunk in msg.chunks(64) {
        let mut w = [0u32; 64];
        for i in 0..16 {
            w[i] = u32::from_be_bytes([chunk[4 * i], chunk[4 * i + 1], chunk[4 * i + 2], chunk[4 * i + 3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16].wrapping_add(s0).wrapping_add(w[i - 7]).wrapping_add(s1);
        }
        let mut v = h;
        for i in 0..64 {
            let s1 = v[4].rotate_right(6) ^ v[4].rotate_right(11) ^ v[4].rotate_right(25);
            let ch = (v[4] & v[5]) ^ (!v[4] & v[6]);
            let t1 = v[7].wrapping_add(s1).wrapping_add(ch).wrapping_add(K[i]).wrapping_add(w[i]);
            let s0 = v[0].rotate_right(2) ^ v[0].rotate_right(13) ^ v[0].rotate_right(22);
            let maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
            let t2 = s0.wrapping_add(maj);
            v = [t1.wrapping_add(t2), v[0], v[1], v[2], v[3].wrapping_add(t1), v[4], v[5], v[6]];
        }
        for (x, y) in h.iter_mut().zip(v) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 32];
    for (i, word) in h.iter().enumerate() {
        out[4 * i..4 * i + 4].copy_from_slice(&word.to_be_bytes());
    }
    out
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
        Some(Json::Array(items)) => Val::Str(
            items.iter().filter_map(|i| i.as_u64().and_then(|c| char::from_u32(c as u32))).collect(),
        ),
        _ => Val::Str(String::new()),
    }
}

pub(super) fn format_bytes(a: &[Val]) -> Val {
    let Some(value) = a.first().and_then(Val::to_real) else { return Val::Str(String::new()) };
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
