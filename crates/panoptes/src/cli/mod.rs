//! Subcommands. Each lives in its own module and owns its arguments.

mod admin;
mod archive;
mod bench;
mod generate;
mod ingest;
mod kql;
mod rules;
mod serve;
mod serve_config;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Panoptes: a self-hostable multi-tenant security operations console.
#[derive(Debug, Parser)]
#[command(name = "panoptes", version, about)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run, check and batch-score KQL hunting queries.
    Kql(kql::KqlArgs),
    /// Check first-party detection rule files and run their tests.
    Rules(rules::RulesArgs),
    /// Ingest telemetry files into one tenant of an event store.
    Ingest(ingest::IngestArgs),
    /// Generate realistic telemetry with injected attacks for many tenants.
    Generate(generate::GenerateArgs),
    /// Benchmarks that print ratios against DataFusion SQL and DuckDB.
    Bench(bench::BenchArgs),
    /// Serve the console and the REST API over a data directory.
    Serve(serve::ServeArgs),
    /// Start a demo instance: generated tenants, telemetry and sign-ins on a fresh data directory.
    Demo(serve::DemoArgs),
    /// Administer tenants, signed in as a user of the instance.
    Tenant {
        #[command(flatten)]
        args: admin::AdminArgs,
        #[command(subcommand)]
        command: admin::TenantCommand,
    },
    /// Administer users, signed in as a user of the instance.
    User {
        #[command(flatten)]
        args: admin::AdminArgs,
        #[command(subcommand)]
        command: admin::UserCommand,
    },
    /// Issue and revoke API tokens, signed in as a user of the instance.
    Token {
        #[command(flatten)]
        args: admin::AdminArgs,
        #[command(subcommand)]
        command: admin::TokenCommand,
    },
}

impl Cli {
    pub(crate) fn run(self) -> anyhow::Result<ExitCode> {
        match self.command {
            Command::Kql(args) => kql::run(args),
            Command::Rules(args) => rules::run(args),
            Command::Ingest(args) => ingest::run(args),
            Command::Generate(args) => generate::run(args),
            Command::Bench(args) => bench::run(args),
            Command::Serve(args) => serve::run_serve(args),
            Command::Demo(args) => serve::run_demo(args),
            Command::Tenant { args, command } => admin::run_tenant(args, command),
            Command::User { args, command } => admin::run_user(args, command),
            Command::Token { args, command } => admin::run_token(args, command),
        }
    }
}
