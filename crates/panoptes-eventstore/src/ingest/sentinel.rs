//! Microsoft Sentinel (Log Analytics) table exports that are not Windows events, mapped to the
//! Defender tables that hold the same activity: `OfficeActivity` and Entra `AuditLogs` →
//! `CloudAppEvents`, VM insights `VMConnection` → `DeviceNetworkEvents`, AUOMS audit records in
//! `Syslog` → `DeviceProcessEvents` (see `linux_audit`), `SecurityAlert` → `AlertInfo` and
//! `AlertEvidence` (see `sentinel_alert`). The whole source row is kept in
//! `RawEventData` (cloud) or `AdditionalFields` (device), so nothing is lost.

use serde_json::{Map, Value as Json, json};

use super::windows_map::{Row, device_id};
use super::{linux_audit, sentinel_alert};

/// Is this record a Log Analytics export row (it names its source table in `Type`)?
pub(super) fn is_sentinel_row(value: &Json) -> bool {
    matches!(value, Json::Object(row) if is_sentinel_map(row))
}

fn is_sentinel_map(row: &Map<String, Json>) -> bool {
    (row.get("Type").is_some_and(Json::is_string) && row.contains_key("TimeGenerated"))
        || sentinel_alert::is_security_alert(row)
}

/// What a Sentinel row becomes.
pub(super) enum Mapped {
    /// Rows to store, and the platform of the device they came from when that is known.
    Rows(Vec<Row>, Option<&'static str>),
    /// A well-formed row no table takes, by kind (e.g. `Sentinel SecurityAlert`).
    Skipped(String),
}

/// Maps a row whose kind is known here; `None` for rows of other sources.
pub(super) fn map_row(row: &Map<String, Json>, tenant: &str) -> Option<Mapped> {
    let source = text(row, "Type");
    let time = text(row, "TimeGenerated");
    if sentinel_alert::is_security_alert(row) {
        return Some(Mapped::Rows(sentinel_alert::alert_rows(row), None));
    }
    if row.contains_key("OfficeWorkload") && row.contains_key("Operation") {
        return Some(Mapped::Rows(vec![office_activity(row, &time)], None));
    }
    if row.contains_key("InitiatedBy") && row.contains_key("OperationName") {
        return Some(Mapped::Rows(vec![audit_log(row, &time)], None));
    }
    if source == "VMConnection" {
        return Some(Mapped::Rows(vec![vm_connection(row, &time, tenant)], None));
    }
    if let Some(exec) = linux_audit::auoms_syslog(row) {
        if !exec.success {
            return Some(Mapped::Skipped("auditd execve that failed".into()));
        }
        return Some(Mapped::Rows(vec![linux_audit::process_row(&exec, tenant)], Some("Linux")));
    }
    is_sentinel_map(row).then(|| Mapped::Skipped(format!("Sentinel {source}")))
}

fn office_activity(row: &Map<String, Json>, time: &str) -> Row {
    let application = match text(row, "OfficeWorkload").as_str() {
        "Exchange" => "Microsoft Exchange Online",
        "SharePoint" => "Microsoft SharePoint Online",
        "OneDrive" => "Microsoft OneDrive for Business",
        "MicrosoftTeams" => "Microsoft Teams",
        _ => "Office 365",
    };
    let mut out = Map::new();
    out.insert("Timestamp".into(), json!(time));
    out.insert("ActionType".into(), json!(text(row, "Operation")));
    out.insert("Application".into(), json!(application));
    out.insert("AccountDisplayName".into(), json!(text(row, "UserId")));
    out.insert("AccountId".into(), json!(text(row, "UserId")));
    out.insert("IPAddress".into(), json!(client_ip(&text(row, "Client_IPAddress"))));
    out.insert("ReportId".into(), json!(text(row, "OfficeId")));
    out.insert("RawEventData".into(), Json::Object(row.clone()));
    ("CloudAppEvents", out)
}

/// An Entra ID audit log entry (Sentinel exports its nested fields as JSON text).
fn audit_log(row: &Map<String, Json>, time: &str) -> Row {
    let initiated = nested(row, "InitiatedBy");
    let user = initiated.get("user").filter(|u| u.is_object());
    let app = initiated.get("app").filter(|a| a.is_object());
    let actor = user
        .and_then(|u| u.get("userPrincipalName"))
        .or(app.and_then(|a| a.get("displayName")))
        .and_then(Json::as_str)
        .unwrap_or_default();
    let mut out = Map::new();
    out.insert("Timestamp".into(), json!(time));
    out.insert("ActionType".into(), json!(text(row, "OperationName").trim()));
    out.insert("Application".into(), json!("Office 365"));
    out.insert("AccountDisplayName".into(), json!(actor));
    out.insert("AccountObjectId".into(), json!(user.and_then(|u| u.get("id")).and_then(Json::as_str).unwrap_or("")));
    out.insert("IPAddress".into(), json!(user.and_then(|u| u.get("ipAddress")).and_then(Json::as_str).unwrap_or("")));
    out.insert("ActivityObjects".into(), nested(row, "TargetResources"));
    out.insert("ReportId".into(), json!(text(row, "Id")));
    out.insert("RawEventData".into(), Json::Object(row.clone()));
    ("CloudAppEvents", out)
}

fn vm_connection(row: &Map<String, Json>, time: &str, tenant: &str) -> Row {
    let device = text(row, "Computer").to_lowercase();
    let inbound = text(row, "Direction").eq_ignore_ascii_case("inbound");
    let (local_ip, remote_ip) = if inbound {
        (text(row, "DestinationIp"), text(row, "SourceIp"))
    } else {
        (text(row, "SourceIp"), text(row, "DestinationIp"))
    };
    let mut out = Map::new();
    out.insert("Timestamp".into(), json!(time));
    out.insert("DeviceName".into(), json!(device));
    out.insert("DeviceId".into(), json!(device_id(tenant, &device)));
    out.insert("ActionType".into(), json!(if inbound { "InboundConnectionAccepted" } else { "ConnectionSuccess" }));
    out.insert("LocalIP".into(), json!(local_ip));
    out.insert("RemoteIP".into(), json!(remote_ip));
    if let Some(port) = row.get("DestinationPort").filter(|p| !p.is_null()) {
        out.insert(if inbound { "LocalPort" } else { "RemotePort" }.into(), port.clone());
    }
    out.insert(
        "Protocol".into(),
        json!(text(row, "Protocol").to_uppercase().replace("TCP", "Tcp").replace("UDP", "Udp")),
    );
    out.insert("InitiatingProcessFileName".into(), json!(text(row, "ProcessName")));
    for key in ["BytesSent", "BytesReceived", "ConnectionId"] {
        if let Some(value) = row.get(key) {
            out.insert(key.into(), value.clone());
        }
    }
    ("DeviceNetworkEvents", out)
}

fn text(row: &Map<String, Json>, key: &str) -> String {
    super::windows::text(row.get(key))
}

/// A field Sentinel exports as JSON text, parsed (or as it is when already structured).
fn nested(row: &Map<String, Json>, key: &str) -> Json {
    match row.get(key) {
        Some(Json::String(s)) => serde_json::from_str(s).unwrap_or(Json::String(s.clone())),
        Some(other) => other.clone(),
        None => Json::Null,
    }
}

/// `1.2.3.4:5678` and `[::1]:5678` lose their port.
fn client_ip(raw: &str) -> String {
    if let Some(rest) = raw.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest).to_string();
    }
    match raw.rsplit_once(':') {
        Some((ip, port)) if ip.contains('.') && port.chars().all(|c| c.is_ascii_digit()) => ip.to_string(),
        _ => raw.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(value: Json) -> Map<String, Json> {
        match value {
            Json::Object(map) => map,
            _ => Map::new(),
        }
    }

    #[test]
    fn entra_audit_entries_become_cloud_app_events_with_their_actor() {
        let row = object(json!({
            "TimeGenerated": "2021-08-02T13:27:20.017Z", "Type": "AuditLogs", "OperationName": "Add delegated permission grant",
            "InitiatedBy": "{\"user\":{\"id\":\"u1\",\"userPrincipalName\":\"pgustavo@simulandlabs.com\",\"ipAddress\":\"1.2.3.4\"}}",
            "TargetResources": "[{\"displayName\":\"Microsoft Graph\"}]", "Id": "Directory_1"
        }));
        let Some(Mapped::Rows(rows, _)) = map_row(&row, "t") else { panic!("mapped") };
        let (table, out) = &rows[0];
        assert_eq!(*table, "CloudAppEvents");
        assert_eq!(out["AccountDisplayName"], "pgustavo@simulandlabs.com");
        assert_eq!(out["IPAddress"], "1.2.3.4");
        assert_eq!(out["ActivityObjects"][0]["displayName"], "Microsoft Graph");
    }

    #[test]
    fn vm_connections_put_the_remote_side_in_remote_ip() {
        let row = object(json!({
            "TimeGenerated": "2022-05-11T18:09:38.868Z", "Type": "VMConnection", "Computer": "UBUNTU5", "Direction": "outbound",
            "ProcessName": "java", "SourceIp": "192.168.2.5", "DestinationIp": "192.168.2.6", "DestinationPort": 8888, "Protocol": "tcp"
        }));
        let Some(Mapped::Rows(rows, _)) = map_row(&row, "t") else { panic!("mapped") };
        assert_eq!(rows[0].1["RemoteIP"], "192.168.2.6");
        assert_eq!(rows[0].1["RemotePort"], 8888);
        assert_eq!(rows[0].1["Protocol"], "Tcp");
        assert_eq!(client_ip("10.0.0.1:443"), "10.0.0.1");
    }

    #[test]
    fn other_sentinel_tables_are_skipped_by_name() {
        let row = object(json!({"TimeGenerated": "2021-01-01T00:00:00Z", "Type": "Heartbeat"}));
        assert!(matches!(map_row(&row, "t"), Some(Mapped::Skipped(kind)) if kind == "Sentinel Heartbeat"));
    }
}
