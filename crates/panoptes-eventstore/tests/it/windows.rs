use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::Int64Type;
use datafusion::arrow::record_batch::RecordBatch;
use panoptes_eventstore::ingest::{Converted, Format, IngestOptions, convert_records, split_records};

fn convert(lines: &[&str]) -> Converted {
    let options = IngestOptions {
        format: Format::Auto,
        table: None,
        external_tenant_id: None,
        received_ns: 0,
        tenant: "t1".into(),
    };
    convert_records(split_records(&lines.join("\n")), &options).expect("converts")
}

fn batch<'a>(converted: &'a Converted, table: &str) -> &'a RecordBatch {
    &converted.batches.iter().find(|(t, _)| t == table).unwrap_or_else(|| panic!("{table} rows")).1
}

fn text(batch: &RecordBatch, column: &str, row: usize) -> String {
    let array = batch.column(batch.schema().index_of(column).expect("column"));
    match array.as_string_opt::<i32>() {
        Some(strings) if strings.is_valid(row) => strings.value(row).to_string(),
        Some(_) => String::new(),
        None => array.as_string::<i64>().value(row).to_string(),
    }
}

fn long(batch: &RecordBatch, column: &str, row: usize) -> i64 {
    let array = batch.column(batch.schema().index_of(column).expect("column"));
    let array =
        datafusion::arrow::compute::cast(array, &datafusion::arrow::datatypes::DataType::Int64).expect("numeric");
    array.as_primitive::<Int64Type>().value(row)
}

const SYSMON_1: &str = r#"{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational","Hostname":"WORKSTATION5","UtcTime":"2020-10-22 05:54:23.975","TimeCreated":"2020-10-22T01:54:23.985Z","Image":"C:\\Windows\\System32\\cmstp.exe","CommandLine":"cmstp.exe /s x.inf","User":"WORKSTATION5\\wardog","Hashes":"SHA1=C19C,MD5=D572,SHA256=6391,IMPHASH=109B","ProcessId":"9456","ParentImage":"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe","ParentProcessId":"6708","LogonId":"0xc61d9","Message":"Process Create"}"#;

#[test]
fn helk_sysmon_process_creation_follows_defender_conventions() {
    let converted = convert(&[SYSMON_1]);
    assert!(converted.errors.is_empty(), "{:?}", converted.errors);
    let rows = batch(&converted, "DeviceProcessEvents");
    assert_eq!(text(rows, "FileName", 0), "cmstp.exe");
    assert_eq!(text(rows, "FolderPath", 0), "C:\\Windows\\System32\\cmstp.exe");
    assert_eq!(
        (text(rows, "AccountDomain", 0), text(rows, "AccountName", 0)),
        ("workstation5".into(), "wardog".into())
    );
    assert_eq!(
        (text(rows, "SHA1", 0), text(rows, "SHA256", 0), text(rows, "MD5", 0)),
        ("c19c".into(), "6391".into(), "d572".into())
    );
    assert_eq!(text(rows, "InitiatingProcessFileName", 0), "powershell.exe");
    assert_eq!((long(rows, "ProcessId", 0), long(rows, "LogonId", 0)), (9456, 0xc61d9));
    assert_eq!(text(rows, "DeviceName", 0), "workstation5");
    assert_eq!(text(rows, "DeviceId", 0).len(), 40, "hex SHA-1 of tenant|device");
    assert!(!text(rows, "AdditionalFields", 0).contains("Process Create"), "envelope fields are dropped");
    // One DeviceInfo row per host seen, not counted as an input record.
    assert_eq!(batch(&converted, "DeviceInfo").num_rows(), 1);
    assert_eq!(converted.accepted, 1);
}

#[test]
fn security_events_take_the_offset_measured_on_sysmon() {
    // The export labels local time (UTC-4) as UTC; the 4688 carries no UtcTime.
    let security = r#"{"EventID":4688,"Channel":"Security","Hostname":"WORKSTATION5","TimeCreated":"2020-10-22T01:54:24.000Z","NewProcessName":"C:\\Windows\\System32\\whoami.exe","NewProcessId":"0x10","SubjectUserName":"wardog","SubjectDomainName":"THESHIRE","ParentProcessName":"C:\\Windows\\System32\\cmd.exe","ProcessId":"0x20"}"#;
    let converted = convert(&[SYSMON_1, security]);
    assert!(converted.notes.iter().any(|n| n.contains("-4 h")), "{:?}", converted.notes);
    let rows = batch(&converted, "DeviceProcessEvents");
    let times = rows.column(0).as_primitive::<datafusion::arrow::datatypes::TimestampNanosecondType>();
    let whoami = (0..rows.num_rows()).find(|&i| text(rows, "FileName", i) == "whoami.exe").expect("4688 row");
    assert_eq!(times.value(whoami), 1_603_346_064_000_000_000, "2020-10-22T05:54:24Z");
    assert_eq!((long(rows, "ProcessId", whoami), long(rows, "InitiatingProcessId", whoami)), (16, 32));
}

#[test]
fn sysmon_network_registry_and_lsass_access() {
    let inbound = r#"{"EventID":3,"Channel":"Microsoft-Windows-Sysmon/Operational","Hostname":"DC1","UtcTime":"2020-10-22 05:54:21.354","Initiated":"false","Protocol":"tcp","SourceIp":"10.0.0.9","SourcePort":"50000","DestinationIp":"10.0.0.1","DestinationPort":"445","Image":"System"}"#;
    let registry = r#"{"EventID":13,"Channel":"Microsoft-Windows-Sysmon/Operational","SourceModuleName":"eventlog","EventType":"INFO","EventTypeOrignal":"SetValue","Hostname":"WS1","UtcTime":"2020-10-22 05:54:21.354","TargetObject":"HKU\\S-1-5-21-1\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\evil","Details":"C:\\evil.exe","Image":"C:\\evil.exe","ProcessId":"4"}"#;
    let lsass = r#"{"EventID":10,"Channel":"Microsoft-Windows-Sysmon/Operational","Hostname":"WS1","UtcTime":"2020-10-22 05:54:21.354","SourceImage":"C:\\Windows\\System32\\rundll32.exe","SourceProcessId":"5","TargetImage":"C:\\Windows\\system32\\lsass.exe","TargetProcessId":"756","GrantedAccess":"0x1010"}"#;
    let other_access = lsass.replace("lsass.exe", "notepad.exe");
    let converted = convert(&[inbound, registry, lsass, &other_access]);
    let network = batch(&converted, "DeviceNetworkEvents");
    assert_eq!(text(network, "ActionType", 0), "InboundConnectionAccepted");
    assert_eq!((text(network, "LocalIP", 0), long(network, "LocalPort", 0)), ("10.0.0.1".into(), 445));
    assert_eq!((text(network, "RemoteIP", 0), text(network, "Protocol", 0)), ("10.0.0.9".into(), "Tcp".into()));
    let registry = batch(&converted, "DeviceRegistryEvents");
    assert_eq!(text(registry, "ActionType", 0), "RegistryValueSet");
    assert_eq!(
        text(registry, "RegistryKey", 0),
        "HKEY_CURRENT_USER\\S-1-5-21-1\\Software\\Microsoft\\Windows\\CurrentVersion\\Run"
    );
    assert_eq!(
        (text(registry, "RegistryValueName", 0), text(registry, "RegistryValueData", 0)),
        ("evil".into(), "C:\\evil.exe".into())
    );
    let events = batch(&converted, "DeviceEvents");
    assert_eq!(events.num_rows(), 1, "process access to anything but LSASS is not a Defender event");
    assert_eq!(text(events, "ActionType", 0), "OpenProcessApiCall");
    assert_eq!(text(events, "AdditionalFields", 0), r#"{"DesiredAccess":4112}"#);
    assert_eq!(converted.skipped.get("microsoft-windows-sysmon/operational 10"), Some(&1));
}

#[test]
fn evtx_and_winlogbeat_shapes_and_failed_logons() {
    let evtx = r##"{"Event":{"System":{"EventID":4625,"TimeCreated":{"#attributes":{"SystemTime":"2020-09-09T13:18:23.6279525Z"}},"EventRecordID":137222,"Channel":"Security","Computer":"MSEDGEWIN10"},"EventData":{"TargetUserName":"IEUser","TargetDomainName":"MSEDGEWIN10","Status":"0xc000006d","SubStatus":"0xc000006a","LogonType":2,"IpAddress":"-","WorkstationName":"MSEDGEWIN10"}}}"##;
    let beat = r#"{"event_id":7045,"log_name":"System","computer_name":"SRV1.example.corp","@timestamp":"2019-03-03T09:20:28.621Z","record_number":"4480","event_data":{"ServiceName":"spoolfool","ImagePath":"cmd.exe"}}"#;
    let converted = convert(&[evtx, beat]);
    assert!(converted.errors.is_empty(), "{:?}", converted.errors);
    let logons = batch(&converted, "DeviceLogonEvents");
    assert_eq!(text(logons, "ActionType", 0), "LogonFailed");
    assert_eq!(
        (text(logons, "LogonType", 0), text(logons, "FailureReason", 0)),
        ("Interactive".into(), "WrongPassword".into())
    );
    assert_eq!((text(logons, "AccountName", 0), long(logons, "ReportId", 0)), ("ieuser".into(), 137222));
    assert_eq!(text(logons, "RemoteIP", 0), "", "`-` means none");
    let events = batch(&converted, "DeviceEvents");
    assert_eq!(
        (text(events, "ActionType", 0), text(events, "DeviceName", 0)),
        ("ServiceInstalled".into(), "srv1.example.corp".into())
    );
    assert_eq!(long(events, "ReportId", 0), 4480);
}
