use panoptes_eventstore::ingest::{Format, IngestOptions, convert_records, convert_text, split_records};

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
    let converted = convert_text(text, 1, &options(Format::Native, Some("DeviceProcessEvents"))).expect("converts");
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
    let error = convert_text("{}\n", 1, &options(Format::Native, None)).expect_err("no table");
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

/// The line fast path (no JSON tree per record, fields stored as they are read) must store
/// exactly what the general record path stores, and refuse the same records with the same
/// words: rows refused halfway, fields given twice and broken lines leave no trace.
#[test]
fn the_line_fast_path_matches_the_record_path() {
    let native = r#"{"Timestamp":"2024-01-15T10:00:00.1234567Z","DeviceName":"ws1","ReportId":1,"FolderPath":"C:\\Windows","ProcessCommandLine":"\"C:\\Windows\\cmd.exe\" /c \u00e9cho","Extra":{"a":[1,2]}}
{"DeviceName":"ws2","ReportId":2,"AdditionalFields":"{\"x\":1}","ProcessId":4294967296}
{"DeviceName":"ws3","ReportId":3.5}
[1,2]
{"ReportId":4,"DeviceName":null,"InitiatingProcessAccountUpn":"a@b","ProcessTokenElevation":"TokenElevationTypeFull"}
{"DeviceName":"twice","ReportId":5,"FileName":"a.exe","ReportId":6}
{"DeviceName":"half-refused","FileName":"b.exe","ReportId":7,"ProcessId":"eight","FolderPath":"C:\\x"}
{"DeviceName":"broken","FileName":"c.exe","ReportId":9,
{"DeviceName":"after","ReportId":10,"Timestamp":null}
"#;
    let stream = r#"{"time":"t","tenantId":"ext-1","category":"AdvancedHunting-DeviceNetworkEvents","properties":{"Timestamp":"2024-01-15T10:00:00Z","RemotePort":"443","LocalPort":"","RemoteIP":"10.0.0.5","Unknown":true}}
{"category":"AdvancedHunting-DeviceProcessEvents","properties":{"ReportId":"x"},"tenantId":"ext-1"}
{"tenantId":"other","category":"AdvancedHunting-DeviceProcessEvents","properties":{"ReportId":1}}
{"properties":{"ReportId":"9","DeviceName":"late-category"},"category":"AdvancedHunting-DeviceProcessEvents"}
{"records":[{"category":"AdvancedHunting-DeviceEvents","properties":{"ActionType":"x"}}]}
{"category":"AdvancedHunting-NoSuchTable","properties":{}}
{"category":"AdvancedHunting-DeviceProcessEvents","properties":{"ReportId":11,"DeviceName":"tenant-after"},"tenantId":"other"}
{"category":"AdvancedHunting-DeviceProcessEvents","properties":{"ReportId":12,"DeviceName":"broken-after"},"tenantId":}
{"category":"AdvancedHunting-DeviceProcessEvents","properties":{"ReportId":13,"ReportId":"14"},"tenantId":"ext-1"}
{"category":"AdvancedHunting-DeviceProcessEvents","properties":{"ReportId":15,"DeviceName":"last"},"tenantId":"ext-1"}
"#;
    for (text, format, table) in [(native, Format::Native, Some("DeviceProcessEvents")), (stream, Format::Auto, None)] {
        let options = options(format, table);
        let fast = convert_text(text, 1, &options).expect("fast path");
        let general = convert_records(split_records(text), &options).expect("record path");
        assert_eq!(fast.accepted, general.accepted);
        assert_eq!(fast.errors, general.errors);
        assert_eq!(fast.batches.len(), general.batches.len());
        for ((t1, b1), (t2, b2)) in fast.batches.iter().zip(&general.batches) {
            assert_eq!(t1, t2);
            assert_eq!(b1, b2, "{t1} differs");
        }
        assert!(fast.accepted >= 2 && !fast.errors.is_empty(), "the inputs exercise both outcomes");
        let stored: usize = fast.batches.iter().map(|(_, batch)| batch.num_rows()).sum();
        assert_eq!(stored, fast.accepted, "only accepted rows are stored");
    }
}

#[test]
fn chunk_positions_count_from_the_chunk_start() {
    let text = "{\"ReportId\":1}\n{\"ReportId\":\"x\"}\nnot json\n";
    let converted =
        convert_text(text, 40_001, &options(Format::Native, Some("DeviceProcessEvents"))).expect("converts");
    let positions: Vec<&str> = converted.errors.iter().map(|e| e.position.as_str()).collect();
    assert_eq!(positions, ["line 40002", "line 40003"]);
}

/// Values read in one pass: a field given twice keeps its last value (as JSON readers do),
/// and each unescaped value is stored before the next one is read.
#[test]
fn fields_read_in_one_pass_keep_their_values() {
    use datafusion::arrow::array::AsArray;
    use datafusion::arrow::datatypes::Int64Type;
    let text = r#"{"DeviceName":"twice","ReportId":5,"ReportId":6,"FolderPath":"C:\\a\\b","ProcessCommandLine":"x \"y\""}
"#;
    let converted = convert_text(text, 1, &options(Format::Native, Some("DeviceProcessEvents"))).expect("converts");
    assert_eq!((converted.accepted, converted.errors.len()), (1, 0), "{:?}", converted.errors);
    let batch = &converted.batches[0].1;
    let column = |name: &str| batch.column(batch.schema().index_of(name).expect("column")).clone();
    assert_eq!(column("ReportId").as_primitive::<Int64Type>().value(0), 6);
    assert_eq!(column("FolderPath").as_string::<i32>().value(0), r"C:\a\b");
    assert_eq!(column("ProcessCommandLine").as_string::<i32>().value(0), r#"x "y""#);
}
