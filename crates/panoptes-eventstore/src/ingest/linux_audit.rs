//! Linux audit records to `DeviceProcessEvents`: auditd's raw log (`type=SYSCALL msg=audit(…)`
//! records grouped by event serial, the command line from `EXECVE`) and Azure Monitor's AUOMS
//! records in Sentinel `Syslog` rows (`type=AUOMS_EXECVE audit(…): … cmdline="…"`). Each
//! successful `execve` is one `ProcessCreated` row; failed ones are counted, not stored.

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json, json};

use super::windows_map::{Row, device_id};

/// One program started, as the audit records tell it.
#[derive(Debug, Default, Clone)]
pub(super) struct Exec {
    pub(super) time_ns: i64,
    pub(super) serial: i64,
    pub(super) host: String,
    pub(super) fields: BTreeMap<String, String>,
    pub(super) argv: Vec<String>,
    pub(super) success: bool,
}

/// Does this text look like auditd's log (its first record a `type=` line)?
pub(super) fn is_audit_log(first_line: &str) -> bool {
    let line = first_line.trim_start();
    line.starts_with("type=") && line.contains("audit(")
}

/// The `execve` events of a raw audit log, with the line each began on; `Err` for a line that
/// is not an audit record.
pub(super) fn raw_log(text: &str, first_line: usize) -> Vec<(String, Result<Exec, String>)> {
    let mut events: BTreeMap<i64, (usize, Exec)> = BTreeMap::new();
    let mut out = Vec::new();
    for (index, line) in super::lines::non_empty_lines(text) {
        let number = first_line + index;
        let Some((time_ns, serial)) = stamp(line) else {
            out.push((format!("line {number}"), Err("not an audit record: expected `type=… msg=audit(…)`".into())));
            continue;
        };
        let kind = line.trim_start().strip_prefix("type=").and_then(|r| r.split_whitespace().next()).unwrap_or("");
        let fields = fields(line);
        let (_, exec) = events
            .entry(serial)
            .or_insert_with(|| (number, Exec { time_ns, serial, host: String::new(), ..Exec::default() }));
        match kind {
            "SYSCALL" => {
                exec.success = fields.get("success").is_some_and(|s| s == "yes");
                if let Some(node) = fields.get("node") {
                    exec.host = node.to_lowercase();
                }
                exec.fields.extend(fields);
            }
            "EXECVE" => exec.argv = argv(&fields),
            "CWD" => {
                if let Some(cwd) = fields.get("cwd") {
                    exec.fields.insert("cwd".into(), cwd.clone());
                }
            }
            _ => {}
        }
    }
    for (_, (number, exec)) in events {
        // Only an execve syscall starts a program; other audited syscalls are not process events.
        if exec.fields.get("syscall").is_some_and(|s| s == "59" || s == "execve") {
            out.push((format!("line {number}"), Ok(exec)));
        }
    }
    out
}

/// An AUOMS execve from a Sentinel `Syslog` row; `None` when the row is not one.
pub(super) fn auoms_syslog(row: &Map<String, Json>) -> Option<Exec> {
    let message = row.get("SyslogMessage")?.as_str()?;
    if !message.starts_with("type=AUOMS_EXECVE") {
        return None;
    }
    let (time_ns, serial) = stamp(message)?;
    let mut fields = fields(message);
    let host = fields
        .get("node")
        .cloned()
        .or_else(|| row.get("Computer").and_then(Json::as_str).map(str::to_string))
        .unwrap_or_default()
        .to_lowercase();
    // AUOMS leaves the quotes inside the command line unescaped: it runs to the quote before
    // the next field AUOMS always writes after it.
    if let Some(start) = message.find(" cmdline=\"") {
        let rest = &message[start + 10..];
        let end = rest.find("\" redactors=").or_else(|| rest.rfind('"')).unwrap_or(rest.len());
        fields.insert("cmdline".into(), rest[..end].to_string());
    }
    let success = fields.get("success").is_some_and(|s| s == "yes");
    Some(Exec { time_ns, serial, host, fields, argv: Vec::new(), success })
}

/// The `DeviceProcessEvents` row of a successful execve.
pub(super) fn process_row(exec: &Exec, tenant: &str) -> Row {
    let f = &exec.fields;
    let time =
        chrono::DateTime::from_timestamp_nanos(exec.time_ns).to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
    let exe = f.get("exe").or(f.get("name")).cloned().unwrap_or_default();
    let command_line = f.get("cmdline").cloned().unwrap_or_else(|| join_argv(&exec.argv));
    let mut row = Map::new();
    row.insert("Timestamp".into(), json!(time));
    row.insert("DeviceName".into(), json!(exec.host));
    row.insert("DeviceId".into(), json!(device_id(tenant, &exec.host)));
    row.insert("ActionType".into(), json!("ProcessCreated"));
    row.insert("FileName".into(), json!(exe.rsplit('/').next().unwrap_or(&exe)));
    row.insert("FolderPath".into(), json!(exe));
    row.insert("ProcessCommandLine".into(), json!(command_line));
    row.insert("ReportId".into(), json!(exec.serial));
    let number = |key: &str| f.get(key).and_then(|v| v.parse::<i64>().ok());
    if let Some(pid) = number("pid") {
        row.insert("ProcessId".into(), json!(pid));
    }
    if let Some(ppid) = number("ppid") {
        row.insert("InitiatingProcessId".into(), json!(ppid));
    }
    let account = f.get("user").cloned().or_else(|| match number("uid") {
        Some(0) => Some("root".to_string()),
        Some(uid) => Some(uid.to_string()),
        None => None,
    });
    if let Some(account) = account {
        row.insert("AccountName".into(), json!(account));
    }
    for key in ["cwd", "auid", "uid", "euid", "tty", "ses", "comm", "key"] {
        if let Some(value) = f.get(key) {
            row.insert(key.to_string(), json!(value));
        }
    }
    ("DeviceProcessEvents", row)
}

/// `audit(1604994496.155:92733)` → (time in ns, event serial).
fn stamp(line: &str) -> Option<(i64, i64)> {
    let start = line.find("audit(")? + 6;
    let end = start + line[start..].find(')')?;
    let (time, serial) = line[start..end].split_once(':')?;
    let (seconds, fraction) = time.split_once('.').unwrap_or((time, "0"));
    let millis = format!("{fraction:0<3}");
    let ns = seconds.parse::<i64>().ok()? * 1_000_000_000 + millis.get(..3)?.parse::<i64>().ok()? * 1_000_000;
    Some((ns, serial.parse().ok()?))
}

/// `key=value` pairs: values bare, `"quoted"` or `[bracketed]`.
fn fields(line: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let key_start = i;
        while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
            i += 1;
        }
        if i == key_start || i >= bytes.len() || bytes[i] != b'=' {
            i += 1;
            continue;
        }
        let key = &line[key_start..i];
        i += 1;
        let (value, next) = match bytes.get(i) {
            Some(b'"') => match line[i + 1..].find('"') {
                Some(len) => (&line[i + 1..i + 1 + len], i + len + 2),
                None => (&line[i + 1..], bytes.len()),
            },
            Some(b'[') => match line[i..].find(']') {
                Some(len) => (&line[i..=i + len], i + len + 1),
                None => (&line[i..], bytes.len()),
            },
            _ => {
                let len = line[i..].find(char::is_whitespace).unwrap_or(line.len() - i);
                (&line[i..i + len], i + len)
            }
        };
        out.insert(key.to_string(), value.trim_end_matches(':').to_string());
        i = next;
    }
    out
}

/// EXECVE's `a0`, `a1`, …: quoted text, or hex when the argument holds spaces or quotes.
fn argv(fields: &BTreeMap<String, String>) -> Vec<String> {
    let count = fields.get("argc").and_then(|c| c.parse::<usize>().ok()).unwrap_or(0);
    (0..count).filter_map(|n| fields.get(&format!("a{n}"))).map(|raw| decode_hex(raw).unwrap_or(raw.clone())).collect()
}

/// Bare audit values holding special characters are hex-encoded; quoted ones never are.
fn decode_hex(raw: &str) -> Option<String> {
    if raw.len() < 2 || !raw.len().is_multiple_of(2) || !raw.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let bytes: Option<Vec<u8>> =
        (0..raw.len()).step_by(2).map(|i| u8::from_str_radix(&raw[i..i + 2], 16).ok()).collect();
    Some(String::from_utf8_lossy(&bytes?).replace('\0', " "))
}

fn join_argv(argv: &[String]) -> String {
    let quoted: Vec<String> =
        argv.iter().map(|a| if a.contains(' ') { format!("\"{a}\"") } else { a.clone() }).collect();
    quoted.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "type=SYSCALL msg=audit(1604994496.155:92733): arch=c000003e syscall=59 success=yes exit=0 ppid=29002 pid=1631 auid=1000 uid=1000 comm=\"arp\" exe=\"/usr/sbin/arp\" key=(null)\n\
type=EXECVE msg=audit(1604994496.155:92733): argc=3 a0=\"arp\" a1=\"-a\" a2=2D6E20782079\n\
type=CWD msg=audit(1604994496.155:92733): cwd=\"/home/wardog\"\n\
type=SYSCALL msg=audit(1604994497.000:92734): arch=c000003e syscall=2 success=yes exit=3 pid=1631 exe=\"/usr/sbin/arp\"\n";

    #[test]
    fn raw_log_execve_becomes_a_process_row() {
        let events = raw_log(LOG, 1);
        assert_eq!(events.len(), 1, "only the execve is a process event: {events:?}");
        let exec = events[0].1.as_ref().expect("an execve");
        assert!(exec.success);
        assert_eq!(exec.time_ns, 1_604_994_496_155_000_000);
        let (table, row) = process_row(exec, "t");
        assert_eq!(table, "DeviceProcessEvents");
        assert_eq!(row["FileName"], "arp");
        assert_eq!(row["ProcessCommandLine"], "arp -a \"-n x y\"");
        assert_eq!(row["ProcessId"], 1631);
        assert_eq!(row["Timestamp"], "2020-11-10T07:48:16.155Z");
        assert_eq!(row["InitiatingProcessId"], 29002);
        assert_eq!(row["cwd"], "/home/wardog");
        assert_eq!(events[0].0, "line 1");
    }

    #[test]
    fn a_line_that_is_not_audit_is_reported_with_its_line() {
        let events = raw_log("type=SYSCALL msg=audit(1.0:1): syscall=59 success=no\nhello\n", 10);
        assert!(events.iter().any(|(p, r)| p == "line 11" && r.is_err()), "{events:?}");
    }

    #[test]
    fn auoms_command_lines_keep_their_inner_quotes() {
        let message = "type=AUOMS_EXECVE audit(1652292621.990:84143): node=UBUNTU5 syscall=execve success=yes ppid=1340 pid=17790 user=tomcat exe=\"/bin/bash\" cmdline=\"bash -c \"{echo,YmFz}|{base64,-d}|{bash,-i}\"\" redactors= containerid=";
        let row: Map<String, Json> = match json!({"SyslogMessage": message, "Computer": "UBUNTU5"}) {
            Json::Object(map) => map,
            _ => Map::new(),
        };
        let exec = auoms_syslog(&row).expect("an AUOMS execve");
        let (_, row) = process_row(&exec, "t");
        assert_eq!(row["ProcessCommandLine"], "bash -c \"{echo,YmFz}|{base64,-d}|{bash,-i}\"");
        assert_eq!(row["AccountName"], "tomcat");
        assert_eq!(row["DeviceName"], "ubuntu5");
    }
}
