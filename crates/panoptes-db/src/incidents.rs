//! Incidents and their log (comments and changes). Lists take a [`ListQuery`] whose columns
//! the caller picked from a whitelist; every statement is limited to the scope's tenants.

use panoptes_domain::{TenantId, TenantScope};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::filter::{ListQuery, list_page};
use crate::principals::single;
use crate::{Conn, DbError, Result};

/// An incident row. List-valued fields are JSON text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incident {
    /// Its id (a number, as text).
    pub id: String,
    /// Its tenant.
    pub tenant_id: TenantId,
    /// Its name.
    pub display_name: String,
    /// Its description.
    pub description: String,
    /// Graph status.
    pub status: String,
    /// Graph severity.
    pub severity: String,
    /// 0 informational … 3 high, for sorting.
    pub severity_rank: i64,
    /// Graph classification.
    pub classification: Option<String>,
    /// Graph determination.
    pub determination: Option<String>,
    /// Assignee.
    pub assigned_to: Option<String>,
    /// Analysts' tags (JSON list).
    pub custom_tags: String,
    /// System tags (JSON list).
    pub system_tags: String,
    /// Alert categories (JSON list).
    pub categories: String,
    /// Service sources (JSON list).
    pub service_sources: String,
    /// Detection sources (JSON list).
    pub detection_sources: String,
    /// Devices and users (JSON list).
    pub impacted_assets: String,
    /// Alerts not resolved.
    pub active_alerts: i64,
    /// All alerts.
    pub alert_count: i64,
    /// The incident it was merged into.
    pub redirect_incident_id: Option<String>,
    /// Created (Unix ns).
    pub created_ns: i64,
    /// Last change (Unix ns).
    pub last_update_ns: i64,
    /// Earliest alert activity (Unix ns).
    pub first_activity_ns: i64,
    /// Latest alert activity (Unix ns).
    pub last_activity_ns: i64,
}

const COLUMNS: &str = "id, tenant_id, display_name, description, status, severity, severity_rank, classification, \
    determination, assigned_to, custom_tags, system_tags, categories, service_sources, detection_sources, \
    impacted_assets, active_alerts, alert_count, redirect_incident_id, created_ns, last_update_ns, \
    first_activity_ns, last_activity_ns";

fn from_row(row: &AnyRow) -> Result<Incident> {
    Ok(Incident {
        id: row.try_get("id")?,
        tenant_id: TenantId::new(row.try_get::<String, _>("tenant_id")?),
        display_name: row.try_get("display_name")?,
        description: row.try_get("description")?,
        status: row.try_get("status")?,
        severity: row.try_get("severity")?,
        severity_rank: row.try_get("severity_rank")?,
        classification: row.try_get("classification")?,
        determination: row.try_get("determination")?,
        assigned_to: row.try_get("assigned_to")?,
        custom_tags: row.try_get("custom_tags")?,
        system_tags: row.try_get("system_tags")?,
        categories: row.try_get("categories")?,
        service_sources: row.try_get("service_sources")?,
        detection_sources: row.try_get("detection_sources")?,
        impacted_assets: row.try_get("impacted_assets")?,
        active_alerts: row.try_get("active_alerts")?,
        alert_count: row.try_get("alert_count")?,
        redirect_incident_id: row.try_get("redirect_incident_id")?,
        created_ns: row.try_get("created_ns")?,
        last_update_ns: row.try_get("last_update_ns")?,
        first_activity_ns: row.try_get("first_activity_ns")?,
        last_activity_ns: row.try_get("last_activity_ns")?,
    })
}

/// The next incident number (instance-wide, like Defender's incident ids).
pub async fn next_incident_id(conn: &mut Conn) -> Result<String> {
    let row =
        sqlx::query("UPDATE id_counters SET next_value = next_value + 1 WHERE name = 'incident' RETURNING next_value")
            .fetch_one(conn)
            .await?;
    let next: i64 = row.try_get("next_value")?;
    Ok((next - 1).to_string())
}

/// Stores a new incident in the tenant in scope.
pub async fn insert_incident(conn: &mut Conn, scope: &TenantScope, incident: &Incident) -> Result<()> {
    single(scope, &incident.tenant_id)?;
    let placeholders: Vec<String> = (1..=23).map(|n| format!("${n}")).collect();
    let sql = format!("INSERT INTO incidents ({COLUMNS}) VALUES ({})", placeholders.join(", "));
    bind_all(sqlx::query(&sql).bind(&incident.id).bind(incident.tenant_id.as_str()), incident).execute(conn).await?;
    Ok(())
}

/// Writes every field of an incident of the tenant in scope.
pub async fn update_incident(conn: &mut Conn, scope: &TenantScope, incident: &Incident) -> Result<()> {
    let tenant = single(scope, &incident.tenant_id)?;
    let names: Vec<&str> = COLUMNS.split(", ").skip(2).map(str::trim).collect();
    let sets: Vec<String> = names.iter().enumerate().map(|(i, n)| format!("{n} = ${}", i + 3)).collect();
    let sql = format!("UPDATE incidents SET {} WHERE id = $1 AND tenant_id = $2", sets.join(", "));
    let done = bind_all(sqlx::query(&sql).bind(&incident.id).bind(tenant.as_str()), incident).execute(conn).await?;
    if done.rows_affected() == 0 {
        return Err(DbError::NotFound(format!("incident {}", incident.id)));
    }
    Ok(())
}

fn bind_all<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    incident: &'q Incident,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    query
        .bind(&incident.display_name)
        .bind(&incident.description)
        .bind(&incident.status)
        .bind(&incident.severity)
        .bind(incident.severity_rank)
        .bind(&incident.classification)
        .bind(&incident.determination)
        .bind(&incident.assigned_to)
        .bind(&incident.custom_tags)
        .bind(&incident.system_tags)
        .bind(&incident.categories)
        .bind(&incident.service_sources)
        .bind(&incident.detection_sources)
        .bind(&incident.impacted_assets)
        .bind(incident.active_alerts)
        .bind(incident.alert_count)
        .bind(&incident.redirect_incident_id)
        .bind(incident.created_ns)
        .bind(incident.last_update_ns)
        .bind(incident.first_activity_ns)
        .bind(incident.last_activity_ns)
}

/// One incident of the tenant in scope.
pub async fn incident(conn: &mut Conn, scope: &TenantScope, id: &str) -> Result<Incident> {
    let missing = || DbError::NotFound(format!("incident {id}"));
    let tenant = scope.single().ok_or_else(missing)?;
    let sql = format!("SELECT {COLUMNS} FROM incidents WHERE id = $1 AND tenant_id = $2");
    let row = sqlx::query(&sql).bind(id).bind(tenant.as_str()).fetch_optional(conn).await?;
    from_row(&row.ok_or_else(missing)?)
}

/// The tenant an incident belongs to, for authorizing a request about it.
pub async fn incident_tenant(conn: &mut Conn, id: &str) -> Result<Option<TenantId>> {
    let row = sqlx::query("SELECT tenant_id FROM incidents WHERE id = $1").bind(id).fetch_optional(conn).await?;
    row.map(|row| Ok(TenantId::new(row.try_get::<String, _>("tenant_id")?))).transpose()
}

/// A page of the scope's incidents and how many match in all.
pub async fn list_incidents(conn: &mut Conn, scope: &TenantScope, query: &ListQuery) -> Result<(Vec<Incident>, i64)> {
    let (rows, total) = list_page(conn, "incidents", COLUMNS, scope, query).await?;
    Ok((rows.iter().map(from_row).collect::<Result<_>>()?, total))
}

/// A comment on, or a change to, an incident or one of its alerts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentLogEntry {
    /// Its id.
    pub id: String,
    /// The tenant.
    pub tenant_id: TenantId,
    /// The incident.
    pub incident_id: String,
    /// The alert, when it is about one.
    pub alert_id: Option<String>,
    /// When (Unix ns).
    pub at_ns: i64,
    /// Who (a name, or `Panoptes` for the system).
    pub actor: String,
    /// `comment` or `change`.
    pub kind: String,
    /// The comment, or what changed.
    pub text: String,
}

/// Appends to an incident's log.
pub async fn append_incident_log(conn: &mut Conn, scope: &TenantScope, entry: &IncidentLogEntry) -> Result<()> {
    let tenant = single(scope, &entry.tenant_id)?;
    sqlx::query(
        "INSERT INTO incident_log (id, tenant_id, incident_id, alert_id, at_ns, actor, kind, text) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&entry.id)
    .bind(tenant.as_str())
    .bind(&entry.incident_id)
    .bind(&entry.alert_id)
    .bind(entry.at_ns)
    .bind(&entry.actor)
    .bind(&entry.kind)
    .bind(&entry.text)
    .execute(conn)
    .await?;
    Ok(())
}

/// An incident's log, oldest first (its alerts' entries included).
pub async fn incident_log(conn: &mut Conn, scope: &TenantScope, incident_id: &str) -> Result<Vec<IncidentLogEntry>> {
    let tenant = scope.single().ok_or_else(|| DbError::NotFound(format!("incident {incident_id}")))?;
    let rows = sqlx::query(
        "SELECT id, tenant_id, incident_id, alert_id, at_ns, actor, kind, text FROM incident_log \
         WHERE tenant_id = $1 AND incident_id = $2 ORDER BY at_ns, id",
    )
    .bind(tenant.as_str())
    .bind(incident_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(IncidentLogEntry {
                id: row.try_get("id")?,
                tenant_id: TenantId::new(row.try_get::<String, _>("tenant_id")?),
                incident_id: row.try_get("incident_id")?,
                alert_id: row.try_get("alert_id")?,
                at_ns: row.try_get("at_ns")?,
                actor: row.try_get("actor")?,
                kind: row.try_get("kind")?,
                text: row.try_get("text")?,
            })
        })
        .collect()
}
