use panoptes_domain::{TenantId, TenantScope};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::grants::PrincipalKind;
use crate::principals::single;
use crate::{Conn, DbError, Result};

/// A signed-in console session; only the hash of its cookie value is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// SHA-256 of the cookie value, hex.
    pub token_hash: String,
    /// The user's home tenant.
    pub tenant_id: TenantId,
    /// The signed-in user.
    pub user_id: String,
    /// The token state-changing requests must echo.
    pub csrf_token: String,
    /// When it began (Unix ns).
    pub created_ns: i64,
    /// Last request (Unix ns), for idle expiry.
    pub last_seen_ns: i64,
}

/// An API token of a user or service principal; only its hash is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    /// Its id (shown in lists; not the secret).
    pub id: String,
    /// The owner's home tenant.
    pub tenant_id: TenantId,
    /// User or service principal.
    pub principal_kind: PrincipalKind,
    /// The owner.
    pub principal_id: String,
    /// SHA-256 of the secret, hex.
    pub token_hash: String,
    /// Permission names the token is limited to (comma separated; empty: the owner's grants).
    pub scopes: String,
    /// Not valid from this time on (Unix ns).
    pub expires_ns: i64,
    /// Revoked tokens stay listed but never authenticate.
    pub revoked: bool,
}

/// Stores a new session.
pub async fn insert_session(conn: &mut Conn, session: &Session) -> Result<()> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, tenant_id, user_id, csrf_token, created_ns, last_seen_ns) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&session.token_hash)
    .bind(session.tenant_id.as_str())
    .bind(&session.user_id)
    .bind(&session.csrf_token)
    .bind(session.created_ns)
    .bind(session.last_seen_ns)
    .execute(conn)
    .await?;
    Ok(())
}

/// The session with this cookie hash.
pub async fn session_by_hash(conn: &mut Conn, token_hash: &str) -> Result<Option<Session>> {
    let row = sqlx::query(
        "SELECT token_hash, tenant_id, user_id, csrf_token, created_ns, last_seen_ns FROM sessions WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(conn)
    .await?;
    row.map(|row| {
        Ok(Session {
            token_hash: row.try_get("token_hash")?,
            tenant_id: TenantId::new(row.try_get::<String, _>("tenant_id")?),
            user_id: row.try_get("user_id")?,
            csrf_token: row.try_get("csrf_token")?,
            created_ns: row.try_get("created_ns")?,
            last_seen_ns: row.try_get("last_seen_ns")?,
        })
    })
    .transpose()
}

/// Records activity on a session.
pub async fn touch_session(conn: &mut Conn, token_hash: &str, now_ns: i64) -> Result<()> {
    sqlx::query("UPDATE sessions SET last_seen_ns = $1 WHERE token_hash = $2")
        .bind(now_ns)
        .bind(token_hash)
        .execute(conn)
        .await?;
    Ok(())
}

/// Ends a session.
pub async fn delete_session(conn: &mut Conn, token_hash: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(conn).await?;
    Ok(())
}

/// Ends every session of a user (password change).
pub async fn delete_sessions_of_user(conn: &mut Conn, user_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(conn).await?;
    Ok(())
}

const TOKEN_COLUMNS: &str = "id, tenant_id, principal_kind, principal_id, token_hash, scopes, expires_ns, revoked";

fn token_from_row(row: &AnyRow) -> Result<ApiToken> {
    let kind: String = row.try_get("principal_kind")?;
    Ok(ApiToken {
        id: row.try_get("id")?,
        tenant_id: TenantId::new(row.try_get::<String, _>("tenant_id")?),
        principal_kind: if kind == "user" { PrincipalKind::User } else { PrincipalKind::ServicePrincipal },
        principal_id: row.try_get("principal_id")?,
        token_hash: row.try_get("token_hash")?,
        scopes: row.try_get("scopes")?,
        expires_ns: row.try_get("expires_ns")?,
        revoked: row.try_get::<i64, _>("revoked")? != 0,
    })
}

/// Stores a token of a principal of the scope's tenant.
pub async fn insert_api_token(conn: &mut Conn, scope: &TenantScope, token: &ApiToken, created_ns: i64) -> Result<()> {
    let tenant = single(scope, &token.tenant_id)?;
    sqlx::query(&format!(
        "INSERT INTO api_tokens ({TOKEN_COLUMNS}, created_ns) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8)"
    ))
    .bind(&token.id)
    .bind(tenant.as_str())
    .bind(token.principal_kind.name())
    .bind(&token.principal_id)
    .bind(&token.token_hash)
    .bind(&token.scopes)
    .bind(token.expires_ns)
    .bind(created_ns)
    .execute(conn)
    .await?;
    Ok(())
}

/// The token with this secret hash (authentication: no scope yet).
pub async fn api_token_by_hash(conn: &mut Conn, token_hash: &str) -> Result<Option<ApiToken>> {
    let row = sqlx::query(&format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1"))
        .bind(token_hash)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(token_from_row).transpose()
}

/// Tokens of the scope's tenants.
pub async fn tokens_of(conn: &mut Conn, scope: &TenantScope) -> Result<Vec<ApiToken>> {
    let mut out = Vec::new();
    for tenant in scope.tenants() {
        let rows =
            sqlx::query(&format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE tenant_id = $1 ORDER BY created_ns"))
                .bind(tenant.as_str())
                .fetch_all(&mut *conn)
                .await?;
        for row in &rows {
            out.push(token_from_row(row)?);
        }
    }
    Ok(out)
}

/// Revokes a token of the scope's tenant; it stops authenticating at once.
pub async fn revoke_api_token(conn: &mut Conn, scope: &TenantScope, id: &str) -> Result<()> {
    let tenant = scope.single().ok_or_else(|| DbError::NotFound(format!("token {id}")))?;
    let done = sqlx::query("UPDATE api_tokens SET revoked = 1 WHERE id = $1 AND tenant_id = $2")
        .bind(id)
        .bind(tenant.as_str())
        .execute(conn)
        .await?;
    if done.rows_affected() == 0 {
        return Err(DbError::NotFound(format!("token {id}")));
    }
    Ok(())
}
