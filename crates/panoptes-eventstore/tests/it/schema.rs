use std::path::PathBuf;

use panoptes_eventstore::catalog::{defender_schema_text, defender_tables};

#[test]
fn checked_in_schema_matches_shared() {
    let shared = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/schema/defender-tables.json");
    let text = std::fs::read_to_string(&shared).expect("../shared/schema/defender-tables.json is present");
    let ours: serde_json::Value = serde_json::from_str(defender_schema_text()).expect("our copy parses");
    let theirs: serde_json::Value = serde_json::from_str(&text).expect("shared copy parses");
    assert_eq!(ours, theirs, "crates/panoptes-query/schema/defender-tables.json differs from ../shared; copy it again");
}

#[test]
fn every_table_has_tenant_and_additional_fields() {
    for (name, table) in defender_tables() {
        for required in ["TenantId", "AdditionalFields"] {
            assert!(table.columns.iter().any(|(c, _)| c == required), "{name} lacks {required}");
        }
    }
    assert!(defender_tables()["DeviceProcessEvents"].columns.iter().any(|(c, _)| c == "TimeGenerated"));
    assert!(defender_tables()["IdentityDirectoryEvents"].partial);
    assert!(!defender_tables()["DeviceProcessEvents"].partial);
}
