//! Roles: the built-in ones and each tenant's named custom roles (permission sets from the
//! fixed list). Roles are resolved to permissions when assigned; a custom role in use cannot
//! be deleted, so no assignment ever names a role that is gone.

use panoptes_db::CustomRole;
use panoptes_domain::{TenantId, TenantScope};
use panoptes_rbac::{BuiltInRole, Permission, PermissionSet};
use serde::Serialize;
use serde_json::json;

use crate::{App, AppError, Caller, Result, new_id};

/// A role as listed: built-in or the tenant's own.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleView {
    /// The custom role's id (none for built-in roles).
    pub id: Option<String>,
    /// The name assignments use.
    pub name: String,
    /// What it is for.
    pub description: String,
    /// Its permissions.
    pub permissions: Vec<String>,
    /// Built-in (not editable) or custom.
    pub built_in: bool,
}

fn names(set: PermissionSet) -> Vec<String> {
    set.permissions().iter().map(|p| p.name().to_string()).collect()
}

impl App {
    /// Permissions of roles named in the scope's tenant: built-in role names, the tenant's
    /// custom role names, or (for an unnamed custom role) comma-separated permission names.
    /// Without a scope (a partner asking a customer for delegated access cannot see the
    /// customer's roles) only the first and last.
    pub(crate) async fn role_permissions(
        &self,
        scope: Option<&TenantScope>,
        roles: &[String],
    ) -> Result<PermissionSet> {
        let mut set = PermissionSet::EMPTY;
        let mut custom: Option<Vec<CustomRole>> = None;
        for role in roles {
            let permissions = match BuiltInRole::parse(role) {
                Ok(built_in) => built_in.permissions(),
                Err(role_error) => {
                    if let (None, Some(scope)) = (&custom, scope) {
                        let mut conn = self.db.conn().await?;
                        custom = Some(panoptes_db::custom_roles_of(&mut conn, scope).await?);
                    }
                    match custom.iter().flatten().find(|c| c.name.eq_ignore_ascii_case(role)) {
                        Some(found) => PermissionSet::parse_names(&found.permissions)
                            .map_err(|e| AppError::Internal(format!("stored role {}: {e}", found.name)))?,
                        None => PermissionSet::parse_names(role).map_err(|_| {
                            AppError::BadRequest(format!(
                                "{role_error}, nor a custom role of this tenant; or name permissions for an unnamed role"
                            ))
                        })?,
                    }
                }
            };
            set = set.union(permissions);
        }
        Ok(set)
    }

    /// The built-in roles and the tenant's custom roles.
    pub async fn roles(&self, caller: &Caller, tenant: &TenantId) -> Result<Vec<RoleView>> {
        let scope = self.authorize(caller, tenant, Permission::AuthorizationRead, "tenant")?;
        let mut list: Vec<RoleView> = BuiltInRole::ALL
            .iter()
            .map(|r| RoleView {
                id: None,
                name: r.name().to_string(),
                description: format!("built-in {} role", r.name()),
                permissions: names(r.permissions()),
                built_in: true,
            })
            .collect();
        let mut conn = self.db.conn().await?;
        for role in panoptes_db::custom_roles_of(&mut conn, &scope).await? {
            let permissions = PermissionSet::parse_names(&role.permissions)
                .map_err(|e| AppError::Internal(format!("stored role {}: {e}", role.name)))?;
            list.push(RoleView {
                id: Some(role.id),
                name: role.name,
                description: role.description,
                permissions: names(permissions),
                built_in: false,
            });
        }
        Ok(list)
    }

    /// Defines a named custom role in a tenant.
    pub async fn create_role(
        &self,
        caller: &Caller,
        tenant: &TenantId,
        name: &str,
        description: &str,
        permissions: &[String],
    ) -> Result<RoleView> {
        let scope = self.authorize(caller, tenant, Permission::AuthorizationManage, "tenant")?;
        let name = name.trim();
        if name.is_empty() || name.contains(',') {
            return Err(AppError::BadRequest("a role needs a name without commas".into()));
        }
        if BuiltInRole::parse(name).is_ok() || PermissionSet::parse_names(name).is_ok() {
            return Err(AppError::BadRequest(format!(
                "`{name}` is a built-in role or permission name; choose another"
            )));
        }
        let set = PermissionSet::parse_names(&permissions.join(","))
            .map_err(|e| AppError::BadRequest(format!("{e}; permissions come from the fixed list")))?;
        if set.is_empty() {
            return Err(AppError::BadRequest("a role needs at least one permission".into()));
        }
        let role = CustomRole {
            id: new_id(),
            tenant_id: tenant.clone(),
            name: name.to_string(),
            description: description.trim().to_string(),
            permissions: set.to_names(),
        };
        let mut tx = self.db.begin().await?;
        panoptes_db::insert_custom_role(&mut tx, &scope, &role, self.now_ns()).await?;
        self.record(&mut tx, caller, tenant, "role.create", name, json!({"permissions": names(set)})).await?;
        tx.commit().await.map_err(panoptes_db::DbError::from)?;
        Ok(RoleView {
            id: Some(role.id),
            name: role.name,
            description: role.description,
            permissions: names(set),
            built_in: false,
        })
    }

    /// Deletes a custom role no assignment uses.
    pub async fn delete_role(&self, caller: &Caller, tenant: &TenantId, id: &str) -> Result<()> {
        let scope = self.authorize(caller, tenant, Permission::AuthorizationManage, "tenant")?;
        let mut tx = self.db.begin().await?;
        let role = panoptes_db::delete_custom_role(&mut tx, &scope, id).await?;
        let in_use = panoptes_db::list_assignments(&mut tx, &scope)
            .await?
            .iter()
            .filter(|a| a.role.split(',').any(|r| r.trim().eq_ignore_ascii_case(&role.name)))
            .count();
        if in_use > 0 {
            return Err(AppError::Conflict(format!(
                "role `{}` is in {in_use} role assignment(s); remove those first",
                role.name
            )));
        }
        self.record(&mut tx, caller, tenant, "role.delete", &role.name, json!({})).await?;
        tx.commit().await.map_err(panoptes_db::DbError::from)?;
        Ok(())
    }
}
