use std::path::PathBuf;
use std::process::Command;

fn shared() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
}

/// Runs `kql-score run <mode> <corpus> --min-pass <pct> -- panoptes kql batch` and returns its
/// last line (the figure).
fn score(mode: &str, corpus: &str, min_pass: &str) -> String {
    let output = Command::new("python3")
        .arg(shared().join("tools/kql-score"))
        .args(["run", mode])
        .arg(shared().join("corpus").join(corpus))
        .args(["--min-pass", min_pass, "--"])
        .arg(env!("CARGO_BIN_EXE_panoptes"))
        .args(["kql", "batch"])
        .output()
        .expect("python3 runs the scorer");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let figure = stdout.lines().last().unwrap_or_default().to_string();
    eprintln!("{figure}");
    assert!(
        output.status.success(),
        "{mode} score below {min_pass}%: {figure}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    figure
}

#[test]
fn oracle_cases_recorded_from_kusto_pass() {
    let figure = score("oracle", "kql-oracle-cases.jsonl", "85");
    assert!(figure.starts_with("oracle:"), "{figure}");
}

#[test]
fn real_hunting_queries_plan() {
    let figure = score("corpus", "defender-hunting-queries.jsonl", "95");
    assert!(figure.starts_with("corpus:"), "{figure}");
}
