//! The benchmarks run end to end at a small scale: KQL, DataFusion SQL and DuckDB must return
//! the same results for every hunting query (the bench exits 3 when they disagree), and both
//! commands print their figures. Timings are printed, never asserted.

use std::process::Command;

fn panoptes(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_panoptes")).args(args).output().expect("binary runs")
}

#[test]
fn hunt_bench_engines_agree_and_ratios_are_printed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let json = dir.path().join("report.json");
    let out = panoptes(&[
        "bench",
        "hunt",
        "--data",
        data.to_str().expect("utf-8 path"),
        "--scale",
        "0.1",
        "--runs",
        "1",
        "--kernel-rows",
        "200000",
        "--json",
        json.to_str().expect("utf-8 path"),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "bench hunt failed ({:?}):\n{stdout}\n{stderr}", out.status.code());
    assert!(stdout.contains("geometric mean: KQL/DataFusion-SQL"), "{stdout}");
    assert!(stdout.contains("string kernels on 200000"), "{stdout}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("report")).expect("JSON");
    let queries = report["queries"]["per_query"].as_array().expect("per-query figures");
    assert!(queries.len() >= 12, "at least 12 hunting queries");
    for query in queries {
        assert_eq!(query["agree"], true, "{query}");
        assert!(query["kql_ms"].as_f64().is_some_and(|ms| ms > 0.0), "{query}");
    }
    // Generated once, then reused: a second run must not regenerate.
    let again = panoptes(&[
        "bench",
        "hunt",
        "--data",
        data.to_str().expect("utf-8"),
        "--scale",
        "0.1",
        "--runs",
        "1",
        "--kernel-rows",
        "1000",
    ]);
    assert!(again.status.success());
    assert!(!String::from_utf8_lossy(&again.stdout).contains("generating benchmark data"));
}

#[test]
fn ingest_bench_reports_durable_throughput() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = panoptes(&["bench", "ingest", "--dir", dir.path().to_str().expect("utf-8"), "--rows", "3000"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    for format in ["native NDJSON", "streaming API"] {
        let line = stdout.lines().find(|l| l.starts_with(format)).unwrap_or_else(|| panic!("{format} row in {stdout}"));
        let events_per_second: f64 = line.split_whitespace().nth(3).and_then(|v| v.parse().ok()).expect("events/s");
        assert!(events_per_second > 0.0, "{line}");
    }
}
