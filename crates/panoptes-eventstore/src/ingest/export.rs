//! Advanced-hunting results exported as JSON rows that do not say their table (a portal or
//! API export of a `union` over several tables, e.g. the Golden SAML recording's
//! `Microsoft365DefenderEvents.json`). Each row's table is the one whose columns explain its
//! filled-in fields best. Kusto's union suffixes columns whose types differ between tables
//! (`ReportId_long`, `AdditionalFields_string`); the suffix is dropped again.

use serde_json::{Map, Value as Json};

use crate::catalog::{TableSchema, defender_tables};

/// Type suffixes Kusto appends to a union's clashing column names.
const TYPE_SUFFIXES: &[&str] =
    &["_string", "_long", "_int", "_real", "_bool", "_datetime", "_dynamic", "_guid", "_timespan", "_decimal"];

/// The row's table and the row with its column names restored.
pub(super) fn infer_table(row: Map<String, Json>) -> Result<(String, Map<String, Json>), String> {
    let row = without_type_suffixes(row);
    if !row.contains_key("Timestamp") {
        return Err("an exported row needs its `Timestamp`; for rows of one table pass --table <Table>".into());
    }
    let filled: Vec<&str> = row.iter().filter(|(_, v)| is_filled(v)).map(|(k, _)| k.as_str()).collect();
    let keys: Vec<&str> = row.keys().map(String::as_str).collect();
    let best = defender_tables()
        .values()
        .max_by_key(|table| {
            // Fewest filled fields the table lacks; then, as a union's rows carry every column
            // of their own table, fewest of the table's columns missing from the row; then the
            // most of the row's names it has.
            let unexplained = filled.iter().filter(|k| !has_column(table, k)).count() as i64;
            let missing = table.columns.iter().filter(|(c, _)| !row.contains_key(c) && !is_common(c)).count() as i64;
            let shared = keys.iter().filter(|k| has_column(table, k)).count() as i64;
            (-unexplained, -missing, shared, std::cmp::Reverse(table.name.clone()))
        })
        .filter(|table| {
            let distinctive = filled.iter().filter(|k| !is_common(k) && has_column(table, k)).count();
            distinctive >= 2
        });
    match best {
        Some(table) => Ok((table.name.clone(), row)),
        None => Err("no advanced-hunting table has this row's columns; pass --table <Table>".into()),
    }
}

fn has_column(table: &TableSchema, name: &str) -> bool {
    table.columns.iter().any(|(column, _)| column == name)
}

/// Columns every table has, which say nothing about which one a row came from.
fn is_common(name: &str) -> bool {
    matches!(name, "Timestamp" | "TimeGenerated" | "TenantId" | "ReportId" | "AdditionalFields" | "ActionType")
}

fn is_filled(value: &Json) -> bool {
    match value {
        Json::Null => false,
        Json::String(s) => !s.is_empty(),
        Json::Array(a) => !a.is_empty(),
        Json::Object(o) => !o.is_empty(),
        _ => true,
    }
}

/// `ReportId_long` → `ReportId`; when several typed variants exist, the filled one wins.
fn without_type_suffixes(row: Map<String, Json>) -> Map<String, Json> {
    let mut out = Map::with_capacity(row.len());
    for (key, value) in row {
        let base = TYPE_SUFFIXES
            .iter()
            .find_map(|suffix| key.strip_suffix(suffix))
            .filter(|base| !base.is_empty())
            .map_or_else(|| key.clone(), str::to_string);
        match out.get(&base) {
            Some(existing) if is_filled(existing) || !is_filled(&value) => {}
            _ => {
                out.insert(base, value);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(value: Json) -> Map<String, Json> {
        match value {
            Json::Object(map) => map,
            _ => Map::new(),
        }
    }

    #[test]
    fn process_rows_go_to_process_events() {
        let (table, _) = infer_table(row(serde_json::json!({
            "Timestamp": "2021-01-01T00:00:00Z", "DeviceName": "pc1", "ActionType": "ProcessCreated",
            "FileName": "cmd.exe", "ProcessCommandLine": "cmd /c whoami", "InitiatingProcessFileName": "w3wp.exe",
            "ProcessIntegrityLevel": "High"
        })))
        .expect("a table");
        assert_eq!(table, "DeviceProcessEvents");
    }

    #[test]
    fn union_suffixes_are_dropped_and_the_filled_variant_kept() {
        let (table, restored) = infer_table(row(serde_json::json!({
            "Timestamp": "2021-08-02T13:00:00Z", "ActionType": "MailItemsAccessed", "Application": "Microsoft Exchange Online",
            "ApplicationId": 20, "AccountObjectId": "abc", "UserAgent_dynamic": null, "UserAgent_string": "curl",
            "ReportId_long": null, "ReportId_string": "r1", "ObjectName": "Inbox"
        })))
        .expect("a table");
        assert_eq!(table, "CloudAppEvents");
        assert_eq!(restored["UserAgent"], "curl");
        assert_eq!(restored["ReportId"], "r1");
    }

    #[test]
    fn rows_no_table_explains_are_refused_with_the_fix() {
        let error = infer_table(row(serde_json::json!({"Timestamp": "2021-01-01T00:00:00Z", "colour": "blue"})))
            .expect_err("no table");
        assert!(error.contains("--table"), "{error}");
        let error = infer_table(row(serde_json::json!({"DeviceName": "pc1"}))).expect_err("no time");
        assert!(error.contains("Timestamp"), "{error}");
    }
}
