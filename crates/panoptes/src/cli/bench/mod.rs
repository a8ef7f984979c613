//! `panoptes bench`: measurements that print ratios against real baselines (never timed unit
//! tests). `hunt`: KQL against DataFusion SQL and DuckDB on generated data, and the string
//! kernels; `ingest`: durable ingest throughput, bytes on disk and peak memory; `api`: API
//! requests per second and latency over loopback HTTP; `detect`: rule evaluations, scheduler
//! lag and near-real-time latency.

mod api;
mod detect;
mod hunt;
mod ingest;
mod kernels;
mod measure;
mod queries;

use clap::{Args, Subcommand};

#[derive(Debug, Args)]
pub(crate) struct BenchArgs {
    #[command(subcommand)]
    what: BenchCommand,
}

#[derive(Debug, Subcommand)]
enum BenchCommand {
    /// Hunting queries: KQL vs hand-written DataFusion SQL vs DuckDB, and string kernels.
    Hunt(hunt::HuntArgs),
    /// Ingest throughput (native NDJSON and streaming-API JSON), bytes per million events, memory.
    Ingest(ingest::IngestBenchArgs),
    /// API throughput and latency: a tenant-scoped list call and runHuntingQuery over many tenants.
    Api(api::ApiBenchArgs),
    /// Detection rules: evaluations per second, scheduler lag per tenant with one heavy tenant, NRT latency.
    Detect(detect::DetectBenchArgs),
}

pub(crate) fn run(args: BenchArgs) -> anyhow::Result<std::process::ExitCode> {
    match args.what {
        BenchCommand::Hunt(args) => hunt::run(args),
        BenchCommand::Ingest(args) => ingest::run(args),
        BenchCommand::Api(args) => api::run(args),
        BenchCommand::Detect(args) => detect::run(args),
    }
}
