//! `panoptes generate`: deterministic synthetic telemetry for many tenants into an event store,
//! with a progress bar, and the ground truth of the injected attacks written beside it.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use panoptes_eventstore::{EventStore, StoreConfig};
use panoptes_generator::{GeneratorConfig, GroundTruth, generate};

/// Where the ground truth goes, inside the data directory.
pub(crate) const GROUND_TRUTH_FILE: &str = "generated.json";

#[derive(Debug, Clone, Args)]
pub(crate) struct GenerateArgs {
    /// The data directory of the event store.
    #[arg(long, env = "PANOPTES_DATA")]
    pub(crate) data: PathBuf,
    /// Number of tenants.
    #[arg(long, default_value_t = 12)]
    pub(crate) tenants: usize,
    /// Devices per tenant (the first few are servers).
    #[arg(long, default_value_t = 20)]
    pub(crate) devices: usize,
    /// Days of telemetry, ending at --end.
    #[arg(long, default_value_t = 7)]
    pub(crate) days: usize,
    /// Process events per device per day (connections about as many, other tables fewer).
    #[arg(long, default_value_t = 200)]
    pub(crate) rate: usize,
    /// Seed: the same seed and options give the same rows.
    #[arg(long, default_value_t = 1)]
    pub(crate) seed: u64,
    /// End of the window (RFC 3339); default: the current hour.
    #[arg(long)]
    pub(crate) end: Option<String>,
    /// Leave attacks out.
    #[arg(long)]
    pub(crate) no_attacks: bool,
    /// Worker threads (default: one per core).
    #[arg(long)]
    pub(crate) threads: Option<usize>,
}

impl GenerateArgs {
    /// Options for a small generated instance (demo, API bench): attacks on, default threads,
    /// the window ending at the current hour.
    pub(crate) fn small(data: PathBuf, tenants: usize, devices: usize, days: usize, rate: usize, seed: u64) -> Self {
        Self { data, tenants, devices, days, rate, seed, end: None, no_attacks: false, threads: None }
    }

    pub(crate) fn config(&self) -> anyhow::Result<GeneratorConfig> {
        let end_ns = match &self.end {
            Some(text) => chrono::DateTime::parse_from_rfc3339(text)
                .with_context(|| format!("--end {text:?} is not an RFC 3339 time such as 2026-11-20T00:00:00Z"))?
                .timestamp_nanos_opt()
                .context("--end is out of range")?,
            None => {
                let now = chrono::Utc::now().timestamp();
                (now - now % 3600) * 1_000_000_000
            }
        };
        Ok(GeneratorConfig {
            seed: self.seed,
            tenants: self.tenants,
            devices: self.devices,
            days: self.days,
            rate: self.rate,
            end_ns,
            attacks: !self.no_attacks,
            threads: self.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())),
        })
    }
}

pub(crate) fn run(args: GenerateArgs) -> anyhow::Result<ExitCode> {
    let (store, _) = EventStore::open(&args.data, StoreConfig::default())
        .with_context(|| format!("opening the event store in {}", args.data.display()))?;
    let truth = generate_into(&store, &args)?;
    println!(
        "generated {} rows for {} tenants ({} to {}); {} attacks injected, listed in {}",
        truth.rows,
        truth.tenants.len(),
        truth.start,
        truth.end,
        truth.attacks.len(),
        args.data.join(GROUND_TRUTH_FILE).display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Generates with a progress bar and writes the ground truth into the data directory.
pub(crate) fn generate_into(store: &EventStore, args: &GenerateArgs) -> anyhow::Result<GroundTruth> {
    let config = args.config()?;
    let total = (config.tenants * (config.days + 1)) as u64;
    let bar = ProgressBar::new(total).with_style(
        ProgressStyle::with_template("{spinner} generating [{bar:30}] {pos}/{len} tenant-days, {msg} ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let truth = generate(store, &config, &|days, rows| {
        bar.set_position(days);
        bar.set_message(format!("{rows} rows"));
    })
    .context("generating telemetry")?;
    bar.finish_and_clear();
    let path = args.data.join(GROUND_TRUTH_FILE);
    let text = serde_json::to_string_pretty(&truth).context("encoding the ground truth")?;
    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    Ok(truth)
}
