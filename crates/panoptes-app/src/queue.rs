//! Which tenants a multi-tenant list covers: the tenants a request names, or one of the
//! caller's tenant groups, or its view; requests only narrow. Tenants where the caller may not
//! read are reported with the reason, never silently dropped.

use std::collections::HashMap;

use panoptes_db::Conn;
use panoptes_domain::{TenantId, TenantScope};
use panoptes_rbac::{Denied, Permission};
use serde_json::{Value as Json, json};

use crate::{App, AppError, Caller, Result};

/// The tenants a list request asks for.
#[derive(Debug, Clone, Default)]
pub struct QueueScope {
    /// Only these tenants.
    pub tenant_ids: Option<Vec<TenantId>>,
    /// Only the members of this tenant group of the caller.
    pub tenant_group_id: Option<String>,
}

/// Tenant names for labelling rows.
#[derive(Debug, Clone, Default)]
pub(crate) struct TenantNames(HashMap<TenantId, String>);

impl TenantNames {
    /// The tenant's name (empty when unknown).
    pub(crate) fn name(&self, tenant: &TenantId) -> String {
        self.0.get(tenant).cloned().unwrap_or_default()
    }
}

impl App {
    /// The tenants a request names, or the caller's tenant group, or its view.
    pub(crate) async fn requested_tenants_of(
        &self,
        caller: &Caller,
        tenant_ids: Option<&[TenantId]>,
        tenant_group_id: Option<&str>,
    ) -> Result<Vec<TenantId>> {
        if let Some(ids) = tenant_ids {
            let mut ids = ids.to_vec();
            ids.sort();
            ids.dedup();
            return Ok(ids);
        }
        if let Some(group_id) = tenant_group_id {
            let groups = self.tenant_groups(caller).await?;
            let (group, _) = groups
                .into_iter()
                .find(|(g, _)| g.id == group_id)
                .ok_or_else(|| AppError::NotFound(format!("tenant group {group_id}")))?;
            return Ok(group.members);
        }
        let view = self.my_tenants(caller).await?;
        Ok(view.into_iter().filter(|t| t.in_view).map(|t| TenantId::new(t.tenant_id)).collect())
    }

    /// The readable tenants of a queue request, the status of the others, and every name.
    pub(crate) async fn queue_tenants(
        &self,
        caller: &Caller,
        scope: &QueueScope,
    ) -> Result<(TenantScope, Vec<Json>, TenantNames)> {
        let requested =
            self.requested_tenants_of(caller, scope.tenant_ids.as_deref(), scope.tenant_group_id.as_deref()).await?;
        let now = self.now_ns();
        let mut readable = Vec::new();
        let mut statuses = Vec::new();
        let mut conn = self.db.conn().await?;
        let known = panoptes_db::tenants_by_id(&mut conn, &requested).await?;
        let names = TenantNames(known.iter().map(|t| (t.id.clone(), t.name.clone())).collect());
        for tenant in requested {
            let refusal = match caller.access.authorize(&tenant, Permission::SecurityDataRead, now) {
                Ok(()) => {
                    readable.push(tenant);
                    continue;
                }
                Err(Denied::NotVisible) => {
                    // A tenant the caller cannot see at all is reported without its name.
                    statuses.push(json!({"tenantId": tenant, "tenantName": "", "status": "noPermission",
                        "errorCode": "NotFound", "message": "no access to this tenant"}));
                    continue;
                }
                Err(Denied::Expired) => ("accessExpired", "Forbidden", "the delegated access has ended".to_string()),
                Err(Denied::Missing(p)) => ("noPermission", "Forbidden", format!("missing `{}`", p.name())),
            };
            statuses.push(json!({"tenantId": tenant, "tenantName": names.name(&tenant), "status": refusal.0,
                "errorCode": refusal.1, "message": refusal.2}));
        }
        Ok((TenantScope::authorized(readable), statuses, names))
    }

    /// Names of the scope's tenants.
    pub(crate) async fn tenant_names(&self, conn: &mut Conn, scope: &TenantScope) -> Result<TenantNames> {
        let known = panoptes_db::tenants_by_id(conn, scope.tenants()).await?;
        Ok(TenantNames(known.into_iter().map(|t| (t.id, t.name)).collect()))
    }
}
