use std::collections::BTreeSet;
use std::sync::Arc;

use panoptes_domain::{TenantId, TenantScope};
use panoptes_eventstore::arrow::util::display::array_value_to_string;
use panoptes_eventstore::{EventStore, StoreConfig};
use panoptes_generator::{AttackKind, GeneratorConfig, GroundTruth, generate};
use panoptes_query::{Engine, ExecuteOptions, StoreCatalog};

const END: i64 = 1_795_132_800_000_000_000; // 2026-11-19T12:00:00Z

fn generated() -> (tempfile::TempDir, Arc<EventStore>, GroundTruth) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (store, _) = EventStore::open(dir.path(), StoreConfig::default()).expect("opens");
    let config =
        GeneratorConfig { seed: 42, tenants: 8, devices: 8, days: 2, rate: 60, end_ns: END, attacks: true, threads: 2 };
    let truth = generate(&store, &config, &|_, _| {}).expect("generates");
    (dir, Arc::new(store), truth)
}

/// The `TenantId|DeviceName` pairs a query returns (it must project those two columns).
async fn hits(store: &Arc<EventStore>, scope: TenantScope, query: &str) -> BTreeSet<String> {
    let catalog = StoreCatalog::new(store.clone(), scope);
    let options = ExecuteOptions { now_ns: Some(END), ..Default::default() };
    let result = Engine::default().execute(query, &catalog, &options).await.unwrap_or_else(|e| panic!("{query}: {e}"));
    let mut out = BTreeSet::new();
    for batch in &result.batches {
        for row in 0..batch.num_rows() {
            let tenant = array_value_to_string(batch.column(0), row).expect("text");
            let device = array_value_to_string(batch.column(1), row).expect("text");
            out.insert(format!("{tenant}|{device}"));
        }
    }
    out
}

fn expected(truth: &GroundTruth, kind: AttackKind, target: bool) -> BTreeSet<String> {
    truth
        .attacks
        .iter()
        .filter(|a| a.kind == kind)
        .map(|a| {
            format!(
                "{}|{}",
                a.tenant,
                if target { a.target_device.clone().unwrap_or_default() } else { a.device_name.clone() }
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn hunts_find_exactly_the_injected_attacks() {
    let (_dir, store, truth) = generated();
    assert_eq!(truth.tenants.len(), 8);
    // Tenants 0,1,3,4,6,7 get one attack each, and every kind occurs.
    assert_eq!(truth.attacks.len(), 6);
    for kind in AttackKind::ALL {
        assert!(truth.attacks.iter().any(|a| a.kind == kind), "{kind:?} injected");
    }
    let every = TenantScope::local_operator(store.tenants());
    let lsass = r#"DeviceProcessEvents
        | where Timestamp > ago(3d)
        | where (FileName =~ "procdump64.exe" and ProcessCommandLine has "lsass")
            or ProcessCommandLine has "sekurlsa"
            or (FileName =~ "rundll32.exe" and ProcessCommandLine has_all ("comsvcs", "MiniDump"))
        | distinct TenantId, DeviceName"#;
    assert_eq!(hits(&store, every.clone(), lsass).await, expected(&truth, AttackKind::CredentialDumping, false));
    let psexec = r#"DeviceProcessEvents
        | where InitiatingProcessFileName =~ "services.exe" and FileName =~ "psexesvc.exe"
        | join kind=inner (DeviceLogonEvents | where LogonType == "Network" and IsLocalAdmin == true) on DeviceId
        | distinct TenantId, DeviceName"#;
    assert_eq!(hits(&store, every.clone(), psexec).await, expected(&truth, AttackKind::LateralMovement, true));
    let ransomware = r#"DeviceProcessEvents
        | where (FileName =~ "vssadmin.exe" and ProcessCommandLine has_all ("delete", "shadows"))
            or (FileName =~ "bcdedit.exe" and ProcessCommandLine contains "recoveryenabled")
        | join kind=inner (DeviceFileEvents | where ActionType == "FileRenamed" and FileName endswith ".locked"
            | summarize Renamed = count() by DeviceId | where Renamed > 10) on DeviceId
        | distinct TenantId, DeviceName"#;
    assert_eq!(hits(&store, every.clone(), ransomware).await, expected(&truth, AttackKind::RansomwareStaging, false));
    let phishing = r#"UrlClickEvents
        | where ActionType == "ClickAllowed"
        | join kind=inner (EmailEvents | where EmailDirection == "Inbound" and SenderFromDomain endswith "-billing-portal.com") on NetworkMessageId
        | join kind=inner (DeviceProcessEvents
            | where InitiatingProcessFileName in~ ("winword.exe", "excel.exe") and FileName =~ "powershell.exe" and ProcessCommandLine has "-enc"
            | extend AccountUpn = InitiatingProcessAccountUpn) on AccountUpn
        | distinct TenantId, DeviceName"#;
    assert_eq!(hits(&store, every.clone(), phishing).await, expected(&truth, AttackKind::PhishingClick, false));
    let alerts = r#"AlertInfo | where Severity in ("High", "Medium") and DetectionSource == "EDR"
        | join kind=inner AlertEvidence on AlertId | where EntityType == "Process" | distinct TenantId, DeviceName"#;
    let with_alerts: BTreeSet<String> =
        truth.attacks.iter().map(|a| format!("{}|{}", a.tenant, a.device_name)).collect();
    assert_eq!(hits(&store, every, alerts).await, with_alerts);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tenant_scope_sees_only_its_own_attack() {
    let (_dir, store, truth) = generated();
    let hunt = r#"DeviceProcessEvents
        | where FileName in~ ("procdump64.exe", "mimikatz.exe", "PSEXESVC.exe", "vssadmin.exe") or ProcessCommandLine has "-enc"
        | distinct TenantId, DeviceName"#;
    for attack in &truth.attacks {
        let scope = TenantScope::local_operator([TenantId::new(&attack.tenant)]);
        let found = hits(&store, scope, hunt).await;
        assert!(!found.is_empty(), "{} finds its {:?}", attack.tenant, attack.kind);
        assert!(
            found.iter().all(|hit| hit.starts_with(&format!("{}|", attack.tenant))),
            "only its own rows: {found:?}"
        );
    }
    let clean = &truth.tenants[2];
    assert!(!truth.attacks.iter().any(|a| a.tenant == clean.id));
    let found = hits(&store, TenantScope::local_operator([TenantId::new(&clean.id)]), hunt).await;
    assert!(found.is_empty(), "a clean tenant has no attack: {found:?}");
}
