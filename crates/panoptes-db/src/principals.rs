use panoptes_domain::{TenantId, TenantScope};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Conn, DbError, Result};

/// A user: a member of exactly one home tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Its id.
    pub id: String,
    /// Its home tenant.
    pub tenant_id: TenantId,
    /// Sign-in name, unique in the instance.
    pub username: String,
    /// Shown name.
    pub display_name: String,
    /// argon2id PHC string; `None` for users who sign in only through their tenant's IdP.
    pub password_hash: Option<String>,
    /// Consecutive failed sign-ins.
    pub failed_attempts: i64,
    /// Sign-in refused until this time (Unix ns).
    pub locked_until_ns: i64,
    /// May create and delete tenants and set plans (no tenant data without a grant).
    pub instance_admin: bool,
}

/// A named set of users of one tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Its id.
    pub id: String,
    /// The tenant it belongs to.
    pub tenant_id: TenantId,
    /// Its name.
    pub name: String,
}

/// A non-interactive principal that acts with API tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServicePrincipal {
    /// Its id.
    pub id: String,
    /// Its home tenant.
    pub tenant_id: TenantId,
    /// Its name.
    pub name: String,
}

const USER_COLUMNS: &str =
    "id, tenant_id, username, display_name, password_hash, failed_attempts, locked_until_ns, instance_admin";

fn user_from_row(row: &AnyRow) -> Result<User> {
    Ok(User {
        id: row.try_get("id")?,
        tenant_id: TenantId::new(row.try_get::<String, _>("tenant_id")?),
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        password_hash: row.try_get("password_hash")?,
        failed_attempts: row.try_get("failed_attempts")?,
        locked_until_ns: row.try_get("locked_until_ns")?,
        instance_admin: row.try_get::<i64, _>("instance_admin")? != 0,
    })
}

/// Adds a user.
pub async fn insert_user(conn: &mut Conn, user: &User, created_ns: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO users (id, tenant_id, username, display_name, password_hash, failed_attempts, \
         locked_until_ns, instance_admin, created_ns) VALUES ($1, $2, $3, $4, $5, 0, 0, $6, $7)",
    )
    .bind(&user.id)
    .bind(user.tenant_id.as_str())
    .bind(&user.username)
    .bind(&user.display_name)
    .bind(user.password_hash.as_deref())
    .bind(i64::from(user.instance_admin))
    .bind(created_ns)
    .execute(conn)
    .await?;
    Ok(())
}

/// A user by sign-in name (before authentication: no scope yet).
pub async fn user_by_username(conn: &mut Conn, username: &str) -> Result<Option<User>> {
    let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE username = $1"))
        .bind(username)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(user_from_row).transpose()
}

/// A user by id.
pub async fn user_by_id(conn: &mut Conn, id: &str) -> Result<User> {
    let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| DbError::NotFound(format!("user {id}")))?;
    user_from_row(&row)
}

/// The members of the tenants in scope, by name.
pub async fn users_of(conn: &mut Conn, scope: &TenantScope) -> Result<Vec<User>> {
    let mut users = Vec::new();
    for tenant in scope.tenants() {
        let rows = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE tenant_id = $1 ORDER BY username"))
            .bind(tenant.as_str())
            .fetch_all(&mut *conn)
            .await?;
        for row in &rows {
            users.push(user_from_row(row)?);
        }
    }
    Ok(users)
}

/// Replaces a user's password hash and clears failures.
pub async fn set_password_hash(conn: &mut Conn, user_id: &str, hash: &str) -> Result<()> {
    sqlx::query("UPDATE users SET password_hash = $1, failed_attempts = 0, locked_until_ns = 0 WHERE id = $2")
        .bind(hash)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Counts a failed sign-in; locks the account until `lock_until_ns` once `max_attempts` is
/// reached. Returns the count.
pub async fn record_sign_in_failure(
    conn: &mut Conn,
    user_id: &str,
    max_attempts: i64,
    lock_until_ns: i64,
) -> Result<i64> {
    sqlx::query("UPDATE users SET failed_attempts = failed_attempts + 1 WHERE id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    let (attempts,): (i64,) =
        sqlx::query_as("SELECT failed_attempts FROM users WHERE id = $1").bind(user_id).fetch_one(&mut *conn).await?;
    if attempts >= max_attempts {
        sqlx::query("UPDATE users SET locked_until_ns = $1, failed_attempts = 0 WHERE id = $2")
            .bind(lock_until_ns)
            .bind(user_id)
            .execute(conn)
            .await?;
    }
    Ok(attempts)
}

/// Clears failed sign-ins after a success.
pub async fn reset_sign_in_failures(conn: &mut Conn, user_id: &str) -> Result<()> {
    sqlx::query("UPDATE users SET failed_attempts = 0 WHERE id = $1").bind(user_id).execute(conn).await?;
    Ok(())
}

/// Adds a group to the tenant in scope.
pub async fn insert_group(conn: &mut Conn, scope: &TenantScope, group: &Group) -> Result<()> {
    let tenant = single(scope, &group.tenant_id)?;
    sqlx::query("INSERT INTO groups (id, tenant_id, name) VALUES ($1, $2, $3)")
        .bind(&group.id)
        .bind(tenant.as_str())
        .bind(&group.name)
        .execute(conn)
        .await?;
    Ok(())
}

/// The groups of the tenants in scope, by name, each with its member count.
pub async fn groups_of(conn: &mut Conn, scope: &TenantScope) -> Result<Vec<(Group, i64)>> {
    let mut groups = Vec::new();
    for tenant in scope.tenants() {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT g.id, g.name, (SELECT COUNT(*) FROM group_members m WHERE m.group_id = g.id AND m.tenant_id = g.tenant_id) \
             FROM groups g WHERE g.tenant_id = $1 ORDER BY g.name",
        )
        .bind(tenant.as_str())
        .fetch_all(&mut *conn)
        .await?;
        for (id, name, members) in rows {
            groups.push((Group { id, tenant_id: tenant.clone(), name }, members));
        }
    }
    Ok(groups)
}

/// Is `group_id` a group of the scope's one tenant?
pub async fn group_in(conn: &mut Conn, scope: &TenantScope, group_id: &str) -> Result<bool> {
    let Some(tenant) = scope.single() else { return Ok(false) };
    let found: Option<(String,)> = sqlx::query_as("SELECT id FROM groups WHERE id = $1 AND tenant_id = $2")
        .bind(group_id)
        .bind(tenant.as_str())
        .fetch_optional(conn)
        .await?;
    Ok(found.is_some())
}

/// Adds a member of the group's own tenant to the group.
pub async fn add_group_member(conn: &mut Conn, scope: &TenantScope, group_id: &str, user_id: &str) -> Result<()> {
    let tenant = scope.single().ok_or_else(|| DbError::NotFound(format!("group {group_id}")))?;
    let found: Option<(String,)> =
        sqlx::query_as("SELECT g.id FROM groups g JOIN users u ON u.tenant_id = g.tenant_id WHERE g.id = $1 AND u.id = $2 AND g.tenant_id = $3")
            .bind(group_id)
            .bind(user_id)
            .bind(tenant.as_str())
            .fetch_optional(&mut *conn)
            .await?;
    if found.is_none() {
        return Err(DbError::NotFound(format!("group {group_id} or user {user_id}")));
    }
    sqlx::query("INSERT INTO group_members (tenant_id, group_id, user_id) VALUES ($1, $2, $3)")
        .bind(tenant.as_str())
        .bind(group_id)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The service principals of the tenants in scope, by name.
pub async fn service_principals_of(conn: &mut Conn, scope: &TenantScope) -> Result<Vec<ServicePrincipal>> {
    let mut out = Vec::new();
    for tenant in scope.tenants() {
        let rows = sqlx::query("SELECT id, tenant_id, name FROM service_principals WHERE tenant_id = $1 ORDER BY name")
            .bind(tenant.as_str())
            .fetch_all(&mut *conn)
            .await?;
        for row in &rows {
            out.push(service_principal_from_row(row)?);
        }
    }
    Ok(out)
}

fn service_principal_from_row(row: &AnyRow) -> Result<ServicePrincipal> {
    Ok(ServicePrincipal {
        id: row.try_get("id")?,
        tenant_id: TenantId::new(row.try_get::<String, _>("tenant_id")?),
        name: row.try_get("name")?,
    })
}

/// Adds a service principal to the tenant in scope.
pub async fn insert_service_principal(
    conn: &mut Conn,
    scope: &TenantScope,
    principal: &ServicePrincipal,
    created_ns: i64,
) -> Result<()> {
    let tenant = single(scope, &principal.tenant_id)?;
    sqlx::query("INSERT INTO service_principals (id, tenant_id, name, created_ns) VALUES ($1, $2, $3, $4)")
        .bind(&principal.id)
        .bind(tenant.as_str())
        .bind(&principal.name)
        .bind(created_ns)
        .execute(conn)
        .await?;
    Ok(())
}

/// A service principal by id (before authorization: resolving a token's owner).
pub async fn service_principal(conn: &mut Conn, id: &str) -> Result<ServicePrincipal> {
    let row = sqlx::query("SELECT id, tenant_id, name FROM service_principals WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| DbError::NotFound(format!("service principal {id}")))?;
    service_principal_from_row(&row)
}

/// The scope's one tenant, which must be the row's: a write never lands outside its scope.
pub(crate) fn single<'a>(scope: &'a TenantScope, row_tenant: &TenantId) -> Result<&'a TenantId> {
    match scope.single() {
        Some(tenant) if tenant == row_tenant => Ok(tenant),
        _ => Err(DbError::NotFound(format!("tenant {row_tenant}"))),
    }
}
