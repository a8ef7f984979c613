//! Process measurements for benchmarks, read from Linux's /proc: peak resident memory (reset
//! between measurements through `clear_refs`) and CPU time. Where /proc is missing the
//! figures are reported as unknown rather than guessed.

use std::time::Instant;

/// Resets the process's peak-RSS mark so the next reading covers only what follows.
pub(crate) fn reset_peak() {
    // "5" resets the high-water mark (Linux 4.0+); failure leaves the lifetime peak, reported as such.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak resident memory since the last reset, in bytes.
pub(crate) fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// User plus system CPU seconds of this process's children that have been waited for.
pub(crate) fn children_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // cutime and cstime follow utime and stime.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(13)?.parse::<f64>().ok()? + fields.get(14)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// A child process's peak resident memory so far, in bytes.
pub(crate) fn child_peak_rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// The median of some timings.
pub(crate) fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// The geometric mean of some ratios (NaN ones left out).
pub(crate) fn geomean(values: &[f64]) -> f64 {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite() && *v > 0.0).collect();
    if finite.is_empty() {
        return f64::NAN;
    }
    (finite.iter().map(|v| v.ln()).sum::<f64>() / finite.len() as f64).exp()
}

/// Times `runs` calls after one warm-up; returns the median milliseconds and the peak memory.
pub(crate) fn time_runs<T>(
    runs: usize,
    mut f: impl FnMut() -> anyhow::Result<T>,
) -> anyhow::Result<(f64, Option<u64>, T)> {
    reset_peak();
    let mut last = f()?;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        last = f()?;
        times.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    Ok((median(times), peak_rss(), last))
}

/// Bytes as MiB for reports.
pub(crate) fn mib(bytes: Option<u64>) -> String {
    bytes.map_or("?".into(), |b| format!("{:.0}", b as f64 / (1 << 20) as f64))
}
