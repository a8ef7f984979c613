//! Alerts and the entity keys correlation matches on. An alert is unique per (tenant, detector,
//! deduplication key): storing it again is a no-op, so reruns never duplicate alerts.

use panoptes_domain::{TenantId, TenantScope};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::filter::{ListQuery, list_page};
use crate::principals::single;
use crate::{Conn, DbError, Result};

/// An alert row. List-valued fields are JSON text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// Its id (`ea…` for custom detections).
    pub id: String,
    /// Its tenant.
    pub tenant_id: TenantId,
    /// The incident it belongs to.
    pub incident_id: String,
    /// The detection rule that raised it.
    pub detector_id: String,
    /// Same event → same key.
    pub dedup_key: String,
    /// Graph status.
    pub status: String,
    /// Graph severity.
    pub severity: String,
    /// 0 informational … 3 high.
    pub severity_rank: i64,
    /// Graph classification.
    pub classification: Option<String>,
    /// Graph determination.
    pub determination: Option<String>,
    /// Assignee.
    pub assigned_to: Option<String>,
    /// `serviceSource`.
    pub service_source: String,
    /// `detectionSource`.
    pub detection_source: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Recommended actions.
    pub recommended_actions: String,
    /// Category.
    pub category: String,
    /// MITRE techniques (JSON list).
    pub mitre_techniques: String,
    /// Evidence (JSON list of Graph evidence objects).
    pub evidence: String,
    /// System tags (JSON list).
    pub system_tags: String,
    /// Created (Unix ns).
    pub created_ns: i64,
    /// Last change (Unix ns).
    pub last_update_ns: i64,
    /// Resolved (Unix ns).
    pub resolved_ns: Option<i64>,
    /// First activity (Unix ns).
    pub first_activity_ns: i64,
    /// Last activity (Unix ns).
    pub last_activity_ns: i64,
}

const COLUMNS: &str = "id, tenant_id, incident_id, detector_id, dedup_key, status, severity, severity_rank, \
    classification, determination, assigned_to, service_source, detection_source, title, description, \
    recommended_actions, category, mitre_techniques, evidence, system_tags, created_ns, last_update_ns, \
    resolved_ns, first_activity_ns, last_activity_ns";

fn from_row(row: &AnyRow) -> Result<Alert> {
    Ok(Alert {
        id: row.try_get("id")?,
        tenant_id: TenantId::new(row.try_get::<String, _>("tenant_id")?),
        incident_id: row.try_get("incident_id")?,
        detector_id: row.try_get("detector_id")?,
        dedup_key: row.try_get("dedup_key")?,
        status: row.try_get("status")?,
        severity: row.try_get("severity")?,
        severity_rank: row.try_get("severity_rank")?,
        classification: row.try_get("classification")?,
        determination: row.try_get("determination")?,
        assigned_to: row.try_get("assigned_to")?,
        service_source: row.try_get("service_source")?,
        detection_source: row.try_get("detection_source")?,
        title: row.try_get("title")?,
        description: row.try_get("description")?,
        recommended_actions: row.try_get("recommended_actions")?,
        category: row.try_get("category")?,
        mitre_techniques: row.try_get("mitre_techniques")?,
        evidence: row.try_get("evidence")?,
        system_tags: row.try_get("system_tags")?,
        created_ns: row.try_get("created_ns")?,
        last_update_ns: row.try_get("last_update_ns")?,
        resolved_ns: row.try_get("resolved_ns")?,
        first_activity_ns: row.try_get("first_activity_ns")?,
        last_activity_ns: row.try_get("last_activity_ns")?,
    })
}

fn bind_all<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    alert: &'q Alert,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    query
        .bind(&alert.incident_id)
        .bind(&alert.detector_id)
        .bind(&alert.dedup_key)
        .bind(&alert.status)
        .bind(&alert.severity)
        .bind(alert.severity_rank)
        .bind(&alert.classification)
        .bind(&alert.determination)
        .bind(&alert.assigned_to)
        .bind(&alert.service_source)
        .bind(&alert.detection_source)
        .bind(&alert.title)
        .bind(&alert.description)
        .bind(&alert.recommended_actions)
        .bind(&alert.category)
        .bind(&alert.mitre_techniques)
        .bind(&alert.evidence)
        .bind(&alert.system_tags)
        .bind(alert.created_ns)
        .bind(alert.last_update_ns)
        .bind(alert.resolved_ns)
        .bind(alert.first_activity_ns)
        .bind(alert.last_activity_ns)
}

/// Stores a new alert unless one with the same detector and deduplication key exists in the
/// tenant; whether it was stored.
pub async fn insert_alert(conn: &mut Conn, scope: &TenantScope, alert: &Alert) -> Result<bool> {
    single(scope, &alert.tenant_id)?;
    let placeholders: Vec<String> = (1..=25).map(|n| format!("${n}")).collect();
    let sql = format!(
        "INSERT INTO alerts ({COLUMNS}) VALUES ({}) ON CONFLICT (tenant_id, detector_id, dedup_key) DO NOTHING",
        placeholders.join(", ")
    );
    let done = bind_all(sqlx::query(&sql).bind(&alert.id).bind(alert.tenant_id.as_str()), alert).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

/// Writes every field of an alert of the tenant in scope.
pub async fn update_alert(conn: &mut Conn, scope: &TenantScope, alert: &Alert) -> Result<()> {
    let tenant = single(scope, &alert.tenant_id)?;
    let names: Vec<&str> = COLUMNS.split(", ").skip(2).map(str::trim).collect();
    let sets: Vec<String> = names.iter().enumerate().map(|(i, n)| format!("{n} = ${}", i + 3)).collect();
    let sql = format!("UPDATE alerts SET {} WHERE id = $1 AND tenant_id = $2", sets.join(", "));
    let done = bind_all(sqlx::query(&sql).bind(&alert.id).bind(tenant.as_str()), alert).execute(conn).await?;
    if done.rows_affected() == 0 {
        return Err(DbError::NotFound(format!("alert {}", alert.id)));
    }
    Ok(())
}

/// One alert of the tenant in scope.
pub async fn alert(conn: &mut Conn, scope: &TenantScope, id: &str) -> Result<Alert> {
    let missing = || DbError::NotFound(format!("alert {id}"));
    let tenant = scope.single().ok_or_else(missing)?;
    let sql = format!("SELECT {COLUMNS} FROM alerts WHERE id = $1 AND tenant_id = $2");
    let row = sqlx::query(&sql).bind(id).bind(tenant.as_str()).fetch_optional(conn).await?;
    from_row(&row.ok_or_else(missing)?)
}

/// The tenant an alert belongs to, for authorizing a request about it.
pub async fn alert_tenant(conn: &mut Conn, id: &str) -> Result<Option<TenantId>> {
    let row = sqlx::query("SELECT tenant_id FROM alerts WHERE id = $1").bind(id).fetch_optional(conn).await?;
    row.map(|row| Ok(TenantId::new(row.try_get::<String, _>("tenant_id")?))).transpose()
}

/// The alerts of one incident of the tenant in scope, oldest first.
pub async fn alerts_of_incident(conn: &mut Conn, scope: &TenantScope, incident_id: &str) -> Result<Vec<Alert>> {
    let tenant = scope.single().ok_or_else(|| DbError::NotFound(format!("incident {incident_id}")))?;
    let sql = format!("SELECT {COLUMNS} FROM alerts WHERE tenant_id = $1 AND incident_id = $2 ORDER BY created_ns, id");
    let rows = sqlx::query(&sql).bind(tenant.as_str()).bind(incident_id).fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}

/// A page of the scope's alerts and how many match in all.
pub async fn list_alerts(conn: &mut Conn, scope: &TenantScope, query: &ListQuery) -> Result<(Vec<Alert>, i64)> {
    let (rows, total) = list_page(conn, "alerts", COLUMNS, scope, query).await?;
    Ok((rows.iter().map(from_row).collect::<Result<_>>()?, total))
}

/// Records the entities (kind, lowercased value) an alert names, at its activity time.
pub async fn insert_alert_entities(
    conn: &mut Conn,
    scope: &TenantScope,
    alert: &Alert,
    entities: &[(String, String)],
) -> Result<()> {
    let tenant = single(scope, &alert.tenant_id)?;
    for (kind, value) in entities {
        sqlx::query("INSERT INTO alert_entities (tenant_id, alert_id, kind, value, at_ns) VALUES ($1, $2, $3, $4, $5)")
            .bind(tenant.as_str())
            .bind(&alert.id)
            .bind(kind)
            .bind(value)
            .bind(alert.last_activity_ns)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The most recently active open incident of the tenant in scope with an alert that shares
/// one of `entities` and was active at or after `since_ns`.
pub async fn correlated_incident(
    conn: &mut Conn,
    scope: &TenantScope,
    entities: &[(String, String)],
    since_ns: i64,
) -> Result<Option<String>> {
    let Some(tenant) = scope.single() else { return Ok(None) };
    let mut best: Option<(i64, String)> = None;
    for (kind, value) in entities {
        let row = sqlx::query(
            "SELECT a.incident_id AS incident_id, e.at_ns AS at_ns FROM alert_entities e \
             JOIN alerts a ON a.id = e.alert_id AND a.tenant_id = e.tenant_id \
             JOIN incidents i ON i.id = a.incident_id AND i.tenant_id = a.tenant_id \
             WHERE e.tenant_id = $1 AND e.kind = $2 AND e.value = $3 AND e.at_ns >= $4 \
             AND i.status IN ('active', 'inProgress', 'awaitingAction') \
             ORDER BY e.at_ns DESC LIMIT 1",
        )
        .bind(tenant.as_str())
        .bind(kind)
        .bind(value)
        .bind(since_ns)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(row) = row {
            let at: i64 = row.try_get("at_ns")?;
            if best.as_ref().is_none_or(|(b, _)| at > *b) {
                best = Some((at, row.try_get("incident_id")?));
            }
        }
    }
    Ok(best.map(|(_, id)| id))
}
