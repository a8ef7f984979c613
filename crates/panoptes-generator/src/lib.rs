//! Deterministic synthetic telemetry for many tenants: devices with process trees, connections,
//! sign-ins, file, registry and image-load activity, mail, directory sign-ins and alerts, with
//! attacks injected (credential dumping, lateral movement, ransomware staging, phishing click)
//! and a ground-truth record of each. The same seed gives the same rows, however many threads.
//!
//! Map: [`population`] (tenants, users, devices), [`activity`] (a device's ordinary day),
//! [`cloud`] (mail, identity, noise alerts), [`scenarios`] (attacks), `telemetry` (the tables and
//! their writers; `tables` declares their columns), `rows` (Arrow row building), `programs`
//! and `vocabulary` (what it is made of).

mod activity;
mod cloud;
pub mod population;
mod programs;
mod rows;
pub mod scenarios;
mod tables;
mod telemetry;
mod vocabulary;

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use panoptes_domain::TenantScope;
use panoptes_eventstore::arrow::array::{AsArray, BooleanArray};
use panoptes_eventstore::arrow::compute::filter_record_batch;
use panoptes_eventstore::arrow::datatypes::TimestampNanosecondType;
use panoptes_eventstore::arrow::record_batch::RecordBatch;
use panoptes_eventstore::{EventStore, StoreError};
use rand::Rng;
use serde::{Deserialize, Serialize};

use activity::{DAY, HOUR, TenantContext};
pub use population::Tenant;
pub use scenarios::{AttackKind, InjectedAttack};
use telemetry::Telemetry;

/// What to generate.
#[derive(Debug, Clone)]
pub struct GeneratorConfig {
    pub seed: u64,
    pub tenants: usize,
    /// Devices per tenant (the first few are servers).
    pub devices: usize,
    pub days: usize,
    /// Process events per device per day (connections about as many; other tables fewer).
    pub rate: usize,
    /// End of the generated window, Unix nanoseconds (exclusive).
    pub end_ns: i64,
    /// Inject attacks (into three tenants of every four).
    pub attacks: bool,
    /// Worker threads (the output does not depend on it).
    pub threads: usize,
}

/// Why generation stopped.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("the generated rows could not be stored: {0}")]
    Store(#[from] StoreError),
    #[error("nothing to generate: {0} must be at least 1")]
    Empty(&'static str),
}

/// A generated tenant, as the ground truth lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeneratedTenant {
    pub id: String,
    pub name: String,
    pub domain: String,
    pub devices: Vec<String>,
    pub users: Vec<String>,
}

/// What was generated, and which attacks are in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroundTruth {
    pub seed: u64,
    pub start: String,
    pub end: String,
    pub rows: u64,
    pub tenants: Vec<GeneratedTenant>,
    pub attacks: Vec<InjectedAttack>,
}

/// The tenants a configuration produces (cheap: no telemetry).
pub fn tenants(config: &GeneratorConfig) -> Vec<Tenant> {
    (0..config.tenants).map(|i| population::tenant(config.seed, i, config.devices.max(1))).collect()
}

/// Which attack, if any, tenant `index` gets: one kind each, with every third tenant left clean.
pub fn attack_for(config: &GeneratorConfig, index: usize) -> Option<AttackKind> {
    (config.attacks && index % 3 != 2).then(|| AttackKind::ALL[index % AttackKind::ALL.len()])
}

fn iso(ns: i64) -> String {
    chrono::DateTime::from_timestamp_nanos(ns).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The calendar days (UTC midnights) the window touches.
fn days_of(config: &GeneratorConfig) -> Vec<i64> {
    let start = config.end_ns - config.days as i64 * DAY;
    let first = start.div_euclid(DAY) * DAY;
    (0..).map(|d| first + d * DAY).take_while(|day| *day < config.end_ns).collect()
}

/// One tenant-day's table batches and the attack injected that day, if any.
pub type TenantDay = (Vec<(&'static str, RecordBatch)>, Option<InjectedAttack>);

/// One tenant-day of telemetry as table batches (only rows inside the window), plus the attack
/// injected that day, if any. Pure: the same inputs give the same rows.
pub fn generate_tenant_day(
    config: &GeneratorConfig,
    tenant: &Tenant,
    day_start: i64,
) -> Result<TenantDay, GenerateError> {
    let mut ctx = TenantContext::new(tenant);
    let mut out = Telemetry::new()?;
    let mut rng = population::rng_for(config.seed, tenant.index, 1000 + day_start.div_euclid(DAY) as u64);
    for dev in &tenant.devices {
        activity::device_day(&mut ctx, &mut out, &mut rng, dev, day_start, config.rate);
    }
    cloud::tenant_day(tenant, &mut out, &mut rng, day_start);
    let mut injected = None;
    if let Some(kind) = attack_for(config, tenant.index) {
        let when = attack_time(config, tenant.index);
        if when.div_euclid(DAY) * DAY == day_start {
            let mut attack_rng = population::rng_for(config.seed, tenant.index, 3);
            injected = Some(scenarios::inject(&mut ctx, &mut out, &mut attack_rng, kind, when));
        }
    }
    let start = config.end_ns - config.days as i64 * DAY;
    let mut batches = Vec::new();
    for (table, batch) in out.take_batches()? {
        let batch = within(&batch, start, config.end_ns)?;
        if batch.num_rows() > 0 {
            batches.push((table, batch));
        }
    }
    Ok((batches, injected))
}

/// When tenant `index`'s attack happens: within the window's last 36 hours, an hour clear of
/// either end.
fn attack_time(config: &GeneratorConfig, index: usize) -> i64 {
    let span = (config.days as i64 * DAY).min(36 * HOUR) - 2 * HOUR;
    let mut rng = population::rng_for(config.seed, index, 2);
    config.end_ns - HOUR - rng.random_range(0..span.max(1))
}

fn within(batch: &RecordBatch, start: i64, end: i64) -> Result<RecordBatch, GenerateError> {
    let engine = |e: panoptes_eventstore::arrow::error::ArrowError| StoreError::Engine(e.to_string());
    let Ok(index) = batch.schema().index_of("Timestamp") else { return Ok(batch.clone()) };
    let Some(times) = batch.column(index).as_primitive_opt::<TimestampNanosecondType>() else {
        return Ok(batch.clone());
    };
    let keep: BooleanArray = times.iter().map(|t| Some(t.is_some_and(|t| t >= start && t < end))).collect();
    Ok(filter_record_batch(batch, &keep).map_err(engine)?)
}

/// Generates everything into `store`, tenant by tenant on `config.threads` threads, calling
/// `progress(tenant-days done, rows written)` as it goes.
pub fn generate(
    store: &EventStore,
    config: &GeneratorConfig,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<GroundTruth, GenerateError> {
    for (value, name) in [(config.tenants, "tenants"), (config.devices, "devices"), (config.days, "days")] {
        if value == 0 {
            return Err(GenerateError::Empty(name));
        }
    }
    let tenants = tenants(config);
    let days = days_of(config);
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let done = AtomicU64::new(0);
    let rows = AtomicU64::new(0);
    let attacks = Mutex::new(Vec::new());
    let first_error = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..config.threads.max(1) {
            scope.spawn(|| {
                while !failed.load(Ordering::Relaxed) {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(tenant) = tenants.get(index) else { break };
                    if let Err(e) = store_tenant(store, config, tenant, &days, &attacks, &rows, &done, progress) {
                        failed.store(true, Ordering::Relaxed);
                        first_error.lock().unwrap_or_else(|p| p.into_inner()).get_or_insert(e);
                    }
                }
            });
        }
    });
    if let Some(error) = first_error.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(error);
    }
    let mut attacks = attacks.into_inner().unwrap_or_else(|p| p.into_inner());
    attacks.sort_by(|a: &InjectedAttack, b| a.tenant.cmp(&b.tenant));
    Ok(GroundTruth {
        seed: config.seed,
        start: iso(config.end_ns - config.days as i64 * DAY),
        end: iso(config.end_ns),
        rows: rows.into_inner(),
        tenants: tenants
            .iter()
            .map(|t| GeneratedTenant {
                id: t.id.to_string(),
                name: t.name.clone(),
                domain: t.domain.clone(),
                devices: t.devices.iter().map(|d| d.name.clone()).collect(),
                users: t.users.iter().map(|u| u.upn.clone()).collect(),
            })
            .collect(),
        attacks,
    })
}

#[allow(clippy::too_many_arguments)]
fn store_tenant(
    store: &EventStore,
    config: &GeneratorConfig,
    tenant: &Tenant,
    days: &[i64],
    attacks: &Mutex<Vec<InjectedAttack>>,
    rows: &AtomicU64,
    done: &AtomicU64,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<(), GenerateError> {
    let scope = TenantScope::local_operator([tenant.id.clone()]);
    for day in days {
        let (batches, injected) = generate_tenant_day(config, tenant, *day)?;
        let count: usize = batches.iter().map(|(_, b)| b.num_rows()).sum();
        let refs: Vec<(&str, RecordBatch)> = batches.into_iter().collect();
        store.import(&scope, &refs)?;
        if let Some(attack) = injected {
            attacks.lock().unwrap_or_else(|p| p.into_inner()).push(attack);
        }
        let total_rows = rows.fetch_add(count as u64, Ordering::Relaxed) + count as u64;
        let total_days = done.fetch_add(1, Ordering::Relaxed) + 1;
        progress(total_days, total_rows);
    }
    Ok(())
}
