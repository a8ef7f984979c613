//! IP address and URL functions (row-wise). Geo lookups need a GeoIP database, which this
//! instance does not ship: they return empty values, not errors.

use std::net::{Ipv4Addr, Ipv6Addr};

use serde_json::{Map, Value as Json};

use super::string::s;
use crate::value::Val;

/// Parses `a.b.c.d` or `a.b.c.d/n` into (address, prefix length).
fn ipv4_with_prefix(text: &str) -> Option<(u32, u32)> {
    let (addr, prefix) = match text.trim().split_once('/') {
        Some((a, p)) => (a, p.parse::<u32>().ok().filter(|p| *p <= 32)?),
        None => (text.trim(), 32),
    };
    Some((u32::from(addr.parse::<Ipv4Addr>().ok()?), prefix))
}

fn mask(prefix: u32) -> u32 {
    if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) }
}

pub(super) fn parse_ipv4(a: &[Val]) -> Val {
    ipv4_with_prefix(&s(a, 0)).map_or(Val::Null, |(ip, p)| Val::Long(i64::from(ip & mask(p))))
}

/// An IPv6 or IPv4 address (IPv4 maps into `::ffff:0:0/96`) with an optional prefix length,
/// masked: (address, prefix in IPv6 bits).
fn ipv6_with_prefix(text: &str) -> Option<u128> {
    let text = text.trim();
    let (addr, prefix) = match text.split_once('/') {
        Some((a, p)) => (a, Some(p.trim().parse::<u32>().ok()?)),
        None => (text, None),
    };
    let (ip, prefix) = match addr.parse::<Ipv6Addr>() {
        Ok(v6) => (u128::from(v6), prefix.unwrap_or(128)),
        Err(_) => {
            let v4 = addr.parse::<Ipv4Addr>().ok()?;
            (u128::from(v4.to_ipv6_mapped()), prefix.map_or(128, |p| p + 96))
        }
    };
    if prefix > 128 {
        return None;
    }
    let mask = if prefix == 0 { 0 } else { u128::MAX << (128 - prefix) };
    Some(ip & mask)
}

/// `parse_ipv6`: the canonical form, eight four-digit hex groups.
pub(super) fn parse_ipv6(a: &[Val]) -> Val {
    ipv6_with_prefix(&s(a, 0)).map_or(Val::Null, |ip| {
        let groups: Vec<String> = (0..8).rev().map(|i| format!("{:04x}", (ip >> (i * 16)) & 0xffff)).collect();
        Val::Str(groups.join(":"))
    })
}

/// `ipv6_compare(a, b [, prefix])`: -1, 0 or 1.
pub(super) fn ipv6_compare(a: &[Val]) -> Val {
    let prefix = a.get(2).and_then(Val::to_long);
    let with = |i: usize| {
        let text = s(a, i);
        match prefix {
            Some(p) => ipv6_with_prefix(&format!("{}/{p}", text.split('/').next().unwrap_or_default())),
            None => ipv6_with_prefix(&text),
        }
    };
    match (with(0), with(1)) {
        (Some(x), Some(y)) => Val::Long(x.cmp(&y) as i64),
        _ => Val::Null,
    }
}

pub(super) fn ipv4_is_private(a: &[Val]) -> Val {
    let Some((ip, _)) = ipv4_with_prefix(&s(a, 0)) else {
        return Val::Null;
    };
    let addr = Ipv4Addr::from(ip);
    Val::Bool(addr.is_private())
}

pub(super) fn ipv4_is_in_range(a: &[Val]) -> Val {
    match (ipv4_with_prefix(&s(a, 0)), ipv4_with_prefix(&s(a, 1))) {
        (Some((ip, _)), Some((net, p))) => Val::Bool(ip & mask(p) == net & mask(p)),
        _ => Val::Null,
    }
}

pub(super) fn ipv4_is_in_any_range(a: &[Val]) -> Val {
    let Some((ip, _)) = ipv4_with_prefix(&s(a, 0)) else {
        return Val::Null;
    };
    let mut ranges: Vec<String> = Vec::new();
    for v in &a[1.min(a.len())..] {
        match v.to_json() {
            Json::Array(items) => ranges.extend(items.into_iter().map(|i| Val::Dyn(i).to_kql_string())),
            _ => ranges.push(v.to_kql_string()),
        }
    }
    Val::Bool(ranges.iter().filter_map(|r| ipv4_with_prefix(r)).any(|(net, p)| ip & mask(p) == net & mask(p)))
}

pub(super) fn ipv4_compare(a: &[Val]) -> Val {
    let prefix = a.get(2).and_then(Val::to_long).map(|p| p.clamp(0, 32) as u32);
    match (ipv4_with_prefix(&s(a, 0)), ipv4_with_prefix(&s(a, 1))) {
        (Some((x, px)), Some((y, py))) => {
            let m = mask(prefix.unwrap_or(px.min(py)));
            Val::Long(match (x & m).cmp(&(y & m)) {
                std::cmp::Ordering::Less => -1,
                std::cmp::Ordering::Equal => 0,
                std::cmp::Ordering::Greater => 1,
            })
        }
        _ => Val::Null,
    }
}

pub(super) fn format_ipv4(a: &[Val]) -> Val {
    match a.first() {
        Some(Val::Long(v)) => Val::Str(Ipv4Addr::from(*v as u32).to_string()),
        Some(v) => ipv4_with_prefix(&v.to_kql_string())
            .map_or(Val::Str(String::new()), |(ip, _)| Val::Str(Ipv4Addr::from(ip).to_string())),
        None => Val::Null,
    }
}

pub(super) fn format_ipv4_mask(a: &[Val]) -> Val {
    let Some((ip, p)) = ipv4_with_prefix(&s(a, 0)) else {
        return Val::Str(String::new());
    };
    let prefix = a.get(1).and_then(Val::to_long).map_or(p, |x| x.clamp(0, 32) as u32);
    Val::Str(format!("{}/{prefix}", Ipv4Addr::from(ip & mask(prefix))))
}

pub(super) fn parse_url(a: &[Val]) -> Val {
    let text = s(a, 0);
    let mut map = Map::new();
    let Some((scheme, rest)) = text.split_once("://") else {
        return Val::Dyn(Json::Object(map));
    };
    let (rest, fragment) = rest.split_once('#').unwrap_or((rest, ""));
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let (userinfo, hostport) = authority.rsplit_once('@').unwrap_or(("", authority));
    let (user, pass) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) => (h, p),
        _ => (hostport, ""),
    };
    let mut params = Map::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        params.insert(k.to_string(), Json::String(v.to_string()));
    }
    for (k, v) in
        [("Scheme", scheme), ("Host", host), ("Port", port), ("Path", path), ("Username", user), ("Password", pass)]
    {
        map.insert(k.to_string(), Json::String(v.to_string()));
    }
    map.insert("Query Parameters".into(), Json::Object(params));
    map.insert("Fragment".into(), Json::String(fragment.to_string()));
    Val::Dyn(Json::Object(map))
}

pub(super) fn parse_path(a: &[Val]) -> Val {
    let text = s(a, 0);
    let split = text.rfind(['\\', '/']);
    let (dir, file) = match split {
        Some(i) => (&text[..i], &text[i + 1..]),
        None => ("", text.as_str()),
    };
    let ext = file.rsplit_once('.').map_or("", |(_, e)| e);
    let root = if text.len() >= 2 && text.as_bytes()[1] == b':' { &text[..2] } else { "" };
    let mut map = Map::new();
    map.insert("Scheme".into(), Json::String(String::new()));
    map.insert("RootPath".into(), Json::String(root.to_string()));
    map.insert("DirectoryPath".into(), Json::String(dir.to_string()));
    map.insert("DirectoryName".into(), Json::String(dir.rsplit(['\\', '/']).next().unwrap_or("").to_string()));
    map.insert("Filename".into(), Json::String(file.to_string()));
    map.insert("Extension".into(), Json::String(ext.to_string()));
    map.insert("AlternateDataStreamName".into(), Json::String(String::new()));
    Val::Dyn(Json::Object(map))
}

/// No GeoIP database ships with this instance: an empty bag, never an error.
pub(super) fn geo_info_from_ip_address(_: &[Val]) -> Val {
    Val::Dyn(Json::Object(Map::new()))
}

pub(super) fn parse_version(a: &[Val]) -> Val {
    let text = s(a, 0);
    let parts: Vec<&str> = text.trim().split('.').collect();
    if parts.is_empty()
        || parts.len() > 4
        || parts.iter().any(|p| p.is_empty() || !p.chars().all(|c| c.is_ascii_digit()))
    {
        return Val::Null;
    }
    // Zero-padded parts compare in version order (Kusto returns a decimal; a fixed-width
    // text keeps every digit, which a double cannot).
    let padded: Vec<String> = (0..4).map(|i| format!("{:0>8}", parts.get(i).copied().unwrap_or("0"))).collect();
    Val::Str(padded.join("."))
}

pub(super) fn parse_user_agent(a: &[Val]) -> Val {
    let mut map = Map::new();
    map.insert("UserAgent".into(), Json::String(s(a, 0)));
    Val::Dyn(Json::Object(map))
}
