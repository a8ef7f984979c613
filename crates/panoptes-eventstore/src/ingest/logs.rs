//! Event logs to rows: Windows events (normalized, local-time offsets corrected, mapped by
//! `windows_map`), Sentinel exports (`sentinel`) and Linux audit logs (`linux_audit`); plus a
//! `DeviceInfo` row for each host seen.

use std::collections::{BTreeMap, HashSet};

use serde_json::Value as Json;

use super::time::parse_time;
use super::windows_map::Row;
use super::{
    Converted, IngestOptions, RawRecord, RecordError, TableBuilder, Typing, linux_audit, push_row, sentinel, windows,
    windows_map,
};

/// Each host's first event time and platform.
type Hosts = BTreeMap<String, (i64, &'static str)>;

/// Windows events and Sentinel export rows.
pub(super) fn convert_logs(
    records: Vec<RawRecord>,
    options: &IngestOptions,
    builders: &mut BTreeMap<String, TableBuilder>,
    converted: &mut Converted,
) {
    let mut events = Vec::new();
    let mut hosts = Hosts::new();
    for (position, record) in records {
        let value = match record {
            Ok(value) => value,
            Err(message) => {
                converted.errors.push(RecordError { position, message });
                continue;
            }
        };
        if let Json::Object(row) = &value
            && !windows::looks_like_windows_event(&value)
            && let Some(mapped) = sentinel::map_row(row, &options.tenant)
        {
            match mapped {
                sentinel::Mapped::Rows(rows, platform) => {
                    if let Some(platform) = platform {
                        note_row_hosts(&mut hosts, &rows, platform);
                    }
                    store_rows(builders, converted, &position, rows, options.received_ns);
                }
                sentinel::Mapped::Skipped(kind) => *converted.skipped.entry(kind).or_default() += 1,
            }
            continue;
        }
        match windows::normalize(value) {
            Some(event) => events.push((position, event)),
            None => converted
                .errors
                .push(RecordError { position, message: "not a Windows event or Sentinel export record".into() }),
        }
    }
    convert_windows(events, options, builders, converted, &mut hosts);
    store_device_info(builders, converted, hosts, options);
}

fn convert_windows(
    events: Vec<(String, windows::WinEvent)>,
    options: &IngestOptions,
    builders: &mut BTreeMap<String, TableBuilder>,
    converted: &mut Converted,
    hosts: &mut Hosts,
) {
    let all: Vec<&windows::WinEvent> = events.iter().map(|(_, e)| e).collect();
    let offset = windows::measure_offset(&all);
    if offset != 0 {
        converted.notes.push(format!(
            "logged times run {:+} h from Sysmon's UtcTime: corrected on events without UtcTime",
            offset / 3_600_000_000_000
        ));
    }
    // 4672 (special privileges) marks the logon sessions that are local admins.
    let admin_logons: HashSet<(String, i64)> = all
        .iter()
        .filter(|e| e.channel == "security" && e.event_id == 4672)
        .filter_map(|e| Some((e.computer.clone(), e.data.get("SubjectLogonId").and_then(windows::as_i64)?)))
        .collect();
    for (position, event) in &events {
        let time = event.utc_time.or(event.logged_time.map(|t| t - offset)).unwrap_or(options.received_ns);
        let mut rows = windows_map::map_event(event, time, &options.tenant);
        if rows.is_empty() {
            *converted.skipped.entry(format!("{} {}", event.channel, event.event_id)).or_default() += 1;
            continue;
        }
        let platform = if event.channel.starts_with("linux-") { "Linux" } else { "Windows" };
        note_host(hosts, &event.computer, time, platform);
        for (table, row) in &mut rows {
            if *table == "DeviceLogonEvents" {
                let logon = row.get("LogonId").and_then(windows::as_i64);
                let admin = logon.is_some_and(|id| admin_logons.contains(&(event.computer.clone(), id)));
                row.insert("IsLocalAdmin".into(), Json::Bool(admin));
            }
        }
        store_rows(builders, converted, position, rows, options.received_ns);
    }
}

/// A raw Linux audit log (auditd's `type=… msg=audit(…)` lines).
pub(super) fn convert_audit_text(
    text: &str,
    first_line: usize,
    options: &IngestOptions,
    builders: &mut BTreeMap<String, TableBuilder>,
    converted: &mut Converted,
) {
    let mut hosts = Hosts::new();
    for (position, exec) in linux_audit::raw_log(text, first_line) {
        match exec {
            Err(message) => converted.errors.push(RecordError { position, message }),
            Ok(exec) if !exec.success => *converted.skipped.entry("auditd execve that failed".into()).or_default() += 1,
            Ok(exec) => {
                let rows = vec![linux_audit::process_row(&exec, &options.tenant)];
                note_row_hosts(&mut hosts, &rows, "Linux");
                store_rows(builders, converted, &position, rows, options.received_ns);
            }
        }
    }
    store_device_info(builders, converted, hosts, options);
}

/// Stores the rows one input record became; it counts as accepted when all are stored.
fn store_rows(
    builders: &mut BTreeMap<String, TableBuilder>,
    converted: &mut Converted,
    position: &str,
    rows: Vec<Row>,
    received_ns: i64,
) {
    let mut stored = true;
    for (table, row) in rows {
        stored &=
            push_row(builders, converted, (position.to_string(), table.to_string(), row), Typing::Lenient, received_ns);
    }
    if stored {
        converted.accepted += 1;
    }
}

fn note_host(hosts: &mut Hosts, host: &str, time: i64, platform: &'static str) {
    if host.is_empty() {
        return;
    }
    let first = hosts.entry(host.to_string()).or_insert((time, platform));
    first.0 = first.0.min(time);
}

fn note_row_hosts(hosts: &mut Hosts, rows: &[Row], platform: &'static str) {
    for (_, row) in rows {
        let host = row.get("DeviceName").and_then(Json::as_str).unwrap_or_default();
        if let Some(time) = row.get("Timestamp").and_then(Json::as_str).and_then(parse_time) {
            note_host(hosts, host, time, platform);
        }
    }
}

/// A derived `DeviceInfo` row per host, not an input record: not counted as accepted.
fn store_device_info(
    builders: &mut BTreeMap<String, TableBuilder>,
    converted: &mut Converted,
    hosts: Hosts,
    options: &IngestOptions,
) {
    for (host, (time, platform)) in hosts {
        let (table, row) = windows_map::device_info(&host, time, &options.tenant, platform);
        push_row(
            builders,
            converted,
            (format!("host {host}"), table.to_string(), row),
            Typing::Lenient,
            options.received_ns,
        );
    }
}
