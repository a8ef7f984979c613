//! Windows event logs as analysts export them, in any of four shapes, normalized to one
//! [`WinEvent`]: `evtx_dump` JSON (`{"Event": {"System": …, "EventData": …}}`), flat
//! HELK-style JSON (EventData fields at the top level beside `Channel`, `EventID`, `Hostname`),
//! NXLog JSON (flat too, Sysmon's EventType renamed `EventTypeOrignal`), and winlogbeat 6
//! (`event_id`, `log_name`, `computer_name`, `event_data`); and as Microsoft Sentinel exports them
//! (`SecurityEvent`/`WindowsEvent`/`Event` rows whose `EventData` is XML or JSON text, Sysmon for
//! Linux XML in `Syslog` messages). `windows_map` turns events into rows.

use serde_json::{Map, Value as Json};

use super::time::parse_time;

/// One Windows event, whatever shape it came in.
#[derive(Debug, Clone)]
pub(super) struct WinEvent {
    /// Channel, lower case (`security`, `microsoft-windows-sysmon/operational`, ...).
    pub(super) channel: String,
    /// Event id.
    pub(super) event_id: i64,
    /// The host that logged it, lower case.
    pub(super) computer: String,
    /// Sysmon's `UtcTime` (true UTC), when the event has one.
    pub(super) utc_time: Option<i64>,
    /// The log's own timestamp (some exports label local time as UTC).
    pub(super) logged_time: Option<i64>,
    /// Event record number.
    pub(super) record_id: Option<i64>,
    /// EventData fields.
    pub(super) data: Map<String, Json>,
}

/// Envelope fields of the flat shapes: not event data.
const ENVELOPE: &[&str] = &[
    "@timestamp",
    "@version",
    "TimeCreated",
    "EventTime",
    "EventReceivedTime",
    "Channel",
    "EventID",
    "Hostname",
    "host",
    "port",
    "Message",
    "Keywords",
    "Level",
    "Task",
    "Opcode",
    "ProviderGuid",
    "SourceName",
    "SourceModuleName",
    "SourceModuleType",
    "Severity",
    "SeverityValue",
    "EventType",
    "RecordNumber",
    "ExecutionProcessID",
    "ThreadID",
    "Version",
    "Category",
    "AccountType",
    "Domain",
    "UserID",
    "tags",
    "EventRecordID",
    "ProcessID",
    // Sentinel's envelope.
    "TenantId",
    "SourceSystem",
    "TimeGenerated",
    "TimeCollected",
    "MG",
    "ManagementGroupName",
    "Type",
    "_ResourceId",
    "EventSourceName",
    "Activity",
    "SourceComputerId",
    "EventOriginId",
    "Provider",
    "EventLevel",
    "EventLevelName",
    "EventLog",
    "Source",
    "RenderedDescription",
    "ParameterXml",
    "EventCategory",
    "Computer",
    "EventData",
];

/// Is this record a Windows event in one of the known shapes?
pub(super) fn looks_like_windows_event(value: &Json) -> bool {
    let Json::Object(map) = value else { return false };
    map.get("Event").and_then(|e| e.get("System")).is_some()
        || (map.contains_key("EventID") && ["Channel", "SourceName", "EventLog"].iter().any(|k| map.contains_key(*k)))
        || (map.contains_key("EventID") && map.contains_key("TimeGenerated") && map.contains_key("Computer"))
        || (map.contains_key("event_id") && map.contains_key("log_name"))
        || syslog_event_xml(map).is_some()
}

/// The Windows-style event XML a `Syslog` row carries (Sysmon for Linux logs so).
fn syslog_event_xml(map: &Map<String, Json>) -> Option<&str> {
    map.get("SyslogMessage").and_then(Json::as_str).filter(|m| m.trim_start().starts_with("<Event"))
}

/// A Sysmon-for-Linux event from its syslog message.
fn from_syslog(map: &Map<String, Json>) -> Option<WinEvent> {
    let xml = super::event_xml::parse(syslog_event_xml(map)?)?;
    let data = xml.data;
    Some(WinEvent {
        channel: text(xml.system.get("Channel")).to_lowercase(),
        event_id: xml.system.get("EventID").and_then(as_i64)?,
        computer: text(xml.system.get("Computer").or(map.get("Computer"))).to_lowercase(),
        utc_time: data.get("UtcTime").and_then(Json::as_str).and_then(parse_time),
        logged_time: xml.system.get("TimeCreated").and_then(Json::as_str).and_then(parse_time),
        record_id: xml.system.get("EventRecordID").and_then(as_i64),
        data,
    })
}

/// Sentinel keeps EventData as text: JSON (`WindowsEvent`) or XML (`SecurityEvent`). Its
/// fields join the record's own.
fn embedded_event_data(map: &Map<String, Json>) -> Map<String, Json> {
    let Some(text) = map.get("EventData").or(map.get("EventData_string")).and_then(Json::as_str) else {
        return Map::new();
    };
    let text = text.trim_start();
    if text.starts_with('{') {
        match serde_json::from_str(text) {
            Ok(Json::Object(fields)) => fields,
            _ => Map::new(),
        }
    } else if text.starts_with('<') {
        super::event_xml::parse(text).map(|e| e.data).unwrap_or_default()
    } else {
        Map::new()
    }
}

/// Normalizes a record, or `None` when it is not a Windows event.
pub(super) fn normalize(value: Json) -> Option<WinEvent> {
    let Json::Object(mut map) = value else { return None };
    if let Some(Json::Object(mut event)) = map.remove("Event") {
        let system = event.remove("System")?;
        let mut data = match event.remove("EventData") {
            Some(Json::Object(data)) => data,
            _ => Map::new(),
        };
        if let Some(Json::Object(user_data)) = event.remove("UserData") {
            // UserData wraps its fields one level down (e.g. {"LogFileCleared": {...}}).
            for (_, inner) in user_data {
                if let Json::Object(fields) = inner {
                    data.extend(fields.into_iter().filter(|(k, _)| k != "#attributes"));
                }
            }
        }
        let event_id = match system.get("EventID")? {
            Json::Object(id) => id.get("#text").and_then(as_i64)?,
            other => as_i64(other)?,
        };
        let utc_time = data.get("UtcTime").and_then(Json::as_str).and_then(parse_time);
        return Some(WinEvent {
            channel: text(system.get("Channel")).to_lowercase(),
            event_id,
            computer: text(system.get("Computer")).to_lowercase(),
            utc_time,
            logged_time: system
                .pointer("/TimeCreated/#attributes/SystemTime")
                .and_then(Json::as_str)
                .and_then(parse_time),
            record_id: system.get("EventRecordID").and_then(as_i64),
            data,
        });
    }
    if map.contains_key("event_id") && map.contains_key("log_name") {
        let data = match map.remove("event_data") {
            Some(Json::Object(data)) => data,
            _ => Map::new(),
        };
        return Some(WinEvent {
            channel: text(map.get("log_name")).to_lowercase(),
            event_id: map.get("event_id").and_then(as_i64)?,
            computer: text(map.get("computer_name")).to_lowercase(),
            utc_time: data.get("UtcTime").and_then(Json::as_str).and_then(parse_time),
            logged_time: map.get("@timestamp").and_then(Json::as_str).and_then(parse_time),
            record_id: map.get("record_number").and_then(as_i64),
            data,
        });
    }
    if syslog_event_xml(&map).is_some() {
        return from_syslog(&map);
    }
    let event_id = map.get("EventID").and_then(as_i64)?;
    let mut channel = text(map.get("Channel").or(map.get("EventLog"))).to_lowercase();
    if channel.is_empty() && is_security_auditing_id(event_id) {
        // Sentinel's SecurityEvent rows, exported without their channel, are Security events.
        channel = "security".into();
    }
    let computer = text(map.get("Hostname").or(map.get("Computer"))).to_lowercase();
    let embedded = embedded_event_data(&map);
    let logged_time = ["@timestamp", "TimeCreated", "EventTime", "TimeGenerated"]
        .iter()
        .find_map(|k| map.get(*k).and_then(Json::as_str).and_then(parse_time));
    let record_id = map.get("RecordNumber").or(map.get("EventRecordID")).and_then(as_i64);
    // NXLog renamed Sysmon's own EventType; put it back.
    if let Some(original) = map.remove("EventTypeOrignal") {
        map.insert("EventType".into(), original);
    } else if map.get("SourceModuleName").is_some() {
        map.remove("EventType");
    }
    let sysmon_type = map.remove("EventType");
    let mut data: Map<String, Json> = map.into_iter().filter(|(k, _)| !ENVELOPE.contains(&k.as_str())).collect();
    data.extend(embedded);
    if let Some(kind) = sysmon_type.filter(|_| channel.contains("sysmon")) {
        data.insert("EventType".into(), kind);
    }
    let utc_time = data.get("UtcTime").and_then(Json::as_str).and_then(parse_time);
    Some(WinEvent { channel, event_id, computer, utc_time, logged_time, record_id, data })
}

/// Event ids of the Security log's auditing provider (4608–6424, and 1100–1108 of the log itself).
fn is_security_auditing_id(id: i64) -> bool {
    (4608..=6424).contains(&id) || (1100..=1108).contains(&id)
}

/// A field as text: strings as they are, null or absent as empty, anything else as JSON.
pub(super) fn text(value: Option<&Json>) -> String {
    match value {
        Some(Json::String(s)) => s.clone(),
        Some(Json::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// A number given as a JSON number or as decimal or `0x` hex text.
pub(super) fn as_i64(value: &Json) -> Option<i64> {
    match value {
        Json::Number(n) => n.as_i64(),
        Json::String(s) => {
            let s = s.trim();
            match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
                Some(hex) => i64::from_str_radix(hex, 16).ok(),
                None => s.parse().ok(),
            }
        }
        _ => None,
    }
}

/// The most common whole-hour gap between the logged time and Sysmon's true UTC in a set of
/// events: the local-time-labelled-as-UTC offset of that export (0 when none can be measured).
pub(super) fn measure_offset(events: &[&WinEvent]) -> i64 {
    const HOUR: i64 = 3_600_000_000_000;
    let mut counts: std::collections::BTreeMap<i64, usize> = std::collections::BTreeMap::new();
    for e in events {
        if let (Some(utc), Some(logged)) = (e.utc_time, e.logged_time) {
            let hours = ((logged - utc) as f64 / HOUR as f64).round() as i64;
            *counts.entry(hours).or_default() += 1;
        }
    }
    counts.into_iter().max_by_key(|(_, n)| *n).map_or(0, |(hours, _)| hours * HOUR)
}
