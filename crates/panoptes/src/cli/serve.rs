//! `panoptes serve` (an instance on a data directory) and `panoptes demo` (a fresh data
//! directory with generated tenants, telemetry and demo people, then serve). The HTTP server
//! runs on one Tokio runtime and hunts on another, so a heavy query never stalls the API.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use panoptes_app::{App, SecretBox, SecurityConfig, SystemClock, bootstrap_instance, seed_demo};
use panoptes_db::Db;
use panoptes_domain::TenantId;
use panoptes_eventstore::{EventStore, MaintenancePlan, StoreConfig};
use panoptes_query::{Engine, QueryLimits};
use panoptes_server::{ServerConfig, router};

use super::generate::{GenerateArgs, generate_into};
use super::serve_config::ServeFile;

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Settings in TOML (keys: data, listen, database, public-url, secure-cookies, provider,
    /// max-body-bytes, requests-per-minute, sign-ins-per-minute); flags and env win.
    #[arg(long, env = "PANOPTES_CONFIG")]
    config: Option<PathBuf>,
    /// The data directory (event store, and the SQLite operational store unless --database).
    #[arg(long, env = "PANOPTES_DATA")]
    data: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "PANOPTES_LISTEN")]
    listen: Option<SocketAddr>,
    /// Operational store URL: `sqlite://FILE` or `postgres://...` (default: ops.db in --data).
    #[arg(long, env = "PANOPTES_DATABASE_URL")]
    database: Option<String>,
    /// Create the provider tenant and this instance administrator on a new instance.
    #[arg(long, env = "PANOPTES_ADMIN_USER")]
    admin_user: Option<String>,
    /// The first administrator's password (with --admin-user).
    #[arg(long, env = "PANOPTES_ADMIN_PASSWORD", hide_env_values = true)]
    admin_password: Option<String>,
    /// Name of the provider tenant made with --admin-user [default: Provider].
    #[arg(long)]
    provider: Option<String>,
    /// Mark session cookies Secure (when served over TLS by a proxy).
    #[arg(long)]
    secure_cookies: bool,
    /// The URL browsers reach this server at, e.g. behind a proxy (default: http://<listen>);
    /// OpenID providers must allow `<public-url>/api/v1/auth/oidc/callback` as redirect URI.
    #[arg(long, env = "PANOPTES_PUBLIC_URL")]
    public_url: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Data directory (default: a fresh one under the system's temp directory).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Customer tenants to generate.
    #[arg(long, default_value_t = 12)]
    tenants: usize,
    /// Devices per tenant.
    #[arg(long, default_value_t = 10)]
    devices: usize,
    /// Days of telemetry.
    #[arg(long, default_value_t = 3)]
    days: usize,
}

pub(crate) struct Instance {
    pub(crate) app: App,
    pub(crate) store: Arc<EventStore>,
    pub(crate) http: tokio::runtime::Runtime,
    // Kept alive for the app's query handle.
    _query: tokio::runtime::Runtime,
}

fn now_ns() -> i64 {
    chrono::Utc::now().timestamp_nanos_opt().unwrap_or(i64::MAX)
}

pub(crate) fn open(data: &Path, database: Option<&str>) -> anyhow::Result<Instance> {
    std::fs::create_dir_all(data).with_context(|| format!("creating {}", data.display()))?;
    let (store, report) = EventStore::open(&data.join("events"), StoreConfig::default())
        .with_context(|| format!("opening the event store in {}", data.display()))?;
    if report.replayed_rows > 0 {
        tracing::info!(rows = report.replayed_rows, "replayed the write-ahead log");
    }
    let store = Arc::new(store);
    let http = tokio::runtime::Builder::new_multi_thread().enable_all().thread_name("panoptes-http").build()?;
    let query = tokio::runtime::Builder::new_multi_thread().enable_all().thread_name("panoptes-query").build()?;
    let url = match database {
        Some(url) => url.to_string(),
        None => format!("sqlite://{}?mode=rwc", data.join("ops.db").display()),
    };
    let db = http.block_on(Db::connect(&url)).with_context(|| format!("opening the operational store {url}"))?;
    let app = App::new(
        db,
        store.clone(),
        Engine::new(QueryLimits::default()),
        Arc::new(SystemClock),
        SecurityConfig::default(),
        query.handle().clone(),
    )
    .with_secrets(secret_key(data)?);
    Ok(Instance { app, store, http, _query: query })
}

/// The key that seals secrets in the operational store: `PANOPTES_SECRET_KEY` (64 hex digits),
/// else `<data>/secret.key`, made on first start and readable by the owner only.
fn secret_key(data: &Path) -> anyhow::Result<SecretBox> {
    if let Ok(hex) = std::env::var("PANOPTES_SECRET_KEY") {
        return SecretBox::from_hex(&hex).context("PANOPTES_SECRET_KEY");
    }
    let path = data.join("secret.key");
    if !path.exists() {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .with_context(|| format!("creating {}", path.display()))?;
        file.write_all(SecretBox::generate_hex()?.as_bytes())?;
        file.sync_all()?;
    }
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    SecretBox::from_hex(&text).with_context(|| format!("{} is not a key; restore it from your backup", path.display()))
}

fn serve(instance: Instance, listen: SocketAddr, config: ServerConfig, banner: &str) -> anyhow::Result<ExitCode> {
    let maintenance = EventStore::spawn_maintenance(
        instance.store.clone(),
        MaintenancePlan {
            flush_every: std::time::Duration::from_secs(30),
            tidy_every: std::time::Duration::from_secs(600),
        },
        now_ns,
    );
    let routes = router(instance.app.clone(), config);
    let app = instance.app.clone();
    instance.http.block_on(async move {
        let scheduler = app.spawn_scheduler();
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("listening on {listen}: is the port free?"))?;
        let address = listener.local_addr()?;
        println!("Panoptes is listening on http://{address}/");
        print!("{banner}");
        use std::io::Write;
        std::io::stdout().flush().ok();
        panoptes_server::serve(listener, routes, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("serving HTTP")?;
        scheduler.abort();
        anyhow::Ok(())
    })?;
    drop(maintenance);
    instance.store.flush().context("flushing buffered events on shutdown")?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn run_serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let file = match &args.config {
        Some(path) => ServeFile::read(path)?,
        None => ServeFile::default(),
    };
    let data = args.data.clone().or_else(|| file.data.clone()).context(
        "no data directory: pass --data DIR, set PANOPTES_DATA, or put `data = \"DIR\"` in the --config file",
    )?;
    let listen = args.listen.or(file.listen).unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)));
    let database = args.database.clone().or_else(|| file.database.clone());
    let instance = open(&data, database.as_deref())?;
    if let (Some(user), Some(password)) = (&args.admin_user, &args.admin_password) {
        let provider = args.provider.clone().or_else(|| file.provider.clone()).unwrap_or_else(|| "Provider".into());
        match instance.http.block_on(bootstrap_instance(&instance.app, &provider, user, password)) {
            Ok(_) => println!("created the provider tenant {provider:?} and the administrator {user}"),
            Err(panoptes_app::AppError::Conflict(_)) => {}
            Err(error) => return Err(error).context("creating the first administrator"),
        }
    }
    let config = file.server_config(listen, args.secure_cookies, args.public_url.clone());
    serve(instance, listen, config, "")
}

pub(crate) fn run_demo(args: DemoArgs) -> anyhow::Result<ExitCode> {
    let data = args.data.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("panoptes-demo-{}-{}", std::process::id(), now_ns() / 1_000_000_000))
    });
    if data.join("ops.db").exists() {
        anyhow::bail!("{} already holds an instance: pass a new --data directory for the demo", data.display());
    }
    let rules = super::rules::embedded_rules()?;
    let instance = open(&data, None)?;
    let generate = GenerateArgs::small(data.join("events"), args.tenants, args.devices, args.days, 200, 1);
    let truth = generate_into(&instance.store, &generate)?;
    let customers: Vec<(TenantId, String)> =
        truth.tenants.iter().map(|t| (TenantId::new(t.id.clone()), t.name.clone())).collect();
    let admin_password = "panoptes-admin";
    let people = instance.http.block_on(async {
        let admin = bootstrap_instance(&instance.app, "Northwind MSSP", "admin@mssp", admin_password).await?;
        let people = seed_demo(&instance.app, &admin, &customers).await?;
        let tenants: Vec<TenantId> = customers.iter().map(|(id, _)| id.clone()).collect();
        instance.app.install_content_rules(&tenants, &rules).await?;
        // The first scheduler pass, before the banner, so the queue is full at first sign-in.
        instance.app.run_due_rules().await?;
        anyhow::Ok(people)
    })?;
    let mut banner = format!(
        "Demo data: {} customer tenants, {} events, {} injected attacks, in {}\nSign in with:\n  {:<28} {:<16} instance administrator of the MSSP tenant\n",
        customers.len(),
        truth.rows,
        truth.attacks.len(),
        data.display(),
        "admin@mssp",
        admin_password
    );
    for person in people {
        banner.push_str(&format!("  {:<28} {:<16} {}\n", person.username, person.password, person.description));
    }
    let config = ServerConfig { public_url: format!("http://{}", args.listen), ..ServerConfig::default() };
    serve(instance, args.listen, config, &banner)
}
