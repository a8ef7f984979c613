//! Users, groups, role assignments, guests, delegated-access relationships and service
//! principals: all changed under `authorization.manage` in the tenant concerned, read under
//! `authorization.read`, and recorded in that tenant's ledger.

use panoptes_db::{Assignment, Delegation, DelegationState, Group, Guest, PrincipalKind, ServicePrincipal, User};
use panoptes_domain::TenantId;
use panoptes_rbac::{Permission, PermissionSet};
use serde_json::json;

use crate::auth::hash_password;
use crate::{App, AppError, Caller, Result, new_id};

/// What creating a user takes.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// The home tenant.
    pub tenant: TenantId,
    /// Sign-in name, unique in the instance.
    pub username: String,
    /// Shown name.
    pub display_name: String,
    /// Initial password (12 characters at least).
    pub password: String,
    /// Built-in roles in the home tenant.
    pub roles: Vec<String>,
}

/// A partner's request for delegated access.
#[derive(Debug, Clone)]
pub struct DelegationRequest {
    /// The customer tenant.
    pub customer: TenantId,
    /// The partner's group whose members will act.
    pub group_id: String,
    /// Built-in roles asked for.
    pub roles: Vec<String>,
    /// How long it runs once approved, in days.
    pub duration_days: i64,
}

/// The permissions of named roles: built-in names, or permission names for a custom role.
const DAY_NS: i64 = 86_400_000_000_000;

/// A new role assignment.
pub(crate) fn assignment(
    tenant: TenantId,
    kind: PrincipalKind,
    principal_id: String,
    role: String,
    permissions: PermissionSet,
) -> Assignment {
    Assignment { id: new_id(), tenant_id: tenant, principal_kind: kind, principal_id, role, permissions }
}

impl App {
    /// Creates a user in a tenant, with roles there.
    pub async fn create_user(&self, caller: &Caller, new: NewUser) -> Result<User> {
        let scope = self.authorize(caller, &new.tenant, Permission::AuthorizationManage, "tenant")?;
        let permissions = self.role_permissions(Some(&scope), &new.roles).await?;
        let user = User {
            id: new_id(),
            tenant_id: new.tenant.clone(),
            username: new.username.trim().to_string(),
            display_name: new.display_name,
            password_hash: Some(hash_password(&new.password)?),
            failed_attempts: 0,
            locked_until_ns: 0,
            instance_admin: false,
        };
        let now = self.now_ns();
        let mut tx = self.db.begin().await?;
        panoptes_db::insert_user(&mut tx, &user, now).await?;
        if !permissions.is_empty() {
            let assignment =
                assignment(new.tenant.clone(), PrincipalKind::User, user.id.clone(), new.roles.join(","), permissions);
            panoptes_db::assign_role(&mut tx, &scope, &assignment, now).await?;
        }
        self.record(&mut tx, caller, &new.tenant, "user.create", &user.username, json!({"roles": new.roles})).await?;
        tx.commit().await.map_err(panoptes_db::DbError::from)?;
        Ok(user)
    }

    /// A tenant's members.
    pub async fn users(&self, caller: &Caller, tenant: &TenantId) -> Result<Vec<User>> {
        let scope = self.authorize(caller, tenant, Permission::AuthorizationRead, "tenant")?;
        let mut conn = self.db.conn().await?;
        let users = panoptes_db::users_of(&mut conn, &scope).await?;
        drop(conn);
        self.record_reads(caller, &[tenant], "user.list", "users", json!({})).await?;
        Ok(users)
    }

    /// Assigns roles (built-in names, or permission names for a custom role) in a tenant.
    pub async fn assign_role(
        &self,
        caller: &Caller,
        tenant: &TenantId,
        kind: PrincipalKind,
        principal_id: &str,
        roles: Vec<String>,
    ) -> Result<Assignment> {
        let scope = self.authorize(caller, tenant, Permission::AuthorizationManage, "tenant")?;
        let permissions = self.role_permissions(Some(&scope), &roles).await?;
        self.check_principal_in(tenant, kind, principal_id).await?;
        let assignment = assignment(tenant.clone(), kind, principal_id.to_string(), roles.join(","), permissions);
        let mut tx = self.db.begin().await?;
        panoptes_db::assign_role(&mut tx, &scope, &assignment, self.now_ns()).await?;
        let detail = json!({"principalKind": kind.name(), "roles": roles});
        self.record(&mut tx, caller, tenant, "role.assign", principal_id, detail).await?;
        tx.commit().await.map_err(panoptes_db::DbError::from)?;
        Ok(assignment)
    }

    /// A principal that may hold roles in `tenant`: its own user, group or service principal,
    /// or a user with a guest account there.
    async fn check_principal_in(&self, tenant: &TenantId, kind: PrincipalKind, id: &str) -> Result<()> {
        let mut conn = self.db.conn().await?;
        let scope = panoptes_domain::TenantScope::authorized([tenant.clone()]);
        let ok = match kind {
            PrincipalKind::User => {
                let user = panoptes_db::user_by_id(&mut conn, id).await.ok();
                let guest =
                    panoptes_db::guests_of(&mut conn, Some(&scope), None).await?.iter().any(|g| g.user_id == id);
                user.is_some_and(|u| &u.tenant_id == tenant) || guest
            }
            PrincipalKind::ServicePrincipal => {
                panoptes_db::service_principal(&mut conn, id).await.is_ok_and(|p| &p.tenant_id == tenant)
            }
            PrincipalKind::Group => panoptes_db::group_in(&mut conn, &scope, id).await?,
        };
        if ok { Ok(()) } else { Err(AppError::NotFound(format!("{} {id}", kind.name()))) }
    }

    /// A tenant's role assignments.
    pub async fn assignments(&self, caller: &Caller, tenant: &TenantId) -> Result<Vec<Assignment>> {
        let scope = self.authorize(caller, tenant, Permission::AuthorizationRead, "tenant")?;
        let mut conn = self.db.conn().await?;
        Ok(panoptes_db::list_assignments(&mut conn, &scope).await?)
    }

    /// Removes a role assignment.
    pub async fn remove_assignment(&self, caller: &Caller, tenant: &TenantId, id: &str) -> Result<()> {
        let scope = self.authorize(caller, tenant, Permission::AuthorizationManage, "tenant")?;
        let mut tx = self.db.begin().await?;
        panoptes_db::remove_assignment(&mut tx, &scope, id).await?;
        self.record(&mut tx, caller, tenant, "role.remove", id, json!({})).await?;
        tx.commit().await.map_err(panoptes_db::DbError::from)?;
        Ok(())
    }

    /// A tenant's groups with their member counts (a partner picks one to act for it in a
    /// delegation).
    pub async fn groups(&self, caller: &Caller, tenant: &TenantId) -> Result<Vec<(Group, i64)>> {
        let scope = self.authorize(caller, tenant, Permission::AuthorizationRead, "tenant")?;
        let mut conn = self.db.conn().await?;
        Ok(panoptes_db::groups_of(&mut conn, &scope).await?)
    }

    /// Adds a group with members of the tenant.
    pub async fn create_group(
        &self,
        caller: &Caller,
        tenant: &TenantId,
        name: &str,
        members: &[String],
    ) -> Result<Group> {
        let scope = self.authorize(caller, tenant, Permission::AuthorizationManage, "tenant")?;
        let group = Group { id: new_id(), tenant_id: tenant.clone(), name: name.to_string() };
        let mut tx = self.db.begin().await?;
        panoptes_db::insert_group(&mut tx, &scope, &group).await?;
        for member in members {
            panoptes_db::add_group_member(&mut tx, &scope, &group.id, member).await?;
        }
        self.record(&mut tx, caller, tenant, "group.create", name, json!({"members": members})).await?;
        tx.commit().await.map_err(panoptes_db::DbError::from)?;
        Ok(group)
    }

    /// Invites a user of another tenant as a guest with roles in `tenant`.
    pub async fn invite_guest(
        &self,
        caller: &Caller,
        tenant: &TenantId,
        username: &str,
        roles: Vec<String>,
    ) -> Result<Guest> {
        let scope = self.authorize(caller, tenant, Permission::AuthorizationManage, "tenant")?;
        let permissions = self.role_permissions(Some(&scope), &roles).await?;
        let mut conn = self.db.conn().await?;
        let user = panoptes_db::user_by_username(&mut conn, username.trim())
            .await?
            .ok_or_else(|| AppError::NotFound(format!("user {username}")))?;
        drop(conn);
        if &user.tenant_id == tenant {
            return Err(AppError::BadRequest(format!("{username} is already a member of this tenant")));
        }
        let now = self.now_ns();
        let guest = Guest {
            id: new_id(),
            tenant_id: tenant.clone(),
            user_id: user.id.clone(),
            home_tenant_id: user.tenant_id.clone(),
            state: "invited".into(),
        };
        let assignment = assignment(tenant.clone(), PrincipalKind::User, user.id.clone(), roles.join(","), permissions);
        let mut tx = self.db.begin().await?;
        panoptes_db::insert_guest(&mut tx, &scope, &guest, now).await?;
        panoptes_db::assign_role(&mut tx, &scope, &assignment, now).await?;
        self.record(&mut tx, caller, tenant, "guest.invite", username, json!({"roles": roles})).await?;
        tx.commit().await.map_err(panoptes_db::DbError::from)?;
        Ok(guest)
    }

    /// The caller's own invitations into other tenants.
    pub async fn my_invitations(&self, caller: &Caller) -> Result<Vec<Guest>> {
        let mut conn = self.db.conn().await?;
        Ok(panoptes_db::guests_of(&mut conn, None, Some(&caller.id)).await?)
    }

    /// Accepts an invitation addressed to the caller.
    pub async fn accept_invitation(&self, caller: &Caller, guest_id: &str) -> Result<()> {
        let invitations = self.my_invitations(caller).await?;
        let guest = invitations
            .into_iter()
            .find(|g| g.id == guest_id)
            .ok_or_else(|| AppError::NotFound(format!("invitation {guest_id}")))?;
        let mut tx = self.db.begin().await?;
        panoptes_db::set_guest_state(&mut tx, guest_id, &caller.id, "accepted").await?;
        self.record(&mut tx, caller, &guest.tenant_id, "guest.accept", &caller.name, json!({})).await?;
        tx.commit().await.map_err(panoptes_db::DbError::from)?;
        Ok(())
    }

    /// Guests of a tenant.
    pub async fn guests(&self, caller: &Caller, tenant: &TenantId) -> Result<Vec<Guest>> {
        let scope = self.authorize(caller, tenant, Permission::AuthorizationRead, "tenant")?;
        let mut conn = self.db.conn().await?;
        Ok(panoptes_db::guests_of(&mut conn, Some(&scope), None).await?)
    }

    /// Display names of the tenants a tenant's guests come from and its delegations name, by
    /// id, for those who may read its access: a relationship shows whom it is with.
    pub async fn related_tenant_names(
        &self,
        caller: &Caller,
        tenant: &TenantId,
    ) -> Result<std::collections::BTreeMap<String, String>> {
        let scope = self.authorize(caller, tenant, Permission::AuthorizationRead, "tenant")?;
        let mut conn = self.db.conn().await?;
        let mut ids: Vec<TenantId> = panoptes_db::guests_of(&mut conn, Some(&scope), None)
            .await?
            .into_iter()
            .map(|g| g.home_tenant_id)
            .collect();
        for delegation in panoptes_db::delegations_of(&mut conn, &scope).await? {
            ids.extend([delegation.tenant_id, delegation.partner_tenant_id]);
        }
        ids.sort();
        ids.dedup();
        let tenants = panoptes_db::tenants_by_id(&mut conn, &ids).await?;
        Ok(tenants.into_iter().map(|t| (t.id.to_string(), t.name)).collect())
    }

    /// Removes a guest and its roles from a tenant; its access ends at once.
    pub async fn remove_guest(&self, caller: &Caller, tenant: &TenantId, guest_id: &str) -> Result<()> {
        let scope = self.authorize(caller, tenant, Permission::AuthorizationManage, "tenant")?;
        let mut tx = self.db.begin().await?;
        let guest = panoptes_db::remove_guest(&mut tx, &scope, guest_id).await?;
        self.record(&mut tx, caller, tenant, "guest.remove", &guest.user_id, json!({})).await?;
        tx.commit().await.map_err(panoptes_db::DbError::from)?;
        Ok(())
    }

    /// A partner asks a customer for delegated access for one of its groups.
    pub async fn request_delegation(&self, caller: &Caller, request: DelegationRequest) -> Result<Delegation> {
        let partner = caller.home.clone();
        let scope = self.authorize(caller, &partner, Permission::AuthorizationManage, "tenant")?;
        let permissions = self.role_permissions(None, &request.roles).await?;
        if !(1..=730).contains(&request.duration_days) {
            return Err(AppError::BadRequest("a delegation lasts between 1 and 730 days".into()));
        }
        let mut conn = self.db.conn().await?;
        panoptes_db::tenant(&mut conn, &request.customer)
            .await
            .map_err(|_| AppError::NotFound(format!("tenant {}", request.customer)))?;
        drop(conn);
        let delegation = Delegation {
            id: new_id(),
            tenant_id: request.customer.clone(),
            partner_tenant_id: partner.clone(),
            group_id: request.group_id,
            roles: request.roles,
            permissions,
            state: DelegationState::Requested,
            duration_ns: request.duration_days.saturating_mul(DAY_NS),
            starts_ns: None,
            ends_ns: None,
        };
        let mut tx = self.db.begin().await?;
        panoptes_db::insert_delegation(&mut tx, &scope, &delegation, self.now_ns()).await?;
        let detail = json!({"customer": delegation.tenant_id, "roles": delegation.roles});
        self.record(&mut tx, caller, &partner, "delegation.request", &delegation.id, detail).await?;
        tx.commit().await.map_err(panoptes_db::DbError::from)?;
        Ok(delegation)
    }

    /// Relationships of a tenant, as customer or partner.
    pub async fn delegations(&self, caller: &Caller, tenant: &TenantId) -> Result<Vec<Delegation>> {
        let scope = self.authorize(caller, tenant, Permission::AuthorizationRead, "tenant")?;
        let mut conn = self.db.conn().await?;
        Ok(panoptes_db::delegations_of(&mut conn, &scope).await?)
    }

    /// The customer approves (starting the clock) or rejects a requested relationship.
    pub async fn decide_delegation(
        &self,
        caller: &Caller,
        tenant: &TenantId,
        id: &str,
        approve: bool,
    ) -> Result<Delegation> {
        let scope = self.authorize(caller, tenant, Permission::AuthorizationManage, "tenant")?;
        let mut conn = self.db.conn().await?;
        let mut delegation = panoptes_db::delegation(&mut conn, &scope, id).await?;
        drop(conn);
        if &delegation.tenant_id != tenant {
            return Err(AppError::Forbidden("only the customer tenant approves or rejects".into()));
        }
        if delegation.state != DelegationState::Requested {
            return Err(AppError::Conflict(format!("the relationship is {}, not requested", delegation.state.name())));
        }
        let now = self.now_ns();
        if approve {
            delegation.state = DelegationState::Active;
            delegation.starts_ns = Some(now);
            delegation.ends_ns = Some(now.saturating_add(delegation.duration_ns));
        } else {
            delegation.state = DelegationState::Rejected;
        }
        let mut tx = self.db.begin().await?;
        panoptes_db::set_delegation(&mut tx, &scope, &delegation).await?;
        let action = if approve { "delegation.approve" } else { "delegation.reject" };
        self.record(&mut tx, caller, tenant, action, id, json!({"endsNs": delegation.ends_ns})).await?;
        tx.commit().await.map_err(panoptes_db::DbError::from)?;
        Ok(delegation)
    }

    /// Either side ends a relationship; access under it ends with the next request.
    pub async fn revoke_delegation(&self, caller: &Caller, tenant: &TenantId, id: &str) -> Result<Delegation> {
        let scope = self.authorize(caller, tenant, Permission::AuthorizationManage, "tenant")?;
        let mut conn = self.db.conn().await?;
        let mut delegation = panoptes_db::delegation(&mut conn, &scope, id).await?;
        drop(conn);
        if !matches!(delegation.state, DelegationState::Requested | DelegationState::Active) {
            return Err(AppError::Conflict(format!("the relationship is already {}", delegation.state.name())));
        }
        delegation.state = DelegationState::Revoked;
        let mut tx = self.db.begin().await?;
        panoptes_db::set_delegation(&mut tx, &scope, &delegation).await?;
        self.record(&mut tx, caller, &delegation.tenant_id, "delegation.revoke", id, json!({})).await?;
        tx.commit().await.map_err(panoptes_db::DbError::from)?;
        Ok(delegation)
    }

    /// Adds a service principal with roles in its tenant.
    /// The tenant's service principals and every API token kept in it (never their secrets).
    pub async fn service_principals(
        &self,
        caller: &Caller,
        tenant: &TenantId,
    ) -> Result<(Vec<ServicePrincipal>, Vec<panoptes_db::ApiToken>)> {
        let scope = self.authorize(caller, tenant, Permission::AuthorizationRead, "tenant")?;
        let mut conn = self.db.conn().await?;
        let principals = panoptes_db::service_principals_of(&mut conn, &scope).await?;
        let tokens = panoptes_db::tokens_of(&mut conn, &scope).await?;
        Ok((principals, tokens))
    }

    pub async fn create_service_principal(
        &self,
        caller: &Caller,
        tenant: &TenantId,
        name: &str,
        roles: Vec<String>,
    ) -> Result<ServicePrincipal> {
        let scope = self.authorize(caller, tenant, Permission::AuthorizationManage, "tenant")?;
        let permissions = self.role_permissions(Some(&scope), &roles).await?;
        let principal = ServicePrincipal { id: new_id(), tenant_id: tenant.clone(), name: name.to_string() };
        let now = self.now_ns();
        let assignment = assignment(
            tenant.clone(),
            PrincipalKind::ServicePrincipal,
            principal.id.clone(),
            roles.join(","),
            permissions,
        );
        let mut tx = self.db.begin().await?;
        panoptes_db::insert_service_principal(&mut tx, &scope, &principal, now).await?;
        panoptes_db::assign_role(&mut tx, &scope, &assignment, now).await?;
        self.record(&mut tx, caller, tenant, "servicePrincipal.create", name, json!({"roles": roles})).await?;
        tx.commit().await.map_err(panoptes_db::DbError::from)?;
        Ok(principal)
    }
}
