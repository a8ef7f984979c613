//! When a rule runs next. Runs are aligned to the period from the rule's first run, so a late
//! run does not push later ones back and a rule that missed several periods (the instance was
//! down) runs once to catch up, over its lookback, rather than once per missed period.

/// The first run of a newly enabled rule: at once.
pub fn first_run_after(now_ns: i64) -> i64 {
    now_ns
}

/// The next due time after a run that was due at `due_ns` and finished at `now_ns`. A
/// near-real-time rule (`period_ns` 0) is due again after `nrt_interval_ns`.
pub fn next_run_after(due_ns: i64, period_ns: i64, now_ns: i64, nrt_interval_ns: i64) -> i64 {
    if period_ns <= 0 {
        return now_ns + nrt_interval_ns.max(1);
    }
    let mut next = due_ns + period_ns;
    if next <= now_ns {
        // Skip the missed periods: one catch-up run already covered them.
        let missed = (now_ns - next) / period_ns + 1;
        next += missed * period_ns;
    }
    next
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_keep_their_cadence_and_skip_missed_periods() {
        let hour = 3_600;
        assert_eq!(next_run_after(0, hour, 10, 5), hour);
        assert_eq!(next_run_after(0, hour, hour + 1, 5), 2 * hour);
        assert_eq!(next_run_after(0, hour, 5 * hour + 7, 5), 6 * hour);
        assert_eq!(next_run_after(0, 0, 100, 5), 105);
        assert_eq!(first_run_after(42), 42);
    }
}
