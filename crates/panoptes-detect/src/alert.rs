//! One result row of a detection rule → one alert draft: title and description with `{{Column}}`
//! placeholders filled, Graph-shaped evidence for the entities the row names, the entity keys
//! correlation matches on, and the deduplication key that keeps reruns over overlapping windows
//! from raising the same alert twice.

use serde_json::{Map, Value as Json, json};
use sha2::{Digest, Sha256};

/// The kinds of entity correlation compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EvidenceKind {
    /// A device (by `DeviceId`, else its name).
    Device,
    /// A user account (UPN, SID, object id or name).
    User,
    /// A mailbox.
    Mailbox,
    /// A file (by hash).
    File,
    /// An IP address.
    Ip,
    /// A URL.
    Url,
}

impl EvidenceKind {
    /// The name stored with entity keys.
    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceKind::Device => "device",
            EvidenceKind::User => "user",
            EvidenceKind::Mailbox => "mailbox",
            EvidenceKind::File => "file",
            EvidenceKind::Ip => "ip",
            EvidenceKind::Url => "url",
        }
    }
}

/// One entity an alert names, as correlation compares it (lowercased).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Evidence {
    /// What kind of entity.
    pub kind: EvidenceKind,
    /// Its identifier, lowercased.
    pub value: String,
}

/// An alert made from one result row, before it is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertDraft {
    /// The rendered title.
    pub title: String,
    /// The rendered description.
    pub description: String,
    /// Same rule, tenant and event → same key.
    pub dedup_key: String,
    /// Graph evidence objects (`@odata.type` subtypes).
    pub evidence: Vec<Json>,
    /// The entities correlation matches on.
    pub entities: Vec<Evidence>,
}

/// Builds the alert for one row of rule `rule_id` in `tenant_id`.
pub fn draft_alert(
    rule_id: &str,
    tenant_id: &str,
    title: &str,
    description: &str,
    row: &Map<String, Json>,
) -> AlertDraft {
    let text = |name: &str| row.get(name).map(text_of).filter(|v| !v.is_empty());
    let mut hasher = Sha256::new();
    for part in
        [Some(rule_id.to_string()), Some(tenant_id.to_string()), text("Timestamp"), text("DeviceId"), text("ReportId")]
    {
        hasher.update(part.unwrap_or_default().as_bytes());
        hasher.update([0u8]);
    }
    let dedup_key = hex::encode(&hasher.finalize()[..16]);
    let (evidence, entities) = evidence_of(row);
    AlertDraft {
        title: render_template(title, row),
        description: render_template(description, row),
        dedup_key,
        evidence,
        entities,
    }
}

/// Replaces each `{{Column}}` with the row's value (empty when the row has no such column).
pub fn render_template(template: &str, row: &Map<String, Json>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                let name = after[..end].trim();
                out.push_str(&row.get(name).map(text_of).unwrap_or_default());
                rest = &after[end + 2..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The column names a template's placeholders use.
pub fn placeholders(template: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        names.push(after[..end].trim().to_string());
        rest = &after[end + 2..];
    }
    names
}

fn text_of(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        Json::Null => String::new(),
        other => other.to_string(),
    }
}

const DEVICE: &str = "#microsoft.graph.security.deviceEvidence";
const USER: &str = "#microsoft.graph.security.userEvidence";
const MAILBOX: &str = "#microsoft.graph.security.mailboxEvidence";
const FILE: &str = "#microsoft.graph.security.fileEvidence";
const PROCESS: &str = "#microsoft.graph.security.processEvidence";
const IP: &str = "#microsoft.graph.security.ipEvidence";
const URL: &str = "#microsoft.graph.security.urlEvidence";
const REGISTRY: &str = "#microsoft.graph.security.registryValueEvidence";

/// Graph evidence and correlation entities for the columns a row has.
fn evidence_of(row: &Map<String, Json>) -> (Vec<Json>, Vec<Evidence>) {
    let text = |name: &str| row.get(name).map(text_of).filter(|v| !v.is_empty());
    let mut evidence = Vec::new();
    let mut entities = Vec::new();
    let mut entity = |kind: EvidenceKind, value: &str| {
        entities.push(Evidence { kind, value: value.to_lowercase() });
    };
    let common =
        |kind: &str| json!({"@odata.type": kind, "verdict": "suspicious", "remediationStatus": "none", "roles": []});

    let device_id = text("DeviceId");
    let device_name = text("DeviceName");
    if device_id.is_some() || device_name.is_some() {
        let mut device = common(DEVICE);
        device["mdeDeviceId"] = json!(device_id);
        device["deviceDnsName"] = json!(device_name);
        evidence.push(device);
        entity(EvidenceKind::Device, device_id.as_deref().or(device_name.as_deref()).unwrap_or_default());
    }
    for prefix in ["", "InitiatingProcess"] {
        let upn = text(&format!("{prefix}AccountUpn"));
        let sid = text(&format!("{prefix}AccountSid"));
        let name = text(&format!("{prefix}AccountName"));
        let object_id = text(&format!("{prefix}AccountObjectId"));
        let Some(key) = upn.clone().or(sid.clone()).or(object_id.clone()).or(name.clone()) else { continue };
        let mut user = common(USER);
        user["userAccount"] = json!({
            "accountName": name,
            "userPrincipalName": upn,
            "userSid": sid,
            "azureAdUserId": object_id,
            "domainName": text(&format!("{prefix}AccountDomain")),
        });
        evidence.push(user);
        entity(EvidenceKind::User, &key);
    }
    if let Some(address) = text("RecipientEmailAddress") {
        let mut mailbox = common(MAILBOX);
        mailbox["primaryAddress"] = json!(address);
        evidence.push(mailbox);
        entity(EvidenceKind::Mailbox, &address);
    }
    let (sha1, sha256) = (text("SHA1"), text("SHA256"));
    if sha1.is_some() || sha256.is_some() || text("FileName").is_some() {
        let mut file = common(FILE);
        file["fileDetails"] = json!({
            "fileName": text("FileName"),
            "filePath": text("FolderPath"),
            "sha1": sha1,
            "sha256": sha256,
        });
        evidence.push(file);
        if let Some(hash) = sha256.as_deref().or(sha1.as_deref()) {
            entity(EvidenceKind::File, hash);
        }
    }
    if let Some(command_line) = text("ProcessCommandLine") {
        let mut process = common(PROCESS);
        process["processCommandLine"] = json!(command_line);
        process["processId"] = row.get("ProcessId").cloned().unwrap_or(Json::Null);
        process["parentProcessImageFile"] = json!({"fileName": text("InitiatingProcessFileName")});
        process["parentProcessId"] = row.get("InitiatingProcessId").cloned().unwrap_or(Json::Null);
        evidence.push(process);
    }
    for column in ["RemoteIP", "IPAddress"] {
        if let Some(ip) = text(column).filter(|ip| !is_uninteresting_ip(ip)) {
            let mut address = common(IP);
            address["ipAddress"] = json!(ip);
            evidence.push(address);
            entity(EvidenceKind::Ip, &ip);
        }
    }
    for column in ["RemoteUrl", "Url"] {
        if let Some(url) = text(column) {
            let mut link = common(URL);
            link["url"] = json!(url);
            evidence.push(link);
            entity(EvidenceKind::Url, &url);
        }
    }
    if let Some(key) = text("RegistryKey") {
        let mut registry = common(REGISTRY);
        registry["registryKey"] = json!(key);
        registry["registryValueName"] = json!(text("RegistryValueName"));
        registry["registryValue"] = json!(text("RegistryValueData"));
        evidence.push(registry);
    }
    entities.sort();
    entities.dedup();
    (evidence, entities)
}

/// Loopback and unspecified addresses appear on every machine and would merge unrelated alerts.
fn is_uninteresting_ip(ip: &str) -> bool {
    matches!(ip, "127.0.0.1" | "::1" | "0.0.0.0" | "::" | "-")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(value: Json) -> Map<String, Json> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn placeholders_are_filled_from_the_row() {
        let row = row(json!({"DeviceName": "ws-01", "Count": 3}));
        assert_eq!(render_template("LSASS read on {{DeviceName}} ({{ Count }})", &row), "LSASS read on ws-01 (3)");
        assert_eq!(render_template("{{Missing}} and {{unclosed", &row), " and {{unclosed");
        assert_eq!(placeholders("a {{X}} b {{ Y }}"), ["X", "Y"]);
    }

    #[test]
    fn the_same_event_gets_the_same_key_and_another_event_another() {
        let event = row(json!({"Timestamp": "2026-01-01T00:00:00Z", "DeviceId": "d1", "ReportId": 7}));
        let first = draft_alert("rule", "tenant-a", "t", "d", &event);
        assert_eq!(first.dedup_key, draft_alert("rule", "tenant-a", "other title", "d", &event).dedup_key);
        assert_ne!(first.dedup_key, draft_alert("rule", "tenant-b", "t", "d", &event).dedup_key);
        let later = row(json!({"Timestamp": "2026-01-01T00:00:01Z", "DeviceId": "d1", "ReportId": 7}));
        assert_ne!(first.dedup_key, draft_alert("rule", "tenant-a", "t", "d", &later).dedup_key);
    }

    #[test]
    fn evidence_and_entities_come_from_the_columns() {
        let event = row(json!({
            "DeviceId": "D1", "DeviceName": "ws-01", "AccountName": "alice", "AccountUpn": "Alice@Contoso.com",
            "SHA256": "ABC", "FileName": "mimikatz.exe", "ProcessCommandLine": "mimikatz.exe sekurlsa",
            "RemoteIP": "10.0.0.5", "IPAddress": "127.0.0.1",
        }));
        let draft = draft_alert("r", "t", "x", "y", &event);
        let kinds: Vec<&str> = draft.evidence.iter().filter_map(|e| e["@odata.type"].as_str()).collect();
        assert_eq!(kinds, [DEVICE, USER, FILE, PROCESS, IP]);
        let entities: Vec<(&str, &str)> = draft.entities.iter().map(|e| (e.kind.as_str(), e.value.as_str())).collect();
        assert_eq!(entities, [("device", "d1"), ("user", "alice@contoso.com"), ("file", "abc"), ("ip", "10.0.0.5")]);
    }
}
