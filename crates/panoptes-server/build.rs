//! Builds the web console (`web/`, Vite) and writes `console_assets.rs`, which embeds every
//! built file with `include_bytes!`, so the binary serves the console with no Node at run time.
//! Needs Node 20+ and npm on the build machine; `npm ci` runs when `node_modules` is missing
//! or older than the lockfile.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::{env, fs};

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let web = manifest_dir.join("../../web");
    let web = web.canonicalize().unwrap_or(web);
    for input in ["src", "index.html", "package.json", "package-lock.json", "vite.config.ts", "tsconfig.json"] {
        println!("cargo:rerun-if-changed={}", web.join(input).display());
    }
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let dist = out_dir.join("console");

    if needs_install(&web) {
        npm(&web, &["ci", "--no-audit", "--no-fund", "--loglevel=error"]);
    }
    let dist_arg = dist.display().to_string();
    npm(&web, &["run", "build", "--silent", "--", "--outDir", &dist_arg, "--emptyOutDir", "--logLevel", "warn"]);

    let mut files = Vec::new();
    collect(&dist, &dist, &mut files);
    files.sort();
    let mut code = String::from("/// Every file of the built console: path under `/`, contents.\n");
    code.push_str("pub(crate) static ASSETS: &[(&str, &[u8])] = &[\n");
    for (relative, absolute) in &files {
        code.push_str(&format!("    ({relative:?}, include_bytes!({absolute:?})),\n"));
    }
    code.push_str("];\n");
    fs::write(out_dir.join("console_assets.rs"), code).expect("write console_assets.rs into OUT_DIR");
}

/// True when `node_modules` is missing or older than the lockfile.
fn needs_install(web: &Path) -> bool {
    let modified = |p: &Path| fs::metadata(p).and_then(|m| m.modified()).ok();
    match (modified(&web.join("node_modules/.package-lock.json")), modified(&web.join("package-lock.json"))) {
        (Some(installed), Some(lock)) => installed < lock,
        _ => true,
    }
}

fn npm(web: &Path, args: &[&str]) {
    let status = Command::new("npm").args(args).current_dir(web).status();
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => panic!("`npm {}` in {} failed ({s}); its output is above", args.join(" "), web.display()),
        Err(e) => panic!(
            "cannot run npm ({e}): building the web console needs Node 20+ and npm on PATH (https://nodejs.org or the distribution's nodejs and npm packages)"
        ),
    }
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, out);
        } else if let Ok(relative) = path.strip_prefix(root) {
            let relative = relative.to_string_lossy().replace('\\', "/");
            out.push((relative, path.display().to_string()));
        }
    }
}
