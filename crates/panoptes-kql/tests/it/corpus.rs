use std::path::PathBuf;

fn shared(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared").join(path)
}

fn queries(file: &str) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(shared(file)).expect("../shared corpus present");
    text.lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .map(|v| (v["id"].as_str().unwrap_or("").to_string(), v["query"].as_str().unwrap_or("").to_string()))
        .collect()
}

#[test]
fn parses_nearly_all_real_hunting_queries() {
    let queries = queries("corpus/defender-hunting-queries.jsonl");
    let failures: Vec<_> = queries
        .iter()
        .filter_map(|(id, q)| panoptes_kql::parse(q).err().map(|d| format!("{id}: {}", d.message)))
        .collect();
    let rate = 1.0 - failures.len() as f64 / queries.len() as f64;
    for f in failures.iter().take(40) {
        eprintln!("{f}");
    }
    eprintln!("parsed {:.1}% of {}", rate * 100.0, queries.len());
    assert!(rate >= 0.97, "parse rate {rate:.3} below 0.97");
}

#[test]
fn every_oracle_and_docs_query_is_answered_without_panic() {
    for file in ["corpus/kql-oracle-cases.jsonl", "corpus/kusto-docs-examples.jsonl"] {
        let queries = queries(file);
        assert!(queries.len() > 500, "{file} has too few queries");
        let parsed = queries.iter().filter(|(_, q)| panoptes_kql::parse(q).is_ok()).count();
        eprintln!("{file}: parsed {parsed} of {}", queries.len());
    }
}
