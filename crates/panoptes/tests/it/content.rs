//! First-party detection rules (`content/`): every file passes its own true-positive and
//! true-negative tests through the real engine, and a broken file fails the check by name.

use std::path::PathBuf;
use std::process::Command;

fn panoptes(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_panoptes")).args(args).output().expect("binary runs")
}

pub(crate) fn content_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../content")
}

#[test]
fn first_party_rules_pass_their_own_tests() {
    let out = panoptes(&["rules", "check", &content_dir().to_string_lossy(), "--format", "json"]);
    let reports: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("json report");
    let failed: Vec<&serde_json::Value> = reports.iter().filter(|r| r["passed"] != true).collect();
    assert!(failed.is_empty(), "{failed:#?}");
    assert!(out.status.success());
    assert!(reports.len() >= 30, "{} rules", reports.len());
    let tests: usize = reports.iter().map(|r| r["tests"].as_array().map_or(0, Vec::len)).sum();
    assert!(tests >= 2 * reports.len(), "each rule has a true-positive and a true-negative test");
}

#[test]
fn a_rule_without_report_id_or_with_a_wrong_test_fails_by_name() {
    let dir = tempfile::tempdir().expect("temp dir");
    let rule = |query: &str, expect_tp: &str| {
        format!(
            "name: Probe\ndescription: d\nseverity: low\ncategory: Execution\ntitle: t\nquery: {query}\ntests:\n  \
             - name: tp\n    expect: {expect_tp}\n    events:\n      DeviceProcessEvents:\n        \
             - {{\"Timestamp\": \"2026-01-01T00:00:00Z\", \"DeviceId\": \"d\", \"ReportId\": 1, \"FileName\": \"x.exe\"}}\n  \
             - name: tn\n    expect: none\n    events:\n      DeviceProcessEvents: []\n"
        )
    };
    let good_query = "DeviceProcessEvents | where FileName == 'x.exe' | project Timestamp, DeviceId, ReportId";
    std::fs::write(
        dir.path().join("no-report-id.yaml"),
        rule("DeviceProcessEvents | project Timestamp, DeviceId", "alert"),
    )
    .expect("write");
    // Its true-positive event does not match the query.
    let misses = good_query.replace("x.exe", "z.exe");
    std::fs::write(dir.path().join("wrong-test.yaml"), rule(&misses, "alert").replace("name: Probe", "name: Probe 2"))
        .expect("write");
    std::fs::write(dir.path().join("broken.yaml"), "name: [unclosed").expect("write");
    let out = panoptes(&["rules", "check", &dir.path().to_string_lossy()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("broken.yaml"), "{text}");
    assert!(text.contains("`ReportId`"), "{text}");
    assert!(text.contains("test `tp` failed: 0 rows"), "{text}");
    assert!(text.contains("0 of 3 rules passed"), "{text}");
}
