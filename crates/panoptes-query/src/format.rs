//! Kusto's text forms of datetimes and timespans, both ways.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

const NS_PER_SEC: i64 = 1_000_000_000;

/// `2020-01-01T00:00:00.0000000Z`, as Kusto's `tostring` prints datetimes.
pub fn datetime(ns: i64) -> String {
    let secs = ns.div_euclid(NS_PER_SEC);
    let frac = ns.rem_euclid(NS_PER_SEC);
    match Utc.timestamp_opt(secs, 0).single() {
        Some(dt) => format!("{}.{:07}Z", dt.format("%Y-%m-%dT%H:%M:%S"), frac / 100),
        None => String::new(),
    }
}

/// `[-][d.]hh:mm:ss[.fffffff]`, as Kusto prints timespans.
pub fn timespan(ns: i64) -> String {
    let negative = ns < 0;
    let ticks = (ns / 100).unsigned_abs();
    let frac = ticks % 10_000_000;
    let total_secs = ticks / 10_000_000;
    let (days, h, m, s) = (total_secs / 86_400, total_secs / 3600 % 24, total_secs / 60 % 60, total_secs % 60);
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    if days > 0 {
        out.push_str(&format!("{days}."));
    }
    out.push_str(&format!("{h:02}:{m:02}:{s:02}"));
    if frac > 0 {
        out.push_str(&format!(".{frac:07}"));
    }
    out
}

/// Parses the datetime forms Kusto accepts: ISO 8601 with or without `T`, `Z` or offset,
/// fractional seconds, date only, RFC 822/2822 and a few US-style forms.
pub fn parse_datetime(text: &str) -> Option<i64> {
    let t = text.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("null") {
        return None;
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return dt.with_timezone(&Utc).timestamp_nanos_opt();
    }
    if let Ok(dt) = DateTime::parse_from_rfc2822(t) {
        return dt.with_timezone(&Utc).timestamp_nanos_opt();
    }
    let trimmed = t.trim_end_matches('Z').trim_end_matches('z');
    let naive_formats = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
        "%Y/%m/%d %H:%M:%S%.f",
        "%Y/%m/%d %H:%M",
        "%m/%d/%Y %H:%M:%S%.f",
        "%m/%d/%Y %I:%M:%S %p",
        "%m/%d/%Y %H:%M",
        "%d %b %Y %H:%M:%S%.f",
        "%Y%m%d%H%M%S",
    ];
    for format in naive_formats {
        if let Ok(dt) = NaiveDateTime::parse_from_str(trimmed, format) {
            return dt.and_utc().timestamp_nanos_opt();
        }
    }
    for format in ["%Y-%m-%d", "%Y/%m/%d", "%m/%d/%Y", "%Y%m%d", "%d %b %Y", "%Y-%m"] {
        if let Ok(d) = NaiveDate::parse_from_str(trimmed, format) {
            return d.and_time(NaiveTime::MIN).and_utc().timestamp_nanos_opt();
        }
    }
    if trimmed.len() == 4 {
        let year: i32 = trimmed.parse().ok()?;
        return NaiveDate::from_ymd_opt(year, 1, 1)?.and_time(NaiveTime::MIN).and_utc().timestamp_nanos_opt();
    }
    None
}

/// Parses `[-][d.]hh:mm[:ss[.fffffff]]`, or a number with a unit (`1d`, `30m`, `1.5h`).
pub fn parse_timespan(text: &str) -> Option<i64> {
    let t = text.trim();
    let (negative, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let ns = if t.contains(':') {
        let (days, clock) = match t.split_once('.') {
            Some((d, rest)) if !d.contains(':') => (d.parse::<i64>().ok()?, rest),
            _ => (0, t),
        };
        let mut parts = clock.split(':');
        let h: i64 = parts.next()?.parse().ok()?;
        let m: i64 = parts.next()?.parse().ok()?;
        let (s, frac_ns) = match parts.next() {
            Some(sec) => match sec.split_once('.') {
                Some((whole, frac)) => {
                    let digits: String = frac.chars().take(9).collect();
                    let scale = 10i64.pow(9 - digits.len() as u32);
                    (whole.parse::<i64>().ok()?, digits.parse::<i64>().ok()? * scale)
                }
                None => (sec.parse::<i64>().ok()?, 0),
            },
            None => (0, 0),
        };
        ((days * 86_400 + h * 3600 + m * 60 + s) * NS_PER_SEC).checked_add(frac_ns)?
    } else {
        let split = t.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(t.len());
        let (number, unit) = t.split_at(split);
        // A bare number is days, and only a whole one (`totimespan("1.5")` is null).
        if unit.trim().is_empty() && number.trim().parse::<i64>().is_err() {
            return None;
        }
        let value: f64 = number.trim().parse().ok()?;
        let unit_ns: f64 = match unit.trim().to_ascii_lowercase().as_str() {
            "d" | "day" | "days" => 86_400e9,
            "h" | "hr" | "hrs" | "hour" | "hours" => 3_600e9,
            "m" | "min" | "minute" | "minutes" => 60e9,
            "s" | "sec" | "second" | "seconds" => 1e9,
            "ms" | "milli" | "millis" | "millisecond" | "milliseconds" => 1e6,
            "microsecond" | "microseconds" => 1e3,
            "tick" | "ticks" => 100.0,
            "" => 86_400e9,
            _ => return None,
        };
        (value * unit_ns).round() as i64
    };
    Some(if negative { -ns } else { ns })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_kusto_forms() {
        let ns = parse_datetime("2020-01-02 03:04:05.1234567").unwrap();
        assert_eq!(datetime(ns), "2020-01-02T03:04:05.1234567Z");
        assert_eq!(datetime(parse_datetime("2024-01-01").unwrap()), "2024-01-01T00:00:00.0000000Z");
        assert_eq!(timespan(parse_timespan("1.02:03:04").unwrap()), "1.02:03:04");
        assert_eq!(timespan(parse_timespan("00:00:01.5").unwrap()), "00:00:01.5000000");
        assert_eq!(timespan(-parse_timespan("1h").unwrap()), "-01:00:00");
        assert_eq!(parse_datetime("not a date"), None);
    }
}
