//! Tenants (instance administration) and a principal's multi-tenant view: which tenants it
//! reaches, which it has added, its tenant groups, and each tenant's status for it.

use panoptes_db::{Tenant, TenantGroup};
use panoptes_domain::{TenantId, TenantScope};
use panoptes_rbac::{Denied, Permission};
use serde::Serialize;

use crate::directory::assignment;
use crate::{App, AppError, Caller, Result, new_id};

/// The capabilities a plan may hold (SPEC §2).
pub(crate) const CAPABILITIES: [&str; 7] =
    ["hunting", "detections", "vulnerabilityManagement", "identities", "email", "cases", "dashboards"];

/// What creating a tenant takes.
#[derive(Debug, Clone)]
pub struct NewTenant {
    /// Display name, unique in the instance.
    pub name: String,
    /// Plan capabilities.
    pub capabilities: Vec<String>,
    /// Days of events kept.
    pub retention_days: i64,
    /// The tenant's first administrator (user name and password), so someone can grant access
    /// in it: the instance administrator itself gets no role in a tenant it creates.
    pub first_admin: Option<(String, String)>,
}

/// What changing a tenant may change; `None` leaves a property as it is.
#[derive(Debug, Clone, Default)]
pub struct TenantChanges {
    /// Display name.
    pub name: Option<String>,
    /// Plan capabilities (instance administrators).
    pub capabilities: Option<Vec<String>>,
    /// `active` or `suspended` (instance administrators).
    pub status: Option<String>,
    /// Days of events kept.
    pub retention_days: Option<i64>,
    /// The tenant's id at its telemetry source; empty clears it.
    pub external_tenant_id: Option<String>,
}

/// One tenant as a principal sees it in its multi-tenant view.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantView {
    /// The tenant.
    pub tenant_id: String,
    /// Its name.
    pub tenant_name: String,
    /// Whether the principal has it in its view.
    pub in_view: bool,
    /// `ok`, `noPermission`, `accessExpired` or `unreachable` (suspended).
    pub status: String,
    /// Why, when not ok.
    pub message: Option<String>,
    /// What the principal may do there.
    pub permissions: Vec<&'static str>,
    /// The plan's capabilities.
    pub capabilities: Vec<String>,
}

fn check_capabilities(capabilities: &[String]) -> Result<()> {
    for c in capabilities {
        if !CAPABILITIES.iter().any(|k| k.eq_ignore_ascii_case(c)) {
            return Err(AppError::BadRequest(format!(
                "unknown capability `{c}`; a plan may hold: {}",
                CAPABILITIES.join(", ")
            )));
        }
    }
    Ok(())
}

impl App {
    fn require_instance_admin(caller: &Caller) -> Result<()> {
        if caller.instance_admin {
            Ok(())
        } else {
            Err(AppError::Forbidden("only an instance administrator manages tenants".into()))
        }
    }

    /// Creates a tenant (instance administrators).
    pub async fn create_tenant(&self, caller: &Caller, new: NewTenant) -> Result<Tenant> {
        Self::require_instance_admin(caller)?;
        check_capabilities(&new.capabilities)?;
        if new.name.trim().is_empty() {
            return Err(AppError::BadRequest("a tenant needs a name".into()));
        }
        let tenant = Tenant {
            id: TenantId::new(new_id()),
            name: new.name.trim().to_string(),
            capabilities: new.capabilities,
            status: "active".into(),
            retention_days: new.retention_days.clamp(1, 3650),
            created_ns: self.now_ns(),
            external_tenant_id: None,
        };
        let first_admin = match &new.first_admin {
            Some((username, password)) => Some((username.trim().to_string(), crate::auth::hash_password(password)?)),
            None => None,
        };
        let now = tenant.created_ns;
        let mut tx = self.db.begin().await?;
        panoptes_db::insert_tenant(&mut tx, &tenant).await?;
        self.record(&mut tx, caller, &tenant.id, "tenant.create", &tenant.name, serde_json::json!({})).await?;
        if let Some((username, hash)) = first_admin {
            let user = panoptes_db::User {
                id: new_id(),
                tenant_id: tenant.id.clone(),
                username: username.clone(),
                display_name: format!("{} administrator", tenant.name),
                password_hash: Some(hash),
                failed_attempts: 0,
                locked_until_ns: 0,
                instance_admin: false,
            };
            let role = panoptes_rbac::BuiltInRole::Administrator;
            let assignment = assignment(
                tenant.id.clone(),
                panoptes_db::PrincipalKind::User,
                user.id.clone(),
                role.name().into(),
                role.permissions(),
            );
            let scope = TenantScope::authorized([tenant.id.clone()]);
            panoptes_db::insert_user(&mut tx, &user, now).await?;
            panoptes_db::assign_role(&mut tx, &scope, &assignment, now).await?;
            self.record(
                &mut tx,
                caller,
                &tenant.id,
                "user.create",
                &username,
                serde_json::json!({"roles": ["administrator"]}),
            )
            .await?;
        }
        tx.commit().await.map_err(panoptes_db::DbError::from)?;
        Ok(tenant)
    }

    /// Every tenant of the instance (instance administrators; names and plans, no data).
    pub async fn all_tenants(&self, caller: &Caller) -> Result<Vec<Tenant>> {
        Self::require_instance_admin(caller)?;
        let mut conn = self.db.conn().await?;
        Ok(panoptes_db::all_tenants(&mut conn).await?)
    }

    /// A tenant the caller can see (any grant) or administers the instance of.
    pub async fn tenant(&self, caller: &Caller, id: &TenantId) -> Result<Tenant> {
        let visible = caller.instance_admin || caller.access.permissions_in(id, self.now_ns()).is_ok();
        if !visible {
            return Err(AppError::NotFound(format!("tenant {id}")));
        }
        let mut conn = self.db.conn().await?;
        panoptes_db::tenant(&mut conn, id).await.map_err(|_| AppError::NotFound(format!("tenant {id}")))
    }

    /// Renames a tenant or changes its plan, status, retention or external id. The plan and
    /// status are the instance's to set; a tenant's own `settings.manage` may set the rest.
    pub async fn update_tenant(&self, caller: &Caller, id: &TenantId, changes: TenantChanges) -> Result<Tenant> {
        let TenantChanges { name, capabilities, status, retention_days, external_tenant_id } = changes;
        let mut tenant = self.tenant(caller, id).await?;
        if capabilities.is_some() || status.is_some() {
            Self::require_instance_admin(caller)?;
        } else if !caller.instance_admin {
            self.authorize(caller, id, Permission::SettingsManage, "tenant")?;
        }
        if let Some(capabilities) = capabilities {
            check_capabilities(&capabilities)?;
            tenant.capabilities = capabilities;
        }
        if let Some(status) = status {
            if status != "active" && status != "suspended" {
                return Err(AppError::BadRequest(format!("status `{status}` is not `active` or `suspended`")));
            }
            tenant.status = status;
        }
        if let Some(name) = name.filter(|n| !n.trim().is_empty()) {
            tenant.name = name.trim().to_string();
        }
        if let Some(days) = retention_days {
            tenant.retention_days = days.clamp(1, 3650);
        }
        if let Some(external) = external_tenant_id {
            let external = external.trim();
            tenant.external_tenant_id = (!external.is_empty()).then(|| external.to_string());
        }
        let mut tx = self.db.begin().await?;
        panoptes_db::update_tenant(&mut tx, &tenant).await?;
        let detail = serde_json::json!({"name": tenant.name, "capabilities": tenant.capabilities,
            "status": tenant.status, "externalTenantId": tenant.external_tenant_id});
        self.record(&mut tx, caller, id, "tenant.update", id.as_str(), detail).await?;
        tx.commit().await.map_err(panoptes_db::DbError::from)?;
        Ok(tenant)
    }

    /// Deletes a tenant with all its data; `confirm` must repeat its name.
    pub async fn delete_tenant(&self, caller: &Caller, id: &TenantId, confirm: &str) -> Result<u64> {
        Self::require_instance_admin(caller)?;
        let tenant = self.tenant(caller, id).await?;
        if confirm != tenant.name {
            return Err(AppError::BadRequest(format!(
                "deleting a tenant removes all its data: confirm by repeating its name `{}`",
                tenant.name
            )));
        }
        let scope = TenantScope::authorized([id.clone()]);
        let events = self.events.clone();
        let rows = tokio::task::spawn_blocking(move || events.delete_tenant_data(&scope))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
            .map_err(|e| AppError::EventStore(e.to_string()))?;
        let mut tx = self.db.begin().await?;
        panoptes_db::delete_tenant(&mut tx, id).await?;
        tx.commit().await.map_err(panoptes_db::DbError::from)?;
        tracing::info!(tenant = %id, rows, actor = %caller.id, "tenant deleted");
        Ok(rows)
    }

    /// The tenants the caller reaches, each with its status for the caller.
    pub async fn my_tenants(&self, caller: &Caller) -> Result<Vec<TenantView>> {
        let now = self.now_ns();
        let ids = caller.access.tenants();
        let mut conn = self.db.conn().await?;
        let tenants = panoptes_db::tenants_by_id(&mut conn, &ids).await?;
        let view = panoptes_db::view_of(&mut conn, &caller.id).await?;
        let mut out = Vec::new();
        for tenant in tenants {
            let held = caller.access.permissions_in(&tenant.id, now);
            let (status, message) = match (&held, tenant.status.as_str()) {
                (_, "suspended") => ("unreachable", Some("the tenant is suspended".to_string())),
                (Err(Denied::Expired), _) => ("accessExpired", Some("the delegated access has ended".to_string())),
                (Err(_), _) => ("noPermission", Some("no role in this tenant".to_string())),
                (Ok(set), _) if !set.contains(Permission::SecurityDataRead) => {
                    ("noPermission", Some("missing `securityData.read`".to_string()))
                }
                _ => ("ok", None),
            };
            out.push(TenantView {
                tenant_id: tenant.id.to_string(),
                in_view: view.is_empty() || view.contains(&tenant.id),
                tenant_name: tenant.name,
                status: status.into(),
                message,
                permissions: held
                    .map(|s| s.permissions().into_iter().map(Permission::name).collect())
                    .unwrap_or_default(),
                capabilities: tenant.capabilities,
            });
        }
        Ok(out)
    }

    /// Adds (`include`) or removes a tenant the caller reaches from its view.
    pub async fn set_in_view(&self, caller: &Caller, tenant: &TenantId, include: bool) -> Result<Vec<TenantView>> {
        if caller.access.permissions_in(tenant, self.now_ns()).is_err() {
            return Err(AppError::NotFound(format!("tenant {tenant}")));
        }
        let mut conn = self.db.conn().await?;
        let mut view = panoptes_db::view_of(&mut conn, &caller.id).await?;
        if view.is_empty() {
            // The first choice turns "everything" into an explicit list.
            for t in caller.access.tenants() {
                panoptes_db::add_to_view(&mut conn, &caller.home, &caller.id, &t).await?;
                view.push(t);
            }
        }
        if include {
            panoptes_db::add_to_view(&mut conn, &caller.home, &caller.id, tenant).await?;
        } else {
            panoptes_db::remove_from_view(&mut conn, &caller.id, tenant).await?;
        }
        drop(conn);
        self.my_tenants(caller).await
    }

    /// The caller's tenant groups, members it can no longer reach left out (and counted).
    pub async fn tenant_groups(&self, caller: &Caller) -> Result<Vec<(TenantGroup, usize)>> {
        let mut conn = self.db.conn().await?;
        let groups = panoptes_db::tenant_groups_of(&mut conn, &caller.id).await?;
        let reachable = caller.access.tenants();
        Ok(groups
            .into_iter()
            .map(|mut g| {
                let before = g.members.len();
                g.members.retain(|m| reachable.contains(m));
                let hidden = before - g.members.len();
                (g, hidden)
            })
            .collect())
    }

    /// Names a set of the caller's tenants.
    pub async fn create_tenant_group(
        &self,
        caller: &Caller,
        name: &str,
        members: Vec<TenantId>,
    ) -> Result<TenantGroup> {
        let reachable = caller.access.tenants();
        if let Some(unknown) = members.iter().find(|m| !reachable.contains(m)) {
            return Err(AppError::NotFound(format!("tenant {unknown}")));
        }
        let group = TenantGroup {
            id: new_id(),
            tenant_id: caller.home.clone(),
            owner_id: caller.id.clone(),
            name: name.trim().to_string(),
            members,
        };
        let mut conn = self.db.conn().await?;
        panoptes_db::insert_tenant_group(&mut conn, &group).await?;
        Ok(group)
    }
}
