//! The per-tenant ledger: append-only, each entry's hash covering the previous entry's hash,
//! so changing or deleting an entry breaks the chain from there on and `verify_audit` finds it.

use panoptes_domain::{TenantId, TenantScope};
use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Conn, DbError, Result};

/// What to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEntry {
    /// When (Unix ns).
    pub at_ns: i64,
    /// Who: a user or service principal id.
    pub actor_id: String,
    /// The actor's home tenant.
    pub actor_tenant_id: TenantId,
    /// How the actor reached the tenant: `member`, `guest`, `delegation:<id>`, `servicePrincipal`.
    pub via: String,
    /// What: `tenant.update`, `hunting.run`, ...
    pub action: String,
    /// The object acted on.
    pub target: String,
    /// The API request id.
    pub request_id: String,
    /// More, as JSON text.
    pub detail: String,
}

/// A recorded entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// The ledger's tenant.
    pub tenant_id: TenantId,
    /// Position in the tenant's ledger, from 1.
    pub seq: i64,
    /// The recorded facts.
    pub entry: NewAuditEntry,
    /// The previous entry's hash (64 zeros for the first).
    pub prev_hash: String,
    /// This entry's hash.
    pub hash: String,
}

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn entry_hash(tenant: &TenantId, seq: i64, prev_hash: &str, e: &NewAuditEntry) -> String {
    let mut hasher = Sha256::new();
    // Length-prefixed fields, so no two different entries serialize alike.
    for field in [
        tenant.as_str(),
        &seq.to_string(),
        prev_hash,
        &e.at_ns.to_string(),
        &e.actor_id,
        e.actor_tenant_id.as_str(),
        &e.via,
        &e.action,
        &e.target,
        &e.request_id,
        &e.detail,
    ] {
        hasher.update((field.len() as u64).to_le_bytes());
        hasher.update(field.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// Appends to the ledger of the scope's one tenant; call inside the transaction of the change.
pub async fn append_audit(conn: &mut Conn, scope: &TenantScope, entry: NewAuditEntry) -> Result<AuditEntry> {
    let tenant = scope.single().ok_or_else(|| DbError::Conflict("an audit entry belongs to one tenant".into()))?;
    // Serialize appends per tenant so two writers never take the same sequence number (SQLite
    // already serializes writers through `BEGIN IMMEDIATE`).
    if conn.backend_name() == "PostgreSQL" {
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))").bind(tenant.as_str()).execute(&mut *conn).await?;
    }
    let last: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM audit_entries WHERE tenant_id = $1 ORDER BY seq DESC LIMIT 1")
            .bind(tenant.as_str())
            .fetch_optional(&mut *conn)
            .await?;
    let (seq, prev_hash) = match last {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS.to_string()),
    };
    let hash = entry_hash(tenant, seq, &prev_hash, &entry);
    sqlx::query(
        "INSERT INTO audit_entries (tenant_id, seq, at_ns, actor_id, actor_tenant_id, via, action, target, \
         request_id, detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(tenant.as_str())
    .bind(seq)
    .bind(entry.at_ns)
    .bind(&entry.actor_id)
    .bind(entry.actor_tenant_id.as_str())
    .bind(&entry.via)
    .bind(&entry.action)
    .bind(&entry.target)
    .bind(&entry.request_id)
    .bind(&entry.detail)
    .bind(&prev_hash)
    .bind(&hash)
    .execute(conn)
    .await?;
    Ok(AuditEntry { tenant_id: tenant.clone(), seq, entry, prev_hash, hash })
}

fn from_row(row: &AnyRow) -> Result<AuditEntry> {
    Ok(AuditEntry {
        tenant_id: TenantId::new(row.try_get::<String, _>("tenant_id")?),
        seq: row.try_get("seq")?,
        entry: NewAuditEntry {
            at_ns: row.try_get("at_ns")?,
            actor_id: row.try_get("actor_id")?,
            actor_tenant_id: TenantId::new(row.try_get::<String, _>("actor_tenant_id")?),
            via: row.try_get("via")?,
            action: row.try_get("action")?,
            target: row.try_get("target")?,
            request_id: row.try_get("request_id")?,
            detail: row.try_get("detail")?,
        },
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

/// The ledgers of the scope's tenants, oldest first.
pub async fn list_audit(conn: &mut Conn, scope: &TenantScope) -> Result<Vec<AuditEntry>> {
    let mut out = Vec::new();
    for tenant in scope.tenants() {
        let rows = sqlx::query(
            "SELECT tenant_id, seq, at_ns, actor_id, actor_tenant_id, via, action, target, request_id, detail, \
             prev_hash, hash FROM audit_entries WHERE tenant_id = $1 ORDER BY seq",
        )
        .bind(tenant.as_str())
        .fetch_all(&mut *conn)
        .await?;
        for row in &rows {
            out.push(from_row(row)?);
        }
    }
    Ok(out)
}

/// Checks the chain of each tenant in scope; the first broken entry's (tenant, seq) when one is.
pub async fn verify_audit(conn: &mut Conn, scope: &TenantScope) -> Result<Option<(TenantId, i64)>> {
    let entries = list_audit(conn, scope).await?;
    let mut previous: Option<(&TenantId, i64, &str)> = None;
    for e in &entries {
        let (expected_seq, expected_prev) = match previous {
            Some((tenant, seq, hash)) if tenant == &e.tenant_id => (seq + 1, hash),
            _ => (1, GENESIS),
        };
        let recomputed = entry_hash(&e.tenant_id, e.seq, &e.prev_hash, &e.entry);
        if e.seq != expected_seq || e.prev_hash != expected_prev || recomputed != e.hash {
            return Ok(Some((e.tenant_id.clone(), e.seq)));
        }
        previous = Some((&e.tenant_id, e.seq, &e.hash));
    }
    Ok(None)
}
