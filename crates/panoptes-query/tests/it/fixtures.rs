use std::sync::Arc;

use panoptes_domain::TenantId;
use panoptes_query::MemoryCatalog;
use panoptes_query::hunt::TenantSource;

/// Two tenants whose rows collide on purpose (same device names, users and IPs).
pub(crate) fn two_tenants() -> MemoryCatalog {
    let mut catalog = MemoryCatalog::default();
    let rows = [
        r#"{"TenantId":"t-alpha","Timestamp":"2024-01-15T10:00:00Z","DeviceId":"dev1","DeviceName":"ws1","FileName":"powershell.exe","ProcessCommandLine":"powershell -enc AAA","AccountName":"administrator"}"#,
        r#"{"TenantId":"t-alpha","Timestamp":"2024-01-15T10:05:00Z","DeviceId":"dev2","DeviceName":"ws2","FileName":"cmd.exe","ProcessCommandLine":"cmd /c whoami","AccountName":"alice"}"#,
        r#"{"TenantId":"t-beta","Timestamp":"2024-01-15T11:00:00Z","DeviceId":"dev1","DeviceName":"ws1","FileName":"powershell.exe","ProcessCommandLine":"powershell Get-Process","AccountName":"administrator"}"#,
    ];
    catalog.load_ndjson("DeviceProcessEvents", &rows.join("\n")).expect("fixture loads");
    catalog
}

pub(crate) fn sources(catalog: &MemoryCatalog) -> Vec<TenantSource> {
    catalog
        .tenants()
        .into_iter()
        .map(|tenant| TenantSource {
            tenant_name: format!("{tenant} name"),
            catalog: Arc::new(catalog.for_tenant(&tenant)),
            tenant_id: tenant,
        })
        .collect()
}

pub(crate) fn tenant(id: &str) -> TenantId {
    TenantId::new(id)
}
