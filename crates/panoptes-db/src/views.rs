use panoptes_domain::TenantId;
use sqlx::Row;

use crate::{Conn, Result};

/// A named subset of a principal's tenants that scopes the multi-tenant view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantGroup {
    /// Its id.
    pub id: String,
    /// The owner's home tenant.
    pub tenant_id: TenantId,
    /// The principal who made it.
    pub owner_id: String,
    /// Its name.
    pub name: String,
    /// The tenants in it.
    pub members: Vec<TenantId>,
}

/// The tenants a principal added to its view (empty: it never chose, so all of its tenants).
pub async fn view_of(conn: &mut Conn, principal_id: &str) -> Result<Vec<TenantId>> {
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT view_tenant_id FROM view_tenants WHERE principal_id = $1 ORDER BY view_tenant_id")
            .bind(principal_id)
            .fetch_all(conn)
            .await?;
    Ok(rows.into_iter().map(|(t,)| TenantId::new(t)).collect())
}

/// Adds a tenant to a principal's view.
pub async fn add_to_view(conn: &mut Conn, home: &TenantId, principal_id: &str, tenant: &TenantId) -> Result<()> {
    sqlx::query("DELETE FROM view_tenants WHERE principal_id = $1 AND view_tenant_id = $2")
        .bind(principal_id)
        .bind(tenant.as_str())
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO view_tenants (tenant_id, principal_id, view_tenant_id) VALUES ($1, $2, $3)")
        .bind(home.as_str())
        .bind(principal_id)
        .bind(tenant.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

/// Removes a tenant from a principal's view.
pub async fn remove_from_view(conn: &mut Conn, principal_id: &str, tenant: &TenantId) -> Result<()> {
    sqlx::query("DELETE FROM view_tenants WHERE principal_id = $1 AND view_tenant_id = $2")
        .bind(principal_id)
        .bind(tenant.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

/// Stores a tenant group.
pub async fn insert_tenant_group(conn: &mut Conn, group: &TenantGroup) -> Result<()> {
    let members: Vec<&str> = group.members.iter().map(TenantId::as_str).collect();
    sqlx::query("INSERT INTO tenant_groups (id, tenant_id, owner_id, name, members) VALUES ($1, $2, $3, $4, $5)")
        .bind(&group.id)
        .bind(group.tenant_id.as_str())
        .bind(&group.owner_id)
        .bind(&group.name)
        .bind(members.join(","))
        .execute(conn)
        .await?;
    Ok(())
}

/// A principal's tenant groups.
pub async fn tenant_groups_of(conn: &mut Conn, owner_id: &str) -> Result<Vec<TenantGroup>> {
    let rows = sqlx::query(
        "SELECT id, tenant_id, owner_id, name, members FROM tenant_groups WHERE owner_id = $1 ORDER BY name",
    )
    .bind(owner_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            let members: String = row.try_get("members")?;
            Ok(TenantGroup {
                id: row.try_get("id")?,
                tenant_id: TenantId::new(row.try_get::<String, _>("tenant_id")?),
                owner_id: row.try_get("owner_id")?,
                name: row.try_get("name")?,
                members: members.split(',').filter(|m| !m.is_empty()).map(TenantId::new).collect(),
            })
        })
        .collect()
}
