//! Alerts into incidents. A new alert joins the most recently active open incident of its own
//! tenant that has an alert sharing one of its entities (device, user, mailbox, file hash, IP,
//! URL) within the correlation window (default 24 hours); otherwise it opens a new incident.
//! The lookup runs under the alert's one-tenant scope, so incidents never span tenants.
//! Every change to an incident's alerts rolls the incident up again.

use panoptes_db::{Alert, Conn, Incident};
use panoptes_detect::{AlertStatus, AlertSummary, IncidentStatus, Severity, roll_up};
use panoptes_domain::TenantScope;

use crate::triage::{list_text, severity_rank};
use crate::{App, AppError, Result};

impl App {
    /// Stores an alert (a no-op when its detector already raised one for the same event) and
    /// correlates it into an incident; the stored alert, or `None` for a duplicate.
    pub(crate) async fn raise_alert(
        &self,
        conn: &mut Conn,
        scope: &TenantScope,
        mut alert: Alert,
        entities: &[(String, String)],
    ) -> Result<Option<Alert>> {
        let since = alert.first_activity_ns.saturating_sub(self.detection.correlation_window.as_nanos() as i64);
        let joined = panoptes_db::correlated_incident(conn, scope, entities, since).await?;
        alert.incident_id = joined.clone().unwrap_or_else(|| "pending".into());
        if !panoptes_db::insert_alert(conn, scope, &alert).await? {
            return Ok(None);
        }
        if joined.is_none() {
            let incident = self.incident_for(conn, &alert).await?;
            panoptes_db::insert_incident(conn, scope, &incident).await?;
            alert.incident_id = incident.id;
            panoptes_db::update_alert(conn, scope, &alert).await?;
        }
        panoptes_db::insert_alert_entities(conn, scope, &alert, entities).await?;
        let entry = self.log_entry(
            &alert.tenant_id,
            &alert.incident_id,
            Some(&alert.id),
            "Panoptes",
            "change",
            format!("alert `{}` joined the incident", alert.title),
        );
        panoptes_db::append_incident_log(conn, scope, &entry).await?;
        self.refresh_incident(conn, scope, &alert.incident_id).await?;
        Ok(Some(alert))
    }

    /// A new incident for `alert`, not yet stored.
    pub(crate) async fn incident_for(&self, conn: &mut Conn, alert: &Alert) -> Result<Incident> {
        let now = self.now_ns();
        Ok(Incident {
            id: panoptes_db::next_incident_id(conn).await?,
            tenant_id: alert.tenant_id.clone(),
            display_name: alert.title.clone(),
            description: alert.description.clone(),
            status: IncidentStatus::Active.as_str().into(),
            severity: alert.severity.clone(),
            severity_rank: alert.severity_rank,
            classification: None,
            determination: None,
            assigned_to: None,
            custom_tags: "[]".into(),
            system_tags: "[]".into(),
            categories: "[]".into(),
            service_sources: "[]".into(),
            detection_sources: "[]".into(),
            impacted_assets: "[]".into(),
            active_alerts: 0,
            alert_count: 0,
            redirect_incident_id: None,
            created_ns: now,
            last_update_ns: now,
            first_activity_ns: alert.first_activity_ns,
            last_activity_ns: alert.last_activity_ns,
        })
    }

    /// Recomputes an incident's derived fields from its alerts.
    pub(crate) async fn refresh_incident(
        &self,
        conn: &mut Conn,
        scope: &TenantScope,
        incident_id: &str,
    ) -> Result<Incident> {
        let mut incident = panoptes_db::incident(conn, scope, incident_id).await?;
        let alerts = panoptes_db::alerts_of_incident(conn, scope, incident_id).await?;
        let summaries: Vec<AlertSummary> = alerts.iter().map(summary).collect::<Result<_>>()?;
        let current = IncidentStatus::parse(&incident.status)?;
        let rollup = roll_up(current, &summaries);
        incident.severity = rollup.severity.as_str().into();
        incident.severity_rank = severity_rank(&incident.severity);
        incident.status = rollup.status.as_str().into();
        incident.display_name = rollup.display_name;
        incident.categories = list_text(&rollup.categories);
        incident.service_sources = list_text(&rollup.service_sources);
        incident.detection_sources = list_text(&rollup.detection_sources);
        incident.impacted_assets = list_text(&rollup.impacted_assets);
        // Links a cross-tenant rule puts on the provider's alerts show on its incident too.
        let mut tags: Vec<String> = alerts.iter().flat_map(|a| crate::triage::list_of(&a.system_tags)).collect();
        tags.sort();
        tags.dedup();
        incident.system_tags = list_text(&tags);
        incident.active_alerts = rollup.active_alerts as i64;
        incident.alert_count = alerts.len() as i64;
        if !alerts.is_empty() {
            incident.first_activity_ns = rollup.first_activity_ns;
            incident.last_activity_ns = rollup.last_activity_ns;
        }
        incident.last_update_ns = self.now_ns();
        panoptes_db::update_incident(conn, scope, &incident).await?;
        Ok(incident)
    }
}

/// What the roll-up needs of a stored alert: its devices and users come from its evidence.
fn summary(alert: &Alert) -> Result<AlertSummary> {
    let evidence: Vec<serde_json::Value> = serde_json::from_str(&alert.evidence).unwrap_or_default();
    let mut devices = Vec::new();
    let mut users = Vec::new();
    for item in &evidence {
        match item["@odata.type"].as_str() {
            Some(t) if t.ends_with("deviceEvidence") => {
                if let Some(name) = item["deviceDnsName"].as_str().or(item["mdeDeviceId"].as_str()) {
                    devices.push(name.to_string());
                }
            }
            Some(t) if t.ends_with("userEvidence") => {
                let account = &item["userAccount"];
                if let Some(name) = account["userPrincipalName"].as_str().or(account["accountName"].as_str()) {
                    users.push(name.to_string());
                }
            }
            _ => {}
        }
    }
    Ok(AlertSummary {
        status: AlertStatus::parse(&alert.status)?,
        severity: Severity::parse(&alert.severity)?,
        title: alert.title.clone(),
        category: alert.category.clone(),
        service_source: alert.service_source.clone(),
        detection_source: alert.detection_source.clone(),
        first_activity_ns: alert.first_activity_ns,
        last_activity_ns: alert.last_activity_ns,
        devices,
        users,
    })
}

impl From<panoptes_detect::DetectError> for AppError {
    fn from(error: panoptes_detect::DetectError) -> Self {
        AppError::BadRequest(error.to_string())
    }
}
