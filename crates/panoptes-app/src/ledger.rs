//! Authorization checks that make scopes, and the tenant ledger: every change, and every read
//! by a guest, delegate or service principal, is recorded in the tenant it touched.

use panoptes_db::{AuditEntry, Conn, NewAuditEntry};
use panoptes_domain::{TenantId, TenantScope};
use panoptes_rbac::{GrantSource, Permission};

use crate::{App, AppError, Caller, Result};

impl App {
    /// The one-tenant scope for `permission` in `tenant`, or the refusal (`what` names the object
    /// for a not-found answer).
    pub(crate) fn authorize(
        &self,
        caller: &Caller,
        tenant: &TenantId,
        permission: Permission,
        what: &str,
    ) -> Result<TenantScope> {
        caller.access.authorize(tenant, permission, self.now_ns()).map_err(|d| AppError::denied(d, what))?;
        Ok(TenantScope::authorized([tenant.clone()]))
    }

    /// The scope of every tenant where the caller holds `permission` now.
    pub(crate) fn authorize_everywhere(&self, caller: &Caller, permission: Permission) -> TenantScope {
        let now = self.now_ns();
        let tenants = caller.access.tenants().into_iter();
        TenantScope::authorized(tenants.filter(|t| caller.access.authorize(t, permission, now).is_ok()))
    }

    /// How the caller reaches `tenant`, as the ledger names it.
    fn via(&self, caller: &Caller, tenant: &TenantId) -> String {
        let sources = caller.access.sources_in(tenant, self.now_ns());
        let names: Vec<String> = sources
            .iter()
            .map(|s| match s {
                GrantSource::Member => "member".to_string(),
                GrantSource::Guest => "guest".to_string(),
                GrantSource::Delegation { relationship } => format!("delegation:{relationship}"),
                GrantSource::ServicePrincipal => "servicePrincipal".to_string(),
            })
            .collect();
        if names.is_empty() {
            if caller.instance_admin { "instanceAdmin".into() } else { "none".into() }
        } else {
            names.join(",")
        }
    }

    /// Records a change in `tenant`'s ledger inside the change's transaction.
    pub(crate) async fn record(
        &self,
        conn: &mut Conn,
        caller: &Caller,
        tenant: &TenantId,
        action: &str,
        target: &str,
        detail: serde_json::Value,
    ) -> Result<AuditEntry> {
        let entry = NewAuditEntry {
            at_ns: self.now_ns(),
            actor_id: caller.id.clone(),
            actor_tenant_id: caller.home.clone(),
            via: self.via(caller, tenant),
            action: action.to_string(),
            target: target.to_string(),
            request_id: caller.request_id.clone(),
            detail: detail.to_string(),
        };
        let scope = TenantScope::authorized([tenant.clone()]);
        Ok(panoptes_db::append_audit(conn, &scope, entry).await?)
    }

    /// Records a read of each tenant's data where the caller is not one of its own members,
    /// all in one transaction (a hunt may read hundreds of tenants).
    pub(crate) async fn record_reads(
        &self,
        caller: &Caller,
        tenants: &[&TenantId],
        action: &str,
        target: &str,
        detail: serde_json::Value,
    ) -> Result<()> {
        let now = self.now_ns();
        let external: Vec<&TenantId> = tenants
            .iter()
            .copied()
            .filter(|t| caller.access.sources_in(t, now).iter().any(|s| s.is_external()))
            .collect();
        if external.is_empty() {
            return Ok(());
        }
        let mut tx = self.db.begin().await?;
        for tenant in external {
            self.record(&mut tx, caller, tenant, action, target, detail.clone()).await?;
        }
        tx.commit().await.map_err(panoptes_db::DbError::from)?;
        Ok(())
    }

    /// A tenant's ledger (`audit.read`).
    pub async fn audit_log(&self, caller: &Caller, tenant: &TenantId) -> Result<Vec<AuditEntry>> {
        let scope = self.authorize(caller, tenant, Permission::AuditRead, "tenant")?;
        let mut conn = self.db.conn().await?;
        Ok(panoptes_db::list_audit(&mut conn, &scope).await?)
    }

    /// Checks a tenant's ledger chain; the first broken entry's sequence number when one is.
    pub async fn verify_audit(&self, caller: &Caller, tenant: &TenantId) -> Result<Option<i64>> {
        let scope = self.authorize(caller, tenant, Permission::AuditRead, "tenant")?;
        let mut conn = self.db.conn().await?;
        Ok(panoptes_db::verify_audit(&mut conn, &scope).await?.map(|(_, seq)| seq))
    }
}
