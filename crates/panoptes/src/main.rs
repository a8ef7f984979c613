//! The `panoptes` binary: command-line entry point. Library crates return typed errors; this
//! is the only place they become `anyhow` reports.

mod cli;

// Ingest and hunting allocate many short-lived strings; mimalloc handles that churn far better
// than the system allocator (measured by `panoptes bench ingest`). Its `no_thp` feature keeps
// transparent huge pages off: zeroing fresh 2 MiB pages cost a third of ingest CPU.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;

/// Warnings, except DataFusion's note that it skipped an optimizer rule that failed (the
/// query runs unoptimized by that rule; see `session_config`): not the operator's concern.
const DEFAULT_LOG: &str = "warn,datafusion_optimizer::optimizer=error";

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PANOPTES_LOG").unwrap_or_else(|_| DEFAULT_LOG.into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = cli::Cli::parse();
    match cli.run() {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
