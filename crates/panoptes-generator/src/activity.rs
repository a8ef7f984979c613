//! A device's ordinary day: process trees, connections, sign-ins, file, registry and image-load
//! activity, and its inventory rows. Users work business hours; services run around the clock.

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::population::{Device, DeviceRole, Tenant, guid_of, pick};
use crate::programs::{Launch, SERVER_LAUNCHES, WORKSTATION_LAUNCHES};
use crate::telemetry::{Account, Connection, FileTouch, Hashes, Logon, Proc, Telemetry, binary, hashes_of};
use crate::vocabulary::{DOCUMENTS, IMAGE_LOADS, REGISTRY_WRITES, SITES};

pub(crate) const SECOND: i64 = 1_000_000_000;
pub(crate) const HOUR: i64 = 3600 * SECOND;
pub(crate) const DAY: i64 = 24 * HOUR;

/// How busy users are in each hour of the day (UTC stands in for local time).
const WORK_HOURS: [u32; 24] = [1, 1, 1, 1, 1, 2, 4, 10, 18, 20, 20, 18, 12, 18, 20, 19, 16, 10, 5, 3, 2, 2, 1, 1];

/// State shared by every device of one tenant while generating.
pub(crate) struct TenantContext<'a> {
    pub tenant: &'a Tenant,
    pub system: Rc<Account>,
    pub users: Vec<Rc<Account>>,
    hashes: HashMap<&'static str, Rc<Hashes>>,
}

impl<'a> TenantContext<'a> {
    pub(crate) fn new(tenant: &'a Tenant) -> TenantContext<'a> {
        let system = Rc::new(Account {
            domain: "nt authority".into(),
            name: "system".into(),
            sid: "S-1-5-18".into(),
            upn: None,
        });
        let users = tenant
            .users
            .iter()
            .map(|u| {
                Rc::new(Account {
                    domain: tenant.netbios.to_ascii_lowercase(),
                    name: u.account.clone(),
                    sid: u.sid.clone(),
                    upn: Some(u.upn.clone()),
                })
            })
            .collect();
        TenantContext { tenant, system, users, hashes: HashMap::new() }
    }

    fn hashes(&mut self, name: &'static str) -> Rc<Hashes> {
        self.hashes.entry(name).or_insert_with(|| Rc::new(hashes_of(name))).clone()
    }

    /// A process of `name` started by `parent` at `time`.
    pub(crate) fn spawn(
        &mut self,
        rng: &mut ChaCha8Rng,
        name: &'static str,
        command: String,
        parent: Option<&Proc>,
        account: &Rc<Account>,
        time: i64,
    ) -> Proc {
        let bin = binary(name);
        let folder: Rc<str> = bin.folder.replace("{user}", &account.name).into();
        let elevated = account.name == "system";
        Proc {
            bin,
            hashes: self.hashes(bin.name),
            folder,
            command,
            pid: rng.random_range(1_000..40_000) * 4,
            created: time,
            account: account.clone(),
            integrity: if elevated { "System" } else { "Medium" },
            parent_name: parent.map_or("wininit.exe", |p| p.bin.name),
            parent_pid: parent.map_or(560, |p| p.pid),
            parent_created: parent.map_or(time - HOUR, |p| p.created),
        }
    }
}

/// Fills a command-line template's placeholders.
pub(crate) fn fill(template: &str, rng: &mut ChaCha8Rng, user: &str) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else { break };
        let key = &rest[open + 1..open + close];
        match key {
            "user" => out.push_str(user),
            "n" => out.push_str(&rng.random_range(1..99_999).to_string()),
            "hex" => out.push_str(&format!("{:x}", rng.random::<u32>())),
            "guid" => out.push_str(&guid_of(&rng.random::<u64>().to_string())),
            "file" => out.push_str(pick::<&str>(rng, DOCUMENTS)),
            "site" => out.push_str(weighted::<&str>(rng, SITES)),
            other => {
                out.push('{');
                out.push_str(other);
                out.push('}');
            }
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

/// The index of an item drawn with probability proportional to its weight.
fn weighted_index(rng: &mut ChaCha8Rng, weights: impl Iterator<Item = u32> + Clone) -> usize {
    let total: u32 = weights.clone().sum();
    let mut ticket = rng.random_range(0..total.max(1));
    let mut last = 0;
    for (index, weight) in weights.enumerate() {
        if ticket < weight {
            return index;
        }
        ticket -= weight;
        last = index;
    }
    last
}

/// Picks an item by weight.
pub(crate) fn weighted<'a, T>(rng: &mut ChaCha8Rng, items: &'a [(T, u32)]) -> &'a T {
    &items[weighted_index(rng, items.iter().map(|(_, w)| *w))].0
}

fn pick_launch<'a>(rng: &mut ChaCha8Rng, launches: &'a [Launch]) -> &'a Launch {
    &launches[weighted_index(rng, launches.iter().map(|l| l.weight))]
}

/// A time in the day: in working hours for people, any hour for machines.
pub(crate) fn time_in_day(rng: &mut ChaCha8Rng, day_start: i64, human: bool) -> i64 {
    let hour = if human { weighted_index(rng, WORK_HOURS.iter().copied()) as i64 } else { rng.random_range(0..24) };
    day_start + hour * HOUR + rng.random_range(0..HOUR)
}

/// A stable public address for a web domain.
pub(crate) fn ip_of(domain: &str) -> String {
    let h = crate::population::sha1_hex(domain);
    let bytes: Vec<u8> = (0..4).map(|i| u8::from_str_radix(&h[i * 2..i * 2 + 2], 16).unwrap_or(1)).collect();
    const FIRST: [u8; 8] = [13, 20, 23, 40, 52, 104, 142, 151];
    format!("{}.{}.{}.{}", FIRST[bytes[0] as usize % FIRST.len()], bytes[1], bytes[2], bytes[3].max(1))
}

/// One device's benign activity for the day starting at `day_start`, about `rate` process
/// events and as many connections.
pub(crate) fn device_day(
    ctx: &mut TenantContext<'_>,
    out: &mut Telemetry,
    rng: &mut ChaCha8Rng,
    dev: &Device,
    day_start: i64,
    rate: usize,
) {
    let user = ctx.users[dev.owner % ctx.users.len()].clone();
    let system = ctx.system.clone();
    let boot = day_start + rng.random_range(0..HOUR);
    let services = ctx.spawn(rng, "services.exe", r"C:\Windows\system32\services.exe".into(), None, &system, boot);
    let mut running: BTreeMap<&'static str, Proc> = BTreeMap::new();
    running.insert("services.exe", services.clone());
    let svchost = ctx.spawn(
        rng,
        "svchost.exe",
        r"C:\Windows\system32\svchost.exe -k DcomLaunch -p".into(),
        Some(&services),
        &system,
        boot + SECOND,
    );
    running.insert("svchost.exe", svchost);
    let msmpeng = ctx.spawn(
        rng,
        "MsMpEng.exe",
        r#""C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.24090.11-0\MsMpEng.exe""#.into(),
        Some(&services),
        &system,
        boot + 2 * SECOND,
    );
    running.insert("MsMpEng.exe", msmpeng);
    let launches = if dev.is_server() { SERVER_LAUNCHES } else { WORKSTATION_LAUNCHES };
    if !dev.is_server() {
        let sign_in = day_start + 7 * HOUR + rng.random_range(0..2 * HOUR);
        let userinit =
            ctx.spawn(rng, "userinit.exe", r"C:\Windows\system32\userinit.exe".into(), None, &system, sign_in);
        let explorer =
            ctx.spawn(rng, "explorer.exe", r"C:\Windows\Explorer.EXE".into(), Some(&userinit), &user, sign_in + SECOND);
        out.process_created(dev, &explorer, &userinit);
        running.insert("explorer.exe", explorer);
        let logon = Logon {
            logon_type: "Interactive",
            account: &user,
            protocol: "Kerberos",
            failure: None,
            local_admin: false,
            remote_device: None,
            remote_ip: None,
        };
        let winlogon = ctx.spawn(
            rng,
            "svchost.exe",
            r"C:\Windows\system32\svchost.exe -k netsvcs".into(),
            Some(&services),
            &system,
            boot,
        );
        if rng.random_bool(0.15) {
            let failed = Logon { failure: Some("WrongPassword"), ..logon };
            out.logon(dev, sign_in - 30 * SECOND, &failed, &winlogon);
        }
        out.logon(dev, sign_in, &logon, &winlogon);
        for _ in 0..rng.random_range(1..4) {
            let unlock = Logon { logon_type: "Unlock", ..logon };
            out.logon(dev, time_in_day(rng, day_start, true), &unlock, &winlogon);
        }
    }

    let mut times: Vec<(i64, &Launch)> = (0..rate)
        .map(|_| {
            let launch = pick_launch(rng, launches);
            (time_in_day(rng, day_start, !launch.system), launch)
        })
        .collect();
    times.sort_by_key(|(t, _)| *t);
    for (time, launch) in times {
        let account = if launch.system { system.clone() } else { user.clone() };
        let parent = match running.get(launch.parent) {
            Some(p) if p.created < time => p.clone(),
            _ => {
                let grand = if launch.system { &services } else { running.get("explorer.exe").unwrap_or(&services) };
                let command =
                    format!("\"{}\\{}\"", binary(launch.parent).folder.replace("{user}", &user.name), launch.parent);
                let started = time - rng.random_range(1..600) * SECOND;
                let p = ctx.spawn(rng, launch.parent, command, Some(grand), &account, started);
                running.insert(launch.parent, p.clone());
                p
            }
        };
        let command = fill(launch.command, rng, &user.name);
        let child = ctx.spawn(rng, launch.child, command, Some(&parent), &account, time);
        out.process_created(dev, &child, &parent);
        running.insert(launch.child, child);
    }

    connections(ctx, out, rng, dev, day_start, rate, &running);
    let running: Vec<Proc> = running.into_values().collect();
    for _ in 0..rate / 8 {
        let by = pick(rng, &running);
        let time = time_in_day(rng, day_start, true).max(by.created + SECOND);
        let name = format!("{}.{}", pick(rng, DOCUMENTS), pick(rng, &["docx", "xlsx", "pdf", "tmp", "png", "zip"]));
        let folder = if dev.is_server() {
            r"D:\Shares\Common".to_string()
        } else {
            format!(
                r"C:\Users\{}\{}",
                user.name,
                pick(rng, &["Documents", "Downloads", "Desktop", r"AppData\Local\Temp"])
            )
        };
        let action =
            *pick(rng, &["FileCreated", "FileCreated", "FileModified", "FileModified", "FileRenamed", "FileDeleted"]);
        let previous = (action == "FileRenamed").then(|| format!("~{name}"));
        let origin = (by.bin.name == "chrome.exe" || by.bin.name == "msedge.exe")
            .then(|| format!("https://{}/download/{}", weighted(rng, SITES), name));
        let touch = FileTouch {
            name: &name,
            folder: &folder,
            size: rng.random_range(1_000..5_000_000),
            previous_name: previous.as_deref(),
            origin_url: origin.as_deref(),
        };
        out.file(dev, time, action, &touch, by);
    }
    for _ in 0..rate / 12 {
        let (loader, key, value, kind) = pick(rng, REGISTRY_WRITES);
        let by = running.iter().find(|p| p.bin.name == *loader).unwrap_or(&running[0]);
        let key = key.replace("{sid}", &user.sid).replace("{guid}", &guid_of(&dev.id));
        let data = rng.random_range(0..100_000).to_string();
        out.registry(dev, time_in_day(rng, day_start, false).max(by.created), &key, value, &data, kind, by);
    }
    for _ in 0..rate / 6 {
        let (loader, dll, folder) = pick(rng, IMAGE_LOADS);
        let Some(by) = running.iter().find(|p| p.bin.name == *loader) else { continue };
        out.image_load(dev, by.created + rng.random_range(0..5) * SECOND / 10, dll, folder, by);
    }
    for _ in 0..(rate / 40).max(1) {
        let by = pick(rng, &running);
        let time = time_in_day(rng, day_start, false).max(by.created);
        match rng.random_range(0..3) {
            0 => out.device_event(dev, time, "AntivirusScanCompleted", None, None, r#"{"ScanTypeIndex":"Quick"}"#, by),
            1 => out.device_event(
                dev,
                time,
                "DnsQueryResponse",
                None,
                None,
                &format!(r#"{{"DnsQueryString":"{}"}}"#, weighted(rng, SITES)),
                by,
            ),
            _ => out.device_event(
                dev,
                time,
                "ScheduledTaskUpdated",
                None,
                None,
                r#"{"TaskName":"\\Microsoft\\Windows\\UpdateOrchestrator\\Schedule Scan"}"#,
                by,
            ),
        }
    }
    inventory(ctx.tenant, out, rng, dev, day_start);
}

/// Outbound web traffic and the internal traffic of a Windows domain.
fn connections(
    ctx: &TenantContext<'_>,
    out: &mut Telemetry,
    rng: &mut ChaCha8Rng,
    dev: &Device,
    day_start: i64,
    rate: usize,
    running: &BTreeMap<&'static str, Proc>,
) {
    let fallback = running.get("svchost.exe").or_else(|| running.values().next());
    let Some(fallback) = fallback else { return };
    let dc = &ctx.tenant.devices[0];
    for _ in 0..rate {
        let internal = dev.name != dc.name && rng.random_bool(0.15);
        let (url, ip, port) = if internal {
            let port = *pick(rng, &[88, 389, 445, 135, 53]);
            (None, dc.ip.clone(), port)
        } else {
            let site = *weighted(rng, SITES);
            (Some(site), ip_of(site), if rng.random_bool(0.95) { 443 } else { 80 })
        };
        let by_name = match url {
            Some("outlook.office365.com") => "OUTLOOK.EXE",
            Some("teams.microsoft.com") => "ms-teams.exe",
            Some("settings-win.data.microsoft.com" | "ctldl.windowsupdate.com") => "svchost.exe",
            Some("wdcp.microsoft.com") => "MsMpEng.exe",
            Some(_) if rng.random_bool(0.5) => "chrome.exe",
            Some(_) => "msedge.exe",
            None => "svchost.exe",
        };
        let by = running.get(by_name).unwrap_or(fallback);
        let time = time_in_day(rng, day_start, !dev.is_server()).max(by.created);
        let action = if rng.random_bool(0.04) { "ConnectionFailed" } else { "ConnectionSuccess" };
        let c = Connection {
            remote_ip: &ip,
            remote_port: port,
            remote_url: url,
            local_ip: &dev.ip,
            local_port: rng.random_range(49_152..65_535),
        };
        out.connection(dev, time, action, &c, by);
    }
    if dev.role == DeviceRole::DomainController || dev.role == DeviceRole::FileServer {
        // Servers see their clients sign in over the network.
        for _ in 0..(rate / 20).max(1) {
            let client = pick(rng, &ctx.tenant.devices);
            let account = pick(rng, &ctx.users);
            let logon = Logon {
                logon_type: "Network",
                account,
                protocol: "Kerberos",
                failure: None,
                local_admin: false,
                remote_device: Some(&client.name),
                remote_ip: Some(&client.ip),
            };
            out.logon(dev, time_in_day(rng, day_start, true), &logon, fallback);
        }
    }
}

/// Inventory rows: `DeviceInfo` a few times a day, `DeviceNetworkInfo` daily.
fn inventory(tenant: &Tenant, out: &mut Telemetry, rng: &mut ChaCha8Rng, dev: &Device, day_start: i64) {
    let owner = &tenant.users[dev.owner % tenant.users.len()];
    let logged_on =
        format!(r#"[{{"UserName":"{}","DomainName":"{}","Sid":"{}"}}]"#, owner.account, tenant.netbios, owner.sid);
    let public_ip = ip_of(&tenant.domain);
    for slot in 0..4 {
        let report = out.report();
        let (category, kind) = if dev.is_server() { ("Endpoint", "Server") } else { ("Endpoint", "Workstation") };
        out.info
            .row()
            .t(day_start + slot * 6 * HOUR + rng.random_range(0..HOUR))
            .s(&dev.id)
            .s(&dev.name)
            .s(dev.os_platform)
            .s(dev.os_version)
            .l(dev.os_build)
            .s("64-bit")
            .s(kind)
            .s(category)
            .s(&public_ip)
            .s("Hybrid Azure AD Join")
            .s("Onboarded")
            .s("Active")
            .s(if dev.is_server() { "Medium" } else { "Low" })
            .b(dev.role == DeviceRole::WebServer)
            .s(if dev.is_server() { "[]" } else { &logged_on })
            .s(if dev.is_server() { "Servers" } else { "Workstations" })
            .s("10.8760.22621.1011")
            .l(report);
    }
    let report = out.report();
    out.network_info
        .row()
        .t(day_start + rng.random_range(0..DAY))
        .s(&dev.id)
        .s(&dev.name)
        .s("Ethernet")
        .s(&dev.mac)
        .s("Ethernet")
        .s("Up")
        .s(&format!(r#"[{{"IPAddress":"{}","SubnetPrefix":24,"AddressType":"Private"}}]"#, dev.ip))
        .s(r#"["10.0.0.1"]"#)
        .s(&format!(r#"["{}"]"#, tenant.devices[0].ip))
        .s(&format!(r#"[{{"Name":"{}","Category":"Domain","IsConnectedToInternet":true}}]"#, tenant.domain))
        .l(report);
}
