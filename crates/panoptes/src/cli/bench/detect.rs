//! `panoptes bench detect`: many scheduled detection rules over many tenants of generated
//! telemetry, one tenant about 10× heavier than the others. Prints rule evaluations per second
//! for a pass where every rule is due at once, the scheduler lag (run start − due time) per
//! tenant for that pass — the heavy tenant against the rest — and the ingest-to-alert latency of
//! a near-real-time rule while the scheduler runs; then the incident queue's list calls over
//! 100,000 incidents (filters, sorts, deep pages).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use panoptes_app::{DetectionConfig, bootstrap_instance, seed_demo};
use panoptes_db::{CompareOp, Filter, FilterValue, ListQuery};
use panoptes_domain::{TenantId, TenantScope};
use panoptes_eventstore::ingest::{Format, IngestOptions, convert_records, split_records};

use crate::cli::generate::{GenerateArgs, generate_into};
use crate::cli::serve::open;

#[derive(Debug, Args)]
pub(crate) struct DetectBenchArgs {
    /// Working directory (removed afterwards).
    #[arg(long, default_value = "bench-detect")]
    dir: PathBuf,
    /// Customer tenants.
    #[arg(long, default_value_t = 100)]
    tenants: usize,
    /// Detection rules in all (spread evenly over the tenants, cycling the first-party rules).
    #[arg(long, default_value_t = 1000)]
    rules: usize,
    /// Devices per ordinary tenant (the heavy tenant gets 10× as many).
    #[arg(long, default_value_t = 3)]
    devices: usize,
    /// Rule runs at once.
    #[arg(long, default_value_t = 2)]
    concurrent: usize,
    /// Matching events ingested to time the near-real-time rule.
    #[arg(long, default_value_t = 5)]
    nrt_events: usize,
    /// Incidents in the queue measurement.
    #[arg(long, default_value_t = 100_000)]
    incidents: usize,
}

fn percentile(values: &mut [f64], q: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(((values.len() as f64 - 1.0) * q).round() as usize).copied().unwrap_or(f64::NAN)
}

pub(crate) fn run(args: DetectBenchArgs) -> anyhow::Result<std::process::ExitCode> {
    let _ = std::fs::remove_dir_all(&args.dir);
    let instance = open(&args.dir, None)?;
    let normal = GenerateArgs::small(args.dir.join("events"), args.tenants.max(2) - 1, args.devices, 1, 100, 7);
    let mut truth = generate_into(&instance.store, &normal)?;
    // One more tenant with ten times the devices (a second seed names it apart).
    let heavy_args = GenerateArgs::small(args.dir.join("events"), 1, args.devices * 10, 1, 100, 8);
    let heavy = generate_into(&instance.store, &heavy_args)?;
    let heavy_id = heavy.tenants.first().map(|t| t.id.clone()).context("the heavy tenant")?;
    // Tenant names are unique in an instance; the second run starts its names over.
    truth.tenants.extend(heavy.tenants.iter().cloned().map(|mut t| {
        t.name = format!("{} (heavy)", t.name);
        t
    }));
    instance.store.flush()?;
    let customers: Vec<(TenantId, String)> =
        truth.tenants.iter().map(|t| (TenantId::new(t.id.clone()), t.name.clone())).collect();
    let content = crate::cli::rules::embedded_rules()?;
    let config = DetectionConfig {
        concurrent_runs: args.concurrent,
        tick: Duration::from_millis(200),
        nrt_interval: Duration::from_millis(500),
        ..DetectionConfig::default()
    };
    let app = instance.app.clone().with_detection(config);
    let per_tenant = (args.rules / customers.len()).max(1);
    instance.http.block_on(async {
        let admin = bootstrap_instance(&app, "Bench MSSP", "admin@mssp", "panoptes-admin").await?;
        seed_demo(&app, &admin, &customers).await?;
        for (index, (tenant, _)) in customers.iter().enumerate() {
            let slice: Vec<_> = (0..per_tenant).map(|k| content[(index + k) % content.len()].clone()).collect();
            app.install_content_rules(std::slice::from_ref(tenant), &slice).await?;
        }
        anyhow::Ok(())
    })?;
    let installed = per_tenant * customers.len();
    println!(
        "{} tenants ({} heavy with {}× the devices), {} events, {installed} rules, {} runs at once",
        customers.len(),
        heavy_id,
        10,
        truth.rows + heavy.rows,
        args.concurrent
    );

    // Every rule due at once: one fair pass.
    let started = Instant::now();
    let runs = instance.http.block_on(app.run_due_rules())?;
    let elapsed = started.elapsed().as_secs_f64();
    println!("rule evaluations: {runs} in {elapsed:.1} s = {:.0} evaluations/s", runs as f64 / elapsed);

    // Lag per tenant: how long after its due time each rule started.
    let mut lags: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut durations: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    instance.http.block_on(async {
        let mut conn = app.db().conn().await?;
        for (tenant, _) in &customers {
            let scope = TenantScope::local_operator([tenant.clone()]);
            for rule in panoptes_db::detection_rules_of(&mut conn, &scope).await? {
                for run in panoptes_db::rule_runs(&mut conn, &scope, &rule.id, 10).await? {
                    lags.entry(tenant.to_string()).or_default().push((run.started_ns - run.window_end_ns) as f64 / 1e9);
                    durations.entry(tenant.to_string()).or_default().push(run.duration_ms as f64);
                }
            }
        }
        anyhow::Ok(())
    })?;
    let mut heavy_lags = lags.remove(&heavy_id).unwrap_or_default();
    let heavy_ms = durations.remove(&heavy_id).unwrap_or_default();
    let mut others_p50: Vec<f64> = lags.values_mut().map(|l| percentile(l, 0.5)).collect();
    let mut others_p99: Vec<f64> = lags.values_mut().map(|l| percentile(l, 0.99)).collect();
    let mut other_ms: Vec<f64> = durations.values().flatten().copied().collect();
    let mut heavy_ms = heavy_ms;
    println!(
        "rule run time: heavy tenant p50 {:.0} ms, other tenants p50 {:.0} ms ({:.1}×)",
        percentile(&mut heavy_ms, 0.5),
        percentile(&mut other_ms, 0.5),
        percentile(&mut heavy_ms, 0.5) / percentile(&mut other_ms, 0.5).max(0.001)
    );
    println!(
        "scheduler lag (start − due) in the all-due pass: heavy tenant p50 {:.2} s p99 {:.2} s; other tenants: median p50 {:.2} s, median p99 {:.2} s, worst p99 {:.2} s",
        percentile(&mut heavy_lags, 0.5),
        percentile(&mut heavy_lags, 0.99),
        percentile(&mut others_p50, 0.5),
        percentile(&mut others_p99, 0.5),
        percentile(&mut others_p99, 1.0)
    );

    // Near-real-time: a continuous rule in one ordinary tenant while the scheduler runs.
    let (nrt_tenant, _) = customers.first().cloned().context("a tenant")?;
    let mut nrt_rule = content.iter().find(|r| r.name.contains("Mimikatz")).cloned().context("the Mimikatz rule")?;
    nrt_rule.name = "Mimikatz (near-real-time)".into();
    nrt_rule.period = "0".into();
    instance.http.block_on(app.install_content_rules(std::slice::from_ref(&nrt_tenant), &[nrt_rule]))?;
    let scheduler = {
        let _runtime = instance.http.enter();
        app.spawn_scheduler()
    };
    std::thread::sleep(Duration::from_secs(2));
    let alerts = || -> anyhow::Result<i64> {
        instance.http.block_on(async {
            let mut conn = app.db().conn().await?;
            let query = ListQuery {
                filter: Some(Filter::Compare {
                    column: "title",
                    op: CompareOp::Eq,
                    value: FilterValue::Text("Credential theft with Mimikatz on bench-nrt".into()),
                }),
                order_by: Vec::new(),
                top: 1,
                skip: 0,
            };
            let scope = TenantScope::local_operator([nrt_tenant.clone()]);
            Ok(panoptes_db::list_alerts(&mut conn, &scope, &query).await?.1)
        })
    };
    let mut latencies = Vec::new();
    for index in 0..args.nrt_events {
        let before = alerts()?;
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true);
        let line = serde_json::json!({"Timestamp": now, "DeviceId": "bench-nrt-device", "DeviceName": "bench-nrt",
            "ReportId": 900_000 + index, "FileName": "mimikatz.exe", "ProcessCommandLine": "mimikatz.exe sekurlsa::logonpasswords"});
        let options = IngestOptions {
            format: Format::Native,
            table: Some("DeviceProcessEvents".into()),
            external_tenant_id: None,
            received_ns: 0,
            tenant: nrt_tenant.to_string(),
        };
        let converted = convert_records(split_records(&format!("{line}\n")), &options).map_err(anyhow::Error::msg)?;
        let batches: Vec<(&str, _)> = converted.batches.iter().map(|(t, b)| (t.as_str(), b.clone())).collect();
        let ingested = Instant::now();
        instance.store.append(&TenantScope::local_operator([nrt_tenant.clone()]), &batches)?;
        while alerts()? == before {
            anyhow::ensure!(ingested.elapsed() < Duration::from_secs(60), "no alert within 60 s of the ingest");
            std::thread::sleep(Duration::from_millis(20));
        }
        latencies.push(ingested.elapsed().as_secs_f64());
    }
    scheduler.abort();
    let mut sorted = latencies.clone();
    println!(
        "near-real-time ingest-to-alert over {} events: p50 {:.2} s, max {:.2} s",
        latencies.len(),
        percentile(&mut sorted, 0.5),
        percentile(&mut sorted, 1.0)
    );
    queue(&instance, &app, &customers, args.incidents)?;
    std::fs::remove_dir_all(&args.dir).ok();
    Ok(std::process::ExitCode::SUCCESS)
}

/// The incident queue over many incidents: pages deep in the list, sorted and filtered on the
/// server, as the analyst (who reaches all tenants but two) asks for them.
fn queue(
    instance: &crate::cli::serve::Instance,
    app: &panoptes_app::App,
    customers: &[(TenantId, String)],
    count: usize,
) -> anyhow::Result<()> {
    let severities = ["informational", "low", "medium", "high"];
    let statuses = ["active", "inProgress", "resolved"];
    let started = Instant::now();
    instance.http.block_on(async {
        let mut tx = app.db().begin().await?;
        for index in 0..count {
            let (tenant, _) = &customers[index % customers.len()];
            let at = 1_790_000_000_000_000_000 + index as i64 * 1_000_000_000;
            let incident = panoptes_db::Incident {
                id: format!("q{index}"),
                tenant_id: tenant.clone(),
                display_name: format!("Queued incident {index}"),
                description: String::new(),
                status: statuses[index % 3].into(),
                severity: severities[index % 4].into(),
                severity_rank: (index % 4) as i64,
                classification: None,
                determination: None,
                assigned_to: (index % 5 == 0).then(|| "analyst@mssp".to_string()),
                custom_tags: if index % 7 == 0 { r#"["vip"]"#.into() } else { "[]".into() },
                system_tags: "[]".into(),
                categories: r#"["Execution"]"#.into(),
                service_sources: "[]".into(),
                detection_sources: r#"["customDetection"]"#.into(),
                impacted_assets: "[]".into(),
                active_alerts: 1,
                alert_count: 1,
                redirect_incident_id: None,
                created_ns: at,
                last_update_ns: at,
                first_activity_ns: at,
                last_activity_ns: at,
            };
            panoptes_db::insert_incident(&mut tx, &TenantScope::local_operator([tenant.clone()]), &incident).await?;
        }
        tx.commit().await.map_err(panoptes_db::DbError::from)?;
        anyhow::Ok(())
    })?;
    let inserted = started.elapsed().as_secs_f64();
    let caller = instance.http.block_on(app.sign_in("analyst@mssp", "panoptes-demo", "bench"))?.caller;
    println!("incident queue: {count} incidents stored in {inserted:.1} s; the analyst's list calls (50 per page):");
    let cases = [
        ("newest first, first page", None, "lastActivityDateTime desc", 0),
        ("newest first, page 1,000", None, "lastActivityDateTime desc", 50_000),
        (
            "open, high-medium-low, by severity",
            Some("status in ('active', 'inProgress') and severity in ('high', 'medium', 'low')"),
            "severity desc, lastActivityDateTime desc",
            0,
        ),
        (
            "tagged vip, assigned to me",
            Some("customTags/any(t: t eq 'vip') and assignedTo eq 'analyst@mssp'"),
            "lastActivityDateTime desc",
            0,
        ),
        ("name contains, deep page", Some("contains(displayName, 'incident 9')"), "displayName asc", 2_000),
    ];
    for (label, filter, order, skip) in cases {
        let options = panoptes_app::ListOptions {
            filter: filter.map(str::to_string),
            order_by: Some(order.to_string()),
            top: Some(50),
            skip: Some(skip),
        };
        let mut times = Vec::new();
        let mut total = 0;
        for _ in 0..10 {
            let call = Instant::now();
            let page = instance.http.block_on(app.list_incidents(&caller, &Default::default(), &options, false))?;
            times.push(call.elapsed().as_secs_f64() * 1000.0);
            total = page.count;
        }
        println!(
            "  {label:<38} {total:>7} match  p50 {:>6.1} ms  max {:>6.1} ms",
            percentile(&mut times, 0.5),
            percentile(&mut times, 1.0)
        );
    }
    Ok(())
}
