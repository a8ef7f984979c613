//! The alert queue across tenants, triage of alerts, and moving an alert to another incident
//! of the same tenant (both incidents are rolled up again).

use panoptes_db::Alert;
use panoptes_detect::AlertStatus;
use panoptes_domain::TenantId;
use panoptes_rbac::Permission;
use serde::Serialize;
use serde_json::{Value as Json, json};

use crate::incidents::{BulkResult, Page, bulk_result, classification, determination};
use crate::odata::{Field, FieldKind, ListOptions, list_query};
use crate::queue::{QueueScope, TenantNames};
use crate::triage::{TriageChanges, list_of};
use crate::{App, AppError, Caller, Result};

/// An alert as the API shows it (Graph's `alert`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertView {
    /// Its id.
    pub id: String,
    /// Same as the id (Graph).
    pub provider_alert_id: String,
    /// Its incident.
    pub incident_id: String,
    /// Its tenant.
    pub tenant_id: String,
    /// Its tenant's name.
    pub tenant_name: String,
    /// Status.
    pub status: String,
    /// Severity.
    pub severity: String,
    /// Classification.
    pub classification: String,
    /// Determination.
    pub determination: String,
    /// Product.
    pub service_source: String,
    /// Detection technology.
    pub detection_source: String,
    /// The detection rule.
    pub detector_id: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// What to do.
    pub recommended_actions: String,
    /// Category.
    pub category: String,
    /// Assignee.
    pub assigned_to: Option<String>,
    /// Link in this console.
    pub alert_web_url: String,
    /// Its incident's link.
    pub incident_web_url: String,
    /// MITRE techniques.
    pub mitre_techniques: Vec<String>,
    /// Created.
    pub created_date_time: String,
    /// Last change.
    pub last_update_date_time: String,
    /// Resolved.
    pub resolved_date_time: Option<String>,
    /// First activity.
    pub first_activity_date_time: String,
    /// Last activity.
    pub last_activity_date_time: String,
    /// Evidence (Graph subtypes).
    pub evidence: Vec<Json>,
    /// System tags.
    pub system_tags: Vec<String>,
}

const ALERT_FIELDS: &[Field] = &[
    Field { name: "id", column: "id", kind: FieldKind::Text },
    Field { name: "tenantId", column: "tenant_id", kind: FieldKind::Text },
    Field { name: "incidentId", column: "incident_id", kind: FieldKind::Text },
    Field { name: "detectorId", column: "detector_id", kind: FieldKind::Text },
    Field { name: "title", column: "title", kind: FieldKind::Text },
    Field { name: "status", column: "status", kind: FieldKind::Enum(alert_status) },
    Field { name: "severity", column: "severity_rank", kind: FieldKind::Severity },
    Field { name: "classification", column: "classification", kind: FieldKind::Enum(classification) },
    Field { name: "determination", column: "determination", kind: FieldKind::Enum(determination) },
    Field { name: "assignedTo", column: "assigned_to", kind: FieldKind::Text },
    Field { name: "serviceSource", column: "service_source", kind: FieldKind::Text },
    Field { name: "detectionSource", column: "detection_source", kind: FieldKind::Text },
    Field { name: "category", column: "category", kind: FieldKind::Text },
    Field { name: "createdDateTime", column: "created_ns", kind: FieldKind::DateTime },
    Field { name: "lastUpdateDateTime", column: "last_update_ns", kind: FieldKind::DateTime },
    Field { name: "firstActivityDateTime", column: "first_activity_ns", kind: FieldKind::DateTime },
    Field { name: "lastActivityDateTime", column: "last_activity_ns", kind: FieldKind::DateTime },
    Field { name: "mitreTechniques", column: "mitre_techniques", kind: FieldKind::TextList },
    Field { name: "systemTags", column: "system_tags", kind: FieldKind::TextList },
];

fn alert_status(text: &str) -> std::result::Result<&'static str, String> {
    AlertStatus::parse(text).map(AlertStatus::as_str).map_err(|e| e.to_string())
}

pub(crate) fn alert_view(alert: Alert, names: &TenantNames) -> AlertView {
    let datetime = panoptes_query::format::datetime;
    AlertView {
        provider_alert_id: alert.id.clone(),
        alert_web_url: format!("/alerts/{}?tid={}", alert.id, alert.tenant_id),
        incident_web_url: format!("/incidents/{}?tid={}", alert.incident_id, alert.tenant_id),
        tenant_name: names.name(&alert.tenant_id),
        tenant_id: alert.tenant_id.to_string(),
        incident_id: alert.incident_id,
        status: alert.status,
        severity: alert.severity,
        classification: alert.classification.unwrap_or_else(|| "unknown".into()),
        determination: alert.determination.unwrap_or_else(|| "unknown".into()),
        service_source: alert.service_source,
        detection_source: alert.detection_source,
        detector_id: alert.detector_id,
        title: alert.title,
        description: alert.description,
        recommended_actions: alert.recommended_actions,
        category: alert.category,
        assigned_to: alert.assigned_to,
        mitre_techniques: list_of(&alert.mitre_techniques),
        created_date_time: datetime(alert.created_ns),
        last_update_date_time: datetime(alert.last_update_ns),
        resolved_date_time: alert.resolved_ns.map(datetime),
        first_activity_date_time: datetime(alert.first_activity_ns),
        last_activity_date_time: datetime(alert.last_activity_ns),
        evidence: serde_json::from_str(&alert.evidence).unwrap_or_default(),
        system_tags: list_of(&alert.system_tags),
        id: alert.id,
    }
}

/// Where a moved alert goes.
#[derive(Debug, Clone)]
pub enum MoveTarget {
    /// An existing incident of the alert's tenant.
    Incident(String),
    /// A new incident.
    New,
}

impl App {
    /// A page of the alert queue over the tenants in scope.
    pub async fn list_alerts(
        &self,
        caller: &Caller,
        scope: &QueueScope,
        options: &ListOptions,
    ) -> Result<Page<AlertView>> {
        let query = list_query(options, ALERT_FIELDS, &[("created_ns", true)])?;
        let (readable, tenant_status, names) = self.queue_tenants(caller, scope).await?;
        let mut conn = self.db.conn().await?;
        let (alerts, count) = panoptes_db::list_alerts(&mut conn, &readable, &query).await?;
        Ok(Page { value: alerts.into_iter().map(|a| alert_view(a, &names)).collect(), count, tenant_status })
    }

    /// One alert.
    pub async fn get_alert(&self, caller: &Caller, id: &str) -> Result<AlertView> {
        let mut conn = self.db.conn().await?;
        let tenant = panoptes_db::alert_tenant(&mut conn, id).await?;
        let scope = self.object_scope(caller, tenant, None, &format!("alert {id}"))?;
        let alert = panoptes_db::alert(&mut conn, &scope, id).await?;
        let names = self.tenant_names(&mut conn, &scope).await?;
        Ok(alert_view(alert, &names))
    }

    /// Applies triage changes to one alert and rolls its incident up.
    pub async fn update_alert(&self, caller: &Caller, id: &str, changes: &TriageChanges) -> Result<AlertView> {
        self.change_alert(caller, id, changes).await?;
        self.get_alert(caller, id).await
    }

    /// Applies the same changes to many alerts across tenants, one result per item.
    pub async fn bulk_update_alerts(
        &self,
        caller: &Caller,
        ids: &[String],
        changes: &TriageChanges,
    ) -> Result<Vec<BulkResult>> {
        if ids.is_empty() || ids.len() > 5000 {
            return Err(AppError::BadRequest("`ids` must list 1 to 5,000 alerts".into()));
        }
        let mut results = Vec::with_capacity(ids.len());
        for id in ids {
            results.push(bulk_result(id, self.change_alert(caller, id, changes).await));
        }
        Ok(results)
    }

    async fn change_alert(&self, caller: &Caller, id: &str, changes: &TriageChanges) -> Result<()> {
        if changes.custom_tags.is_some() || !changes.add_tags.is_empty() {
            return Err(AppError::BadRequest("alerts carry system tags only; tag the incident instead".into()));
        }
        let what = format!("alert {id}");
        let mut conn = self.db.conn().await?;
        let tenant = panoptes_db::alert_tenant(&mut conn, id).await?;
        drop(conn);
        let scope = self.object_scope(caller, tenant.clone(), Some(Permission::AlertsManage), &what)?;
        let tenant = tenant.ok_or_else(|| AppError::NotFound(what))?;
        if let Some(Some(assignee)) = &changes.assigned_to {
            self.check_assignee(&tenant, assignee).await?;
        }
        let status = match &changes.status {
            Some(text) => Some(AlertStatus::parse(text)?),
            None => None,
        };
        let mut tx = self.db.begin().await?;
        let mut alert = panoptes_db::alert(&mut tx, &scope, id).await?;
        let (classification, determination) =
            changes.verdict(alert.classification.as_deref(), alert.determination.as_deref())?;
        let now = self.now_ns();
        if let Some(status) = status {
            alert.status = status.as_str().into();
            alert.resolved_ns = (status == AlertStatus::Resolved).then_some(now);
        }
        if let Some(assignee) = &changes.assigned_to {
            alert.assigned_to = assignee.clone();
        }
        alert.classification = classification;
        alert.determination = determination;
        alert.last_update_ns = now;
        panoptes_db::update_alert(&mut tx, &scope, &alert).await?;
        let described = changes.describe();
        if !described.is_empty() {
            let text = format!("alert `{}`: {described}", alert.title);
            let entry = self.log_entry(&tenant, &alert.incident_id, Some(id), &caller.name, "change", text);
            panoptes_db::append_incident_log(&mut tx, &scope, &entry).await?;
        }
        if let Some(comment) = &changes.comment {
            let entry = self.log_entry(&tenant, &alert.incident_id, Some(id), &caller.name, "comment", comment.clone());
            panoptes_db::append_incident_log(&mut tx, &scope, &entry).await?;
        }
        self.refresh_incident(&mut tx, &scope, &alert.incident_id).await?;
        let detail = json!({"changes": described, "comment": changes.comment.is_some()});
        self.record(&mut tx, caller, &tenant, "alert.update", id, detail).await?;
        tx.commit().await.map_err(panoptes_db::DbError::from)?;
        Ok(())
    }

    /// Moves an alert to another incident of its tenant, or to a new one, with a reason.
    pub async fn move_alert(
        &self,
        caller: &Caller,
        id: &str,
        target: MoveTarget,
        reason: &str,
        comment: Option<&str>,
    ) -> Result<AlertView> {
        let what = format!("alert {id}");
        let mut conn = self.db.conn().await?;
        let tenant = panoptes_db::alert_tenant(&mut conn, id).await?;
        let target_tenant = match &target {
            MoveTarget::Incident(incident) => panoptes_db::incident_tenant(&mut conn, incident).await?,
            MoveTarget::New => None,
        };
        drop(conn);
        let scope = self.object_scope(caller, tenant.clone(), Some(Permission::AlertsManage), &what)?;
        let tenant: TenantId = tenant.ok_or_else(|| AppError::NotFound(what))?;
        if let MoveTarget::Incident(incident) = &target
            && target_tenant.as_ref() != Some(&tenant)
        {
            // Another tenant's incident (or none) reads as missing: alerts never cross tenants.
            return Err(AppError::NotFound(format!("incident {incident}")));
        }
        if reason.trim().is_empty() {
            return Err(AppError::BadRequest("moving an alert needs a `reason`".into()));
        }
        let mut tx = self.db.begin().await?;
        let mut alert = panoptes_db::alert(&mut tx, &scope, id).await?;
        let from = alert.incident_id.clone();
        let to = match target {
            MoveTarget::Incident(incident) => {
                panoptes_db::incident(&mut tx, &scope, &incident).await?;
                incident
            }
            MoveTarget::New => {
                let incident = self.incident_for(&mut tx, &alert).await?;
                panoptes_db::insert_incident(&mut tx, &scope, &incident).await?;
                incident.id
            }
        };
        if to == from {
            return Err(AppError::BadRequest(format!("alert {id} is already in incident {to}")));
        }
        alert.incident_id = to.clone();
        alert.last_update_ns = self.now_ns();
        panoptes_db::update_alert(&mut tx, &scope, &alert).await?;
        let mut text = format!("alert `{}` moved from incident {from} to {to}: {reason}", alert.title);
        if let Some(comment) = comment.filter(|c| !c.trim().is_empty()) {
            text.push_str(&format!(" ({comment})"));
        }
        for incident in [&from, &to] {
            let entry = self.log_entry(&tenant, incident, Some(id), &caller.name, "change", text.clone());
            panoptes_db::append_incident_log(&mut tx, &scope, &entry).await?;
            self.refresh_incident(&mut tx, &scope, incident).await?;
        }
        self.record(&mut tx, caller, &tenant, "alert.move", id, json!({"from": from, "to": to, "reason": reason}))
            .await?;
        tx.commit().await.map_err(panoptes_db::DbError::from)?;
        self.get_alert(caller, id).await
    }
}
