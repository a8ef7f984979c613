use panoptes_domain::{TenantId, TenantScope};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::principals::single;
use crate::{Conn, DbError, Result};

/// A tenant's named permission set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomRole {
    /// Its id.
    pub id: String,
    /// The tenant it belongs to.
    pub tenant_id: TenantId,
    /// Its name, unique in the tenant (and never a built-in role's).
    pub name: String,
    /// What it is for.
    pub description: String,
    /// Permission names, comma separated.
    pub permissions: String,
}

fn from_row(row: &AnyRow) -> Result<CustomRole> {
    Ok(CustomRole {
        id: row.try_get("id")?,
        tenant_id: TenantId::new(row.try_get::<String, _>("tenant_id")?),
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        permissions: row.try_get("permissions")?,
    })
}

/// Adds a role to the tenant in scope.
pub async fn insert_custom_role(conn: &mut Conn, scope: &TenantScope, role: &CustomRole, now_ns: i64) -> Result<()> {
    let tenant = single(scope, &role.tenant_id)?;
    sqlx::query(
        "INSERT INTO custom_roles (id, tenant_id, name, description, permissions, created_ns) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&role.id)
    .bind(tenant.as_str())
    .bind(&role.name)
    .bind(&role.description)
    .bind(&role.permissions)
    .bind(now_ns)
    .execute(conn)
    .await?;
    Ok(())
}

/// The roles of the tenants in scope, by name.
pub async fn custom_roles_of(conn: &mut Conn, scope: &TenantScope) -> Result<Vec<CustomRole>> {
    let mut roles = Vec::new();
    for tenant in scope.tenants() {
        let rows = sqlx::query(
            "SELECT id, tenant_id, name, description, permissions FROM custom_roles WHERE tenant_id = $1 ORDER BY name",
        )
        .bind(tenant.as_str())
        .fetch_all(&mut *conn)
        .await?;
        for row in &rows {
            roles.push(from_row(row)?);
        }
    }
    Ok(roles)
}

/// Removes a role of the tenant in scope; returns it.
pub async fn delete_custom_role(conn: &mut Conn, scope: &TenantScope, id: &str) -> Result<CustomRole> {
    let tenant = scope.single().ok_or_else(|| DbError::NotFound(format!("role {id}")))?;
    let row = sqlx::query(
        "SELECT id, tenant_id, name, description, permissions FROM custom_roles WHERE id = $1 AND tenant_id = $2",
    )
    .bind(id)
    .bind(tenant.as_str())
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| DbError::NotFound(format!("role {id}")))?;
    sqlx::query("DELETE FROM custom_roles WHERE id = $1 AND tenant_id = $2")
        .bind(id)
        .bind(tenant.as_str())
        .execute(conn)
        .await?;
    from_row(&row)
}
