//! Architecture rules checked over `cargo metadata` and the sources (ARCHITECTURE.md lists them).

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn dependencies() -> Vec<(String, Vec<String>)> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline"])
        .current_dir(workspace())
        .output()
        .expect("cargo metadata runs");
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).expect("metadata is JSON");
    metadata["packages"]
        .as_array()
        .map(|packages| {
            packages
                .iter()
                .map(|p| {
                    let name = p["name"].as_str().unwrap_or_default().to_string();
                    let deps = p["dependencies"]
                        .as_array()
                        .map(|d| {
                            d.iter()
                                .filter(|d| d["kind"].is_null())
                                .filter_map(|d| d["name"].as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default();
                    (name, deps)
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn dependency_rules_hold() {
    let packages = dependencies();
    assert!(packages.len() >= 5, "cargo metadata found too few packages: {packages:?}");
    let heavy = ["datafusion", "arrow", "parquet", "object_store"];
    for (name, deps) in &packages {
        for dep in deps {
            if heavy.contains(&dep.as_str()) {
                assert!(
                    name == "panoptes-query" || name == "panoptes-eventstore",
                    "{name} depends on {dep}: only panoptes-query and panoptes-eventstore may use DataFusion"
                );
            }
            if ["axum", "http", "hyper"].contains(&dep.as_str()) {
                assert_eq!(name, "panoptes-server", "{name} depends on {dep}: only panoptes-server knows HTTP");
            }
            if dep == "sqlx" {
                assert_eq!(name, "panoptes-db", "{name} depends on sqlx: only panoptes-db does");
            }
        }
        if ["panoptes-domain", "panoptes-kql", "panoptes-rbac"].contains(&name.as_str()) {
            for forbidden in ["tokio", "chrono", "datafusion"] {
                assert!(
                    !deps.iter().any(|d| d == forbidden),
                    "{name} must stay free of I/O and clocks, but uses {forbidden}"
                );
            }
        }
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn sources_are_tidy() {
    let mut files = Vec::new();
    rust_files(&workspace().join("crates"), &mut files);
    assert!(files.len() > 20);
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable source");
        let lines = text.lines().count();
        assert!(lines <= 600, "{} has {lines} lines; split it by responsibility (limit 600)", file.display());
        assert!(!text.contains(concat!("dbg", "!(")), "{} contains a debug macro", file.display());
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if name == "lib.rs" || (name == "main.rs" && file.parent().is_some_and(|p| p.ends_with("src"))) {
            assert!(text.starts_with("//!"), "{} must open with a //! crate doc", file.display());
        }
    }
}
