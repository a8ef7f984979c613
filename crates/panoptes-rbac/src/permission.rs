use serde::{Deserialize, Serialize};

/// One permission of the fixed set (SPEC §2, names as in the API).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Permission {
    /// View incidents, alerts, evidence, inventories.
    SecurityDataRead,
    /// Run hunting queries.
    HuntingRun,
    /// Triage alerts and incidents.
    AlertsManage,
    /// Request response actions.
    ResponseManage,
    /// Create, edit, run and delete detection rules.
    DetectionsManage,
    /// Distribution profiles, releases and syncs.
    ContentManage,
    /// Vulnerability views.
    VulnerabilityRead,
    /// Vulnerability exceptions and remediation.
    VulnerabilityManage,
    /// Read tenant settings.
    SettingsRead,
    /// Change tenant settings.
    SettingsManage,
    /// Read users, roles, guests, delegations.
    AuthorizationRead,
    /// Change users, roles, guests, delegations, service principals.
    AuthorizationManage,
    /// Read and export the tenant's audit ledger.
    AuditRead,
    /// Submit telemetry.
    IngestWrite,
    /// The tenant's consent to analyse its data together with other tenants'.
    CrossTenantAnalytics,
}

/// A name that is not a permission or role.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} `{name}`; expected one of: {expected}")]
pub struct UnknownName {
    /// `permission` or `role`.
    pub kind: &'static str,
    /// What was given.
    pub name: String,
    /// The accepted names.
    pub expected: String,
}

impl Permission {
    /// Every permission, in a fixed order.
    pub const ALL: [Permission; 15] = [
        Permission::SecurityDataRead,
        Permission::HuntingRun,
        Permission::AlertsManage,
        Permission::ResponseManage,
        Permission::DetectionsManage,
        Permission::ContentManage,
        Permission::VulnerabilityRead,
        Permission::VulnerabilityManage,
        Permission::SettingsRead,
        Permission::SettingsManage,
        Permission::AuthorizationRead,
        Permission::AuthorizationManage,
        Permission::AuditRead,
        Permission::IngestWrite,
        Permission::CrossTenantAnalytics,
    ];

    /// The API name, e.g. `securityData.read`.
    pub fn name(self) -> &'static str {
        match self {
            Permission::SecurityDataRead => "securityData.read",
            Permission::HuntingRun => "hunting.run",
            Permission::AlertsManage => "alerts.manage",
            Permission::ResponseManage => "response.manage",
            Permission::DetectionsManage => "detections.manage",
            Permission::ContentManage => "content.manage",
            Permission::VulnerabilityRead => "vulnerability.read",
            Permission::VulnerabilityManage => "vulnerability.manage",
            Permission::SettingsRead => "settings.read",
            Permission::SettingsManage => "settings.manage",
            Permission::AuthorizationRead => "authorization.read",
            Permission::AuthorizationManage => "authorization.manage",
            Permission::AuditRead => "audit.read",
            Permission::IngestWrite => "ingest.write",
            Permission::CrossTenantAnalytics => "crossTenant.analytics",
        }
    }

    /// Parses an API name, ignoring case.
    pub fn parse(name: &str) -> Result<Permission, UnknownName> {
        Permission::ALL.into_iter().find(|p| p.name().eq_ignore_ascii_case(name.trim())).ok_or_else(|| UnknownName {
            kind: "permission",
            name: name.to_string(),
            expected: Permission::ALL.map(Permission::name).join(", "),
        })
    }

    fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

/// A set of permissions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct PermissionSet(u32);

impl PermissionSet {
    /// No permission.
    pub const EMPTY: PermissionSet = PermissionSet(0);

    /// The set of the given permissions.
    pub fn of(permissions: &[Permission]) -> Self {
        Self(permissions.iter().fold(0, |bits, p| bits | p.bit()))
    }

    /// Does the set hold `permission`?
    pub fn contains(self, permission: Permission) -> bool {
        self.0 & permission.bit() != 0
    }

    /// Both sets together.
    pub fn union(self, other: PermissionSet) -> PermissionSet {
        PermissionSet(self.0 | other.0)
    }

    /// The permissions held, in [`Permission::ALL`] order.
    pub fn permissions(self) -> Vec<Permission> {
        Permission::ALL.into_iter().filter(|p| self.contains(*p)).collect()
    }

    /// Is the set empty?
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The API names, comma separated (how the op store keeps a set).
    pub fn to_names(self) -> String {
        self.permissions().into_iter().map(Permission::name).collect::<Vec<_>>().join(",")
    }

    /// Parses comma-separated API names; an empty text is the empty set.
    pub fn parse_names(text: &str) -> Result<PermissionSet, UnknownName> {
        let mut set = PermissionSet::EMPTY;
        for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            set = set.union(PermissionSet::of(&[Permission::parse(name)?]));
        }
        Ok(set)
    }
}

impl Serialize for PermissionSet {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.permissions().into_iter().map(Permission::name))
    }
}

impl<'de> Deserialize<'de> for PermissionSet {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let names = Vec::<String>::deserialize(deserializer)?;
        PermissionSet::parse_names(&names.join(",")).map_err(serde::de::Error::custom)
    }
}

/// The roles every tenant has (SPEC §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BuiltInRole {
    /// Read security data, vulnerabilities and settings.
    Reader,
    /// Reader plus hunting, triage and response.
    Analyst,
    /// Analyst plus detection rules and content.
    DetectionEngineer,
    /// Every permission but cross-tenant analytics.
    Administrator,
    /// The ledger, authorization and settings, read only.
    Auditor,
}

impl BuiltInRole {
    /// Every built-in role.
    pub const ALL: [BuiltInRole; 5] = [
        BuiltInRole::Reader,
        BuiltInRole::Analyst,
        BuiltInRole::DetectionEngineer,
        BuiltInRole::Administrator,
        BuiltInRole::Auditor,
    ];

    /// The API name.
    pub fn name(self) -> &'static str {
        match self {
            BuiltInRole::Reader => "reader",
            BuiltInRole::Analyst => "analyst",
            BuiltInRole::DetectionEngineer => "detectionEngineer",
            BuiltInRole::Administrator => "administrator",
            BuiltInRole::Auditor => "auditor",
        }
    }

    /// Parses an API name, ignoring case.
    pub fn parse(name: &str) -> Result<BuiltInRole, UnknownName> {
        BuiltInRole::ALL.into_iter().find(|r| r.name().eq_ignore_ascii_case(name.trim())).ok_or_else(|| UnknownName {
            kind: "role",
            name: name.to_string(),
            expected: BuiltInRole::ALL.map(BuiltInRole::name).join(", "),
        })
    }

    /// What the role allows.
    pub fn permissions(self) -> PermissionSet {
        use Permission::*;
        let reader = PermissionSet::of(&[SecurityDataRead, VulnerabilityRead, SettingsRead]);
        let analyst = reader.union(PermissionSet::of(&[HuntingRun, AlertsManage, ResponseManage]));
        match self {
            BuiltInRole::Reader => reader,
            BuiltInRole::Analyst => analyst,
            BuiltInRole::DetectionEngineer => analyst.union(PermissionSet::of(&[DetectionsManage, ContentManage])),
            BuiltInRole::Administrator => PermissionSet::of(
                &Permission::ALL.into_iter().filter(|p| *p != CrossTenantAnalytics).collect::<Vec<_>>(),
            ),
            BuiltInRole::Auditor => PermissionSet::of(&[AuditRead, AuthorizationRead, SettingsRead]),
        }
    }
}
