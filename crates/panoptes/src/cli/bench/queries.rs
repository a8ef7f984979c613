//! The hunting benchmark's queries: each in KQL and as the SQL a person would write by hand
//! for DataFusion and for DuckDB. `{end}` is the end of the generated window (KQL's `now()`),
//! `{tenant}` the tenant of the single-tenant queries.

pub(crate) struct HuntQuery {
    pub name: &'static str,
    pub kql: &'static str,
    pub sql: &'static str,
    /// DuckDB's spelling where it differs from DataFusion's.
    pub duckdb: Option<&'static str>,
    /// Runs over one tenant's scope instead of all tenants.
    pub single_tenant: bool,
}

const fn q(name: &'static str, kql: &'static str, sql: &'static str) -> HuntQuery {
    HuntQuery { name, kql, sql, duckdb: None, single_tenant: false }
}

pub(crate) const QUERIES: &[HuntQuery] = &[
    q(
        "has_term",
        r#"DeviceProcessEvents | where ProcessCommandLine has "lsass" | count"#,
        "SELECT count(*) AS Count FROM DeviceProcessEvents WHERE ProcessCommandLine ILIKE '%lsass%'",
    ),
    q(
        "contains_by_tenant",
        r#"DeviceProcessEvents | where ProcessCommandLine contains "-enc" | summarize n = count() by TenantId"#,
        "SELECT TenantId, count(*) AS n FROM DeviceProcessEvents WHERE ProcessCommandLine ILIKE '%-enc%' GROUP BY TenantId",
    ),
    q(
        "startswith_url",
        r#"DeviceNetworkEvents | where RemoteUrl startswith "login." | summarize n = count() by TenantId"#,
        "SELECT TenantId, count(*) AS n FROM DeviceNetworkEvents WHERE RemoteUrl ILIKE 'login.%' GROUP BY TenantId",
    ),
    q(
        "equals_ci_and_port",
        r#"DeviceNetworkEvents | where InitiatingProcessFileName =~ "outlook.exe" and RemotePort == 443 | count"#,
        "SELECT count(*) AS Count FROM DeviceNetworkEvents WHERE lower(InitiatingProcessFileName) = 'outlook.exe' AND RemotePort = 443",
    ),
    q(
        "in_ci_list",
        r#"DeviceProcessEvents | where FileName in~ ("vssadmin.exe", "wbadmin.exe", "bcdedit.exe", "procdump64.exe") | project TenantId, DeviceName, FileName, ProcessCommandLine"#,
        "SELECT TenantId, DeviceName, FileName, ProcessCommandLine FROM DeviceProcessEvents WHERE lower(FileName) IN ('vssadmin.exe', 'wbadmin.exe', 'bcdedit.exe', 'procdump64.exe')",
    ),
    q(
        "by_tenant_device",
        "DeviceNetworkEvents | summarize Connections = count(), RemoteIPs = dcount(RemoteIP) by TenantId, DeviceName",
        "SELECT TenantId, DeviceName, count(*) AS Connections, count(DISTINCT RemoteIP) AS RemoteIPs FROM DeviceNetworkEvents GROUP BY TenantId, DeviceName",
    ),
    HuntQuery {
        name: "hourly_last_day",
        kql: "DeviceProcessEvents | where Timestamp > ago(1d) | summarize n = count() by bin(Timestamp, 1h)",
        sql: "SELECT date_bin(INTERVAL '1 hour', Timestamp) AS b, count(*) AS n FROM DeviceProcessEvents WHERE Timestamp > TIMESTAMP '{end}' - INTERVAL '1 day' GROUP BY b",
        duckdb: Some(
            "SELECT time_bucket(INTERVAL '1 hour', Timestamp::TIMESTAMP) AS b, count(*) AS n FROM DeviceProcessEvents WHERE Timestamp > TIMESTAMP '{end}' - INTERVAL '1 day' GROUP BY b",
        ),
        single_tenant: false,
    },
    q(
        "top_processes",
        "DeviceProcessEvents | summarize n = count() by FileName | top 10 by n",
        "SELECT FileName, count(*) AS n FROM DeviceProcessEvents GROUP BY FileName ORDER BY n DESC LIMIT 10",
    ),
    q(
        "process_network_join",
        r#"DeviceProcessEvents | where FileName =~ "powershell.exe" | join kind=inner (DeviceNetworkEvents) on DeviceId, $left.ProcessId == $right.InitiatingProcessId | summarize n = count() by TenantId"#,
        "SELECT p.TenantId, count(*) AS n FROM DeviceProcessEvents p JOIN DeviceNetworkEvents c ON p.DeviceId = c.DeviceId AND p.ProcessId = c.InitiatingProcessId WHERE lower(p.FileName) = 'powershell.exe' GROUP BY p.TenantId",
    ),
    HuntQuery {
        name: "arg_max_per_device",
        kql: "DeviceNetworkEvents | summarize arg_max(Timestamp, RemoteIP, RemoteUrl) by DeviceId",
        sql: "SELECT DeviceId, max(Timestamp) AS Timestamp, last_value(RemoteIP ORDER BY Timestamp) AS RemoteIP, last_value(RemoteUrl ORDER BY Timestamp) AS RemoteUrl FROM DeviceNetworkEvents GROUP BY DeviceId",
        duckdb: Some(
            "SELECT DeviceId, max(Timestamp) AS Timestamp, arg_max(RemoteIP, Timestamp) AS RemoteIP, arg_max(RemoteUrl, Timestamp) AS RemoteUrl FROM DeviceNetworkEvents GROUP BY DeviceId",
        ),
        single_tenant: false,
    },
    q(
        "dcount_binaries",
        "DeviceProcessEvents | summarize Binaries = dcount(SHA256) by TenantId",
        "SELECT TenantId, count(DISTINCT SHA256) AS Binaries FROM DeviceProcessEvents GROUP BY TenantId",
    ),
    q(
        "time_pruned_2h",
        r#"DeviceProcessEvents | where Timestamp between (ago(2h) .. now()) | where FileName =~ "cmd.exe" | count"#,
        "SELECT count(*) AS Count FROM DeviceProcessEvents WHERE Timestamp BETWEEN TIMESTAMP '{end}' - INTERVAL '2 hours' AND TIMESTAMP '{end}' AND lower(FileName) = 'cmd.exe'",
    ),
    q(
        "parent_child_pairs",
        "DeviceProcessEvents | summarize n = count() by InitiatingProcessFileName, FileName | where n < 1000",
        "SELECT InitiatingProcessFileName, FileName, count(*) AS n FROM DeviceProcessEvents GROUP BY InitiatingProcessFileName, FileName HAVING count(*) < 1000",
    ),
    HuntQuery {
        name: "single_tenant_has",
        kql: r#"DeviceProcessEvents | where ProcessCommandLine has "powershell" | summarize n = count() by DeviceName"#,
        sql: "SELECT DeviceName, count(*) AS n FROM DeviceProcessEvents WHERE TenantId = '{tenant}' AND ProcessCommandLine ILIKE '%powershell%' GROUP BY DeviceName",
        duckdb: None,
        single_tenant: true,
    },
    HuntQuery {
        name: "single_tenant_network",
        kql: r#"DeviceNetworkEvents | where RemotePort == 445 | summarize n = count() by DeviceName, RemoteIP"#,
        sql: "SELECT DeviceName, RemoteIP, count(*) AS n FROM DeviceNetworkEvents WHERE TenantId = '{tenant}' AND RemotePort = 445 GROUP BY DeviceName, RemoteIP",
        duckdb: None,
        single_tenant: true,
    },
];
