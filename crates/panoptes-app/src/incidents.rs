//! The incident queue across tenants and triage of one incident or hundreds at once. Lists
//! cover the tenants of the caller's view (or the tenants or group it names) where it holds
//! `securityData.read`; the others are reported in `tenantStatus`. Changes need
//! `alerts.manage` in the incident's tenant and are written to that tenant's ledger.

use panoptes_db::Incident;
use panoptes_detect::{AlertStatus, IncidentStatus};
use panoptes_domain::{TenantId, TenantScope};
use panoptes_rbac::Permission;
use serde::Serialize;
use serde_json::{Value as Json, json};

use crate::alerts::AlertView;
use crate::odata::{Field, FieldKind, ListOptions, list_query};
use crate::queue::{QueueScope, TenantNames};
use crate::triage::{TriageChanges, list_of, list_text};
use crate::{App, AppError, Caller, Result};

/// An incident as the API shows it (Graph's `incident`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IncidentView {
    /// Its id.
    pub id: String,
    /// Its tenant.
    pub tenant_id: String,
    /// Its tenant's name.
    pub tenant_name: String,
    /// Its name.
    pub display_name: String,
    /// Description.
    pub description: String,
    /// Link in this console.
    pub incident_web_url: String,
    /// Merged into.
    pub redirect_incident_id: Option<String>,
    /// Created.
    pub created_date_time: String,
    /// Last change.
    pub last_update_date_time: String,
    /// Assignee.
    pub assigned_to: Option<String>,
    /// Classification.
    pub classification: String,
    /// Determination.
    pub determination: String,
    /// Status.
    pub status: String,
    /// Severity.
    pub severity: String,
    /// Analysts' tags.
    pub custom_tags: Vec<String>,
    /// System tags.
    pub system_tags: Vec<String>,
    /// Alert categories.
    pub categories: Vec<String>,
    /// Devices and users.
    pub impacted_assets: Vec<String>,
    /// Service sources.
    pub service_sources: Vec<String>,
    /// Detection sources.
    pub detection_sources: Vec<String>,
    /// Open alerts.
    pub active_alerts: i64,
    /// All alerts.
    pub alert_count: i64,
    /// Earliest activity.
    pub first_activity_date_time: String,
    /// Latest activity.
    pub last_activity_date_time: String,
    /// Comments (on get).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comments: Option<Vec<Json>>,
    /// Alerts (on get, or with `$expand=alerts`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alerts: Option<Vec<AlertView>>,
}

/// A page of a queue.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    /// The items.
    pub value: Vec<T>,
    /// How many match in all.
    #[serde(rename = "@odata.count")]
    pub count: i64,
    /// Tenants that could not take part, and why.
    #[serde(rename = "tenantStatus")]
    pub tenant_status: Vec<Json>,
}

/// One item's outcome in a bulk update.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkResult {
    /// The item.
    pub id: String,
    /// `succeeded` or `failed`.
    pub status: &'static str,
    /// The error code when failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<&'static str>,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The incident fields `$filter` and `$orderby` take.
pub(crate) const INCIDENT_FIELDS: &[Field] = &[
    Field { name: "id", column: "id", kind: FieldKind::Text },
    Field { name: "tenantId", column: "tenant_id", kind: FieldKind::Text },
    Field { name: "displayName", column: "display_name", kind: FieldKind::Text },
    Field { name: "status", column: "status", kind: FieldKind::Enum(incident_status) },
    Field { name: "severity", column: "severity_rank", kind: FieldKind::Severity },
    Field { name: "assignedTo", column: "assigned_to", kind: FieldKind::Text },
    Field { name: "classification", column: "classification", kind: FieldKind::Enum(classification) },
    Field { name: "determination", column: "determination", kind: FieldKind::Enum(determination) },
    Field { name: "createdDateTime", column: "created_ns", kind: FieldKind::DateTime },
    Field { name: "lastUpdateDateTime", column: "last_update_ns", kind: FieldKind::DateTime },
    Field { name: "firstActivityDateTime", column: "first_activity_ns", kind: FieldKind::DateTime },
    Field { name: "lastActivityDateTime", column: "last_activity_ns", kind: FieldKind::DateTime },
    Field { name: "activeAlerts", column: "active_alerts", kind: FieldKind::Int },
    Field { name: "customTags", column: "custom_tags", kind: FieldKind::TextList },
    Field { name: "systemTags", column: "system_tags", kind: FieldKind::TextList },
    Field { name: "categories", column: "categories", kind: FieldKind::TextList },
    Field { name: "serviceSources", column: "service_sources", kind: FieldKind::TextList },
    Field { name: "detectionSources", column: "detection_sources", kind: FieldKind::TextList },
    Field { name: "impactedAssets", column: "impacted_assets", kind: FieldKind::TextList },
];

pub(crate) fn incident_status(text: &str) -> std::result::Result<&'static str, String> {
    IncidentStatus::parse(text).map(IncidentStatus::as_str).map_err(|e| e.to_string())
}

pub(crate) fn classification(text: &str) -> std::result::Result<&'static str, String> {
    panoptes_detect::Classification::parse(text).map(|c| c.as_str()).map_err(|e| e.to_string())
}

pub(crate) fn determination(text: &str) -> std::result::Result<&'static str, String> {
    panoptes_detect::Determination::parse(text).map(|d| d.as_str()).map_err(|e| e.to_string())
}

pub(crate) fn incident_view(incident: Incident, names: &TenantNames) -> IncidentView {
    let datetime = panoptes_query::format::datetime;
    IncidentView {
        incident_web_url: format!("/incidents/{}?tid={}", incident.id, incident.tenant_id),
        tenant_name: names.name(&incident.tenant_id),
        tenant_id: incident.tenant_id.to_string(),
        display_name: incident.display_name,
        description: incident.description,
        redirect_incident_id: incident.redirect_incident_id,
        created_date_time: datetime(incident.created_ns),
        last_update_date_time: datetime(incident.last_update_ns),
        assigned_to: incident.assigned_to,
        classification: incident.classification.unwrap_or_else(|| "unknown".into()),
        determination: incident.determination.unwrap_or_else(|| "unknown".into()),
        status: incident.status,
        severity: incident.severity,
        custom_tags: list_of(&incident.custom_tags),
        system_tags: list_of(&incident.system_tags),
        categories: list_of(&incident.categories),
        impacted_assets: list_of(&incident.impacted_assets),
        service_sources: list_of(&incident.service_sources),
        detection_sources: list_of(&incident.detection_sources),
        active_alerts: incident.active_alerts,
        alert_count: incident.alert_count,
        first_activity_date_time: datetime(incident.first_activity_ns),
        last_activity_date_time: datetime(incident.last_activity_ns),
        id: incident.id,
        comments: None,
        alerts: None,
    }
}

impl App {
    /// A page of the incident queue over the tenants in scope.
    pub async fn list_incidents(
        &self,
        caller: &Caller,
        scope: &QueueScope,
        options: &ListOptions,
        expand_alerts: bool,
    ) -> Result<Page<IncidentView>> {
        let query = list_query(options, INCIDENT_FIELDS, &[("last_update_ns", true)])?;
        let (readable, tenant_status, names) = self.queue_tenants(caller, scope).await?;
        let mut conn = self.db.conn().await?;
        let (incidents, count) = panoptes_db::list_incidents(&mut conn, &readable, &query).await?;
        let mut value = Vec::with_capacity(incidents.len());
        for incident in incidents {
            let mut view = incident_view(incident, &names);
            if expand_alerts {
                let one = TenantScope::authorized([TenantId::new(view.tenant_id.clone())]);
                let alerts = panoptes_db::alerts_of_incident(&mut conn, &one, &view.id).await?;
                view.alerts = Some(alerts.into_iter().map(|a| crate::alerts::alert_view(a, &names)).collect());
            }
            value.push(view);
        }
        Ok(Page { value, count, tenant_status })
    }

    /// One incident with its alerts and comments.
    pub async fn get_incident(&self, caller: &Caller, id: &str) -> Result<IncidentView> {
        let what = format!("incident {id}");
        let mut conn = self.db.conn().await?;
        let tenant = panoptes_db::incident_tenant(&mut conn, id).await?;
        let scope = self.object_scope(caller, tenant, None, &what)?;
        let incident = panoptes_db::incident(&mut conn, &scope, id).await?;
        let alerts = panoptes_db::alerts_of_incident(&mut conn, &scope, id).await?;
        let log = panoptes_db::incident_log(&mut conn, &scope, id).await?;
        let names = self.tenant_names(&mut conn, &scope).await?;
        let mut view = incident_view(incident, &names);
        view.alerts = Some(alerts.into_iter().map(|a| crate::alerts::alert_view(a, &names)).collect());
        view.comments = Some(
            log.into_iter()
                .map(|entry| {
                    json!({
                        "comment": entry.text,
                        "createdByDisplayName": entry.actor,
                        "createdDateTime": panoptes_query::format::datetime(entry.at_ns),
                        "kind": entry.kind,
                        "alertId": entry.alert_id,
                    })
                })
                .collect(),
        );
        Ok(view)
    }

    /// Applies triage changes to one incident (`alerts.manage` in its tenant).
    pub async fn update_incident(&self, caller: &Caller, id: &str, changes: &TriageChanges) -> Result<IncidentView> {
        let what = format!("incident {id}");
        let mut conn = self.db.conn().await?;
        let tenant = panoptes_db::incident_tenant(&mut conn, id).await?;
        drop(conn);
        let scope = self.object_scope(caller, tenant.clone(), Some(Permission::AlertsManage), &what)?;
        let tenant = tenant.ok_or_else(|| AppError::NotFound(what.clone()))?;
        if let Some(Some(assignee)) = &changes.assigned_to {
            self.check_assignee(&tenant, assignee).await?;
        }
        let mut tx = self.db.begin().await?;
        let incident = self.change_incident(&mut tx, caller, &scope, &tenant, id, changes).await?;
        tx.commit().await.map_err(panoptes_db::DbError::from)?;
        let mut conn = self.db.conn().await?;
        let names = self.tenant_names(&mut conn, &scope).await?;
        Ok(incident_view(incident, &names))
    }

    /// Adds a comment to an incident.
    pub async fn comment_incident(&self, caller: &Caller, id: &str, comment: &str) -> Result<IncidentView> {
        let changes = TriageChanges { comment: Some(comment.to_string()), ..TriageChanges::default() };
        self.update_incident(caller, id, &changes).await
    }

    /// Applies the same changes to many incidents across tenants; each item succeeds or fails
    /// on its own (a tenant where the caller lacks `alerts.manage` fails its items only).
    pub async fn bulk_update_incidents(
        &self,
        caller: &Caller,
        ids: &[String],
        changes: &TriageChanges,
    ) -> Result<Vec<BulkResult>> {
        if ids.is_empty() || ids.len() > 5000 {
            return Err(AppError::BadRequest("`ids` must list 1 to 5,000 incidents".into()));
        }
        let mut results = Vec::with_capacity(ids.len());
        let mut checked_assignee: Vec<(TenantId, std::result::Result<(), String>)> = Vec::new();
        for id in ids {
            let outcome = self.bulk_one_incident(caller, id, changes, &mut checked_assignee).await;
            results.push(bulk_result(id, outcome));
        }
        Ok(results)
    }

    async fn bulk_one_incident(
        &self,
        caller: &Caller,
        id: &str,
        changes: &TriageChanges,
        checked_assignee: &mut Vec<(TenantId, std::result::Result<(), String>)>,
    ) -> Result<()> {
        let what = format!("incident {id}");
        let mut conn = self.db.conn().await?;
        let tenant = panoptes_db::incident_tenant(&mut conn, id).await?;
        drop(conn);
        let scope = self.object_scope(caller, tenant.clone(), Some(Permission::AlertsManage), &what)?;
        let tenant = tenant.ok_or_else(|| AppError::NotFound(what))?;
        if let Some(Some(assignee)) = &changes.assigned_to {
            // One check per tenant, however many of its incidents are in the request.
            let known = checked_assignee.iter().find(|(t, _)| *t == tenant).map(|(_, r)| r.clone());
            let outcome = match known {
                Some(outcome) => outcome,
                None => {
                    let outcome = self.check_assignee(&tenant, assignee).await.map_err(|e| e.to_string());
                    checked_assignee.push((tenant.clone(), outcome.clone()));
                    outcome
                }
            };
            outcome.map_err(AppError::BadRequest)?;
        }
        let mut tx = self.db.begin().await?;
        self.change_incident(&mut tx, caller, &scope, &tenant, id, changes).await?;
        tx.commit().await.map_err(panoptes_db::DbError::from)?;
        Ok(())
    }

    /// The change itself, inside the caller's transaction: the incident, its alerts (status,
    /// assignee and verdict follow the incident's), its log and the tenant's ledger.
    async fn change_incident(
        &self,
        tx: &mut panoptes_db::Conn,
        caller: &Caller,
        scope: &TenantScope,
        tenant: &TenantId,
        id: &str,
        changes: &TriageChanges,
    ) -> Result<Incident> {
        let mut incident = panoptes_db::incident(tx, scope, id).await?;
        let (classification, determination) =
            changes.verdict(incident.classification.as_deref(), incident.determination.as_deref())?;
        let status = match &changes.status {
            Some(text) => Some(IncidentStatus::parse(text)?),
            None => None,
        };
        if status == Some(IncidentStatus::Redirected) {
            return Err(AppError::BadRequest("`redirected` is set by merging incidents, not by a change".into()));
        }
        let now = self.now_ns();
        let mut alerts = panoptes_db::alerts_of_incident(tx, scope, id).await?;
        for alert in &mut alerts {
            let mut touched = false;
            if let Some(status) = status {
                let alert_status = match status {
                    IncidentStatus::Resolved => Some(AlertStatus::Resolved),
                    IncidentStatus::InProgress => Some(AlertStatus::InProgress),
                    IncidentStatus::Active if alert.status == "resolved" => Some(AlertStatus::New),
                    _ => None,
                };
                if let Some(alert_status) = alert_status.filter(|s| s.as_str() != alert.status) {
                    alert.status = alert_status.as_str().into();
                    alert.resolved_ns = (alert_status == AlertStatus::Resolved).then_some(now);
                    touched = true;
                }
            }
            if let Some(assignee) = &changes.assigned_to {
                alert.assigned_to = assignee.clone();
                touched = true;
            }
            if changes.classification.is_some() || changes.determination.is_some() {
                alert.classification = classification.clone();
                alert.determination = determination.clone();
                touched = true;
            }
            if touched {
                alert.last_update_ns = now;
                panoptes_db::update_alert(tx, scope, alert).await?;
            }
        }
        if let Some(status) = status {
            incident.status = status.as_str().into();
        }
        if let Some(assignee) = &changes.assigned_to {
            incident.assigned_to = assignee.clone();
        }
        incident.classification = classification;
        incident.determination = determination;
        if changes.custom_tags.is_some() || !changes.add_tags.is_empty() {
            let mut tags = changes.custom_tags.clone().unwrap_or_else(|| list_of(&incident.custom_tags));
            for tag in &changes.add_tags {
                if !tags.iter().any(|t| t.eq_ignore_ascii_case(tag)) {
                    tags.push(tag.clone());
                }
            }
            incident.custom_tags = list_text(&tags);
        }
        incident.last_update_ns = now;
        panoptes_db::update_incident(tx, scope, &incident).await?;
        let described = changes.describe();
        if !described.is_empty() {
            let entry = self.log_entry(tenant, id, None, &caller.name, "change", described.clone());
            panoptes_db::append_incident_log(tx, scope, &entry).await?;
        }
        if let Some(comment) = &changes.comment {
            let entry = self.log_entry(tenant, id, None, &caller.name, "comment", comment.clone());
            panoptes_db::append_incident_log(tx, scope, &entry).await?;
        }
        let detail = json!({"changes": described, "comment": changes.comment.is_some()});
        self.record(tx, caller, tenant, "incident.update", id, detail).await?;
        Ok(incident)
    }
}

pub(crate) fn bulk_result(id: &str, outcome: Result<()>) -> BulkResult {
    match outcome {
        Ok(()) => BulkResult { id: id.to_string(), status: "succeeded", error_code: None, message: None },
        Err(error) => {
            let code = match panoptes_domain::HasErrorCode::error_code(&error) {
                panoptes_domain::ErrorCode::NotFound => "NotFound",
                panoptes_domain::ErrorCode::Forbidden => "Forbidden",
                panoptes_domain::ErrorCode::BadRequest => "BadRequest",
                panoptes_domain::ErrorCode::Conflict => "Conflict",
                _ => "Unavailable",
            };
            BulkResult {
                id: id.to_string(),
                status: "failed",
                error_code: Some(code),
                message: Some(error.to_string()),
            }
        }
    }
}
