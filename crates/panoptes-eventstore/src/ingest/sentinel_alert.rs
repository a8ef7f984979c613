//! Sentinel `SecurityAlert` rows (outside alerts) to an `AlertInfo` row plus an
//! `AlertEvidence` row per entity, as Defender records its own alerts. Entity types follow
//! Sentinel's spelling (`host`, `account`, `ip`, `file`, `filehash`, `process`, `url`,
//! `registry-key`, `registry-value`); the whole entity is kept in `AdditionalFields`.

use serde_json::{Map, Value as Json, json};

use super::windows_map::Row;

/// Is this a `SecurityAlert` row?
pub(super) fn is_security_alert(row: &Map<String, Json>) -> bool {
    row.contains_key("SystemAlertId") && row.contains_key("AlertName")
}

/// The alert's rows: its `AlertInfo`, then one `AlertEvidence` per entity.
pub(super) fn alert_rows(row: &Map<String, Json>) -> Vec<Row> {
    let text = |key: &str| row.get(key).and_then(Json::as_str).unwrap_or_default().to_string();
    let time = [text("TimeGenerated"), text("StartTimeUtc")].into_iter().find(|t| !t.is_empty()).unwrap_or_default();
    let service = match text("ProviderName").as_str() {
        "CustomAlertRule" | "ASI Scheduled Alerts" => "Microsoft Sentinel".to_string(),
        "Detection" => "Microsoft Defender for Cloud".to_string(),
        other => other.to_string(),
    };
    let title = [text("AlertDisplayName"), text("AlertName")].into_iter().find(|t| !t.is_empty()).unwrap_or_default();
    let mut common = Map::new();
    common.insert("Timestamp".into(), json!(time));
    common.insert("AlertId".into(), json!(text("SystemAlertId")));
    common.insert("Title".into(), json!(title));
    common.insert("ServiceSource".into(), json!(service));
    common.insert("DetectionSource".into(), json!(text("AlertType")));
    let mut info = common.clone();
    info.insert("Severity".into(), json!(text("Severity")));
    info.insert("Category".into(), json!(text("Tactics")));
    let mut rows = vec![("AlertInfo", info)];
    let entities = match row.get("Entities") {
        Some(Json::String(s)) => serde_json::from_str(s).unwrap_or(Json::Null),
        Some(other) => other.clone(),
        None => Json::Null,
    };
    for entity in entities.as_array().into_iter().flatten() {
        let mut evidence = common.clone();
        evidence.extend(entity_columns(entity));
        evidence.insert("EvidenceRole".into(), json!("Related"));
        evidence.insert("AdditionalFields".into(), entity.clone());
        rows.push(("AlertEvidence", evidence));
    }
    rows
}

/// The `AlertEvidence` columns of one Sentinel entity.
fn entity_columns(entity: &Json) -> Map<String, Json> {
    let field = |key: &str| entity.get(key).and_then(Json::as_str).unwrap_or_default().to_string();
    let mut out = Map::new();
    let mut put = |column: &str, value: String| {
        if !value.is_empty() {
            out.insert(column.into(), json!(value));
        }
    };
    let kind = field("Type");
    match kind.as_str() {
        "host" => {
            put("EntityType", "Machine".into());
            let domain = field("DnsDomain");
            let host = if domain.is_empty() { field("HostName") } else { format!("{}.{domain}", field("HostName")) };
            put("DeviceName", host.to_lowercase());
        }
        "account" => {
            put("EntityType", "User".into());
            put("AccountName", field("Name"));
            put("AccountDomain", field("NTDomain"));
            put("AccountSid", field("Sid"));
        }
        "ip" => {
            put("EntityType", "Ip".into());
            put("RemoteIP", field("Address"));
        }
        "file" => {
            put("EntityType", "File".into());
            put("FileName", field("Name"));
            put("FolderPath", field("Directory"));
        }
        "filehash" => {
            put("EntityType", "File".into());
            let column = if field("Algorithm").eq_ignore_ascii_case("sha1") { "SHA1" } else { "SHA256" };
            put(column, field("Value").to_lowercase());
        }
        "process" => {
            put("EntityType", "Process".into());
            put("ProcessCommandLine", field("CommandLine"));
        }
        "url" => {
            put("EntityType", "Url".into());
            put("RemoteUrl", field("Url"));
        }
        "registry-key" => {
            put("EntityType", "RegistryKey".into());
            put("RegistryKey", format!("{}\\{}", field("Hive"), field("Key")).trim_matches('\\').to_string());
        }
        "registry-value" => {
            put("EntityType", "RegistryValue".into());
            put("RegistryValueName", field("Name"));
            put("RegistryValueData", field("Value"));
        }
        other => put("EntityType", other.to_string()),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_alert_gives_its_info_and_one_evidence_row_per_entity() {
        let row = match json!({
            "SystemAlertId": "a1", "AlertName": "Brute force", "AlertDisplayName": "Brute force attack",
            "ProviderName": "CustomAlertRule", "Severity": "Low", "TimeGenerated": "2019-01-12 06:31:40",
            "Entities": "[{\"$id\":\"3\",\"Address\":\"80.10.26.89\",\"Type\":\"ip\"},{\"$id\":\"4\",\"HostName\":\"DHCPContoso77\",\"Type\":\"host\"},{\"Name\":\"ADMIN\",\"Type\":\"account\"}]"
        }) {
            Json::Object(map) => map,
            _ => Map::new(),
        };
        assert!(is_security_alert(&row));
        let rows = alert_rows(&row);
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0].0, "AlertInfo");
        assert_eq!(rows[0].1["ServiceSource"], "Microsoft Sentinel");
        assert_eq!(rows[0].1["Title"], "Brute force attack");
        assert_eq!(rows[1].1["RemoteIP"], "80.10.26.89");
        assert_eq!(rows[2].1["DeviceName"], "dhcpcontoso77");
        assert_eq!(rows[3].1["AccountName"], "ADMIN");
        assert!(rows[1..].iter().all(|(t, r)| *t == "AlertEvidence" && r["AlertId"] == "a1"));
    }
}
