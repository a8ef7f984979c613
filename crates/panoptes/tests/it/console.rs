//! The web console's own suites, run from `cargo test` so the README's one test command covers
//! them: Vitest unit tests of the components, and end-to-end tests that drive Debian's
//! Chromium (playwright-core) against a `panoptes demo` of this very build. `node_modules` is
//! there because building the server ran `npm ci` (crates/panoptes-server/build.rs).

use std::path::{Path, PathBuf};
use std::process::Command;

fn web_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web")
}

#[track_caller]
fn run_in_web(program: &str, args: &[&str], envs: &[(&str, &str)]) {
    let output = Command::new(program)
        .args(args)
        .envs(envs.iter().copied())
        .current_dir(web_dir())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} (Node 20+ and npm must be on PATH): {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The summary lines (`# pass N`, `Tests N passed`) show in the cargo log either way.
    println!("{stdout}");
    assert!(output.status.success(), "`{program} {}` failed:\n{stdout}\n{stderr}", args.join(" "));
}

#[test]
fn console_unit_tests_pass() {
    run_in_web("npx", &["vitest", "run", "--reporter=dot"], &[]);
}

#[test]
fn console_end_to_end_in_chromium() {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        assert!(
            std::env::var_os("PANOPTES_REQUIRE_BROWSER").is_none(),
            "PANOPTES_REQUIRE_BROWSER is set but {chromium} is missing: apt-get install chromium"
        );
        eprintln!("skipped: no Chromium at {chromium} (apt-get install chromium, or set CHROMIUM)");
        return;
    }
    let artifacts = Path::new(env!("CARGO_TARGET_TMPDIR")).join("console-screenshots");
    let artifacts = artifacts.to_string_lossy().into_owned();
    println!("screenshots: {artifacts}");
    run_in_web(
        "node",
        &["--test", "--test-reporter=spec", "e2e/"],
        &[
            ("PANOPTES_BIN", env!("CARGO_BIN_EXE_panoptes")),
            ("CHROMIUM", &chromium),
            ("PANOPTES_E2E_ARTIFACTS", &artifacts),
        ],
    );
}
