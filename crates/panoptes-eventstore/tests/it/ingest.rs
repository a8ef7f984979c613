use panoptes_eventstore::ingest::{Format, IngestOptions, convert_records, split_records};

fn options(format: Format, table: Option<&str>) -> IngestOptions {
    IngestOptions {
        format,
        table: table.map(str::to_string),
        external_tenant_id: Some("ext-1".into()),
        received_ns: 0,
        tenant: "test".into(),
    }
}

#[test]
fn native_rows_keep_good_lines_and_name_the_bad_field() {
    let text = r#"{"Timestamp":"2024-01-15T10:00:00Z","DeviceName":"ws1","ReportId":1,"Unknown":"kept"}
{"Timestamp":"2024-01-15T10:00:00Z","DeviceName":"ws1","ReportId":"two"}
not json
{"Timestamp":"yesterday","DeviceName":"ws1","ReportId":3}
"#;
    let converted =
        convert_records(split_records(text), &options(Format::Native, Some("DeviceProcessEvents"))).expect("converts");
    assert_eq!(converted.accepted, 1);
    let errors: Vec<String> = converted.errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(errors[0].starts_with("line 2: field `ReportId` must be long"), "{}", errors[0]);
    assert!(errors[1].starts_with("line 3: not valid JSON"), "{}", errors[1]);
    assert!(errors[2].starts_with("line 4: field `Timestamp` must be datetime"), "{}", errors[2]);
    let (table, batch) = &converted.batches[0];
    assert_eq!(table, "DeviceProcessEvents");
    let extra = batch.column(batch.schema().index_of("AdditionalFields").expect("column"));
    let extra = datafusion::arrow::array::AsArray::as_string::<i64>(extra.as_ref()).value(0).to_string();
    assert_eq!(extra, r#"{"Unknown":"kept"}"#);
}

#[test]
fn native_rows_need_a_table() {
    let error = convert_records(split_records("{}\n"), &options(Format::Native, None)).expect_err("no table");
    assert!(error.contains("--table"), "{error}");
}

#[test]
fn streaming_records_route_by_category_coerce_leniently_and_check_the_tenant() {
    let text = r#"{"records":[
 {"time":"2024-01-15T10:00:01Z","tenantId":"EXT-1","category":"AdvancedHunting-DeviceProcessEvents","properties":{"Timestamp":"2024-01-15T10:00:00Z","DeviceName":"ws1","ReportId":"7","MachineGroup":"Servers"}},
 {"time":"2024-01-15T10:00:01Z","tenantId":"ext-1","category":"AdvancedHunting-DeviceNetworkEvents","properties":{"Timestamp":"2024-01-15T10:00:00Z","RemotePort":"","RemoteIP":"10.0.0.5"}},
 {"time":"2024-01-15T10:00:01Z","tenantId":"someone-else","category":"AdvancedHunting-DeviceProcessEvents","properties":{"DeviceName":"x"}},
 {"time":"2024-01-15T10:00:01Z","tenantId":"ext-1","category":"Audit","properties":{}}
]}"#;
    let records = split_records(text);
    assert_eq!(records.len(), 4, "a pretty-printed wrapper is one document");
    let converted = convert_records(records, &options(Format::Auto, None)).expect("converts");
    assert_eq!(converted.accepted, 2);
    let tables: Vec<&str> = converted.batches.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(tables, ["DeviceNetworkEvents", "DeviceProcessEvents"]);
    assert!(converted.errors[0].message.contains("not this tenant"), "{:?}", converted.errors);
    assert!(converted.errors[1].message.contains("AdvancedHunting-<Table>"), "{:?}", converted.errors);
    assert_eq!(converted.errors[0].position, "document, record 3");
}
