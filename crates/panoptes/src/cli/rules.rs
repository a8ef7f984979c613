//! `panoptes rules check [DIR]`: every rule file under DIR (default `content/`) parsed, checked
//! as the API checks a rule at save, and its true-positive and true-negative tests run through
//! the real engine. With `--data`, each rule also runs over every tenant of an event store (all
//! of its data, as a backtest) and the tenants where it fires are listed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use panoptes_app::{Clock, SystemClock, check_content_rule};
use panoptes_detect::ContentRule;
use panoptes_domain::TenantScope;
use panoptes_eventstore::EventStore;
use panoptes_query::{Engine, ExecuteOptions, QueryLimits, StoreCatalog};
use serde_json::json;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/content_rules.rs"));
}

/// The first-party rules built into the binary (the demo installs them).
pub(crate) fn embedded_rules() -> anyhow::Result<Vec<ContentRule>> {
    embedded::CONTENT_RULES
        .iter()
        .map(|(path, text)| ContentRule::parse(text, &format!("content/{path}")).map_err(anyhow::Error::from))
        .collect()
}

#[derive(Debug, Args)]
pub(crate) struct RulesArgs {
    #[command(subcommand)]
    command: RulesCommand,
}

#[derive(Debug, Subcommand)]
enum RulesCommand {
    /// Check rule files and run their tests.
    Check {
        /// A directory of rule files (`*.yaml`), searched recursively.
        #[arg(default_value = "content")]
        dir: PathBuf,
        /// Also run each rule over every tenant of this event store.
        #[arg(long)]
        data: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: Output,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Output {
    Text,
    Json,
}

fn rule_files(dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let entries = std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
    for entry in entries {
        let path = entry?.path();
        if path.is_dir() {
            rule_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
    Ok(())
}

pub(crate) fn run(args: RulesArgs) -> anyhow::Result<ExitCode> {
    let RulesCommand::Check { dir, data, format } = args.command;
    let mut files = Vec::new();
    rule_files(&dir, &mut files)?;
    files.sort();
    anyhow::ensure!(!files.is_empty(), "no rule files (*.yaml) under {}", dir.display());
    let store = match &data {
        Some(path) => {
            let (store, _) =
                EventStore::open(path, Default::default()).with_context(|| format!("opening {}", path.display()))?;
            Some(Arc::new(store))
        }
        None => None,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let engine = Engine::new(QueryLimits::default());
    let now = SystemClock.now_ns();
    let mut reports = Vec::new();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let mut all_passed = true;
    for file in &files {
        let shown = file.display().to_string();
        let text = std::fs::read_to_string(file).with_context(|| format!("reading {shown}"))?;
        let rule = match ContentRule::parse(&text, &shown) {
            Ok(rule) => rule,
            Err(error) => {
                all_passed = false;
                reports.push(json!({"file": shown, "passed": false, "problems": [error.to_string()]}));
                continue;
            }
        };
        let mut check = runtime.block_on(check_content_rule(&engine, &rule, now));
        if let Some(other) = names.insert(rule.name.clone(), shown.clone()) {
            check.problems.push(format!("the name `{}` is also used by {other}", rule.name));
        }
        all_passed &= check.passed();
        let mut fires = serde_json::Map::new();
        if let Some(store) = &store
            && check.problems.is_empty()
        {
            for tenant in store.tenants() {
                let catalog = StoreCatalog::new(store.clone(), TenantScope::local_operator([tenant.clone()]));
                let options = ExecuteOptions { now_ns: Some(now), ..Default::default() };
                let rows = runtime.block_on(engine.execute(&rule.query, &catalog, &options)).map(|t| t.row_count());
                match rows {
                    Ok(0) => {}
                    Ok(n) => {
                        fires.insert(tenant.to_string(), json!(n));
                    }
                    Err(error) => {
                        fires.insert(tenant.to_string(), json!(format!("error: {error}")));
                    }
                }
            }
        }
        let tests: Vec<_> =
            check.tests.iter().map(|t| json!({"name": t.name, "passed": t.passed, "detail": t.detail})).collect();
        reports.push(json!({"file": shown, "name": check.name, "passed": check.passed(), "problems": check.problems,
            "tests": tests, "fires": fires}));
    }
    match format {
        Output::Json => println!("{}", serde_json::to_string_pretty(&reports)?),
        Output::Text => print_text(&reports, store.is_some()),
    }
    Ok(if all_passed { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

fn print_text(reports: &[serde_json::Value], with_data: bool) {
    let passed = reports.iter().filter(|r| r["passed"] == true).count();
    for report in reports {
        let mark = if report["passed"] == true { "ok  " } else { "FAIL" };
        println!("{mark} {} ({})", report["name"].as_str().unwrap_or("?"), report["file"].as_str().unwrap_or(""));
        for problem in report["problems"].as_array().into_iter().flatten() {
            println!("       {}", problem.as_str().unwrap_or_default());
        }
        for test in report["tests"].as_array().into_iter().flatten().filter(|t| t["passed"] != true) {
            println!(
                "       test `{}` failed: {}",
                test["name"].as_str().unwrap_or(""),
                test["detail"].as_str().unwrap_or("")
            );
        }
        if with_data && let Some(fires) = report["fires"].as_object().filter(|f| !f.is_empty()) {
            let list: Vec<String> = fires.iter().map(|(t, n)| format!("{t} ({n})")).collect();
            println!("       fires in {}", list.join(", "));
        }
    }
    println!("{passed} of {} rules passed", reports.len());
}
