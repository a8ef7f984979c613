//! Advanced-hunting results exported as JSON rows that do not say their table (a portal or
//! API export of a `union` over several tables, e.g. the Golden SAML recording's
//! `Microsoft365DefenderEvents.json`). Each row's table is the one whose columns explain its
//! filled-in fields best. Kusto's union suffixes columns whose types differ between tables
//! (`ReportId_long`, `AdditionalFields_string`); the suffix is dropped again.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::OnceLock;

use serde_json::{Map, Value as Json};

use crate::catalog::{TableSchema, defender_tables};

/// Type suffixes Kusto appends to a union's clashing column names.
const TYPE_SUFFIXES: &[&str] =
    &["_string", "_long", "_int", "_real", "_bool", "_datetime", "_dynamic", "_guid", "_timespan", "_decimal"];

/// Row shapes remembered per thread before the memory starts over.
const MAX_SHAPES: usize = 4096;

/// The row's table and the row with its column names restored.
pub(super) fn infer_table(row: Map<String, Json>) -> Result<(String, Map<String, Json>), String> {
    let row = without_type_suffixes(row);
    if !row.contains_key("Timestamp") {
        return Err("an exported row needs its `Timestamp`; for rows of one table pass --table <Table>".into());
    }
    match inferred(&row) {
        Some(table) => Ok((table.name.clone(), row)),
        None => Err("no advanced-hunting table has this row's columns; pass --table <Table>".into()),
    }
}

/// The table that explains the row best, scored against every table.
fn best_table(row: &Map<String, Json>) -> Option<&'static TableSchema> {
    let filled: Vec<&str> = row.iter().filter(|(_, v)| is_filled(v)).map(|(k, _)| k.as_str()).collect();
    column_sets()
        .iter()
        .max_by_key(|(table, columns, distinctive)| {
            // Fewest filled fields the table lacks; then, as a union's rows carry every column
            // of their own table, fewest of the table's columns missing from the row; then the
            // most of the row's names it has.
            let unexplained = filled.iter().filter(|k| !columns.contains(*k)).count() as i64;
            let shared = row.keys().filter(|k| columns.contains(k.as_str())).count() as i64;
            let shared_distinctive =
                row.keys().filter(|k| !is_common(k) && columns.contains(k.as_str())).count() as i64;
            let missing = *distinctive as i64 - shared_distinctive;
            (-unexplained, -missing, shared, std::cmp::Reverse(table.name.as_str()))
        })
        .filter(|(_, columns, _)| filled.iter().filter(|k| !is_common(k) && columns.contains(*k)).count() >= 2)
        .map(|(table, ..)| *table)
}

/// A row's shape: its names in order, each with whether its value is filled in.
type Shape = Vec<(String, bool)>;

/// Shapes seen, by hash, with the table each was given.
type Inferred = HashMap<u64, Vec<(Shape, Option<&'static TableSchema>)>>;

thread_local! {
    /// Tables already inferred, by shape hash: an export's rows come in a handful of shapes,
    /// and scoring a row against every table is the slow part.
    static INFERRED: RefCell<Inferred> = RefCell::new(HashMap::new());
}

/// [`best_table`], remembered per shape on this thread.
fn inferred(row: &Map<String, Json>) -> Option<&'static TableSchema> {
    let mut hasher = std::hash::DefaultHasher::new();
    for (name, value) in row {
        (name, is_filled(value)).hash(&mut hasher);
    }
    let hash = hasher.finish();
    let same = |shape: &Shape| {
        shape.len() == row.len()
            && shape.iter().zip(row).all(|((n, f), (name, value))| n == name && *f == is_filled(value))
    };
    let known = INFERRED.with_borrow(|m| m.get(&hash)?.iter().find(|(shape, _)| same(shape)).map(|(_, t)| *t));
    if let Some(table) = known {
        return table;
    }
    let table = best_table(row);
    INFERRED.with_borrow_mut(|m| {
        if m.len() >= MAX_SHAPES {
            m.clear();
        }
        let shape = row.iter().map(|(name, value)| (name.clone(), is_filled(value))).collect();
        m.entry(hash).or_default().push((shape, table));
    });
    table
}

/// A table, its column names as a set, and how many of them are not common to all tables.
type ColumnSet = (&'static TableSchema, HashSet<&'static str>, usize);

/// Every table's [`ColumnSet`], built once: each exported row is scored against every table, so
/// the lookups must not scan column lists.
fn column_sets() -> &'static [ColumnSet] {
    static SETS: OnceLock<Vec<ColumnSet>> = OnceLock::new();
    SETS.get_or_init(|| {
        defender_tables()
            .values()
            .map(|table| {
                let names = table.columns.iter().map(|(name, _)| name.as_str());
                (table, names.clone().collect(), names.filter(|name| !is_common(name)).count())
            })
            .collect()
    })
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
