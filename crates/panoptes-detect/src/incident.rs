//! An incident's fields that follow from its alerts: severity, status, name, categories,
//! sources, impacted assets and activity times. Recomputed whenever an alert joins, leaves or
//! changes, so moving an alert updates both incidents.

use std::collections::BTreeSet;

use crate::{AlertStatus, IncidentStatus, Severity};

/// What the roll-up needs of each alert.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertSummary {
    /// Its status.
    pub status: AlertStatus,
    /// Its severity.
    pub severity: Severity,
    /// Its title.
    pub title: String,
    /// Its category.
    pub category: String,
    /// `serviceSource`.
    pub service_source: String,
    /// `detectionSource`.
    pub detection_source: String,
    /// First activity (Unix ns).
    pub first_activity_ns: i64,
    /// Last activity (Unix ns).
    pub last_activity_ns: i64,
    /// Device names (or ids) it involves.
    pub devices: Vec<String>,
    /// Accounts it involves.
    pub users: Vec<String>,
}

/// The derived fields of an incident.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentRollup {
    /// Highest severity among open alerts (among all when every alert is resolved).
    pub severity: Severity,
    /// The status after the change.
    pub status: IncidentStatus,
    /// The incident's name.
    pub display_name: String,
    /// Distinct categories.
    pub categories: Vec<String>,
    /// Distinct service sources.
    pub service_sources: Vec<String>,
    /// Distinct detection sources.
    pub detection_sources: Vec<String>,
    /// Distinct devices and users, devices first.
    pub impacted_assets: Vec<String>,
    /// Earliest first activity.
    pub first_activity_ns: i64,
    /// Latest last activity.
    pub last_activity_ns: i64,
    /// Alerts not resolved.
    pub active_alerts: usize,
}

/// Rolls an incident up from its alerts. `current` is its status now: an incident stays as
/// the analyst set it while any alert is open, resolves when every alert is resolved (or none
/// is left), and reopens when an open alert joins a resolved one.
pub fn roll_up(current: IncidentStatus, alerts: &[AlertSummary]) -> IncidentRollup {
    let open: Vec<&AlertSummary> = alerts.iter().filter(|a| a.status != AlertStatus::Resolved).collect();
    let counted: Vec<&AlertSummary> = if open.is_empty() { alerts.iter().collect() } else { open.clone() };
    let severity = counted.iter().map(|a| a.severity).max().unwrap_or(Severity::Informational);
    let status = match (open.is_empty(), current) {
        (_, IncidentStatus::Redirected) => IncidentStatus::Redirected,
        (true, _) => IncidentStatus::Resolved,
        (false, IncidentStatus::Resolved) => IncidentStatus::Active,
        (false, other) => other,
    };
    let distinct = |field: fn(&AlertSummary) -> &str| -> Vec<String> {
        let set: BTreeSet<&str> = alerts.iter().map(field).filter(|v| !v.is_empty()).collect();
        set.into_iter().map(str::to_string).collect()
    };
    let categories = distinct(|a| &a.category);
    let devices: BTreeSet<&str> = alerts.iter().flat_map(|a| a.devices.iter().map(String::as_str)).collect();
    let users: BTreeSet<&str> = alerts.iter().flat_map(|a| a.users.iter().map(String::as_str)).collect();
    let titles: BTreeSet<&str> = alerts.iter().map(|a| a.title.as_str()).collect();
    let display_name = match titles.len() {
        0 => "Empty incident".to_string(),
        1 => titles.into_iter().next().unwrap_or_default().to_string(),
        _ => format!(
            "Multi-stage incident involving {} on {}",
            categories.iter().map(|c| humanize(c)).collect::<Vec<_>>().join(" & "),
            match devices.len() {
                0 | 1 => "one endpoint",
                _ => "multiple endpoints",
            }
        ),
    };
    IncidentRollup {
        severity,
        status,
        display_name,
        service_sources: distinct(|a| &a.service_source),
        detection_sources: distinct(|a| &a.detection_source),
        categories,
        impacted_assets: devices.into_iter().chain(users).map(str::to_string).collect(),
        first_activity_ns: alerts.iter().map(|a| a.first_activity_ns).min().unwrap_or(0),
        last_activity_ns: alerts.iter().map(|a| a.last_activity_ns).max().unwrap_or(0),
        active_alerts: open.len(),
    }
}

/// `CredentialAccess` → `Credential access`, as Defender names categories in incident names.
fn humanize(category: &str) -> String {
    let mut out = String::with_capacity(category.len() + 4);
    for (index, c) in category.chars().enumerate() {
        if index > 0 && c.is_ascii_uppercase() {
            out.push(' ');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(status: AlertStatus, severity: Severity, title: &str, category: &str, device: &str) -> AlertSummary {
        AlertSummary {
            status,
            severity,
            title: title.into(),
            category: category.into(),
            service_source: "microsoftDefenderForEndpoint".into(),
            detection_source: "customDetection".into(),
            first_activity_ns: 10,
            last_activity_ns: 20,
            devices: vec![device.into()],
            users: vec![],
        }
    }

    #[test]
    fn severity_is_the_highest_open_alert() {
        let alerts = [
            alert(AlertStatus::Resolved, Severity::High, "a", "Execution", "ws1"),
            alert(AlertStatus::New, Severity::Medium, "a", "Execution", "ws1"),
        ];
        let rollup = roll_up(IncidentStatus::Active, &alerts);
        assert_eq!(
            (rollup.severity, rollup.status, rollup.active_alerts),
            (Severity::Medium, IncidentStatus::Active, 1)
        );
        assert_eq!(rollup.display_name, "a");
    }

    #[test]
    fn every_alert_resolved_resolves_and_a_new_one_reopens() {
        let resolved = [alert(AlertStatus::Resolved, Severity::High, "a", "Execution", "ws1")];
        let rollup = roll_up(IncidentStatus::InProgress, &resolved);
        assert_eq!((rollup.status, rollup.severity), (IncidentStatus::Resolved, Severity::High));
        let reopened = [resolved[0].clone(), alert(AlertStatus::New, Severity::Low, "b", "CredentialAccess", "ws2")];
        let rollup = roll_up(IncidentStatus::Resolved, &reopened);
        assert_eq!(rollup.status, IncidentStatus::Active);
        assert_eq!(
            rollup.display_name,
            "Multi-stage incident involving Credential access & Execution on multiple endpoints"
        );
        assert_eq!(rollup.impacted_assets, ["ws1", "ws2"]);
        assert_eq!(roll_up(IncidentStatus::Active, &[]).status, IncidentStatus::Resolved);
    }
}
