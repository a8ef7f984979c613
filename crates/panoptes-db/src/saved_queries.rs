use panoptes_domain::{TenantId, TenantScope};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::principals::single;
use crate::{Conn, DbError, Result};

/// A saved hunting query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedQuery {
    /// Its id.
    pub id: String,
    /// The tenant it is kept in (the owner's home tenant when personal).
    pub tenant_id: TenantId,
    /// `personal` or `tenant` (shared with everyone who may hunt in the tenant).
    pub sharing: String,
    /// The principal that saved it.
    pub owner_id: String,
    /// Its name when saved.
    pub owner_name: String,
    /// The query's name.
    pub name: String,
    /// What it looks for.
    pub description: String,
    /// The KQL.
    pub query: String,
    /// When it was saved (Unix ns).
    pub created_ns: i64,
}

const COLUMNS: &str = "id, tenant_id, sharing, owner_id, owner_name, name, description, query, created_ns";

fn from_row(row: &AnyRow) -> Result<SavedQuery> {
    Ok(SavedQuery {
        id: row.try_get("id")?,
        tenant_id: TenantId::new(row.try_get::<String, _>("tenant_id")?),
        sharing: row.try_get("sharing")?,
        owner_id: row.try_get("owner_id")?,
        owner_name: row.try_get("owner_name")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        query: row.try_get("query")?,
        created_ns: row.try_get("created_ns")?,
    })
}

/// Saves a query in the tenant in scope.
pub async fn insert_saved_query(conn: &mut Conn, scope: &TenantScope, saved: &SavedQuery) -> Result<()> {
    let tenant = single(scope, &saved.tenant_id)?;
    sqlx::query(&format!("INSERT INTO saved_queries ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"))
        .bind(&saved.id)
        .bind(tenant.as_str())
        .bind(&saved.sharing)
        .bind(&saved.owner_id)
        .bind(&saved.owner_name)
        .bind(&saved.name)
        .bind(&saved.description)
        .bind(&saved.query)
        .bind(saved.created_ns)
        .execute(conn)
        .await?;
    Ok(())
}

/// The queries shared in the tenants of `shared_in`, and `owner`'s personal queries kept in
/// the tenant of `personal_in`; by name.
pub async fn saved_queries_of(
    conn: &mut Conn,
    shared_in: &TenantScope,
    personal_in: &TenantScope,
    owner: &str,
) -> Result<Vec<SavedQuery>> {
    let mut found = Vec::new();
    for tenant in shared_in.tenants() {
        let sql = format!("SELECT {COLUMNS} FROM saved_queries WHERE tenant_id = $1 AND sharing = 'tenant'");
        for row in &sqlx::query(&sql).bind(tenant.as_str()).fetch_all(&mut *conn).await? {
            found.push(from_row(row)?);
        }
    }
    for tenant in personal_in.tenants() {
        let sql = format!(
            "SELECT {COLUMNS} FROM saved_queries WHERE tenant_id = $1 AND sharing = 'personal' AND owner_id = $2"
        );
        for row in &sqlx::query(&sql).bind(tenant.as_str()).bind(owner).fetch_all(&mut *conn).await? {
            found.push(from_row(row)?);
        }
    }
    found.sort_by(|a, b| a.name.to_lowercase().cmp(&b.name.to_lowercase()).then(a.id.cmp(&b.id)));
    Ok(found)
}

/// One saved query of the tenant in scope.
pub async fn saved_query(conn: &mut Conn, scope: &TenantScope, id: &str) -> Result<SavedQuery> {
    let tenant = scope.single().ok_or_else(|| DbError::NotFound(format!("saved query {id}")))?;
    let sql = format!("SELECT {COLUMNS} FROM saved_queries WHERE id = $1 AND tenant_id = $2");
    let row = sqlx::query(&sql).bind(id).bind(tenant.as_str()).fetch_optional(conn).await?;
    from_row(&row.ok_or_else(|| DbError::NotFound(format!("saved query {id}")))?)
}

/// The tenant a saved query is kept in, for authorizing a change to it (the id alone reveals
/// nothing else).
pub async fn saved_query_tenant(conn: &mut Conn, id: &str) -> Result<Option<TenantId>> {
    let row = sqlx::query("SELECT tenant_id FROM saved_queries WHERE id = $1").bind(id).fetch_optional(conn).await?;
    Ok(match row {
        Some(row) => Some(TenantId::new(row.try_get::<String, _>("tenant_id")?)),
        None => None,
    })
}

/// Deletes a saved query of the tenant in scope.
pub async fn delete_saved_query(conn: &mut Conn, scope: &TenantScope, id: &str) -> Result<()> {
    let tenant = scope.single().ok_or_else(|| DbError::NotFound(format!("saved query {id}")))?;
    let done = sqlx::query("DELETE FROM saved_queries WHERE id = $1 AND tenant_id = $2")
        .bind(id)
        .bind(tenant.as_str())
        .execute(conn)
        .await?;
    if done.rows_affected() == 0 {
        return Err(DbError::NotFound(format!("saved query {id}")));
    }
    Ok(())
}
