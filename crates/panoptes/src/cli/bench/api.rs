//! `panoptes bench api`: a demo instance with many tenants served on loopback, driven by a small
//! keep-alive HTTP/1.1 load generator (threads with their own connections). Prints requests per
//! second and p50/p99 latency for a tenant-scoped list call and for runHuntingQuery fanned out
//! over every tenant the analyst reaches.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use panoptes_app::{bootstrap_instance, seed_demo};
use panoptes_domain::TenantId;
use panoptes_server::{ServerConfig, router};
use serde_json::{Value, json};

use crate::cli::generate::{GenerateArgs, generate_into};
use crate::cli::serve::open;

#[derive(Debug, Args)]
pub(crate) struct ApiBenchArgs {
    /// Working directory (removed afterwards).
    #[arg(long, default_value = "bench-api")]
    dir: PathBuf,
    /// Customer tenants (the analyst reaches all but two).
    #[arg(long, default_value_t = 100)]
    tenants: usize,
    /// Concurrent connections.
    #[arg(long, default_value_t = 4)]
    connections: usize,
    /// Seconds per measurement.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
}

/// A keep-alive connection speaking just enough HTTP/1.1 for JSON calls.
struct Connection {
    reader: BufReader<TcpStream>,
    port: u16,
}

impl Connection {
    fn open(port: u16) -> anyhow::Result<Connection> {
        let stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_nodelay(true)?;
        Ok(Connection { reader: BufReader::new(stream), port })
    }

    fn call(&mut self, method: &str, path: &str, headers: &str, body: &str) -> anyhow::Result<(u16, Vec<u8>)> {
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{headers}\r\n{body}",
            self.port,
            body.len()
        );
        self.reader.get_mut().write_all(request.as_bytes())?;
        let mut status_line = String::new();
        self.reader.read_line(&mut status_line)?;
        let status = status_line.split(' ').nth(1).and_then(|s| s.parse().ok()).context("no HTTP status")?;
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line)?;
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut payload = vec![0; length];
        self.reader.read_exact(&mut payload)?;
        Ok((status, payload))
    }
}

/// Runs `connections` threads calling for `seconds`; returns requests/s, p50 and p99 in ms.
fn measure(
    port: u16,
    connections: usize,
    seconds: u64,
    call: &(dyn Fn(&mut Connection) -> anyhow::Result<()> + Sync),
) -> anyhow::Result<(f64, f64, f64)> {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut latencies: Vec<f64> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..connections)
            .map(|_| {
                scope.spawn(move || -> anyhow::Result<Vec<f64>> {
                    let mut connection = Connection::open(port)?;
                    let mut out = Vec::new();
                    while Instant::now() < deadline {
                        let start = Instant::now();
                        call(&mut connection)?;
                        out.push(start.elapsed().as_secs_f64() * 1000.0);
                    }
                    Ok(out)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().map_err(|_| anyhow::anyhow!("load thread panicked"))?)
            .collect::<anyhow::Result<Vec<_>>>()
    })?
    .into_iter()
    .flatten()
    .collect();
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| latencies.get(((latencies.len() as f64 - 1.0) * q).round() as usize).copied().unwrap_or(f64::NAN);
    Ok((latencies.len() as f64 / elapsed, at(0.5), at(0.99)))
}

pub(crate) fn run(args: ApiBenchArgs) -> anyhow::Result<std::process::ExitCode> {
    let _ = std::fs::remove_dir_all(&args.dir);
    let instance = open(&args.dir, None)?;
    let generate = GenerateArgs::small(args.dir.join("events"), args.tenants, 2, 1, 50, 3);
    let truth = generate_into(&instance.store, &generate)?;
    let customers: Vec<(TenantId, String)> =
        truth.tenants.iter().map(|t| (TenantId::new(t.id.clone()), t.name.clone())).collect();
    instance.http.block_on(async {
        let admin = bootstrap_instance(&instance.app, "Bench MSSP", "admin@mssp", "panoptes-admin").await?;
        seed_demo(&instance.app, &admin, &customers).await
    })?;
    let config =
        ServerConfig { requests_per_minute: u32::MAX, sign_ins_per_minute: u32::MAX, ..ServerConfig::default() };
    let routes = router(instance.app.clone(), config);
    let listener = instance.http.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let port = listener.local_addr()?.port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = instance.http.spawn(panoptes_server::serve(listener, routes, async {
        let _ = stopped.await;
    }));

    // Bearer tokens, as automation would use: signed in through the app, not timed.
    let token = |username: &str, password: &str| -> anyhow::Result<String> {
        let caller = instance.http.block_on(instance.app.sign_in(username, password, "bench"))?.caller;
        let lifetime = Duration::from_secs(86_400);
        Ok(instance.http.block_on(instance.app.issue_token(&caller, None, Default::default(), lifetime))?.secret)
    };
    let admin = token("admin@mssp", "panoptes-admin")?;
    let analyst = token("analyst@mssp", "panoptes-demo")?;
    let home = {
        let mut connection = Connection::open(port)?;
        let (_, body) = connection.call("GET", "/api/v1/me", &format!("Authorization: Bearer {admin}\r\n"), "")?;
        let me: Value = serde_json::from_slice(&body)?;
        me["homeTenantId"].as_str().context("no home tenant")?.to_string()
    };
    println!(
        "{} customer tenants, {} events; {} connections, {} s per measurement",
        customers.len(),
        truth.rows,
        args.connections,
        args.seconds
    );
    println!("{:<44} {:>10} {:>9} {:>9}", "call", "req/s", "p50 ms", "p99 ms");
    let list_path = format!("/api/v1/tenants/{home}/users");
    let admin_header = format!("Authorization: Bearer {admin}\r\n");
    let list = |c: &mut Connection| -> anyhow::Result<()> {
        let (status, _) = c.call("GET", &list_path, &admin_header, "")?;
        if status != 200 { bail!("list call answered {status}") } else { Ok(()) }
    };
    let (rps, p50, p99) = measure(port, args.connections, args.seconds, &list)?;
    println!("{:<44} {rps:>10.0} {p50:>9.2} {p99:>9.2}", "GET /tenants/{id}/users (tenant-scoped list)");
    let hunt_body = json!({"Query": "DeviceProcessEvents | summarize count() by DeviceName"}).to_string();
    let analyst_header = format!("Authorization: Bearer {analyst}\r\n");
    let mut fan_out = 0usize;
    {
        let mut connection = Connection::open(port)?;
        let (_, body) = connection.call("POST", "/api/v1/security/runHuntingQuery", &analyst_header, &hunt_body)?;
        let answer: Value = serde_json::from_slice(&body)?;
        fan_out =
            answer["tenantStatus"].as_array().map_or(fan_out, |s| s.iter().filter(|t| t["status"] == "ok").count());
    }
    let hunt = |c: &mut Connection| -> anyhow::Result<()> {
        let (status, _) = c.call("POST", "/api/v1/security/runHuntingQuery", &analyst_header, &hunt_body)?;
        if status != 200 { bail!("runHuntingQuery answered {status}") } else { Ok(()) }
    };
    let (rps, p50, p99) = measure(port, args.connections.min(2), args.seconds, &hunt)?;
    println!("{:<44} {rps:>10.1} {p50:>9.1} {p99:>9.1}", format!("runHuntingQuery over {fan_out} tenants"));
    let _ = stop.send(());
    instance.http.block_on(server).context("server task")??;
    std::fs::remove_dir_all(&args.dir).ok();
    Ok(std::process::ExitCode::SUCCESS)
}
