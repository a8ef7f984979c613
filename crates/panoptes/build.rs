//! Embeds the first-party rule files (`content/**/*.yaml`) so `panoptes demo` installs the same
//! rules `panoptes rules check` tests, from any working directory.

use std::path::{Path, PathBuf};

fn rule_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rule_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let content = manifest.join("../../content");
    println!("cargo:rerun-if-changed={}", content.display());
    let mut files = Vec::new();
    rule_files(&content, &mut files);
    files.sort();
    let mut code = String::from(
        "/// The first-party rule files: (path under content/, text).\npub(crate) const CONTENT_RULES: &[(&str, &str)] = &[\n",
    );
    for file in &files {
        let absolute = file.canonicalize().expect("rule file path");
        let relative = file.strip_prefix(&content).unwrap_or(file);
        code.push_str(&format!(
            "    ({:?}, include_str!({:?})),\n",
            relative.display().to_string(),
            absolute.display().to_string()
        ));
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("content_rules.rs");
    std::fs::write(out, code).expect("write content_rules.rs");
}
