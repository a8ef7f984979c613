//! Windows events to Defender tables, following Defender's conventions: `DeviceName` is the
//! lower-case host name, `DeviceId` the hex SHA-1 of `tenant|DeviceName`, hashes lower case
//! (split from Sysmon's `Hashes`), hex ids as integers, `ReportId` the record number, hives
//! spelled out, unmapped EventData kept in `AdditionalFields`. The full table is in
//! `docs/specs/windows-event-mapping.md`.

use serde_json::{Map, Value as Json, json};

use super::windows::{WinEvent, as_i64};

/// A row for one table.
pub(super) type Row = (&'static str, Map<String, Json>);

const SYSMON: &str = "microsoft-windows-sysmon/operational";
/// Sysmon for Linux logs the same event ids with the same fields.
const LINUX_SYSMON: &str = "linux-sysmon/operational";

/// The rows one event becomes (none when the event is not mapped).
pub(super) fn map_event(event: &WinEvent, time_ns: i64, tenant: &str) -> Vec<Row> {
    let mut data = event.data.clone();
    data.remove("UtcTime"); // it is the Timestamp
    let mut row = Map::new();
    let time = chrono::DateTime::from_timestamp_nanos(time_ns).to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
    row.insert("Timestamp".into(), json!(time));
    row.insert("DeviceName".into(), json!(event.computer));
    row.insert("DeviceId".into(), json!(device_id(tenant, &event.computer)));
    if let Some(id) = event.record_id {
        row.insert("ReportId".into(), json!(id));
    }
    let channel = if event.channel == LINUX_SYSMON { SYSMON } else { event.channel.as_str() };
    let table = match (channel, event.event_id) {
        (SYSMON, 1) => process_created(&mut data, &mut row),
        ("security", 4688) => security_process(&mut data, &mut row),
        (SYSMON, 3) => sysmon_network(&mut data, &mut row),
        ("security", 5154 | 5156 | 5157 | 5158) => wfp_network(event.event_id, &mut data, &mut row),
        (SYSMON, 11 | 15 | 23 | 26) => file_event(event.event_id, &mut data, &mut row),
        (SYSMON, 12..=14) => registry_event(&mut data, &mut row),
        (SYSMON, 7) => image_load(&mut data, &mut row),
        ("security", 4624 | 4625 | 4648) => logon(event.event_id, &mut data, &mut row),
        _ => device_event(event, &mut data, &mut row),
    };
    let Some(table) = table else { return Vec::new() };
    for (key, value) in data {
        // Fields left over go to AdditionalFields (the builder moves unknown names there).
        row.entry(key).or_insert(value);
    }
    vec![(table, row)]
}

/// The DeviceInfo row for a host seen in the input.
pub(super) fn device_info(computer: &str, time_ns: i64, tenant: &str, platform: &str) -> Row {
    let time = chrono::DateTime::from_timestamp_nanos(time_ns).to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
    let mut row = Map::new();
    row.insert("Timestamp".into(), json!(time));
    row.insert("DeviceName".into(), json!(computer));
    row.insert("DeviceId".into(), json!(device_id(tenant, computer)));
    row.insert("OSPlatform".into(), json!(platform));
    row.insert("OnboardingStatus".into(), json!("Onboarded"));
    ("DeviceInfo", row)
}

/// Defender's device id convention here: hex SHA-1 of `tenant|DeviceName`.
pub(super) fn device_id(tenant: &str, device: &str) -> String {
    sha1_smol::Sha1::from(format!("{tenant}|{device}")).digest().to_string()
}

fn take(data: &mut Map<String, Json>, key: &str) -> Option<Json> {
    data.remove(key).filter(|v| !matches!(v, Json::Null) && v.as_str() != Some("-"))
}

fn take_text(data: &mut Map<String, Json>, key: &str) -> Option<String> {
    take(data, key).map(|v| match v {
        Json::String(s) => s,
        other => other.to_string(),
    })
}

fn set(row: &mut Map<String, Json>, column: &str, value: Option<Json>) {
    if let Some(value) = value {
        row.insert(column.into(), value);
    }
}

fn set_number(row: &mut Map<String, Json>, column: &str, value: Option<Json>) {
    set(row, column, value.as_ref().and_then(as_i64).map(|n| json!(n)));
}

/// `C:\dir\file.exe` → FolderPath (full path, as Defender's) and FileName.
fn set_path(row: &mut Map<String, Json>, prefix: &str, path: Option<String>) {
    let Some(path) = path else { return };
    let name = path.rsplit(['\\', '/']).next().unwrap_or(&path).to_string();
    row.insert(format!("{prefix}FileName"), json!(name));
    row.insert(format!("{prefix}FolderPath"), json!(path));
}

/// `DOMAIN\user` → AccountDomain, AccountName (lower case, as Defender reports them).
fn set_account(row: &mut Map<String, Json>, prefix: &str, user: Option<String>) {
    let Some(user) = user else { return };
    let (domain, name) = user.split_once('\\').unwrap_or(("", user.as_str()));
    row.insert(format!("{prefix}AccountDomain"), json!(domain.to_lowercase()));
    row.insert(format!("{prefix}AccountName"), json!(name.to_lowercase()));
}

/// Sysmon `Hashes` (`SHA1=..,MD5=..,SHA256=..`) → lower-case hash columns.
fn set_hashes(row: &mut Map<String, Json>, prefix: &str, hashes: Option<String>) {
    for part in hashes.unwrap_or_default().split(',') {
        if let Some((kind, value)) = part.split_once('=') {
            let column = match kind.trim().to_ascii_uppercase().as_str() {
                "SHA1" => "SHA1",
                "SHA256" => "SHA256",
                "MD5" => "MD5",
                _ => continue,
            };
            row.insert(format!("{prefix}{column}"), json!(value.trim().to_lowercase()));
        }
    }
}

/// The process that did it (Sysmon `Image`, `ProcessId`, `User`).
fn set_initiating(data: &mut Map<String, Json>, row: &mut Map<String, Json>, image: &str, pid: &str) {
    set_path(row, "InitiatingProcess", take_text(data, image));
    set_number(row, "InitiatingProcessId", take(data, pid));
    set_account(row, "InitiatingProcess", take_text(data, "User"));
}

fn process_created(data: &mut Map<String, Json>, row: &mut Map<String, Json>) -> Option<&'static str> {
    row.insert("ActionType".into(), json!("ProcessCreated"));
    set_path(row, "", take_text(data, "Image"));
    set(row, "ProcessCommandLine", take(data, "CommandLine"));
    set_number(row, "ProcessId", take(data, "ProcessId"));
    set(row, "ProcessIntegrityLevel", take(data, "IntegrityLevel"));
    set_number(row, "LogonId", take(data, "LogonId"));
    set_account(row, "", take_text(data, "User"));
    set_hashes(row, "", take_text(data, "Hashes"));
    set(row, "ProcessVersionInfoCompanyName", take(data, "Company"));
    set(row, "ProcessVersionInfoProductName", take(data, "Product"));
    set(row, "ProcessVersionInfoFileDescription", take(data, "Description"));
    set(row, "ProcessVersionInfoOriginalFileName", take(data, "OriginalFileName"));
    set(row, "ProcessVersionInfoProductVersion", take(data, "FileVersion"));
    set_path(row, "InitiatingProcess", take_text(data, "ParentImage"));
    set(row, "InitiatingProcessCommandLine", take(data, "ParentCommandLine"));
    set_number(row, "InitiatingProcessId", take(data, "ParentProcessId"));
    Some("DeviceProcessEvents")
}

fn security_process(data: &mut Map<String, Json>, row: &mut Map<String, Json>) -> Option<&'static str> {
    row.insert("ActionType".into(), json!("ProcessCreated"));
    set_path(row, "", take_text(data, "NewProcessName"));
    set(row, "ProcessCommandLine", take(data, "CommandLine"));
    set_number(row, "ProcessId", take(data, "NewProcessId"));
    set(row, "ProcessTokenElevation", take(data, "TokenElevationType"));
    let subject = take_text(data, "SubjectUserName");
    let subject_domain = take_text(data, "SubjectDomainName").unwrap_or_default();
    let target = take_text(data, "TargetUserName").filter(|t| !t.is_empty());
    let target_domain = take_text(data, "TargetDomainName").unwrap_or_default();
    let account =
        target.map(|t| format!("{target_domain}\\{t}")).or(subject.clone().map(|s| format!("{subject_domain}\\{s}")));
    set_account(row, "", account);
    set_account(row, "InitiatingProcess", subject.map(|s| format!("{subject_domain}\\{s}")));
    set_number(row, "LogonId", take(data, "TargetLogonId").or(take(data, "SubjectLogonId")));
    set_path(row, "InitiatingProcess", take_text(data, "ParentProcessName"));
    set_number(row, "InitiatingProcessId", take(data, "ProcessId"));
    Some("DeviceProcessEvents")
}

fn sysmon_network(data: &mut Map<String, Json>, row: &mut Map<String, Json>) -> Option<&'static str> {
    let initiated = take_text(data, "Initiated").is_none_or(|v| v.eq_ignore_ascii_case("true"));
    let (local, remote) = if initiated { ("Source", "Destination") } else { ("Destination", "Source") };
    row.insert("ActionType".into(), json!(if initiated { "ConnectionSuccess" } else { "InboundConnectionAccepted" }));
    set(row, "LocalIP", take(data, &format!("{local}Ip")));
    set_number(row, "LocalPort", take(data, &format!("{local}Port")));
    set(row, "RemoteIP", take(data, &format!("{remote}Ip")));
    set_number(row, "RemotePort", take(data, &format!("{remote}Port")));
    set(row, "RemoteUrl", take(data, &format!("{remote}Hostname")));
    let protocol = take_text(data, "Protocol").map(|p| capitalize(&p));
    set(row, "Protocol", protocol.map(Json::from));
    set_initiating(data, row, "Image", "ProcessId");
    Some("DeviceNetworkEvents")
}

fn wfp_network(event_id: i64, data: &mut Map<String, Json>, row: &mut Map<String, Json>) -> Option<&'static str> {
    let inbound = take_text(data, "Direction").is_some_and(|d| d == "%%14592" || d.eq_ignore_ascii_case("inbound"));
    let action = match event_id {
        5156 if inbound => "InboundConnectionAccepted",
        5156 => "ConnectionSuccess",
        5157 => "ConnectionFailed",
        _ => "ListeningConnectionCreated",
    };
    row.insert("ActionType".into(), json!(action));
    set(row, "LocalIP", take(data, "SourceAddress"));
    set_number(row, "LocalPort", take(data, "SourcePort"));
    set(row, "RemoteIP", take(data, "DestAddress"));
    set_number(row, "RemotePort", take(data, "DestPort"));
    let protocol = take_text(data, "Protocol").map(|p| match p.as_str() {
        "6" => "Tcp".to_string(),
        "17" => "Udp".to_string(),
        other => other.to_string(),
    });
    set(row, "Protocol", protocol.map(Json::from));
    set_path(row, "InitiatingProcess", take_text(data, "Application"));
    set_number(row, "InitiatingProcessId", take(data, "ProcessId").or(take(data, "ProcessID")));
    Some("DeviceNetworkEvents")
}

fn file_event(event_id: i64, data: &mut Map<String, Json>, row: &mut Map<String, Json>) -> Option<&'static str> {
    let action = if matches!(event_id, 23 | 26) { "FileDeleted" } else { "FileCreated" };
    row.insert("ActionType".into(), json!(action));
    set_path(row, "", take_text(data, "TargetFilename"));
    set_hashes(row, "", take_text(data, "Hashes").or(take_text(data, "Hash")));
    set_initiating(data, row, "Image", "ProcessId");
    Some("DeviceFileEvents")
}

fn registry_event(data: &mut Map<String, Json>, row: &mut Map<String, Json>) -> Option<&'static str> {
    let kind = take_text(data, "EventType").unwrap_or_default();
    let action = match kind.as_str() {
        "CreateKey" => "RegistryKeyCreated",
        "DeleteKey" => "RegistryKeyDeleted",
        "DeleteValue" => "RegistryValueDeleted",
        "RenameKey" => "RegistryKeyRenamed",
        _ => "RegistryValueSet",
    };
    row.insert("ActionType".into(), json!(action));
    let target = take_text(data, "TargetObject").map(|t| spell_hive(&t)).unwrap_or_default();
    if action.starts_with("RegistryValue") {
        let (key, value) = target.rsplit_once('\\').unwrap_or((target.as_str(), ""));
        row.insert("RegistryKey".into(), json!(key));
        row.insert("RegistryValueName".into(), json!(value));
        set(row, "RegistryValueData", take(data, "Details"));
    } else {
        row.insert("RegistryKey".into(), json!(target));
    }
    set_initiating(data, row, "Image", "ProcessId");
    Some("DeviceRegistryEvents")
}

/// Sysmon's short hives in Defender's spelling: `HKLM\` → `HKEY_LOCAL_MACHINE\`, `HKU\<SID>\`
/// → `HKEY_CURRENT_USER\<SID>\`.
fn spell_hive(path: &str) -> String {
    for (short, long) in [
        ("HKLM\\", "HKEY_LOCAL_MACHINE\\"),
        ("HKU\\", "HKEY_CURRENT_USER\\"),
        ("HKCU\\", "HKEY_CURRENT_USER\\"),
        ("HKCR\\", "HKEY_CLASSES_ROOT\\"),
    ] {
        if let Some(rest) = path.strip_prefix(short) {
            return format!("{long}{rest}");
        }
    }
    path.to_string()
}

fn image_load(data: &mut Map<String, Json>, row: &mut Map<String, Json>) -> Option<&'static str> {
    row.insert("ActionType".into(), json!("ImageLoaded"));
    set_path(row, "", take_text(data, "ImageLoaded"));
    set_hashes(row, "", take_text(data, "Hashes"));
    set_initiating(data, row, "Image", "ProcessId");
    Some("DeviceImageLoadEvents")
}

fn logon(event_id: i64, data: &mut Map<String, Json>, row: &mut Map<String, Json>) -> Option<&'static str> {
    let action = match event_id {
        4624 => "LogonSuccess",
        4625 => "LogonFailed",
        _ => "LogonAttempted",
    };
    row.insert("ActionType".into(), json!(action));
    set(row, "AccountName", take(data, "TargetUserName").map(|v| json!(v.as_str().unwrap_or_default().to_lowercase())));
    set(
        row,
        "AccountDomain",
        take(data, "TargetDomainName").map(|v| json!(v.as_str().unwrap_or_default().to_lowercase())),
    );
    set(row, "AccountSid", take(data, "TargetUserSid"));
    set_number(row, "LogonId", take(data, "TargetLogonId"));
    let logon_type = take(data, "LogonType").as_ref().and_then(as_i64);
    set(row, "LogonType", logon_type.map(|t| json!(logon_type_name(t))));
    set(row, "RemoteIP", take(data, "IpAddress"));
    set_number(row, "RemotePort", take(data, "IpPort"));
    set(row, "RemoteDeviceName", take(data, "WorkstationName"));
    set(row, "Protocol", take(data, "AuthenticationPackageName"));
    if event_id == 4625 {
        let status = take_text(data, "SubStatus").filter(|s| s != "0x0").or(take_text(data, "Status"));
        set(row, "FailureReason", status.map(|s| json!(failure_reason(&s))));
    }
    set_path(row, "InitiatingProcess", take_text(data, "ProcessName"));
    set_number(row, "InitiatingProcessId", take(data, "ProcessId"));
    Some("DeviceLogonEvents")
}

fn logon_type_name(logon_type: i64) -> &'static str {
    match logon_type {
        2 => "Interactive",
        3 => "Network",
        4 => "Batch",
        5 => "Service",
        7 => "Unlock",
        8 => "NetworkCleartext",
        9 => "NewCredentials",
        10 => "RemoteInteractive",
        11 => "CachedInteractive",
        _ => "Unknown",
    }
}

/// NTSTATUS codes of failed logons in Defender's words.
fn failure_reason(status: &str) -> &'static str {
    match status.to_ascii_lowercase().as_str() {
        "0xc000006a" => "WrongPassword",
        "0xc0000064" => "InvalidUserNameOrPassword",
        "0xc000006d" => "InvalidUserNameOrPassword",
        "0xc0000234" => "AccountLocked",
        "0xc0000072" => "AccountDisabled",
        "0xc0000193" => "AccountExpired",
        "0xc0000071" => "PasswordExpired",
        "0xc0000224" => "PasswordMustChange",
        "0xc000006f" => "InvalidLogonHours",
        "0xc0000070" => "InvalidWorkstation",
        "0xc000015b" => "LogonTypeNotGranted",
        _ => "UnknownReason",
    }
}

/// Events that become DeviceEvents rows with an ActionType of their own.
fn device_event(event: &WinEvent, data: &mut Map<String, Json>, row: &mut Map<String, Json>) -> Option<&'static str> {
    let action = match (event.channel.as_str(), event.event_id) {
        (SYSMON, 10) => {
            let target = take_text(data, "TargetImage")?;
            if !target.to_ascii_lowercase().ends_with("lsass.exe") {
                return None;
            }
            set_path(row, "", Some(target));
            set_number(row, "ProcessId", take(data, "TargetProcessId"));
            set_initiating(data, row, "SourceImage", "SourceProcessId");
            // Defender reports the access mask as a number named DesiredAccess.
            let access = take(data, "GrantedAccess").as_ref().and_then(as_i64);
            set(row, "AdditionalFields", access.map(|a| json!({ "DesiredAccess": a })));
            "OpenProcessApiCall"
        }
        (SYSMON, 8) => {
            set_path(row, "", take_text(data, "TargetImage"));
            set_number(row, "ProcessId", take(data, "TargetProcessId"));
            set_initiating(data, row, "SourceImage", "SourceProcessId");
            "CreateRemoteThreadApiCall"
        }
        (SYSMON, 17 | 18) => {
            set_initiating(data, row, "Image", "ProcessId");
            "NamedPipeEvent"
        }
        (SYSMON, 22) => {
            set_initiating(data, row, "Image", "ProcessId");
            set(row, "RemoteUrl", data.get("QueryName").cloned());
            "DnsQueryResponse"
        }
        (SYSMON, 6) => {
            set_path(row, "", take_text(data, "ImageLoaded"));
            set_hashes(row, "", take_text(data, "Hashes"));
            "DriverLoad"
        }
        ("security", 4697) | ("system", 7045) => {
            set_path(row, "", take_text(data, "ImagePath").or(take_text(data, "ServiceFileName")));
            "ServiceInstalled"
        }
        ("security", 4698) => "ScheduledTaskCreated",
        ("security", 4702) => "ScheduledTaskUpdated",
        ("security", 4720) => "UserAccountCreated",
        ("security", 4732) => "UserAccountAddedToLocalGroup",
        ("security", 1102) | ("system", 104) => "SecurityLogCleared",
        ("security", 4719) => "AuditPolicyModification",
        ("microsoft-windows-powershell/operational", 4104) => {
            set(
                row,
                "AdditionalFields",
                Some(json!({"Command": data.get("ScriptBlockText").cloned().unwrap_or(Json::Null)})),
            );
            "PowerShellCommand"
        }
        ("microsoft-windows-windows defender/operational", 1116) => {
            set_path(row, "", take_text(data, "Path").map(|p| p.trim_start_matches("file:_").to_string()));
            "AntivirusDetection"
        }
        _ => return None,
    };
    if event.channel == "security"
        && let Some(subject) = take_text(data, "SubjectUserName")
    {
        let domain = take_text(data, "SubjectDomainName").unwrap_or_default();
        set_account(row, "InitiatingProcess", Some(format!("{domain}\\{subject}")));
    }
    row.insert("ActionType".into(), json!(action));
    Some("DeviceEvents")
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars.flat_map(char::to_lowercase)).collect(),
        None => String::new(),
    }
}
