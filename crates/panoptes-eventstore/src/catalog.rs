//! The hunting schema: the Defender tables (a checked-in copy of
//! `../shared/schema/defender-tables.json`, tested to match) plus documented tables real
//! queries use that the file lacks, marked partial. Every table also gets `TenantId`,
//! `TimeGenerated` (equal to `Timestamp`) and `AdditionalFields` where it lacks them.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use datafusion::arrow::datatypes::{Field, Schema, SchemaRef};
use panoptes_domain::KqlType;
use serde::Deserialize;

use crate::types::arrow_type;

const DEFENDER_TABLES: &str = include_str!("../schema/defender-tables.json");
const PARTIAL_TABLES: &str = include_str!("../schema/partial-tables.json");

#[derive(Deserialize)]
struct RawTable {
    #[serde(default)]
    description: String,
    columns: Vec<RawColumn>,
}

#[derive(Deserialize)]
struct RawColumn {
    name: String,
    #[serde(rename = "type")]
    type_name: String,
}

/// One table of the hunting schema.
#[derive(Debug, Clone)]
pub struct TableSchema {
    /// Table name.
    pub name: String,
    /// What it holds.
    pub description: String,
    /// Columns with KQL types, in order.
    pub columns: Vec<(String, KqlType)>,
    /// True for tables added from documentation rather than the schema file.
    pub partial: bool,
}

impl TableSchema {
    /// The Arrow schema of this table.
    pub fn arrow_schema(&self) -> SchemaRef {
        let fields: Vec<Field> = self.columns.iter().map(|(name, t)| Field::new(name, arrow_type(*t), true)).collect();
        Arc::new(Schema::new(fields))
    }
}

/// Columns documented as JSON text in string form; bound as dynamic so `.X` access works.
const JSON_COLUMNS: &[&str] = &["AdditionalFields", "LoggedOnUsers", "RawEventData", "ActivityObjects"];

/// Documented columns some tables carry beyond the schema file (legacy names such as `ISP`,
/// Sentinel's `IdentityInfo` columns): appended where missing.
fn extend(text: &str, out: &mut BTreeMap<String, TableSchema>) {
    #[derive(Deserialize)]
    struct Extensions {
        #[serde(rename = "__extend", default)]
        extend: BTreeMap<String, Vec<RawColumn>>,
    }
    let Ok(extensions) = serde_json::from_str::<Extensions>(text) else {
        return;
    };
    for (table, columns) in extensions.extend {
        if let Some(schema) = out.get_mut(&table) {
            for c in columns {
                if !schema.columns.iter().any(|(n, _)| *n == c.name) {
                    schema.columns.push((c.name, KqlType::from_name(&c.type_name).unwrap_or(KqlType::String)));
                }
            }
        }
    }
}

fn load(text: &str, partial: bool, out: &mut BTreeMap<String, TableSchema>) {
    let mut raw: BTreeMap<String, serde_json::Value> = serde_json::from_str(text).unwrap_or_default();
    raw.remove("__extend");
    let raw: BTreeMap<String, RawTable> =
        raw.into_iter().filter_map(|(k, v)| serde_json::from_value(v).ok().map(|t| (k, t))).collect();
    for (name, table) in raw {
        let mut columns: Vec<(String, KqlType)> = table
            .columns
            .into_iter()
            .map(|c| {
                let t = if JSON_COLUMNS.contains(&c.name.as_str()) {
                    KqlType::Dynamic
                } else {
                    KqlType::from_name(&c.type_name).unwrap_or(KqlType::String)
                };
                (c.name, t)
            })
            .collect();
        for (extra, t) in [("TenantId", KqlType::String), ("AdditionalFields", KqlType::Dynamic)] {
            if !columns.iter().any(|(n, _)| n == extra) {
                columns.push((extra.to_string(), t));
            }
        }
        if columns.iter().any(|(n, _)| n == "Timestamp") && !columns.iter().any(|(n, _)| n == "TimeGenerated") {
            columns.push(("TimeGenerated".to_string(), KqlType::Datetime));
        }
        out.insert(name.clone(), TableSchema { name, description: table.description, columns, partial });
    }
}

/// All tables of the hunting schema, by name.
pub fn defender_tables() -> &'static BTreeMap<String, TableSchema> {
    static TABLES: OnceLock<BTreeMap<String, TableSchema>> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut tables = BTreeMap::new();
        load(PARTIAL_TABLES, true, &mut tables);
        load(DEFENDER_TABLES, false, &mut tables);
        extend(PARTIAL_TABLES, &mut tables);
        tables
    })
}

/// The raw text of the checked-in Defender schema (for the test that it matches ../shared).
pub fn defender_schema_text() -> &'static str {
    DEFENDER_TABLES
}

/// A table name from before Defender ATP's 2020 renames: the table it now reads, and the old
/// column names it keeps beside the new ones (old, new).
pub struct LegacyTable {
    /// The current table it reads.
    pub current: &'static str,
    /// Old column names, each an alias of a current column.
    pub columns: &'static [(&'static str, &'static str)],
}

const DEVICE_ALIASES: &[(&str, &str)] =
    &[("EventTime", "Timestamp"), ("MachineId", "DeviceId"), ("ComputerName", "DeviceName")];

/// The renamed table behind a legacy name, if `name` is one.
pub fn legacy_table(name: &str) -> Option<LegacyTable> {
    let current = match name {
        "ProcessCreationEvents" => "DeviceProcessEvents",
        "NetworkCommunicationEvents" => "DeviceNetworkEvents",
        "FileCreationEvents" => "DeviceFileEvents",
        "RegistryEvents" => "DeviceRegistryEvents",
        "LogonEvents" => "DeviceLogonEvents",
        "ImageLoadEvents" => "DeviceImageLoadEvents",
        "MiscEvents" => "DeviceEvents",
        "MachineInfo" => "DeviceInfo",
        "MachineNetworkInfo" => "DeviceNetworkInfo",
        "AlertEvents" | "DeviceAlertEvents" => "AlertEvidence",
        "DeviceTvmSoftwareInventoryVulnerabilities" => "DeviceTvmSoftwareVulnerabilities",
        _ => return None,
    };
    Some(LegacyTable { current, columns: DEVICE_ALIASES })
}
