//! Datetime and timespan functions (row-wise). Values are nanoseconds since the Unix epoch.

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, NaiveDateTime, Timelike, Utc};

use super::string::{long, s};
use crate::value::Val;

const NS_DAY: i64 = 86_400_000_000_000;
/// Nanoseconds from 0001-01-01 to 1970-01-01: Kusto aligns `bin` to 0001-01-01.
const KUSTO_EPOCH_OFFSET_NS: i128 = 62_135_596_800_000_000_000;

fn dt(ns: i64) -> Option<NaiveDateTime> {
    DateTime::<Utc>::from_timestamp(ns.div_euclid(1_000_000_000), ns.rem_euclid(1_000_000_000) as u32)
        .map(|d| d.naive_utc())
}

fn ns_of(d: NaiveDateTime) -> Val {
    d.and_utc().timestamp_nanos_opt().map_or(Val::Null, Val::Datetime)
}

fn date_arg(a: &[Val], i: usize) -> Option<NaiveDateTime> {
    a.get(i).and_then(Val::to_datetime).and_then(dt)
}

/// `bin(value, size)` for numbers, datetimes and timespans; datetimes align to 0001-01-01.
pub(super) fn bin(a: &[Val]) -> Val {
    let (Some(value), Some(size)) = (a.first(), a.get(1)) else {
        return Val::Null;
    };
    match value {
        Val::Datetime(ns) => {
            let Some(step) = size.to_timespan().filter(|s| *s > 0) else {
                return Val::Null;
            };
            let shifted = i128::from(*ns) + KUSTO_EPOCH_OFFSET_NS;
            let binned = shifted.div_euclid(i128::from(step)) * i128::from(step) - KUSTO_EPOCH_OFFSET_NS;
            i64::try_from(binned).map_or(Val::Null, Val::Datetime)
        }
        Val::Timespan(ns) => {
            let Some(step) = size.to_timespan().filter(|s| *s > 0) else {
                return Val::Null;
            };
            Val::Timespan(ns.div_euclid(step) * step)
        }
        Val::Int(_) | Val::Long(_) => match (value.to_long(), size) {
            (Some(v), Val::Int(_) | Val::Long(_)) => {
                let step = size.to_long().unwrap_or(0);
                if step <= 0 {
                    return Val::Null;
                }
                let binned = v.div_euclid(step) * step;
                if matches!(value, Val::Int(_)) { Val::Int(binned as i32) } else { Val::Long(binned) }
            }
            (Some(v), _) => real_bin(v as f64, size),
            _ => Val::Null,
        },
        Val::Null => Val::Null,
        other => match other.to_real() {
            Some(v) => real_bin(v, size),
            None => Val::Null,
        },
    }
}

fn real_bin(v: f64, size: &Val) -> Val {
    match size.to_real().filter(|s| *s > 0.0) {
        Some(step) => Val::Real((v / step).floor() * step),
        None => Val::Null,
    }
}

/// `bin_at(value, size, fixed_point)`.
pub(super) fn bin_at(a: &[Val]) -> Val {
    let (Some(value), Some(size), Some(at)) = (a.first(), a.get(1), a.get(2)) else {
        return Val::Null;
    };
    match (value, at) {
        (Val::Datetime(ns), _) => {
            let (Some(step), Some(at)) = (size.to_timespan().filter(|s| *s > 0), at.to_datetime()) else {
                return Val::Null;
            };
            Val::Datetime(at + (ns - at).div_euclid(step) * step)
        }
        (Val::Timespan(ns), _) => {
            let (Some(step), Some(at)) = (size.to_timespan().filter(|s| *s > 0), at.to_timespan()) else {
                return Val::Null;
            };
            Val::Timespan(at + (ns - at).div_euclid(step) * step)
        }
        _ => {
            let (Some(v), Some(step), Some(at)) = (value.to_real(), size.to_real(), at.to_real()) else {
                return Val::Null;
            };
            if step <= 0.0 {
                return Val::Null;
            }
            let r = at + ((v - at) / step).floor() * step;
            if matches!(value, Val::Long(_) | Val::Int(_)) { Val::Long(r as i64) } else { Val::Real(r) }
        }
    }
}

fn offset_months(d: NaiveDateTime, months: i64) -> Option<NaiveDateTime> {
    if months >= 0 {
        d.checked_add_months(Months::new(u32::try_from(months).ok()?))
    } else {
        d.checked_sub_months(Months::new(u32::try_from(-months).ok()?))
    }
}

fn start_of_day(d: NaiveDateTime) -> NaiveDateTime {
    d.date().and_hms_opt(0, 0, 0).unwrap_or(d)
}

pub(super) fn startofday(a: &[Val]) -> Val {
    let Some(d) = date_arg(a, 0) else {
        return Val::Null;
    };
    ns_of(start_of_day(d) + Duration::days(long(a, 1).unwrap_or(0)))
}

pub(super) fn startofweek(a: &[Val]) -> Val {
    let Some(d) = date_arg(a, 0) else {
        return Val::Null;
    };
    let back = i64::from(d.weekday().num_days_from_sunday());
    ns_of(start_of_day(d) - Duration::days(back) + Duration::weeks(long(a, 1).unwrap_or(0)))
}

pub(super) fn startofmonth(a: &[Val]) -> Val {
    let Some(d) = date_arg(a, 0) else {
        return Val::Null;
    };
    let first = NaiveDate::from_ymd_opt(d.year(), d.month(), 1).and_then(|x| x.and_hms_opt(0, 0, 0));
    first.and_then(|f| offset_months(f, long(a, 1).unwrap_or(0))).map_or(Val::Null, ns_of)
}

pub(super) fn startofyear(a: &[Val]) -> Val {
    let Some(d) = date_arg(a, 0) else {
        return Val::Null;
    };
    let year = d.year() + long(a, 1).unwrap_or(0) as i32;
    NaiveDate::from_ymd_opt(year, 1, 1).and_then(|x| x.and_hms_opt(0, 0, 0)).map_or(Val::Null, ns_of)
}

fn end_of(start: Val, next_start: Val) -> Val {
    match (start, next_start) {
        (Val::Datetime(_), Val::Datetime(n)) => Val::Datetime(n - 100),
        _ => Val::Null,
    }
}

fn shifted(a: &[Val], by: i64) -> Vec<Val> {
    vec![a.first().cloned().unwrap_or(Val::Null), Val::Long(long(a, 1).unwrap_or(0) + by)]
}

pub(super) fn endofday(a: &[Val]) -> Val {
    end_of(startofday(a), startofday(&shifted(a, 1)))
}

pub(super) fn endofweek(a: &[Val]) -> Val {
    end_of(startofweek(a), startofweek(&shifted(a, 1)))
}

pub(super) fn endofmonth(a: &[Val]) -> Val {
    end_of(startofmonth(a), startofmonth(&shifted(a, 1)))
}

pub(super) fn endofyear(a: &[Val]) -> Val {
    end_of(startofyear(a), startofyear(&shifted(a, 1)))
}

/// `dayofweek` is a timespan: days since the preceding Sunday.
pub(super) fn dayofweek(a: &[Val]) -> Val {
    date_arg(a, 0).map_or(Val::Null, |d| Val::Timespan(i64::from(d.weekday().num_days_from_sunday()) * NS_DAY))
}

pub(super) fn dayofmonth(a: &[Val]) -> Val {
    date_arg(a, 0).map_or(Val::Null, |d| Val::Int(d.day() as i32))
}

pub(super) fn dayofyear(a: &[Val]) -> Val {
    date_arg(a, 0).map_or(Val::Null, |d| Val::Int(d.ordinal() as i32))
}

pub(super) fn hourofday(a: &[Val]) -> Val {
    date_arg(a, 0).map_or(Val::Null, |d| Val::Int(d.hour() as i32))
}

pub(super) fn monthofyear(a: &[Val]) -> Val {
    date_arg(a, 0).map_or(Val::Null, |d| Val::Int(d.month() as i32))
}

pub(super) fn getyear(a: &[Val]) -> Val {
    date_arg(a, 0).map_or(Val::Null, |d| Val::Int(d.year()))
}

pub(super) fn week_of_year(a: &[Val]) -> Val {
    date_arg(a, 0).map_or(Val::Null, |d| Val::Int(d.iso_week().week() as i32))
}

fn part_name(a: &[Val], i: usize) -> String {
    s(a, i).to_ascii_lowercase()
}

pub(super) fn datetime_part(a: &[Val]) -> Val {
    let Some(d) = date_arg(a, 1) else {
        return Val::Null;
    };
    let v = match part_name(a, 0).as_str() {
        "year" => d.year() as i64,
        "quarter" => i64::from((d.month() - 1) / 3 + 1),
        "month" => i64::from(d.month()),
        "week_of_year" | "weekofyear" | "week" => i64::from(d.iso_week().week()),
        "day" => i64::from(d.day()),
        "dayofyear" => i64::from(d.ordinal()),
        "hour" => i64::from(d.hour()),
        "minute" => i64::from(d.minute()),
        "second" => i64::from(d.second()),
        "millisecond" => i64::from(d.nanosecond() / 1_000_000),
        "microsecond" => i64::from(d.nanosecond() / 1_000),
        "nanosecond" => i64::from(d.nanosecond()),
        _ => return Val::Null,
    };
    Val::Int(v as i32)
}

pub(super) fn datetime_add(a: &[Val]) -> Val {
    let (Some(n), Some(d)) = (long(a, 1), date_arg(a, 2)) else {
        return Val::Null;
    };
    let result = match part_name(a, 0).as_str() {
        "year" => offset_months(d, n * 12),
        "quarter" => offset_months(d, n * 3),
        "month" => offset_months(d, n),
        "week" => d.checked_add_signed(Duration::weeks(n)),
        "day" => d.checked_add_signed(Duration::days(n)),
        "hour" => d.checked_add_signed(Duration::hours(n)),
        "minute" => d.checked_add_signed(Duration::minutes(n)),
        "second" => d.checked_add_signed(Duration::seconds(n)),
        "millisecond" => d.checked_add_signed(Duration::milliseconds(n)),
        "microsecond" => d.checked_add_signed(Duration::microseconds(n)),
        "nanosecond" => d.checked_add_signed(Duration::nanoseconds(n)),
        _ => None,
    };
    result.map_or(Val::Null, ns_of)
}

/// `datetime_diff(part, a, b)`: calendar boundaries crossed from `b` to `a`.
pub(super) fn datetime_diff(a: &[Val]) -> Val {
    let (Some(x), Some(y)) = (date_arg(a, 1), date_arg(a, 2)) else {
        return Val::Null;
    };
    let months = |d: NaiveDateTime| i64::from(d.year()) * 12 + i64::from(d.month0());
    let floor_div = |ns: i64, unit: i64| ns.div_euclid(unit);
    let (xn, yn) = match (a[1].to_datetime(), a[2].to_datetime()) {
        (Some(p), Some(q)) => (p, q),
        _ => return Val::Null,
    };
    let v = match part_name(a, 0).as_str() {
        "year" => i64::from(x.year() - y.year()),
        "quarter" => {
            (i64::from(x.year()) * 4 + i64::from(x.month0() / 3))
                - (i64::from(y.year()) * 4 + i64::from(y.month0() / 3))
        }
        "month" => months(x) - months(y),
        "week" => {
            let week_start = |d: NaiveDateTime| {
                (d.date() - Duration::days(i64::from(d.weekday().num_days_from_sunday()))).num_days_from_ce()
            };
            i64::from((week_start(x) - week_start(y)) / 7)
        }
        "day" => i64::from(x.date().num_days_from_ce() - y.date().num_days_from_ce()),
        "hour" => floor_div(xn, 3_600_000_000_000) - floor_div(yn, 3_600_000_000_000),
        "minute" => floor_div(xn, 60_000_000_000) - floor_div(yn, 60_000_000_000),
        "second" => floor_div(xn, 1_000_000_000) - floor_div(yn, 1_000_000_000),
        "millisecond" => floor_div(xn, 1_000_000) - floor_div(yn, 1_000_000),
        "microsecond" => floor_div(xn, 1_000) - floor_div(yn, 1_000),
        "nanosecond" => xn - yn,
        _ => return Val::Null,
    };
    Val::Long(v)
}

pub(super) fn make_datetime(a: &[Val]) -> Val {
    let part = |i: usize| long(a, i).unwrap_or(0);
    let date = NaiveDate::from_ymd_opt(part(0) as i32, part(1).max(1) as u32, part(2).max(1) as u32);
    let seconds = a.get(5).and_then(Val::to_real).unwrap_or(0.0);
    let time = date.and_then(|d| d.and_hms_opt(part(3) as u32, part(4) as u32, 0));
    match time {
        Some(t) if a.len() >= 3 => ns_of(t + Duration::nanoseconds((seconds * 1e9).round() as i64)),
        _ => Val::Null,
    }
}

pub(super) fn make_timespan(a: &[Val]) -> Val {
    let nums: Vec<f64> = a.iter().map(|v| v.to_real().unwrap_or(0.0)).collect();
    let valid =
        |h: f64, m: f64, s: f64| (0.0..24.0).contains(&h) && (0.0..60.0).contains(&m) && (0.0..60.0).contains(&s);
    let ok = match nums.as_slice() {
        [h, m] => valid(*h, *m, 0.0),
        [h, m, s] => valid(*h, *m, *s),
        [_, h, m, s] => valid(*h, *m, *s),
        _ => false,
    };
    if !ok {
        return Val::Null;
    }
    let secs = match nums.as_slice() {
        [h, m] => h * 3600.0 + m * 60.0,
        [h, m, s] => h * 3600.0 + m * 60.0 + s,
        [d, h, m, s] => d * 86400.0 + h * 3600.0 + m * 60.0 + s,
        _ => return Val::Null,
    };
    Val::Timespan((secs * 1e9).round() as i64)
}

pub(super) fn unixtime_seconds_todatetime(a: &[Val]) -> Val {
    a.first().and_then(Val::to_real).map_or(Val::Null, |s| Val::Datetime((s * 1e9) as i64))
}

pub(super) fn unixtime_milliseconds_todatetime(a: &[Val]) -> Val {
    a.first().and_then(Val::to_real).map_or(Val::Null, |s| Val::Datetime((s * 1e6) as i64))
}

pub(super) fn unixtime_microseconds_todatetime(a: &[Val]) -> Val {
    a.first().and_then(Val::to_real).map_or(Val::Null, |s| Val::Datetime((s * 1e3) as i64))
}

pub(super) fn unixtime_nanoseconds_todatetime(a: &[Val]) -> Val {
    a.first().and_then(Val::to_long).map_or(Val::Null, Val::Datetime)
}

/// `format_datetime(d, "yyyy-MM-dd HH:mm:ss.fff")` with .NET-style specifiers.
pub(super) fn format_datetime(a: &[Val]) -> Val {
    let Some(d) = date_arg(a, 0) else {
        return Val::Str(String::new());
    };
    let format = s(a, 1);
    let mut out = String::new();
    let chars: Vec<char> = format.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let mut run = 1;
        let max_run = match c {
            'd' | 'M' | 'H' | 'h' | 'm' | 's' | 't' => 2,
            'f' | 'F' => 7,
            _ => 4,
        };
        while i + run < chars.len() && chars[i + run] == c && run < max_run {
            run += 1;
        }
        let piece = match c {
            'y' => match run {
                1 => (d.year() % 100).to_string(),
                2 => format!("{:02}", d.year() % 100),
                _ => format!("{:04}", d.year()),
            },
            'M' => pad(d.month(), run),
            'd' => pad(d.day(), run),
            'H' => pad(d.hour(), run),
            'h' => pad(if d.hour() % 12 == 0 { 12 } else { d.hour() % 12 }, run),
            'm' => pad(d.minute(), run),
            's' => pad(d.second(), run),
            'f' | 'F' => {
                let frac = format!("{:09}", d.nanosecond());
                let digits = &frac[..run.min(9)];
                if c == 'F' { digits.trim_end_matches('0').to_string() } else { digits.to_string() }
            }
            't' => (if d.hour() < 12 { "AM" } else { "PM" })[..run.min(2)].to_string(),
            _ => c.to_string().repeat(run),
        };
        out.push_str(&piece);
        i += run;
    }
    Val::Str(out)
}

fn pad(v: u32, run: usize) -> String {
    if run >= 2 { format!("{v:02}") } else { v.to_string() }
}

/// `format_timespan(t, "d.hh:mm:ss")`.
pub(super) fn format_timespan(a: &[Val]) -> Val {
    let Some(ns) = a.first().and_then(Val::to_timespan) else {
        return Val::Str(String::new());
    };
    let abs = ns.unsigned_abs();
    let total_secs = abs / 1_000_000_000;
    let frac = format!("{:09}", abs % 1_000_000_000);
    let format = s(a, 1);
    let chars: Vec<char> = format.chars().collect();
    let mut out = String::new();
    if ns < 0 {
        out.push('-');
    }
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let mut run = 1;
        while i + run < chars.len() && chars[i + run] == c {
            run += 1;
        }
        let piece = match c {
            'd' => format!("{:0run$}", total_secs / 86_400),
            'h' | 'H' => format!("{:0run$}", total_secs / 3600 % 24),
            'm' => format!("{:0run$}", total_secs / 60 % 60),
            's' => format!("{:0run$}", total_secs % 60),
            'f' => frac[..run.min(9)].to_string(),
            'F' => frac[..run.min(9)].trim_end_matches('0').to_string(),
            '\\' => String::new(),
            _ => c.to_string().repeat(run),
        };
        out.push_str(&piece);
        i += run;
    }
    Val::Str(out)
}
