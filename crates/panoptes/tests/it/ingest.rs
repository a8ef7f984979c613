use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

pub(crate) fn panoptes(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_panoptes")).args(args).output().expect("binary runs")
}

pub(crate) fn row(report_id: u64) -> String {
    format!(
        r#"{{"Timestamp":"2024-01-15T10:{:02}:00Z","DeviceId":"d1","DeviceName":"ws1","FileName":"cmd.exe","ReportId":{report_id}}}"#,
        report_id % 60
    )
}

/// `ReportId`s stored in the tenant, sorted (duplicates kept).
pub(crate) fn stored_ids(data: &Path) -> Vec<u64> {
    let out = panoptes(&[
        "kql",
        "run",
        "--data",
        &data.to_string_lossy(),
        "--format",
        "csv",
        "DeviceProcessEvents | project ReportId",
    ]);
    assert!(out.status.success(), "the store opens cleanly: {}", String::from_utf8_lossy(&out.stderr));
    let mut ids: Vec<u64> =
        String::from_utf8_lossy(&out.stdout).lines().skip(1).map(|l| l.trim().parse().expect("an id")).collect();
    ids.sort();
    ids
}

/// A tiny deterministic generator for kill points.
pub(crate) struct Lcg(pub(crate) u64);

impl Lcg {
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// Streams rows into `panoptes ingest -`, reads its acknowledgements and SIGKILLs it at a
/// random point, several times over; every acknowledged row must then be stored exactly once.
#[test]
fn sigkill_during_acknowledged_ingest_loses_and_duplicates_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("store");
    let mut random = Lcg(0x5eed);
    let mut next_id = 0u64;
    let mut acknowledged: Vec<u64> = Vec::new();
    for _round in 0..20 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_panoptes"))
            .args([
                "ingest",
                "--data",
                &data.to_string_lossy(),
                "--tenant",
                "contoso",
                "--table",
                "DeviceProcessEvents",
            ])
            .args(["--batch-lines", "40", "--flush-rows", "150", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("ingest starts");
        let first = next_id;
        let lines = 4_000u64;
        next_id += lines;
        let mut stdin = child.stdin.take().expect("stdin");
        let writer = std::thread::spawn(move || {
            for id in first..first + lines {
                if writeln!(stdin, "{}", row(id)).is_err() {
                    return; // killed: the pipe closed
                }
            }
        });
        let kill_after = 1 + random.below(12);
        let mut acked = 0u64;
        let mut seen = 0;
        for line in BufReader::new(child.stdout.take().expect("stdout")).lines() {
            let Ok(line) = line else { break };
            if let Some(n) = line.strip_prefix("acked ") {
                acked = n.trim().parse().expect("a count");
                seen += 1;
                if seen == kill_after {
                    // Let the next batch get under way, then kill mid-flight.
                    std::thread::sleep(std::time::Duration::from_micros(random.below(3_000)));
                    break;
                }
            }
        }
        child.kill().expect("SIGKILL");
        child.wait().expect("reaped");
        let _ = writer.join();
        // Lines are acknowledged in order, so the first `acked` of this round are durable.
        acknowledged.extend(first..first + acked);
        let stored = stored_ids(&data);
        let mut unique = stored.clone();
        unique.dedup();
        assert_eq!(unique.len(), stored.len(), "no row stored twice");
        let missing: Vec<&u64> = acknowledged.iter().filter(|id| stored.binary_search(id).is_err()).collect();
        assert!(missing.is_empty(), "acknowledged rows lost: {:?}", &missing[..missing.len().min(10)]);
    }
    assert!(acknowledged.len() > 200, "the test acknowledged enough rows to mean something");
}

#[test]
fn file_ingest_reports_bad_records_with_positions_and_keeps_the_good() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("store");
    let file = dir.path().join("DeviceProcessEvents.jsonl");
    std::fs::write(&file, format!("{}\n{{\"ReportId\":\"x\"}}\n{}\n", row(1), row(2))).expect("writes");
    let out = panoptes(&["ingest", "--data", &data.to_string_lossy(), "--tenant", "contoso", &file.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(2), "some records refused");
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("2 records stored, 1 refused"), "{text}");
    assert!(text.contains("line 2: field `ReportId` must be long"), "{text}");
    assert_eq!(stored_ids(&data), [1, 2]);
    let strict = panoptes(&[
        "ingest",
        "--data",
        &data.to_string_lossy(),
        "--tenant",
        "contoso",
        "--strict",
        &file.to_string_lossy(),
    ]);
    assert_eq!(strict.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&strict.stderr).contains("nothing stored"), "strict refuses the file");
    assert_eq!(stored_ids(&data), [1, 2], "strict stored nothing");
}

fn datasets() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets")
}

fn files(dir: &Path, extension: &str) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("dataset folder") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            out.extend(files(&path, extension));
        } else if path.extension().is_some_and(|e| e == extension) {
            out.push(path.to_string_lossy().into_owned());
        }
    }
    out.sort();
    out
}

fn corpus_query(id: &str) -> String {
    let path = datasets().join("../corpus/defender-hunting-queries.jsonl");
    let text = std::fs::read_to_string(path).expect("corpus");
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|r| r["id"] == id)
        .and_then(|r| r["query"].as_str().map(str::to_string))
        .unwrap_or_else(|| panic!("corpus query {id}"))
}

/// Rows of a hunt over the store as JSON objects.
fn hunt(data: &Path, now: &str, query: &str) -> Vec<serde_json::Value> {
    let out = panoptes(&["kql", "run", "--data", &data.to_string_lossy(), "--now", now, "--format", "json", query]);
    assert!(out.status.success(), "{query}\n{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice::<Vec<serde_json::Value>>(&out.stdout).expect("json rows")
}

/// Every telemetry file of ../shared/datasets into its own tenant, then real hunting queries
/// from the corpus find the attacks those recordings hold.
#[test]
fn real_datasets_ingest_and_hunts_find_the_recorded_attacks() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("store");
    let data_arg = data.to_string_lossy().into_owned();
    let otrf = datasets().join("otrf-security-datasets");
    let mut windows = files(&otrf.join("atomic-windows"), "json");
    windows.extend(files(&otrf.join("atomic-windows-zipped"), "zip"));
    windows.extend(files(&otrf.join("atomic-windows-zipped"), "gz"));
    let mut msticpy = files(&datasets().join("msticpy-testdata"), "jsonl");
    msticpy.extend(files(&datasets().join("msticpy-testdata"), "csv"));
    // Each family in its own tenant; every file's format is recognised from its content.
    let sets: [(&str, Vec<String>, Option<&str>); 6] = [
        ("otrf", windows, None),
        ("linux", files(&otrf.join("atomic-linux"), "log"), None),
        ("saml", files(&otrf.join("compound-golden-saml-adfs-mail-access"), "json"), None),
        ("log4shell", files(&otrf.join("compound-log4shell"), "json"), None),
        ("evtx", files(&datasets().join("evtx-attack-samples/jsonl"), "jsonl"), None),
        ("msticpy", msticpy, None),
    ];
    for (tenant, paths, table) in &sets {
        assert!(!paths.is_empty(), "{tenant} has files");
        let mut args = vec!["ingest", "--data", &data_arg, "--tenant", tenant];
        if let Some(table) = table {
            args.extend(["--table", table]);
        }
        args.extend(paths.iter().map(String::as_str));
        let out = panoptes(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{tenant}: {stderr}");
        // Every file is read and none has a record refused (files whose events no table takes,
        // such as DCSync's 4662s, store nothing and say so).
        let reports: Vec<&str> = stderr.lines().filter(|l| l.contains(" records stored, ")).collect();
        assert_eq!(reports.len(), paths.len(), "{stderr}");
        assert!(reports.iter().all(|l| l.ends_with(", 0 refused")), "{stderr}");
    }
    // Real Defender rows arrive whole: 200 rows, one device.
    let counts = hunt(
        &data,
        "2021-12-17T00:00:00Z",
        "DeviceProcessEvents | where TenantId == 'msticpy' and Timestamp > datetime(2021-01-01) | summarize n = count(), devices = dcount(DeviceId)",
    );
    assert_eq!(counts, [serde_json::json!({"n": 200, "devices": 1})]);

    // LSASS access by a process whose hash was not seen before (reprise99), as of the morning after the OTRF recordings.
    let lsass = hunt(
        &data,
        "2020-10-19T06:00:00Z",
        &corpus_query("reprise99/Sentinel-Queries/Defender for Endpoint/Device-NewHashAccessingLSASS.kql#1"),
    );
    let devices: Vec<&str> = lsass.iter().filter_map(|r| r["DeviceName"].as_str()).collect();
    assert!(devices.contains(&"workstation5"), "comsvcs/Dumpert LSASS access found: {lsass:?}");

    // Scheduled tasks created from the command line (francoisfried persistence hunt).
    let tasks = hunt(
        &data,
        "2020-12-20T00:00:00Z",
        &corpus_query("francoisfried/Defender-Advanced-Hunting-Queries/Queries/Persistence.md#3"),
    );
    assert!(
        tasks.iter().any(|r| r["ProcessCommandLine"].as_str().is_some_and(|c| c.to_lowercase().contains("schtasks"))),
        "{tasks:?}"
    );

    // PowerShell script blocks (alexverboon): the MiniDumpWriteDump LSASS script of the EVTX samples.
    let scripts =
        hunt(&data, "2020-07-01T00:00:00Z", &corpus_query("alexverboon/MDATP/DemoTools/Mitre/PowerShell.md#2"));
    assert!(!scripts.is_empty(), "PowerShell 4104 script blocks are PowerShellCommand events");

    // Credential dumping with comsvcs.dll MiniDump, in both recordings.
    let dumps = hunt(
        &data,
        "2021-01-01T00:00:00Z",
        "DeviceProcessEvents | where ProcessCommandLine has_all ('comsvcs', 'MiniDump') | distinct TenantId | order by TenantId asc",
    );
    assert_eq!(dumps, [serde_json::json!({"TenantId": "evtx"}), serde_json::json!({"TenantId": "otrf"})]);

    // Mimikatz (Zerologon) and its network logons on the domain controller.
    let mimikatz = hunt(
        &data,
        "2021-01-01T00:00:00Z",
        "DeviceProcessEvents | where FileName =~ 'mimikatz.exe' | summarize count() by TenantId | order by TenantId asc",
    );
    // The msticpy Sentinel export has one run of it too.
    assert_eq!(
        mimikatz,
        [serde_json::json!({"TenantId": "msticpy", "count_": 1}), serde_json::json!({"TenantId": "otrf", "count_": 2})]
    );

    // The zipped sets: a user added over WMI (Security 4720, NXLog) and RDP enabled in the
    // registry (winlogbeat 6, inside a .tar.gz).
    let zipped = hunt(
        &data,
        "2021-01-01T00:00:00Z",
        "union (DeviceEvents | where ActionType == 'UserAccountCreated'), \
         (DeviceRegistryEvents | where RegistryValueName == 'fDenyTSConnections') \
         | where TenantId == 'otrf' | summarize count() by ActionType | order by ActionType asc",
    );
    let kinds: Vec<&str> = zipped.iter().filter_map(|r| r["ActionType"].as_str()).collect();
    assert_eq!(kinds, ["RegistryValueSet", "UserAccountCreated"], "{zipped:?}");

    // Log4Shell: the reverse shell Tomcat's JVM started (AUOMS audit in Syslog), its connection
    // (VM insights) and Sysmon for Linux process events, all on ubuntu5.
    let shell = hunt(
        &data,
        "2022-05-12T00:00:00Z",
        "DeviceProcessEvents | where TenantId == 'log4shell' and ProcessCommandLine has 'base64' \
         | distinct DeviceName, AccountName",
    );
    assert!(shell.contains(&serde_json::json!({"DeviceName": "ubuntu5", "AccountName": "tomcat"})), "{shell:?}");
    let linux = hunt(
        &data,
        "2022-05-12T00:00:00Z",
        "union DeviceNetworkEvents, DeviceProcessEvents, DeviceInfo | where TenantId == 'log4shell' and DeviceName == 'ubuntu5' \
         | summarize n = count() by Table = iff(isempty(ActionType), 'DeviceInfo', ActionType), OSPlatform | order by Table asc",
    );
    let tables: Vec<&str> = linux.iter().filter_map(|r| r["Table"].as_str()).collect();
    assert!(tables.contains(&"ConnectionSuccess") && tables.contains(&"ProcessCreated"), "{linux:?}");

    // Golden SAML: the Defender export's rows each in their own table, and the mail access
    // from both the Defender export and Sentinel's OfficeActivity.
    let saml = hunt(
        &data,
        "2021-08-03T00:00:00Z",
        "union withsource=SourceTable IdentityDirectoryEvents, CloudAppEvents, DeviceEvents | where TenantId == 'saml' \
         | summarize n = count() by SourceTable, ActionType | order by SourceTable asc, ActionType asc",
    );
    let rows: Vec<(String, String)> = saml
        .iter()
        .map(|r| {
            (r["SourceTable"].as_str().unwrap_or("").to_string(), r["ActionType"].as_str().unwrap_or("").to_string())
        })
        .collect();
    for expected in [
        ("IdentityDirectoryEvents", "Directory Services replication"),
        ("CloudAppEvents", "MailItemsAccessed"),
        ("CloudAppEvents", "Add delegated permission grant"),
        ("DeviceEvents", "LdapSearch"),
    ] {
        assert!(rows.contains(&(expected.0.to_string(), expected.1.to_string())), "{expected:?} in {rows:?}");
    }

    // Raw auditd: the `dd` padding and `arp -a` of the Linux atomics.
    let audit = hunt(
        &data,
        "2020-11-11T00:00:00Z",
        "DeviceProcessEvents | where TenantId == 'linux' | order by Timestamp asc | project FileName, ProcessCommandLine",
    );
    assert!(audit.contains(&serde_json::json!({"FileName": "arp", "ProcessCommandLine": "arp -a"})), "{audit:?}");
    assert!(audit.iter().any(|r| r["ProcessCommandLine"].as_str().is_some_and(|c| c.contains("if=/dev/zero"))));

    // msticpy: Sentinel SecurityEvent CSVs become process and logon rows; SecurityAlert rows
    // become AlertInfo with their entities as AlertEvidence.
    let sentinel = hunt(
        &data,
        "2019-03-01T00:00:00Z",
        "union withsource=SourceTable DeviceProcessEvents, DeviceLogonEvents, AlertInfo, AlertEvidence \
         | where TenantId == 'msticpy' and Timestamp < datetime(2021-01-01) | summarize n = count() by SourceTable | order by SourceTable asc",
    );
    assert_eq!(
        sentinel,
        [
            serde_json::json!({"SourceTable": "AlertEvidence", "n": 1103}),
            serde_json::json!({"SourceTable": "AlertInfo", "n": 189}),
            serde_json::json!({"SourceTable": "DeviceLogonEvents", "n": 18}),
            serde_json::json!({"SourceTable": "DeviceProcessEvents", "n": 363}),
        ]
    );

    // The first-party detection rules fire on the recorded attacks.
    let content = super::content::content_dir();
    let out = panoptes(&["rules", "check", &content.to_string_lossy(), "--data", &data_arg, "--format", "json"]);
    let reports: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("json report");
    let fires = |name: &str| -> Vec<String> {
        let report = reports.iter().find(|r| r["name"] == name).unwrap_or_else(|| panic!("rule {name}"));
        report["fires"].as_object().map(|f| f.keys().cloned().collect()).unwrap_or_default()
    };
    assert_eq!(fires("LSASS memory dumped with comsvcs.dll"), ["evtx", "otrf"]);
    assert_eq!(fires("Mimikatz credential theft tool"), ["msticpy", "otrf"]);
    assert!(fires("Scheduled task created from the command line").contains(&"otrf".to_string()));
    assert!(fires("bitsadmin transferring a file").contains(&"otrf".to_string()));
    let firing = reports.iter().filter(|r| r["fires"].as_object().is_some_and(|f| !f.is_empty())).count();
    assert!(firing >= 6, "{firing} rules fire on the recordings: {reports:#?}");
}

/// Raw `.evtx` files read through the `evtx` crate give exactly the rows their `evtx_dump`
/// JSON Lines twins give (the samples ship both).
#[test]
fn raw_evtx_files_ingest_like_their_json_exports() {
    let dir = tempfile::tempdir().expect("temp dir");
    let samples = datasets().join("evtx-attack-samples");
    let raw = files(&samples.join("evtx"), "evtx");
    let exported = files(&samples.join("jsonl"), "jsonl");
    assert_eq!(raw.len(), exported.len(), "every sample has both forms");
    let mut counts = Vec::new();
    for (name, paths) in [("raw", &raw), ("exported", &exported)] {
        let data = dir.path().join(name);
        let data_arg = data.to_string_lossy().into_owned();
        let mut args = vec!["ingest", "--data", &data_arg, "--tenant", "samples"];
        args.extend(paths.iter().map(String::as_str));
        let out = panoptes(&args);
        assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        counts.push(hunt(
            &data,
            "2021-01-01T00:00:00Z",
            "union withsource=Table Device* | summarize Rows = count(), Devices = dcount(DeviceName), First = min(Timestamp) by Table | order by Table asc",
        ));
    }
    assert!(counts[0].len() >= 4, "several tables filled: {:?}", counts[0]);
    assert_eq!(counts[0], counts[1]);
    // A file that is not an event log is refused with a message naming it.
    let bogus = dir.path().join("notes.evtx");
    std::fs::write(&bogus, "not a log").expect("write");
    let out = panoptes(&[
        "ingest",
        "--data",
        &dir.path().join("raw").to_string_lossy(),
        "--tenant",
        "samples",
        &bogus.to_string_lossy(),
    ]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not a readable .evtx file"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
