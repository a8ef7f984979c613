use panoptes_domain::TenantId;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Conn, DbError, Result};

/// A tenant as the instance knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    /// Its id.
    pub id: TenantId,
    /// Display name, unique in the instance.
    pub name: String,
    /// Capabilities of its plan (`hunting`, `detections`, `vulnerabilityManagement`, ...).
    pub capabilities: Vec<String>,
    /// `active` or `suspended`.
    pub status: String,
    /// Days of events kept.
    pub retention_days: i64,
    /// When it was created (Unix ns).
    pub created_ns: i64,
    /// Its id at its telemetry source (the `tenantId` streamed Defender records carry).
    pub external_tenant_id: Option<String>,
}

impl Tenant {
    /// Does the plan include `capability`?
    pub fn has_capability(&self, capability: &str) -> bool {
        self.capabilities.iter().any(|c| c.eq_ignore_ascii_case(capability))
    }
}

const COLUMNS: &str = "id, name, capabilities, status, retention_days, created_ns, external_tenant_id";

fn from_row(row: &AnyRow) -> Result<Tenant> {
    let capabilities: String = row.try_get("capabilities")?;
    Ok(Tenant {
        id: TenantId::new(row.try_get::<String, _>("id")?),
        name: row.try_get("name")?,
        capabilities: capabilities.split(',').filter(|c| !c.is_empty()).map(str::to_string).collect(),
        status: row.try_get("status")?,
        retention_days: row.try_get("retention_days")?,
        created_ns: row.try_get("created_ns")?,
        external_tenant_id: row.try_get("external_tenant_id")?,
    })
}

/// Adds a tenant (instance administration).
pub async fn insert_tenant(conn: &mut Conn, tenant: &Tenant) -> Result<()> {
    sqlx::query(
        "INSERT INTO tenants (id, tenant_id, name, capabilities, status, retention_days, created_ns, \
         external_tenant_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(tenant.id.as_str())
    .bind(tenant.id.as_str())
    .bind(&tenant.name)
    .bind(tenant.capabilities.join(","))
    .bind(&tenant.status)
    .bind(tenant.retention_days)
    .bind(tenant.created_ns)
    .bind(tenant.external_tenant_id.as_deref())
    .execute(conn)
    .await?;
    Ok(())
}

/// Writes a tenant's name, plan, status, retention and external id.
pub async fn update_tenant(conn: &mut Conn, tenant: &Tenant) -> Result<()> {
    let done = sqlx::query(
        "UPDATE tenants SET name = $1, capabilities = $2, status = $3, retention_days = $4, \
         external_tenant_id = $5 WHERE id = $6",
    )
    .bind(&tenant.name)
    .bind(tenant.capabilities.join(","))
    .bind(&tenant.status)
    .bind(tenant.retention_days)
    .bind(tenant.external_tenant_id.as_deref())
    .bind(tenant.id.as_str())
    .execute(conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(DbError::NotFound(format!("tenant {}", tenant.id)));
    }
    Ok(())
}

/// One tenant by id.
pub async fn tenant(conn: &mut Conn, id: &TenantId) -> Result<Tenant> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM tenants WHERE id = $1"))
        .bind(id.as_str())
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| DbError::NotFound(format!("tenant {id}")))?;
    from_row(&row)
}

/// Every tenant, by name (instance administration; tenants' data is not in here).
pub async fn all_tenants(conn: &mut Conn) -> Result<Vec<Tenant>> {
    let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM tenants ORDER BY name")).fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}

/// The tenants with the given ids that exist, by name.
pub async fn tenants_by_id(conn: &mut Conn, ids: &[TenantId]) -> Result<Vec<Tenant>> {
    let all = all_tenants(conn).await?;
    Ok(all.into_iter().filter(|t| ids.contains(&t.id)).collect())
}

/// Deletes a tenant and every operational row it owns (its events are the event store's).
pub async fn delete_tenant(conn: &mut Conn, id: &TenantId) -> Result<()> {
    // Children first: rows of other tenants that point at this one go too (its guests
    // elsewhere, delegations it is party to), since their subject no longer exists.
    let statements = [
        "DELETE FROM sessions WHERE tenant_id = $1",
        "DELETE FROM federated_identities WHERE tenant_id = $1",
        "DELETE FROM oidc_flows WHERE tenant_id = $1",
        "DELETE FROM identity_provider_domains WHERE tenant_id = $1",
        "DELETE FROM identity_providers WHERE tenant_id = $1",
        "DELETE FROM custom_roles WHERE tenant_id = $1",
        "DELETE FROM saved_queries WHERE tenant_id = $1",
        "DELETE FROM rule_runs WHERE tenant_id = $1",
        "DELETE FROM detection_rules WHERE tenant_id = $1",
        "DELETE FROM incident_log WHERE tenant_id = $1",
        "DELETE FROM alert_entities WHERE tenant_id = $1",
        "DELETE FROM alerts WHERE tenant_id = $1",
        "DELETE FROM incidents WHERE tenant_id = $1",
        "DELETE FROM api_tokens WHERE tenant_id = $1",
        "DELETE FROM view_tenants WHERE tenant_id = $1 OR view_tenant_id = $1",
        "DELETE FROM tenant_groups WHERE tenant_id = $1",
        "DELETE FROM role_assignments WHERE tenant_id = $1 \
         OR principal_id IN (SELECT id FROM users WHERE tenant_id = $1) \
         OR principal_id IN (SELECT id FROM service_principals WHERE tenant_id = $1)",
        "DELETE FROM guests WHERE tenant_id = $1 OR home_tenant_id = $1",
        "DELETE FROM delegations WHERE tenant_id = $1 OR partner_tenant_id = $1",
        "DELETE FROM group_members WHERE tenant_id = $1",
        "DELETE FROM groups WHERE tenant_id = $1",
        "DELETE FROM service_principals WHERE tenant_id = $1",
        "DELETE FROM users WHERE tenant_id = $1",
        "DELETE FROM audit_entries WHERE tenant_id = $1",
    ];
    for statement in statements {
        sqlx::query(statement).bind(id.as_str()).execute(&mut *conn).await?;
    }
    let done = sqlx::query("DELETE FROM tenants WHERE id = $1").bind(id.as_str()).execute(conn).await?;
    if done.rows_affected() == 0 {
        return Err(DbError::NotFound(format!("tenant {id}")));
    }
    Ok(())
}
