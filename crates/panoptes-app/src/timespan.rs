//! Graph's `Timespan` for runHuntingQuery: `start/end`, `P30D/end`, `start/P30D`, `P30D`
//! (ending now), or a single start (until now). Instants are ISO 8601; durations ISO 8601
//! (`P1W`, `P30D`, `PT12H`, `P1DT6H30M`).

use panoptes_query::format::parse_datetime;

const SECOND: i64 = 1_000_000_000;

/// An ISO 8601 duration in nanoseconds.
fn parse_duration(text: &str) -> Option<i64> {
    let rest = text.trim().strip_prefix(['P', 'p'])?;
    let (date, time) = match rest.split_once(['T', 't']) {
        Some((d, t)) => (d, Some(t)),
        None => (rest, None),
    };
    let mut total: i64 = 0;
    let mut any = false;
    let mut take = |part: &str, units: &[(char, i64)]| -> Option<()> {
        let mut number = String::new();
        for c in part.chars() {
            if c.is_ascii_digit() || c == '.' {
                number.push(c);
                continue;
            }
            let (_, scale) = units.iter().find(|(u, _)| u.eq_ignore_ascii_case(&c))?;
            let value: f64 = number.parse().ok()?;
            total = total.checked_add((value * *scale as f64) as i64)?;
            number.clear();
            any = true;
        }
        number.is_empty().then_some(())
    };
    take(date, &[('W', 7 * 86_400 * SECOND), ('D', 86_400 * SECOND)])?;
    if let Some(time) = time {
        take(time, &[('H', 3_600 * SECOND), ('M', 60 * SECOND), ('S', SECOND)])?;
    }
    (any && total > 0).then_some(total)
}

/// The window `[start, end)` a `Timespan` names, given the current time.
pub(crate) fn parse_timespan(text: &str, now_ns: i64) -> Option<(i64, i64)> {
    let text = text.trim();
    let (start, end) = match text.split_once('/') {
        None => match parse_duration(text) {
            Some(length) => (now_ns - length, now_ns),
            None => (parse_datetime(text)?, now_ns),
        },
        Some((left, right)) => match (parse_duration(left), parse_duration(right)) {
            (Some(length), None) => {
                let end = parse_datetime(right)?;
                (end - length, end)
            }
            (None, Some(length)) => {
                let start = parse_datetime(left)?;
                (start, start + length)
            }
            (None, None) => (parse_datetime(left)?, parse_datetime(right)?),
            (Some(_), Some(_)) => return None,
        },
    };
    (start < end).then_some((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_132_800 * SECOND; // 2026-11-20T00:00:00Z

    #[track_caller]
    fn check(text: &str, expected: Option<(i64, i64)>) {
        assert_eq!(parse_timespan(text, NOW), expected, "{text}");
    }

    #[test]
    fn graph_timespan_forms() {
        let day = 86_400 * SECOND;
        check("P30D", Some((NOW - 30 * day, NOW)));
        check("P1W", Some((NOW - 7 * day, NOW)));
        check("PT12H", Some((NOW - day / 2, NOW)));
        check("P1DT6H", Some((NOW - day - day / 4, NOW)));
        check("2026-11-19T00:00:00Z", Some((NOW - day, NOW)));
        check("2026-11-10T00:00:00Z/2026-11-12T00:00:00Z", Some((NOW - 10 * day, NOW - 8 * day)));
        check("P2D/2026-11-12T00:00:00Z", Some((NOW - 10 * day, NOW - 8 * day)));
        check("2026-11-10T00:00:00Z/P2D", Some((NOW - 10 * day, NOW - 8 * day)));
        check("2026-11-12T00:00:00Z/2026-11-10T00:00:00Z", None);
        check("P2D/P3D", None);
        check("yesterday", None);
        check("P", None);
        check("P3X", None);
    }
}
