use super::*;

fn columns(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| n.to_string()).collect()
}

#[track_caller]
fn check_columns(tables: &[&str], result: &[&str], expect: std::result::Result<(), &str>) {
    let outcome = check_result_columns(&columns(tables), &columns(result));
    match (outcome, expect) {
        (Ok(()), Ok(())) => {}
        (Err(error), Err(fragment)) => assert!(error.to_string().contains(fragment), "{error}"),
        (outcome, expect) => panic!("got {outcome:?}, expected {expect:?}"),
    }
}

#[test]
fn device_tables_need_timestamp_device_id_and_report_id() {
    check_columns(&["DeviceProcessEvents"], &["Timestamp", "DeviceId", "ReportId"], Ok(()));
    check_columns(&["DeviceProcessEvents"], &["Timestamp", "DeviceId"], Err("lack the column `ReportId`"));
    check_columns(&["DeviceProcessEvents"], &["DeviceName"], Err("`Timestamp`, `DeviceId`, `ReportId`"));
    check_columns(&["AlertEvidence"], &["Timestamp", "DeviceId"], Ok(()));
    check_columns(&["EmailEvents"], &["Timestamp", "ReportId"], Err("no impacted asset"));
    check_columns(&["EmailEvents"], &["Timestamp", "ReportId", "RecipientEmailAddress"], Ok(()));
}

#[test]
fn schedules_have_graph_periods_and_default_lookbacks() {
    let month = 30 * DAY_NS;
    assert_eq!(Schedule::parse("1H", None, month).map(|s| s.lookback_ns), Ok(4 * HOUR_NS));
    assert_eq!(Schedule::parse("24h", None, month).map(|s| s.lookback_ns), Ok(30 * DAY_NS));
    assert_eq!(Schedule::parse("3H", Some("2d"), month).map(|s| s.lookback_ns), Ok(2 * DAY_NS));
    assert_eq!(Schedule::parse("12H", Some("P1DT12H"), month).map(|s| s.lookback_ns), Ok(36 * HOUR_NS));
    assert!(Schedule::parse("0", None, month).is_ok_and(|s| s.is_nrt() && s.period() == "0"));
    let error = Schedule::parse("2H", None, month).unwrap_err().to_string();
    assert!(error.contains("0, 1H, 3H, 12H, 24H"), "{error}");
    let error = Schedule::parse("1H", Some("60d"), month).unwrap_err().to_string();
    assert!(error.contains("30 days of retention"), "{error}");
    assert!(Schedule::parse("1H", Some("soon"), month).is_err());
}

#[test]
fn mitre_ids_are_checked() {
    assert!(check_mitre_technique("T1003").is_ok());
    assert!(check_mitre_technique("T1003.001").is_ok());
    for bad in ["T100", "1003", "T1003.1", "T1003.0011", "t1003", ""] {
        assert!(check_mitre_technique(bad).is_err(), "{bad}");
    }
}

fn query(text: &str) -> Query {
    panoptes_kql::parse(text).expect("test query parses")
}

#[test]
fn nrt_takes_one_table_and_row_wise_operators() {
    assert!(is_nrt_eligible(&query("DeviceProcessEvents | where FileName =~ 'x.exe' | extend A = 1")).is_ok());
    assert!(is_nrt_eligible(&query("let n = 'x'; DeviceProcessEvents | where FileName == n")).is_ok());
    let reason = is_nrt_eligible(&query("DeviceProcessEvents | summarize count() by DeviceId")).unwrap_err();
    assert!(reason.contains("`summarize` is not row-wise"), "{reason}");
    let reason = is_nrt_eligible(&query("let t = DeviceEvents | take 1; t | where true")).unwrap_err();
    assert!(reason.contains("binds a table"), "{reason}");
    assert!(is_nrt_eligible(&query("union DeviceEvents, DeviceFileEvents")).is_err());
}

#[test]
fn tables_are_found_through_lets_and_unions() {
    assert_eq!(tables_read(&query("DeviceProcessEvents | where true")), ["DeviceProcessEvents"]);
    let read =
        tables_read(&query("let p = DeviceProcessEvents | where true; p | join (DeviceNetworkEvents) on DeviceId"));
    assert_eq!(read, ["DeviceProcessEvents"]);
    let read = tables_read(&query("union DeviceFileEvents, (EmailEvents | where true)"));
    assert_eq!(read, ["DeviceFileEvents", "EmailEvents"]);
}

#[test]
fn lookbacks_print_as_iso_durations_that_parse_back() {
    for (ns, text) in
        [(4 * HOUR_NS, "PT4H"), (30 * DAY_NS, "P30D"), (36 * HOUR_NS, "P1DT12H"), (90 * 60_000_000_000, "PT1H30M")]
    {
        assert_eq!(format_span(ns), text);
        assert_eq!(parse_span(text), Some(ns));
    }
}
