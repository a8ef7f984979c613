use panoptes_domain::{TenantId, TenantScope};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::principals::single;
use crate::{Conn, DbError, Result};

/// An OpenID provider a tenant trusts to sign its users in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityProvider {
    /// Its id (in the sign-in URL).
    pub id: String,
    /// The tenant whose users it signs in.
    pub tenant_id: TenantId,
    /// Shown on the sign-in page.
    pub display_name: String,
    /// The issuer URL (discovery is at `<issuer>/.well-known/openid-configuration`).
    pub issuer: String,
    /// Our client id at the provider.
    pub client_id: String,
    /// Our client secret at the provider (needed to redeem codes, so kept readable).
    pub client_secret: String,
    /// The ID-token claim naming the Panoptes user at the first sign-in (`email`,
    /// `preferred_username`, ...).
    pub username_claim: String,
    /// Disabled providers sign nobody in.
    pub enabled: bool,
    /// When it was added (Unix ns).
    pub created_ns: i64,
}

const COLUMNS: &str =
    "id, tenant_id, display_name, issuer, client_id, client_secret, username_claim, enabled, created_ns";

fn from_row(row: &AnyRow) -> Result<IdentityProvider> {
    Ok(IdentityProvider {
        id: row.try_get("id")?,
        tenant_id: TenantId::new(row.try_get::<String, _>("tenant_id")?),
        display_name: row.try_get("display_name")?,
        issuer: row.try_get("issuer")?,
        client_id: row.try_get("client_id")?,
        client_secret: row.try_get("client_secret")?,
        username_claim: row.try_get("username_claim")?,
        enabled: row.try_get::<i64, _>("enabled")? != 0,
        created_ns: row.try_get("created_ns")?,
    })
}

/// Adds a provider to the tenant in scope.
pub async fn insert_identity_provider(conn: &mut Conn, scope: &TenantScope, provider: &IdentityProvider) -> Result<()> {
    let tenant = single(scope, &provider.tenant_id)?;
    sqlx::query(&format!("INSERT INTO identity_providers ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"))
        .bind(&provider.id)
        .bind(tenant.as_str())
        .bind(&provider.display_name)
        .bind(&provider.issuer)
        .bind(&provider.client_id)
        .bind(&provider.client_secret)
        .bind(&provider.username_claim)
        .bind(i64::from(provider.enabled))
        .bind(provider.created_ns)
        .execute(conn)
        .await?;
    Ok(())
}

/// The providers of the tenants in scope.
pub async fn identity_providers_of(conn: &mut Conn, scope: &TenantScope) -> Result<Vec<IdentityProvider>> {
    let mut providers = Vec::new();
    for tenant in scope.tenants() {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM identity_providers WHERE tenant_id = $1 ORDER BY display_name, id"
        ))
        .bind(tenant.as_str())
        .fetch_all(&mut *conn)
        .await?;
        for row in &rows {
            providers.push(from_row(row)?);
        }
    }
    Ok(providers)
}

/// A provider by id, for signing in (before anyone is authenticated).
pub async fn identity_provider(conn: &mut Conn, id: &str) -> Result<Option<IdentityProvider>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM identity_providers WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Removes a provider of the tenant in scope, with its subject bindings.
pub async fn delete_identity_provider(conn: &mut Conn, scope: &TenantScope, id: &str) -> Result<()> {
    let tenant = scope.single().ok_or_else(|| DbError::NotFound(format!("identity provider {id}")))?;
    sqlx::query("DELETE FROM identity_provider_domains WHERE provider_id = $1 AND tenant_id = $2")
        .bind(id)
        .bind(tenant.as_str())
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM federated_identities WHERE provider_id = $1 AND tenant_id = $2")
        .bind(id)
        .bind(tenant.as_str())
        .execute(&mut *conn)
        .await?;
    let removed = sqlx::query("DELETE FROM identity_providers WHERE id = $1 AND tenant_id = $2")
        .bind(id)
        .bind(tenant.as_str())
        .execute(conn)
        .await?;
    if removed.rows_affected() == 0 {
        return Err(DbError::NotFound(format!("identity provider {id}")));
    }
    Ok(())
}

/// Claims e-mail domains (lower-case) for a provider of the tenant in scope; a domain another
/// provider holds is a conflict naming it.
pub async fn claim_provider_domains(
    conn: &mut Conn,
    scope: &TenantScope,
    provider: &IdentityProvider,
    domains: &[String],
) -> Result<()> {
    let tenant = single(scope, &provider.tenant_id)?;
    for domain in domains {
        let held: Option<(String,)> =
            sqlx::query_as("SELECT provider_id FROM identity_provider_domains WHERE domain = $1")
                .bind(domain)
                .fetch_optional(&mut *conn)
                .await?;
        if held.is_some() {
            return Err(DbError::Conflict(format!(
                "the domain {domain} already signs in through another identity provider; remove it there first"
            )));
        }
        sqlx::query("INSERT INTO identity_provider_domains (domain, tenant_id, provider_id) VALUES ($1, $2, $3)")
            .bind(domain)
            .bind(tenant.as_str())
            .bind(&provider.id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The domains each provider of the tenants in scope claims, by provider id.
pub async fn provider_domains_of(conn: &mut Conn, scope: &TenantScope) -> Result<Vec<(String, String)>> {
    let mut claims = Vec::new();
    for tenant in scope.tenants() {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT provider_id, domain FROM identity_provider_domains WHERE tenant_id = $1 ORDER BY domain",
        )
        .bind(tenant.as_str())
        .fetch_all(&mut *conn)
        .await?;
        claims.extend(rows);
    }
    Ok(claims)
}

/// The enabled provider that signs in addresses of `domain`, if any (before anyone is
/// authenticated: home-realm discovery).
pub async fn provider_for_domain(conn: &mut Conn, domain: &str) -> Result<Option<IdentityProvider>> {
    let columns = COLUMNS.split(", ").map(|c| format!("p.{c}")).collect::<Vec<_>>().join(", ");
    let row = sqlx::query(&format!(
        "SELECT {columns} FROM identity_providers p JOIN identity_provider_domains d \
         ON d.provider_id = p.id AND d.tenant_id = p.tenant_id WHERE d.domain = $1 AND p.enabled <> 0"
    ))
    .bind(domain)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// The user a provider subject is bound to.
pub async fn bound_user(conn: &mut Conn, provider: &IdentityProvider, subject: &str) -> Result<Option<String>> {
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT user_id FROM federated_identities WHERE provider_id = $1 AND subject = $2 AND tenant_id = $3",
    )
    .bind(&provider.id)
    .bind(subject)
    .bind(provider.tenant_id.as_str())
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(user,)| user))
}

/// Binds a provider subject to a user of the provider's tenant; fails when the user is
/// already bound to another subject of this provider.
pub async fn bind_identity(conn: &mut Conn, provider: &IdentityProvider, subject: &str, user_id: &str) -> Result<()> {
    sqlx::query("INSERT INTO federated_identities (tenant_id, provider_id, subject, user_id) VALUES ($1, $2, $3, $4)")
        .bind(provider.tenant_id.as_str())
        .bind(&provider.id)
        .bind(subject)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}
