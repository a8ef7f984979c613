//! OpenID sign-ins in progress. A flow is taken once: reading it deletes it.

use panoptes_domain::{TenantId, TenantScope};
use sqlx::Row;

use crate::principals::single;
use crate::{Conn, Result};

/// A sign-in between the redirect to the provider and its callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcFlow {
    /// SHA-256 hex of the `state`.
    pub state_hash: String,
    /// The provider's tenant.
    pub tenant_id: TenantId,
    /// The provider.
    pub provider_id: String,
    /// The PKCE verifier (sealed).
    pub verifier: String,
    /// The nonce (sealed).
    pub nonce: String,
    /// When it started (Unix ns).
    pub started_ns: i64,
}

/// Stores a new flow for the provider's tenant.
pub async fn insert_oidc_flow(conn: &mut Conn, scope: &TenantScope, flow: &OidcFlow) -> Result<()> {
    let tenant = single(scope, &flow.tenant_id)?;
    sqlx::query(
        "INSERT INTO oidc_flows (state_hash, tenant_id, provider_id, verifier, nonce, started_ns) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&flow.state_hash)
    .bind(tenant.as_str())
    .bind(&flow.provider_id)
    .bind(&flow.verifier)
    .bind(&flow.nonce)
    .bind(flow.started_ns)
    .execute(conn)
    .await?;
    Ok(())
}

/// Removes and returns the flow of a `state` hash (before authentication: the state is the
/// browser's proof).
pub async fn take_oidc_flow(conn: &mut Conn, state_hash: &str) -> Result<Option<OidcFlow>> {
    let row = sqlx::query(
        "DELETE FROM oidc_flows WHERE state_hash = $1 \
         RETURNING state_hash, tenant_id, provider_id, verifier, nonce, started_ns",
    )
    .bind(state_hash)
    .fetch_optional(conn)
    .await?;
    row.map(|row| {
        Ok(OidcFlow {
            state_hash: row.try_get("state_hash")?,
            tenant_id: TenantId::new(row.try_get::<String, _>("tenant_id")?),
            provider_id: row.try_get("provider_id")?,
            verifier: row.try_get("verifier")?,
            nonce: row.try_get("nonce")?,
            started_ns: row.try_get("started_ns")?,
        })
    })
    .transpose()
}

/// Deletes flows started before `before_ns` (abandoned sign-ins).
pub async fn delete_oidc_flows_before(conn: &mut Conn, before_ns: i64) -> Result<u64> {
    let done = sqlx::query("DELETE FROM oidc_flows WHERE started_ns < $1").bind(before_ns).execute(conn).await?;
    Ok(done.rows_affected())
}
